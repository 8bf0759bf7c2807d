/*
 * test_hooks.c - notify hooks (src/pulse/hooks.h) with real processes on
 * a real event loop: each event's hook gets the kind and the fields as
 * arguments, in order, the SHOAL_* environment and the mail text on its
 * standard input; hooks run one after the other in the order of the
 * events; a hanging hook is killed at its timeout and counted while a
 * timer of the loop keeps its pace; a missing program and a flooding one
 * are counted; a full queue drops and counts.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/util.h"
#include "pulse/evbus.h"
#include "pulse/hooks.h"

static char dir[] = "/tmp/test_hooks.XXXXXX";

/* Writes an executable script dir/name with body; returns its path. */
static char *
script(const char *name, const char *body)
{
	char *path;
	FILE *fp;

	assert_int_not_equal(asprintf(&path, "%s/%s", dir, name), -1);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "#!/bin/sh\n%s\n", body);
	fclose(fp);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

/* Runs the loop until hooks are idle or ms pass. */
static void
run_until_idle(struct event_base *base, struct hooks *h, uint64_t ms)
{
	uint64_t end = clock_monotonic_ms() + ms;

	while (hooks_pending(h) > 0 && clock_monotonic_ms() < end)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK),
		    usleep(5000);
}

static char *
slurp(const char *path)
{
	size_t len;

	return file_read_all(path, 1 << 20, &len);
}

static void
test_args_order_env(void **state)
{
	struct event_base *base = event_base_new();
	struct hooks *h;
	const char *cmds[EV__MAX] = { NULL };
	char *log, *cmd, *out, err[256];

	(void)state;
	evbus_init("r1");
	h = hooks_new(base);
	assert_int_not_equal(asprintf(&log, "%s/log", dir), -1);
	/* each run appends its arguments, two variables and stdin's first
	 * line; a short sleep would show any overlap as interleaving */
	cmd = script("rec", "{ echo \"start $*\"; echo \"env $SHOAL_EVENT "
	    "$SHOAL_SEQ $SHOAL_TO\"; head -1; sleep 0.05; echo \"end $1\"; } "
	    ">> \"$0.log\"");
	cmds[EV_ROLE] = cmd;
	assert_int_equal(hooks_configure(h, cmds, NULL, 5000, err,
	    sizeof(err)), 0);
	evbus_emit(EV_ROLE, "backup", "active", "partner dead", "r2");
	evbus_emit(EV_VIP, "taken", "10.0.0.1", "eth0:1");	/* no hook */
	evbus_emit(EV_ROLE, "active", "fault", "standby", "");
	run_until_idle(base, h, 10000);
	free(log);
	assert_int_not_equal(asprintf(&log, "%s.log", cmd), -1);
	out = slurp(log);
	assert_non_null(out);
	assert_string_equal(out,
	    "start role backup active partner dead r2\n"
	    "env role 1 active\n"
	    "Subject: [shoal] r1: role backup active partner dead r2\n"
	    "end role\n"
	    "start role active fault standby \n"
	    "env role 3 fault\n"
	    "Subject: [shoal] r1: role active fault standby\n"
	    "end role\n");
	assert_int_equal(hooks_count(h, HOOKS_OK), 2);
	free(out);
	free(log);
	free(cmd);
	hooks_free(h);
	event_base_free(base);
	evbus_reset();
}

struct tick {
	struct event	*t_ev;
	uint64_t	 t_last, t_max_gap;
	int		 t_n;
};

static void
tick_cb(int fd, short what, void *arg)
{
	struct tick *t = arg;
	uint64_t now = clock_monotonic_ms();

	(void)fd;
	(void)what;
	if (t->t_last != 0 && now - t->t_last > t->t_max_gap)
		t->t_max_gap = now - t->t_last;
	t->t_last = now;
	t->t_n++;
}

