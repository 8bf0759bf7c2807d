/*
 * dualact.c - the dual-active detector (see dualact.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/util.h"
#include "net/arp.h"
#include "dualact.h"
#include "evbus.h"
#include "worker.h"

struct owner {
	uint8_t		 o_mac[ARP_MAC_LEN];
	uint64_t	 o_first_ms, o_last_ms;	/* 0: free slot */
};

struct watch {
	struct in_addr	 wa_ip;
	char		 wa_addr[CFG_ADDR_STRLEN];
	int		 wa_ifindex;
	uint8_t		 wa_mac[ARP_MAC_LEN];	/* ours on that device */
	struct owner	 wa_owners[DUALACT_MACS];
	int		 wa_alarm;
	int64_t		 wa_since;
};

struct dualact {
	struct worker	*da_w;
	int		 da_fd;
	struct event	*da_rx, *da_timer;
	struct watch	*da_watch;
	size_t		 da_nwatch;
	int		 da_active;
	uint8_t		(*da_node_mac)[ARP_MAC_LEN];	/* per rt node */
	unsigned char	*da_node_known;
	struct event	*da_fast;
	dualact_answer_fn da_fast_fn;
	void		*da_fast_arg;
};

static void
mac_str(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
	    m[3], m[4], m[5]);
}

/*
 * The kernel's neighbour entry of ip (/proc/net/arp of our namespace):
 * 1 and mac set when it has a complete one.  For a node whose own ARP
 * frames we did not see since we started (its first request came before
 * our socket, and UDP heartbeats need no new ones).
 */
