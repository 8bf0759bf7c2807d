/*
 * jsoncfg.c - field tables between struct shoal_config and JSON.
 */
#include "shoal-build.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "lib/util.h"
#include "jsoncfg.h"

enum jf_type {
	JF_STR,
	JF_SECRET,
	JF_ADDR,
	JF_BOOL,
	JF_INT,		/* int, range min..max */
	JF_U16,
	JF_U32,
	JF_MS,		/* uint32 milliseconds shown as seconds */
	JF_MASK,	/* int prefix, -1 = unset (null) */
	JF_ENUM,	/* int, names from jf_enum */
};

enum jf_enum {
	JE_NONE,
	JE_SERVICE,
	JE_NETWORK,
	JE_PROTOCOL,
	JE_SCHEDULER,
	JE_LB,
	JE_LOADMON,
	JE_CHECK,
	JE_RSH,
};

enum {
	JF_F_CHECK	= 0x1,	/* a monitoring field */
	JF_F_FOS	= 0x2,	/* failover services only */
	JF_F_VIRT	= 0x4,	/* virtual servers only */
};

struct jfield {
	const char	*f_name;
	enum jf_type	 f_type;
	size_t		 f_off;
	long long	 f_min;
	long long	 f_max;
	enum jf_enum	 f_enum;
	unsigned int	 f_flags;
};

#define G(f)	offsetof(struct cfg_global, f)
#define N(f)	offsetof(struct cfg_node, f)
#define V(f)	offsetof(struct cfg_virtual, f)
#define S(f)	offsetof(struct cfg_server, f)

static const struct jfield jf_global[] = {
	{ "service", JF_ENUM, G(g_service), 0, 0, JE_SERVICE, 0 },
	{ "primary", JF_ADDR, G(g_primary), 0, 0, 0, 0 },
	{ "primary_private", JF_ADDR, G(g_primary_private), 0, 0, 0, 0 },
	{ "backup", JF_ADDR, G(g_backup), 0, 0, 0, 0 },
	{ "backup_private", JF_ADDR, G(g_backup_private), 0, 0, 0, 0 },
	{ "backup_active", JF_BOOL, G(g_backup_active), 0, 0, 0, 0 },
	{ "heartbeat_port", JF_U16, G(g_heartbeat_port), 0, 0, 0, 0 },
	{ "keepalive", JF_MS, G(g_keepalive_ms), 0, 0, 0, 0 },
	{ "deadtime", JF_MS, G(g_deadtime_ms), 0, 0, 0, 0 },
	{ "network", JF_ENUM, G(g_network), 0, 0, JE_NETWORK, 0 },
	{ "nat_router", JF_ADDR, G(g_nat_router), 0, 0, 0, 0 },
	{ "nat_router_device", JF_STR, G(g_nat_router_dev), 0, 0, 0, 0 },
	{ "nat_nmask", JF_MASK, G(g_nat_nmask), 0, 0, 0, 0 },
	{ "rsh_command", JF_ENUM, G(g_rsh_command), 0, 0, JE_RSH, 0 },
	{ "syncdaemon", JF_BOOL, G(g_syncdaemon), 0, 0, 0, 0 },
	{ "syncd_iface", JF_STR, G(g_syncd_iface), 0, 0, 0, 0 },
	{ "syncd_id", JF_INT, G(g_syncd_id), 0, 255, 0, 0 },
	{ "tcp_timeout", JF_U32, G(g_tcp_timeout), 0, 0, 0, 0 },
	{ "tcpfin_timeout", JF_U32, G(g_tcpfin_timeout), 0, 0, 0, 0 },
	{ "udp_timeout", JF_U32, G(g_udp_timeout), 0, 0, 0, 0 },
	{ "monitor_links", JF_BOOL, G(g_monitor_links), 0, 0, 0, 0 },
	{ "active_cmd", JF_STR, G(g_active_cmd), 0, 0, 0, 0 },
	{ "inactive_cmd", JF_STR, G(g_inactive_cmd), 0, 0, 0, 0 },
	{ "cluster_id", JF_U32, G(g_cluster_id), 0, 0, 0, 0 },
	{ "preempt", JF_BOOL, G(g_preempt), 0, 0, 0, 0 },
	{ "preempt_delay", JF_MS, G(g_preempt_delay_ms), 0, 0, 0, 0 },
	{ "heartbeat_key", JF_SECRET, G(g_heartbeat_key), 0, 0, 0, 0 },
	{ "lvs_backend", JF_ENUM, G(g_lb_backend), 0, 0, JE_LB, 0 },
	{ "arp_count", JF_INT, G(g_arp_count), 0, 1000, 0, 0 },
	{ "arp_interval", JF_MS, G(g_arp_interval_ms), 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0, 0 },
};

