/*
 * test_lb_ipvs_diff.c - the IPVS backend's differences, against a fake
 * IPVS kernel linked in place of lb_ipvs_nl.c (the link seam): which
 * commands a change sends, that services shoal does not own are never
 * touched, that a first apply adopts and repairs what a previous run left,
 * and that a failed command is repaired by the next apply.
 *
 * The fake decodes requests with the same parsers the backend uses for
 * dumps, and answers dumps with messages built by the same builders, whose
 * encoding test_lb_ipvs.c checks against <linux/ip_vs.h>.  Like the
 * kernel it acks only requests that ask (NLM_F_ACK): one that does not
 * ends as the real socket's timeout would.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>

#include "config/config.h"
#include "lb/lb.h"
#include "lb/lb_backend.h"

#define FAM		0x2a
#define MAXSVC		8
#define MAXDEST		8
#define MAXLOG		64

/* ---- the fake kernel ---- */

struct fdest {
	struct lb_dest		d;
	enum cfg_network	fwd;
};

struct fsvc {
	struct lb_service	s;	/* attributes; s_dests unused */
	struct fdest		dests[MAXDEST];
	int			nd;
};

static struct {
	int		has_ipvs;
	int		module;		/* ip_vs can be loaded */
	int		modprobes;
	struct fsvc	svc[MAXSVC];
	int		nsvc;
	int		daemon;		/* IP_VS_STATE_* */
	char		dm_iface[3][16];	/* by state: 1 master, 2 backup */
	uint32_t	dm_id[3];
	uint32_t	tcp;
	int		ncmds;		/* commands (not dumps) seen */
	int		fail_at;	/* fail the command with this number */
	char		log[MAXLOG][128];
	int		nlog;
} fk;

struct lb_nl {
	int	unused;
};
static struct lb_nl the_nl;

struct lb_nl *
lb_nl_open(int quiet)
{
	(void)quiet;
	return &the_nl;
}

void
lb_nl_close(struct lb_nl *nl)
{
	assert_ptr_equal(nl, &the_nl);
}

/* modprobe ip_vs: the family appears when the module exists. */
int
lb_nl_load_ipvs(void)
{
	fk.modprobes++;
	if (!fk.module)
		return -1;
	fk.has_ipvs = 1;
	return 0;
}

static void fk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
fk_log(const char *fmt, ...)
{
	va_list ap;

	assert_true(fk.nlog < MAXLOG);
	va_start(ap, fmt);
	vsnprintf(fk.log[fk.nlog++], sizeof(fk.log[0]), fmt, ap);
	va_end(ap);
}

static struct fsvc *
fk_find(const struct lb_svc_key *k)
{
	int i;

	for (i = 0; i < fk.nsvc; i++)
		if (lb_svc_key_equal(&fk.svc[i].s.s_key, k))
			return &fk.svc[i];
	return NULL;
}

static struct fdest *
fk_dest(struct fsvc *f, const struct lb_dest *d)
{
	int i;

	for (i = 0; i < f->nd; i++)
		if (cfg_addr_equal(&f->dests[i].d.d_addr, &d->d_addr) &&
		    f->dests[i].d.d_port == d->d_port)
			return &f->dests[i];
	return NULL;
}

/* "tcp 10.0.0.1:80" and "10.1.0.1:80" for the log. */
static const char *
dstr(const struct lb_dest *d, char *buf, size_t len)
{
	char ab[CFG_ADDR_STRLEN];

	snprintf(buf, len, "%s:%u", cfg_addr_str(&d->d_addr, ab, sizeof(ab)),
	    d->d_port);
	return buf;
}

