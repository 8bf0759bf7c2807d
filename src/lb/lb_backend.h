/*
 * lb_backend.h - what lb.c needs from a backend, and the backends' pure
 * message and ruleset builders (exposed so that unit tests can check them
 * without a kernel).  Only lb.c, lb_ipvs.c, lb_nft*.c and their tests
 * include this; everybody else uses lb.h.
 */
#ifndef SHOAL_LB_BACKEND_H
#define SHOAL_LB_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "lb/lb.h"
#include "lb/lb_state.h"

struct nlmsghdr;

/*
 * A backend.  apply() makes the kernel go from `old` to `want` (both
 * already "effective": sorry servers resolved into real servers).  When
 * `trusted` is 0, `old` is only what shoal owns (it may not match the
 * kernel), and the backend must reconcile with the kernel first.  Returns
 * 0, or -1 after logging; it applies what it can.
 */
struct lb_backend {
	enum cfg_lb_backend	 b_kind;
	const char		*b_name;
	void			*(*b_open)(void);
	void			 (*b_close)(void *);
	int			 (*b_apply)(void *, const struct lb_state *old,
				    const struct lb_state *want, int trusted);
	/* the counters of the services in cur (lb.h); 0 or -1 */
	int			 (*b_stats)(void *, const struct lb_state *cur,
				    struct lb_stats *out);
	/*
	 * What b_apply(old, want, trusted) would send to the kernel, told
	 * and not done (IPVS: ipvsadm lines; nftables: the batch text); a
	 * malloc'ed string ("" for nothing), or NULL (logged).  NULL
	 * member: the backend cannot tell.
	 */
	char			*(*b_preview)(void *, const struct lb_state *old,
				    const struct lb_state *want, int trusted);
	/* real servers the last apply could not reach (NULL: none ever) */
	size_t			 (*b_faults)(void *, const struct lb_fault **);
};

/* Adds a service (with cur's real servers, counters 0) to out; the new
 * entry, or NULL on ENOMEM.  For the backends. */
struct lb_svc_stats *lb_stats_add(struct lb_stats *out,
    const struct lb_service *cur);
/* The entry of d in s, or NULL. */
struct lb_dest_stats *lb_stats_dest(struct lb_svc_stats *s,
    const struct cfg_addr *a, uint16_t port);

extern const struct lb_backend lb_backend_ipvs;
extern const struct lb_backend lb_backend_nft;

/*
 * The netlink seam under the IPVS backend (lb_ipvs_nl.c; a unit test links
 * a fake kernel instead).  lb_nl_talk() sends req and passes each data
 * message of the reply to cb until the ack or the end of a dump; 0, or -1
 * with errno set and the kernel's extended-ack text (or "") in err.  The
 * kernel acks only a request with NLM_F_ACK (a dump ends with NLMSG_DONE):
 * every request must carry one of the two.  Whatever happens, it returns
 * within the socket's timeout (LB_NL_TIMEOUT_MS, or lb_nl_set_timeout()):
 * -1 with errno ETIMEDOUT when the end never came.
 */
#define LB_NL_TIMEOUT_MS	5000
struct lb_nl;
struct lb_nl *lb_nl_open(int quiet);
void lb_nl_close(struct lb_nl *);
void lb_nl_set_timeout(struct lb_nl *, int ms);
/*
 * Loads the ip_vs module (modprobe -q -- ip_vs, as ipvsadm does), for
 * when the family lookup did not make the kernel load it.  0 when
 * modprobe succeeded, -1 otherwise.
 */
int lb_nl_load_ipvs(void);
int lb_nl_talk(struct lb_nl *, struct nlmsghdr *req,
    int (*cb)(const struct nlmsghdr *, void *), void *data, char *err,
    size_t errlen);

/* 1 when the running kernel has IPVS (family "IPVS" or /proc/net/ip_vs). */
int lb_ipvs_available(void);

/* ---- conntrack: the nftables backend's counters (lb_ct.c) ---- */

