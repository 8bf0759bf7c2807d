/*
 * server.c - one real server's checks over time and the weight it gets
 * (see server.h for the rules).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "ipc/nanny_report.h"
#include "lib/exec.h"
#include "lib/log.h"
#include "lib/util.h"
#include "check.h"
#include "server.h"

#define SERVER_LOAD_PERIOD_MIN_MS	10000	/* uptime over ssh at most */
#define SERVER_SLOW_STEPS		10	/* weight steps of a ramp */
#define SERVER_SLOW_STEP_MIN_MS		500
#define SERVER_UPTIME_OUT_MAX		1024
#define SERVER_LOAD_FLOOR		0.5	/* loads below count as this */

struct server {
	struct event_base	*sv_base;
	char			 sv_service[CFG_NAME_MAX + 1];
	char			 sv_name[CFG_NAME_MAX + 1];
	struct cfg_addr		 sv_addr;
	uint16_t		 sv_port;
	char			 sv_host[CFG_ADDR_STRLEN];
	/* settings */
	int			 sv_weight_cfg;
	int			 sv_rise;
	int			 sv_fall;
	uint32_t		 sv_interval_ms;
	uint32_t		 sv_timeout_ms;
	uint32_t		 sv_slow_ms;
	enum cfg_load_monitor	 sv_load;
	enum cfg_rsh		 sv_rsh;
	/* running parts */
	struct check		*sv_check;
	struct check		*sv_agent;	/* load_monitor = agent */
	struct exec		*sv_uptime;	/* load_monitor = uptime */
	struct event		*sv_ev_check;
	struct event		*sv_ev_slow;
	struct event		*sv_ev_load;
	uint64_t		 sv_check_start_ms;
	/* state */
	enum server_state	 sv_state;
	enum server_force	 sv_force;
	int			 sv_decide_next; /* next result decides */
	int			 sv_ok_row;
	int			 sv_fail_row;
	int			 sv_check_weight; /* from the check, -1 none */
	int			 sv_load_weight;  /* from the monitor, -1 none */
	int			 sv_drain;
	uint64_t		 sv_ramp_start_ms; /* 0: no ramp */
	int			 sv_reported_weight;
	enum server_state	 sv_reported_state;
	char			 sv_reason[CHECK_REASON_MAX];
	uint32_t		 sv_latency_ms;
	server_report_cb	 sv_cb;
	void			*sv_arg;
};

static void server_on_check(evutil_socket_t, short, void *);
static void server_check_done(const struct check_outcome *, void *);
static void server_agent_done(const struct check_outcome *, void *);
static void server_on_slow(evutil_socket_t, short, void *);
static void server_on_load(evutil_socket_t, short, void *);

static void
ms_tv(uint64_t ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)((ms % 1000) * 1000);
}

enum server_state
server_state(const struct server *s)
{
	return s->sv_state;
}

const char *
server_name(const struct server *s)
{
	return s->sv_name;
}

int
server_rise(const struct server *s)
{
	return s->sv_rise;
}

int
server_fall(const struct server *s)
{
	return s->sv_fall;
}

uint32_t
server_interval_ms(const struct server *s)
{
	return s->sv_interval_ms;
}

int
server_weight_at(const struct server *s, uint64_t now_ms)
{
	uint64_t	 w, elapsed;

	if (s->sv_state != SERVER_UP || s->sv_drain)
		return 0;
	if (s->sv_check_weight >= 0)
		w = (uint64_t)s->sv_check_weight;
	else if (s->sv_load_weight >= 0)
		w = (uint64_t)s->sv_load_weight;
	else
		w = (uint64_t)s->sv_weight_cfg;
	if (s->sv_ramp_start_ms != 0 && s->sv_slow_ms > 0 && w > 0) {
		elapsed = now_ms - s->sv_ramp_start_ms;
		if (elapsed < s->sv_slow_ms) {
			w = w * elapsed / s->sv_slow_ms;
			if (w == 0)
				w = 1;
		}
	}
	return w > NANNY_REPORT_WEIGHT_MAX ? NANNY_REPORT_WEIGHT_MAX : (int)w;
}