static int
fk_service(uint8_t cmd, const struct nlmsghdr *req)
{
	struct lb_service s;
	struct fsvc *f;
	char kb[LB_KEY_STRLEN];

	lb_service_init(&s, NULL);
	assert_int_equal(lb_ipvs_parse_service(req, &s), 0);
	f = fk_find(&s.s_key);
	lb_svc_key_str(&s.s_key, kb, sizeof(kb));
	switch (cmd) {
	case IPVS_CMD_NEW_SERVICE:
		fk_log("NEW_SERVICE %s %s p=%u", kb,
		    cfg_scheduler_name(s.s_sched), s.s_persistent);
		if (f != NULL)
			return -EEXIST;
		assert_true(fk.nsvc < MAXSVC);
		memset(&fk.svc[fk.nsvc], 0, sizeof(fk.svc[0]));
		fk.svc[fk.nsvc++].s = s;
		return 0;
	case IPVS_CMD_SET_SERVICE:
		fk_log("SET_SERVICE %s %s p=%u", kb,
		    cfg_scheduler_name(s.s_sched), s.s_persistent);
		if (f == NULL)
			return -ESRCH;
		f->s = s;
		return 0;
	default:
		fk_log("DEL_SERVICE %s", kb);
		if (f == NULL)
			return -ESRCH;
		*f = fk.svc[--fk.nsvc];
		return 0;
	}
}

static int
fk_destcmd(uint8_t cmd, const struct nlmsghdr *req)
{
	struct lb_service s;
	struct lb_dest d;
	enum cfg_network fwd = CFG_NET_NAT;
	struct fsvc *f;
	struct fdest *fd;
	char kb[LB_KEY_STRLEN], db[64];

	lb_service_init(&s, NULL);
	assert_int_equal(lb_ipvs_parse_service(req, &s), 0);
	lb_svc_key_str(&s.s_key, kb, sizeof(kb));
	if (cmd == IPVS_CMD_DEL_DEST) {
		/* no weight or method in a delete: read address and port */
		const struct nlattr *a;
		memset(&d, 0, sizeof(d));
		mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
			const struct nlattr *b;
			if (mnl_attr_get_type(a) != IPVS_CMD_ATTR_DEST)
				continue;
			mnl_attr_for_each_nested(b, a) {
				if (mnl_attr_get_type(b) == IPVS_DEST_ATTR_ADDR) {
					d.d_addr.family = s.s_key.ks_af;
					memcpy(&d.d_addr.u, mnl_attr_get_payload(b),
					    s.s_key.ks_af == AF_INET ? 4 : 16);
				} else if (mnl_attr_get_type(b) ==
				    IPVS_DEST_ATTR_PORT)
					d.d_port = ntohs(mnl_attr_get_u16(b));
			}
		}
	} else
		assert_int_equal(lb_ipvs_parse_dest(req, s.s_key.ks_af, &d,
		    &fwd), 0);
	dstr(&d, db, sizeof(db));
	if ((f = fk_find(&s.s_key)) == NULL)
		return -ESRCH;
	fd = fk_dest(f, &d);
	switch (cmd) {
	case IPVS_CMD_NEW_DEST:
		fk_log("NEW_DEST %s %s w=%d %s", kb, db, d.d_weight,
		    cfg_network_name(fwd));
		if (fd != NULL)
			return -EEXIST;
		assert_true(f->nd < MAXDEST);
		f->dests[f->nd].d = d;
		f->dests[f->nd++].fwd = fwd;
		return 0;
	case IPVS_CMD_SET_DEST:
		fk_log("SET_DEST %s %s w=%d %s", kb, db, d.d_weight,
		    cfg_network_name(fwd));
		if (fd == NULL)
			return -ENOENT;
		fd->d = d;
		fd->fwd = fwd;
		return 0;
	default:
		fk_log("DEL_DEST %s %s", kb, db);
		if (fd == NULL)
			return -ENOENT;
		*fd = f->dests[--f->nd];
		return 0;
	}
}

static char rbuf[LB_IPVS_MSG_MAX];

static int
fk_dump_services(int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	int i;

	fk_log("GET_SERVICE");
	for (i = 0; i < fk.nsvc; i++)
		assert_int_equal(cb(lb_ipvs_msg_service(rbuf, sizeof(rbuf),
		    FAM, IPVS_CMD_NEW_SERVICE, 0, &fk.svc[i].s), data),
		    MNL_CB_OK);
	return 0;
}