static const struct jfield jf_node[] = {
	{ "address", JF_ADDR, N(n_address), 0, 0, 0, 0 },
	{ "private_address", JF_ADDR, N(n_private), 0, 0, 0, 0 },
	{ "priority", JF_INT, N(n_priority), 0, 100000, 0, 0 },
	{ "ssh_user", JF_STR, N(n_ssh_user), 0, 0, 0, 0 },
	{ "ssh_port", JF_INT, N(n_ssh_port), 0, 65535, 0, 0 },
	{ "ssh_key", JF_STR, N(n_ssh_key), 0, 0, 0, 0 },
	{ "remote_shoalctl", JF_STR, N(n_remote_shoalctl), 0, 0, 0, 0 },
	{ "remote_db", JF_STR, N(n_remote_db), 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0, 0 },
};

static const struct jfield jf_virtual[] = {
	{ "active", JF_BOOL, V(vs_active), 0, 0, 0, 0 },
	{ "address", JF_ADDR, V(vs_address), 0, 0, 0, 0 },
	{ "device", JF_STR, V(vs_device), 0, 0, 0, 0 },
	{ "vip_nmask", JF_MASK, V(vs_nmask), 0, 0, 0, 0 },
	{ "port", JF_U16, V(vs_port), 0, 0, 0, 0 },
	{ "protocol", JF_ENUM, V(vs_protocol), 0, 0, JE_PROTOCOL, 0 },
	{ "fwmark", JF_U32, V(vs_fwmark), 0, 0, 0, JF_F_VIRT },
	{ "scheduler", JF_ENUM, V(vs_scheduler), 0, 0, JE_SCHEDULER,
	    JF_F_VIRT },
	{ "persistent", JF_U32, V(vs_persistent), 0, 0, 0, JF_F_VIRT },
	{ "pmask", JF_MASK, V(vs_pmask), 0, 0, 0, JF_F_VIRT },
	{ "sorry_server", JF_ADDR, V(vs_sorry_server), 0, 0, 0, JF_F_VIRT },
	{ "sorry_port", JF_U16, V(vs_sorry_port), 0, 0, 0, JF_F_VIRT },
	{ "start_cmd", JF_STR, V(vs_start_cmd), 0, 0, 0, JF_F_FOS },
	{ "stop_cmd", JF_STR, V(vs_stop_cmd), 0, 0, 0, JF_F_FOS },
	{ "send", JF_STR, V(vs_send), 0, 0, 0, JF_F_CHECK },
	{ "expect", JF_STR, V(vs_expect), 0, 0, 0, JF_F_CHECK },
	{ "use_regex", JF_BOOL, V(vs_use_regex), 0, 0, 0, JF_F_CHECK },
	{ "send_program", JF_STR, V(vs_send_program), 0, 0, 0, JF_F_CHECK },
	{ "timeout", JF_MS, V(vs_timeout_ms), 0, 0, 0, JF_F_CHECK },
	{ "reentry", JF_MS, V(vs_reentry_ms), 0, 0, 0, JF_F_CHECK },
	{ "load_monitor", JF_ENUM, V(vs_load_monitor), 0, 0, JE_LOADMON,
	    JF_F_CHECK },
	{ "quiesce_server", JF_BOOL, V(vs_quiesce_server), 0, 0, 0,
	    JF_F_CHECK },
	{ "check", JF_ENUM, V(vs_check), 0, 0, JE_CHECK, JF_F_CHECK },
	{ "check_interval", JF_MS, V(vs_check_interval_ms), 0, 0, 0,
	    JF_F_CHECK },
	{ "check_timeout", JF_MS, V(vs_check_timeout_ms), 0, 0, 0,
	    JF_F_CHECK },
	{ "rise", JF_INT, V(vs_rise), 0, 1000, 0, JF_F_CHECK },
	{ "fall", JF_INT, V(vs_fall), 0, 1000, 0, JF_F_CHECK },
	{ "http_path", JF_STR, V(vs_http_path), 0, 0, 0, JF_F_CHECK },
	{ "http_host", JF_STR, V(vs_http_host), 0, 0, 0, JF_F_CHECK },
	{ "http_status", JF_INT, V(vs_http_status), 0, 999, 0, JF_F_CHECK },
	{ "agent_port", JF_U16, V(vs_agent_port), 0, 0, 0, JF_F_CHECK },
	{ "slow_start", JF_MS, V(vs_slow_start_ms), 0, 0, 0, JF_F_CHECK },
	{ NULL, 0, 0, 0, 0, 0, 0 },
};

