/*
 * vip.h - owning the virtual IPs: add/remove through rtnetlink, announce
 * with gratuitous ARP / unsolicited NA, reconcile with what the kernel
 * really has.
 *
 * While held, every VIP is re-added each keepalive with a short kernel
 * lifetime (VIP_LIFETIME_S), so a pulse that is killed outright (parent
 * and worker together) cannot leave its addresses on the LAN for long.
 *
 * In ECMP mode (rt_ecmp) no gratuitous ARP is ever sent (the upstream
 * router routes to the VIPs); a VIP is held on its device while ACTIVE
 * (the data plane) and, as RT_VIP_ROUTE, on lo while announce.c wants it
 * (the routing daemon announces what lo holds).
 */
#ifndef SHOAL_VIP_H
#define SHOAL_VIP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

struct event_base;
struct rtnl;
struct vipset;

/* A set for rt's VIPs; announcements run on base.  NULL on error. */
struct vipset *vipset_new(struct event_base *, struct rtnl *,
    const struct pulse_rt *);
void vipset_free(struct vipset *);

/*
 * Holds every VIP: adds it to the kernel (rtnetlink) and keeps it there
 * (vipset_refresh).  Returns the number that failed (logged).
 */
int vipset_add(struct vipset *);
/*
 * Announces the held VIPs: the first gratuitous ARP / unsolicited NA at
 * once, the rest of arp_count at arp_interval ("gratuitous lvs arps
 * finished" when done).
 */
void vipset_arp_start(struct vipset *);
/* Stops the announcements still due. */
void vipset_arp_stop(struct vipset *);
/*
 * Announces every held VIP once more, now (gratuitous ARP / unsolicited
 * NA), outside the arp_count series.
 */
void vipset_announce(struct vipset *);
/* Removes every VIP this set describes from the kernel (announcements
 * stop too).  Returns the number that failed. */
int vipset_down(struct vipset *);
/* Re-adds held VIPs (lifetime refresh, and repair when someone removed
 * one); no announcement unless one had to be added back. */
void vipset_refresh(struct vipset *);
/*
 * Switches to rt's VIP list: VIPs that left the configuration are removed
 * from the kernel, new ones are added when the set is up, VIPs that stay
 * are untouched.  0 or -1.
 */
int vipset_update(struct vipset *, const struct pulse_rt *);
int vipset_is_up(const struct vipset *);
/*
 * Whether rt_vips[i] is to be held while the set is up (1 by default;
 * 0 for RT_VIP_ROUTE, which announce.c decides VIP by VIP).  Adds or
 * removes it at once when the set is up.  1 when the wish changed.
 */
int vipset_want(struct vipset *, size_t i, int want);
/* True when rt_vips[i] is on its interface (as far as pulse knows). */
int vipset_held(const struct vipset *, size_t i);
/* [{"address", "prefix", "device", "label", "held"}] */
json_t *vipset_json(const struct vipset *);

/* ecmp: the lifetime of a VIP on its device (not announced, no ARP). */
#define VIP_DATA_LIFETIME_S	60

/* Lifetime in seconds given to held VIPs for this deadtime. */
uint32_t vip_lifetime_s(uint32_t deadtime_ms, uint32_t keepalive_ms);

/*
 * Removes rt's VIPs from the kernel without any state (`pulse --cleanup`;
 * the supervisor does the same from its leave plan).  Returns the number
 * removed, -1 on error.
 */
int vip_remove_all(const struct pulse_rt *);

#endif
