/*
 * nanny.c - the health checker: one process per virtual service (LVS),
 * fail-over service (FOS) or tracked check of the node's own health, one
 * event loop for every real server's checks.
 *
 *   nanny --db PATH (--virtual NAME | --failover NAME | --track NAME)
 *         [--node NAME] [--address ADDR] [-n] [-v] [-t] [--log FILE]
 *
 * It reads the configuration read-only from the store, checks, and writes
 * one nanny_report line per state change on stdout, the pipe pulse gives
 * it.  It needs no privilege and changes nothing: pulse applies reports.
 * SIGUSR1 forces every server down, SIGUSR2 up, SIGHUP back to checking
 * (Piranha's signals); SIGTERM/SIGINT end it.
 */
#include "shoal-build.h"

#include <sys/prctl.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/config.h"
#include "ipc/nanny_report.h"
#include "lib/diag.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "server.h"
#include "track.h"

#ifndef SHOAL_DEFAULT_DB
#define SHOAL_DEFAULT_DB	"/var/lib/shoal/shoal.db"
#endif

struct nanny_opts {
	const char	*no_db;
	const char	*no_virtual;
	const char	*no_failover;
	const char	*no_track;
	const char	*no_node;
	const char	*no_address;
	const char	*no_log;
	int		 no_foreground;
	int		 no_verbose;
	int		 no_test;
};

/* Everything one nanny runs; one per process. */
struct nanny {
	struct event_base	*n_base;
	struct server		**n_servers;
	size_t			 n_nservers;
	struct event		*n_ev_sig[5];
	int			 n_out;		/* report fd (stdout) */
	/* --track */
	char			 n_rename[CFG_NAME_MAX + 1]; /* reports are
						   about the track */
	const struct shoal_config *n_cfg;
	const struct cfg_track	*n_track;
	struct cfg_virtual	*n_track_vs;	/* its check settings */
	struct event		*n_gw_ev;	/* default gateway watch */
	struct cfg_addr		 n_gw;
	int			 n_gw_state;	/* -1 unknown, 0 none, 1 n_gw */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: nanny [--db PATH] (--virtual NAME | --failover NAME |\n"
	    "             --track NAME)\n"
	    "             [--node NAME] [--address ADDR] [-n] [-v] [-t]\n"
	    "             [--log FILE]\n"
	    "       nanny --help | --version\n\n"
	    "  -f, --db PATH      the database [%s]\n"
	    "  --virtual NAME     check the real servers of virtual NAME\n"
	    "  --failover NAME    check fail-over service NAME\n"
	    "  --track NAME       run tracked check NAME (this node's health)\n"
	    "  --node NAME        (failover) check it on node NAME's address\n"
	    "  --address ADDR     (failover) check it on ADDR [the VIP]\n"
	    "  -n                 foreground, log to stderr\n"
	    "  -v                 more messages (repeat for more)\n"
	    "  -t                 test the configuration and exit\n"
	    "  --log FILE         also log to FILE\n\n"
	    "Report lines go to stdout, one per state change:\n"
	    "  report SERVICE SERVER ADDR:PORT up|down WEIGHT LATENCY_MS "
	    "REASON\n", SHOAL_DEFAULT_DB);
}

/* Parses the command line; returns -1 to exit with *code. */
static int
parse_opts(int argc, char *argv[], struct nanny_opts *o, int *code)
{
	enum { O_VIRTUAL = 256, O_FAILOVER, O_TRACK, O_NODE, O_ADDRESS, O_LOG,
	    O_HELP, O_VERSION };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'f' },
		{ "virtual", required_argument, NULL, O_VIRTUAL },
		{ "failover", required_argument, NULL, O_FAILOVER },
		{ "track", required_argument, NULL, O_TRACK },
		{ "node", required_argument, NULL, O_NODE },
		{ "address", required_argument, NULL, O_ADDRESS },
		{ "log", required_argument, NULL, O_LOG },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	memset(o, 0, sizeof(*o));
	o->no_db = SHOAL_DEFAULT_DB;
	while ((ch = getopt_long(argc, argv, "f:nvt", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': o->no_db = optarg; break;
		case 'n': o->no_foreground = 1; break;
		case 'v': o->no_verbose++; break;
		case 't': o->no_test = 1; break;
		case O_VIRTUAL: o->no_virtual = optarg; break;
		case O_FAILOVER: o->no_failover = optarg; break;
		case O_TRACK: o->no_track = optarg; break;
		case O_NODE: o->no_node = optarg; break;
		case O_ADDRESS: o->no_address = optarg; break;
		case O_LOG: o->no_log = optarg; break;
		case O_HELP:
			usage(stdout);
			*code = 0;
			return -1;
		case O_VERSION:
			printf("nanny (shoal) %s\n", PACKAGE_VERSION);
			*code = 0;
			return -1;
		default:
			usage(stderr);
			*code = 2;
			return -1;
		}
	}
	if (optind != argc || (o->no_virtual != NULL) +
	    (o->no_failover != NULL) + (o->no_track != NULL) != 1) {
		fprintf(stderr, "nanny: give exactly one of --virtual, "
		    "--failover or --track\n");
		usage(stderr);
		*code = 2;
		return -1;
	}
	return 0;
}

