/*
 * lb.c - the load balancer handle: the choice of backend (IPVS or
 * nftables), the state last applied, and every change as "old -> new"
 * handed to the backend.  The model itself is lb_state.c; the backends
 * (lb_ipvs.c, lb_nft.c) only turn "old state -> new state" into kernel
 * changes.
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "lb/lb.h"
#include "lb/lb_backend.h"
#include "lb/lb_nft.h"
#include "lb/lb_own.h"
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
	int			 lb_auto;	/* opened as `auto` */
	char			*lb_ownfile;	/* NULL: ownership in memory */
	char			*lb_owntext;	/* its content, last written */
};

/* ---- the backend ---- */

struct lb *
lb_open(enum cfg_lb_backend kind)
{
	struct lb *lb;

	int is_auto = kind == CFG_LB_AUTO;

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
	lb->lb_auto = is_auto;
	lb_state_init(&lb->lb_cur);
	lb_state_init(&lb->lb_stale);
	if ((lb->lb_priv = lb->lb_be->b_open()) == NULL) {
		log_warnx("lb: cannot open the %s backend", lb->lb_be->b_name);
		free(lb);
		return NULL;
	}
	return lb;
}

enum cfg_lb_backend
lb_auto_backend(void)
{
	return lb_ipvs_available() ? CFG_LB_IPVS : CFG_LB_NFTABLES;
}

void
lb_close(struct lb *lb)
{
	if (lb == NULL)
		return;
	lb->lb_be->b_close(lb->lb_priv);
	lb_state_clear(&lb->lb_cur);
	lb_state_clear(&lb->lb_stale);
	free(lb->lb_ownfile);
	free(lb->lb_owntext);
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

/* Copies the sync daemon settings of src into dst. */
static void
sync_copy(struct lb_state *dst, const struct lb_state *src)
{
	dst->st_sync = src->st_sync;
	memcpy(dst->st_sync_iface, src->st_sync_iface,
	    sizeof(dst->st_sync_iface));
	dst->st_sync_id = src->st_sync_id;
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
		    lb_state_add_service(dst, &src->st_svcs[i]) == -1)
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
	/* a sync daemon shoal ran and no longer wants may still run */
	if (lb->lb_cur.st_sync != LB_SYNC_NONE &&
	    lb->lb_cur.st_sync != want->st_sync)
		sync_copy(&st, &lb->lb_cur);
	else if (lb->lb_stale.st_sync != want->st_sync)
		sync_copy(&st, &lb->lb_stale);
	lb_state_clear(&lb->lb_stale);
	lb->lb_stale = st;
	return 0;
}

/*
 * Records in the ownership file what shoal may own: the services of both
 * states and the sync daemon of primary (else secondary).  Written only
 * when it changes; a failure is logged (the kernel is changed all the
 * same: a stale file costs a restarted pulse only what it cannot remove).
 */
static void
own_record(struct lb *lb, const struct lb_state *primary,
    const struct lb_state *secondary)
{
	char *text;

	if (lb->lb_ownfile == NULL)
		return;
	if ((text = lb_own_text(lb->lb_be->b_kind, primary,
	    secondary)) == NULL) {
		log_warnx("lb: out of memory: %s not updated", lb->lb_ownfile);
		return;
	}
	if (lb->lb_owntext != NULL && strcmp(text, lb->lb_owntext) == 0) {
		free(text);
		return;
	}
	if (lb_own_write(lb->lb_ownfile, text) == -1) {
		free(text);
		return;
	}
	free(lb->lb_owntext);
	lb->lb_owntext = text;
}

int
lb_set_owner_file(struct lb *lb, const char *path)
{
	enum cfg_lb_backend kind;
	struct lb_state owned;

	free(lb->lb_ownfile);
	free(lb->lb_owntext);
	lb->lb_owntext = NULL;
	if ((lb->lb_ownfile = strdup(path)) == NULL) {
		log_warn("lb: strdup");
		return -1;
	}
	lb_state_init(&owned);
	if (lb_own_read(path, &kind, &owned) == -1)
		return -1;
	if (kind != CFG_LB_AUTO && kind != lb->lb_be->b_kind) {
		log_warnx("lb: %s lists what the %s backend made; the %s "
		    "backend cannot remove it", path, cfg_lb_backend_name(kind),
		    lb->lb_be->b_name);
		lb_state_clear(&owned);
		return 0;
	}
	if (state_merge(&lb->lb_stale, &owned, &lb->lb_cur) == -1) {
		lb_state_clear(&owned);
		return -1;
	}
	if (lb->lb_stale.st_sync == LB_SYNC_NONE)
		sync_copy(&lb->lb_stale, &owned);
	if (owned.st_nsvcs > 0 || owned.st_sync != LB_SYNC_NONE)
		log_info("lb: %s: %zu service(s)%s of an earlier run to "
		    "reconcile", path, owned.st_nsvcs, owned.st_sync !=
		    LB_SYNC_NONE ? " and a sync daemon" : "");
	lb->lb_trusted = 0;
	lb_state_clear(&owned);
	return 0;
}

