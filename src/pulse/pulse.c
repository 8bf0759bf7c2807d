/*
 * pulse.c - the pulse daemon's supervisor.
 *
 * pulse is two processes.  This one is small on purpose: it needs libc
 * and libmnl only, never reads the database and has no event library.  It
 * starts the worker (pulse-worker, worker.c: heartbeats, election, VIPs,
 * control socket) and restarts it with a growing back-off.  When the
 * worker dies it removes this node's VIPs at once and tells the peers this
 * node is leaving, with a sequence above anything the worker sent, so a
 * crashed worker never leaves a duplicate address behind and the backup
 * need not wait for the dead time.  What to remove and whom to tell comes
 * from the worker itself: a leave plan (leave.h) sent over a
 * SOCK_SEQPACKET socket each time it has loaded a configuration.
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "heartbeat.h"
#include "leave.h"
#include "opts.h"

#define BACKOFF_MIN_MS		500
#define BACKOFF_MAX_MS		30000
#define STABLE_MS		60000	/* a worker this old resets back-off */
#define STOP_TIMEOUT_MS		40000	/* worker: stop_cmds run up to 30 s */
#define WORKER_FD		3	/* the plan socket, in the worker */
#define WORKER_NAME		"pulse-worker"

struct super {
	struct pulse_opts	 s_o;		/* passed on to the worker */
	char			 s_worker[PATH_MAX];

	pid_t			 s_pid;		/* the worker, 0 when none */
	int			 s_sock;	/* its plan socket, -1 */
	int			 s_sigfd;
	uint64_t		 s_started_ms;
	uint64_t		 s_first_seq;	/* the worker's first sequence */
	uint64_t		 s_seq_floor;	/* last LEAVING sequence */
	uint32_t		 s_backoff_ms;
	uint64_t		 s_restart_at;	/* monotonic ms, 0 = none */
	uint64_t		 s_kill_at;	/* monotonic ms, 0 = none */
	int			 s_stopping;
	int			 s_done;
	struct leave_plan	 s_plan;
	int			 s_have_plan;
};

/*
 * The worker program: $SHOAL_PULSE_WORKER, else pulse-worker beside this
 * executable (a build tree), else the installed one.  0 or -1.
 */
static int
find_worker(char *out, size_t len)
{
	const char *env = getenv("SHOAL_PULSE_WORKER");
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (env != NULL && *env != '\0') {
		if (realpath(env, self) == NULL) {
			log_warn("SHOAL_PULSE_WORKER %s", env);
			return -1;
		}
		return str_copy(out, self, len) < len ? 0 : -1;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL &&
		    (size_t)(slash - self) + sizeof("/" WORKER_NAME) <=
		    sizeof(self)) {
			strcpy(slash + 1, WORKER_NAME);
			if (access(self, X_OK) == 0)
				return str_copy(out, self, len) < len ? 0 : -1;
		}
	}
	str_copy(out, SHOAL_PKGLIBEXECDIR "/" WORKER_NAME, len);
	if (access(out, X_OK) == -1) {
		log_warn("%s", out);
		return -1;
	}
	return 0;
}

