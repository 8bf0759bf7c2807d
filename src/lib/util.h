/*
 * util.h - small helpers every part uses.
 */
#ifndef SHOAL_UTIL_H
#define SHOAL_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Copies src into dst of size n, always terminated; returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t n);
/* strdup that accepts NULL (returns NULL). */
char *str_dup_null(const char *s);
/* Replaces *dst by a copy of src (which may be NULL); 0 or -1 (ENOMEM). */
int str_set(char **dst, const char *src);
/* Overwrites n bytes in a way the compiler keeps (for secrets). */
void mem_wipe(void *p, size_t n);
/* Wipes and frees a NUL-terminated secret. */
void str_free_secret(char *s);
/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t clock_monotonic_ms(void);
/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. */
char *file_read_all(const char *path, size_t max, size_t *len);

#endif
