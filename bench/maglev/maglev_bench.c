/*
 * maglev_bench.c - how many clients change real server when one of five
 * leaves: shoal's Maglev table (src/lb/maglev.c, as loaded for `mh`)
 * against a mod-N hash.
 *
 *   maglev_bench [CLIENTS [SEED]]
 *
 * Five real servers 10.202.0.1..5 port 80, weight 1 each (and a weighted
 * run, 1:2:3:4:5); CLIENTS random IPv4 client addresses (default 10000)
 * from SEED (default 1).  Each client is hashed with a lookup3 jhash, as
 * nftables' `jhash ip saddr mod M` does, and scaled into the table the way
 * the kernel scales (multiply-shift).  For every server in turn: the table
 * without it, and the fraction of all clients whose server changed;
 * "extra" is the fraction of clients of the *other* servers that moved
 * (0 for a perfect consistent hash).  Also printed: the time to build one
 * table and the largest deviation of a server's slot share from its
 * weight share.  One line per figure; bench/maglev/run.sh takes medians.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lb/maglev.h"

#define NSRV	5

static uint32_t
rol32(uint32_t w, unsigned s)
{
	return (w << s) | (w >> (32 - s));
}

/* lookup3's final mix over a 4-byte key, the shape of the kernel's jhash */
static uint32_t
jhash4(const uint8_t k[4], uint32_t seed)
{
	uint32_t a, b, c;

	a = b = c = 0xdeadbeef + 4 + seed;
	a += (uint32_t)k[3] << 24 | (uint32_t)k[2] << 16 |
	    (uint32_t)k[1] << 8 | k[0];
	c ^= b; c -= rol32(b, 14);
	a ^= c; a -= rol32(c, 11);
	b ^= a; b -= rol32(a, 25);
	c ^= b; c -= rol32(b, 16);
	a ^= c; a -= rol32(c, 4);
	b ^= a; b -= rol32(a, 14);
	c ^= b; c -= rol32(b, 24);
	return c;
}

/* the kernel's reciprocal_scale: h into [0, n) */
static uint32_t
scale(uint32_t h, uint32_t n)
{
	return (uint32_t)(((uint64_t)h * n) >> 32);
}

struct srv {
	uint8_t		 key[7];
	uint32_t	 weight;
};

static void
srv_init(struct srv *s, int i, uint32_t w)
{
	uint32_t a = htonl(0x0aca0001u + (uint32_t)i);	/* 10.202.0.1+i */
	uint16_t p = htons(80);

	s->key[0] = 4;
	memcpy(s->key + 1, &a, 4);
	memcpy(s->key + 5, &p, 2);
	s->weight = w;
}

/* Table of the servers in s[] whose index is not `gone` (-1: all). */
static void
table_of(const struct srv *s, int gone, int32_t *table)
{
	struct maglev_backend b[NSRV];
	int i;

	for (i = 0; i < NSRV; i++) {
		b[i].mb_key = s[i].key;
		b[i].mb_keylen = sizeof(s[i].key);
		b[i].mb_weight = i == gone ? 0 : s[i].weight;
	}
	if (maglev_build(b, NSRV, MAGLEV_SIZE, table) == -1) {
		fprintf(stderr, "maglev_build failed\n");
		exit(1);
	}
}

/* Server of a client: Maglev, or mod-N over the servers left. */
static int
pick_maglev(const int32_t *table, uint32_t h)
{
	return table[scale(h, MAGLEV_SIZE)];
}

static int
pick_modn(int gone, uint32_t h)
{
	int live[NSRV], n = 0, i;

	for (i = 0; i < NSRV; i++)
		if (i != gone)
			live[n++] = i;
	return live[h % (uint32_t)n];
}

static void
moved(const struct srv *s, const uint32_t *hash, int nclients,
    const char *label)
{
	static int32_t all[MAGLEV_SIZE], less[MAGLEV_SIZE];
	int gone, c, before, mv, mvm, others, extra;

	table_of(s, -1, all);
	for (gone = 0; gone < NSRV; gone++) {
		table_of(s, gone, less);
		mv = mvm = others = extra = 0;
		for (c = 0; c < nclients; c++) {
			before = pick_maglev(all, hash[c]);
			if (pick_maglev(less, hash[c]) != before) {
				mv++;
				if (before != gone)
					extra++;
			}
			if (before != gone)
				others++;
			if (pick_modn(gone, hash[c]) != pick_modn(-1, hash[c]))
				mvm++;
		}
		printf("%s leave=%d maglev_moved=%.4f maglev_extra=%.4f "
		    "modn_moved=%.4f\n", label, gone + 1,
		    (double)mv / nclients, others ? (double)extra / others : 0,
		    (double)mvm / nclients);
	}
}

static void
shares(const struct srv *s, const char *label)
{
	static int32_t t[MAGLEV_SIZE];
	uint32_t wsum = 0, cnt[NSRV] = { 0 };
	double dev = 0, d;
	int i;

	table_of(s, -1, t);
	for (i = 0; i < MAGLEV_SIZE; i++)
		cnt[t[i]]++;
	for (i = 0; i < NSRV; i++)
		wsum += s[i].weight;
	for (i = 0; i < NSRV; i++) {
		d = (double)cnt[i] / MAGLEV_SIZE - (double)s[i].weight / wsum;
		if (d < 0)
			d = -d;
		if (d > dev)
			dev = d;
	}
	printf("%s share_max_deviation=%.4f\n", label, dev);
}

static void
build_time(const struct srv *s)
{
	static int32_t t[MAGLEV_SIZE];
	struct timespec a, b;
	int i, n = 200;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		table_of(s, -1, t);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("build_us=%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 +
	    (b.tv_nsec - a.tv_nsec)) / n / 1e3);
}

int
main(int argc, char **argv)
{
	struct srv eq[NSRV], wt[NSRV];
	int nclients = argc > 1 ? atoi(argv[1]) : 10000, i;
	unsigned seed = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
	uint32_t *hash, a;

	if (nclients <= 0 || (hash = calloc((size_t)nclients,
	    sizeof(*hash))) == NULL)
		return 2;
	srandom(seed);
	for (i = 0; i < nclients; i++) {
		a = (uint32_t)random() ^ ((uint32_t)random() << 16);
		hash[i] = jhash4((const uint8_t *)&a, 0x73686f61);
	}
	for (i = 0; i < NSRV; i++) {
		srv_init(&eq[i], i, 1);
		srv_init(&wt[i], i, (uint32_t)i + 1);
	}
	printf("table_size=%d clients=%d seed=%u\n", MAGLEV_SIZE, nclients,
	    seed);
	moved(eq, hash, nclients, "equal");
	moved(wt, hash, nclients, "weighted");
	shares(eq, "equal");
	shares(wt, "weighted");
	build_time(eq);
	free(hash);
	return 0;
}
