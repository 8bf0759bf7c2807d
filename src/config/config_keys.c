/*
 * config_keys.c - the field registry: the keyword tables of lvs.cf and value formatting.
 *
 * Table order is the order the canonical writer uses.  Defaults (f_def) are
 * the text lvs.cf would hold for the model's default value; a unit test
 * checks that they match config_new() and the cfg_*_new() constructors.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/config_keys.h"

/* ---- enum name adapters (the table stores enums as int) ---- */

static const char *en_sched(int v) { return cfg_scheduler_name((enum cfg_scheduler)v); }
static const char *en_net(int v) { return cfg_network_name((enum cfg_network)v); }
static const char *en_proto(int v) { return cfg_protocol_name((enum cfg_protocol)v); }
static const char *en_backend(int v) { return cfg_lb_backend_name((enum cfg_lb_backend)v); }
static const char *en_load(int v) { return cfg_load_monitor_name((enum cfg_load_monitor)v); }
static const char *en_check(int v) { return cfg_check_kind_name((enum cfg_check_kind)v); }
static const char *en_mode(int v) { return cfg_service_mode_name((enum cfg_service_mode)v); }

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

#define ENUMS(n, v)	.f_enum_name = (n), .f_enum_value = (v)
#define NONE		CK_NOOFF
#define U16MAX		65535
#define U32MAX		((int64_t)UINT32_MAX)
#define HOUR_MS		3600000
#define DAY_MS		86400000

