/*
 * test_lb_ipvs.c - the IPVS generic netlink messages, checked attribute by
 * attribute (and header bytes) against the kernel's <linux/ip_vs.h>; and
 * the netlink socket (lb_ipvs_nl.c) against the running kernel's generic
 * netlink controller, which every Linux has: a request without NLM_F_ACK
 * gets its answer and no ack, so the exchange must end at a timeout with
 * an error instead of waiting for ever.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>

#include "lb/lb.h"
#include "lb/lb_backend.h"

#define FAM	0x1234		/* a made-up resolved family id */

static char buf[LB_IPVS_MSG_MAX];

/* ---- helpers: collect one level of attributes ---- */

struct tab {
	const struct nlattr	*tb[64];
	int			 count;
	int			 order[64];	/* types in wire order */
};

static int
collect_cb(const struct nlattr *a, void *data)
{
	struct tab *t = data;
	uint16_t type = mnl_attr_get_type(a);

	assert_true(type < 64);
	assert_null(t->tb[type]);	/* no attribute twice */
	t->tb[type] = a;
	t->order[t->count++] = type;
	return MNL_CB_OK;
}

static void
top(const struct nlmsghdr *nlh, struct tab *t)
{
	memset(t, 0, sizeof(*t));
	assert_int_equal(mnl_attr_parse(nlh, sizeof(struct genlmsghdr),
	    collect_cb, t), MNL_CB_OK);
}

static void
nested(const struct nlattr *a, struct tab *t)
{
	memset(t, 0, sizeof(*t));
	assert_non_null(a);
	assert_true(a->nla_type & NLA_F_NESTED);
	assert_int_equal(mnl_attr_parse_nested(a, collect_cb, t), MNL_CB_OK);
}

static void
check_header(const struct nlmsghdr *nlh, uint16_t type, uint16_t flags,
    uint8_t cmd, uint8_t version)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, type);
	assert_int_equal(nlh->nlmsg_flags, flags);
	assert_int_equal(g->cmd, cmd);
	assert_int_equal(g->version, version);
	assert_true(mnl_nlmsg_ok(nlh, (int)nlh->nlmsg_len));
	assert_int_equal(nlh->nlmsg_len % 4, 0);
}

static void
check_u16(const struct nlattr *a, uint16_t v)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), 2);
	assert_int_equal(mnl_attr_get_u16(a), v);
}

static void
check_u32(const struct nlattr *a, uint32_t v)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), 4);
	assert_int_equal(mnl_attr_get_u32(a), v);
}

static void
check_str(const struct nlattr *a, const char *s)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), strlen(s) + 1);
	assert_string_equal(mnl_attr_get_str(a), s);
}

/* A 16-byte nf_inet_addr holding the given bytes, zero padded. */
static void
check_addr(const struct nlattr *a, const void *bytes, size_t n)
{
	uint8_t want[16];

	memset(want, 0, sizeof(want));
	memcpy(want, bytes, n);
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), 16);
	assert_memory_equal(mnl_attr_get_payload(a), want, 16);
}

static void
svc4(struct lb_service *svc)
{
	struct lb_svc_key k;

	memset(&k, 0, sizeof(k));
	k.ks_af = AF_INET;
	assert_int_equal(cfg_addr_parse(&k.ks_addr, "10.0.0.100"), 0);
	k.ks_proto = CFG_PROTO_TCP;
	k.ks_port = 80;
	lb_service_init(svc, &k);
	svc->s_sched = CFG_SCHED_WRR;
	svc->s_persistent = 300;
	svc->s_pmask = 24;
}

/* ---- tests ---- */

static void
test_getfamily(void **state)
{
	struct nlmsghdr *nlh;
	struct tab t;

	(void)state;
	nlh = lb_ipvs_msg_getfamily(buf, sizeof(buf), 7);
	/* the controller acks only when asked (it used not to be asked) */
	check_header(nlh, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
	    CTRL_CMD_GETFAMILY, 1);
	assert_int_equal(nlh->nlmsg_seq, 7);
	top(nlh, &t);
	assert_int_equal(t.count, 1);
	check_str(t.tb[CTRL_ATTR_FAMILY_NAME], "IPVS");
	/* bytes: 16 header + 4 genl + attr(4 + "IPVS\0" = 9, padded to 12) */
	assert_int_equal(nlh->nlmsg_len, 16 + 4 + 12);
	assert_memory_equal((char *)nlh + 20, "\x09\x00\x02\x00IPVS\0\0\0\0",
	    12);
}

