/*
 * test_announce.c - scale-out's pure parts: the file pulse writes for
 * BIRD (golden files in tests/fixtures/bird/; SHOAL_UPDATE_GOLDEN=1
 * rewrites them), BIRD's control-socket replies (captured from BIRD
 * 2.0.12, Debian 12's), and the ECMP election as a table.
 *
 * That BIRD accepts the file and speaks as parsed here is checked against
 * the real daemon by tests/integration/ecmp.sh.
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

#include "lib/util.h"
#include "pulse/announce_bird.h"
#include "pulse/election.h"

/* ---- the configuration file ---- */

static char *
golden_path(const char *name)
{
	const char *dir = getenv("SHOAL_FIXTURES");
	char *p;

	if (dir == NULL)
		dir = "tests/fixtures";
	assert_true(asprintf(&p, "%s/bird/%s", dir, name) > 0);
	return p;
}

static void
check_golden(const char *name, const char *got)
{
	char *path = golden_path(name), *want;
	FILE *fp;
	size_t len;

	if (getenv("SHOAL_UPDATE_GOLDEN") != NULL) {
		assert_non_null(fp = fopen(path, "w"));
		fputs(got, fp);
		fclose(fp);
	}
	want = file_read_all(path, 1 << 20, &len);
	if (want == NULL)
		fail_msg("cannot read golden file %s", path);
	if (strcmp(want, got) != 0) {
		fprintf(stderr, "--- %s (golden)\n%s--- generated\n%s", path,
		    want, got);
		fail_msg("%s differs", name);
	}
	free(want);
	free(path);
}

static void
vip(struct rd_vip *v, const char *addr, const char *dev)
{
	memset(v, 0, sizeof(*v));
	assert_int_equal(cfg_addr_parse(&v->rv_addr, addr), 0);
	v->rv_prefix = v->rv_addr.family == AF_INET ? 32 : 128;
	snprintf(v->rv_dev, sizeof(v->rv_dev), "%s", dev);
}

static void
conf(struct rd_conf *c, const char *peer, const char *local)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->rc_node, sizeof(c->rc_node), "d1");
	c->rc_generation = 7;
	c->rc_local_as = 65001;
	c->rc_peer_as = 65000;
	assert_int_equal(cfg_addr_parse(&c->rc_peer, peer), 0);
	if (local != NULL)
		assert_int_equal(cfg_addr_parse(&c->rc_local, local), 0);
	c->rc_hold_s = 3;
	snprintf(c->rc_socket, sizeof(c->rc_socket), "/run/bird/bird.ctl");
	snprintf(c->rc_file, sizeof(c->rc_file), "/run/bird/shoal.conf");
}

static void
test_conf_ipv4(void **state)
{
	struct rd_vip v[4];
	struct rd_conf c;
	char *t;

	(void)state;
	conf(&c, "10.1.0.254", "10.1.0.1");
	/* pulse announces from lo; the driver takes any devices */
	vip(&v[0], "192.0.2.100", "lo");
	vip(&v[1], "192.0.2.101", "lo");
	vip(&v[2], "192.0.2.102", "dummy0");
	vip(&v[3], "2001:db8::1", "lo");	/* other family: not here */
	c.rc_vips = v;
	c.rc_nvips = 4;
	assert_non_null(t = bird_conf_text(&c));
	check_golden("ipv4.conf", t);
	free(t);
}

static void
test_conf_ipv6_no_local(void **state)
{
	struct rd_vip v[1];
	struct rd_conf c;
	char *t;

	(void)state;
	conf(&c, "2001:db8:1::fe", "10.1.0.1");	/* local of another family */
	c.rc_hold_s = 9;
	vip(&v[0], "2001:db8::100", "lo");
	c.rc_vips = v;
	c.rc_nvips = 1;
	assert_non_null(t = bird_conf_text(&c));
	check_golden("ipv6.conf", t);
	free(t);
}

static void
test_conf_no_vip(void **state)
{
	struct rd_conf c;
	char *t;

	(void)state;
	conf(&c, "10.1.0.254", NULL);
	assert_non_null(t = bird_conf_text(&c));
	check_golden("empty.conf", t);
	free(t);
}

