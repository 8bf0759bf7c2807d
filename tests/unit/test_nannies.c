/*
 * test_nannies.c - pulse's nanny supervisor against a fake nanny (a shell
 * script written at start): reports reach the callback, garbage and
 * reports about another service kill and restart only that nanny, a dying
 * nanny comes back after the back-off, a settings change restarts, a
 * sweep stops.  Runs the event loop for short real intervals.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "lib/log.h"
#include "pulse/nannies.h"

static char script[64];

static const char fake[] =
    "#!/bin/sh\n"
    "# argv: --db DB --virtual|--failover NAME [-n] [-v]\n"
    "case \"$4\" in\n"
    "good) echo 'report good r1 10.0.0.1:80 up 3 2 ok'; exec sleep 30;;\n"
    "garbage) echo 'hello there'; exec sleep 30;;\n"
    "other) echo 'report someone r1 10.0.0.1:80 up 3 2 ok'; exec sleep 30;;\n"
    "dies) echo 'report dies r1 10.0.0.1:80 down 0 5 refused'; exit 3;;\n"
    "split) printf 'report split - 10.0.0.9:21 '; sleep 0.2;"
    " echo 'up 1 7 expected reply'; exec sleep 30;;\n"
    "esac\n"
    "exit 1\n";

struct seen {
	int			 n;
	enum nannies_kind	 kind;
	char			 name[64];
	struct nanny_report	 last;
};

static void
on_report(enum nannies_kind k, const char *name,
    const struct nanny_report *r, void *arg)
{
	struct seen *s = arg;

	s->n++;
	s->kind = k;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->last = *r;
}

static void
run_ms(struct event_base *b, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(b, &tv);
	event_base_dispatch(b);
}

/* The "starts" of the only nanny, -1 when there is none. */
static int
starts(const struct nannies *ns)
{
	json_t *a = nannies_json(ns);
	int n = json_array_size(a) == 1 ? (int)json_integer_value(
	    json_object_get(json_array_get(a, 0), "starts")) : -1;

	json_decref(a);
	return n;
}

static int
setup(void **state)
{
	FILE *fp;
	int fd;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(script, sizeof(script), "/tmp/test_nannies.XXXXXX");
	if ((fd = mkstemp(script)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		return -1;
	fputs(fake, fp);
	fclose(fp);
	return chmod(script, 0700);
}

static int
teardown(void **state)
{
	(void)state;
	unlink(script);
	return 0;
}

static void
test_good(void **state)
{
	struct event_base *b = event_base_new();
	struct seen s = { 0 };
	struct nannies *ns = nannies_new(b, script, "/nonexistent.db",
	    on_report, &s);

	(void)state;
	assert_non_null(ns);
	assert_int_equal(nannies_want(ns, NANNIES_VIRTUAL, "good", "p1"), 0);
	run_ms(b, 600);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.kind, NANNIES_VIRTUAL);
	assert_string_equal(s.name, "good");
	assert_string_equal(s.last.nr_server, "r1");
	assert_int_equal(s.last.nr_state, NANNY_UP);
	assert_int_equal(s.last.nr_weight, 3);
	assert_int_equal(nannies_running(ns), 1);
	/* same settings: left alone */
	nannies_mark(ns);
	assert_int_equal(nannies_want(ns, NANNIES_VIRTUAL, "good", "p1"), 0);
	nannies_sweep(ns);
	assert_int_equal(starts(ns), 1);
	/* changed settings: restarted at once, reports again */
	assert_int_equal(nannies_want(ns, NANNIES_VIRTUAL, "good", "p2"), 0);
	assert_int_equal(starts(ns), 2);
	run_ms(b, 600);
	assert_int_equal(s.n, 2);
	/* not wanted any more: stopped */
	nannies_mark(ns);
	nannies_sweep(ns);
	assert_int_equal(nannies_running(ns), 0);
	assert_int_equal(starts(ns), -1);
	nannies_free(ns);
	event_base_free(b);
}

static void
test_garbage_isolated(void **state)
{
	struct event_base *b = event_base_new();
	struct seen s = { 0 };
	struct nannies *ns = nannies_new(b, script, "/nonexistent.db",
	    on_report, &s);
	json_t *a;
	size_t i;
	int good_running = 0, bad_running = 0;

	(void)state;
	assert_int_equal(nannies_want(ns, NANNIES_VIRTUAL, "good", "p"), 0);
	assert_int_equal(nannies_want(ns, NANNIES_VIRTUAL, "garbage", "p"), 0);
	assert_int_equal(nannies_want(ns, NANNIES_FAILOVER, "other", "p"), 0);
	run_ms(b, 600);
	/* only the good one's report got through */
	assert_int_equal(s.n, 1);
	assert_string_equal(s.name, "good");
	a = nannies_json(ns);
	for (i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		int run = json_is_true(json_object_get(o, "running"));

		if (strcmp(json_string_value(json_object_get(o, "name")),
		    "good") == 0)
			good_running = run;
		else
			bad_running += run;
	}
	json_decref(a);
	assert_true(good_running);
	assert_int_equal(bad_running, 0);
	/* after the back-off they are started again (and killed again) */
	run_ms(b, 1300);
	a = nannies_json(ns);
	for (i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);

		assert_int_equal(json_integer_value(json_object_get(o,
		    "starts")), strcmp(json_string_value(json_object_get(o,
		    "name")), "good") == 0 ? 1 : 2);
	}
	json_decref(a);
	assert_int_equal(s.n, 1);
	nannies_free(ns);
	event_base_free(b);
}

