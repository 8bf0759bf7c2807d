/*
 * textdiff.h - unified diff of two texts, line by line (like `diff -u`).
 *
 * Used by `shoalctl config diff` and the web UI's history page to show
 * what changed between two generations' lvs.cf exports.  The line
 * matching is a minimal edit script (Myers' O(ND) algorithm in linear
 * space), so the output is what diff(1) would print, minus timestamps.
 */
#ifndef SHOAL_TEXTDIFF_H
#define SHOAL_TEXTDIFF_H

#include <stddef.h>

#define TEXTDIFF_CONTEXT	3	/* diff -u's default */

/*
 * Compares a[0..alen) (labelled name_a on the "---" line) with b[0..blen)
 * (labelled name_b) and returns the unified diff with `context` lines of
 * context as a NUL-terminated string the caller frees; its length goes to
 * *outlen when outlen is not NULL.  Equal texts give "" (empty string).
 * A last line without a newline is marked "\ No newline at end of file".
 * Returns NULL on ENOMEM.
 */
char *textdiff_unified(const char *a, size_t alen, const char *b,
    size_t blen, const char *name_a, const char *name_b, int context,
    size_t *outlen);

#endif
