/*
 * exec.c - splitting command strings and running them without a shell.
 */
#include "shoal-build.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/exec.h"
#include "lib/log.h"
#include "lib/util.h"

#define EXEC_DEFAULT_PATH	"/usr/local/bin:/usr/bin:/bin"
#define EXEC_POLL_MS		20	/* waitpid polling without pidfd */

extern char **environ;

/* The state of one word being built by exec_split(). */
struct split {
	char		**sp_argv;
	int		  sp_argc;
	char		  sp_word[EXEC_CMD_MAX + 1];
	size_t		  sp_len;
	size_t		  sp_total;	/* bytes of all words so far */
	int		  sp_inword;
	char		 *sp_err;
	size_t		  sp_errlen;
};

static int
split_fail(struct split *sp, size_t col, const char *what)
{
	snprintf(sp->sp_err, sp->sp_errlen, "column %zu: %s", col + 1, what);
	return -1;
}

static int
split_putc(struct split *sp, size_t col, char c)
{
	if (sp->sp_len >= EXEC_CMD_MAX || sp->sp_total >= EXEC_CMD_MAX)
		return split_fail(sp, col, "command too long");
	sp->sp_word[sp->sp_len++] = c;
	sp->sp_total++;
	sp->sp_inword = 1;
	return 0;
}

static int
split_puts(struct split *sp, size_t col, const char *s)
{
	for (; *s != '\0'; s++)
		if (split_putc(sp, col, *s) == -1)
			return -1;
	return 0;
}

/* Ends the current word (if one was started) and appends it to argv. */
static int
split_end_word(struct split *sp, size_t col)
{
	if (!sp->sp_inword)
		return 0;
	if (sp->sp_argc >= EXEC_ARGC_MAX)
		return split_fail(sp, col, "too many words in command");
	sp->sp_word[sp->sp_len] = '\0';
	if ((sp->sp_argv[sp->sp_argc] = strdup(sp->sp_word)) == NULL)
		return split_fail(sp, col, "out of memory");
	sp->sp_argc++;
	sp->sp_len = 0;
	sp->sp_inword = 0;
	return 0;
}

/* Handles '%' at cmd[*i]: %h, %p, %% or a literal %x. */
static int
split_percent(struct split *sp, const char *cmd, size_t *i, const char *host,
    const char *port)
{
	char	 c = cmd[*i + 1];

	if (c == 'h' || c == 'p') {
		const char *v = c == 'h' ? host : port;

		if (v == NULL)
			return split_fail(sp, *i,
			    c == 'h' ? "%h not allowed here" :
			    "%p not allowed here");
		(*i)++;
		return split_puts(sp, *i, v);
	}
	if (c == '%') {
		(*i)++;
		return split_putc(sp, *i, '%');
	}
	return split_putc(sp, *i, '%');
}

/*
 * The splitter proper: a small state machine over unquoted, '...' and
 * "..." text.  Inside "...", a backslash escapes only " and \ (as in sh).
 */
static int
split_run(struct split *sp, const char *cmd, const char *host,
    const char *port)
{
	size_t	 i, qstart = 0;
	char	 quote = 0, c;

	for (i = 0; cmd[i] != '\0'; i++) {
		c = cmd[i];
		if (quote == 0 && (c == ' ' || c == '\t' || c == '\n')) {
			if (split_end_word(sp, i) == -1)
				return -1;
			continue;
		}
		if (quote == 0 && (c == '\'' || c == '"')) {
			quote = c;
			qstart = i;
			sp->sp_inword = 1;	/* '' is an empty word */
			continue;
		}
		if (quote != 0 && c == quote) {
			quote = 0;
			continue;
		}
		if (c == '\\' && quote != '\'') {
			char n = cmd[i + 1];

			if (n == '\0')
				return split_fail(sp, i, "trailing backslash");
			if (quote == 0 || n == '"' || n == '\\')
				c = cmd[++i];
		} else if (c == '%') {
			if (split_percent(sp, cmd, &i, host, port) == -1)
				return -1;
			continue;
		}
		if (split_putc(sp, i, c) == -1)
			return -1;
	}
	if (quote != 0)
		return split_fail(sp, qstart, quote == '"' ?
		    "unterminated \" quote" : "unterminated ' quote");
	if (split_end_word(sp, i) == -1)
		return -1;
	if (sp->sp_argc == 0)
		return split_fail(sp, 0, "empty command");
	return 0;
}

