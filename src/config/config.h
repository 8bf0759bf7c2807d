/*
 * config.h - shoal's configuration model: one cluster's whole configuration.
 *
 * This is the in-memory form that every part shares.  The lvs.cf reader
 * (lvscf.h) builds it from text, the store (store.h) loads and saves it in
 * SQLite, the validator (validate.h) checks it whole, and the daemons turn it
 * into runtime state.  Nothing here does I/O.
 *
 * Ownership: a struct shoal_config owns everything reachable from it (all
 * strings, lists and source maps); config_free() frees the whole tree and
 * wipes secrets.  Strings are NULL when unset.
 *
 * Units: durations are milliseconds (lvs.cf writes decimal seconds), masks
 * are prefix lengths (-1 = unset; lvs.cf writes dotted masks for IPv4),
 * ports are host order, 0 = unset where a default applies.
 */
#ifndef SHOAL_CONFIG_H
#define SHOAL_CONFIG_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "lib/cfg_addr.h"

#define CFG_NAME_MAX		63	/* names of blocks (virtual, server, node...) */
#define CFG_STR_MAX		4095	/* any string value */
/* notify hooks: one command per event kind (ipc/events.h's order; the
 * registry's notify_<kind> rows name them) */
#define CFG_NOTIFY_KINDS	11
#define CFG_DEF_NOTIFY_TIMEOUT_MS 10000
#define CFG_DEF_PUSH_WATCH	30
#define CFG_IFNAME_MAX		15	/* IFNAMSIZ - 1; labels like eth0:1 fit */

/*
 * Where the parts of a block came from in an lvs.cf file, so that the
 * validator can report FILE:LINE:COL.  NULL when the config came from the
 * database.  Keys are lvs.cf key names ("address", "port", ...).
 */
struct cfg_keypos {
	char			 kp_key[32];
	int			 kp_line;
	int			 kp_col;	/* column of the value */
};

struct cfg_srcmap {
	int			 sm_line;	/* the block's opening line */
	int			 sm_col;
	size_t			 sm_n;
	size_t			 sm_cap;
	struct cfg_keypos	*sm_keys;
};

/*
 * A key shoal reads and writes back but does not act on (Piranha's
 * primary_shared, reservation_conflict_action, ...).  Kept in file order.
 */
struct cfg_kept {
	char			*k_key;
	char			*k_value;	/* as written, unquoted */
	TAILQ_ENTRY(cfg_kept)	 k_entry;
};
TAILQ_HEAD(cfg_kept_list, cfg_kept);

enum cfg_service_mode {
	CFG_MODE_LVS,		/* load balancing (Piranha "lvs") */
	CFG_MODE_FOS,		/* fail-over services (Piranha "fos") */
};

/*
 * How many directors serve at once: one ACTIVE director holding the VIPs
 * (gratuitous ARP moves them), or every healthy director, each announcing
 * the VIPs to an upstream router that spreads flows over them (ECMP).
 */
enum cfg_director_mode {
	CFG_DIRECTOR_SINGLE,
	CFG_DIRECTOR_ECMP,
};

enum cfg_network {
	CFG_NET_NAT,
	CFG_NET_DIRECT,
	CFG_NET_TUNNEL,
};

enum cfg_protocol {
	CFG_PROTO_TCP,
	CFG_PROTO_UDP,
};

enum cfg_lb_backend {
	CFG_LB_AUTO,
	CFG_LB_IPVS,
	CFG_LB_NFTABLES,
};

enum cfg_scheduler {
	CFG_SCHED_WLC,		/* Piranha's default first */
	CFG_SCHED_RR,
	CFG_SCHED_WRR,
	CFG_SCHED_LC,
	CFG_SCHED_LBLC,
	CFG_SCHED_LBLCR,
	CFG_SCHED_DH,
	CFG_SCHED_SH,
	CFG_SCHED_SED,
	CFG_SCHED_NQ,
	CFG_SCHED_MH,
};

enum cfg_load_monitor {
	CFG_LOAD_NONE,
	CFG_LOAD_UPTIME,
	CFG_LOAD_RUP,
	CFG_LOAD_RUPTIME,
	CFG_LOAD_AGENT,		/* shoal: weight from the agent check */
};

enum cfg_rsh {
	CFG_RSH_RSH,
	CFG_RSH_SSH,
};