/* Writes a report line to pulse; a pipe that is gone ends nanny. */
static void
nanny_on_report(const struct nanny_report *r0, void *arg)
{
	struct nanny		*n = arg;
	struct nanny_report	 rr = *r0, *r = &rr;
	char			 line[NANNY_REPORT_LINE_MAX + 1];
	int			 len;
	ssize_t			 w;

	if (n->n_rename[0] != '\0')
		str_copy(rr.nr_service, n->n_rename, sizeof(rr.nr_service));
	if ((len = nanny_report_format(r, line, sizeof(line))) == -1) {
		log_warnx("cannot format report for %s/%s", r->nr_service,
		    r->nr_server);
		return;
	}
	while ((w = write(n->n_out, line, (size_t)len)) == -1 &&
	    errno == EINTR)
		;
	if (w == -1) {
		log_warn("report pipe");
		event_base_loopbreak(n->n_base);
	}
}

static void
nanny_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct nanny		*n = arg;
	enum server_force	 f;
	size_t			 i;

	(void)what;
	switch (sig) {
	case SIGUSR1:
		f = SERVER_FORCE_DOWN;
		break;
	case SIGUSR2:
		f = SERVER_FORCE_UP;
		break;
	case SIGHUP:
		f = SERVER_FORCE_NONE;
		break;
	default:
		log_info("Terminating due to signal %d", (int)sig);
		event_base_loopbreak(n->n_base);
		return;
	}
	log_info("signal %d: %s", (int)sig, f == SERVER_FORCE_DOWN ?
	    "forcing servers down" : f == SERVER_FORCE_UP ?
	    "forcing servers up" : "back to normal checking");
	for (i = 0; i < n->n_nservers; i++)
		server_force(n->n_servers[i], f);
}

static int
nanny_signals(struct nanny *n)
{
	static const int sigs[] = { SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGINT };
	size_t	 i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		n->n_ev_sig[i] = evsignal_new(n->n_base, sigs[i],
		    nanny_on_signal, n);
		if (n->n_ev_sig[i] == NULL ||
		    evsignal_add(n->n_ev_sig[i], NULL) == -1)
			return -1;
	}
	return 0;
}

/* Appends a server; -1 (logged) when its check settings are bad. */
static int
nanny_add(struct nanny *n, const struct shoal_config *c,
    const struct cfg_virtual *vs, const struct cfg_server *rs,
    const struct cfg_addr *addr)
{
	struct server	**ns, *s;
	char		  err[256];

	err[0] = '\0';
	s = server_new(n->n_base, &c->c_global, vs, rs, addr, nanny_on_report,
	    n, err, sizeof(err));
	if (s == NULL) {
		log_warnx("%s %s%s%s: %s", vs->vs_kind == CFG_VS_VIRTUAL ?
		    "virtual" : "failover", vs->vs_name, rs != NULL ? "/" : "",
		    rs != NULL ? rs->rs_name : "", err);
		return -1;
	}
	ns = reallocarray(n->n_servers, n->n_nservers + 1, sizeof(*ns));
	if (ns == NULL) {
		server_free(s);
		log_warn("servers");
		return -1;
	}
	n->n_servers = ns;
	n->n_servers[n->n_nservers++] = s;
	return 0;
}

/* The address a fail-over service is checked on; -1 (logged) if none. */
static int
failover_addr(const struct shoal_config *c, const struct nanny_opts *o,
    const struct cfg_virtual *vs, struct cfg_addr *a)
{
	struct cfg_node_list	 nodes;
	struct cfg_node		*nd;
	int			 rv = -1;

	*a = vs->vs_address;
	if (o->no_address != NULL) {
		if ((rv = cfg_addr_parse(a, o->no_address)) == -1)
			log_warnx("--address %s: invalid host name or ip "
			    "address", o->no_address);
		return rv;
	}
	if (o->no_node == NULL)
		return 0;
	TAILQ_INIT(&nodes);
	if (config_effective_nodes(c, &nodes) == -1) {
		log_warnx("out of memory");
		return -1;
	}
	TAILQ_FOREACH(nd, &nodes, n_entry)
		if (strcmp(nd->n_name, o->no_node) == 0) {
			*a = nd->n_address;
			rv = 0;
		}
	if (rv == -1)
		log_warnx("--node %s: no such node", o->no_node);
	cfg_node_list_free(&nodes);
	return rv;
}

