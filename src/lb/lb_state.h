/*
 * lb_state.h - the load balancer's desired-state model: virtual services
 * with their real servers, IPVS globals and the sync daemon role, built
 * from the configuration, checked against a backend's abilities, copied
 * and compared.  Pure data, no I/O: lb.c (the handle) and the backends
 * (lb_ipvs.c, lb_nft*.c) both use it, and neither includes the other.
 */
#ifndef SHOAL_LB_STATE_H
#define SHOAL_LB_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* Most slots a weighted nftables map expands to (weights are scaled). */
#define LB_NFT_MAX_SLOTS	1024
/* Largest real server weight (IPVS keeps a signed 32-bit weight). */
#define LB_WEIGHT_MAX		65535

enum lb_sync_role {
	LB_SYNC_NONE,		/* no sync daemon */
	LB_SYNC_MASTER,		/* the active router sends its connections */
	LB_SYNC_BACKUP,		/* the others receive them */
};

/*
 * What names a virtual service: (family, fwmark) for a fwmark service,
 * else (address, protocol, port).  ks_af is the address family of the
 * service and of its real servers.
 */
struct lb_svc_key {
	int			 ks_af;		/* AF_INET or AF_INET6 */
	uint32_t		 ks_fwmark;	/* 0 = address service */
	struct cfg_addr		 ks_addr;	/* the VIP */
	enum cfg_protocol	 ks_proto;
	uint16_t		 ks_port;	/* host order */
};

/* A real server.  d_weight 0 = quiesced: no new connections. */
struct lb_dest {
	struct cfg_addr		 d_addr;
	uint16_t		 d_port;	/* host order; 0 = keep (fwmark) */
	int			 d_weight;	/* 0..LB_WEIGHT_MAX */
};

/* A virtual service; owns its array of real servers. */
struct lb_service {
	char			 s_name[CFG_NAME_MAX + 1];	/* for logs */
	struct lb_svc_key	 s_key;
	enum cfg_scheduler	 s_sched;
	enum cfg_network	 s_fwd;		/* forwarding method */
	uint32_t		 s_persistent;	/* seconds, 0 = off */
	int			 s_pmask;	/* prefix, -1 = host */
	struct cfg_addr		 s_sorry;	/* unset = none */
	uint16_t		 s_sorry_port;	/* 0 = the service's port */
	size_t			 s_ndests;
	size_t			 s_capdests;
	struct lb_dest		*s_dests;
};

/* A whole desired state; owns its services. */
struct lb_state {
	size_t			 st_nsvcs;
	size_t			 st_capsvcs;
	struct lb_service	*st_svcs;
	/* IPVS connection timeouts in seconds; 0 = leave the kernel's */
	uint32_t		 st_tcp_timeout;
	uint32_t		 st_tcpfin_timeout;
	uint32_t		 st_udp_timeout;
	/* IPVS sync daemon */
	enum lb_sync_role	 st_sync;
	char			 st_sync_iface[CFG_IFNAME_MAX + 1];
	int			 st_sync_id;
	/*
	 * nftables NAT: also masquerade connections to the real servers, for
	 * real servers that do not route their replies through this router.
	 */
	int			 st_masquerade;
};

/*
 * A real server the backend cannot send to although it is desired (see
 * lb_faults() in lb.h): with nftables direct routing, a real server whose
 * MAC address is not known (f_addr set), or a service whose VIP is on no
 * interface of this host (f_addr unset).  It takes no connection; pulse
 * reports it down (or the service FAILED) with f_reason.  While f_pending
 * (address resolution under way) the caller applies again within
 * LB_FAULT_RETRY_MS; a resolution that failed is retried by every apply.
 */
struct lb_fault {
	struct lb_svc_key	 f_key;
	struct cfg_addr		 f_addr;	/* unset: the whole service */
	uint16_t		 f_port;
	int			 f_pending;
	char			 f_reason[160];
};
#define LB_FAULT_RETRY_MS	200

/* ---- desired state: building and copying (no I/O) ---- */

