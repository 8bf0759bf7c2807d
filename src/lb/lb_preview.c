/*
 * lb_preview.c - the IPVS differences as ipvsadm lines and the expected
 * traffic shares (see lb_preview.h).
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb_preview.h"
#include "lib/cfg_addr.h"

/* ---- the walk ---- */

static int
diff_dests(const struct lb_service *from, const struct lb_service *to,
    lb_ipvs_op_fn fn, void *arg)
{
	const struct lb_dest *d, *f;
	size_t i;
	int rc = 0;

	for (i = 0; i < from->s_ndests; i++) {
		d = &from->s_dests[i];
		if (lb_service_find_dest(to, &d->d_addr, d->d_port) == NULL &&
		    fn(arg, LB_IPVS_DEL_DEST, to, d) == -1)
			rc = -1;
	}
	for (i = 0; i < to->s_ndests; i++) {
		d = &to->s_dests[i];
		f = lb_service_find_dest(from, &d->d_addr, d->d_port);
		if (f == NULL) {
			if (fn(arg, LB_IPVS_ADD_DEST, to, d) == -1)
				rc = -1;
		} else if ((f->d_weight != d->d_weight ||
		    from->s_fwd != to->s_fwd) &&
		    fn(arg, LB_IPVS_EDIT_DEST, to, d) == -1)
			rc = -1;
	}
	return rc;
}

int
lb_ipvs_diff(const struct lb_state *from, const struct lb_state *want,
    lb_ipvs_op_fn fn, void *arg)
{
	const struct lb_service *f, *w;
	struct lb_service empty;
	size_t i;
	int rc = 0;

	for (i = 0; i < from->st_nsvcs; i++) {
		f = &from->st_svcs[i];
		if (lb_state_find(want, &f->s_key) == NULL &&
		    fn(arg, LB_IPVS_DEL_SVC, f, NULL) == -1)
			rc = -1;
	}
	for (i = 0; i < want->st_nsvcs; i++) {
		w = &want->st_svcs[i];
		if ((f = lb_state_find(from, &w->s_key)) == NULL) {
			if (fn(arg, LB_IPVS_ADD_SVC, w, NULL) == -1) {
				rc = -1;
				continue;
			}
			lb_service_init(&empty, &w->s_key);
			empty.s_fwd = w->s_fwd;
			f = &empty;
		} else if (!lb_service_attrs_equal(f, w) &&
		    fn(arg, LB_IPVS_EDIT_SVC, w, NULL) == -1)
			rc = -1;
		if (diff_dests(f, w, fn, arg) == -1)
			rc = -1;
	}
	return rc;
}

/* ---- ipvsadm notation ---- */

static const char *
op_flag(enum lb_ipvs_op op)
{
	static const char *const flags[] = { "-A", "-E", "-D", "-a", "-e",
	    "-d" };

	return flags[op];
}

/* "[fd00::1]:80" or "10.0.0.1:80" into buf. */
static void
hostport(const struct cfg_addr *a, int port, char *buf, size_t len)
{
	char ab[CFG_ADDR_STRLEN];

	cfg_addr_str(a, ab, sizeof(ab));
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%d", ab, port);
	else
		snprintf(buf, len, "%s:%d", ab, port);
}

/* "-t VIP:PORT", "-u VIP:PORT" or "-f MARK [-6]". */
static void
svc_spec(const struct lb_svc_key *k, char *buf, size_t len)
{
	char hp[CFG_ADDR_STRLEN + 8];

	if (k->ks_fwmark != 0) {
		snprintf(buf, len, "-f %u%s", (unsigned)k->ks_fwmark,
		    k->ks_af == AF_INET6 ? " -6" : "");
		return;
	}
	hostport(&k->ks_addr, k->ks_port, hp, sizeof(hp));
	snprintf(buf, len, "%s %s", k->ks_proto == CFG_PROTO_UDP ? "-u" :
	    "-t", hp);
}

/* " -s wlc -p 300 -M 255.255.255.0" */
static void
svc_attrs(const struct lb_service *s, char *buf, size_t len)
{
	struct in_addr m;
	int n;

	n = snprintf(buf, len, " -s %s", cfg_scheduler_name(s->s_sched));
	if (s->s_persistent == 0 || n < 0 || (size_t)n >= len)
		return;
	n += snprintf(buf + n, len - (size_t)n, " -p %u",
	    (unsigned)s->s_persistent);
	if (s->s_pmask < 0 || (size_t)n >= len)
		return;
	if (s->s_key.ks_af == AF_INET6) {
		snprintf(buf + n, len - (size_t)n, " -M %d", s->s_pmask);
		return;
	}
	m.s_addr = htonl(s->s_pmask == 0 ? 0 : s->s_pmask >= 32 ?
	    0xffffffffU : 0xffffffffU << (32 - s->s_pmask));
	snprintf(buf + n, len - (size_t)n, " -M %s", inet_ntoa(m));
}

static const char *
fwd_flag(enum cfg_network n)
{
	switch (n) {
	case CFG_NET_DIRECT:
		return "-g";
	case CFG_NET_TUNNEL:
		return "-i";
	case CFG_NET_NAT:
		break;
	}
	return "-m";
}

