/*
 * api_push.c - pushing the configuration to every node (src/sync).
 *
 * POST /push starts one push on shoal-web's event loop
 * (sync_push_start()) and answers 202 with a job id at once; the page
 * polls GET /push/{id}, which reads the job's per-node table as sync's
 * event callback fills it.  One push at a time; the last PUSH_KEEP jobs
 * are kept for reading.  Starting and finishing are audited.  At exit a
 * running push is cancelled (its job says so).
 *
 * The watch (push_watch, seconds; 0 off): before the push, the cluster's
 * health as the local pulse sees it (push_watch.h) and the generation it
 * runs; once the push committed somewhere, a sample every WATCH_TICK_MS
 * for the window.  Worse than before for WATCH_BAD_TICKS samples in a row
 * (or at the window's end, real servers not checked yet counting as down):
 * that generation is made current again (store_rollback()) and pushed to
 * the same nodes, a job of its own that the watched job names; its end
 * gives the verdict, with each node's generation when it failed.  A new
 * push supersedes a running watch.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "sync/sync.h"
#include "api.h"
#include "push_watch.h"
#include "web.h"

#define PUSH_KEEP		16
#define PUSH_MAX_NODES		64
#define WATCH_TICK_MS		1000
#define WATCH_BAD_TICKS		3
#define WATCH_PULSE_MS		500

enum watch_state {
	W_OFF,			/* push_watch = 0 */
	W_UNWATCHED,		/* cannot watch: pw_reason says why */
	W_WAITING,		/* the push runs */
	W_WATCHING,
	W_PASSED,
	W_ROLLING_BACK,
	W_ROLLED_BACK,
	W_ROLLBACK_FAILED,
	W_SUPERSEDED,		/* a newer push started */
	W_INTERRUPTED,		/* shoal-web stopped */
};

static const char *const watch_names[] = {
	"off", "unwatched", "waiting", "watching", "passed", "rolling_back",
	"rolled_back", "rollback_failed", "superseded", "interrupted",
};

struct push_watch {
	enum watch_state	 pw_state;
	unsigned		 pw_secs;
	char			 pw_reason[512];
	char			 pw_why[384];	/* what got worse */
	struct pw_health	 pw_base;
	struct pw_health	 pw_now;	/* the last sample */
	struct event		*pw_timer;
	uint64_t		 pw_end;	/* monotonic ms */
	int			 pw_bad;	/* worse samples in a row */
	unsigned		 pw_rollback_id;	/* its job; 0 none */
	uint64_t		 pw_rollback_gen;	/* made current */
};

struct push_job {
	unsigned int		 pj_id;
	int			 pj_done;
	int			 pj_rc;		/* sync_push()'s */
	int			 pj_cancelled;	/* stopped at exit */
	int64_t			 pj_started;
	uint64_t		 pj_generation;
	char			 pj_user[HTTP_USER_MAX];
	size_t			 pj_n;
	struct sync_node	 pj_nodes[PUSH_MAX_NODES];
	char			*pj_only[PUSH_MAX_NODES + 1];	/* so_nodes */
	struct sync_opts	 pj_opts;	/* lives as long as the run */
	struct web		*pj_web;
	struct push_watch	 pj_watch;
	unsigned int		 pj_rollback_of;	/* 0: a push by a user */
};

struct api_push {
	struct push_job		*ap_jobs[PUSH_KEEP];
	unsigned int		 ap_next_id;
	struct push_job		*ap_running;	/* NULL: none */
	struct sync_run		*ap_run;	/* ap_running's */
	/* for /metrics: since start */
	uint64_t		 ap_outcomes[API_PUSH__MAX];
	int64_t			 ap_last_ms;	/* last push's end (Unix ms) */
	size_t			 ap_ngens;
	struct api_push_gen	 ap_gens[PUSH_MAX_NODES];
	struct push_job		*ap_watched;	/* watching; NULL: none */
};

static void watch_committed(struct push_job *, int rc);
static void watch_rollback_done(struct push_job *rj, int rc);

static const char *const push_outcome_names[API_PUSH__MAX] = {
	[API_PUSH_OK] = "ok",
	[API_PUSH_FAILED] = "failed",
	[API_PUSH_NOT_STARTED] = "not_started",
	[API_PUSH_INTERRUPTED] = "interrupted",
};

