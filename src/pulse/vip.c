/*
 * vip.c - virtual IP ownership (see vip.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/util.h"
#include "net/arp.h"
#include "net/rtnl.h"
#include "leave.h"
#include "vip.h"

struct vip {
	struct rt_vip	 v_cfg;
	int		 v_ifindex;
	int		 v_held;
	int		 v_want;	/* held while the set is up */
	uint8_t		 v_mac[ARP_MAC_LEN];
	int		 v_have_mac;
};

struct vipset {
	struct event_base	*vs_base;
	struct rtnl		*vs_nl;
	struct vip		*vs_vips;
	size_t			 vs_n;
	int			 vs_up;
	enum cfg_service_mode	 vs_mode;
	int			 vs_ecmp;	/* per-VIP, never ARP */
	int			 vs_arp_count;
	uint32_t		 vs_arp_interval_ms;
	uint32_t		 vs_lifetime_s;
	int			 vs_arps_left;
	struct event		*vs_arp_ev;
};

uint32_t
vip_lifetime_s(uint32_t deadtime_ms, uint32_t keepalive_ms)
{
	uint32_t ms = deadtime_ms > keepalive_ms * 4 ? deadtime_ms :
	    keepalive_ms * 4;

	/* whole seconds, at least 2: the kernel ages addresses in seconds */
	return ms / 1000 + 2;
}

/* An announcement is held only once announce.c wants it. */
static void
vip_init(struct vip *v, const struct rt_vip *cfg)
{
	memset(v, 0, sizeof(*v));
	v->v_cfg = *cfg;
	v->v_cfg.rv_owner = NULL;	/* not needed; rt owns the string */
	v->v_want = cfg->rv_kind != RT_VIP_ROUTE;
}

/* What holding and releasing v is called in the log. */
static const char *
verb(const struct vipset *s, const struct vip *v, int on)
{
	if (v->v_cfg.rv_kind == RT_VIP_ROUTE)
		return on ? "announcing" : "withdrawing";
	if (s->vs_ecmp)
		return on ? "holding" : "releasing";
	return on ? "taking over" : "releasing";
}

static void arp_timer(int, short, void *);
static int in_kernel(struct rtnl *, const struct vip *);

static void
set_params(struct vipset *s, const struct pulse_rt *rt)
{
	s->vs_mode = rt->rt_mode;
	s->vs_ecmp = rt->rt_ecmp;
	s->vs_arp_count = rt->rt_arp_count > 0 ? rt->rt_arp_count : 1;
	s->vs_arp_interval_ms = rt->rt_arp_interval_ms;
	s->vs_lifetime_s = vip_lifetime_s(rt->rt_deadtime_ms,
	    rt->rt_keepalive_ms);
}

struct vipset *
vipset_new(struct event_base *base, struct rtnl *nl,
    const struct pulse_rt *rt)
{
	struct vipset *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->vs_base = base;
	s->vs_nl = nl;
	if ((s->vs_arp_ev = evtimer_new(base, arp_timer, s)) == NULL)
		goto fail;
	if (rt->rt_nvips > 0 && (s->vs_vips = calloc(rt->rt_nvips,
	    sizeof(*s->vs_vips))) == NULL)
		goto fail;
	set_params(s, rt);
	for (size_t i = 0; i < rt->rt_nvips; i++)
		vip_init(&s->vs_vips[s->vs_n++], &rt->rt_vips[i]);
	return s;
fail:
	vipset_free(s);
	return NULL;
}

void
vipset_free(struct vipset *s)
{
	if (s == NULL)
		return;
	if (s->vs_arp_ev != NULL)
		event_free(s->vs_arp_ev);
	free(s->vs_vips);
	free(s);
}

static const char *
vstr(const struct vip *v, char *buf, size_t len)
{
	char a[CFG_ADDR_STRLEN];

	snprintf(buf, len, "%s/%d on %s", cfg_addr_str(&v->v_cfg.rv_addr, a,
	    sizeof(a)), v->v_cfg.rv_prefix, v->v_cfg.rv_label);
	return buf;
}

static int
resolve(struct vip *v)
{
	v->v_ifindex = (int)if_nametoindex(v->v_cfg.rv_dev);
	if (v->v_ifindex == 0) {
		log_warn("interface %s", v->v_cfg.rv_dev);
		return -1;
	}
	if (!v->v_have_mac && arp_if_mac(v->v_cfg.rv_dev, v->v_mac) == 0)
		v->v_have_mac = 1;
	return 0;
}

static void
announce(const struct vipset *s, struct vip *v)
{
	if (s->vs_ecmp || !v->v_held || !v->v_have_mac)
		return;
	if (v->v_cfg.rv_addr.family == AF_INET)
		(void)arp_send_garp(v->v_ifindex, v->v_mac,
		    v->v_cfg.rv_addr.u.v4);
	else
		(void)arp_send_na(v->v_ifindex, v->v_mac,
		    &v->v_cfg.rv_addr.u.v6);
}