static void
test_new_service_v4(void **state)
{
	struct lb_service svc;
	struct nlmsghdr *nlh;
	const struct ip_vs_flags *fl;
	struct tab t, s;
	const uint8_t vip[4] = { 10, 0, 0, 100 };
	const uint8_t afb[] = { 0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00 };

	(void)state;
	svc4(&svc);
	nlh = lb_ipvs_msg_service(buf, sizeof(buf), FAM, IPVS_CMD_NEW_SERVICE,
	    42, &svc);
	check_header(nlh, FAM, NLM_F_REQUEST | NLM_F_ACK, IPVS_CMD_NEW_SERVICE,
	    IPVS_GENL_VERSION);
	assert_int_equal(nlh->nlmsg_seq, 42);
	top(nlh, &t);
	assert_int_equal(t.count, 1);
	assert_true(t.tb[IPVS_CMD_ATTR_SERVICE]->nla_type & NLA_F_NESTED);
	nested(t.tb[IPVS_CMD_ATTR_SERVICE], &s);
	assert_int_equal(s.count, 8);
	/* the first nested attribute, byte for byte: len 6, type AF, 2, pad */
	assert_memory_equal(mnl_attr_get_payload(t.tb[IPVS_CMD_ATTR_SERVICE]),
	    afb, sizeof(afb));
	check_u16(s.tb[IPVS_SVC_ATTR_AF], AF_INET);
	check_u16(s.tb[IPVS_SVC_ATTR_PROTOCOL], 6 /* IPPROTO_TCP */);
	check_addr(s.tb[IPVS_SVC_ATTR_ADDR], vip, 4);
	/* port in network order */
	assert_memory_equal(mnl_attr_get_payload(s.tb[IPVS_SVC_ATTR_PORT]),
	    "\x00\x50", 2);
	check_str(s.tb[IPVS_SVC_ATTR_SCHED_NAME], "wrr");
	assert_non_null(s.tb[IPVS_SVC_ATTR_FLAGS]);
	assert_int_equal(mnl_attr_get_payload_len(s.tb[IPVS_SVC_ATTR_FLAGS]),
	    sizeof(struct ip_vs_flags));
	fl = mnl_attr_get_payload(s.tb[IPVS_SVC_ATTR_FLAGS]);
	assert_int_equal(fl->flags, IP_VS_SVC_F_PERSISTENT);
	assert_int_equal(fl->mask, 0xffffffffU);
	check_u32(s.tb[IPVS_SVC_ATTR_TIMEOUT], 300);
	check_u32(s.tb[IPVS_SVC_ATTR_NETMASK], htonl(0xffffff00U));
	assert_null(s.tb[IPVS_SVC_ATTR_FWMARK]);
	lb_service_clear(&svc);
}

static void
test_set_and_del_service(void **state)
{
	struct lb_service svc;
	struct nlmsghdr *nlh;
	const struct ip_vs_flags *fl;
	struct tab t, s;

	(void)state;
	svc4(&svc);
	svc.s_persistent = 0;
	svc.s_pmask = -1;
	svc.s_sched = CFG_SCHED_MH;
	nlh = lb_ipvs_msg_service(buf, sizeof(buf), FAM, IPVS_CMD_SET_SERVICE,
	    1, &svc);
	check_header(nlh, FAM, NLM_F_REQUEST | NLM_F_ACK, IPVS_CMD_SET_SERVICE,
	    IPVS_GENL_VERSION);
	top(nlh, &t);
	nested(t.tb[IPVS_CMD_ATTR_SERVICE], &s);
	check_str(s.tb[IPVS_SVC_ATTR_SCHED_NAME], "mh");
	fl = mnl_attr_get_payload(s.tb[IPVS_SVC_ATTR_FLAGS]);
	assert_int_equal(fl->flags, 0);
	check_u32(s.tb[IPVS_SVC_ATTR_TIMEOUT], 0);
	check_u32(s.tb[IPVS_SVC_ATTR_NETMASK], 0xffffffffU);

	/* delete: the key and nothing else */
	nlh = lb_ipvs_msg_service(buf, sizeof(buf), FAM, IPVS_CMD_DEL_SERVICE,
	    2, &svc);
	check_header(nlh, FAM, NLM_F_REQUEST | NLM_F_ACK, IPVS_CMD_DEL_SERVICE,
	    IPVS_GENL_VERSION);
	top(nlh, &t);
	nested(t.tb[IPVS_CMD_ATTR_SERVICE], &s);
	assert_int_equal(s.count, 4);
	assert_int_equal(s.order[0], IPVS_SVC_ATTR_AF);
	assert_non_null(s.tb[IPVS_SVC_ATTR_PROTOCOL]);
	assert_non_null(s.tb[IPVS_SVC_ATTR_ADDR]);
	assert_non_null(s.tb[IPVS_SVC_ATTR_PORT]);
	assert_null(s.tb[IPVS_SVC_ATTR_SCHED_NAME]);
	assert_null(s.tb[IPVS_SVC_ATTR_FLAGS]);
	lb_service_clear(&svc);
}

