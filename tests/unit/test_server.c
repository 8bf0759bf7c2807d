/*
 * test_server.c - the real server state machine with a fake clock: first
 * result, rise and fall, reentry, slow start, weights from checks and the
 * load monitor, forced states; and one live run against a responder.
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

#include <event2/event.h>

#include "config/config.h"
#include "ipc/nanny_report.h"
#include "nanny/check.h"
#include "nanny/server.h"
#include "responder.h"

struct sink {
	int			 n;
	struct nanny_report	 last;
	struct event_base	*base;
	int			 stop_after;
};

static void
sink_report(const struct nanny_report *r, void *arg)
{
	struct sink	*k = arg;

	k->n++;
	k->last = *r;
	if (k->base != NULL && k->n >= k->stop_after)
		event_base_loopbreak(k->base);
}

struct fixture {
	struct event_base	*base;
	struct cfg_virtual	*vs;
	struct cfg_server	*rs;
	struct server		*s;
	struct sink		 sink;
};

static void
fx_setup(struct fixture *f, int weight, void (*tweak)(struct cfg_virtual *))
{
	char	 err[128];

	memset(f, 0, sizeof(*f));
	f->base = event_base_new();
	f->vs = cfg_virtual_new(CFG_VS_VIRTUAL, "web");
	f->vs->vs_check = CFG_CHECK_TCP;
	f->vs->vs_check_interval_ms = 1000;
	f->vs->vs_rise = 1;
	f->rs = cfg_server_new("r1", 8080);
	f->rs->rs_weight = weight;
	assert_int_equal(cfg_addr_parse(&f->rs->rs_address, "127.0.0.1"), 0);
	if (tweak != NULL)
		tweak(f->vs);
	f->s = server_new(f->base, NULL, f->vs, f->rs, NULL, sink_report,
	    &f->sink, err, sizeof(err));
	if (f->s == NULL)
		fail_msg("server_new: %s", err);
}

static void
fx_teardown(struct fixture *f)
{
	server_free(f->s);
	cfg_server_free(f->rs);
	cfg_virtual_free(f->vs);
	event_base_free(f->base);
}

static struct check_outcome
oc(enum check_result r)
{
	struct check_outcome	 o;

	memset(&o, 0, sizeof(o));
	o.co_result = r;
	o.co_weight = o.co_weight_pct = -1;
	o.co_latency_ms = 3;
	snprintf(o.co_reason, sizeof(o.co_reason), "%s",
	    r == CHECK_SUCCESS ? "ok" : "connect: Connection refused");
	return o;
}

static void
apply(struct fixture *f, enum check_result r, uint64_t now, int reported)
{
	struct check_outcome	 o = oc(r);

	assert_int_equal(server_apply(f->s, &o, now), reported);
}

static void
test_first_and_fall(void **state)
{
	struct fixture	 f;

	(void)state;
	fx_setup(&f, 5, NULL);
	assert_int_equal(server_state(f.s), SERVER_UNKNOWN);
	apply(&f, CHECK_SUCCESS, 1000, 1);	/* the first result decides */
	assert_int_equal(f.sink.last.nr_state, NANNY_UP);
	assert_int_equal(f.sink.last.nr_weight, 5);
	assert_string_equal(f.sink.last.nr_service, "web");
	assert_string_equal(f.sink.last.nr_server, "r1");
	assert_int_equal(f.sink.last.nr_port, 8080);
	apply(&f, CHECK_SUCCESS, 2000, 0);	/* no change, no report */
	apply(&f, CHECK_FAILURE, 3000, 1);	/* fall 1 (Piranha) */
	assert_int_equal(f.sink.last.nr_state, NANNY_DOWN);
	assert_int_equal(f.sink.last.nr_weight, 0);
	assert_string_equal(f.sink.last.nr_reason,
	    "connect: Connection refused");
	apply(&f, CHECK_TIMEOUT, 4000, 0);
	apply(&f, CHECK_SUCCESS, 5000, 1);	/* rise 1 here */
	assert_int_equal(f.sink.n, 3);
	fx_teardown(&f);
}

static void
rise3_fall2(struct cfg_virtual *vs)
{
	vs->vs_rise = 3;
	vs->vs_fall = 2;
}

