/*
 * prom.h - writing the Prometheus text exposition format (version 0.0.4):
 * the HELP/TYPE lines of a family and label values with their escapes.
 * Used by pulse's metrics and shoal-web's /metrics.
 */
#ifndef SHOAL_PROM_H
#define SHOAL_PROM_H

#include <stdio.h>

/* "# HELP name help" and "# TYPE name type" (counter, gauge...). */
void prom_family(FILE *, const char *name, const char *type,
    const char *help);
/* s as a label value: \, " and newline escaped (without the quotes). */
void prom_label(FILE *, const char *s);

#endif