/*
 * How a service is checked.  AUTO keeps Piranha's behaviour: send_program
 * if set, else send/expect if set, else for port 80 "GET / HTTP/1.0"
 * expecting "HTTP", else a plain TCP connect.
 */
enum cfg_check_kind {
	CFG_CHECK_AUTO,
	CFG_CHECK_TCP,
	CFG_CHECK_SEND_EXPECT,
	CFG_CHECK_HTTP,
	CFG_CHECK_HTTPS,
	CFG_CHECK_PROGRAM,
	CFG_CHECK_AGENT,
	CFG_CHECK_NONE,
	/* shoal: the protocol checks (nanny's check_*.c) */
	CFG_CHECK_UDP,		/* send a datagram, expect a reply */
	CFG_CHECK_DNS,		/* a DNS query (dns_name, dns_type...) */
	CFG_CHECK_SMTP,		/* greeting, EHLO, QUIT (STARTTLS) */
	CFG_CHECK_POP3,
	CFG_CHECK_IMAP,
	CFG_CHECK_FTP,
	CFG_CHECK_NNTP,
	CFG_CHECK_LDAP,		/* anonymous bind (StartTLS) */
};

/* A cluster member (shoal's `node NAME { }` block). */
struct cfg_node {
	char			*n_name;
	struct cfg_addr		 n_address;	/* public: heartbeats, SSH */
	struct cfg_addr		 n_private;	/* second heartbeat path */
	int			 n_priority;	/* 1..255, higher wins */
	/* sync over SSH */
	char			*n_ssh_user;	/* NULL = root */
	int			 n_ssh_port;	/* 0 = 22 */
	char			*n_ssh_key;	/* NULL = default key */
	char			*n_remote_shoalctl;	/* NULL = default path */
	char			*n_remote_db;	/* NULL = default path */
	/* director_mode = ecmp: the routing daemon's BGP session */
	uint32_t		 n_bgp_as;	/* this node's AS, 0 = unset */
	struct cfg_addr		 n_bgp_neighbor;	/* upstream router */
	uint32_t		 n_bgp_neighbor_as;	/* 0 = unset */
	uint32_t		 n_bgp_hold_time;	/* seconds [3] */
	char			*n_routing_socket;	/* NULL = default */
	char			*n_routing_config;	/* NULL = default */
	struct cfg_srcmap	*n_src;
	TAILQ_ENTRY(cfg_node)	 n_entry;
};
TAILQ_HEAD(cfg_node_list, cfg_node);

/* A real server behind a virtual server (`server NAME { }`). */
struct cfg_server {
	char			*rs_name;
	struct cfg_addr		 rs_address;
	int			 rs_active;	/* bool */
	int			 rs_weight;	/* >= 0, default 1 */
	uint16_t		 rs_port;	/* resolved: the virtual's port
						   when the block started */
	struct cfg_kept_list	 rs_kept;
	struct cfg_srcmap	*rs_src;
	TAILQ_ENTRY(cfg_server)	 rs_entry;
};
TAILQ_HEAD(cfg_server_list, cfg_server);

/*
 * A virtual server (`virtual NAME { }`) or a fail-over service
 * (`failover NAME { }`): Piranha gives both the same keys.
 */
enum cfg_vs_kind {
	CFG_VS_VIRTUAL,
	CFG_VS_FAILOVER,
};

