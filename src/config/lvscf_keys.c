/*
 * lvscf_keys.c - the keyword tables of lvs.cf and value formatting.
 *
 * Table order is the order the canonical writer uses.  Defaults (k_def) are
 * the text lvs.cf would hold for the model's default value; a unit test
 * checks that they match config_new() and the cfg_*_new() constructors.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/lvscf_keys.h"

/* ---- enum name adapters (the table stores enums as int) ---- */

static const char *en_sched(int v) { return cfg_scheduler_name((enum cfg_scheduler)v); }
static const char *en_net(int v) { return cfg_network_name((enum cfg_network)v); }
static const char *en_proto(int v) { return cfg_protocol_name((enum cfg_protocol)v); }
static const char *en_backend(int v) { return cfg_lb_backend_name((enum cfg_lb_backend)v); }
static const char *en_load(int v) { return cfg_load_monitor_name((enum cfg_load_monitor)v); }
static const char *en_check(int v) { return cfg_check_kind_name((enum cfg_check_kind)v); }
static const char *en_mode(int v) { return cfg_service_mode_name((enum cfg_service_mode)v); }
static const char *en_director(int v) { return cfg_director_mode_name((enum cfg_director_mode)v); }

static const char *
en_rsh(int v)
{
	return v == CFG_RSH_RSH ? "rsh" : v == CFG_RSH_SSH ? "ssh" : NULL;
}

static int
ev_rsh(const char *s)
{
	if (strcmp(s, "rsh") == 0)
		return CFG_RSH_RSH;
	if (strcmp(s, "ssh") == 0)
		return CFG_RSH_SSH;
	return -1;
}

#define ENUMS(n, v)	.k_enum_name = (n), .k_enum_value = (v)
#define NONE		LK_NOOFF
#define U16MAX		65535
#define U32MAX		((int64_t)UINT32_MAX)
#define HOUR_MS		3600000
#define DAY_MS		86400000