/* Sends the current state and weight to the owner, logging transitions. */
static void
server_report(struct server *s, uint64_t now_ms)
{
	struct nanny_report	 r;

	memset(&r, 0, sizeof(r));
	str_copy(r.nr_service, s->sv_service, sizeof(r.nr_service));
	str_copy(r.nr_server, s->sv_name, sizeof(r.nr_server));
	r.nr_addr = s->sv_addr;
	r.nr_port = s->sv_port;
	r.nr_state = s->sv_state == SERVER_UP ? NANNY_UP : NANNY_DOWN;
	r.nr_weight = server_weight_at(s, now_ms);
	r.nr_latency_ms = s->sv_latency_ms;
	str_copy(r.nr_reason, s->sv_reason, sizeof(r.nr_reason));
	if (s->sv_state != s->sv_reported_state) {
		if (s->sv_state == SERVER_UP)
			log_info("[ active ] making %s:%d available",
			    s->sv_host, s->sv_port);
		else
			log_info("[inactive] shutting down %s:%d due to "
			    "connection failure (%s)", s->sv_host, s->sv_port,
			    s->sv_reason);
	} else
		log_debug("%s:%d weight %d (%s)", s->sv_host, s->sv_port,
		    r.nr_weight, s->sv_reason);
	s->sv_reported_state = s->sv_state;
	s->sv_reported_weight = r.nr_weight;
	s->sv_cb(&r, s->sv_arg);
}

/* Reports when state or weight differ from what was last reported. */
static int
server_report_changes(struct server *s, uint64_t now_ms)
{
	if (s->sv_state == s->sv_reported_state &&
	    server_weight_at(s, now_ms) == s->sv_reported_weight)
		return 0;
	server_report(s, now_ms);
	return 1;
}

/* Arms the slow start ticks while a ramp is running. */
static void
server_arm_slow(struct server *s)
{
	struct timeval	 tv;
	uint64_t	 step = s->sv_slow_ms / SERVER_SLOW_STEPS;

	if (s->sv_ev_slow == NULL || s->sv_ramp_start_ms == 0)
		return;
	ms_tv(step < SERVER_SLOW_STEP_MIN_MS ? SERVER_SLOW_STEP_MIN_MS : step,
	    &tv);
	evtimer_add(s->sv_ev_slow, &tv);
}

/* The state the next result leads to, before forced states. */
static enum server_state
server_next_state(struct server *s, int ok)
{
	if (s->sv_state == SERVER_UNKNOWN || s->sv_decide_next)
		return ok ? SERVER_UP : SERVER_DOWN;
	if (s->sv_state == SERVER_UP && s->sv_fail_row >= s->sv_fall)
		return SERVER_DOWN;
	if (s->sv_state == SERVER_DOWN && s->sv_ok_row >= s->sv_rise)
		return SERVER_UP;
	return s->sv_state;
}

/* Takes weight hints of a good check: a number, a percentage, drain. */
static void
server_take_weight(struct server *s, const struct check_outcome *o)
{
	s->sv_drain = o->co_agent == CHECK_AGENT_DRAIN;
	if (o->co_weight >= 0)
		s->sv_check_weight = o->co_weight;
	else if (o->co_weight_pct >= 0)
		s->sv_check_weight = (int)((int64_t)s->sv_weight_cfg *
		    o->co_weight_pct / 100);
	else
		s->sv_check_weight = -1;
}

int
server_apply(struct server *s, const struct check_outcome *o,
    uint64_t now_ms)
{
	enum server_state	 next;
	int			 ok = o->co_result == CHECK_SUCCESS;

	str_copy(s->sv_reason, o->co_reason, sizeof(s->sv_reason));
	s->sv_latency_ms = o->co_latency_ms;
	if (ok) {
		s->sv_ok_row++;
		s->sv_fail_row = 0;
		server_take_weight(s, o);
	} else {
		s->sv_fail_row++;
		s->sv_ok_row = 0;
	}
	if (s->sv_force != SERVER_FORCE_NONE)
		return 0;	/* checks go on, but do not decide */
	next = server_next_state(s, ok);
	s->sv_decide_next = 0;
	if (next == SERVER_UP && s->sv_state == SERVER_DOWN &&
	    s->sv_slow_ms > 0) {
		s->sv_ramp_start_ms = now_ms;
		server_arm_slow(s);
	}
	if (next != SERVER_UP)
		s->sv_ramp_start_ms = 0;
	s->sv_state = next;
	return server_report_changes(s, now_ms);
}

