/*
 * test_check_proto.c - the UDP, DNS, mail/news/FTP and LDAP kinds and
 * the HTTP ranges/Host/TLS verification against loopback responders that
 * behave or misbehave (silence, ICMP port unreachable, floods, garbage,
 * truncated and oversized DNS answers, a server that never greets), and
 * the reply parsers on crafted bytes.  Each run must end in the expected
 * result within a bound.
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
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/nameser.h>
#include <event2/event.h>

#include "lib/exec.h"
#include "lib/util.h"
#include "nanny/check.h"
#include "nanny/check_match.h"
#include "nanny/check_parse.h"
#include "responder.h"

#define TEST_TIMEOUT_MS		400
#define TEST_BOUND_S		10

struct run {
	struct event_base	*base;
	int			 done;
	struct check_outcome	 out;
};

static void
run_done(const struct check_outcome *o, void *arg)
{
	struct run	*r = arg;

	r->done++;
	r->out = *o;
	event_base_loopbreak(r->base);
}

static void
conf_init(struct check_conf *cc, enum check_type t)
{
	memset(cc, 0, sizeof(*cc));
	cc->cc_type = t;
	cc->cc_timeout_ms = TEST_TIMEOUT_MS;
}

/* Runs cc once against 127.0.0.1:port on base, bounded. */
static struct check_outcome
run_conf(struct event_base *base, const struct check_conf *cc, uint16_t port)
{
	struct run	 r;
	struct check	*c;
	struct cfg_addr	 a;
	struct timeval	 bound = { TEST_BOUND_S, 0 };
	char		 err[160];

	memset(&r, 0, sizeof(r));
	r.base = base;
	assert_int_equal(cfg_addr_parse(&a, "127.0.0.1"), 0);
	c = check_new_conf(base, cc, &a, port, run_done, &r, err, sizeof(err));
	if (c == NULL)
		fail_msg("check_new_conf: %s", err);
	assert_int_equal(check_start(c), 0);
	assert_int_equal(r.done, 0);		/* never calls back at once */
	event_base_loopexit(base, &bound);
	event_base_dispatch(base);
	if (r.done != 1)
		fail_msg("check did not end within %d s", TEST_BOUND_S);
	assert_false(check_running(c));
	check_free(c);
	return r.out;
}

static void
expect_result(const struct check_outcome *o, enum check_result want,
    const char *reason_part)
{
	if (o->co_result != want)
		fail_msg("result %s (%s), want %s",
		    check_result_name(o->co_result), o->co_reason,
		    check_result_name(want));
	if (reason_part != NULL && strstr(o->co_reason, reason_part) == NULL)
		fail_msg("reason <%s> lacks <%s>", o->co_reason, reason_part);
}

/* cc against a fresh UDP responder of mode. */
static struct check_outcome
run_udp(const struct check_conf *cc, enum udp_mode mode, const char *reply)
{
	struct event_base	*base = event_base_new();
	struct udp_responder	*u;
	struct check_outcome	 o;

	u = udp_responder_new(base, mode, reply, reply != NULL ?
	    strlen(reply) : 0, NULL, 0);
	assert_non_null(u);
	o = run_conf(base, cc, udp_responder_port(u));
	udp_responder_free(u);
	event_base_free(base);
	return o;
}

/* cc against a fresh TCP responder. */
static struct check_outcome
run_tcp(const struct check_conf *cc, enum responder_mode mode,
    const char *reply, char *heard, size_t heardlen)
{
	struct event_base	*base = event_base_new();
	struct responder	*resp;
	struct check_outcome	 o;

	resp = responder_new(base, mode, reply);
	assert_non_null(resp);
	o = run_conf(base, cc, responder_port(resp));
	if (heard != NULL) {
		struct timeval tv = { 0, 50000 };

		/* let the responder read what was sent last */
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
		snprintf(heard, heardlen, "%s", responder_heard(resp));
	}
	responder_free(resp);
	event_base_free(base);
	return o;
}

static void
test_udp(void **state)
{
	struct check_conf	 cc;
	struct check_outcome	 o;
	struct event_base	*base;

	(void)state;
	conf_init(&cc, CHECK_T_UDP);
	cc.cc_udp = 1;
	cc.cc_send = "ping\\x00\\r\\n";
	o = run_udp(&cc, UDP_ECHO, NULL);
	expect_result(&o, CHECK_SUCCESS, "reply of 7 bytes");
	cc.cc_expect = "ping";
	o = run_udp(&cc, UDP_ECHO, NULL);
	expect_result(&o, CHECK_SUCCESS, "expected reply");
	o = run_udp(&cc, UDP_REPLY, "pong");
	expect_result(&o, CHECK_FAILURE, "unexpected reply \"pong\"");
	cc.cc_expect = "^p[aeiou]ng$";
	cc.cc_use_regex = 1;
	o = run_udp(&cc, UDP_REPLY, "pong");
	expect_result(&o, CHECK_SUCCESS, NULL);
	o = run_udp(&cc, UDP_SILENT, NULL);
	expect_result(&o, CHECK_TIMEOUT, "timeout in read");
	/* a flood of garbage: the first datagram decides, at once */
	o = run_udp(&cc, UDP_FLOOD, NULL);
	expect_result(&o, CHECK_FAILURE, "unexpected reply \"garbage");
	assert_true(o.co_latency_ms < TEST_TIMEOUT_MS);
	/* nothing listens: ICMP port unreachable, long before the timeout */
	base = event_base_new();
	o = run_conf(base, &cc, responder_closed_port());
	event_base_free(base);
	expect_result(&o, CHECK_FAILURE, "ICMP port unreachable");
	assert_true(o.co_latency_ms < TEST_TIMEOUT_MS);
}