static void
test_fwmark_v6_service(void **state)
{
	struct lb_service svc;
	struct lb_svc_key k;
	struct nlmsghdr *nlh;
	struct tab t, s;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.ks_af = AF_INET6;
	k.ks_fwmark = 7;
	lb_service_init(&svc, &k);
	svc.s_sched = CFG_SCHED_SH;
	svc.s_persistent = 60;
	svc.s_pmask = 64;
	nlh = lb_ipvs_msg_service(buf, sizeof(buf), FAM, IPVS_CMD_NEW_SERVICE,
	    3, &svc);
	top(nlh, &t);
	nested(t.tb[IPVS_CMD_ATTR_SERVICE], &s);
	check_u16(s.tb[IPVS_SVC_ATTR_AF], AF_INET6);
	check_u32(s.tb[IPVS_SVC_ATTR_FWMARK], 7);
	assert_null(s.tb[IPVS_SVC_ATTR_ADDR]);
	assert_null(s.tb[IPVS_SVC_ATTR_PORT]);
	assert_null(s.tb[IPVS_SVC_ATTR_PROTOCOL]);
	check_str(s.tb[IPVS_SVC_ATTR_SCHED_NAME], "sh");
	/* IPv6 persistence netmask is a prefix length */
	check_u32(s.tb[IPVS_SVC_ATTR_NETMASK], 64);
	svc.s_pmask = -1;
	nlh = lb_ipvs_msg_service(buf, sizeof(buf), FAM, IPVS_CMD_SET_SERVICE,
	    4, &svc);
	top(nlh, &t);
	nested(t.tb[IPVS_CMD_ATTR_SERVICE], &s);
	check_u32(s.tb[IPVS_SVC_ATTR_NETMASK], 128);
	lb_service_clear(&svc);
}

static void
test_all_schedulers(void **state)
{
	static const struct {
		enum cfg_scheduler	s;
		const char		*kname;	/* the kernel module's name */
	} tab[] = {
		{ CFG_SCHED_RR, "rr" }, { CFG_SCHED_WRR, "wrr" },
		{ CFG_SCHED_LC, "lc" }, { CFG_SCHED_WLC, "wlc" },
		{ CFG_SCHED_LBLC, "lblc" }, { CFG_SCHED_LBLCR, "lblcr" },
		{ CFG_SCHED_DH, "dh" }, { CFG_SCHED_SH, "sh" },
		{ CFG_SCHED_SED, "sed" }, { CFG_SCHED_NQ, "nq" },
		{ CFG_SCHED_MH, "mh" },
	};
	struct lb_service svc, back;
	struct nlmsghdr *nlh;
	struct tab t, s;
	size_t i;

	(void)state;
	svc4(&svc);
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		svc.s_sched = tab[i].s;
		nlh = lb_ipvs_msg_service(buf, sizeof(buf), FAM,
		    IPVS_CMD_NEW_SERVICE, 5, &svc);
		top(nlh, &t);
		nested(t.tb[IPVS_CMD_ATTR_SERVICE], &s);
		check_str(s.tb[IPVS_SVC_ATTR_SCHED_NAME], tab[i].kname);
		lb_service_init(&back, NULL);
		assert_int_equal(lb_ipvs_parse_service(nlh, &back), 0);
		assert_int_equal(back.s_sched, tab[i].s);
	}
	lb_service_clear(&svc);
}