/* One tracked connection, as a service and real server see it. */
struct lb_ct_entry {
	struct cfg_addr	 ce_vip;	/* original destination */
	uint16_t	 ce_vport;
	uint8_t		 ce_proto;	/* IPPROTO_* */
	struct cfg_addr	 ce_rs;		/* reply source: the real server */
	uint16_t	 ce_rport;
	int		 ce_established;
	uint64_t	 ce_inpkts, ce_inbytes;		/* client to server */
	uint64_t	 ce_outpkts, ce_outbytes;	/* server to client */
};

/* Parses one ctnetlink message (IPCTNL_MSG_CT_NEW); 0 or -1. */
int lb_ct_parse(const struct nlmsghdr *, struct lb_ct_entry *);
/* Counts e into the service and real server of out it belongs to;
 * 1 when it did, 0 when it is none of them. */
int lb_ct_count(struct lb_stats *out, const struct lb_ct_entry *e);
/* Dumps the conntrack table into out's services; 0 or -1 (logged). */
int lb_ct_read(struct lb_stats *out);

/* ---- IPVS: generic netlink messages (pure) ---- */

/* Room for any message shoal sends. */
#define LB_IPVS_MSG_MAX		1024

/*
 * Each builder writes one complete netlink message into buf (of len bytes,
 * at least LB_IPVS_MSG_MAX) and returns it, or NULL when it does not fit.
 * family is the resolved generic netlink id of "IPVS".
 */
struct nlmsghdr *lb_ipvs_msg_getfamily(void *buf, size_t len, uint32_t seq);
/* NEW_SERVICE, SET_SERVICE (full attributes), DEL_SERVICE (key only). */
struct nlmsghdr *lb_ipvs_msg_service(void *buf, size_t len, uint16_t family,
    uint8_t cmd, uint32_t seq, const struct lb_service *);
/* NEW_DEST, SET_DEST (full), DEL_DEST (address and port only). */
struct nlmsghdr *lb_ipvs_msg_dest(void *buf, size_t len, uint16_t family,
    uint8_t cmd, uint32_t seq, const struct lb_service *,
    const struct lb_dest *);
/* GET_SERVICE or GET_DAEMON dump (svc NULL), or GET_DEST dump of svc. */
struct nlmsghdr *lb_ipvs_msg_dump(void *buf, size_t len, uint16_t family,
    uint8_t cmd, uint32_t seq, const struct lb_service *svc);
/* NEW_DAEMON / DEL_DAEMON for role master or backup. */
struct nlmsghdr *lb_ipvs_msg_daemon(void *buf, size_t len, uint16_t family,
    uint8_t cmd, uint32_t seq, enum lb_sync_role, const char *iface,
    int sync_id);
/* SET_CONFIG with the three timeouts (0 = leave). */
struct nlmsghdr *lb_ipvs_msg_timeouts(void *buf, size_t len, uint16_t family,
    uint32_t seq, uint32_t tcp, uint32_t tcpfin, uint32_t udp);

/*
 * Parsers of the kernel's replies.  getfamily: the family id, or -1.
 * service / dest: one IPVS_CMD_NEW_SERVICE / NEW_DEST message of a dump
 * into an initialised service (real servers not touched) or a dest and its
 * forwarding method (svc_af: the family when the kernel omits the dest's);
 * 0, or -1 when the message is malformed or not IPv4/IPv6.
 */
int lb_ipvs_parse_family(const struct nlmsghdr *);
int lb_ipvs_parse_service(const struct nlmsghdr *, struct lb_service *);
/*
 * The counters of a GET_SERVICE / GET_DEST reply (IPVS_*_ATTR_STATS64,
 * else the 32-bit IPVS_*_ATTR_STATS; and a real server's active and
 * inactive connections); 0, or -1 when the message has none.
 */
int lb_ipvs_parse_service_stats(const struct nlmsghdr *, struct lb_counters *);
int lb_ipvs_parse_dest_stats(const struct nlmsghdr *, int svc_af,
    struct lb_dest_stats *);
int lb_ipvs_parse_dest(const struct nlmsghdr *, int svc_af, struct lb_dest *,
    enum cfg_network *fwd);
/* One IPVS_CMD_NEW_DAEMON message of a GET_DAEMON dump; 0 or -1. */
int lb_ipvs_parse_daemon(const struct nlmsghdr *, enum lb_sync_role *role,
    char *iface, size_t ifacelen, int *sync_id);

#endif
