/*
 * lb_ipvs.c - the IPVS backend: the kernel's IP Virtual Server over
 * generic netlink (family "IPVS"), with libmnl.
 *
 * The first half builds and parses messages (pure, unit-tested against
 * <linux/ip_vs.h>); the second half does the socket I/O and turns
 * "old state -> new state" into NEW/SET/DEL commands.  Only services that
 * shoal owns (in old or in want) are ever read back or changed: no flush.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>

#include "lb/lb_backend.h"
#include "lb/lb_preview.h"
#include "lib/log.h"
#include "lib/util.h"

/* ---- building messages ---- */

static struct nlmsghdr *
msg_start(void *buf, size_t len, uint16_t type, uint16_t flags, uint8_t cmd,
    uint8_t version, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	if (len < LB_IPVS_MSG_MAX)
		return NULL;
	memset(buf, 0, LB_IPVS_MSG_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

struct nlmsghdr *
lb_ipvs_msg_getfamily(void *buf, size_t len, uint32_t seq)
{
	struct nlmsghdr *nlh;

	/* the controller answers, but acks only when asked */
	nlh = msg_start(buf, len, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
	    CTRL_CMD_GETFAMILY, 1, seq);
	if (nlh != NULL)
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME);
	return nlh;
}

/* The kernel's union nf_inet_addr: 16 bytes, IPv4 in the first 4. */
static void
put_addr(struct nlmsghdr *nlh, uint16_t type, const struct cfg_addr *a)
{
	uint8_t b[16];

	memset(b, 0, sizeof(b));
	if (a->family == AF_INET)
		memcpy(b, &a->u.v4, sizeof(a->u.v4));
	else if (a->family == AF_INET6)
		memcpy(b, &a->u.v6, sizeof(a->u.v6));
	mnl_attr_put(nlh, type, sizeof(b), b);
}

/* Persistence netmask: IPv4 a mask in network order, IPv6 a prefix. */
static uint32_t
svc_netmask(const struct lb_service *svc)
{
	int p = svc->s_pmask;

	if (svc->s_key.ks_af == AF_INET6)
		return p >= 0 && p <= 128 ? (uint32_t)p : 128;
	if (p < 0 || p >= 32)
		return 0xffffffffU;
	return htonl(p == 0 ? 0 : 0xffffffffU << (32 - p));
}

/* The service's key (and with full, its attributes) as a nested attr. */
static void
put_service(struct nlmsghdr *nlh, const struct lb_service *svc, int full)
{
	const struct lb_svc_key *k = &svc->s_key;
	struct ip_vs_flags fl;
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_SERVICE);
	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_AF, (uint16_t)k->ks_af);
	if (k->ks_fwmark != 0)
		mnl_attr_put_u32(nlh, IPVS_SVC_ATTR_FWMARK, k->ks_fwmark);
	else {
		mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_PROTOCOL,
		    k->ks_proto == CFG_PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP);
		put_addr(nlh, IPVS_SVC_ATTR_ADDR, &k->ks_addr);
		mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_PORT, htons(k->ks_port));
	}
	if (full) {
		mnl_attr_put_strz(nlh, IPVS_SVC_ATTR_SCHED_NAME,
		    cfg_scheduler_name(svc->s_sched));
		fl.flags = svc->s_persistent > 0 ? IP_VS_SVC_F_PERSISTENT : 0;
		fl.mask = ~0U;
		mnl_attr_put(nlh, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl);
		mnl_attr_put_u32(nlh, IPVS_SVC_ATTR_TIMEOUT, svc->s_persistent);
		mnl_attr_put_u32(nlh, IPVS_SVC_ATTR_NETMASK, svc_netmask(svc));
	}
	mnl_attr_nest_end(nlh, nest);
}

static uint32_t
fwd_method(enum cfg_network n)
{
	switch (n) {
	case CFG_NET_DIRECT:
		return IP_VS_CONN_F_DROUTE;
	case CFG_NET_TUNNEL:
		return IP_VS_CONN_F_TUNNEL;
	case CFG_NET_NAT:
	default:
		return IP_VS_CONN_F_MASQ;
	}
}

struct nlmsghdr *
lb_ipvs_msg_service(void *buf, size_t len, uint16_t family, uint8_t cmd,
    uint32_t seq, const struct lb_service *svc)
{
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, len, family, NLM_F_REQUEST | NLM_F_ACK, cmd,
	    IPVS_GENL_VERSION, seq);
	if (nlh != NULL)
		put_service(nlh, svc, cmd != IPVS_CMD_DEL_SERVICE);
	return nlh;
}