const char *
api_push_outcome_name(enum api_push_outcome o)
{
	return push_outcome_names[o];
}

/* The generation node has as far as the last push said; added when new. */
static void
push_note_gen(struct api_push *ap, const char *node, uint64_t gen)
{
	size_t i;

	for (i = 0; i < ap->ap_ngens; i++)
		if (strcmp(ap->ap_gens[i].pg_node, node) == 0)
			break;
	if (i == ap->ap_ngens) {
		if (i == PUSH_MAX_NODES)
			return;
		str_copy(ap->ap_gens[i].pg_node, node,
		    sizeof(ap->ap_gens[i].pg_node));
		ap->ap_ngens++;
	}
	ap->ap_gens[i].pg_generation = gen;
}

/* The counters /metrics shows, from a push that ended. */
static void
push_count(struct api_push *ap, const struct push_job *j,
    const struct sync_result *res, int rc)
{
	const struct sync_node *n;
	enum api_push_outcome o;
	size_t i;

	o = j->pj_cancelled ? API_PUSH_INTERRUPTED : rc == 0 ? API_PUSH_OK :
	    rc == 1 ? API_PUSH_FAILED : API_PUSH_NOT_STARTED;
	ap->ap_outcomes[o]++;
	ap->ap_last_ms = (int64_t)time(NULL) * 1000;
	for (i = 0; res != NULL && i < res->sr_n; i++) {
		n = &res->sr_nodes[i];
		if (n->sn_state == SYNC_COMMITTED)
			push_note_gen(ap, n->sn_name, res->sr_generation);
		else if (n->sn_generation != 0)
			push_note_gen(ap, n->sn_name, n->sn_generation);
	}
}

const struct api_push_stats *
api_push_stats(const struct api_push *ap, struct api_push_stats *st)
{
	memcpy(st->ps_outcomes, ap->ap_outcomes, sizeof(st->ps_outcomes));
	st->ps_last_ms = ap->ap_last_ms;
	st->ps_ngens = ap->ap_ngens;
	st->ps_gens = ap->ap_gens;
	return st;
}

/* The job's line for a node; appended when new. */
static struct sync_node *
push_node(struct push_job *j, const char *name)
{
	size_t i;

	for (i = 0; i < j->pj_n; i++)
		if (strcmp(j->pj_nodes[i].sn_name, name) == 0)
			return &j->pj_nodes[i];
	if (j->pj_n == PUSH_MAX_NODES)
		return NULL;
	memset(&j->pj_nodes[j->pj_n], 0, sizeof(j->pj_nodes[0]));
	str_copy(j->pj_nodes[j->pj_n].sn_name, name,
	    sizeof(j->pj_nodes[0].sn_name));
	return &j->pj_nodes[j->pj_n++];
}

/* sync's progress callback, on the loop. */
static void
push_event(const struct sync_node *n, void *arg)
{
	struct push_job *j = arg;
	struct sync_node *slot;

	if ((slot = push_node(j, n->sn_name)) != NULL)
		*slot = *n;
}

static void
push_audit(struct push_job *j, const char *action, const char *detail)
{
	char actor[HTTP_USER_MAX + 8];

	snprintf(actor, sizeof(actor), "web:%s", j->pj_user);
	if (store_audit_add(j->pj_web->w_store, actor, action, detail) == -1)
		log_warnx("audit row for %s by %s not written", action, actor);
}

/* The end of a push: the final table, the log line, the audit row. */
static void
push_finish(struct push_job *j, struct sync_result *res, int rc)
{
	struct api_push *ap = j->pj_web->w_push;
	struct sync_node *slot;
	char detail[128];
	size_t i;

	for (i = 0; res != NULL && i < res->sr_n; i++)
		if ((slot = push_node(j, res->sr_nodes[i].sn_name)) != NULL)
			*slot = res->sr_nodes[i];
	if (res != NULL)
		j->pj_generation = res->sr_generation;
	j->pj_rc = rc;
	j->pj_done = 1;
	push_count(ap, j, res, rc);
	ap->ap_running = NULL;
	ap->ap_run = NULL;
	snprintf(detail, sizeof(detail), "generation %llu: %s",
	    (unsigned long long)j->pj_generation, j->pj_cancelled ?
	    "interrupted by shutdown" : rc == 0 ? "every node committed" :
	    rc == 1 ? "some nodes failed" : "not started");
	log_info("push %u by %s: %s", j->pj_id, j->pj_user, detail);
	push_audit(j, "push-done", detail);
	if (j->pj_rollback_of != 0)
		watch_rollback_done(j, rc);
	else
		watch_committed(j, rc);
}

