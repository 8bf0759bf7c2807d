/*
 * ctlcmd.c - the control socket's commands (see ctlcmd.h).
 */
#include "shoal-build.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "control.h"
#include "ctlcmd.h"
#include "drill.h"
#include "election.h"
#include "evbus.h"
#include "lvs.h"
#include "maintio.h"
#include "metrics.h"
#include "preview.h"
#include "reload.h"
#include "services.h"
#include "status.h"
#include "worker.h"

typedef json_t *(*ctlcmd_fn)(struct worker *, const struct ctl_req *,
    struct control_conn *);

static json_t *
error_json(const char *msg)
{
	return json_pack("{s:s}", "error", msg);
}

static json_t *
cmd_status(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	(void)r;
	(void)cc;
	return status_json(w);
}

static json_t *
cmd_reload(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	char err[256] = "";

	(void)r;
	(void)cc;
	if (reload_config(w, err, sizeof(err)) == -1)
		return error_json(err[0] ? err : "reload failed");
	return json_pack("{s:b, s:I}", "ok", 1, "generation",
	    (json_int_t)w->w_rt->rt_generation);
}

static json_t *
fos_mark(struct worker *w, const char *name, int failed)
{
	if (worker_fos_mark(w, name, failed) == -1)
		return error_json("no such fail-over service");
	return json_pack("{s:b, s:s}", "ok", 1, "role",
	    election_state_name(w->w_self.es_state));
}

static json_t *
cmd_fos_failed(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	(void)cc;
	return fos_mark(w, r->cr_args[0], 1);
}

static json_t *
cmd_fos_ok(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	(void)cc;
	return fos_mark(w, r->cr_args[0], 0);
}

/* "root (pid N)": who made a change when the request does not say. */
static void
caller_name(const struct control_conn *cc, char *buf, size_t len)
{
	const struct ctl_caller *cl = control_conn_caller(cc);

	snprintf(buf, len, "uid%u:pid%d", (unsigned)cl->cl_uid,
	    (int)cl->cl_pid);
}

/* The old per-node command: now cluster-wide like maint-server. */
static json_t *
cmd_server(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	char by[64];
	json_t *j;

	caller_name(cc, by, sizeof(by));
	j = maintio_change(w->w_maint, MAINT_SERVER, r->cr_args[0],
	    r->cr_args[1], r->cr_args[2], by);
	if (json_object_get(j, "error") == NULL) {
		json_object_set_new(j, "virtual", json_string(r->cr_args[1]));
		json_object_set_new(j, "server", json_string(r->cr_args[2]));
		json_object_set_new(j, "admin", json_string(r->cr_args[0]));
	}
	return j;
}

static json_t *
cmd_maint_server(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	(void)cc;
	return maintio_change(w->w_maint, MAINT_SERVER, r->cr_args[0],
	    r->cr_args[1], r->cr_args[2], r->cr_args[3]);
}

static json_t *
cmd_maint_node(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	(void)cc;
	return maintio_change(w->w_maint, MAINT_NODE, r->cr_args[0],
	    r->cr_args[1], NULL, r->cr_args[2]);
}

static json_t *
cmd_maint(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	json_t *o = maint_to_json(maintio_state(w->w_maint));

	(void)r;
	(void)cc;
	if (o != NULL)
		json_object_set_new(o, "path",
		    json_string(maintio_path(w->w_maint)));
	return o;
}

/* ---- events ---- */

struct stream {
	struct control_conn	*st_cc;
	int			 st_sub;
	int			 st_busy;	/* replaying: do not free */
	int			 st_dead;	/* the client went meanwhile */
};

/* Writes e as a line; 0, or -1 when the client was dropped. */
static int
stream_write(struct control_conn *cc, const struct shoal_event *e)
{
	json_t *j = event_to_json(e);
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	int r = -1;

	json_decref(j);
	if (s != NULL && control_conn_write(cc, s, strlen(s), 1) == 0 &&
	    control_conn_write(cc, "\n", 1, 1) == 0)
		r = 0;
	free(s);
	return r;
}

static void
stream_gone(void *arg)
{
	struct stream *st = arg;

	evbus_unsubscribe(st->st_sub);
	st->st_sub = 0;
	if (st->st_busy)
		st->st_dead = 1;
	else
		free(st);
}

static void
replay_one(const struct shoal_event *e, void *arg)
{
	struct stream *st = arg;

	if (!st->st_dead)
		(void)stream_write(st->st_cc, e);
}

