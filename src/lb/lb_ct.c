/*
 * lb_ct.c - the connections the kernel tracks (conntrack, over ctnetlink
 * with libmnl), for the nftables backend's counters: which real server
 * each NAT'ed connection of a service went to, its state and (with
 * nf_conntrack_acct) its packets and bytes.  See lb.h, struct lb_stats.
 */
#include "shoal-build.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>

#include "lb/lb_backend.h"
#include "lib/log.h"

#define TCP_ESTABLISHED_STATE	3	/* enum tcp_conntrack */

static int
table_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int
nested(const struct nlattr *n, const struct nlattr **tb, size_t max)
{
	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (n == NULL)
		return -1;
	return mnl_attr_parse_nested(n, table_cb, tb) == MNL_CB_ERROR ? -1 : 0;
}

/* One end of a tuple: src (1) or dst (0) address and port. */
static int
tuple(const struct nlattr *n, int src, struct cfg_addr *a, uint16_t *port,
    uint8_t *proto)
{
	const struct nlattr *tb[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1];
	const struct nlattr *pr[CTA_PROTO_MAX + 1], *x;

	if (nested(n, tb, CTA_TUPLE_MAX) == -1 ||
	    nested(tb[CTA_TUPLE_IP], ip, CTA_IP_MAX) == -1 ||
	    nested(tb[CTA_TUPLE_PROTO], pr, CTA_PROTO_MAX) == -1)
		return -1;
	memset(a, 0, sizeof(*a));
	if ((x = ip[src ? CTA_IP_V4_SRC : CTA_IP_V4_DST]) != NULL &&
	    mnl_attr_get_payload_len(x) == 4) {
		a->family = AF_INET;
		memcpy(&a->u.v4, mnl_attr_get_payload(x), 4);
	} else if ((x = ip[src ? CTA_IP_V6_SRC : CTA_IP_V6_DST]) != NULL &&
	    mnl_attr_get_payload_len(x) == 16) {
		a->family = AF_INET6;
		memcpy(&a->u.v6, mnl_attr_get_payload(x), 16);
	} else
		return -1;
	if (pr[CTA_PROTO_NUM] == NULL ||
	    mnl_attr_validate(pr[CTA_PROTO_NUM], MNL_TYPE_U8) == -1)
		return -1;
	*proto = mnl_attr_get_u8(pr[CTA_PROTO_NUM]);
	x = pr[src ? CTA_PROTO_SRC_PORT : CTA_PROTO_DST_PORT];
	*port = x != NULL && mnl_attr_validate(x, MNL_TYPE_U16) == 0 ?
	    ntohs(mnl_attr_get_u16(x)) : 0;
	return 0;
}

static void
counters(const struct nlattr *n, uint64_t *pkts, uint64_t *bytes)
{
	const struct nlattr *tb[CTA_COUNTERS_MAX + 1];

	if (nested(n, tb, CTA_COUNTERS_MAX) == -1)
		return;
	if (tb[CTA_COUNTERS_PACKETS] != NULL &&
	    mnl_attr_validate(tb[CTA_COUNTERS_PACKETS], MNL_TYPE_U64) == 0)
		*pkts = be64toh(mnl_attr_get_u64(tb[CTA_COUNTERS_PACKETS]));
	if (tb[CTA_COUNTERS_BYTES] != NULL &&
	    mnl_attr_validate(tb[CTA_COUNTERS_BYTES], MNL_TYPE_U64) == 0)
		*bytes = be64toh(mnl_attr_get_u64(tb[CTA_COUNTERS_BYTES]));
}

static int
tcp_state(const struct nlattr *n)
{
	const struct nlattr *pi[CTA_PROTOINFO_MAX + 1];
	const struct nlattr *t[CTA_PROTOINFO_TCP_MAX + 1];

	if (nested(n, pi, CTA_PROTOINFO_MAX) == -1 ||
	    nested(pi[CTA_PROTOINFO_TCP], t, CTA_PROTOINFO_TCP_MAX) == -1 ||
	    t[CTA_PROTOINFO_TCP_STATE] == NULL)
		return -1;
	return mnl_attr_get_u8(t[CTA_PROTOINFO_TCP_STATE]);
}

