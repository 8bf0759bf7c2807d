/*
 * ctlcmd.c - the control socket's commands (see ctlcmd.h).
 */
#include "shoal-build.h"

#include <string.h>

#include "ctlcmd.h"
#include "election.h"
#include "reload.h"
#include "services.h"
#include "status.h"
#include "worker.h"

static json_t *
error_json(const char *msg)
{
	return json_pack("{s:s}", "error", msg);
}

static json_t *
fos_mark(struct worker *w, const char *name, int failed)
{
	if (worker_fos_mark(w, name, failed) == -1)
		return error_json("no such fail-over service");
	return json_pack("{s:b, s:s}", "ok", 1, "role",
	    election_state_name(w->w_self.es_state));
}

json_t *
ctlcmd_handle(const char *line, void *arg)
{
	struct worker *w = arg;
	char err[256] = "";
	json_t *r;

	if ((r = services_control(w->w_svc, line)) != NULL)
		return r;
	if (strcmp(line, "status") == 0)
		return status_json(w);
	if (strcmp(line, "reload") == 0) {
		if (reload_config(w, err, sizeof(err)) == -1)
			return error_json(err[0] ? err : "reload failed");
		return json_pack("{s:b, s:I}", "ok", 1, "generation",
		    (json_int_t)w->w_rt->rt_generation);
	}
	if (strncmp(line, "fos-failed ", 11) == 0)
		return fos_mark(w, line + 11, 1);
	if (strncmp(line, "fos-ok ", 7) == 0)
		return fos_mark(w, line + 7, 0);
	return error_json("unknown request (status, reload, fos-failed NAME, "
	    "fos-ok NAME, server drain|disable|enable VIRTUAL SERVER)");
}
