/*
 * cmd_server.c - runtime admin state of real servers:
 *
 *   shoalctl server drain|disable|enable VIRTUAL SERVER [--rundir DIR]
 *   shoalctl server list
 *
 * The state is cluster-wide maintenance (ipc/maint.h): pulse takes it
 * over its control socket, applies it at once without a reload and sends
 * it to every other node; a fail-over or a push does not lose it.  The
 * change is audited in this database.  When pulse is not running, it is
 * written to the state file pulse reads at start (DB.maint).
 */
#include "shoal-build.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "config/config.h"
#include "ipc/ctl.h"
#include "ipc/maint.h"
#include "lib/util.h"
#include "store/srvadmin.h"
#include "store/store.h"
#include "cmd_server.h"
#include "shoalctl.h"

#define CTL_TIMEOUT_MS	5000

/* Checks that virtual vs has a server rs in the current configuration. */
static int
check_names(struct store *st, const char *vs, const char *rs)
{
	struct shoal_config *c = NULL;
	const struct cfg_virtual *v;
	int ret = -1;

	if (store_load(st, &c, NULL) == -1) {
		fprintf(stderr, "shoalctl: cannot load the configuration\n");
		return -1;
	}
	if ((v = config_find_virtual(c, vs)) == NULL)
		fprintf(stderr, "shoalctl: no virtual server %s\n", vs);
	else if (cfg_virtual_find_server(v, rs) == NULL)
		fprintf(stderr, "shoalctl: virtual %s has no server %s\n", vs,
		    rs);
	else
		ret = 0;
	config_free(c);
	return ret;
}

/* Who did it, as a control-socket argument (no blanks, 63 bytes). */
static void
by_arg(const struct shoalctl *sc, char *buf, size_t len)
{
	size_t i;

	str_copy(buf, sc->sc_user, len);
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] <= ' ' || buf[i] == 0x7f)
			buf[i] = '_';
}

/*
 * pulse is not running here: the change goes into the state file it
 * reads at start (and sends to its peers then).  0 or -1.
 */
static int
save_offline(const struct shoalctl *sc, const char *vs, const char *rs,
    int s, const char *by)
{
	struct maint m;
	struct maint_entry e;
	char *path = maint_path(sc->sc_db), err[512];
	int ret = -1;

	maint_init(&m);
	memset(&e, 0, sizeof(e));
	e.me_target = MAINT_SERVER;
	e.me_state = (uint8_t)s;
	snprintf(e.me_a, sizeof(e.me_a), "%s", vs);
	snprintf(e.me_b, sizeof(e.me_b), "%s", rs);
	snprintf(e.me_by, sizeof(e.me_by), "%s", by);
	e.me_time_ms = (int64_t)time(NULL) * 1000;
	if (path != NULL && maint_load(&m, path, err, sizeof(err)) == 0 &&
	    maint_change(&m, &e, e.me_time_ms) == 1 &&
	    maint_save(&m, path, err, sizeof(err)) == 0)
		ret = 0;
	else
		fprintf(stderr, "shoalctl: %s\n", path != NULL ? err :
		    "out of memory");
	maint_clear(&m);
	free(path);
	return ret;
}

/* pulse's answer to a change: printed; the exit code. */
static int
pulse_said(json_t *r)
{
	int ret = SHOALCTL_OK;

	if (json_object_get(r, "error") != NULL) {
		fprintf(stderr, "shoalctl: pulse: %s\n", json_string_value(
		    json_object_get(r, "error")));
		ret = json_is_true(json_object_get(r, "denied")) ?
		    SHOALCTL_ERROR : SHOALCTL_INVALID;
	} else if (json_is_true(json_object_get(r, "applied")))
		printf("pulse applied it (every node gets it)\n");
	else
		printf("pulse took it (every node gets it; this node is not "
		    "active: applies when it is)\n");
	json_decref(r);
	return ret;
}

static int
set_state(struct shoalctl *sc, int argc, char **argv, enum srvadmin_state s)
{
	static const struct option longopts[] = {
		{ "rundir", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = SHOAL_DEFAULT_RUNDIR, *args[4];
	char err[512], by[MAINT_BY_MAX + 1], detail[160];
	struct store *st;
	json_t *r;
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'R')
			return shoalctl_usage(sc);
		rundir = optarg;
	}
	if (argc - optind != 2)
		return shoalctl_usage(sc);
	args[0] = srvadmin_name(s);
	args[1] = argv[optind];
	args[2] = argv[optind + 1];
	by_arg(sc, by, sizeof(by));
	args[3] = by;
	if ((st = shoalctl_open(sc, 0)) == NULL)
		return SHOALCTL_ERROR;
	if (check_names(st, args[1], args[2]) == -1) {
		store_close(st);
		return SHOALCTL_INVALID;
	}
	snprintf(detail, sizeof(detail), "%s/%s %s (cluster-wide)", args[1],
	    args[2], args[0]);
	(void)store_audit_add(st, sc->sc_user, "server", detail);
	store_close(st);
	if ((r = ctl_call(rundir, CTL_MAINT_SERVER, args, 4, CTL_TIMEOUT_MS,
	    err, sizeof(err))) != NULL) {
		printf("%s/%s: %s\n", args[1], args[2], args[0]);
		return pulse_said(r);
	}
	if (save_offline(sc, args[1], args[2], (int)s, by) == -1)
		return SHOALCTL_ERROR;
	printf("%s/%s: %s (saved)\npulse not reached (%s): applies when it "
	    "starts, and goes to the other nodes then\n", args[1], args[2],
	    args[0], err);
	return SHOALCTL_OK;
}

