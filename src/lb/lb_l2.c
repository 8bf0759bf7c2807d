/*
 * lb_l2.c - layer-2 facts for direct routing, from rtnetlink (see
 * lb_l2.h): RTM_GETROUTE (which interface, directly connected?),
 * RTM_GETLINK (our MAC), RTM_GETNEIGH (theirs), RTM_NEWNEIGH with NTF_USE
 * (please resolve), RTM_GETADDR (who holds a VIP).
 */
#include "shoal-build.h"

#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "lb/lb_l2.h"
#include "lib/log.h"
#include "lib/util.h"

struct lb_l2_ctx {
	struct mnl_socket	*x_nl;
	uint32_t		 x_portid;
	uint32_t		 x_seq;
};

struct lb_l2_ctx *
lb_l2_open(void)
{
	struct timeval tv = { 2, 0 };
	struct lb_l2_ctx *x;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		log_warn("lb: calloc");
		return NULL;
	}
	if ((x->x_nl = mnl_socket_open(NETLINK_ROUTE)) == NULL ||
	    mnl_socket_bind(x->x_nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		log_warn("lb: rtnetlink socket");
		lb_l2_close(x);
		return NULL;
	}
	/* the kernel answers at once; never hang pulse on a lost reply */
	if (setsockopt(mnl_socket_get_fd(x->x_nl), SOL_SOCKET, SO_RCVTIMEO,
	    &tv, sizeof(tv)) == -1)
		log_warn("lb: rtnetlink SO_RCVTIMEO");
	x->x_portid = mnl_socket_get_portid(x->x_nl);
	x->x_seq = (uint32_t)time(NULL);
	return x;
}

void
lb_l2_close(struct lb_l2_ctx *x)
{
	if (x == NULL)
		return;
	if (x->x_nl != NULL)
		mnl_socket_close(x->x_nl);
	free(x);
}

/*
 * Sends req and runs cb on each data message of the reply until the ack
 * or the end of a dump; 0, or -1 with errno (the kernel's error).
 */
static int
talk(struct lb_l2_ctx *x, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int rc;

	req->nlmsg_seq = ++x->x_seq;
	if (mnl_socket_sendto(x->x_nl, req, req->nlmsg_len) == -1)
		return -1;
	do {
		if ((n = mnl_socket_recvfrom(x->x_nl, buf, sizeof(buf))) == -1)
			return -1;
		rc = mnl_cb_run(buf, (size_t)n, req->nlmsg_seq, x->x_portid,
		    cb, data);
	} while (rc == MNL_CB_OK);
	return rc == MNL_CB_ERROR ? -1 : 0;
}

static size_t
alen(int af)
{
	return af == AF_INET6 ? 16 : 4;
}

/* ---- the route: interface, directly connected? ---- */

struct route {
	int		 r_type;	/* RTN_* */
	uint32_t	 r_oif;
	int		 r_gateway;	/* via a gateway */
};

static int
route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rm = mnl_nlmsg_get_payload(nlh);
	struct route *r = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	r->r_type = rm->rtm_type;
	mnl_attr_for_each(a, nlh, sizeof(*rm)) {
		if (mnl_attr_get_type(a) == RTA_OIF &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			r->r_oif = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == RTA_GATEWAY ||
		    mnl_attr_get_type(a) == RTA_VIA)
			r->r_gateway = 1;
	}
	return MNL_CB_OK;
}

static int
route_get(struct lb_l2_ctx *x, const struct cfg_addr *a, struct route *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rm));
	rm->rtm_family = (unsigned char)a->family;
	rm->rtm_dst_len = (unsigned char)(alen(a->family) * 8);
	mnl_attr_put(nlh, RTA_DST, alen(a->family), &a->u);
	memset(r, 0, sizeof(*r));
	return talk(x, nlh, route_cb, r);
}

/* ---- our interface ---- */