/* global: offsets into struct cfg_global */
#define G(f)		offsetof(struct cfg_global, f)
const struct lvscf_key lvscf_keys_global[] = {
	{ "serial_no", LK_U64, G(g_serial_no), NONE, 0, INT64_MAX, "0", 0,
	  .k_help = "configuration serial number (the Piranha GUI bumped it)" },
	{ "service", LK_ENUM, G(g_service), NONE, 0, 0, "lvs", LK_ALWAYS,
	  ENUMS(en_mode, cfg_service_mode_from_name),
	  .k_help = "lvs (load balancing) or fos (fail-over services)" },
	{ "primary", LK_ADDR, G(g_primary), NONE, 0, 0, NULL, 0,
	  .k_help = "public address of the primary router" },
	{ "primary_private", LK_ADDR, G(g_primary_private), NONE, 0, 0, NULL, 0,
	  .k_help = "private (second heartbeat path) address of the primary" },
	{ "backup_active", LK_BOOL, G(g_backup_active), NONE, 0, 1, "0", 0,
	  .k_help = "1 when a backup router exists" },
	{ "backup", LK_ADDR, G(g_backup), NONE, 0, 0, NULL, 0,
	  .k_help = "public address of the backup router" },
	{ "backup_private", LK_ADDR, G(g_backup_private), NONE, 0, 0, NULL, 0,
	  .k_help = "private address of the backup router" },
	{ "heartbeat_port", LK_PORT, G(g_heartbeat_port), NONE, 1, U16MAX,
	  "539", 0, .k_help = "UDP port of heartbeats" },
	{ "keepalive", LK_MS, G(g_keepalive_ms), NONE, 1, HOUR_MS, "0.2", 0,
	  .k_help = "seconds between heartbeats (decimal)" },
	{ "deadtime", LK_MS, G(g_deadtime_ms), NONE, 1, HOUR_MS, "0.8", 0,
	  .k_help = "seconds without heartbeat before a node is dead" },
	{ "network", LK_ENUM, G(g_network), NONE, 0, 0, "nat", 0,
	  ENUMS(en_net, cfg_network_from_name),
	  .k_help = "forwarding: nat, direct or tunnel" },
	{ "nat_router", LK_ADDR_DEV, G(g_nat_router), G(g_nat_router_dev),
	  0, 0, NULL, 0, .k_help = "NAT gateway address and device (IP DEV)" },
	{ "nat_nmask", LK_MASK, G(g_nat_nmask), G(g_nat_router), 0, 128,
	  NULL, 0, .k_help = "netmask of nat_router" },
	{ "rsh_command", LK_ENUM, G(g_rsh_command), NONE, 0, 0, "rsh", 0,
	  ENUMS(en_rsh, ev_rsh), .k_help = "rsh or ssh (Piranha's copy tool)" },
	{ "syncdaemon", LK_BOOL, G(g_syncdaemon), NONE, 0, 1, "0", 0,
	  .k_help = "run the IPVS connection sync daemon" },
	{ "syncd_iface", LK_STR, G(g_syncd_iface), NONE, 0, 0, NULL, 0,
	  .k_help = "interface of the sync daemon" },
	{ "syncd_id", LK_INT, G(g_syncd_id), NONE, 0, 255, "0", 0,
	  .k_help = "sync daemon id" },
	{ "tcp_timeout", LK_SECS, G(g_tcp_timeout), NONE, 0, INT32_MAX, "0",
	  0, .k_help = "IPVS TCP timeout in seconds, 0 leaves it" },
	{ "tcpfin_timeout", LK_SECS, G(g_tcpfin_timeout), NONE, 0, INT32_MAX,
	  "0", 0, .k_help = "IPVS TCP FIN timeout in seconds, 0 leaves it" },
	{ "udp_timeout", LK_SECS, G(g_udp_timeout), NONE, 0, INT32_MAX, "0",
	  0, .k_help = "IPVS UDP timeout in seconds, 0 leaves it" },
	{ "monitor_links", LK_BOOL, G(g_monitor_links), NONE, 0, 1, "0", 0,
	  .k_help = "fail over when a VIP's link goes down" },
	{ "active_cmd", LK_STR, G(g_active_cmd), NONE, 0, 0, NULL, 0,
	  .k_help = "command run on becoming active" },
	{ "inactive_cmd", LK_STR, G(g_inactive_cmd), NONE, 0, 0, NULL, 0,
	  .k_help = "command run on becoming inactive" },
	{ "cluster_id", LK_U32, G(g_cluster_id), NONE, 0, U32MAX, "0", LK_EXT,
	  .k_help = "cluster id carried in heartbeats" },
	{ "preempt", LK_BOOL, G(g_preempt), NONE, 0, 1, "1", LK_EXT,
	  .k_help = "a better node takes over when it returns" },
	{ "preempt_delay", LK_MS, G(g_preempt_delay_ms), NONE, 0, DAY_MS, "0",
	  LK_EXT, .k_help = "seconds a returning node waits before preempting" },
	{ "heartbeat_key", LK_STR, G(g_heartbeat_key), NONE, 0, 0, NULL,
	  LK_EXT | LK_SECRET, .k_help = "shared key authenticating heartbeats" },
	{ "lvs_backend", LK_ENUM, G(g_lb_backend), NONE, 0, 0, "auto", LK_EXT,
	  ENUMS(en_backend, cfg_lb_backend_from_name),
	  .k_help = "auto, ipvs or nftables" },
	{ "arp_count", LK_INT, G(g_arp_count), NONE, 0, 100, "5", LK_EXT,
	  .k_help = "gratuitous ARPs sent per VIP on take-over" },
	{ "arp_interval", LK_MS, G(g_arp_interval_ms), NONE, 1, 60000, "1",
	  LK_EXT, .k_help = "seconds between gratuitous ARPs" },
	{ "director_mode", LK_ENUM, G(g_director_mode), NONE, 0, 0, "single",
	  LK_EXT, ENUMS(en_director, cfg_director_mode_from_name),
	  .k_help = "single (one active director) or ecmp (every healthy "
	  "director announces the VIPs by BGP)" },
	/* Piranha keys shoal keeps and writes back but does not act on */
	{ "heartbeat", LK_BOOL, NONE, NONE, 0, 1, NULL, LK_KEPT,
	  .k_help = "Piranha: use heartbeats (always on in shoal)" },
	{ "primary_shared", LK_STR, NONE, NONE, 0, 0, NULL, LK_KEPT,
	  .k_help = "Piranha: shared disk of the primary" },
	{ "backup_shared", LK_STR, NONE, NONE, 0, 0, NULL, LK_KEPT,
	  .k_help = "Piranha: shared disk of the backup" },
	{ "reservation_conflict_action", LK_STR, NONE, NONE, 0, 0, NULL,
	  LK_KEPT, .k_help = "Piranha: SCSI reservation conflict action" },
	{ "debug_level", LK_STR, NONE, NONE, 0, 0, NULL, LK_KEPT,
	  .k_help = "Piranha: unused debug level" },
	{ "ipvsadm", LK_STR, NONE, NONE, 0, 0, NULL, LK_KEPT,
	  .k_help = "Piranha: path of ipvsadm (shoal uses netlink)" },
	{ "sync", LK_STR, NONE, NONE, 0, 0, NULL, LK_KEPT,
	  .k_help = "Piranha: unused" },
	{ "hard_shutdown", LK_BOOL, NONE, NONE, 0, 1, NULL, LK_KEPT,
	  .k_help = "Piranha: one failed nanny stops everything (never in shoal)" },
	{ NULL, LK_BOOL, 0, 0, 0, 0, NULL, 0, .k_help = NULL }
};
#undef G

