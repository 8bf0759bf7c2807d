/*
 * maglev.h - Maglev consistent hashing, weighted: the lookup table shoal
 * computes for the `mh` scheduler and loads into an nftables map.
 *
 * Maglev (Eisenbud et al., "Maglev: A Fast and Reliable Software Network
 * Load Balancer", NSDI 2016) fills a table of prime size M from one
 * permutation of the slots per backend, taking turns, so that every
 * backend owns about M * weight / total slots and a backend that leaves
 * gives up only its own slots (plus a few others, a small fraction).  A
 * client is hashed to a slot; the slot names its backend.
 *
 *	struct maglev_backend b[3] = { ... };
 *	int32_t table[MAGLEV_SIZE];
 *	maglev_build(b, 3, MAGLEV_SIZE, table);   // table[i]: index into b
 *
 * CONTRACT (several directors rely on it: each must compute the same table
 * for the same service, so that a flow picks the same real server whichever
 * director receives it):
 *
 * 1. The table is a pure function of M and the *set* of (key, weight)
 *    pairs with weight > 0.  The order of b[] does not matter (backends are
 *    taken in ascending order of their key bytes, compared with memcmp, a
 *    shorter key first when one is a prefix of the other); backends of
 *    weight 0 are ignored as if absent.  table[i] is the index into the
 *    caller's b[] of the backend that owns slot i.
 * 2. Each backend's permutation comes from maglev_hash() below (exactly as
 *    documented there; it is part of the contract): offset = hash(key, 0)
 *    mod M, skip = hash(key, 1) mod (M - 1) + 1, and its j-th preference
 *    is (offset + j * skip) mod M.
 * 3. Filling: rounds over the backends in key order; in each round a
 *    backend's credit grows by its weight, and while its credit is at least
 *    the largest weight W it takes its next preferred free slot and pays W.
 *    With equal weights this is the paper's algorithm.  The fill stops when
 *    all M slots are taken.
 * 4. shoal's keys for real servers (lb_nft): one byte address family (4 or
 *    6), the address in network order (4 or 16 bytes), the port in network
 *    order (2 bytes).  M is MAGLEV_SIZE.  The kernel hashes a client with
 *    `jhash ip saddr mod M seed 0x73686f61` (nftables' jhash, Bob Jenkins'
 *    lookup3) to pick its slot.
 *
 * Changing any of this changes where clients go: bump it only together on
 * every director.
 */
#ifndef SHOAL_MAGLEV_H
#define SHOAL_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

/*
 * The table size: a prime.  4093 keeps nftables transactions small (about
 * 50 ms and 100 KB of nft text for a whole table) and gives each of up to
 * 40 real servers 100 slots or more, so shares stay within about 1 % of
 * the weights; larger services still work with coarser shares.
 */
#define MAGLEV_SIZE	4093

struct maglev_backend {
	const uint8_t	*mb_key;	/* identity; not copied */
	size_t		 mb_keylen;	/* > 0 */
	uint32_t	 mb_weight;	/* 0 = not in the table */
};

/*
 * FNV-1a (64 bit) of key with the offset basis xor'ed with seed, followed
 * by the splitmix64 finaliser:
 *	h = 0xcbf29ce484222325 ^ seed
 *	for each byte c: h = (h ^ c) * 0x100000001b3
 *	h ^= h >> 30; h *= 0xbf58476d1ce4e5b9; h ^= h >> 27;
 *	h *= 0x94d049bb133111eb; h ^= h >> 31
 */
uint64_t maglev_hash(const uint8_t *key, size_t len, uint64_t seed);

/* 1 when n is prime. */
int maglev_is_prime(uint32_t n);

/*
 * Fills table[0..m-1] (see the contract above).  m must be a prime of at
 * least 3 and at most 1 << 24; keys must be distinct.  When no backend has
 * a weight above 0 every slot is -1.  Returns 0, or -1 (m not prime, a
 * duplicate or empty key, ENOMEM) with the table untouched.
 */
int maglev_build(const struct maglev_backend *b, size_t n, uint32_t m,
    int32_t *table);

#endif