static int nanny_build_virtual(struct nanny *, const struct shoal_config *,
    const char *);

/* ---- tracked checks (track.h) ---- */

/* Drops the server checking the old gateway. */
static void
gw_drop(struct nanny *n)
{
	size_t	 i;

	for (i = 0; i < n->n_nservers; i++)
		server_free(n->n_servers[i]);
	n->n_nservers = 0;
}

/* No default route: the track fails at once, with that reason. */
static void
gw_report_none(struct nanny *n)
{
	struct nanny_report	 r;

	memset(&r, 0, sizeof(r));
	str_copy(r.nr_service, n->n_track->t_name, sizeof(r.nr_service));
	str_copy(r.nr_server, NANNY_REPORT_NO_SERVER, sizeof(r.nr_server));
	(void)cfg_addr_parse(&r.nr_addr, "0.0.0.0");
	r.nr_state = NANNY_DOWN;
	str_copy(r.nr_reason, "no default route", sizeof(r.nr_reason));
	nanny_on_report(&r, n);
}

/*
 * Every interval: the gateway of the default route now.  When it changed
 * (appeared, went, moved), the server pinging the old one goes and one
 * for the new one starts; without a default route the track is down.
 */
static void
nanny_on_gateway(evutil_socket_t fd, short what, void *arg)
{
	struct nanny	*n = arg;
	struct cfg_addr	 gw;
	struct timeval	 tv;
	int		 st;

	(void)fd;
	(void)what;
	memset(&gw, 0, sizeof(gw));
	st = track_default_gateway(&gw) == 0;
	if (st != n->n_gw_state || (st && !cfg_addr_equal(&gw, &n->n_gw))) {
		char ab[CFG_ADDR_STRLEN];

		gw_drop(n);
		n->n_gw_state = st;
		n->n_gw = gw;
		log_info("track %s: %s%s", n->n_track->t_name, st ?
		    "default gateway " : "no default route",
		    st ? cfg_addr_str(&gw, ab, sizeof(ab)) : "");
		if (!st)
			gw_report_none(n);
		else if (nanny_add(n, n->n_cfg, n->n_track_vs, NULL, &gw) ==
		    -1 || server_start(n->n_servers[0], 0) == -1)
			fatalx("cannot check the default gateway");
	}
	tv.tv_sec = n->n_track->t_interval_ms / 1000;
	tv.tv_usec = (n->n_track->t_interval_ms % 1000) * 1000;
	evtimer_add(n->n_gw_ev, &tv);
}

/*
 * Track name: a virtual's servers reported under the track's name, or
 * one server with the track's settings (the default gateway's is made
 * when the watch first runs).  0 or -1.
 */
static int
nanny_build_track(struct nanny *n, const struct shoal_config *c,
    const char *name)
{
	const struct cfg_track	*t;
	struct cfg_addr		 a;

	if ((t = config_find_track(c, name)) == NULL) {
		log_warnx("no track %s", name);
		return -1;
	}
	n->n_track = t;
	n->n_cfg = c;
	if (t->t_kind == CFG_TRACK_VIRTUAL) {
		str_copy(n->n_rename, t->t_name, sizeof(n->n_rename));
		return nanny_build_virtual(n, c, t->t_virtual);
	}
	if ((n->n_track_vs = track_settings(t)) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	if (t->t_kind == CFG_TRACK_PROGRAM) {
		(void)cfg_addr_parse(&a, "127.0.0.1");
		return nanny_add(n, c, n->n_track_vs, NULL, &a);
	}
	if (cfg_addr_is_set(&t->t_address))
		return nanny_add(n, c, n->n_track_vs, NULL, &t->t_address);
	n->n_gw_state = -1;
	n->n_gw_ev = evtimer_new(n->n_base, nanny_on_gateway, n);
	return n->n_gw_ev != NULL ? 0 : -1;
}

/* Builds the servers to check from the configuration; 0 or -1. */
static int
nanny_build(struct nanny *n, const struct shoal_config *c,
    const struct nanny_opts *o)
{
	const struct cfg_virtual	*vs;
	struct cfg_addr			 a;

	if (o->no_failover != NULL) {
		if ((vs = config_find_failover(c, o->no_failover)) == NULL) {
			log_warnx("no failover service %s", o->no_failover);
			return -1;
		}
		if (failover_addr(c, o, vs, &a) == -1)
			return -1;
		return nanny_add(n, c, vs, NULL, &a);
	}
	if (o->no_track != NULL)
		return nanny_build_track(n, c, o->no_track);
	return nanny_build_virtual(n, c, o->no_virtual);
}

/* The active real servers of virtual name; 0 or -1. */
static int
nanny_build_virtual(struct nanny *n, const struct shoal_config *c,
    const char *name)
{
	const struct cfg_virtual	*vs;
	const struct cfg_server		*rs;
	int				 bad = 0;

	if ((vs = config_find_virtual(c, name)) == NULL) {
		log_warnx("no virtual server %s", name);
		return -1;
	}
	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry) {
		if (!rs->rs_active) {
			log_debug("%s/%s: not active, not checked",
			    vs->vs_name, rs->rs_name);
			continue;
		}
		if (nanny_add(n, c, vs, rs, NULL) == -1)
			bad++;
	}
	if (n->n_nservers == 0 && bad == 0)
		log_warnx("virtual %s has no active real server", vs->vs_name);
	return bad > 0 ? -1 : 0;
}