struct nlmsghdr *
lb_ipvs_msg_dest(void *buf, size_t len, uint16_t family, uint8_t cmd,
    uint32_t seq, const struct lb_service *svc, const struct lb_dest *d)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = msg_start(buf, len, family, NLM_F_REQUEST | NLM_F_ACK, cmd,
	    IPVS_GENL_VERSION, seq);
	if (nlh == NULL)
		return NULL;
	put_service(nlh, svc, 0);
	nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_DEST);
	put_addr(nlh, IPVS_DEST_ATTR_ADDR, &d->d_addr);
	mnl_attr_put_u16(nlh, IPVS_DEST_ATTR_PORT, htons(d->d_port));
	mnl_attr_put_u16(nlh, IPVS_DEST_ATTR_ADDR_FAMILY,
	    (uint16_t)d->d_addr.family);
	if (cmd != IPVS_CMD_DEL_DEST) {
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_FWD_METHOD,
		    fwd_method(svc->s_fwd));
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_WEIGHT,
		    (uint32_t)d->d_weight);
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_U_THRESH, 0);
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_L_THRESH, 0);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

struct nlmsghdr *
lb_ipvs_msg_dump(void *buf, size_t len, uint16_t family, uint8_t cmd,
    uint32_t seq, const struct lb_service *svc)
{
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, len, family, NLM_F_REQUEST | NLM_F_DUMP, cmd,
	    IPVS_GENL_VERSION, seq);
	if (nlh != NULL && svc != NULL)
		put_service(nlh, svc, 0);
	return nlh;
}

struct nlmsghdr *
lb_ipvs_msg_daemon(void *buf, size_t len, uint16_t family, uint8_t cmd,
    uint32_t seq, enum lb_sync_role role, const char *iface, int sync_id)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = msg_start(buf, len, family, NLM_F_REQUEST | NLM_F_ACK, cmd,
	    IPVS_GENL_VERSION, seq);
	if (nlh == NULL)
		return NULL;
	nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_DAEMON);
	mnl_attr_put_u32(nlh, IPVS_DAEMON_ATTR_STATE,
	    role == LB_SYNC_BACKUP ? IP_VS_STATE_BACKUP : IP_VS_STATE_MASTER);
	if (cmd == IPVS_CMD_NEW_DAEMON) {
		mnl_attr_put_strz(nlh, IPVS_DAEMON_ATTR_MCAST_IFN,
		    iface != NULL ? iface : "");
		mnl_attr_put_u32(nlh, IPVS_DAEMON_ATTR_SYNC_ID,
		    (uint32_t)sync_id);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

struct nlmsghdr *
lb_ipvs_msg_timeouts(void *buf, size_t len, uint16_t family, uint32_t seq,
    uint32_t tcp, uint32_t tcpfin, uint32_t udp)
{
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, len, family, NLM_F_REQUEST | NLM_F_ACK,
	    IPVS_CMD_SET_CONFIG, IPVS_GENL_VERSION, seq);
	if (nlh == NULL)
		return NULL;
	/* the kernel leaves a timeout of 0 unchanged */
	mnl_attr_put_u32(nlh, IPVS_CMD_ATTR_TIMEOUT_TCP, tcp);
	mnl_attr_put_u32(nlh, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, tcpfin);
	mnl_attr_put_u32(nlh, IPVS_CMD_ATTR_TIMEOUT_UDP, udp);
	return nlh;
}

/* ---- parsing replies ---- */

/* Collects the attributes of one level into tb[] (max = highest type). */
struct attr_tab {
	const struct nlattr	**at_tb;
	uint16_t		  at_max;
};

static int
attr_cb(const struct nlattr *a, void *data)
{
	struct attr_tab *t = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= t->at_max)
		t->at_tb[type] = a;
	return MNL_CB_OK;
}

static int
parse_nested(const struct nlattr *nest, const struct nlattr **tb,
    uint16_t max)
{
	struct attr_tab t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	return mnl_attr_parse_nested(nest, attr_cb, &t) == MNL_CB_ERROR ?
	    -1 : 0;
}

static int
parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb, uint16_t max)
{
	struct attr_tab t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct genlmsghdr)))
		return -1;
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, &t) ==
	    MNL_CB_ERROR ? -1 : 0;
}

int
lb_ipvs_parse_family(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (parse_top(nlh, tb, CTRL_ATTR_MAX) == -1 ||
	    tb[CTRL_ATTR_FAMILY_ID] == NULL ||
	    mnl_attr_validate(tb[CTRL_ATTR_FAMILY_ID], MNL_TYPE_U16) == -1)
		return -1;
	return mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
}

/* An address attribute of family af into a; 0 or -1. */
static int
get_addr(const struct nlattr *at, int af, struct cfg_addr *a)
{
	size_t need = af == AF_INET ? 4 : 16;

	memset(a, 0, sizeof(*a));
	if (at == NULL || mnl_attr_get_payload_len(at) < need ||
	    (af != AF_INET && af != AF_INET6))
		return -1;
	a->family = af;
	memcpy(&a->u, mnl_attr_get_payload(at), need);
	return 0;
}

static int
u16_ok(const struct nlattr *a)
{
	return a != NULL && mnl_attr_validate(a, MNL_TYPE_U16) == 0;
}

