/*
 * worker.c - the pulse worker (see worker.h).
 *
 * Everything happens on one event loop: a keepalive timer sends
 * heartbeats (and refreshes held VIPs), received packets update the peer
 * table, and after every piece of news election_step() says what this
 * node should be; a wake timer re-runs it when a peer would die.
 */
#include "shoal-build.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "lib/log.h"
#include "lib/notify.h"
#include "lib/util.h"
#include "net/rtnl.h"
#include "control.h"
#include "election.h"
#include "fos.h"
#include "heartbeat.h"
#include "leave.h"
#include "load.h"
#include "runtime.h"
#include "services.h"
#include "vip.h"
#include "worker.h"

#define HISTORY			16	/* transitions kept for status */
#define SHUTDOWN_WAIT_MS	(FOS_CMD_TIMEOUT_MS + 2000)
#define REJECT_LOG_MS		10000	/* at most one log per reason */

struct peer {
	struct el_peer		 p_el;
	uint64_t		 p_seq;		/* last accepted sequence */
	uint64_t		 p_generation;
	uint8_t			 p_hash[HB_HASH_LEN];
	uint64_t		 p_rx;
};

struct transition {
	int64_t			 t_time;	/* unix seconds */
	enum el_state		 t_from;
	enum el_state		 t_to;
	enum el_reason		 t_reason;
	char			 t_detail[96];
};

struct link {
	char			 l_name[IFNAMSIZ];
	int			 l_usable;
};

struct worker {
	const struct pulse_opts *w_opts;
	struct event_base	*w_base;
	struct pulse_rt		*w_rt;
	struct shoal_config	*w_cfg;		/* the whole configuration */
	struct peer		*w_peers;	/* parallel to rt_nodes */
	struct el_self		 w_self;
	int64_t			 w_since;	/* unix seconds of es_state */
	uint64_t		 w_seq;
	int			 w_fd4, w_fd6;
	struct event		*w_ev4, *w_ev6;
	struct event		*w_keepalive, *w_wake, *w_quit;
	struct event		*w_sigs[4];
	struct rtnl		*w_nl, *w_mon;
	struct event		*w_monev;
	struct link		*w_links;
	size_t			 w_nlinks;
	unsigned char		*w_fos_failed;	/* parallel to rt_fos */
	struct vipset		*w_vips;
	struct control		*w_ctl;
	struct services		*w_svc;		/* nannies, LVS, FOS checks */
	int			 w_stopping;
	uint64_t		 w_stop_deadline;
	/* counters */
	uint64_t		 w_sent, w_send_errors, w_received;
	uint64_t		 w_rejected[HB_ERR__MAX];
	uint64_t		 w_reject_logged[HB_ERR__MAX];
	struct transition	 w_hist[HISTORY];
	size_t			 w_nhist;
};

static void evaluate(struct worker *);

static const char *
mode_lc(const struct worker *w)
{
	return w->w_rt->rt_mode == CFG_MODE_FOS ? "fos" : "lvs";
}

static const char *
mode_uc(const struct worker *w)
{
	return w->w_rt->rt_mode == CFG_MODE_FOS ? "FOS" : "LVS";
}

static const struct rt_node *
self_node(const struct worker *w)
{
	return &w->w_rt->rt_nodes[w->w_rt->rt_self];
}

/* ---- heartbeats out ---- */

/*
 * Our own address to send from on path j: the kernel would pick a VIP in
 * the same subnet (IPv6 prefers it), and peers only accept our addresses.
 */
static const struct cfg_addr *
source_for(const struct worker *w, const struct cfg_addr *dst, size_t j)
{
	const struct rt_node *self = self_node(w);

	if (j < self->rn_naddrs && self->rn_addrs[j].family == dst->family)
		return &self->rn_addrs[j];
	for (size_t i = 0; i < self->rn_naddrs; i++)
		if (self->rn_addrs[i].family == dst->family)
			return &self->rn_addrs[i];
	return NULL;
}

/* sendto() from src (IP_PKTINFO / IPV6_PKTINFO); src NULL = kernel's
 * choice. */
static ssize_t
send_from(int fd, const uint8_t *buf, size_t len,
    const struct sockaddr_storage *to, socklen_t tolen,
    const struct cfg_addr *src)
{
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg;
	struct cmsghdr *cm;

	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_name = (void *)to;
	msg.msg_namelen = tolen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (src != NULL) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&msg);
		if (src->family == AF_INET) {
			struct in_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = src->u.v4;
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
			msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		} else {
			struct in6_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			pi.ipi6_addr = src->u.v6;
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
			msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		}
	}
	return sendmsg(fd, &msg, 0);
}