static struct shoal_config *
nanny_load(const char *db)
{
	struct shoal_config	*c = NULL;
	struct store		*st;
	struct store_gen	 gen;
	struct diag		 d;

	diag_init(&d);
	if ((st = store_open(db, STORE_RDONLY, &d)) == NULL) {
		struct diag_item *di;

		TAILQ_FOREACH(di, &d.d_items, di_entry)
			log_warnx("%s: %s", db, di->di_msg);
		diag_clear(&d);
		return NULL;
	}
	diag_clear(&d);
	if (store_load(st, &c, &gen) == -1)
		log_warnx("%s: cannot load the configuration", db);
	else
		log_debug("%s: generation %llu", db,
		    (unsigned long long)gen.sg_generation);
	store_close(st);
	return c;
}

/* Starts every server, spread over one interval so checks do not bunch. */
static void
nanny_start(struct nanny *n)
{
	size_t	 i;

	for (i = 0; i < n->n_nservers; i++) {
		uint64_t d = (uint64_t)server_interval_ms(n->n_servers[i]) *
		    i / n->n_nservers;

		if (server_start(n->n_servers[i], (uint32_t)d) == -1)
			fatalx("cannot start the checks");
	}
	if (n->n_gw_ev != NULL) {
		struct timeval now = { 0, 0 };

		evtimer_add(n->n_gw_ev, &now);
	}
}

static void
nanny_free(struct nanny *n)
{
	size_t	 i;

	for (i = 0; i < n->n_nservers; i++)
		server_free(n->n_servers[i]);
	free(n->n_servers);
	if (n->n_gw_ev != NULL)
		event_free(n->n_gw_ev);
	cfg_virtual_free(n->n_track_vs);
	for (i = 0; i < sizeof(n->n_ev_sig) / sizeof(n->n_ev_sig[0]); i++)
		if (n->n_ev_sig[i] != NULL)
			event_free(n->n_ev_sig[i]);
	if (n->n_base != NULL)
		event_base_free(n->n_base);
}

static const char *
what_kind(const struct nanny_opts *o)
{
	return o->no_virtual != NULL ? "virtual" : o->no_failover != NULL ?
	    "failover" : "track";
}

static const char *
what_name(const struct nanny_opts *o)
{
	return o->no_virtual != NULL ? o->no_virtual :
	    o->no_failover != NULL ? o->no_failover : o->no_track;
}

int
main(int argc, char *argv[])
{
	struct nanny_opts	 o;
	struct nanny		 n;
	struct shoal_config	*c;
	int			 code = 1;

	if (parse_opts(argc, argv, &o, &code) == -1)
		return code;
	log_init("nanny", o.no_foreground || o.no_test, o.no_verbose,
	    o.no_log);
	prctl(PR_SET_PDEATHSIG, SIGTERM);	/* dies with pulse */
	memset(&n, 0, sizeof(n));
	n.n_out = STDOUT_FILENO;
	if ((c = nanny_load(o.no_db)) == NULL)
		return 1;
	if ((n.n_base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if (nanny_build(&n, c, &o) == -1)
		goto done;
	if (o.no_test) {
		printf("nanny: %s %s: %zu server(s) to check, settings OK\n",
		    what_kind(&o), what_name(&o), n.n_nservers);
		code = 0;
		goto done;
	}
	if (nanny_signals(&n) == -1)
		fatalx("cannot set up signals");
	log_info("starting nanny for %s %s: %zu server(s)", what_kind(&o),
	    what_name(&o), n.n_nservers);
	nanny_start(&n);
	event_base_dispatch(n.n_base);
	code = 0;
done:
	nanny_free(&n);
	config_free(c);
	log_close();
	return code;
}