static int
kernel_mac(struct in_addr ip, uint8_t mac[ARP_MAC_LEN])
{
	char line[256], ipbuf[64], hw[32];
	unsigned flags, m[ARP_MAC_LEN];
	struct in_addr a;
	FILE *fp;
	int found = 0;

	if ((fp = fopen("/proc/net/arp", "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		/* IP address, HW type, Flags, HW address, Mask, Device */
		if (sscanf(line, "%63s %*s %x %31s", ipbuf, &flags, hw) != 3 ||
		    inet_pton(AF_INET, ipbuf, &a) != 1 ||
		    a.s_addr != ip.s_addr || !(flags & 0x2) ||	/* ATF_COM */
		    sscanf(hw, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
		    &m[4], &m[5]) != ARP_MAC_LEN)
			continue;
		for (size_t i = 0; i < ARP_MAC_LEN; i++)
			mac[i] = (uint8_t)m[i];
		found = 1;
	}
	fclose(fp);
	return found;
}

/* Node i's MAC: seen in its ARP frames, else in the neighbour table. */
static int
node_mac(const struct dualact *da, size_t i, uint8_t mac[ARP_MAC_LEN])
{
	const struct pulse_rt *rt = da->da_w->w_rt;

	if (da->da_node_known[i]) {
		memcpy(mac, da->da_node_mac[i], ARP_MAC_LEN);
		return 1;
	}
	for (size_t j = 0; j < rt->rt_nodes[i].rn_naddrs; j++) {
		const struct cfg_addr *a = &rt->rt_nodes[i].rn_addrs[j];

		if (a->family == AF_INET && kernel_mac(a->u.v4, mac))
			return 1;
	}
	return 0;
}

/* The node whose address was seen with this MAC, or "unknown". */
static const char *
node_of(const struct dualact *da, const uint8_t *mac)
{
	const struct pulse_rt *rt = da->da_w->w_rt;
	uint8_t m[ARP_MAC_LEN];

	for (size_t i = 0; i < rt->rt_nnodes; i++)
		if (node_mac(da, i, m) && memcmp(m, mac, ARP_MAC_LEN) == 0)
			return rt->rt_nodes[i].rn_name;
	return "unknown";
}

/* An ARP frame from a node's own address: that node's MAC. */
static void
learn_node(struct dualact *da, const struct arp_seen *as)
{
	const struct pulse_rt *rt = da->da_w->w_rt;

	for (size_t i = 0; i < rt->rt_nnodes; i++)
		for (size_t j = 0; j < rt->rt_nodes[i].rn_naddrs; j++) {
			const struct cfg_addr *a = &rt->rt_nodes[i].rn_addrs[j];

			if (a->family == AF_INET &&
			    a->u.v4.s_addr == as->as_ip.s_addr) {
				memcpy(da->da_node_mac[i], as->as_mac,
				    ARP_MAC_LEN);
				da->da_node_known[i] = 1;
			}
		}
}

/* Forgets owners not heard for a window; returns how many are left. */
static size_t
expire(struct watch *wa, uint64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < DUALACT_MACS; i++) {
		struct owner *o = &wa->wa_owners[i];

		if (o->o_last_ms != 0 && o->o_last_ms + DUALACT_WINDOW_MS < now)
			memset(o, 0, sizeof(*o));
		if (o->o_last_ms != 0)
			n++;
	}
	return n;
}

/* Two owners that both spoke after the other first did, or -1. */
static int
overlap(const struct watch *wa, int *b)
{
	for (int i = 0; i < DUALACT_MACS; i++)
		for (int j = i + 1; j < DUALACT_MACS; j++) {
			const struct owner *x = &wa->wa_owners[i];
			const struct owner *y = &wa->wa_owners[j];

			if (x->o_last_ms == 0 || y->o_last_ms == 0)
				continue;
			if (x->o_last_ms > y->o_first_ms &&
			    y->o_last_ms > x->o_first_ms) {
				*b = j;
				return i;
			}
		}
	return -1;
}

static void
raise_alarm(struct watch *wa, const struct dualact *da, int i, int j)
{
	char m1[24], m2[24];
	const char *n1, *n2;

	mac_str(wa->wa_owners[i].o_mac, m1, sizeof(m1));
	mac_str(wa->wa_owners[j].o_mac, m2, sizeof(m2));
	n1 = node_of(da, wa->wa_owners[i].o_mac);
	n2 = node_of(da, wa->wa_owners[j].o_mac);
	wa->wa_alarm = 1;
	wa->wa_since = time(NULL);
	log_warnx("DUAL ACTIVE: %s is answered by %s (%s) and %s (%s)",
	    wa->wa_addr, m1, n1, m2, n2);
	evbus_emit(EV_DUAL_ACTIVE, wa->wa_addr, m1, n1, m2, n2);
}

static void
sighting(struct dualact *da, struct watch *wa, const uint8_t *mac)
{
	uint64_t now = clock_monotonic_ms();
	struct owner *o = NULL, *oldest = &wa->wa_owners[0];
	int i, j;

	(void)expire(wa, now);
	for (size_t k = 0; k < DUALACT_MACS && o == NULL; k++)
		if (wa->wa_owners[k].o_last_ms != 0 &&
		    memcmp(wa->wa_owners[k].o_mac, mac, ARP_MAC_LEN) == 0)
			o = &wa->wa_owners[k];
	for (size_t k = 0; k < DUALACT_MACS && o == NULL; k++)
		if (wa->wa_owners[k].o_last_ms == 0)
			o = &wa->wa_owners[k];
		else if (wa->wa_owners[k].o_last_ms < oldest->o_last_ms)
			oldest = &wa->wa_owners[k];
	if (o == NULL)
		o = oldest;
	if (o->o_last_ms == 0 || memcmp(o->o_mac, mac, ARP_MAC_LEN) != 0) {
		memcpy(o->o_mac, mac, ARP_MAC_LEN);
		o->o_first_ms = now;
	}
	o->o_last_ms = now;
	if (!wa->wa_alarm && (i = overlap(wa, &j)) != -1)
		raise_alarm(wa, da, i, j);
}

static void
rx_cb(int fd, short what, void *arg)
{
	struct dualact *da = arg;
	struct sockaddr_ll sll;
	struct arp_seen as;
	uint8_t buf[256];
	socklen_t sl;
	ssize_t n;

	(void)what;
	for (int k = 0; k < 64; k++) {
		sl = sizeof(sll);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sll,
		    &sl);
		if (n == -1)
			break;
		if (sll.sll_pkttype == PACKET_OUTGOING ||
		    arp_parse(buf, (size_t)n, &as) == -1)
			continue;
		learn_node(da, &as);
		if (da->da_active || (as.as_op != ARP_OP_REPLY &&
		    !as.as_gratuitous))
			continue;
		for (size_t i = 0; i < da->da_nwatch; i++) {
			if (da->da_watch[i].wa_ip.s_addr != as.as_ip.s_addr)
				continue;
			sighting(da, &da->da_watch[i], as.as_mac);
			if (da->da_fast_fn != NULL)
				da->da_fast_fn(da->da_fast_arg,
				    da->da_watch[i].wa_addr,
				    clock_monotonic_ms());
		}
	}
}

