/*
 * test_check.c - every check kind against real servers on 127.0.0.1 that
 * behave or misbehave (hang, garbage, flood, early close, HTTP 500...).
 * Each run must end in the expected result, within a bound.
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
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/config.h"
#include "lib/exec.h"
#include "lib/util.h"
#include "nanny/check.h"
#include "nanny/check_match.h"
#include "responder.h"

/*
 * The checks' own timeout: short where the case waits for it to expire,
 * generous where the check must end on its own (a busy machine may take
 * long to schedule a responder or to fork a program; that must not turn a
 * success into a timeout).
 */
#define TEST_TIMEOUT_MS		300	/* cases that end in a timeout */
#define TEST_PATIENT_MS		5000	/* cases that must not */
#define TEST_BOUND_S		10	/* a run that takes longer is a hang */
/* A reply sent a byte per millisecond takes tens of loop turns, each
 * late on a busy machine: its check gets a generous timeout. */
#define TEST_SLOW_TIMEOUT_MS	3000

static uint32_t timeout_ms = TEST_PATIENT_MS;

/* o = call, with the short timeout: the case ends in CHECK_TIMEOUT */
#define RUN_TO_TIMEOUT(o, call) do {					\
	timeout_ms = TEST_TIMEOUT_MS;					\
	(o) = (call);							\
	timeout_ms = TEST_PATIENT_MS;					\
} while (0)

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

static struct cfg_virtual *
vs_new(enum cfg_check_kind kind)
{
	struct cfg_virtual	*vs;

	vs = cfg_virtual_new(CFG_VS_VIRTUAL, "web");
	assert_non_null(vs);
	vs->vs_check = kind;
	vs->vs_check_timeout_ms = TEST_PATIENT_MS;
	return vs;
}

/* Runs one check of vs against 127.0.0.1:port on base, bounded, with
 * the timeout of the moment (timeout_ms). */
static struct check_outcome
run_on(struct event_base *base, struct cfg_virtual *vs, uint16_t port)
{
	struct run	 r;
	struct check	*c;
	struct cfg_addr	 a;
	struct timeval	 bound = { TEST_BOUND_S, 0 };
	char		 err[128];
	uint64_t	 t0;

	memset(&r, 0, sizeof(r));
	r.base = base;
	vs->vs_check_timeout_ms = timeout_ms;
	assert_int_equal(cfg_addr_parse(&a, "127.0.0.1"), 0);
	c = check_new(base, vs, CFG_CHECK_AUTO, &a, port, run_done, &r, err,
	    sizeof(err));
	if (c == NULL)
		fail_msg("check_new: %s", err);
	t0 = clock_monotonic_ms();
	assert_int_equal(check_start(c), 0);
	assert_int_equal(r.done, 0);		/* never calls back at once */
	assert_int_equal(check_start(c), -1);	/* one run at a time */
	event_base_loopexit(base, &bound);
	event_base_dispatch(base);
	if (r.done != 1)
		fail_msg("check did not end within %d s", TEST_BOUND_S);
	assert_true(clock_monotonic_ms() - t0 < TEST_BOUND_S * 1000);
	assert_false(check_running(c));
	check_free(c);
	return r.out;
}

