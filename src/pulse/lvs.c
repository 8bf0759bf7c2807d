/*
 * lvs.c - LVS mode in pulse (see lvs.h).
 *
 * The model is a copy of the configuration plus, per real server, what
 * nanny last said and what the administrator asked.  Every change rebuilds
 * the desired lb_state from it and hands it to lb_apply(), which applies
 * only the difference; so a report, a drain or a reload all take the same
 * path, and a failed apply is fixed by applying again.
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/config_keys.h"
#include "lb/lb.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store_view.h"
#include "evbus.h"
#include "lvs.h"
#include "nannies.h"

enum health {
	H_UNKNOWN,
	H_DOWN,
	H_UP,
};

struct rs {
	char			 r_name[CFG_NAME_MAX + 1];
	struct cfg_addr		 r_addr;
	uint16_t		 r_port;
	int			 r_cfg_weight;
	enum health		 r_health;
	int			 r_weight;	/* nanny's */
	uint32_t		 r_latency_ms;
	char			 r_reason[NANNY_REPORT_REASON_MAX + 1];
	unsigned		 r_fails;	/* down reports in a row */
	unsigned		 r_checks;	/* reports */
	int64_t			 r_since;	/* unix time of r_health */
	enum srvadmin_state	 r_admin;
	uint64_t		 r_failures;	/* down reports, ever */
	uint64_t		 r_hist[LVS_LAT_BUCKETS + 1];	/* +Inf last */
	uint64_t		 r_lat_count, r_lat_sum_ms;
	/* the load balancer cannot reach it (lb_faults()), or "" */
	char			 r_lbfault[sizeof(((struct lb_fault *)0)->f_reason)];
};

const uint32_t lvs_latency_bounds_ms[LVS_LAT_BUCKETS] = {
	1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
};

struct vs {
	char			 v_name[CFG_NAME_MAX + 1];
	struct lb_svc_key	 v_key;
	struct cfg_addr		 v_vip;		/* also of fwmark services */
	int			 v_quiesce;
	int			 v_ecmp;	/* director_mode = ecmp */
	char			*v_print;	/* nanny fingerprint */
	struct rs		*v_rs;
	size_t			 v_nrs;
	/* v_rs in (address, port, config order) and in name order: the
	   counters of a scrape and the reports of nanny find their server
	   in O(log n), not O(n) (10,000 servers made a scrape O(n^2)) */
	struct rs		**v_byaddr;
	struct rs		**v_byname;
	/* the backend cannot program it (v_why: the reason), or can, with
	   a note in v_why ("scheduler wlc runs as wrr ...") */
	int			 v_failed;
	char			 v_why[200];
};

struct lvs {
	struct event_base	*l_base;
	char			*l_db;
	char			*l_rundir;	/* or NULL */
	char			*l_ownfile;	/* RUNDIR/lb.state, or NULL */
	int			 l_standby;	/* program the standby state */
	struct shoal_config	*l_cfg;
	uint64_t		 l_generation;
	struct vs		*l_vs;
	size_t			 l_nvs;
	struct lb		*l_lb;
	int			 l_active;
	int			 l_applied;	/* the last apply succeeded */
	struct event		*l_retry;
	lvs_admin_fn		 l_admin_fn;
	void			*l_admin_arg;
	int			 l_syncd;	/* last "syncd" event: 0 none, else
						   (role + 1) * (up ? 1 : -1) */
};

/* The sync daemon's state as a "syncd" event, when it changed. */
static void
syncd_event(struct lvs *l, enum lb_sync_role role, int up)
{
	int code = ((int)role + 1) * (up ? 1 : -1);

	if (l->l_lb == NULL || !l->l_cfg->c_global.g_syncdaemon ||
	    l->l_syncd == code)
		return;
	l->l_syncd = code;
	evbus_emit(EV_SYNCD, cfg_lb_backend_name(lb_kind(l->l_lb)),
	    role == LB_SYNC_MASTER ? "master" : "backup", up ? "up" : "down");
}

static void apply(struct lvs *);
static void check_runnable(struct lvs *);
static void program(struct lvs *);
static void retry_cb(int, short, void *);

/* ---- fingerprints ---- */

char *
lvs_fingerprint(const struct shoal_config *c, const struct cfg_virtual *v)
{
	const struct ck_field *f = v->vs_kind == CFG_VS_FAILOVER ?
	    ck_failover : ck_virtual;
	const struct cfg_server *rs;
	char a[CFG_ADDR_STRLEN], val[CK_FMT_MAX], *buf = NULL;
	const char *s;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	/* what a nanny reads: the service, every field of the registry's
	 * health-check group, the load monitor's tool, every field of the
	 * real servers */
	fprintf(fp, "%s|%u|%d|%d", cfg_addr_str(&v->vs_address, a, sizeof(a)),
	    v->vs_port, (int)v->vs_protocol, (int)c->c_global.g_rsh_command);
	for (; f->f_type != CK_END; f++)
		if (f->f_group == CK_G_CHECK)
			fprintf(fp, "|%s", (s = ck_format(f, v, val,
			    sizeof(val))) != NULL ? s : "");
	TAILQ_FOREACH(rs, &v->vs_servers, rs_entry) {
		fprintf(fp, "|%s=", rs->rs_name);
		for (f = ck_server; f->f_type != CK_END; f++)
			fprintf(fp, "%s/", (s = ck_format(f, rs, val,
			    sizeof(val))) != NULL ? s : "");
	}
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the model ---- */

static void
vs_list_free(struct vs *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].v_rs);
		free(v[i].v_byaddr);
		free(v[i].v_byname);
		free(v[i].v_print);
	}
	free(v);
}

/* Address order (any total order will do), then port. */
static int
addr_port_cmp(const struct cfg_addr *a, uint16_t ap, const struct cfg_addr *b,
    uint16_t bp)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->family == AF_INET)
		c = memcmp(&a->u.v4, &b->u.v4, sizeof(a->u.v4));
	else if (a->family == AF_INET6)
		c = memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6));
	else
		c = 0;
	if (c != 0)
		return c;
	return ap < bp ? -1 : ap > bp;
}