static void
timer_cb(int fd, short what, void *arg)
{
	struct dualact *da = arg;
	uint64_t now = clock_monotonic_ms();

	(void)fd;
	(void)what;
	for (size_t i = 0; i < da->da_nwatch; i++) {
		struct watch *wa = &da->da_watch[i];

		if (expire(wa, now) <= 1 && wa->wa_alarm) {
			wa->wa_alarm = 0;
			log_info("dual active: %s has one owner again",
			    wa->wa_addr);
		}
		if (!da->da_active && wa->wa_ifindex > 0)
			(void)arp_send_probe(da->da_fd, wa->wa_ifindex,
			    wa->wa_mac, wa->wa_ip);
	}
}

static void
fast_cb(int fd, short what, void *arg)
{
	struct dualact *da = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; !da->da_active && i < da->da_nwatch; i++)
		if (da->da_watch[i].wa_ifindex > 0)
			(void)arp_send_probe(da->da_fd,
			    da->da_watch[i].wa_ifindex, da->da_watch[i].wa_mac,
			    da->da_watch[i].wa_ip);
}

void
dualact_fast(struct dualact *da, dualact_answer_fn fn, void *arg)
{
	struct timeval tv = { 0, DUALACT_FAST_MS * 1000 };

	da->da_fast_fn = fn;
	da->da_fast_arg = arg;
	event_del(da->da_fast);
	if (fn != NULL) {
		fast_cb(-1, 0, da);
		event_add(da->da_fast, &tv);
	}
}

/* The IPv4 VIPs of the configuration, keeping what is known of those
 * that stay. */
static int
build(struct dualact *da)
{
	const struct pulse_rt *rt = da->da_w->w_rt;
	struct watch *nw = calloc(rt->rt_nvips + 1, sizeof(*nw));
	size_t n = 0;

	if (nw == NULL)
		return -1;
	for (size_t i = 0; i < rt->rt_nvips; i++) {
		const struct rt_vip *v = &rt->rt_vips[i];
		struct watch *wa = &nw[n];

		if (v->rv_addr.family != AF_INET)
			continue;
		wa->wa_ip = v->rv_addr.u.v4;
		cfg_addr_str(&v->rv_addr, wa->wa_addr, sizeof(wa->wa_addr));
		for (size_t j = 0; j < da->da_nwatch; j++)
			if (da->da_watch[j].wa_ip.s_addr == wa->wa_ip.s_addr)
				*wa = da->da_watch[j];
		wa->wa_ifindex = (int)if_nametoindex(v->rv_dev);
		if (wa->wa_ifindex == 0 || arp_if_mac(v->rv_dev,
		    wa->wa_mac) == -1)
			wa->wa_ifindex = 0;
		n++;
	}
	free(da->da_watch);
	da->da_watch = nw;
	da->da_nwatch = n;
	return 0;
}