static void
dest_msg(uint8_t cmd, enum cfg_network fwd, struct tab *d)
{
	struct lb_service svc;
	struct lb_dest dst;
	struct nlmsghdr *nlh;
	struct tab t, s;

	svc4(&svc);
	svc.s_fwd = fwd;
	memset(&dst, 0, sizeof(dst));
	assert_int_equal(cfg_addr_parse(&dst.d_addr, "10.0.1.2"), 0);
	dst.d_port = 8080;
	dst.d_weight = 3;
	nlh = lb_ipvs_msg_dest(buf, sizeof(buf), FAM, cmd, 9, &svc, &dst);
	check_header(nlh, FAM, NLM_F_REQUEST | NLM_F_ACK, cmd,
	    IPVS_GENL_VERSION);
	top(nlh, &t);
	assert_int_equal(t.count, 2);
	assert_int_equal(t.order[0], IPVS_CMD_ATTR_SERVICE);
	assert_int_equal(t.order[1], IPVS_CMD_ATTR_DEST);
	/* the service is named by its key only */
	nested(t.tb[IPVS_CMD_ATTR_SERVICE], &s);
	assert_int_equal(s.count, 4);
	assert_null(s.tb[IPVS_SVC_ATTR_SCHED_NAME]);
	/* d points into the static buf, valid until the next message */
	nested(t.tb[IPVS_CMD_ATTR_DEST], d);
	lb_service_clear(&svc);
}

static void
test_dest_messages(void **state)
{
	static const struct {
		enum cfg_network	n;
		uint32_t		m;
	} fwd[] = {
		{ CFG_NET_NAT, IP_VS_CONN_F_MASQ },
		{ CFG_NET_DIRECT, IP_VS_CONN_F_DROUTE },
		{ CFG_NET_TUNNEL, IP_VS_CONN_F_TUNNEL },
	};
	const uint8_t rip[4] = { 10, 0, 1, 2 };
	struct tab d;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		dest_msg(IPVS_CMD_NEW_DEST, fwd[i].n, &d);
		check_addr(d.tb[IPVS_DEST_ATTR_ADDR], rip, 4);
		assert_memory_equal(mnl_attr_get_payload(
		    d.tb[IPVS_DEST_ATTR_PORT]), "\x1f\x90", 2);
		check_u16(d.tb[IPVS_DEST_ATTR_ADDR_FAMILY], AF_INET);
		check_u32(d.tb[IPVS_DEST_ATTR_FWD_METHOD], fwd[i].m);
		check_u32(d.tb[IPVS_DEST_ATTR_WEIGHT], 3);
		check_u32(d.tb[IPVS_DEST_ATTR_U_THRESH], 0);
		check_u32(d.tb[IPVS_DEST_ATTR_L_THRESH], 0);
	}
	dest_msg(IPVS_CMD_SET_DEST, CFG_NET_NAT, &d);
	check_u32(d.tb[IPVS_DEST_ATTR_WEIGHT], 3);
	/* delete: address, port (and family) only */
	dest_msg(IPVS_CMD_DEL_DEST, CFG_NET_DIRECT, &d);
	assert_int_equal(d.count, 3);
	assert_non_null(d.tb[IPVS_DEST_ATTR_ADDR]);
	assert_non_null(d.tb[IPVS_DEST_ATTR_PORT]);
	assert_null(d.tb[IPVS_DEST_ATTR_WEIGHT]);
	assert_null(d.tb[IPVS_DEST_ATTR_FWD_METHOD]);
}

static void
test_daemon_and_timeouts(void **state)
{
	struct nlmsghdr *nlh;
	struct tab t, d;

	(void)state;
	nlh = lb_ipvs_msg_daemon(buf, sizeof(buf), FAM, IPVS_CMD_NEW_DAEMON, 1,
	    LB_SYNC_MASTER, "eth1", 3);
	check_header(nlh, FAM, NLM_F_REQUEST | NLM_F_ACK, IPVS_CMD_NEW_DAEMON,
	    IPVS_GENL_VERSION);
	top(nlh, &t);
	nested(t.tb[IPVS_CMD_ATTR_DAEMON], &d);
	check_u32(d.tb[IPVS_DAEMON_ATTR_STATE], IP_VS_STATE_MASTER);
	check_str(d.tb[IPVS_DAEMON_ATTR_MCAST_IFN], "eth1");
	check_u32(d.tb[IPVS_DAEMON_ATTR_SYNC_ID], 3);

	nlh = lb_ipvs_msg_daemon(buf, sizeof(buf), FAM, IPVS_CMD_DEL_DAEMON, 2,
	    LB_SYNC_BACKUP, NULL, 0);
	top(nlh, &t);
	nested(t.tb[IPVS_CMD_ATTR_DAEMON], &d);
	assert_int_equal(d.count, 1);
	check_u32(d.tb[IPVS_DAEMON_ATTR_STATE], IP_VS_STATE_BACKUP);

	nlh = lb_ipvs_msg_timeouts(buf, sizeof(buf), FAM, 3, 900, 120, 300);
	check_header(nlh, FAM, NLM_F_REQUEST | NLM_F_ACK, IPVS_CMD_SET_CONFIG,
	    IPVS_GENL_VERSION);
	top(nlh, &t);
	assert_int_equal(t.count, 3);
	check_u32(t.tb[IPVS_CMD_ATTR_TIMEOUT_TCP], 900);
	check_u32(t.tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN], 120);
	check_u32(t.tb[IPVS_CMD_ATTR_TIMEOUT_UDP], 300);
}