static void
send_one(struct worker *w, const struct cfg_addr *a, size_t j, uint8_t flags)
{
	const struct pulse_rt *rt = w->w_rt;
	struct sockaddr_storage ss;
	struct hb_packet p;
	uint8_t buf[HB_MAX_LEN];
	socklen_t sl;
	int fd = a->family == AF_INET ? w->w_fd4 : w->w_fd6, n;

	memset(&p, 0, sizeof(p));
	p.hp_state = (uint8_t)w->w_self.es_state;
	p.hp_flags = flags | services_hb_flags(w->w_svc);
	p.hp_priority = (uint8_t)w->w_self.es_priority;
	p.hp_cluster = rt->rt_cluster;
	p.hp_node = self_node(w)->rn_id;
	p.hp_generation = rt->rt_generation;
	memcpy(p.hp_hash, rt->rt_hash_prefix, HB_HASH_LEN);
	p.hp_seq = w->w_seq;
	w->w_seq = heartbeat_seq_next(w->w_seq, pulse_realtime_ms());
	n = heartbeat_encode(&p, rt->rt_key, rt->rt_keylen, buf, sizeof(buf));
	if (fd == -1 || n == -1 || cfg_addr_to_sockaddr(a, rt->rt_port, &ss, &sl) == -1)
		return;
	if (send_from(fd, buf, (size_t)n, &ss, sl, source_for(w, a, j)) ==
	    -1) {
		if (w->w_send_errors++ == 0)
			log_warn("heartbeat send");
		else
			log_debug("heartbeat send: %s", strerror(errno));
		return;
	}
	w->w_sent++;
}

/* One heartbeat to every peer on every path. */
static void
send_heartbeats(struct worker *w, uint8_t flags)
{
	const struct pulse_rt *rt = w->w_rt;

	for (size_t i = 0; i < rt->rt_nnodes; i++) {
		if (i == rt->rt_self)
			continue;
		for (size_t j = 0; j < rt->rt_nodes[i].rn_naddrs; j++)
			send_one(w, &rt->rt_nodes[i].rn_addrs[j], j, flags);
	}
}

static void
keepalive_cb(int fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	send_heartbeats(w, 0);
	if (w->w_self.es_state == EL_ACTIVE)
		vipset_refresh(w->w_vips);
}

static void
arm_keepalive(struct worker *w)
{
	struct timeval tv = { w->w_rt->rt_keepalive_ms / 1000,
	    (w->w_rt->rt_keepalive_ms % 1000) * 1000 };

	evtimer_del(w->w_keepalive);
	event_assign(w->w_keepalive, w->w_base, -1, EV_PERSIST, keepalive_cb,
	    w);
	evtimer_add(w->w_keepalive, &tv);
}

/* ---- heartbeats in ---- */

struct rx {
	struct worker			*rx_w;
	const struct sockaddr_storage	*rx_from;
	int				 rx_index;
};

/* The peer's sequence slot when id is a peer and from is one of its
 * addresses; NULL otherwise (unknown sender). */
static uint64_t *
rx_lookup(uint32_t id, void *arg)
{
	struct rx *rx = arg;
	const struct pulse_rt *rt = rx->rx_w->w_rt;
	struct cfg_addr from;
	int i = runtime_node_index(rt, id);

	if (i == -1 || cfg_addr_from_sockaddr(&from,
	    (const struct sockaddr *)rx->rx_from) == -1)
		return NULL;
	for (size_t j = 0; j < rt->rt_nodes[i].rn_naddrs; j++)
		if (cfg_addr_equal(&rt->rt_nodes[i].rn_addrs[j], &from)) {
			rx->rx_index = i;
			return &rx->rx_w->w_peers[i].p_seq;
		}
	return NULL;
}

static void
count_reject(struct worker *w, enum hb_err e,
    const struct sockaddr_storage *from)
{
	struct cfg_addr a;
	char buf[CFG_ADDR_STRLEN] = "?";
	uint64_t now = clock_monotonic_ms();

	w->w_rejected[e]++;
	if (cfg_addr_from_sockaddr(&a, (const struct sockaddr *)from) == 0)
		cfg_addr_str(&a, buf, sizeof(buf));
	if (w->w_reject_logged[e] != 0 &&
	    now < w->w_reject_logged[e] + REJECT_LOG_MS) {
		log_debug("heartbeat from %s dropped: %s", buf,
		    heartbeat_err_name(e));
		return;
	}
	w->w_reject_logged[e] = now;
	log_warnx("heartbeat from %s dropped: %s (%llu so far)", buf,
	    heartbeat_err_name(e), (unsigned long long)w->w_rejected[e]);
}

static void
accept_packet(struct worker *w, int i, const struct hb_packet *p)
{
	struct peer *pe = &w->w_peers[i];
	int was_alive = election_peer_alive(&pe->p_el, clock_monotonic_ms(),
	    w->w_rt->rt_deadtime_ms);
	enum el_state before = pe->p_el.ep_state;

	pe->p_el.ep_heard = 1;
	pe->p_el.ep_last_ms = clock_monotonic_ms();
	pe->p_el.ep_priority = p->hp_priority;
	pe->p_el.ep_state = (enum el_state)p->hp_state;
	pe->p_el.ep_leaving = (p->hp_flags & HB_F_LEAVING) != 0;
	pe->p_generation = p->hp_generation;
	memcpy(pe->p_hash, p->hp_hash, HB_HASH_LEN);
	pe->p_rx++;
	w->w_received++;
	services_peer(w->w_svc, p->hp_node, pe->p_el.ep_state, p->hp_flags);
	/*
	 * The node we took the addresses from has let go.  Until then both
	 * held them, and a gratuitous ARP it sent in that window (its own
	 * series of arp_count) may have pointed the clients back to it:
	 * announce again now rather than at our next arp_interval.
	 */
	if (w->w_self.es_state == EL_ACTIVE && before == EL_ACTIVE &&
	    was_alive && pe->p_el.ep_state != EL_ACTIVE) {
		log_info("partner %s released the addresses: announcing them "
		    "again", w->w_rt->rt_nodes[i].rn_name);
		vipset_announce(w->w_vips);
	}
	if (pe->p_el.ep_leaving)
		log_info("partner %s is leaving", w->w_rt->rt_nodes[i].rn_name);
	else if (!was_alive)
		log_info("partner %s alive (%s, priority %d)",
		    w->w_rt->rt_nodes[i].rn_name,
		    election_state_name(pe->p_el.ep_state),
		    pe->p_el.ep_priority);
}

