/*
 * ctsync.h - connection sync for the nftables backend: pulse writes a
 * conntrackd configuration (conntrack-tools, FTFW mode) from the cluster's
 * configuration, runs conntrackd on every router and restarts it when it
 * dies, and on each role change does what the conntrack-tools manual says
 * a primary/backup pair does:
 *
 *   becoming ACTIVE   conntrackd -c (commit the external cache: the
 *                     backup's copy of the old active's connections goes
 *                     into the kernel; before the addresses are taken),
 *                     -f (flush the caches), -R
 *                     (resync the internal cache with the kernel), -B
 *                     (bulk update to the backups)
 *   leaving ACTIVE    conntrackd -t (shorten the kernel's timers: the
 *                     connections now belong to the new active), -n
 *                     (request a resync from it)
 *
 * With IPVS the kernel's own sync daemon does this (lb.h); `syncdaemon =
 * 1` means "connection sync" for both backends.  conntrackd missing or
 * failing: logged, status says "down" with the reason, load balancing goes
 * on; it is started again with a growing back-off (1 s to 30 s).
 *
 * Files, all in the run directory: conntrackd.conf (written only when its
 * text changes), conntrackd.ctl (its UNIX socket), conntrackd.lock,
 * conntrackd.log.
 */
#ifndef SHOAL_CTSYNC_H
#define SHOAL_CTSYNC_H

#include <jansson.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct event_base;
struct ctsync;

#define CTSYNC_PORT_DEFAULT	3780	/* conntrackd's own default */
#define CTSYNC_GROUP4		"225.0.0.50"	/* more than one peer */
#define CTSYNC_BIN_DEFAULT	"/usr/sbin/conntrackd"
#define CTSYNC_MAX_PEERS	16
#define CTSYNC_CMD_TIMEOUT_MS	5000
#define CTSYNC_COMMIT_TIMEOUT_MS 3000	/* waited for: see ctsync_role() */

/* What conntrackd.conf says: one router's view of the sync link. */
struct ctsync_conf {
	char		 cc_rundir[256];
	struct cfg_addr	 cc_self;	/* this router's sync address */
	char		 cc_ifname[IFNAMSIZ];	/* the interface holding it */
	struct cfg_addr	 cc_peers[CTSYNC_MAX_PEERS];	/* other routers */
	size_t		 cc_npeers;
	/* addresses whose connections are not synced: the routers' own */
	struct cfg_addr	 cc_ignore[2 * (CTSYNC_MAX_PEERS + 1)];
	size_t		 cc_nignore;
	uint16_t	 cc_port;
};

/*
 * The sync link of this router: the nodes' private addresses when this
 * node and every peer have one (a dedicated link, as the manual advises),
 * else their public addresses; the interface holding this node's address
 * (from getifaddrs).  self: this node's index in nodes.  0, or -1 with a
 * sentence in why (no peer, too many, an interface not found, more than
 * one IPv6 peer: conntrackd's IPv6 multicast is not used).
 */
int ctsync_conf_build(struct ctsync_conf *, const struct cfg_node_list *nodes,
    const struct cfg_node *self, const char *rundir, uint16_t port,
    char *why, size_t whylen);

/*
 * conntrackd.conf for cc: FTFW over UDP to the one peer, or over the
 * multicast group CTSYNC_GROUP4 to several; TCP and UDP connections; the
 * routers' own addresses ignored.  A malloc'ed string, NULL on ENOMEM.
 */
char *ctsync_conf_text(const struct ctsync_conf *);

/* A stopped connection sync; NULL on ENOMEM. */
struct ctsync *ctsync_new(struct event_base *);
/* Stops conntrackd (if running) and frees. */
void ctsync_free(struct ctsync *);

/*
 * Runs conntrackd (the program bin) with cc, or stops it (cc NULL, with
 * off_why saying why: "syncdaemon = 0", "the IPVS backend syncs itself").
 * A new configuration text restarts it; the same one leaves it running.
 * An error building cc is given as down_why (cc NULL): status "down".
 */
void ctsync_set(struct ctsync *, const char *bin, const struct ctsync_conf *cc,
    const char *off_why, const char *down_why);

/*
 * The role changed: becoming active runs conntrackd -c and waits for it
 * (at most CTSYNC_COMMIT_TIMEOUT_MS; the caller does this before taking
 * the addresses), then -f, -R, -B in the background; leaving runs -t and
 * -n in the background.  Nothing when conntrackd is not running (logged).
 */
void ctsync_role(struct ctsync *, int active);

/*
 * {"state": "up" | "down" | "off", "reason", "since", "pid",
 *  "last_role_change": {"role", "result"}}
 */
json_t *ctsync_json(const struct ctsync *);
/* "up", "down" or "off". */
const char *ctsync_state(const struct ctsync *);

#endif
