/*
 * test_lb_stats.c - the load balancer's counters: IPVS GET_SERVICE /
 * GET_DEST replies with 64-bit and 32-bit statistics parsed attribute by
 * attribute (<linux/ip_vs.h>), and ctnetlink conntrack entries
 * (<linux/netfilter/nfnetlink_conntrack.h>) parsed and counted on the
 * right service and real server (the nftables backend's counters).
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <endian.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

#include "lb/lb.h"
#include "lb/lb_backend.h"

static struct nlmsghdr *
genl(char *buf, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = 0x1234;
	g->cmd = cmd;
	g->version = IPVS_GENL_VERSION;
	return nlh;
}

static void
put_stats(struct nlmsghdr *nlh, uint16_t type, int wide, uint64_t base)
{
	struct nlattr *st = mnl_attr_nest_start(nlh, type);

	if (wide) {
		mnl_attr_put_u64(nlh, IPVS_STATS_ATTR_CONNS, base + 1);
		mnl_attr_put_u64(nlh, IPVS_STATS_ATTR_INPKTS, base + 2);
		mnl_attr_put_u64(nlh, IPVS_STATS_ATTR_OUTPKTS, base + 3);
	} else {
		mnl_attr_put_u32(nlh, IPVS_STATS_ATTR_CONNS, (uint32_t)base + 1);
		mnl_attr_put_u32(nlh, IPVS_STATS_ATTR_INPKTS, (uint32_t)base + 2);
		mnl_attr_put_u32(nlh, IPVS_STATS_ATTR_OUTPKTS, (uint32_t)base + 3);
	}
	mnl_attr_put_u64(nlh, IPVS_STATS_ATTR_INBYTES, base + 4);
	mnl_attr_put_u64(nlh, IPVS_STATS_ATTR_OUTBYTES, base + 5);
	mnl_attr_put_u32(nlh, IPVS_STATS_ATTR_CPS, 99);	/* ignored */
	mnl_attr_nest_end(nlh, st);
}

static void
test_ipvs(void **state)
{
	char buf[1024];
	struct nlmsghdr *nlh;
	struct nlattr *n;
	struct lb_counters c;
	struct lb_dest_stats ds;
	struct in_addr a;

	(void)state;
	/* a service with 64-bit statistics */
	nlh = genl(buf, IPVS_CMD_NEW_SERVICE);
	n = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_SERVICE);
	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_AF, AF_INET);
	put_stats(nlh, IPVS_SVC_ATTR_STATS, 0, 7);	/* the 64-bit wins */
	put_stats(nlh, IPVS_SVC_ATTR_STATS64, 1, 5000000000ull);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lb_ipvs_parse_service_stats(nlh, &c), 0);
	assert_true(c.lc_conns == 5000000001ull);
	assert_true(c.lc_outbytes == 5000000005ull);
	/* a real server with only the 32-bit set, and its connections */
	nlh = genl(buf, IPVS_CMD_NEW_DEST);
	n = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_DEST);
	inet_pton(AF_INET, "10.2.0.21", &a);
	mnl_attr_put(nlh, IPVS_DEST_ATTR_ADDR, 4, &a);
	mnl_attr_put_u16(nlh, IPVS_DEST_ATTR_PORT, htons(8080));
	mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_WEIGHT, 3);
	mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_MASQ);
	mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_ACTIVE_CONNS, 12);
	mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_INACT_CONNS, 4);
	put_stats(nlh, IPVS_DEST_ATTR_STATS, 0, 100);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lb_ipvs_parse_dest_stats(nlh, AF_INET, &ds), 0);
	assert_int_equal(ds.ds_port, 8080);
	assert_int_equal(ds.ds_weight, 3);
	assert_int_equal(ds.ds_active, 12);
	assert_int_equal(ds.ds_inactive, 4);
	assert_true(ds.ds_c.lc_conns == 101 && ds.ds_c.lc_inpkts == 102 &&
	    ds.ds_c.lc_outpkts == 103 && ds.ds_c.lc_inbytes == 104 &&
	    ds.ds_c.lc_outbytes == 105);
	/* no statistics at all: an error, not zeros taken for real */
	nlh = genl(buf, IPVS_CMD_NEW_SERVICE);
	n = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_SERVICE);
	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_AF, AF_INET);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(lb_ipvs_parse_service_stats(nlh, &c), -1);
}

