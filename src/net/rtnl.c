/*
 * rtnl.c - rtnetlink through libmnl (see rtnl.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "lib/log.h"
#include "lib/util.h"
#include "net/rtnl.h"

struct rtnl {
	struct mnl_socket	*r_nl;
	uint32_t		 r_portid;
	uint32_t		 r_seq;
};

static struct rtnl *
open_groups(unsigned int groups)
{
	struct rtnl *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->r_nl = mnl_socket_open(NETLINK_ROUTE)) == NULL) {
		log_warn("rtnetlink socket");
		goto fail;
	}
	if (mnl_socket_bind(r->r_nl, groups, MNL_SOCKET_AUTOPID) == -1) {
		log_warn("rtnetlink bind");
		goto fail;
	}
	r->r_portid = mnl_socket_get_portid(r->r_nl);
	r->r_seq = (uint32_t)time(NULL);
	return r;
fail:
	rtnl_close(r);
	return NULL;
}

struct rtnl *
rtnl_open(void)
{
	return open_groups(0);
}

struct rtnl *
rtnl_monitor_open(void)
{
	struct rtnl *r;
	int fd;

	if ((r = open_groups(RTMGRP_LINK)) == NULL)
		return NULL;
	fd = mnl_socket_get_fd(r->r_nl);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_warn("rtnetlink monitor: O_NONBLOCK");
		rtnl_close(r);
		return NULL;
	}
	return r;
}

void
rtnl_close(struct rtnl *r)
{
	if (r == NULL)
		return;
	if (r->r_nl != NULL)
		mnl_socket_close(r->r_nl);
	free(r);
}

int
rtnl_fd(const struct rtnl *r)
{
	return mnl_socket_get_fd(r->r_nl);
}

struct nlmsghdr *
rtnl_build_addr(void *buf, size_t len, int type, int ifindex,
    const struct cfg_addr *a, int prefix, const char *label,
    uint32_t lifetime_s, uint32_t seq)
{
	struct ifa_cacheinfo ci;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	size_t alen = a->family == AF_INET ? 4 : 16;

	if (len < (size_t)MNL_SOCKET_BUFFER_SIZE / 4 || (a->family != AF_INET &&
	    a->family != AF_INET6))
		return NULL;
	memset(buf, 0, MNL_SOCKET_BUFFER_SIZE / 4);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type == RTM_NEWADDR)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = a->family;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, &a->u);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, &a->u);
	if (a->family == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	} else if (label != NULL && type == RTM_NEWADDR)
		mnl_attr_put_strz(nlh, IFA_LABEL, label);
	if (lifetime_s > 0 && type == RTM_NEWADDR) {
		memset(&ci, 0, sizeof(ci));
		ci.ifa_prefered = lifetime_s;
		ci.ifa_valid = lifetime_s;
		mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	}
	return nlh;
}

/* Sends nlh and runs the replies through cb until the ACK/DONE. */
static int
talk(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int ret;

	nlh->nlmsg_pid = 0;
	if (mnl_socket_sendto(r->r_nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	do {
		n = mnl_socket_recvfrom(r->r_nl, buf, sizeof(buf));
		if (n == -1)
			return -1;
		ret = mnl_cb_run(buf, n, nlh->nlmsg_seq, r->r_portid, cb,
		    arg);
	} while (ret > 0);
	return ret == -1 ? -1 : 0;
}

int
rtnl_addr_add(struct rtnl *r, int ifindex, const struct cfg_addr *a,
    int prefix, const char *label, uint32_t lifetime_s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE / 4];
	struct nlmsghdr *nlh;

	nlh = rtnl_build_addr(buf, sizeof(buf), RTM_NEWADDR, ifindex, a,
	    prefix, label, lifetime_s, ++r->r_seq);
	if (nlh == NULL) {
		errno = EINVAL;
		return -1;
	}
	return talk(r, nlh, NULL, NULL);
}

int
rtnl_addr_del(struct rtnl *r, int ifindex, const struct cfg_addr *a,
    int prefix)
{
	char buf[MNL_SOCKET_BUFFER_SIZE / 4];
	struct nlmsghdr *nlh;

	nlh = rtnl_build_addr(buf, sizeof(buf), RTM_DELADDR, ifindex, a,
	    prefix, NULL, 0, ++r->r_seq);
	if (nlh == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (talk(r, nlh, NULL, NULL) == -1)
		return errno == EADDRNOTAVAIL || errno == ENODEV ? 0 : -1;
	return 0;
}

struct attrs {
	const struct nlattr	*tb[IFLA_MAX > IFA_MAX ? IFLA_MAX + 1 :
				    IFA_MAX + 1];
	int			 max;
};

static int
attr_cb(const struct nlattr *attr, void *arg)
{
	struct attrs *t = arg;
	int type = mnl_attr_get_type(attr);

	if (type > t->max)
		return MNL_CB_OK;
	t->tb[type] = attr;
	return MNL_CB_OK;
}

int
rtnl_parse_addr(const struct nlmsghdr *nlh, struct rtnl_ifaddr *out)
{
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	struct attrs t = { .max = IFA_MAX };
	size_t alen;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)))
		return -1;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -1;
	if (mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, &t) != MNL_CB_OK)
		return -1;
	alen = ifa->ifa_family == AF_INET ? 4 : 16;
	if ((a = t.tb[IFA_LOCAL]) == NULL)
		a = t.tb[IFA_ADDRESS];
	if (a == NULL || mnl_attr_get_payload_len(a) != alen)
		return -1;
	memset(out, 0, sizeof(*out));
	out->ra_ifindex = ifa->ifa_index;
	out->ra_prefix = ifa->ifa_prefixlen;
	out->ra_addr.family = ifa->ifa_family;
	memcpy(&out->ra_addr.u, mnl_attr_get_payload(a), alen);
	if (t.tb[IFA_LABEL] != NULL)
		str_copy(out->ra_label, mnl_attr_get_str(t.tb[IFA_LABEL]),
		    sizeof(out->ra_label));
	return 0;
}