int
server_tick(struct server *s, uint64_t now_ms)
{
	if (s->sv_ramp_start_ms != 0 &&
	    now_ms - s->sv_ramp_start_ms >= s->sv_slow_ms)
		s->sv_ramp_start_ms = 0;	/* ramp done */
	return server_report_changes(s, now_ms);
}

/* A weight from the load monitor within [1, SERVER_LOAD_RAISE x cfg]. */
static int
server_load_bound(const struct server *s, int w)
{
	int	 max = s->sv_weight_cfg * SERVER_LOAD_RAISE;

	if (max > NANNY_REPORT_WEIGHT_MAX)
		max = NANNY_REPORT_WEIGHT_MAX;
	if (w > max)
		w = max;
	return w < 1 ? 1 : w;
}

int
server_apply_load(struct server *s, double load, uint64_t now_ms)
{
	int	 w, cur, hyst;

	if (load < SERVER_LOAD_FLOOR)
		load = SERVER_LOAD_FLOOR;
	w = (int)((double)s->sv_weight_cfg / load + 0.5);
	w = server_load_bound(s, w);
	cur = s->sv_load_weight >= 0 ? s->sv_load_weight : s->sv_weight_cfg;
	hyst = s->sv_weight_cfg / 10 > 1 ? s->sv_weight_cfg / 10 : 1;
	/* back to the configured weight always; otherwise only past the
	 * hysteresis */
	if (w == cur || (w != s->sv_weight_cfg && abs(w - cur) < hyst))
		return 0;
	s->sv_load_weight = w;
	snprintf(s->sv_reason, sizeof(s->sv_reason), "load %.2f", load);
	server_report_changes(s, now_ms);
	return 1;
}

int
server_parse_uptime(const char *out, double *load)
{
	const char	*p;
	char		*end;
	double		 v;

	if ((p = strstr(out, "load average")) == NULL)
		return -1;
	p += strlen("load average");
	if (*p == 's')
		p++;		/* BSD: "load averages:" */
	if (*p++ != ':')
		return -1;
	v = strtod(p, &end);
	if (end == p || v < 0 || v > 1e6)
		return -1;
	*load = v;
	return 0;
}

void
server_force(struct server *s, enum server_force f)
{
	uint64_t	 now = clock_monotonic_ms();

	s->sv_force = f;
	switch (f) {
	case SERVER_FORCE_DOWN:
		s->sv_state = SERVER_DOWN;
		s->sv_ramp_start_ms = 0;
		str_copy(s->sv_reason, "forced down", sizeof(s->sv_reason));
		break;
	case SERVER_FORCE_UP:
		s->sv_state = SERVER_UP;
		s->sv_drain = 0;
		str_copy(s->sv_reason, "forced up", sizeof(s->sv_reason));
		break;
	case SERVER_FORCE_NONE:
		s->sv_decide_next = 1;	/* the next check decides */
		s->sv_ok_row = s->sv_fail_row = 0;
		return;
	}
	server_report_changes(s, now);
}

/* Schedules the next check interval_ms after the last one started. */
static void
server_schedule(struct server *s)
{
	struct timeval	 tv;
	uint64_t	 now = clock_monotonic_ms(), due;

	due = s->sv_check_start_ms + s->sv_interval_ms;
	ms_tv(due > now ? due - now : 0, &tv);
	evtimer_add(s->sv_ev_check, &tv);
}

static void
server_check_done(const struct check_outcome *o, void *arg)
{
	struct server	*s = arg;

	log_debug("%s %s:%d: %s, %s (%u ms)", s->sv_name, s->sv_host,
	    s->sv_port, check_result_name(o->co_result), o->co_reason,
	    o->co_latency_ms);
	server_apply(s, o, clock_monotonic_ms());
	server_schedule(s);
}

static void
server_on_check(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;

	(void)fd;
	(void)what;
	if (s->sv_check == NULL) {
		/* check = none: up once, never checked */
		struct check_outcome o;

		memset(&o, 0, sizeof(o));
		o.co_result = CHECK_SUCCESS;
		o.co_weight = o.co_weight_pct = -1;
		str_copy(o.co_reason, "not checked", sizeof(o.co_reason));
		server_apply(s, &o, clock_monotonic_ms());
		return;
	}
	s->sv_check_start_ms = clock_monotonic_ms();
	if (check_start(s->sv_check) == -1)
		server_schedule(s);
}

static void
server_on_slow(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;

	(void)fd;
	(void)what;
	server_tick(s, clock_monotonic_ms());
	server_arm_slow(s);
}

