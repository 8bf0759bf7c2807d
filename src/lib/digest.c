/*
 * digest.c - SHA-256 and HMAC-SHA256 through Nettle (digest.h).
 */
#include "shoal-build.h"

#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#include "lib/digest.h"
#include "lib/util.h"

_Static_assert(DIGEST_SHA256_LEN == SHA256_DIGEST_SIZE,
    "DIGEST_SHA256_LEN is Nettle's SHA-256 size");

void
digest_sha256_hex(const void *p, size_t len, char out[DIGEST_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t md[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, len, p);
	sha256_digest(&ctx, sizeof(md), md);
	for (size_t i = 0; i < sizeof(md); i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 0x0f];
	}
	out[2 * sizeof(md)] = '\0';
}

void
digest_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg,
    size_t len, uint8_t out[DIGEST_SHA256_LEN])
{
	struct hmac_sha256_ctx ctx;

	hmac_sha256_set_key(&ctx, keylen, key);
	hmac_sha256_update(&ctx, len, msg);
	hmac_sha256_digest(&ctx, DIGEST_SHA256_LEN, out);
	mem_wipe(&ctx, sizeof(ctx));	/* it holds the key's pads */
}

int
digest_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memeql_sec(a, b, n);
}