static void
test_udp_settings(void **state)
{
	struct event_base	*base = event_base_new();
	struct check_conf	 cc;
	struct cfg_addr		 a;
	char			 err[160];

	(void)state;
	cfg_addr_parse(&a, "127.0.0.1");
	conf_init(&cc, CHECK_T_UDP);
	assert_null(check_new_conf(base, &cc, &a, 53, run_done, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "udp check without send"));
	cc.cc_send = "";
	assert_null(check_new_conf(base, &cc, &a, 53, run_done, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "empty send"));
	event_base_free(base);
}

/* A virtual's AUTO on UDP: port 53 is DNS, send is UDP, else nothing. */
static void
test_resolve_udp(void **state)
{
	struct cfg_virtual	*vs = cfg_virtual_new(CFG_VS_VIRTUAL, "dns");
	struct check_conf	 cc;

	(void)state;
	vs->vs_protocol = CFG_PROTO_UDP;
	assert_int_equal(check_resolve_type(vs, 53), CHECK_T_DNS);
	assert_int_equal(check_resolve_type(vs, 514), CHECK_T_NONE);
	vs->vs_send = strdup("hello");
	assert_int_equal(check_resolve_type(vs, 514), CHECK_T_UDP);
	assert_int_equal(check_resolve_type(vs, 53), CHECK_T_UDP);
	vs->vs_check = CFG_CHECK_SEND_EXPECT;
	check_conf_from_virtual(vs, 514, &cc);
	assert_int_equal(cc.cc_type, CHECK_T_UDP);
	assert_true(cc.cc_udp);
	vs->vs_check = CFG_CHECK_TCP;	/* what config check warns about */
	assert_int_equal(check_resolve_type(vs, 53), CHECK_T_TCP);
	assert_true(check_type_tcp_only(CHECK_T_TCP));
	assert_false(check_type_tcp_only(CHECK_T_DNS));
	vs->vs_protocol = CFG_PROTO_TCP;
	vs->vs_check = CFG_CHECK_AUTO;
	assert_int_equal(check_resolve_type(vs, 53), CHECK_T_EXPECT);
	cfg_virtual_free(vs);
	assert_int_equal(check_type_from_name("imap"), CHECK_T_IMAP);
	assert_string_equal(check_type_name(CHECK_T_LDAP), "ldap");
	assert_int_equal(check_type_from_name("gopher"), -1);
}

static struct check_outcome
run_dns(const char *name, const char *type, const char *rcode,
    const char *answer, enum udp_mode mode, const char *arg)
{
	struct check_conf	 cc;

	conf_init(&cc, CHECK_T_DNS);
	cc.cc_udp = 1;
	cc.cc_dns_name = name;
	cc.cc_dns_type = type;
	cc.cc_dns_rcode = rcode;
	cc.cc_dns_answer = answer;
	return run_udp(&cc, mode, arg);
}