static int
fk_dump_dests(const struct nlmsghdr *req,
    int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	struct lb_service s;
	struct fsvc *f;
	char kb[LB_KEY_STRLEN];
	int i;

	lb_service_init(&s, NULL);
	assert_int_equal(lb_ipvs_parse_service(req, &s), 0);
	fk_log("GET_DEST %s", lb_svc_key_str(&s.s_key, kb, sizeof(kb)));
	if ((f = fk_find(&s.s_key)) == NULL)
		return -ESRCH;
	for (i = 0; i < f->nd; i++) {
		s = f->s;
		s.s_fwd = f->dests[i].fwd;
		assert_int_equal(cb(lb_ipvs_msg_dest(rbuf, sizeof(rbuf), FAM,
		    IPVS_CMD_NEW_DEST, 0, &s, &f->dests[i].d), data),
		    MNL_CB_OK);
	}
	return 0;
}

static int
fk_family(int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	if (!fk.has_ipvs)
		return -ENOENT;
	memset(rbuf, 0, sizeof(rbuf));
	nlh = mnl_nlmsg_put_header(rbuf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_NEWFAMILY;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "IPVS");
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAM);
	return cb(nlh, data) == MNL_CB_OK ? 0 : -EIO;
}

/* A GET_DAEMON dump: one NEW_DAEMON message per running daemon. */
static int
fk_dump_daemons(int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct nlattr *nest;
	uint32_t st;

	fk_log("GET_DAEMON");
	for (st = IP_VS_STATE_MASTER; st <= IP_VS_STATE_BACKUP; st++) {
		if (!(fk.daemon & st))
			continue;
		memset(rbuf, 0, sizeof(rbuf));
		nlh = mnl_nlmsg_put_header(rbuf);
		nlh->nlmsg_type = FAM;
		nlh->nlmsg_flags = NLM_F_MULTI;
		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->cmd = IPVS_CMD_NEW_DAEMON;
		nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_DAEMON);
		mnl_attr_put_u32(nlh, IPVS_DAEMON_ATTR_STATE, st);
		mnl_attr_put_strz(nlh, IPVS_DAEMON_ATTR_MCAST_IFN,
		    fk.dm_iface[st]);
		mnl_attr_put_u32(nlh, IPVS_DAEMON_ATTR_SYNC_ID, fk.dm_id[st]);
		mnl_attr_put_u32(nlh, IPVS_DAEMON_ATTR_MCAST_TTL, 1);
		mnl_attr_nest_end(nlh, nest);
		assert_int_equal(cb(nlh, data), MNL_CB_OK);
	}
	return 0;
}

static int
fk_other(uint8_t cmd, const struct nlmsghdr *req)
{
	const struct nlattr *a, *b;
	uint32_t state = 0, id = 0;
	const char *ifn = "";

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == IPVS_CMD_ATTR_TIMEOUT_TCP)
			fk.tcp = mnl_attr_get_u32(a);
		if (mnl_attr_get_type(a) == IPVS_CMD_ATTR_DAEMON)
			mnl_attr_for_each_nested(b, a) {
				if (mnl_attr_get_type(b) ==
				    IPVS_DAEMON_ATTR_STATE)
					state = mnl_attr_get_u32(b);
				if (mnl_attr_get_type(b) ==
				    IPVS_DAEMON_ATTR_MCAST_IFN)
					ifn = mnl_attr_get_str(b);
				if (mnl_attr_get_type(b) ==
				    IPVS_DAEMON_ATTR_SYNC_ID)
					id = mnl_attr_get_u32(b);
			}
	}
	switch (cmd) {
	case IPVS_CMD_SET_CONFIG:
		fk_log("SET_CONFIG tcp=%u", fk.tcp);
		return 0;
	case IPVS_CMD_NEW_DAEMON:
		fk_log("NEW_DAEMON %u %s %u", state, ifn, id);
		assert_true(state == IP_VS_STATE_MASTER ||
		    state == IP_VS_STATE_BACKUP);
		if (fk.daemon & state)
			return -EEXIST;
		fk.daemon |= state;
		snprintf(fk.dm_iface[state], sizeof(fk.dm_iface[0]), "%s", ifn);
		fk.dm_id[state] = id;
		return 0;
	case IPVS_CMD_DEL_DAEMON:
		fk_log("DEL_DAEMON %u", state);
		if (!(fk.daemon & state))
			return -ESRCH;
		fk.daemon &= ~state;
		return 0;
	}
	fail_msg("unexpected IPVS command %u", cmd);
	return -EINVAL;
}

