/*
 * cmd_ops.c - operations commands over pulse's control socket:
 *
 *   shoalctl events [--follow] [--json] [--rundir DIR]
 *   shoalctl metrics [--rundir DIR]
 *   shoalctl node standby|resume NODE [--rundir DIR]
 *   shoalctl maint [--json] [--rundir DIR]
 *
 * events and metrics are for root and the socket's group; node standby
 * and resume (cluster-wide maintenance, like `server drain`) too, as
 * shoal-web offers them to its operators.
 */
#include "shoal-build.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ipc/ctl.h"
#include "ipc/events.h"
#include "lib/util.h"
#include "store/store.h"
#include "shoalctl.h"

#define CTL_TIMEOUT_MS		5000
#define METRICS_TIMEOUT_MS	30000

struct ops_opts {
	const char	*oo_rundir;
	int		 oo_json;
	int		 oo_follow;
};

static int
parse_opts(const struct shoalctl *sc, int argc, char **argv,
    struct ops_opts *o, int nargs)
{
	static const struct option longopts[] = {
		{ "rundir", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->oo_rundir = SHOAL_DEFAULT_RUNDIR;
	while ((ch = getopt_long(argc, argv, "f", longopts, NULL)) != -1) {
		switch (ch) {
		case 'R':
			o->oo_rundir = optarg;
			break;
		case 'j':
			o->oo_json = 1;
			break;
		case 'f':
			o->oo_follow = 1;
			break;
		default:
			return shoalctl_usage(sc);
		}
	}
	if (argc - optind != nargs)
		return shoalctl_usage(sc);
	return 0;
}

/* ---- events ---- */

static int
print_event(const char *line, void *arg)
{
	const struct ops_opts *o = arg;
	struct shoal_event e;
	char err[256], text[2048];
	json_t *j;

	if (o->oo_json) {
		printf("%s\n", line);
		fflush(stdout);
		return 0;
	}
	if ((j = json_loads(line, 0, NULL)) == NULL) {
		fprintf(stderr, "shoalctl: not an event: %.80s\n", line);
		return 1;
	}
	if (json_object_get(j, "error") != NULL) {
		fprintf(stderr, "shoalctl: pulse: %s\n", json_string_value(
		    json_object_get(j, "error")));
		json_decref(j);
		return 1;
	}
	if (event_from_json(j, &e, err, sizeof(err)) == -1)
		fprintf(stderr, "shoalctl: %s\n", err);
	else {
		event_format_text(&e, text, sizeof(text));
		printf("%s\n", text);
		fflush(stdout);
	}
	json_decref(j);
	return 0;
}

static int
cmd_events(struct shoalctl *sc, int argc, char **argv)
{
	struct ops_opts o;
	char err[512];
	int ret;

	if ((ret = parse_opts(sc, argc, argv, &o, 0)) != 0)
		return ret;
	if (ctl_stream(o.oo_rundir, o.oo_follow ? CTL_EVENTS_FOLLOW :
	    CTL_EVENTS, NULL, 0, o.oo_follow ? 0 : CTL_TIMEOUT_MS,
	    print_event, &o, err, sizeof(err)) == -1) {
		fprintf(stderr, "shoalctl: %s\n", err);
		return SHOALCTL_ERROR;
	}
	return SHOALCTL_OK;
}

/* ---- metrics ---- */

static int
cmd_metrics(struct shoalctl *sc, int argc, char **argv)
{
	struct ops_opts o;
	char err[512], *text;
	size_t len = 0;
	int ret;

	if ((ret = parse_opts(sc, argc, argv, &o, 0)) != 0)
		return ret;
	if ((text = ctl_call_text(o.oo_rundir, CTL_METRICS, NULL, 0,
	    METRICS_TIMEOUT_MS, &len, err, sizeof(err))) == NULL) {
		fprintf(stderr, "shoalctl: %s\n", err);
		return SHOALCTL_ERROR;
	}
	fwrite(text, 1, len, stdout);
	free(text);
	return SHOALCTL_OK;
}

/* ---- node standby|resume, maint ---- */

static int
node_state(struct shoalctl *sc, int argc, char **argv, const char *state)
{
	const char *args[3];
	char err[512], by[64], detail[128];
	struct ops_opts o;
	struct store *st;
	json_t *r;
	int ret;

	if ((ret = parse_opts(sc, argc, argv, &o, 1)) != 0)
		return ret;
	str_copy(by, sc->sc_user, sizeof(by));
	for (char *p = by; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ')
			*p = '_';
	args[0] = state;
	args[1] = argv[optind];
	args[2] = by;
	if ((r = ctl_call(o.oo_rundir, CTL_MAINT_NODE, args, 3,
	    CTL_TIMEOUT_MS, err, sizeof(err))) == NULL) {
		fprintf(stderr, "shoalctl: %s\n", err);
		return SHOALCTL_ERROR;
	}
	if (json_object_get(r, "error") != NULL) {
		fprintf(stderr, "shoalctl: pulse: %s\n", json_string_value(
		    json_object_get(r, "error")));
		ret = json_is_true(json_object_get(r, "denied")) ?
		    SHOALCTL_ERROR : SHOALCTL_INVALID;
		json_decref(r);
		return ret;
	}
	json_decref(r);
	printf("node %s: %s (every node gets it)\n", args[1], state);
	/* audited here too when this host has a database */
	snprintf(detail, sizeof(detail), "node %s %s (cluster-wide)", args[1],
	    state);
	if (access(sc->sc_db, W_OK) == 0 &&
	    (st = store_open(sc->sc_db, 0, NULL)) != NULL) {
		(void)store_audit_add(st, sc->sc_user, "node", detail);
		store_close(st);
	}
	return SHOALCTL_OK;
}

static int
cmd_standby(struct shoalctl *sc, int argc, char **argv)
{
	return node_state(sc, argc, argv, "standby");
}

static int
cmd_resume(struct shoalctl *sc, int argc, char **argv)
{
	return node_state(sc, argc, argv, "resume");
}

static void
print_maint(const json_t *m)
{
	const json_t *e;
	char when[32];
	size_t i;

	json_array_foreach(json_object_get(m, "entries"), i, e) {
		time_t t = (time_t)(json_integer_value(json_object_get(e,
		    "time_ms")) / 1000);
		struct tm tm;
		const char *tg = json_string_value(json_object_get(e,
		    "target"));

		if (localtime_r(&t, &tm) == NULL || strftime(when,
		    sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
			snprintf(when, sizeof(when), "?");
		if (strcmp(tg, "node") == 0)
			printf("node   %-25s %-8s", json_string_value(
			    json_object_get(e, "node")), json_string_value(
			    json_object_get(e, "state")));
		else
			printf("server %-12s %-12s %-8s", json_string_value(
			    json_object_get(e, "virtual")), json_string_value(
			    json_object_get(e, "server")), json_string_value(
			    json_object_get(e, "state")));
		printf(" %s by %s\n", when, json_string_value(
		    json_object_get(e, "by")));
	}
	if (json_array_size(json_object_get(m, "entries")) == 0)
		printf("no maintenance: every node and real server as "
		    "configured\n");
}

static int
cmd_maint(struct shoalctl *sc, int argc, char **argv)
{
	struct ops_opts o;
	char err[512];
	json_t *r;
	int ret;

	if ((ret = parse_opts(sc, argc, argv, &o, 0)) != 0)
		return ret;
	if ((r = ctl_call(o.oo_rundir, CTL_MAINT, NULL, 0, CTL_TIMEOUT_MS,
	    err, sizeof(err))) == NULL) {
		fprintf(stderr, "shoalctl: %s\n", err);
		return SHOALCTL_ERROR;
	}
	if (o.oo_json) {
		json_dumpf(r, stdout, JSON_INDENT(2));
		putchar('\n');
	} else
		print_maint(r);
	json_decref(r);
	return SHOALCTL_OK;
}

/* ---- drill ---- */

#define DRILL_TIMEOUT_MS	300000

static void
print_drill(const json_t *r)
{
	const json_t *p, *v;
	size_t i, j;

	printf("drill by %s: %s", json_string_value(json_object_get(r, "by")),
	    json_is_true(json_object_get(r, "ok")) ? "ok" : "FAILED");
	if (json_object_get(r, "error") != NULL)
		printf(" (%s)", json_string_value(json_object_get(r, "error")));
	printf("\n");
	json_array_foreach(json_object_get(r, "phases"), i, p) {
		printf("  %s -> %s\n", json_string_value(json_object_get(p,
		    "from")), json_string_value(json_object_get(p, "to")));
		json_array_foreach(json_object_get(p, "vips"), j, v) {
			const json_t *o = json_object_get(v, "outage_ms");

			printf("    %-40s ", json_string_value(json_object_get(v,
			    "address")));
			if (json_is_integer(o))
				printf("outage %lld ms\n",
				    (long long)json_integer_value(o));
			else
				printf("not measured\n");
		}
	}
	printf("  longest outage %lld ms (dead time %lld ms)\n",
	    (long long)json_integer_value(json_object_get(r,
	    "max_outage_ms")), (long long)json_integer_value(
	    json_object_get(r, "deadtime_ms")));
}

static int
cmd_drill(struct shoalctl *sc, int argc, char **argv)
{
	const char *args[1];
	char err[512], by[64];
	struct ops_opts o;
	json_t *r;
	int ret;

	if ((ret = parse_opts(sc, argc, argv, &o, 0)) != 0)
		return ret;
	str_copy(by, sc->sc_user, sizeof(by));
	for (char *p = by; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ')
			*p = '_';
	args[0] = by;
	if ((r = ctl_call(o.oo_rundir, CTL_DRILL, args, 1, DRILL_TIMEOUT_MS,
	    err, sizeof(err))) == NULL) {
		fprintf(stderr, "shoalctl: %s\n", err);
		return SHOALCTL_ERROR;
	}
	if (o.oo_json) {
		json_dumpf(r, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (json_object_get(r, "phases") == NULL)
		fprintf(stderr, "shoalctl: pulse: %s\n", json_string_value(
		    json_object_get(r, "error")));
	else
		print_drill(r);
	ret = json_is_true(json_object_get(r, "ok")) ? SHOALCTL_OK :
	    json_is_true(json_object_get(r, "denied")) ? SHOALCTL_ERROR :
	    SHOALCTL_INVALID;
	json_decref(r);
	return ret;
}

/* ---- lb show ---- */

#define RATE_SAMPLE_US		1000000

static long long
num(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* The same object (service or server) in an earlier sample, or NULL. */
static const json_t *
find_in(const json_t *a, const char *key, const char *val)
{
	const json_t *o;
	size_t i;

	json_array_foreach(a, i, o)
		if (json_string_value(json_object_get(o, key)) != NULL &&
		    strcmp(json_string_value(json_object_get(o, key)), val) == 0)
			return o;
	return NULL;
}

/* A rate per second of field k between before and now over ms. */
static long long
rate(const json_t *now, const json_t *before, const char *k, long long ms)
{
	long long d = before != NULL ? num(now, k) - num(before, k) : 0;

	return ms > 0 && d > 0 ? d * 1000 / ms : 0;
}

static void
print_counters(const json_t *o, const json_t *before, int totals, int rates,
    long long ms)
{
	static const char *const k[] = { "conns", "inpkts", "outpkts",
	    "inbytes", "outbytes" };

	for (size_t i = totals ? 0 : 1; i < 5; i++)
		printf(" %10lld", rates ? rate(o, before, k[i], ms) :
		    num(o, k[i]));
}

static void
print_lb(const json_t *now, const json_t *before, int stats, int rates)
{
	int totals = json_is_true(json_object_get(now, "totals"));
	long long ms = before != NULL ? num(now, "time_ms") -
	    num(before, "time_ms") : 0;
	const json_t *s, *d, *bs, *bd;
	size_t i, j;

	printf("%s backend%s\n", json_string_value(json_object_get(now,
	    "backend")) != NULL ? json_string_value(json_object_get(now,
	    "backend")) : "no", totals ? "" : " (counts the connections "
	    "tracked now; no totals)");
	printf("%-34s %6s %10s %10s", "Service / -> RealServer", "Weight",
	    "ActiveConn", "InActConn");
	if (stats || rates)
		printf("%s %10s %10s %10s %10s", totals ? rates ?
		    "        CPS" : "      Conns" : "", rates ? "InPPS" :
		    "InPkts", rates ? "OutPPS" : "OutPkts", rates ? "InBPS" :
		    "InBytes", rates ? "OutBPS" : "OutBytes");
	printf("\n");
	json_array_foreach(json_object_get(now, "services"), i, s) {
		bs = before != NULL ? find_in(json_object_get(before,
		    "services"), "service", json_string_value(
		    json_object_get(s, "service"))) : NULL;
		printf("%-34s %6s %10s %10s", json_string_value(
		    json_object_get(s, "service")), "", "", "");
		if (stats || rates)
			print_counters(s, bs, totals, rates, ms);
		printf("  (%s)\n", json_string_value(json_object_get(s,
		    "name")));
		json_array_foreach(json_object_get(s, "servers"), j, d) {
			char where[80];

			snprintf(where, sizeof(where), "  -> %s:%lld",
			    json_string_value(json_object_get(d, "address")),
			    num(d, "port"));
			bd = bs != NULL ? find_in(json_object_get(bs,
			    "servers"), "name", json_string_value(
			    json_object_get(d, "name"))) : NULL;
			printf("%-34s %6lld %10lld %10lld", where,
			    num(d, "weight"), num(d, "active"),
			    num(d, "inactive"));
			if (stats || rates)
				print_counters(d, bd, totals, rates, ms);
			printf("  (%s)\n", json_string_value(
			    json_object_get(d, "name")));
		}
	}
}

static json_t *
lb_sample(const char *rundir)
{
	char err[512];
	json_t *r;

	if ((r = ctl_call(rundir, CTL_LB, NULL, 0, CTL_TIMEOUT_MS, err,
	    sizeof(err))) == NULL)
		fprintf(stderr, "shoalctl: %s\n", err);
	else if (json_object_get(r, "error") != NULL) {
		fprintf(stderr, "shoalctl: pulse: %s\n", json_string_value(
		    json_object_get(r, "error")));
		json_decref(r);
		r = NULL;
	}
	return r;
}

static int
cmd_lb_show(struct shoalctl *sc, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rundir", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "stats", no_argument, NULL, 's' },
		{ "rate", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = SHOAL_DEFAULT_RUNDIR;
	int ch, json = 0, stats = 0, rates = 0;
	json_t *a, *b = NULL;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'R')
			rundir = optarg;
		else if (ch == 'j')
			json = 1;
		else if (ch == 's')
			stats = 1;
		else if (ch == 'r')
			rates = 1;
		else
			return shoalctl_usage(sc);
	}
	if (argc != optind)
		return shoalctl_usage(sc);
	if ((a = lb_sample(rundir)) == NULL)
		return SHOALCTL_ERROR;
	if (rates) {		/* two samples a second apart */
		usleep(RATE_SAMPLE_US);
		b = a;
		if ((a = lb_sample(rundir)) == NULL) {
			json_decref(b);
			return SHOALCTL_ERROR;
		}
	}
	if (json) {
		json_dumpf(a, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (!json_is_true(json_object_get(a, "active")))
		printf("this node does not program the load balancer (not "
		    "active)\n");
	else
		print_lb(a, b, stats, rates);
	json_decref(a);
	json_decref(b);
	return SHOALCTL_OK;
}

const struct shoalctl_cmd shoalctl_ops_cmds[] = {
	{ "events", cmd_events, "[--follow] [--json] [--rundir DIR]",
	  "pulse's events (transitions, maintenance...), --follow for new "
	  "ones as they happen" },
	{ "metrics", cmd_metrics, "[--rundir DIR]",
	  "pulse's Prometheus metrics (text exposition format)" },
	{ "node standby", cmd_standby, "NODE [--rundir DIR]",
	  "NODE gives up its VIPs and is not elected until resumed "
	  "(cluster-wide; standby the active node = switchover)" },
	{ "node resume", cmd_resume, "NODE [--rundir DIR]",
	  "NODE is a candidate again" },
	{ "lb show", cmd_lb_show, "[--stats] [--rate] [--json] [--rundir DIR]",
	  "what the kernel's load balancer holds, with connections (like "
	  "ipvsadm -Ln [--stats|--rate])" },
	{ "drill", cmd_drill, "[--json] [--rundir DIR]",
	  "on the active node: hand the VIPs to a backup, measure the outage "
	  "per VIP, hand them back; recorded in the status's drills" },
	{ "maint", cmd_maint, "[--json] [--rundir DIR]",
	  "the cluster-wide maintenance state: drains, standbys, who, when" },
	{ NULL, NULL, NULL, NULL },
};