static const struct jfield jf_server[] = {
	{ "address", JF_ADDR, S(rs_address), 0, 0, 0, 0 },
	{ "active", JF_BOOL, S(rs_active), 0, 0, 0, 0 },
	{ "weight", JF_INT, S(rs_weight), 0, 65535, 0, 0 },
	{ "port", JF_U16, S(rs_port), 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0, 0 },
};

static const char *const jf_rsh_names[] = { "rsh", "ssh" };

static const char *
jf_enum_name(enum jf_enum e, int v)
{
	switch (e) {
	case JE_SERVICE:	return cfg_service_mode_name(v);
	case JE_NETWORK:	return cfg_network_name(v);
	case JE_PROTOCOL:	return cfg_protocol_name(v);
	case JE_SCHEDULER:	return cfg_scheduler_name(v);
	case JE_LB:		return cfg_lb_backend_name(v);
	case JE_LOADMON:	return cfg_load_monitor_name(v);
	case JE_CHECK:		return cfg_check_kind_name(v);
	case JE_RSH:		return v >= 0 && v <= 1 ? jf_rsh_names[v] : NULL;
	default:		return NULL;
	}
}

static int
jf_enum_value(enum jf_enum e, const char *s)
{
	switch (e) {
	case JE_SERVICE:	return cfg_service_mode_from_name(s);
	case JE_NETWORK:	return cfg_network_from_name(s);
	case JE_PROTOCOL:	return cfg_protocol_from_name(s);
	case JE_SCHEDULER:	return cfg_scheduler_from_name(s);
	case JE_LB:		return cfg_lb_backend_from_name(s);
	case JE_LOADMON:	return cfg_load_monitor_from_name(s);
	case JE_CHECK:		return cfg_check_kind_from_name(s);
	case JE_RSH:
		return strcmp(s, "rsh") == 0 ? 0 : strcmp(s, "ssh") == 0 ?
		    1 : -1;
	default:		return -1;
	}
}

/* "a, b or c": every name of an enum, for error messages. */
static void
jf_enum_list(enum jf_enum e, char *buf, size_t len)
{
	const char *n;
	int v;

	buf[0] = '\0';
	for (v = 0; (n = jf_enum_name(e, v)) != NULL; v++) {
		if (v > 0)
			strncat(buf, jf_enum_name(e, v + 1) ? ", " : " or ",
			    len - strlen(buf) - 1);
		strncat(buf, n, len - strlen(buf) - 1);
	}
}

static json_t *
jf_value(const struct jfield *f, const void *obj)
{
	const char *p = (const char *)obj + f->f_off, *s;
	char buf[CFG_ADDR_STRLEN];
	int i;

	switch (f->f_type) {
	case JF_STR:
		s = *(char *const *)(const void *)p;
		return s != NULL ? json_string(s) : json_null();
	case JF_SECRET:
		return json_boolean(*(char *const *)(const void *)p != NULL);
	case JF_ADDR:
		if (!cfg_addr_is_set((const struct cfg_addr *)(const void *)p))
			return json_null();
		return json_string(cfg_addr_str((const struct cfg_addr *)
		    (const void *)p, buf, sizeof(buf)));
	case JF_BOOL:
		return json_boolean(*(const int *)(const void *)p);
	case JF_INT:
		return json_integer(*(const int *)(const void *)p);
	case JF_U16:
		return json_integer(*(const uint16_t *)(const void *)p);
	case JF_U32:
		return json_integer(*(const uint32_t *)(const void *)p);
	case JF_MS:
		return json_real(*(const uint32_t *)(const void *)p / 1000.0);
	case JF_MASK:
		i = *(const int *)(const void *)p;
		return i < 0 ? json_null() : json_integer(i);
	case JF_ENUM:
		s = jf_enum_name(f->f_enum, *(const int *)(const void *)p);
		return s != NULL ? json_string(s) : json_null();
	}
	return json_null();
}

