/*
 * test_digest.c - SHA-256 and HMAC-SHA256 as shoal calls them (digest.h,
 * on Nettle): the FIPS 180-4 and RFC 4231 vectors, then random messages
 * and keys against OpenSSL's libcrypto.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/digest.h"

static void
hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void
test_fips_vectors(void **state)
{
	static const struct {
		const char *msg;
		const char *md;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223"
		    "b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039"
		    "a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		    "cf5b16a778af8380036ce59e7b049237"
		    "0b249b11e8f07a51afac45037afee9d1" },
	};
	char out[DIGEST_SHA256_HEX];
	char *a;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		digest_sha256_hex(v[i].msg, strlen(v[i].msg), out);
		assert_string_equal(out, v[i].md);
	}
	/* one million 'a' */
	assert_non_null(a = malloc(1000000));
	memset(a, 'a', 1000000);
	digest_sha256_hex(a, 1000000, out);
	free(a);
	assert_string_equal(out, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}

static size_t
unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void
test_rfc4231(void **state)
{
	static const struct {
		const char *key, *data, *mac;	/* hex */
	} v[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		    "4869205468657265",
		    "b0344c61d8db38535ca8afceaf0bf12b"
		    "881dc200c9833da726e9376c2e32cff7" },
		{ "4a656665",
		    "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		    "5bdcc146bf60754e6a042426089575c7"
		    "5a003f089d2739839dec58b964ec3843" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		    "dddddddddddddddddddddddddddddddddddddddddddddddddddd"
		    "dddddddddddddddddddddddddddddddddddddddddddddddd",
		    "773ea91e36800e46854db8ebd09181a7"
		    "2959098b3ef8c122d9635514ced565fe" },
		{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
		    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		    "82558a389a443c0ea4cc819899f2083a"
		    "85f0faa3e578f8077a2e3ff46729665b" },
		/* a 131-byte key: hashed before use */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaa",
		    "54657374205573696e67204c6172676572205468616e20426c6f63"
		    "6b2d53697a65204b6579202d2048617368204b6579204669727374",
		    "60e431591ee0b67f0d8a26aacbf5b77f"
		    "8e0bc6213728c5140546040f0ee37f54" },
	};
	uint8_t key[256], data[256], mac[DIGEST_SHA256_LEN];
	char out[2 * DIGEST_SHA256_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t kl = unhex(v[i].key, key), dl = unhex(v[i].data, data);

		digest_hmac_sha256(key, kl, data, dl, mac);
		hex(mac, sizeof(mac), out);
		assert_string_equal(out, v[i].mac);
	}
}

/* 2000 random messages (0..300 bytes) and keys (0..150 bytes) against
 * libcrypto. */
static void
test_against_libcrypto(void **state)
{
	uint8_t msg[300], key[150], a[DIGEST_SHA256_LEN], b[EVP_MAX_MD_SIZE];
	char ahex[DIGEST_SHA256_HEX], bhex[DIGEST_SHA256_HEX];
	unsigned int blen;

	(void)state;
	srand(4231);
	for (int round = 0; round < 2000; round++) {
		size_t ml = (size_t)rand() % sizeof(msg);
		size_t kl = (size_t)rand() % sizeof(key);

		for (size_t i = 0; i < ml; i++)
			msg[i] = (uint8_t)rand();
		for (size_t i = 0; i < kl; i++)
			key[i] = (uint8_t)rand();
		digest_sha256_hex(msg, ml, ahex);
		assert_int_equal(EVP_Digest(msg, ml, b, &blen, EVP_sha256(),
		    NULL), 1);
		hex(b, DIGEST_SHA256_LEN, bhex);
		assert_string_equal(ahex, bhex);
		digest_hmac_sha256(key, kl, msg, ml, a);
		assert_non_null(HMAC(EVP_sha256(), key, (int)kl, msg, ml, b,
		    &blen));
		assert_memory_equal(a, b, DIGEST_SHA256_LEN);
	}
}

static void
test_equal(void **state)
{
	uint8_t a[32] = { 1, 2, 3 }, b[32] = { 1, 2, 3 };

	(void)state;
	assert_true(digest_equal(a, b, sizeof(a)));
	b[31] ^= 0x80;
	assert_false(digest_equal(a, b, sizeof(a)));
	assert_true(digest_equal(a, b, 31));
	assert_true(digest_equal(a, b, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_against_libcrypto),
		cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