struct cfg_virtual {
	enum cfg_vs_kind	 vs_kind;
	char			*vs_name;
	int			 vs_active;		/* bool */
	struct cfg_addr		 vs_address;		/* the VIP */
	char			*vs_device;		/* "eth0:1"; may be NULL */
	int			 vs_nmask;		/* prefix, -1 unset */
	uint16_t		 vs_port;		/* default 80 */
	enum cfg_protocol	 vs_protocol;
	uint32_t		 vs_fwmark;		/* 0 = none */
	enum cfg_scheduler	 vs_scheduler;
	uint32_t		 vs_persistent;		/* seconds, 0 = off */
	int			 vs_pmask;		/* prefix, -1 unset */
	char			*vs_send;		/* raw, escapes unexpanded */
	char			*vs_expect;		/* raw, escapes unexpanded */
	int			 vs_use_regex;		/* bool */
	char			*vs_send_program;	/* command, %h %p */
	uint32_t		 vs_timeout_ms;		/* Piranha timeout [10 s] */
	uint32_t		 vs_reentry_ms;		/* [180 s] */
	enum cfg_load_monitor	 vs_load_monitor;
	int			 vs_quiesce_server;	/* bool */
	struct cfg_addr		 vs_sorry_server;
	uint16_t		 vs_sorry_port;		/* 0 = vs_port */
	char			*vs_start_cmd;		/* failover only */
	char			*vs_stop_cmd;		/* failover only */
	/* shoal extensions to health checking; 0 = derive from Piranha's */
	enum cfg_check_kind	 vs_check;
	uint32_t		 vs_check_interval_ms;	/* 0 = vs_timeout_ms */
	uint32_t		 vs_check_timeout_ms;	/* 0 = vs_timeout_ms */
	int			 vs_rise;		/* 0 = from reentry */
	int			 vs_fall;		/* 0 = 1 (Piranha) */
	char			*vs_http_path;		/* NULL = "/" */
	char			*vs_http_host;		/* Host: header */
	int			 vs_http_status;	/* 0 = any 2xx/3xx */
	uint16_t		 vs_agent_port;		/* agent check */
	char			*vs_dns_name;		/* NULL = "." */
	char			*vs_dns_type;		/* NULL = SOA */
	char			*vs_dns_rcode;		/* NULL = NOERROR */
	char			*vs_dns_answer;		/* one answer equals it */
	int			 vs_starttls;		/* bool: mail/ftp/ldap */
	int			 vs_tls_verify;		/* bool: verify the cert */
	char			*vs_tls_ca;		/* NULL = system store */
	char			*vs_tls_name;		/* SNI, name verified */
	uint32_t		 vs_slow_start_ms;	/* weight ramp on return */
	struct cfg_server_list	 vs_servers;		/* virtual only */
	struct cfg_kept_list	 vs_kept;
	struct cfg_srcmap	*vs_src;
	TAILQ_ENTRY(cfg_virtual) vs_entry;
};
TAILQ_HEAD(cfg_virtual_list, cfg_virtual);

/* Global settings: the top of lvs.cf. */
struct cfg_global {
	uint64_t		 g_serial_no;
	enum cfg_service_mode	 g_service;
	struct cfg_addr		 g_primary;
	struct cfg_addr		 g_primary_private;
	struct cfg_addr		 g_backup;
	struct cfg_addr		 g_backup_private;
	int			 g_backup_active;	/* bool */
	uint16_t		 g_heartbeat_port;	/* [539] */
	uint32_t		 g_keepalive_ms;
	uint32_t		 g_deadtime_ms;
	enum cfg_network	 g_network;
	struct cfg_addr		 g_nat_router;
	char			*g_nat_router_dev;
	int			 g_nat_nmask;		/* prefix, -1 unset */
	enum cfg_rsh		 g_rsh_command;
	int			 g_syncdaemon;		/* bool */
	char			*g_syncd_iface;
	int			 g_syncd_id;
	uint32_t		 g_tcp_timeout;		/* seconds, 0 = leave */
	uint32_t		 g_tcpfin_timeout;
	uint32_t		 g_udp_timeout;
	int			 g_monitor_links;	/* bool */
	char			*g_active_cmd;
	char			*g_inactive_cmd;
	char			*g_fence_cmd;		/* before a takeover */
	uint32_t		 g_fence_timeout_ms;
	/* shoal extensions */
	uint32_t		 g_cluster_id;
	int			 g_preempt;		/* bool [1] */
	uint32_t		 g_preempt_delay_ms;
	char			*g_heartbeat_key;	/* secret; NULL = no MAC */
	char			*g_heartbeat_key_accept; /* secret: also accepted */
	enum cfg_lb_backend	 g_lb_backend;
	int			 g_arp_count;		/* gratuitous ARPs [5] */
	uint32_t		 g_arp_interval_ms;	/* [1000] */
	enum cfg_director_mode	 g_director_mode;
	char			*g_notify;		/* every kind */
	char			*g_notify_kind[CFG_NOTIFY_KINDS];
	uint32_t		 g_notify_timeout_ms;	/* [10000] */
	uint32_t		 g_push_watch;	/* s after a web push [30]; 0 off */
	struct cfg_kept_list	 g_kept;		/* unused Piranha keys */
	struct cfg_srcmap	*g_src;
};

struct shoal_config {
	char			*c_file;	/* source file name or NULL */
	struct cfg_global	 c_global;
	struct cfg_node_list	 c_nodes;
	struct cfg_virtual_list	 c_virtuals;
	struct cfg_virtual_list	 c_failovers;
};