#define N(f)		offsetof(struct cfg_node, f)
const struct lvscf_key lvscf_keys_node[] = {
	{ "address", LK_ADDR, N(n_address), NONE, 0, 0, NULL,
	  LK_ALWAYS | LK_REQUIRED | LK_EXT,
	  .k_help = "public address: heartbeats and SSH" },
	{ "private_address", LK_ADDR, N(n_private), NONE, 0, 0, NULL, LK_EXT,
	  .k_help = "address of the second heartbeat path" },
	{ "priority", LK_INT, N(n_priority), NONE, 1, 255, "100",
	  LK_ALWAYS | LK_EXT, .k_help = "1-255, the highest live node is active" },
	{ "ssh_user", LK_STR, N(n_ssh_user), NONE, 0, 0, NULL, LK_EXT,
	  .k_help = "user for config push (default root)" },
	{ "ssh_port", LK_INT, N(n_ssh_port), NONE, 1, U16MAX, "0",
	  LK_EXT | LK_ZERO_UNSET, .k_help = "SSH port (0 = 22)" },
	{ "ssh_key", LK_STR, N(n_ssh_key), NONE, 0, 0, NULL, LK_EXT,
	  .k_help = "private key file for config push" },
	{ "remote_shoalctl", LK_STR, N(n_remote_shoalctl), NONE, 0, 0, NULL,
	  LK_EXT, .k_help = "path of shoalctl on the node" },
	{ "remote_db", LK_STR, N(n_remote_db), NONE, 0, 0, NULL, LK_EXT,
	  .k_help = "path of the database on the node" },
	{ "bgp_as", LK_U32, N(n_bgp_as), NONE, 1, U32MAX, "0",
	  LK_EXT | LK_ZERO_UNSET,
	  .k_help = "ecmp: the node's autonomous system number" },
	{ "bgp_neighbor", LK_ADDR, N(n_bgp_neighbor), NONE, 0, 0, NULL, LK_EXT,
	  .k_help = "ecmp: address of the upstream router" },
	{ "bgp_neighbor_as", LK_U32, N(n_bgp_neighbor_as), NONE, 1, U32MAX,
	  "0", LK_EXT | LK_ZERO_UNSET,
	  .k_help = "ecmp: the upstream router's autonomous system number" },
	{ "bgp_hold_time", LK_SECS, N(n_bgp_hold_time), NONE, 3, 65535, "3",
	  LK_EXT, .k_help = "ecmp: BGP hold time in seconds" },
	{ "routing_socket", LK_STR, N(n_routing_socket), NONE, 0, 0, NULL,
	  LK_EXT, .k_help = "ecmp: BIRD's control socket "
	  "(default " CFG_DEF_ROUTING_SOCKET ")" },
	{ "routing_config", LK_STR, N(n_routing_config), NONE, 0, 0, NULL,
	  LK_EXT, .k_help = "ecmp: the file pulse writes for BIRD "
	  "(default " CFG_DEF_ROUTING_CONFIG ")" },
	{ NULL, LK_BOOL, 0, 0, 0, 0, NULL, 0, .k_help = NULL }
};
#undef N

/*
 * virtual and failover blocks share their keys (as in Piranha); start_cmd
 * and stop_cmd are failover only.
 */