static void
test_hang_missing_flood(void **state)
{
	struct event_base *base = event_base_new();
	struct timeval tv = { 0, 50000 };
	struct tick t = { NULL, 0, 0, 0 };
	const char *cmds[EV__MAX] = { NULL };
	char *hang, *flood, *gone, err[256];
	struct hooks *h;
	uint64_t start;

	(void)state;
	evbus_init("r1");
	h = hooks_new(base);
	hang = script("hang", "trap '' TERM; sleep 30");
	flood = script("flood", "head -c 50000000 /dev/zero");
	assert_int_not_equal(asprintf(&gone, "%s/no-such-hook", dir), -1);
	cmds[EV_ROLE] = hang;
	cmds[EV_VIP] = flood;
	cmds[EV_SERVER] = gone;
	assert_int_equal(hooks_configure(h, cmds, NULL, 300, err,
	    sizeof(err)), 0);
	t.t_ev = event_new(base, -1, EV_PERSIST, tick_cb, &t);
	event_add(t.t_ev, &tv);
	start = clock_monotonic_ms();
	evbus_emit(EV_ROLE, "backup", "active", "x", "");
	evbus_emit(EV_VIP, "taken", "10.0.0.1", "eth0:1");
	evbus_emit(EV_SERVER, "web", "rs1", "down", "0", "timeout");
	while (hooks_pending(h) > 0 && clock_monotonic_ms() < start + 10000)
		event_base_loop(base, EVLOOP_ONCE);
	/* killed at 300 ms (SIGTERM ignored: SIGKILL after the grace); the
	 * flood may time out too on a loaded machine */
	assert_in_range(hooks_count(h, HOOKS_TIMEOUT), 1, 2);
	assert_int_equal(hooks_count(h, HOOKS_MISSING), 1);
	/* the flood was read and thrown away, the hook ended by itself or
	 * at its timeout: never a blocked pulse */
	assert_int_equal(hooks_count(h, HOOKS_OK) + hooks_count(h,
	    HOOKS_TIMEOUT) + hooks_count(h, HOOKS_FAILED), 2);
	assert_true(clock_monotonic_ms() - start < 5000);
	/* the loop's 50 ms timer kept its pace meanwhile */
	assert_true(t.t_n >= 5);
	assert_true(t.t_max_gap < 1000);
	/* a "hook" event summarised the problem (logged once) */
	assert_true(evbus_count(EV_HOOK) >= 1);
	event_free(t.t_ev);
	free(hang);
	free(flood);
	free(gone);
	hooks_free(h);
	event_base_free(base);
	evbus_reset();
}

static void
test_overflow_and_bad_config(void **state)
{
	struct event_base *base = event_base_new();
	const char *cmds[EV__MAX] = { NULL };
	char *slow, err[256];
	struct hooks *h;

	(void)state;
	evbus_init("r1");
	h = hooks_new(base);
	slow = script("slow", "sleep 0.2");
	/* a command that does not split is refused, naming the key */
	cmds[EV_DRILL] = "/bin/true 'unterminated";
	assert_int_equal(hooks_configure(h, cmds, NULL, 0, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "notify_drill"));
	cmds[EV_DRILL] = NULL;
	assert_int_equal(hooks_configure(h, cmds, slow, 0, err, sizeof(err)),
	    0);
	for (int i = 0; i < HOOKS_QUEUE_MAX + 40; i++)
		evbus_emit(EV_CONFIG, "1", "abc", "applied");
	/* one running, the queue full, the rest dropped and counted */
	assert_int_equal(hooks_pending(h), HOOKS_QUEUE_MAX + 1);
	assert_int_equal(hooks_count(h, HOOKS_DROPPED), 39);
	free(slow);
	hooks_free(h);		/* kills the running one */
	event_base_free(base);
	evbus_reset();
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_order_env),
		cmocka_unit_test(test_hang_missing_flood),
		cmocka_unit_test(test_overflow_and_bad_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