static int
byaddr_cmp(const void *pa, const void *pb)
{
	const struct rs *a = *(struct rs *const *)pa;
	const struct rs *b = *(struct rs *const *)pb;
	int c = addr_port_cmp(&a->r_addr, a->r_port, &b->r_addr, b->r_port);

	/* equal keys keep the configuration's order: the first one wins */
	return c != 0 ? c : a < b ? -1 : a > b;
}

static int
byname_cmp(const void *pa, const void *pb)
{
	const struct rs *a = *(struct rs *const *)pa;
	const struct rs *b = *(struct rs *const *)pb;
	int c = strcmp(a->r_name, b->r_name);

	return c != 0 ? c : a < b ? -1 : a > b;
}

/* v's two indexes over v_rs (built whole; v_rs is not moved after). */
static int
vs_index(struct vs *v)
{
	size_t n = v->v_nrs;

	if ((v->v_byaddr = calloc(n + 1, sizeof(*v->v_byaddr))) == NULL ||
	    (v->v_byname = calloc(n + 1, sizeof(*v->v_byname))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		v->v_byaddr[i] = v->v_byname[i] = &v->v_rs[i];
	qsort(v->v_byaddr, n, sizeof(*v->v_byaddr), byaddr_cmp);
	qsort(v->v_byname, n, sizeof(*v->v_byname), byname_cmp);
	return 0;
}

/*
 * The first server of v (in configuration order) at addr and, unless
 * any_port (fwmark services), port; NULL when none.  O(log n), plus the
 * servers sharing addr when any_port.
 */
static struct rs *
vs_rs_at(const struct vs *v, const struct cfg_addr *addr, uint16_t port,
    int any_port)
{
	size_t lo = 0, hi = v->v_nrs;
	struct rs *best = NULL;

	/* the first entry not below (addr, any_port ? 0 : port) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rs *r = v->v_byaddr[mid];

		if (addr_port_cmp(&r->r_addr, r->r_port, addr, any_port ? 0 :
		    port) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < v->v_nrs && cfg_addr_equal(&v->v_byaddr[lo]->r_addr,
	    addr); lo++) {
		struct rs *r = v->v_byaddr[lo];

		if (!any_port && r->r_port != port)
			break;
		if (best == NULL || r < best)
			best = r;
		if (!any_port)
			break;
	}
	return best;
}

static struct vs *
find_vs(const struct lvs *l, const char *name)
{
	for (size_t i = 0; i < l->l_nvs; i++)
		if (strcmp(l->l_vs[i].v_name, name) == 0)
			return &l->l_vs[i];
	return NULL;
}

static struct rs *
find_rs(const struct vs *v, const char *name)
{
	size_t lo = 0, hi;
	int c;

	if (v == NULL)
		return NULL;
	hi = v->v_nrs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((c = strcmp(v->v_byname[mid]->r_name, name)) == 0)
			return v->v_byname[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* One virtual's model, keeping the health of servers that stay. */
static int
vs_build(const struct lvs *l, const struct shoal_config *c,
    const struct cfg_virtual *cv, struct vs *v)
{
	const struct cfg_server *cs;
	const struct rs *old;
	size_t n = 0;

	memset(v, 0, sizeof(*v));
	str_copy(v->v_name, cv->vs_name, sizeof(v->v_name));
	v->v_quiesce = cv->vs_quiesce_server;
	v->v_vip = cv->vs_address;
	v->v_ecmp = c->c_global.g_director_mode == CFG_DIRECTOR_ECMP;
	if (lb_svc_key_from_virtual(&v->v_key, cv) == -1) {
		log_warnx("virtual %s has no address: not programmed",
		    cv->vs_name);
		return 1;
	}
	if ((v->v_print = lvs_fingerprint(c, cv)) == NULL)
		return -1;
	TAILQ_FOREACH(cs, &cv->vs_servers, rs_entry)
		n++;
	if ((v->v_rs = calloc(n + 1, sizeof(*v->v_rs))) == NULL)
		return -1;
	TAILQ_FOREACH(cs, &cv->vs_servers, rs_entry) {
		struct rs *r;

		if (!cs->rs_active)
			continue;
		r = &v->v_rs[v->v_nrs++];
		str_copy(r->r_name, cs->rs_name, sizeof(r->r_name));
		r->r_addr = cs->rs_address;
		r->r_port = cs->rs_port;
		r->r_cfg_weight = cs->rs_weight;
		r->r_since = time(NULL);
		old = find_rs(find_vs(l, cv->vs_name), cs->rs_name);
		if (old != NULL && cfg_addr_equal(&old->r_addr, &r->r_addr) &&
		    old->r_port == r->r_port) {
			r->r_health = old->r_health;
			r->r_weight = old->r_weight;
			r->r_latency_ms = old->r_latency_ms;
			r->r_fails = old->r_fails;
			r->r_checks = old->r_checks;
			r->r_since = old->r_since;
			memcpy(r->r_reason, old->r_reason, sizeof(r->r_reason));
			r->r_failures = old->r_failures;
			memcpy(r->r_hist, old->r_hist, sizeof(r->r_hist));
			r->r_lat_count = old->r_lat_count;
			r->r_lat_sum_ms = old->r_lat_sum_ms;
		}
	}
	return vs_index(v);
}

struct admin_ctx {
	struct vs	*a_vs;
	size_t		 a_nvs;
};

static int
admin_row(const char *vsn, const char *rsn, enum srvadmin_state s,
    void *arg)
{
	struct admin_ctx *a = arg;

	for (size_t i = 0; i < a->a_nvs; i++) {
		struct rs *r;

		if (strcmp(a->a_vs[i].v_name, vsn) != 0)
			continue;
		if ((r = find_rs(&a->a_vs[i], rsn)) != NULL)
			r->r_admin = s;
	}
	return 0;
}

/* Reads config and admin state (in a child: store_view.h); 0 or -1. */
static int
read_store(const struct lvs *l, struct shoal_config **cp,
    struct store_gen *gen, struct vs **vp, size_t *np)
{
	struct shoal_config *c = NULL;
	struct cfg_virtual *cv;
	struct admin_ctx ac = { NULL, 0 };
	struct store_view v;
	struct diag d;
	size_t n = 0;
	int r;

	diag_init(&d);
	r = store_view_read(l->l_db, &v, &d);
	diag_log(&d, "LVS: ");
	diag_clear(&d);
	if (r == -1 || v.sv_gen.sg_generation == 0)
		goto fail;
	c = v.sv_cfg;
	v.sv_cfg = NULL;
	*gen = v.sv_gen;
	TAILQ_FOREACH(cv, &c->c_virtuals, vs_entry)
		n++;
	if ((ac.a_vs = calloc(n + 1, sizeof(*ac.a_vs))) == NULL)
		goto fail;
	TAILQ_FOREACH(cv, &c->c_virtuals, vs_entry) {
		if (!cv->vs_active)
			continue;
		if ((r = vs_build(l, c, cv, &ac.a_vs[ac.a_nvs])) == -1) {
			ac.a_nvs++;
			goto fail;
		}
		if (r == 0)
			ac.a_nvs++;
		else
			free(ac.a_vs[ac.a_nvs].v_print);
	}
	if (l->l_admin_fn != NULL)
		for (size_t i = 0; i < ac.a_nvs; i++)
			for (size_t j = 0; j < ac.a_vs[i].v_nrs; j++)
				ac.a_vs[i].v_rs[j].r_admin = (enum srvadmin_state)
				    l->l_admin_fn(ac.a_vs[i].v_name,
				    ac.a_vs[i].v_rs[j].r_name, l->l_admin_arg);
	else
		for (size_t i = 0; i < v.sv_nadmin; i++)
			(void)admin_row(v.sv_admin[i].sa_virtual,
			    v.sv_admin[i].sa_server, v.sv_admin[i].sa_state,
			    &ac);
	store_view_clear(&v);
	*cp = c;
	*vp = ac.a_vs;
	*np = ac.a_nvs;
	return 0;
fail:
	log_warnx("LVS: cannot read the configuration from %s", l->l_db);
	vs_list_free(ac.a_vs, ac.a_nvs);
	config_free(c);
	store_view_clear(&v);
	return -1;
}

static char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

struct lvs *
lvs_new(struct event_base *base, const char *db, const char *rundir)
{
	struct lvs *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->l_base = base;
	if ((l->l_db = strdup(db)) == NULL ||
	    (rundir != NULL && ((l->l_rundir = strdup(rundir)) == NULL ||
	    (l->l_ownfile = path_join(rundir, LVS_OWNER_FILE)) == NULL)) ||
	    (l->l_retry = evtimer_new(base, retry_cb, l)) == NULL) {
		lvs_free(l);
		return NULL;
	}
	return l;
}

void
lvs_free(struct lvs *l)
{
	if (l == NULL)
		return;
	l->l_active = l->l_standby = 0;
	if (l->l_retry != NULL)
		event_free(l->l_retry);
	if (l->l_lb != NULL) {
		/* stopping: no service, no sync daemon of ours stays */
		log_info("LVS: removing what the load balancer holds for us");
		if (lb_clear(l->l_lb) == -1)
			log_warnx("LVS: removing it failed");
		lb_close(l->l_lb);
	}
	vs_list_free(l->l_vs, l->l_nvs);
	config_free(l->l_cfg);
	free(l->l_ownfile);
	free(l->l_rundir);
	free(l->l_db);
	free(l);
}

int
lvs_load(struct lvs *l)
{
	struct shoal_config *c;
	struct store_gen gen;
	struct vs *v;
	size_t n;
	int reopen;

	if (read_store(l, &c, &gen, &v, &n) == -1)
		return -1;
	reopen = l->l_lb != NULL && l->l_cfg != NULL &&
	    c->c_global.g_lb_backend != l->l_cfg->c_global.g_lb_backend;
	if (reopen) {
		log_info("LVS: load balancer backend changed");
		(void)lb_clear(l->l_lb);
		lb_close(l->l_lb);
		l->l_lb = NULL;
	}
	vs_list_free(l->l_vs, l->l_nvs);
	config_free(l->l_cfg);
	l->l_cfg = c;
	l->l_vs = v;
	l->l_nvs = n;
	l->l_generation = gen.sg_generation;
	program(l);
	return 0;
}

void
lvs_set_admin_source(struct lvs *l, lvs_admin_fn fn, void *arg)
{
	l->l_admin_fn = fn;
	l->l_admin_arg = arg;
}

const struct shoal_config *
lvs_config(const struct lvs *l)
{
	return l->l_cfg;
}

uint64_t
lvs_generation(const struct lvs *l)
{
	return l->l_generation;
}

int
lvs_enabled(const struct lvs *l)
{
	return l->l_cfg != NULL && l->l_cfg->c_global.g_service ==
	    CFG_MODE_LVS && l->l_nvs > 0;
}

int
lvs_lb_kind(const struct lvs *l)
{
	return l->l_lb != NULL ? (int)lb_kind(l->l_lb) : -1;
}

int
lvs_is_active(const struct lvs *l)
{
	return l->l_active;
}

/* ---- applying ---- */

/* The weight r should have in the load balancer, -1 for absent. */
static int
effective_weight(const struct vs *v, const struct rs *r)
{
	switch (r->r_admin) {
	case SRVADMIN_DISABLE:
		return -1;
	case SRVADMIN_DRAIN:
		return 0;
	case SRVADMIN_ENABLE:
		break;
	}
	/*
	 * ecmp: every configured server is in the table from the start, at
	 * weight 0 until it is up, so that every director adds them in the
	 * same order (IPVS mh's table depends on it) and a server that goes
	 * down keeps its place.
	 */
	switch (r->r_health) {
	case H_UNKNOWN:
		return v->v_ecmp ? 0 : -1;
	case H_DOWN:
		return v->v_quiesce || v->v_ecmp ? 0 : -1;
	case H_UP:
		break;
	}
	return r->r_weight;
}

static const struct rs *
rs_for_dest(const struct vs *v, const struct lb_dest *d)
{
	return vs_rs_at(v, &d->d_addr, d->d_port, v->v_key.ks_fwmark != 0);
}

/* The desired state of configuration c with the models vs[0..n). */
static int
desired_from(const struct shoal_config *c, const struct vs *vs, size_t n,
    struct lb_state *st)
{
	if (lb_state_from_config(st, c, c->c_global.g_syncdaemon ?
	    LB_SYNC_MASTER : LB_SYNC_NONE) == -1)
		return -1;
	for (size_t i = 0; i < st->st_nsvcs; i++) {
		struct lb_service *s = &st->st_svcs[i];
		const struct vs *v = NULL;

		for (size_t j = 0; j < n; j++)
			if (lb_svc_key_equal(&vs[j].v_key, &s->s_key))
				v = &vs[j];
		for (size_t k = s->s_ndests; k-- > 0;) {
			struct lb_dest *d = &s->s_dests[k];
			const struct rs *r = v != NULL ? rs_for_dest(v, d) : NULL;
			int w = r != NULL ? effective_weight(v, r) : -1;

			if (w >= 0) {
				d->d_weight = w;
				continue;
			}
			(void)lb_service_del_dest(s, &d->d_addr, d->d_port);
		}
	}
	return 0;
}

int
lvs_desired(const struct lvs *l, struct lb_state *st)
{
	if (l->l_cfg == NULL)
		return -1;
	return desired_from(l->l_cfg, l->l_vs, l->l_nvs, st);
}

/*
 * The models of candidate c as read_store() builds them on a reload: the
 * health of the servers that stay, their admin state kept by name.
 */
static int
models_for(const struct lvs *l, const struct shoal_config *c,
    struct vs **vp, size_t *np)
{
	const struct cfg_virtual *cv;
	struct vs *vs;
	size_t n = 0;
	int r;

	TAILQ_FOREACH(cv, &c->c_virtuals, vs_entry)
		n++;
	if ((vs = calloc(n + 1, sizeof(*vs))) == NULL)
		return -1;
	n = 0;
	TAILQ_FOREACH(cv, &c->c_virtuals, vs_entry) {
		if (!cv->vs_active)
			continue;
		if ((r = vs_build(l, c, cv, &vs[n])) == -1) {
			vs_list_free(vs, n + 1);
			return -1;
		}
		if (r != 0) {
			free(vs[n].v_print);
			continue;
		}
		for (size_t j = 0; j < vs[n].v_nrs; j++) {
			struct rs *rp = &vs[n].v_rs[j];
			const struct rs *old = find_rs(find_vs(l,
			    vs[n].v_name), rp->r_name);

			rp->r_admin = old != NULL ? old->r_admin :
			    SRVADMIN_ENABLE;
			/* the restarted nanny reports the new weight */
			if (old != NULL &&
			    old->r_cfg_weight != rp->r_cfg_weight)
				rp->r_weight = rp->r_cfg_weight;
		}
		n++;
	}
	*vp = vs;
	*np = n;
	return 0;
}

int
lvs_desired_for(const struct lvs *l, const struct shoal_config *c,
    struct lb_state *st)
{
	struct vs *vs;
	size_t n;
	int rc;

	if (models_for(l, c, &vs, &n) == -1)
		return -1;
	rc = desired_from(c, vs, n, st);
	vs_list_free(vs, n);
	return rc;
}

const char *
lvs_server_known(const struct lvs *l, const char *vsn, const char *rsn,
    const struct cfg_addr *a, uint16_t port)
{
	const struct rs *r = find_rs(find_vs(l, vsn), rsn);

	if (r == NULL || !cfg_addr_equal(&r->r_addr, a) || r->r_port != port)
		return "new: not yet checked";
	if (r->r_admin == SRVADMIN_DISABLE)
		return "disabled";
	if (r->r_admin == SRVADMIN_DRAIN)
		return "drained";
	switch (r->r_health) {
	case H_UNKNOWN:
		return "not yet checked";
	case H_DOWN:
		return "down";
	case H_UP:
		break;
	}
	return "up";
}

const struct lb *
lvs_lb(const struct lvs *l)
{
	return l->l_lb;
}

static void
retry_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	program(arg);
}

static void
arm_retry_ms(struct lvs *l, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(l->l_retry, &tv);
}

static void
arm_retry(struct lvs *l)
{
	arm_retry_ms(l, LVS_RETRY_MS);
}

/* NAT: the router forwards between clients and real servers. */
static void
enable_forwarding(const struct lvs *l)
{
	static const char *const knobs[] = {
		"/proc/sys/net/ipv4/ip_forward",
		"/proc/sys/net/ipv6/conf/all/forwarding",
	};
	char cur[4] = "";
	int fd, v6 = 0;
	ssize_t n;

	if (l->l_cfg->c_global.g_network != CFG_NET_NAT)
		return;
	for (size_t i = 0; i < l->l_nvs; i++)
		if (l->l_vs[i].v_key.ks_af == AF_INET6)
			v6 = 1;
	for (size_t i = 0; i < (v6 ? 2u : 1u); i++) {
		if ((fd = open(knobs[i], O_RDWR | O_CLOEXEC)) == -1) {
			log_warn("NAT: %s", knobs[i]);
			continue;
		}
		n = read(fd, cur, sizeof(cur) - 1);
		if (n > 0 && cur[0] != '1') {
			if (pwrite(fd, "1\n", 2, 0) == -1)
				log_warn("NAT: enabling %s", knobs[i]);
			else
				log_info("NAT: enabled %s", knobs[i]);
		}
		close(fd);
	}
}

static struct vs *
vs_for_key(const struct lvs *l, const struct lb_svc_key *k)
{
	for (size_t i = 0; i < l->l_nvs; i++)
		if (lb_svc_key_equal(&l->l_vs[i].v_key, k))
			return &l->l_vs[i];
	return NULL;
}

/*
 * Drops from st the services the backend cannot program, marking them
 * FAILED (said once, with the reason, until that changes); the others
 * still run.
 */
static void
drop_unrunnable(struct lvs *l, struct lb_state *st)
{
	char why[sizeof(((struct vs *)0)->v_why)];
	struct vs *v;
	int ok;

	for (size_t i = st->st_nsvcs; i-- > 0;) {
		if ((v = vs_for_key(l, &st->st_svcs[i].s_key)) == NULL)
			continue;
		ok = lb_service_runnable(l->l_lb, &st->st_svcs[i], why,
		    sizeof(why));
		if (!ok && (!v->v_failed || strcmp(why, v->v_why) != 0))
			log_warnx("LVS: virtual %s FAILED: %s: not programmed",
			    v->v_name, why);
		else if (ok && why[0] != '\0' && strcmp(why, v->v_why) != 0)
			log_warnx("LVS: virtual %s: %s", v->v_name, why);
		v->v_failed = !ok;
		str_copy(v->v_why, why, sizeof(v->v_why));
		if (!ok)
			(void)lb_state_remove(st, &st->st_svcs[i].s_key);
	}
}

static struct rs *
rs_for_fault(const struct vs *v, const struct lb_fault *f)
{
	return vs_rs_at(v, &f->f_addr, f->f_port, v->v_key.ks_fwmark != 0);
}

/* One fault of the last apply into the model (logged when new). */
static void
take_fault(struct vs *v, const struct lb_fault *f)
{
	struct rs *r;

	if (!cfg_addr_is_set(&f->f_addr)) {
		if (!v->v_failed || strcmp(v->v_why, f->f_reason) != 0)
			log_warnx("LVS: virtual %s FAILED: %s", v->v_name,
			    f->f_reason);
		v->v_failed = 1;
		str_copy(v->v_why, f->f_reason, sizeof(v->v_why));
	} else if ((r = rs_for_fault(v, f)) != NULL) {
		if (strcmp(r->r_lbfault, f->f_reason) != 0 && !f->f_pending)
			log_warnx("LVS: %s/%s down: %s", v->v_name, r->r_name,
			    f->f_reason);
		str_copy(r->r_lbfault, f->f_reason, sizeof(r->r_lbfault));
	}
}

/*
 * Real servers the load balancer could not reach (lb_faults()): shown
 * down with the reason; applied again soon while one is being resolved,
 * every LVS_FAULT_RECHECK_MS while one failed (it may come back).
 */
static void
take_faults(struct lvs *l)
{
	const struct lb_fault *f;
	size_t n, i;
	int pending = 0;
	struct vs *v;

	for (i = 0; i < l->l_nvs; i++)
		for (size_t j = 0; j < l->l_vs[i].v_nrs; j++)
			l->l_vs[i].v_rs[j].r_lbfault[0] = '\0';
	f = lb_faults(l->l_lb, &n);
	for (i = 0; i < n; i++) {
		if ((v = vs_for_key(l, &f[i].f_key)) != NULL)
			take_fault(v, &f[i]);
		pending |= f[i].f_pending;
	}
	if (n > 0)
		arm_retry_ms(l, pending ? LB_FAULT_RETRY_MS :
		    LVS_FAULT_RECHECK_MS);
}

/*
 * On every node, not only the active one: which services this backend
 * cannot program, so that status shows them FAILED before a fail-over.
 */
static void
check_runnable(struct lvs *l)
{
	struct lb_state st;

	if (l->l_lb == NULL || l->l_cfg == NULL)
		return;
	lb_state_init(&st);
	if (lvs_desired(l, &st) == 0)
		drop_unrunnable(l, &st);
	lb_state_clear(&st);
}

/*
 * ecmp on IPVS: a flow may reach this director in the middle (the
 * upstream router moved it here); sloppy TCP/SCTP let IPVS schedule it
 * from any packet, and mh gives it the real server it had.
 */
static void
ecmp_sloppy(const struct lvs *l)
{
	static const char *const knobs[] = {
		"/proc/sys/net/ipv4/vs/sloppy_tcp",
		"/proc/sys/net/ipv4/vs/sloppy_sctp",
	};
	int fd;

	if (l->l_cfg->c_global.g_director_mode != CFG_DIRECTOR_ECMP ||
	    lb_kind(l->l_lb) != CFG_LB_IPVS)
		return;
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		if ((fd = open(knobs[i], O_WRONLY | O_CLOEXEC)) == -1 ||
		    write(fd, "1\n", 2) != 2)
			log_warn("ecmp: setting %s", knobs[i]);
		if (fd != -1)
			close(fd);
	}
}

/* Opens the backend named by the configuration; 0, or -1 (logged). */
static int
open_lb(struct lvs *l)
{
	if (l->l_lb != NULL)
		return 0;
	if ((l->l_lb = lb_open(l->l_cfg->c_global.g_lb_backend)) == NULL)
		return -1;
	/* the control socket makes the run directory later at start */
	if (l->l_rundir != NULL && mkdir(l->l_rundir, 0755) == -1 &&
	    errno != EEXIST)
		log_warn("LVS: mkdir %s", l->l_rundir);
	if (l->l_ownfile != NULL &&
	    lb_set_owner_file(l->l_lb, l->l_ownfile) == -1)
		log_warnx("LVS: %s unreadable: what an earlier run left in "
		    "the load balancer may stay", l->l_ownfile);
	return 0;
}

/*
 * Makes the load balancer hold st (the desired state when active, the
 * standby state otherwise); retried every LVS_RETRY_MS when the backend
 * cannot be opened or the kernel refuses something, not retried when the
 * backend cannot run this configuration at all (until a reload).
 */
static int
put(struct lvs *l, struct lb_state *st)
{
	if (open_lb(l) == -1) {
		log_warnx("LVS: no load balancer backend: retrying");
		arm_retry(l);
		return -1;
	}
	if (lb_check(l->l_lb, st) > 0) {
		log_warnx("LVS: the %s backend cannot run this configuration "
		    "(see above): nothing programmed", cfg_lb_backend_name(
		    lb_kind(l->l_lb)));
		return -1;
	}
	if (lb_apply(l->l_lb, st) == -1) {
		log_warnx("LVS: load balancer update failed: retrying in %d ms",
		    LVS_RETRY_MS);
		arm_retry(l);
		return -1;
	}
	return 0;
}

static void
apply(struct lvs *l)
{
	struct lb_state st;

	evtimer_del(l->l_retry);
	l->l_applied = 0;
	if (!l->l_active || l->l_cfg == NULL)
		return;
	if (open_lb(l) == -1) {
		log_warnx("LVS: no load balancer backend: retrying");
		arm_retry(l);
		return;
	}
	lb_state_init(&st);
	if (lvs_desired(l, &st) == -1) {
		log_warnx("LVS: cannot build the load balancer state: retrying");
		arm_retry(l);
	} else {
		drop_unrunnable(l, &st);
		if (put(l, &st) == 0) {
			ecmp_sloppy(l);
			l->l_applied = 1;
			take_faults(l);
			syncd_event(l, LB_SYNC_MASTER, 1);
		} else
			syncd_event(l, LB_SYNC_MASTER, 0);
	}
	lb_state_clear(&st);
}

/*
 * A router that does not hold the VIPs: no virtual service, and with
 * syncdaemon = 1 the backup sync daemon, so that it knows the active
 * router's connections when it takes over (from boot on, not only after
 * it was active once).
 */
static int
standby(struct lvs *l)
{
	const struct cfg_global *g;
	struct lb_state st;
	int rc;

	evtimer_del(l->l_retry);
	if (l->l_active || l->l_cfg == NULL ||
	    (l->l_lb == NULL && !lvs_enabled(l)))
		return 0;
	lb_state_init(&st);
	g = &l->l_cfg->c_global;
	if (lvs_enabled(l) && g->g_syncdaemon) {
		st.st_sync = LB_SYNC_BACKUP;
		str_copy(st.st_sync_iface, g->g_syncd_iface != NULL ?
		    g->g_syncd_iface : "eth0", sizeof(st.st_sync_iface));
		st.st_sync_id = g->g_syncd_id;
	}
	rc = put(l, &st);
	if (st.st_sync == LB_SYNC_BACKUP)
		syncd_event(l, LB_SYNC_BACKUP, rc == 0);
	lb_state_clear(&st);
	return rc;
}

/* Whichever of the two this router needs now. */
static void
program(struct lvs *l)
{
	if (l->l_active)
		apply(l);
	else {
		if (l->l_standby)
			(void)standby(l);
		check_runnable(l);
	}
}

int
lvs_clear_stale(struct lvs *l)
{
	int rc;

	if (l->l_active)
		return 0;
	l->l_standby = 1;
	if (!lvs_enabled(l)) {
		/* not in LVS mode (now): only what an earlier run left */
		if (l->l_ownfile != NULL && lb_clear_owned(l->l_ownfile) == -1) {
			log_warnx("LVS: could not remove what an earlier pulse "
			    "left in the load balancer");
			return -1;
		}
		return 0;
	}
	rc = standby(l);
	check_runnable(l);
	return rc;
}

int
lvs_cleanup(struct lvs *l)
{
	if (l->l_active)
		return 0;
	if (l->l_ownfile != NULL && access(l->l_ownfile, F_OK) == 0)
		return lb_clear_owned(l->l_ownfile);
	/* no record: only nftables can tell its own (the whole table) */
	if (!lvs_enabled(l) ||
	    l->l_cfg->c_global.g_lb_backend != CFG_LB_NFTABLES)
		return 0;
	if (open_lb(l) == -1)
		return -1;
	return lb_clear(l->l_lb);
}

void
lvs_activate(struct lvs *l)
{
	if (l->l_active || !lvs_enabled(l))
		return;
	l->l_active = 1;
	log_info("LVS: programming %zu virtual service(s)", l->l_nvs);
	enable_forwarding(l);
	apply(l);
}

void
lvs_deactivate(struct lvs *l)
{
	if (!l->l_active)
		return;
	l->l_active = 0;
	l->l_applied = 0;
	evtimer_del(l->l_retry);
	for (size_t i = 0; i < l->l_nvs; i++)
		for (size_t j = 0; j < l->l_vs[i].v_nrs; j++) {
			l->l_vs[i].v_rs[j].r_health = H_UNKNOWN;
			l->l_vs[i].v_rs[j].r_fails = 0;
			l->l_vs[i].v_rs[j].r_since = time(NULL);
			l->l_vs[i].v_rs[j].r_lbfault[0] = '\0';
		}
	if (l->l_lb == NULL)
		return;
	log_info("LVS: removing the virtual services");
	l->l_standby = 1;
	standby(l);
}

void
lvs_want_nannies(const struct lvs *l, struct nannies *ns)
{
	for (size_t i = 0; i < l->l_nvs; i++)
		if (l->l_vs[i].v_nrs > 0)
			(void)nannies_want(ns, NANNIES_VIRTUAL,
			    l->l_vs[i].v_name, l->l_vs[i].v_print);
}

static void
count_latency(struct rs *r, enum health h, uint32_t ms)
{
	size_t b = 0;

	if (h == H_DOWN)
		r->r_failures++;
	while (b < LVS_LAT_BUCKETS && ms > lvs_latency_bounds_ms[b])
		b++;
	r->r_hist[b]++;
	r->r_lat_count++;
	r->r_lat_sum_ms += ms;
}

void
lvs_report(struct lvs *l, const char *vsn, const struct nanny_report *nr)
{
	struct vs *v = find_vs(l, vsn);
	struct rs *r = find_rs(v, nr->nr_server);
	enum health h = nr->nr_state == NANNY_UP ? H_UP : H_DOWN;
	enum nanny_state old_state;
	int before, after;

	if (r == NULL || !cfg_addr_equal(&r->r_addr, &nr->nr_addr)) {
		log_warnx("LVS: report about unknown server %s/%s ignored",
		    vsn, nr->nr_server);
		return;
	}
	before = effective_weight(v, r);
	old_state = r->r_health == H_UP ? NANNY_UP : r->r_health == H_DOWN ?
	    NANNY_DOWN : (enum nanny_state)-1;
	if (r->r_health != h)
		r->r_since = time(NULL);
	r->r_health = h;
	r->r_weight = nr->nr_weight;
	r->r_latency_ms = nr->nr_latency_ms;
	r->r_fails = h == H_DOWN ? r->r_fails + 1 : 0;
	r->r_checks++;
	count_latency(r, h, nr->nr_latency_ms);
	str_copy(r->r_reason, nr->nr_reason, sizeof(r->r_reason));
	after = effective_weight(v, r);
	if (before != after || nr->nr_state != old_state) {
		char wt[16];

		snprintf(wt, sizeof(wt), "%d", after < 0 ? 0 : after);
		evbus_emit(EV_SERVER, vsn, r->r_name,
		    nanny_state_name(nr->nr_state), wt, r->r_reason);
	}
	if (after < 0)
		log_info("LVS: %s/%s %s: not in the load balancer (%s)", vsn,
		    r->r_name, nanny_state_name(nr->nr_state), r->r_reason);
	else
		log_info("LVS: %s/%s %s: weight %d (%s)", vsn, r->r_name,
		    nanny_state_name(nr->nr_state), after, r->r_reason);
	if (before != after)
		apply(l);
}

int
lvs_admin(struct lvs *l, const char *vsn, const char *rsn,
    enum srvadmin_state s, char *err, size_t errlen)
{
	struct vs *v = find_vs(l, vsn);
	struct rs *r = find_rs(v, rsn);

	if (v == NULL) {
		snprintf(err, errlen, "no active virtual server %s", vsn);
		return -1;
	}
	if (r == NULL) {
		snprintf(err, errlen, "virtual %s has no active server %s",
		    vsn, rsn);
		return -1;
	}
	if (r->r_admin != s)
		log_info("LVS: %s/%s: %s", vsn, rsn, srvadmin_name(s));
	r->r_admin = s;
	apply(l);
	return 0;
}

/*
 * A programmed service that can take a new connection somewhere: not
 * FAILED, and a real server with weight or the sorry server.  (A real
 * server whose MAC is still being resolved counts: resolution takes an ARP
 * round trip, and withdrawing the route for it would make routes flap.)
 */
static int
serves(const struct vs *v, const struct lb_service *s)
{
	if (s == NULL || v->v_failed)
		return 0;
	for (size_t i = 0; i < s->s_ndests; i++)
		if (s->s_dests[i].d_weight > 0)
			return 1;
	return cfg_addr_is_set(&s->s_sorry);
}

int
lvs_vip_ready(const struct lvs *l, const struct cfg_addr *vip, char *why,
    size_t len)
{
	const struct lb_state *cur;
	int found = 0;

	if (!l->l_active || l->l_lb == NULL || !l->l_applied) {
		snprintf(why, len, "the load balancer is not programmed");
		return 0;
	}
	cur = lb_current(l->l_lb);
	for (size_t i = 0; i < l->l_nvs; i++) {
		const struct vs *v = &l->l_vs[i];

		if (!cfg_addr_equal(&v->v_vip, vip))
			continue;
		found = 1;
		if (v->v_failed) {
			snprintf(why, len, "virtual %s FAILED: %s", v->v_name,
			    v->v_why);
			return 0;
		}
		if (!serves(v, lb_state_find(cur, &v->v_key))) {
			snprintf(why, len, "virtual %s has no real server up",
			    v->v_name);
			return 0;
		}
	}
	if (!found)
		snprintf(why, len, "no virtual service on this address");
	return found;
}

/* ---- status ---- */

static const char *
health_name(enum health h)
{
	return h == H_UP ? "up" : h == H_DOWN ? "down" : "unknown";
}

/* Whether r is in the load balancer as last applied, and its weight. */
static int
applied_weight(const struct lvs *l, const struct vs *v, const struct rs *r)
{
	const struct lb_service *s;
	const struct lb_dest *d;

	if (!l->l_active || l->l_lb == NULL ||
	    (s = lb_state_find(lb_current(l->l_lb), &v->v_key)) == NULL)
		return -1;
	d = lb_service_find_dest(s, &r->r_addr,
	    v->v_key.ks_fwmark != 0 ? 0 : r->r_port);
	return d != NULL ? d->d_weight : -1;
}

void
lvs_each_server(const struct lvs *l,
    void (*fn)(const struct lvs_server_view *, void *), void *arg)
{
	struct lvs_server_view sv;
	char a[CFG_ADDR_STRLEN];

	for (size_t i = 0; i < l->l_nvs; i++)
		for (size_t j = 0; j < l->l_vs[i].v_nrs; j++) {
			const struct vs *v = &l->l_vs[i];
			const struct rs *r = &v->v_rs[j];
			int w = applied_weight(l, v, r);

			memset(&sv, 0, sizeof(sv));
			sv.sv_virtual = v->v_name;
			sv.sv_server = r->r_name;
			sv.sv_address = cfg_addr_str(&r->r_addr, a, sizeof(a));
			sv.sv_port = r->r_port;
			sv.sv_up = r->r_health == H_UP;
			sv.sv_health_known = r->r_health != H_UNKNOWN;
			sv.sv_weight = w < 0 ? 0 : w;
			sv.sv_in_lb = w >= 0;
			sv.sv_admin = (int)r->r_admin;
			sv.sv_failures = r->r_failures;
			sv.sv_hist = r->r_hist;
			sv.sv_lat_count = r->r_lat_count;
			sv.sv_lat_sum_ms = r->r_lat_sum_ms;
			fn(&sv, arg);
		}
}

static json_t *
rs_json(const struct lvs *l, const struct vs *v, const struct rs *r)
{
	char a[CFG_ADDR_STRLEN];
	int w = applied_weight(l, v, r);

	/* the load balancer cannot reach it: down, whatever nanny says */
	if (r->r_lbfault[0] != '\0')
		w = -1;
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:b, s:s, s:s, s:s, "
	    "s:I, s:I, s:I, s:I, s:s}",
	    "name", r->r_name, "address", cfg_addr_str(&r->r_addr, a,
	    sizeof(a)), "port", r->r_port, "weight_config", r->r_cfg_weight,
	    "weight", w < 0 ? 0 : w, "in_lb", w >= 0,
	    "health", r->r_lbfault[0] != '\0' ? "down" :
	    health_name(r->r_health),
	    "admin", srvadmin_name(r->r_admin), "reason", r->r_lbfault[0] !=
	    '\0' ? r->r_lbfault : r->r_reason,
	    "latency_ms", (json_int_t)r->r_latency_ms,
	    "fails", (json_int_t)r->r_fails, "checks", (json_int_t)r->r_checks,
	    "since", (json_int_t)r->r_since, "lb_fault", r->r_lbfault);
}