int
lb_nl_talk(struct lb_nl *nl, struct nlmsghdr *req,
    int (*cb)(const struct nlmsghdr *, void *), void *data, char *err,
    size_t errlen)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	int rc;

	assert_ptr_equal(nl, &the_nl);
	err[0] = '\0';
	if (req->nlmsg_type == GENL_ID_CTRL)
		rc = fk_family(cb, data);
	else {
		assert_int_equal(req->nlmsg_type, FAM);
		assert_int_equal(g->version, IPVS_GENL_VERSION);
		if (g->cmd == IPVS_CMD_GET_SERVICE)
			rc = fk_dump_services(cb, data);
		else if (g->cmd == IPVS_CMD_GET_DEST)
			rc = fk_dump_dests(req, cb, data);
		else if (g->cmd == IPVS_CMD_GET_DAEMON)
			rc = fk_dump_daemons(cb, data);
		else if (++fk.ncmds == fk.fail_at) {
			fk_log("FAILED");
			snprintf(err, errlen, "fake failure");
			rc = -EIO;
		} else if (g->cmd <= IPVS_CMD_GET_SERVICE)
			rc = fk_service(g->cmd, req);
		else if (g->cmd <= IPVS_CMD_GET_DEST)
			rc = fk_destcmd(g->cmd, req);
		else
			rc = fk_other(g->cmd, req);
	}
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	/*
	 * As the kernel: an error is always answered, success only when the
	 * request asks for an ack (a dump ends with NLMSG_DONE).  Without
	 * either the real socket waits for nothing until its timeout.
	 */
	if (!(req->nlmsg_flags & (NLM_F_ACK | NLM_F_DUMP))) {
		fk_log("NO ACK");
		snprintf(err, errlen, "no reply from the kernel");
		errno = ETIMEDOUT;
		return -1;
	}
	return 0;
}

/* ---- helpers ---- */

static void
key4(struct lb_svc_key *k, const char *vip, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	k->ks_af = AF_INET;
	assert_int_equal(cfg_addr_parse(&k->ks_addr, vip), 0);
	k->ks_proto = CFG_PROTO_TCP;
	k->ks_port = port;
}

static struct lb_dest
mkdest(const char *addr, uint16_t port, int weight)
{
	struct lb_dest d;

	memset(&d, 0, sizeof(d));
	assert_int_equal(cfg_addr_parse(&d.d_addr, addr), 0);
	d.d_port = port;
	d.d_weight = weight;
	return d;
}

/* Puts a service straight into the fake kernel (a foreign or stale one). */
static struct fsvc *
fk_add(const char *vip, enum cfg_scheduler sched)
{
	struct lb_svc_key k;
	struct fsvc *f = &fk.svc[fk.nsvc++];

	key4(&k, vip, 80);
	memset(f, 0, sizeof(*f));
	lb_service_init(&f->s, &k);
	f->s.s_sched = sched;
	return f;
}

static void
fk_add_dest(struct fsvc *f, const char *addr, int w, enum cfg_network fwd)
{
	f->dests[f->nd].d = mkdest(addr, 80, w);
	f->dests[f->nd++].fwd = fwd;
}

/* The commands logged since the last call, joined by '|'. */
static char logbuf[4096];

static const char *
commands(void)
{
	int i;

	logbuf[0] = '\0';
	for (i = 0; i < fk.nlog; i++) {
		if (i > 0)
			strcat(logbuf, "|");
		strcat(logbuf, fk.log[i]);
	}
	fk.nlog = 0;
	return logbuf;
}

static int
setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.has_ipvs = 1;
	return 0;
}

/* The desired web service: wrr, 10.1.0.1 w2, 10.1.0.2 w3. */
static void
want_web(struct lb_state *st)
{
	struct lb_service svc;
	struct lb_svc_key k;
	struct lb_dest d;

	key4(&k, "10.0.0.1", 80);
	lb_service_init(&svc, &k);
	svc.s_sched = CFG_SCHED_WRR;
	d = mkdest("10.1.0.1", 80, 2);
	assert_int_equal(lb_service_set_dest(&svc, &d), 0);
	d = mkdest("10.1.0.2", 80, 3);
	assert_int_equal(lb_service_set_dest(&svc, &d), 0);
	assert_int_equal(lb_state_add_service(st, &svc), 0);
	lb_service_clear(&svc);
}