void
lb_ipvs_op_line(enum lb_ipvs_op op, const struct lb_service *svc,
    const struct lb_dest *d, char *buf, size_t len)
{
	char spec[CFG_ADDR_STRLEN + 24], attrs[64] = "";
	char rs[CFG_ADDR_STRLEN + 8];

	svc_spec(&svc->s_key, spec, sizeof(spec));
	if (op == LB_IPVS_ADD_SVC || op == LB_IPVS_EDIT_SVC)
		svc_attrs(svc, attrs, sizeof(attrs));
	if (d == NULL) {
		snprintf(buf, len, "%s %s%s", op_flag(op), spec, attrs);
		return;
	}
	hostport(&d->d_addr, d->d_port, rs, sizeof(rs));
	if (op == LB_IPVS_DEL_DEST)
		snprintf(buf, len, "%s %s -r %s", op_flag(op), spec, rs);
	else
		snprintf(buf, len, "%s %s -r %s %s -w %d", op_flag(op), spec,
		    rs, fwd_flag(svc->s_fwd), d->d_weight);
}

/* ---- the whole preview ---- */

struct text {
	char	*t_buf;
	size_t	 t_len, t_cap;
	int	 t_err;
};

static void
text_add(struct text *t, const char *line)
{
	size_t n = strlen(line);
	char *p;

	if (t->t_err)
		return;
	if (t->t_len + n + 2 > t->t_cap) {
		size_t cap = (t->t_cap + n + 2) * 2;

		if ((p = realloc(t->t_buf, cap)) == NULL) {
			t->t_err = 1;
			return;
		}
		t->t_buf = p;
		t->t_cap = cap;
	}
	memcpy(t->t_buf + t->t_len, line, n);
	t->t_len += n;
	t->t_buf[t->t_len++] = '\n';
	t->t_buf[t->t_len] = '\0';
}

static int
line_op(void *arg, enum lb_ipvs_op op, const struct lb_service *svc,
    const struct lb_dest *d)
{
	char line[LB_OP_LINE_MAX];

	lb_ipvs_op_line(op, svc, d, line, sizeof(line));
	text_add(arg, line);
	return 0;
}

static const char *
role_word(enum lb_sync_role r)
{
	return r == LB_SYNC_MASTER ? "master" : "backup";
}

/* Timeouts and sync daemons, as lb_ipvs.c changes them when trusted. */
static void
globals(struct text *t, const struct lb_state *old, const struct lb_state *w)
{
	char line[LB_OP_LINE_MAX];

	if ((old->st_tcp_timeout != w->st_tcp_timeout ||
	    old->st_tcpfin_timeout != w->st_tcpfin_timeout ||
	    old->st_udp_timeout != w->st_udp_timeout) &&
	    (w->st_tcp_timeout || w->st_tcpfin_timeout || w->st_udp_timeout)) {
		snprintf(line, sizeof(line), "--set %u %u %u",
		    (unsigned)w->st_tcp_timeout,
		    (unsigned)w->st_tcpfin_timeout,
		    (unsigned)w->st_udp_timeout);
		text_add(t, line);
	}
	if (old->st_sync == w->st_sync && old->st_sync_id == w->st_sync_id &&
	    strcmp(old->st_sync_iface, w->st_sync_iface) == 0)
		return;
	if (old->st_sync != LB_SYNC_NONE) {
		snprintf(line, sizeof(line), "--stop-daemon %s",
		    role_word(old->st_sync));
		text_add(t, line);
	}
	if (w->st_sync != LB_SYNC_NONE) {
		snprintf(line, sizeof(line), "--start-daemon %s "
		    "--mcast-interface %s --syncid %d", role_word(w->st_sync),
		    w->st_sync_iface, w->st_sync_id);
		text_add(t, line);
	}
}

char *
lb_ipvs_preview(const struct lb_state *from, const struct lb_state *want)
{
	struct text t = { NULL, 0, 0, 0 };

	(void)lb_ipvs_diff(from, want, line_op, &t);
	globals(&t, from, want);
	if (t.t_buf == NULL && !t.t_err && (t.t_buf = strdup("")) == NULL)
		return NULL;
	if (t.t_err) {
		free(t.t_buf);
		return NULL;
	}
	return t.t_buf;
}

/* ---- shares ---- */

enum lb_share_kind
lb_share_kind(enum cfg_scheduler s)
{
	switch (s) {
	case CFG_SCHED_RR:
	case CFG_SCHED_LC:
		return LB_SHARE_EQUAL;
	case CFG_SCHED_SH:
	case CFG_SCHED_DH:
	case CFG_SCHED_MH:
		return LB_SHARE_HASH;
	case CFG_SCHED_WLC:
	case CFG_SCHED_WRR:
	case CFG_SCHED_LBLC:
	case CFG_SCHED_LBLCR:
	case CFG_SCHED_SED:
	case CFG_SCHED_NQ:
		break;
	}
	return LB_SHARE_WEIGHT;
}

const char *
lb_share_kind_text(enum lb_share_kind k)
{
	switch (k) {
	case LB_SHARE_EQUAL:
		return "equal";
	case LB_SHARE_HASH:
		return "by hash, proportional to weight";
	case LB_SHARE_WEIGHT:
		break;
	}
	return "weight";
}

void
lb_service_shares(const struct lb_service *svc, double *share)
{
	int equal = lb_share_kind(svc->s_sched) == LB_SHARE_EQUAL;
	double sum = 0;
	size_t i;

	for (i = 0; i < svc->s_ndests; i++)
		if (svc->s_dests[i].d_weight > 0)
			sum += equal ? 1 : svc->s_dests[i].d_weight;
	for (i = 0; i < svc->s_ndests; i++) {
		int w = svc->s_dests[i].d_weight;

		share[i] = w > 0 && sum > 0 ? (equal ? 1 : w) / sum : 0;
	}
}
