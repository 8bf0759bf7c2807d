/*
 * lb.c - the load balancer front: desired states, their differences, and
 * the choice of backend (IPVS or nftables).  The backends (lb_ipvs.c,
 * lb_nft.c) only turn "old state -> new state" into kernel changes.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "lb/lb.h"
#include "lb/lb_backend.h"
#include "lb/lb_nft.h"
#include "lib/log.h"
#include "lib/util.h"

struct lb {
	const struct lb_backend	*lb_be;
	void			*lb_priv;
	struct lb_state		 lb_cur;	/* last desired state */
	int			 lb_trusted;	/* lb_cur is the kernel's */
	/*
	 * After a failure: services shoal created or wanted before that may
	 * still be in the kernel although no longer desired, so that the
	 * next apply still removes them.
	 */
	struct lb_state		 lb_stale;
};

/* ---- states ---- */

void
lb_state_init(struct lb_state *st)
{
	memset(st, 0, sizeof(*st));
	st->st_sync = LB_SYNC_NONE;
}

void
lb_state_clear(struct lb_state *st)
{
	size_t i;

	for (i = 0; i < st->st_nsvcs; i++)
		lb_service_clear(&st->st_svcs[i]);
	free(st->st_svcs);
	lb_state_init(st);
}

static int
service_copy(struct lb_service *dst, const struct lb_service *src)
{
	*dst = *src;
	dst->s_dests = NULL;
	dst->s_capdests = 0;
	if (src->s_ndests == 0)
		return 0;
	dst->s_dests = calloc(src->s_ndests, sizeof(*dst->s_dests));
	if (dst->s_dests == NULL) {
		dst->s_ndests = 0;
		return -1;
	}
	memcpy(dst->s_dests, src->s_dests,
	    src->s_ndests * sizeof(*dst->s_dests));
	dst->s_capdests = src->s_ndests;
	return 0;
}

/* Appends a copy of svc without checking for duplicates. */
static int
state_append(struct lb_state *st, const struct lb_service *svc)
{
	struct lb_service *n;
	size_t cap;

	if (st->st_nsvcs == st->st_capsvcs) {
		cap = st->st_capsvcs ? st->st_capsvcs * 2 : 8;
		n = reallocarray(st->st_svcs, cap, sizeof(*n));
		if (n == NULL)
			return -1;
		st->st_svcs = n;
		st->st_capsvcs = cap;
	}
	if (service_copy(&st->st_svcs[st->st_nsvcs], svc) == -1)
		return -1;
	st->st_nsvcs++;
	return 0;
}

int
lb_state_copy(struct lb_state *dst, const struct lb_state *src)
{
	size_t i;

	lb_state_clear(dst);
	*dst = *src;
	dst->st_svcs = NULL;
	dst->st_nsvcs = dst->st_capsvcs = 0;
	for (i = 0; i < src->st_nsvcs; i++)
		if (state_append(dst, &src->st_svcs[i]) == -1) {
			lb_state_clear(dst);
			return -1;
		}
	return 0;
}

int
lb_state_add_service(struct lb_state *st, const struct lb_service *svc)
{
	char kb[LB_KEY_STRLEN];

	if (lb_state_find(st, &svc->s_key) != NULL) {
		log_warnx("lb: service %s given twice",
		    lb_svc_key_str(&svc->s_key, kb, sizeof(kb)));
		return -1;
	}
	return state_append(st, svc);
}

struct lb_service *
lb_state_find(const struct lb_state *st, const struct lb_svc_key *k)
{
	size_t i;

	for (i = 0; i < st->st_nsvcs; i++)
		if (lb_svc_key_equal(&st->st_svcs[i].s_key, k))
			return &st->st_svcs[i];
	return NULL;
}

static void
state_remove(struct lb_state *st, struct lb_service *svc)
{
	size_t i = (size_t)(svc - st->st_svcs);

	lb_service_clear(svc);
	memmove(&st->st_svcs[i], &st->st_svcs[i + 1],
	    (st->st_nsvcs - i - 1) * sizeof(*svc));
	st->st_nsvcs--;
}

/* ---- services ---- */