static int
node_table(struct dualact *da)
{
	size_t n = da->da_w->w_rt->rt_nnodes;

	free(da->da_node_mac);
	free(da->da_node_known);
	da->da_node_mac = calloc(n + 1, sizeof(*da->da_node_mac));
	da->da_node_known = calloc(n + 1, 1);
	return da->da_node_mac != NULL && da->da_node_known != NULL ? 0 : -1;
}

struct dualact *
dualact_new(struct worker *w)
{
	struct timeval tv = { DUALACT_PROBE_MS / 1000,
	    (DUALACT_PROBE_MS % 1000) * 1000 };
	struct dualact *da = calloc(1, sizeof(*da));

	if (da == NULL)
		return NULL;
	da->da_w = w;
	da->da_fd = -1;
	if ((da->da_fd = arp_listen_open()) == -1 || node_table(da) == -1 ||
	    build(da) == -1)
		goto fail;
	da->da_rx = event_new(w->w_base, da->da_fd, EV_READ | EV_PERSIST,
	    rx_cb, da);
	da->da_timer = event_new(w->w_base, -1, EV_PERSIST, timer_cb, da);
	da->da_fast = event_new(w->w_base, -1, EV_PERSIST, fast_cb, da);
	if (da->da_rx == NULL || da->da_timer == NULL || da->da_fast == NULL ||
	    event_add(da->da_rx, NULL) == -1 ||
	    event_add(da->da_timer, &tv) == -1)
		goto fail;
	return da;
fail:
	log_warnx("dual-active detector not running");
	dualact_free(da);
	return NULL;
}

void
dualact_free(struct dualact *da)
{
	if (da == NULL)
		return;
	if (da->da_rx != NULL)
		event_free(da->da_rx);
	if (da->da_timer != NULL)
		event_free(da->da_timer);
	if (da->da_fast != NULL)
		event_free(da->da_fast);
	if (da->da_fd != -1)
		close(da->da_fd);
	free(da->da_watch);
	free(da->da_node_mac);
	free(da->da_node_known);
	free(da);
}

void
dualact_reload(struct dualact *da)
{
	if (da != NULL && (node_table(da) == -1 || build(da) == -1))
		log_warnx("dual-active detector: out of memory");
}

void
dualact_role(struct dualact *da, enum el_state st)
{
	if (da == NULL)
		return;
	da->da_active = st == EL_ACTIVE;
	/* a new role, a new view: what we heard before does not count */
	for (size_t i = 0; i < da->da_nwatch; i++) {
		memset(da->da_watch[i].wa_owners, 0,
		    sizeof(da->da_watch[i].wa_owners));
		da->da_watch[i].wa_alarm = 0;
	}
}

json_t *
dualact_json(const struct dualact *da)
{
	json_t *a = json_array(), *owners, *o;
	uint64_t now = clock_monotonic_ms();
	char mac[24];

	for (size_t i = 0; da != NULL && i < da->da_nwatch; i++) {
		const struct watch *wa = &da->da_watch[i];

		owners = json_array();
		for (size_t k = 0; k < DUALACT_MACS; k++) {
			const struct owner *ow = &wa->wa_owners[k];

			if (ow->o_last_ms == 0 ||
			    ow->o_last_ms + DUALACT_WINDOW_MS < now)
				continue;
			mac_str(ow->o_mac, mac, sizeof(mac));
			json_array_append_new(owners, json_pack("{s:s, s:s, "
			    "s:I}", "mac", mac, "node", node_of(da, ow->o_mac),
			    "last_ms_ago", (json_int_t)(now - ow->o_last_ms)));
		}
		o = json_pack("{s:s, s:b, s:o}", "address", wa->wa_addr,
		    "alarm", wa->wa_alarm, "owners", owners);
		json_object_set_new(o, "since", wa->wa_alarm ?
		    json_integer(wa->wa_since) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}
