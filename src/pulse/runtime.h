/*
 * runtime.h - what pulse runs from: a shoal_config reduced to this node's
 * view (who am I, who are my peers, which addresses float, which commands
 * run on a role change, the timings and the key).
 *
 * The host (its addresses and interfaces) is passed in as a seam so that
 * tests can describe any machine.  runtime_build() refuses configurations
 * pulse cannot run, naming what and where in a diag.
 */
#ifndef SHOAL_RUNTIME_H
#define SHOAL_RUNTIME_H

#include <net/if.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "lib/diag.h"
#include "heartbeat.h"

#define RT_HASH_HEX		65

struct rt_node {
	char		*rn_name;
	uint32_t	 rn_id;			/* heartbeat_node_id(name) */
	int		 rn_priority;
	struct cfg_addr	 rn_addrs[2];		/* public, private */
	size_t		 rn_naddrs;
};

enum rt_vip_kind {
	RT_VIP_LVS,		/* a virtual server's address */
	RT_VIP_FOS,		/* a fail-over service's address */
	RT_VIP_NAT,		/* the NAT router (Piranha's nat_router) */
	RT_VIP_ROUTE,		/* ecmp: a virtual server's address on lo,
				   held while this node announces it */
};

struct rt_vip {
	struct cfg_addr	 rv_addr;
	int		 rv_prefix;
	char		 rv_dev[IFNAMSIZ];	/* the base device: "eth0" */
	char		 rv_label[IFNAMSIZ];	/* as configured: "eth0:1" */
	enum rt_vip_kind rv_kind;
	char		*rv_owner;		/* first service using it */
};

struct rt_fos {
	char		*rf_name;
	char		*rf_start_cmd;		/* may be NULL */
	char		*rf_stop_cmd;		/* may be NULL */
};

/*
 * director_mode = ecmp: this node's session with the upstream router, run
 * by the routing daemon (announce.h).
 */
struct rt_routing {
	uint32_t	 rr_local_as;
	uint32_t	 rr_peer_as;
	struct cfg_addr	 rr_peer;
	uint32_t	 rr_hold_s;
	char		*rr_socket;		/* the daemon's control socket */
	char		*rr_file;		/* the file pulse writes for it */
};

struct pulse_rt {
	enum cfg_service_mode	 rt_mode;
	int			 rt_ecmp;	/* director_mode = ecmp */
	struct rt_routing	 rt_routing;	/* when rt_ecmp */
	struct rt_node		*rt_nodes;
	size_t			 rt_nnodes;
	size_t			 rt_self;	/* index into rt_nodes */
	struct rt_vip		*rt_vips;
	size_t			 rt_nvips;
	struct rt_fos		*rt_fos;
	size_t			 rt_nfos;
	char			(*rt_ifaces)[IFNAMSIZ];	/* tracked links */
	size_t			 rt_nifaces;
	uint32_t		 rt_cluster;
	uint16_t		 rt_port;
	uint32_t		 rt_keepalive_ms;
	uint32_t		 rt_deadtime_ms;
	int			 rt_preempt;
	uint32_t		 rt_preempt_delay_ms;
	int			 rt_monitor_links;
	int			 rt_arp_count;
	uint32_t		 rt_arp_interval_ms;
	uint8_t			*rt_key;	/* secret, NULL = no MAC */
	size_t			 rt_keylen;
	uint8_t			*rt_key2;	/* also accepted (key roll) */
	size_t			 rt_key2len;
	char			*rt_active_cmd;
	char			*rt_inactive_cmd;
	char			*rt_fence_cmd;	/* NULL: none */
	uint32_t		 rt_fence_timeout_ms;
	uint64_t		 rt_generation;
	char			 rt_hash[RT_HASH_HEX];
	uint8_t			 rt_hash_prefix[HB_HASH_LEN];
};

/* One address of this host and the interface holding it. */
struct rt_host_addr {
	struct cfg_addr	 ha_addr;
	char		 ha_ifname[IFNAMSIZ];
};

struct rt_host {
	struct rt_host_addr	*rh_addrs;
	size_t			 rh_naddrs;
	/* true when an interface of that name exists */
	int			(*rh_if_exists)(const char *name, void *arg);
	void			*rh_arg;
	/* the backend lvs_backend = auto picks here (CFG_LB_IPVS when the
	   kernel has IPVS, else CFG_LB_NFTABLES); CFG_LB_AUTO: not known
	   (runtime_host_init(); `shoalctl cleanup` removes every VIP) */
	enum cfg_lb_backend	 rh_auto_backend;
};

/* The real host (getifaddrs, if_nametoindex); 0 or -1. */
int runtime_host_init(struct rt_host *);
void runtime_host_free(struct rt_host *);

/*
 * Builds the runtime view of c for this host.  node_name (may be NULL)
 * picks the node by name instead of by address.  In LVS mode a virtual
 * service the backend cannot program on this host (config/lbcaps.h: no
 * fallback) floats no VIP of its own (a warning in d says why); a VIP it
 * shares with a service that can be programmed still floats.  Returns 0 and *out (free
 * with runtime_free()), or -1 with every reason in d.
 */
int runtime_build(const struct shoal_config *c, const char *node_name,
    const struct rt_host *host, struct pulse_rt **out, struct diag *d);
void runtime_free(struct pulse_rt *);

/* Sets the config identity (generation, SHA-256 hex). */
void runtime_set_identity(struct pulse_rt *, uint64_t generation,
    const char *hash_hex);

/* Index of the node with this id, or -1. */
int runtime_node_index(const struct pulse_rt *, uint32_t id);
/* True when the VIP sets of a and b hold the same address on the same
 * device (the same VIP for reconciliation). */
int runtime_vip_same(const struct rt_vip *, const struct rt_vip *);
/* Prints what pulse would run (for pulse -t). */
void runtime_print(const struct pulse_rt *, FILE *);

#endif