static void
test_dns(void **state)
{
	struct check_outcome	 o;
	struct check_conf	 cc;
	struct event_base	*base;
	char			 frame[2 + 257 + 1];

	(void)state;
	/* the default: the root's SOA */
	o = run_dns(NULL, NULL, NULL, NULL, UDP_DNS, NULL);
	expect_result(&o, CHECK_SUCCESS, "rcode NOERROR, 1 answer");
	o = run_dns(NULL, NULL, NULL, "ns1.shoal.test", UDP_DNS, NULL);
	expect_result(&o, CHECK_SUCCESS, NULL);
	o = run_dns("www.shoal.test", "A", NULL, "192.0.2.1", UDP_DNS, NULL);
	expect_result(&o, CHECK_SUCCESS, "192.0.2.1");
	o = run_dns("www.shoal.test", "A", NULL, "192.0.2.9", UDP_DNS, NULL);
	expect_result(&o, CHECK_FAILURE, "no answer 192.0.2.9");
	o = run_dns("www.shoal.test", "AAAA", NULL, NULL, UDP_DNS, NULL);
	expect_result(&o, CHECK_SUCCESS, "0 answers");
	o = run_dns(NULL, NULL, NULL, NULL, UDP_DNS_RCODE, "5");
	expect_result(&o, CHECK_FAILURE, "rcode REFUSED");
	o = run_dns("gone.shoal.test", "A", "NOERROR,NXDOMAIN", NULL,
	    UDP_DNS_RCODE, "3");
	expect_result(&o, CHECK_SUCCESS, "rcode NXDOMAIN");
	o = run_dns(NULL, NULL, NULL, NULL, UDP_DNS_RCODE, "2");
	expect_result(&o, CHECK_FAILURE, "rcode SERVFAIL");
	/* hostile answers: a clear failure, never a hang or a crash */
	o = run_dns("www.shoal.test", "A", NULL, NULL, UDP_DNS_GARBAGE, NULL);
	expect_result(&o, CHECK_FAILURE, "malformed answer");
	o = run_dns("www.shoal.test", "A", NULL, NULL, UDP_DNS_HUGE, NULL);
	expect_result(&o, CHECK_FAILURE, "malformed answer");
	o = run_dns(NULL, NULL, NULL, NULL, UDP_DNS_SHORT, NULL);
	expect_result(&o, CHECK_TIMEOUT,
	    "timeout in dns query (1 replies did not answer it)");
	o = run_dns(NULL, NULL, NULL, NULL, UDP_DNS_FOREIGN, NULL);
	expect_result(&o, CHECK_TIMEOUT, "replies did not answer it");
	o = run_dns(NULL, NULL, NULL, NULL, UDP_FLOOD, NULL);
	expect_result(&o, CHECK_TIMEOUT, "replies did not answer it");
	o = run_dns(NULL, NULL, NULL, NULL, UDP_SILENT, NULL);
	expect_result(&o, CHECK_TIMEOUT, "timeout in dns query");
	conf_init(&cc, CHECK_T_DNS);
	cc.cc_udp = 1;
	base = event_base_new();
	o = run_conf(base, &cc, responder_closed_port());
	event_base_free(base);
	expect_result(&o, CHECK_FAILURE, "ICMP port unreachable");
	assert_true(o.co_latency_ms < TEST_TIMEOUT_MS);
	/* over TCP nothing listens: refused */
	cc.cc_udp = 0;
	base = event_base_new();
	o = run_conf(base, &cc, responder_closed_port());
	event_base_free(base);
	expect_result(&o, CHECK_FAILURE, "Connection refused");
	/* over TCP: framing cut short, garbage, a server that hangs */
	o = run_tcp(&cc, RESP_REPLY, "\x01", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "dns: answer cut short");
	o = run_tcp(&cc, RESP_REPLY, "", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "closed without an answer");
	memset(frame, 'x', sizeof(frame) - 1);
	frame[0] = 0x01;		/* a whole frame of 257 bytes */
	frame[1] = 0x01;
	frame[sizeof(frame) - 1] = '\0';
	o = run_tcp(&cc, RESP_REPLY, frame, NULL, 0);
	expect_result(&o, CHECK_FAILURE, "dns: not the answer to the query");
	o = run_tcp(&cc, RESP_HANG, NULL, NULL, 0);
	expect_result(&o, CHECK_TIMEOUT, "timeout in dns query");
	o = run_tcp(&cc, RESP_FLOOD, "", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "dns: not the answer to the query");
}

/* The same check runs again and again (the channel is reused). */
static void
test_dns_repeat(void **state)
{
	struct event_base	*base = event_base_new();
	struct udp_responder	*u = udp_responder_new(base, UDP_DNS, NULL, 0,
				    NULL, 0);
	struct check_conf	 cc;
	struct check_outcome	 o;
	int			 i;

	(void)state;
	conf_init(&cc, CHECK_T_DNS);
	cc.cc_udp = 1;
	for (i = 0; i < 50; i++) {
		o = run_conf(base, &cc, udp_responder_port(u));
		expect_result(&o, CHECK_SUCCESS, NULL);
	}
	assert_int_equal(udp_responder_received(u), 50);
	udp_responder_free(u);
	event_base_free(base);
}

static void
test_dns_settings(void **state)
{
	struct event_base	*base = event_base_new();
	struct check_conf	 cc;
	struct cfg_addr		 a;
	char			 err[160];

	(void)state;
	cfg_addr_parse(&a, "127.0.0.1");
	conf_init(&cc, CHECK_T_DNS);
	cc.cc_dns_type = "BOGUS";
	assert_null(check_new_conf(base, &cc, &a, 53, run_done, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "dns type \"BOGUS\" unknown"));
	cc.cc_dns_type = "A";
	cc.cc_dns_rcode = "NOERROR,NOPE";
	assert_null(check_new_conf(base, &cc, &a, 53, run_done, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "dns rcode"));
	cc.cc_dns_rcode = NULL;
	cc.cc_dns_name = "two words";
	assert_null(check_new_conf(base, &cc, &a, 53, run_done, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "not a name to ask"));
	cc.cc_dns_name = "a..b";
	assert_null(check_new_conf(base, &cc, &a, 53, run_done, NULL, err,
	    sizeof(err)));
	cc.cc_dns_name = NULL;
	cc.cc_dns_type = "CNAME";
	cc.cc_dns_answer = "x.example";
	assert_null(check_new_conf(base, &cc, &a, 53, run_done, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "cannot be compared"));
	event_base_free(base);
}

