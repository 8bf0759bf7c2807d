/*
 * shoal-sync.c - push the configuration to every node, trust a node's host
 * key, show every node's generation.  The work is in sync.c; this file is
 * option parsing and output.
 *
 * Exit codes: 0 every node done, 1 some node failed (the table says why),
 * 2 usage or local error.
 */
#include "shoal-build.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "ipc/ctl.h"
#include "sync.h"

#define EXIT_USAGE	2

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: shoal-sync [options] push [--nodes a,b] [--dry-run] "
	    "[--allow-partial] [--force] [--rundir DIR]\n"
	    "       shoal-sync [options] trust NODE [--yes]\n"
	    "       shoal-sync [options] status\n"
	    "options:\n"
	    "  -f, --db PATH          configuration database [%s]\n"
	    "  -k, --known-hosts FILE known host keys [%s]\n"
	    "  -i, --identity FILE    private key (overrides each node's "
	    "ssh_key)\n"
	    "  -s, --self NODE        this node's name [found by local "
	    "address]\n"
	    "  -t, --timeout SECONDS  timeout of each SSH step [%d]\n"
	    "  -v, --verbose          more messages (repeatable)\n"
	    "  -h, --help, -V, --version\n",
	    SHOAL_DEFAULT_DB, SYNC_DEF_KNOWN_HOSTS, SSH_DEF_TIMEOUT_MS / 1000);
}

/* Prints each node's progress as it happens. */
static void
on_event(const struct sync_node *n, void *arg)
{
	(void)arg;
	switch (n->sn_state) {
	case SYNC_FAILED:
		printf("%s: failed: %s\n", n->sn_name, n->sn_msg);
		break;
	case SYNC_NOT_COMMITTED:
		printf("%s: %s\n", n->sn_name, n->sn_msg);
		break;
	case SYNC_COMMITTED:
		printf("%s: committed generation %" PRIu64 "\n", n->sn_name,
		    n->sn_generation);
		break;
	case SYNC_DONE:
		break;
	default:
		printf("%s: %s\n", n->sn_name, sync_state_name(n->sn_state));
	}
	fflush(stdout);
}

static void
print_table(const struct sync_result *r, int status)
{
	const struct sync_node *n;
	char where[CFG_ADDR_STRLEN + 8];
	size_t i;

	printf("\n%-16s %-22s %-14s %-10s %-12s %s\n", "NODE", "ADDRESS",
	    "STATE", "GENERATION", "HASH", "DETAIL");
	for (i = 0; i < r->sr_n; i++) {
		n = &r->sr_nodes[i];
		snprintf(where, sizeof(where), "%s%s%s:%u",
		    strchr(n->sn_addr, ':') ? "[" : "", n->sn_addr,
		    strchr(n->sn_addr, ':') ? "]" : "", n->sn_port);
		printf("%-16s %-22s %-14s ", n->sn_name, where,
		    n->sn_state == SYNC_FAILED ? sync_reason_name(n->sn_reason) :
		    sync_state_name(n->sn_state));
		if (n->sn_generation > 0)
			printf("%-10" PRIu64 " %-12.12s ", n->sn_generation,
			    n->sn_hash);
		else
			printf("%-10s %-12s ", "-", "-");
		if (n->sn_state == SYNC_FAILED ||
		    n->sn_state == SYNC_NOT_COMMITTED)
			printf("%s\n", n->sn_msg);
		else if (status && n->sn_state == SYNC_DONE &&
		    (n->sn_generation != r->sr_generation ||
		    strcmp(n->sn_hash, r->sr_hash) != 0))
			printf("stale: differs from this node\n");
		else
			printf("\n");
	}
	if (status)
		printf("this node: generation %" PRIu64 " (%.12s)\n",
		    r->sr_generation, r->sr_hash);
	if (!status)
		printf("generation %" PRIu64 " (%.12s): %d committed, %d "
		    "prepared only, %d failed, of %zu\n", r->sr_generation,
		    r->sr_hash, r->sr_committed, r->sr_prepared, r->sr_failed,
		    r->sr_n);
}

/* Splits "a,b,c" into a NULL-terminated array (in place). */
static const char **
split_nodes(char *list)
{
	const char **v;
	size_t n = 1, i = 0;
	char *p, *tok;

	for (p = list; *p != '\0'; p++)
		if (*p == ',')
			n++;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return NULL;
	while ((tok = strsep(&list, ",")) != NULL)
		if (*tok != '\0')
			v[i++] = tok;
	if (i == 0) {
		free(v);
		return NULL;
	}
	return v;
}

/*
 * Tells this host's pulse that a push ended (an event for its hooks and
 * a metric).  pulse not running here (an admin station without one) is
 * not an error.
 */