#define V(f)		offsetof(struct cfg_virtual, f)
#define VS_KEYS(fo)							\
	{ "address", LK_ADDR_DEV, V(vs_address), V(vs_device), 0, 0, NULL, \
	  LK_ALWAYS | LK_REQUIRED,					\
	  .k_help = "the virtual IP and its device label (IP DEV)" },	\
	{ "vip_nmask", LK_MASK, V(vs_nmask), V(vs_address), 0, 128, NULL, 0, \
	  .k_help = "netmask of the virtual IP" },			\
	{ "active", LK_BOOL, V(vs_active), NONE, 0, 1, "0", LK_ALWAYS,	\
	  .k_help = "1 when the service is in use" },			\
	{ "port", LK_PORT, V(vs_port), NONE, 1, U16MAX, "80", LK_ALWAYS, \
	  .k_help = "port, number or service name" },			\
	{ "protocol", LK_ENUM, V(vs_protocol), NONE, 0, 0, "tcp", 0,	\
	  ENUMS(en_proto, cfg_protocol_from_name),			\
	  .k_help = "tcp or udp" },					\
	{ "fwmark", LK_U32, V(vs_fwmark), NONE, 0, U32MAX, "0", 0,	\
	  .k_help = "firewall mark service instead of address:port" },	\
	{ "scheduler", LK_ENUM, V(vs_scheduler), NONE, 0, 0, "wlc", 0,	\
	  ENUMS(en_sched, cfg_scheduler_from_name),			\
	  .k_help = "rr wrr lc wlc lblc lblcr dh sh sed nq mh" },	\
	{ "persistent", LK_SECS, V(vs_persistent), NONE, 0, INT32_MAX, "0", \
	  0, .k_help = "persistence timeout in seconds, 0 = off" },	\
	{ "pmask", LK_MASK, V(vs_pmask), V(vs_address), 0, 128, NULL, 0, \
	  .k_help = "netmask grouping persistent clients" },		\
	{ "send", LK_STR, V(vs_send), NONE, 0, 0, NULL, 0,		\
	  .k_help = "string sent by the check (\\r \\n escapes)" },	\
	{ "expect", LK_STR, V(vs_expect), NONE, 0, 0, NULL, 0,		\
	  .k_help = "reply expected by the check, \"*\" = any" },	\
	{ "use_regex", LK_BOOL, V(vs_use_regex), NONE, 0, 1, "0", 0,	\
	  .k_help = "expect is a regular expression" },			\
	{ "send_program", LK_STR, V(vs_send_program), NONE, 0, 0, NULL, 0, \
	  .k_help = "check program, %h = server address, %p = port" },	\
	{ "timeout", LK_MS, V(vs_timeout_ms), NONE, 1, HOUR_MS, "10", 0, \
	  .k_help = "seconds between checks (and their timeout)" },	\
	{ "reentry", LK_MS, V(vs_reentry_ms), NONE, 0, DAY_MS, "180", 0, \
	  .k_help = "seconds a failed server must pass before it returns" }, \
	{ "load_monitor", LK_ENUM, V(vs_load_monitor), NONE, 0, 0, "none", \
	  0, ENUMS(en_load, cfg_load_monitor_from_name),		\
	  .k_help = "none uptime rup ruptime agent" },			\
	{ "quiesce_server", LK_BOOL, V(vs_quiesce_server), NONE, 0, 1, "0", \
	  0, .k_help = "a failed server gets weight 0 instead of removal" }, \
	{ "sorry_server", LK_ADDR, V(vs_sorry_server), NONE, 0, 0, NULL, 0, \
	  .k_help = "server used when every real server is down" },	\
	{ "sorry_port", LK_PORT, V(vs_sorry_port), NONE, 1, U16MAX, "0", \
	  LK_EXT | LK_ZERO_UNSET, .k_help = "port of sorry_server (0 = port)" }, \
	{ "start_cmd", LK_STR, V(vs_start_cmd), NONE, 0, 0, NULL, (fo),	\
	  .k_help = "failover: command starting the service" },		\
	{ "stop_cmd", LK_STR, V(vs_stop_cmd), NONE, 0, 0, NULL, (fo),	\
	  .k_help = "failover: command stopping the service" },		\
	{ "check", LK_ENUM, V(vs_check), NONE, 0, 0, "auto", LK_EXT,	\
	  ENUMS(en_check, cfg_check_kind_from_name),			\
	  .k_help = "auto tcp send_expect http https program agent none" }, \
	{ "check_interval", LK_MS, V(vs_check_interval_ms), NONE, 1,	\
	  HOUR_MS, "0", LK_EXT | LK_ZERO_UNSET,				\
	  .k_help = "seconds between checks (0 = timeout)" },		\
	{ "check_timeout", LK_MS, V(vs_check_timeout_ms), NONE, 1,	\
	  HOUR_MS, "0", LK_EXT | LK_ZERO_UNSET,				\
	  .k_help = "seconds a check may take (0 = timeout)" },		\
	{ "rise", LK_INT, V(vs_rise), NONE, 1, 100, "0",		\
	  LK_EXT | LK_ZERO_UNSET, .k_help = "good checks to come back" }, \
	{ "fall", LK_INT, V(vs_fall), NONE, 1, 100, "0",		\
	  LK_EXT | LK_ZERO_UNSET, .k_help = "failed checks to go down" }, \
	{ "http_path", LK_STR, V(vs_http_path), NONE, 0, 0, NULL, LK_EXT, \
	  .k_help = "path of the HTTP check (default /)" },		\
	{ "http_host", LK_STR, V(vs_http_host), NONE, 0, 0, NULL, LK_EXT, \
	  .k_help = "Host header of the HTTP check" },			\
	{ "http_status", LK_INT, V(vs_http_status), NONE, 100, 599, "0", \
	  LK_EXT | LK_ZERO_UNSET,					\
	  .k_help = "expected HTTP status (0 = any 2xx or 3xx)" },	\
	{ "agent_port", LK_PORT, V(vs_agent_port), NONE, 1, U16MAX, "0", \
	  LK_EXT | LK_ZERO_UNSET, .k_help = "port of the agent check" }, \
	{ "slow_start", LK_MS, V(vs_slow_start_ms), NONE, 0, HOUR_MS, "0", \
	  LK_EXT, .k_help = "seconds a returning server ramps its weight" }, \
	{ "client_monitor", LK_STR, NONE, NONE, 0, 0, NULL, LK_KEPT,	\
	  .k_help = "Piranha: unused client monitor" },			\
	{ NULL, LK_BOOL, 0, 0, 0, 0, NULL, 0, .k_help = NULL }

const struct lvscf_key lvscf_keys_virtual[] = { VS_KEYS(LK_FAILOVER_ONLY) };
const struct lvscf_key lvscf_keys_failover[] = { VS_KEYS(0) };
#undef V

#define S(f)		offsetof(struct cfg_server, f)
const struct lvscf_key lvscf_keys_server[] = {
	{ "address", LK_ADDR, S(rs_address), NONE, 0, 0, NULL,
	  LK_ALWAYS | LK_REQUIRED, .k_help = "address of the real server" },
	{ "active", LK_BOOL, S(rs_active), NONE, 0, 1, "0", LK_ALWAYS,
	  .k_help = "1 when the server is in use" },
	{ "weight", LK_INT, S(rs_weight), NONE, 0, U16MAX, "1", LK_ALWAYS,
	  .k_help = "scheduling weight" },
	{ "port", LK_PORT, S(rs_port), NONE, 1, U16MAX, NULL, LK_ALWAYS,
	  .k_help = "port (default: the virtual's port above the block)" },
	{ NULL, LK_BOOL, 0, 0, 0, 0, NULL, 0, .k_help = NULL }
};
#undef S

const struct lvscf_key *
lvscf_keys_table(enum lvscf_block b)
{
	switch (b) {
	case LVSCF_GLOBAL:
		return lvscf_keys_global;
	case LVSCF_NODE:
		return lvscf_keys_node;
	case LVSCF_VIRTUAL:
		return lvscf_keys_virtual;
	case LVSCF_SERVER:
		return lvscf_keys_server;
	case LVSCF_FAILOVER:
		return lvscf_keys_failover;
	}
	return NULL;
}

const struct lvscf_key *
lvscf_keys_find(const struct lvscf_key *t, const char *name)
{
	for (; t->k_name != NULL; t++)
		if (strcmp(t->k_name, name) == 0)
			return t;
	return NULL;
}

