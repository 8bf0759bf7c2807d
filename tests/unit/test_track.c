/*
 * test_track.c - nanny's side of tracked checks (nanny/track.h): the
 * default gateway read from /proc/net/route's text, and the settings a
 * track is checked with.
 */
#include "shoal-build.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "nanny/check.h"
#include "nanny/track.h"

#define HEAD "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t" \
	"Mask\t\tMTU\tWindow\tIRTT\n"

static void
test_route(void **state)
{
	struct cfg_addr gw, want;

	(void)state;
	assert_int_equal(cfg_addr_parse(&want, "192.0.2.1"), 0);
	/* the default route after a link route; gateway in network order */
	assert_int_equal(track_parse_route(HEAD
	    "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
	    "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
	    &gw), 0);
	assert_true(cfg_addr_equal(&gw, &want));
	/* no default route, a default route without a gateway (a device
	 * route), a header alone, garbage */
	assert_int_equal(track_parse_route(HEAD
	    "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
	    &gw), -1);
	assert_int_equal(track_parse_route(HEAD
	    "tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n",
	    &gw), -1);
	assert_int_equal(track_parse_route(HEAD, &gw), -1);
	assert_int_equal(track_parse_route("", &gw), -1);
	assert_int_equal(track_parse_route(HEAD "eth0 zz yy\n", &gw), -1);
}

static void
test_settings(void **state)
{
	struct cfg_track *t = cfg_track_new("gw");
	struct cfg_virtual *vs;

	(void)state;
	assert_non_null(t);
	t->t_interval_ms = 300;
	t->t_timeout_ms = 200;
	t->t_rise = 3;
	t->t_fall = 2;
	assert_non_null(vs = track_settings(t));
	assert_string_equal(vs->vs_name, "gw");
	assert_int_equal(check_resolve_type(vs, 0), CHECK_T_PING);
	assert_int_equal(vs->vs_check_interval_ms, 300);
	assert_int_equal(vs->vs_check_timeout_ms, 200);
	assert_int_equal(vs->vs_rise, 3);
	assert_int_equal(vs->vs_fall, 2);
	cfg_virtual_free(vs);
	t->t_kind = CFG_TRACK_PROGRAM;
	t->t_command = strdup("/bin/true");
	assert_non_null(vs = track_settings(t));
	assert_int_equal(check_resolve_type(vs, 0), CHECK_T_PROGRAM);
	assert_string_equal(vs->vs_send_program, "/bin/true");
	cfg_virtual_free(vs);
	t->t_kind = CFG_TRACK_VIRTUAL;	/* the virtual's own settings */
	assert_null(track_settings(t));
	cfg_track_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