static int
u32_ok(const struct nlattr *a)
{
	return a != NULL && mnl_attr_validate(a, MNL_TYPE_U32) == 0;
}

/* The prefix length of a kernel netmask; -1 for a host mask. */
static int
netmask_prefix(int af, uint32_t nm)
{
	int p = 0;

	if (af == AF_INET6)
		return nm >= 128 ? -1 : (int)nm;
	for (nm = ntohl(nm); nm & 0x80000000U; nm <<= 1)
		p++;
	return p == 32 ? -1 : p;
}

static int
parse_service_attrs(const struct nlattr **sb, struct lb_service *svc)
{
	struct lb_svc_key *k = &svc->s_key;
	const struct ip_vs_flags *fl;
	int sched;

	if (!u16_ok(sb[IPVS_SVC_ATTR_AF]))
		return -1;
	k->ks_af = mnl_attr_get_u16(sb[IPVS_SVC_ATTR_AF]);
	if (k->ks_af != AF_INET && k->ks_af != AF_INET6)
		return -1;
	if (u32_ok(sb[IPVS_SVC_ATTR_FWMARK]))
		k->ks_fwmark = mnl_attr_get_u32(sb[IPVS_SVC_ATTR_FWMARK]);
	if (k->ks_fwmark == 0) {
		if (!u16_ok(sb[IPVS_SVC_ATTR_PROTOCOL]) ||
		    !u16_ok(sb[IPVS_SVC_ATTR_PORT]) ||
		    get_addr(sb[IPVS_SVC_ATTR_ADDR], k->ks_af, &k->ks_addr) == -1)
			return -1;
		k->ks_proto = mnl_attr_get_u16(sb[IPVS_SVC_ATTR_PROTOCOL]) ==
		    IPPROTO_UDP ? CFG_PROTO_UDP : CFG_PROTO_TCP;
		k->ks_port = ntohs(mnl_attr_get_u16(sb[IPVS_SVC_ATTR_PORT]));
	}
	if (sb[IPVS_SVC_ATTR_SCHED_NAME] != NULL &&
	    mnl_attr_validate(sb[IPVS_SVC_ATTR_SCHED_NAME],
	    MNL_TYPE_NUL_STRING) == 0 && (sched = cfg_scheduler_from_name(
	    mnl_attr_get_str(sb[IPVS_SVC_ATTR_SCHED_NAME]))) != -1)
		svc->s_sched = sched;
	fl = sb[IPVS_SVC_ATTR_FLAGS] != NULL &&
	    mnl_attr_get_payload_len(sb[IPVS_SVC_ATTR_FLAGS]) >= sizeof(*fl) ?
	    mnl_attr_get_payload(sb[IPVS_SVC_ATTR_FLAGS]) : NULL;
	if (fl != NULL && (fl->flags & IP_VS_SVC_F_PERSISTENT) &&
	    u32_ok(sb[IPVS_SVC_ATTR_TIMEOUT]))
		svc->s_persistent = mnl_attr_get_u32(sb[IPVS_SVC_ATTR_TIMEOUT]);
	if (u32_ok(sb[IPVS_SVC_ATTR_NETMASK]))
		svc->s_pmask = netmask_prefix(k->ks_af,
		    mnl_attr_get_u32(sb[IPVS_SVC_ATTR_NETMASK]));
	return 0;
}

int
lb_ipvs_parse_service(const struct nlmsghdr *nlh, struct lb_service *svc)
{
	const struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	const struct nlattr *sb[IPVS_SVC_ATTR_MAX + 1];

	if (parse_top(nlh, tb, IPVS_CMD_ATTR_MAX) == -1 ||
	    tb[IPVS_CMD_ATTR_SERVICE] == NULL ||
	    parse_nested(tb[IPVS_CMD_ATTR_SERVICE], sb, IPVS_SVC_ATTR_MAX) == -1)
		return -1;
	return parse_service_attrs(sb, svc);
}

int
lb_ipvs_parse_dest(const struct nlmsghdr *nlh, int svc_af,
    struct lb_dest *d, enum cfg_network *fwd)
{
	const struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	const struct nlattr *db[IPVS_DEST_ATTR_MAX + 1];
	uint32_t m;
	int af = svc_af;