/* ---- replies ---- */

static ssize_t
parse(const char *s, struct bird_reply *r)
{
	return bird_reply_parse(s, strlen(s), r);
}

static void
test_reply_welcome(void **state)
{
	const char *s = "0001 BIRD 2.0.12 ready.\n";
	struct bird_reply r;

	(void)state;
	assert_int_equal(parse(s, &r), strlen(s));
	assert_int_equal(r.br_code, 1);
	assert_int_equal(r.br_n, 1);
	assert_string_equal(r.br_lines[0].bl_text, "BIRD 2.0.12 ready.");
	bird_reply_clear(&r);
}

/* BIRD 2.0.12's answer with the default time format. */
static const char show_ok[] =
    "2002-Name       Proto      Table      State  Since         Info\n"
    "1002-shoal_vips Direct     ---        up     17:19:30.318  \n"
    " shoal_up   BGP        ---        up     17:19:32.713  Established   \n"
    "0000 \n";

static void
test_reply_pieces(void **state)
{
	struct bird_reply r;
	size_t n = strlen(show_ok);

	(void)state;
	/* every proper prefix is "more bytes needed", never garbage */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(bird_reply_parse(show_ok, i, &r), 0);
		assert_null(r.br_lines);
	}
	assert_int_equal(bird_reply_parse(show_ok, n, &r), n);
	assert_int_equal(r.br_code, 0);
	assert_int_equal(r.br_n, 4);
	assert_int_equal(r.br_lines[0].bl_code, 2002);
	assert_int_equal(r.br_lines[2].bl_code, 1002);	/* continuation */
	bird_reply_clear(&r);
}

static void
test_reply_two_and_spontaneous(void **state)
{
	const char *s = "+0000 a spontaneous line\n"
	    "0002-Reading configuration from /etc/bird/bird.conf\n"
	    "8002 /run/bird/shoal.conf:1:10 syntax error, unexpected "
	    "CF_SYM_UNDEFINED\n"
	    "8003 No protocols match\n";
	struct bird_reply r;
	ssize_t used;

	(void)state;
	used = parse(s, &r);
	assert_true(used > 0);
	assert_int_equal(r.br_code, 8002);
	assert_int_equal(r.br_n, 2);
	assert_string_equal(r.br_lines[1].bl_text, "/run/bird/shoal.conf:1:10 "
	    "syntax error, unexpected CF_SYM_UNDEFINED");
	bird_reply_clear(&r);
	/* the next reply follows in the same buffer */
	assert_int_equal(parse(s + used, &r), strlen(s + used));
	assert_int_equal(r.br_code, 8003);
	bird_reply_clear(&r);
}

static void
test_reply_garbage(void **state)
{
	struct bird_reply r;
	static const char *const bad[] = {
		"HTTP/1.1 400 Bad Request\n",
		" continuation of nothing\n",
		"12a4 short code\n",
		"0000\n",
		"0000x wrong separator\n",
	};
	const char nul[] = "0000 a\0b\n";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &r), -1);
	assert_int_equal(bird_reply_parse(nul, sizeof(nul) - 1, &r), -1);
}

/* ---- show protocols ---- */

static void
protocols(const char *s, struct rd_status *st, int want)
{
	struct bird_reply r;

	assert_int_equal(parse(s, &r), strlen(s));
	memset(st, 0, sizeof(*st));
	assert_int_equal(bird_protocols(&r, st), want);
	bird_reply_clear(&r);
}

static void
test_protocols_established(void **state)
{
	struct rd_status st;

	(void)state;
	protocols(show_ok, &st, 0);
	assert_true(st.st_vips_up);
	assert_true(st.st_established);
	assert_string_equal(st.st_session, "Established");
	assert_string_equal(st.st_info, "");
}

