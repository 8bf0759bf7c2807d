/*
 * test_leave.c - the leave plan the worker hands the supervisor: built
 * from a runtime configuration, through the wire and back; every
 * truncation, a wrong magic, a bad address family or prefix and an
 * unterminated interface name are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "pulse/leave.h"
#include "pulse/runtime.h"

static void
v4(struct cfg_addr *a, const char *s)
{
	a->family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, s, &a->u.v4), 1);
}

static void
v6(struct cfg_addr *a, const char *s)
{
	a->family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, s, &a->u.v6), 1);
}

/* A three-node runtime: self n1, peers n2 (two paths) and n3. */
static void
make_rt(struct pulse_rt *rt, struct rt_node *nodes, struct rt_vip *vips)
{
	static uint8_t key[] = "a cluster key";

	memset(rt, 0, sizeof(*rt));
	memset(nodes, 0, 3 * sizeof(*nodes));
	memset(vips, 0, 2 * sizeof(*vips));
	nodes[0].rn_id = 11;
	v4(&nodes[0].rn_addrs[0], "192.0.2.1");
	nodes[0].rn_naddrs = 1;
	nodes[1].rn_id = 12;
	v4(&nodes[1].rn_addrs[0], "192.0.2.2");
	v4(&nodes[1].rn_addrs[1], "198.51.100.2");
	nodes[1].rn_naddrs = 2;
	nodes[2].rn_id = 13;
	v6(&nodes[2].rn_addrs[0], "2001:db8::3");
	nodes[2].rn_naddrs = 1;
	v4(&vips[0].rv_addr, "192.0.2.100");
	vips[0].rv_prefix = 24;
	strcpy(vips[0].rv_dev, "eth0");
	strcpy(vips[0].rv_label, "eth0:1");
	v6(&vips[1].rv_addr, "2001:db8::100");
	vips[1].rv_prefix = 64;
	strcpy(vips[1].rv_dev, "eth1");
	strcpy(vips[1].rv_label, "eth1");
	rt->rt_nodes = nodes;
	rt->rt_nnodes = 3;
	rt->rt_self = 0;
	rt->rt_vips = vips;
	rt->rt_nvips = 2;
	rt->rt_cluster = 7;
	rt->rt_port = 539;
	rt->rt_key = key;
	rt->rt_keylen = sizeof(key) - 1;
	rt->rt_generation = 42;
	memset(rt->rt_hash_prefix, 0xab, HB_HASH_LEN);
}

static void
test_round_trip(void **state)
{
	struct rt_node nodes[3];
	struct rt_vip vips[2];
	struct pulse_rt rt;
	struct leave_plan a, b;
	uint8_t *buf;
	size_t len;

	(void)state;
	make_rt(&rt, nodes, vips);
	assert_int_equal(leave_plan_build(&rt, &a), 0);
	assert_int_equal(a.lp_node, 11);
	assert_int_equal(a.lp_npeers, 3);	/* self is not a peer */
	assert_int_equal(a.lp_nvips, 2);
	assert_non_null(buf = leave_plan_encode(&a, &len));
	assert_int_equal(leave_plan_decode(buf, len, &b), 0);
	assert_int_equal(b.lp_cluster, 7);
	assert_int_equal(b.lp_node, 11);
	assert_int_equal(b.lp_port, 539);
	assert_int_equal(b.lp_generation, 42);
	assert_memory_equal(b.lp_hash, rt.rt_hash_prefix, HB_HASH_LEN);
	assert_int_equal(b.lp_keylen, rt.rt_keylen);
	assert_memory_equal(b.lp_key, rt.rt_key, rt.rt_keylen);
	assert_int_equal(b.lp_npeers, 3);
	assert_true(cfg_addr_equal(&b.lp_peers[1], &nodes[1].rn_addrs[1]));
	assert_true(cfg_addr_equal(&b.lp_peers[2], &nodes[2].rn_addrs[0]));
	assert_int_equal(b.lp_nvips, 2);
	assert_string_equal(b.lp_vips[0].lv_label, "eth0:1");
	assert_string_equal(b.lp_vips[1].lv_dev, "eth1");
	assert_int_equal(b.lp_vips[1].lv_prefix, 64);
	assert_true(cfg_addr_equal(&b.lp_vips[1].lv_addr, &vips[1].rv_addr));
	free(buf);
	leave_plan_clear(&a);
	leave_plan_clear(&b);

	/* no key, no peers, no VIPs: still a plan */
	rt.rt_key = NULL;
	rt.rt_keylen = 0;
	rt.rt_nnodes = 1;
	rt.rt_nvips = 0;
	assert_int_equal(leave_plan_build(&rt, &a), 0);
	assert_non_null(buf = leave_plan_encode(&a, &len));
	assert_int_equal(leave_plan_decode(buf, len, &b), 0);
	assert_null(b.lp_key);
	assert_int_equal(b.lp_npeers, 0);
	assert_int_equal(b.lp_nvips, 0);
	free(buf);
	leave_plan_clear(&a);
	leave_plan_clear(&b);
}

/* The plan of make_rt()'s runtime. */
static void
plan_of(struct leave_plan *lp)
{
	struct rt_node nodes[3];
	struct rt_vip vips[2];
	struct pulse_rt rt;

	make_rt(&rt, nodes, vips);
	assert_int_equal(leave_plan_build(&rt, lp), 0);
}

/* Encodes the plan after letting fn spoil it; decode must refuse. */
static void
refused(void (*fn)(struct leave_plan *))
{
	struct leave_plan a, b;
	uint8_t *buf;
	size_t len;

	plan_of(&a);
	fn(&a);
	assert_non_null(buf = leave_plan_encode(&a, &len));
	assert_int_equal(leave_plan_decode(buf, len, &b), -1);
	assert_null(b.lp_peers);
	free(buf);
	leave_plan_clear(&a);
}

static void bad_family(struct leave_plan *lp) { lp->lp_peers[1].family = 99; }
static void bad_prefix4(struct leave_plan *lp) { lp->lp_vips[0].lv_prefix = 33; }
static void bad_prefix6(struct leave_plan *lp) { lp->lp_vips[1].lv_prefix = -1; }
static void
bad_dev(struct leave_plan *lp)
{
	memset(lp->lp_vips[0].lv_dev, 'x', sizeof(lp->lp_vips[0].lv_dev));
}

static void
test_refused(void **state)
{
	struct leave_plan a, b;
	uint8_t *buf, *big;
	size_t len;

	(void)state;
	refused(bad_family);
	refused(bad_prefix4);
	refused(bad_prefix6);
	refused(bad_dev);

	plan_of(&a);
	assert_non_null(buf = leave_plan_encode(&a, &len));
	for (size_t n = 0; n < len; n++)	/* every truncation */
		assert_int_equal(leave_plan_decode(buf, n, &b), -1);
	big = calloc(1, len + 1);		/* one byte too many */
	memcpy(big, buf, len);
	assert_int_equal(leave_plan_decode(big, len + 1, &b), -1);
	buf[0] ^= 1;				/* the magic */
	assert_int_equal(leave_plan_decode(buf, len, &b), -1);
	free(big);
	free(buf);
	leave_plan_clear(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
