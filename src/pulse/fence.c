/*
 * fence.c - the fence command before a takeover (see fence.h).
 */
#include "shoal-build.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/exec.h"
#include "lib/log.h"
#include "lib/util.h"
#include "fence.h"

struct fence {
	struct event_base	*f_base;
	fence_wake_fn		 f_wake;
	void			*f_arg;
	struct exec		*f_exec;	/* running, or NULL */
	struct event		*f_retry;	/* a failure's back-off */
	uint64_t		 f_ok_ms;	/* success not yet taken, at;
						   0: none */
	uint64_t		 f_retry_ms;	/* no new run before */
};

static void
retry_cb(int fd, short what, void *arg)
{
	struct fence *f = arg;

	(void)fd;
	(void)what;
	f->f_retry_ms = 0;	/* due now (a timer may fire a little early) */
	f->f_wake(f->f_arg);
}

/* Logs the output's first line, the usual place of a fence agent's why. */
static void
log_first_line(const struct exec_result *r)
{
	size_t n;

	if (r->er_out == NULL || r->er_outlen == 0)
		return;
	n = strcspn(r->er_out, "\n");
	log_warnx("fence_cmd said: %.*s", (int)(n > 200 ? 200 : n),
	    r->er_out);
}

static void
done_cb(struct exec_result *r, void *arg)
{
	struct fence *f = arg;
	struct timeval tv = { FENCE_RETRY_MS / 1000,
	    (FENCE_RETRY_MS % 1000) * 1000 };
	char buf[64];

	f->f_exec = NULL;
	exec_result_str(r, buf, sizeof(buf));
	if (exec_result_ok(r)) {
		log_info("fence_cmd succeeded (%llu ms)",
		    (unsigned long long)r->er_elapsed_ms);
		f->f_ok_ms = clock_monotonic_ms();
		f->f_wake(f->f_arg);
		return;
	}
	log_warnx("fence_cmd failed: %s (%llu ms): takeover blocked, staying "
	    "backup; trying again in %d ms", buf,
	    (unsigned long long)r->er_elapsed_ms, FENCE_RETRY_MS);
	log_first_line(r);
	f->f_retry_ms = clock_monotonic_ms() + FENCE_RETRY_MS;
	evtimer_add(f->f_retry, &tv);
}

struct fence *
fence_new(struct event_base *base, fence_wake_fn wake, void *arg)
{
	struct fence *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->f_base = base;
	f->f_wake = wake;
	f->f_arg = arg;
	if ((f->f_retry = evtimer_new(base, retry_cb, f)) == NULL) {
		free(f);
		return NULL;
	}
	return f;
}

void
fence_free(struct fence *f)
{
	if (f == NULL)
		return;
	if (f->f_exec != NULL)
		exec_cancel(f->f_exec);
	event_free(f->f_retry);
	free(f);
}

/* Starts the command; on a bad command or a failed start, a retry. */
static void
fence_start(struct fence *f, const char *cmd, uint32_t timeout_ms)
{
	struct timeval tv = { FENCE_RETRY_MS / 1000,
	    (FENCE_RETRY_MS % 1000) * 1000 };
	char err[256], **argv = NULL, *line = NULL;

	if (exec_split(cmd, NULL, NULL, &argv, err, sizeof(err)) == -1) {
		log_warnx("fence_cmd: %s: takeover blocked", err);
		goto fail;
	}
	line = exec_argv_str(argv);
	log_info("fence_cmd: running %s before taking over",
	    line != NULL ? line : cmd);
	free(line);
	f->f_exec = exec_start(f->f_base, argv, timeout_ms, 0, done_cb, f);
	exec_argv_free(argv);
	if (f->f_exec != NULL)
		return;
	log_warnx("fence_cmd could not start: takeover blocked");
fail:
	f->f_retry_ms = clock_monotonic_ms() + FENCE_RETRY_MS;
	evtimer_add(f->f_retry, &tv);
}

int
fence_allow(struct fence *f, const char *cmd, uint32_t timeout_ms,
    uint32_t grant_ms)
{
	uint64_t now = clock_monotonic_ms();

	if (cmd == NULL || *cmd == '\0')
		return 1;
	if (f == NULL)
		return 0;
	if (f->f_ok_ms != 0 && now - f->f_ok_ms <= grant_ms) {
		f->f_ok_ms = 0;
		return 1;
	}
	f->f_ok_ms = 0;
	if (f->f_exec == NULL && now >= f->f_retry_ms)
		fence_start(f, cmd, timeout_ms);
	return 0;
}

int
fence_running(const struct fence *f)
{
	return f != NULL && f->f_exec != NULL;
}