static struct check_outcome
run_mail(enum check_type t, enum responder_mode mode, const char *script,
    char *heard, size_t heardlen)
{
	struct check_conf	 cc;

	conf_init(&cc, t);
	return run_tcp(&cc, mode, script, heard, heardlen);
}

static void
test_smtp(void **state)
{
	struct check_outcome	 o;
	char			 heard[512];

	(void)state;
	o = run_mail(CHECK_T_SMTP, RESP_SCRIPT, "220 mx.shoal.test ESMTP\r\n|"
	    "250-mx.shoal.test\r\n250-PIPELINING\r\n250 HELP\r\n|221 bye\r\n",
	    heard, sizeof(heard));
	expect_result(&o, CHECK_SUCCESS, "smtp: 220 mx.shoal.test ESMTP");
	assert_string_equal(heard, "EHLO shoal-nanny\r\nQUIT\r\n");
	/* a multi-line greeting */
	o = run_mail(CHECK_T_SMTP, RESP_SCRIPT, "220-mx\r\n220 ready\r\n|"
	    "250 ok\r\n|221 bye\r\n", NULL, 0);
	expect_result(&o, CHECK_SUCCESS, NULL);
	/* never greets: the greeting step times out */
	o = run_mail(CHECK_T_SMTP, RESP_HANG, NULL, NULL, 0);
	expect_result(&o, CHECK_TIMEOUT, "timeout in greeting");
	o = run_mail(CHECK_T_SMTP, RESP_KEEP, "554 no service here\r\n", NULL,
	    0);
	expect_result(&o, CHECK_FAILURE, "greeting: 554 no service here");
	o = run_mail(CHECK_T_SMTP, RESP_SCRIPT, "220 mx\r\n|550 go away\r\n",
	    NULL, 0);
	expect_result(&o, CHECK_FAILURE, "EHLO: 550 go away");
	o = run_mail(CHECK_T_SMTP, RESP_SCRIPT, "220 mx\r\n|", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "EHLO: connection closed");
	o = run_mail(CHECK_T_SMTP, RESP_KEEP, "220 mx\r\n", NULL, 0);
	expect_result(&o, CHECK_TIMEOUT, "timeout in EHLO");
	o = run_mail(CHECK_T_SMTP, RESP_KEEP, "SSH-2.0-OpenSSH\r\n", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "greeting: not a reply");
	o = run_mail(CHECK_T_SMTP, RESP_FLOOD, "220", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "reply line too long");
	/* a greeting byte by byte, then the server half-closes */
	o = run_mail(CHECK_T_SMTP, RESP_SLOW, "220 slow but fine\r\n", NULL,
	    0);
	expect_result(&o, CHECK_FAILURE, "EHLO: connection closed");
	/* a server that closes after QUIT without its 221 is fine */
	o = run_mail(CHECK_T_SMTP, RESP_SCRIPT, "220 mx\r\n|250 ok\r\n|",
	    NULL, 0);
	expect_result(&o, CHECK_SUCCESS, NULL);
}

static void
test_starttls_refused(void **state)
{
	struct check_conf	 cc;
	struct check_outcome	 o;
	char			 heard[512];

	(void)state;
	conf_init(&cc, CHECK_T_SMTP);
	cc.cc_starttls = 1;
	o = run_tcp(&cc, RESP_SCRIPT, "220 mx\r\n|250-mx\r\n250 OK\r\n|"
	    "454 TLS not available\r\n", heard, sizeof(heard));
	expect_result(&o, CHECK_FAILURE, "STARTTLS: 454 TLS not available");
	assert_string_equal(heard, "EHLO shoal-nanny\r\nSTARTTLS\r\n");
	/* says yes, then speaks plain text: the handshake fails */
	o = run_tcp(&cc, RESP_SCRIPT, "220 mx\r\n|250 OK\r\n|220 go ahead\r\n"
	    "|", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "tls handshake");
	conf_init(&cc, CHECK_T_IMAP);
	cc.cc_tls_verify = 1;
	{
		struct event_base *base = event_base_new();
		struct cfg_addr a;
		char err[160];

		cfg_addr_parse(&a, "127.0.0.1");
		assert_null(check_new_conf(base, &cc, &a, 143, run_done, NULL,
		    err, sizeof(err)));
		assert_non_null(strstr(err, "tls_verify without starttls"));
		event_base_free(base);
	}
}

