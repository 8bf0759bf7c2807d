/*
 * ctlcmd.c - the control socket's commands (see ctlcmd.h).
 */
#include "shoal-build.h"

#include "lib/log.h"
#include "ctlcmd.h"
#include "election.h"
#include "reload.h"
#include "services.h"
#include "status.h"
#include "worker.h"

typedef json_t *(*ctlcmd_fn)(struct worker *, const struct ctl_req *);

static json_t *
error_json(const char *msg)
{
	return json_pack("{s:s}", "error", msg);
}

static json_t *
cmd_status(struct worker *w, const struct ctl_req *r)
{
	(void)r;
	return status_json(w);
}

static json_t *
cmd_reload(struct worker *w, const struct ctl_req *r)
{
	char err[256] = "";

	(void)r;
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
cmd_fos_failed(struct worker *w, const struct ctl_req *r)
{
	return fos_mark(w, r->cr_args[0], 1);
}

static json_t *
cmd_fos_ok(struct worker *w, const struct ctl_req *r)
{
	return fos_mark(w, r->cr_args[0], 0);
}

static json_t *
cmd_server(struct worker *w, const struct ctl_req *r)
{
	return services_server(w->w_svc, r->cr_args[0], r->cr_args[1],
	    r->cr_args[2]);
}

static const ctlcmd_fn handlers[CTL__MAX] = {
	[CTL_STATUS]		= cmd_status,
	[CTL_RELOAD]		= cmd_reload,
	[CTL_FOS_FAILED]	= cmd_fos_failed,
	[CTL_FOS_OK]		= cmd_fos_ok,
	[CTL_SERVER]		= cmd_server,
};

json_t *
ctlcmd_handle(const struct ctl_req *r, void *arg)
{
	return handlers[r->cr_id](arg, r);
}

void
ctlcmd_check(void)
{
	for (int i = 0; i < CTL__MAX; i++)
		if (handlers[i] == NULL)
			fatalx("control command %s has no handler",
			    ctl_cmds[i].cc_name);
}
