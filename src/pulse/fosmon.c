/*
 * fosmon.c - fail-over service monitoring: nannies' reports about the
 * fail-over services become faults (see fosmon.h).
 */
#include "shoal-build.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/util.h"
#include "fosmon.h"
#include "heartbeat.h"
#include "lvs.h"
#include "nannies.h"

enum last { L_UNKNOWN, L_DOWN, L_UP };

struct fsvc {
	char			 f_name[CFG_NAME_MAX + 1];
	char			*f_print;
	uint32_t		 f_grace_ms;
	enum last		 f_last;
	char			 f_reason[NANNY_REPORT_REASON_MAX + 1];
	int			 f_local_failed;
	uint64_t		 f_failed_ms;
	int			 f_remote_failed;	/* we flag the ACTIVE */
};

struct fosmon {
	struct event_base	*m_base;
	struct services_hooks	 m_hooks;
	struct fsvc		*m_svcs;
	size_t			 m_nsvcs;
	enum el_state		 m_role;
	uint64_t		 m_role_ms;
	uint32_t		 m_peer_active_id;	/* 0: none */
	uint64_t		 m_peer_active_ms;	/* since when */
	uint64_t		 m_peer_fault_until;
	struct event		*m_timer;
	uint64_t		 m_timer_at;
	/* gateway probe */
	int			 m_probe_fd;
	struct event		*m_probe_ev;
	struct in_addr		 m_gw;
	uint16_t		 m_probe_seq;
	int			 m_gw_ok;	/* last probe result */
};

static void evaluate_all(struct fosmon *);

static void
arm_at(struct fosmon *m, uint64_t at)
{
	uint64_t now = clock_monotonic_ms(), d = at > now ? at - now : 0;
	struct timeval tv = { d / 1000, (d % 1000) * 1000 + 1000 };

	if (evtimer_pending(m->m_timer, NULL) && m->m_timer_at <= at)
		return;
	m->m_timer_at = at;
	evtimer_add(m->m_timer, &tv);
}

static void
timer_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evaluate_all(arg);
}

/* ---- the gateway probe ---- */

int
fosmon_default_gateway(struct in_addr *gw)
{
	char line[256], ifn[64];
	unsigned dst, gwa, flags;
	FILE *fp = fopen("/proc/net/route", "re");
	int rv = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "%63s %x %x %x", ifn, &dst, &gwa,
		    &flags) == 4 && dst == 0 && (flags & 0x2) && gwa != 0) {
			gw->s_addr = gwa;	/* already network order */
			rv = 0;
			break;
		}
	fclose(fp);
	return rv;
}

static uint16_t
icmp_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static void
probe_end(struct fosmon *m, int ok)
{
	char a[INET_ADDRSTRLEN];

	if (m->m_probe_ev != NULL)
		event_free(m->m_probe_ev);
	if (m->m_probe_fd != -1)
		close(m->m_probe_fd);
	m->m_probe_ev = NULL;
	m->m_probe_fd = -1;
	m->m_gw_ok = ok ? 1 : -1;
	inet_ntop(AF_INET, &m->m_gw, a, sizeof(a));
	if (!ok)
		log_warnx("default gateway %s does not answer: a fault of "
		    "ours, not the active node's", a);
	else
		log_info("default gateway %s answers", a);
	evaluate_all(m);
}

static void
probe_cb(int fd, short what, void *arg)
{
	struct fosmon *m = arg;
	uint8_t buf[256];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	if (what & EV_TIMEOUT) {
		probe_end(m, 0);
		return;
	}
	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
	    (struct sockaddr *)&from, &fl)) > 0) {
		const struct ip *ip = (const struct ip *)buf;
		size_t hl = (size_t)ip->ip_hl * 4;
		const struct icmp *ic = (const struct icmp *)(buf + hl);

		if ((size_t)n < hl + 8 || from.sin_addr.s_addr !=
		    m->m_gw.s_addr || ic->icmp_type != ICMP_ECHOREPLY ||
		    ic->icmp_id != htons((uint16_t)getpid()) ||
		    ic->icmp_seq != htons(m->m_probe_seq))
			continue;
		probe_end(m, 1);
		return;
	}
}

/* Starts an echo to the default gateway; without one, it is "reached". */
static void
probe_start(struct fosmon *m)
{
	struct timeval tv = { FOSMON_PROBE_MS / 1000,
	    (FOSMON_PROBE_MS % 1000) * 1000 };
	struct sockaddr_in to;
	struct icmp ic;

	if (m->m_probe_fd != -1)
		return;
	if (fosmon_default_gateway(&m->m_gw) == -1) {
		log_debug("no default gateway to probe");
		m->m_gw_ok = 1;
		return;
	}
	m->m_probe_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, IPPROTO_ICMP);
	if (m->m_probe_fd == -1) {
		log_warn("gateway probe socket");
		m->m_gw_ok = 1;		/* cannot tell: trust the check */
		return;
	}
	memset(&ic, 0, sizeof(ic));
	ic.icmp_type = ICMP_ECHO;
	ic.icmp_id = htons((uint16_t)getpid());
	ic.icmp_seq = htons(++m->m_probe_seq);
	ic.icmp_cksum = icmp_sum(&ic, 8);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = m->m_gw;
	m->m_probe_ev = event_new(m->m_base, m->m_probe_fd,
	    EV_READ | EV_PERSIST, probe_cb, m);
	if (m->m_probe_ev == NULL || event_add(m->m_probe_ev, &tv) == -1 ||
	    sendto(m->m_probe_fd, &ic, 8, 0, (struct sockaddr *)&to,
	    sizeof(to)) == -1) {
		log_warn("gateway probe");
		probe_end(m, 0);
	}
}