/* p made absolute: the daemon changes to / before the worker starts. */
static const char *
absolute(const char *p)
{
	char cwd[PATH_MAX], *abs;

	if (p == NULL || p[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return p;
	if (asprintf(&abs, "%s/%s", cwd, p) == -1)
		fatal("asprintf");
	return abs;		/* lives as long as the process */
}

/*
 * The worker's argv: MODE is "--check", "-t", "--cleanup" or NULL (run).
 * Strings live in a static buffer until the next call.
 */
static char **
worker_argv(const struct super *s, const char *mode, int fd, uint64_t seq)
{
	static char *argv[24];
	static char fdstr[16], seqstr[24];
	size_t i = 0;

	argv[i++] = (char *)s->s_worker;
	if (mode != NULL)
		argv[i++] = (char *)mode;
	else {
		snprintf(fdstr, sizeof(fdstr), "%d", fd);
		snprintf(seqstr, sizeof(seqstr), "%" PRIu64, seq);
		argv[i++] = (char *)"--supervisor-fd";
		argv[i++] = fdstr;
		argv[i++] = (char *)"--first-seq";
		argv[i++] = seqstr;
	}
	argv[i++] = (char *)"--db";
	argv[i++] = (char *)s->s_o.po_db;
	argv[i++] = (char *)"--rundir";
	argv[i++] = (char *)s->s_o.po_rundir;
	if (s->s_o.po_node != NULL) {
		argv[i++] = (char *)"--node";
		argv[i++] = (char *)s->s_o.po_node;
	}
	if (s->s_o.po_logfile != NULL && mode == NULL) {
		argv[i++] = (char *)"--log";
		argv[i++] = (char *)s->s_o.po_logfile;
	}
	if (s->s_o.po_foreground)
		argv[i++] = (char *)"-n";
	if (!s->s_o.po_realtime)
		argv[i++] = (char *)"--no-realtime";
	for (int v = 0; v < s->s_o.po_verbose && v < 3; v++)
		argv[i++] = (char *)"-v";
	argv[i] = NULL;
	return argv;
}

/* Runs the worker's start-up check in the foreground: its exit status. */
static int
check_config(struct super *s)
{
	int status;
	pid_t pid;

	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		return 1;
	case 0:
		execv(s->s_worker, worker_argv(s, "--check", -1, 0));
		log_warn("%s", s->s_worker);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* ---- the worker's leave plan ---- */

static void
read_plans(struct super *s)
{
	struct leave_plan lp;
	uint8_t *buf;
	ssize_t n;

	while (s->s_sock != -1) {
		/* the size first: a plan is one message of any length */
		n = recv(s->s_sock, NULL, 0, MSG_PEEK | MSG_TRUNC |
		    MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {		/* the worker closed it, or an error */
			close(s->s_sock);
			s->s_sock = -1;
			return;
		}
		if ((buf = malloc((size_t)n)) == NULL) {
			log_warn("leave plan");
			(void)recv(s->s_sock, &lp, 1, MSG_DONTWAIT);
			continue;
		}
		if (recv(s->s_sock, buf, (size_t)n, MSG_DONTWAIT) != n ||
		    leave_plan_decode(buf, (size_t)n, &lp) == -1)
			log_warnx("the worker sent a malformed leave plan "
			    "(%zd bytes): keeping the previous one", n);
		else {
			if (s->s_have_plan)
				leave_plan_clear(&s->s_plan);
			s->s_plan = lp;
			s->s_have_plan = 1;
			log_debug("leave plan: %zu virtual address(es), %zu "
			    "peer path(s), generation %" PRIu64,
			    lp.lp_nvips, lp.lp_npeers, lp.lp_generation);
		}
		explicit_bzero(buf, (size_t)n);
		free(buf);
	}
}

/* After the worker died: free its VIPs and announce LEAVING. */
static void
cleanup_after_worker(struct super *s)
{
	uint64_t now = pulse_realtime_ms(), t;
	int removed, sent;

	if (!s->s_have_plan) {
		log_info("worker gone before it loaded a configuration: "
		    "nothing to clean up");
		return;
	}
	removed = leave_remove_vips(&s->s_plan);
	t = s->s_first_seq >> HB_SEQ_SHIFT;
	s->s_seq_floor = heartbeat_seq_ceiling(now > t ? now : t);
	sent = leave_send(&s->s_plan, &s->s_seq_floor);
	log_info("worker gone: removed %d virtual address(es), told %d "
	    "peer path(s) this node is leaving", removed > 0 ? removed : 0,
	    sent);
}

/* ---- the worker's life ---- */

static void
child_exec(struct super *s, int fd, pid_t parent)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* the worker must not outlive us: a lone worker would hold VIPs
	 * that nobody cleans up when it dies */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		log_warn("prctl(PR_SET_PDEATHSIG)");
	if (getppid() != parent)
		_exit(1);
	if (fd == WORKER_FD) {
		if (fcntl(fd, F_SETFD, 0) == -1)
			_exit(127);
	} else if (dup2(fd, WORKER_FD) == -1)
		_exit(127);
	execv(s->s_worker, worker_argv(s, NULL, WORKER_FD, s->s_first_seq));
	log_warn("%s", s->s_worker);
	_exit(127);
}

static void
spawn(struct super *s)
{
	int sv[2], big = LEAVE_PLAN_MAX + 4096;
	pid_t pid, parent = getpid();

	s->s_restart_at = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		s->s_restart_at = clock_monotonic_ms() + s->s_backoff_ms;
		return;
	}
	/* room for a whole plan in one message (root may exceed wmem_max) */
	if (setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &big,
	    sizeof(big)) == -1)
		(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big,
		    sizeof(big));
	s->s_first_seq = heartbeat_seq_first(pulse_realtime_ms(),
	    s->s_seq_floor);
	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		close(sv[0]);
		close(sv[1]);
		s->s_restart_at = clock_monotonic_ms() + s->s_backoff_ms;
		return;
	case 0:
		close(sv[0]);
		child_exec(s, sv[1], parent);
		break;
	}
	close(sv[1]);
	s->s_sock = sv[0];
	s->s_pid = pid;
	s->s_started_ms = clock_monotonic_ms();
	log_debug("worker %s started as pid %d", s->s_worker, (int)pid);
}

static void
schedule_restart(struct super *s)
{
	if (clock_monotonic_ms() - s->s_started_ms >= STABLE_MS)
		s->s_backoff_ms = BACKOFF_MIN_MS;
	log_info("restarting the worker in %u ms", s->s_backoff_ms);
	s->s_restart_at = clock_monotonic_ms() + s->s_backoff_ms;
	s->s_backoff_ms *= 2;
	if (s->s_backoff_ms > BACKOFF_MAX_MS)
		s->s_backoff_ms = BACKOFF_MAX_MS;
}