static void
report_push(const char *rundir, const struct sync_result *r, const char *by)
{
	char gen[24], ok[16], bad[16], who[64], err[256];
	const char *args[5] = { gen, r->sr_failed == 0 ? "ok" : "failed",
	    ok, bad, who };
	json_t *j;

	snprintf(gen, sizeof(gen), "%" PRIu64, r->sr_generation);
	snprintf(ok, sizeof(ok), "%d", r->sr_committed);
	snprintf(bad, sizeof(bad), "%d", r->sr_failed);
	snprintf(who, sizeof(who), "%s", by != NULL ? by : "shoal-sync");
	for (char *p = who; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ')
			*p = '_';
	if ((j = ctl_call(rundir, CTL_PUSH_DONE, args, 5, 2000, err,
	    sizeof(err))) == NULL)
		log_debug("push not reported to pulse: %s", err);
	json_decref(j);
}

static int
cmd_push(struct sync_opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "allow-partial", no_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'F' },
		{ "rundir", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = SHOAL_DEFAULT_RUNDIR;
	const char **nodes = NULL;
	struct sync_result *r;
	int ch, rc;

	optind = 0;	/* re-initialise GNU getopt (it saw "+" before) */
	while ((ch = getopt_long(argc, argv, "n:dpF", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			free(nodes);
			if ((nodes = split_nodes(optarg)) == NULL) {
				fprintf(stderr, "shoal-sync: --nodes: empty "
				    "list\n");
				return EXIT_USAGE;
			}
			break;
		case 'd':
			o->so_dry_run = 1;
			break;
		case 'p':
			o->so_allow_partial = 1;
			break;
		case 'F':
			o->so_force = 1;
			break;
		case 'R':
			rundir = optarg;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		free(nodes);
		return EXIT_USAGE;
	}
	o->so_nodes = nodes;
	rc = sync_push(o, &r);
	free(nodes);
	if (rc == -1)
		return EXIT_USAGE;
	if (r->sr_n == 0)
		printf("no peers to push to\n");
	else
		print_table(r, 0);
	if (r->sr_n > 0 && !o->so_dry_run)
		report_push(rundir, r, o->so_user);
	sync_result_free(r);
	return rc;
}

static int
cmd_status(struct sync_opts *o, int argc, char *argv[])
{
	struct sync_result *r;
	int rc;

	(void)argv;
	if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	o->so_event = NULL;
	if ((rc = sync_status(o, &r)) == -1)
		return EXIT_USAGE;
	print_table(r, 1);
	sync_result_free(r);
	return rc;
}

/* Asks on the terminal; anything but y/yes is no. */
static int
confirm(const struct sync_node *n, void *arg)
{
	char line[16];
	FILE *tty;

	printf("%s (%s port %u) offers host key %s\n", n->sn_name, n->sn_addr,
	    n->sn_port, n->sn_fp);
	if (*(int *)arg)
		return 1;
	if ((tty = fopen("/dev/tty", "r+")) == NULL) {
		fprintf(stderr, "shoal-sync: no terminal to confirm on: check "
		    "the fingerprint and use --yes\n");
		return 0;
	}
	fprintf(tty, "Trust this key for %s? [y/N] ", n->sn_name);
	fflush(tty);
	if (fgets(line, sizeof(line), tty) == NULL)
		line[0] = '\0';
	fclose(tty);
	return strcmp(line, "y\n") == 0 || strcmp(line, "yes\n") == 0;
}

static int
cmd_trust(struct sync_opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	struct sync_node n;
	int ch, yes = 0, rc;

	optind = 0;	/* re-initialise GNU getopt (it saw "+" before) */
	while ((ch = getopt_long(argc, argv, "y", longopts, NULL)) != -1) {
		if (ch != 'y') {
			usage(stderr);
			return EXIT_USAGE;
		}
		yes = 1;
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	o->so_event = NULL;
	rc = sync_trust(o, argv[optind], confirm, &yes, &n);
	if (rc == -1)
		return EXIT_USAGE;
	if (rc == 0)
		printf("%s: %s (%s)\n", n.sn_name, n.sn_msg, n.sn_fp);
	else
		printf("%s: failed: %s\n", n.sn_name, n.sn_msg);
	return rc;
}

/* Who pushes, for the audit trail: "cli:" + $SUDO_USER or the login. */
static const char *
audit_user(char *buf, size_t len)
{
	const char *who = getenv("SUDO_USER");
	struct passwd *pw;

	if (who == NULL || *who == '\0')
		who = (pw = getpwuid(getuid())) != NULL ? pw->pw_name : "?";
	snprintf(buf, len, "cli:%s", who);
	return buf;
}

static int
parse_timeout(const char *s, unsigned *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v <= 0 || v > 3600)
		return -1;
	*ms = (unsigned)(v * 1000);
	return *ms > 0 ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'f' },
		{ "known-hosts", required_argument, NULL, 'k' },
		{ "identity", required_argument, NULL, 'i' },
		{ "self", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sync_opts o;
	char user[96];
	int ch, verbose = 0;

	memset(&o, 0, sizeof(o));
	o.so_db = SHOAL_DEFAULT_DB;
	o.so_user = audit_user(user, sizeof(user));
	o.so_event = on_event;
	while ((ch = getopt_long(argc, argv, "+f:k:i:s:t:vhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			o.so_db = optarg;
			break;
		case 'k':
			o.so_known_hosts = optarg;
			break;
		case 'i':
			o.so_identity = optarg;
			break;
		case 's':
			o.so_self = optarg;
			break;
		case 't':
			if (parse_timeout(optarg, &o.so_timeout_ms) == -1) {
				fprintf(stderr, "shoal-sync: --timeout: not a "
				    "number of seconds: %s\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("shoal-sync %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	log_init("shoal-sync", 1, verbose, NULL);
	/* a peer that drops the connection must not kill us */
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[0], "push") == 0)
		return cmd_push(&o, argc, argv);
	if (strcmp(argv[0], "trust") == 0)
		return cmd_trust(&o, argc, argv);
	if (strcmp(argv[0], "status") == 0)
		return cmd_status(&o, argc, argv);
	fprintf(stderr, "shoal-sync: unknown command: %s\n", argv[0]);
	usage(stderr);
	return EXIT_USAGE;
}
