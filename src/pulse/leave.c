/*
 * leave.c - the supervisor's clean-up after a dead worker (see leave.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "net/rtnl.h"
#include "heartbeat.h"
#include "leave.h"
#include "runtime.h"

#define LEAVE_MAGIC		0x73686c70u	/* "shlp" */
#define LEAVE_VERSION		1
#define LEAVE_MAX_ITEMS		65536

/* The fixed part of a plan on the wire (host order: same build). */
struct leave_hdr {
	uint32_t	lh_magic;
	uint16_t	lh_version;
	uint16_t	lh_hdrlen;
	uint16_t	lh_addrlen;		/* sizeof(struct cfg_addr) */
	uint16_t	lh_viplen;		/* sizeof(struct leave_vip) */
	uint32_t	lh_cluster;
	uint32_t	lh_node;
	uint16_t	lh_port;
	uint16_t	lh_keylen;
	uint64_t	lh_generation;
	uint8_t		lh_hash[HB_HASH_LEN];
	uint32_t	lh_npeers;
	uint32_t	lh_nvips;
};

uint64_t
pulse_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
leave_plan_build(const struct pulse_rt *rt, struct leave_plan *lp)
{
	const struct rt_node *self = &rt->rt_nodes[rt->rt_self];
	size_t n = 0;

	memset(lp, 0, sizeof(*lp));
	lp->lp_cluster = rt->rt_cluster;
	lp->lp_node = self->rn_id;
	lp->lp_generation = rt->rt_generation;
	memcpy(lp->lp_hash, rt->rt_hash_prefix, HB_HASH_LEN);
	lp->lp_port = rt->rt_port;
	if (rt->rt_key != NULL) {
		if ((lp->lp_key = malloc(rt->rt_keylen)) == NULL)
			goto fail;
		memcpy(lp->lp_key, rt->rt_key, rt->rt_keylen);
		lp->lp_keylen = rt->rt_keylen;
	}
	for (size_t i = 0; i < rt->rt_nnodes; i++)
		if (i != rt->rt_self)
			n += rt->rt_nodes[i].rn_naddrs;
	if ((lp->lp_peers = calloc(n + 1, sizeof(*lp->lp_peers))) == NULL ||
	    (lp->lp_vips = calloc(rt->rt_nvips + 1,
	    sizeof(*lp->lp_vips))) == NULL)
		goto fail;
	for (size_t i = 0; i < rt->rt_nnodes; i++) {
		if (i == rt->rt_self)
			continue;
		for (size_t j = 0; j < rt->rt_nodes[i].rn_naddrs; j++)
			lp->lp_peers[lp->lp_npeers++] =
			    rt->rt_nodes[i].rn_addrs[j];
	}
	for (size_t i = 0; i < rt->rt_nvips; i++) {
		struct leave_vip *lv = &lp->lp_vips[lp->lp_nvips++];

		lv->lv_addr = rt->rt_vips[i].rv_addr;
		lv->lv_prefix = rt->rt_vips[i].rv_prefix;
		memcpy(lv->lv_dev, rt->rt_vips[i].rv_dev, IFNAMSIZ);
		memcpy(lv->lv_label, rt->rt_vips[i].rv_label, IFNAMSIZ);
	}
	return 0;
fail:
	leave_plan_clear(lp);
	return -1;
}

void
leave_plan_clear(struct leave_plan *lp)
{
	if (lp->lp_key != NULL) {
		explicit_bzero(lp->lp_key, lp->lp_keylen);
		free(lp->lp_key);
	}
	free(lp->lp_peers);
	free(lp->lp_vips);
	memset(lp, 0, sizeof(*lp));
}

static size_t
wire_len(size_t keylen, size_t npeers, size_t nvips)
{
	return sizeof(struct leave_hdr) + keylen +
	    npeers * sizeof(struct cfg_addr) + nvips * sizeof(struct leave_vip);
}