void
lb_service_init(struct lb_service *svc, const struct lb_svc_key *k)
{
	memset(svc, 0, sizeof(*svc));
	if (k != NULL)
		svc->s_key = *k;
	svc->s_sched = CFG_SCHED_WLC;
	svc->s_fwd = CFG_NET_NAT;
	svc->s_pmask = -1;
}

void
lb_service_clear(struct lb_service *svc)
{
	free(svc->s_dests);
	svc->s_dests = NULL;
	svc->s_ndests = svc->s_capdests = 0;
}

struct lb_dest *
lb_service_find_dest(const struct lb_service *svc, const struct cfg_addr *a,
    uint16_t port)
{
	size_t i;

	for (i = 0; i < svc->s_ndests; i++)
		if (svc->s_dests[i].d_port == port &&
		    cfg_addr_equal(&svc->s_dests[i].d_addr, a))
			return &svc->s_dests[i];
	return NULL;
}

int
lb_service_set_dest(struct lb_service *svc, const struct lb_dest *d)
{
	struct lb_dest *o, *n;
	size_t cap;

	if ((o = lb_service_find_dest(svc, &d->d_addr, d->d_port)) != NULL) {
		*o = *d;
		return 0;
	}
	if (svc->s_ndests == svc->s_capdests) {
		cap = svc->s_capdests ? svc->s_capdests * 2 : 4;
		n = reallocarray(svc->s_dests, cap, sizeof(*n));
		if (n == NULL)
			return -1;
		svc->s_dests = n;
		svc->s_capdests = cap;
	}
	svc->s_dests[svc->s_ndests++] = *d;
	return 0;
}

int
lb_service_del_dest(struct lb_service *svc, const struct cfg_addr *a,
    uint16_t port)
{
	struct lb_dest *d;
	size_t i;

	if ((d = lb_service_find_dest(svc, a, port)) == NULL)
		return -1;
	i = (size_t)(d - svc->s_dests);
	memmove(d, d + 1, (svc->s_ndests - i - 1) * sizeof(*d));
	svc->s_ndests--;
	return 0;
}

/* The persistence prefix with "unset" and "whole address" made one. */
static int
pmask_norm(const struct lb_service *svc)
{
	int bits = svc->s_key.ks_af == AF_INET6 ? 128 : 32;

	return svc->s_pmask < 0 || svc->s_pmask >= bits ? bits : svc->s_pmask;
}

int
lb_service_attrs_equal(const struct lb_service *a, const struct lb_service *b)
{
	if (a->s_sched != b->s_sched || a->s_fwd != b->s_fwd ||
	    a->s_persistent != b->s_persistent)
		return 0;
	return a->s_persistent == 0 || pmask_norm(a) == pmask_norm(b);
}

/* ---- keys ---- */

int
lb_svc_key_equal(const struct lb_svc_key *a, const struct lb_svc_key *b)
{
	if (a->ks_af != b->ks_af || a->ks_fwmark != b->ks_fwmark)
		return 0;
	if (a->ks_fwmark != 0)
		return 1;
	return a->ks_proto == b->ks_proto && a->ks_port == b->ks_port &&
	    cfg_addr_equal(&a->ks_addr, &b->ks_addr);
}

int
lb_svc_key_from_virtual(struct lb_svc_key *k, const struct cfg_virtual *vs)
{
	memset(k, 0, sizeof(*k));
	if (!cfg_addr_is_set(&vs->vs_address)) {
		log_warnx("lb: virtual %s has no address", vs->vs_name);
		return -1;
	}
	k->ks_af = vs->vs_address.family;
	k->ks_fwmark = vs->vs_fwmark;
	k->ks_addr = vs->vs_address;
	k->ks_proto = vs->vs_protocol;
	k->ks_port = vs->vs_port;
	return 0;
}

