/*
 * api_ops.c - runtime operations (issue 14) through pulse's control
 * socket: cluster-wide maintenance of real servers and nodes, the
 * fail-over drill, pulse's events (recent and live) and the load
 * balancer's counters.
 *
 * Maintenance goes through the same control commands as `shoalctl server
 * drain` and `shoalctl node standby` (maint-server, maint-node): pulse
 * makes the change cluster-wide; shoal-web checks the names, audits, and
 * says what pulse answered.  A drill runs for seconds, so it is a
 * request on the event loop (ctlasync.h): POST answers 202 at once and
 * GET /drills shows it running, then its result.  The events come from
 * one "events-follow" connection held for as long as shoal-web runs
 * (re-opened when pulse restarts) into a ring with SSE clients, the same
 * machinery as the log file's (logtail.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "ipc/ctl.h"
#include "ipc/maint.h"
#include "lib/log.h"
#include "lib/util.h"
#include "api.h"
#include "ctlasync.h"
#include "logtail.h"
#include "web.h"

#define OPS_PULSE_TIMEOUT_MS	3000
#define OPS_RETRY_S		2	/* re-open the event stream */

struct api_ops {
	struct web		*o_web;
	struct logtail		*o_events;	/* ring + SSE clients */
	struct ctlasync		*o_follow;
	struct event		*o_retry;
	int64_t			 o_boot;	/* last event's worker start */
	uint64_t		 o_seq;		/* and its number */
	int			 o_stopping;
	/* the drill shoal-web started last */
	struct ctlasync		*o_drill;
	char			 o_drill_by[HTTP_USER_MAX + 8];
	int64_t			 o_drill_started;	/* Unix ms */
	char			*o_drill_reply;		/* pulse's line */
	json_t			*o_drill_last;		/* its result */
};

/* ---- events ---- */

static void ops_follow(struct api_ops *);

/* One event line: into the ring unless it was seen (a re-opened stream
 * starts with the events pulse kept). */
static void
ops_event_line(const char *line, size_t len, void *arg)
{
	struct api_ops *o = arg;
	json_t *j = json_loadb(line, len, 0, NULL);
	int64_t boot;
	uint64_t seq;

	if (j == NULL)
		return;
	boot = json_integer_value(json_object_get(j, "boot"));
	seq = (uint64_t)json_integer_value(json_object_get(j, "seq"));
	json_decref(j);
	if (boot == o->o_boot && seq <= o->o_seq)
		return;
	o->o_boot = boot;
	o->o_seq = seq;
	logtail_feed_line(o->o_events, line, len);
}

static void
ops_follow_done(int ok, const char *err, void *arg)
{
	struct api_ops *o = arg;
	struct timeval tv = { OPS_RETRY_S, 0 };

	log_debug("pulse's event stream ended%s%s", ok ? "" : ": ",
	    ok ? "" : err);
	ctlasync_free(o->o_follow);
	o->o_follow = NULL;
	if (!o->o_stopping)
		evtimer_add(o->o_retry, &tv);
}

static void
ops_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ops_follow(arg);
}

/* Opens the event stream, or tries again in OPS_RETRY_S. */
static void
ops_follow(struct api_ops *o)
{
	struct timeval tv = { OPS_RETRY_S, 0 };
	char err[256];

	if (o->o_stopping || o->o_follow != NULL)
		return;
	o->o_follow = ctlasync_start(o->o_web->w_base, o->o_web->w_rundir,
	    CTL_EVENTS_FOLLOW, NULL, 0, ops_event_line, ops_follow_done, o,
	    err, sizeof(err));
	if (o->o_follow == NULL)
		evtimer_add(o->o_retry, &tv);
}

struct api_ops *
api_ops_new(struct web *w)
{
	struct api_ops *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->o_web = w;
	if ((o->o_events = logtail_new(NULL)) == NULL ||
	    logtail_start(o->o_events, w->w_base) == -1 ||
	    (o->o_retry = evtimer_new(w->w_base, ops_retry, o)) == NULL) {
		api_ops_free(o);
		return NULL;
	}
	ops_follow(o);
	return o;
}

