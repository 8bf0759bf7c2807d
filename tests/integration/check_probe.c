/*
 * check_probe.c - runs one nanny check (libnanny's engine, the code
 * nanny runs) again and again against a real server, for the integration
 * tests of the kinds lvs.cf does not name yet and for the benchmark:
 *
 *   check_probe TYPE ADDR PORT [KEY=VALUE...]
 *
 * TYPE: tcp udp expect http https dns smtp pop3 imap ftp nntp ldap agent.
 * KEYs: udp=1 send= expect= regex=1 timeout=MS interval=MS path= host=
 * status= starttls=1 verify=1 ca=FILE tlsname= dnsname= dnstype= rcode=
 * answer= agentport=.  Prints one line per run, "RESULT REASON"
 * (success, failure, timeout, error), and runs until SIGTERM/SIGINT.
 */
#include "shoal-build.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/cfg_addr.h"
#include "nanny/check.h"

struct probe {
	struct event_base	*p_base;
	struct check		*p_check;
	struct event		*p_ev_next;
	struct timeval		 p_interval;
};

static void
probe_done(const struct check_outcome *o, void *arg)
{
	struct probe	*p = arg;

	printf("%s %s\n", check_result_name(o->co_result), o->co_reason);
	fflush(stdout);
	evtimer_add(p->p_ev_next, &p->p_interval);
}

static void
probe_next(evutil_socket_t fd, short what, void *arg)
{
	struct probe	*p = arg;

	(void)fd;
	(void)what;
	check_start(p->p_check);
}

static void
probe_stop(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

/* One KEY=VALUE into cc (values borrowed from argv); -1 if unknown. */
static int
probe_key(struct check_conf *cc, const char *kv, unsigned *interval)
{
	const char	*v = strchr(kv, '=');
	size_t		 n;

	if (v == NULL)
		return -1;
	n = (size_t)(v++ - kv);
#define KEY(name)	(n == strlen(name) && strncmp(kv, name, n) == 0)
	if (KEY("udp")) cc->cc_udp = atoi(v);
	else if (KEY("send")) cc->cc_send = v;
	else if (KEY("expect")) cc->cc_expect = v;
	else if (KEY("regex")) cc->cc_use_regex = atoi(v);
	else if (KEY("timeout")) cc->cc_timeout_ms = (uint32_t)atoi(v);
	else if (KEY("interval")) *interval = (unsigned)atoi(v);
	else if (KEY("path")) cc->cc_http_path = v;
	else if (KEY("host")) cc->cc_http_host = v;
	else if (KEY("status")) cc->cc_http_status = v;
	else if (KEY("starttls")) cc->cc_starttls = atoi(v);
	else if (KEY("verify")) cc->cc_tls_verify = atoi(v);
	else if (KEY("ca")) cc->cc_tls_ca = v;
	else if (KEY("tlsname")) cc->cc_tls_name = v;
	else if (KEY("dnsname")) cc->cc_dns_name = v;
	else if (KEY("dnstype")) cc->cc_dns_type = v;
	else if (KEY("rcode")) cc->cc_dns_rcode = v;
	else if (KEY("answer")) cc->cc_dns_answer = v;
	else if (KEY("agentport")) cc->cc_agent_port = (uint16_t)atoi(v);
	else
		return -1;
#undef KEY
	return 0;
}

int
main(int argc, char *argv[])
{
	struct probe		 p;
	struct check_conf	 cc;
	struct cfg_addr		 a;
	struct event		*ev_term, *ev_int;
	unsigned		 interval = 200;
	char			 err[256];
	int			 i, t;

	if (argc < 4 || (t = check_type_from_name(argv[1])) == -1 ||
	    cfg_addr_parse(&a, argv[2]) == -1) {
		fprintf(stderr, "usage: check_probe TYPE ADDR PORT "
		    "[KEY=VALUE...]\n");
		return 2;
	}
	memset(&cc, 0, sizeof(cc));
	cc.cc_type = (enum check_type)t;
	cc.cc_timeout_ms = 1000;
	for (i = 4; i < argc; i++)
		if (probe_key(&cc, argv[i], &interval) == -1) {
			fprintf(stderr, "check_probe: unknown %s\n", argv[i]);
			return 2;
		}
	signal(SIGPIPE, SIG_IGN);
	memset(&p, 0, sizeof(p));
	p.p_base = event_base_new();
	p.p_interval.tv_sec = interval / 1000;
	p.p_interval.tv_usec = (interval % 1000) * 1000;
	p.p_check = check_new_conf(p.p_base, &cc, &a,
	    (uint16_t)atoi(argv[3]), probe_done, &p, err, sizeof(err));
	if (p.p_check == NULL) {
		fprintf(stderr, "check_probe: %s\n", err);
		return 1;
	}
	p.p_ev_next = evtimer_new(p.p_base, probe_next, &p);
	ev_term = evsignal_new(p.p_base, SIGTERM, probe_stop, p.p_base);
	ev_int = evsignal_new(p.p_base, SIGINT, probe_stop, p.p_base);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	check_start(p.p_check);
	event_base_dispatch(p.p_base);
	check_free(p.p_check);
	event_free(p.p_ev_next);
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(p.p_base);
	return 0;
}