/* sync's end of the run, on the loop. */
static void
push_done(struct sync_result *res, int rc, void *arg)
{
	push_finish(arg, res, rc);
	sync_result_free(res);
}

/* Starts j's run on the loop; when sync cannot, the job ends at once. */
static void
push_run(struct api_push *ap, struct push_job *j)
{
	struct web *w = j->pj_web;
	struct sync_opts *o = &j->pj_opts;

	memset(o, 0, sizeof(*o));
	o->so_db = w->w_db_path;
	o->so_known_hosts = w->w_known_hosts;
	o->so_identity = w->w_ssh_key;
	o->so_nodes = j->pj_only[0] != NULL ?
	    (const char *const *)j->pj_only : NULL;
	o->so_event = push_event;
	o->so_arg = j;
	ap->ap_running = j;
	if ((ap->ap_run = sync_push_start(w->w_base, o, push_done, j)) ==
	    NULL)
		push_finish(j, NULL, -1);
}

/*
 * The nodes a push targets, as pending lines, so that the page shows
 * every node from the start.  -1 with a 400 in rp for an unknown name.
 */
static int
push_targets(struct http_req *rq, struct http_reply *rp,
    struct push_job *j)
{
	struct shoal_config *c;
	struct cfg_node_list peers;
	struct cfg_node *n;
	struct sync_opts o;
	struct sync_node *slot;
	char a[CFG_ADDR_STRLEN];

	if ((c = api_load(rq, rp)) == NULL)
		return -1;
	memset(&o, 0, sizeof(o));
	o.so_nodes = j->pj_only[0] != NULL ? (const char *const *)j->pj_only :
	    NULL;
	TAILQ_INIT(&peers);
	if (sync_peers(c, &o, &peers) == -1) {
		config_free(c);
		http_reply_field(rp, "nodes", "not a node of the cluster, or "
		    "the local node cannot be told apart");
		return -1;
	}
	j->pj_watch.pw_secs = c->c_global.g_push_watch;
	TAILQ_FOREACH(n, &peers, n_entry) {
		if ((slot = push_node(j, n->n_name)) == NULL)
			break;
		str_copy(slot->sn_addr, cfg_addr_str(&n->n_address, a,
		    sizeof(a)), sizeof(slot->sn_addr));
		slot->sn_state = SYNC_PENDING;
	}
	cfg_node_list_free(&peers);
	config_free(c);
	return 0;
}

/* Reads the optional {"nodes": [names]}; -1 with a 400 in rp. */
static int
push_body(struct http_req *rq, struct http_reply *rp, struct push_job *j)
{
	static const char *const keys[] = { "nodes", NULL };
	const json_t *a, *v;
	struct diag d;
	size_t i;

	if (rq->rq_json == NULL)
		return 0;
	diag_init(&d);
	api_only(rq->rq_json, keys, &d);
	a = json_object_get(rq->rq_json, "nodes");
	if (a != NULL && (!json_is_array(a) ||
	    json_array_size(a) > PUSH_MAX_NODES))
		diag_add(&d, DIAG_ERROR, NULL, 0, 0, "nodes", "array of at "
		    "most %d node names expected", PUSH_MAX_NODES);
	else if (a != NULL)
		json_array_foreach(a, i, v) {
			if (!json_is_string(v)) {
				diag_add(&d, DIAG_ERROR, NULL, 0, 0, "nodes",
				    "array of node names expected");
				break;
			}
			j->pj_only[i] = strdup(json_string_value(v));
		}
	if (diag_errors(&d) > 0) {
		http_reply_diag(rp, &d);
		diag_clear(&d);
		return -1;
	}
	diag_clear(&d);
	return 0;
}

static void
push_job_free(struct push_job *j)
{
	size_t i;

	if (j == NULL)
		return;
	if (j->pj_watch.pw_timer != NULL)
		event_free(j->pj_watch.pw_timer);
	for (i = 0; i < PUSH_MAX_NODES; i++)
		free(j->pj_only[i]);
	free(j);
}

