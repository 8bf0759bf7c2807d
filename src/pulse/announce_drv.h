/*
 * announce_drv.h - the routing-daemon driver behind announce.h: what
 * pulse needs from the daemon that speaks BGP to the upstream router, and
 * nothing more.  One driver is built (announce_bird.c, BIRD 2); another
 * daemon would be one more file implementing these functions.
 *
 * The announcement itself is not the driver's business: a VIP is
 * announced while the kernel holds it on its interface, because the
 * driver's configuration tells the daemon to export exactly the VIPs'
 * host routes that the kernel has (BIRD: a direct protocol filtered to
 * the VIPs).  The driver puts the session settings into the daemon,
 * keeps asking it how the session is, and says when that changed.  It
 * never blocks: the daemon is spoken to on the worker's event loop, each
 * exchange bounded by RD_TIMEOUT_MS.
 */
#ifndef SHOAL_PULSE_ANNOUNCE_DRV_H
#define SHOAL_PULSE_ANNOUNCE_DRV_H

#include <limits.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "config/config.h"

struct event_base;
struct rd;

#define RD_POLL_MS		1000	/* how often the session is asked */
#define RD_TIMEOUT_MS		2000	/* one exchange with the daemon */
#define RD_SOCK_MAX		(sizeof(((struct sockaddr_un *)0)->sun_path))

/* One VIP the daemon may announce (while the kernel holds it). */
struct rd_vip {
	struct cfg_addr	 rv_addr;
	int		 rv_prefix;
	char		 rv_dev[IFNAMSIZ];
};

/* The session settings of this node (its node block). */
struct rd_conf {
	char		 rc_node[CFG_NAME_MAX + 1];
	uint64_t	 rc_generation;		/* for the file's comment */
	uint32_t	 rc_local_as;
	uint32_t	 rc_peer_as;
	struct cfg_addr	 rc_peer;
	struct cfg_addr	 rc_local;		/* unset: the daemon picks */
	uint32_t	 rc_hold_s;
	char		 rc_socket[RD_SOCK_MAX];
	char		 rc_file[PATH_MAX];
	struct rd_vip	*rc_vips;		/* the caller's */
	size_t		 rc_nvips;
};

enum rd_state {
	RD_STARTING,		/* not asked yet */
	RD_MISSING,		/* no control socket: not installed or not
				   started */
	RD_DOWN,		/* the socket refuses connections */
	RD_NOT_RESPONDING,	/* connected, no answer in RD_TIMEOUT_MS */
	RD_CONFIG_ERROR,	/* the daemon refused its configuration */
	RD_NOT_INCLUDED,	/* it runs without shoal's protocols: its
				   configuration does not include rc_file */
	RD_UP,			/* it runs shoal's protocols */
};

struct rd_status {
	enum rd_state	 st_state;
	char		 st_error[256];	/* what the daemon or the system said */
	int		 st_vips_up;	/* the VIP export protocol runs */
	int		 st_established; /* the BGP session is established */
	char		 st_session[16]; /* "Established", "Active", ... */
	char		 st_info[128];	 /* the session's last error */
	int64_t		 st_since;	/* unix time of the last change */
	uint64_t	 st_polls, st_failures;
};

/* The daemon's name ("bird"). */
const char *rd_name(void);
const char *rd_state_name(enum rd_state);

/*
 * A driver on base; changed(arg) runs (from the loop) whenever the status
 * changed.  Nothing is asked before rd_configure().  NULL on ENOMEM.
 */
struct rd *rd_open(struct event_base *, void (*changed)(void *), void *arg);
/* Closes the connection and stops polling; the daemon keeps its
 * configuration (withdrawing is the addresses' business). */
void rd_close(struct rd *);
/*
 * Takes new settings (copied): writes the daemon's configuration file
 * when its content differs from c's (atomically, mode 0644) and has the
 * daemon read it, now or as soon as it is reachable.  Polling starts.
 * 0, or -1 when the file cannot be written (logged, and in the status).
 */
int rd_configure(struct rd *, const struct rd_conf *);
const struct rd_status *rd_status(const struct rd *);

#endif