/* Adds every field allowed by mask (flags that must all be absent). */
static json_t *
jf_object(const struct jfield *t, const void *obj, unsigned int skip,
    unsigned int only)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	for (; t->f_name != NULL; t++) {
		if ((t->f_flags & skip) || (only && !(t->f_flags & only)))
			continue;
		json_object_set_new(o, t->f_type == JF_SECRET ?
		    "heartbeat_key_set" : t->f_name, jf_value(t, obj));
	}
	return o;
}

json_t *
jsoncfg_global(const struct cfg_global *g)
{
	return jf_object(jf_global, g, 0, 0);
}

json_t *
jsoncfg_node(const struct cfg_node *n)
{
	json_t *o = jf_object(jf_node, n, 0, 0);

	if (o != NULL)
		json_object_set_new(o, "name", json_string(n->n_name));
	return o;
}

json_t *
jsoncfg_server(const struct cfg_server *rs)
{
	json_t *o = jf_object(jf_server, rs, 0, 0);

	if (o != NULL)
		json_object_set_new(o, "name", json_string(rs->rs_name));
	return o;
}

json_t *
jsoncfg_virtual(const struct cfg_virtual *vs, int with_servers)
{
	const struct cfg_server *rs;
	json_t *o, *a;

	o = jf_object(jf_virtual, vs, vs->vs_kind == CFG_VS_VIRTUAL ?
	    JF_F_FOS : JF_F_VIRT, 0);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "name", json_string(vs->vs_name));
	if (vs->vs_kind != CFG_VS_VIRTUAL || !with_servers)
		return o;
	a = json_array();
	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry)
		json_array_append_new(a, jsoncfg_server(rs));
	json_object_set_new(o, "servers", a);
	return o;
}

json_t *
jsoncfg_check(const struct cfg_virtual *vs)
{
	return jf_object(jf_virtual, vs, 0, JF_F_CHECK);
}

int
jsoncfg_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CFG_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

const char *
jsoncfg_name(const json_t *in, const char *path, struct diag *d)
{
	const json_t *v = json_object_get(in, "name");
	char field[CFG_NAME_MAX * 2 + 32];

	if (v == NULL)
		return NULL;
	snprintf(field, sizeof(field), "%s%sname", path, path[0] ? "." : "");
	if (!json_is_string(v)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "string expected");
		return NULL;
	}
	if (!jsoncfg_name_ok(json_string_value(v))) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "a name is 1 to %d "
		    "letters, digits, '.', '_' or '-'", CFG_NAME_MAX);
		return NULL;
	}
	return json_string_value(v);
}

/* Strings go into lvs.cf: no control characters (Piranha's injection). */
static int
jf_str_ok(const char *s, size_t len)
{
	size_t i;

	if (len > CFG_STR_MAX || strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
jf_set_str(const struct jfield *f, char *p, const json_t *v,
    const char *field, struct diag *d)
{
	char **dst = (char **)(void *)p;

	if (json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) == 0)) {
		if (f->f_type == JF_SECRET)
			str_free_secret(*dst);
		else
			free(*dst);
		*dst = NULL;
		return 0;
	}
	if (!json_is_string(v)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "string expected");
		return -1;
	}
	if (!jf_str_ok(json_string_value(v), json_string_length(v))) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "at most %d "
		    "characters, no control characters or newlines",
		    CFG_STR_MAX);
		return -1;
	}
	if (f->f_type == JF_SECRET) {
		str_free_secret(*dst);
		*dst = NULL;
	}
	return str_set(dst, json_string_value(v));
}