/* ---- the watch after a push, and the rollback ---- */

static struct push_job *
job_find(struct api_push *ap, unsigned int id)
{
	for (size_t i = 0; i < PUSH_KEEP; i++)
		if (ap->ap_jobs[i] != NULL && ap->ap_jobs[i]->pj_id == id)
			return ap->ap_jobs[i];
	return NULL;
}

/* Gives j the next id and a slot (freeing the oldest job there). */
static void
job_add(struct api_push *ap, struct push_job *j)
{
	int slot;

	j->pj_id = ap->ap_next_id++;
	slot = (int)(j->pj_id % PUSH_KEEP);
	if (ap->ap_jobs[slot] != NULL && ap->ap_jobs[slot] == ap->ap_watched)
		ap->ap_watched = NULL;
	push_job_free(ap->ap_jobs[slot]);
	ap->ap_jobs[slot] = j;
}

/* The watch's new state and why: logged, audited when it is a verdict. */
static void __attribute__((format(printf, 3, 4)))
watch_set(struct push_job *j, enum watch_state s, const char *fmt, ...)
{
	struct push_watch *pw = &j->pj_watch;
	char detail[640];
	va_list ap;

	pw->pw_state = s;
	va_start(ap, fmt);
	vsnprintf(pw->pw_reason, sizeof(pw->pw_reason), fmt, ap);
	va_end(ap);
	if (s == W_WAITING || s == W_WATCHING || s == W_OFF)
		return;
	snprintf(detail, sizeof(detail), "push %u: %s: %s", j->pj_id,
	    watch_names[s], pw->pw_reason);
	if (s == W_PASSED || s == W_SUPERSEDED || s == W_UNWATCHED)
		log_info("%s", detail);
	else
		log_warnx("%s", detail);
	push_audit(j, "push-watch", detail);
}

/* Ends j's sampling (the state says why). */
static void
watch_stop(struct push_job *j)
{
	struct api_push *ap = j->pj_web->w_push;

	if (j->pj_watch.pw_timer != NULL) {
		event_free(j->pj_watch.pw_timer);
		j->pj_watch.pw_timer = NULL;
	}
	if (ap->ap_watched == j)
		ap->ap_watched = NULL;
}

/*
 * Before the push: the baseline, and the generation to go back to (the
 * one pulse runs, which this store must hold, with the same hash).
 */
static void
watch_prepare(struct push_job *j)
{
	struct push_watch *pw = &j->pj_watch;
	struct web *w = j->pj_web;
	struct store_gen g;
	char err[256];

	if (pw->pw_secs == 0) {
		watch_set(j, W_OFF, "push_watch = 0");
		return;
	}
	if (pw_health_read(w->w_rundir, WATCH_PULSE_MS, &pw->pw_base, err,
	    sizeof(err)) == -1) {
		watch_set(j, W_UNWATCHED, "no health to compare with: %s",
		    err);
		return;
	}
	if (pw->pw_base.ph_generation == j->pj_generation) {
		watch_set(j, W_UNWATCHED, "node %s already runs generation "
		    "%llu: nothing to compare", pw->pw_base.ph_node,
		    (unsigned long long)j->pj_generation);
		return;
	}
	if (store_history_get(w->w_store, pw->pw_base.ph_generation,
	    &g) != 0 || strcmp(g.sg_hash, pw->pw_base.ph_hash) != 0) {
		watch_set(j, W_UNWATCHED, "node %s runs generation %llu, "
		    "which this database does not hold: nothing to roll back "
		    "to", pw->pw_base.ph_node,
		    (unsigned long long)pw->pw_base.ph_generation);
		return;
	}
	watch_set(j, W_WAITING, "health read from node %s before the push",
	    pw->pw_base.ph_node);
}

