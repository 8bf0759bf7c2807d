/*
 * lb.h - the load balancer: one interface over the kernel's IPVS (generic
 * netlink) and nftables (libnftables).
 *
 * The caller (pulse) describes a *desired state*: the virtual services this
 * node owns, each with its real servers, plus global timeouts and the
 * connection sync daemon.  The backend makes the kernel match it and
 * remembers what it applied, so every later call is a difference:
 *
 *	struct lb *lb = lb_open(cfg->c_global.g_lb_backend);
 *	struct lb_state want;
 *	lb_state_from_config(&want, cfg, LB_SYNC_MASTER);  // becoming ACTIVE
 *	lb_apply(lb, &want);                    // reload: call again
 *	lb_state_clear(&want);
 *	...
 *	lb_server_weight(lb, &key, &rs_addr, rs_port, 0);   // nanny: quiesce
 *	lb_server_remove(lb, &key, &rs_addr, rs_port);      // nanny: down
 *	lb_server_set(lb, &key, &dest);                     // nanny: up again
 *	...
 *	lb_clear(lb);                           // leaving ACTIVE: remove ours
 *	lb_set_sync(lb, LB_SYNC_BACKUP, iface, id); // BACKUP: receive conns
 *	lb_close(lb);
 *
 * A service is named by its key (lb_svc_key_from_virtual() gives the key
 * of a `virtual` block); a real server by address and port: rs_address and
 * rs_port of its `server` block, port 0 for a fwmark service (as
 * lb_state_from_config() builds them).
 *
 * Ownership: shoal only touches what it created.  IPVS: services shoal
 * created (or adopted: a desired service already in the kernel is taken
 * over and reconciled); other services are never modified and nothing is
 * flushed.  nftables: everything lives in the table `inet shoal`; no other
 * table is read or written.
 *
 * Atomicity: changing one real server (lb_server_*) is one kernel change
 * (one IPVS netlink command, or one nftables transaction that replaces the
 * service's map elements).  lb_apply() with many differences is one
 * nftables transaction; under IPVS it is a sequence of commands.
 *
 * Errors: every function returns 0 or -1; the kernel's message is logged
 * (log_warnx) and nothing aborts.  After a failed call the backend no longer
 * trusts its memory of the kernel: the next lb_apply() reconciles from
 * scratch (IPVS: a GET_SERVICE dump; nftables: the table is replaced in one
 * transaction), so retrying lb_apply() with the same desired state is the
 * recovery.  A failing service does not stop the others from being applied.
 *
 * Sorry server: when no real server of a service has a weight above 0, the
 * sorry server (if set) gets the new connections; quiesced servers (weight
 * 0) keep their existing connections.
 */
#ifndef SHOAL_LB_H
#define SHOAL_LB_H

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

struct lb;

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
 * Checks a state against what a backend can do, logging every problem
 * (service named).  Both backends: families of VIP and real servers agree,
 * weights in range, no duplicate real servers.  nftables: what
 * lb_nft_check_service() (lb_nft.h) accepts.
 * Returns the number of problems (0 = fine).
 */
int lb_state_check(const struct lb_state *, enum cfg_lb_backend kind);

/* ---- the backend ---- */

/*
 * Opens a backend.  CFG_LB_AUTO: IPVS when the kernel has it (generic
 * netlink family "IPVS" resolvable, or /proc/net/ip_vs present), else
 * nftables.  NULL (logged) when the requested backend cannot be used.
 * The handle starts knowing nothing about the kernel; the first
 * lb_apply() reconciles.  Free with lb_close().
 */
struct lb *lb_open(enum cfg_lb_backend kind);
/* Closes the handle; leaves the kernel as it is (see lb_clear()). */
void lb_close(struct lb *);
/* CFG_LB_IPVS or CFG_LB_NFTABLES. */
enum cfg_lb_backend lb_kind(const struct lb *);
/* The state last applied successfully (read only). */
const struct lb_state *lb_current(const struct lb *);

/*
 * A real server the backend cannot send to although it is desired, found
 * by the last lb_apply(): with nftables direct routing, a real server
 * whose MAC address is not known (f_addr set), or a service whose VIP is
 * on no interface of this host (f_addr unset).  It takes no connection;
 * pulse reports it down (or the service FAILED) with f_reason.  While
 * f_pending (address resolution under way) the caller applies again soon
 * (LB_FAULT_RETRY_MS); a resolution that failed is retried by every apply.
 */
struct lb_fault {
	struct lb_svc_key	 f_key;
	struct cfg_addr		 f_addr;	/* unset: the whole service */
	uint16_t		 f_port;
	int			 f_pending;
	char			 f_reason[160];
};
#define LB_FAULT_RETRY_MS	200

/* The faults of the last lb_apply(); *n of them, owned by lb (NULL: 0). */
const struct lb_fault *lb_faults(const struct lb *, size_t *n);

/* Makes the kernel match desired (a difference from the current); 0/-1. */
int lb_apply(struct lb *, const struct lb_state *desired);
/* Removes every service shoal applied and stops the sync daemon; 0/-1. */
int lb_clear(struct lb *);

/* Adds or updates (scheduler, persistence, real servers...) one service. */
int lb_service_set(struct lb *, const struct lb_service *);
/* Removes one service; 0, or -1 when absent (logged) or on error. */
int lb_service_remove(struct lb *, const struct lb_svc_key *);
/* Adds a real server to a service, or updates its weight; one change. */
int lb_server_set(struct lb *, const struct lb_svc_key *,
    const struct lb_dest *);
/* Sets one real server's weight (0 = quiesce); one change; 0/-1. */
int lb_server_weight(struct lb *, const struct lb_svc_key *,
    const struct cfg_addr *, uint16_t port, int weight);
/* Removes one real server from a service; one change; 0/-1. */
int lb_server_remove(struct lb *, const struct lb_svc_key *,
    const struct cfg_addr *, uint16_t port);
/* Sets the timeouts (seconds, 0 = leave) and the sync daemon role. */
int lb_set_timeouts(struct lb *, uint32_t tcp, uint32_t tcpfin, uint32_t udp);
int lb_set_sync(struct lb *, enum lb_sync_role, const char *iface,
    int sync_id);

#endif
