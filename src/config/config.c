/*
 * config.c - the configuration model: construction, copies, destruction,
 * enum names.  No I/O.
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "lib/util.h"

/* ---- enum names (order matches the enums in config.h) ---- */

static const char *const sched_names[] = {
	"wlc", "rr", "wrr", "lc", "lblc", "lblcr", "dh", "sh", "sed", "nq",
	"mh", NULL
};
static const char *const network_names[] = { "nat", "direct", "tunnel", NULL };
static const char *const proto_names[] = { "tcp", "udp", NULL };
static const char *const backend_names[] = { "auto", "ipvs", "nftables", NULL };
static const char *const load_names[] = {
	"none", "uptime", "rup", "ruptime", "agent", NULL
};
static const char *const check_names[] = {
	"auto", "tcp", "send_expect", "http", "https", "program", "agent",
	"none", "udp", "dns", "smtp", "pop3", "imap", "ftp", "nntp", "ldap",
	NULL
};
static const char *const mode_names[] = { "lvs", "fos", NULL };
static const char *const rsh_names[] = { "rsh", "ssh", NULL };
static const char *const director_names[] = { "single", "ecmp", NULL };

static const char *
name_of(const char *const *names, int v)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (i == v)
			return names[i];
	return NULL;
}

static int
value_of(const char *const *names, const char *s)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; names[i] != NULL; i++)
		if (strcasecmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *cfg_scheduler_name(enum cfg_scheduler v) { return name_of(sched_names, (int)v); }
const char *cfg_network_name(enum cfg_network v) { return name_of(network_names, (int)v); }
const char *cfg_protocol_name(enum cfg_protocol v) { return name_of(proto_names, (int)v); }
const char *cfg_lb_backend_name(enum cfg_lb_backend v) { return name_of(backend_names, (int)v); }
const char *cfg_load_monitor_name(enum cfg_load_monitor v) { return name_of(load_names, (int)v); }
const char *cfg_check_kind_name(enum cfg_check_kind v) { return name_of(check_names, (int)v); }
const char *cfg_service_mode_name(enum cfg_service_mode v) { return name_of(mode_names, (int)v); }
const char *cfg_rsh_name(enum cfg_rsh v) { return name_of(rsh_names, (int)v); }
int cfg_scheduler_from_name(const char *s) { return value_of(sched_names, s); }
int cfg_network_from_name(const char *s) { return value_of(network_names, s); }
int cfg_protocol_from_name(const char *s) { return value_of(proto_names, s); }
int cfg_lb_backend_from_name(const char *s) { return value_of(backend_names, s); }
int cfg_load_monitor_from_name(const char *s) { return value_of(load_names, s); }
int cfg_check_kind_from_name(const char *s) { return value_of(check_names, s); }
int cfg_service_mode_from_name(const char *s) { return value_of(mode_names, s); }
int cfg_rsh_from_name(const char *s) { return value_of(rsh_names, s); }
const char *cfg_director_mode_name(enum cfg_director_mode v) { return name_of(director_names, (int)v); }
int cfg_director_mode_from_name(const char *s) { return value_of(director_names, s); }

/* ---- kept keys and source maps ---- */

int
cfg_kept_add(struct cfg_kept_list *l, const char *key, const char *value)
{
	struct cfg_kept *k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return -1;
	if ((k->k_key = strdup(key)) == NULL ||
	    (k->k_value = strdup(value)) == NULL) {
		free(k->k_key);
		free(k);
		return -1;
	}
	TAILQ_INSERT_TAIL(l, k, k_entry);
	return 0;
}

void
cfg_kept_clear(struct cfg_kept_list *l)
{
	struct cfg_kept *k;

	while ((k = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, k, k_entry);
		free(k->k_key);
		free(k->k_value);
		free(k);
	}
}

static int
cfg_kept_copy(struct cfg_kept_list *dst, const struct cfg_kept_list *src)
{
	const struct cfg_kept *k;

	TAILQ_FOREACH(k, src, k_entry)
		if (cfg_kept_add(dst, k->k_key, k->k_value) == -1)
			return -1;
	return 0;
}

struct cfg_srcmap *
cfg_srcmap_new(int line, int col)
{
	struct cfg_srcmap *sm;

	if ((sm = calloc(1, sizeof(*sm))) == NULL)
		return NULL;
	sm->sm_line = line;
	sm->sm_col = col;
	return sm;
}

int
cfg_srcmap_add(struct cfg_srcmap *sm, const char *key, int line, int col)
{
	struct cfg_keypos *kp;
	size_t i;

	/* a repeated key: the last one wins, as for its value */
	for (i = 0; i < sm->sm_n; i++)
		if (strcmp(sm->sm_keys[i].kp_key, key) == 0)
			break;
	if (i == sm->sm_n) {
		if (sm->sm_n == sm->sm_cap) {
			size_t ncap = sm->sm_cap ? sm->sm_cap * 2 : 8;

			kp = reallocarray(sm->sm_keys, ncap, sizeof(*kp));
			if (kp == NULL)
				return -1;
			sm->sm_keys = kp;
			sm->sm_cap = ncap;
		}
		sm->sm_n++;
	}
	kp = &sm->sm_keys[i];
	str_copy(kp->kp_key, key, sizeof(kp->kp_key));
	kp->kp_line = line;
	kp->kp_col = col;
	return 0;
}

const struct cfg_keypos *
cfg_srcmap_find(const struct cfg_srcmap *sm, const char *key)
{
	static __thread struct cfg_keypos block;
	size_t i;

	if (sm == NULL)
		return NULL;
	if (key != NULL)
		for (i = 0; i < sm->sm_n; i++)
			if (strcmp(sm->sm_keys[i].kp_key, key) == 0)
				return &sm->sm_keys[i];
	block.kp_key[0] = '\0';
	block.kp_line = sm->sm_line;
	block.kp_col = sm->sm_col;
	return &block;
}

void
cfg_srcmap_free(struct cfg_srcmap *sm)
{
	if (sm == NULL)
		return;
	free(sm->sm_keys);
	free(sm);
}

static struct cfg_srcmap *
cfg_srcmap_dup(const struct cfg_srcmap *sm)
{
	struct cfg_srcmap *c;

	if (sm == NULL)
		return NULL;
	if ((c = cfg_srcmap_new(sm->sm_line, sm->sm_col)) == NULL)
		return NULL;
	if (sm->sm_n > 0) {
		c->sm_keys = calloc(sm->sm_n, sizeof(*c->sm_keys));
		if (c->sm_keys == NULL) {
			free(c);
			return NULL;
		}
		memcpy(c->sm_keys, sm->sm_keys, sm->sm_n * sizeof(*c->sm_keys));
		c->sm_n = c->sm_cap = sm->sm_n;
	}
	return c;
}

/* ---- nodes, servers, virtuals ---- */

struct cfg_node *
cfg_node_new(const char *name)
{
	struct cfg_node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->n_priority = CFG_DEF_PRIORITY;
	n->n_bgp_hold_time = CFG_DEF_BGP_HOLD_TIME;
	if (name != NULL && (n->n_name = strdup(name)) == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

void
cfg_node_free(struct cfg_node *n)
{
	if (n == NULL)
		return;
	free(n->n_name);
	free(n->n_ssh_user);
	free(n->n_ssh_key);
	free(n->n_remote_shoalctl);
	free(n->n_remote_db);
	free(n->n_routing_socket);
	free(n->n_routing_config);
	cfg_srcmap_free(n->n_src);
	free(n);
}

struct cfg_server *
cfg_server_new(const char *name, uint16_t port)
{
	struct cfg_server *rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return NULL;
	rs->rs_weight = CFG_DEF_WEIGHT;
	rs->rs_port = port;
	TAILQ_INIT(&rs->rs_kept);
	if (name != NULL && (rs->rs_name = strdup(name)) == NULL) {
		free(rs);
		return NULL;
	}
	return rs;
}

void
cfg_server_free(struct cfg_server *rs)
{
	if (rs == NULL)
		return;
	free(rs->rs_name);
	cfg_kept_clear(&rs->rs_kept);
	cfg_srcmap_free(rs->rs_src);
	free(rs);
}

struct cfg_virtual *
cfg_virtual_new(enum cfg_vs_kind kind, const char *name)
{
	struct cfg_virtual *vs;

	if ((vs = calloc(1, sizeof(*vs))) == NULL)
		return NULL;
	vs->vs_kind = kind;
	vs->vs_nmask = -1;
	vs->vs_pmask = -1;
	vs->vs_port = CFG_DEF_PORT;
	vs->vs_protocol = CFG_PROTO_TCP;
	vs->vs_scheduler = CFG_SCHED_WLC;
	vs->vs_timeout_ms = CFG_DEF_TIMEOUT_MS;
	vs->vs_reentry_ms = CFG_DEF_REENTRY_MS;
	vs->vs_load_monitor = CFG_LOAD_NONE;
	vs->vs_check = CFG_CHECK_AUTO;
	TAILQ_INIT(&vs->vs_servers);
	TAILQ_INIT(&vs->vs_kept);
	if (name != NULL && (vs->vs_name = strdup(name)) == NULL) {
		free(vs);
		return NULL;
	}
	return vs;
}

void
cfg_virtual_free(struct cfg_virtual *vs)
{
	struct cfg_server *rs;

	if (vs == NULL)
		return;
	while ((rs = TAILQ_FIRST(&vs->vs_servers)) != NULL) {
		TAILQ_REMOVE(&vs->vs_servers, rs, rs_entry);
		cfg_server_free(rs);
	}
	free(vs->vs_name);
	free(vs->vs_device);
	free(vs->vs_send);
	free(vs->vs_expect);
	free(vs->vs_send_program);
	free(vs->vs_start_cmd);
	free(vs->vs_stop_cmd);
	free(vs->vs_http_path);
	free(vs->vs_http_host);
	free(vs->vs_dns_name);
	free(vs->vs_dns_type);
	free(vs->vs_dns_rcode);
	free(vs->vs_dns_answer);
	free(vs->vs_tls_ca);
	free(vs->vs_tls_name);
	cfg_kept_clear(&vs->vs_kept);
	cfg_srcmap_free(vs->vs_src);
	free(vs);
}

static void
cfg_global_init(struct cfg_global *g)
{
	memset(g, 0, sizeof(*g));
	g->g_service = CFG_MODE_LVS;
	g->g_heartbeat_port = CFG_DEF_HEARTBEAT_PORT;
	g->g_keepalive_ms = CFG_DEF_KEEPALIVE_MS;
	g->g_deadtime_ms = CFG_DEF_DEADTIME_MS;
	g->g_network = CFG_NET_NAT;
	g->g_nat_nmask = -1;
	g->g_rsh_command = CFG_RSH_RSH;
	g->g_preempt = 1;
	g->g_lb_backend = CFG_LB_AUTO;
	g->g_arp_count = CFG_DEF_ARP_COUNT;
	g->g_arp_interval_ms = CFG_DEF_ARP_INTERVAL_MS;
	g->g_fence_timeout_ms = CFG_DEF_FENCE_TIMEOUT_MS;
	g->g_notify_timeout_ms = CFG_DEF_NOTIFY_TIMEOUT_MS;
	g->g_push_watch = CFG_DEF_PUSH_WATCH;
	TAILQ_INIT(&g->g_kept);
}

static void
cfg_global_free(struct cfg_global *g)
{
	free(g->g_nat_router_dev);
	free(g->g_syncd_iface);
	free(g->g_active_cmd);
	free(g->g_inactive_cmd);
	free(g->g_fence_cmd);
	str_free_secret(g->g_heartbeat_key);
	str_free_secret(g->g_heartbeat_key_accept);
	free(g->g_notify);
	for (size_t i = 0; i < CFG_NOTIFY_KINDS; i++)
		free(g->g_notify_kind[i]);
	cfg_kept_clear(&g->g_kept);
	cfg_srcmap_free(g->g_src);
}

struct shoal_config *
config_new(void)
{
	struct shoal_config *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	cfg_global_init(&c->c_global);
	TAILQ_INIT(&c->c_nodes);
	TAILQ_INIT(&c->c_virtuals);
	TAILQ_INIT(&c->c_failovers);
	return c;
}

void
cfg_node_list_free(struct cfg_node_list *l)
{
	struct cfg_node *n;

	while ((n = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, n, n_entry);
		cfg_node_free(n);
	}
}

static void
cfg_virtual_list_free(struct cfg_virtual_list *l)
{
	struct cfg_virtual *vs;

	while ((vs = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, vs, vs_entry);
		cfg_virtual_free(vs);
	}
}

void
config_free(struct shoal_config *c)
{
	if (c == NULL)
		return;
	free(c->c_file);
	cfg_global_free(&c->c_global);
	cfg_node_list_free(&c->c_nodes);
	cfg_virtual_list_free(&c->c_virtuals);
	cfg_virtual_list_free(&c->c_failovers);
	free(c);
}

/* ---- deep copies ---- */

/* Copies string fields; returns -1 if any allocation failed. */
static int
dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src != NULL && (*dst = strdup(src)) == NULL)
		return -1;
	return 0;
}

static struct cfg_node *
cfg_node_dup(const struct cfg_node *n)
{
	struct cfg_node *c;
	int bad = 0;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	*c = *n;
	bad |= dup_str(&c->n_name, n->n_name);
	bad |= dup_str(&c->n_ssh_user, n->n_ssh_user);
	bad |= dup_str(&c->n_ssh_key, n->n_ssh_key);
	bad |= dup_str(&c->n_remote_shoalctl, n->n_remote_shoalctl);
	bad |= dup_str(&c->n_remote_db, n->n_remote_db);
	bad |= dup_str(&c->n_routing_socket, n->n_routing_socket);
	bad |= dup_str(&c->n_routing_config, n->n_routing_config);
	c->n_src = cfg_srcmap_dup(n->n_src);
	if (bad || (n->n_src != NULL && c->n_src == NULL)) {
		cfg_node_free(c);
		return NULL;
	}
	return c;
}

static struct cfg_server *
cfg_server_dup(const struct cfg_server *rs)
{
	struct cfg_server *c;
	int bad = 0;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	*c = *rs;
	TAILQ_INIT(&c->rs_kept);
	bad |= dup_str(&c->rs_name, rs->rs_name);
	bad |= cfg_kept_copy(&c->rs_kept, &rs->rs_kept);
	c->rs_src = cfg_srcmap_dup(rs->rs_src);
	if (bad || (rs->rs_src != NULL && c->rs_src == NULL)) {
		cfg_server_free(c);
		return NULL;
	}
	return c;
}

static struct cfg_virtual *
cfg_virtual_dup(const struct cfg_virtual *vs)
{
	const struct cfg_server *rs;
	struct cfg_server *crs;
	struct cfg_virtual *c;
	int bad = 0;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	*c = *vs;
	TAILQ_INIT(&c->vs_servers);
	TAILQ_INIT(&c->vs_kept);
	bad |= dup_str(&c->vs_name, vs->vs_name);
	bad |= dup_str(&c->vs_device, vs->vs_device);
	bad |= dup_str(&c->vs_send, vs->vs_send);
	bad |= dup_str(&c->vs_expect, vs->vs_expect);
	bad |= dup_str(&c->vs_send_program, vs->vs_send_program);
	bad |= dup_str(&c->vs_start_cmd, vs->vs_start_cmd);
	bad |= dup_str(&c->vs_stop_cmd, vs->vs_stop_cmd);
	bad |= dup_str(&c->vs_http_path, vs->vs_http_path);
	bad |= dup_str(&c->vs_http_host, vs->vs_http_host);
	bad |= dup_str(&c->vs_dns_name, vs->vs_dns_name);
	bad |= dup_str(&c->vs_dns_type, vs->vs_dns_type);
	bad |= dup_str(&c->vs_dns_rcode, vs->vs_dns_rcode);
	bad |= dup_str(&c->vs_dns_answer, vs->vs_dns_answer);
	bad |= dup_str(&c->vs_tls_ca, vs->vs_tls_ca);
	bad |= dup_str(&c->vs_tls_name, vs->vs_tls_name);
	bad |= cfg_kept_copy(&c->vs_kept, &vs->vs_kept);
	c->vs_src = cfg_srcmap_dup(vs->vs_src);
	if (vs->vs_src != NULL && c->vs_src == NULL)
		bad = 1;
	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry) {
		if ((crs = cfg_server_dup(rs)) == NULL) {
			bad = 1;
			break;
		}
		TAILQ_INSERT_TAIL(&c->vs_servers, crs, rs_entry);
	}
	if (bad) {
		cfg_virtual_free(c);
		return NULL;
	}
	return c;
}

