/*
 * nannies.c - pulse's nanny children (see nannies.h).
 *
 * Each child has its own entry, pipe, read event and restart timer, so a
 * nanny that dies or babbles is handled alone: Piranha's pulse shut the
 * whole node down when one nanny died (hard_shutdown); here the others
 * keep checking and the dead one comes back after a back-off.
 *
 * Processes are reaped by pid (waitpid(pid, WNOHANG) on a short timer,
 * SIGKILL after NANNIES_TERM_WAIT_MS), never with waitpid(-1): exec.h's
 * commands (start_cmd...) are reaped by their own pidfd.
 */
#include "shoal-build.h"

#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/exec.h"
#include "lib/log.h"
#include "lib/util.h"
#include "nannies.h"

#ifndef SHOAL_SBINDIR
#define SHOAL_SBINDIR		"/usr/sbin"
#endif
#define REAP_POLL_MS		100
#define NANNY_USER		"shoal"

struct child {
	enum nannies_kind	 c_kind;
	char			*c_name;
	char			*c_print;	/* settings fingerprint */
	pid_t			 c_pid;		/* -1: not running */
	int			 c_fd;
	struct event		*c_ev;		/* report pipe */
	struct event		*c_timer;	/* restart */
	char			 c_buf[NANNY_REPORT_LINE_MAX + 1];
	size_t			 c_len;
	uint64_t		 c_started_ms;
	uint32_t		 c_backoff_ms;
	unsigned		 c_restarts;
	int			 c_marked;
	struct nannies		*c_set;
	TAILQ_ENTRY(child)	 c_entry;
};
TAILQ_HEAD(child_list, child);

struct zombie {
	pid_t			 z_pid;
	char			 z_what[CFG_NAME_MAX + 16];
	uint64_t		 z_kill_ms;	/* SIGKILL at */
	int			 z_expected;	/* we asked it to stop */
};

struct nannies {
	struct event_base	*n_base;
	char			*n_path;
	char			*n_db;
	nannies_report_fn	 n_fn;
	void			*n_arg;
	struct child_list	 n_children;
	struct zombie		*n_zombies;
	size_t			 n_nzombies;
	struct event		*n_reaper;
	int			 n_disabled;	/* path "none" */
};

static void child_start(struct child *);

static const char *
kind_name(enum nannies_kind k)
{
	return k == NANNIES_VIRTUAL ? "virtual" : k == NANNIES_TRACK ?
	    "track" : "failover";
}

const char *
nannies_default_path(void)
{
	static char found[PATH_MAX];
	const char *p = getenv("SHOAL_NANNY");
	char *f;

	if (p != NULL && *p != '\0')
		return p;
	if ((f = exec_find_path("nanny")) != NULL) {
		str_copy(found, f, sizeof(found));
		free(f);
		return found;
	}
	return SHOAL_SBINDIR "/nanny";
}

/* ---- reaping ---- */

static void
arm_reaper(struct nannies *ns)
{
	struct timeval tv = { 0, REAP_POLL_MS * 1000 };

	if (ns->n_nzombies > 0 && !evtimer_pending(ns->n_reaper, NULL))
		evtimer_add(ns->n_reaper, &tv);
}

static void
log_exit(const struct zombie *z, int status)
{
	if (WIFEXITED(status) && (z->z_expected ||
	    WEXITSTATUS(status) == 0))
		log_debug("%s (pid %d) exited %d", z->z_what, (int)z->z_pid,
		    WEXITSTATUS(status));
	else if (WIFEXITED(status))
		log_warnx("%s (pid %d) exited with status %d", z->z_what,
		    (int)z->z_pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && z->z_expected)
		log_debug("%s (pid %d) ended by signal %d", z->z_what,
		    (int)z->z_pid, WTERMSIG(status));
	else if (WIFSIGNALED(status))
		log_warnx("%s (pid %d) died of signal %d", z->z_what,
		    (int)z->z_pid, WTERMSIG(status));
}

/* Reaps what exited; SIGKILLs what overstayed.  Returns the number left. */
static size_t
reap(struct nannies *ns, int block)
{
	uint64_t now = clock_monotonic_ms();
	size_t i = 0;
	int status;
	pid_t r;

	while (i < ns->n_nzombies) {
		struct zombie *z = &ns->n_zombies[i];

		if (block && kill(z->z_pid, SIGKILL) == -1 && errno != ESRCH)
			log_warn("kill %d", (int)z->z_pid);
		r = waitpid(z->z_pid, &status, block ? 0 : WNOHANG);
		if (r == z->z_pid || (r == -1 && errno == ECHILD)) {
			if (r == z->z_pid)
				log_exit(z, status);
			*z = ns->n_zombies[--ns->n_nzombies];
			continue;
		}
		if (r == -1 && errno != EINTR)
			log_warn("waitpid %d", (int)z->z_pid);
		if (now >= z->z_kill_ms) {
			log_warnx("%s (pid %d) did not stop: SIGKILL",
			    z->z_what, (int)z->z_pid);
			(void)kill(z->z_pid, SIGKILL);
			z->z_kill_ms = UINT64_MAX;
		}
		i++;
	}
	return ns->n_nzombies;
}

