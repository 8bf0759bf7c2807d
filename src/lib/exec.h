/*
 * exec.h - running external commands safely: no shell, ever.
 *
 * A command string from the configuration (send_program, start_cmd,
 * active_cmd, ...) is split into an argv here, honouring '...' and "..."
 * quotes and backslash escapes, with no globbing and no variable
 * expansion.  %h and %p are replaced by the host and port given (%% is a
 * literal %; any other %x is kept as written, so `date +%s` works).
 *
 * A command runs with fork/execve in its own process group, stdin on
 * /dev/null, stdout and stderr captured together up to a bound.  At its
 * timeout the whole group gets SIGTERM, then SIGKILL after a grace period.
 * Completion is reported through a callback on a libevent base; the exit is
 * detected through a pidfd (polling waitpid on kernels without one), so
 * callers must not reap children with waitpid(-1).
 */
#ifndef SHOAL_EXEC_H
#define SHOAL_EXEC_H

#include <stddef.h>
#include <stdint.h>

struct event_base;

#define EXEC_CMD_MAX		4096	/* command text and expanded argv bytes */
#define EXEC_ARGC_MAX		64	/* words in a command */
#define EXEC_OUT_DEFAULT	65536	/* default output bound, bytes */
#define EXEC_KILL_GRACE_MS	1000	/* SIGTERM -> SIGKILL at a timeout */

/*
 * Splits cmd into a NULL-terminated argv, substituting %h by host and %p by
 * port (either may be NULL: then %h/%p are errors).  Returns 0 and *argvp
 * (free with exec_argv_free()), or -1 with a message naming the column in
 * err (unterminated quote, trailing backslash, empty command, too long,
 * too many words).
 */
int exec_split(const char *cmd, const char *host, const char *port,
    char ***argvp, char *err, size_t errlen);
void exec_argv_free(char **argv);
/* The argv as one printable line for logs ('quoted' where needed); caller
 * frees; NULL on ENOMEM. */
char *exec_argv_str(char *const argv[]);

/*
 * Finds file like execvp would (PATH, or /usr/local/bin:/usr/bin:/bin when
 * unset; a name with a '/' is used as is).  Returns a new string, or NULL
 * with errno ENOENT/EACCES/ENOMEM.
 */
char *exec_find_path(const char *file);

enum exec_status {
	EXEC_EXITED,		/* er_code = exit code (127: could not exec) */
	EXEC_SIGNALED,		/* er_code = signal number */
	EXEC_TIMEOUT,		/* killed at its timeout; er_code = signal */
};

struct exec_result {
	enum exec_status	 er_status;
	int			 er_code;
	char			*er_out;	/* stdout+stderr, NUL-terminated */
	size_t			 er_outlen;
	int			 er_truncated;	/* output went past the bound */
	uint64_t		 er_elapsed_ms;
};

/* True when the command exited with status 0. */
int exec_result_ok(const struct exec_result *);
/* A short text for logs: "exit 3", "signal 9", "timeout after 5000 ms". */
const char *exec_result_str(const struct exec_result *, char *buf,
    size_t len);
/* Frees er_out and zeroes the result. */
void exec_result_clear(struct exec_result *);

/*
 * Called once when a command has ended.  The callback may take er_out
 * (setting it to NULL); otherwise it is freed when the callback returns.
 * The struct exec is already gone by then: the callback may start another
 * command or free whatever owns it.
 */
typedef void (*exec_done_cb)(struct exec_result *, void *arg);

struct exec;

/*
 * Starts argv (argv[0] looked up with exec_find_path()) on base.
 * timeout_ms 0 = none; out_max 0 = EXEC_OUT_DEFAULT.  Returns the running
 * command, or NULL (logged) when it cannot be started, in which case the
 * callback is never called.
 */
struct exec *exec_start(struct event_base *base, char *const argv[],
    uint32_t timeout_ms, size_t out_max, exec_done_cb cb, void *arg);
/*
 * What a command gets besides its argv (exec_start_io()): its environment
 * (NULL: pulse's own) and its standard input (-1: /dev/null; otherwise a
 * descriptor the caller keeps and closes after the call).
 */
struct exec_io {
	char *const	*ei_env;
	int		 ei_stdin;
};

/* exec_start() with io (NULL: as exec_start()). */
struct exec *exec_start_io(struct event_base *base, char *const argv[],
    const struct exec_io *io, uint32_t timeout_ms, size_t out_max,
    exec_done_cb cb, void *arg);
/* Kills the process group with SIGKILL, reaps it, frees; no callback. */
void exec_cancel(struct exec *);
/* The child's pid (its process group id too). */
int exec_pid(const struct exec *);

/*
 * Runs argv to completion on a private event loop, for CLIs and tests.
 * Returns 0 with *res filled (caller clears it), or -1 if it could not
 * start.
 */
int exec_run_sync(char *const argv[], uint32_t timeout_ms, size_t out_max,
    struct exec_result *res);

#endif