static int
cfg_virtual_list_dup(struct cfg_virtual_list *dst,
    const struct cfg_virtual_list *src)
{
	const struct cfg_virtual *vs;
	struct cfg_virtual *c;

	TAILQ_FOREACH(vs, src, vs_entry) {
		if ((c = cfg_virtual_dup(vs)) == NULL)
			return -1;
		TAILQ_INSERT_TAIL(dst, c, vs_entry);
	}
	return 0;
}

static int
cfg_global_dup(struct cfg_global *dst, const struct cfg_global *src)
{
	int bad = 0;

	*dst = *src;
	TAILQ_INIT(&dst->g_kept);
	dst->g_src = NULL;
	bad |= dup_str(&dst->g_nat_router_dev, src->g_nat_router_dev);
	bad |= dup_str(&dst->g_syncd_iface, src->g_syncd_iface);
	bad |= dup_str(&dst->g_active_cmd, src->g_active_cmd);
	bad |= dup_str(&dst->g_inactive_cmd, src->g_inactive_cmd);
	bad |= dup_str(&dst->g_fence_cmd, src->g_fence_cmd);
	bad |= dup_str(&dst->g_heartbeat_key, src->g_heartbeat_key);
	bad |= dup_str(&dst->g_heartbeat_key_accept,
	    src->g_heartbeat_key_accept);
	bad |= dup_str(&dst->g_notify, src->g_notify);
	for (size_t i = 0; i < CFG_NOTIFY_KINDS; i++)
		bad |= dup_str(&dst->g_notify_kind[i], src->g_notify_kind[i]);
	bad |= cfg_kept_copy(&dst->g_kept, &src->g_kept);
	dst->g_src = cfg_srcmap_dup(src->g_src);
	if (src->g_src != NULL && dst->g_src == NULL)
		bad = 1;
	return bad ? -1 : 0;
}

