/*
 * test_tracks.c - the node's tracked checks (pulse/tracks.h): verdicts
 * from nanny reports, the penalty and fault they give the election, and
 * what a reload keeps.
 */
#include "shoal-build.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "lib/diag.h"
#include "pulse/tracks.h"

static const char base_cf[] =
	"service = lvs\n"
	"primary = 10.0.0.1\n"
	"virtual web {\n"
	"    address = 10.0.0.100 eth0\n"
	"    active = 1\n"
	"    server a {\n"
	"        address = 10.0.1.1\n"
	"        active = 1\n"
	"    }\n"
	"    server b {\n"
	"        address = 10.0.1.2\n"
	"        active = 1\n"
	"    }\n"
	"}\n"
	"track gw {\n"
	"    kind = gateway\n"
	"    weight = 50\n"
	"}\n"
	"track pool {\n"
	"    kind = virtual\n"
	"    virtual = web\n"
	"    min_up = 2\n"
	"    weight = 30\n"
	"}\n"
	"track prog {\n"
	"    kind = program\n"
	"    command = \"/bin/true\"\n"
	"    fault = 1\n"
	"}\n";

static struct shoal_config *
cf(const char *text)
{
	struct shoal_config *c;
	struct diag d;

	diag_init(&d);
	if (lvscf_read_buf("t.cf", text, strlen(text), &c, &d) == -1) {
		diag_print(&d, stderr);
		fail_msg("config does not read");
	}
	diag_clear(&d);
	return c;
}

static int
report(struct tracks *ts, const char *track, const char *server, int up)
{
	struct nanny_report r;

	memset(&r, 0, sizeof(r));
	snprintf(r.nr_service, sizeof(r.nr_service), "%s", track);
	snprintf(r.nr_server, sizeof(r.nr_server), "%s", server);
	assert_int_equal(cfg_addr_parse(&r.nr_addr, "10.0.0.254"), 0);
	r.nr_state = up ? NANNY_UP : NANNY_DOWN;
	snprintf(r.nr_reason, sizeof(r.nr_reason), "%s", up ? "ok" : "no");
	return tracks_report(ts, track, &r);
}

static struct tracks *
loaded(struct shoal_config **c)
{
	struct tracks *ts = tracks_new();

	assert_non_null(ts);
	*c = cf(base_cf);
	assert_int_equal(tracks_load(ts, *c), 0);
	return ts;
}

/* Before any report every track counts as failed: health is never
 * assumed. */
static void
test_unknown_is_failed(void **state)
{
	struct shoal_config *c;
	struct tracks *ts = loaded(&c);

	(void)state;
	assert_int_equal(tracks_penalty(ts), 80);
	assert_true(tracks_fault(ts));
	assert_int_equal(report(ts, "gw", "-", 1), 1);
	assert_int_equal(report(ts, "prog", "-", 1), 1);
	assert_false(tracks_fault(ts));
	assert_int_equal(tracks_penalty(ts), 30);
	tracks_free(ts);
	config_free(c);
}

/* A virtual track counts the servers up against min_up. */
static void
test_min_up(void **state)
{
	struct shoal_config *c;
	struct tracks *ts = loaded(&c);

	(void)state;
	report(ts, "gw", "-", 1);
	assert_int_equal(report(ts, "pool", "a", 1), 0);	/* 1 of 2 */
	assert_int_equal(tracks_penalty(ts), 30);
	assert_int_equal(report(ts, "pool", "a", 1), 0);	/* same one */
	assert_int_equal(tracks_penalty(ts), 30);
	assert_int_equal(report(ts, "pool", "b", 1), 1);	/* 2 of 2 */
	assert_int_equal(tracks_penalty(ts), 0);
	assert_int_equal(report(ts, "pool", "b", 0), 1);
	assert_int_equal(tracks_penalty(ts), 30);
	/* gw down: both weights */
	assert_int_equal(report(ts, "gw", "-", 0), 1);
	assert_int_equal(tracks_penalty(ts), 80);
	/* unknown names change nothing */
	assert_int_equal(report(ts, "nosuch", "-", 1), 0);
	tracks_free(ts);
	config_free(c);
}

/* A reload keeps the state of unchanged tracks (their nannies go on),
 * and the verdict of a changed single check until its next report. */
static void
test_reload_keeps(void **state)
{
	struct shoal_config *c, *c2;
	struct tracks *ts = loaded(&c);
	char *text, *p;

	(void)state;
	report(ts, "gw", "-", 1);
	report(ts, "prog", "-", 1);
	report(ts, "pool", "a", 1);
	report(ts, "pool", "b", 1);
	assert_int_equal(tracks_penalty(ts), 0);
	assert_int_equal(tracks_load(ts, c), 0);
	assert_int_equal(tracks_penalty(ts), 0);
	assert_false(tracks_fault(ts));
	/* gw's weight changes: still healthy until a report says not */
	assert_non_null(text = strdup(base_cf));
	assert_non_null(p = strstr(text, "weight = 50"));
	memcpy(p, "weight = 60", 11);
	c2 = cf(text);
	assert_int_equal(tracks_load(ts, c2), 0);
	assert_int_equal(tracks_penalty(ts), 0);
	assert_int_equal(report(ts, "gw", "-", 0), 1);
	assert_int_equal(tracks_penalty(ts), 60);
	free(text);
	tracks_free(ts);
	config_free(c);
	config_free(c2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_is_failed),
		cmocka_unit_test(test_min_up),
		cmocka_unit_test(test_reload_keeps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