static void
test_rise_fall(void **state)
{
	struct fixture	 f;

	(void)state;
	fx_setup(&f, 1, rise3_fall2);
	apply(&f, CHECK_FAILURE, 1000, 1);	/* first: down at once */
	assert_int_equal(server_state(f.s), SERVER_DOWN);
	apply(&f, CHECK_SUCCESS, 2000, 0);
	apply(&f, CHECK_SUCCESS, 3000, 0);
	apply(&f, CHECK_FAILURE, 4000, 0);	/* breaks the row */
	apply(&f, CHECK_SUCCESS, 5000, 0);
	apply(&f, CHECK_SUCCESS, 6000, 0);
	apply(&f, CHECK_SUCCESS, 7000, 1);
	assert_int_equal(server_state(f.s), SERVER_UP);
	apply(&f, CHECK_FAILURE, 8000, 0);	/* one failure: still up */
	apply(&f, CHECK_SUCCESS, 9000, 0);
	apply(&f, CHECK_FAILURE, 10000, 0);
	apply(&f, CHECK_ERROR, 11000, 1);	/* two in a row */
	assert_int_equal(server_state(f.s), SERVER_DOWN);
	fx_teardown(&f);
}

static void
piranha_defaults(struct cfg_virtual *vs)
{
	vs->vs_rise = 0;
	vs->vs_fall = 0;
	vs->vs_check_interval_ms = 0;
	vs->vs_check_timeout_ms = 0;
}

static void
test_piranha_defaults(void **state)
{
	struct fixture	 f;

	(void)state;
	fx_setup(&f, 1, piranha_defaults);
	/* interval = timeout 10 s, rise = reentry 180 s / 10 s, fall 1 */
	assert_int_equal(server_interval_ms(f.s), 10000);
	assert_int_equal(server_rise(f.s), 18);
	assert_int_equal(server_fall(f.s), 1);
	fx_teardown(&f);
}

static void
slow10s(struct cfg_virtual *vs)
{
	vs->vs_slow_start_ms = 10000;
}

static void
test_slow_start(void **state)
{
	struct fixture	 f;

	(void)state;
	fx_setup(&f, 10, slow10s);
	apply(&f, CHECK_SUCCESS, 1000, 1);	/* first up: no ramp */
	assert_int_equal(f.sink.last.nr_weight, 10);
	apply(&f, CHECK_FAILURE, 2000, 1);
	apply(&f, CHECK_SUCCESS, 3000, 1);	/* returns: ramp starts */
	assert_int_equal(f.sink.last.nr_state, NANNY_UP);
	assert_int_equal(f.sink.last.nr_weight, 1);
	assert_int_equal(server_weight_at(f.s, 3000 + 5000), 5);
	assert_int_equal(server_tick(f.s, 3000 + 5000), 1);
	assert_int_equal(f.sink.last.nr_weight, 5);
	assert_int_equal(server_tick(f.s, 3000 + 5000), 0);
	assert_int_equal(server_tick(f.s, 3000 + 10000), 1);
	assert_int_equal(f.sink.last.nr_weight, 10);
	assert_int_equal(server_weight_at(f.s, 3000 + 99999), 10);
	fx_teardown(&f);
}

static void
test_check_weights(void **state)
{
	struct fixture		 f;
	struct check_outcome	 o;

	(void)state;
	fx_setup(&f, 10, NULL);
	o = oc(CHECK_SUCCESS);
	o.co_weight_pct = 50;
	assert_int_equal(server_apply(f.s, &o, 1000), 1);
	assert_int_equal(f.sink.last.nr_weight, 5);
	o.co_weight_pct = -1;
	o.co_weight = 7;
	assert_int_equal(server_apply(f.s, &o, 2000), 1);
	assert_int_equal(f.sink.last.nr_weight, 7);
	o.co_weight = -1;
	o.co_agent = CHECK_AGENT_DRAIN;		/* up, weight 0 */
	assert_int_equal(server_apply(f.s, &o, 3000), 1);
	assert_int_equal(f.sink.last.nr_state, NANNY_UP);
	assert_int_equal(f.sink.last.nr_weight, 0);
	o.co_agent = CHECK_AGENT_UP;
	assert_int_equal(server_apply(f.s, &o, 4000), 1);
	assert_int_equal(f.sink.last.nr_weight, 10);
	fx_teardown(&f);
}