	memset(d, 0, sizeof(*d));
	if (parse_top(nlh, tb, IPVS_CMD_ATTR_MAX) == -1 ||
	    tb[IPVS_CMD_ATTR_DEST] == NULL ||
	    parse_nested(tb[IPVS_CMD_ATTR_DEST], db, IPVS_DEST_ATTR_MAX) == -1)
		return -1;
	if (u16_ok(db[IPVS_DEST_ATTR_ADDR_FAMILY]))
		af = mnl_attr_get_u16(db[IPVS_DEST_ATTR_ADDR_FAMILY]);
	if (get_addr(db[IPVS_DEST_ATTR_ADDR], af, &d->d_addr) == -1 ||
	    !u16_ok(db[IPVS_DEST_ATTR_PORT]) ||
	    !u32_ok(db[IPVS_DEST_ATTR_WEIGHT]) ||
	    !u32_ok(db[IPVS_DEST_ATTR_FWD_METHOD]))
		return -1;
	d->d_port = ntohs(mnl_attr_get_u16(db[IPVS_DEST_ATTR_PORT]));
	d->d_weight = (int)mnl_attr_get_u32(db[IPVS_DEST_ATTR_WEIGHT]);
	m = mnl_attr_get_u32(db[IPVS_DEST_ATTR_FWD_METHOD]) &
	    IP_VS_CONN_F_FWD_MASK;
	*fwd = m == IP_VS_CONN_F_DROUTE ? CFG_NET_DIRECT :
	    m == IP_VS_CONN_F_TUNNEL ? CFG_NET_TUNNEL : CFG_NET_NAT;
	return 0;
}