static void
recv_cb(int fd, short what, void *arg)
{
	struct worker *w = arg;
	struct sockaddr_storage from;
	socklen_t fl;
	struct hb_packet p;
	struct hb_ctx ctx;
	struct rx rx;
	uint8_t buf[512];
	ssize_t n;
	enum hb_err e;

	(void)what;
	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
		    (struct sockaddr *)&from, &fl);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("heartbeat receive");
			break;
		}
		rx.rx_w = w;
		rx.rx_from = &from;
		rx.rx_index = -1;
		memset(&ctx, 0, sizeof(ctx));
		ctx.hc_cluster = w->w_rt->rt_cluster;
		ctx.hc_self = self_node(w)->rn_id;
		ctx.hc_key = w->w_rt->rt_key;
		ctx.hc_keylen = w->w_rt->rt_keylen;
		ctx.hc_lookup = rx_lookup;
		ctx.hc_arg = &rx;
		/* MSG_TRUNC: n is the real size, so oversize is seen */
		e = heartbeat_decode(&ctx, buf, (size_t)n > sizeof(buf) ?
		    sizeof(buf) : (size_t)n, &p);
		if (e == HB_OK && (size_t)n > sizeof(buf))
			e = HB_ERR_SIZE;
		if (e != HB_OK) {
			count_reject(w, e, &from);
			continue;
		}
		accept_packet(w, rx.rx_index, &p);
	}
	if (!w->w_stopping)
		evaluate(w);
}

static int
open_socket(struct worker *w, int family)
{
	struct sockaddr_storage ss;
	struct cfg_addr any;
	socklen_t sl = 0;
	int fd, on = 1, tos = 0xc0;	/* DSCP CS6: network control */

	memset(&any, 0, sizeof(any));
	any.family = family;
	if ((fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("heartbeat socket");
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	if (family == AF_INET)
		(void)setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	else
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos,
		    sizeof(tos));
	cfg_addr_to_sockaddr(&any, w->w_rt->rt_port, &ss, &sl);
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		log_warn("heartbeat socket: bind port %u", w->w_rt->rt_port);
		close(fd);
		return -1;
	}
	return fd;
}

static void
close_sockets(struct worker *w)
{
	if (w->w_ev4 != NULL)
		event_free(w->w_ev4);
	if (w->w_ev6 != NULL)
		event_free(w->w_ev6);
	if (w->w_fd4 != -1)
		close(w->w_fd4);
	if (w->w_fd6 != -1)
		close(w->w_fd6);
	w->w_ev4 = w->w_ev6 = NULL;
	w->w_fd4 = w->w_fd6 = -1;
}

/* IPv4 always (Piranha files are IPv4); IPv6 when a node has an IPv6
 * heartbeat address. */
static int
open_sockets(struct worker *w)
{
	int v6 = 0;

	for (size_t i = 0; i < w->w_rt->rt_nnodes; i++)
		for (size_t j = 0; j < w->w_rt->rt_nodes[i].rn_naddrs; j++)
			if (w->w_rt->rt_nodes[i].rn_addrs[j].family == AF_INET6)
				v6 = 1;
	if ((w->w_fd4 = open_socket(w, AF_INET)) == -1)
		return -1;
	if (v6 && (w->w_fd6 = open_socket(w, AF_INET6)) == -1)
		return -1;
	w->w_ev4 = event_new(w->w_base, w->w_fd4, EV_READ | EV_PERSIST,
	    recv_cb, w);
	if (w->w_ev4 == NULL || event_add(w->w_ev4, NULL) == -1)
		return -1;
	if (w->w_fd6 != -1) {
		w->w_ev6 = event_new(w->w_base, w->w_fd6,
		    EV_READ | EV_PERSIST, recv_cb, w);
		if (w->w_ev6 == NULL || event_add(w->w_ev6, NULL) == -1)
			return -1;
	}
	return 0;
}

/* ---- transitions ---- */

static void
record(struct worker *w, enum el_state from, enum el_state to,
    enum el_reason why, const char *detail)
{
	struct transition *t;

	if (w->w_nhist == HISTORY) {
		memmove(&w->w_hist[0], &w->w_hist[1],
		    sizeof(w->w_hist[0]) * (HISTORY - 1));
		w->w_nhist--;
	}
	t = &w->w_hist[w->w_nhist++];
	t->t_time = time(NULL);
	t->t_from = from;
	t->t_to = to;
	t->t_reason = why;
	str_copy(t->t_detail, detail, sizeof(t->t_detail));
}

