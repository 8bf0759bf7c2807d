/* test_heartbeat.c - the heartbeat packet codec. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "pulse/heartbeat.h"

#define PEER_ID		0x11223344u
#define SELF_ID		0x55667788u

static struct hb_seq peer_seq;

static struct hb_seq *
lookup(uint32_t node, void *arg)
{
	(void)arg;
	return node == PEER_ID ? &peer_seq : NULL;
}

static const uint8_t key[] = "correct horse battery staple";

static void
make(struct hb_packet *p, uint64_t seq)
{
	memset(p, 0, sizeof(*p));
	p->hp_state = HB_STATE_ACTIVE;
	p->hp_priority = 150;
	p->hp_cluster = 7;
	p->hp_node = PEER_ID;
	p->hp_generation = 0x0102030405060708ull;
	memcpy(p->hp_hash, "\xde\xad\xbe\xef\x01\x02\x03\x04", HB_HASH_LEN);
	p->hp_seq = seq;
}

static void
ctx_init(struct hb_ctx *c, int keyed)
{
	memset(c, 0, sizeof(*c));
	c->hc_cluster = 7;
	c->hc_self = SELF_ID;
	c->hc_key = keyed ? key : NULL;
	c->hc_keylen = keyed ? sizeof(key) - 1 : 0;
	c->hc_lookup = lookup;
	memset(&peer_seq, 0, sizeof(peer_seq));
}

static void
test_round_trip(void **state)
{
	struct hb_packet p, q;
	struct hb_ctx c;
	uint8_t buf[HB_MAX_LEN];
	int n;

	(void)state;
	for (int keyed = 0; keyed < 2; keyed++) {
		ctx_init(&c, keyed);
		make(&p, 1000);
		p.hp_flags = HB_F_LEAVING;
		n = heartbeat_encode(&p, c.hc_key, c.hc_keylen, buf,
		    sizeof(buf));
		assert_int_equal(n, keyed ? HB_MAX_LEN : HB_HDR_LEN);
		assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_OK);
		assert_int_equal(q.hp_node, PEER_ID);
		assert_int_equal(q.hp_state, HB_STATE_ACTIVE);
		assert_int_equal(q.hp_priority, 150);
		assert_true(q.hp_flags & HB_F_LEAVING);
		assert_int_equal(!!(q.hp_flags & HB_F_MAC), keyed);
		assert_true(q.hp_generation == 0x0102030405060708ull);
		assert_memory_equal(q.hp_hash, p.hp_hash, HB_HASH_LEN);
		assert_true(q.hp_seq == 1000);
		assert_true(peer_seq.hs_last == 1000);
	}
	/* network byte order on the wire */
	assert_int_equal(buf[0], 'S');
	assert_int_equal(buf[3], 'B');
	assert_int_equal(buf[16], 1);
	assert_int_equal(buf[23], 8);
}

static void
test_truncated_and_oversize(void **state)
{
	struct hb_packet p, q;
	struct hb_ctx c;
	uint8_t buf[HB_MAX_LEN + 8];
	int n;

	(void)state;
	ctx_init(&c, 1);
	make(&p, 5);
	n = heartbeat_encode(&p, key, sizeof(key) - 1, buf, sizeof(buf));
	for (int len = 0; len < n; len++)
		assert_int_not_equal(heartbeat_decode(&c, buf, len, &q), HB_OK);
	assert_int_equal(heartbeat_decode(&c, buf, n - 1, &q), HB_ERR_SIZE);
	assert_int_equal(heartbeat_decode(&c, buf, n + 1, &q), HB_ERR_SIZE);
	assert_int_equal(heartbeat_encode(&p, key, sizeof(key) - 1, buf,
	    HB_MAX_LEN - 1), -1);
	assert_true(peer_seq.hs_last == 0);
}

static void
test_header_checks(void **state)
{
	struct hb_packet p, q;
	struct hb_ctx c;
	uint8_t buf[HB_MAX_LEN];
	int n;

	(void)state;
	ctx_init(&c, 0);
	make(&p, 5);
	n = heartbeat_encode(&p, NULL, 0, buf, sizeof(buf));
	buf[0] ^= 1;
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_ERR_MAGIC);
	buf[0] ^= 1;
	buf[4] = 2;
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_ERR_VERSION);
	buf[4] = HB_VERSION;
	buf[5] = 9;
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_ERR_STATE);
	p.hp_cluster = 8;
	n = heartbeat_encode(&p, NULL, 0, buf, sizeof(buf));
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_ERR_CLUSTER);
	p.hp_cluster = 7;
	p.hp_node = 42;
	n = heartbeat_encode(&p, NULL, 0, buf, sizeof(buf));
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_ERR_SENDER);
	p.hp_node = SELF_ID;
	n = heartbeat_encode(&p, NULL, 0, buf, sizeof(buf));
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_ERR_SELF);
	assert_true(peer_seq.hs_last == 0);
}