/* Makes the baseline's generation current again and pushes it. */
static void
watch_rollback(struct push_job *j, const char *why)
{
	struct api_push *ap = j->pj_web->w_push;
	struct push_watch *pw = &j->pj_watch;
	struct push_job *rj = NULL;
	struct store_gen gen;
	struct diag d;
	const struct diag_item *di;
	char actor[HTTP_USER_MAX + 32];
	size_t i;

	watch_stop(j);
	str_copy(pw->pw_why, why, sizeof(pw->pw_why));
	diag_init(&d);
	snprintf(actor, sizeof(actor), "web:%s (rollback of push %u)",
	    j->pj_user, j->pj_id);
	if (ap->ap_running != NULL) {
		watch_set(j, W_ROLLBACK_FAILED, "%s; not rolled back: another "
		    "push is running", why);
		goto done;
	}
	if (store_rollback(j->pj_web->w_store, pw->pw_base.ph_generation,
	    actor, &gen, &d) == -1) {
		di = TAILQ_FIRST(&d.d_items);
		watch_set(j, W_ROLLBACK_FAILED, "%s; not rolled back: "
		    "generation %llu cannot be made current again (%s); every "
		    "node that committed stays on generation %llu", why,
		    (unsigned long long)pw->pw_base.ph_generation,
		    di != NULL ? di->di_msg : "store error",
		    (unsigned long long)j->pj_generation);
		goto done;
	}
	if ((rj = calloc(1, sizeof(*rj))) == NULL)
		goto nomem;
	rj->pj_web = j->pj_web;
	rj->pj_started = time(NULL);
	rj->pj_generation = gen.sg_generation;
	rj->pj_rollback_of = j->pj_id;
	rj->pj_watch.pw_state = W_OFF;
	str_copy(rj->pj_user, j->pj_user, sizeof(rj->pj_user));
	for (i = 0; i < PUSH_MAX_NODES && j->pj_only[i] != NULL; i++)
		if ((rj->pj_only[i] = strdup(j->pj_only[i])) == NULL)
			goto nomem;
	for (i = 0; i < j->pj_n; i++) {
		rj->pj_nodes[i] = j->pj_nodes[i];
		rj->pj_nodes[i].sn_state = SYNC_PENDING;
		rj->pj_nodes[i].sn_reason = SYNC_R_NONE;
		rj->pj_nodes[i].sn_msg[0] = '\0';
	}
	rj->pj_n = j->pj_n;
	job_add(ap, rj);
	pw->pw_rollback_id = rj->pj_id;
	pw->pw_rollback_gen = gen.sg_generation;
	watch_set(j, W_ROLLING_BACK, "%s; pushing generation %llu back (as "
	    "generation %llu, push %u)", why,
	    (unsigned long long)pw->pw_base.ph_generation,
	    (unsigned long long)gen.sg_generation, rj->pj_id);
	push_run(ap, rj);
	goto done;
nomem:
	push_job_free(rj);
	watch_set(j, W_ROLLBACK_FAILED, "%s; not rolled back: out of memory "
	    "(generation %llu is current again in this database: push it)",
	    why, (unsigned long long)gen.sg_generation);
done:
	diag_clear(&d);
}

static void
watch_tick(evutil_socket_t fd, short what, void *arg)
{
	struct push_job *j = arg;
	struct push_watch *pw = &j->pj_watch;
	struct timeval tv = { WATCH_TICK_MS / 1000, 0 };
	char why[384], err[256];
	int final = clock_monotonic_ms() >= pw->pw_end, worse;

	(void)fd;
	(void)what;
	if (pw_health_read(j->pj_web->w_rundir, WATCH_PULSE_MS, &pw->pw_now,
	    err, sizeof(err)) == -1) {
		snprintf(why, sizeof(why), "pulse on this station does not "
		    "answer: %s", err);
		worse = 1;
	} else
		worse = pw_worse(&pw->pw_base, &pw->pw_now, final, why,
		    sizeof(why));
	pw->pw_bad = worse ? pw->pw_bad + 1 : 0;
	if (worse && (final || pw->pw_bad >= WATCH_BAD_TICKS)) {
		watch_rollback(j, why);
		return;
	}
	if (final) {
		watch_stop(j);
		watch_set(j, W_PASSED, "no worse than before the push for %u s",
		    pw->pw_secs);
		return;
	}
	evtimer_add(pw->pw_timer, &tv);
}