struct shoal_config *
config_dup(const struct shoal_config *c)
{
	struct shoal_config *d;
	const struct cfg_node *n;
	struct cfg_node *cn;

	if ((d = config_new()) == NULL)
		return NULL;
	cfg_global_free(&d->c_global);
	if (cfg_global_dup(&d->c_global, &c->c_global) == -1)
		goto fail;
	if (dup_str(&d->c_file, c->c_file) == -1)
		goto fail;
	TAILQ_FOREACH(n, &c->c_nodes, n_entry) {
		if ((cn = cfg_node_dup(n)) == NULL)
			goto fail;
		TAILQ_INSERT_TAIL(&d->c_nodes, cn, n_entry);
	}
	if (cfg_virtual_list_dup(&d->c_virtuals, &c->c_virtuals) == -1 ||
	    cfg_virtual_list_dup(&d->c_failovers, &c->c_failovers) == -1)
		goto fail;
	return d;
fail:
	config_free(d);
	return NULL;
}

/* ---- lookups ---- */

static struct cfg_virtual *
find_vs(const struct cfg_virtual_list *l, const char *name)
{
	struct cfg_virtual *vs;

	TAILQ_FOREACH(vs, l, vs_entry)
		if (vs->vs_name != NULL && strcmp(vs->vs_name, name) == 0)
			return vs;
	return NULL;
}

