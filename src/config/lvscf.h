/*
 * lvscf.h - Piranha's lvs.cf format: reading and canonical writing.
 *
 * The reader accepts every file Piranha reads (see doc/lvs.cf.5.in for the
 * grammar and shoal's extensions) and reports every problem with
 * FILE:LINE:COL.  It checks each value's syntax and range (keyword tables)
 * but leaves cross-checks to config_validate(); lvscf_read_*() call it.
 *
 * The writer is driven by the same keyword tables, so its output is
 * canonical: lvscf_read(lvscf_write(x)) == x, and writing twice gives the
 * same bytes.  Secrets (heartbeat_key) are written: the export is the
 * whole configuration.
 */
#ifndef SHOAL_LVSCF_H
#define SHOAL_LVSCF_H

#include <stddef.h>

#include "config/config.h"
#include "lib/diag.h"

/* Largest lvs.cf accepted (bytes); longer input is an error. */
#define LVSCF_MAX_SIZE		(16u * 1024 * 1024)
/* Longest token (quoted string or word). */
#define LVSCF_MAX_TOKEN		CFG_STR_MAX

/*
 * Parses buf[0..len) (need not be NUL-terminated) named `name` in messages.
 * On success (no errors; warnings allowed) returns 0 and sets *out to a new
 * config the caller frees with config_free().  On any error returns -1,
 * *out is NULL, and d lists every problem.  The whole config is validated
 * (config_validate) when the syntax is clean.
 */
int lvscf_read_buf(const char *name, const char *buf, size_t len,
    struct shoal_config **out, struct diag *d);
/* Same for a file; a file that cannot be read is one error in d. */
int lvscf_read_file(const char *path, struct shoal_config **out,
    struct diag *d);

/*
 * Writes c as canonical lvs.cf text.  Returns a NUL-terminated buffer the
 * caller frees (length in *len when len != NULL), or NULL on ENOMEM.
 */
char *lvscf_write(const struct shoal_config *c, size_t *len);

#endif
