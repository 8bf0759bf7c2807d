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
#include "lb/lb_state.h"

struct lb;

/* ---- the backend ---- */

/*
 * Opens a backend.  CFG_LB_AUTO: IPVS when the kernel has it (generic
 * netlink family "IPVS" resolvable, or /proc/net/ip_vs present), else
 * nftables.  NULL (logged) when the requested backend cannot be used.
 * The handle starts knowing nothing about the kernel; the first
 * lb_apply() reconciles.  Free with lb_close().
 */
struct lb *lb_open(enum cfg_lb_backend kind);
/* The backend CFG_LB_AUTO picks on this kernel (nothing is opened). */
enum cfg_lb_backend lb_auto_backend(void);
/* Closes the handle; leaves the kernel as it is (see lb_clear()). */
void lb_close(struct lb *);
/*
 * Keeps the record of what this handle makes in the kernel (services,
 * sync daemon) in the file path (lb_own.h; pulse: RUNDIR/lb.state), and
 * takes over what an earlier run recorded there: the next lb_apply() or
 * lb_clear() removes those services and that daemon unless they are
 * wanted.  Services nobody recorded (made by hand, by another program)
 * are never touched.  Call right after lb_open().  0, or -1 (logged)
 * when the file cannot be read.
 */
int lb_set_owner_file(struct lb *, const char *path);
/*
 * After a crash (pulse --cleanup): removes what the ownership file path
 * records, with the backend it names, and empties it.  0 (also when there
 * is no file), or -1 (logged).
 */
int lb_clear_owned(const char *path);
/* CFG_LB_IPVS or CFG_LB_NFTABLES. */
enum cfg_lb_backend lb_kind(const struct lb *);
/* The state last applied successfully (read only). */
const struct lb_state *lb_current(const struct lb *);

/*
 * The faults of the last lb_apply() (struct lb_fault, lb_state.h): real
 * servers the backend cannot reach although desired; *n of them, owned by
 * lb, valid until the next call on lb (NULL when none).
 */
const struct lb_fault *lb_faults(const struct lb *, size_t *n);

/*
 * Whether this backend can program svc: 1, with a note in why when it runs
 * it differently ("scheduler wlc runs as wrr (no IPVS in this kernel)":
 * opened as `auto` on a kernel without IPVS, where nftables runs a
 * scheduler it lacks as its fallback, lb_nft_fallback()), else "" ; or 0
 * with the reason in why.  Nothing is logged.
 */
int lb_service_runnable(const struct lb *, const struct lb_service *,
    char *why, size_t len);

/*
 * lb_state_check() of st as this handle would run it (under `auto` on
 * nftables, a scheduler it lacks as its fallback): the number of problems
 * (logged), or -1 on ENOMEM.
 */
int lb_check(const struct lb *, const struct lb_state *);
/* Makes the kernel match desired (a difference from the current); 0/-1. */
int lb_apply(struct lb *, const struct lb_state *desired);
/*
 * What lb_apply(desired) would do now, without doing it: the backend's
 * operations as text (IPVS: ipvsadm lines; nftables: the batch it would
 * load), a malloc'ed string the caller frees ("" when nothing changes).
 * With eff non-NULL (initialised), it receives the state the backend
 * would program (schedulers as run, sorry servers added), for the shares.
 * NULL with a reason in err when lb_check() refuses desired (the problems
 * are logged) or memory runs out.  The kernel is read at most.
 */
char *lb_preview(const struct lb *, const struct lb_state *desired,
    struct lb_state *eff, char *err, size_t errlen);
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

/* ---- counters: what the kernel counted (`shoalctl lb show --stats`) ---- */

/* Totals since the service or real server was programmed. */
struct lb_counters {
	uint64_t	 lc_conns;
	uint64_t	 lc_inpkts, lc_outpkts;
	uint64_t	 lc_inbytes, lc_outbytes;
};

struct lb_dest_stats {
	struct cfg_addr		 ds_addr;
	uint16_t		 ds_port;
	int			 ds_weight;
	uint32_t		 ds_active;	/* established connections */
	uint32_t		 ds_inactive;	/* other states */
	struct lb_counters	 ds_c;
};

struct lb_svc_stats {
	struct lb_svc_key	 ss_key;
	struct lb_counters	 ss_c;
	struct lb_dest_stats	*ss_dests;
	size_t			 ss_ndests;
};

struct lb_stats {
	struct lb_svc_stats	*ls_svcs;
	size_t			 ls_nsvcs;
	/*
	 * What the backend counts: IPVS has everything; nftables counts the
	 * connections the kernel tracks now (conntrack: active/inactive per
	 * real server, their packets and bytes when nf_conntrack_acct is on)
	 * but no totals since programming (ls_totals 0).
	 */
	int			 ls_totals;
};

/*
 * Reads the counters of the services shoal programmed (lb_current()),
 * with their real servers, into out (cleared first).  0, or -1 (logged).
 */
int lb_stats_read(struct lb *, struct lb_stats *out);
void lb_stats_clear(struct lb_stats *);

#endif
