/*
 * ctl_cmd.c - the control socket's command table (see ctl_cmd.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <string.h>

#include "ipc/ctl_cmd.h"

const struct ctl_cmd ctl_cmds[CTL__MAX] = {
	[CTL_STATUS] = { "status", CTL_READ, 0, "",
	    "pulse's view: role, peers, VIPs, counters, services" },
	[CTL_RELOAD] = { "reload", CTL_CHANGE, 0, "",
	    "re-read the database and apply the differences" },
	[CTL_FOS_FAILED] = { "fos-failed", CTL_CHANGE, 1, "NAME",
	    "fail-over service NAME failed on this node (FAULT)" },
	[CTL_FOS_OK] = { "fos-ok", CTL_CHANGE, 1, "NAME",
	    "fail-over service NAME is healthy on this node again" },
	[CTL_SERVER] = { "server", CTL_CHANGE, 3,
	    "drain|disable|enable VIRTUAL SERVER",
	    "set a real server's admin state at run time" },
	[CTL_EVENTS] = { "events", CTL_READ, 0, "",
	    "the last events, one JSON object per line" },
	[CTL_EVENTS_FOLLOW] = { "events-follow", CTL_READ, 0, "",
	    "the last events, then each new one as it happens" },
	[CTL_METRICS] = { "metrics", CTL_READ, 0, "",
	    "Prometheus metrics (text exposition format)" },
	[CTL_MAINT] = { "maint", CTL_READ, 0, "",
	    "the cluster-wide maintenance state (drains, standbys)" },
	[CTL_MAINT_SERVER] = { "maint-server", CTL_OPERATE, 4,
	    "drain|disable|enable VIRTUAL SERVER BY",
	    "a real server's admin state, for the whole cluster" },
	[CTL_MAINT_NODE] = { "maint-node", CTL_OPERATE, 3,
	    "standby|resume NODE BY",
	    "a node out of the election (standby) or back (resume)" },
	[CTL_LB] = { "lb", CTL_READ, 0, "",
	    "the load balancer's services and real servers, with counters" },
	[CTL_DRILL] = { "drill", CTL_OPERATE, 1, "BY",
	    "hand the VIPs to a backup, measure the outage, hand them back" },
	[CTL_PUSH_DONE] = { "push-done", CTL_OPERATE, 5,
	    "GENERATION ok|failed COMMITTED FAILED BY",
	    "a push of GENERATION finished (an event for the hooks)" },
	[CTL_PREVIEW] = { "preview", CTL_READ, 1, "BYTES",
	    "what applying the lvs.cf text that follows (BYTES long) would "
	    "do to the load balancer, without doing it", 1 },
};

/* The known commands with their arguments, for an error message. */
static void
list_cmds(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < CTL__MAX && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s%s%s",
		    i > 0 ? ", " : "", ctl_cmds[i].cc_name,
		    ctl_cmds[i].cc_args[0] != '\0' ? " " : "",
		    ctl_cmds[i].cc_args);
}

static int
find_cmd(const char *name, size_t len)
{
	for (int i = 0; i < CTL__MAX; i++)
		if (strlen(ctl_cmds[i].cc_name) == len &&
		    strncmp(ctl_cmds[i].cc_name, name, len) == 0)
			return i;
	return -1;
}

/* 1 when arg (len bytes) is a valid argument. */
static int
arg_ok(const char *arg, size_t len)
{
	if (len == 0 || len > CTL_ARG_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)arg[i] <= ' ' || arg[i] == 0x7f)
			return 0;
	return 1;
}

static int
usage(const struct ctl_cmd *c, char *err, size_t errlen)
{
	snprintf(err, errlen, "usage: %s%s%s", c->cc_name,
	    c->cc_args[0] != '\0' ? " " : "", c->cc_args);
	return -1;
}