/* Counters from a nested IPVS_STATS_ATTR_* (64-bit or 32-bit). */
static int
parse_counters(const struct nlattr *nest, int wide, struct lb_counters *c)
{
	const struct nlattr *st[IPVS_STATS_ATTR_MAX + 1];
	static const int attr[5] = { IPVS_STATS_ATTR_CONNS,
	    IPVS_STATS_ATTR_INPKTS, IPVS_STATS_ATTR_OUTPKTS,
	    IPVS_STATS_ATTR_INBYTES, IPVS_STATS_ATTR_OUTBYTES };
	uint64_t *out[5] = { &c->lc_conns, &c->lc_inpkts, &c->lc_outpkts,
	    &c->lc_inbytes, &c->lc_outbytes };

	if (nest == NULL || parse_nested(nest, st, IPVS_STATS_ATTR_MAX) == -1)
		return -1;
	for (int i = 0; i < 5; i++) {
		const struct nlattr *a = st[attr[i]];
		/* the 32-bit set has 64-bit byte counters */
		int w64 = wide || attr[i] == IPVS_STATS_ATTR_INBYTES ||
		    attr[i] == IPVS_STATS_ATTR_OUTBYTES;

		if (a == NULL)
			continue;
		if (w64 && mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			*out[i] = mnl_attr_get_u64(a);
		else if (!w64 && u32_ok(a))
			*out[i] = mnl_attr_get_u32(a);
	}
	return 0;
}

int
lb_ipvs_parse_service_stats(const struct nlmsghdr *nlh, struct lb_counters *c)
{
	const struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	const struct nlattr *sb[IPVS_SVC_ATTR_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (parse_top(nlh, tb, IPVS_CMD_ATTR_MAX) == -1 ||
	    tb[IPVS_CMD_ATTR_SERVICE] == NULL ||
	    parse_nested(tb[IPVS_CMD_ATTR_SERVICE], sb, IPVS_SVC_ATTR_MAX) == -1)
		return -1;
	if (sb[IPVS_SVC_ATTR_STATS64] != NULL)
		return parse_counters(sb[IPVS_SVC_ATTR_STATS64], 1, c);
	return parse_counters(sb[IPVS_SVC_ATTR_STATS], 0, c);
}

int
lb_ipvs_parse_dest_stats(const struct nlmsghdr *nlh, int svc_af,
    struct lb_dest_stats *ds)
{
	const struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	const struct nlattr *db[IPVS_DEST_ATTR_MAX + 1];
	struct lb_dest d;
	enum cfg_network fwd;

	memset(ds, 0, sizeof(*ds));
	if (lb_ipvs_parse_dest(nlh, svc_af, &d, &fwd) == -1 ||
	    parse_top(nlh, tb, IPVS_CMD_ATTR_MAX) == -1 ||
	    parse_nested(tb[IPVS_CMD_ATTR_DEST], db, IPVS_DEST_ATTR_MAX) == -1)
		return -1;
	ds->ds_addr = d.d_addr;
	ds->ds_port = d.d_port;
	ds->ds_weight = d.d_weight;
	if (u32_ok(db[IPVS_DEST_ATTR_ACTIVE_CONNS]))
		ds->ds_active = mnl_attr_get_u32(db[IPVS_DEST_ATTR_ACTIVE_CONNS]);
	if (u32_ok(db[IPVS_DEST_ATTR_INACT_CONNS]))
		ds->ds_inactive = mnl_attr_get_u32(db[IPVS_DEST_ATTR_INACT_CONNS]);
	if (db[IPVS_DEST_ATTR_STATS64] != NULL)
		return parse_counters(db[IPVS_DEST_ATTR_STATS64], 1, &ds->ds_c);
	return parse_counters(db[IPVS_DEST_ATTR_STATS], 0, &ds->ds_c);
}

int
lb_ipvs_parse_daemon(const struct nlmsghdr *nlh, enum lb_sync_role *role,
    char *iface, size_t ifacelen, int *sync_id)
{
	const struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	const struct nlattr *db[IPVS_DAEMON_ATTR_MAX + 1];
	uint32_t st;

	if (parse_top(nlh, tb, IPVS_CMD_ATTR_MAX) == -1 ||
	    tb[IPVS_CMD_ATTR_DAEMON] == NULL ||
	    parse_nested(tb[IPVS_CMD_ATTR_DAEMON], db,
	    IPVS_DAEMON_ATTR_MAX) == -1 || !u32_ok(db[IPVS_DAEMON_ATTR_STATE]))
		return -1;
	st = mnl_attr_get_u32(db[IPVS_DAEMON_ATTR_STATE]);
	if (st != IP_VS_STATE_MASTER && st != IP_VS_STATE_BACKUP)
		return -1;
	*role = st == IP_VS_STATE_MASTER ? LB_SYNC_MASTER : LB_SYNC_BACKUP;
	iface[0] = '\0';
	if (db[IPVS_DAEMON_ATTR_MCAST_IFN] != NULL &&
	    mnl_attr_validate(db[IPVS_DAEMON_ATTR_MCAST_IFN],
	    MNL_TYPE_NUL_STRING) == 0)
		str_copy(iface, mnl_attr_get_str(db[IPVS_DAEMON_ATTR_MCAST_IFN]),
		    ifacelen);
	*sync_id = u32_ok(db[IPVS_DAEMON_ATTR_SYNC_ID]) ?
	    (int)mnl_attr_get_u32(db[IPVS_DAEMON_ATTR_SYNC_ID]) : 0;
	return 0;
}

/* ---- talking to the kernel (through the lb_nl seam) ---- */

struct ipvs {
	struct lb_nl		*iv_nl;
	uint16_t		 iv_family;
	uint32_t		 iv_seq;
	char			 iv_extack[256];	/* kernel's message */
};

/* Sends nlh, each reply data message to cb; 0, or -1 with errno set. */
static int
ipvs_talk(struct ipvs *iv, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	iv->iv_extack[0] = '\0';
	if (nlh == NULL) {
		errno = EMSGSIZE;
		return -1;
	}
	return lb_nl_talk(iv->iv_nl, nlh, cb, data, iv->iv_extack,
	    sizeof(iv->iv_extack));
}

static int
family_cb(const struct nlmsghdr *nlh, void *data)
{
	int *id = data;

	*id = lb_ipvs_parse_family(nlh);
	return MNL_CB_OK;
}

/* The generic netlink id of "IPVS", or -1 (errno set). */
static int
resolve_family(struct ipvs *iv)
{
	char buf[LB_IPVS_MSG_MAX];
	int id = -1;

	if (ipvs_talk(iv, lb_ipvs_msg_getfamily(buf, sizeof(buf),
	    ++iv->iv_seq), family_cb, &id) == -1)
		return -1;
	if (id <= 0) {
		errno = EPROTO;
		return -1;
	}
	return id;
}

/*
 * Opens generic netlink and resolves "IPVS", loading ip_vs when the
 * family is not there yet; NULL if the kernel has no IPVS.
 */
static struct ipvs *
ipvs_connect(int quiet)
{
	struct ipvs *iv;
	int id;

	if ((iv = calloc(1, sizeof(*iv))) == NULL)
		return NULL;
	iv->iv_seq = (uint32_t)time(NULL);
	if ((iv->iv_nl = lb_nl_open(quiet)) == NULL)
		goto fail;
	if ((id = resolve_family(iv)) == -1 && errno == ENOENT &&
	    lb_nl_load_ipvs() == 0)
		id = resolve_family(iv);
	if (id == -1) {
		if (!quiet)
			log_warnx("lb: ipvs: the kernel has no IP Virtual "
			    "Server (generic netlink family \"IPVS\": %s%s%s; "
			    "modprobe ip_vs)", strerror(errno),
			    iv->iv_extack[0] ? ": " : "", iv->iv_extack);
		goto fail;
	}
	iv->iv_family = (uint16_t)id;
	return iv;
fail:
	lb_nl_close(iv->iv_nl);
	free(iv);
	return NULL;
}

int
lb_ipvs_available(void)
{
	struct ipvs *iv;

	if (access("/proc/net/ip_vs", F_OK) == 0)
		return 1;
	if ((iv = ipvs_connect(1)) == NULL)
		return 0;
	lb_nl_close(iv->iv_nl);
	free(iv);
	return 1;
}

static void *
ipvs_open(void)
{
	return ipvs_connect(0);
}

static void
ipvs_close(void *p)
{
	struct ipvs *iv = p;

	if (iv == NULL)
		return;
	lb_nl_close(iv->iv_nl);
	free(iv);
}

/* Sends one command; logs what failed with the kernel's words. */
static int
ipvs_cmd(struct ipvs *iv, struct nlmsghdr *nlh, const char *what,
    const struct lb_svc_key *k, const struct lb_dest *d)
{
	char kb[LB_KEY_STRLEN], ab[CFG_ADDR_STRLEN], rb[CFG_ADDR_STRLEN + 24];

	if (ipvs_talk(iv, nlh, NULL, NULL) == 0)
		return 0;
	kb[0] = rb[0] = '\0';
	if (k != NULL)
		lb_svc_key_str(k, kb, sizeof(kb));
	if (d != NULL)
		snprintf(rb, sizeof(rb), " real server %s:%u",
		    cfg_addr_str(&d->d_addr, ab, sizeof(ab)), d->d_port);
	log_warnx("lb: ipvs: %s%s%s%s: %s%s%s", what, k != NULL ? " " : "",
	    kb, rb, strerror(errno), iv->iv_extack[0] ? ": " : "",
	    iv->iv_extack);
	return -1;
}

static int
svc_cmd(struct ipvs *iv, uint8_t cmd, const char *what,
    const struct lb_service *svc)
{
	char buf[LB_IPVS_MSG_MAX];

	return ipvs_cmd(iv, lb_ipvs_msg_service(buf, sizeof(buf),
	    iv->iv_family, cmd, ++iv->iv_seq, svc), what, &svc->s_key, NULL);
}

static int
dest_cmd(struct ipvs *iv, uint8_t cmd, const char *what,
    const struct lb_service *svc, const struct lb_dest *d)
{
	char buf[LB_IPVS_MSG_MAX];

	return ipvs_cmd(iv, lb_ipvs_msg_dest(buf, sizeof(buf), iv->iv_family,
	    cmd, ++iv->iv_seq, svc, d), what, &svc->s_key, d);
}

/* ---- reading the kernel's state back (only what shoal owns) ---- */

struct dump {
	struct lb_state		*du_st;
	struct lb_service	*du_svc;
	const struct lb_state	*du_owned;	/* old */
	const struct lb_state	*du_want;
	int			 du_err;
};

static int
dump_svc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *du = data;
	struct lb_service svc;

	lb_service_init(&svc, NULL);
	if (lb_ipvs_parse_service(nlh, &svc) == -1)
		return MNL_CB_OK;	/* a family shoal does not use */
	if (lb_state_find(du->du_owned, &svc.s_key) == NULL &&
	    lb_state_find(du->du_want, &svc.s_key) == NULL)
		return MNL_CB_OK;	/* not ours: never touched */
	if (lb_state_add_service(du->du_st, &svc) == -1)
		du->du_err = 1;
	return MNL_CB_OK;
}

/*
 * A real server whose forwarding method differs from the desired one is
 * read with weight -1, a value no desired state has, so that the
 * difference rewrites it with SET_DEST.
 */
static int
dump_dest_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *du = data;
	const struct lb_service *w;
	enum cfg_network fwd;
	struct lb_dest d;

	if (lb_ipvs_parse_dest(nlh, du->du_svc->s_key.ks_af, &d, &fwd) == -1)
		return MNL_CB_OK;
	w = lb_state_find(du->du_want, &du->du_svc->s_key);
	if (w != NULL && fwd != w->s_fwd)
		d.d_weight = -1;
	if (lb_service_set_dest(du->du_svc, &d) == -1)
		du->du_err = 1;
	return MNL_CB_OK;
}