int
lb_clear_owned(const char *path)
{
	enum cfg_lb_backend kind;
	struct lb_state owned;
	struct lb *lb;
	int rc;

	lb_state_init(&owned);
	if (lb_own_read(path, &kind, &owned) == -1)
		return -1;
	lb_state_clear(&owned);
	if (kind == CFG_LB_AUTO)
		return 0;	/* no file: nothing of ours */
	if ((lb = lb_open(kind)) == NULL)
		return -1;
	rc = lb_set_owner_file(lb, path) == 0 && lb_clear(lb) == 0 ? 0 : -1;
	lb_close(lb);
	return rc;
}

/*
 * Applies want.  lb_cur becomes want even when the backend failed; it is
 * then what shoal wants (lb_stale: what it may still own), not what the
 * kernel holds, and lb_trusted says so.
 */
/* The scheduler the backend runs for s, -1 when s itself. */
static int
fallback_sched(const struct lb *lb, enum cfg_scheduler s)
{
	if (!lb->lb_auto || lb->lb_be->b_kind != CFG_LB_NFTABLES)
		return -1;
	return lb_nft_fallback(s);
}

/*
 * Under `auto` on a kernel without IPVS, a scheduler nftables lacks runs
 * as its fallback, as `shoalctl config check` warned; said once per
 * service (when it was not already applied so).
 */
static void
adapt(const struct lb *lb, struct lb_state *st, int say)
{
	const struct lb_service *cur;
	char kb[LB_KEY_STRLEN];
	int fb;

	for (size_t i = 0; i < st->st_nsvcs; i++) {
		struct lb_service *svc = &st->st_svcs[i];

		if ((fb = fallback_sched(lb, svc->s_sched)) < 0)
			continue;
		cur = lb_state_find(&lb->lb_cur, &svc->s_key);
		if (say && (cur == NULL || cur->s_sched != svc->s_sched))
			log_warnx("lb: service %s: scheduler %s runs as %s "
			    "(lvs_backend = auto and no IPVS in this kernel: "
			    "nftables keeps no connection counts)",
			    lb_svc_key_str(&svc->s_key, kb, sizeof(kb)),
			    cfg_scheduler_name(svc->s_sched),
			    cfg_scheduler_name((enum cfg_scheduler)fb));
		svc->s_sched = (enum cfg_scheduler)fb;
	}
}

int
lb_check(const struct lb *lb, const struct lb_state *st)
{
	struct lb_state run;
	int bad;

	lb_state_init(&run);
	if (lb_state_copy(&run, st) == -1) {
		lb_state_clear(&run);
		return -1;
	}
	adapt(lb, &run, 0);
	bad = lb_state_check(&run, lb->lb_be->b_kind);
	lb_state_clear(&run);
	return bad;
}

int
lb_service_runnable(const struct lb *lb, const struct lb_service *svc,
    char *why, size_t len)
{
	struct lb_service s = *svc;
	struct lb_why w = { 0, why, len, 0 };
	int fb;

	if (len > 0)
		why[0] = '\0';
	if ((fb = fallback_sched(lb, s.s_sched)) >= 0)
		s.s_sched = (enum cfg_scheduler)fb;
	if (lb_service_check(&s, lb->lb_be->b_kind, &w) > 0)
		return 0;
	if (fb >= 0)
		snprintf(why, len, "scheduler %s runs as %s (no IPVS in this "
		    "kernel)", cfg_scheduler_name(svc->s_sched),
		    cfg_scheduler_name(s.s_sched));
	return 1;
}

int
lb_apply(struct lb *lb, const struct lb_state *want)
{
	struct lb_state old, owned, neu, next, run;
	int rc = -1;

	lb_state_init(&old);
	lb_state_init(&owned);
	lb_state_init(&neu);
	lb_state_init(&next);
	lb_state_init(&run);
	if (lb_state_copy(&run, want) == -1) {
		log_warnx("lb: out of memory");
		return -1;
	}
	adapt(lb, &run, 1);
	if (lb_state_check(&run, lb->lb_be->b_kind) != 0) {
		log_warnx("lb: desired state refused; kernel left unchanged");
		lb_state_clear(&run);
		return -1;
	}
	if (lb_state_copy(&owned, &lb->lb_cur) == -1 ||
	    state_merge(&owned, &lb->lb_stale, NULL) == -1 ||
	    lb_state_effective(&old, &owned) == -1 ||
	    lb_state_effective(&neu, &run) == -1 ||
	    lb_state_copy(&next, want) == -1) {
		log_warnx("lb: out of memory");
		goto done;
	}
	adapt(lb, &old, 0);
	if (old.st_sync == LB_SYNC_NONE)
		sync_copy(&old, &lb->lb_stale);
	/* before the kernel changes: everything shoal may own meanwhile */
	own_record(lb, want, &old);
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
	own_record(lb, &lb->lb_cur, &lb->lb_stale);
done:
	lb_state_clear(&old);
	lb_state_clear(&owned);
	lb_state_clear(&neu);
	lb_state_clear(&next);
	lb_state_clear(&run);
	return rc;
}