/* ---- decisions ---- */

static void
set_local(struct fosmon *m, struct fsvc *f, int failed)
{
	f->f_local_failed = failed;
	if (failed)
		f->f_failed_ms = clock_monotonic_ms();
	log_warnx("fail-over service %s %s on this node (%s)", f->f_name,
	    failed ? "FAILED" : "is healthy again", f->f_reason);
	m->m_hooks.sh_local(f->f_name, failed, m->m_hooks.sh_arg);
}

static void
evaluate(struct fosmon *m, struct fsvc *f)
{
	uint64_t now = clock_monotonic_ms();
	uint64_t grace_end;

	if (f->f_last == L_UP) {
		if (f->f_remote_failed)
			log_info("fail-over service %s answers again on the "
			    "active node", f->f_name);
		f->f_remote_failed = 0;
		if (f->f_local_failed && now >= f->f_failed_ms + FOSMON_HOLD_MS)
			set_local(m, f, 0);
		else if (f->f_local_failed)
			arm_at(m, f->f_failed_ms + FOSMON_HOLD_MS);
		return;
	}
	if (f->f_last != L_DOWN)
		return;
	if (m->m_role == EL_ACTIVE && !f->f_local_failed) {
		grace_end = m->m_role_ms + f->f_grace_ms;
		if (now >= grace_end)
			set_local(m, f, 1);
		else
			arm_at(m, grace_end);
		return;
	}
	if (m->m_role != EL_BACKUP || f->f_remote_failed ||
	    m->m_peer_active_ms == 0)
		return;
	grace_end = m->m_peer_active_ms + f->f_grace_ms;
	if (now < grace_end) {
		arm_at(m, grace_end);
		return;
	}
	if (m->m_gw_ok == 0) {
		probe_start(m);
		return;
	}
	if (m->m_gw_ok < 0) {
		/* probe again later: our own fault may clear */
		m->m_gw_ok = 0;
		arm_at(m, now + FOSMON_HOLD_MS);
		return;
	}
	log_warnx("fail-over service %s fails on the active node (%s): "
	    "asking it to step down", f->f_name, f->f_reason);
	f->f_remote_failed = 1;
	m->m_gw_ok = 0;		/* probe again for the next decision */
	m->m_hooks.sh_changed(m->m_hooks.sh_arg);
}

static void
evaluate_all(struct fosmon *m)
{
	for (size_t i = 0; i < m->m_nsvcs; i++)
		evaluate(m, &m->m_svcs[i]);
	if (m->m_peer_fault_until == 0)
		return;
	if (fosmon_fault(m)) {
		arm_at(m, m->m_peer_fault_until);
		return;
	}
	log_info("no backup reports our fail-over service failing any more");
	m->m_peer_fault_until = 0;
	m->m_hooks.sh_changed(m->m_hooks.sh_arg);
}

/* ---- the set ---- */

struct fosmon *
fosmon_new(struct event_base *base, const struct services_hooks *h)
{
	struct fosmon *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->m_base = base;
	m->m_hooks = *h;
	m->m_probe_fd = -1;
	m->m_role = EL_INIT;
	if ((m->m_timer = evtimer_new(base, timer_cb, m)) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

static void
svcs_free(struct fsvc *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].f_print);
	free(s);
}

void
fosmon_free(struct fosmon *m)
{
	if (m == NULL)
		return;
	if (m->m_probe_ev != NULL)
		event_free(m->m_probe_ev);
	if (m->m_probe_fd != -1)
		close(m->m_probe_fd);
	event_free(m->m_timer);
	svcs_free(m->m_svcs, m->m_nsvcs);
	free(m);
}

