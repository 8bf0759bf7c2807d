/*
 * hooks.c - notify hooks (see hooks.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_keys.h"
#include "lib/exec.h"
#include "lib/log.h"
#include "lib/util.h"
#include "evbus.h"
#include "hooks.h"

/* One run: a command for one event. */
struct run {
	char			**r_argv;
	char			**r_env;
	char			 *r_mail;	/* standard input */
	uint32_t		  r_timeout_ms;
	TAILQ_ENTRY(run)	  r_entry;
};
TAILQ_HEAD(runq, run);

struct hooks {
	struct event_base	*h_base;
	int			 h_sub;
	char			*h_cmd[EV__MAX];
	char			*h_all;
	uint32_t		 h_timeout_ms;
	struct runq		 h_queue;
	size_t			 h_nqueued;
	struct exec		*h_running;
	uint64_t		 h_count[HOOKS__MAX];
	uint64_t		 h_unlogged;	/* problems since the last log */
	uint64_t		 h_logged_ms;
	char			 h_last_error[256];
};

static void start_next(struct hooks *);

static const char *const outcome_names[HOOKS__MAX] = {
	"ok", "failed", "timeout", "missing", "dropped",
};

const char *
hooks_outcome_name(enum hooks_outcome o)
{
	return (unsigned)o < HOOKS__MAX ? outcome_names[o] : "unknown";
}

static void
run_free(struct run *r)
{
	exec_argv_free(r->r_argv);
	event_env_free(r->r_env);
	free(r->r_mail);
	free(r);
}

/*
 * A problem: counted always, logged (with what was not) at most once per
 * HOOKS_LOG_MS, and then also an event of kind "hook" (which runs no
 * hook, so hooks cannot feed themselves).
 */