/* old and neu of lb_apply(want), as it builds them; 0 or -1 (ENOMEM). */
static int
preview_states(const struct lb *lb, const struct lb_state *run,
    struct lb_state *old, struct lb_state *neu)
{
	struct lb_state owned;
	int rc = -1;

	lb_state_init(&owned);
	if (lb_state_copy(&owned, &lb->lb_cur) == -1 ||
	    state_merge(&owned, &lb->lb_stale, NULL) == -1 ||
	    lb_state_effective(old, &owned) == -1 ||
	    lb_state_effective(neu, run) == -1)
		goto fail;
	adapt(lb, old, 0);
	if (old->st_sync == LB_SYNC_NONE)
		sync_copy(old, &lb->lb_stale);
	rc = 0;
fail:
	lb_state_clear(&owned);
	return rc;
}

char *
lb_preview(const struct lb *lb, const struct lb_state *want,
    struct lb_state *eff, char *err, size_t errlen)
{
	struct lb_state run, old, neu;
	char *text = NULL;

	lb_state_init(&run);
	lb_state_init(&old);
	lb_state_init(&neu);
	snprintf(err, errlen, "out of memory");
	if (lb_state_copy(&run, want) == -1)
		goto done;
	adapt(lb, &run, 0);
	if (lb_state_check(&run, lb->lb_be->b_kind) != 0) {
		snprintf(err, errlen, "the %s backend refuses this state",
		    lb->lb_be->b_name);
		goto done;
	}
	if (preview_states(lb, &run, &old, &neu) == -1)
		goto done;
	if (lb->lb_be->b_preview == NULL) {
		snprintf(err, errlen, "the %s backend cannot tell its "
		    "operations", lb->lb_be->b_name);
		goto done;
	}
	if ((text = lb->lb_be->b_preview(lb->lb_priv, &old, &neu,
	    lb->lb_trusted)) == NULL)
		snprintf(err, errlen, "the %s backend could not build its "
		    "operations", lb->lb_be->b_name);
	if (text != NULL && eff != NULL && lb_state_copy(eff, &neu) == -1) {
		free(text);
		text = NULL;
	}
done:
	lb_state_clear(&run);
	lb_state_clear(&old);
	lb_state_clear(&neu);
	return text;
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
	int rc = -1;

	if (cur_copy(lb, &st) == -1)
		return -1;
	(void)lb_state_remove(&st, &svc->s_key);
	if (lb_state_add_service(&st, svc) == 0)
		rc = lb_apply(lb, &st);
	lb_state_clear(&st);
	return rc;
}

int
lb_service_remove(struct lb *lb, const struct lb_svc_key *k)
{
	struct lb_state st;
	int rc = -1;

	if (cur_copy(lb, &st) == -1)
		return -1;
	if (find_logged(&st, k) != NULL) {
		(void)lb_state_remove(&st, k);
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

/* ---- counters ---- */

struct lb_svc_stats *
lb_stats_add(struct lb_stats *out, const struct lb_service *cur)
{
	struct lb_svc_stats *n, *s;

	if ((n = realloc(out->ls_svcs, (out->ls_nsvcs + 1) * sizeof(*n))) ==
	    NULL)
		return NULL;
	out->ls_svcs = n;
	s = &n[out->ls_nsvcs];
	memset(s, 0, sizeof(*s));
	s->ss_key = cur->s_key;
	if ((s->ss_dests = calloc(cur->s_ndests + 1,
	    sizeof(*s->ss_dests))) == NULL)
		return NULL;
	for (size_t i = 0; i < cur->s_ndests; i++) {
		s->ss_dests[i].ds_addr = cur->s_dests[i].d_addr;
		s->ss_dests[i].ds_port = cur->s_dests[i].d_port;
		s->ss_dests[i].ds_weight = cur->s_dests[i].d_weight;
	}
	s->ss_ndests = cur->s_ndests;
	out->ls_nsvcs++;
	return s;
}

struct lb_dest_stats *
lb_stats_dest(struct lb_svc_stats *s, const struct cfg_addr *a,
    uint16_t port)
{
	for (size_t i = 0; i < s->ss_ndests; i++)
		if (cfg_addr_equal(&s->ss_dests[i].ds_addr, a) &&
		    (s->ss_key.ks_fwmark != 0 || s->ss_dests[i].ds_port == port))
			return &s->ss_dests[i];
	return NULL;
}

void
lb_stats_clear(struct lb_stats *st)
{
	for (size_t i = 0; i < st->ls_nsvcs; i++)
		free(st->ls_svcs[i].ss_dests);
	free(st->ls_svcs);
	memset(st, 0, sizeof(*st));
}

int
lb_stats_read(struct lb *lb, struct lb_stats *out)
{
	lb_stats_clear(out);
	if (lb->lb_be->b_stats(lb->lb_priv, &lb->lb_cur, out) == -1) {
		lb_stats_clear(out);
		return -1;
	}
	return 0;
}