/* global: offsets into struct cfg_global */
#define G(f)		offsetof(struct cfg_global, f)
const struct ck_field ck_global[] = {
	{ "serial_no", CK_U64, G(g_serial_no), NONE, 0, INT64_MAX, "0", 0,
	  .f_help = "configuration serial number (the Piranha GUI bumped it)" },
	{ "service", CK_ENUM, G(g_service), NONE, 0, 0, "lvs", CK_ALWAYS,
	  ENUMS(en_mode, cfg_service_mode_from_name),
	  .f_help = "lvs (load balancing) or fos (fail-over services)" },
	{ "primary", CK_ADDR, G(g_primary), NONE, 0, 0, NULL, 0,
	  .f_help = "public address of the primary router" },
	{ "primary_private", CK_ADDR, G(g_primary_private), NONE, 0, 0, NULL, 0,
	  .f_help = "private (second heartbeat path) address of the primary" },
	{ "backup_active", CK_BOOL, G(g_backup_active), NONE, 0, 1, "0", 0,
	  .f_help = "1 when a backup router exists" },
	{ "backup", CK_ADDR, G(g_backup), NONE, 0, 0, NULL, 0,
	  .f_help = "public address of the backup router" },
	{ "backup_private", CK_ADDR, G(g_backup_private), NONE, 0, 0, NULL, 0,
	  .f_help = "private address of the backup router" },
	{ "heartbeat_port", CK_PORT, G(g_heartbeat_port), NONE, 1, U16MAX,
	  "539", 0, .f_help = "UDP port of heartbeats" },
	{ "keepalive", CK_MS, G(g_keepalive_ms), NONE, 1, HOUR_MS, "0.2", 0,
	  .f_help = "seconds between heartbeats (decimal)" },
	{ "deadtime", CK_MS, G(g_deadtime_ms), NONE, 1, HOUR_MS, "0.8", 0,
	  .f_help = "seconds without heartbeat before a node is dead" },
	{ "network", CK_ENUM, G(g_network), NONE, 0, 0, "nat", 0,
	  ENUMS(en_net, cfg_network_from_name),
	  .f_help = "forwarding: nat, direct or tunnel" },
	{ "nat_router", CK_ADDR_DEV, G(g_nat_router), G(g_nat_router_dev),
	  0, 0, NULL, 0, .f_help = "NAT gateway address and device (IP DEV)" },
	{ "nat_nmask", CK_MASK, G(g_nat_nmask), G(g_nat_router), 0, 128,
	  NULL, 0, .f_help = "netmask of nat_router" },
	{ "rsh_command", CK_ENUM, G(g_rsh_command), NONE, 0, 0, "rsh", 0,
	  ENUMS(en_rsh, ev_rsh), .f_help = "rsh or ssh (Piranha's copy tool)" },
	{ "syncdaemon", CK_BOOL, G(g_syncdaemon), NONE, 0, 1, "0", 0,
	  .f_help = "run the IPVS connection sync daemon" },
	{ "syncd_iface", CK_STR, G(g_syncd_iface), NONE, 0, 0, NULL, 0,
	  .f_help = "interface of the sync daemon" },
	{ "syncd_id", CK_INT, G(g_syncd_id), NONE, 0, 255, "0", 0,
	  .f_help = "sync daemon id" },
	{ "tcp_timeout", CK_SECS, G(g_tcp_timeout), NONE, 0, INT32_MAX, "0",
	  0, .f_help = "IPVS TCP timeout in seconds, 0 leaves it" },
	{ "tcpfin_timeout", CK_SECS, G(g_tcpfin_timeout), NONE, 0, INT32_MAX,
	  "0", 0, .f_help = "IPVS TCP FIN timeout in seconds, 0 leaves it" },
	{ "udp_timeout", CK_SECS, G(g_udp_timeout), NONE, 0, INT32_MAX, "0",
	  0, .f_help = "IPVS UDP timeout in seconds, 0 leaves it" },
	{ "monitor_links", CK_BOOL, G(g_monitor_links), NONE, 0, 1, "0", 0,
	  .f_help = "fail over when a VIP's link goes down" },
	{ "active_cmd", CK_STR, G(g_active_cmd), NONE, 0, 0, NULL, 0,
	  .f_help = "command run on becoming active" },
	{ "inactive_cmd", CK_STR, G(g_inactive_cmd), NONE, 0, 0, NULL, 0,
	  .f_help = "command run on becoming inactive" },
	{ "cluster_id", CK_U32, G(g_cluster_id), NONE, 0, U32MAX, "0", CK_EXT,
	  .f_help = "cluster id carried in heartbeats" },
	{ "preempt", CK_BOOL, G(g_preempt), NONE, 0, 1, "1", CK_EXT,
	  .f_help = "a better node takes over when it returns" },
	{ "preempt_delay", CK_MS, G(g_preempt_delay_ms), NONE, 0, DAY_MS, "0",
	  CK_EXT, .f_help = "seconds a returning node waits before preempting" },
	{ "heartbeat_key", CK_STR, G(g_heartbeat_key), NONE, 0, 0, NULL,
	  CK_EXT | CK_SECRET, .f_help = "shared key authenticating heartbeats" },
	{ "lvs_backend", CK_ENUM, G(g_lb_backend), NONE, 0, 0, "auto", CK_EXT,
	  ENUMS(en_backend, cfg_lb_backend_from_name),
	  .f_help = "auto, ipvs or nftables" },
	{ "arp_count", CK_INT, G(g_arp_count), NONE, 0, 100, "5", CK_EXT,
	  .f_help = "gratuitous ARPs sent per VIP on take-over" },
	{ "arp_interval", CK_MS, G(g_arp_interval_ms), NONE, 1, 60000, "1",
	  CK_EXT, .f_help = "seconds between gratuitous ARPs" },
	/* Piranha keys shoal keeps and writes back but does not act on */
	{ "heartbeat", CK_BOOL, NONE, NONE, 0, 1, NULL, CK_KEPT,
	  .f_help = "Piranha: use heartbeats (always on in shoal)" },
	{ "primary_shared", CK_STR, NONE, NONE, 0, 0, NULL, CK_KEPT,
	  .f_help = "Piranha: shared disk of the primary" },
	{ "backup_shared", CK_STR, NONE, NONE, 0, 0, NULL, CK_KEPT,
	  .f_help = "Piranha: shared disk of the backup" },
	{ "reservation_conflict_action", CK_STR, NONE, NONE, 0, 0, NULL,
	  CK_KEPT, .f_help = "Piranha: SCSI reservation conflict action" },
	{ "debug_level", CK_STR, NONE, NONE, 0, 0, NULL, CK_KEPT,
	  .f_help = "Piranha: unused debug level" },
	{ "ipvsadm", CK_STR, NONE, NONE, 0, 0, NULL, CK_KEPT,
	  .f_help = "Piranha: path of ipvsadm (shoal uses netlink)" },
	{ "sync", CK_STR, NONE, NONE, 0, 0, NULL, CK_KEPT,
	  .f_help = "Piranha: unused" },
	{ "hard_shutdown", CK_BOOL, NONE, NONE, 0, 1, NULL, CK_KEPT,
	  .f_help = "Piranha: one failed nanny stops everything (never in shoal)" },
	{ NULL, CK_BOOL, 0, 0, 0, 0, NULL, 0, .f_help = NULL }
};
#undef G