/* ---- formatting ---- */

#define FIELD(obj, off, type)	((type *)(void *)((char *)(uintptr_t)(obj) + (off)))

const char *
lvscf_fmt_ms(uint32_t ms, char *buf, size_t len)
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
lvscf_fmt_mask(int prefix, int family, char *buf, size_t len)
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
fmt_addr_dev(const struct lvscf_key *k, const void *obj, char *buf,
    size_t len)
{
	const struct cfg_addr *a = FIELD(obj, k->k_off, const struct cfg_addr);
	const char *dev = NULL;
	char ab[CFG_ADDR_STRLEN];

	if (!cfg_addr_is_set(a))
		return NULL;
	cfg_addr_str(a, ab, sizeof(ab));
	if (k->k_type == LK_ADDR_DEV)
		dev = *FIELD(obj, k->k_off2, char *const);
	if (dev != NULL && dev[0] != '\0')
		snprintf(buf, len, "%s %s", ab, dev);
	else
		snprintf(buf, len, "%s", ab);
	return buf;
}

static const char *
fmt_number(const struct lvscf_key *k, const void *obj, char *buf,
    size_t len)
{
	const struct cfg_addr *a;
	const char *name;
	int64_t v;

	if (lvscf_key_number(k, obj, &v) == -1)
		return NULL;
	switch (k->k_type) {
	case LK_MS:
		return lvscf_fmt_ms((uint32_t)v, buf, len);
	case LK_MASK:
		if (v < 0)
			return NULL;
		a = FIELD(obj, k->k_off2, const struct cfg_addr);
		return lvscf_fmt_mask((int)v, a->family, buf, len);
	case LK_ENUM:
		if ((name = k->k_enum_name((int)v)) == NULL)
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
lvscf_key_format(const struct lvscf_key *k, const void *obj, char *buf,
    size_t len)
{
	const char *s;

	if (len == 0 || k->k_off == LK_NOOFF)
		return NULL;
	switch (k->k_type) {
	case LK_ADDR:
	case LK_ADDR_DEV:
		return fmt_addr_dev(k, obj, buf, len);
	case LK_STR:
		if ((s = lvscf_key_string(k, obj)) == NULL)
			return NULL;
		snprintf(buf, len, "%s", s);
		return buf;
	default:
		return fmt_number(k, obj, buf, len);
	}
}

const char *
lvscf_key_string(const struct lvscf_key *k, const void *obj)
{
	if (k->k_type != LK_STR || k->k_off == LK_NOOFF)
		return NULL;
	return *FIELD(obj, k->k_off, char *const);
}

int
lvscf_key_number(const struct lvscf_key *k, const void *obj, int64_t *v)
{
	if (k->k_off == LK_NOOFF)
		return -1;
	switch (k->k_type) {
	case LK_BOOL:
	case LK_INT:
	case LK_MASK:
	case LK_ENUM:
		*v = *FIELD(obj, k->k_off, const int);
		return 0;
	case LK_U32:
	case LK_SECS:
	case LK_MS:
		*v = *FIELD(obj, k->k_off, const uint32_t);
		return 0;
	case LK_U64:
		*v = (int64_t)*FIELD(obj, k->k_off, const uint64_t);
		return 0;
	case LK_PORT:
		*v = *FIELD(obj, k->k_off, const uint16_t);
		return 0;
	default:
		return -1;
	}
}

const char *
lvscf_key_range_error(const struct lvscf_key *k, int64_t v, char *buf,
    size_t len)
{
	if (k->k_type == LK_ENUM || k->k_type == LK_MASK)
		return NULL;	/* checked by name / by family */
	if (v == 0 && (k->k_flags & LK_ZERO_UNSET))
		return NULL;
	if (v >= k->k_min && v <= k->k_max)
		return NULL;
	if (k->k_type == LK_MS) {
		char lo[32], hi[32];

		snprintf(buf, len, "out of range (%s-%s seconds)",
		    lvscf_fmt_ms((uint32_t)k->k_min, lo, sizeof(lo)),
		    lvscf_fmt_ms((uint32_t)k->k_max, hi, sizeof(hi)));
	} else
		snprintf(buf, len, "out of range (%" PRId64 "-%" PRId64 ")",
		    k->k_min, k->k_max);
	return buf;
}