/* ---- tests ---- */

static void
test_no_ipvs(void **state)
{
	struct lb *lb;

	(void)state;
	fk.has_ipvs = 0;
	assert_null(lb_open(CFG_LB_IPVS));
	assert_int_equal(fk.modprobes, 1);
	/* the module exists but is not loaded: loaded on demand */
	fk.module = 1;
	assert_non_null(lb = lb_open(CFG_LB_AUTO));
	assert_int_equal(lb_kind(lb), CFG_LB_IPVS);
	assert_int_equal(fk.modprobes, 2);
	lb_close(lb);
}

/*
 * First apply: a foreign service stays as it is; a stale copy of ours
 * (another scheduler, an extra server, direct routing) is repaired in
 * place, not recreated; timeouts and the sync daemon are set.
 */
static void
test_first_apply_adopts(void **state)
{
	struct lb *lb;
	struct lb_state want;
	struct fsvc *foreign, *f;
	struct lb_svc_key k;

	(void)state;
	foreign = fk_add("10.9.9.9", CFG_SCHED_LC);
	fk_add_dest(foreign, "10.9.1.1", 1, CFG_NET_DIRECT);
	f = fk_add("10.0.0.1", CFG_SCHED_RR);
	fk_add_dest(f, "10.1.0.1", 1, CFG_NET_DIRECT);
	fk_add_dest(f, "10.1.0.9", 1, CFG_NET_NAT);
	assert_non_null(lb = lb_open(CFG_LB_IPVS));
	lb_state_init(&want);
	want_web(&want);
	want.st_tcp_timeout = 900;
	want.st_sync = LB_SYNC_MASTER;
	snprintf(want.st_sync_iface, sizeof(want.st_sync_iface), "eth1");
	assert_int_equal(lb_apply(lb, &want), 0);
	assert_string_equal(commands(),
	    "GET_SERVICE|GET_DEST tcp 10.0.0.1:80|"
	    "SET_SERVICE tcp 10.0.0.1:80 wrr p=0|"
	    "DEL_DEST tcp 10.0.0.1:80 10.1.0.9:80|"
	    "SET_DEST tcp 10.0.0.1:80 10.1.0.1:80 w=2 nat|"
	    "NEW_DEST tcp 10.0.0.1:80 10.1.0.2:80 w=3 nat|"
	    "SET_CONFIG tcp=900|GET_DAEMON|NEW_DAEMON 1 eth1 0");
	/* the foreign service: untouched */
	key4(&k, "10.9.9.9", 80);
	assert_non_null(f = fk_find(&k));
	assert_int_equal(f->s.s_sched, CFG_SCHED_LC);
	assert_int_equal(f->nd, 1);
	assert_int_equal(f->dests[0].fwd, CFG_NET_DIRECT);
	/* applying the same state again sends nothing */
	assert_int_equal(lb_apply(lb, &want), 0);
	assert_string_equal(commands(), "");
	/* leaving: only ours goes, and the daemon shoal started */
	assert_int_equal(lb_clear(lb), 0);
	assert_string_equal(commands(),
	    "DEL_SERVICE tcp 10.0.0.1:80|GET_DAEMON|DEL_DAEMON 1");
	assert_int_equal(fk.nsvc, 1);
	assert_non_null(fk_find(&k));
	lb_state_clear(&want);
	lb_close(lb);
}

