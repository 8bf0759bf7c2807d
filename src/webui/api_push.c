/*
 * api_push.c - pushing the configuration to every node (src/sync).
 *
 * POST /push starts one push on shoal-web's event loop
 * (sync_push_start()) and answers 202 with a job id at once; the page
 * polls GET /push/{id}, which reads the job's per-node table as sync's
 * event callback fills it.  One push at a time; the last PUSH_KEEP jobs
 * are kept for reading.  Starting and finishing are audited.  At exit a
 * running push is cancelled (its job says so).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "sync/sync.h"
#include "api.h"
#include "web.h"

#define PUSH_KEEP		16
#define PUSH_MAX_NODES		64

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
};

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
	for (i = 0; i < PUSH_MAX_NODES; i++)
		free(j->pj_only[i]);
	free(j);
}

void
api_push_start(struct http_req *rq, struct http_reply *rp)
{
	struct api_push *ap = rq->rq_web->w_push;
	struct push_job *j;
	struct store_gen gen;
	char detail[64];
	int slot;

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
	j->pj_id = ap->ap_next_id++;
	slot = (int)(j->pj_id % PUSH_KEEP);
	push_job_free(ap->ap_jobs[slot]);
	ap->ap_jobs[slot] = j;
	snprintf(detail, sizeof(detail), "push %u of generation %llu",
	    j->pj_id, (unsigned long long)j->pj_generation);
	api_audit(rq, "push", detail);
	push_run(ap, j);	/* a failure to start shows in the job */
	snprintf(detail, sizeof(detail), "%u", j->pj_id);
	http_reply_json(rp, 202, json_pack("{s:s,s:I}", "id", detail,
	    "generation", (json_int_t)j->pj_generation));
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