/* The kernel's view of the services in owned or want; 0 or -1. */
static int
ipvs_read(struct ipvs *iv, const struct lb_state *owned,
    const struct lb_state *want, struct lb_state *out)
{
	char buf[LB_IPVS_MSG_MAX];
	struct dump du = { out, NULL, owned, want, 0 };
	const struct lb_service *w;
	size_t i;

	if (ipvs_talk(iv, lb_ipvs_msg_dump(buf, sizeof(buf), iv->iv_family,
	    IPVS_CMD_GET_SERVICE, ++iv->iv_seq, NULL), dump_svc_cb, &du) == -1) {
		log_warn("lb: ipvs: reading the services");
		return -1;
	}
	for (i = 0; i < out->st_nsvcs && !du.du_err; i++) {
		du.du_svc = &out->st_svcs[i];
		if ((w = lb_state_find(want, &du.du_svc->s_key)) != NULL)
			du.du_svc->s_fwd = w->s_fwd;
		if (ipvs_talk(iv, lb_ipvs_msg_dump(buf, sizeof(buf),
		    iv->iv_family, IPVS_CMD_GET_DEST, ++iv->iv_seq,
		    du.du_svc), dump_dest_cb, &du) == -1) {
			log_warn("lb: ipvs: reading the real servers");
			return -1;
		}
	}
	if (du.du_err)
		log_warnx("lb: ipvs: out of memory reading the kernel");
	return du.du_err ? -1 : 0;
}

/* ---- differences ---- */

