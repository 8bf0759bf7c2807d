/*
 * test_lb_preview.c - the change preview's pure parts (lb/lb_preview.h):
 * the IPVS differences in ipvsadm notation (the same walk the IPVS
 * backend sends to the kernel: test_lb_ipvs_diff checks those commands)
 * and the expected traffic shares per scheduler.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "lb/lb_preview.h"
#include "lb/lb_state.h"

static struct lb_svc_key
key(const char *vip, enum cfg_protocol proto, uint16_t port)
{
	struct lb_svc_key k;

	memset(&k, 0, sizeof(k));
	assert_int_equal(cfg_addr_parse(&k.ks_addr, vip), 0);
	k.ks_af = k.ks_addr.family;
	k.ks_proto = proto;
	k.ks_port = port;
	return k;
}

static void
add_dest(struct lb_service *s, const char *addr, uint16_t port, int w)
{
	struct lb_dest d;

	memset(&d, 0, sizeof(d));
	assert_int_equal(cfg_addr_parse(&d.d_addr, addr), 0);
	d.d_port = port;
	d.d_weight = w;
	assert_int_equal(lb_service_set_dest(s, &d), 0);
}

/* web: wrr NAT on 10.0.0.1:80 with rs1 (w1), rs2 (w2). */
static void
web(struct lb_state *st, enum cfg_scheduler sched, int w1, int w2)
{
	struct lb_svc_key k = key("10.0.0.1", CFG_PROTO_TCP, 80);
	struct lb_service s;

	lb_service_init(&s, &k);
	s.s_sched = sched;
	s.s_fwd = CFG_NET_NAT;
	if (w1 >= 0)
		add_dest(&s, "192.168.1.1", 80, w1);
	if (w2 >= 0)
		add_dest(&s, "192.168.1.2", 80, w2);
	assert_int_equal(lb_state_add_service(st, &s), 0);
	lb_service_clear(&s);
}

static void
expect_preview(const struct lb_state *from, const struct lb_state *to,
    const char *want)
{
	char *p = lb_ipvs_preview(from, to);

	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);
}

static void
test_ipvs_nothing(void **state)
{
	struct lb_state a, b;

	(void)state;
	lb_state_init(&a);
	lb_state_init(&b);
	expect_preview(&a, &b, "");
	web(&a, CFG_SCHED_WRR, 1, 2);
	web(&b, CFG_SCHED_WRR, 1, 2);
	expect_preview(&a, &b, "");
	lb_state_clear(&a);
	lb_state_clear(&b);
}

static void
test_ipvs_add_remove(void **state)
{
	struct lb_state a, b;

	(void)state;
	lb_state_init(&a);
	lb_state_init(&b);
	web(&b, CFG_SCHED_WRR, 1, 2);
	expect_preview(&a, &b,
	    "-A -t 10.0.0.1:80 -s wrr\n"
	    "-a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 1\n"
	    "-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m -w 2\n");
	expect_preview(&b, &a, "-D -t 10.0.0.1:80\n");
	lb_state_clear(&a);
	lb_state_clear(&b);
}

/* A weight, a server gone, a scheduler and forwarding changed. */
static void
test_ipvs_edit(void **state)
{
	struct lb_state a, b;

	(void)state;
	lb_state_init(&a);
	lb_state_init(&b);
	web(&a, CFG_SCHED_WRR, 1, 2);
	web(&b, CFG_SCHED_WRR, 4, -1);
	expect_preview(&a, &b,
	    "-d -t 10.0.0.1:80 -r 192.168.1.2:80\n"
	    "-e -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 4\n");
	lb_state_clear(&b);
	lb_state_init(&b);
	web(&b, CFG_SCHED_SH, 1, 2);
	b.st_svcs[0].s_fwd = CFG_NET_DIRECT;
	b.st_svcs[0].s_persistent = 300;
	b.st_svcs[0].s_pmask = 24;
	expect_preview(&a, &b,
	    "-E -t 10.0.0.1:80 -s sh -p 300 -M 255.255.255.0\n"
	    "-e -t 10.0.0.1:80 -r 192.168.1.1:80 -g -w 1\n"
	    "-e -t 10.0.0.1:80 -r 192.168.1.2:80 -g -w 2\n");
	lb_state_clear(&a);
	lb_state_clear(&b);
}