static void
log_transition(struct worker *w, enum el_state from, enum el_state to,
    enum el_reason why, const char *peer)
{
	if (from == EL_INIT && to == EL_ACTIVE)
		log_info("STARTING PULSE AS MASTER");
	else if (from == EL_INIT && to == EL_BACKUP)
		log_info("STARTING PULSE AS BACKUP");
	if (to == EL_ACTIVE && why == EL_R_PEER_DEAD)
		log_info("partner dead: activating %s (%s)", mode_lc(w), peer);
	else if (to == EL_ACTIVE && why == EL_R_PEER_LEAVING)
		log_info("partner dead: activating %s (%s is leaving)",
		    mode_lc(w), peer);
	else if (to == EL_ACTIVE && from != EL_INIT)
		log_info("%s: activating %s", election_reason_str(why),
		    mode_lc(w));
	else if (from == EL_ACTIVE && why == EL_R_HIGHER_ACTIVE)
		log_info("partner active: deactivating %s (%s)", mode_uc(w),
		    peer);
	else if (from == EL_ACTIVE)
		log_info("%s: deactivating %s", election_reason_str(why),
		    mode_uc(w));
	if (to == EL_FAULT)
		log_warnx("entering FAULT state: not a candidate until the "
		    "fault clears");
	else if (from == EL_FAULT)
		log_info("fault cleared: rejoining as backup");
}

static void
become_active(struct worker *w)
{
	int failed = vipset_up(w->w_vips);

	if (failed > 0)
		log_warnx("%d virtual address(es) could not be added", failed);
	fos_activate(w->w_base, w->w_rt);
}

static void
become_inactive(struct worker *w)
{
	(void)vipset_down(w->w_vips);
	fos_deactivate(w->w_base, w->w_rt);
}

static void
set_state(struct worker *w, enum el_state to, enum el_reason why, int peer)
{
	enum el_state from = w->w_self.es_state;
	const char *pname = peer >= 0 ? w->w_rt->rt_nodes[peer].rn_name : "";
	char detail[96], st[64];

	if (from == to)
		return;
	log_transition(w, from, to, why, pname);
	snprintf(detail, sizeof(detail), "%s%s%s", election_reason_str(why),
	    *pname ? ": " : "", pname);
	record(w, from, to, why, detail);
	w->w_self.es_state = to;
	w->w_self.es_since_ms = clock_monotonic_ms();
	w->w_since = time(NULL);
	if (to == EL_ACTIVE)
		become_active(w);
	else if (from == EL_ACTIVE)
		become_inactive(w);
	services_role(w->w_svc, to);
	/* tell the peers at once rather than at the next keepalive */
	send_heartbeats(w, 0);
	snprintf(st, sizeof(st), "%s", election_state_name(to));
	notify_status(st);
}

static void
wake_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evaluate(arg);
}

static void
fill_peers(const struct worker *w, struct el_peer *out, int *map)
{
	size_t n = 0;

	for (size_t i = 0; i < w->w_rt->rt_nnodes; i++) {
		if (i == w->w_rt->rt_self)
			continue;
		out[n] = w->w_peers[i].p_el;
		map[n++] = (int)i;
	}
}

/* Runs the election and applies its verdict; re-arms the wake timer. */
static void
evaluate(struct worker *w)
{
	size_t np = w->w_rt->rt_nnodes - 1;
	struct el_peer peers[np > 0 ? np : 1];
	int map[np > 0 ? np : 1];
	struct el_params pa = { w->w_rt->rt_deadtime_ms, w->w_rt->rt_preempt,
	    w->w_rt->rt_preempt_delay_ms };
	struct el_result r;
	uint64_t now;

	if (w->w_stopping)
		return;
	for (int guard = 0; guard < 4; guard++) {
		now = clock_monotonic_ms();
		fill_peers(w, peers, map);
		election_step(&w->w_self, peers, np, &pa, now, &r);
		if (r.er_state == w->w_self.es_state)
			break;
		set_state(w, r.er_state, r.er_reason,
		    r.er_peer >= 0 ? map[r.er_peer] : -1);
	}
	evtimer_del(w->w_wake);
	if (r.er_wake_ms != 0) {
		uint64_t d = r.er_wake_ms > now ? r.er_wake_ms - now : 0;
		struct timeval tv = { d / 1000, (d % 1000) * 1000 };

		evtimer_add(w->w_wake, &tv);
	}
}

/* ---- faults: links and failed services ---- */

static void
update_fault(struct worker *w)
{
	int fault = 0;

	if (w->w_rt->rt_monitor_links)
		for (size_t i = 0; i < w->w_nlinks; i++)
			if (!w->w_links[i].l_usable)
				fault = 1;
	for (size_t i = 0; i < w->w_rt->rt_nfos; i++)
		if (w->w_fos_failed[i])
			fault = 1;
	if (w->w_svc != NULL && services_fault(w->w_svc))
		fault = 1;
	w->w_self.es_fault = fault;
}

static void
link_event(const struct rtnl_link *l, void *arg)
{
	struct worker *w = arg;

	for (size_t i = 0; i < w->w_nlinks; i++) {
		struct link *k = &w->w_links[i];
		int usable = l->rl_usable && !l->rl_deleted;

		if (strcmp(k->l_name, l->rl_name) != 0 || k->l_usable == usable)
			continue;
		k->l_usable = usable;
		if (usable)
			log_info("link %s is up", k->l_name);
		else
			log_warnx("link %s is down", k->l_name);
	}
}