static void
test_mac(void **state)
{
	static const uint8_t other[] = "wrong key";
	struct hb_packet p, q;
	struct hb_ctx c;
	uint8_t buf[HB_MAX_LEN];
	int n;

	(void)state;
	ctx_init(&c, 1);
	make(&p, 5);
	/* wrong key */
	n = heartbeat_encode(&p, other, sizeof(other) - 1, buf, sizeof(buf));
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_ERR_MAC);
	/* no MAC at all when one is expected */
	n = heartbeat_encode(&p, NULL, 0, buf, sizeof(buf));
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_ERR_MAC);
	/* a flipped header bit (forged priority) */
	n = heartbeat_encode(&p, key, sizeof(key) - 1, buf, sizeof(buf));
	buf[7] = 255;
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_ERR_MAC);
	buf[7] = 150;
	buf[HB_MAX_LEN - 1] ^= 0x80;
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_ERR_MAC);
	/* a MAC sent to a receiver without a key */
	buf[HB_MAX_LEN - 1] ^= 0x80;
	ctx_init(&c, 0);
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_ERR_MAC);
	assert_true(peer_seq.hs_last == 0);
}

static void
test_replay(void **state)
{
	struct hb_packet p, q;
	struct hb_ctx c;
	uint8_t old[HB_MAX_LEN], buf[HB_MAX_LEN];
	int n, m;

	(void)state;
	ctx_init(&c, 1);
	make(&p, 10);
	m = heartbeat_encode(&p, key, sizeof(key) - 1, old, sizeof(old));
	assert_int_equal(heartbeat_decode(&c, old, m, &q), HB_OK);
	assert_int_equal(heartbeat_decode(&c, old, m, &q), HB_ERR_REPLAY);
	make(&p, 11);
	n = heartbeat_encode(&p, key, sizeof(key) - 1, buf, sizeof(buf));
	assert_int_equal(heartbeat_decode(&c, buf, n, &q), HB_OK);
	assert_int_equal(heartbeat_decode(&c, old, m, &q), HB_ERR_REPLAY);
	assert_true(peer_seq.hs_last == 11);
}

/* decode of packet p (MAC under k, NULL for none) */
static enum hb_err
feed(struct hb_ctx *c, const struct hb_packet *p, const uint8_t *k,
    size_t klen)
{
	uint8_t buf[HB_MAX_LEN];
	struct hb_packet q;
	int n = heartbeat_encode(p, k, klen, buf, sizeof(buf));

	assert_true(n > 0);
	return heartbeat_decode(c, buf, (size_t)n, &q);
}

/* With a key, packets that fail the MAC (or have none) never move the
 * sequence an authenticated stream depends on, whatever they carry. */
static void
test_keyed_forgery_changes_nothing(void **state)
{
	static const uint8_t other[] = "not the cluster's key at all";
	struct hb_packet p;
	struct hb_ctx c;

	(void)state;
	ctx_init(&c, 1);
	make(&p, 100);
	assert_int_equal(feed(&c, &p, key, sizeof(key) - 1), HB_OK);
	make(&p, UINT64_MAX);
	p.hp_flags = HB_F_LEAVING;
	assert_int_equal(feed(&c, &p, NULL, 0), HB_ERR_MAC);
	assert_int_equal(feed(&c, &p, other, sizeof(other) - 1), HB_ERR_MAC);
	assert_true(peer_seq.hs_last == 100 && peer_seq.hs_ncand == 0);
	make(&p, 101);
	assert_int_equal(feed(&c, &p, key, sizeof(key) - 1), HB_OK);
}

/* A key roll: the second key is accepted too, anything else is not. */
static void
test_two_keys(void **state)
{
	static const uint8_t next[] = "the next key of the cluster";
	static const uint8_t other[] = "not the cluster's key at all";
	struct hb_packet p;
	struct hb_ctx c;

	(void)state;
	ctx_init(&c, 1);
	c.hc_key2 = next;
	c.hc_key2len = sizeof(next) - 1;
	make(&p, 1);
	assert_int_equal(feed(&c, &p, key, sizeof(key) - 1), HB_OK);
	make(&p, 2);
	assert_int_equal(feed(&c, &p, next, sizeof(next) - 1), HB_OK);
	make(&p, 3);
	assert_int_equal(feed(&c, &p, other, sizeof(other) - 1), HB_ERR_MAC);
}

/* Without a key, one forged sequence far ahead is not trusted: the real
 * sender's next heartbeat still counts. */
