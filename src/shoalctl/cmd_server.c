/*
 * cmd_server.c - runtime admin state of real servers:
 *
 *   shoalctl server drain|disable|enable VIRTUAL SERVER [--rundir DIR]
 *   shoalctl server list
 *
 * The state is saved in the database (srvadmin.h) and then sent to pulse
 * over its control socket, which applies it at once, without a reload.
 * When pulse is not running the saved state applies when it starts.
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

static int
set_state(struct shoalctl *sc, int argc, char **argv, enum srvadmin_state s)
{
	static const struct option longopts[] = {
		{ "rundir", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = SHOAL_DEFAULT_RUNDIR, *args[3];
	const char *vs, *rs;
	char err[512];
	struct store *st;
	json_t *r;
	int ch, ret = SHOALCTL_OK;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'R')
			return shoalctl_usage(sc);
		rundir = optarg;
	}
	if (argc - optind != 2)
		return shoalctl_usage(sc);
	vs = argv[optind];
	rs = argv[optind + 1];
	if ((st = shoalctl_open(sc, 0)) == NULL)
		return SHOALCTL_ERROR;
	if (check_names(st, vs, rs) == -1) {
		store_close(st);
		return SHOALCTL_INVALID;
	}
	if (srvadmin_set(st, vs, rs, s, sc->sc_user) == -1) {
		fprintf(stderr, "shoalctl: cannot save the state of %s/%s\n",
		    vs, rs);
		store_close(st);
		return SHOALCTL_ERROR;
	}
	store_close(st);
	printf("%s/%s: %s (saved)\n", vs, rs, srvadmin_name(s));
	args[0] = srvadmin_name(s);
	args[1] = vs;
	args[2] = rs;
	if ((r = ctl_call(rundir, CTL_SERVER, args, 3, CTL_TIMEOUT_MS, err,
	    sizeof(err))) == NULL) {
		printf("pulse not reached (%s): applies when it starts\n", err);
		return SHOALCTL_OK;
	}
	if (json_object_get(r, "error") != NULL) {
		fprintf(stderr, "shoalctl: pulse: %s\n", json_string_value(
		    json_object_get(r, "error")));
		ret = json_is_true(json_object_get(r, "denied")) ?
		    SHOALCTL_ERROR : SHOALCTL_INVALID;
	} else if (json_is_true(json_object_get(r, "applied")))
		printf("pulse applied it\n");
	else
		printf("pulse took it (this node is not active: applies when "
		    "it is)\n");
	json_decref(r);
	return ret;
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

static int
print_row(const char *vs, const char *rs, enum srvadmin_state s, void *arg)
{
	(*(int *)arg)++;
	printf("%s %s %s\n", vs, rs, srvadmin_name(s));
	return 0;
}

static int
cmd_list(struct shoalctl *sc, int argc, char **argv)
{
	struct store *st;
	int n = 0, rv;

	(void)argv;
	if (argc != 1)
		return shoalctl_usage(sc);
	if ((st = shoalctl_open(sc, 0)) == NULL)
		return SHOALCTL_ERROR;
	rv = srvadmin_each(st, print_row, &n);
	store_close(st);
	if (rv == -1)
		return SHOALCTL_ERROR;
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
	{ "server list", cmd_list, "",
	  "real servers that are drained or disabled" },
	{ NULL, NULL, NULL, NULL },
};