/* The push ended: watch when it committed somewhere. */
static void
watch_committed(struct push_job *j, int rc)
{
	struct push_watch *pw = &j->pj_watch;
	struct timeval tv = { WATCH_TICK_MS / 1000, 0 };
	size_t i, n = 0;

	if (pw->pw_state != W_WAITING)
		return;
	for (i = 0; i < j->pj_n; i++)
		n += j->pj_nodes[i].sn_state == SYNC_COMMITTED;
	if (j->pj_cancelled) {
		watch_set(j, W_INTERRUPTED, "shoal-web stopped");
		return;
	}
	if (rc == -1 || n == 0) {
		watch_set(j, W_UNWATCHED, "the push committed on no node");
		return;
	}
	pw->pw_timer = evtimer_new(j->pj_web->w_base, watch_tick, j);
	if (pw->pw_timer == NULL) {
		watch_set(j, W_UNWATCHED, "out of memory");
		return;
	}
	pw->pw_end = clock_monotonic_ms() + (uint64_t)pw->pw_secs * 1000;
	j->pj_web->w_push->ap_watched = j;
	watch_set(j, W_WATCHING, "%zu node%s committed; watching for %u s",
	    n, n == 1 ? "" : "s", pw->pw_secs);
	evtimer_add(pw->pw_timer, &tv);
}

/* A rollback push ended: the watched job's verdict. */
static void
watch_rollback_done(struct push_job *rj, int rc)
{
	struct push_job *j = job_find(rj->pj_web->w_push, rj->pj_rollback_of);
	char nodes[512] = "";
	const struct sync_node *n;
	size_t i, len = 0;

	if (j == NULL || j->pj_watch.pw_state != W_ROLLING_BACK)
		return;
	for (i = 0; i < rj->pj_n; i++) {
		n = &rj->pj_nodes[i];
		if (n->sn_state == SYNC_COMMITTED)
			continue;
		if (len < sizeof(nodes))
			len += (size_t)snprintf(nodes + len, sizeof(nodes) -
			    len, "%s%s: %s, on generation %llu", len > 0 ?
			    "; " : "", n->sn_name, n->sn_reason != SYNC_R_NONE ?
			    sync_reason_name(n->sn_reason) : sync_state_name(
			    n->sn_state), (unsigned long long)n->sn_generation);
	}
	if (rc == 0)
		watch_set(j, W_ROLLED_BACK, "%s; every node is back on "
		    "generation %llu's configuration (generation %llu)",
		    j->pj_watch.pw_why,
		    (unsigned long long)j->pj_watch.pw_base.ph_generation,
		    (unsigned long long)rj->pj_generation);
	else
		watch_set(j, W_ROLLBACK_FAILED, "%s; the rollback (push %u) "
		    "did not reach every node: %s", j->pj_watch.pw_why,
		    rj->pj_id, nodes[0] != '\0' ? nodes : "not started");
}

void
api_push_start(struct http_req *rq, struct http_reply *rp)
{
	struct api_push *ap = rq->rq_web->w_push;
	struct push_job *j;
	struct store_gen gen;
	char detail[64];

	if (ap->ap_running != NULL) {
		http_reply_error(rp, 409, "a push is already running");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		http_reply_error(rp, 500, "out of memory");
		return;
	}
	j->pj_web = rq->rq_web;
	j->pj_started = time(NULL);
	str_copy(j->pj_user, rq->rq_user, sizeof(j->pj_user));
	if (push_body(rq, rp, j) == -1 || push_targets(rq, rp, j) == -1) {
		push_job_free(j);
		return;
	}
	if (store_current(rq->rq_web->w_store, &gen) == 0)
		j->pj_generation = gen.sg_generation;
	job_add(ap, j);
	if (ap->ap_watched != NULL) {
		watch_set(ap->ap_watched, W_SUPERSEDED, "push %u started",
		    j->pj_id);
		watch_stop(ap->ap_watched);
	}
	watch_prepare(j);
	snprintf(detail, sizeof(detail), "push %u of generation %llu",
	    j->pj_id, (unsigned long long)j->pj_generation);
	api_audit(rq, "push", detail);
	push_run(ap, j);	/* a failure to start shows in the job */
	snprintf(detail, sizeof(detail), "%u", j->pj_id);
	http_reply_json(rp, 202, json_pack("{s:s,s:I}", "id", detail,
	    "generation", (json_int_t)j->pj_generation));
}