static void
test_pop_imap_ftp_nntp(void **state)
{
	struct check_outcome	 o;
	char			 heard[512];

	(void)state;
	o = run_mail(CHECK_T_POP3, RESP_SCRIPT, "+OK Dovecot ready.\r\n|"
	    "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\n.\r\n|+OK Logging out.\r\n", heard,
	    sizeof(heard));
	expect_result(&o, CHECK_SUCCESS, "pop3: +OK Dovecot ready.");
	assert_string_equal(heard, "CAPA\r\nQUIT\r\n");
	o = run_mail(CHECK_T_POP3, RESP_KEEP, "-ERR [SYS/TEMP] busy\r\n", NULL,
	    0);
	expect_result(&o, CHECK_FAILURE, "greeting: -ERR [SYS/TEMP] busy");
	o = run_mail(CHECK_T_POP3, RESP_SCRIPT, "+OK hi\r\n|+OK\r\nTOP\r\n",
	    NULL, 0);
	expect_result(&o, CHECK_FAILURE, "CAPA: reply cut short");
	o = run_mail(CHECK_T_IMAP, RESP_SCRIPT, "* OK [CAPABILITY IMAP4rev1] "
	    "ready\r\n|* 1 EXISTS\r\nA1 OK NOOP completed\r\n|* BYE\r\n"
	    "A4 OK bye\r\n", heard, sizeof(heard));
	expect_result(&o, CHECK_SUCCESS, "imap: * OK [CAPABILITY");
	assert_string_equal(heard, "A1 NOOP\r\nA4 LOGOUT\r\n");
	o = run_mail(CHECK_T_IMAP, RESP_KEEP, "* BYE too many\r\n", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "greeting: * BYE too many");
	o = run_mail(CHECK_T_IMAP, RESP_SCRIPT, "* OK hi\r\n|A1 BAD what\r\n",
	    NULL, 0);
	expect_result(&o, CHECK_FAILURE, "NOOP: A1 BAD what");
	/* FTP: a multi-line greeting with free text lines inside */
	o = run_mail(CHECK_T_FTP, RESP_SCRIPT, "220-Welcome\r\n no code here\r\n"
	    "220 ready\r\n|211-Features:\r\n MDTM\r\n211 End\r\n|"
	    "221 Goodbye.\r\n", heard, sizeof(heard));
	expect_result(&o, CHECK_SUCCESS, "ftp: 220 ready");
	assert_string_equal(heard, "FEAT\r\nQUIT\r\n");
	o = run_mail(CHECK_T_FTP, RESP_KEEP, "421 too many users\r\n", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "greeting: 421 too many users");
	o = run_mail(CHECK_T_NNTP, RESP_SCRIPT, "200 news ready\r\n|"
	    "111 20261203170000\r\n|205 bye\r\n", heard, sizeof(heard));
	expect_result(&o, CHECK_SUCCESS, "nntp: 200 news ready");
	assert_string_equal(heard, "DATE\r\nQUIT\r\n");
	o = run_mail(CHECK_T_NNTP, RESP_SCRIPT, "201 no posting\r\n|"
	    "500 what?\r\n", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "DATE: 500 what?");
	o = run_mail(CHECK_T_NNTP, RESP_HANG, NULL, NULL, 0);
	expect_result(&o, CHECK_TIMEOUT, "timeout in greeting");
}

static void
test_http_ranges_host(void **state)
{
	struct check_conf	 cc;
	struct check_outcome	 o;
	char			 heard[512], want[128];
	size_t			 blen;
	uint16_t		 port;
	int			 lo[4], hi[4];

	(void)state;
	conf_init(&cc, CHECK_T_HTTP);
	/* four request lines are read, then the reply */
	o = run_tcp(&cc, RESP_SCRIPT, "||||HTTP/1.1 204 No Content\r\n\r\n",
	    heard, sizeof(heard));
	expect_result(&o, CHECK_SUCCESS, "HTTP status 204");
	assert_non_null(strstr(heard, "GET / HTTP/1.1\r\nHost: 127.0.0.1:"));
	assert_non_null(strstr(heard, "\r\nConnection: close\r\n"));
	cc.cc_http_host = "www.shoal.test";
	cc.cc_http_status = "200-299,404";
	o = run_tcp(&cc, RESP_SCRIPT, "||||HTTP/1.1 404 Not Found\r\n\r\n",
	    heard, sizeof(heard));
	expect_result(&o, CHECK_SUCCESS, "HTTP status 404");
	assert_non_null(strstr(heard, "Host: www.shoal.test\r\n"));
	o = run_tcp(&cc, RESP_REPLY, "HTTP/1.1 302 Found\r\n\r\n", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "HTTP status 302");
	cc.cc_http_status = "2xx";
	{
		struct event_base *base = event_base_new();
		struct cfg_addr a;
		char err[160];

		cfg_addr_parse(&a, "127.0.0.1");
		assert_null(check_new_conf(base, &cc, &a, 80, run_done, NULL,
		    err, sizeof(err)));
		assert_non_null(strstr(err, "http status \"2xx\""));
		event_base_free(base);
	}
	assert_int_equal(check_http_ranges_parse("200-399", lo, hi, 4), 1);
	assert_int_equal(lo[0], 200);
	assert_int_equal(hi[0], 399);
	assert_int_equal(check_http_ranges_parse("200,301-302,404", lo, hi,
	    4), 3);
	assert_int_equal(check_http_ranges_parse("399-200", lo, hi, 4), -1);
	assert_int_equal(check_http_ranges_parse("200,", lo, hi, 4), -1);
	assert_int_equal(check_http_ranges_parse("99", lo, hi, 4), -1);
	assert_int_equal(check_http_ranges_parse("1,2,3,4,5", lo, hi, 4), -1);
	assert_int_equal(check_http_ranges_parse("200,201,202,203,204", lo,
	    hi, 4), -1);
	/* a chunked body is matched decoded */
	cc.cc_http_status = NULL;
	cc.cc_expect = "^all +is well$";
	cc.cc_use_regex = 1;
	o = run_tcp(&cc, RESP_REPLY, "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n4\r\nall \r\n7;x=1\r\nis well\r\n0\r\n\r\n",
	    NULL, 0);
	expect_result(&o, CHECK_SUCCESS, "body matches");
	o = run_tcp(&cc, RESP_REPLY, "HTTP/1.1 200 OK\r\ntransfer-encoding: "
	    "chunked\r\n\r\nzz\r\nall is well\r\n", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "bad chunked body");
	o = run_tcp(&cc, RESP_KEEP, "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n3\r\nall\r\n0\r\n\r\n", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "body does not match");
	assert_int_equal(check_http_dechunk("5\r\nhello\r\n0\r\n\r\n", 18,
	    want, sizeof(want), &blen), 1);
	assert_string_equal(want, "hello");
	assert_int_equal(check_http_dechunk("5\r\nhel", 6, want, sizeof(want),
	    &blen), 0);
	assert_int_equal(check_http_dechunk("123456789\r\n", 11, want,
	    sizeof(want), &blen), -1);
	port = 80;
	(void)port;
}