/* One real server's change is one command; scheduler changes in place. */
static void
test_single_changes(void **state)
{
	struct lb *lb;
	struct lb_state want;
	struct lb_service svc;
	struct lb_svc_key k;
	struct lb_dest d;
	struct cfg_addr a;

	(void)state;
	assert_non_null(lb = lb_open(CFG_LB_IPVS));
	lb_state_init(&want);
	want_web(&want);
	assert_int_equal(lb_apply(lb, &want), 0);
	assert_string_equal(commands(),
	    "GET_SERVICE|NEW_SERVICE tcp 10.0.0.1:80 wrr p=0|"
	    "NEW_DEST tcp 10.0.0.1:80 10.1.0.1:80 w=2 nat|"
	    "NEW_DEST tcp 10.0.0.1:80 10.1.0.2:80 w=3 nat");
	key4(&k, "10.0.0.1", 80);
	cfg_addr_parse(&a, "10.1.0.2");
	assert_int_equal(lb_server_weight(lb, &k, &a, 80, 0), 0);
	assert_string_equal(commands(),
	    "SET_DEST tcp 10.0.0.1:80 10.1.0.2:80 w=0 nat");
	d = mkdest("10.1.0.3", 80, 1);
	assert_int_equal(lb_server_set(lb, &k, &d), 0);
	assert_string_equal(commands(),
	    "NEW_DEST tcp 10.0.0.1:80 10.1.0.3:80 w=1 nat");
	assert_int_equal(lb_server_remove(lb, &k, &a, 80), 0);
	assert_string_equal(commands(), "DEL_DEST tcp 10.0.0.1:80 10.1.0.2:80");
	/* unknown server: refused before the kernel hears of it */
	assert_int_equal(lb_server_weight(lb, &k, &a, 80, 1), -1);
	assert_string_equal(commands(), "");
	/* scheduler and persistence: SET_SERVICE, servers untouched */
	lb_service_init(&svc, NULL);
	svc = *lb_state_find(lb_current(lb), &k);
	svc.s_sched = CFG_SCHED_SH;
	svc.s_persistent = 120;
	svc.s_pmask = 24;
	assert_int_equal(lb_service_set(lb, &svc), 0);
	assert_string_equal(commands(), "SET_SERVICE tcp 10.0.0.1:80 sh p=120");
	assert_int_equal(lb_service_remove(lb, &k), 0);
	assert_string_equal(commands(), "DEL_SERVICE tcp 10.0.0.1:80");
	assert_int_equal(fk.nsvc, 0);
	lb_state_clear(&want);
	lb_close(lb);
}

/* The sorry server comes in when the last live server goes, and leaves. */
static void
test_sorry_server(void **state)
{
	struct lb *lb;
	struct lb_state want;
	struct lb_svc_key k;
	struct cfg_addr a;

	(void)state;
	assert_non_null(lb = lb_open(CFG_LB_IPVS));
	lb_state_init(&want);
	want_web(&want);
	cfg_addr_parse(&want.st_svcs[0].s_sorry, "10.1.0.99");
	want.st_svcs[0].s_sorry_port = 8080;
	assert_int_equal(lb_apply(lb, &want), 0);
	(void)commands();
	key4(&k, "10.0.0.1", 80);
	cfg_addr_parse(&a, "10.1.0.1");
	assert_int_equal(lb_server_weight(lb, &k, &a, 80, 0), 0);
	(void)commands();
	cfg_addr_parse(&a, "10.1.0.2");
	assert_int_equal(lb_server_weight(lb, &k, &a, 80, 0), 0);
	assert_string_equal(commands(),
	    "SET_DEST tcp 10.0.0.1:80 10.1.0.2:80 w=0 nat|"
	    "NEW_DEST tcp 10.0.0.1:80 10.1.0.99:8080 w=1 nat");
	assert_int_equal(lb_server_weight(lb, &k, &a, 80, 4), 0);
	assert_string_equal(commands(),
	    "DEL_DEST tcp 10.0.0.1:80 10.1.0.99:8080|"
	    "SET_DEST tcp 10.0.0.1:80 10.1.0.2:80 w=4 nat");
	lb_state_clear(&want);
	lb_close(lb);
}

/*
 * A failed command: the others are still applied, the call returns -1,
 * and the next apply reads the kernel back and repairs only what is wrong.
 */