const char *
lb_svc_key_str(const struct lb_svc_key *k, char *buf, size_t len)
{
	char ab[CFG_ADDR_STRLEN];

	if (k->ks_fwmark != 0)
		snprintf(buf, len, "fwmark %u (%s)", k->ks_fwmark,
		    k->ks_af == AF_INET6 ? "inet6" : "inet");
	else if (k->ks_addr.family == AF_INET6)
		snprintf(buf, len, "%s [%s]:%u", cfg_protocol_name(k->ks_proto),
		    cfg_addr_str(&k->ks_addr, ab, sizeof(ab)), k->ks_port);
	else
		snprintf(buf, len, "%s %s:%u", cfg_protocol_name(k->ks_proto),
		    cfg_addr_str(&k->ks_addr, ab, sizeof(ab)), k->ks_port);
	return buf;
}

/* ---- from the configuration ---- */

static int
service_from_virtual(struct lb_service *svc, const struct cfg_virtual *vs,
    const struct cfg_global *g)
{
	const struct cfg_server *rs;
	struct lb_svc_key k;
	struct lb_dest d;

	if (lb_svc_key_from_virtual(&k, vs) == -1)
		return -1;
	lb_service_init(svc, &k);
	str_copy(svc->s_name, vs->vs_name, sizeof(svc->s_name));
	svc->s_sched = vs->vs_scheduler;
	svc->s_fwd = g->g_network;
	svc->s_persistent = vs->vs_persistent;
	svc->s_pmask = vs->vs_pmask;
	svc->s_sorry = vs->vs_sorry_server;
	svc->s_sorry_port = vs->vs_sorry_port;
	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry) {
		if (!rs->rs_active)
			continue;
		memset(&d, 0, sizeof(d));
		d.d_addr = rs->rs_address;
		d.d_port = vs->vs_fwmark != 0 ? 0 : rs->rs_port;
		d.d_weight = rs->rs_weight;
		if (lb_service_set_dest(svc, &d) == -1) {
			lb_service_clear(svc);
			return -1;
		}
	}
	return 0;
}

int
lb_state_from_config(struct lb_state *st, const struct shoal_config *cfg,
    enum lb_sync_role role)
{
	const struct cfg_global *g = &cfg->c_global;
	const struct cfg_virtual *vs;
	struct lb_service svc;
	int rc;

	lb_state_clear(st);
	st->st_tcp_timeout = g->g_tcp_timeout;
	st->st_tcpfin_timeout = g->g_tcpfin_timeout;
	st->st_udp_timeout = g->g_udp_timeout;
	st->st_sync = g->g_syncdaemon ? role : LB_SYNC_NONE;
	str_copy(st->st_sync_iface, g->g_syncd_iface != NULL ?
	    g->g_syncd_iface : "eth0", sizeof(st->st_sync_iface));
	st->st_sync_id = g->g_syncd_id;
	TAILQ_FOREACH(vs, &cfg->c_virtuals, vs_entry) {
		if (!vs->vs_active || vs->vs_kind != CFG_VS_VIRTUAL)
			continue;
		if (service_from_virtual(&svc, vs, g) == -1)
			goto fail;
		rc = lb_state_add_service(st, &svc);
		lb_service_clear(&svc);
		if (rc == -1)
			goto fail;
	}
	return 0;
fail:
	lb_state_clear(st);
	return -1;
}

/* ---- checks ---- */