/* The watch as JSON (push_json's "watch"). */
static json_t *
watch_json(const struct push_job *j)
{
	const struct push_watch *pw = &j->pj_watch;
	json_t *o;

	o = json_pack("{s:s,s:i,s:s}", "state", watch_names[pw->pw_state],
	    "seconds", (int)pw->pw_secs, "reason", pw->pw_reason);
	if (pw->pw_state >= W_WAITING)
		json_object_set_new(o, "before", pw_health_json(&pw->pw_base));
	if (pw->pw_now.ph_node[0] != '\0')
		json_object_set_new(o, "last", pw_health_json(&pw->pw_now));
	if (pw->pw_state == W_WATCHING)
		json_object_set_new(o, "remaining_ms", json_integer(
		    (json_int_t)(pw->pw_end > clock_monotonic_ms() ?
		    pw->pw_end - clock_monotonic_ms() : 0)));
	if (pw->pw_rollback_id != 0) {
		json_object_set_new(o, "rollback_push", json_integer(
		    pw->pw_rollback_id));
		json_object_set_new(o, "rolled_back_to", json_integer(
		    (json_int_t)pw->pw_base.ph_generation));
	}
	return o;
}

/* A job as JSON. */
static json_t *
push_json(const struct push_job *j)
{
	const struct sync_node *n;
	json_t *a = json_array(), *o;
	char id[16];
	size_t i;

	for (i = 0; i < j->pj_n; i++) {
		n = &j->pj_nodes[i];
		o = json_pack("{s:s,s:s,s:s,s:s}", "name", n->sn_name,
		    "address", n->sn_addr, "state", sync_state_name(
		    n->sn_state), "reason", n->sn_reason == SYNC_R_NONE ? "" :
		    sync_reason_name(n->sn_reason));
		json_object_set_new(o, "message", json_string(n->sn_msg));
		if (n->sn_fp[0] != '\0')
			json_object_set_new(o, "fingerprint",
			    json_string(n->sn_fp));
		if (n->sn_generation > 0)
			json_object_set_new(o, "generation",
			    json_integer((json_int_t)n->sn_generation));
		json_array_append_new(a, o);
	}
	snprintf(id, sizeof(id), "%u", j->pj_id);
	o = json_pack("{s:s,s:b,s:b,s:I,s:I,s:s,s:o}", "id", id,
	    "done", j->pj_done, "ok", j->pj_done && j->pj_rc == 0,
	    "generation", (json_int_t)j->pj_generation,
	    "started", (json_int_t)j->pj_started, "user", j->pj_user,
	    "nodes", a);
	if (j->pj_rollback_of != 0)
		json_object_set_new(o, "rollback_of", json_integer(
		    j->pj_rollback_of));
	else
		json_object_set_new(o, "watch", watch_json(j));
	if (j->pj_cancelled)
		json_object_set_new(o, "error", json_string("interrupted: "
		    "shoal-web was stopped during the push"));
	else if (j->pj_done && j->pj_rc == -1)
		json_object_set_new(o, "error", json_string("the push could "
		    "not start (see the log)"));
	return o;
}

void
api_push_get(struct http_req *rq, struct http_reply *rp)
{
	const struct api_push *ap = rq->rq_web->w_push;
	unsigned long id;
	char *end;
	json_t *o = NULL;
	size_t i;

	id = strtoul(rq->rq_params[0], &end, 10);
	for (i = 0; *end == '\0' && i < PUSH_KEEP; i++)
		if (ap->ap_jobs[i] != NULL && ap->ap_jobs[i]->pj_id == id)
			o = push_json(ap->ap_jobs[i]);
	if (o == NULL)
		http_reply_error(rp, 404, "no push %s", rq->rq_params[0]);
	else
		http_reply_json(rp, 200, o);
}

struct api_push *
api_push_new(void)
{
	struct api_push *ap;

	if ((ap = calloc(1, sizeof(*ap))) != NULL)
		ap->ap_next_id = 1;
	return ap;
}

void
api_push_cancel(struct api_push *ap)
{
	struct push_job *j = ap->ap_running;

	if (ap->ap_watched != NULL) {
		watch_set(ap->ap_watched, W_INTERRUPTED, "shoal-web stopped "
		    "during the watch");
		watch_stop(ap->ap_watched);
	}
	if (j == NULL)
		return;
	sync_run_cancel(ap->ap_run);
	j->pj_cancelled = 1;
	push_finish(j, NULL, 1);
}

void
api_push_free(struct api_push *ap)
{
	size_t i;

	if (ap == NULL)
		return;
	api_push_cancel(ap);
	for (i = 0; i < PUSH_KEEP; i++)
		push_job_free(ap->ap_jobs[i]);
	free(ap);
}