#define N(f)		offsetof(struct cfg_node, f)
const struct ck_field ck_node[] = {
	{ "address", CK_ADDR, N(n_address), NONE, 0, 0, NULL,
	  CK_ALWAYS | CK_REQUIRED | CK_EXT,
	  .f_help = "public address: heartbeats and SSH" },
	{ "private_address", CK_ADDR, N(n_private), NONE, 0, 0, NULL, CK_EXT,
	  .f_help = "address of the second heartbeat path" },
	{ "priority", CK_INT, N(n_priority), NONE, 1, 255, "100",
	  CK_ALWAYS | CK_EXT, .f_help = "1-255, the highest live node is active" },
	{ "ssh_user", CK_STR, N(n_ssh_user), NONE, 0, 0, NULL, CK_EXT,
	  .f_help = "user for config push (default root)" },
	{ "ssh_port", CK_INT, N(n_ssh_port), NONE, 1, U16MAX, "0",
	  CK_EXT | CK_ZERO_UNSET, .f_help = "SSH port (0 = 22)" },
	{ "ssh_key", CK_STR, N(n_ssh_key), NONE, 0, 0, NULL, CK_EXT,
	  .f_help = "private key file for config push" },
	{ "remote_shoalctl", CK_STR, N(n_remote_shoalctl), NONE, 0, 0, NULL,
	  CK_EXT, .f_help = "path of shoalctl on the node" },
	{ "remote_db", CK_STR, N(n_remote_db), NONE, 0, 0, NULL, CK_EXT,
	  .f_help = "path of the database on the node" },
	{ NULL, CK_BOOL, 0, 0, 0, 0, NULL, 0, .f_help = NULL }
};
#undef N

/*
 * virtual and failover blocks share their keys (as in Piranha); start_cmd
 * and stop_cmd are failover only.
 */