static void
query_links(struct worker *w)
{
	struct rtnl_link l;

	for (size_t i = 0; i < w->w_nlinks; i++) {
		if (rtnl_link_get(w->w_nl, w->w_links[i].l_name, &l) == -1) {
			w->w_links[i].l_usable = 0;
			continue;
		}
		w->w_links[i].l_usable = l.rl_usable;
	}
}

static void
monitor_cb(int fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	if (rtnl_monitor_read(w->w_mon, link_event, w) == -1) {
		log_warn("link events lost; re-reading links");
		query_links(w);
	}
	update_fault(w);
	evaluate(w);
}

static int
setup_links(struct worker *w)
{
	struct link *nl;

	nl = calloc(w->w_rt->rt_nifaces + 1, sizeof(*nl));
	if (nl == NULL)
		return -1;
	for (size_t i = 0; i < w->w_rt->rt_nifaces; i++)
		str_copy(nl[i].l_name, w->w_rt->rt_ifaces[i], IFNAMSIZ);
	free(w->w_links);
	w->w_links = nl;
	w->w_nlinks = w->w_rt->rt_nifaces;
	query_links(w);
	for (size_t i = 0; i < w->w_nlinks; i++)
		if (!w->w_links[i].l_usable)
			log_warnx("link %s is down%s", w->w_links[i].l_name,
			    w->w_rt->rt_monitor_links ? "" :
			    " (monitor_links off: ignored)");
	return 0;
}

/* ---- reload ---- */

/* Moves what we know about peers that stay into the new table. */
static struct peer *
remap_peers(const struct worker *w, const struct pulse_rt *nrt)
{
	struct peer *np = calloc(nrt->rt_nnodes, sizeof(*np));
	int old;

	if (np == NULL)
		return NULL;
	for (size_t i = 0; i < nrt->rt_nnodes; i++) {
		np[i].p_el.ep_id = nrt->rt_nodes[i].rn_id;
		np[i].p_el.ep_state = EL_INIT;
		if (w->w_peers != NULL && (old = runtime_node_index(w->w_rt,
		    nrt->rt_nodes[i].rn_id)) != -1)
			np[i] = w->w_peers[old];
	}
	return np;
}

/* Role commands for fail-over services that came or went while active. */
static void
fos_diff(struct worker *w, const struct pulse_rt *nrt)
{
	char what[CFG_NAME_MAX + 32];
	const struct pulse_rt *ort = w->w_rt;

	if (w->w_self.es_state != EL_ACTIVE)
		return;
	for (size_t i = 0; i < ort->rt_nfos; i++) {
		size_t j;

		for (j = 0; j < nrt->rt_nfos; j++)
			if (strcmp(ort->rt_fos[i].rf_name,
			    nrt->rt_fos[j].rf_name) == 0)
				break;
		if (j < nrt->rt_nfos)
			continue;
		snprintf(what, sizeof(what), "stop_cmd of %s",
		    ort->rt_fos[i].rf_name);
		(void)fos_run(w->w_base, what, ort->rt_fos[i].rf_stop_cmd);
	}
	for (size_t j = 0; j < nrt->rt_nfos; j++) {
		size_t i;

		for (i = 0; i < ort->rt_nfos; i++)
			if (strcmp(ort->rt_fos[i].rf_name,
			    nrt->rt_fos[j].rf_name) == 0)
				break;
		if (i < ort->rt_nfos)
			continue;
		snprintf(what, sizeof(what), "start_cmd of %s",
		    nrt->rt_fos[j].rf_name);
		(void)fos_run(w->w_base, what, nrt->rt_fos[j].rf_start_cmd);
	}
}