static void
test_dumps(void **state)
{
	struct lb_service svc;
	struct nlmsghdr *nlh;
	struct tab t, s;

	(void)state;
	nlh = lb_ipvs_msg_dump(buf, sizeof(buf), FAM, IPVS_CMD_GET_SERVICE, 1,
	    NULL);
	check_header(nlh, FAM, NLM_F_REQUEST | NLM_F_DUMP,
	    IPVS_CMD_GET_SERVICE, IPVS_GENL_VERSION);
	assert_int_equal(nlh->nlmsg_len, 16 + 4);
	svc4(&svc);
	nlh = lb_ipvs_msg_dump(buf, sizeof(buf), FAM, IPVS_CMD_GET_DEST, 2,
	    &svc);
	check_header(nlh, FAM, NLM_F_REQUEST | NLM_F_DUMP, IPVS_CMD_GET_DEST,
	    IPVS_GENL_VERSION);
	top(nlh, &t);
	nested(t.tb[IPVS_CMD_ATTR_SERVICE], &s);
	assert_int_equal(s.count, 4);
	lb_service_clear(&svc);
}

static void
test_parse_roundtrip(void **state)
{
	struct lb_service svc, back;
	struct lb_dest d, bd;
	enum cfg_network fwd;
	struct nlmsghdr *nlh;

	(void)state;
	svc4(&svc);
	nlh = lb_ipvs_msg_service(buf, sizeof(buf), FAM, IPVS_CMD_NEW_SERVICE,
	    1, &svc);
	lb_service_init(&back, NULL);
	assert_int_equal(lb_ipvs_parse_service(nlh, &back), 0);
	assert_true(lb_svc_key_equal(&back.s_key, &svc.s_key));
	assert_int_equal(back.s_sched, CFG_SCHED_WRR);
	assert_int_equal(back.s_persistent, 300);
	assert_int_equal(back.s_pmask, 24);

	memset(&d, 0, sizeof(d));
	assert_int_equal(cfg_addr_parse(&d.d_addr, "fd00::5"), 0);
	d.d_port = 443;
	d.d_weight = 65000;
	svc.s_fwd = CFG_NET_TUNNEL;	/* IPv6 real server behind IPv4 VIP */
	nlh = lb_ipvs_msg_dest(buf, sizeof(buf), FAM, IPVS_CMD_NEW_DEST, 2,
	    &svc, &d);
	assert_int_equal(lb_ipvs_parse_dest(nlh, AF_INET, &bd, &fwd), 0);
	assert_true(cfg_addr_equal(&bd.d_addr, &d.d_addr));
	assert_int_equal(bd.d_port, 443);
	assert_int_equal(bd.d_weight, 65000);
	assert_int_equal(fwd, CFG_NET_TUNNEL);
	lb_service_clear(&svc);
}

static void
test_parse_bad(void **state)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct nlattr *nest;
	struct lb_service svc;
	struct lb_dest d;
	enum cfg_network fwd;

	(void)state;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = FAM;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = IPVS_CMD_NEW_SERVICE;
	/* a service without AF */
	nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_SERVICE);
	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_PORT, htons(80));
	mnl_attr_nest_end(nlh, nest);
	lb_service_init(&svc, NULL);
	assert_int_equal(lb_ipvs_parse_service(nlh, &svc), -1);
	/* no dest attribute at all */
	assert_int_equal(lb_ipvs_parse_dest(nlh, AF_INET, &d, &fwd), -1);
	/* a family shoal does not know */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_SERVICE);
	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_AF, 99);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(lb_ipvs_parse_service(nlh, &svc), -1);
	/* a header too short for genl */
	nlh->nlmsg_len = 16;
	assert_int_equal(lb_ipvs_parse_service(nlh, &svc), -1);
	/* too small a buffer is refused, not overrun */
	assert_null(lb_ipvs_msg_getfamily(buf, 64, 1));
}