/* The body length of a cc_body command (its one argument); 0 or -1. */
static int
body_len(const struct ctl_cmd *c, struct ctl_req *r, char *err,
    size_t errlen)
{
	const char *a = r->cr_args[0];
	unsigned long n = 0;

	for (; *a >= '0' && *a <= '9' && n <= CTL_BODY_MAX; a++)
		n = n * 10 + (unsigned long)(*a - '0');
	if (*a != '\0' || n == 0 || n > CTL_BODY_MAX) {
		snprintf(err, errlen, "%s: BYTES is the length of what "
		    "follows, 1 to %d", c->cc_name, CTL_BODY_MAX);
		return -1;
	}
	r->cr_bodylen = n;
	return 0;
}

/* Splits the arguments after the command word into r; 0 or -1. */
static int
parse_args(const char *p, const struct ctl_cmd *c, struct ctl_req *r,
    char *err, size_t errlen)
{
	size_t len;

	while (*p != '\0') {
		if (*p++ != ' ' || r->cr_nargs == c->cc_nargs)
			return usage(c, err, errlen);
		len = strcspn(p, " ");
		if (!arg_ok(p, len)) {
			snprintf(err, errlen, "%s: an argument has 1 to %d "
			    "characters, no blanks or control characters",
			    c->cc_name, CTL_ARG_MAX);
			return -1;
		}
		memcpy(r->cr_args[r->cr_nargs], p, len);
		r->cr_args[r->cr_nargs++][len] = '\0';
		p += len;
	}
	if (r->cr_nargs != c->cc_nargs)
		return usage(c, err, errlen);
	return c->cc_body ? body_len(c, r, err, errlen) : 0;
}

int
ctl_req_parse(const char *line, struct ctl_req *r, char *err, size_t errlen)
{
	char known[1024];
	size_t len = strcspn(line, " ");
	int id;

	memset(r, 0, sizeof(*r));
	if (strlen(line) > CTL_LINE_MAX) {
		snprintf(err, errlen, "request line too long");
		return -1;
	}
	if ((id = find_cmd(line, len)) == -1) {
		list_cmds(known, sizeof(known));
		snprintf(err, errlen, "unknown request \"%.*s\" (%s)",
		    (int)(len < 32 ? len : 32), line, known);
		return -1;
	}
	r->cr_id = (enum ctl_cmd_id)id;
	return parse_args(line + len, &ctl_cmds[id], r, err, errlen);
}

int
ctl_req_format(enum ctl_cmd_id id, const char *const *args, int nargs,
    char *buf, size_t len, char *err, size_t errlen)
{
	const struct ctl_cmd *c;
	size_t n;

	if ((unsigned)id >= CTL__MAX) {
		snprintf(err, errlen, "no such control command");
		return -1;
	}
	c = &ctl_cmds[id];
	if (nargs != c->cc_nargs)
		return usage(c, err, errlen);
	n = (size_t)snprintf(buf, len, "%s", c->cc_name);
	for (int i = 0; i < nargs && n < len; i++) {
		if (!arg_ok(args[i], strlen(args[i]))) {
			snprintf(err, errlen, "%s: \"%.*s\" is not a name (1 "
			    "to %d characters, no blanks or control "
			    "characters)", c->cc_name, CTL_ARG_MAX + 1,
			    args[i], CTL_ARG_MAX);
			return -1;
		}
		n += (size_t)snprintf(buf + n, len - n, " %s", args[i]);
	}
	if (n >= len || n > CTL_LINE_MAX) {
		snprintf(err, errlen, "%s: request too long", c->cc_name);
		return -1;
	}
	return 0;
}

static int
in_group(const struct ctl_caller *cl, gid_t group)
{
	if (cl->cl_gid == group)
		return 1;
	for (size_t i = 0; i < cl->cl_ngroups; i++)
		if (cl->cl_groups[i] == group)
			return 1;
	return 0;
}

enum ctl_verdict
ctl_cmd_permit(const struct ctl_cmd *c, const struct ctl_caller *cl,
    gid_t group)
{
	if (cl->cl_uid == 0)
		return CTL_ALLOWED;
	if (!in_group(cl, group))
		return CTL_DENIED_GROUP;
	return c->cc_access != CTL_CHANGE ? CTL_ALLOWED : CTL_DENIED_ROOT;
}