static void
test_protocols_refused(void **state)
{
	/* the neighbour refused our AS; and time format "iso long" */
	const char *s =
	    "2002-Name       Proto      Table      State  Since         Info\n"
	    "1002-shoal_vips Direct     ---        up     2026-12-03 17:19:30  \n"
	    " shoal_up   BGP        ---        start  2026-12-03 17:21:38  "
	    "Idle          Received: Bad peer AS\n"
	    "0000 \n";
	struct rd_status st;

	(void)state;
	protocols(s, &st, 0);
	assert_true(st.st_vips_up);
	assert_false(st.st_established);
	assert_string_equal(st.st_session, "Idle");
	assert_string_equal(st.st_info, "Received: Bad peer AS");
}

static void
test_protocols_missing(void **state)
{
	const char *only_bgp =
	    "2002-Name       Proto      Table      State  Since         Info\n"
	    "1002-shoal_up   BGP        ---        start  17:19:30.318  Active\n"
	    "0000 \n";
	struct rd_status st;

	(void)state;
	protocols("8003 No protocols match\n", &st, -1);
	protocols(only_bgp, &st, -1);
	assert_string_equal(st.st_session, "Active");
	assert_false(st.st_established);
}

/* ---- the ECMP election ---- */

#define DEAD	800

struct ecase {
	const char	*name;
	struct el_self	 self;
	struct el_peer	 peer;
	uint64_t	 now;
	enum el_state	 want;
	enum el_reason	 why;
};

static const struct ecase ecmp_cases[] = {
	{ "init waits for the peer", { 1, 100, EL_INIT, 0, 0, 0, 0, 0 },
	  { 2, 200, EL_INIT, 0, 0, 0 }, 100, EL_INIT, EL_R_NONE },
	{ "init over when the peer was heard", { 1, 100, EL_INIT, 0, 0, 0, 0, 0 },
	  { 2, 200, EL_ACTIVE, 1, 0, 90 }, 100, EL_ACTIVE, EL_R_STARTUP },
	{ "init over after deadtime", { 1, 100, EL_INIT, 0, 0, 0, 0, 0 },
	  { 2, 200, EL_INIT, 0, 0, 0 }, DEAD, EL_ACTIVE, EL_R_STARTUP },
	{ "a higher active peer does not stop us", { 1, 100, EL_ACTIVE, 0, 0, 0, 0, 0 },
	  { 2, 200, EL_ACTIVE, 1, 0, 1000 }, 1100, EL_ACTIVE, EL_R_NONE },
	{ "backup becomes active beside others", { 1, 100, EL_BACKUP, 0, 0, 0, 0, 0 },
	  { 2, 200, EL_ACTIVE, 1, 0, 1000 }, 1100, EL_ACTIVE,
	  EL_R_ALL_ACTIVE },
	{ "a fault stops serving", { 1, 100, EL_ACTIVE, 0, 1, 0, 0, 0 },
	  { 2, 200, EL_ACTIVE, 1, 0, 1000 }, 1100, EL_FAULT, EL_R_FAULT },
	{ "fault cleared: backup, then active", { 1, 100, EL_FAULT, 0, 0, 0, 0, 0 },
	  { 2, 200, EL_ACTIVE, 1, 0, 1000 }, 1100, EL_BACKUP,
	  EL_R_FAULT_CLEARED },
};

static void
test_ecmp_election(void **state)
{
	struct el_params pa = { DEAD, 1, 0 };
	struct el_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(ecmp_cases) / sizeof(ecmp_cases[0]);
	    i++) {
		const struct ecase *c = &ecmp_cases[i];

		election_step_ecmp(&c->self, &c->peer, 1, &pa, c->now, &r);
		if (r.er_state != c->want || r.er_reason != c->why)
			fail_msg("%s: got %s (%s)", c->name,
			    election_state_name(r.er_state),
			    election_reason_str(r.er_reason));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_ipv4),
		cmocka_unit_test(test_conf_ipv6_no_local),
		cmocka_unit_test(test_conf_no_vip),
		cmocka_unit_test(test_reply_welcome),
		cmocka_unit_test(test_reply_pieces),
		cmocka_unit_test(test_reply_two_and_spontaneous),
		cmocka_unit_test(test_reply_garbage),
		cmocka_unit_test(test_protocols_established),
		cmocka_unit_test(test_protocols_refused),
		cmocka_unit_test(test_protocols_missing),
		cmocka_unit_test(test_ecmp_election),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