void
api_ops_stop(struct api_ops *o)
{
	o->o_stopping = 1;
	logtail_close_clients(o->o_events);
	ctlasync_free(o->o_follow);
	o->o_follow = NULL;
	ctlasync_free(o->o_drill);
	o->o_drill = NULL;
	evtimer_del(o->o_retry);
}

size_t
api_ops_clients(const struct api_ops *o)
{
	return logtail_clients(o->o_events);
}

void
api_ops_free(struct api_ops *o)
{
	if (o == NULL)
		return;
	ctlasync_free(o->o_follow);
	ctlasync_free(o->o_drill);
	if (o->o_retry != NULL)
		event_free(o->o_retry);
	logtail_free(o->o_events);
	free(o->o_drill_reply);
	json_decref(o->o_drill_last);
	free(o);
}

static unsigned int
count_param(struct http_req *rq, unsigned int def)
{
	const char *s;
	long n;

	s = MHD_lookup_connection_value(rq->rq_conn, MHD_GET_ARGUMENT_KIND,
	    "count");
	if (s == NULL)
		return def;
	n = strtol(s, NULL, 10);
	return n < 0 ? 0 : n > LOGTAIL_RING ? LOGTAIL_RING : (unsigned int)n;
}

void
api_events_recent(struct http_req *rq, struct http_reply *rp)
{
	struct api_ops *o = rq->rq_web->w_ops;
	json_t *lines = logtail_recent(o->o_events, count_param(rq, 200));
	json_t *a = json_array(), *l;
	size_t i;

	/* the ring holds pulse's lines: hand out the objects */
	json_array_foreach(lines, i, l)
		json_array_append_new(a, json_loads(json_string_value(
		    json_object_get(l, "line")), 0, NULL));
	json_decref(lines);
	http_reply_json(rp, 200, json_pack("{s:b,s:o}", "following",
	    o->o_follow != NULL, "events", a));
}

void
api_events_stream(struct http_req *rq, struct http_reply *rp)
{
	struct MHD_Response *r;

	r = logtail_sse_response(rq->rq_web->w_ops->o_events, rq->rq_conn,
	    count_param(rq, 200));
	if (r == NULL) {
		http_reply_error(rp, 503, "too many event viewers");
		return;
	}
	rp->rp_status = 200;
	rp->rp_resp = r;
	rp->rp_nocache = 0;
}

/* ---- answers of pulse ---- */

/*
 * pulse's answer r (consumed) as the reply: 200 with it, or its refusal
 * (403 when the caller may not, else 409); NULL r: 503 with err.
 */
static void
pulse_reply(struct http_reply *rp, json_t *r, const char *err)
{
	const char *e;

	if (r == NULL) {
		http_reply_error(rp, 503, "pulse: %s", err);
		return;
	}
	if ((e = json_string_value(json_object_get(r, "error"))) != NULL) {
		http_reply_error(rp, json_is_true(json_object_get(r,
		    "denied")) ? 403 : 409, "pulse: %s", e);
		json_decref(r);
		return;
	}
	http_reply_json(rp, 200, r);
}

/* A read-only command's answer as the reply. */
static void
pulse_read(struct http_req *rq, struct http_reply *rp, enum ctl_cmd_id id)
{
	char err[256];
	json_t *r;

	r = ctl_call(rq->rq_web->w_rundir, id, NULL, 0, OPS_PULSE_TIMEOUT_MS,
	    err, sizeof(err));
	pulse_reply(rp, r, err);
}

void
api_maint_get(struct http_req *rq, struct http_reply *rp)
{
	pulse_read(rq, rp, CTL_MAINT);
}

void
api_lb_get(struct http_req *rq, struct http_reply *rp)
{
	pulse_read(rq, rp, CTL_LB);
}

/* ---- maintenance ---- */