static int
cmd_drain(struct shoalctl *sc, int argc, char **argv)
{
	return set_state(sc, argc, argv, SRVADMIN_DRAIN);
}

static int
cmd_disable(struct shoalctl *sc, int argc, char **argv)
{
	return set_state(sc, argc, argv, SRVADMIN_DISABLE);
}

static int
cmd_enable(struct shoalctl *sc, int argc, char **argv)
{
	return set_state(sc, argc, argv, SRVADMIN_ENABLE);
}

/* Prints the servers of a maintenance state (JSON) that are not
 * enabled; their number. */
static int
print_entries(const json_t *m)
{
	const json_t *e;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(m, "entries"), i, e) {
		const char *st = json_string_value(json_object_get(e, "state"));

		if (strcmp(json_string_value(json_object_get(e, "target")),
		    "server") != 0 || strcmp(st, "enable") == 0)
			continue;
		printf("%s %s %s\n", json_string_value(json_object_get(e,
		    "virtual")), json_string_value(json_object_get(e,
		    "server")), st);
		n++;
	}
	return n;
}

static int
cmd_list(struct shoalctl *sc, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rundir", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = SHOAL_DEFAULT_RUNDIR;
	char err[512], *path;
	struct maint m;
	json_t *j;
	int ch, n;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'R')
			return shoalctl_usage(sc);
		rundir = optarg;
	}
	if (argc != optind)
		return shoalctl_usage(sc);
	/* pulse's view, else the file it keeps beside the database */
	if ((j = ctl_call(rundir, CTL_MAINT, NULL, 0, CTL_TIMEOUT_MS, err,
	    sizeof(err))) == NULL || json_object_get(j, "error") != NULL) {
		json_decref(j);
		maint_init(&m);
		if ((path = maint_path(sc->sc_db)) == NULL ||
		    maint_load(&m, path, err, sizeof(err)) == -1) {
			fprintf(stderr, "shoalctl: %s\n", err);
			free(path);
			return SHOALCTL_ERROR;
		}
		free(path);
		j = maint_to_json(&m);
		maint_clear(&m);
	}
	n = print_entries(j);
	json_decref(j);
	if (n == 0)
		printf("every real server is enabled\n");
	return SHOALCTL_OK;
}

/* ---- status ---- */

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
print_server(const json_t *r)
{
	char when[32];
	time_t t = (time_t)jint(r, "since");
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%H:%M:%S", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	printf("    %-12s %s:%lld  %-7s weight %lld/%lld%s  %s", jstr(r, "name"),
	    jstr(r, "address"), jint(r, "port"), jstr(r, "health"),
	    jint(r, "weight"), jint(r, "weight_config"),
	    json_is_true(json_object_get(r, "in_lb")) ? "" : " (out)",
	    jstr(r, "admin"));
	printf("  since %s  %lld ms  fails %lld  %s\n", when,
	    jint(r, "latency_ms"), jint(r, "fails"), jstr(r, "reason"));
}

/* "  FAILED: why" when pulse cannot program the service, or its note. */
static void
print_state(const json_t *v)
{
	const char *why = json_string_value(json_object_get(v, "state_reason"));

	if (strcmp(jstr(v, "state"), "FAILED") == 0)
		printf("  FAILED: %s", why != NULL ? why : "");
	else if (why != NULL && *why != '\0')
		printf("  (%s)", why);
	printf("\n");
}

void
cmd_server_print_status(const json_t *st)
{
	const json_t *v, *r, *vsl = json_object_get(st, "virtual_services");
	const json_t *fsl = json_object_get(st, "failover_services");
	size_t i, j;

	if (json_array_size(vsl) > 0)
		printf("virtual services:\n");
	json_array_foreach(vsl, i, v) {
		printf("  %-12s %s %s%s", jstr(v, "name"), jstr(v, "service"),
		    jstr(v, "scheduler"), json_is_true(json_object_get(v,
		    "active")) ? "" : " (not active here)");
		print_state(v);
		json_array_foreach(json_object_get(v, "servers"), j, r)
			print_server(r);
	}
	if (json_array_size(fsl) > 0)
		printf("fail-over services:\n");
	json_array_foreach(fsl, i, v)
		printf("  %-12s check %s%s%s  %s\n", jstr(v, "name"),
		    jstr(v, "check"), json_is_true(json_object_get(v,
		    "failed_here")) ? "  FAILED HERE" : "",
		    json_is_true(json_object_get(v, "failing_on_active")) ?
		    "  FAILING ON THE ACTIVE NODE" : "", jstr(v, "reason"));
}

const struct shoalctl_cmd shoalctl_server_cmds[] = {
	{ "server drain", cmd_drain, "VIRTUAL SERVER [--rundir DIR]",
	  "weight 0: no new connections, existing ones finish" },
	{ "server disable", cmd_disable, "VIRTUAL SERVER [--rundir DIR]",
	  "take a real server out of the load balancer" },
	{ "server enable", cmd_enable, "VIRTUAL SERVER [--rundir DIR]",
	  "back to health-based (undoes drain and disable)" },
	{ "server list", cmd_list, "[--rundir DIR]",
	  "real servers that are drained or disabled (cluster-wide)" },
	{ NULL, NULL, NULL, NULL },
};