/* Runs vs against a fresh responder of the given mode and reply. */
static struct check_outcome
run_resp(struct cfg_virtual *vs, enum responder_mode mode,
    const char *reply)
{
	struct event_base	*base = event_base_new();
	struct responder	*resp;
	struct check_outcome	 o;

	assert_non_null(base);
	resp = responder_new(base, mode, reply);
	assert_non_null(resp);
	o = run_on(base, vs, responder_port(resp));
	responder_free(resp);
	event_base_free(base);
	return o;
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

static void
test_resolve_kind(void **state)
{
	struct cfg_virtual	*vs = vs_new(CFG_CHECK_AUTO);

	(void)state;
	assert_int_equal(check_resolve_kind(vs, 80), CFG_CHECK_SEND_EXPECT);
	assert_int_equal(check_resolve_kind(vs, 443), CFG_CHECK_TCP);
	vs->vs_expect = strdup("220");
	assert_int_equal(check_resolve_kind(vs, 25), CFG_CHECK_SEND_EXPECT);
	vs->vs_send_program = strdup("/bin/true");
	assert_int_equal(check_resolve_kind(vs, 80), CFG_CHECK_PROGRAM);
	vs->vs_check = CFG_CHECK_HTTP;
	assert_int_equal(check_resolve_kind(vs, 80), CFG_CHECK_HTTP);
	cfg_virtual_free(vs);
}

static void
test_unescape(void **state)
{
	char	*out, err[128];
	size_t	 len;

	(void)state;
	assert_int_equal(check_unescape("a\\r\\n\\t\\\\\\x41\\x00z", 0, &out,
	    &len, err, sizeof(err)), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(out, "a\r\n\t\\A\0z", 8);
	free(out);
	assert_int_equal(check_unescape("bad\\q", 0, &out, &len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "bad escape at offset 3"));
	assert_int_equal(check_unescape("\\x4", 0, &out, &len, err,
	    sizeof(err)), -1);
	assert_int_equal(check_unescape("end\\", 0, &out, &len, err,
	    sizeof(err)), -1);
	/* for regexes, other escapes stay */
	assert_int_equal(check_unescape("a\\.b\\\\\\r", 1, &out, &len, err,
	    sizeof(err)), 0);
	assert_string_equal(out, "a\\.b\\\\\r");
	free(out);
}

static void
test_bad_settings(void **state)
{
	struct event_base	*base = event_base_new();
	struct cfg_virtual	*vs;
	struct cfg_addr		 a;
	char			 err[128];

	(void)state;
	cfg_addr_parse(&a, "127.0.0.1");
	vs = vs_new(CFG_CHECK_SEND_EXPECT);
	vs->vs_send = strdup("x\\y");
	assert_null(check_new(base, vs, CFG_CHECK_AUTO, &a, 80, run_done,
	    NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "send: bad escape"));
	free(vs->vs_send);
	vs->vs_send = NULL;
	vs->vs_expect = strdup("(unclosed");
	vs->vs_use_regex = 1;
	assert_null(check_new(base, vs, CFG_CHECK_AUTO, &a, 80, run_done,
	    NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "expect: bad regex"));
	vs->vs_check = CFG_CHECK_PROGRAM;
	vs->vs_send_program = strdup("check 'unterminated");
	assert_null(check_new(base, vs, CFG_CHECK_AUTO, &a, 80, run_done,
	    NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "send_program: column 7: unterminated"));
	vs->vs_check = CFG_CHECK_AGENT;
	assert_null(check_new(base, vs, CFG_CHECK_AUTO, &a, 80, run_done,
	    NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "agent_port"));
	vs->vs_check = CFG_CHECK_HTTP;
	vs->vs_http_path = strdup("no-slash");
	assert_null(check_new(base, vs, CFG_CHECK_AUTO, &a, 80, run_done,
	    NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "http path"));
	cfg_virtual_free(vs);
	event_base_free(base);
}

static void
test_tcp(void **state)
{
	struct cfg_virtual	*vs = vs_new(CFG_CHECK_TCP);
	struct check_outcome	 o;
	struct event_base	*base;

	(void)state;
	o = run_resp(vs, RESP_HANG, NULL);
	expect_result(&o, CHECK_SUCCESS, "connected");
	o = run_resp(vs, RESP_CLOSE, NULL);
	expect_result(&o, CHECK_SUCCESS, "connected");
	base = event_base_new();
	o = run_on(base, vs, responder_closed_port());
	expect_result(&o, CHECK_FAILURE, "connect: Connection refused");
	event_base_free(base);
	cfg_virtual_free(vs);
}

/* The IPv6 path: a listener on ::1 (the kernel accepts for it). */
static void
test_tcp_ipv6(void **state)
{
	struct cfg_virtual	*vs = vs_new(CFG_CHECK_TCP);
	struct event_base	*base = event_base_new();
	struct sockaddr_in6	 sin6;
	socklen_t		 len = sizeof(sin6);
	struct check		*c;
	struct cfg_addr		 a;
	struct run		 r;
	char			 err[64];
	int			 fd;

	(void)state;
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1)
		skip();
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1) {
		close(fd);
		skip();		/* no IPv6 on lo */
	}
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin6, &len), 0);
	assert_int_equal(cfg_addr_parse(&a, "::1"), 0);
	memset(&r, 0, sizeof(r));
	r.base = base;
	c = check_new(base, vs, CFG_CHECK_AUTO, &a, ntohs(sin6.sin6_port),
	    run_done, &r, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(check_start(c), 0);
	event_base_dispatch(base);
	expect_result(&r.out, CHECK_SUCCESS, "connected");
	close(fd);
	/* now closed: refused */
	memset(&r, 0, sizeof(r));
	r.base = base;
	assert_int_equal(check_start(c), 0);
	event_base_dispatch(base);
	expect_result(&r.out, CHECK_FAILURE, "refused");
	check_free(c);
	event_base_free(base);
	cfg_virtual_free(vs);
}