int
lb_ct_parse(const struct nlmsghdr *nlh, struct lb_ct_entry *e)
{
	const struct nlattr *tb[CTA_MAX + 1];
	uint8_t proto2;

	memset(e, 0, sizeof(*e));
	memset(tb, 0, sizeof(tb));
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), table_cb, tb) ==
	    MNL_CB_ERROR)
		return -1;
	if (tuple(tb[CTA_TUPLE_ORIG], 0, &e->ce_vip, &e->ce_vport,
	    &e->ce_proto) == -1 || tuple(tb[CTA_TUPLE_REPLY], 1, &e->ce_rs,
	    &e->ce_rport, &proto2) == -1)
		return -1;
	e->ce_established = e->ce_proto == IPPROTO_TCP &&
	    tcp_state(tb[CTA_PROTOINFO]) == TCP_ESTABLISHED_STATE;
	counters(tb[CTA_COUNTERS_ORIG], &e->ce_inpkts, &e->ce_inbytes);
	counters(tb[CTA_COUNTERS_REPLY], &e->ce_outpkts, &e->ce_outbytes);
	return 0;
}

struct ctx {
	struct lb_stats	*c_out;
	size_t		 c_seen;
};

static int
entry_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ctx *c = data;
	struct lb_ct_entry e;

	if (lb_ct_parse(nlh, &e) == 0)
		c->c_seen += lb_ct_count(c->c_out, &e);
	return MNL_CB_OK;
}

int
lb_ct_count(struct lb_stats *out, const struct lb_ct_entry *e)
{
	enum cfg_protocol p = e->ce_proto == IPPROTO_UDP ? CFG_PROTO_UDP :
	    CFG_PROTO_TCP;

	if (e->ce_proto != IPPROTO_TCP && e->ce_proto != IPPROTO_UDP)
		return 0;
	for (size_t i = 0; i < out->ls_nsvcs; i++) {
		struct lb_svc_stats *s = &out->ls_svcs[i];
		struct lb_dest_stats *d;

		if (s->ss_key.ks_fwmark != 0 || s->ss_key.ks_proto != p ||
		    s->ss_key.ks_port != e->ce_vport ||
		    !cfg_addr_equal(&s->ss_key.ks_addr, &e->ce_vip) ||
		    (d = lb_stats_dest(s, &e->ce_rs, e->ce_rport)) == NULL)
			continue;
		if (e->ce_established)
			d->ds_active++;
		else
			d->ds_inactive++;
		d->ds_c.lc_inpkts += e->ce_inpkts;
		d->ds_c.lc_outpkts += e->ce_outpkts;
		d->ds_c.lc_inbytes += e->ce_inbytes;
		d->ds_c.lc_outbytes += e->ce_outbytes;
		s->ss_c.lc_inpkts += e->ce_inpkts;
		s->ss_c.lc_outpkts += e->ce_outpkts;
		s->ss_c.lc_inbytes += e->ce_inbytes;
		s->ss_c.lc_outbytes += e->ce_outbytes;
		return 1;
	}
	return 0;
}

int
lb_ct_read(struct lb_stats *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	struct ctx c = { out, 0 };
	uint32_t seq = (uint32_t)time(NULL), port;
	ssize_t n;
	int r = MNL_CB_OK;

	if ((nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		log_warn("lb: conntrack socket");
		if (nl != NULL)
			mnl_socket_close(nl);
		return -1;
	}
	port = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1) {
		log_warn("lb: conntrack dump");
		mnl_socket_close(nl);
		return -1;
	}
	while (r > MNL_CB_STOP &&
	    (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		r = mnl_cb_run(buf, (size_t)n, seq, port, entry_cb, &c);
	if (r == MNL_CB_ERROR)
		log_warn("lb: conntrack dump");
	mnl_socket_close(nl);
	return r == MNL_CB_ERROR ? -1 : 0;
}
