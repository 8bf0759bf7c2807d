/*
 * pulse.c - the pulse daemon: options, start-up checks and the supervisor.
 *
 * The supervisor is a small parent that forks the worker (worker.c) and
 * restarts it with a growing back-off.  When the worker dies it removes
 * this node's VIPs at once and tells the peers this node is leaving (with
 * a sequence above anything the worker sent), so a crashed worker never
 * leaves a duplicate address behind and the backup need not wait for the
 * dead time.
 */
#include "shoal-build.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "heartbeat.h"
#include "leave.h"
#include "load.h"
#include "log.h"
#include "runtime.h"
#include "util.h"
#include "vip.h"
#include "worker.h"

#define BACKOFF_MIN_MS		500
#define BACKOFF_MAX_MS		30000
#define STABLE_MS		60000	/* a worker this old resets back-off */
#define STOP_TIMEOUT_S		40	/* worker: stop_cmds run up to 30 s */

struct super {
	struct event_base	*s_base;
	struct worker_opts	 s_opts;
	int			 s_foreground;
	pid_t			 s_pid;		/* the worker, 0 when none */
	uint64_t		 s_started_ms;
	uint64_t		 s_seq_floor;	/* last LEAVING sequence */
	uint32_t		 s_backoff_ms;
	int			 s_stopping;
	struct event		*s_restart;
	struct event		*s_killer;
	struct pulse_rt		*s_rt;		/* last good config */
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: pulse [-ntv] [--db PATH] [--node NAME] "
	    "[--rundir DIR] [--log FILE]\n"
	    "  -f, --db PATH     configuration database [%s]\n"
	    "  -n, --nodaemon    stay in the foreground, log to stderr\n"
	    "  -t, --test        check the configuration for this host and "
	    "exit\n"
	    "  -v, --verbose     more logging (repeat for more)\n"
	    "      --node NAME   this node's name (default: by local "
	    "address)\n"
	    "      --rundir DIR  control socket directory [%s]\n"
	    "      --log FILE    also log to FILE\n"
	    "      --help, --version\n", SHOAL_DEFAULT_DB,
	    SHOAL_DEFAULT_RUNDIR);
}

/* Loads and prints diagnostics; NULL when pulse cannot run here. */
static struct pulse_rt *
load_checked(const char *db, const char *node)
{
	struct pulse_rt *rt;
	struct diag d;

	diag_init(&d);
	if (pulse_load(db, node, &rt, NULL, &d) == -1) {
		diag_print(&d, stderr);
		diag_clear(&d);
		return NULL;
	}
	diag_print(&d, stderr);		/* warnings */
	diag_clear(&d);
	return rt;
}

/* After the worker died: free its VIPs and announce LEAVING. */
static void
cleanup_after_worker(struct super *s)
{
	struct pulse_rt *rt;
	struct diag d;
	uint64_t now = pulse_realtime_ms(), t;
	int removed, sent;

	diag_init(&d);
	if (pulse_load(s->s_opts.wo_db, s->s_opts.wo_node, &rt, NULL, &d) == 0) {
		runtime_free(s->s_rt);
		s->s_rt = rt;
	}
	diag_clear(&d);
	removed = vip_remove_all(s->s_rt);
	t = s->s_opts.wo_first_seq >> HB_SEQ_SHIFT;
	s->s_seq_floor = heartbeat_seq_ceiling(now > t ? now : t);
	sent = pulse_send_leaving(s->s_rt, &s->s_seq_floor);
	log_info("worker gone: removed %d virtual address(es), told %d "
	    "peer path(s) this node is leaving", removed > 0 ? removed : 0,
	    sent);
}

static void
child_run(struct super *s)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };

	/* the parent's loop and its signal handlers must not live on here:
	 * libevent allows one base with signals per process.  Reinit first:
	 * the epoll instance is shared with the parent until then. */
	(void)event_reinit(s->s_base);
	event_base_free(s->s_base);
	s->s_base = NULL;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		log_warn("prctl(PR_SET_PDEATHSIG)");
	_exit(worker_main(&s->s_opts));
}

static void
spawn(struct super *s)
{
	pid_t pid;

	s->s_opts.wo_first_seq = heartbeat_seq_first(pulse_realtime_ms(),
	    s->s_seq_floor);
	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		return;
	case 0:
		child_run(s);
		break;
	default:
		s->s_pid = pid;
		s->s_started_ms = clock_monotonic_ms();
		log_debug("worker started as pid %d", (int)pid);
	}
}

static void
restart_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	spawn(arg);
}