/* HTTPS verification against `openssl s_server` and its own CA. */
static void
test_https_verify(void **state)
{
	struct check_conf	 cc;
	struct check_outcome	 o;
	struct exec_result	 er;
	struct event_base	*base;
	char			 dir[] = "/tmp/test_check_verify.XXXXXX";
	char			 cmd[1024], cert[200], key[200], *openssl, **argv;
	char			 err[64], pb[32];
	uint16_t		 port = responder_closed_port();
	pid_t			 pid;
	int			 i;

	(void)state;
	if ((openssl = exec_find_path("openssl")) == NULL)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(cert, sizeof(cert), "%s/c.pem", dir);
	snprintf(key, sizeof(key), "%s/k.pem", dir);
	snprintf(cmd, sizeof(cmd), "%s req -x509 -newkey rsa:2048 -nodes "
	    "-days 1 -subj /CN=shoal-test -addext "
	    "subjectAltName=DNS:shoal-test,IP:127.0.0.1 -keyout %s -out %s",
	    openssl, key, cert);
	assert_int_equal(exec_split(cmd, NULL, NULL, &argv, err,
	    sizeof(err)), 0);
	assert_int_equal(exec_run_sync(argv, 30000, 0, &er), 0);
	exec_argv_free(argv);
	assert_true(exec_result_ok(&er));
	exec_result_clear(&er);
	snprintf(pb, sizeof(pb), "127.0.0.1:%u", port);
	if ((pid = fork()) == 0) {
		freopen("/dev/null", "w", stdout);
		execl(openssl, "openssl", "s_server", "-quiet", "-www",
		    "-accept", pb, "-cert", cert, "-key", key, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	base = event_base_new();
	conf_init(&cc, CHECK_T_TCP);
	for (i = 0; i < 100; i++) {
		o = run_conf(base, &cc, port);
		if (o.co_result == CHECK_SUCCESS)
			break;
		usleep(50000);
	}
	conf_init(&cc, CHECK_T_HTTPS);
	cc.cc_timeout_ms = 3000;
	cc.cc_tls_verify = 1;
	cc.cc_tls_ca = cert;
	cc.cc_http_host = "shoal-test";
	o = run_conf(base, &cc, port);
	expect_result(&o, CHECK_SUCCESS, "HTTP status 200");
	cc.cc_http_host = "shoal-test:8443";	/* the name, not the port */
	o = run_conf(base, &cc, port);
	expect_result(&o, CHECK_SUCCESS, "HTTP status 200");
	cc.cc_http_host = NULL;		/* the address, an IP SAN */
	o = run_conf(base, &cc, port);
	expect_result(&o, CHECK_SUCCESS, "HTTP status 200");
	cc.cc_tls_name = "other-name";
	o = run_conf(base, &cc, port);
	expect_result(&o, CHECK_FAILURE, "certificate not trusted");
	cc.cc_tls_name = NULL;
	cc.cc_tls_ca = NULL;		/* the system's CAs do not know it */
	o = run_conf(base, &cc, port);
	expect_result(&o, CHECK_FAILURE, "certificate not trusted");
	cc.cc_tls_verify = 0;		/* not asked: answered is enough */
	o = run_conf(base, &cc, port);
	expect_result(&o, CHECK_SUCCESS, NULL);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	event_base_free(base);
	unlink(cert);
	unlink(key);
	rmdir(dir);
	free(openssl);
}

static void
test_parse_mail(void **state)
{
	char	 why[128];

	(void)state;
#define MR(st, ok, tag, s, eof) \
	check_mail_reply(st, ok, tag, s, strlen(s), eof, why, sizeof(why))
	assert_int_equal(MR(MAIL_CODE, "250", NULL, "250 ok\r\n", 0),
	    CHECK_MATCH_OK);
	assert_int_equal(MR(MAIL_CODE, "250", NULL, "250-a\r\n250-b\r\n", 0),
	    CHECK_MATCH_MORE);
	assert_int_equal(MR(MAIL_CODE, "250", NULL, "250-a\r\n250 b\r\n", 0),
	    CHECK_MATCH_OK);
	assert_string_equal(why, "250 b");
	assert_int_equal(MR(MAIL_CODE, "250", NULL, "250", 0),
	    CHECK_MATCH_MORE);
	assert_int_equal(MR(MAIL_CODE, "250", NULL, "250", 1),
	    CHECK_MATCH_FAIL);
	assert_int_equal(MR(MAIL_CODE, "250", NULL, "25x ok\r\n", 0),
	    CHECK_MATCH_FAIL);
	assert_int_equal(MR(MAIL_CODE, "250", NULL, "2500\r\n", 0),
	    CHECK_MATCH_FAIL);
	assert_int_equal(MR(MAIL_CODE, "20", NULL, "201 ok\n", 0),
	    CHECK_MATCH_OK);
	assert_int_equal(MR(MAIL_CODE, "250", NULL, "\r\n", 0),
	    CHECK_MATCH_FAIL);
	assert_int_equal(MR(MAIL_POP, NULL, NULL, "+OK\r\n", 0),
	    CHECK_MATCH_OK);
	assert_int_equal(MR(MAIL_POP, NULL, NULL, "+OKAY\r\n", 0),
	    CHECK_MATCH_FAIL);
	assert_int_equal(MR(MAIL_POP_MULTI, NULL, NULL, "+OK\r\nA\r\n", 0),
	    CHECK_MATCH_MORE);
	assert_int_equal(MR(MAIL_POP_MULTI, NULL, NULL, "+OK\r\nA\r\n.\r\n",
	    0), CHECK_MATCH_OK);
	assert_int_equal(MR(MAIL_IMAP, NULL, "A1", "* x\r\nA1 OK\r\n", 0),
	    CHECK_MATCH_OK);
	assert_int_equal(MR(MAIL_IMAP, NULL, "A1", "A2 OK\r\n", 0),
	    CHECK_MATCH_FAIL);
	assert_int_equal(MR(MAIL_IMAP, NULL, "A1", "A1 NO\r\n", 0),
	    CHECK_MATCH_FAIL);
	assert_int_equal(MR(MAIL_IMAP_GREET, NULL, NULL, "* PREAUTH x\r\n", 0),
	    CHECK_MATCH_OK);
	assert_int_equal(MR(MAIL_IMAP_GREET, NULL, NULL, "* OKAY\r\n", 0),
	    CHECK_MATCH_FAIL);
#undef MR
}

static void
test_parse_ldap(void **state)
{
	static const unsigned char ok[] = { 0x30, 0x0c, 0x02, 0x01, 0x01,
	    0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00 };
	static const unsigned char refused[] = { 0x30, 0x13, 0x02, 0x01, 0x01,
	    0x61, 0x0e, 0x0a, 0x01, 0x35, 0x04, 0x00, 0x04, 0x07, 'n', 'o',
	    ' ', 'a', 'n', 'o', 'n' };
	static const unsigned char longlen[] = { 0x30, 0x84, 0x00, 0x00, 0x00,
	    0x0c };
	static const unsigned char huge[] = { 0x30, 0x83, 0x7f, 0xff, 0xff };
	static const unsigned char notice[] = { 0x30, 0x0c, 0x02, 0x01, 0x00,
	    0x78, 0x07, 0x0a, 0x01, 0x34, 0x04, 0x00, 0x04, 0x00 };
	char	 why[128];

	(void)state;
	assert_int_equal(check_ldap_response(ok, sizeof(ok), 1, 1, 0, why,
	    sizeof(why)), CHECK_MATCH_OK);
	assert_int_equal(check_ldap_response(ok, 8, 1, 1, 0, why,
	    sizeof(why)), CHECK_MATCH_MORE);
	assert_int_equal(check_ldap_response(ok, 8, 1, 1, 1, why,
	    sizeof(why)), CHECK_MATCH_FAIL);
	assert_int_equal(check_ldap_response(ok, sizeof(ok), 2, 1, 0, why,
	    sizeof(why)), CHECK_MATCH_FAIL);
	assert_int_equal(check_ldap_response(refused, sizeof(refused), 1, 1,
	    0, why, sizeof(why)), CHECK_MATCH_FAIL);
	assert_string_equal(why, "resultCode 53 (unwillingToPerform): no anon");
	assert_int_equal(check_ldap_response(longlen, sizeof(longlen), 1, 1,
	    0, why, sizeof(why)), CHECK_MATCH_FAIL);
	assert_int_equal(check_ldap_response(huge, sizeof(huge), 1, 1, 0, why,
	    sizeof(why)), CHECK_MATCH_FAIL);
	assert_int_equal(check_ldap_response(notice, sizeof(notice), 1, 1, 0,
	    why, sizeof(why)), CHECK_MATCH_FAIL);
	assert_string_equal(why, "notice of disconnection");
	assert_int_equal(check_ldap_response((const unsigned char *)"HTTP/1.0",
	    8, 1, 1, 0, why, sizeof(why)), CHECK_MATCH_FAIL);
}

/* An LDAP server's canned answer: the bind accepted, then it closes. */
static void
test_ldap(void **state)
{
	struct check_conf	 cc;
	struct check_outcome	 o;

	(void)state;
	conf_init(&cc, CHECK_T_LDAP);
	o = run_tcp(&cc, RESP_HANG, NULL, NULL, 0);
	expect_result(&o, CHECK_TIMEOUT, "timeout in bind");
	o = run_tcp(&cc, RESP_REPLY, "HTTP/1.0 400 Bad\r\n\r\n", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "bind: not an LDAP response");
	o = run_tcp(&cc, RESP_CLOSE, NULL, NULL, 0);
	expect_result(&o, CHECK_FAILURE, "bind: ");
	o = run_tcp(&cc, RESP_FLOOD, "0", NULL, 0);
	expect_result(&o, CHECK_FAILURE, "bind: not an LDAP response");
}

static void
test_parse_dns(void **state)
{
	/* a query for www.shoal.test A, id 0x1234 */
	static const unsigned char q[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0,
	    0, 0, 0, 0, 3, 'w', 'w', 'w', 5, 's', 'h', 'o', 'a', 'l', 4, 't',
	    'e', 's', 't', 0, 0, 1, 0, 1 };
	unsigned char		 a[70000];
	struct dns_expect	 de;
	char			 why[128];
	int			 n;

	(void)state;
	memset(&de, 0, sizeof(de));
	de.de_qtype = ns_t_a;
	assert_int_equal(check_dns_rcodes("NOERROR", &de.de_rcodes), 0);
	n = responder_dns_answer(UDP_DNS, NULL, q, sizeof(q), a, sizeof(a));
	assert_true(n > 0);
	assert_int_equal(check_dns_judge(a, (size_t)n, &de, why, sizeof(why)),
	    CHECK_MATCH_OK);
	de.de_answer = "192.0.2.1";
	assert_int_equal(check_dns_judge(a, (size_t)n, &de, why, sizeof(why)),
	    CHECK_MATCH_OK);
	/* every truncation of a good answer is judged, never overread */
	for (n--; n >= 0; n--)
		check_dns_judge(a, (size_t)n, &de, why, sizeof(why));
	assert_int_equal(check_dns_judge(q, sizeof(q), &de, why, sizeof(why)),
	    CHECK_MATCH_FAIL);
	assert_string_equal(why, "not an answer (QR bit clear)");
	/* what answers the query: id, QR, the question (any case) */
	n = responder_dns_answer(UDP_DNS, NULL, q, sizeof(q), a, sizeof(a));
	assert_true(check_dns_answers_query(q, sizeof(q), a, (size_t)n));
	a[13] = 'W';
	assert_true(check_dns_answers_query(q, sizeof(q), a, (size_t)n));
	a[14] = 'x';
	assert_false(check_dns_answers_query(q, sizeof(q), a, (size_t)n));
	a[14] = 'w';
	a[1] ^= 1;
	assert_false(check_dns_answers_query(q, sizeof(q), a, (size_t)n));
	a[1] ^= 1;
	assert_false(check_dns_answers_query(q, sizeof(q), a, 20));
	assert_false(check_dns_answers_query(q, sizeof(q), q, sizeof(q)));
	n = responder_dns_answer(UDP_DNS_GARBAGE, NULL, q, sizeof(q), a,
	    sizeof(a));
	assert_int_equal(check_dns_judge(a, (size_t)n, &de, why, sizeof(why)),
	    CHECK_MATCH_FAIL);
	n = responder_dns_answer(UDP_DNS_HUGE, NULL, q, sizeof(q), a,
	    sizeof(a));
	assert_true(n > 60000);
	assert_int_equal(check_dns_judge(a, (size_t)n, &de, why, sizeof(why)),
	    CHECK_MATCH_FAIL);
	assert_int_equal(check_dns_rcodes("NOERROR,,NXDOMAIN",
	    &de.de_rcodes), -1);
	assert_int_equal(check_dns_rcodes("refused", &de.de_rcodes), 0);
	assert_int_equal(de.de_rcodes, 1u << 5);
	assert_int_equal(check_dns_type("aaaa"), ns_t_aaaa);
	assert_int_equal(check_dns_type("X25"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_udp_settings),
		cmocka_unit_test(test_resolve_udp),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_dns_repeat),
		cmocka_unit_test(test_dns_settings),
		cmocka_unit_test(test_smtp),
		cmocka_unit_test(test_starttls_refused),
		cmocka_unit_test(test_pop_imap_ftp_nntp),
		cmocka_unit_test(test_http_ranges_host),
		cmocka_unit_test(test_https_verify),
		cmocka_unit_test(test_parse_mail),
		cmocka_unit_test(test_parse_ldap),
		cmocka_unit_test(test_ldap),
		cmocka_unit_test(test_parse_dns),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