static int
jf_set_int(const struct jfield *f, char *p, const json_t *v,
    const char *field, struct diag *d)
{
	long long min = f->f_min, max = f->f_max, x;

	if (f->f_type == JF_U16)
		min = 0, max = 65535;
	else if (f->f_type == JF_U32)
		min = 0, max = UINT32_MAX;
	else if (f->f_type == JF_MASK)
		min = 0, max = 128;
	if (f->f_type == JF_MASK && json_is_null(v)) {
		*(int *)(void *)p = -1;
		return 0;
	}
	if (!json_is_integer(v)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "integer expected");
		return -1;
	}
	x = json_integer_value(v);
	if (x < min || x > max) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
		    "out of range (%lld to %lld)", min, max);
		return -1;
	}
	if (f->f_type == JF_U16)
		*(uint16_t *)(void *)p = (uint16_t)x;
	else if (f->f_type == JF_U32)
		*(uint32_t *)(void *)p = (uint32_t)x;
	else
		*(int *)(void *)p = (int)x;
	return 0;
}

static int
jf_set_ms(char *p, const json_t *v, const char *field, struct diag *d)
{
	double s;

	if (!json_is_number(v)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
		    "number of seconds expected");
		return -1;
	}
	s = json_number_value(v);
	if (!(s >= 0 && s <= UINT32_MAX / 1000.0)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
		    "out of range (0 to %u seconds)", UINT32_MAX / 1000);
		return -1;
	}
	*(uint32_t *)(void *)p = (uint32_t)llround(s * 1000);
	return 0;
}

static int
jf_set_enum(const struct jfield *f, char *p, const json_t *v,
    const char *field, struct diag *d)
{
	char list[256];
	int x = -1;

	if (json_is_string(v))
		x = jf_enum_value(f->f_enum, json_string_value(v));
	if (x < 0) {
		jf_enum_list(f->f_enum, list, sizeof(list));
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
		    "invalid argument: expected %s", list);
		return -1;
	}
	*(int *)(void *)p = x;
	return 0;
}

static int
jf_set(const struct jfield *f, void *obj, const json_t *v,
    const char *field, struct diag *d)
{
	char *p = (char *)obj + f->f_off;

	switch (f->f_type) {
	case JF_STR:
	case JF_SECRET:
		return jf_set_str(f, p, v, field, d);
	case JF_ADDR:
		if (json_is_null(v) || (json_is_string(v) &&
		    json_string_length(v) == 0)) {
			memset(p, 0, sizeof(struct cfg_addr));
			((struct cfg_addr *)(void *)p)->family = AF_UNSPEC;
			return 0;
		}
		if (!json_is_string(v) || cfg_addr_parse((struct cfg_addr *)
		    (void *)p, json_string_value(v)) == -1) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
			    "invalid host name or ip address");
			return -1;
		}
		return 0;
	case JF_BOOL:
		if (!json_is_boolean(v)) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
			    "boolean expected");
			return -1;
		}
		*(int *)(void *)p = json_is_true(v);
		return 0;
	case JF_INT:
	case JF_U16:
	case JF_U32:
	case JF_MASK:
		return jf_set_int(f, p, v, field, d);
	case JF_MS:
		return jf_set_ms(p, v, field, d);
	case JF_ENUM:
		return jf_set_enum(f, p, v, field, d);
	}
	return -1;
}

/*
 * Applies every member of in to obj through table t.  Members in `ignore`
 * (a NULL-terminated list) are left to the caller; fields with a flag in
 * skip, or without one in only (when only != 0), count as unknown.
 */
static int
jf_apply(const struct jfield *t, void *obj, const json_t *in,
    const char *path, const char *const *ignore, unsigned int skip,
    unsigned int only, struct diag *d)
{
	const struct jfield *f;
	const char *key;
	const json_t *v;
	char field[256];
	int rc = 0, i, ign;

	if (!json_is_object(in)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, path[0] ? path : "body",
		    "a JSON object is required");
		return -1;
	}
	json_object_foreach((json_t *)(uintptr_t)in, key, v) {
		for (ign = 0, i = 0; ignore != NULL && ignore[i]; i++)
			if (strcmp(key, ignore[i]) == 0)
				ign = 1;
		if (ign)
			continue;
		snprintf(field, sizeof(field), "%s%s%s", path,
		    path[0] ? "." : "", key);
		for (f = t; f->f_name != NULL; f++)
			if (strcmp(f->f_name, key) == 0)
				break;
		if (f->f_name == NULL || (f->f_flags & skip) ||
		    (only && !(f->f_flags & only))) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
			    "unknown field");
			rc = -1;
			continue;
		}
		if (jf_set(f, obj, v, field, d) == -1)
			rc = -1;
	}
	return rc;
}