/* Applies nrt (owned by the worker from now on).  0 or -1 with err. */
static int
apply(struct worker *w, struct pulse_rt *nrt, char *err, size_t errlen)
{
	struct peer *np;
	unsigned char *nf;
	int port_changed = nrt->rt_port != w->w_rt->rt_port;

	if (strcmp(nrt->rt_nodes[nrt->rt_self].rn_name,
	    self_node(w)->rn_name) != 0) {
		snprintf(err, errlen, "this node is now %s (was %s): restart "
		    "pulse to change identity",
		    nrt->rt_nodes[nrt->rt_self].rn_name, self_node(w)->rn_name);
		return -1;
	}
	if ((np = remap_peers(w, nrt)) == NULL ||
	    (nf = calloc(nrt->rt_nfos + 1, 1)) == NULL) {
		free(np);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (vipset_update(w->w_vips, nrt) == -1)
		log_warnx("reload: VIP update failed");
	fos_diff(w, nrt);
	free(w->w_peers);
	w->w_peers = np;
	free(w->w_fos_failed);
	w->w_fos_failed = nf;
	runtime_free(w->w_rt);
	w->w_rt = nrt;
	w->w_self.es_priority = self_node(w)->rn_priority;
	arm_keepalive(w);
	if (port_changed) {
		close_sockets(w);
		if (open_sockets(w) == -1)
			log_warnx("reload: heartbeat sockets on port %u failed",
			    nrt->rt_port);
	}
	(void)setup_links(w);
	update_fault(w);
	/* reconcile with what the kernel really has, not only the old list */
	if (w->w_self.es_state == EL_ACTIVE)
		vipset_refresh(w->w_vips);
	else
		(void)vipset_down(w->w_vips);
	return 0;
}

/*
 * Tells the supervisor what to clean up should this process die: the
 * VIPs of rt and whom to tell (leave.h).
 */
static void
send_plan(const struct worker *w, const struct pulse_rt *rt)
{
	struct leave_plan lp;
	uint8_t *buf;
	size_t len = 0;

	if (w->w_opts->po_super_fd == -1)
		return;
	if (leave_plan_build(rt, &lp) == -1) {
		log_warnx("leave plan: out of memory: the supervisor keeps "
		    "the previous one");
		return;
	}
	if ((buf = leave_plan_encode(&lp, &len)) == NULL)
		log_warnx("leave plan: too large (%zu addresses, %zu peer "
		    "paths): the supervisor keeps the previous one",
		    lp.lp_nvips, lp.lp_npeers);
	else if (send(w->w_opts->po_super_fd, buf, len,
	    MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
		log_warn("leave plan: cannot hand it to the supervisor");
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	leave_plan_clear(&lp);
}

static int
reload(struct worker *w, char *err, size_t errlen)
{
	struct pulse_rt *nrt;
	struct shoal_config *ncfg;
	struct diag d;
	struct diag_item *di;
	char *msg;

	notify_reloading();
	diag_init(&d);
	if (pulse_load(w->w_opts->po_db, w->w_opts->po_node, &nrt, &ncfg,
	    &d) == -1) {
		TAILQ_FOREACH(di, &d.d_items, di_entry)
			if ((msg = diag_format(di)) != NULL) {
				log_warnx("reload: %s", msg);
				if (di->di_sev == DIAG_ERROR && err[0] == '\0')
					str_copy(err, msg, errlen);
				free(msg);
			}
		diag_clear(&d);
		log_warnx("reload failed: keeping generation %llu",
		    (unsigned long long)w->w_rt->rt_generation);
		notify_ready();
		return -1;
	}
	diag_clear(&d);
	/* before apply() adds anything: the new VIPs must be in the plan */
	send_plan(w, nrt);
	if (apply(w, nrt, err, errlen) == -1) {
		send_plan(w, w->w_rt);
		log_warnx("reload refused: %s", err);
		runtime_free(nrt);
		config_free(ncfg);
		notify_ready();
		return -1;
	}
	config_free(w->w_cfg);
	w->w_cfg = ncfg;
	log_info("reloaded configuration generation %llu",
	    (unsigned long long)w->w_rt->rt_generation);
	services_reload(w->w_svc);
	notify_ready();
	/* announce the new generation at once */
	send_heartbeats(w, 0);
	evaluate(w);
	return 0;
}

/* ---- status and control ---- */

static void
hash_hex(const uint8_t *h, char *out)
{
	for (size_t i = 0; i < HB_HASH_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static json_t *
peer_json(const struct worker *w, size_t i, uint64_t now)
{
	const struct rt_node *n = &w->w_rt->rt_nodes[i];
	const struct peer *p = &w->w_peers[i];
	json_t *addrs = json_array(), *o;
	char a[CFG_ADDR_STRLEN], h[2 * HB_HASH_LEN + 1];
	int alive = election_peer_alive(&p->p_el, now, w->w_rt->rt_deadtime_ms);

	for (size_t j = 0; j < n->rn_naddrs; j++)
		json_array_append_new(addrs, json_string(cfg_addr_str(
		    &n->rn_addrs[j], a, sizeof(a))));
	hash_hex(p->p_hash, h);
	o = json_pack("{s:s, s:o, s:s, s:i, s:b, s:b, s:I, s:s, s:b, s:I}",
	    "name", n->rn_name, "addresses", addrs, "state",
	    p->p_el.ep_heard ? election_state_name(p->p_el.ep_state) :
	    "unknown", "priority", p->p_el.ep_heard ? p->p_el.ep_priority :
	    n->rn_priority, "alive", alive, "leaving", p->p_el.ep_leaving,
	    "generation", (json_int_t)p->p_generation, "hash", h,
	    "matches_ours", p->p_el.ep_heard &&
	    p->p_generation == w->w_rt->rt_generation &&
	    memcmp(p->p_hash, w->w_rt->rt_hash_prefix, HB_HASH_LEN) == 0,
	    "received", (json_int_t)p->p_rx);
	json_object_set_new(o, "last_heard_ms", p->p_el.ep_heard ?
	    json_integer((json_int_t)(now - p->p_el.ep_last_ms)) :
	    json_null());
	return o;
}

static json_t *
counters_json(const struct worker *w)
{
	json_t *rej = json_object();

	for (int e = HB_OK + 1; e < HB_ERR__MAX; e++)
		json_object_set_new(rej, heartbeat_err_name(e),
		    json_integer((json_int_t)w->w_rejected[e]));
	return json_pack("{s:I, s:I, s:I, s:o}", "sent",
	    (json_int_t)w->w_sent, "send_errors", (json_int_t)w->w_send_errors,
	    "received", (json_int_t)w->w_received, "rejected", rej);
}

static json_t *
history_json(const struct worker *w)
{
	json_t *a = json_array();

	for (size_t i = w->w_nhist; i-- > 0;) {
		const struct transition *t = &w->w_hist[i];

		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s}",
		    "time", (json_int_t)t->t_time, "from",
		    election_state_name(t->t_from), "to",
		    election_state_name(t->t_to), "reason", t->t_detail));
	}
	return a;
}

static json_t *
faults_json(const struct worker *w)
{
	json_t *links = json_array(), *failed = json_array();

	for (size_t i = 0; i < w->w_nlinks; i++)
		json_array_append_new(links, json_pack("{s:s, s:b}", "name",
		    w->w_links[i].l_name, "up", w->w_links[i].l_usable));
	for (size_t i = 0; i < w->w_rt->rt_nfos; i++)
		if (w->w_fos_failed[i])
			json_array_append_new(failed,
			    json_string(w->w_rt->rt_fos[i].rf_name));
	return json_pack("{s:b, s:o, s:o}", "monitor_links",
	    w->w_rt->rt_monitor_links, "links", links, "failed_services",
	    failed);
}

static json_t *
status_json(const struct worker *w)
{
	const struct pulse_rt *rt = w->w_rt;
	uint64_t now = clock_monotonic_ms();
	json_t *peers = json_array(), *o;

	for (size_t i = 0; i < rt->rt_nnodes; i++)
		if (i != rt->rt_self)
			json_array_append_new(peers, peer_json(w, i, now));
	o = json_pack("{s:s, s:s, s:s, s:I, s:i, s:I, s:s, s:I, s:I, s:o,"
	    " s:o, s:o, s:o, s:o}",
	    "node", self_node(w)->rn_name, "mode", mode_lc(w),
	    "role", election_state_name(w->w_self.es_state),
	    "since", (json_int_t)w->w_since,
	    "priority", w->w_self.es_priority,
	    "generation", (json_int_t)rt->rt_generation, "hash", rt->rt_hash,
	    "keepalive_ms", (json_int_t)rt->rt_keepalive_ms,
	    "deadtime_ms", (json_int_t)rt->rt_deadtime_ms,
	    "peers", peers, "vips", vipset_json(w->w_vips),
	    "counters", counters_json(w), "transitions", history_json(w),
	    "faults", faults_json(w));
	services_json(w->w_svc, o);
	return o;
}

static json_t *
error_json(const char *msg)
{
	return json_pack("{s:s}", "error", msg);
}

static json_t *
fos_mark(struct worker *w, const char *name, int failed)
{
	for (size_t i = 0; i < w->w_rt->rt_nfos; i++) {
		if (strcmp(w->w_rt->rt_fos[i].rf_name, name) != 0)
			continue;
		if (w->w_fos_failed[i] != failed)
			log_warnx("fail-over service %s %s on this node", name,
			    failed ? "failed" : "recovered");
		w->w_fos_failed[i] = (unsigned char)failed;
		update_fault(w);
		evaluate(w);
		return json_pack("{s:b, s:s}", "ok", 1, "role",
		    election_state_name(w->w_self.es_state));
	}
	return error_json("no such fail-over service");
}

static json_t *
control_cb(const char *line, void *arg)
{
	struct worker *w = arg;
	char err[256] = "";
	json_t *r;

	if ((r = services_control(w->w_svc, line)) != NULL)
		return r;
	if (strcmp(line, "status") == 0)
		return status_json(w);
	if (strcmp(line, "reload") == 0) {
		if (reload(w, err, sizeof(err)) == -1)
			return error_json(err[0] ? err : "reload failed");
		return json_pack("{s:b, s:I}", "ok", 1, "generation",
		    (json_int_t)w->w_rt->rt_generation);
	}
	if (strncmp(line, "fos-failed ", 11) == 0)
		return fos_mark(w, line + 11, 1);
	if (strncmp(line, "fos-ok ", 7) == 0)
		return fos_mark(w, line + 7, 0);
	return error_json("unknown request (status, reload, fos-failed NAME, "
	    "fos-ok NAME, server drain|disable|enable VIRTUAL SERVER)");
}

/* ---- signals and shutdown ---- */

static void
quit_check(int fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval tv = { 0, 50000 };

	(void)fd;
	(void)what;
	if (fos_running() == 0 || clock_monotonic_ms() >= w->w_stop_deadline) {
		event_base_loopexit(w->w_base, NULL);
		return;
	}
	evtimer_add(w->w_quit, &tv);
}

static void
shutdown_now(struct worker *w, int sig)
{
	if (w->w_stopping)
		return;
	log_info("Terminating due to signal %d", sig);
	notify_stopping();
	w->w_stopping = 1;
	services_stop(w->w_svc);
	if (w->w_self.es_state == EL_ACTIVE) {
		log_info("shutting down: deactivating %s", mode_uc(w));
		become_inactive(w);
	}
	record(w, w->w_self.es_state, EL_INIT, EL_R_SHUTDOWN, "shutdown");
	/* twice: the peers must not wait for deadtime over one lost packet */
	send_heartbeats(w, HB_F_LEAVING);
	send_heartbeats(w, HB_F_LEAVING);
	evtimer_del(w->w_keepalive);
	evtimer_del(w->w_wake);
	w->w_stop_deadline = clock_monotonic_ms() + SHUTDOWN_WAIT_MS;
	quit_check(-1, 0, w);
}

static void
signal_cb(int sig, short what, void *arg)
{
	struct worker *w = arg;
	char err[256] = "";

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading");
		(void)reload(w, err, sizeof(err));
		return;
	}
	shutdown_now(w, sig);
}

static int
setup_events(struct worker *w)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };

	w->w_keepalive = evtimer_new(w->w_base, keepalive_cb, w);
	w->w_wake = evtimer_new(w->w_base, wake_cb, w);
	w->w_quit = evtimer_new(w->w_base, quit_check, w);
	if (w->w_keepalive == NULL || w->w_wake == NULL || w->w_quit == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		w->w_sigs[i] = evsignal_new(w->w_base, sigs[i], signal_cb, w);
		if (w->w_sigs[i] == NULL || evsignal_add(w->w_sigs[i],
		    NULL) == -1)
			return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int
setup_netlink(struct worker *w)
{
	if ((w->w_nl = rtnl_open()) == NULL)
		return -1;
	if ((w->w_mon = rtnl_monitor_open()) == NULL)
		return -1;
	w->w_monev = event_new(w->w_base, rtnl_fd(w->w_mon),
	    EV_READ | EV_PERSIST, monitor_cb, w);
	if (w->w_monev == NULL || event_add(w->w_monev, NULL) == -1)
		return -1;
	return setup_links(w);
}

static void
svc_local(const char *name, int failed, void *arg)
{
	json_decref(fos_mark(arg, name, failed));
}

static void
svc_changed(void *arg)
{
	struct worker *w = arg;

	update_fault(w);
	evaluate(w);
}

static int
setup(struct worker *w)
{
	struct services_hooks hooks = { svc_local, svc_changed, w };
	struct diag d;

	diag_init(&d);
	if (pulse_load(w->w_opts->po_db, w->w_opts->po_node, &w->w_rt,
	    &w->w_cfg, &d) == -1) {
		diag_print(&d, stderr);
		diag_clear(&d);
		log_warnx("cannot load the configuration");
		return -1;
	}
	diag_clear(&d);
	send_plan(w, w->w_rt);
	if ((w->w_peers = remap_peers(w, w->w_rt)) == NULL ||
	    (w->w_fos_failed = calloc(w->w_rt->rt_nfos + 1, 1)) == NULL)
		return -1;
	w->w_self.es_id = self_node(w)->rn_id;
	w->w_self.es_priority = self_node(w)->rn_priority;
	w->w_self.es_state = EL_INIT;
	w->w_self.es_since_ms = clock_monotonic_ms();
	w->w_since = time(NULL);
	if (setup_events(w) == -1 || setup_netlink(w) == -1 ||
	    open_sockets(w) == -1)
		return -1;
	if ((w->w_vips = vipset_new(w->w_base, w->w_nl, w->w_rt)) == NULL)
		return -1;
	/* stale VIPs of this configuration go until we are elected */
	(void)vipset_down(w->w_vips);
	if ((w->w_svc = services_new(w->w_base, w->w_opts->po_db,
	    w->w_opts->po_rundir, &hooks)) == NULL)
		return -1;
	update_fault(w);
	w->w_ctl = control_open(w->w_base, w->w_opts->po_rundir, control_cb,
	    w);
	return w->w_ctl == NULL ? -1 : 0;
}

static void
teardown(struct worker *w)
{
	control_close(w->w_ctl);
	services_free(w->w_svc);
	close_sockets(w);
	if (w->w_monev != NULL)
		event_free(w->w_monev);
	for (size_t i = 0; i < sizeof(w->w_sigs) / sizeof(w->w_sigs[0]); i++)
		if (w->w_sigs[i] != NULL)
			event_free(w->w_sigs[i]);
	if (w->w_keepalive != NULL)
		event_free(w->w_keepalive);
	if (w->w_wake != NULL)
		event_free(w->w_wake);
	if (w->w_quit != NULL)
		event_free(w->w_quit);
	vipset_free(w->w_vips);
	rtnl_close(w->w_nl);
	rtnl_close(w->w_mon);
	runtime_free(w->w_rt);
	config_free(w->w_cfg);
	free(w->w_peers);
	free(w->w_links);
	free(w->w_fos_failed);
	if (w->w_base != NULL)
		event_base_free(w->w_base);
}

int
worker_main(const struct pulse_opts *o)
{
	struct worker w;
	int ret = 1;

	memset(&w, 0, sizeof(w));
	w.w_opts = o;
	w.w_fd4 = w.w_fd6 = -1;
	w.w_seq = o->po_first_seq;
	if ((w.w_base = event_base_new()) == NULL || setup(&w) == -1)
		goto done;
	log_info("pulse worker for node %s (priority %d, generation %llu) "
	    "started", self_node(&w)->rn_name, w.w_self.es_priority,
	    (unsigned long long)w.w_rt->rt_generation);
	notify_ready();
	arm_keepalive(&w);
	send_heartbeats(&w, 0);
	evaluate(&w);
	event_base_dispatch(w.w_base);
	ret = 0;
done:
	teardown(&w);
	return ret;
}