static void
test_load(void **state)
{
	struct fixture	 f;
	double		 l;

	(void)state;
	fx_setup(&f, 20, NULL);
	apply(&f, CHECK_SUCCESS, 1000, 1);
	assert_int_equal(server_apply_load(f.s, 1.0, 1500), 0);	/* as is */
	/* an idle server gets more than its weight, a loaded one less */
	assert_int_equal(server_apply_load(f.s, 0.3, 2000), 1);
	assert_int_equal(f.sink.last.nr_weight, 40);
	assert_int_equal(server_apply_load(f.s, 0.8, 2500), 1);
	assert_int_equal(f.sink.last.nr_weight, 25);
	assert_int_equal(server_apply_load(f.s, 1.0, 2700), 1);
	assert_int_equal(f.sink.last.nr_weight, 20);
	assert_int_equal(server_apply_load(f.s, 2.0, 3000), 1);
	assert_int_equal(f.sink.last.nr_weight, 10);
	/* hysteresis: 10 % of 20 = 2; 20/2.1 = 9.5 -> 10: no change,
	 * 20/2.3 = 8.7 -> 9: within 2, no change */
	assert_int_equal(server_apply_load(f.s, 2.1, 4000), 0);
	assert_int_equal(server_apply_load(f.s, 2.3, 5000), 0);
	assert_int_equal(server_apply_load(f.s, 4.0, 6000), 1);
	assert_int_equal(f.sink.last.nr_weight, 5);
	/* bounded: never below 1, never above twice the configured weight */
	assert_int_equal(server_apply_load(f.s, 1000.0, 7000), 1);
	assert_int_equal(f.sink.last.nr_weight, 1);
	assert_int_equal(server_apply_load(f.s, 0.0, 8000), 1);
	assert_int_equal(f.sink.last.nr_weight, 2 * 20);
	fx_teardown(&f);

	assert_int_equal(server_parse_uptime(" 10:01:02 up 3 days,  2:03,  "
	    "2 users,  load average: 0.52, 0.58, 0.59\n", &l), 0);
	assert_true(l > 0.51 && l < 0.53);
	assert_int_equal(server_parse_uptime("10:01  up 3 days, 2 users, "
	    "load averages: 1.20 1.10 1.00", &l), 0);
	assert_true(l > 1.19 && l < 1.21);
	assert_int_equal(server_parse_uptime("ssh: connect refused", &l), -1);
	assert_int_equal(server_parse_uptime("load average: x", &l), -1);
}

static void
test_force(void **state)
{
	struct fixture	 f;

	(void)state;
	fx_setup(&f, 3, NULL);
	apply(&f, CHECK_SUCCESS, 1000, 1);
	server_force(f.s, SERVER_FORCE_DOWN);		/* SIGUSR1 */
	assert_int_equal(f.sink.n, 2);
	assert_int_equal(f.sink.last.nr_state, NANNY_DOWN);
	apply(&f, CHECK_SUCCESS, 2000, 0);		/* ignored */
	assert_int_equal(server_state(f.s), SERVER_DOWN);
	server_force(f.s, SERVER_FORCE_UP);		/* SIGUSR2 */
	assert_int_equal(f.sink.last.nr_state, NANNY_UP);
	assert_int_equal(f.sink.last.nr_weight, 3);
	apply(&f, CHECK_FAILURE, 3000, 0);		/* ignored */
	assert_int_equal(server_state(f.s), SERVER_UP);
	server_force(f.s, SERVER_FORCE_NONE);		/* SIGHUP */
	apply(&f, CHECK_FAILURE, 4000, 1);		/* decides at once */
	assert_int_equal(server_state(f.s), SERVER_DOWN);
	fx_teardown(&f);
}