int
fosmon_load(struct fosmon *m, const struct shoal_config *c)
{
	const struct cfg_virtual *v;
	struct fsvc *ns, *old;
	size_t n = 0, k = 0;

	TAILQ_FOREACH(v, &c->c_failovers, vs_entry)
		n++;
	if ((ns = calloc(n + 1, sizeof(*ns))) == NULL)
		return -1;
	if (c->c_global.g_service == CFG_MODE_FOS)
		TAILQ_FOREACH(v, &c->c_failovers, vs_entry) {
			uint32_t iv = v->vs_check_interval_ms ?
			    v->vs_check_interval_ms : v->vs_timeout_ms;
			struct fsvc *f = &ns[k];

			if (!v->vs_active)
				continue;
			str_copy(f->f_name, v->vs_name, sizeof(f->f_name));
			if ((f->f_print = lvs_fingerprint(c, v)) == NULL) {
				svcs_free(ns, k);
				return -1;
			}
			f->f_grace_ms = 2 * iv + 1000;
			for (size_t j = 0; j < m->m_nsvcs; j++) {
				old = &m->m_svcs[j];
				if (strcmp(old->f_name, f->f_name) != 0)
					continue;
				f->f_last = old->f_last;
				f->f_local_failed = old->f_local_failed;
				f->f_failed_ms = old->f_failed_ms;
				f->f_remote_failed = old->f_remote_failed;
				memcpy(f->f_reason, old->f_reason,
				    sizeof(f->f_reason));
			}
			k++;
		}
	svcs_free(m->m_svcs, m->m_nsvcs);
	m->m_svcs = ns;
	m->m_nsvcs = k;
	return 0;
}

void
fosmon_want_nannies(const struct fosmon *m, struct nannies *ns)
{
	for (size_t i = 0; i < m->m_nsvcs; i++)
		(void)nannies_want(ns, NANNIES_FAILOVER, m->m_svcs[i].f_name,
		    m->m_svcs[i].f_print);
}

void
fosmon_restart_nannies(const struct fosmon *m, struct nannies *ns)
{
	for (size_t i = 0; i < m->m_nsvcs; i++)
		(void)nannies_restart(ns, NANNIES_FAILOVER,
		    m->m_svcs[i].f_name);
}

void
fosmon_role(struct fosmon *m, enum el_state st)
{
	if (st == m->m_role)
		return;
	m->m_role = st;
	m->m_role_ms = clock_monotonic_ms();
	m->m_peer_active_id = 0;	/* learnt again from the next packets */
	m->m_peer_active_ms = 0;
	for (size_t i = 0; i < m->m_nsvcs; i++) {
		m->m_svcs[i].f_last = L_UNKNOWN;
		m->m_svcs[i].f_remote_failed = 0;
	}
}

void
fosmon_report(struct fosmon *m, const char *name,
    const struct nanny_report *r)
{
	for (size_t i = 0; i < m->m_nsvcs; i++) {
		struct fsvc *f = &m->m_svcs[i];

		if (strcmp(f->f_name, name) != 0)
			continue;
		f->f_last = r->nr_state == NANNY_UP ? L_UP : L_DOWN;
		str_copy(f->f_reason, r->nr_reason, sizeof(f->f_reason));
		log_info("fail-over service %s checked %s on %s (%s)", name,
		    nanny_state_name(r->nr_state), m->m_role == EL_ACTIVE ?
		    "this node" : "the active node", r->nr_reason);
		evaluate(m, f);
	}
}

void
fosmon_peer(struct fosmon *m, uint32_t id, enum el_state st, uint8_t flags)
{
	uint64_t now = clock_monotonic_ms();

	/* which peer is ACTIVE, and since when (others' packets aside) */
	if (st == EL_ACTIVE && m->m_peer_active_id != id) {
		m->m_peer_active_id = id;
		m->m_peer_active_ms = now;
		evaluate_all(m);
	} else if (st != EL_ACTIVE && m->m_peer_active_id == id) {
		m->m_peer_active_id = 0;
		m->m_peer_active_ms = 0;
	}
	if ((flags & HB_F_SVC_FAILED) && m->m_role == EL_ACTIVE &&
	    st == EL_BACKUP && m->m_nsvcs > 0) {
		if (m->m_peer_fault_until == 0)
			log_warnx("a backup reports our fail-over service "
			    "failing: stepping down");
		m->m_peer_fault_until = now + FOSMON_HOLD_MS;
		arm_at(m, m->m_peer_fault_until);
		m->m_hooks.sh_changed(m->m_hooks.sh_arg);
	}
}

uint8_t
fosmon_hb_flags(const struct fosmon *m)
{
	if (m->m_role != EL_BACKUP)
		return 0;
	for (size_t i = 0; i < m->m_nsvcs; i++)
		if (m->m_svcs[i].f_remote_failed)
			return HB_F_SVC_FAILED;
	return 0;
}

int
fosmon_fault(const struct fosmon *m)
{
	return m->m_peer_fault_until != 0 &&
	    clock_monotonic_ms() < m->m_peer_fault_until;
}

json_t *
fosmon_json(const struct fosmon *m)
{
	static const char *const last[] = { "unknown", "down", "up" };
	json_t *a = json_array();

	for (size_t i = 0; i < m->m_nsvcs; i++) {
		const struct fsvc *f = &m->m_svcs[i];

		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, "
		    "s:b}", "name", f->f_name, "check", last[f->f_last],
		    "reason", f->f_reason, "failed_here", f->f_local_failed,
		    "failing_on_active", f->f_remote_failed));
	}
	return a;
}