static void
test_unkeyed_forged_far_ahead(void **state)
{
	struct hb_packet p;
	struct hb_ctx c;

	(void)state;
	ctx_init(&c, 0);
	make(&p, 1000);
	assert_int_equal(feed(&c, &p, NULL, 0), HB_OK);
	make(&p, UINT64_MAX);
	assert_int_equal(feed(&c, &p, NULL, 0), HB_ERR_AHEAD);
	make(&p, 1001);
	assert_int_equal(feed(&c, &p, NULL, 0), HB_OK);
	make(&p, 1000 + HB_SEQ_WINDOW + 1001);
	assert_int_equal(feed(&c, &p, NULL, 0), HB_ERR_AHEAD);
	make(&p, 1003);
	assert_int_equal(feed(&c, &p, NULL, 0), HB_OK);
	assert_true(peer_seq.hs_last == 1003);
}

/* Without a key, a forged sequence inside the window silences the real
 * sender for HB_SEQ_RUN - 1 heartbeats at most. */
static void
test_unkeyed_reanchor(void **state)
{
	struct hb_packet p;
	struct hb_ctx c;

	(void)state;
	ctx_init(&c, 0);
	make(&p, 1000);
	assert_int_equal(feed(&c, &p, NULL, 0), HB_OK);
	make(&p, 1000 + HB_SEQ_WINDOW);
	assert_int_equal(feed(&c, &p, NULL, 0), HB_OK);	/* forged */
	for (int i = 1; i < HB_SEQ_RUN; i++) {
		make(&p, 1000 + 2 * (uint64_t)i);
		assert_int_equal(feed(&c, &p, NULL, 0), HB_ERR_REPLAY);
	}
	make(&p, 1000 + 2 * HB_SEQ_RUN);
	assert_int_equal(feed(&c, &p, NULL, 0), HB_OK);
	make(&p, 1001 + 2 * HB_SEQ_RUN);
	assert_int_equal(feed(&c, &p, NULL, 0), HB_OK);
	/* a real jump (a sender back after a long partition) is followed
	 * after HB_SEQ_RUN heartbeats */
	for (int i = 1; i < HB_SEQ_RUN; i++) {
		make(&p, ((uint64_t)1 << 50) + (uint64_t)i);
		assert_int_equal(feed(&c, &p, NULL, 0), HB_ERR_AHEAD);
	}
	make(&p, ((uint64_t)1 << 50) + HB_SEQ_RUN);
	assert_int_equal(feed(&c, &p, NULL, 0), HB_OK);
}

/* Without a key, a restart (INIT) or LEAVING announcement moves the
 * sequence at once: a restarted sender starts far above, and the
 * supervisor's LEAVING for a dead worker is above anything it sent. */
static void
test_unkeyed_restart(void **state)
{
	struct hb_packet p;
	struct hb_ctx c;

	(void)state;
	ctx_init(&c, 0);
	make(&p, 1000);
	assert_int_equal(feed(&c, &p, NULL, 0), HB_OK);
	make(&p, heartbeat_seq_ceiling(5000));
	p.hp_flags = HB_F_LEAVING;
	assert_int_equal(feed(&c, &p, NULL, 0), HB_OK);
	make(&p, heartbeat_seq_first(9000, 0));
	p.hp_state = HB_STATE_INIT;
	assert_int_equal(feed(&c, &p, NULL, 0), HB_OK);
	/* but never backwards */
	make(&p, 1001);
	p.hp_state = HB_STATE_INIT;
	assert_int_equal(feed(&c, &p, NULL, 0), HB_ERR_REPLAY);
}

static void
test_sequences(void **state)
{
	uint64_t s, t, leave;

	(void)state;
	s = heartbeat_seq_first(1000, 0);
	assert_true(s == (uint64_t)1000 << HB_SEQ_SHIFT);
	t = heartbeat_seq_next(s, 1000);
	assert_true(t == s + 1);
	/* the counter overflowing moves time forward */
	s = (uint64_t)1000 << HB_SEQ_SHIFT | HB_SEQ_COUNTER_MAX;
	t = heartbeat_seq_next(s, 1000);
	assert_true(t > s);
	/* a LEAVING sent for a dead sender is above all its sequences, and
	 * the next sender starts above the LEAVING even in the same ms */
	leave = heartbeat_seq_ceiling(1000);
	assert_true(leave >= s);
	t = heartbeat_seq_first(1000, leave);
	assert_true(t > leave);
	assert_true(heartbeat_seq_first(5000, leave) > leave);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(heartbeat_err_name(HB_ERR_MAC), "bad_mac");
	assert_string_equal(heartbeat_err_name(HB_ERR_REPLAY), "replay");
	assert_string_equal(heartbeat_err_name(HB_ERR__MAX), "unknown");
	assert_string_equal(heartbeat_state_name(HB_STATE_ACTIVE), "active");
	assert_int_not_equal(heartbeat_node_id("n1"),
	    heartbeat_node_id("n2"));
	assert_int_not_equal(heartbeat_node_id(""), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated_and_oversize),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_keyed_forgery_changes_nothing),
		cmocka_unit_test(test_two_keys),
		cmocka_unit_test(test_unkeyed_forged_far_ahead),
		cmocka_unit_test(test_unkeyed_reanchor),
		cmocka_unit_test(test_unkeyed_restart),
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