/* IPv6, UDP, fwmark, tunnel; timeouts and the sync daemon. */
static void
test_ipvs_notation(void **state)
{
	struct lb_svc_key k6 = key("fd00::1", CFG_PROTO_UDP, 53);
	struct lb_svc_key km = key("10.0.0.2", CFG_PROTO_TCP, 0);
	struct lb_state a, b;
	struct lb_service s;

	(void)state;
	lb_state_init(&a);
	lb_state_init(&b);
	lb_service_init(&s, &k6);
	s.s_sched = CFG_SCHED_RR;
	s.s_fwd = CFG_NET_TUNNEL;
	add_dest(&s, "fd00::21", 53, 1);
	assert_int_equal(lb_state_add_service(&b, &s), 0);
	lb_service_clear(&s);
	km.ks_fwmark = 7;
	lb_service_init(&s, &km);
	s.s_sched = CFG_SCHED_WLC;
	add_dest(&s, "10.0.1.1", 0, 3);
	assert_int_equal(lb_state_add_service(&b, &s), 0);
	lb_service_clear(&s);
	b.st_tcp_timeout = 900;
	b.st_udp_timeout = 300;
	b.st_sync = LB_SYNC_MASTER;
	strcpy(b.st_sync_iface, "eth1");
	b.st_sync_id = 4;
	expect_preview(&a, &b,
	    "-A -u [fd00::1]:53 -s rr\n"
	    "-a -u [fd00::1]:53 -r [fd00::21]:53 -i -w 1\n"
	    "-A -f 7 -s wlc\n"
	    "-a -f 7 -r 10.0.1.1:0 -m -w 3\n"
	    "--set 900 0 300\n"
	    "--start-daemon master --mcast-interface eth1 --syncid 4\n");
	a.st_sync = LB_SYNC_BACKUP;
	b.st_sync = LB_SYNC_NONE;
	b.st_tcp_timeout = b.st_udp_timeout = 0;
	lb_state_clear(&b);
	expect_preview(&a, &b, "--stop-daemon backup\n");
	lb_state_clear(&a);
}

/* The walk stops at nothing and reports an operation that failed. */
static int
count_fail(void *arg, enum lb_ipvs_op op, const struct lb_service *svc,
    const struct lb_dest *d)
{
	int *n = arg;

	(void)svc;
	(void)d;
	(*n)++;
	return op == LB_IPVS_ADD_SVC ? -1 : 0;
}

static void
test_ipvs_walk_fails(void **state)
{
	struct lb_state a, b;
	int n = 0;

	(void)state;
	lb_state_init(&a);
	lb_state_init(&b);
	web(&b, CFG_SCHED_WRR, 1, 2);
	/* a service that cannot be added: its servers are not tried */
	assert_int_equal(lb_ipvs_diff(&a, &b, count_fail, &n), -1);
	assert_int_equal(n, 1);
	lb_state_clear(&a);
	lb_state_clear(&b);
}

static void
expect_shares(enum cfg_scheduler sched, int w1, int w2, double s1,
    double s2)
{
	struct lb_state st;
	double sh[2];

	lb_state_init(&st);
	web(&st, sched, w1, w2);
	lb_service_shares(&st.st_svcs[0], sh);
	if (fabs(sh[0] - s1) > 1e-9 || fabs(sh[1] - s2) > 1e-9)
		fail_msg("%s %d:%d: %f %f, want %f %f",
		    cfg_scheduler_name(sched), w1, w2, sh[0], sh[1], s1, s2);
	lb_state_clear(&st);
}

static void
test_shares(void **state)
{
	(void)state;
	expect_shares(CFG_SCHED_WRR, 1, 3, 0.25, 0.75);
	expect_shares(CFG_SCHED_WLC, 2, 2, 0.5, 0.5);
	expect_shares(CFG_SCHED_RR, 1, 3, 0.5, 0.5);
	expect_shares(CFG_SCHED_LC, 5, 1, 0.5, 0.5);
	expect_shares(CFG_SCHED_MH, 1, 3, 0.25, 0.75);
	/* quiesced: nothing new; all quiesced: nothing at all */
	expect_shares(CFG_SCHED_RR, 0, 3, 0, 1);
	expect_shares(CFG_SCHED_WRR, 0, 0, 0, 0);
	assert_int_equal(lb_share_kind(CFG_SCHED_SH), LB_SHARE_HASH);
	assert_int_equal(lb_share_kind(CFG_SCHED_DH), LB_SHARE_HASH);
	assert_int_equal(lb_share_kind(CFG_SCHED_RR), LB_SHARE_EQUAL);
	assert_int_equal(lb_share_kind(CFG_SCHED_SED), LB_SHARE_WEIGHT);
	assert_string_equal(lb_share_kind_text(LB_SHARE_HASH),
	    "by hash, proportional to weight");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipvs_nothing),
		cmocka_unit_test(test_ipvs_add_remove),
		cmocka_unit_test(test_ipvs_edit),
		cmocka_unit_test(test_ipvs_notation),
		cmocka_unit_test(test_ipvs_walk_fails),
		cmocka_unit_test(test_shares),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