static int
check_service(const struct lb_service *svc, enum cfg_lb_backend kind)
{
	const struct lb_dest *d;
	char kb[LB_KEY_STRLEN], ab[CFG_ADDR_STRLEN];
	size_t i, j;
	int bad = 0;

	lb_svc_key_str(&svc->s_key, kb, sizeof(kb));
	if (svc->s_key.ks_af != AF_INET && svc->s_key.ks_af != AF_INET6) {
		log_warnx("lb: service %s: no address family", kb);
		return 1;
	}
	if (svc->s_key.ks_fwmark == 0 &&
	    svc->s_key.ks_addr.family != svc->s_key.ks_af) {
		log_warnx("lb: service %s: family of the address differs", kb);
		bad++;
	}
	if (kind == CFG_LB_NFTABLES)
		bad += lb_nft_check_service(svc);
	if (cfg_addr_is_set(&svc->s_sorry) &&
	    svc->s_sorry.family != svc->s_key.ks_af) {
		log_warnx("lb: service %s: sorry server %s is of another "
		    "address family", kb, cfg_addr_str(&svc->s_sorry, ab,
		    sizeof(ab)));
		bad++;
	}
	for (i = 0; i < svc->s_ndests; i++) {
		d = &svc->s_dests[i];
		cfg_addr_str(&d->d_addr, ab, sizeof(ab));
		/* IPVS tunnels may cross families; NAT and DR may not */
		if (d->d_addr.family != svc->s_key.ks_af &&
		    !(kind == CFG_LB_IPVS && svc->s_fwd == CFG_NET_TUNNEL)) {
			log_warnx("lb: service %s: real server %s is of another "
			    "address family", kb, ab);
			bad++;
		}
		if (d->d_weight < 0 || d->d_weight > LB_WEIGHT_MAX) {
			log_warnx("lb: service %s: real server %s: weight %d "
			    "not in 0..%d", kb, ab, d->d_weight, LB_WEIGHT_MAX);
			bad++;
		}
		for (j = 0; j < i; j++)
			if (cfg_addr_equal(&svc->s_dests[j].d_addr,
			    &d->d_addr) && svc->s_dests[j].d_port == d->d_port) {
				log_warnx("lb: service %s: real server %s:%u "
				    "given twice", kb, ab, d->d_port);
				bad++;
			}
	}
	return bad;
}

int
lb_state_check(const struct lb_state *st, enum cfg_lb_backend kind)
{
	size_t i, j;
	char kb[LB_KEY_STRLEN];
	int bad = 0;

	for (i = 0; i < st->st_nsvcs; i++) {
		bad += check_service(&st->st_svcs[i], kind);
		for (j = 0; j < i; j++)
			if (lb_svc_key_equal(&st->st_svcs[i].s_key,
			    &st->st_svcs[j].s_key)) {
				log_warnx("lb: service %s given twice",
				    lb_svc_key_str(&st->st_svcs[i].s_key, kb,
				    sizeof(kb)));
				bad++;
			}
	}
	return bad;
}

/* ---- effective state: sorry servers ---- */

static int
service_has_live_dest(const struct lb_service *svc)
{
	size_t i;

	for (i = 0; i < svc->s_ndests; i++)
		if (svc->s_dests[i].d_weight > 0)
			return 1;
	return 0;
}

int
lb_state_effective(struct lb_state *dst, const struct lb_state *src)
{
	struct lb_service *svc;
	struct lb_dest d;
	size_t i;

	if (lb_state_copy(dst, src) == -1)
		return -1;
	for (i = 0; i < dst->st_nsvcs; i++) {
		svc = &dst->st_svcs[i];
		if (!cfg_addr_is_set(&svc->s_sorry) ||
		    service_has_live_dest(svc))
			continue;
		memset(&d, 0, sizeof(d));
		d.d_addr = svc->s_sorry;
		d.d_port = svc->s_sorry_port != 0 ? svc->s_sorry_port :
		    svc->s_key.ks_port;
		d.d_weight = 1;
		if (lb_service_set_dest(svc, &d) == -1) {
			lb_state_clear(dst);
			return -1;
		}
	}
	return 0;
}

/* ---- the backend ---- */

struct lb *
lb_open(enum cfg_lb_backend kind)
{
	struct lb *lb;

	if (kind == CFG_LB_AUTO) {
		kind = lb_ipvs_available() ? CFG_LB_IPVS : CFG_LB_NFTABLES;
		log_info("lb: backend auto: %s", kind == CFG_LB_IPVS ?
		    "ipvs (the kernel has IP Virtual Server)" :
		    "nftables (no IPVS in this kernel)");
	}
	if ((lb = calloc(1, sizeof(*lb))) == NULL) {
		log_warn("lb: calloc");
		return NULL;
	}
	lb->lb_be = kind == CFG_LB_IPVS ? &lb_backend_ipvs : &lb_backend_nft;
	lb_state_init(&lb->lb_cur);
	lb_state_init(&lb->lb_stale);
	if ((lb->lb_priv = lb->lb_be->b_open()) == NULL) {
		log_warnx("lb: cannot open the %s backend", lb->lb_be->b_name);
		free(lb);
		return NULL;
	}
	return lb;
}