#define HTTP_OK		"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" \
			"all is well\n"
#define HTTP_500	"HTTP/1.1 500 Internal Server Error\r\n\r\noops\n"

static void
test_expect_piranha_default(void **state)
{
	struct cfg_virtual	*vs = vs_new(CFG_CHECK_AUTO);
	struct check_outcome	 o;

	(void)state;
	/* AUTO on port 80 is Piranha's probe; force it for any port here */
	vs->vs_check = CFG_CHECK_SEND_EXPECT;
	o = run_resp(vs, RESP_REPLY, HTTP_OK);
	expect_result(&o, CHECK_SUCCESS, "expected reply");
	vs->vs_check_timeout_ms = TEST_SLOW_TIMEOUT_MS;
	o = run_resp(vs, RESP_SLOW, HTTP_OK);	/* over many reads */
	vs->vs_check_timeout_ms = TEST_TIMEOUT_MS;
	expect_result(&o, CHECK_SUCCESS, NULL);
	o = run_resp(vs, RESP_KEEP, "garbage\r\n");
	expect_result(&o, CHECK_FAILURE, "unexpected reply \"garbage\"");
	RUN_TO_TIMEOUT(o, run_resp(vs, RESP_HANG, NULL));
	expect_result(&o, CHECK_TIMEOUT, "timeout in read");
	assert_true(o.co_latency_ms >= TEST_TIMEOUT_MS);
	o = run_resp(vs, RESP_CLOSE, NULL);
	expect_result(&o, CHECK_FAILURE, NULL);
	o = run_resp(vs, RESP_FLOOD, NULL);
	expect_result(&o, CHECK_FAILURE, "unexpected reply \"xxxx");
	o = run_resp(vs, RESP_REPLY, "HT");	/* short, then closed */
	expect_result(&o, CHECK_FAILURE, "unexpected reply \"HT\"");
	RUN_TO_TIMEOUT(o, run_resp(vs, RESP_KEEP, "HT"));	/* then silent */
	expect_result(&o, CHECK_TIMEOUT, "timeout in read after 2 bytes");
	cfg_virtual_free(vs);
}

static void
test_expect_kinds(void **state)
{
	struct cfg_virtual	*vs = vs_new(CFG_CHECK_SEND_EXPECT);
	struct check_outcome	 o;

	(void)state;
	vs->vs_send = strdup("HELO shoal\\r\\n");
	vs->vs_expect = strdup("*");
	o = run_resp(vs, RESP_KEEP, "anything");
	expect_result(&o, CHECK_SUCCESS, NULL);
	o = run_resp(vs, RESP_REPLY, NULL);	/* closes with nothing */
	expect_result(&o, CHECK_FAILURE, "without a reply");
	free(vs->vs_expect);
	vs->vs_expect = strdup("220[ -].*ready");
	vs->vs_use_regex = 1;
	o = run_resp(vs, RESP_SLOW, "220 mail ready\r\n");
	expect_result(&o, CHECK_SUCCESS, NULL);
	o = run_resp(vs, RESP_REPLY, "554 go away\r\n");
	expect_result(&o, CHECK_FAILURE, "unexpected reply \"554 go away\"");
	/* a flood that never matches ends at the read bound, not a hang */
	o = run_resp(vs, RESP_FLOOD, "554 ");
	expect_result(&o, CHECK_FAILURE, "unexpected reply");
	/* the match may come after a partial line */
	o = run_resp(vs, RESP_KEEP, "hello\r\n220-ready\r\n");
	expect_result(&o, CHECK_SUCCESS, NULL);
	free(vs->vs_expect);
	vs->vs_expect = strdup("+OK\\r\\n");
	vs->vs_use_regex = 0;
	o = run_resp(vs, RESP_KEEP, "+OK\r\n");
	expect_result(&o, CHECK_SUCCESS, NULL);
	o = run_resp(vs, RESP_KEEP, "+OK\n");
	expect_result(&o, CHECK_FAILURE, NULL);
	cfg_virtual_free(vs);
}