static void
schedule_restart(struct super *s)
{
	struct timeval tv;

	if (clock_monotonic_ms() - s->s_started_ms >= STABLE_MS)
		s->s_backoff_ms = BACKOFF_MIN_MS;
	tv.tv_sec = s->s_backoff_ms / 1000;
	tv.tv_usec = (s->s_backoff_ms % 1000) * 1000;
	log_info("restarting the worker in %u ms", s->s_backoff_ms);
	evtimer_add(s->s_restart, &tv);
	s->s_backoff_ms *= 2;
	if (s->s_backoff_ms > BACKOFF_MAX_MS)
		s->s_backoff_ms = BACKOFF_MAX_MS;
}

static void
worker_exited(struct super *s, int status)
{
	s->s_pid = 0;
	if (s->s_stopping) {
		event_base_loopexit(s->s_base, NULL);
		return;
	}
	if (WIFSIGNALED(status))
		log_warnx("worker killed by signal %d", WTERMSIG(status));
	else
		log_warnx("worker exited with status %d", WEXITSTATUS(status));
	cleanup_after_worker(s);
	schedule_restart(s);
}

static void
killer_cb(int fd, short what, void *arg)
{
	struct super *s = arg;

	(void)fd;
	(void)what;
	if (s->s_pid == 0)
		return;
	log_warnx("worker did not stop in %d s: killing it", STOP_TIMEOUT_S);
	kill(s->s_pid, SIGKILL);
}

static void
signal_cb(int sig, short what, void *arg)
{
	struct super *s = arg;
	struct timeval tv = { STOP_TIMEOUT_S, 0 };
	int status;
	pid_t pid;

	(void)what;
	switch (sig) {
	case SIGCHLD:
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == s->s_pid)
				worker_exited(s, status);
		break;
	case SIGHUP:
		if (s->s_pid != 0)
			kill(s->s_pid, SIGHUP);
		break;
	default:
		if (s->s_stopping)
			break;
		s->s_stopping = 1;
		if (s->s_pid == 0) {
			log_info("Terminating due to signal %d", sig);
			event_base_loopexit(s->s_base, NULL);
			break;
		}
		kill(s->s_pid, SIGTERM);
		evtimer_add(s->s_killer, &tv);
	}
}

static int
supervise(struct super *s)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	struct event *ev[4];

	if ((s->s_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (size_t i = 0; i < 4; i++)
		if ((ev[i] = evsignal_new(s->s_base, sigs[i], signal_cb,
		    s)) == NULL || evsignal_add(ev[i], NULL) == -1)
			fatalx("signal events");
	s->s_restart = evtimer_new(s->s_base, restart_cb, s);
	s->s_killer = evtimer_new(s->s_base, killer_cb, s);
	s->s_backoff_ms = BACKOFF_MIN_MS;
	signal(SIGPIPE, SIG_IGN);
	spawn(s);
	event_base_dispatch(s->s_base);
	for (size_t i = 0; i < 4; i++)
		event_free(ev[i]);
	event_free(s->s_restart);
	event_free(s->s_killer);
	event_base_free(s->s_base);
	runtime_free(s->s_rt);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'f' },
		{ "nodaemon", no_argument, NULL, 'n' },
		{ "test", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "node", required_argument, NULL, 'N' },
		{ "rundir", required_argument, NULL, 'R' },
		{ "log", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct super s;
	const char *logfile = NULL;
	int ch, test = 0, verbose = 0;

	memset(&s, 0, sizeof(s));
	s.s_opts.wo_db = SHOAL_DEFAULT_DB;
	s.s_opts.wo_rundir = SHOAL_DEFAULT_RUNDIR;
	while ((ch = getopt_long(argc, argv, "f:ntvhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			s.s_opts.wo_db = optarg;
			break;
		case 'n':
			s.s_foreground = 1;
			break;
		case 't':
			test = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'N':
			s.s_opts.wo_node = optarg;
			break;
		case 'R':
			s.s_opts.wo_rundir = optarg;
			break;
		case 'L':
			logfile = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("pulse (shoal) %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("pulse", s.s_foreground || test, verbose, logfile);
	if ((s.s_rt = load_checked(s.s_opts.wo_db, s.s_opts.wo_node)) ==
	    NULL) {
		fprintf(stderr, "pulse: cannot run with %s on this host\n",
		    s.s_opts.wo_db);
		return 1;
	}
	if (test) {
		runtime_print(s.s_rt, stdout);
		printf("configuration OK (generation %llu)\n",
		    (unsigned long long)s.s_rt->rt_generation);
		runtime_free(s.s_rt);
		return 0;
	}
	if (!s.s_foreground && daemon(0, 0) == -1)
		fatal("daemon");
	log_info("starting pulse %s for node %s", PACKAGE_VERSION,
	    s.s_rt->rt_nodes[s.s_rt->rt_self].rn_name);
	supervise(&s);
	log_info("pulse stopped");
	log_close();
	return 0;
}
