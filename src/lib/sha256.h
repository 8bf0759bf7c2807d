/*
 * sha256.h - SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104).
 *
 * shoal's own, so that pulse's two processes need no libcrypto: loading
 * OpenSSL 3 and its providers costs a daemon about 3 MB of resident
 * memory for two small functions.  Checked against the FIPS and RFC 4231
 * vectors and against libcrypto on random input (tests/unit/test_sha256).
 */
#ifndef SHOAL_SHA256_H
#define SHOAL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN		32
#define SHA256_BLOCK		64
#define SHA256_HEX_LEN		65	/* 64 digits and a NUL */

struct sha256 {
	uint32_t	sh_h[8];
	uint64_t	sh_bytes;		/* message length so far */
	uint8_t		sh_buf[SHA256_BLOCK];
	size_t		sh_fill;
};

void sha256_init(struct sha256 *);
void sha256_update(struct sha256 *, const void *, size_t);
void sha256_final(struct sha256 *, uint8_t out[SHA256_LEN]);
void sha256(const void *, size_t, uint8_t out[SHA256_LEN]);
/* out receives 64 lower-case hex digits and a NUL. */
void sha256_hex(const void *, size_t, char out[SHA256_HEX_LEN]);

void hmac_sha256(const uint8_t *key, size_t keylen, const void *msg,
    size_t len, uint8_t out[SHA256_LEN]);

/* Compares n bytes in a time that does not depend on where they differ. */
int sha256_equal(const uint8_t *, const uint8_t *, size_t n);

#endif
