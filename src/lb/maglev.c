/*
 * maglev.c - the Maglev lookup table (see maglev.h for the contract).
 */
#include "shoal-build.h"

#include <stdlib.h>
#include <string.h>

#include "lb/maglev.h"

/* One backend while filling: its permutation and its turn. */
struct mg_turn {
	size_t		 t_index;	/* into the caller's b[] */
	uint32_t	 t_offset;
	uint32_t	 t_skip;
	uint32_t	 t_next;	/* next preference to try */
	uint64_t	 t_credit;
	uint32_t	 t_weight;
	const uint8_t	*t_key;
	size_t		 t_keylen;
};

uint64_t
maglev_hash(const uint8_t *key, size_t len, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= key[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

int
maglev_is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return 0;
	for (d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

/* Key order: memcmp over the common length, then the shorter first. */
static int
turn_cmp(const void *a, const void *b)
{
	const struct mg_turn *x = a, *y = b;
	size_t n = x->t_keylen < y->t_keylen ? x->t_keylen : y->t_keylen;
	int c;

	if ((c = memcmp(x->t_key, y->t_key, n)) != 0)
		return c;
	return x->t_keylen < y->t_keylen ? -1 : x->t_keylen > y->t_keylen;
}

/*
 * The backends of weight > 0 in key order, with their permutations, into
 * a new array (*np entries) the caller frees; NULL on ENOMEM or a bad key
 * (*np is then left as is).
 */
static struct mg_turn *
turns_new(const struct maglev_backend *b, size_t n, uint32_t m, size_t *np,
    uint32_t *wmax)
{
	struct mg_turn *t;
	size_t i, k = 0;

	if ((t = calloc(n + 1, sizeof(*t))) == NULL)
		return NULL;
	*wmax = 0;
	for (i = 0; i < n; i++) {
		if (b[i].mb_keylen == 0 || b[i].mb_key == NULL)
			goto fail;
		if (b[i].mb_weight == 0)
			continue;
		t[k].t_index = i;
		t[k].t_key = b[i].mb_key;
		t[k].t_keylen = b[i].mb_keylen;
		t[k].t_weight = b[i].mb_weight;
		t[k].t_offset = (uint32_t)(maglev_hash(b[i].mb_key,
		    b[i].mb_keylen, 0) % m);
		t[k].t_skip = (uint32_t)(maglev_hash(b[i].mb_key,
		    b[i].mb_keylen, 1) % (m - 1)) + 1;
		if (b[i].mb_weight > *wmax)
			*wmax = b[i].mb_weight;
		k++;
	}
	qsort(t, k, sizeof(*t), turn_cmp);
	for (i = 1; i < k; i++)
		if (turn_cmp(&t[i - 1], &t[i]) == 0)
			goto fail;
	*np = k;
	return t;
fail:
	free(t);
	return NULL;
}

/* The backend takes its next preferred free slot. */
static void
take_slot(struct mg_turn *t, uint32_t m, int32_t *table)
{
	uint32_t c;

	for (;;) {
		c = (uint32_t)(((uint64_t)t->t_next * t->t_skip +
		    t->t_offset) % m);
		t->t_next++;
		if (table[c] < 0) {
			table[c] = (int32_t)t->t_index;
			return;
		}
	}
}

static void
fill(struct mg_turn *t, size_t k, uint32_t wmax, uint32_t m, int32_t *table)
{
	uint32_t filled = 0;
	size_t i;

	for (;;) {
		for (i = 0; i < k; i++) {
			t[i].t_credit += t[i].t_weight;
			while (t[i].t_credit >= wmax) {
				t[i].t_credit -= wmax;
				take_slot(&t[i], m, table);
				if (++filled == m)
					return;
			}
		}
	}
}

int
maglev_build(const struct maglev_backend *b, size_t n, uint32_t m,
    int32_t *table)
{
	struct mg_turn *t;
	uint32_t wmax, i;
	size_t k = 0;
	int32_t *tmp;

	if (m < 3 || m > (1U << 24) || !maglev_is_prime(m))
		return -1;
	if ((t = turns_new(b, n, m, &k, &wmax)) == NULL)
		return -1;
	if ((tmp = malloc(m * sizeof(*tmp))) == NULL) {
		free(t);
		return -1;
	}
	for (i = 0; i < m; i++)
		tmp[i] = -1;
	if (k > 0)
		fill(t, k, wmax, m, tmp);
	memcpy(table, tmp, m * sizeof(*tmp));
	free(tmp);
	free(t);
	return 0;
}
