/*
 * lb_state.c - the desired-state model of the load balancer (lb_state.h):
 * states, services, keys, building from the configuration, checks, and
 * the effective state with sorry servers.  No I/O.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "lb/lb_nft.h"
#include "lb/lb_state.h"
#include "lib/log.h"
#include "lib/util.h"

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

int
lb_state_remove(struct lb_state *st, const struct lb_svc_key *k)
{
	struct lb_service *svc;
	size_t i;

	if ((svc = lb_state_find(st, k)) == NULL)
		return -1;
	i = (size_t)(svc - st->st_svcs);
	lb_service_clear(svc);
	memmove(&st->st_svcs[i], &st->st_svcs[i + 1],
	    (st->st_nsvcs - i - 1) * sizeof(*svc));
	st->st_nsvcs--;
	return 0;
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

void
lb_why_add(struct lb_why *w, const struct lb_svc_key *k, const char *fmt, ...)
{
	char kb[LB_KEY_STRLEN], msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w == NULL || w->wl_log)
		log_warnx("lb: service %s: %s", lb_svc_key_str(k, kb,
		    sizeof(kb)), msg);
	if (w == NULL)
		return;
	if (w->wl_count++ == 0 && w->wl_buf != NULL && w->wl_len > 0)
		str_copy(w->wl_buf, msg, w->wl_len);
}

static int
check_dests(const struct lb_service *svc, enum cfg_lb_backend kind,
    struct lb_why *w)
{
	const struct lb_svc_key *k = &svc->s_key;
	const struct lb_dest *d;
	char ab[CFG_ADDR_STRLEN];
	size_t i, j;
	int bad = 0;

	for (i = 0; i < svc->s_ndests; i++) {
		d = &svc->s_dests[i];
		cfg_addr_str(&d->d_addr, ab, sizeof(ab));
		/* IPVS tunnels may cross families; NAT and DR may not */
		if (d->d_addr.family != k->ks_af &&
		    !(kind == CFG_LB_IPVS && svc->s_fwd == CFG_NET_TUNNEL)) {
			lb_why_add(w, k, "real server %s is of another address "
			    "family", ab);
			bad++;
		}
		if (d->d_weight < 0 || d->d_weight > LB_WEIGHT_MAX) {
			lb_why_add(w, k, "real server %s: weight %d not in "
			    "0..%d", ab, d->d_weight, LB_WEIGHT_MAX);
			bad++;
		}
		for (j = 0; j < i; j++)
			if (cfg_addr_equal(&svc->s_dests[j].d_addr,
			    &d->d_addr) && svc->s_dests[j].d_port == d->d_port) {
				lb_why_add(w, k, "real server %s:%u given twice",
				    ab, d->d_port);
				bad++;
			}
	}
	return bad;
}

/*
 * IPVS refuses to run its sync daemon while a service has real servers of
 * another family (a tunnel to IPv6 behind an IPv4 VIP), and such a real
 * server while it runs: its sync protocol cannot carry them.
 */
static int
check_sync_families(const struct lb_state *st)
{
	const struct lb_service *svc;
	char kb[LB_KEY_STRLEN], ab[CFG_ADDR_STRLEN];
	size_t i, j;
	int bad = 0;

	if (st->st_sync == LB_SYNC_NONE)
		return 0;
	for (i = 0; i < st->st_nsvcs; i++) {
		svc = &st->st_svcs[i];
		for (j = 0; j < svc->s_ndests; j++) {
			if (svc->s_dests[j].d_addr.family == svc->s_key.ks_af)
				continue;
			log_warnx("lb: service %s: real server %s is of another "
			    "address family: the connection sync daemon cannot "
			    "run with it", lb_svc_key_str(&svc->s_key, kb,
			    sizeof(kb)), cfg_addr_str(&svc->s_dests[j].d_addr,
			    ab, sizeof(ab)));
			bad++;
		}
	}
	return bad;
}

int
lb_service_check(const struct lb_service *svc, enum cfg_lb_backend kind,
    struct lb_why *w)
{
	const struct lb_svc_key *k = &svc->s_key;
	char ab[CFG_ADDR_STRLEN];
	int bad = 0;

	if (k->ks_af != AF_INET && k->ks_af != AF_INET6) {
		lb_why_add(w, k, "no address family");
		return 1;
	}
	if (k->ks_fwmark == 0 && k->ks_addr.family != k->ks_af) {
		lb_why_add(w, k, "family of the address differs");
		bad++;
	}
	if (kind == CFG_LB_NFTABLES)
		bad += lb_nft_check_service(svc, w);
	if (k->ks_af == AF_INET6 && svc->s_pmask == 0) {
		/* the kernel refuses it ("Invalid argument") */
		lb_why_add(w, k, "persistence netmask /0: an IPv6 service "
		    "takes 1..128");
		bad++;
	}
	if (cfg_addr_is_set(&svc->s_sorry) &&
	    svc->s_sorry.family != k->ks_af) {
		lb_why_add(w, k, "sorry server %s is of another address family",
		    cfg_addr_str(&svc->s_sorry, ab, sizeof(ab)));
		bad++;
	}
	return bad + check_dests(svc, kind, w);
}

int
lb_state_check(const struct lb_state *st, enum cfg_lb_backend kind)
{
	size_t i, j;
	char kb[LB_KEY_STRLEN];
	int bad = 0;

	if (kind == CFG_LB_IPVS)
		bad += check_sync_families(st);
	for (i = 0; i < st->st_nsvcs; i++) {
		bad += lb_service_check(&st->st_svcs[i], kind, NULL);
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