static void
test_failure_then_repair(void **state)
{
	struct lb *lb;
	struct lb_state want;
	struct lb_service svc;
	struct lb_svc_key k;
	struct lb_dest d;

	(void)state;
	assert_non_null(lb = lb_open(CFG_LB_IPVS));
	lb_state_init(&want);
	want_web(&want);
	key4(&k, "10.0.0.2", 80);
	lb_service_init(&svc, &k);
	d = mkdest("10.1.0.5", 80, 1);
	lb_service_set_dest(&svc, &d);
	lb_state_add_service(&want, &svc);
	lb_service_clear(&svc);
	fk.fail_at = 2;		/* the first NEW_DEST of web */
	assert_int_equal(lb_apply(lb, &want), -1);
	assert_string_equal(commands(),
	    "GET_SERVICE|NEW_SERVICE tcp 10.0.0.1:80 wrr p=0|FAILED|"
	    "NEW_DEST tcp 10.0.0.1:80 10.1.0.2:80 w=3 nat|"
	    "NEW_SERVICE tcp 10.0.0.2:80 wlc p=0|"
	    "NEW_DEST tcp 10.0.0.2:80 10.1.0.5:80 w=1 nat");
	assert_int_equal(lb_apply(lb, &want), 0);
	assert_string_equal(commands(),
	    "GET_SERVICE|GET_DEST tcp 10.0.0.1:80|GET_DEST tcp 10.0.0.2:80|"
	    "NEW_DEST tcp 10.0.0.1:80 10.1.0.1:80 w=2 nat");
	/* trusted again: nothing to do */
	assert_int_equal(lb_apply(lb, &want), 0);
	assert_string_equal(commands(), "");
	/* a service removed while untrusted is still removed: it is ours */
	fk.fail_at = fk.ncmds + 1;
	lb_state_clear(&want);
	want_web(&want);
	want.st_svcs[0].s_dests[0].d_weight = 7;
	assert_int_equal(lb_apply(lb, &want), -1);
	assert_string_equal(commands(), "FAILED|"
	    "SET_DEST tcp 10.0.0.1:80 10.1.0.1:80 w=7 nat");
	assert_int_equal(lb_apply(lb, &want), 0);
	assert_string_equal(commands(),
	    "GET_SERVICE|GET_DEST tcp 10.0.0.1:80|GET_DEST tcp 10.0.0.2:80|"
	    "DEL_SERVICE tcp 10.0.0.2:80");
	assert_int_equal(fk.nsvc, 1);
	lb_state_clear(&want);
	lb_close(lb);
}

/* A sync daemon started in the kernel directly (another process, or us). */
static void
fk_daemon(uint32_t st, const char *ifn, uint32_t id)
{
	fk.daemon |= st;
	snprintf(fk.dm_iface[st], sizeof(fk.dm_iface[0]), "%s", ifn);
	fk.dm_id[st] = id;
}

/*
 * Sync daemon settings are idempotent: a daemon that already runs as
 * wanted is kept (no "File exists"), one with other settings is replaced,
 * the other role goes while shoal runs one, and with none wanted a daemon
 * shoal did not start stays.
 */
static void
test_sync_idempotent(void **state)
{
	struct lb *lb;
	struct lb_state want;

	(void)state;
	fk_daemon(IP_VS_STATE_MASTER, "eth1", 7);
	assert_non_null(lb = lb_open(CFG_LB_IPVS));
	lb_state_init(&want);
	want.st_sync = LB_SYNC_MASTER;
	snprintf(want.st_sync_iface, sizeof(want.st_sync_iface), "eth1");
	want.st_sync_id = 7;
	assert_int_equal(lb_apply(lb, &want), 0);
	assert_string_equal(commands(), "GET_SERVICE|GET_DAEMON");
	assert_int_equal(lb_apply(lb, &want), 0);
	assert_string_equal(commands(), "");
	/* becoming backup: the master goes, the backup comes */
	assert_int_equal(lb_set_sync(lb, LB_SYNC_BACKUP, "eth1", 7), 0);
	assert_string_equal(commands(),
	    "GET_DAEMON|DEL_DAEMON 1|NEW_DAEMON 2 eth1 7");
	/* someone changed it behind our back: another sync id */
	fk.dm_id[IP_VS_STATE_BACKUP] = 9;
	lb_close(lb);
	assert_non_null(lb = lb_open(CFG_LB_IPVS));
	want.st_sync = LB_SYNC_BACKUP;
	assert_int_equal(lb_apply(lb, &want), 0);
	assert_string_equal(commands(),
	    "GET_SERVICE|GET_DAEMON|DEL_DAEMON 2|NEW_DAEMON 2 eth1 7");
	assert_int_equal(fk.dm_id[IP_VS_STATE_BACKUP], 7);
	lb_close(lb);
	/* none wanted by a handle that never ran one: left alone */
	assert_non_null(lb = lb_open(CFG_LB_IPVS));
	assert_int_equal(lb_clear(lb), 0);
	assert_string_equal(commands(), "GET_SERVICE");
	assert_int_equal(fk.daemon, IP_VS_STATE_BACKUP);
	lb_state_clear(&want);
	lb_close(lb);
}