/*
 * ecmp's data-plane addresses are neither ARPed nor announced, so a pulse
 * killed outright leaves nothing wrong behind with them; a long lifetime
 * keeps a busy worker from losing one (and the ingress of its load
 * balancer with it) between two refreshes.
 */
static uint32_t
lifetime(const struct vipset *s, const struct vip *v)
{
	if (s->vs_ecmp && v->v_cfg.rv_kind != RT_VIP_ROUTE)
		return VIP_DATA_LIFETIME_S;
	return s->vs_lifetime_s;
}

static int
add_one(struct vipset *s, struct vip *v, int quiet)
{
	char buf[128];

	if (resolve(v) == -1)
		return -1;
	if (rtnl_addr_add(s->vs_nl, v->v_ifindex, &v->v_cfg.rv_addr,
	    v->v_cfg.rv_prefix, v->v_cfg.rv_label, lifetime(s, v)) == -1) {
		log_warn("adding %s", vstr(v, buf, sizeof(buf)));
		return -1;
	}
	if (!quiet)
		log_info("%s %s", verb(s, v, 1), vstr(v, buf, sizeof(buf)));
	v->v_held = 1;
	return 0;
}

static void
arm_arps(struct vipset *s)
{
	struct timeval tv;

	if (s->vs_ecmp)
		return;		/* routed, not ARPed */
	s->vs_arps_left = s->vs_arp_count - 1;
	if (s->vs_arps_left <= 0) {
		log_info("gratuitous %s arps finished",
		    s->vs_mode == CFG_MODE_FOS ? "fos" : "lvs");
		return;
	}
	tv.tv_sec = s->vs_arp_interval_ms / 1000;
	tv.tv_usec = (s->vs_arp_interval_ms % 1000) * 1000;
	evtimer_add(s->vs_arp_ev, &tv);
}

static void
arp_timer(int fd, short what, void *arg)
{
	struct vipset *s = arg;

	(void)fd;
	(void)what;
	if (!s->vs_up)
		return;
	for (size_t i = 0; i < s->vs_n; i++)
		announce(s, &s->vs_vips[i]);
	if (--s->vs_arps_left > 0) {
		struct timeval tv = { s->vs_arp_interval_ms / 1000,
		    (s->vs_arp_interval_ms % 1000) * 1000 };

		evtimer_add(s->vs_arp_ev, &tv);
		return;
	}
	log_info("gratuitous %s arps finished", s->vs_mode == CFG_MODE_FOS ?
	    "fos" : "lvs");
}

int
vipset_add(struct vipset *s)
{
	int failed = 0;

	s->vs_up = 1;
	for (size_t i = 0; i < s->vs_n; i++)
		if (s->vs_vips[i].v_want && add_one(s, &s->vs_vips[i], 0) == -1)
			failed++;
	return failed;
}

void
vipset_arp_start(struct vipset *s)
{
	/* first announcement at once, after every address is in place */
	for (size_t i = 0; i < s->vs_n; i++)
		announce(s, &s->vs_vips[i]);
	arm_arps(s);
}

void
vipset_arp_stop(struct vipset *s)
{
	evtimer_del(s->vs_arp_ev);
}

void
vipset_announce(struct vipset *s)
{
	if (!s->vs_up)
		return;
	for (size_t i = 0; i < s->vs_n; i++)
		announce(s, &s->vs_vips[i]);
}

static int
del_one(struct vipset *s, struct vip *v)
{
	char buf[128];
	int idx = (int)if_nametoindex(v->v_cfg.rv_dev);

	v->v_held = 0;
	if (idx == 0)
		return 0;	/* the device is gone, and its addresses */
	v->v_ifindex = idx;
	if (!in_kernel(s->vs_nl, v))
		return 0;
	if (rtnl_addr_del(s->vs_nl, idx, &v->v_cfg.rv_addr,
	    v->v_cfg.rv_prefix) == -1) {
		log_warn("removing %s", vstr(v, buf, sizeof(buf)));
		return -1;
	}
	log_info("%s %s", verb(s, v, 0), vstr(v, buf, sizeof(buf)));
	return 0;
}

int
vipset_down(struct vipset *s)
{
	int failed = 0;

	s->vs_up = 0;
	evtimer_del(s->vs_arp_ev);
	for (size_t i = 0; i < s->vs_n; i++)
		if (del_one(s, &s->vs_vips[i]) == -1)
			failed++;
	return failed;
}

struct seen {
	const struct vip	*vip;
	int			 found;
};

static void
seen_cb(const struct rtnl_ifaddr *ra, void *arg)
{
	struct seen *sn = arg;

	if (ra->ra_ifindex == sn->vip->v_ifindex &&
	    cfg_addr_equal(&ra->ra_addr, &sn->vip->v_cfg.rv_addr))
		sn->found = 1;
}

/* True when the kernel has v (reconciliation against reality). */
static int
in_kernel(struct rtnl *nl, const struct vip *v)
{
	struct seen sn = { v, 0 };

	if (rtnl_addr_list(nl, v->v_cfg.rv_addr.family, seen_cb,
	    &sn) == -1)
		return 1;	/* unknown: assume present, re-add anyway */
	return sn.found;
}