int
rtnl_parse_link(const struct nlmsghdr *nlh, struct rtnl_link *out)
{
	const struct ifinfomsg *ifi;
	struct attrs t = { .max = IFLA_MAX };

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return -1;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &t) != MNL_CB_OK)
		return -1;
	memset(out, 0, sizeof(*out));
	out->rl_ifindex = ifi->ifi_index;
	out->rl_flags = ifi->ifi_flags;
	out->rl_usable = (ifi->ifi_flags & IFF_UP) &&
	    (ifi->ifi_flags & IFF_RUNNING);
	out->rl_deleted = nlh->nlmsg_type == RTM_DELLINK;
	if (t.tb[IFLA_IFNAME] != NULL)
		str_copy(out->rl_name, mnl_attr_get_str(t.tb[IFLA_IFNAME]),
		    sizeof(out->rl_name));
	return 0;
}

struct list_arg {
	void	(*cb)(const struct rtnl_ifaddr *, void *);
	void	 *arg;
};

static int
addr_list_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct list_arg *la = arg;
	struct rtnl_ifaddr ra;

	if (rtnl_parse_addr(nlh, &ra) == 0)
		la->cb(&ra, la->arg);
	return MNL_CB_OK;
}

int
rtnl_addr_list(struct rtnl *r, int family,
    void (*cb)(const struct rtnl_ifaddr *, void *), void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE / 4];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct list_arg la = { cb, arg };

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++r->r_seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	return talk(r, nlh, addr_list_cb, &la);
}

static int
link_cb(const struct nlmsghdr *nlh, void *arg)
{
	return rtnl_parse_link(nlh, arg) == 0 ? MNL_CB_OK : MNL_CB_ERROR;
}

int
rtnl_link_get(struct rtnl *r, const char *name, struct rtnl_link *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE / 4];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	memset(buf, 0, sizeof(buf));
	memset(out, 0, sizeof(*out));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	/* the ACK after the reply ends talk()'s loop */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++r->r_seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (talk(r, nlh, link_cb, out) == -1)
		return -1;
	if (out->rl_ifindex == 0) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

struct mon_arg {
	void	(*cb)(const struct rtnl_link *, void *);
	void	 *arg;
};

static int
monitor_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct mon_arg *ma = arg;
	struct rtnl_link l;

	if ((nlh->nlmsg_type == RTM_NEWLINK ||
	    nlh->nlmsg_type == RTM_DELLINK) && rtnl_parse_link(nlh, &l) == 0)
		ma->cb(&l, ma->arg);
	return MNL_CB_OK;
}

int
rtnl_monitor_read(struct rtnl *r,
    void (*cb)(const struct rtnl_link *, void *), void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mon_arg ma = { cb, arg };
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(r->r_nl, buf, sizeof(buf));
		if (n == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		if (mnl_cb_run(buf, n, 0, 0, monitor_cb, &ma) == -1)
			return -1;
	}
}