static void
test_dies_backoff(void **state)
{
	struct event_base *b = event_base_new();
	struct seen s = { 0 };
	struct nannies *ns = nannies_new(b, script, "/nonexistent.db",
	    on_report, &s);

	(void)state;
	assert_int_equal(nannies_want(ns, NANNIES_VIRTUAL, "dies", "p"), 0);
	run_ms(b, 500);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.last.nr_state, NANNY_DOWN);
	assert_int_equal(nannies_running(ns), 0);
	/* first back-off 1 s */
	run_ms(b, 900);
	assert_int_equal(s.n, 2);
	assert_int_equal(starts(ns), 2);
	/* second back-off 2 s: not yet after 1.2 s */
	run_ms(b, 1200);
	assert_int_equal(starts(ns), 2);
	run_ms(b, 1200);
	assert_int_equal(starts(ns), 3);
	/* a restart by hand is immediate */
	assert_int_equal(nannies_restart(ns, NANNIES_VIRTUAL, "dies"), 0);
	assert_int_equal(starts(ns), 4);
	assert_int_equal(nannies_restart(ns, NANNIES_VIRTUAL, "nosuch"), -1);
	nannies_free(ns);
	event_base_free(b);
}

static void
test_split_line(void **state)
{
	struct event_base *b = event_base_new();
	struct seen s = { 0 };
	struct nannies *ns = nannies_new(b, script, "/nonexistent.db",
	    on_report, &s);

	(void)state;
	assert_int_equal(nannies_want(ns, NANNIES_FAILOVER, "split", "p"), 0);
	run_ms(b, 800);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.kind, NANNIES_FAILOVER);
	assert_string_equal(s.last.nr_server, "-");
	assert_int_equal(s.last.nr_port, 21);
	assert_string_equal(s.last.nr_reason, "expected reply");
	nannies_free(ns);
	event_base_free(b);
}

static void
test_none(void **state)
{
	struct event_base *b = event_base_new();
	struct seen s = { 0 };
	struct nannies *ns = nannies_new(b, "none", "/nonexistent.db",
	    on_report, &s);

	(void)state;
	assert_int_equal(nannies_want(ns, NANNIES_VIRTUAL, "good", "p"), 0);
	assert_int_equal(nannies_running(ns), 0);
	assert_int_equal(starts(ns), -1);
	nannies_free(ns);
	event_base_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_garbage_isolated),
		cmocka_unit_test(test_dies_backoff),
		cmocka_unit_test(test_split_line),
		cmocka_unit_test(test_none),
	};

	log_init("test_nannies", 1, 0, NULL);
	return cmocka_run_group_tests(tests, setup, teardown);
}