static void
test_http(void **state)
{
	struct cfg_virtual	*vs = vs_new(CFG_CHECK_HTTP);
	struct check_outcome	 o;

	(void)state;
	o = run_resp(vs, RESP_REPLY, HTTP_OK);
	expect_result(&o, CHECK_SUCCESS, "HTTP status 200");
	o = run_resp(vs, RESP_REPLY, "HTTP/1.1 302 Found\r\n\r\n");
	expect_result(&o, CHECK_SUCCESS, "HTTP status 302");
	o = run_resp(vs, RESP_REPLY, HTTP_500);
	expect_result(&o, CHECK_FAILURE, "HTTP status 500");
	o = run_resp(vs, RESP_KEEP, "SSH-2.0-OpenSSH_9.2\r\n");
	expect_result(&o, CHECK_FAILURE, "not an HTTP reply");
	RUN_TO_TIMEOUT(o, run_resp(vs, RESP_HANG, NULL));
	expect_result(&o, CHECK_TIMEOUT, "timeout in read");
	o = run_resp(vs, RESP_CLOSE, NULL);
	expect_result(&o, CHECK_FAILURE, NULL);
	o = run_resp(vs, RESP_FLOOD, NULL);
	expect_result(&o, CHECK_FAILURE, "status line too long");
	/* a chosen status */
	vs->vs_http_status = strdup("404");
	o = run_resp(vs, RESP_REPLY, "HTTP/1.1 404 Not Found\r\n\r\n");
	expect_result(&o, CHECK_SUCCESS, NULL);
	o = run_resp(vs, RESP_REPLY, HTTP_OK);
	expect_result(&o, CHECK_FAILURE, "HTTP status 200");
	free(vs->vs_http_status);
	vs->vs_http_status = strdup("200,301-302");
	o = run_resp(vs, RESP_REPLY, "HTTP/1.1 302 Found\r\n\r\n");
	expect_result(&o, CHECK_SUCCESS, NULL);
	o = run_resp(vs, RESP_REPLY, "HTTP/1.1 303 See Other\r\n\r\n");
	expect_result(&o, CHECK_FAILURE, "HTTP status 303");
	free(vs->vs_http_status);
	vs->vs_http_status = NULL;
	/* body match: literal substring, then regex */
	vs->vs_expect = strdup("is well");
	vs->vs_check_timeout_ms = TEST_SLOW_TIMEOUT_MS;
	o = run_resp(vs, RESP_SLOW, HTTP_OK);
	vs->vs_check_timeout_ms = TEST_TIMEOUT_MS;
	expect_result(&o, CHECK_SUCCESS, "body matches");
	o = run_resp(vs, RESP_REPLY, "HTTP/1.0 200 OK\r\n\r\nnot good\n");
	expect_result(&o, CHECK_FAILURE, "body does not match");
	RUN_TO_TIMEOUT(o, run_resp(vs, RESP_KEEP,
	    "HTTP/1.0 200 OK\r\n\r\nstill loa"));
	expect_result(&o, CHECK_TIMEOUT, "timeout in read");
	free(vs->vs_expect);
	vs->vs_expect = strdup("^all +is");
	vs->vs_use_regex = 1;
	o = run_resp(vs, RESP_REPLY, HTTP_OK);
	expect_result(&o, CHECK_SUCCESS, "body matches");
	o = run_resp(vs, RESP_REPLY, HTTP_500);
	expect_result(&o, CHECK_FAILURE, "HTTP status 500");
	cfg_virtual_free(vs);
}