static void
server_agent_done(const struct check_outcome *o, void *arg)
{
	struct server	*s = arg;

	if (o->co_result != CHECK_SUCCESS || o->co_weight_pct < 0) {
		log_debug("%s: load agent: %s", s->sv_name, o->co_reason);
		return;
	}
	s->sv_load_weight = (int)((int64_t)s->sv_weight_cfg *
	    o->co_weight_pct / 100);
	if (s->sv_load_weight > 0)	/* 0% drains; else within bounds */
		s->sv_load_weight = server_load_bound(s, s->sv_load_weight);
	server_report_changes(s, clock_monotonic_ms());
}

static void
server_uptime_done(struct exec_result *r, void *arg)
{
	struct server	*s = arg;
	double		 load;
	char		 st[64];

	s->sv_uptime = NULL;
	if (!exec_result_ok(r) || server_parse_uptime(r->er_out, &load) ==
	    -1) {
		log_warnx("%s: load monitor on %s: %s", s->sv_name,
		    s->sv_host, exec_result_str(r, st, sizeof(st)));
		return;
	}
	server_apply_load(s, load, clock_monotonic_ms());
}

/* Runs `ssh HOST uptime` (or rsh), argv only: the host is an address. */
static void
server_run_uptime(struct server *s)
{
	char	 cto[32];
	char	*ssh[] = { (char *)"ssh", (char *)"-o", (char *)"BatchMode=yes",
		    (char *)"-o", cto, s->sv_host, (char *)"uptime", NULL };
	char	*rsh[] = { (char *)"rsh", s->sv_host, (char *)"uptime", NULL };

	if (s->sv_uptime != NULL)
		return;
	snprintf(cto, sizeof(cto), "ConnectTimeout=%u",
	    (s->sv_timeout_ms + 999) / 1000);
	s->sv_uptime = exec_start(s->sv_base, s->sv_rsh == CFG_RSH_RSH ? rsh :
	    ssh, s->sv_timeout_ms, SERVER_UPTIME_OUT_MAX, server_uptime_done,
	    s);
}

static void
server_on_load(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	struct timeval	 tv;
	uint32_t	 period = s->sv_interval_ms;

	(void)fd;
	(void)what;
	if (s->sv_load == CFG_LOAD_AGENT) {
		if (s->sv_agent != NULL && !check_running(s->sv_agent))
			check_start(s->sv_agent);
	} else {
		server_run_uptime(s);
		if (period < SERVER_LOAD_PERIOD_MIN_MS)
			period = SERVER_LOAD_PERIOD_MIN_MS;
	}
	ms_tv(period, &tv);
	evtimer_add(s->sv_ev_load, &tv);
}

/*
 * rup / ruptime asked rstatd / rwhod, long gone from every distribution:
 * the agent check takes their place (the server's agent tells its load
 * as a percentage), said once in the log.  Returns the monitor to run.
 */
static enum cfg_load_monitor
server_load_kind(const struct server *s, const struct cfg_virtual *vs)
{
	if (vs->vs_load_monitor != CFG_LOAD_RUP &&
	    vs->vs_load_monitor != CFG_LOAD_RUPTIME)
		return vs->vs_load_monitor;
	if (vs->vs_agent_port == 0) {
		log_warnx("%s: load_monitor %s: rstatd/rwhod are gone and "
		    "there is no agent_port for the agent check that replaces "
		    "them: no load monitor", s->sv_name,
		    cfg_load_monitor_name(vs->vs_load_monitor));
		return CFG_LOAD_NONE;
	}
	log_warnx("%s: load_monitor %s: rstatd/rwhod are gone; using the "
	    "agent check on port %u instead", s->sv_name,
	    cfg_load_monitor_name(vs->vs_load_monitor), vs->vs_agent_port);
	return CFG_LOAD_AGENT;
}