static int
link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct lb_l2 *l2 = data;
	const struct nlattr *a;
	int have_mac = 0;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			str_copy(l2->l2_ifname, mnl_attr_get_str(a),
			    sizeof(l2->l2_ifname));
		else if (mnl_attr_get_type(a) == IFLA_ADDRESS &&
		    mnl_attr_get_payload_len(a) == 6) {
			memcpy(l2->l2_ifmac, mnl_attr_get_payload(a), 6);
			have_mac = 1;
		}
	}
	if (ifi->ifi_type != ARPHRD_ETHER || !have_mac)
		l2->l2_ifname[0] = '\0';
	return MNL_CB_OK;
}

/* Our interface's name and MAC; 0, or -1 (errno) / 1 (not Ethernet). */
static int
link_get(struct lb_l2_ctx *x, uint32_t ifindex, struct lb_l2 *l2)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	l2->l2_ifname[0] = '\0';
	if (talk(x, nlh, link_cb, l2) == -1)
		return -1;
	return l2->l2_ifname[0] != '\0' ? 0 : 1;
}

/* ---- their MAC ---- */

struct neigh {
	uint16_t	 n_state;	/* NUD_*; 0 = none */
	int		 n_have_mac;
	uint8_t		 n_mac[6];
};

static int
neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct neigh *n = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	n->n_state = nd->ndm_state;
	mnl_attr_for_each(a, nlh, sizeof(*nd))
		if (mnl_attr_get_type(a) == NDA_LLADDR &&
		    mnl_attr_get_payload_len(a) == 6) {
			memcpy(n->n_mac, mnl_attr_get_payload(a), 6);
			n->n_have_mac = 1;
		}
	return MNL_CB_OK;
}

static struct nlmsghdr *
neigh_msg(char *buf, uint16_t type, uint16_t flags, uint8_t ndflags,
    const struct cfg_addr *a, uint32_t ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = (uint8_t)a->family;
	nd->ndm_ifindex = (int)ifindex;
	nd->ndm_flags = ndflags;
	nd->ndm_state = NUD_NONE;
	mnl_attr_put(nlh, NDA_DST, alen(a->family), &a->u);
	return nlh;
}

/* The neighbour entry; none (n_state 0) when the kernel has no entry. */
static int
neigh_get(struct lb_l2_ctx *x, const struct cfg_addr *a, uint32_t ifindex,
    struct neigh *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	memset(n, 0, sizeof(*n));
	if (talk(x, neigh_msg(buf, RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_ACK, 0, a,
	    ifindex),
	    neigh_cb, n) == -1)
		return errno == ENOENT ? 0 : -1;
	return 0;
}

/* Asks the kernel to resolve a (it sends the ARP request or NS). */
static int
neigh_use(struct lb_l2_ctx *x, const struct cfg_addr *a, uint32_t ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return talk(x, neigh_msg(buf, RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_ACK |
	    NLM_F_CREATE | NLM_F_REPLACE, NTF_USE, a, ifindex), NULL, NULL);
}

/* ---- the whole question ---- */