json_t *
lvs_json(const struct lvs *l)
{
	json_t *a = json_array(), *servers, *o;
	char key[LB_KEY_STRLEN], sorry[CFG_ADDR_STRLEN];
	const struct cfg_virtual *cv;

	for (size_t i = 0; i < l->l_nvs; i++) {
		const struct vs *v = &l->l_vs[i];

		servers = json_array();
		for (size_t j = 0; j < v->v_nrs; j++)
			json_array_append_new(servers, rs_json(l, v,
			    &v->v_rs[j]));
		cv = config_find_virtual(l->l_cfg, v->v_name);
		o = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:o}", "name",
		    v->v_name, "service", lb_svc_key_str(&v->v_key, key,
		    sizeof(key)), "scheduler", cv != NULL ? cfg_scheduler_name(
		    cv->vs_scheduler) : "?", "active", l->l_active,
		    "state", v->v_failed ? "FAILED" : "ok",
		    "state_reason", v->v_why, "servers", servers);
		if (cv != NULL && cfg_addr_is_set(&cv->vs_sorry_server))
			json_object_set_new(o, "sorry_server", json_string(
			    cfg_addr_str(&cv->vs_sorry_server, sorry,
			    sizeof(sorry))));
		json_array_append_new(a, o);
	}
	return a;
}