/* Defaults (shoal's, where they differ from Piranha's the comment says). */
#define CFG_DEF_HEARTBEAT_PORT	539
#define CFG_DEF_KEEPALIVE_MS	200	/* Piranha 2 s: shoal fails over fast */
#define CFG_DEF_DEADTIME_MS	800	/* Piranha 5 s */
#define CFG_DEF_PORT		80
#define CFG_DEF_TIMEOUT_MS	10000
#define CFG_DEF_REENTRY_MS	180000
#define CFG_DEF_WEIGHT		1
#define CFG_DEF_PRIORITY	100
#define CFG_DEF_ARP_COUNT	5
#define CFG_DEF_ARP_INTERVAL_MS	1000
#define CFG_DEF_FENCE_TIMEOUT_MS 10000
#define CFG_DEF_BGP_HOLD_TIME	3	/* seconds: BGP's smallest */
#define CFG_DEF_ROUTING_SOCKET	"/run/bird/bird.ctl"	/* BIRD's */
#define CFG_DEF_ROUTING_CONFIG	"/run/bird/shoal.conf"

/* A new config with every default set and empty lists; NULL on ENOMEM. */
struct shoal_config *config_new(void);
void config_free(struct shoal_config *);
/* Deep copy; NULL on ENOMEM. */
struct shoal_config *config_dup(const struct shoal_config *);

/* Constructors fill defaults; the caller links them into a list. */
struct cfg_node *cfg_node_new(const char *name);
struct cfg_virtual *cfg_virtual_new(enum cfg_vs_kind, const char *name);
struct cfg_server *cfg_server_new(const char *name, uint16_t port);
void cfg_node_free(struct cfg_node *);
void cfg_virtual_free(struct cfg_virtual *);
void cfg_server_free(struct cfg_server *);

/* Kept keys: append (copies both strings), 0 or -1. */
int cfg_kept_add(struct cfg_kept_list *, const char *key, const char *value);
void cfg_kept_clear(struct cfg_kept_list *);

/* Source maps. */
struct cfg_srcmap *cfg_srcmap_new(int line, int col);
int cfg_srcmap_add(struct cfg_srcmap *, const char *key, int line, int col);
/* The position of key's value, or of the block when key is absent/NULL. */
const struct cfg_keypos *cfg_srcmap_find(const struct cfg_srcmap *,
    const char *key);
void cfg_srcmap_free(struct cfg_srcmap *);

/* Lookups by name; NULL when absent. */
struct cfg_virtual *config_find_virtual(const struct shoal_config *,
    const char *name);
struct cfg_virtual *config_find_failover(const struct shoal_config *,
    const char *name);
struct cfg_node *config_find_node(const struct shoal_config *,
    const char *name);
struct cfg_server *cfg_virtual_find_server(const struct cfg_virtual *,
    const char *name);

/* Names of enum values as lvs.cf writes them; NULL for out of range. */
const char *cfg_scheduler_name(enum cfg_scheduler);
const char *cfg_network_name(enum cfg_network);
const char *cfg_protocol_name(enum cfg_protocol);
const char *cfg_lb_backend_name(enum cfg_lb_backend);
const char *cfg_load_monitor_name(enum cfg_load_monitor);
const char *cfg_check_kind_name(enum cfg_check_kind);
const char *cfg_service_mode_name(enum cfg_service_mode);
const char *cfg_rsh_name(enum cfg_rsh);
const char *cfg_director_mode_name(enum cfg_director_mode);
/* Reverse lookups: the enum value, or -1 for an unknown name. */
int cfg_scheduler_from_name(const char *);
int cfg_network_from_name(const char *);
int cfg_protocol_from_name(const char *);
int cfg_lb_backend_from_name(const char *);
int cfg_load_monitor_from_name(const char *);
int cfg_check_kind_from_name(const char *);
int cfg_service_mode_from_name(const char *);
int cfg_rsh_from_name(const char *);
int cfg_director_mode_from_name(const char *);

/*
 * The effective cluster members: the `node` blocks when there are any,
 * else Piranha's primary (priority 200, named "primary") and, when
 * backup_active and backup is set, backup (priority 100, named "backup"),
 * with their *_private addresses.  Returns a new list the caller frees with
 * cfg_node_list_free(); -1 on ENOMEM.
 */
int config_effective_nodes(const struct shoal_config *,
    struct cfg_node_list *out);
void cfg_node_list_free(struct cfg_node_list *);

#endif
