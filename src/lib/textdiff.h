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

/*
 * text (len bytes of "key = value" lines) with the value of every line
 * whose key is one of keys (NULL ended) replaced, for a diff against
 * other: "(redacted)" when other has the same key with the same value,
 * `changed` (e.g. "(redacted, old value)"; at most 32 bytes) when not, so
 * a diff shows that a secret changed and never what it is.  Indentation
 * is kept.  A malloc'ed string (its length in *outlen) the caller frees,
 * or NULL when out of memory.
 */
char *textdiff_redact(const char *text, size_t len, const char *other,
    size_t olen, const char *const *keys, const char *changed,
    size_t *outlen);

#endif