/*
 * Ownership survives the process: pulse applied web and a master sync
 * daemon and was killed (no lb_clear).  The next run, with the same
 * ownership file, wants web on port 81 instead: the port-80 service of
 * the killed run goes, the hand-made service stays, the daemon is kept.
 * Then a cleanup after another crash removes exactly what is recorded.
 */
static void
test_owner_file_survives_restart(void **state)
{
	char path[] = "/tmp/shoal-test-lb-own.XXXXXX";
	struct lb *lb;
	struct lb_state want;
	struct lb_svc_key k;
	struct fsvc *hand;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	unlink(path);
	assert_non_null(lb = lb_open(CFG_LB_IPVS));
	assert_int_equal(lb_set_owner_file(lb, path), 0);
	lb_state_init(&want);
	want_web(&want);
	want.st_sync = LB_SYNC_MASTER;
	snprintf(want.st_sync_iface, sizeof(want.st_sync_iface), "eth1");
	assert_int_equal(lb_apply(lb, &want), 0);
	(void)commands();
	lb_close(lb);		/* killed: the kernel keeps it all */
	hand = fk_add("10.9.9.9", CFG_SCHED_RR);
	fk_add_dest(hand, "10.9.1.1", 1, CFG_NET_NAT);
	/* a handle without the file owns nothing and removes nothing */
	assert_non_null(lb = lb_open(CFG_LB_IPVS));
	assert_int_equal(lb_clear(lb), 0);
	assert_string_equal(commands(), "GET_SERVICE");
	lb_close(lb);
	assert_int_equal(fk.nsvc, 2);
	/* the restarted pulse: same file, web moved to port 81 */
	assert_non_null(lb = lb_open(CFG_LB_IPVS));
	assert_int_equal(lb_set_owner_file(lb, path), 0);
	want.st_svcs[0].s_key.ks_port = 81;
	assert_int_equal(lb_apply(lb, &want), 0);
	assert_string_equal(commands(),
	    "GET_SERVICE|GET_DEST tcp 10.0.0.1:80|"
	    "DEL_SERVICE tcp 10.0.0.1:80|"
	    "NEW_SERVICE tcp 10.0.0.1:81 wrr p=0|"
	    "NEW_DEST tcp 10.0.0.1:81 10.1.0.1:80 w=2 nat|"
	    "NEW_DEST tcp 10.0.0.1:81 10.1.0.2:80 w=3 nat|GET_DAEMON");
	lb_close(lb);		/* killed again */
	/* cleanup: what the file records, nothing else */
	assert_int_equal(lb_clear_owned(path), 0);
	assert_string_equal(commands(),
	    "GET_SERVICE|GET_DEST tcp 10.0.0.1:81|"
	    "DEL_SERVICE tcp 10.0.0.1:81|GET_DAEMON|DEL_DAEMON 1");
	assert_int_equal(fk.nsvc, 1);
	key4(&k, "10.9.9.9", 80);
	assert_non_null(fk_find(&k));
	assert_int_equal(fk.daemon, 0);
	assert_int_equal(access(path, F_OK), -1);	/* nothing left to own */
	assert_int_equal(lb_clear_owned(path), 0);
	assert_string_equal(commands(), "");
	lb_state_clear(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_no_ipvs, setup),
		cmocka_unit_test_setup(test_first_apply_adopts, setup),
		cmocka_unit_test_setup(test_single_changes, setup),
		cmocka_unit_test_setup(test_sorry_server, setup),
		cmocka_unit_test_setup(test_failure_then_repair, setup),
		cmocka_unit_test_setup(test_sync_idempotent, setup),
		cmocka_unit_test_setup(test_owner_file_survives_restart, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