/* A live server: up against a listener, down when it goes away. */
static void
test_live(void **state)
{
	struct fixture		 f;
	struct responder	*resp;
	struct timeval		 bound = { 10, 0 };
	char			 err[128];

	(void)state;
	fx_setup(&f, 2, NULL);
	server_free(f.s);
	f.vs->vs_check_interval_ms = 100;
	f.vs->vs_check_timeout_ms = 500;
	resp = responder_new(f.base, RESP_REPLY, "hello\n");
	assert_non_null(resp);
	f.rs->rs_port = responder_port(resp);
	f.s = server_new(f.base, NULL, f.vs, f.rs, NULL, sink_report,
	    &f.sink, err, sizeof(err));
	assert_non_null(f.s);
	f.sink.base = f.base;
	f.sink.stop_after = 1;
	assert_int_equal(server_start(f.s, 0), 0);
	event_base_loopexit(f.base, &bound);
	event_base_dispatch(f.base);
	assert_int_equal(f.sink.n, 1);
	assert_int_equal(f.sink.last.nr_state, NANNY_UP);
	assert_true(responder_accepted(resp) >= 1);
	responder_free(resp);		/* the port closes */
	f.sink.stop_after = 2;
	event_base_loopexit(f.base, &bound);
	event_base_dispatch(f.base);
	assert_int_equal(f.sink.n, 2);
	assert_int_equal(f.sink.last.nr_state, NANNY_DOWN);
	assert_non_null(strstr(f.sink.last.nr_reason, "refused"));
	fx_teardown(&f);
}

/*
 * load_monitor = rup: rstatd is gone, the agent check on agent_port
 * takes its place; its percentage raises the weight, within twice the
 * configured weight.  Without agent_port: no load monitor at all.
 */
static void
test_rup_agent(void **state)
{
	struct fixture		 f;
	struct responder	*svc, *agent;
	struct timeval		 bound = { 10, 0 };
	char			 err[128];

	(void)state;
	fx_setup(&f, 10, NULL);
	server_free(f.s);
	f.vs->vs_check_interval_ms = 100;
	f.vs->vs_check_timeout_ms = 500;
	f.vs->vs_load_monitor = CFG_LOAD_RUP;
	svc = responder_new(f.base, RESP_REPLY, NULL);
	agent = responder_new(f.base, RESP_REPLY, "300%\n");
	f.rs->rs_port = responder_port(svc);
	f.vs->vs_agent_port = responder_port(agent);
	f.s = server_new(f.base, NULL, f.vs, f.rs, NULL, sink_report,
	    &f.sink, err, sizeof(err));
	assert_non_null(f.s);
	f.sink.base = f.base;
	f.sink.stop_after = 2;		/* up 10, then the agent's 20 */
	assert_int_equal(server_start(f.s, 0), 0);
	event_base_loopexit(f.base, &bound);
	event_base_dispatch(f.base);
	assert_int_equal(f.sink.n, 2);
	assert_int_equal(f.sink.last.nr_state, NANNY_UP);
	assert_int_equal(f.sink.last.nr_weight, 2 * 10);
	assert_true(responder_accepted(agent) >= 1);
	server_free(f.s);
	/* ruptime without agent_port: checked, never load-monitored */
	f.vs->vs_load_monitor = CFG_LOAD_RUPTIME;
	f.vs->vs_agent_port = 0;
	f.s = server_new(f.base, NULL, f.vs, f.rs, NULL, sink_report,
	    &f.sink, err, sizeof(err));
	assert_non_null(f.s);
	bound.tv_sec = 0;
	bound.tv_usec = 600000;
	f.sink.n = 0;
	f.sink.stop_after = 100;
	assert_int_equal(server_start(f.s, 0), 0);
	event_base_loopexit(f.base, &bound);
	event_base_dispatch(f.base);
	assert_int_equal(f.sink.n, 1);
	assert_int_equal(f.sink.last.nr_weight, 10);
	responder_free(svc);
	responder_free(agent);
	fx_teardown(&f);
}

static void
check_none(struct cfg_virtual *vs)
{
	vs->vs_check = CFG_CHECK_NONE;
}

/* check = none: reported up once, never checked. */
static void
test_check_none(void **state)
{
	struct fixture	 f;
	struct timeval	 tv = { 0, 300000 };

	(void)state;
	fx_setup(&f, 2, check_none);
	assert_int_equal(server_start(f.s, 0), 0);
	event_base_loopexit(f.base, &tv);
	event_base_dispatch(f.base);
	assert_int_equal(f.sink.n, 1);
	assert_int_equal(f.sink.last.nr_state, NANNY_UP);
	assert_int_equal(f.sink.last.nr_weight, 2);
	assert_string_equal(f.sink.last.nr_reason, "not checked");
	fx_teardown(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_and_fall),
		cmocka_unit_test(test_rise_fall),
		cmocka_unit_test(test_piranha_defaults),
		cmocka_unit_test(test_slow_start),
		cmocka_unit_test(test_check_weights),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_force),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_rup_agent),
		cmocka_unit_test(test_check_none),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