static enum lb_l2_result
failed(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum lb_l2_result
failed(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return LB_L2_FAILED;
}

/* The route to a must be a directly connected Ethernet network. */
static enum lb_l2_result
out_interface(struct lb_l2_ctx *x, const struct cfg_addr *a, const char *ab,
    struct route *r, struct lb_l2 *l2, char *why, size_t len)
{
	int rc;

	if (route_get(x, a, r) == -1)
		return failed(why, len, "no route to %s: %s", ab,
		    strerror(errno));
	if (r->r_type == RTN_LOCAL)
		return failed(why, len, "%s is an address of this host", ab);
	if (r->r_type != RTN_UNICAST || r->r_oif == 0)
		return failed(why, len, "no usable route to %s", ab);
	if (r->r_gateway)
		return failed(why, len, "%s is not on a network of this host "
		    "(routed via a gateway): direct routing needs the real "
		    "server on a local network", ab);
	if ((rc = link_get(x, r->r_oif, l2)) == -1)
		return failed(why, len, "interface %u of the route to %s: %s",
		    r->r_oif, ab, strerror(errno));
	if (rc == 1)
		return failed(why, len, "the route to %s leaves by a "
		    "non-Ethernet interface", ab);
	return LB_L2_OK;
}

enum lb_l2_result
lb_l2_resolve(struct lb_l2_ctx *x, const struct cfg_addr *a,
    struct lb_l2 *l2, char *why, size_t len)
{
	const uint16_t valid = NUD_REACHABLE | NUD_STALE | NUD_DELAY |
	    NUD_PROBE | NUD_PERMANENT | NUD_NOARP;
	const char *proto = a->family == AF_INET6 ? "neighbour advertisement" :
	    "ARP reply";
	char ab[CFG_ADDR_STRLEN];
	enum lb_l2_result res;
	struct route r;
	struct neigh n;

	cfg_addr_str(a, ab, sizeof(ab));
	memset(l2, 0, sizeof(*l2));
	if ((res = out_interface(x, a, ab, &r, l2, why, len)) != LB_L2_OK)
		return res;
	if (neigh_get(x, a, r.r_oif, &n) == -1)
		return failed(why, len, "neighbour table: %s", strerror(errno));
	if ((n.n_state & valid) && n.n_have_mac) {
		memcpy(l2->l2_mac, n.n_mac, 6);
		return LB_L2_OK;
	}
	if (neigh_use(x, a, r.r_oif) == -1)
		return failed(why, len, "cannot resolve %s on %s: %s", ab,
		    l2->l2_ifname, strerror(errno));
	if (n.n_state & NUD_FAILED)
		return failed(why, len, "MAC address of %s unknown: no %s on "
		    "%s", ab, proto, l2->l2_ifname);
	failed(why, len, "resolving the MAC address of %s on %s", ab,
	    l2->l2_ifname);
	return LB_L2_PENDING;
}

/* ---- who holds a VIP ---- */

struct addr_find {
	const struct cfg_addr	*af_addr;
	uint32_t		 af_ifindex;
};

static int
addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_find *f = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    ifa->ifa_family != f->af_addr->family)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
		if ((mnl_attr_get_type(a) == IFA_LOCAL ||
		    mnl_attr_get_type(a) == IFA_ADDRESS) &&
		    mnl_attr_get_payload_len(a) == alen(ifa->ifa_family) &&
		    memcmp(mnl_attr_get_payload(a), &f->af_addr->u,
		    alen(ifa->ifa_family)) == 0 && f->af_ifindex == 0)
			f->af_ifindex = ifa->ifa_index;
	return MNL_CB_OK;
}

/* Dump: the interface of the main table's single-path default route. */
static int
default_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rm = mnl_nlmsg_get_payload(nlh);
	uint32_t *oif = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rm->rtm_dst_len != 0 ||
	    rm->rtm_table != RT_TABLE_MAIN || rm->rtm_type != RTN_UNICAST ||
	    *oif != 0)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rm))
		if (mnl_attr_get_type(a) == RTA_OIF &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			*oif = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

/* The default route's interface for family; 0 when there is none. */
static uint32_t
default_oif(struct lb_l2_ctx *x, int family)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rm;
	uint32_t oif = 0;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rm));
	rm->rtm_family = (unsigned char)family;
	if (talk(x, nlh, default_cb, &oif) == -1) {
		log_warn("lb: rtnetlink route dump");
		return 0;
	}
	return oif;
}

int
lb_l2_addr_dev(struct lb_l2_ctx *x, const struct cfg_addr *a, char *ifname,
    size_t len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], name[IF_NAMESIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_find f = { a, 0 };
	struct ifaddrmsg *ifa;
	struct lb_l2 l2;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	if (talk(x, nlh, addr_cb, &f) == -1) {
		log_warn("lb: rtnetlink address dump");
		return -1;
	}
	if (f.af_ifindex == 0)
		return -1;
	/* on loopback (scale-out: routed to us, not ARPed for) */
	if (link_get(x, f.af_ifindex, &l2) == 1) {
		ifname[0] = '\0';
		if ((f.af_ifindex = default_oif(x, a->family)) != 0 &&
		    if_indextoname(f.af_ifindex, name) != NULL)
			str_copy(ifname, name, len);
		return 1;
	}
	if (if_indextoname(f.af_ifindex, name) == NULL)
		return -1;
	str_copy(ifname, name, len);
	return 0;
}