/* The body's "state" for target; NULL with a 400 in rp. */
static const char *
body_state(struct http_req *rq, struct http_reply *rp,
    enum maint_target target)
{
	static const char *const keys[] = { "state", NULL };
	const char *s;
	struct diag d;

	diag_init(&d);
	if (rq->rq_json == NULL) {
		http_reply_field(rp, "body", "a JSON object with \"state\" "
		    "expected");
		return NULL;
	}
	if ((s = api_str(rq->rq_json, "state", &d)) != NULL &&
	    maint_state_from_name(target, s) == -1)
		diag_add(&d, DIAG_ERROR, NULL, 0, 0, "state", target ==
		    MAINT_SERVER ? "drain, disable or enable expected" :
		    "standby or resume expected");
	(void)api_only(rq->rq_json, keys, &d);
	if (diag_errors(&d) > 0) {
		http_reply_diag(rp, &d);
		s = NULL;
	}
	diag_clear(&d);
	return s;
}

/* 1 when the configuration has real server rs in virtual vs (404 in rp
 * otherwise, -1 and 500 when it cannot be read). */
static int
server_known(struct http_req *rq, struct http_reply *rp, const char *vs,
    const char *rs)
{
	struct shoal_config *c;
	struct cfg_virtual *v;
	struct cfg_server *s;
	int found = 0;

	if ((c = api_load(rq, rp)) == NULL)
		return -1;
	TAILQ_FOREACH(v, &c->c_virtuals, vs_entry)
		if (strcmp(v->vs_name, vs) == 0)
			TAILQ_FOREACH(s, &v->vs_servers, rs_entry)
				found |= strcmp(s->rs_name, rs) == 0;
	config_free(c);
	if (!found)
		http_reply_error(rp, 404, "no real server %s in virtual "
		    "server %s", rs, vs);
	return found;
}

static int
node_known(struct http_req *rq, struct http_reply *rp, const char *name)
{
	struct shoal_config *c;
	struct cfg_node_list nodes;
	struct cfg_node *n;
	int found = 0;

	if ((c = api_load(rq, rp)) == NULL)
		return -1;
	TAILQ_INIT(&nodes);
	if (config_effective_nodes(c, &nodes) == 0) {
		TAILQ_FOREACH(n, &nodes, n_entry)
			found |= strcmp(n->n_name, name) == 0;
		cfg_node_list_free(&nodes);
	}
	config_free(c);
	if (!found)
		http_reply_error(rp, 404, "no node %s", name);
	return found;
}

/* Sends a maintenance command, audits it, answers with pulse's reply. */
static void
maint_send(struct http_req *rq, struct http_reply *rp, enum ctl_cmd_id id,
    const char *const *args, int nargs, const char *action,
    const char *detail)
{
	char err[256];
	json_t *r;

	api_audit(rq, action, detail);
	r = ctl_call(rq->rq_web->w_rundir, id, args, nargs,
	    OPS_PULSE_TIMEOUT_MS, err, sizeof(err));
	if (r != NULL && json_object_get(r, "error") == NULL)
		log_info("web:%s: %s", rq->rq_user, detail);
	pulse_reply(rp, r, err);
}

void
api_rs_maint(struct http_req *rq, struct http_reply *rp)
{
	char by[MAINT_BY_MAX + 1], detail[2 * CFG_NAME_MAX + 64];
	const char *args[4], *state;

	if ((state = body_state(rq, rp, MAINT_SERVER)) == NULL ||
	    server_known(rq, rp, rq->rq_params[0], rq->rq_params[1]) != 1)
		return;
	api_actor(rq, by, sizeof(by));
	args[0] = state;
	args[1] = rq->rq_params[0];
	args[2] = rq->rq_params[1];
	args[3] = by;
	snprintf(detail, sizeof(detail), "%s/%s %s (cluster-wide)", args[1],
	    args[2], state);
	maint_send(rq, rp, CTL_MAINT_SERVER, args, 4, "server", detail);
}