/* HTTPS against `openssl s_server -www` with a throw-away certificate. */
static void
test_https(void **state)
{
	struct cfg_virtual	*vs = vs_new(CFG_CHECK_HTTPS);
	struct check_outcome	 o;
	struct exec_result	 er;
	struct event_base	*base;
	char			 dir[] = "/tmp/test_check_tls.XXXXXX";
	char			 cmd[512], *openssl, **argv, err[64];
	uint16_t		 port = responder_closed_port();
	pid_t			 pid;
	int			 i;

	(void)state;
	if ((openssl = exec_find_path("openssl")) == NULL)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s req -x509 -newkey rsa:2048 -nodes "
	    "-days 1 -subj /CN=shoal-test -keyout %s/k.pem -out %s/c.pem",
	    openssl, dir, dir);
	assert_int_equal(exec_split(cmd, NULL, NULL, &argv, err,
	    sizeof(err)), 0);
	assert_int_equal(exec_run_sync(argv, 30000, 0, &er), 0);
	exec_argv_free(argv);
	assert_true(exec_result_ok(&er));
	exec_result_clear(&er);
	snprintf(cmd, sizeof(cmd), "%s/c.pem", dir);
	if ((pid = fork()) == 0) {
		char kp[300], pb[16];

		snprintf(kp, sizeof(kp), "%s/k.pem", dir);
		snprintf(pb, sizeof(pb), "127.0.0.1:%u", port);
		freopen("/dev/null", "w", stdout);
		execl(openssl, "openssl", "s_server", "-quiet", "-www",
		    "-accept", pb, "-cert", cmd, "-key", kp, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	base = event_base_new();
	/* wait (bounded) until the server accepts */
	vs->vs_check = CFG_CHECK_TCP;
	for (i = 0; i < 100; i++) {
		o = run_on(base, vs, port);
		if (o.co_result == CHECK_SUCCESS)
			break;
		usleep(50000);
	}
	vs->vs_check = CFG_CHECK_HTTPS;
	vs->vs_http_host = strdup("shoal-test");
	o = run_on(base, vs, port);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	expect_result(&o, CHECK_SUCCESS, "HTTP status 200");
	event_base_free(base);
	/* TLS against a plain HTTP server fails in the handshake */
	o = run_resp(vs, RESP_REPLY, HTTP_OK);
	expect_result(&o, CHECK_FAILURE, "tls handshake");
	RUN_TO_TIMEOUT(o, run_resp(vs, RESP_HANG, NULL));
	expect_result(&o, CHECK_TIMEOUT, "timeout in tls handshake");
	snprintf(cmd, sizeof(cmd), "%s/k.pem", dir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/c.pem", dir);
	unlink(cmd);
	rmdir(dir);
	free(openssl);
	cfg_virtual_free(vs);
}

static struct check_outcome
run_program(const char *cmd, const char *expect)
{
	struct cfg_virtual	*vs = vs_new(CFG_CHECK_AUTO);
	struct event_base	*base = event_base_new();
	struct check_outcome	 o;

	vs->vs_send_program = strdup(cmd);
	if (expect != NULL)
		vs->vs_expect = strdup(expect);
	o = run_on(base, vs, 8080);
	event_base_free(base);
	cfg_virtual_free(vs);
	return o;
}

static void
test_program(void **state)
{
	struct check_outcome	 o;

	(void)state;
	o = run_program("/bin/true", NULL);
	expect_result(&o, CHECK_SUCCESS, "program exit 0");
	o = run_program("false", NULL);
	expect_result(&o, CHECK_FAILURE, "program exit 1");
	/* Piranha counted this as healthy when expect was set */
	o = run_program("sh -c 'echo OK; exit 2'", "OK");
	expect_result(&o, CHECK_FAILURE, "program exit 2: \"OK\"");
	RUN_TO_TIMEOUT(o, run_program("sleep 30", "OK"));
	expect_result(&o, CHECK_TIMEOUT, "program timeout");
	assert_true(o.co_latency_ms < 5000);
	o = run_program("echo OK", "OK");
	expect_result(&o, CHECK_SUCCESS, NULL);
	o = run_program("echo NOT", "OK");
	expect_result(&o, CHECK_FAILURE, "\"NOT\" does not match");
	/* %h / %p reach the program */
	o = run_program("test %h:%p = 127.0.0.1:8080", NULL);
	expect_result(&o, CHECK_SUCCESS, NULL);
	o = run_program("test %h:%p = 127.0.0.1:8081", NULL);
	expect_result(&o, CHECK_FAILURE, NULL);
	/* stdout may set a weight */
	o = run_program("echo 50%", NULL);
	expect_result(&o, CHECK_SUCCESS, NULL);
	assert_int_equal(o.co_weight_pct, 50);
	assert_int_equal(o.co_weight, -1);
	o = run_program("echo 7", NULL);
	assert_int_equal(o.co_weight, 7);
	o = run_program("echo 7 apples", NULL);
	assert_int_equal(o.co_weight, -1);
	o = run_program("shoal-no-such-program", NULL);
	expect_result(&o, CHECK_ERROR, "cannot start program");
}

static struct check_outcome
run_agent(enum responder_mode mode, const char *reply)
{
	struct cfg_virtual	*vs = vs_new(CFG_CHECK_AGENT);
	struct event_base	*base = event_base_new();
	struct responder	*resp = responder_new(base, mode, reply);
	struct check_outcome	 o;

	vs->vs_agent_port = responder_port(resp);
	/* the service port is not where the agent is asked */
	o = run_on(base, vs, responder_closed_port());
	responder_free(resp);
	event_base_free(base);
	cfg_virtual_free(vs);
	return o;
}

static void
test_agent(void **state)
{
	struct check_outcome	 o;

	(void)state;
	o = run_agent(RESP_REPLY, "up\n");
	expect_result(&o, CHECK_SUCCESS, "agent: up");
	assert_int_equal(o.co_agent, CHECK_AGENT_UP);
	assert_int_equal(o.co_weight_pct, -1);
	o = run_agent(RESP_REPLY, "ready");	/* no newline, then EOF */
	expect_result(&o, CHECK_SUCCESS, NULL);
	o = run_agent(RESP_KEEP, "down\n");
	expect_result(&o, CHECK_FAILURE, "agent: down");
	o = run_agent(RESP_REPLY, "maint # upgrading\n");
	expect_result(&o, CHECK_FAILURE, "agent: maint");
	o = run_agent(RESP_REPLY, "drain\n");
	expect_result(&o, CHECK_SUCCESS, "agent: drain");
	assert_int_equal(o.co_agent, CHECK_AGENT_DRAIN);
	o = run_agent(RESP_REPLY, "75%\n");
	expect_result(&o, CHECK_SUCCESS, NULL);
	assert_int_equal(o.co_weight_pct, 75);
	o = run_agent(RESP_SLOW, "up, 30%\r\n");
	expect_result(&o, CHECK_SUCCESS, NULL);
	assert_int_equal(o.co_weight_pct, 30);
	o = run_agent(RESP_REPLY, "bogus\n");
	expect_result(&o, CHECK_FAILURE, "unknown word \"bogus\"");
	o = run_agent(RESP_REPLY, "\n");
	expect_result(&o, CHECK_FAILURE, "empty reply");
	RUN_TO_TIMEOUT(o, run_agent(RESP_HANG, NULL));
	expect_result(&o, CHECK_TIMEOUT, NULL);
	o = run_agent(RESP_CLOSE, NULL);
	expect_result(&o, CHECK_FAILURE, NULL);
	o = run_agent(RESP_FLOOD, NULL);
	expect_result(&o, CHECK_FAILURE, "line too long");
}

/* check_stop() aborts a run: no callback, nothing left open. */
static void
test_stop(void **state)
{
	struct event_base	*base = event_base_new();
	struct responder	*resp = responder_new(base, RESP_HANG, NULL);
	struct cfg_virtual	*vs = vs_new(CFG_CHECK_SEND_EXPECT);
	struct timeval		 tv = { 0, 100000 };
	struct cfg_addr		 a;
	struct check		*c;
	struct run		 r;
	char			 err[64];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.base = base;
	/* long enough that it cannot expire before check_stop(), however
	 * late this process runs; the wait after it outlasts it */
	vs->vs_check_timeout_ms = 1500;
	cfg_addr_parse(&a, "127.0.0.1");
	c = check_new(base, vs, CFG_CHECK_AUTO, &a, responder_port(resp),
	    run_done, &r, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(check_start(c), 0);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_true(check_running(c));
	check_stop(c);
	assert_false(check_running(c));
	tv.tv_sec = 2;		/* past the check's timeout */
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_int_equal(r.done, 0);
	/* and it can run again */
	assert_int_equal(check_start(c), 0);
	check_free(c);
	responder_free(resp);
	cfg_virtual_free(vs);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_kind),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_bad_settings),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tcp_ipv6),
		cmocka_unit_test(test_expect_piranha_default),
		cmocka_unit_test(test_expect_kinds),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_https),
		cmocka_unit_test(test_program),
		cmocka_unit_test(test_agent),
		cmocka_unit_test(test_stop),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