static void
test_parse_family(void **state)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	(void)state;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_NEWFAMILY;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "IPVS");
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x21);
	assert_int_equal(lb_ipvs_parse_family(nlh), 0x21);
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "IPVS");
	assert_int_equal(lb_ipvs_parse_family(nlh), -1);
}

/* ---- the socket, against the running kernel ---- */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

/* CTRL_CMD_GETFAMILY "nlctrl" (the controller itself) with flags. */
static struct nlmsghdr *
ctrl_request(uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	return nlh;
}

/*
 * The kernel answers a GETFAMILY without NLM_F_ACK once and sends no
 * ack: the old lb_nl_talk() waited for ever here.  Now: -1, ETIMEDOUT,
 * after the timeout and not much later, the answer still delivered.  The
 * alarm turns a hang into a failure.
 */
static void
test_nl_no_ack_times_out(void **state)
{
	struct lb_nl *nl;
	char err[128];
	int64_t t0, took;
	int n = 0;

	(void)state;
	if ((nl = lb_nl_open(1)) == NULL)
		skip();
	lb_nl_set_timeout(nl, 300);
	alarm(20);
	t0 = mono_ms();
	assert_int_equal(lb_nl_talk(nl, ctrl_request(NLM_F_REQUEST, 41),
	    count_cb, &n, err, sizeof(err)), -1);
	took = mono_ms() - t0;
	alarm(0);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(n, 1);
	assert_non_null(strstr(err, "no reply from the kernel within 300 ms"));
	assert_true(took >= 290);
	assert_true(took < 10000);
	/* the socket still works: the same request with an ack ends at it */
	n = 0;
	t0 = mono_ms();
	assert_int_equal(lb_nl_talk(nl, ctrl_request(NLM_F_REQUEST |
	    NLM_F_ACK, 42), count_cb, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_true(mono_ms() - t0 < 290);
	lb_nl_close(nl);
}

/*
 * A late reply of a request that timed out is not taken for the next
 * request's: two unacked requests leave two answers behind, then an acked
 * one gets exactly its own.
 */
static void
test_nl_stale_replies_skipped(void **state)
{
	struct lb_nl *nl;
	char err[128];
	int n = 0;

	(void)state;
	if ((nl = lb_nl_open(1)) == NULL)
		skip();
	lb_nl_set_timeout(nl, 200);
	alarm(20);
	assert_int_equal(lb_nl_talk(nl, ctrl_request(NLM_F_REQUEST, 51),
	    NULL, NULL, err, sizeof(err)), -1);
	assert_int_equal(lb_nl_talk(nl, ctrl_request(NLM_F_REQUEST, 52),
	    NULL, NULL, err, sizeof(err)), -1);
	assert_int_equal(lb_nl_talk(nl, ctrl_request(NLM_F_REQUEST |
	    NLM_F_ACK, 53), count_cb, &n, err, sizeof(err)), 0);
	alarm(0);
	assert_int_equal(n, 1);
	lb_nl_close(nl);
}

/*
 * The IPVS family request the backend sends, on whatever kernel runs the
 * test: IPVS found (an id) or not (ENOENT), promptly either way.
 */
static void
test_nl_ipvs_family(void **state)
{
	struct lb_nl *nl;
	char err[128];
	int64_t t0;
	int rc, n = 0;

	(void)state;
	if ((nl = lb_nl_open(1)) == NULL)
		skip();
	lb_nl_set_timeout(nl, 2000);
	alarm(20);
	t0 = mono_ms();
	rc = lb_nl_talk(nl, lb_ipvs_msg_getfamily(buf, sizeof(buf), 61),
	    count_cb, &n, err, sizeof(err));
	alarm(0);
	assert_true(mono_ms() - t0 < 1500);
	if (rc == 0)
		assert_int_equal(n, 1);
	else
		assert_int_equal(errno, ENOENT);
	lb_nl_close(nl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getfamily),
		cmocka_unit_test(test_new_service_v4),
		cmocka_unit_test(test_set_and_del_service),
		cmocka_unit_test(test_fwmark_v6_service),
		cmocka_unit_test(test_all_schedulers),
		cmocka_unit_test(test_dest_messages),
		cmocka_unit_test(test_daemon_and_timeouts),
		cmocka_unit_test(test_dumps),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_family),
		cmocka_unit_test(test_nl_no_ack_times_out),
		cmocka_unit_test(test_nl_stale_replies_skipped),
		cmocka_unit_test(test_nl_ipvs_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