/* One operation of lb_ipvs_diff() sent to the kernel. */
static int
kernel_op(void *arg, enum lb_ipvs_op op, const struct lb_service *svc,
    const struct lb_dest *d)
{
	static const uint8_t cmds[] = {
		[LB_IPVS_ADD_SVC] = IPVS_CMD_NEW_SERVICE,
		[LB_IPVS_EDIT_SVC] = IPVS_CMD_SET_SERVICE,
		[LB_IPVS_DEL_SVC] = IPVS_CMD_DEL_SERVICE,
		[LB_IPVS_ADD_DEST] = IPVS_CMD_NEW_DEST,
		[LB_IPVS_EDIT_DEST] = IPVS_CMD_SET_DEST,
		[LB_IPVS_DEL_DEST] = IPVS_CMD_DEL_DEST,
	};
	static const char *const what[] = { "adding", "updating",
	    "removing", "adding", "updating", "removing" };

	if (d == NULL)
		return svc_cmd(arg, cmds[op], what[op], svc);
	return dest_cmd(arg, cmds[op], what[op], svc, d);
}

/* The sync daemons the kernel runs: index 0 master, 1 backup. */
struct daemons {
	int	dm_on[2];
	char	dm_iface[2][CFG_IFNAME_MAX + 1];
	int	dm_id[2];
};

static int
role_index(enum lb_sync_role r)
{
	return r == LB_SYNC_MASTER ? 0 : 1;
}

static int
daemon_cb(const struct nlmsghdr *nlh, void *data)
{
	struct daemons *dm = data;
	enum lb_sync_role role;
	char iface[CFG_IFNAME_MAX + 1];
	int id, i;

	if (lb_ipvs_parse_daemon(nlh, &role, iface, sizeof(iface), &id) == -1)
		return MNL_CB_OK;
	i = role_index(role);
	dm->dm_on[i] = 1;
	memcpy(dm->dm_iface[i], iface, sizeof(iface));
	dm->dm_id[i] = id;
	return MNL_CB_OK;
}

static int
daemon_cmd(struct ipvs *iv, uint8_t cmd, enum lb_sync_role role,
    const struct lb_state *want)
{
	char buf[LB_IPVS_MSG_MAX];
	const char *what;

	if (cmd == IPVS_CMD_DEL_DAEMON)
		what = role == LB_SYNC_MASTER ? "stopping the master sync "
		    "daemon" : "stopping the backup sync daemon";
	else
		what = role == LB_SYNC_MASTER ? "starting the master sync "
		    "daemon" : "starting the backup sync daemon";
	return ipvs_cmd(iv, lb_ipvs_msg_daemon(buf, sizeof(buf),
	    iv->iv_family, cmd, ++iv->iv_seq, role, want->st_sync_iface,
	    want->st_sync_id), what, NULL, NULL);
}

/*
 * Makes the kernel's sync daemons match want, from what the kernel runs
 * (so a daemon already running with the right settings is kept: applying
 * twice, or after a restart, is not "File exists").  While want has a
 * daemon, shoal runs the sync daemons: the other role and a daemon with
 * other settings are stopped.  With none wanted, only the role shoal ran
 * (old) is stopped; a daemon someone else started stays.
 */
static int
sync_daemons(struct ipvs *iv, const struct lb_state *old,
    const struct lb_state *want)
{
	static const enum lb_sync_role roles[] = { LB_SYNC_MASTER,
	    LB_SYNC_BACKUP };
	char buf[LB_IPVS_MSG_MAX];
	struct daemons dm;
	int i, wanted, rc = 0;

	memset(&dm, 0, sizeof(dm));
	if (ipvs_talk(iv, lb_ipvs_msg_dump(buf, sizeof(buf), iv->iv_family,
	    IPVS_CMD_GET_DAEMON, ++iv->iv_seq, NULL), daemon_cb, &dm) == -1) {
		log_warn("lb: ipvs: reading the sync daemons");
		return -1;
	}
	for (i = 0; i < 2; i++) {
		wanted = want->st_sync == roles[i];
		if (dm.dm_on[i]) {
			if (wanted && dm.dm_id[i] == want->st_sync_id &&
			    strcmp(dm.dm_iface[i], want->st_sync_iface) == 0)
				continue;
			if (!wanted && want->st_sync == LB_SYNC_NONE &&
			    old->st_sync != roles[i])
				continue;	/* not ours */
			if (daemon_cmd(iv, IPVS_CMD_DEL_DAEMON, roles[i],
			    want) == -1)
				rc = -1;
		}
		if (wanted && daemon_cmd(iv, IPVS_CMD_NEW_DAEMON, roles[i],
		    want) == -1)
			rc = -1;
	}
	return rc;
}