/* Settings from the virtual (Piranha defaults where shoal's are 0). */
static void
server_settings(struct server *s, const struct cfg_global *g,
    const struct cfg_virtual *vs)
{
	uint32_t	 reentry;

	s->sv_timeout_ms = vs->vs_check_timeout_ms != 0 ?
	    vs->vs_check_timeout_ms : vs->vs_timeout_ms != 0 ?
	    vs->vs_timeout_ms : CFG_DEF_TIMEOUT_MS;
	s->sv_interval_ms = vs->vs_check_interval_ms != 0 ?
	    vs->vs_check_interval_ms : vs->vs_timeout_ms != 0 ?
	    vs->vs_timeout_ms : CFG_DEF_TIMEOUT_MS;
	s->sv_fall = vs->vs_fall > 0 ? vs->vs_fall : 1;
	reentry = vs->vs_reentry_ms;
	s->sv_rise = vs->vs_rise > 0 ? vs->vs_rise :
	    (int)((reentry + s->sv_interval_ms - 1) / s->sv_interval_ms);
	if (s->sv_rise < 1)
		s->sv_rise = 1;
	s->sv_slow_ms = vs->vs_slow_start_ms;
	s->sv_load = server_load_kind(s, vs);
	s->sv_rsh = g != NULL ? g->g_rsh_command : CFG_RSH_SSH;
}

/* The load monitor's parts; -1 with err. */
static int
server_load_setup(struct server *s, const struct cfg_virtual *vs,
    char *err, size_t errlen)
{
	if (s->sv_load == CFG_LOAD_NONE)
		return 0;
	if (s->sv_load == CFG_LOAD_AGENT && s->sv_check != NULL &&
	    check_type(s->sv_check) == CHECK_T_AGENT)
		return 0;	/* the health check already brings weights */
	if (s->sv_load == CFG_LOAD_AGENT) {
		s->sv_agent = check_new(s->sv_base, vs, CFG_CHECK_AGENT,
		    &s->sv_addr, s->sv_port, server_agent_done, s, err,
		    errlen);
		if (s->sv_agent == NULL)
			return -1;
	}
	s->sv_ev_load = evtimer_new(s->sv_base, server_on_load, s);
	return s->sv_ev_load != NULL ? 0 : -1;
}


struct server *
server_new(struct event_base *base, const struct cfg_global *g,
    const struct cfg_virtual *vs, const struct cfg_server *rs,
    const struct cfg_addr *addr, server_report_cb cb, void *arg,
    char *err, size_t errlen)
{
	struct server	*s;

	if (errlen > 0)
		err[0] = '\0';
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->sv_base = base;
	s->sv_cb = cb;
	s->sv_arg = arg;
	str_copy(s->sv_service, vs->vs_name, sizeof(s->sv_service));
	str_copy(s->sv_name, rs != NULL ? rs->rs_name :
	    NANNY_REPORT_NO_SERVER, sizeof(s->sv_name));
	s->sv_addr = rs != NULL ? rs->rs_address :
	    addr != NULL ? *addr : vs->vs_address;
	s->sv_port = rs != NULL ? rs->rs_port : vs->vs_port;
	s->sv_weight_cfg = rs != NULL ? rs->rs_weight : 1;
	cfg_addr_str(&s->sv_addr, s->sv_host, sizeof(s->sv_host));
	s->sv_check_weight = s->sv_load_weight = -1;
	s->sv_reported_weight = -1;
	server_settings(s, g, vs);
	if (check_resolve_type(vs, s->sv_port) != CHECK_T_NONE &&
	    (s->sv_check = check_new(base, vs, CFG_CHECK_AUTO, &s->sv_addr,
	    s->sv_port, server_check_done, s, err, errlen)) == NULL)
		goto fail;
	s->sv_ev_check = evtimer_new(base, server_on_check, s);
	s->sv_ev_slow = evtimer_new(base, server_on_slow, s);
	if (s->sv_ev_check == NULL || s->sv_ev_slow == NULL ||
	    server_load_setup(s, vs, err, errlen) == -1)
		goto fail;
	return s;
fail:
	if (err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	server_free(s);
	return NULL;
}

int
server_start(struct server *s, uint32_t delay_ms)
{
	struct timeval	 tv;

	ms_tv(delay_ms, &tv);
	if (evtimer_add(s->sv_ev_check, &tv) == -1)
		return -1;
	if (s->sv_ev_load != NULL && evtimer_add(s->sv_ev_load, &tv) == -1)
		return -1;
	return 0;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	check_free(s->sv_check);
	check_free(s->sv_agent);
	exec_cancel(s->sv_uptime);
	if (s->sv_ev_check != NULL)
		event_free(s->sv_ev_check);
	if (s->sv_ev_slow != NULL)
		event_free(s->sv_ev_slow);
	if (s->sv_ev_load != NULL)
		event_free(s->sv_ev_load);
	free(s);
}