static void
follow_one(const struct shoal_event *e, void *arg)
{
	struct stream *st = arg;

	(void)stream_write(st->st_cc, e);	/* -1: stream_gone() ran */
}

/* The kept events, then (follow) every new one until the client goes. */
static json_t *
events(struct control_conn *cc, int follow)
{
	struct stream *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return error_json("out of memory");
	st->st_cc = cc;
	st->st_busy = 1;
	control_conn_on_gone(cc, stream_gone, st);
	evbus_replay(0, replay_one, st);
	st->st_busy = 0;
	if (st->st_dead) {
		free(st);
		return NULL;
	}
	if (!follow)
		control_conn_end(cc, NULL);
	else if ((st->st_sub = evbus_subscribe(follow_one, st)) == -1)
		control_conn_end(cc, error_json("too many event streams"));
	return NULL;
}

static json_t *
cmd_events(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	(void)w;
	(void)r;
	return events(cc, 0);
}

static json_t *
cmd_events_follow(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	(void)w;
	(void)r;
	return events(cc, 1);
}

/* ---- metrics, pushes ---- */

static json_t *
cmd_metrics(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	size_t len = 0;
	char *text = metrics_render(w, &len);

	(void)r;
	if (text == NULL)
		return error_json("out of memory");
	/* megabytes with many real servers: handed over, not copied */
	if (control_conn_give(cc, text, len) == 0)
		control_conn_end(cc, NULL);
	return NULL;
}

static json_t *
cmd_push_done(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	int ok = strcmp(r->cr_args[1], "ok") == 0;

	(void)cc;
	if (!ok && strcmp(r->cr_args[1], "failed") != 0)
		return error_json("usage: push-done GENERATION ok|failed "
		    "COMMITTED FAILED BY");
	w->w_push[ok ? 0 : 1]++;
	log_info("push of generation %s %s (%s committed, %s failed) by %s",
	    r->cr_args[0], ok ? "finished" : "failed", r->cr_args[2],
	    r->cr_args[3], r->cr_args[4]);
	evbus_emit(EV_PUSH, r->cr_args[0], r->cr_args[1], r->cr_args[2],
	    r->cr_args[3], r->cr_args[4]);
	return json_pack("{s:b}", "ok", 1);
}

static json_t *
cmd_lb(struct worker *w, const struct ctl_req *r, struct control_conn *cc)
{
	struct lvs *l = services_lvs(w->w_svc);
	char err[256];
	json_t *j;

	(void)r;
	(void)cc;
	if (l == NULL)
		return error_json("no LVS mode here");
	if ((j = lvs_lb_json(l, err, sizeof(err))) == NULL)
		return error_json(err);
	return j;
}

static json_t *
cmd_drill(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	if (w->w_drill == NULL)
		return error_json("out of memory");
	return drill_start(w->w_drill, cc, r->cr_args[0]);
}

static json_t *
cmd_preview(struct worker *w, const struct ctl_req *r,
    struct control_conn *cc)
{
	(void)cc;
	return preview_json(services_lvs(w->w_svc), r->cr_body,
	    r->cr_bodylen);
}

static const ctlcmd_fn handlers[CTL__MAX] = {
	[CTL_STATUS]		= cmd_status,
	[CTL_RELOAD]		= cmd_reload,
	[CTL_FOS_FAILED]	= cmd_fos_failed,
	[CTL_FOS_OK]		= cmd_fos_ok,
	[CTL_SERVER]		= cmd_server,
	[CTL_EVENTS]		= cmd_events,
	[CTL_EVENTS_FOLLOW]	= cmd_events_follow,
	[CTL_METRICS]		= cmd_metrics,
	[CTL_MAINT]		= cmd_maint,
	[CTL_MAINT_SERVER]	= cmd_maint_server,
	[CTL_MAINT_NODE]	= cmd_maint_node,
	[CTL_LB]		= cmd_lb,
	[CTL_DRILL]		= cmd_drill,
	[CTL_PUSH_DONE]		= cmd_push_done,
	[CTL_PREVIEW]		= cmd_preview,
};

json_t *
ctlcmd_handle(const struct ctl_req *r, struct control_conn *cc, void *arg)
{
	return handlers[r->cr_id](arg, r, cc);
}

void
ctlcmd_check(void)
{
	for (int i = 0; i < CTL__MAX; i++)
		if (handlers[i] == NULL)
			fatalx("control command %s has no handler",
			    ctl_cmds[i].cc_name);
}
