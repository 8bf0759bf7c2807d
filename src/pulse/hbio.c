/*
 * hbio.c - heartbeat sockets, sending and receiving (see hbio.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/util.h"
#include "announce.h"
#include "hbio.h"
#include "leave.h"
#include "maintio.h"
#include "services.h"
#include "vip.h"
#include "worker.h"

#define REJECT_LOG_MS		10000	/* at most one log per reason */

/* ---- heartbeats out ---- */

/*
 * Our own address to send from on path j: the kernel would pick a VIP in
 * the same subnet (IPv6 prefers it), and peers only accept our addresses.
 */
static const struct cfg_addr *
source_for(const struct worker *w, const struct cfg_addr *dst, size_t j)
{
	const struct rt_node *self = worker_self_node(w);

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

/* Sends buf to a on path j of a peer; 0 or -1 (counted by the caller). */
static int
send_dgram(struct worker *w, const struct cfg_addr *a, size_t j,
    const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = a->family == AF_INET ? w->w_fd4 : w->w_fd6;

	if (fd == -1 || cfg_addr_to_sockaddr(a, w->w_rt->rt_port, &ss,
	    &sl) == -1)
		return -1;
	return send_from(fd, buf, len, &ss, sl, source_for(w, a, j)) == -1 ?
	    -1 : 0;
}

int
hbio_send_peer(struct worker *w, size_t i, const uint8_t *buf, size_t len)
{
	const struct rt_node *n = &w->w_rt->rt_nodes[i];
	int sent = 0;

	for (size_t j = 0; j < n->rn_naddrs; j++)
		if (send_dgram(w, &n->rn_addrs[j], j, buf, len) == 0)
			sent++;
	return sent > 0 ? 0 : -1;
}

int
hbio_peer_of(const struct worker *w, uint32_t id,
    const struct sockaddr_storage *from)
{
	const struct pulse_rt *rt = w->w_rt;
	struct cfg_addr a;
	int i = runtime_node_index(rt, id);

	if (i == -1 || (size_t)i == rt->rt_self ||
	    cfg_addr_from_sockaddr(&a, (const struct sockaddr *)from) == -1)
		return -1;
	for (size_t j = 0; j < rt->rt_nodes[i].rn_naddrs; j++)
		if (cfg_addr_equal(&rt->rt_nodes[i].rn_addrs[j], &a))
			return i;
	return -1;
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
	p.hp_flags = flags | services_hb_flags(w->w_svc) |
	    announce_hb_flags(w->w_ann);
	if (clock_monotonic_ms() < w->w_released_until)
		p.hp_flags |= HB_F_RELEASED;
	p.hp_priority = (uint8_t)election_priority(&w->w_self);
	p.hp_cluster = rt->rt_cluster;
	p.hp_node = worker_self_node(w)->rn_id;
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

void
hbio_send(struct worker *w, uint8_t flags)
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
	hbio_send(w, 0);
	if (w->w_self.es_state == EL_ACTIVE)
		vipset_refresh(w->w_vips);
	announce_evaluate(w->w_ann);
}

#define NOKEY_WARN_S	3600	/* without a key: a warning every hour */

static void
warn_nokey(struct worker *w)
{
	struct timeval tv = { NOKEY_WARN_S, 0 };

	log_warnx("no heartbeat_key: heartbeats are not authenticated; anyone "
	    "who can send to UDP port %u can forge them (split brain, an "
	    "owner made to drop its addresses).  Set heartbeat_key the same "
	    "on every node (`shoalctl config import` generates one)",
	    w->w_rt->rt_port);
	evtimer_add(w->w_nokey, &tv);
}

static void
nokey_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	warn_nokey(arg);
}

/* At start and after a reload: the hourly warning runs while there is
 * no key. */
static void
check_key(struct worker *w)
{
	if (w->w_rt->rt_key != NULL)
		evtimer_del(w->w_nokey);
	else if (!evtimer_pending(w->w_nokey, NULL))
		warn_nokey(w);
}

void
hbio_arm_keepalive(struct worker *w)
{
	struct timeval tv = { w->w_rt->rt_keepalive_ms / 1000,
	    (w->w_rt->rt_keepalive_ms % 1000) * 1000 };

	evtimer_del(w->w_keepalive);
	event_assign(w->w_keepalive, w->w_base, -1, EV_PERSIST, keepalive_cb,
	    w);
	evtimer_add(w->w_keepalive, &tv);	check_key(w);
}

/* ---- heartbeats in ---- */

struct rx {
	struct worker			*rx_w;
	const struct sockaddr_storage	*rx_from;
	int				 rx_index;
};

/* The peer's sequence state when id is a peer and from is one of its
 * addresses; NULL otherwise (unknown sender). */
static struct hb_seq *
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

/*
 * The owner announces the addresses again, as a new series of arp_count,
 * whenever another node may have held them beside it: until then clients
 * that followed that node's gratuitous ARP (or asked while it answered)
 * keep its MAC.  The other node says it let go with HB_F_RELEASED (for a
 * dead time after giving them up, so one lost heartbeat does not hide
 * it) or by no longer being ACTIVE; and a node heard again after it was
 * dead to us (a partition or a link healed, maybe only one way first)
 * may have held them unseen.
 */
