/*
 * digest.h - SHA-256 and HMAC-SHA256, from GNU Nettle.
 *
 * Nettle, not OpenSSL's libcrypto, because pulse's two processes link it
 * and its footprint is the smallest of the well-kept libraries: a 310 kB
 * library with no global initialisation, no configuration file and no
 * providers to load (libcrypto 3 costs a daemon about 3 MB resident
 * before the first hash); doc/architecture.md has the comparison.
 */
#ifndef SHOAL_DIGEST_H
#define SHOAL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_SHA256_LEN	32
#define DIGEST_SHA256_HEX	65	/* 64 lower-case hex digits and a NUL */

/* out receives the SHA-256 of the len bytes at p in lower-case hex. */
void digest_sha256_hex(const void *p, size_t len,
    char out[DIGEST_SHA256_HEX]);

/* HMAC-SHA256 (RFC 2104) of msg with key into out. */
void digest_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg,
    size_t len, uint8_t out[DIGEST_SHA256_LEN]);

/* 1 when the n bytes at a and b are equal, in a time that does not depend
 * on where they differ; else 0. */
int digest_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif
