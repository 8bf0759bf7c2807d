/*
 * config_keys.c - the field registry (config_keys.h): one table per
 * block, and the accessors every layer uses to read and set a row's value.
 *
 * Table order is the order the canonical lvs.cf writer and the forms use.
 * Defaults (f_def) are the text lvs.cf would hold for the model's default
 * value; a unit test checks that they match config_new() and the
 * cfg_*_new() constructors.  Help text is read by administrators in the
 * web UI and in lvs.cf(5): a sentence that says what the field does, with
 * its unit.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_keys.h"
#include "lib/util.h"

/* ---- enums (the tables store enums as int) ---- */

static const char *en_sched(int v) { return cfg_scheduler_name((enum cfg_scheduler)v); }
static const char *en_net(int v) { return cfg_network_name((enum cfg_network)v); }
static const char *en_proto(int v) { return cfg_protocol_name((enum cfg_protocol)v); }
static const char *en_backend(int v) { return cfg_lb_backend_name((enum cfg_lb_backend)v); }
static const char *en_load(int v) { return cfg_load_monitor_name((enum cfg_load_monitor)v); }
static const char *en_check(int v) { return cfg_check_kind_name((enum cfg_check_kind)v); }
static const char *en_mode(int v) { return cfg_service_mode_name((enum cfg_service_mode)v); }
static const char *en_rsh(int v) { return cfg_rsh_name((enum cfg_rsh)v); }
static const char *en_director(int v) { return cfg_director_mode_name((enum cfg_director_mode)v); }

static const struct ck_enum e_sched = { en_sched, cfg_scheduler_from_name };
static const struct ck_enum e_net = { en_net, cfg_network_from_name };
static const struct ck_enum e_proto = { en_proto, cfg_protocol_from_name };
static const struct ck_enum e_backend = { en_backend, cfg_lb_backend_from_name };
static const struct ck_enum e_load = { en_load, cfg_load_monitor_from_name };
static const struct ck_enum e_check = { en_check, cfg_check_kind_from_name };
static const struct ck_enum e_mode = { en_mode, cfg_service_mode_from_name };
static const struct ck_enum e_rsh = { en_rsh, cfg_rsh_from_name };
static const struct ck_enum e_director = { en_director,
    cfg_director_mode_from_name };

/* ---- how a row reads ---- */

#define KEYS(k, j, c)	.f_key = (k), .f_json = (j), .f_col = (c)
#define SAME(k)		KEYS(k, k, k)	/* lvs.cf key, JSON and column */
#define RANGE(lo, hi)	.f_min = (lo), .f_max = (hi)
#define DEF(d)		.f_def = (d)
#define ENUM(e)		.f_enum = &(e)
#define FLAGS(x)	.f_flags = (x)
#define UI(g, l)	.f_group = (g), .f_label = (l)
#define HELP(h)		.f_help = (h)
#define AT(s, t, m)	.f_type = (t), .f_off = offsetof(s, m), .f_off2 = CK_NOOFF
#define AT2(s, t, m, m2) .f_type = (t), .f_off = offsetof(s, m),	\
			.f_off2 = offsetof(s, m2)
/* A Piranha key shoal reads and writes back but does not act on. */
#define KEPT(k, t, h)	{ KEYS(k, NULL, NULL), .f_type = (t),		\
			  .f_off = CK_NOOFF, .f_off2 = CK_NOOFF, RANGE(0, 1), \
			  FLAGS(CK_KEPT), HELP(h) }
#define END		{ .f_type = CK_END }

#define U16MAX		65535
#define U32MAX		((int64_t)UINT32_MAX)
#define HOUR_MS		3600000
#define DAY_MS		86400000
/* The kernel refuses IPVS timeouts above INT_MAX / HZ; HZ is at most 1000. */
#define IPVS_TIMEOUT_MAX 2147483
/* ipvsadm's limit for persistence (31 days); above 4294967 s the kernel's
 * timeout in jiffies wraps at HZ=1000. */
#define PERSIST_MAX	2678400

/* ---- global settings: struct cfg_global ---- */

#define G(t, m)		AT(struct cfg_global, t, m)
#define G2(t, m, m2)	AT2(struct cfg_global, t, m, m2)
/* notify_KIND: the command run for one event kind (next to notify). */
#define NOTIFY_KIND(kind, i, when)					\
	{ SAME("notify_" kind), G(CK_STR, g_notify_kind[i]),		\
	  FLAGS(CK_EXT | CK_LONG | CK_CMD),				\
	  UI(CK_G_CLUSTER, "Notify command: " kind " events"),		\
	  HELP("Program and arguments run when " when " (event " kind	\
	  "; no shell, absolute path).") }
const struct ck_field ck_global[] = {
	{ KEYS("serial_no", NULL, "serial_no"), G(CK_U64, g_serial_no),
	  RANGE(0, INT64_MAX), DEF("0"),
	  HELP("Serial number of the configuration; Piranha's GUI raised it "
	  "on every save.  shoal keeps it and does not use it.") },
	{ SAME("service"), G(CK_ENUM, g_service), ENUM(e_mode), DEF("lvs"),
	  FLAGS(CK_ALWAYS), UI(CK_G_CLUSTER, "Service type"),
	  HELP("What the cluster runs: lvs balances traffic over real "
	  "servers (virtual servers), fos starts fail-over services on the "
	  "active node.") },
	{ KEYS("primary", "primary", "primary_address"), G(CK_ADDR, g_primary),
	  UI(CK_G_CLUSTER, "Primary server public IP"),
	  HELP("Public address of the primary router (Piranha style).  "
	  "Without node blocks it is a member with priority 200; with node "
	  "blocks it must be the address of a node.") },
	{ SAME("primary_private"), G(CK_ADDR, g_primary_private),
	  UI(CK_G_CLUSTER, "Primary server private IP"),
	  HELP("Private address of the primary router: an optional second "
	  "heartbeat path.") },
	{ SAME("backup_active"), G(CK_BOOL, g_backup_active), RANGE(0, 1),
	  DEF("0"), UI(CK_G_HEARTBEAT, "Redundancy enabled (backup node)"),
	  HELP("On when a backup router exists (Piranha style): without node "
	  "blocks the backup address is then a member with priority 100.") },
	{ KEYS("backup", "backup", "backup_address"), G(CK_ADDR, g_backup),
	  UI(CK_G_HEARTBEAT, "Backup server public IP"),
	  HELP("Public address of the backup router (Piranha style); with "
	  "node blocks it must be the address of a node, or 0.0.0.0.") },
	{ SAME("backup_private"), G(CK_ADDR, g_backup_private),
	  UI(CK_G_HEARTBEAT, "Backup server private IP"),
	  HELP("Private address of the backup router: an optional second "
	  "heartbeat path.") },
	{ SAME("heartbeat_port"), G(CK_PORT, g_heartbeat_port),
	  RANGE(1, U16MAX), DEF("539"), UI(CK_G_HEARTBEAT, "Heartbeat UDP port"),
	  HELP("UDP port heartbeats are sent to and received on; the same on "
	  "every node.") },
	{ KEYS("keepalive", "keepalive", "keepalive_ms"),
	  G(CK_MS, g_keepalive_ms), RANGE(1, HOUR_MS), DEF("0.2"),
	  UI(CK_G_HEARTBEAT, "Heartbeat interval"),
	  HELP("Time between two heartbeats of a node, in seconds (decimals "
	  "allowed: 0.2 is 200 ms).") },
	{ KEYS("deadtime", "deadtime", "deadtime_ms"),
	  G(CK_MS, g_deadtime_ms), RANGE(1, HOUR_MS), DEF("0.8"),
	  UI(CK_G_HEARTBEAT, "Assume dead after"),
	  HELP("Time without a heartbeat after which a node counts as dead "
	  "and another takes over, in seconds; longer than the heartbeat "
	  "interval.") },
	{ SAME("network"), G(CK_ENUM, g_network), ENUM(e_net), DEF("nat"),
	  UI(CK_G_CLUSTER, "Network type"),
	  HELP("How packets reach the real servers: nat (the router rewrites "
	  "addresses and is their gateway), direct (direct routing: the real "
	  "servers answer clients themselves) or tunnel (IP in IP).") },
	{ SAME("nat_router"), G2(CK_ADDR_DEV, g_nat_router, g_nat_router_dev),
	  UI(CK_G_CLUSTER, "NAT router IP"),
	  HELP("Address the active router raises on the real servers' "
	  "network with NAT: their default gateway.  lvs.cf writes it as "
	  "ADDRESS DEVICE.") },
	{ KEYS(NULL, "nat_router_device", "nat_router_dev"),
	  G(CK_STR, g_nat_router_dev), UI(CK_G_CLUSTER, "NAT router device"),
	  HELP("Interface, with an optional label, that carries the NAT "
	  "router address, such as eth1:1.") },
	{ SAME("nat_nmask"), G2(CK_MASK, g_nat_nmask, g_nat_router),
	  RANGE(0, 128), UI(CK_G_CLUSTER, "NAT router netmask (prefix)"),
	  HELP("Netmask of the NAT router address as a prefix length, such "
	  "as 24 (lvs.cf also takes a dotted mask); unset: a host address.") },
	{ SAME("rsh_command"), G(CK_ENUM, g_rsh_command), ENUM(e_rsh),
	  DEF("rsh"), UI(CK_G_CLUSTER, "Sync tool (legacy)"),
	  HELP("Piranha's tool for copying lvs.cf to the backup, rsh or ssh.  "
	  "shoal pushes over SSH itself and keeps this for Piranha files.") },
	{ SAME("syncdaemon"), G(CK_BOOL, g_syncdaemon), RANGE(0, 1), DEF("0"),
	  UI(CK_G_CLUSTER, "Connection sync daemon"),
	  HELP("Run the IPVS connection synchronisation daemon, so that a new "
	  "active router keeps the established connections.") },
	{ SAME("syncd_iface"), G(CK_STR, g_syncd_iface),
	  UI(CK_G_CLUSTER, "Sync daemon interface"),
	  HELP("Network interface the sync daemon sends and receives on, "
	  "such as eth1.") },
	{ SAME("syncd_id"), G(CK_INT, g_syncd_id), RANGE(0, 255), DEF("0"),
	  UI(CK_G_CLUSTER, "Sync daemon id"),
	  HELP("Number that tells this cluster's sync messages from another "
	  "cluster's on the same network.") },
	{ SAME("tcp_timeout"), G(CK_SECS, g_tcp_timeout),
	  RANGE(0, IPVS_TIMEOUT_MAX), DEF("0"), UI(CK_G_CLUSTER, "TCP timeout"),
	  HELP("Idle timeout of established TCP connections in IPVS, in whole "
	  "seconds; 0 leaves the kernel's value.") },
	{ SAME("tcpfin_timeout"), G(CK_SECS, g_tcpfin_timeout),
	  RANGE(0, IPVS_TIMEOUT_MAX), DEF("0"),
	  UI(CK_G_CLUSTER, "TCP FIN timeout"),
	  HELP("Timeout of TCP connections after a FIN in IPVS, in whole "
	  "seconds; 0 leaves the kernel's value.") },
	{ SAME("udp_timeout"), G(CK_SECS, g_udp_timeout),
	  RANGE(0, IPVS_TIMEOUT_MAX), DEF("0"), UI(CK_G_CLUSTER, "UDP timeout"),
	  HELP("Timeout of UDP flows in IPVS, in whole seconds; 0 leaves the "
	  "kernel's value.") },
	{ SAME("monitor_links"), G(CK_BOOL, g_monitor_links), RANGE(0, 1),
	  DEF("0"), UI(CK_G_CLUSTER, "Monitor links"),
	  HELP("Watch the links of the virtual IPs' interfaces and of the "
	  "heartbeat addresses: when one goes down the node goes to FAULT "
	  "and another takes over.") },
	{ SAME("active_cmd"), G(CK_STR, g_active_cmd), FLAGS(CK_LONG),
	  UI(CK_G_CLUSTER, "Command when becoming active"),
	  HELP("Program and arguments run when this node becomes the active "
	  "router (split into words, no shell).") },
	{ SAME("inactive_cmd"), G(CK_STR, g_inactive_cmd), FLAGS(CK_LONG),
	  UI(CK_G_CLUSTER, "Command when becoming inactive"),
	  HELP("Program and arguments run when this node stops being the "
	  "active router (split into words, no shell).") },
	{ SAME("fence_cmd"), G(CK_STR, g_fence_cmd),
	  FLAGS(CK_EXT | CK_LONG | CK_CMD),
	  UI(CK_G_CLUSTER, "Fence command before a takeover"),
	  HELP("Program and arguments run before this node takes over "
	  "(split into words, no shell), such as one that powers off or "
	  "cuts off the old active node from shared storage.  Only when it "
	  "exits 0 does the node take the addresses and services; otherwise "
	  "it stays backup and tries again.") },
	{ KEYS("fence_timeout", "fence_timeout", "fence_timeout_ms"),
	  G(CK_MS, g_fence_timeout_ms), RANGE(1, HOUR_MS), DEF("10"),
	  FLAGS(CK_EXT), UI(CK_G_CLUSTER, "Fence command timeout"),
	  HELP("Time the fence command may take, in seconds; past it the "
	  "command is killed and the takeover is blocked.") },
	{ SAME("cluster_id"), G(CK_U32, g_cluster_id), RANGE(0, U32MAX),
	  DEF("0"), FLAGS(CK_EXT), UI(CK_G_HEARTBEAT, "Cluster id"),
	  HELP("Number carried in every heartbeat: nodes ignore heartbeats of "
	  "another cluster id, so two clusters can share a network.") },
	{ SAME("preempt"), G(CK_BOOL, g_preempt), RANGE(0, 1), DEF("1"),
	  FLAGS(CK_EXT),
	  UI(CK_G_HEARTBEAT, "Higher priority takes over again (preempt)"),
	  HELP("When a node of higher priority comes back it takes the active "
	  "role back (Piranha's fall-back); off: the active node keeps it.") },
	{ KEYS("preempt_delay", "preempt_delay", "preempt_delay_ms"),
	  G(CK_MS, g_preempt_delay_ms), RANGE(0, DAY_MS), DEF("0"),
	  FLAGS(CK_EXT), UI(CK_G_HEARTBEAT, "Preempt delay"),
	  HELP("Time a returning node of higher priority waits before it "
	  "takes over, in seconds.") },
	{ SAME("heartbeat_key"), G(CK_STR, g_heartbeat_key),
	  FLAGS(CK_EXT | CK_SECRET), UI(CK_G_HEARTBEAT, "Heartbeat key (HMAC)"),
	  HELP("Shared secret that authenticates heartbeats (HMAC-SHA256), "
	  "at least 16 characters; without one heartbeats are not "
	  "authenticated.  The web API never returns it (an empty field in "
	  "the UI keeps the current key).") },
	{ SAME("heartbeat_key_accept"), G(CK_STR, g_heartbeat_key_accept),
	  FLAGS(CK_EXT | CK_SECRET),
	  UI(CK_G_HEARTBEAT, "Second accepted heartbeat key"),
	  HELP("A second key accepted on received heartbeats and never used "
	  "to send: for changing heartbeat_key without downtime (push the "
	  "new key here, then swap the two, then remove this one).  The "
	  "web API never returns it.") },
	{ KEYS("lvs_backend", "lvs_backend", "lb_backend"),
	  G(CK_ENUM, g_lb_backend), ENUM(e_backend), DEF("auto"),
	  FLAGS(CK_EXT), UI(CK_G_CLUSTER, "Load balancer backend"),
	  HELP("What balances in the kernel: ipvs (IP Virtual Server), "
	  "nftables, or auto (IPVS when the kernel has it, else "
	  "nftables).") },
	{ SAME("arp_count"), G(CK_INT, g_arp_count), RANGE(0, 100), DEF("5"),
	  FLAGS(CK_EXT), UI(CK_G_CLUSTER, "Gratuitous ARPs"),
	  HELP("Gratuitous ARPs (IPv6: unsolicited neighbour advertisements) "
	  "sent for each virtual IP when this node takes over.") },
	{ KEYS("arp_interval", "arp_interval", "arp_interval_ms"),
	  G(CK_MS, g_arp_interval_ms), RANGE(1, 60000), DEF("1"),
	  FLAGS(CK_EXT), UI(CK_G_CLUSTER, "ARP interval"),
	  HELP("Time between two gratuitous ARPs, in seconds.") },
	{ SAME("director_mode"), G(CK_ENUM, g_director_mode), ENUM(e_director),
	  DEF("single"), FLAGS(CK_EXT), UI(CK_G_CLUSTER, "Director mode"),
	  HELP("How many directors serve at once: single (one active "
	  "director holds the virtual IPs; gratuitous ARPs move them) or "
	  "ecmp (every healthy director announces the virtual IPs to an "
	  "upstream router over BGP, through BIRD, and the router spreads "
	  "flows over them; each node then needs its BGP session).") },
	{ SAME("notify"), G(CK_STR, g_notify), FLAGS(CK_EXT | CK_LONG | CK_CMD),
	  UI(CK_G_CLUSTER, "Notify command (every event)"),
	  HELP("Program and arguments run for every event, after the "
	  "event kind's own notify_KIND command: split into words, no shell, "
	  "the program by absolute path.  The event's kind and fields are "
	  "appended as arguments, SHOAL_EVENT, SHOAL_SEQ, SHOAL_TIME, "
	  "SHOAL_NODE and SHOAL_<FIELD> are set and standard input is a "
	  "short mail, so /usr/sbin/sendmail -i root works.") },
	NOTIFY_KIND("role", 0,
	    "this node's role changes"),
	NOTIFY_KIND("vip", 1,
	    "a virtual IP is taken or released"),
	NOTIFY_KIND("server", 2,
	    "a real server goes up or down or changes weight"),
	NOTIFY_KIND("service", 3,
	    "a fail-over service fails or recovers"),
	NOTIFY_KIND("config", 4,
	    "a configuration generation is applied or refused"),
	NOTIFY_KIND("push", 5,
	    "a push to the cluster finishes"),
	NOTIFY_KIND("syncd", 6,
	    "the connection sync daemon goes up or down"),
	NOTIFY_KIND("maint", 7,
	    "cluster-wide maintenance changes (drain, standby...)"),
	NOTIFY_KIND("dual_active", 8,
	    "two MAC addresses answer for one virtual IP"),
	NOTIFY_KIND("drill", 9,
	    "a fail-over drill finishes"),
	NOTIFY_KIND("hook", 10,
	    "notify hooks were dropped or failed"),
	{ KEYS("notify_timeout", "notify_timeout", "notify_timeout_ms"),
	  G(CK_MS, g_notify_timeout_ms), RANGE(100, HOUR_MS), DEF("10"),
	  FLAGS(CK_EXT), UI(CK_G_CLUSTER, "Notify command timeout"),
	  HELP("Time a notify command may run before it is killed with its "
	  "process group, in seconds (decimals allowed).") },
	{ SAME("push_watch"), G(CK_SECS, g_push_watch), RANGE(0, 3600),
	  DEF("30"), FLAGS(CK_EXT), UI(CK_G_CLUSTER, "Watch after a push"),
	  HELP("After a push from the web UI commits, shoal-web watches the "
	  "cluster through pulse for this many seconds (nodes alive, an "
	  "active node, healthy real servers per virtual server) and, when "
	  "one gets worse than before the push, pushes the previous "
	  "generation back to every node; 0: off.") },
	KEPT("heartbeat", CK_BOOL,
	    "Piranha: use heartbeats (always on in shoal)."),
	KEPT("primary_shared", CK_STR, "Piranha: shared disk of the primary."),
	KEPT("backup_shared", CK_STR, "Piranha: shared disk of the backup."),
	KEPT("reservation_conflict_action", CK_STR,
	    "Piranha: SCSI reservation conflict action."),
	KEPT("debug_level", CK_STR, "Piranha: unused debug level."),
	KEPT("ipvsadm", CK_STR,
	    "Piranha: path of ipvsadm (shoal speaks netlink)."),
	KEPT("sync", CK_STR, "Piranha: unused."),
	KEPT("hard_shutdown", CK_BOOL,
	    "Piranha: one failed nanny stops everything (never in shoal)."),
	END
};
#undef G
#undef G2

/* ---- cluster members: struct cfg_node ---- */

#define N(t, m)		AT(struct cfg_node, t, m)
const struct ck_field ck_node[] = {
	{ KEYS(NULL, "name", "name"), N(CK_NAME, n_name),
	  FLAGS(CK_REQUIRED), UI(CK_G_NODE, "Name"),
	  HELP("Name of the node: 1 to 63 letters, digits, '.', '_' or '-'; "
	  "it cannot be changed later.") },
	{ SAME("address"), N(CK_ADDR, n_address),
	  FLAGS(CK_ALWAYS | CK_REQUIRED | CK_EXT),
	  UI(CK_G_NODE, "Public address"),
	  HELP("Address of the node: heartbeats go to it and configuration "
	  "pushes reach it over SSH.") },
	{ SAME("private_address"), N(CK_ADDR, n_private), FLAGS(CK_EXT),
	  UI(CK_G_NODE, "Private address"),
	  HELP("Address of the node on a second network: an optional second "
	  "heartbeat path.") },
	{ SAME("priority"), N(CK_INT, n_priority), RANGE(1, 255), DEF("100"),
	  FLAGS(CK_ALWAYS | CK_EXT), UI(CK_G_NODE, "Priority"),
	  HELP("The live node with the highest priority is the active router "
	  "(on a tie, the lowest node id).") },
	{ SAME("ssh_user"), N(CK_STR, n_ssh_user), FLAGS(CK_EXT),
	  UI(CK_G_NODE, "SSH user"),
	  HELP("User a configuration push logs in as on this node; unset: "
	  "root.") },
	{ SAME("ssh_port"), N(CK_INT, n_ssh_port), RANGE(1, U16MAX), DEF("0"),
	  FLAGS(CK_EXT | CK_ZERO_UNSET), UI(CK_G_NODE, "SSH port"),
	  HELP("Port of the node's SSH server for configuration pushes; 0: "
	  "22.") },
	{ SAME("ssh_key"), N(CK_STR, n_ssh_key), FLAGS(CK_EXT),
	  UI(CK_G_NODE, "SSH key file"),
	  HELP("Private key file a push to this node uses; unset: shoal's "
	  "default key.") },
	{ SAME("remote_shoalctl"), N(CK_STR, n_remote_shoalctl),
	  FLAGS(CK_EXT), UI(CK_G_NODE, "Remote shoalctl"),
	  HELP("Path of shoalctl on the node, which a push runs to verify and "
	  "commit; unset: the installed path.") },
	{ SAME("remote_db"), N(CK_STR, n_remote_db), FLAGS(CK_EXT),
	  UI(CK_G_NODE, "Remote database"),
	  HELP("Path of the configuration database on the node; unset: the "
	  "default path.") },
	{ SAME("bgp_as"), N(CK_U32, n_bgp_as), RANGE(1, U32MAX), DEF("0"),
	  FLAGS(CK_EXT | CK_ZERO_UNSET), UI(CK_G_NODE, "BGP AS number"),
	  HELP("Director mode ecmp: the autonomous system number this node "
	  "announces the virtual IPs from; 0: unset.") },
	{ SAME("bgp_neighbor"), N(CK_ADDR, n_bgp_neighbor), FLAGS(CK_EXT),
	  UI(CK_G_NODE, "BGP neighbour"),
	  HELP("Director mode ecmp: address of the upstream router this node "
	  "keeps a BGP session with.") },
	{ SAME("bgp_neighbor_as"), N(CK_U32, n_bgp_neighbor_as),
	  RANGE(1, U32MAX), DEF("0"), FLAGS(CK_EXT | CK_ZERO_UNSET),
	  UI(CK_G_NODE, "BGP neighbour AS number"),
	  HELP("Director mode ecmp: the upstream router's autonomous system "
	  "number; 0: unset.") },
	{ SAME("bgp_hold_time"), N(CK_SECS, n_bgp_hold_time), RANGE(3, U16MAX),
	  DEF("3"), FLAGS(CK_EXT), UI(CK_G_NODE, "BGP hold time"),
	  HELP("Director mode ecmp: time without a message from the "
	  "router after which the BGP session is down, in whole seconds "
	  "(3 is BGP's smallest).") },
	{ SAME("routing_socket"), N(CK_STR, n_routing_socket), FLAGS(CK_EXT),
	  UI(CK_G_NODE, "Routing daemon socket"),
	  HELP("Director mode ecmp: BIRD's control socket, which pulse "
	  "speaks to; unset: " CFG_DEF_ROUTING_SOCKET ".") },
	{ SAME("routing_config"), N(CK_STR, n_routing_config), FLAGS(CK_EXT),
	  UI(CK_G_NODE, "Routing daemon file"),
	  HELP("Director mode ecmp: the file pulse writes for BIRD (BIRD's "
	  "configuration includes it); unset: " CFG_DEF_ROUTING_CONFIG ".") },
	END
};
#undef N

/*
 * Virtual servers and fail-over services share their rows (as Piranha
 * gives both the same keys).  fo is CK_FAILOVER_ONLY in the virtual table
 * (start_cmd, stop_cmd); lb is CK_LB_ONLY in the failover table.
 */
#define V(t, m)		AT(struct cfg_virtual, t, m)
#define V2(t, m, m2)	AT2(struct cfg_virtual, t, m, m2)
#define VS_FIELDS(fo, lb)						\
	{ KEYS(NULL, "name", "name"), V(CK_NAME, vs_name),		\
	  FLAGS(CK_REQUIRED), UI(CK_G_SERVICE, "Name"),			\
	  HELP("Name of the service: 1 to 63 letters, digits, '.', '_' or " \
	  "'-'; it cannot be changed later.") },			\
	{ SAME("address"), V2(CK_ADDR_DEV, vs_address, vs_device),	\
	  FLAGS(CK_ALWAYS | CK_REQUIRED),				\
	  UI(CK_G_SERVICE, "Virtual IP address"),			\
	  HELP("The virtual IP address clients connect to; the active "	\
	  "router holds it.  lvs.cf writes it as ADDRESS DEVICE.") },	\
	{ KEYS(NULL, "device", "device"), V(CK_STR, vs_device),		\
	  UI(CK_G_SERVICE, "Device"),					\
	  HELP("Interface, with an optional label, that carries the "	\
	  "virtual IP, such as eth0:1.") },				\
	{ KEYS("vip_nmask", "vip_nmask", "nmask"),			\
	  V2(CK_MASK, vs_nmask, vs_address), RANGE(0, 128),		\
	  UI(CK_G_SERVICE, "VIP netmask (prefix)"),			\
	  HELP("Netmask of the virtual IP as a prefix length, such as 24 " \
	  "(lvs.cf also takes a dotted mask); unset: a host address.") }, \
	{ SAME("active"), V(CK_BOOL, vs_active), RANGE(0, 1), DEF("0"),	\
	  FLAGS(CK_ALWAYS | CK_NEW_ON), UI(CK_G_SERVICE, "Active"),	\
	  HELP("On: the active router runs the service; off: it is "	\
	  "configured but not in use.") },				\
	{ SAME("port"), V(CK_PORT, vs_port), RANGE(1, U16MAX), DEF("80"), \
	  FLAGS(CK_ALWAYS), UI(CK_G_SERVICE, "Port"),			\
	  HELP("Port clients connect to (lvs.cf also takes a service "	\
	  "name such as http).") },					\
	{ SAME("protocol"), V(CK_ENUM, vs_protocol), ENUM(e_proto),	\
	  DEF("tcp"), UI(CK_G_SERVICE, "Protocol"),			\
	  HELP("Transport protocol of the service: tcp or udp.") },	\
	{ SAME("fwmark"), V(CK_U32, vs_fwmark), RANGE(0, U32MAX), DEF("0"), \
	  FLAGS(lb), UI(CK_G_SERVICE, "Firewall mark"),			\
	  HELP("Balance the packets carrying this firewall mark (set by "	\
	  "your nftables or iptables rules) instead of address and port; " \
	  "0: off.") },							\
	{ SAME("scheduler"), V(CK_ENUM, vs_scheduler), ENUM(e_sched),	\
	  DEF("wlc"), FLAGS(lb), UI(CK_G_SERVICE, "Scheduler"),		\
	  HELP("How a new connection picks a real server: wlc weighted "	\
	  "least-connection, rr round robin, wrr weighted round robin, lc " \
	  "least-connection, lblc and lblcr locality-based, dh and sh "	\
	  "destination and source hashing, sed shortest expected delay, " \
	  "nq never queue, mh Maglev hashing.") },			\
	{ SAME("persistent"), V(CK_SECS, vs_persistent),		\
	  RANGE(0, PERSIST_MAX), DEF("0"), FLAGS(lb),			\
	  UI(CK_G_SERVICE, "Persistence"),				\
	  HELP("Time a client keeps going to the same real server after "	\
	  "its last connection, in whole seconds; 0: off.") },		\
	{ SAME("pmask"), V2(CK_MASK, vs_pmask, vs_address), RANGE(0, 128), \
	  FLAGS(lb), UI(CK_G_SERVICE, "Persistence netmask (prefix)"),	\
	  HELP("Clients in one network of this prefix length count as one " \
	  "client for persistence; unset: each address alone.") },	\
	{ SAME("send"), V(CK_STR, vs_send), FLAGS(CK_LONG),		\
	  UI(CK_G_CHECK, "Send"),					\
	  HELP("Text the health check sends after connecting; escapes "	\
	  "such as \\r\\n allowed.") },					\
	{ SAME("expect"), V(CK_STR, vs_expect), FLAGS(CK_LONG),		\
	  UI(CK_G_CHECK, "Expect"),					\
	  HELP("Text the reply must start with (an HTTP body: contain); "	\
	  "\"*\" accepts any reply.") },				\
	{ SAME("use_regex"), V(CK_BOOL, vs_use_regex), RANGE(0, 1),	\
	  DEF("0"), UI(CK_G_CHECK, "Expect is a regular expression"),	\
	  HELP("On: expect is a POSIX extended regular expression searched " \
	  "in the reply.") },						\
	{ SAME("send_program"), V(CK_STR, vs_send_program), FLAGS(CK_LONG), \
	  UI(CK_G_CHECK, "Check program"),				\
	  HELP("Program run as the check instead of a connection, split "	\
	  "into words (no shell); %h is the server's address, %p its port.  " \
	  "Exit status 0 is up (and its output must match expect when "	\
	  "set); a number on its first line sets the weight.") },	\
	{ KEYS("timeout", "timeout", "timeout_ms"),			\
	  V(CK_MS, vs_timeout_ms), RANGE(1, HOUR_MS), DEF("10"),	\
	  UI(CK_G_CHECK, "Timeout"),					\
	  HELP("Piranha's check timing, in seconds: the time between two " \
	  "checks and the time one may take, unless the check interval "	\
	  "and check timeout say otherwise.") },			\
	{ KEYS("reentry", "reentry", "reentry_ms"),			\
	  V(CK_MS, vs_reentry_ms), RANGE(0, DAY_MS), DEF("180"),	\
	  UI(CK_G_CHECK, "Re-entry time"),				\
	  HELP("Time a failed real server must pass its checks before it " \
	  "returns, in seconds.") },					\
	{ SAME("load_monitor"), V(CK_ENUM, vs_load_monitor), ENUM(e_load), \
	  DEF("none"), UI(CK_G_CHECK, "Load monitor"),			\
	  HELP("Where weights follow the real servers' load from: none, "	\
	  "uptime, rup or ruptime (Piranha's load average tools), or agent " \
	  "(the weight the agent check reports).") },			\
	{ SAME("quiesce_server"), V(CK_BOOL, vs_quiesce_server),	\
	  RANGE(0, 1), DEF("0"),					\
	  UI(CK_G_CHECK, "Quiesce failed servers (weight 0)"),		\
	  HELP("On: a failed real server stays with weight 0, so its "	\
	  "connections finish, instead of being removed.") },		\
	{ SAME("sorry_server"), V(CK_ADDR, vs_sorry_server), FLAGS(lb),	\
	  UI(CK_G_SERVICE, "Sorry server"),				\
	  HELP("Server that takes the clients while every real server is " \
	  "down.") },							\
	{ SAME("sorry_port"), V(CK_PORT, vs_sorry_port), RANGE(1, U16MAX), \
	  DEF("0"), FLAGS(CK_EXT | CK_ZERO_UNSET | (lb)),		\
	  UI(CK_G_SERVICE, "Sorry server port"),			\
	  HELP("Port of the sorry server; 0: the service's port.") },	\
	{ SAME("start_cmd"), V(CK_STR, vs_start_cmd), FLAGS(CK_LONG | (fo)), \
	  UI(CK_G_SERVICE, "Start command"),				\
	  HELP("Fail-over services: program and arguments that start the " \
	  "service when this node becomes active (no shell).") },	\
	{ SAME("stop_cmd"), V(CK_STR, vs_stop_cmd), FLAGS(CK_LONG | (fo)),	\
	  UI(CK_G_SERVICE, "Stop command"),				\
	  HELP("Fail-over services: program and arguments that stop the "	\
	  "service when this node stops being active (no shell).") },	\
	{ KEYS("check", "check", "check_kind"), V(CK_ENUM, vs_check),	\
	  ENUM(e_check), DEF("auto"), FLAGS(CK_EXT),			\
	  UI(CK_G_CHECK, "Check kind"),					\
	  HELP("How real servers are checked: auto (Piranha's choice: the " \
	  "check program, else send/expect, else HTTP on port 80, else a " \
	  "TCP connect; a UDP service: send/expect over UDP, on port 53 a " \
	  "DNS query), tcp, send_expect, http, https, program, agent, "	\
	  "none, udp (send a datagram, expect a reply), dns (a query, "	\
	  "see dns_name), or a protocol's dialogue: smtp, pop3, imap, "	\
	  "ftp, nntp, ldap (greeting, polite command, quit; see "	\
	  "starttls).") },						\
	{ KEYS("check_interval", "check_interval", "check_interval_ms"),	\
	  V(CK_MS, vs_check_interval_ms), RANGE(1, HOUR_MS), DEF("0"),	\
	  FLAGS(CK_EXT | CK_ZERO_UNSET), UI(CK_G_CHECK, "Check interval"), \
	  HELP("Time between two checks of a real server, in seconds; 0: "	\
	  "the timeout.") },						\
	{ KEYS("check_timeout", "check_timeout", "check_timeout_ms"),	\
	  V(CK_MS, vs_check_timeout_ms), RANGE(1, HOUR_MS), DEF("0"),	\
	  FLAGS(CK_EXT | CK_ZERO_UNSET), UI(CK_G_CHECK, "Check timeout"),	\
	  HELP("Time one check may take, in seconds; 0: the timeout.") },	\
	{ SAME("rise"), V(CK_INT, vs_rise), RANGE(1, 100), DEF("0"),	\
	  FLAGS(CK_EXT | CK_ZERO_UNSET),				\
	  UI(CK_G_CHECK, "Rise (good checks to return)"),		\
	  HELP("Checks in a row a failed real server must pass to return; " \
	  "0: enough checks to cover the re-entry time.") },			\
	{ SAME("fall"), V(CK_INT, vs_fall), RANGE(1, 100), DEF("0"),	\
	  FLAGS(CK_EXT | CK_ZERO_UNSET),				\
	  UI(CK_G_CHECK, "Fall (failed checks to remove)"),		\
	  HELP("Checks in a row a real server must fail to be taken out; "	\
	  "0: one, as in Piranha.") },					\
	{ SAME("http_path"), V(CK_STR, vs_http_path), FLAGS(CK_EXT),	\
	  UI(CK_G_CHECK, "HTTP path"),					\
	  HELP("Path the HTTP or HTTPS check requests, starting with /; "	\
	  "unset: /.") },						\
	{ SAME("http_host"), V(CK_STR, vs_http_host), FLAGS(CK_EXT),	\
	  UI(CK_G_CHECK, "HTTP Host header"),				\
	  HELP("Host header of the HTTP or HTTPS check (then sent as "	\
	  "HTTP/1.1); unset: an HTTP/1.0 request without one.") },	\
	{ SAME("http_status"), V(CK_INT, vs_http_status), RANGE(100, 599), \
	  DEF("0"), FLAGS(CK_EXT | CK_ZERO_UNSET),			\
	  UI(CK_G_CHECK, "Expected HTTP status"),			\
	  HELP("Status code the HTTP or HTTPS check expects; 0: any 2xx or " \
	  "3xx.") },							\
	{ SAME("agent_port"), V(CK_PORT, vs_agent_port), RANGE(1, U16MAX), \
	  DEF("0"), FLAGS(CK_EXT | CK_ZERO_UNSET),			\
	  UI(CK_G_CHECK, "Agent port"),					\
	  HELP("Port of the agent on each real server, which the agent "	\
	  "check asks for up, down or a weight; 0: none.") },		\
	{ SAME("dns_name"), V(CK_STR, vs_dns_name), FLAGS(CK_EXT),	\
	  UI(CK_G_CHECK, "DNS query name"),				\
	  HELP("Name the dns check asks for, such as www.example.com; "	\
	  "unset: the root (.).") },					\
	{ SAME("dns_type"), V(CK_STR, vs_dns_type), FLAGS(CK_EXT),	\
	  UI(CK_G_CHECK, "DNS query type"),				\
	  HELP("Record type the dns check asks for: A, AAAA, NS, MX, "	\
	  "TXT, SOA, SRV, PTR, CNAME, CAA or ANY; unset: SOA.") },	\
	{ SAME("dns_rcode"), V(CK_STR, vs_dns_rcode), FLAGS(CK_EXT),	\
	  UI(CK_G_CHECK, "DNS answer codes accepted"),			\
	  HELP("Response codes that make the dns check pass, separated "	\
	  "by commas, such as NOERROR,NXDOMAIN; unset: NOERROR.") },	\
	{ SAME("dns_answer"), V(CK_STR, vs_dns_answer), FLAGS(CK_EXT),	\
	  UI(CK_G_CHECK, "DNS answer expected"),			\
	  HELP("One record of the dns check's answer must equal it: an "	\
	  "address for A or AAAA, a name for NS, PTR, MX, SRV or SOA, the " \
	  "text for TXT; unset: any answer.") },			\
	{ SAME("starttls"), V(CK_BOOL, vs_starttls), RANGE(0, 1),	\
	  DEF("0"), FLAGS(CK_EXT), UI(CK_G_CHECK, "STARTTLS"),		\
	  HELP("On: the smtp, pop3, imap, ftp, nntp or ldap check "	\
	  "upgrades the connection to TLS (STARTTLS, STLS, AUTH TLS, "	\
	  "StartTLS) and goes on over TLS.") },				\
	{ SAME("tls_verify"), V(CK_BOOL, vs_tls_verify), RANGE(0, 1),	\
	  DEF("0"), FLAGS(CK_EXT),					\
	  UI(CK_G_CHECK, "Verify the TLS certificate"),			\
	  HELP("On: the https check, or a check with starttls, fails "	\
	  "unless the server's certificate chain verifies and names the " \
	  "expected name (tls_name, else the HTTP Host, else the "	\
	  "address).") },						\
	{ SAME("tls_ca"), V(CK_STR, vs_tls_ca), FLAGS(CK_EXT),		\
	  UI(CK_G_CHECK, "TLS CA file"),				\
	  HELP("PEM file of the certificate authorities tls_verify "	\
	  "trusts, an absolute path; unset: the system's.") },		\
	{ SAME("tls_name"), V(CK_STR, vs_tls_name), FLAGS(CK_EXT),	\
	  UI(CK_G_CHECK, "TLS server name"),				\
	  HELP("Name sent in TLS (SNI) and, with tls_verify, expected in " \
	  "the certificate; unset: the HTTP Host, else the address.") },	\
	{ KEYS("slow_start", "slow_start", "slow_start_ms"),		\
	  V(CK_MS, vs_slow_start_ms), RANGE(0, HOUR_MS), DEF("0"),	\
	  FLAGS(CK_EXT), UI(CK_G_CHECK, "Slow start"),			\
	  HELP("Time over which a returning real server's weight grows to " \
	  "its full value, in seconds; 0: at once.") },			\
	KEPT("client_monitor", CK_STR, "Piranha: unused client monitor."), \
	END

const struct ck_field ck_virtual[] = { VS_FIELDS(CK_FAILOVER_ONLY, 0) };
const struct ck_field ck_failover[] = { VS_FIELDS(0, CK_LB_ONLY) };
#undef V
#undef V2

/* ---- real servers: struct cfg_server ---- */

#define S(t, m)		AT(struct cfg_server, t, m)
const struct ck_field ck_server[] = {
	{ KEYS(NULL, "name", "name"), S(CK_NAME, rs_name), FLAGS(CK_REQUIRED),
	  UI(CK_G_SERVER, "Name"),
	  HELP("Name of the real server: 1 to 63 letters, digits, '.', '_' "
	  "or '-'.") },
	{ SAME("address"), S(CK_ADDR, rs_address),
	  FLAGS(CK_ALWAYS | CK_REQUIRED), UI(CK_G_SERVER, "Address"),
	  HELP("Address of the real server.") },
	{ SAME("active"), S(CK_BOOL, rs_active), RANGE(0, 1), DEF("0"),
	  FLAGS(CK_ALWAYS | CK_NEW_ON), UI(CK_G_SERVER, "Active"),
	  HELP("On: the server takes traffic while its checks pass; off: "
	  "configured but not in use.") },
	{ SAME("weight"), S(CK_INT, rs_weight), RANGE(0, U16MAX), DEF("1"),
	  FLAGS(CK_ALWAYS), UI(CK_G_SERVER, "Weight"),
	  HELP("Share of new connections against the other real servers "
	  "under weighted schedulers; 0: no new connections.") },
	{ SAME("port"), S(CK_PORT, rs_port), RANGE(1, U16MAX),
	  FLAGS(CK_ALWAYS), UI(CK_G_SERVER, "Port"),
	  HELP("Port of the real server; default: the service's port (in "
	  "lvs.cf, the virtual's port above the server block).") },
	END
};
#undef S

/* ---- lookups ---- */

const struct ck_field *
ck_table(enum ck_block b)
{
	switch (b) {
	case CK_GLOBAL:
		return ck_global;
	case CK_NODE:
		return ck_node;
	case CK_VIRTUAL:
		return ck_virtual;
	case CK_SERVER:
		return ck_server;
	case CK_FAILOVER:
		return ck_failover;
	}
	return NULL;
}

const char *
ck_block_name(enum ck_block b)
{
	static const char *const names[CK_NBLOCKS] = { "global", "node",
	    "virtual", "server", "failover" };

	return (unsigned int)b < CK_NBLOCKS ? names[b] : NULL;
}

const char *
ck_group_name(enum ck_group g)
{
	static const char *const names[] = { NULL, "cluster", "heartbeat",
	    "node", "service", "check", "server" };

	return (unsigned int)g < sizeof(names) / sizeof(names[0]) ?
	    names[g] : NULL;
}

const struct ck_field *
ck_find(const struct ck_field *t, const char *key)
{
	for (; t->f_type != CK_END; t++)
		if (t->f_key != NULL && strcmp(t->f_key, key) == 0)
			return t;
	return NULL;
}

int
ck_in_api(const struct ck_field *f)
{
	return f->f_json != NULL &&
	    !(f->f_flags & (CK_KEPT | CK_FAILOVER_ONLY | CK_LB_ONLY));
}

const struct ck_field *
ck_find_json(const struct ck_field *t, const char *name)
{
	for (; t->f_type != CK_END; t++)
		if (ck_in_api(t) && strcmp(t->f_json, name) == 0)
			return t;
	return NULL;
}

const char *
ck_sql_type(const struct ck_field *f)
{
	switch (f->f_type) {
	case CK_NAME:
	case CK_ENUM:
		return "TEXT NOT NULL";
	case CK_STR:
	case CK_ADDR:
	case CK_ADDR_DEV:
		return "TEXT";
	default:
		return "INTEGER NOT NULL";
	}
}

/* ---- values ---- */

#define FIELD(obj, off, type)	((type *)(void *)((char *)(uintptr_t)(obj) + (off)))

const char *
ck_string(const struct ck_field *f, const void *obj)
{
	if ((f->f_type != CK_STR && f->f_type != CK_NAME) ||
	    f->f_off == CK_NOOFF)
		return NULL;
	return *FIELD(obj, f->f_off, char *const);
}

int
ck_set_string(const struct ck_field *f, void *obj, const char *s)
{
	char **p, *c = NULL;

	if ((f->f_type != CK_STR && f->f_type != CK_NAME) ||
	    f->f_off == CK_NOOFF)
		return -1;
	if (s != NULL && (c = strdup(s)) == NULL)
		return -1;
	p = FIELD(obj, f->f_off, char *);
	if (f->f_flags & CK_SECRET)
		str_free_secret(*p);
	else
		free(*p);
	*p = c;
	return 0;
}

const struct cfg_addr *
ck_addr(const struct ck_field *f, const void *obj)
{
	if (f->f_type != CK_ADDR && f->f_type != CK_ADDR_DEV)
		return NULL;
	return FIELD(obj, f->f_off, const struct cfg_addr);
}

int
ck_set_addr(const struct ck_field *f, void *obj, const struct cfg_addr *a)
{
	struct cfg_addr *p;

	if (f->f_type != CK_ADDR && f->f_type != CK_ADDR_DEV)
		return -1;
	p = FIELD(obj, f->f_off, struct cfg_addr);
	if (a != NULL)
		*p = *a;
	else {
		memset(p, 0, sizeof(*p));
		p->family = AF_UNSPEC;
	}
	return 0;
}

int
ck_number(const struct ck_field *f, const void *obj, int64_t *v)
{
	if (f->f_off == CK_NOOFF)
		return -1;
	switch (f->f_type) {
	case CK_BOOL:
	case CK_INT:
	case CK_MASK:
	case CK_ENUM:
		*v = *FIELD(obj, f->f_off, const int);
		return 0;
	case CK_U32:
	case CK_SECS:
	case CK_MS:
		*v = *FIELD(obj, f->f_off, const uint32_t);
		return 0;
	case CK_U64:
		*v = (int64_t)*FIELD(obj, f->f_off, const uint64_t);
		return 0;
	case CK_PORT:
		*v = *FIELD(obj, f->f_off, const uint16_t);
		return 0;
	default:
		return -1;
	}
}

int
ck_set_number(const struct ck_field *f, void *obj, int64_t v)
{
	if (f->f_off == CK_NOOFF)
		return -1;
	switch (f->f_type) {
	case CK_BOOL:
	case CK_INT:
	case CK_MASK:
	case CK_ENUM:
		if (v < INT_MIN || v > INT_MAX)
			return -1;
		*FIELD(obj, f->f_off, int) = (int)v;
		return 0;
	case CK_U32:
	case CK_SECS:
	case CK_MS:
		if (v < 0 || v > UINT32_MAX)
			return -1;
		*FIELD(obj, f->f_off, uint32_t) = (uint32_t)v;
		return 0;
	case CK_U64:
		if (v < 0)
			return -1;
		*FIELD(obj, f->f_off, uint64_t) = (uint64_t)v;
		return 0;
	case CK_PORT:
		if (v < 0 || v > UINT16_MAX)
			return -1;
		*FIELD(obj, f->f_off, uint16_t) = (uint16_t)v;
		return 0;
	default:
		return -1;
	}
}

/* ---- formatting ---- */

const char *
ck_fmt_ms(uint32_t ms, char *buf, size_t len)
{
	int n;

	if (ms % 1000 == 0)
		snprintf(buf, len, "%" PRIu32, ms / 1000);
	else {
		n = snprintf(buf, len, "%" PRIu32 ".%03" PRIu32, ms / 1000,
		    ms % 1000);
		/* drop trailing zeros: "0.200" -> "0.2" */
		while (n > 0 && (size_t)n < len && buf[n - 1] == '0')
			buf[--n] = '\0';
	}
	return buf;
}

const char *
ck_fmt_mask(int prefix, int family, char *buf, size_t len)
{
	struct in_addr in;

	if (family != AF_INET6 && prefix >= 0 && prefix <= 32) {
		in.s_addr = prefix == 0 ? 0 :
		    htonl(0xffffffffu << (32 - prefix));
		if (inet_ntop(AF_INET, &in, buf, (socklen_t)len) == NULL)
			buf[0] = '\0';
	} else
		snprintf(buf, len, "%d", prefix);
	return buf;
}

static const char *
fmt_addr_dev(const struct ck_field *f, const void *obj, char *buf,
    size_t len)
{
	const struct cfg_addr *a = ck_addr(f, obj);
	const char *dev = NULL;
	char ab[CFG_ADDR_STRLEN];

	if (!cfg_addr_is_set(a))
		return NULL;
	cfg_addr_str(a, ab, sizeof(ab));
	if (f->f_type == CK_ADDR_DEV)
		dev = *FIELD(obj, f->f_off2, char *const);
	if (dev != NULL && dev[0] != '\0')
		snprintf(buf, len, "%s %s", ab, dev);
	else
		snprintf(buf, len, "%s", ab);
	return buf;
}

static const char *
fmt_number(const struct ck_field *f, const void *obj, char *buf,
    size_t len)
{
	const char *name;
	int64_t v;

	if (ck_number(f, obj, &v) == -1)
		return NULL;
	switch (f->f_type) {
	case CK_MS:
		return ck_fmt_ms((uint32_t)v, buf, len);
	case CK_MASK:
		if (v < 0)
			return NULL;
		return ck_fmt_mask((int)v, FIELD(obj, f->f_off2,
		    const struct cfg_addr)->family, buf, len);
	case CK_ENUM:
		if ((name = f->f_enum->e_name((int)v)) == NULL)
			snprintf(buf, len, "%" PRId64, v);
		else
			snprintf(buf, len, "%s", name);
		return buf;
	default:
		snprintf(buf, len, "%" PRId64, v);
		return buf;
	}
}

const char *
ck_format(const struct ck_field *f, const void *obj, char *buf, size_t len)
{
	const char *s;

	if (len == 0 || f->f_off == CK_NOOFF || f->f_key == NULL)
		return NULL;
	switch (f->f_type) {
	case CK_ADDR:
	case CK_ADDR_DEV:
		return fmt_addr_dev(f, obj, buf, len);
	case CK_STR:
		if ((s = ck_string(f, obj)) == NULL)
			return NULL;
		snprintf(buf, len, "%s", s);
		return buf;
	default:
		return fmt_number(f, obj, buf, len);
	}
}

const char *
ck_range_error(const struct ck_field *f, int64_t v, char *buf, size_t len)
{
	char lo[32], hi[32];

	if (f->f_type == CK_ENUM)
		return NULL;	/* checked by name */
	if ((v == 0 && (f->f_flags & CK_ZERO_UNSET)) ||
	    (v == -1 && f->f_type == CK_MASK))
		return NULL;	/* unset */
	if (v >= f->f_min && v <= f->f_max)
		return NULL;
	if (f->f_type == CK_MS)
		snprintf(buf, len, "out of range (%s-%s seconds)",
		    ck_fmt_ms((uint32_t)f->f_min, lo, sizeof(lo)),
		    ck_fmt_ms((uint32_t)f->f_max, hi, sizeof(hi)));
	else
		snprintf(buf, len, "out of range (%" PRId64 "-%" PRId64 ")",
		    f->f_min, f->f_max);
	return buf;
}
