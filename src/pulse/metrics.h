/*
 * metrics.h - pulse's Prometheus metrics, in the text exposition format
 * (version 0.0.4), for the control socket's "metrics" (`shoalctl metrics`,
 * shoal-web's /metrics).  Names and units follow Prometheus' conventions
 * (shoal_ prefix, seconds, _total for counters, one-hot state gauges);
 * doc/protocol.md, "Metrics", lists them.
 */
#ifndef SHOAL_PULSE_METRICS_H
#define SHOAL_PULSE_METRICS_H

#include <stddef.h>

struct worker;

/* The whole text (malloc'ed, *len set); NULL on ENOMEM. */
char *metrics_render(const struct worker *, size_t *len);

#endif