static int
sync_globals(struct ipvs *iv, const struct lb_state *old,
    const struct lb_state *want, int trusted)
{
	char buf[LB_IPVS_MSG_MAX];
	int rc = 0;

	if ((!trusted || old->st_tcp_timeout != want->st_tcp_timeout ||
	    old->st_tcpfin_timeout != want->st_tcpfin_timeout ||
	    old->st_udp_timeout != want->st_udp_timeout) &&
	    (want->st_tcp_timeout || want->st_tcpfin_timeout ||
	    want->st_udp_timeout) &&
	    ipvs_cmd(iv, lb_ipvs_msg_timeouts(buf, sizeof(buf), iv->iv_family,
	    ++iv->iv_seq, want->st_tcp_timeout, want->st_tcpfin_timeout,
	    want->st_udp_timeout), "setting timeouts", NULL, NULL) == -1)
		rc = -1;
	if (trusted && old->st_sync == want->st_sync &&
	    old->st_sync_id == want->st_sync_id &&
	    strcmp(old->st_sync_iface, want->st_sync_iface) == 0)
		return rc;
	if (!trusted && old->st_sync == LB_SYNC_NONE &&
	    want->st_sync == LB_SYNC_NONE)
		return rc;	/* no daemon of ours, none wanted */
	if (sync_daemons(iv, old, want) == -1)
		rc = -1;
	return rc;
}

static int
ipvs_apply(void *p, const struct lb_state *old, const struct lb_state *want,
    int trusted)
{
	struct ipvs *iv = p;
	struct lb_state kern;
	int rc = 0;

	lb_state_init(&kern);
	if (!trusted && ipvs_read(iv, old, want, &kern) == -1)
		return -1;
	if (lb_ipvs_diff(trusted ? old : &kern, want, kernel_op, iv) == -1)
		rc = -1;
	if (sync_globals(iv, old, want, trusted) == -1)
		rc = -1;
	lb_state_clear(&kern);
	return rc;
}

/* What ipvs_apply() would send, as ipvsadm lines (lb_preview.h). */
static char *
ipvs_preview(void *p, const struct lb_state *old, const struct lb_state *want,
    int trusted)
{
	struct ipvs *iv = p;
	struct lb_state kern;
	char *text;

	lb_state_init(&kern);
	if (!trusted && ipvs_read(iv, old, want, &kern) == -1)
		return NULL;
	text = lb_ipvs_preview(trusted ? old : &kern, want);
	lb_state_clear(&kern);
	return text;
}

/* ---- counters ---- */

struct sdump {
	struct lb_stats		*sd_out;
	const struct lb_state	*sd_cur;
	struct lb_svc_stats	*sd_svc;
	int			 sd_err;
};

static int
stats_svc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sdump *sd = data;
	const struct lb_service *cur;
	struct lb_service svc;
	struct lb_svc_stats *s;

	lb_service_init(&svc, NULL);
	if (lb_ipvs_parse_service(nlh, &svc) == -1 ||
	    (cur = lb_state_find(sd->sd_cur, &svc.s_key)) == NULL)
		return MNL_CB_OK;	/* not ours */
	if ((s = lb_stats_add(sd->sd_out, cur)) == NULL) {
		sd->sd_err = 1;
		return MNL_CB_OK;
	}
	(void)lb_ipvs_parse_service_stats(nlh, &s->ss_c);
	return MNL_CB_OK;
}

static int
stats_dest_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sdump *sd = data;
	struct lb_dest_stats ds, *into;

	if (lb_ipvs_parse_dest_stats(nlh, sd->sd_svc->ss_key.ks_af, &ds) == -1 ||
	    (into = lb_stats_dest(sd->sd_svc, &ds.ds_addr, ds.ds_port)) == NULL)
		return MNL_CB_OK;
	*into = ds;
	return MNL_CB_OK;
}

static int
ipvs_stats(void *p, const struct lb_state *cur, struct lb_stats *out)
{
	struct ipvs *iv = p;
	char buf[LB_IPVS_MSG_MAX];
	struct sdump sd = { out, cur, NULL, 0 };
	struct lb_service key;

	out->ls_totals = 1;
	if (ipvs_talk(iv, lb_ipvs_msg_dump(buf, sizeof(buf), iv->iv_family,
	    IPVS_CMD_GET_SERVICE, ++iv->iv_seq, NULL), stats_svc_cb, &sd) == -1) {
		log_warn("lb: ipvs: reading the counters");
		return -1;
	}
	for (size_t i = 0; i < out->ls_nsvcs && !sd.sd_err; i++) {
		sd.sd_svc = &out->ls_svcs[i];
		lb_service_init(&key, NULL);
		key.s_key = sd.sd_svc->ss_key;
		if (ipvs_talk(iv, lb_ipvs_msg_dump(buf, sizeof(buf),
		    iv->iv_family, IPVS_CMD_GET_DEST, ++iv->iv_seq, &key),
		    stats_dest_cb, &sd) == -1) {
			log_warn("lb: ipvs: reading the real servers' counters");
			return -1;
		}
	}
	return sd.sd_err ? -1 : 0;
}

const struct lb_backend lb_backend_ipvs = {
	.b_kind = CFG_LB_IPVS,
	.b_name = "ipvs",
	.b_open = ipvs_open,
	.b_close = ipvs_close,
	.b_apply = ipvs_apply,
	.b_preview = ipvs_preview,
	.b_stats = ipvs_stats,
};