void lb_state_init(struct lb_state *);
/* Frees everything the state owns and re-initialises it. */
void lb_state_clear(struct lb_state *);
/* Deep copy into an initialised dst (its old content is cleared); 0/-1. */
int lb_state_copy(struct lb_state *dst, const struct lb_state *src);
/*
 * Appends a copy of svc (with its real servers) to st; -1 on ENOMEM or when
 * st already has a service with the same key (logged).
 */
int lb_state_add_service(struct lb_state *st, const struct lb_service *svc);
/* The service with that key, or NULL. */
struct lb_service *lb_state_find(const struct lb_state *,
    const struct lb_svc_key *);

/* An empty service with Piranha's defaults (wlc, nat, no persistence). */
void lb_service_init(struct lb_service *, const struct lb_svc_key *);
void lb_service_clear(struct lb_service *);
/* Adds or replaces (same address and port) one real server; 0 or -1. */
int lb_service_set_dest(struct lb_service *, const struct lb_dest *);
/* Removes one real server; 0, or -1 when it was not there. */
int lb_service_del_dest(struct lb_service *, const struct cfg_addr *,
    uint16_t port);
struct lb_dest *lb_service_find_dest(const struct lb_service *,
    const struct cfg_addr *, uint16_t port);

/* 1 when both keys name the same service. */
int lb_svc_key_equal(const struct lb_svc_key *, const struct lb_svc_key *);
/* The key of a virtual server of the configuration; 0, or -1 if no VIP. */
int lb_svc_key_from_virtual(struct lb_svc_key *, const struct cfg_virtual *);
/* "tcp 10.0.0.1:80", "udp [fd00::1]:53", "fwmark 7 (inet)"; into buf. */
const char *lb_svc_key_str(const struct lb_svc_key *, char *buf, size_t len);
#define LB_KEY_STRLEN	(INET6_ADDRSTRLEN + 24)

/*
 * The desired state of a node holding the VIPs: every active `virtual`
 * with its active real servers (configured weights), the global network
 * (forwarding method), timeouts, and the sync daemon in the given role
 * (LB_SYNC_NONE when syncdaemon = 0).  st must be initialised; its old
 * content is cleared.  0, or -1 (ENOMEM, a virtual without an address:
 * logged).
 */
int lb_state_from_config(struct lb_state *st, const struct shoal_config *,
    enum lb_sync_role role);

/*
 * Where a check puts what it refuses: each problem is logged as "lb:
 * service KEY: MESSAGE" when wl_log, and the first MESSAGE is kept in
 * wl_buf (when not NULL) for a status page.
 */
struct lb_why {
	int		 wl_log;
	char		*wl_buf;
	size_t		 wl_len;
	int		 wl_count;
};
void lb_why_add(struct lb_why *, const struct lb_svc_key *,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Checks one service against what a backend can do (see lb_state_check());
 * returns the number of problems, reported through why (may be NULL:
 * logged).
 */
int lb_service_check(const struct lb_service *, enum cfg_lb_backend,
    struct lb_why *why);

/*
 * Checks a state against what a backend can do, logging every problem
 * (service named).  Both backends: families of VIP and real servers agree,
 * weights in range, no duplicate real servers, an IPv6 persistence
 * netmask of 1..128 (the kernel refuses /0).  IPVS: no real server of
 * another family while the sync daemon runs.  nftables: what
 * lb_nft_check_service() (lb_nft.h) accepts.
 * Returns the number of problems (0 = fine).
 */
int lb_state_check(const struct lb_state *, enum cfg_lb_backend kind);

/* Removes the service with that key; 0, or -1 when it was not there. */
int lb_state_remove(struct lb_state *, const struct lb_svc_key *);

/*
 * The state a backend programs: a copy of src where a service without any
 * real server of weight > 0 also gets its sorry server (weight 1).  dst is
 * initialised by the caller; 0 or -1 (ENOMEM).
 */
int lb_state_effective(struct lb_state *dst, const struct lb_state *src);

/* 1 when two services have the same attributes (not real servers). */
int lb_service_attrs_equal(const struct lb_service *,
    const struct lb_service *);

#endif