struct present {
	const struct vipset	*set;
	unsigned char		*seen;
};

static void
present_cb(const struct rtnl_ifaddr *ra, void *arg)
{
	struct present *p = arg;

	for (size_t i = 0; i < p->set->vs_n; i++) {
		const struct vip *v = &p->set->vs_vips[i];

		if (ra->ra_ifindex == v->v_ifindex &&
		    cfg_addr_equal(&ra->ra_addr, &v->v_cfg.rv_addr))
			p->seen[i] = 1;
	}
}

/*
 * Every keepalive while up: one address dump tells which held VIPs are
 * still there; each is re-added (refreshing its kernel lifetime), and one
 * that someone removed is announced again.
 */
void
vipset_refresh(struct vipset *s)
{
	unsigned char seen[s->vs_n + 1];
	struct present p = { s, seen };
	char buf[128];
	int known;

	if (!s->vs_up)
		return;
	memset(seen, 0, sizeof(seen));
	known = rtnl_addr_list(s->vs_nl, AF_UNSPEC, present_cb, &p) == 0;
	for (size_t i = 0; i < s->vs_n; i++) {
		struct vip *v = &s->vs_vips[i];
		int missing = known && v->v_ifindex != 0 && !seen[i];

		if (!v->v_want)
			continue;
		if (missing)
			log_warnx("%s vanished from the kernel: adding it "
			    "back", vstr(v, buf, sizeof(buf)));
		if (add_one(s, v, 1) == 0 && missing)
			announce(s, v);
	}
}

static struct vip *
find(struct vip *list, size_t n, const struct rt_vip *cfg)
{
	for (size_t i = 0; i < n; i++)
		if (runtime_vip_same(&list[i].v_cfg, cfg))
			return &list[i];
	return NULL;
}

int
vipset_update(struct vipset *s, const struct pulse_rt *rt)
{
	struct vip *nv = NULL, *old;
	int added = 0;

	if (rt->rt_nvips > 0 && (nv = calloc(rt->rt_nvips,
	    sizeof(*nv))) == NULL)
		return -1;
	set_params(s, rt);
	for (size_t i = 0; i < rt->rt_nvips; i++)
		vip_init(&nv[i], &rt->rt_vips[i]);
	/* VIPs that left the configuration go, held or not (reality may
	 * differ from what we think we hold) */
	for (size_t i = 0; i < s->vs_n; i++)
		if (find(nv, rt->rt_nvips, &s->vs_vips[i].v_cfg) == NULL)
			(void)del_one(s, &s->vs_vips[i]);
	for (size_t i = 0; i < rt->rt_nvips; i++) {
		if ((old = find(s->vs_vips, s->vs_n, &rt->rt_vips[i])) != NULL) {
			nv[i].v_held = old->v_held;
			nv[i].v_want = old->v_want;
			nv[i].v_ifindex = old->v_ifindex;
			memcpy(nv[i].v_mac, old->v_mac, ARP_MAC_LEN);
			nv[i].v_have_mac = old->v_have_mac;
		}
	}
	free(s->vs_vips);
	s->vs_vips = nv;
	s->vs_n = rt->rt_nvips;
	if (s->vs_up)
		for (size_t i = 0; i < s->vs_n; i++)
			if (s->vs_vips[i].v_want && !s->vs_vips[i].v_held &&
			    add_one(s, &s->vs_vips[i], 0) == 0) {
				announce(s, &s->vs_vips[i]);
				added++;
			}
	if (added > 0)
		arm_arps(s);
	return 0;
}

int
vipset_want(struct vipset *s, size_t i, int want)
{
	struct vip *v;

	if (i >= s->vs_n || s->vs_vips[i].v_want == !!want)
		return 0;
	v = &s->vs_vips[i];
	v->v_want = !!want;
	if (s->vs_up && want)
		(void)add_one(s, v, 0);
	else if (s->vs_up)
		(void)del_one(s, v);
	return 1;
}

int
vipset_held(const struct vipset *s, size_t i)
{
	return i < s->vs_n && s->vs_vips[i].v_held;
}

int
vipset_is_up(const struct vipset *s)
{
	return s->vs_up;
}

json_t *
vipset_json(const struct vipset *s)
{
	json_t *a = json_array();
	char addr[CFG_ADDR_STRLEN];

	for (size_t i = 0; a != NULL && i < s->vs_n; i++) {
		const struct vip *v = &s->vs_vips[i];

		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:s, s:b}",
		    "address", cfg_addr_str(&v->v_cfg.rv_addr, addr,
		    sizeof(addr)), "prefix", v->v_cfg.rv_prefix, "device",
		    v->v_cfg.rv_dev, "label", v->v_cfg.rv_label, "held",
		    v->v_held));
	}
	return a;
}

int
vip_remove_all(const struct pulse_rt *rt)
{
	struct leave_plan lp;
	int removed;

	if (leave_plan_build(rt, &lp) == -1)
		return -1;
	removed = leave_remove_vips(&lp);
	leave_plan_clear(&lp);
	return removed;
}