static void
reaper_cb(int fd, short what, void *arg)
{
	struct nannies *ns = arg;

	(void)fd;
	(void)what;
	if (reap(ns, 0) > 0)
		arm_reaper(ns);
}

/* Hands the child's process to the reaper (SIGTERM first). */
static void
child_release(struct child *c, int expected)
{
	struct nannies *ns = c->c_set;
	struct zombie *nz;

	if (c->c_ev != NULL) {
		event_free(c->c_ev);
		c->c_ev = NULL;
	}
	if (c->c_fd != -1) {
		close(c->c_fd);
		c->c_fd = -1;
	}
	c->c_len = 0;
	if (c->c_pid == -1)
		return;
	if (kill(c->c_pid, SIGTERM) == -1 && errno != ESRCH)
		log_warn("kill %d", (int)c->c_pid);
	nz = reallocarray(ns->n_zombies, ns->n_nzombies + 1, sizeof(*nz));
	if (nz == NULL) {
		/* cannot track it: make sure it goes, reap it now */
		log_warn("nanny %s", c->c_name);
		(void)kill(c->c_pid, SIGKILL);
		(void)waitpid(c->c_pid, NULL, 0);
		c->c_pid = -1;
		return;
	}
	ns->n_zombies = nz;
	nz = &ns->n_zombies[ns->n_nzombies++];
	nz->z_pid = c->c_pid;
	snprintf(nz->z_what, sizeof(nz->z_what), "nanny %s", c->c_name);
	nz->z_kill_ms = clock_monotonic_ms() + NANNIES_TERM_WAIT_MS;
	nz->z_expected = expected;
	c->c_pid = -1;
	arm_reaper(ns);
}

/* ---- restarts ---- */

static void
restart_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	child_start(arg);
}

/* The child ended or was killed for misbehaving: start it again later. */
static void
child_failed(struct child *c, const char *why)
{
	struct timeval tv;
	uint64_t ran = clock_monotonic_ms() - c->c_started_ms;

	child_release(c, 0);
	if (ran >= NANNIES_STABLE_MS || c->c_backoff_ms == 0)
		c->c_backoff_ms = NANNIES_BACKOFF_MIN_MS;
	else if (c->c_backoff_ms < NANNIES_BACKOFF_MAX_MS / 2)
		c->c_backoff_ms *= 2;
	else
		c->c_backoff_ms = NANNIES_BACKOFF_MAX_MS;
	log_warnx("nanny for %s %s %s: restarting in %u ms",
	    kind_name(c->c_kind), c->c_name, why, c->c_backoff_ms);
	tv.tv_sec = c->c_backoff_ms / 1000;
	tv.tv_usec = (c->c_backoff_ms % 1000) * 1000;
	evtimer_add(c->c_timer, &tv);
}

/* ---- report lines ---- */

static int
child_line(struct child *c, const char *line, size_t len)
{
	struct nanny_report r;
	char err[128];

	if (nanny_report_parse(line, len, &r, err, sizeof(err)) == -1) {
		log_warnx("nanny for %s %s: bad report line (%s)",
		    kind_name(c->c_kind), c->c_name, err);
		return -1;
	}
	if (strcmp(r.nr_service, c->c_name) != 0) {
		log_warnx("nanny for %s %s: report names service %s",
		    kind_name(c->c_kind), c->c_name, r.nr_service);
		return -1;
	}
	c->c_set->n_fn(c->c_kind, c->c_name, &r, c->c_set->n_arg);
	return 0;
}

static void
read_cb(int fd, short what, void *arg)
{
	struct child *c = arg;
	ssize_t n;
	char *nl;

	(void)what;
	n = read(fd, c->c_buf + c->c_len, sizeof(c->c_buf) - c->c_len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		log_warn("nanny for %s pipe", c->c_name);
		child_failed(c, "pipe failed");
		return;
	}
	if (n == 0) {
		child_failed(c, "ended");
		return;
	}
	c->c_len += (size_t)n;
	while ((nl = memchr(c->c_buf, '\n', c->c_len)) != NULL) {
		size_t ll = (size_t)(nl - c->c_buf) + 1;

		if (child_line(c, c->c_buf, ll) == -1) {
			child_failed(c, "sent garbage");
			return;
		}
		memmove(c->c_buf, c->c_buf + ll, c->c_len - ll);
		c->c_len -= ll;
	}
	if (c->c_len == sizeof(c->c_buf)) {
		log_warnx("nanny for %s %s: report line longer than %d bytes",
		    kind_name(c->c_kind), c->c_name, NANNY_REPORT_LINE_MAX);
		child_failed(c, "sent garbage");
	}
}