uint8_t *
leave_plan_encode(const struct leave_plan *lp, size_t *len)
{
	struct leave_hdr h;
	uint8_t *buf, *p;

	if (lp->lp_keylen > UINT16_MAX || lp->lp_npeers > LEAVE_MAX_ITEMS ||
	    lp->lp_nvips > LEAVE_MAX_ITEMS)
		return NULL;
	*len = wire_len(lp->lp_keylen, lp->lp_npeers, lp->lp_nvips);
	if (*len > LEAVE_PLAN_MAX || (buf = malloc(*len)) == NULL)
		return NULL;
	memset(&h, 0, sizeof(h));
	h.lh_magic = LEAVE_MAGIC;
	h.lh_version = LEAVE_VERSION;
	h.lh_hdrlen = sizeof(h);
	h.lh_addrlen = sizeof(struct cfg_addr);
	h.lh_viplen = sizeof(struct leave_vip);
	h.lh_cluster = lp->lp_cluster;
	h.lh_node = lp->lp_node;
	h.lh_port = lp->lp_port;
	h.lh_keylen = (uint16_t)lp->lp_keylen;
	h.lh_generation = lp->lp_generation;
	memcpy(h.lh_hash, lp->lp_hash, HB_HASH_LEN);
	h.lh_npeers = (uint32_t)lp->lp_npeers;
	h.lh_nvips = (uint32_t)lp->lp_nvips;
	p = buf;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	if (lp->lp_keylen > 0)
		memcpy(p, lp->lp_key, lp->lp_keylen);
	p += lp->lp_keylen;
	if (lp->lp_npeers > 0)
		memcpy(p, lp->lp_peers, lp->lp_npeers * sizeof(struct cfg_addr));
	p += lp->lp_npeers * sizeof(struct cfg_addr);
	if (lp->lp_nvips > 0)
		memcpy(p, lp->lp_vips, lp->lp_nvips * sizeof(struct leave_vip));
	return buf;
}

static int
addr_ok(const struct cfg_addr *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

int
leave_plan_decode(const uint8_t *buf, size_t len, struct leave_plan *lp)
{
	struct leave_hdr h;
	const uint8_t *p = buf;
	size_t i;

	memset(lp, 0, sizeof(*lp));
	if (len < sizeof(h))
		return -1;
	memcpy(&h, buf, sizeof(h));
	if (h.lh_magic != LEAVE_MAGIC || h.lh_version != LEAVE_VERSION ||
	    h.lh_hdrlen != sizeof(h) ||
	    h.lh_addrlen != sizeof(struct cfg_addr) ||
	    h.lh_viplen != sizeof(struct leave_vip) ||
	    h.lh_npeers > LEAVE_MAX_ITEMS || h.lh_nvips > LEAVE_MAX_ITEMS ||
	    len != wire_len(h.lh_keylen, h.lh_npeers, h.lh_nvips))
		return -1;
	p += sizeof(h);
	lp->lp_cluster = h.lh_cluster;
	lp->lp_node = h.lh_node;
	lp->lp_port = h.lh_port;
	lp->lp_generation = h.lh_generation;
	memcpy(lp->lp_hash, h.lh_hash, HB_HASH_LEN);
	if (h.lh_keylen > 0) {
		if ((lp->lp_key = malloc(h.lh_keylen)) == NULL)
			goto fail;
		memcpy(lp->lp_key, p, h.lh_keylen);
		lp->lp_keylen = h.lh_keylen;
	}
	p += h.lh_keylen;
	if ((lp->lp_peers = calloc(h.lh_npeers + 1,
	    sizeof(struct cfg_addr))) == NULL ||
	    (lp->lp_vips = calloc(h.lh_nvips + 1,
	    sizeof(struct leave_vip))) == NULL)
		goto fail;
	memcpy(lp->lp_peers, p, h.lh_npeers * sizeof(struct cfg_addr));
	p += h.lh_npeers * sizeof(struct cfg_addr);
	memcpy(lp->lp_vips, p, h.lh_nvips * sizeof(struct leave_vip));
	lp->lp_npeers = h.lh_npeers;
	lp->lp_nvips = h.lh_nvips;
	for (i = 0; i < lp->lp_npeers; i++)
		if (!addr_ok(&lp->lp_peers[i]))
			goto fail;
	for (i = 0; i < lp->lp_nvips; i++) {
		const struct leave_vip *lv = &lp->lp_vips[i];
		int max = lv->lv_addr.family == AF_INET ? 32 : 128;

		if (!addr_ok(&lv->lv_addr) || lv->lv_prefix < 0 ||
		    lv->lv_prefix > max ||
		    memchr(lv->lv_dev, '\0', IFNAMSIZ) == NULL ||
		    memchr(lv->lv_label, '\0', IFNAMSIZ) == NULL)
			goto fail;
	}
	return 0;
fail:
	leave_plan_clear(lp);
	return -1;
}

static int
send_to(int fd, const struct cfg_addr *a, uint16_t port, const uint8_t *buf,
    size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	if (cfg_addr_to_sockaddr(a, port, &ss, &sl) == -1)
		return -1;
	return sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) == -1 ?
	    -1 : 0;
}