void
api_node_maint(struct http_req *rq, struct http_reply *rp)
{
	char by[MAINT_BY_MAX + 1], detail[CFG_NAME_MAX + 64];
	const char *args[3], *state;

	if ((state = body_state(rq, rp, MAINT_NODE)) == NULL ||
	    node_known(rq, rp, rq->rq_params[0]) != 1)
		return;
	api_actor(rq, by, sizeof(by));
	args[0] = state;
	args[1] = rq->rq_params[0];
	args[2] = by;
	snprintf(detail, sizeof(detail), "node %s %s (cluster-wide)", args[1],
	    state);
	maint_send(rq, rp, CTL_MAINT_NODE, args, 3, "node", detail);
}

/* ---- drills ---- */

static void
drill_line(const char *line, size_t len, void *arg)
{
	struct api_ops *o = arg;

	free(o->o_drill_reply);
	o->o_drill_reply = strndup(line, len);
}

/* The drill's answer arrived (or the connection failed): keep it. */
static void
drill_done(int ok, const char *err, void *arg)
{
	struct api_ops *o = arg;
	json_t *r = NULL;

	if (ok && o->o_drill_reply != NULL)
		r = json_loads(o->o_drill_reply, 0, NULL);
	if (r == NULL)
		r = json_pack("{s:b,s:s}", "ok", 0, "error", ok ?
		    "pulse's answer was not a JSON object" : err);
	json_decref(o->o_drill_last);
	o->o_drill_last = r;
	log_info("drill by %s: %s%s%s", o->o_drill_by,
	    json_is_true(json_object_get(r, "ok")) ? "ok" : "FAILED",
	    json_object_get(r, "error") != NULL ? ": " : "",
	    json_object_get(r, "error") != NULL ? json_string_value(
	    json_object_get(r, "error")) : "");
	free(o->o_drill_reply);
	o->o_drill_reply = NULL;
	ctlasync_free(o->o_drill);
	o->o_drill = NULL;
}

void
api_drill_start(struct http_req *rq, struct http_reply *rp)
{
	struct api_ops *o = rq->rq_web->w_ops;
	const char *args[1];
	char err[256];

	if (o->o_drill != NULL) {
		http_reply_error(rp, 409, "a drill is already running (by %s)",
		    o->o_drill_by);
		return;
	}
	api_actor(rq, o->o_drill_by, sizeof(o->o_drill_by));
	args[0] = o->o_drill_by;
	o->o_drill = ctlasync_start(rq->rq_web->w_base, rq->rq_web->w_rundir,
	    CTL_DRILL, args, 1, drill_line, drill_done, o, err, sizeof(err));
	if (o->o_drill == NULL) {
		http_reply_error(rp, 503, "pulse: %s", err);
		return;
	}
	o->o_drill_started = (int64_t)time(NULL) * 1000;
	api_audit(rq, "drill", "fail-over drill started");
	http_reply_json(rp, 202, json_pack("{s:b,s:s,s:I}", "running", 1,
	    "by", o->o_drill_by, "started_ms", (json_int_t)o->o_drill_started));
}

/*
 * GET /drills: the one running from here, the last result shoal-web
 * got, and pulse's history of the last drills (newest first, from its
 * status; [] when pulse does not answer).
 */
void
api_drills_list(struct http_req *rq, struct http_reply *rp)
{
	struct api_ops *o = rq->rq_web->w_ops;
	char err[256];
	json_t *st, *hist;

	st = ctl_call(rq->rq_web->w_rundir, CTL_STATUS, NULL, 0,
	    OPS_PULSE_TIMEOUT_MS, err, sizeof(err));
	hist = json_incref(json_object_get(st, "drills"));
	json_decref(st);
	http_reply_json(rp, 200, json_pack("{s:b,s:s?,s:I,s:O?,s:o,s:s?}",
	    "running", o->o_drill != NULL, "by", o->o_drill != NULL ?
	    o->o_drill_by : NULL, "started_ms", (json_int_t)o->o_drill_started,
	    "last", o->o_drill_last, "drills", hist != NULL ? hist :
	    json_array(), "pulse_error", st == NULL ? err : NULL));
}