/* ---- the kernel's counters ---- */

const char *
lvs_virtual_name(const struct lvs *l, const struct lb_svc_key *k)
{
	const struct vs *v = vs_for_key(l, k);

	return v != NULL ? v->v_name : NULL;
}

const char *
lvs_server_name(const struct lvs *l, const struct lb_svc_key *k,
    const struct cfg_addr *a, uint16_t port)
{
	const struct vs *v = vs_for_key(l, k);
	struct lb_dest d;
	const struct rs *r;

	if (v == NULL)
		return NULL;
	memset(&d, 0, sizeof(d));
	d.d_addr = *a;
	d.d_port = port;
	r = rs_for_dest(v, &d);
	return r != NULL ? r->r_name : NULL;
}

int
lvs_stats(const struct lvs *l, struct lb_stats *st)
{
	if (!l->l_active || l->l_lb == NULL)
		return -1;
	return lb_stats_read(l->l_lb, st);
}

static json_t *
counters_json(json_t *o, const struct lb_counters *c, int totals)
{
	if (totals)
		json_object_set_new(o, "conns", json_integer(
		    (json_int_t)c->lc_conns));
	json_object_set_new(o, "inpkts", json_integer((json_int_t)c->lc_inpkts));
	json_object_set_new(o, "outpkts", json_integer(
	    (json_int_t)c->lc_outpkts));
	json_object_set_new(o, "inbytes", json_integer(
	    (json_int_t)c->lc_inbytes));
	json_object_set_new(o, "outbytes", json_integer(
	    (json_int_t)c->lc_outbytes));
	return o;
}