int
leave_send(const struct leave_plan *lp, uint64_t *seq)
{
	struct hb_packet p;
	uint8_t buf[HB_MAX_LEN];
	int fd4, fd6, n, sent = 0;

	memset(&p, 0, sizeof(p));
	p.hp_state = HB_STATE_FAULT;
	/* the addresses are gone: an owner elsewhere announces them again */
	p.hp_flags = HB_F_LEAVING | HB_F_RELEASED;
	p.hp_cluster = lp->lp_cluster;
	p.hp_node = lp->lp_node;
	p.hp_generation = lp->lp_generation;
	memcpy(p.hp_hash, lp->lp_hash, HB_HASH_LEN);
	fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (size_t i = 0; i < lp->lp_npeers; i++) {
		const struct cfg_addr *a = &lp->lp_peers[i];
		int fd = a->family == AF_INET ? fd4 : fd6;

		p.hp_seq = *seq;
		*seq = heartbeat_seq_next(*seq, pulse_realtime_ms());
		n = heartbeat_encode(&p, lp->lp_key, lp->lp_keylen, buf,
		    sizeof(buf));
		if (fd != -1 && n != -1 &&
		    send_to(fd, a, lp->lp_port, buf, (size_t)n) == 0)
			sent++;
	}
	if (fd4 != -1)
		close(fd4);
	if (fd6 != -1)
		close(fd6);
	return sent;
}

struct present {
	const struct leave_plan	*pr_plan;
	const int		*pr_ifindex;
	uint8_t			*pr_found;
};

static void
present_cb(const struct rtnl_ifaddr *ra, void *arg)
{
	struct present *pr = arg;

	for (size_t i = 0; i < pr->pr_plan->lp_nvips; i++)
		if (pr->pr_ifindex[i] == ra->ra_ifindex &&
		    cfg_addr_equal(&ra->ra_addr,
		    &pr->pr_plan->lp_vips[i].lv_addr))
			pr->pr_found[i] = 1;
}

int
leave_remove_vips(const struct leave_plan *lp)
{
	struct present pr = { lp, NULL, NULL };
	struct rtnl *nl;
	int *idx, removed = 0;
	uint8_t *found;

	if (lp->lp_nvips == 0)
		return 0;
	if ((nl = rtnl_open()) == NULL)
		return -1;
	idx = calloc(lp->lp_nvips, sizeof(*idx));
	found = calloc(lp->lp_nvips, 1);
	if (idx == NULL || found == NULL) {
		removed = -1;
		goto done;
	}
	for (size_t i = 0; i < lp->lp_nvips; i++)
		idx[i] = (int)if_nametoindex(lp->lp_vips[i].lv_dev);
	pr.pr_ifindex = idx;
	pr.pr_found = found;
	/* unknown: try every VIP (removing an absent one is harmless) */
	if (rtnl_addr_list(nl, AF_UNSPEC, present_cb, &pr) == -1)
		memset(found, 1, lp->lp_nvips);
	for (size_t i = 0; i < lp->lp_nvips; i++) {
		const struct leave_vip *lv = &lp->lp_vips[i];
		char a[CFG_ADDR_STRLEN];

		if (idx[i] == 0 || !found[i])
			continue;
		cfg_addr_str(&lv->lv_addr, a, sizeof(a));
		if (rtnl_addr_del(nl, idx[i], &lv->lv_addr,
		    lv->lv_prefix) == -1)
			log_warn("removing %s/%d on %s", a, lv->lv_prefix,
			    lv->lv_label);
		else {
			log_info("removed %s/%d on %s", a, lv->lv_prefix,
			    lv->lv_label);
			removed++;
		}
	}
done:
	free(idx);
	free(found);
	rtnl_close(nl);
	return removed;
}