static void
put_tuple(struct nlmsghdr *nlh, uint16_t type, const char *src,
    uint16_t sport, const char *dst, uint16_t dport)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type), *x;
	struct in_addr a;

	x = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	inet_pton(AF_INET, src, &a);
	mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, &a);
	inet_pton(AF_INET, dst, &a);
	mnl_attr_put(nlh, CTA_IP_V4_DST, 4, &a);
	mnl_attr_nest_end(nlh, x);
	x = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_TCP);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	mnl_attr_nest_end(nlh, x);
	mnl_attr_nest_end(nlh, t);
}

/* A NAT'ed connection client -> VIP:80, answered by rs:8080. */
static struct nlmsghdr *
ct_msg(char *buf, const char *rs, uint8_t tcp_state, uint64_t bytes)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	struct nlattr *n, *m;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	g->nfgen_family = AF_INET;
	put_tuple(nlh, CTA_TUPLE_ORIG, "10.9.0.10", 40000, "10.1.0.100", 80);
	put_tuple(nlh, CTA_TUPLE_REPLY, rs, 8080, "10.9.0.10", 40000);
	n = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	m = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);
	mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE, tcp_state);
	mnl_attr_nest_end(nlh, m);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_COUNTERS_ORIG);
	mnl_attr_put_u64(nlh, CTA_COUNTERS_PACKETS, htobe64(3));
	mnl_attr_put_u64(nlh, CTA_COUNTERS_BYTES, htobe64(bytes));
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static void
test_conntrack(void **state)
{
	char buf[1024];
	struct lb_ct_entry e;
	struct lb_service svc;
	struct lb_svc_key k;
	struct lb_dest d;
	struct lb_stats st;
	struct lb_svc_stats *s;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.ks_af = AF_INET;
	k.ks_proto = CFG_PROTO_TCP;
	k.ks_port = 80;
	cfg_addr_parse(&k.ks_addr, "10.1.0.100");
	lb_service_init(&svc, &k);
	memset(&d, 0, sizeof(d));
	d.d_port = 8080;
	d.d_weight = 1;
	cfg_addr_parse(&d.d_addr, "10.2.0.21");
	assert_int_equal(lb_service_set_dest(&svc, &d), 0);
	cfg_addr_parse(&d.d_addr, "10.2.0.22");
	assert_int_equal(lb_service_set_dest(&svc, &d), 0);
	memset(&st, 0, sizeof(st));
	assert_non_null(s = lb_stats_add(&st, &svc));
	assert_int_equal(s->ss_ndests, 2);

	assert_int_equal(lb_ct_parse(ct_msg(buf, "10.2.0.22", 3, 500), &e), 0);
	assert_true(e.ce_established);
	assert_int_equal(e.ce_vport, 80);
	assert_int_equal(e.ce_rport, 8080);
	assert_true(e.ce_inbytes == 500);
	assert_int_equal(lb_ct_count(&st, &e), 1);
	/* TIME_WAIT (7): inactive */
	assert_int_equal(lb_ct_parse(ct_msg(buf, "10.2.0.22", 7, 100), &e), 0);
	assert_int_equal(lb_ct_count(&st, &e), 1);
	/* a server that is not one of the service's: not counted */
	assert_int_equal(lb_ct_parse(ct_msg(buf, "10.2.0.99", 3, 1), &e), 0);
	assert_int_equal(lb_ct_count(&st, &e), 0);
	assert_int_equal(st.ls_svcs[0].ss_dests[0].ds_active, 0);
	assert_int_equal(st.ls_svcs[0].ss_dests[1].ds_active, 1);
	assert_int_equal(st.ls_svcs[0].ss_dests[1].ds_inactive, 1);
	assert_true(st.ls_svcs[0].ss_dests[1].ds_c.lc_inbytes == 600);
	assert_true(st.ls_svcs[0].ss_c.lc_inpkts == 6);
	/* garbage: refused */
	{
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

		mnl_nlmsg_put_extra_header(nlh, sizeof(struct nfgenmsg));
		assert_int_equal(lb_ct_parse(nlh, &e), -1);
	}
	lb_stats_clear(&st);
	lb_service_clear(&svc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipvs),
		cmocka_unit_test(test_conntrack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