int
exec_split(const char *cmd, const char *host, const char *port,
    char ***argvp, char *err, size_t errlen)
{
	struct split	*sp;
	int		 rv = -1;

	*argvp = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sp->sp_err = err;
	sp->sp_errlen = errlen;
	if (strlen(cmd) > EXEC_CMD_MAX) {
		split_fail(sp, EXEC_CMD_MAX, "command too long");
		goto fail;
	}
	if ((sp->sp_argv = calloc(EXEC_ARGC_MAX + 1, sizeof(char *))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (split_run(sp, cmd, host, port) == -1)
		goto fail;
	*argvp = sp->sp_argv;
	sp->sp_argv = NULL;
	rv = 0;
fail:
	exec_argv_free(sp->sp_argv);
	free(sp);
	return rv;
}

void
exec_argv_free(char **argv)
{
	char	**p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

/* True when s reads the same after exec_split() without quotes. */
static int
word_is_plain(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (strchr(" \t\n'\"\\%", *s) != NULL ||
		    (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

char *
exec_argv_str(char *const argv[])
{
	char	*buf = NULL, *p;
	size_t	 len = 1;
	int	 i;

	for (i = 0; argv[i] != NULL; i++)
		len += strlen(argv[i]) * 2 + 3;
	if ((buf = malloc(len)) == NULL)
		return NULL;
	p = buf;
	for (i = 0; argv[i] != NULL; i++) {
		const char *s = argv[i];

		if (i > 0)
			*p++ = ' ';
		if (word_is_plain(s)) {
			p = stpcpy(p, s);
			continue;
		}
		*p++ = '"';
		for (; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				*p++ = '\\';
			*p++ = *s;
		}
		*p++ = '"';
	}
	*p = '\0';
	return buf;
}

static int
path_is_exec(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		return 0;
	if (!S_ISREG(st.st_mode)) {
		errno = EACCES;
		return 0;
	}
	return access(path, X_OK) == 0;
}

char *
exec_find_path(const char *file)
{
	const char	*path, *p, *end;
	char		 buf[PATH_MAX];
	int		 denied = 0;

	if (file == NULL || *file == '\0') {
		errno = ENOENT;
		return NULL;
	}
	if (strchr(file, '/') != NULL) {
		if (!path_is_exec(file))
			return NULL;
		return strdup(file);
	}
	if ((path = getenv("PATH")) == NULL || *path == '\0')
		path = EXEC_DEFAULT_PATH;
	for (p = path; p != NULL; p = end != NULL ? end + 1 : NULL) {
		size_t dlen;

		end = strchr(p, ':');
		dlen = end != NULL ? (size_t)(end - p) : strlen(p);
		/* An empty entry means the current directory, as in sh. */
		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)dlen, p,
		    dlen > 0 ? "/" : "", file) >= (int)sizeof(buf))
			continue;
		if (path_is_exec(buf))
			return strdup(buf);
		if (errno == EACCES)
			denied = 1;
	}
	errno = denied ? EACCES : ENOENT;
	return NULL;
}

int
exec_result_ok(const struct exec_result *r)
{
	return r->er_status == EXEC_EXITED && r->er_code == 0;
}

const char *
exec_result_str(const struct exec_result *r, char *buf, size_t len)
{
	switch (r->er_status) {
	case EXEC_EXITED:
		snprintf(buf, len, "exit %d", r->er_code);
		break;
	case EXEC_SIGNALED:
		snprintf(buf, len, "signal %d", r->er_code);
		break;
	case EXEC_TIMEOUT:
		snprintf(buf, len, "timeout after %llu ms",
		    (unsigned long long)r->er_elapsed_ms);
		break;
	}
	return buf;
}

void
exec_result_clear(struct exec_result *r)
{
	free(r->er_out);
	memset(r, 0, sizeof(*r));
}

/* One running command. */
struct exec {
	struct event_base	*ex_base;
	pid_t			 ex_pid;
	int			 ex_pidfd;	/* -1: poll with waitpid */
	int			 ex_outfd;	/* -1 after EOF */
	struct event		*ex_ev_out;
	struct event		*ex_ev_pid;	/* pidfd or polling timer */
	struct event		*ex_ev_timer;	/* timeout, then kill grace */
	char			*ex_out;
	size_t			 ex_outlen;
	size_t			 ex_outmax;
	int			 ex_truncated;
	int			 ex_timed_out;
	int			 ex_killed;	/* SIGKILL sent */
	uint64_t		 ex_start_ms;
	exec_done_cb		 ex_cb;
	void			*ex_arg;
};

static void
exec_free(struct exec *ex)
{
	if (ex->ex_ev_out != NULL)
		event_free(ex->ex_ev_out);
	if (ex->ex_ev_pid != NULL)
		event_free(ex->ex_ev_pid);
	if (ex->ex_ev_timer != NULL)
		event_free(ex->ex_ev_timer);
	if (ex->ex_outfd != -1)
		close(ex->ex_outfd);
	if (ex->ex_pidfd != -1)
		close(ex->ex_pidfd);
	free(ex->ex_out);
	free(ex);
}

/*
 * Reads what the pipe holds now.  Output past the bound is read and
 * dropped so that a flooding child never blocks on a full pipe.  Returns 1
 * at EOF or error, else 0.
 */
static int
exec_read_out(struct exec *ex)
{
	char	 buf[4096];
	ssize_t	 n;
	size_t	 room, take;

	for (;;) {
		n = read(ex->ex_outfd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return 1;
		room = ex->ex_outmax - ex->ex_outlen;
		take = (size_t)n < room ? (size_t)n : room;
		memcpy(ex->ex_out + ex->ex_outlen, buf, take);
		ex->ex_outlen += take;
		if (take < (size_t)n)
			ex->ex_truncated = 1;
	}
}

static void
exec_close_out(struct exec *ex)
{
	if (ex->ex_ev_out != NULL) {
		event_free(ex->ex_ev_out);
		ex->ex_ev_out = NULL;
	}
	if (ex->ex_outfd != -1) {
		close(ex->ex_outfd);
		ex->ex_outfd = -1;
	}
}

static void
exec_on_out(evutil_socket_t fd, short what, void *arg)
{
	struct exec	*ex = arg;

	(void)fd;
	(void)what;
	if (exec_read_out(ex))
		exec_close_out(ex);
}

/* The child has been reaped with status st: report and free. */
static void
exec_finish(struct exec *ex, int st)
{
	struct exec_result	 r;
	exec_done_cb		 cb = ex->ex_cb;
	void			*arg = ex->ex_arg;

	if (ex->ex_outfd != -1)
		exec_read_out(ex);	/* what the child wrote before it died */
	memset(&r, 0, sizeof(r));
	if (ex->ex_timed_out) {
		r.er_status = EXEC_TIMEOUT;
		r.er_code = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	} else if (WIFSIGNALED(st)) {
		r.er_status = EXEC_SIGNALED;
		r.er_code = WTERMSIG(st);
	} else {
		r.er_status = EXEC_EXITED;
		r.er_code = WEXITSTATUS(st);
	}
	ex->ex_out[ex->ex_outlen] = '\0';
	r.er_out = ex->ex_out;
	r.er_outlen = ex->ex_outlen;
	r.er_truncated = ex->ex_truncated;
	r.er_elapsed_ms = clock_monotonic_ms() - ex->ex_start_ms;
	ex->ex_out = NULL;
	exec_free(ex);
	cb(&r, arg);
	free(r.er_out);
}

/*
 * Reaps the child if it has ended.  After a timeout the rest of its group
 * is killed first, while the zombie still holds the group id.
 */
static int
exec_try_reap(struct exec *ex)
{
	siginfo_t	 si;
	pid_t		 pid;
	int		 st;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, ex->ex_pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1) {
		log_warn("exec: waitid %d", (int)ex->ex_pid);
		return -1;
	}
	if (si.si_pid == 0)
		return 0;
	if (ex->ex_timed_out)
		kill(-ex->ex_pid, SIGKILL);
	while ((pid = waitpid(ex->ex_pid, &st, 0)) == -1 && errno == EINTR)
		;
	if (pid == -1) {
		log_warn("exec: waitpid %d", (int)ex->ex_pid);
		st = 0;
	}
	exec_finish(ex, st);
	return 1;
}

static void
exec_on_pid(evutil_socket_t fd, short what, void *arg)
{
	struct exec	*ex = arg;
	struct timeval	 tv = { 0, EXEC_POLL_MS * 1000 };

	(void)fd;
	(void)what;
	if (exec_try_reap(ex) == 0 && ex->ex_pidfd == -1)
		evtimer_add(ex->ex_ev_pid, &tv);
}

static void
ms_to_tv(uint32_t ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

/* First the timeout (SIGTERM to the group), then the grace (SIGKILL). */
static void
exec_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct exec	*ex = arg;
	struct timeval	 tv;

	(void)fd;
	(void)what;
	if (!ex->ex_timed_out) {
		ex->ex_timed_out = 1;
		log_debug("exec: pid %d timed out, SIGTERM", (int)ex->ex_pid);
		kill(-ex->ex_pid, SIGTERM);
		ms_to_tv(EXEC_KILL_GRACE_MS, &tv);
		evtimer_add(ex->ex_ev_timer, &tv);
		return;
	}
	log_debug("exec: pid %d still alive, SIGKILL", (int)ex->ex_pid);
	ex->ex_killed = 1;
	kill(-ex->ex_pid, SIGKILL);
}

/*
 * In the child, between fork and execve: own process group, stdin from
 * /dev/null, stdout and stderr into the pipe, no inherited descriptors,
 * default signals, and death with the parent.  Never returns.
 */
static void __attribute__((noreturn))
exec_child(const char *path, char *const argv[], char *const env[],
    int devnull, int outfd)
{
	sigset_t	 all;
	int		 sig;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (dup2(devnull, STDIN_FILENO) == -1 ||
	    dup2(outfd, STDOUT_FILENO) == -1 ||
	    dup2(outfd, STDERR_FILENO) == -1)
		_exit(127);
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == -1) {
		long fd, max = sysconf(_SC_OPEN_MAX);

		for (fd = 3; fd < (max > 0 ? max : 1024); fd++)
			close((int)fd);
	}
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	execve(path, argv, env != NULL ? env : environ);
	dprintf(STDERR_FILENO, "exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

/* Sets up the events of a forked child; -1 on failure. */
static int
exec_watch(struct exec *ex, uint32_t timeout_ms)
{
	struct timeval	 tv = { 0, EXEC_POLL_MS * 1000 };

	ex->ex_ev_out = event_new(ex->ex_base, ex->ex_outfd,
	    EV_READ | EV_PERSIST, exec_on_out, ex);
	ex->ex_pidfd = (int)syscall(SYS_pidfd_open, ex->ex_pid, 0);
	if (ex->ex_pidfd != -1)
		ex->ex_ev_pid = event_new(ex->ex_base, ex->ex_pidfd,
		    EV_READ | EV_PERSIST, exec_on_pid, ex);
	else
		ex->ex_ev_pid = evtimer_new(ex->ex_base, exec_on_pid, ex);
	ex->ex_ev_timer = evtimer_new(ex->ex_base, exec_on_timer, ex);
	if (ex->ex_ev_out == NULL || ex->ex_ev_pid == NULL ||
	    ex->ex_ev_timer == NULL)
		return -1;
	if (event_add(ex->ex_ev_out, NULL) == -1 ||
	    event_add(ex->ex_ev_pid, ex->ex_pidfd != -1 ? NULL : &tv) == -1)
		return -1;
	if (timeout_ms > 0) {
		ms_to_tv(timeout_ms, &tv);
		if (evtimer_add(ex->ex_ev_timer, &tv) == -1)
			return -1;
	}
	return 0;
}

/* Forks the child; the parent keeps the pipe's read end.  0 or -1. */
static int
exec_fork(struct exec *ex, const char *path, char *const argv[],
    const struct exec_io *io)
{
	int	 p[2] = { -1, -1 }, devnull;

	if (io != NULL && io->ei_stdin != -1)
		devnull = fcntl(io->ei_stdin, F_DUPFD_CLOEXEC, 3);
	else
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull == -1) {
		log_warn("exec: /dev/null");
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("exec: pipe");
		close(devnull);
		return -1;
	}
	if ((ex->ex_pid = fork()) == -1) {
		log_warn("exec: fork");
		close(devnull);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (ex->ex_pid == 0)
		exec_child(path, argv, io != NULL ? io->ei_env : NULL,
		    devnull, p[1]);
	setpgid(ex->ex_pid, ex->ex_pid);	/* either side may win */
	close(devnull);
	close(p[1]);
	ex->ex_outfd = p[0];
	if (fcntl(ex->ex_outfd, F_SETFL, O_NONBLOCK) == -1)
		log_warn("exec: fcntl");
	return 0;
}

struct exec *
exec_start(struct event_base *base, char *const argv[], uint32_t timeout_ms,
    size_t out_max, exec_done_cb cb, void *arg)
{
	return exec_start_io(base, argv, NULL, timeout_ms, out_max, cb, arg);
}

struct exec *
exec_start_io(struct event_base *base, char *const argv[],
    const struct exec_io *io, uint32_t timeout_ms, size_t out_max,
    exec_done_cb cb, void *arg)
{
	struct exec	*ex = NULL;
	char		*path = NULL;

	if (argv == NULL || argv[0] == NULL) {
		log_warnx("exec: empty command");
		return NULL;
	}
	if ((path = exec_find_path(argv[0])) == NULL) {
		log_warn("exec: %s", argv[0]);
		return NULL;
	}
	if ((ex = calloc(1, sizeof(*ex))) == NULL)
		goto fail;
	ex->ex_base = base;
	ex->ex_outfd = ex->ex_pidfd = -1;
	ex->ex_outmax = out_max > 0 ? out_max : EXEC_OUT_DEFAULT;
	ex->ex_cb = cb;
	ex->ex_arg = arg;
	if ((ex->ex_out = malloc(ex->ex_outmax + 1)) == NULL)
		goto fail;
	ex->ex_start_ms = clock_monotonic_ms();
	if (exec_fork(ex, path, argv, io) == -1)
		goto fail;
	if (exec_watch(ex, timeout_ms) == -1) {
		log_warnx("exec: cannot watch pid %d", (int)ex->ex_pid);
		exec_cancel(ex);
		ex = NULL;
		goto fail;
	}
	log_debug("exec: started %s as pid %d", path, (int)ex->ex_pid);
	free(path);
	return ex;
fail:
	if (ex != NULL)
		exec_free(ex);
	free(path);
	return NULL;
}

void
exec_cancel(struct exec *ex)
{
	if (ex == NULL)
		return;
	if (ex->ex_pid > 0) {
		kill(-ex->ex_pid, SIGKILL);
		kill(ex->ex_pid, SIGKILL);
		while (waitpid(ex->ex_pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	exec_free(ex);
}

int
exec_pid(const struct exec *ex)
{
	return (int)ex->ex_pid;
}

static void
exec_sync_done(struct exec_result *r, void *arg)
{
	struct exec_result	*out = arg;

	*out = *r;
	r->er_out = NULL;	/* taken */
}

int
exec_run_sync(char *const argv[], uint32_t timeout_ms, size_t out_max,
    struct exec_result *res)
{
	struct event_base	*base;
	int			 rv = -1;

	memset(res, 0, sizeof(*res));
	if ((base = event_base_new()) == NULL) {
		log_warnx("exec: event_base_new failed");
		return -1;
	}
	if (exec_start(base, argv, timeout_ms, out_max, exec_sync_done,
	    res) != NULL) {
		event_base_dispatch(base);
		rv = 0;
	}
	event_base_free(base);
	return rv;
}