#define V(f)		offsetof(struct cfg_virtual, f)
#define VS_KEYS(fo)							\
	{ "address", CK_ADDR_DEV, V(vs_address), V(vs_device), 0, 0, NULL, \
	  CK_ALWAYS | CK_REQUIRED,					\
	  .f_help = "the virtual IP and its device label (IP DEV)" },	\
	{ "vip_nmask", CK_MASK, V(vs_nmask), V(vs_address), 0, 128, NULL, 0, \
	  .f_help = "netmask of the virtual IP" },			\
	{ "active", CK_BOOL, V(vs_active), NONE, 0, 1, "0", CK_ALWAYS,	\
	  .f_help = "1 when the service is in use" },			\
	{ "port", CK_PORT, V(vs_port), NONE, 1, U16MAX, "80", CK_ALWAYS, \
	  .f_help = "port, number or service name" },			\
	{ "protocol", CK_ENUM, V(vs_protocol), NONE, 0, 0, "tcp", 0,	\
	  ENUMS(en_proto, cfg_protocol_from_name),			\
	  .f_help = "tcp or udp" },					\
	{ "fwmark", CK_U32, V(vs_fwmark), NONE, 0, U32MAX, "0", 0,	\
	  .f_help = "firewall mark service instead of address:port" },	\
	{ "scheduler", CK_ENUM, V(vs_scheduler), NONE, 0, 0, "wlc", 0,	\
	  ENUMS(en_sched, cfg_scheduler_from_name),			\
	  .f_help = "rr wrr lc wlc lblc lblcr dh sh sed nq mh" },	\
	{ "persistent", CK_SECS, V(vs_persistent), NONE, 0, INT32_MAX, "0", \
	  0, .f_help = "persistence timeout in seconds, 0 = off" },	\
	{ "pmask", CK_MASK, V(vs_pmask), V(vs_address), 0, 128, NULL, 0, \
	  .f_help = "netmask grouping persistent clients" },		\
	{ "send", CK_STR, V(vs_send), NONE, 0, 0, NULL, 0,		\
	  .f_help = "string sent by the check (\\r \\n escapes)" },	\
	{ "expect", CK_STR, V(vs_expect), NONE, 0, 0, NULL, 0,		\
	  .f_help = "reply expected by the check, \"*\" = any" },	\
	{ "use_regex", CK_BOOL, V(vs_use_regex), NONE, 0, 1, "0", 0,	\
	  .f_help = "expect is a regular expression" },			\
	{ "send_program", CK_STR, V(vs_send_program), NONE, 0, 0, NULL, 0, \
	  .f_help = "check program, %h = server address, %p = port" },	\
	{ "timeout", CK_MS, V(vs_timeout_ms), NONE, 1, HOUR_MS, "10", 0, \
	  .f_help = "seconds between checks (and their timeout)" },	\
	{ "reentry", CK_MS, V(vs_reentry_ms), NONE, 0, DAY_MS, "180", 0, \
	  .f_help = "seconds a failed server must pass before it returns" }, \
	{ "load_monitor", CK_ENUM, V(vs_load_monitor), NONE, 0, 0, "none", \
	  0, ENUMS(en_load, cfg_load_monitor_from_name),		\
	  .f_help = "none uptime rup ruptime agent" },			\
	{ "quiesce_server", CK_BOOL, V(vs_quiesce_server), NONE, 0, 1, "0", \
	  0, .f_help = "a failed server gets weight 0 instead of removal" }, \
	{ "sorry_server", CK_ADDR, V(vs_sorry_server), NONE, 0, 0, NULL, 0, \
	  .f_help = "server used when every real server is down" },	\
	{ "sorry_port", CK_PORT, V(vs_sorry_port), NONE, 1, U16MAX, "0", \
	  CK_EXT | CK_ZERO_UNSET, .f_help = "port of sorry_server (0 = port)" }, \
	{ "start_cmd", CK_STR, V(vs_start_cmd), NONE, 0, 0, NULL, (fo),	\
	  .f_help = "failover: command starting the service" },		\
	{ "stop_cmd", CK_STR, V(vs_stop_cmd), NONE, 0, 0, NULL, (fo),	\
	  .f_help = "failover: command stopping the service" },		\
	{ "check", CK_ENUM, V(vs_check), NONE, 0, 0, "auto", CK_EXT,	\
	  ENUMS(en_check, cfg_check_kind_from_name),			\
	  .f_help = "auto tcp send_expect http https program agent none" }, \
	{ "check_interval", CK_MS, V(vs_check_interval_ms), NONE, 1,	\
	  HOUR_MS, "0", CK_EXT | CK_ZERO_UNSET,				\
	  .f_help = "seconds between checks (0 = timeout)" },		\
	{ "check_timeout", CK_MS, V(vs_check_timeout_ms), NONE, 1,	\
	  HOUR_MS, "0", CK_EXT | CK_ZERO_UNSET,				\
	  .f_help = "seconds a check may take (0 = timeout)" },		\
	{ "rise", CK_INT, V(vs_rise), NONE, 1, 100, "0",		\
	  CK_EXT | CK_ZERO_UNSET, .f_help = "good checks to come back" }, \
	{ "fall", CK_INT, V(vs_fall), NONE, 1, 100, "0",		\
	  CK_EXT | CK_ZERO_UNSET, .f_help = "failed checks to go down" }, \
	{ "http_path", CK_STR, V(vs_http_path), NONE, 0, 0, NULL, CK_EXT, \
	  .f_help = "path of the HTTP check (default /)" },		\
	{ "http_host", CK_STR, V(vs_http_host), NONE, 0, 0, NULL, CK_EXT, \
	  .f_help = "Host header of the HTTP check" },			\
	{ "http_status", CK_INT, V(vs_http_status), NONE, 100, 599, "0", \
	  CK_EXT | CK_ZERO_UNSET,					\
	  .f_help = "expected HTTP status (0 = any 2xx or 3xx)" },	\
	{ "agent_port", CK_PORT, V(vs_agent_port), NONE, 1, U16MAX, "0", \
	  CK_EXT | CK_ZERO_UNSET, .f_help = "port of the agent check" }, \
	{ "slow_start", CK_MS, V(vs_slow_start_ms), NONE, 0, HOUR_MS, "0", \
	  CK_EXT, .f_help = "seconds a returning server ramps its weight" }, \
	{ "client_monitor", CK_STR, NONE, NONE, 0, 0, NULL, CK_KEPT,	\
	  .f_help = "Piranha: unused client monitor" },			\
	{ NULL, CK_BOOL, 0, 0, 0, 0, NULL, 0, .f_help = NULL }

const struct ck_field ck_virtual[] = { VS_KEYS(CK_FAILOVER_ONLY) };
const struct ck_field ck_failover[] = { VS_KEYS(0) };
#undef V

#define S(f)		offsetof(struct cfg_server, f)
const struct ck_field ck_server[] = {
	{ "address", CK_ADDR, S(rs_address), NONE, 0, 0, NULL,
	  CK_ALWAYS | CK_REQUIRED, .f_help = "address of the real server" },
	{ "active", CK_BOOL, S(rs_active), NONE, 0, 1, "0", CK_ALWAYS,
	  .f_help = "1 when the server is in use" },
	{ "weight", CK_INT, S(rs_weight), NONE, 0, U16MAX, "1", CK_ALWAYS,
	  .f_help = "scheduling weight" },
	{ "port", CK_PORT, S(rs_port), NONE, 1, U16MAX, NULL, CK_ALWAYS,
	  .f_help = "port (default: the virtual's port above the block)" },
	{ NULL, CK_BOOL, 0, 0, 0, 0, NULL, 0, .f_help = NULL }
};
#undef S

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

