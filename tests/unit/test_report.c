/* test_report.c - nanny's report lines: format, parse, reject garbage. */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/nanny_report.h"

static void
make(struct nanny_report *r, const char *svc, const char *srv,
    const char *addr, uint16_t port, enum nanny_state st, int weight,
    uint32_t lat, const char *reason)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->nr_service, sizeof(r->nr_service), "%s", svc);
	snprintf(r->nr_server, sizeof(r->nr_server), "%s", srv);
	assert_int_equal(cfg_addr_parse(&r->nr_addr, addr), 0);
	r->nr_port = port;
	r->nr_state = st;
	r->nr_weight = weight;
	r->nr_latency_ms = lat;
	snprintf(r->nr_reason, sizeof(r->nr_reason), "%s", reason);
}

/* Formats r, compares with want, parses it back and compares fields. */
static void
round_trip(const struct nanny_report *r, const char *want)
{
	struct nanny_report	 back;
	char			 buf[NANNY_REPORT_LINE_MAX + 1], err[128];
	int			 n;

	n = nanny_report_format(r, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(buf, want);
	if (nanny_report_parse(buf, (size_t)n, &back, err, sizeof(err)) == -1)
		fail_msg("parse <%s>: %s", buf, err);
	assert_string_equal(back.nr_service, r->nr_service);
	assert_string_equal(back.nr_server, r->nr_server);
	assert_true(cfg_addr_equal(&back.nr_addr, &r->nr_addr));
	assert_int_equal(back.nr_port, r->nr_port);
	assert_int_equal(back.nr_state, r->nr_state);
	assert_int_equal(back.nr_weight, r->nr_weight);
	assert_int_equal(back.nr_latency_ms, r->nr_latency_ms);
	assert_string_equal(back.nr_reason, r->nr_reason[0] != '\0' ?
	    r->nr_reason : "-");
}

static void
test_format(void **state)
{
	struct nanny_report	 r;

	(void)state;
	make(&r, "web", "r1", "10.0.0.11", 80, NANNY_DOWN, 0, 1003,
	    "timeout in connect");
	round_trip(&r, "report web r1 10.0.0.11:80 down 0 1003 "
	    "timeout in connect\n");
	make(&r, "web", "r2", "fd00::12", 8080, NANNY_UP, 3, 2, "ok");
	round_trip(&r, "report web r2 [fd00::12]:8080 up 3 2 ok\n");
	make(&r, "ftp", NANNY_REPORT_NO_SERVER, "10.0.0.100", 21, NANNY_UP, 1,
	    0, "");
	round_trip(&r, "report ftp - 10.0.0.100:21 up 1 0 -\n");
	/* odd names are escaped, never split the line */
	make(&r, "my web", "r%1\tx", "127.0.0.1", 65535, NANNY_UP,
	    NANNY_REPORT_WEIGHT_MAX, UINT32_MAX, "HTTP status 200");
	round_trip(&r, "report my%20web r%251%09x 127.0.0.1:65535 up 65535 "
	    "4294967295 HTTP status 200\n");
}

static void
test_format_reason_cleaned(void **state)
{
	struct nanny_report	 r, back;
	char			 buf[NANNY_REPORT_LINE_MAX + 1], err[64];
	char			 longr[300];

	(void)state;
	make(&r, "web", "r1", "10.0.0.1", 80, NANNY_DOWN, 0, 5,
	    "bad\nreply\x01");
	assert_true(nanny_report_format(&r, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "report web r1 10.0.0.1:80 down 0 5 "
	    "bad?reply?\n");
	memset(longr, 'x', sizeof(longr) - 1);
	longr[sizeof(longr) - 1] = '\0';
	make(&r, "web", "r1", "10.0.0.1", 80, NANNY_DOWN, 0, 5, longr);
	assert_true(nanny_report_format(&r, buf, sizeof(buf)) > 0);
	assert_int_equal(nanny_report_parse(buf, strlen(buf), &back, err,
	    sizeof(err)), 0);
	assert_int_equal(strlen(back.nr_reason), NANNY_REPORT_REASON_MAX);
}

static void
test_format_refuses(void **state)
{
	struct nanny_report	 r;
	char			 buf[NANNY_REPORT_LINE_MAX + 1];

	(void)state;
	make(&r, "web", "r1", "10.0.0.1", 80, NANNY_UP, 1, 0, "ok");
	r.nr_weight = -1;
	assert_int_equal(nanny_report_format(&r, buf, sizeof(buf)), -1);
	r.nr_weight = NANNY_REPORT_WEIGHT_MAX + 1;
	assert_int_equal(nanny_report_format(&r, buf, sizeof(buf)), -1);
	r.nr_weight = 1;
	r.nr_service[0] = '\0';
	assert_int_equal(nanny_report_format(&r, buf, sizeof(buf)), -1);
	make(&r, "web", "r1", "10.0.0.1", 80, NANNY_UP, 1, 0, "ok");
	memset(&r.nr_addr, 0, sizeof(r.nr_addr));
	assert_int_equal(nanny_report_format(&r, buf, sizeof(buf)), -1);
	make(&r, "web", "r1", "10.0.0.1", 80, NANNY_UP, 1, 0, "ok");
	assert_int_equal(nanny_report_format(&r, buf, 20), -1);
}

/* A tracked ICMP echo or program: no server, port 0 (nanny/track.h). */
static void
good_port0(void)
{
	struct nanny_report r;

	make(&r, "gw", "-", "10.238.0.1", 0, NANNY_DOWN, 0, 3,
	    "no default route");
	round_trip(&r, "report gw - 10.238.0.1:0 down 0 3 no default route\n");
}

static void
bad(const char *line, const char *errpart)
{
	struct nanny_report	 r;
	char			 err[128];

	if (nanny_report_parse(line, strlen(line), &r, err, sizeof(err)) == 0)
		fail_msg("accepted <%s>", line);
	if (strstr(err, errpart) == NULL)
		fail_msg("<%s>: error <%s> lacks <%s>", line, err, errpart);
}

static void
test_parse_garbage(void **state)
{
	char	 longline[NANNY_REPORT_LINE_MAX + 10];

	(void)state;
	bad("", "not a report line");
	bad("hello world\n", "not a report line");
	bad("report", "not a report line");
	bad("report web\n", "line ends after service");
	bad("report  web r1 10.0.0.1:80 up 1 0 ok", "empty service");
	bad("report web r1 10.0.0.1:80 up 1 0", "line ends after latency");
	bad("report web r1 10.0.0.1:80 up 1 0 ", "empty reason");
	bad("report web r1 10.0.0.1 up 1 0 ok", "lacks :port");
	bad("report web r1 10.0.0.1:0 up 1 0 ok", "bad port");
	/* a tracked check without a port (no server) is fine */
	good_port0();
	bad("report gw - 10.0.0.1:x down 0 0 no", "bad port");
	bad("report web r1 10.0.0.1:65536 up 1 0 ok", "bad port");
	bad("report web r1 10.0.0.1:080 up 1 0 ok", "bad port");
	bad("report web r1 10.0.0.1:8x up 1 0 ok", "bad port");
	bad("report web r1 10.0.0.300:80 up 1 0 ok", "bad address");
	bad("report web r1 fd00::1:80 up 1 0 ok", "unbracketed IPv6");
	bad("report web r1 [10.0.0.1]:80 up 1 0 ok", "bad address");
	bad("report web r1 []:80 up 1 0 ok", "bad address");
	bad("report web r1 10.0.0.1:80 UP 1 0 ok", "bad state");
	bad("report web r1 10.0.0.1:80 up -1 0 ok", "bad weight");
	bad("report web r1 10.0.0.1:80 up 65536 0 ok", "bad weight");
	bad("report web r1 10.0.0.1:80 up 1 4294967296 ok", "bad latency");
	bad("report web r1 10.0.0.1:80 up 1 0 ok\r", "bad byte in reason");
	bad("report web r1 10.0.0.1:80 up 1 0 o\x80k", "bad byte in reason");
	bad("report w%2 r1 10.0.0.1:80 up 1 0 ok", "bad escape in service");
	bad("report w%zz r1 10.0.0.1:80 up 1 0 ok", "bad escape in service");
	bad("report w%00 r1 10.0.0.1:80 up 1 0 ok", "bad escape in service");
	bad("report w\x01 r1 10.0.0.1:80 up 1 0 ok", "bad byte in service");
	bad("report aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaa r1 10.0.0.1:80 up 1 0 ok", "service too long");
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "report web r1 10.0.0.1:80 up 1 0 ", 33);
	longline[sizeof(longline) - 1] = '\0';
	bad(longline, "line too long");
}

static void
test_parse_embedded_nul(void **state)
{
	struct nanny_report	 r;
	char			 err[64];
	const char		 line[] = "report web r1 10.0.0.1:80 up 1 0 o\0k";

	(void)state;
	/* a NUL inside the line is garbage, not an early end */
	assert_int_equal(nanny_report_parse(line, sizeof(line) - 1, &r, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "bad byte in reason"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_reason_cleaned),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_embedded_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