/* ---- spawning ---- */

/*
 * In the child: run as NANNY_USER when pulse is root, that user exists
 * and its group may read and write the database (WAL readers write the
 * -shm file); else stay as we are.  Checks need no privilege.
 */
static void
drop_privileges(const char *db)
{
	struct passwd *pw;
	struct stat sb;

	if (geteuid() != 0 || (pw = getpwnam(NANNY_USER)) == NULL ||
	    stat(db, &sb) == -1)
		return;
	if (sb.st_gid != pw->pw_gid || (sb.st_mode & (S_IRGRP | S_IWGRP)) !=
	    (S_IRGRP | S_IWGRP))
		return;
	if (setgroups(0, NULL) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		_exit(126);
}

/* True when fd 2 is /dev/null (pulse runs as a daemon). */
static int
stderr_is_null(void)
{
	struct stat sb;

	return fstat(STDERR_FILENO, &sb) == 0 && S_ISCHR(sb.st_mode) &&
	    major(sb.st_rdev) == 1 && minor(sb.st_rdev) == 3;
}

static void
exec_child(const struct nannies *ns, const struct child *c, int wfd,
    pid_t parent)
{
	char *argv[10];
	int i = 0, nul;
	sigset_t all;

	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(wfd, STDOUT_FILENO) == -1)
		_exit(126);
	if ((nul = open("/dev/null", O_RDONLY)) != -1)
		(void)dup2(nul, STDIN_FILENO);
	drop_privileges(ns->n_db);
	argv[i++] = ns->n_path;
	argv[i++] = (char *)"--db";
	argv[i++] = ns->n_db;
	argv[i++] = c->c_kind == NANNIES_VIRTUAL ? (char *)"--virtual" :
	    c->c_kind == NANNIES_TRACK ? (char *)"--track" :
	    (char *)"--failover";
	argv[i++] = c->c_name;
	if (!stderr_is_null())
		argv[i++] = (char *)"-n";
	if (log_get_verbose() > 1)	/* -v logs every check */
		argv[i++] = (char *)"-v";
	argv[i] = NULL;
	execv(ns->n_path, argv);
	dprintf(STDERR_FILENO, "nanny: exec %s: %s\n", ns->n_path,
	    strerror(errno));
	_exit(127);
}

static void
child_start(struct child *c)
{
	struct nannies *ns = c->c_set;
	int p[2];
	pid_t pid, self = getpid();

	evtimer_del(c->c_timer);
	if (c->c_pid != -1)
		return;
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("nanny for %s: pipe", c->c_name);
		child_failed(c, "could not start");
		return;
	}
	if ((pid = fork()) == -1) {
		log_warn("nanny for %s: fork", c->c_name);
		close(p[0]);
		close(p[1]);
		child_failed(c, "could not start");
		return;
	}
	if (pid == 0)
		exec_child(ns, c, p[1], self);
	close(p[1]);
	(void)fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	c->c_pid = pid;
	c->c_fd = p[0];
	c->c_len = 0;
	c->c_started_ms = clock_monotonic_ms();
	c->c_restarts++;
	c->c_ev = event_new(ns->n_base, p[0], EV_READ | EV_PERSIST, read_cb,
	    c);
	if (c->c_ev == NULL || event_add(c->c_ev, NULL) == -1) {
		child_failed(c, "could not be watched");
		return;
	}
	log_info("started nanny for %s %s (pid %d)", kind_name(c->c_kind),
	    c->c_name, (int)pid);
}

/* ---- the set ---- */

struct nannies *
nannies_new(struct event_base *base, const char *path, const char *db,
    nannies_report_fn fn, void *arg)
{
	struct nannies *ns = calloc(1, sizeof(*ns));

	if (ns == NULL)
		return NULL;
	ns->n_base = base;
	ns->n_fn = fn;
	ns->n_arg = arg;
	TAILQ_INIT(&ns->n_children);
	if ((ns->n_path = strdup(path)) == NULL ||
	    (ns->n_db = strdup(db)) == NULL ||
	    (ns->n_reaper = evtimer_new(base, reaper_cb, ns)) == NULL) {
		nannies_free(ns);
		return NULL;
	}
	if (strcmp(path, "none") == 0) {
		ns->n_disabled = 1;
		log_warnx("nanny is \"none\": no service is checked (real "
		    "servers stay out of the load balancer)");
	}
	return ns;
}

