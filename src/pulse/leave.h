/*
 * leave.h - what the supervisor does when the worker has died: remove
 * this node's virtual addresses and tell every peer that this node is
 * leaving, so that a crashed worker leaves no duplicate address on the
 * LAN and the backup need not wait for the dead time.
 *
 * The supervisor does not read the database (that would load SQLite into
 * a process that otherwise needs only libc and libmnl).  The worker hands
 * it a leave plan instead, over a SOCK_SEQPACKET socket, each time it has
 * (re)loaded the configuration: the VIPs it may hold, the peers' heartbeat
 * paths and what a LEAVING heartbeat must carry.  Both ends are built from
 * the same source (pulse finds pulse-worker beside itself or in its
 * libexec folder); the plan still starts with a magic and its sizes, and
 * a plan that does not add up exactly is refused.
 */
#ifndef SHOAL_PULSE_LEAVE_H
#define SHOAL_PULSE_LEAVE_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "heartbeat.h"

struct pulse_rt;

#define LEAVE_PLAN_MAX		(1024 * 1024)	/* bytes on the wire */

struct leave_vip {
	struct cfg_addr	 lv_addr;
	int		 lv_prefix;
	char		 lv_dev[IFNAMSIZ];	/* "eth0" */
	char		 lv_label[IFNAMSIZ];	/* "eth0:1", for the log */
};

struct leave_plan {
	uint32_t		 lp_cluster;
	uint32_t		 lp_node;
	uint64_t		 lp_generation;
	uint8_t			 lp_hash[HB_HASH_LEN];
	uint16_t		 lp_port;
	uint8_t			*lp_key;	/* NULL: no MAC */
	size_t			 lp_keylen;
	struct cfg_addr		*lp_peers;	/* every path of every peer */
	size_t			 lp_npeers;
	struct leave_vip	*lp_vips;
	size_t			 lp_nvips;
};

/* Milliseconds of CLOCK_REALTIME (sequence numbers survive restarts). */
uint64_t pulse_realtime_ms(void);

/* The plan for a runtime configuration.  0, or -1 (out of memory). */
int leave_plan_build(const struct pulse_rt *, struct leave_plan *);
/* Frees what the plan holds and wipes the key. */
void leave_plan_clear(struct leave_plan *);
/* The plan as one message (free() it, after wiping: it holds the key);
 * NULL when out of memory or larger than LEAVE_PLAN_MAX. */
uint8_t *leave_plan_encode(const struct leave_plan *, size_t *len);
/* 0, or -1 when buf is not exactly one well-formed plan. */
int leave_plan_decode(const uint8_t *buf, size_t len, struct leave_plan *);

/*
 * Sends a LEAVING heartbeat (state fault, priority 0) to every path of
 * every peer, using and advancing *seq.  Returns the packets sent.
 */
int leave_send(const struct leave_plan *, uint64_t *seq);
/*
 * Removes the plan's VIPs that the kernel has on their interface.
 * Returns how many it removed, or -1 when rtnetlink is unavailable.
 */
int leave_remove_vips(const struct leave_plan *);

#endif