static json_t *
svc_stats_json(const struct lvs *l, const struct lb_svc_stats *s, int totals)
{
	char key[LB_KEY_STRLEN], a[CFG_ADDR_STRLEN];
	const char *name = lvs_virtual_name(l, &s->ss_key), *rn;
	json_t *servers = json_array(), *o;

	for (size_t j = 0; j < s->ss_ndests; j++) {
		const struct lb_dest_stats *d = &s->ss_dests[j];

		rn = lvs_server_name(l, &s->ss_key, &d->ds_addr, d->ds_port);
		o = json_pack("{s:s, s:s, s:i, s:i, s:I, s:I}", "name",
		    rn != NULL ? rn : "sorry", "address", cfg_addr_str(
		    &d->ds_addr, a, sizeof(a)), "port", d->ds_port, "weight",
		    d->ds_weight, "active", (json_int_t)d->ds_active,
		    "inactive", (json_int_t)d->ds_inactive);
		json_array_append_new(servers, counters_json(o, &d->ds_c,
		    totals));
	}
	o = json_pack("{s:s, s:s, s:o}", "name", name != NULL ? name : "?",
	    "service", lb_svc_key_str(&s->ss_key, key, sizeof(key)),
	    "servers", servers);
	return counters_json(o, &s->ss_c, totals);
}

json_t *
lvs_lb_json(const struct lvs *l, char *err, size_t errlen)
{
	struct lb_stats st;
	json_t *o, *svcs = json_array();

	memset(&st, 0, sizeof(st));
	o = json_pack("{s:b, s:I}", "active", l->l_active && l->l_lb != NULL,
	    "time_ms", (json_int_t)clock_monotonic_ms());
	if (l->l_active && l->l_lb != NULL) {
		if (lb_stats_read(l->l_lb, &st) == -1) {
			snprintf(err, errlen, "cannot read the load balancer's "
			    "counters (see pulse's log)");
			json_decref(o);
			json_decref(svcs);
			return NULL;
		}
		json_object_set_new(o, "backend", json_string(
		    cfg_lb_backend_name(lb_kind(l->l_lb))));
		for (size_t i = 0; i < st.ls_nsvcs; i++)
			json_array_append_new(svcs, svc_stats_json(l,
			    &st.ls_svcs[i], st.ls_totals));
	}
	json_object_set_new(o, "totals", json_boolean(st.ls_totals));
	json_object_set_new(o, "services", svcs);
	lb_stats_clear(&st);
	return o;
}