int
jsoncfg_apply_global(struct cfg_global *g, const json_t *in, struct diag *d)
{
	return jf_apply(jf_global, g, in, "global", NULL, 0, 0, d);
}

int
jsoncfg_apply_node(struct cfg_node *n, const json_t *in, struct diag *d)
{
	static const char *const ign[] = { "name", NULL };
	char path[CFG_NAME_MAX + 16];

	snprintf(path, sizeof(path), "node[%s]", n->n_name);
	return jf_apply(jf_node, n, in, path, ign, 0, 0, d);
}

int
jsoncfg_apply_server(struct cfg_server *rs, const char *vs_name,
    const json_t *in, struct diag *d)
{
	static const char *const ign[] = { "name", NULL };
	char path[2 * CFG_NAME_MAX + 16];

	snprintf(path, sizeof(path), "server[%s/%s]", vs_name, rs->rs_name);
	return jf_apply(jf_server, rs, in, path, ign, 0, 0, d);
}

/* Builds a new server list from a "servers" array; 0 or -1. */
static int
jf_servers(struct cfg_virtual *vs, const json_t *arr, struct diag *d)
{
	struct cfg_server_list list = TAILQ_HEAD_INITIALIZER(list);
	struct cfg_server *rs;
	const json_t *el;
	const char *name;
	char path[CFG_NAME_MAX + 32];
	size_t i;
	int rc = 0;

	TAILQ_INIT(&list);
	if (!json_is_array(arr)) {
		snprintf(path, sizeof(path), "virtual[%s].servers", vs->vs_name);
		diag_add(d, DIAG_ERROR, NULL, 0, 0, path, "array expected");
		return -1;
	}
	json_array_foreach(arr, i, el) {
		snprintf(path, sizeof(path), "virtual[%s].servers[%zu]",
		    vs->vs_name, i);
		if (!json_is_object(el)) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, path,
			    "a JSON object is required");
			rc = -1;
			continue;
		}
		if ((name = jsoncfg_name(el, path, d)) == NULL) {
			if (json_object_get(el, "name") == NULL)
				diag_add(d, DIAG_ERROR, NULL, 0, 0, path,
				    "a real server needs a name");
			rc = -1;
			continue;
		}
		if ((rs = cfg_server_new(name, vs->vs_port)) == NULL) {
			rc = -1;
			break;
		}
		TAILQ_INSERT_TAIL(&list, rs, rs_entry);
		if (jsoncfg_apply_server(rs, vs->vs_name, el, d) == -1)
			rc = -1;
	}
	while ((rs = TAILQ_FIRST(&vs->vs_servers)) != NULL) {
		TAILQ_REMOVE(&vs->vs_servers, rs, rs_entry);
		cfg_server_free(rs);
	}
	TAILQ_CONCAT(&vs->vs_servers, &list, rs_entry);
	return rc;
}

int
jsoncfg_apply_virtual(struct cfg_virtual *vs, const json_t *in, int mode,
    struct diag *d)
{
	static const char *const ign_all[] = { "name", "servers", NULL };
	static const char *const ign_name[] = { "name", NULL };
	int fos = vs->vs_kind == CFG_VS_FAILOVER;
	const json_t *servers;
	char path[CFG_NAME_MAX + 16];
	int rc;

	snprintf(path, sizeof(path), "%s[%s]", fos ? "failover" : "virtual",
	    vs->vs_name);
	if (mode == JSONCFG_CHECK)
		return jf_apply(jf_virtual, vs, in, path, NULL, 0,
		    JF_F_CHECK, d);
	rc = jf_apply(jf_virtual, vs, in, path, fos ? ign_name : ign_all,
	    fos ? JF_F_VIRT : JF_F_FOS, 0, d);
	servers = json_object_get(in, "servers");
	if (!fos && servers != NULL && jf_servers(vs, servers, d) == -1)
		rc = -1;
	return rc;
}