static void
worker_exited(struct super *s, int status)
{
	int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	s->s_pid = 0;
	s->s_kill_at = 0;
	read_plans(s);		/* a plan sent just before it died counts */
	if (s->s_sock != -1) {
		close(s->s_sock);
		s->s_sock = -1;
	}
	if (WIFSIGNALED(status))
		log_warnx("worker killed by signal %d", WTERMSIG(status));
	else if (!clean || !s->s_stopping)
		log_warnx("worker exited with status %d", WEXITSTATUS(status));
	/* a worker that stopped cleanly has released its VIPs and said
	 * LEAVING itself; any other end needs us */
	if (!clean || !s->s_stopping)
		cleanup_after_worker(s);
	if (s->s_stopping)
		s->s_done = 1;
	else
		schedule_restart(s);
}

static void
stop(struct super *s, int sig)
{
	if (s->s_stopping)
		return;
	s->s_stopping = 1;
	s->s_restart_at = 0;
	log_info("Terminating due to signal %d", sig);
	if (s->s_pid == 0) {
		s->s_done = 1;
		return;
	}
	kill(s->s_pid, SIGTERM);
	s->s_kill_at = clock_monotonic_ms() + STOP_TIMEOUT_MS;
}

static void
read_signals(struct super *s)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(s->s_sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
				if (pid == s->s_pid)
					worker_exited(s, status);
			break;
		case SIGHUP:
			(void)log_reopen();
			if (s->s_pid != 0)
				kill(s->s_pid, SIGHUP);
			break;
		default:
			stop(s, (int)si.ssi_signo);
		}
	}
}

static void
timers(struct super *s)
{
	uint64_t now = clock_monotonic_ms();

	if (s->s_restart_at != 0 && now >= s->s_restart_at)
		spawn(s);
	if (s->s_kill_at != 0 && now >= s->s_kill_at && s->s_pid != 0) {
		log_warnx("worker did not stop in %d s: killing it",
		    STOP_TIMEOUT_MS / 1000);
		kill(s->s_pid, SIGKILL);
		s->s_kill_at = 0;
	}
}

static int
timeout_ms(const struct super *s)
{
	uint64_t now = clock_monotonic_ms(), next = 0;

	if (s->s_restart_at != 0)
		next = s->s_restart_at;
	if (s->s_kill_at != 0 && (next == 0 || s->s_kill_at < next))
		next = s->s_kill_at;
	if (next == 0)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static int
supervise(struct super *s)
{
	struct pollfd pfd[2];
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (s->s_sigfd = signalfd(-1, &mask, SFD_NONBLOCK |
	    SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);
	s->s_backoff_ms = BACKOFF_MIN_MS;
	spawn(s);
	while (!s->s_done) {
		int n = 1;

		pfd[0].fd = s->s_sigfd;
		pfd[0].events = POLLIN;
		if (s->s_sock != -1) {
			pfd[1].fd = s->s_sock;
			pfd[1].events = POLLIN;
			n = 2;
		}
		if (poll(pfd, (nfds_t)n, timeout_ms(s)) == -1 &&
		    errno != EINTR)
			fatal("poll");
		if (n == 2 && pfd[1].revents != 0)
			read_plans(s);
		if (pfd[0].revents != 0)
			read_signals(s);
		timers(s);
	}
	close(s->s_sigfd);
	if (s->s_have_plan)
		leave_plan_clear(&s->s_plan);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct super s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.s_sock = s.s_sigfd = -1;
	if ((ret = pulse_opts_parse(argc, argv, 0, &s.s_o)) != -1)
		return ret;
	s.s_o.po_db = absolute(s.s_o.po_db);
	s.s_o.po_rundir = absolute(s.s_o.po_rundir);
	s.s_o.po_logfile = absolute(s.s_o.po_logfile);
	log_init("pulse", s.s_o.po_foreground || s.s_o.po_test ||
	    s.s_o.po_cleanup,
	    s.s_o.po_verbose, s.s_o.po_logfile);
	if (find_worker(s.s_worker, sizeof(s.s_worker)) == -1) {
		fprintf(stderr, "pulse: cannot find %s (set "
		    "SHOAL_PULSE_WORKER to its path)\n", WORKER_NAME);
		return 1;
	}
	if (s.s_o.po_test || s.s_o.po_cleanup) {
		execv(s.s_worker, worker_argv(&s, s.s_o.po_test ? "-t" :
		    "--cleanup", -1, 0));
		fprintf(stderr, "pulse: %s: %s\n", s.s_worker, strerror(errno));
		return 1;
	}
	if (check_config(&s) != 0) {
		fprintf(stderr, "pulse: cannot run with %s on this host\n",
		    s.s_o.po_db);
		return 1;
	}
	if (!s.s_o.po_foreground && daemon(0, 0) == -1)
		fatal("daemon");
	log_info("starting pulse %s", PACKAGE_VERSION);
	supervise(&s);
	log_info("pulse stopped");
	log_close();
	return 0;
}