static void
announce_if_released(struct worker *w, int i, const struct hb_packet *p,
    enum el_state before, int was_alive, int flagged_before)
{
	const struct peer *pe = &w->w_peers[i];
	int released = (p->hp_flags & HB_F_RELEASED) && !flagged_before;
	const char *why;

	if (w->w_self.es_state != EL_ACTIVE)
		return;
	if (released || (before == EL_ACTIVE && was_alive &&
	    pe->p_el.ep_state != EL_ACTIVE))
		why = "released the addresses";
	else if (!was_alive && !pe->p_el.ep_leaving)
		why = "is back";
	else
		return;
	log_info("partner %s %s: announcing them again",
	    w->w_rt->rt_nodes[i].rn_name, why);
	vipset_arp_start(w->w_vips);
}

static void
accept_packet(struct worker *w, int i, const struct hb_packet *p)
{
	struct peer *pe = &w->w_peers[i];
	int was_alive = election_peer_alive(&pe->p_el, clock_monotonic_ms(),
	    w->w_rt->rt_deadtime_ms);
	enum el_state before = pe->p_el.ep_state;
	int flagged_before = pe->p_released;
	int prio = w->w_rt->rt_nodes[i].rn_priority;

	pe->p_el.ep_heard = 1;
	pe->p_el.ep_last_ms = clock_monotonic_ms();
	/* never above its configured priority: a forged "priority 255
	 * active" must not make the rightful owner step down */
	pe->p_el.ep_priority = p->hp_priority < prio ? p->hp_priority : prio;
	pe->p_el.ep_state = (enum el_state)p->hp_state;
	pe->p_el.ep_leaving = (p->hp_flags & HB_F_LEAVING) != 0;
	pe->p_released = (p->hp_flags & HB_F_RELEASED) != 0;
	pe->p_generation = p->hp_generation;
	pe->p_flags = p->hp_flags;
	memcpy(pe->p_hash, p->hp_hash, HB_HASH_LEN);
	pe->p_rx++;
	w->w_received++;
	services_peer(w->w_svc, p->hp_node, pe->p_el.ep_state, p->hp_flags);
	announce_if_released(w, i, p, before, was_alive, flagged_before);
	if (pe->p_el.ep_leaving)
		log_info("partner %s is leaving", w->w_rt->rt_nodes[i].rn_name);
	else if (!was_alive)
		log_info("partner %s alive (%s, priority %d)",
		    w->w_rt->rt_nodes[i].rn_name,
		    election_state_name(pe->p_el.ep_state),
		    pe->p_el.ep_priority);
}

/* Reads one socket's queue to the end; the number of packets accepted. */
static int
drain(struct worker *w, int fd)
{
	struct sockaddr_storage from;
	socklen_t fl;
	struct hb_packet p;
	struct hb_ctx ctx;
	struct rx rx;
	uint8_t buf[MAINT_DGRAM_MAX + 1];
	ssize_t n;
	enum hb_err e;
	int accepted = 0;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
		    (struct sockaddr *)&from, &fl);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("heartbeat receive");
			return accepted;
		}
		if (n >= 4 && (size_t)n <= sizeof(buf) &&
		    maintio_is_mine(buf, (size_t)n)) {
			maintio_receive(w->w_maint, buf, (size_t)n, &from);
			continue;
		}
		rx.rx_w = w;
		rx.rx_from = &from;
		rx.rx_index = -1;
		memset(&ctx, 0, sizeof(ctx));
		ctx.hc_cluster = w->w_rt->rt_cluster;
		ctx.hc_self = worker_self_node(w)->rn_id;
		ctx.hc_key = w->w_rt->rt_key;
		ctx.hc_keylen = w->w_rt->rt_keylen;
		ctx.hc_key2 = w->w_rt->rt_key2;
		ctx.hc_key2len = w->w_rt->rt_key2len;
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
		accepted++;
	}
}

int
hbio_drain(struct worker *w)
{
	int n = 0;

	if (w->w_fd4 != -1)
		n += drain(w, w->w_fd4);
	if (w->w_fd6 != -1)
		n += drain(w, w->w_fd6);
	return n;
}

static void
recv_cb(int fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)what;
	(void)drain(w, fd);
	if (!w->w_stopping)
		worker_evaluate(w);
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

int
hbio_open(struct worker *w)
{
	if ((w->w_keepalive = evtimer_new(w->w_base, keepalive_cb, w)) ==
	    NULL || (w->w_nokey = evtimer_new(w->w_base, nokey_cb, w)) == NULL)
		return -1;
	return open_sockets(w);
}

int
hbio_reopen(struct worker *w)
{
	close_sockets(w);
	return open_sockets(w);
}

void
hbio_close(struct worker *w)
{
	close_sockets(w);
	if (w->w_keepalive != NULL)
		event_free(w->w_keepalive);
	w->w_keepalive = NULL;
	if (w->w_nokey != NULL)
		event_free(w->w_nokey);
	w->w_nokey = NULL;
}

void
hbio_leave(struct worker *w)
{
	hbio_send(w, HB_F_LEAVING);
	hbio_send(w, HB_F_LEAVING);
	evtimer_del(w->w_keepalive);
}

/* ---- the peer table ---- */

struct peer *
hbio_peer_table(const struct worker *w, const struct pulse_rt *nrt)
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
