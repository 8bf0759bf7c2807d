/*
 * lb_nft.c - the nftables backend: finds the layer-2 facts direct routing
 * needs (lb_l2.c), builds the script of lb_nft_gen.c and applies it
 * through libnftables as one batch (one kernel transaction).
 *
 * Real servers of a direct-routing service whose MAC address is unknown
 * are left out of the ruleset and reported as faults (lb_faults()): being
 * resolved (pending; the caller applies again soon) or failed (no answer,
 * not on a local network...).  An address that failed stays reported as
 * failed, not pending, while the kernel tries again, so that a dead real
 * server does not make pulse re-apply every LB_FAULT_RETRY_MS.
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "lb/lb_backend.h"
#include "lb/lb_l2.h"
#include "lb/lb_nft.h"
#include "lib/log.h"
#include "lib/util.h"

/* An address whose resolution failed, until it resolves. */
struct nft_failed {
	struct cfg_addr	 nf_addr;
	char		 nf_why[160];
};

struct nft_be {
	struct nft_ctx		*nb_ctx;
	struct lb_l2_ctx	*nb_l2;		/* opened on first need */
	struct lb_nft_env	 nb_env;	/* of the last good apply */
	struct lb_fault		*nb_faults;
	size_t			 nb_nfaults;
	struct nft_failed	*nb_failed;
	size_t			 nb_nfailed;
	int			 nb_warned_timeouts;
};

static void
nft_be_close(void *p)
{
	struct nft_be *nb = p;

	if (nb == NULL)
		return;
	if (nb->nb_ctx != NULL)
		nft_ctx_free(nb->nb_ctx);
	lb_l2_close(nb->nb_l2);
	lb_nft_env_clear(&nb->nb_env);
	free(nb->nb_faults);
	free(nb->nb_failed);
	free(nb);
}