static void
problem(struct hooks *h, enum hooks_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
problem(struct hooks *h, enum hooks_outcome o, const char *fmt, ...)
{
	uint64_t now = clock_monotonic_ms();
	char dropped[32], failed[32];
	va_list ap;

	h->h_count[o]++;
	va_start(ap, fmt);
	vsnprintf(h->h_last_error, sizeof(h->h_last_error), fmt, ap);
	va_end(ap);
	if (h->h_logged_ms != 0 && now < h->h_logged_ms + HOOKS_LOG_MS) {
		h->h_unlogged++;
		return;
	}
	log_warnx("notify hook: %s (%llu more problems since the last "
	    "report; dropped %llu, timed out %llu, failed %llu, missing %llu "
	    "so far)", h->h_last_error, (unsigned long long)h->h_unlogged,
	    (unsigned long long)h->h_count[HOOKS_DROPPED],
	    (unsigned long long)h->h_count[HOOKS_TIMEOUT],
	    (unsigned long long)h->h_count[HOOKS_FAILED],
	    (unsigned long long)h->h_count[HOOKS_MISSING]);
	h->h_logged_ms = now;
	h->h_unlogged = 0;
	snprintf(dropped, sizeof(dropped), "%llu",
	    (unsigned long long)h->h_count[HOOKS_DROPPED]);
	snprintf(failed, sizeof(failed), "%llu", (unsigned long long)
	    (h->h_count[HOOKS_FAILED] + h->h_count[HOOKS_TIMEOUT] +
	    h->h_count[HOOKS_MISSING]));
	evbus_emit(EV_HOOK, dropped, failed, h->h_last_error);
}

static void
run_done(struct exec_result *res, void *arg)
{
	struct hooks *h = arg;
	char buf[64];

	h->h_running = NULL;
	if (res->er_status == EXEC_TIMEOUT)
		problem(h, HOOKS_TIMEOUT, "killed at its timeout after %llu ms",
		    (unsigned long long)res->er_elapsed_ms);
	else if (res->er_status == EXEC_EXITED && res->er_code == 127 &&
	    res->er_out != NULL && strncmp(res->er_out, "exec ", 5) == 0)
		problem(h, HOOKS_MISSING, "%.200s", res->er_out);
	else if (!exec_result_ok(res))
		problem(h, HOOKS_FAILED, "%s",
		    exec_result_str(res, buf, sizeof(buf)));
	else {
		h->h_count[HOOKS_OK]++;
		log_debug("notify hook finished in %llu ms",
		    (unsigned long long)res->er_elapsed_ms);
	}
	start_next(h);
}

/* The mail-shaped text on the hook's standard input, in a memfd. */
static int
stdin_fd(const struct run *r)
{
	size_t len = strlen(r->r_mail), off = 0;
	ssize_t n;
	int fd;

	if ((fd = memfd_create("shoal-event", MFD_CLOEXEC)) == -1)
		return -1;
	while (off < len) {
		if ((n = write(fd, r->r_mail + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Starts r; 0, or -1 when it could not start (counted). */
static int
start_run(struct hooks *h, struct run *r)
{
	struct exec_io io = { r->r_env, -1 };
	char *path;

	if ((path = exec_find_path(r->r_argv[0])) == NULL) {
		problem(h, HOOKS_MISSING, "%s: %s", r->r_argv[0],
		    strerror(errno));
		return -1;
	}
	free(path);
	io.ei_stdin = stdin_fd(r);
	h->h_running = exec_start_io(h->h_base, r->r_argv, &io,
	    r->r_timeout_ms, HOOKS_OUT_MAX, run_done, h);
	if (io.ei_stdin != -1)
		close(io.ei_stdin);
	if (h->h_running == NULL) {
		problem(h, HOOKS_MISSING, "%s: could not start", r->r_argv[0]);
		return -1;
	}
	return 0;
}

static void
start_next(struct hooks *h)
{
	struct run *r;

	while (h->h_running == NULL && (r = TAILQ_FIRST(&h->h_queue)) != NULL) {
		TAILQ_REMOVE(&h->h_queue, r, r_entry);
		h->h_nqueued--;
		(void)start_run(h, r);
		run_free(r);
	}
}

static char *
mail_text(const struct shoal_event *e)
{
	char summary[512], line[1024], *s = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&s, &len)) == NULL)
		return NULL;
	event_summary(e, summary, sizeof(summary));
	event_format_text(e, line, sizeof(line));
	fprintf(fp, "Subject: [shoal] %s\n\n%s\n\nevent: %s\nnode: %s\n",
	    summary, line, event_kind_name(e->e_kind), e->e_node);
	for (size_t i = 0; i < e->e_nvalues; i++)
		fprintf(fp, "%s: %s\n", event_kinds[e->e_kind].ek_fields[i],
		    e->e_values[i]);
	if (fclose(fp) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* argv of cmd + kind + the event's values; NULL on error (counted). */
static char **
run_argv(struct hooks *h, const char *cmd, const struct shoal_event *e)
{
	char **words = NULL, **argv, err[256];
	size_t n = 0;

	if (exec_split(cmd, NULL, NULL, &words, err, sizeof(err)) == -1) {
		problem(h, HOOKS_FAILED, "%s", err);
		return NULL;
	}
	while (words[n] != NULL)
		n++;
	if ((argv = calloc(n + e->e_nvalues + 2, sizeof(*argv))) == NULL) {
		exec_argv_free(words);
		return NULL;
	}
	memcpy(argv, words, n * sizeof(*argv));
	free(words);		/* the strings now belong to argv */
	argv[n++] = strdup(event_kind_name(e->e_kind));
	for (size_t i = 0; i < e->e_nvalues; i++)
		argv[n++] = strdup(e->e_values[i]);
	for (size_t i = 0; i < n; i++)
		if (argv[i] == NULL) {
			for (size_t j = 0; j < n; j++)
				free(argv[j]);
			free(argv);
			return NULL;
		}
	return argv;
}

static void
enqueue(struct hooks *h, const char *cmd, const struct shoal_event *e)
{
	struct run *r;

	if (h->h_nqueued >= HOOKS_QUEUE_MAX) {
		problem(h, HOOKS_DROPPED, "queue full (%d runs): the hook for "
		    "event #%llu (%s) dropped", HOOKS_QUEUE_MAX,
		    (unsigned long long)e->e_seq, event_kind_name(e->e_kind));
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return;
	r->r_timeout_ms = h->h_timeout_ms;
	if ((r->r_argv = run_argv(h, cmd, e)) == NULL ||
	    (r->r_env = event_env(e)) == NULL ||
	    (r->r_mail = mail_text(e)) == NULL) {
		run_free(r);
		return;
	}
	TAILQ_INSERT_TAIL(&h->h_queue, r, r_entry);
	h->h_nqueued++;
}

static void
on_event(const struct shoal_event *e, void *arg)
{
	struct hooks *h = arg;

	if (e->e_kind == EV_HOOK)
		return;
	if (h->h_cmd[e->e_kind] != NULL)
		enqueue(h, h->h_cmd[e->e_kind], e);
	if (h->h_all != NULL)
		enqueue(h, h->h_all, e);
	start_next(h);
}

struct hooks *
hooks_new(struct event_base *base)
{
	struct hooks *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->h_base = base;
	h->h_timeout_ms = HOOKS_TIMEOUT_MS;
	TAILQ_INIT(&h->h_queue);
	h->h_sub = evbus_subscribe(on_event, h);
	return h;
}

static void
clear_cmds(char **cmd, char **all)
{
	for (int k = 0; k < EV__MAX; k++) {
		free(cmd[k]);
		cmd[k] = NULL;
	}
	free(*all);
	*all = NULL;
}

void
hooks_free(struct hooks *h)
{
	struct run *r;

	if (h == NULL)
		return;
	evbus_unsubscribe(h->h_sub);
	exec_cancel(h->h_running);
	while ((r = TAILQ_FIRST(&h->h_queue)) != NULL) {
		TAILQ_REMOVE(&h->h_queue, r, r_entry);
		run_free(r);
	}
	clear_cmds(h->h_cmd, &h->h_all);
	free(h);
}

/* Checks that cmd splits; 0 or -1 with err naming key. */
static int
check_cmd(const char *key, const char *cmd, char *err, size_t errlen)
{
	char **argv = NULL, msg[256];

	if (cmd == NULL || *cmd == '\0')
		return 0;
	if (exec_split(cmd, NULL, NULL, &argv, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", key, msg);
		return -1;
	}
	exec_argv_free(argv);
	return 0;
}

static char *
dup_cmd(const char *cmd)
{
	return cmd != NULL && *cmd != '\0' ? strdup(cmd) : NULL;
}

int
hooks_configure(struct hooks *h, const char *const cmds[EV__MAX],
    const char *all, uint32_t timeout_ms, char *err, size_t errlen)
{
	char key[64];

	for (int k = 0; k < EV__MAX; k++) {
		snprintf(key, sizeof(key), "notify_%s", event_kind_name(k));
		if (check_cmd(key, cmds != NULL ? cmds[k] : NULL, err,
		    errlen) == -1)
			return -1;
	}
	if (check_cmd("notify", all, err, errlen) == -1)
		return -1;
	clear_cmds(h->h_cmd, &h->h_all);
	for (int k = 0; k < EV__MAX; k++)
		h->h_cmd[k] = dup_cmd(cmds != NULL ? cmds[k] : NULL);
	h->h_all = dup_cmd(all);
	h->h_timeout_ms = timeout_ms > 0 ? timeout_ms : HOOKS_TIMEOUT_MS;
	return 0;
}

int
hooks_configure_cfg(struct hooks *h, const struct cfg_global *g, char *err,
    size_t errlen)
{
	const char *cmds[EV__MAX];
	const struct ck_field *f;
	char key[64];

	for (int k = 0; k < EV__MAX; k++) {
		snprintf(key, sizeof(key), "notify_%s", event_kind_name(k));
		if ((f = ck_find(ck_global, key)) == NULL) {
			snprintf(err, errlen, "no configuration key %s", key);
			return -1;
		}
		cmds[k] = ck_string(f, g);
	}
	return hooks_configure(h, cmds, g->g_notify, g->g_notify_timeout_ms,
	    err, errlen);
}

size_t
hooks_pending(const struct hooks *h)
{
	return h->h_nqueued + (h->h_running != NULL);
}

uint64_t
hooks_count(const struct hooks *h, enum hooks_outcome o)
{
	return (unsigned)o < HOOKS__MAX ? h->h_count[o] : 0;
}

json_t *
hooks_json(const struct hooks *h)
{
	json_t *o = json_pack("{s:I, s:s}", "queued",
	    (json_int_t)hooks_pending(h), "last_error", h->h_last_error);

	for (int i = 0; o != NULL && i < HOOKS__MAX; i++)
		json_object_set_new(o, outcome_names[i],
		    json_integer((json_int_t)h->h_count[i]));
	return o;
}
