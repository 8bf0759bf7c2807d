/*
 * cmd_pulse.c - shoalctl commands that talk to pulse over its control
 * socket (ipc/ctl.h):
 *
 *   shoalctl status [--rundir DIR] [--json]   pulse's view of the cluster
 *   shoalctl reload [--rundir DIR]            re-read the database
 *
 * status is for root and the socket's group, reload for root (pulse
 * checks).  Removing what a stopped pulse left in the kernel is `pulse
 * --cleanup`: shoalctl touches no kernel state.
 */
#include "shoal-build.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ipc/ctl.h"
#include "cmd_server.h"
#include "shoalctl.h"

#define CTL_TIMEOUT_MS	5000

struct pulse_opts {
	const char	*po_rundir;
	int		 po_json;
};

static int
parse_opts(const struct shoalctl *sc, int argc, char **argv,
    struct pulse_opts *o)
{
	static const struct option longopts[] = {
		{ "rundir", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->po_rundir = SHOAL_DEFAULT_RUNDIR;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'R':
			o->po_rundir = optarg;
			break;
		case 'j':
			o->po_json = 1;
			break;
		default:
			return shoalctl_usage(sc);
		}
	}
	if (optind != argc)
		return shoalctl_usage(sc);
	return 0;
}

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

static long long
jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void
clock_str(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "%lld", t);
}

static void
print_peers(const json_t *st)
{
	const json_t *p, *a;
	size_t i, j;

	printf("peers:\n");
	json_array_foreach(json_object_get(st, "peers"), i, p) {
		const json_t *lh = json_object_get(p, "last_heard_ms");

		printf("  %-12s %-7s priority %-3lld %s", jstr(p, "name"),
		    jstr(p, "state"), jint(p, "priority"),
		    json_is_true(json_object_get(p, "alive")) ? "alive" :
		    "dead ");
		if (json_is_integer(lh))
			printf("  heard %lld ms ago", (long long)
			    json_integer_value(lh));
		else
			printf("  never heard");
		printf("  generation %lld%s  [", jint(p, "generation"),
		    json_is_true(json_object_get(p, "matches_ours")) ? "" :
		    " (DIFFERS)");
		json_array_foreach(json_object_get(p, "addresses"), j, a)
			printf("%s%s", j ? " " : "", json_string_value(a));
		printf("]\n");
	}
}

static void
print_rest(const json_t *st)
{
	const json_t *v, *t, *c = json_object_get(st, "counters");
	const char *k;
	char when[64];
	size_t i;

	printf("virtual addresses:\n");
	json_array_foreach(json_object_get(st, "vips"), i, v)
		printf("  %s/%lld on %s  %s\n", jstr(v, "address"),
		    jint(v, "prefix"), jstr(v, "label"),
		    json_is_true(json_object_get(v, "held")) ? "held" :
		    "not held");
	printf("heartbeats: sent %lld, received %lld, send errors %lld, "
	    "rejected:", jint(c, "sent"), jint(c, "received"),
	    jint(c, "send_errors"));
	json_object_foreach((json_t *)json_object_get(c, "rejected"), k, v)
		if (json_integer_value(v) > 0)
			printf(" %s %lld", k, (long long)json_integer_value(v));
	printf("\nlast transitions:\n");
	json_array_foreach(json_object_get(st, "transitions"), i, t) {
		clock_str(jint(t, "time"), when, sizeof(when));
		printf("  %s  %s -> %s: %s\n", when, jstr(t, "from"),
		    jstr(t, "to"), jstr(t, "reason"));
	}
}

/* "connection sync: up (conntrackd running (pid 42))" */
static void
print_sync(const json_t *cs)
{
	const json_t *rc = json_object_get(cs, "last_role_change");

	if (cs == NULL)
		return;
	printf("connection sync: %s", jstr(cs, "state"));
	if (*jstr(cs, "reason") != '\0')
		printf(" (%s)", jstr(cs, "reason"));
	if (rc != NULL && *jstr(rc, "result") != '\0')
		printf("; last role change to %s: %s", jstr(rc, "role"),
		    jstr(rc, "result"));
	printf("\n");
}

static void
print_status(const json_t *st)
{
	char since[64];

	clock_str(jint(st, "since"), since, sizeof(since));
	printf("node %s: %s since %s (priority %lld, %s mode)\n",
	    jstr(st, "node"), jstr(st, "role"), since, jint(st, "priority"),
	    jstr(st, "mode"));
	printf("configuration generation %lld, hash %.16s\n",
	    jint(st, "generation"), jstr(st, "hash"));
	if (json_is_false(json_object_get(st, "authenticated")))
		printf("WARNING: heartbeats are not authenticated (no "
		    "heartbeat_key): anyone on the heartbeat network can "
		    "forge them\n");
	if (json_is_true(json_object_get(st, "second_key")))
		printf("heartbeat key roll: a second key "
		    "(heartbeat_key_accept) is accepted too\n");
	print_peers(st);
	print_rest(st);
	print_sync(json_object_get(st, "connection_sync"));
	cmd_server_print_status(st);
}

static json_t *
request(const char *rundir, enum ctl_cmd_id id)
{
	char err[512];
	json_t *j;

	if ((j = ctl_call(rundir, id, NULL, 0, CTL_TIMEOUT_MS, err,
	    sizeof(err))) == NULL)
		fprintf(stderr, "shoalctl: %s\n", err);
	return j;
}

/* An error reply: printed; the exit code (a refusal is not bad input). */
static int
refused(const json_t *r, const char *what)
{
	fprintf(stderr, "shoalctl: %s%s\n", what, jstr(r, "error"));
	return json_is_true(json_object_get(r, "denied")) ? SHOALCTL_ERROR :
	    SHOALCTL_INVALID;
}

static int
cmd_status(struct shoalctl *sc, int argc, char **argv)
{
	struct pulse_opts o;
	json_t *st;
	int ret;

	if ((ret = parse_opts(sc, argc, argv, &o)) != 0)
		return ret;
	if ((st = request(o.po_rundir, CTL_STATUS)) == NULL)
		return SHOALCTL_ERROR;
	if (json_object_get(st, "error") != NULL) {
		(void)refused(st, "pulse: ");
		json_decref(st);
		return SHOALCTL_ERROR;
	}
	if (o.po_json) {
		json_dumpf(st, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	} else
		print_status(st);
	json_decref(st);
	return SHOALCTL_OK;
}

static int
cmd_reload(struct shoalctl *sc, int argc, char **argv)
{
	struct pulse_opts o;
	json_t *r;
	int ret;

	if ((ret = parse_opts(sc, argc, argv, &o)) != 0)
		return ret;
	if ((r = request(o.po_rundir, CTL_RELOAD)) == NULL)
		return SHOALCTL_ERROR;
	if (json_object_get(r, "error") != NULL) {
		ret = refused(r, "reload failed: ");
		json_decref(r);
		return ret;
	}
	printf("pulse reloaded: generation %lld\n", jint(r, "generation"));
	json_decref(r);
	return SHOALCTL_OK;
}

const struct shoalctl_cmd shoalctl_pulse_cmds[] = {
	{ "status", cmd_status, "[--rundir DIR] [--json]",
	  "pulse's view: role, peers, VIPs, counters, last transitions" },
	{ "reload", cmd_reload, "[--rundir DIR]",
	  "make pulse re-read the database and apply the differences" },
	{ NULL, NULL, NULL, NULL },
};