void
lb_close(struct lb *lb)
{
	if (lb == NULL)
		return;
	lb->lb_be->b_close(lb->lb_priv);
	lb_state_clear(&lb->lb_cur);
	lb_state_clear(&lb->lb_stale);
	free(lb);
}

enum cfg_lb_backend
lb_kind(const struct lb *lb)
{
	return lb->lb_be->b_kind;
}

const struct lb_state *
lb_current(const struct lb *lb)
{
	return &lb->lb_cur;
}

const struct lb_fault *
lb_faults(const struct lb *lb, size_t *n)
{
	const struct lb_fault *f = NULL;

	*n = lb->lb_be->b_faults != NULL ?
	    lb->lb_be->b_faults(lb->lb_priv, &f) : 0;
	return f;
}

/* Appends to dst copies of the services of src not in dst nor in skip. */
static int
state_merge(struct lb_state *dst, const struct lb_state *src,
    const struct lb_state *skip)
{
	size_t i;

	for (i = 0; i < src->st_nsvcs; i++)
		if (lb_state_find(dst, &src->st_svcs[i].s_key) == NULL &&
		    (skip == NULL ||
		    lb_state_find(skip, &src->st_svcs[i].s_key) == NULL) &&
		    state_append(dst, &src->st_svcs[i]) == -1)
			return -1;
	return 0;
}

/*
 * After a backend failure, what shoal may still own beyond want: the old
 * state and the old stale services, minus want.  Kept in lb_stale.
 */
static int
remember_stale(struct lb *lb, const struct lb_state *want)
{
	struct lb_state st;

	lb_state_init(&st);
	if (state_merge(&st, &lb->lb_cur, want) == -1 ||
	    state_merge(&st, &lb->lb_stale, want) == -1) {
		lb_state_clear(&st);
		return -1;
	}
	lb_state_clear(&lb->lb_stale);
	lb->lb_stale = st;
	return 0;
}

/*
 * Applies want.  lb_cur becomes want even when the backend failed; it is
 * then what shoal wants (lb_stale: what it may still own), not what the
 * kernel holds, and lb_trusted says so.
 */
int
lb_apply(struct lb *lb, const struct lb_state *want)
{
	struct lb_state old, owned, neu, next;
	int rc = -1;

	lb_state_init(&old);
	lb_state_init(&owned);
	lb_state_init(&neu);
	lb_state_init(&next);
	if (lb_state_check(want, lb->lb_be->b_kind) != 0) {
		log_warnx("lb: desired state refused; kernel left unchanged");
		return -1;
	}
	if (lb_state_copy(&owned, &lb->lb_cur) == -1 ||
	    state_merge(&owned, &lb->lb_stale, NULL) == -1 ||
	    lb_state_effective(&old, &owned) == -1 ||
	    lb_state_effective(&neu, want) == -1 ||
	    lb_state_copy(&next, want) == -1) {
		log_warnx("lb: out of memory");
		goto done;
	}
	rc = lb->lb_be->b_apply(lb->lb_priv, &old, &neu, lb->lb_trusted);
	if (rc == 0)
		lb_state_clear(&lb->lb_stale);
	else if (remember_stale(lb, want) == -1)
		log_warnx("lb: out of memory: services to remove may be "
		    "forgotten");
	lb_state_clear(&lb->lb_cur);
	lb->lb_cur = next;
	lb_state_init(&next);
	lb->lb_trusted = rc == 0;
done:
	lb_state_clear(&old);
	lb_state_clear(&owned);
	lb_state_clear(&neu);
	lb_state_clear(&next);
	return rc;
}

int
lb_clear(struct lb *lb)
{
	struct lb_state empty;

	lb_state_init(&empty);
	return lb_apply(lb, &empty);
}

/* Copies the current state for a change of one part; 0 or -1. */
static int
cur_copy(const struct lb *lb, struct lb_state *st)
{
	lb_state_init(st);
	if (lb_state_copy(st, &lb->lb_cur) == -1) {
		log_warnx("lb: out of memory");
		return -1;
	}
	return 0;
}