struct cfg_virtual *
config_find_virtual(const struct shoal_config *c, const char *name)
{
	return find_vs(&c->c_virtuals, name);
}

struct cfg_virtual *
config_find_failover(const struct shoal_config *c, const char *name)
{
	return find_vs(&c->c_failovers, name);
}

struct cfg_node *
config_find_node(const struct shoal_config *c, const char *name)
{
	struct cfg_node *n;

	TAILQ_FOREACH(n, &c->c_nodes, n_entry)
		if (n->n_name != NULL && strcmp(n->n_name, name) == 0)
			return n;
	return NULL;
}

struct cfg_server *
cfg_virtual_find_server(const struct cfg_virtual *vs, const char *name)
{
	struct cfg_server *rs;

	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry)
		if (rs->rs_name != NULL && strcmp(rs->rs_name, name) == 0)
			return rs;
	return NULL;
}

/* ---- effective nodes ---- */

static int
add_piranha_node(struct cfg_node_list *out, const char *name,
    const struct cfg_addr *addr, const struct cfg_addr *priv, int prio)
{
	struct cfg_node *n;

	if ((n = cfg_node_new(name)) == NULL)
		return -1;
	n->n_address = *addr;
	n->n_private = *priv;
	n->n_priority = prio;
	TAILQ_INSERT_TAIL(out, n, n_entry);
	return 0;
}

int
config_effective_nodes(const struct shoal_config *c,
    struct cfg_node_list *out)
{
	const struct cfg_global *g = &c->c_global;
	const struct cfg_node *n;
	struct cfg_node *cn;

	TAILQ_INIT(out);
	if (!TAILQ_EMPTY(&c->c_nodes)) {
		TAILQ_FOREACH(n, &c->c_nodes, n_entry) {
			if ((cn = cfg_node_dup(n)) == NULL)
				goto fail;
			TAILQ_INSERT_TAIL(out, cn, n_entry);
		}
		return 0;
	}
	if (cfg_addr_is_set(&g->g_primary) &&
	    add_piranha_node(out, "primary", &g->g_primary,
	    &g->g_primary_private, 200) == -1)
		goto fail;
	if (g->g_backup_active && cfg_addr_is_set(&g->g_backup) &&
	    !(g->g_backup.family == AF_INET && g->g_backup.u.v4.s_addr == 0) &&
	    add_piranha_node(out, "backup", &g->g_backup,
	    &g->g_backup_private, 100) == -1)
		goto fail;
	return 0;
fail:
	cfg_node_list_free(out);
	return -1;
}