const struct ck_field *
ck_find(const struct ck_field *t, const char *name)
{
	for (; t->f_name != NULL; t++)
		if (strcmp(t->f_name, name) == 0)
			return t;
	return NULL;
}

/* ---- formatting ---- */

#define FIELD(obj, off, type)	((type *)(void *)((char *)(uintptr_t)(obj) + (off)))

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
fmt_addr_dev(const struct ck_field *k, const void *obj, char *buf,
    size_t len)
{
	const struct cfg_addr *a = FIELD(obj, k->f_off, const struct cfg_addr);
	const char *dev = NULL;
	char ab[CFG_ADDR_STRLEN];

	if (!cfg_addr_is_set(a))
		return NULL;
	cfg_addr_str(a, ab, sizeof(ab));
	if (k->f_type == CK_ADDR_DEV)
		dev = *FIELD(obj, k->f_off2, char *const);
	if (dev != NULL && dev[0] != '\0')
		snprintf(buf, len, "%s %s", ab, dev);
	else
		snprintf(buf, len, "%s", ab);
	return buf;
}

static const char *
fmt_number(const struct ck_field *k, const void *obj, char *buf,
    size_t len)
{
	const struct cfg_addr *a;
	const char *name;
	int64_t v;

	if (ck_number(k, obj, &v) == -1)
		return NULL;
	switch (k->f_type) {
	case CK_MS:
		return ck_fmt_ms((uint32_t)v, buf, len);
	case CK_MASK:
		if (v < 0)
			return NULL;
		a = FIELD(obj, k->f_off2, const struct cfg_addr);
		return ck_fmt_mask((int)v, a->family, buf, len);
	case CK_ENUM:
		if ((name = k->f_enum_name((int)v)) == NULL)
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
ck_format(const struct ck_field *k, const void *obj, char *buf,
    size_t len)
{
	const char *s;

	if (len == 0 || k->f_off == CK_NOOFF)
		return NULL;
	switch (k->f_type) {
	case CK_ADDR:
	case CK_ADDR_DEV:
		return fmt_addr_dev(k, obj, buf, len);
	case CK_STR:
		if ((s = ck_string(k, obj)) == NULL)
			return NULL;
		snprintf(buf, len, "%s", s);
		return buf;
	default:
		return fmt_number(k, obj, buf, len);
	}
}

const char *
ck_string(const struct ck_field *k, const void *obj)
{
	if (k->f_type != CK_STR || k->f_off == CK_NOOFF)
		return NULL;
	return *FIELD(obj, k->f_off, char *const);
}

int
ck_number(const struct ck_field *k, const void *obj, int64_t *v)
{
	if (k->f_off == CK_NOOFF)
		return -1;
	switch (k->f_type) {
	case CK_BOOL:
	case CK_INT:
	case CK_MASK:
	case CK_ENUM:
		*v = *FIELD(obj, k->f_off, const int);
		return 0;
	case CK_U32:
	case CK_SECS:
	case CK_MS:
		*v = *FIELD(obj, k->f_off, const uint32_t);
		return 0;
	case CK_U64:
		*v = (int64_t)*FIELD(obj, k->f_off, const uint64_t);
		return 0;
	case CK_PORT:
		*v = *FIELD(obj, k->f_off, const uint16_t);
		return 0;
	default:
		return -1;
	}
}

const char *
ck_range_error(const struct ck_field *k, int64_t v, char *buf,
    size_t len)
{
	if (k->f_type == CK_ENUM || k->f_type == CK_MASK)
		return NULL;	/* checked by name / by family */
	if (v == 0 && (k->f_flags & CK_ZERO_UNSET))
		return NULL;
	if (v >= k->f_min && v <= k->f_max)
		return NULL;
	if (k->f_type == CK_MS) {
		char lo[32], hi[32];

		snprintf(buf, len, "out of range (%s-%s seconds)",
		    ck_fmt_ms((uint32_t)k->f_min, lo, sizeof(lo)),
		    ck_fmt_ms((uint32_t)k->f_max, hi, sizeof(hi)));
	} else
		snprintf(buf, len, "out of range (%" PRId64 "-%" PRId64 ")",
		    k->f_min, k->f_max);
	return buf;
}
