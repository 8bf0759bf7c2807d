/*
 * secret.h - random secrets (heartbeat keys, tokens) from the kernel's
 * random number generator.
 */
#ifndef SHOAL_SECRET_H
#define SHOAL_SECRET_H

#include <stddef.h>

/*
 * Fills out with nbytes random bytes as 2 * nbytes lowercase hex
 * characters and a NUL (out holds at least 2 * nbytes + 1 bytes).
 * 0, or -1 with errno when getrandom(2) fails (out is then "").
 */
int secret_random_hex(char *out, size_t nbytes);

#endif