static struct lb_service *
find_logged(const struct lb_state *st, const struct lb_svc_key *k)
{
	struct lb_service *svc;
	char kb[LB_KEY_STRLEN];

	if ((svc = lb_state_find(st, k)) == NULL)
		log_warnx("lb: no service %s", lb_svc_key_str(k, kb,
		    sizeof(kb)));
	return svc;
}

int
lb_service_set(struct lb *lb, const struct lb_service *svc)
{
	struct lb_state st;
	struct lb_service *o;
	int rc = -1;

	if (cur_copy(lb, &st) == -1)
		return -1;
	if ((o = lb_state_find(&st, &svc->s_key)) != NULL)
		state_remove(&st, o);
	if (state_append(&st, svc) == 0)
		rc = lb_apply(lb, &st);
	lb_state_clear(&st);
	return rc;
}

int
lb_service_remove(struct lb *lb, const struct lb_svc_key *k)
{
	struct lb_state st;
	struct lb_service *o;
	int rc = -1;

	if (cur_copy(lb, &st) == -1)
		return -1;
	if ((o = find_logged(&st, k)) != NULL) {
		state_remove(&st, o);
		rc = lb_apply(lb, &st);
	}
	lb_state_clear(&st);
	return rc;
}

int
lb_server_set(struct lb *lb, const struct lb_svc_key *k,
    const struct lb_dest *d)
{
	struct lb_state st;
	struct lb_service *svc;
	int rc = -1;

	if (cur_copy(lb, &st) == -1)
		return -1;
	if ((svc = find_logged(&st, k)) != NULL &&
	    lb_service_set_dest(svc, d) == 0)
		rc = lb_apply(lb, &st);
	lb_state_clear(&st);
	return rc;
}

int
lb_server_weight(struct lb *lb, const struct lb_svc_key *k,
    const struct cfg_addr *a, uint16_t port, int weight)
{
	const struct lb_service *svc;
	struct lb_dest *d, nd;
	char ab[CFG_ADDR_STRLEN];

	if ((svc = find_logged(&lb->lb_cur, k)) == NULL)
		return -1;
	if ((d = lb_service_find_dest(svc, a, port)) == NULL) {
		log_warnx("lb: service %s has no real server %s:%u",
		    svc->s_name, cfg_addr_str(a, ab, sizeof(ab)), port);
		return -1;
	}
	nd = *d;
	nd.d_weight = weight;
	return lb_server_set(lb, k, &nd);
}

int
lb_server_remove(struct lb *lb, const struct lb_svc_key *k,
    const struct cfg_addr *a, uint16_t port)
{
	struct lb_state st;
	struct lb_service *svc;
	char ab[CFG_ADDR_STRLEN];
	int rc = -1;

	if (cur_copy(lb, &st) == -1)
		return -1;
	if ((svc = find_logged(&st, k)) != NULL) {
		if (lb_service_del_dest(svc, a, port) == 0)
			rc = lb_apply(lb, &st);
		else
			log_warnx("lb: service %s has no real server %s:%u",
			    svc->s_name, cfg_addr_str(a, ab, sizeof(ab)), port);
	}
	lb_state_clear(&st);
	return rc;
}

int
lb_set_timeouts(struct lb *lb, uint32_t tcp, uint32_t tcpfin, uint32_t udp)
{
	struct lb_state st;
	int rc;

	if (cur_copy(lb, &st) == -1)
		return -1;
	st.st_tcp_timeout = tcp;
	st.st_tcpfin_timeout = tcpfin;
	st.st_udp_timeout = udp;
	rc = lb_apply(lb, &st);
	lb_state_clear(&st);
	return rc;
}

int
lb_set_sync(struct lb *lb, enum lb_sync_role role, const char *iface,
    int sync_id)
{
	struct lb_state st;
	int rc;

	if (cur_copy(lb, &st) == -1)
		return -1;
	st.st_sync = role;
	str_copy(st.st_sync_iface, iface != NULL ? iface : "eth0",
	    sizeof(st.st_sync_iface));
	st.st_sync_id = sync_id;
	rc = lb_apply(lb, &st);
	lb_state_clear(&st);
	return rc;
}
