/*
 * test_maglev.c - the Maglev table of src/lb/maglev.c: its contract
 * (order independence, weight 0 = absent, a pinned table), shares and
 * disruption.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/maglev.h"

#define N	5

/* the contract, pinned (see test_pinned) */
#define MAGLEV_PIN_HASH0	0xc8502eec72c257f4ULL
#define MAGLEV_PIN_HASH1	0x0872b3da786ff574ULL
#define MAGLEV_PIN_TABLE	"1222202201121"

static uint8_t keys[N][7];

static void
mk(struct maglev_backend *b, int i, uint32_t w)
{
	keys[i][0] = 4;
	keys[i][1] = 10;
	keys[i][2] = 202;
	keys[i][3] = 0;
	keys[i][4] = (uint8_t)(i + 1);
	keys[i][5] = 0;
	keys[i][6] = 80;
	b->mb_key = keys[i];
	b->mb_keylen = sizeof(keys[i]);
	b->mb_weight = w;
}

static int32_t *
build(const struct maglev_backend *b, size_t n)
{
	int32_t *t = malloc(MAGLEV_SIZE * sizeof(*t));

	assert_non_null(t);
	assert_int_equal(maglev_build(b, n, MAGLEV_SIZE, t), 0);
	return t;
}

static void
counts(const int32_t *t, unsigned *c)
{
	int i;

	memset(c, 0, N * sizeof(*c));
	for (i = 0; i < MAGLEV_SIZE; i++) {
		assert_true(t[i] >= 0 && t[i] < N);
		c[t[i]]++;
	}
}

/* The same set in another order gives the same owner for every slot. */
static void
test_order(void **state)
{
	struct maglev_backend a[N], r[N];
	int32_t *ta, *tr;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		mk(&a[i], i, (uint32_t)(i + 1));
	for (i = 0; i < N; i++)
		r[i] = a[N - 1 - i];
	ta = build(a, N);
	tr = build(r, N);
	for (i = 0; i < MAGLEV_SIZE; i++)
		assert_int_equal(ta[i], N - 1 - tr[i]);
	free(ta);
	free(tr);
}

/* Weight 0 is the same as absent. */
static void
test_weight_zero(void **state)
{
	/* a[] index in the 5-entry build -> index in the 4-entry build */
	static const int32_t to4[N] = { 0, 1, -1, 3, 2 };
	struct maglev_backend a[N];
	int32_t *t0, *t4;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		mk(&a[i], i, 1);
	a[2].mb_weight = 0;
	t0 = build(a, N);
	a[2] = a[4];
	t4 = build(a, 4);
	for (i = 0; i < MAGLEV_SIZE; i++) {
		assert_int_not_equal(t0[i], 2);
		assert_int_equal(to4[t0[i]], t4[i]);
	}
	free(t0);
	free(t4);
}

/* Equal weights: every server within 1 % of the table of M / N slots. */
static void
test_shares(void **state)
{
	struct maglev_backend a[N];
	unsigned c[N];
	int32_t *t;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		mk(&a[i], i, 1);
	t = build(a, N);
	counts(t, c);
	for (i = 0; i < N; i++)
		assert_true(abs((int)c[i] - MAGLEV_SIZE / N) <=
		    MAGLEV_SIZE / 100);
	free(t);
	/* weights 1..5: shares of 1/15 .. 5/15, within 1 % of the table */
	for (i = 0; i < N; i++)
		mk(&a[i], i, (uint32_t)(i + 1));
	t = build(a, N);
	counts(t, c);
	for (i = 0; i < N; i++)
		assert_true(abs((int)c[i] - MAGLEV_SIZE * (i + 1) / 15) <=
		    MAGLEV_SIZE / 100);
	free(t);
}

/* One of five leaves: its slots move, few others (at most 25 % in all). */
static void
test_disruption(void **state)
{
	struct maglev_backend a[N];
	int32_t *all, *less;
	int gone, i, moved, extra;

	(void)state;
	for (gone = 0; gone < N; gone++) {
		for (i = 0; i < N; i++)
			mk(&a[i], i, 1);
		all = build(a, N);
		a[gone].mb_weight = 0;
		less = build(a, N);
		moved = extra = 0;
		for (i = 0; i < MAGLEV_SIZE; i++) {
			if (all[i] == less[i])
				continue;
			moved++;
			if (all[i] != gone)
				extra++;
		}
		assert_true(moved * 4 <= MAGLEV_SIZE);
		/* every slot of the one that left moved, and few others */
		for (i = 0; i < MAGLEV_SIZE; i++)
			assert_int_not_equal(less[i], gone);
		assert_true(extra * 20 <= MAGLEV_SIZE);
		free(all);
		free(less);
	}
}

static void
test_refused(void **state)
{
	struct maglev_backend a[2];
	int32_t t[7], i;

	(void)state;
	mk(&a[0], 0, 1);
	mk(&a[1], 1, 1);
	for (i = 0; i < 7; i++)
		t[i] = 99;
	assert_int_equal(maglev_build(a, 2, 8, t), -1);	/* not prime */
	assert_int_equal(t[0], 99);
	a[1] = a[0];					/* same key twice */
	assert_int_equal(maglev_build(a, 2, 7, t), -1);
	a[1].mb_keylen = 0;
	assert_int_equal(maglev_build(a, 2, 7, t), -1);
	/* nobody with a weight: every slot -1 */
	mk(&a[1], 1, 0);
	a[0].mb_weight = 0;
	assert_int_equal(maglev_build(a, 2, 7, t), 0);
	for (i = 0; i < 7; i++)
		assert_int_equal(t[i], -1);
	assert_true(maglev_is_prime(MAGLEV_SIZE));
}

/*
 * The contract pinned: the hash of fixed keys and the start of a fixed
 * table.  If this fails, directors of different versions would disagree:
 * change the contract in maglev.h deliberately, or not at all.
 */
static void
test_pinned(void **state)
{
	static const uint8_t k[] = "shoal";
	struct maglev_backend a[3];
	int32_t t[13];
	char got[64];
	int i, o = 0;

	(void)state;
	assert_true(maglev_hash(k, 5, 0) == MAGLEV_PIN_HASH0);
	assert_true(maglev_hash(k, 5, 1) == MAGLEV_PIN_HASH1);
	for (i = 0; i < 3; i++)
		mk(&a[i], i, (uint32_t)(i + 1));
	assert_int_equal(maglev_build(a, 3, 13, t), 0);
	for (i = 0; i < 13; i++)
		o += snprintf(got + o, sizeof(got) - (size_t)o, "%d", t[i]);
	assert_string_equal(got, MAGLEV_PIN_TABLE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_weight_zero),
		cmocka_unit_test(test_shares),
		cmocka_unit_test(test_disruption),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_pinned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
