/*
 * rtnl.h - rtnetlink (libmnl): addresses and links.
 *
 * pulse adds and removes its virtual IPs here (IPv4 with a Piranha-style
 * label such as "eth0:1", IPv6 with IFA_F_NODAD so the address is usable
 * at once), lists what the kernel really has (reconciliation), looks links
 * up and watches link events (monitor_links).  Message building and
 * parsing are exposed for unit tests.
 */
#ifndef SHOAL_RTNL_H
#define SHOAL_RTNL_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cfg_addr.h"

struct nlmsghdr;
struct rtnl;

struct rtnl_ifaddr {
	int		 ra_ifindex;
	struct cfg_addr	 ra_addr;
	int		 ra_prefix;
	char		 ra_label[IFNAMSIZ];	/* "" when none (IPv6) */
};

struct rtnl_link {
	int		 rl_ifindex;
	char		 rl_name[IFNAMSIZ];
	unsigned int	 rl_flags;		/* IFF_* */
	int		 rl_usable;		/* IFF_UP and IFF_RUNNING (carrier) */
	int		 rl_deleted;		/* RTM_DELLINK */
};

/* A request socket; NULL (logged) on error.  rtnl_close() frees. */
struct rtnl *rtnl_open(void);
/* A socket subscribed to link events (non-blocking); NULL on error. */
struct rtnl *rtnl_monitor_open(void);
void rtnl_close(struct rtnl *);
int rtnl_fd(const struct rtnl *);

/*
 * Adds addr/prefix on ifindex (replacing an existing one, so adding twice
 * is fine and refreshes it); label may be NULL and is ignored for IPv6.
 * lifetime_s > 0 makes the kernel drop the address by itself that many
 * seconds after the last add (so a killed daemon cannot leave it behind);
 * 0 = forever.  0 or -1 (errno).
 */
int rtnl_addr_add(struct rtnl *, int ifindex, const struct cfg_addr *,
    int prefix, const char *label, uint32_t lifetime_s);
/* Removes it; an address that is already gone is success.  0 or -1. */
int rtnl_addr_del(struct rtnl *, int ifindex, const struct cfg_addr *,
    int prefix);
/*
 * Calls cb for every address of family (AF_UNSPEC: all) the kernel has.
 * 0 or -1.
 */
int rtnl_addr_list(struct rtnl *, int family,
    void (*cb)(const struct rtnl_ifaddr *, void *), void *arg);
/* Looks a link up by name; 0, or -1 (errno ENODEV when absent). */
int rtnl_link_get(struct rtnl *, const char *name, struct rtnl_link *);
/*
 * Reads every pending link event from a monitor socket and calls cb for
 * each.  0, or -1 on a socket error (ENOBUFS: events were lost, the caller
 * should re-read the links it cares about).
 */
int rtnl_monitor_read(struct rtnl *,
    void (*cb)(const struct rtnl_link *, void *), void *arg);

/* Builders and parsers (no I/O). */
struct nlmsghdr *rtnl_build_addr(void *buf, size_t len, int type,
    int ifindex, const struct cfg_addr *, int prefix, const char *label,
    uint32_t lifetime_s, uint32_t seq);
int rtnl_parse_addr(const struct nlmsghdr *, struct rtnl_ifaddr *);
int rtnl_parse_link(const struct nlmsghdr *, struct rtnl_link *);

#endif