static void *
nft_be_open(void)
{
	struct nft_be *nb;

	if ((nb = calloc(1, sizeof(*nb))) == NULL) {
		log_warn("lb: nftables: calloc");
		return NULL;
	}
	lb_nft_env_init(&nb->nb_env);
	if ((nb->nb_ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		log_warnx("lb: nftables: cannot create a libnftables context");
		goto fail;
	}
	/* keep nft's messages: they go to our log, not to stdout/stderr */
	if (nft_ctx_buffer_output(nb->nb_ctx) != 0 ||
	    nft_ctx_buffer_error(nb->nb_ctx) != 0) {
		log_warnx("lb: nftables: cannot buffer libnftables output");
		goto fail;
	}
	return nb;
fail:
	nft_be_close(nb);
	return NULL;
}

/* Logs a multi-line text one line at a time (warning or debug). */
static void
log_lines(int warn, const char *text)
{
	const char *nl;

	while (*text != '\0') {
		nl = strchr(text, '\n');
		if (nl == NULL)
			nl = text + strlen(text);
		if (nl > text && warn)
			log_warnx("lb: nftables: %.*s", (int)(nl - text), text);
		else if (nl > text)
			log_debug("lb: nftables: %.*s", (int)(nl - text), text);
		text = *nl != '\0' ? nl + 1 : nl;
	}
}

/* nft's error text spans several lines (message, line, caret). */
static void
log_nft_error(const char *err)
{
	if (err == NULL || *err == '\0')
		log_warnx("lb: nftables: transaction failed (no message)");
	else
		log_lines(1, err);
}

static int
any_nat(const struct lb_state *st)
{
	size_t i;

	for (i = 0; i < st->st_nsvcs; i++)
		if (st->st_svcs[i].s_fwd == CFG_NET_NAT)
			return 1;
	return 0;
}

/*
 * IPVS-only settings: said once, not an error (the services still work).
 * Connection sync is conntrackd's, which pulse runs (ctsync.h); here it
 * only makes a TCP connection's first packet wait for its state.
 */
static void
note_unsupported(struct nft_be *nb, const struct lb_state *want)
{
	if ((want->st_tcp_timeout || want->st_tcpfin_timeout ||
	    want->st_udp_timeout) && any_nat(want) &&
	    !nb->nb_warned_timeouts) {
		log_warnx("lb: nftables backend: tcp_timeout, tcpfin_timeout "
		    "and udp_timeout apply to direct routing flows only; NAT "
		    "connections keep conntrack's own timeouts");
		nb->nb_warned_timeouts = 1;
	}
}

/* ---- faults ---- */

static int
fault_add(struct nft_be *nb, const struct lb_service *svc,
    const struct lb_dest *d, int pending, const char *why)
{
	struct lb_fault *n, *f;

	n = reallocarray(nb->nb_faults, nb->nb_nfaults + 1, sizeof(*n));
	if (n == NULL)
		return -1;
	nb->nb_faults = n;
	f = &n[nb->nb_nfaults++];
	memset(f, 0, sizeof(*f));
	f->f_key = svc->s_key;
	if (d != NULL) {
		f->f_addr = d->d_addr;
		f->f_port = d->d_port;
	}
	f->f_pending = pending;
	str_copy(f->f_reason, why, sizeof(f->f_reason));
	return 0;
}

static struct nft_failed *
failed_find(const struct nft_be *nb, const struct cfg_addr *a)
{
	size_t i;

	for (i = 0; i < nb->nb_nfailed; i++)
		if (cfg_addr_equal(&nb->nb_failed[i].nf_addr, a))
			return &nb->nb_failed[i];
	return NULL;
}

/* Remembers (why set) or forgets (why NULL) a failed address. */
static int
failed_set(struct nft_be *nb, const struct cfg_addr *a, const char *why)
{
	struct nft_failed *f = failed_find(nb, a), *n;

	if (why == NULL) {
		if (f != NULL)
			*f = nb->nb_failed[--nb->nb_nfailed];
		return 0;
	}
	if (f == NULL) {
		n = reallocarray(nb->nb_failed, nb->nb_nfailed + 1,
		    sizeof(*n));
		if (n == NULL)
			return -1;
		nb->nb_failed = n;
		f = &n[nb->nb_nfailed++];
		f->nf_addr = *a;
	}
	str_copy(f->nf_why, why, sizeof(f->nf_why));
	return 0;
}

/* ---- layer-2 facts ---- */

/* One real server of a direct-routing service into env, or a fault. */
static int
resolve_dest(struct nft_be *nb, struct lb_nft_env *env,
    const struct lb_service *svc, const struct lb_dest *d)
{
	const struct nft_failed *f;
	enum lb_l2_result r;
	struct lb_l2 l2;
	char why[160];

	if (lb_nft_env_l2(env, &d->d_addr) != NULL)
		return 0;
	r = lb_l2_resolve(nb->nb_l2, &d->d_addr, &l2, why, sizeof(why));
	if (r == LB_L2_OK) {
		failed_set(nb, &d->d_addr, NULL);
		return lb_nft_env_add_l2(env, &d->d_addr, &l2);
	}
	if (r == LB_L2_FAILED && failed_set(nb, &d->d_addr, why) == -1)
		return -1;
	if (r == LB_L2_PENDING && (f = failed_find(nb, &d->d_addr)) != NULL)
		return fault_add(nb, svc, d, 0, f->nf_why);
	return fault_add(nb, svc, d, r == LB_L2_PENDING, why);
}

/*
 * A VIP on loopback without a default route, or on no interface yet (a
 * director behind an ECMP router puts it on loopback once the load
 * balancer serves it): its packets come in where its real servers are (a
 * one-armed director); "" when none is resolved.
 */
static void
dests_dev(const struct lb_nft_env *env, const struct lb_service *svc,
    char *ifname, size_t len)
{
	const struct lb_l2 *l2;

	for (size_t i = 0; i < svc->s_ndests; i++)
		if ((l2 = lb_nft_env_l2(env, &svc->s_dests[i].d_addr)) != NULL) {
			str_copy(ifname, l2->l2_ifname, len);
			return;
		}
}

static int
resolve_service(struct nft_be *nb, struct lb_nft_env *env,
    const struct lb_service *svc)
{
	char ifname[CFG_IFNAME_MAX + 1] = "", ab[CFG_ADDR_STRLEN], why[160];
	size_t i;
	int rc = 0;

	for (i = 0; i < svc->s_ndests; i++)
		if (resolve_dest(nb, env, svc, &svc->s_dests[i]) == -1)
			return -1;
	if (lb_nft_env_vip(env, &svc->s_key.ks_addr) != NULL)
		return 0;
	rc = lb_l2_addr_dev(nb->nb_l2, &svc->s_key.ks_addr, ifname,
	    sizeof(ifname));
	if (rc != 0 && ifname[0] == '\0')
		dests_dev(env, svc, ifname, sizeof(ifname));
	if (ifname[0] != '\0')
		return lb_nft_env_add_vip(env, &svc->s_key.ks_addr, ifname);
	snprintf(why, sizeof(why), "VIP %s is %s, with no default route and "
	    "no real server resolved: direct routing cannot tell where its "
	    "packets come in", cfg_addr_str(&svc->s_key.ks_addr, ab,
	    sizeof(ab)), rc == -1 ? "on no interface" : "on loopback");
	return fault_add(nb, svc, NULL, 0, why);
}

/* The layer-2 facts of want into env (initialised); 0 or -1. */
static int
resolve_all(struct nft_be *nb, const struct lb_state *want,
    struct lb_nft_env *env)
{
	size_t i;

	nb->nb_nfaults = 0;
	for (i = 0; i < want->st_nsvcs; i++) {
		if (want->st_svcs[i].s_fwd != CFG_NET_DIRECT)
			continue;
		if (nb->nb_l2 == NULL && (nb->nb_l2 = lb_l2_open()) == NULL)
			return -1;
		if (resolve_service(nb, env, &want->st_svcs[i]) == -1)
			return -1;
	}
	return 0;
}

static void
log_faults(const struct nft_be *nb)
{
	char kb[LB_KEY_STRLEN];
	size_t i;

	for (i = 0; i < nb->nb_nfaults; i++)
		log_debug("lb: service %s: %s", lb_svc_key_str(
		    &nb->nb_faults[i].f_key, kb, sizeof(kb)),
		    nb->nb_faults[i].f_reason);
}

static int
nft_be_apply(void *p, const struct lb_state *old, const struct lb_state *want,
    int trusted)
{
	struct nft_be *nb = p;
	struct lb_nft_env env;
	char *script = NULL;
	int rc = -1;

	note_unsupported(nb, want);
	lb_nft_env_init(&env);
	if (resolve_all(nb, want, &env) == -1) {
		log_warnx("lb: nftables: cannot read the neighbour table");
		goto done;
	}
	log_faults(nb);
	if ((script = lb_nft_script(trusted ? old : NULL,
	    trusted ? &nb->nb_env : NULL, want, &env)) == NULL)
		goto done;
	rc = 0;
	if (*script != '\0') {
		log_debug("lb: nftables batch:");
		log_lines(0, script);
		if (nft_run_cmd_from_buffer(nb->nb_ctx, script) != 0) {
			log_nft_error(nft_ctx_get_error_buffer(nb->nb_ctx));
			rc = -1;
		}
	}
	if (rc == 0 && lb_nft_env_copy(&nb->nb_env, &env) == -1)
		rc = -1;
done:
	free(script);
	lb_nft_env_clear(&env);
	return rc;
}

/*
 * The batch nft_be_apply() would load.  The layer-2 facts are those of
 * the last apply: a direct-routing real server new to this state is not
 * resolved (no neighbour lookup, no fault recorded) and stays out of the
 * preview's batch, as it would until its MAC is known.
 */
static char *
nft_be_preview(void *p, const struct lb_state *old,
    const struct lb_state *want, int trusted)
{
	struct nft_be *nb = p;
	struct lb_nft_env env;
	char *script;

	lb_nft_env_init(&env);
	if (lb_nft_env_copy(&env, &nb->nb_env) == -1) {
		lb_nft_env_clear(&env);
		return NULL;
	}
	script = lb_nft_script(trusted ? old : NULL, trusted ? &nb->nb_env :
	    NULL, want, &env);
	lb_nft_env_clear(&env);
	return script;
}

/* What conntrack says about the services in cur (no totals). */
static int
nft_be_stats(void *p, const struct lb_state *cur, struct lb_stats *out)
{
	(void)p;
	for (size_t i = 0; i < cur->st_nsvcs; i++)
		if (lb_stats_add(out, &cur->st_svcs[i]) == NULL)
			return -1;
	return lb_ct_read(out);
}

static size_t
nft_be_faults(void *p, const struct lb_fault **f)
{
	struct nft_be *nb = p;

	*f = nb->nb_faults;
	return nb->nb_nfaults;
}

const struct lb_backend lb_backend_nft = {
	.b_kind = CFG_LB_NFTABLES,
	.b_name = "nftables",
	.b_open = nft_be_open,
	.b_close = nft_be_close,
	.b_apply = nft_be_apply,
	.b_preview = nft_be_preview,
	.b_stats = nft_be_stats,
	.b_faults = nft_be_faults,
};