static void
child_free(struct child *c)
{
	child_release(c, 1);
	if (c->c_timer != NULL)
		event_free(c->c_timer);
	free(c->c_name);
	free(c->c_print);
	free(c);
}

static void
child_remove(struct nannies *ns, struct child *c)
{
	log_info("stopping nanny for %s %s", kind_name(c->c_kind), c->c_name);
	TAILQ_REMOVE(&ns->n_children, c, c_entry);
	child_free(c);
}

void
nannies_stop_all(struct nannies *ns)
{
	struct child *c;

	while ((c = TAILQ_FIRST(&ns->n_children)) != NULL)
		child_remove(ns, c);
}

void
nannies_free(struct nannies *ns)
{
	if (ns == NULL)
		return;
	nannies_stop_all(ns);
	/* give them a moment to end on SIGTERM, then make sure */
	for (int i = 0; i < 10 && ns->n_nzombies > 0; i++) {
		usleep(REAP_POLL_MS * 1000 / 2);
		(void)reap(ns, 0);
	}
	(void)reap(ns, 1);
	if (ns->n_reaper != NULL)
		event_free(ns->n_reaper);
	free(ns->n_zombies);
	free(ns->n_path);
	free(ns->n_db);
	free(ns);
}

static struct child *
find(const struct nannies *ns, enum nannies_kind kind, const char *name)
{
	struct child *c;

	TAILQ_FOREACH(c, &ns->n_children, c_entry)
		if (c->c_kind == kind && strcmp(c->c_name, name) == 0)
			return c;
	return NULL;
}

void
nannies_mark(struct nannies *ns)
{
	struct child *c;

	TAILQ_FOREACH(c, &ns->n_children, c_entry)
		c->c_marked = 0;
}

int
nannies_want(struct nannies *ns, enum nannies_kind kind, const char *name,
    const char *fingerprint)
{
	struct child *c = find(ns, kind, name);
	char *np;

	if (ns->n_disabled)
		return 0;
	if (c != NULL) {
		c->c_marked = 1;
		if (strcmp(c->c_print, fingerprint) == 0)
			return 0;
		if ((np = strdup(fingerprint)) == NULL)
			goto nomem;
		free(c->c_print);
		c->c_print = np;
		log_info("settings of %s %s changed: restarting its nanny",
		    kind_name(kind), name);
		child_release(c, 1);
		c->c_backoff_ms = 0;
		child_start(c);
		return 0;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto nomem;
	c->c_kind = kind;
	c->c_pid = -1;
	c->c_fd = -1;
	c->c_set = ns;
	c->c_marked = 1;
	if ((c->c_name = strdup(name)) == NULL ||
	    (c->c_print = strdup(fingerprint)) == NULL ||
	    (c->c_timer = evtimer_new(ns->n_base, restart_cb, c)) == NULL) {
		child_free(c);
		goto nomem;
	}
	TAILQ_INSERT_TAIL(&ns->n_children, c, c_entry);
	child_start(c);
	return 0;
nomem:
	log_warn("nanny for %s %s", kind_name(kind), name);
	return -1;
}

void
nannies_sweep(struct nannies *ns)
{
	struct child *c, *t;

	for (c = TAILQ_FIRST(&ns->n_children); c != NULL; c = t) {
		t = TAILQ_NEXT(c, c_entry);
		if (!c->c_marked)
			child_remove(ns, c);
	}
}

int
nannies_restart(struct nannies *ns, enum nannies_kind kind, const char *name)
{
	struct child *c = find(ns, kind, name);

	if (c == NULL)
		return -1;
	child_release(c, 1);
	c->c_backoff_ms = 0;
	child_start(c);
	return 0;
}

size_t
nannies_running(const struct nannies *ns)
{
	const struct child *c;
	size_t n = 0;

	TAILQ_FOREACH(c, &ns->n_children, c_entry)
		if (c->c_pid != -1)
			n++;
	return n;
}

json_t *
nannies_json(const struct nannies *ns)
{
	const struct child *c;
	json_t *a = json_array();

	TAILQ_FOREACH(c, &ns->n_children, c_entry)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:b}",
		    "kind", kind_name(c->c_kind), "name", c->c_name,
		    "pid", (json_int_t)c->c_pid, "starts",
		    (json_int_t)c->c_restarts, "running", c->c_pid != -1));
	return a;
}
