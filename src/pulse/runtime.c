/*
 * runtime.c - from a shoal_config to pulse's runtime view (see runtime.h).
 */
#include "shoal-build.h"

#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>

#include "config/lbcaps.h"
#include "lib/exec.h"
#include "lib/log.h"
#include "lib/util.h"
#include "runtime.h"

static int
real_if_exists(const char *name, void *arg)
{
	(void)arg;
	return if_nametoindex(name) != 0;
}

int
runtime_host_init(struct rt_host *h)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;

	memset(h, 0, sizeof(*h));
	h->rh_if_exists = real_if_exists;
	h->rh_auto_backend = CFG_LB_AUTO;	/* not known: see runtime.h */
	if (getifaddrs(&ifa) == -1) {
		log_warn("getifaddrs");
		return -1;
	}
	for (i = ifa; i != NULL; i = i->ifa_next)
		n++;
	if ((h->rh_addrs = calloc(n + 1, sizeof(*h->rh_addrs))) == NULL) {
		freeifaddrs(ifa);
		return -1;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		struct rt_host_addr *ha = &h->rh_addrs[h->rh_naddrs];

		if (i->ifa_addr == NULL ||
		    cfg_addr_from_sockaddr(&ha->ha_addr, i->ifa_addr) == -1)
			continue;
		str_copy(ha->ha_ifname, i->ifa_name, sizeof(ha->ha_ifname));
		/* "eth0:1" style names are labels of eth0 */
		ha->ha_ifname[strcspn(ha->ha_ifname, ":")] = '\0';
		h->rh_naddrs++;
	}
	freeifaddrs(ifa);
	return 0;
}

void
runtime_host_free(struct rt_host *h)
{
	free(h->rh_addrs);
	memset(h, 0, sizeof(*h));
}

static const struct rt_host_addr *
host_find(const struct rt_host *h, const struct cfg_addr *a)
{
	for (size_t i = 0; i < h->rh_naddrs; i++)
		if (cfg_addr_equal(&h->rh_addrs[i].ha_addr, a))
			return &h->rh_addrs[i];
	return NULL;
}

void
runtime_free(struct pulse_rt *rt)
{
	if (rt == NULL)
		return;
	for (size_t i = 0; i < rt->rt_nnodes; i++)
		free(rt->rt_nodes[i].rn_name);
	for (size_t i = 0; i < rt->rt_nvips; i++)
		free(rt->rt_vips[i].rv_owner);
	for (size_t i = 0; i < rt->rt_nfos; i++) {
		free(rt->rt_fos[i].rf_name);
		free(rt->rt_fos[i].rf_start_cmd);
		free(rt->rt_fos[i].rf_stop_cmd);
	}
	if (rt->rt_key != NULL) {
		mem_wipe(rt->rt_key, rt->rt_keylen);
		free(rt->rt_key);
	}
	if (rt->rt_key2 != NULL) {
		mem_wipe(rt->rt_key2, rt->rt_key2len);
		free(rt->rt_key2);
	}
	free(rt->rt_nodes);
	free(rt->rt_vips);
	free(rt->rt_fos);
	free(rt->rt_ifaces);
	free(rt->rt_active_cmd);
	free(rt->rt_inactive_cmd);
	free(rt->rt_fence_cmd);
	free(rt->rt_routing.rr_socket);
	free(rt->rt_routing.rr_file);
	free(rt);
}

static int
add_node(struct pulse_rt *rt, const struct cfg_node *n, struct diag *d)
{
	struct rt_node *rn = &rt->rt_nodes[rt->rt_nnodes];

	if ((rn->rn_name = strdup(n->n_name)) == NULL)
		return -1;
	rt->rt_nnodes++;
	rn->rn_id = heartbeat_node_id(n->n_name);
	rn->rn_priority = n->n_priority;
	if (cfg_addr_is_set(&n->n_address))
		rn->rn_addrs[rn->rn_naddrs++] = n->n_address;
	if (cfg_addr_is_set(&n->n_private) &&
	    !cfg_addr_equal(&n->n_private, &n->n_address))
		rn->rn_addrs[rn->rn_naddrs++] = n->n_private;
	if (rn->rn_naddrs == 0)
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "node", "node %s has no "
		    "address", n->n_name);
	for (size_t i = 0; i + 1 < rt->rt_nnodes; i++)
		if (rt->rt_nodes[i].rn_id == rn->rn_id)
			diag_add(d, DIAG_ERROR, NULL, 0, 0, "node", "node "
			    "names %s and %s have the same node id; rename "
			    "one", rt->rt_nodes[i].rn_name, n->n_name);
	return 0;
}

static int
load_nodes(struct pulse_rt *rt, const struct shoal_config *c,
    struct diag *d)
{
	struct cfg_node_list nodes;
	struct cfg_node *n;
	size_t count = 0;
	int ret = 0;

	if (config_effective_nodes(c, &nodes) == -1)
		return -1;
	TAILQ_FOREACH(n, &nodes, n_entry)
		count++;
	if (count == 0)
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "global.primary",
		    "no cluster node is configured (primary or node blocks)");
	else if ((rt->rt_nodes = calloc(count, sizeof(*rt->rt_nodes))) ==
	    NULL)
		ret = -1;
	TAILQ_FOREACH(n, &nodes, n_entry)
		if (ret == 0 && add_node(rt, n, d) == -1)
			ret = -1;
	cfg_node_list_free(&nodes);
	return ret;
}

/* Picks this node by name or by a local address. */
static void
find_self(struct pulse_rt *rt, const char *name, const struct rt_host *h,
    struct diag *d)
{
	int found = -1;

	for (size_t i = 0; i < rt->rt_nnodes; i++) {
		const struct rt_node *rn = &rt->rt_nodes[i];
		int match = 0;

		if (name != NULL)
			match = strcmp(rn->rn_name, name) == 0;
		else
			for (size_t j = 0; j < rn->rn_naddrs; j++)
				if (host_find(h, &rn->rn_addrs[j]) != NULL)
					match = 1;
		if (!match)
			continue;
		if (found != -1) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, "node", "nodes %s "
			    "and %s both match this host's addresses; pick "
			    "one with --node", rt->rt_nodes[found].rn_name,
			    rn->rn_name);
			return;
		}
		found = (int)i;
	}
	if (found == -1 && name != NULL)
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "node", "node %s is not "
		    "configured", name);
	else if (found == -1)
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "node", "no configured "
		    "node matches an address of this host (use --node NAME)");
	else
		rt->rt_self = (size_t)found;
}

static int
add_iface(struct pulse_rt *rt, const char *name)
{
	char (*n)[IFNAMSIZ];

	for (size_t i = 0; i < rt->rt_nifaces; i++)
		if (strcmp(rt->rt_ifaces[i], name) == 0)
			return 0;
	n = reallocarray(rt->rt_ifaces, rt->rt_nifaces + 1, sizeof(*n));
	if (n == NULL)
		return -1;
	rt->rt_ifaces = n;
	str_copy(n[rt->rt_nifaces++], name, IFNAMSIZ);
	return 0;
}

int
runtime_vip_same(const struct rt_vip *a, const struct rt_vip *b)
{
	return cfg_addr_equal(&a->rv_addr, &b->rv_addr) &&
	    strcmp(a->rv_dev, b->rv_dev) == 0;
}

/*
 * Adds one floating address.  device is "eth0" or "eth0:1"; the base
 * device must exist.  The same address twice (several ports of one VIP) is
 * kept once.
 */
static int
add_vip(struct pulse_rt *rt, const char *field, const char *owner,
    const struct cfg_addr *a, const char *device, int prefix,
    enum rt_vip_kind kind, const struct rt_host *h, struct diag *d)
{
	struct rt_vip v, *nv;

	memset(&v, 0, sizeof(v));
	if (device == NULL || *device == '\0') {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "no interface "
		    "given for %s (write `address = IP DEVICE`)", owner);
		return 0;
	}
	v.rv_addr = *a;
	v.rv_kind = kind;
	v.rv_prefix = prefix >= 0 ? prefix : (a->family == AF_INET ? 32 : 128);
	if (rt->rt_ecmp)	/* routed to, as a host route */
		v.rv_prefix = a->family == AF_INET ? 32 : 128;
	str_copy(v.rv_label, device, sizeof(v.rv_label));
	str_copy(v.rv_dev, device, sizeof(v.rv_dev));
	v.rv_dev[strcspn(v.rv_dev, ":")] = '\0';
	if (!h->rh_if_exists(v.rv_dev, h->rh_arg)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "interface %s of "
		    "%s does not exist on this host", v.rv_dev, owner);
		return 0;
	}
	for (size_t i = 0; i < rt->rt_nvips; i++)
		if (runtime_vip_same(&rt->rt_vips[i], &v))
			return 0;
	if ((v.rv_owner = strdup(owner)) == NULL)
		return -1;
	nv = reallocarray(rt->rt_vips, rt->rt_nvips + 1, sizeof(*nv));
	if (nv == NULL) {
		free(v.rv_owner);
		return -1;
	}
	rt->rt_vips = nv;
	nv[rt->rt_nvips++] = v;
	return add_iface(rt, v.rv_dev);
}

static int
check_cmd(const char *field, const char *cmd, struct diag *d)
{
	char err[256], **argv;

	if (cmd == NULL)
		return 0;
	if (exec_split(cmd, NULL, NULL, &argv, err, sizeof(err)) == -1) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "%s", err);
		return 0;
	}
	exec_argv_free(argv);
	return 0;
}

static int
add_fos(struct pulse_rt *rt, const struct cfg_virtual *v, struct diag *d)
{
	struct rt_fos *f, *nf;
	char field[CFG_NAME_MAX + 32];

	nf = reallocarray(rt->rt_fos, rt->rt_nfos + 1, sizeof(*nf));
	if (nf == NULL)
		return -1;
	rt->rt_fos = nf;
	f = &nf[rt->rt_nfos++];
	memset(f, 0, sizeof(*f));
	if ((f->rf_name = strdup(v->vs_name)) == NULL ||
	    str_set(&f->rf_start_cmd, v->vs_start_cmd) == -1 ||
	    str_set(&f->rf_stop_cmd, v->vs_stop_cmd) == -1)
		return -1;
	snprintf(field, sizeof(field), "failover[%s].start_cmd", v->vs_name);
	check_cmd(field, v->vs_start_cmd, d);
	snprintf(field, sizeof(field), "failover[%s].stop_cmd", v->vs_name);
	check_cmd(field, v->vs_stop_cmd, d);
	return 0;
}

/*
 * 1 when the backend that runs on this host can program v, else 0 with a
 * warning in d: its VIP is not taken for it, so that clients get no
 * address that answers nothing.
 */
static int
programmable(const struct shoal_config *c, const struct cfg_virtual *v,
    const struct rt_host *h, struct diag *d)
{
	enum cfg_lb_backend kind = c->c_global.g_lb_backend;
	struct lbcap_result res[LBCAP_MAX_RESULTS];
	struct lbcap_service ls;
	char field[CFG_NAME_MAX + 32];
	size_t i, n;

	if (kind == CFG_LB_AUTO)
		kind = h->rh_auto_backend;
	if (kind == CFG_LB_AUTO)
		return 1;	/* which backend runs here is not known */
	lbcap_service_of(&ls, c, v);
	n = lbcap_check(kind, &ls, res);
	for (i = 0; i < n; i++) {
		/* under auto a scheduler falls back; explicit: refused */
		if (res[i].lr_verdict == LBCAP_FALLBACK &&
		    c->c_global.g_lb_backend == CFG_LB_AUTO)
			continue;
		snprintf(field, sizeof(field), "virtual[%s].%s", v->vs_name,
		    lbcap_what_key(res[i].lr_what));
		diag_add(d, DIAG_WARNING, NULL, 0, 0, field, "%s: the %s "
		    "backend cannot program this service here, so its VIP is "
		    "not taken for it", res[i].lr_why,
		    cfg_lb_backend_name(kind));
		return 0;
	}
	return 1;
}

static int
load_services(struct pulse_rt *rt, const struct shoal_config *c,
    const struct rt_host *h, struct diag *d)
{
	const struct cfg_virtual_list *list = rt->rt_mode == CFG_MODE_FOS ?
	    &c->c_failovers : &c->c_virtuals;
	const char *kind = rt->rt_mode == CFG_MODE_FOS ? "failover" :
	    "virtual";
	const struct cfg_global *g = &c->c_global;
	const struct cfg_virtual *v;
	char field[CFG_NAME_MAX + 32];

	TAILQ_FOREACH(v, list, vs_entry) {
		if (!v->vs_active || !cfg_addr_is_set(&v->vs_address))
			continue;
		if (rt->rt_mode == CFG_MODE_LVS && !programmable(c, v, h, d))
			continue;
		snprintf(field, sizeof(field), "%s[%s].address", kind,
		    v->vs_name);
		if (add_vip(rt, field, v->vs_name, &v->vs_address,
		    v->vs_device, v->vs_nmask, rt->rt_mode == CFG_MODE_FOS ?
		    RT_VIP_FOS : RT_VIP_LVS, h, d) == -1)
			return -1;
		if (rt->rt_mode == CFG_MODE_FOS && add_fos(rt, v, d) == -1)
			return -1;
		/*
		 * ecmp: the address on its device is the data plane (held
		 * while ACTIVE, never ARPed); the same address on lo is the
		 * announcement, held while announce.c wants it
		 */
		if (rt->rt_ecmp && add_vip(rt, field, v->vs_name,
		    &v->vs_address, "lo", -1, RT_VIP_ROUTE, h, d) == -1)
			return -1;
	}
	if (rt->rt_nvips == 0 && diag_errors(d) == 0)
		diag_add(d, DIAG_ERROR, NULL, 0, 0, kind, "no active %s "
		    "service with an address: pulse has nothing to float",
		    kind);
	if (rt->rt_mode == CFG_MODE_LVS && g->g_network == CFG_NET_NAT &&
	    cfg_addr_is_set(&g->g_nat_router) && add_vip(rt,
	    "global.nat_router", "nat_router", &g->g_nat_router,
	    g->g_nat_router_dev, g->g_nat_nmask, RT_VIP_NAT, h, d) == -1)
		return -1;
	return 0;
}

/* A heartbeat key's bytes into *out (NULL for none or ""): 0 or -1. */
static int
key_copy(const char *key, uint8_t **out, size_t *lenp)
{
	if (key == NULL || *key == '\0')
		return 0;
	*lenp = strlen(key);
	if ((*out = malloc(*lenp)) == NULL)
		return -1;
	memcpy(*out, key, *lenp);
	return 0;
}

static int
load_globals(struct pulse_rt *rt, const struct shoal_config *c)
{
	const struct cfg_global *g = &c->c_global;

	rt->rt_mode = g->g_service;
	rt->rt_ecmp = g->g_director_mode == CFG_DIRECTOR_ECMP &&
	    g->g_service == CFG_MODE_LVS;
	rt->rt_cluster = g->g_cluster_id;
	rt->rt_port = g->g_heartbeat_port ? g->g_heartbeat_port :
	    CFG_DEF_HEARTBEAT_PORT;
	rt->rt_keepalive_ms = g->g_keepalive_ms ? g->g_keepalive_ms :
	    CFG_DEF_KEEPALIVE_MS;
	rt->rt_deadtime_ms = g->g_deadtime_ms ? g->g_deadtime_ms :
	    CFG_DEF_DEADTIME_MS;
	rt->rt_preempt = g->g_preempt;
	rt->rt_preempt_delay_ms = g->g_preempt_delay_ms;
	rt->rt_monitor_links = g->g_monitor_links;
	rt->rt_arp_count = g->g_arp_count;
	rt->rt_arp_interval_ms = g->g_arp_interval_ms;
	if (str_set(&rt->rt_active_cmd, g->g_active_cmd) == -1 ||
	    str_set(&rt->rt_inactive_cmd, g->g_inactive_cmd) == -1 ||
	    str_set(&rt->rt_fence_cmd, g->g_fence_cmd) == -1)
		return -1;
	rt->rt_fence_timeout_ms = g->g_fence_timeout_ms;
	if (key_copy(g->g_heartbeat_key, &rt->rt_key, &rt->rt_keylen) == -1)
		return -1;
	/* a second key only beside a first (validation refuses it alone) */
	if (rt->rt_key != NULL && key_copy(g->g_heartbeat_key_accept,
	    &rt->rt_key2, &rt->rt_key2len) == -1)
		return -1;
	return 0;
}

/* The interfaces carrying this node's heartbeat addresses. */
static int
self_ifaces(struct pulse_rt *rt, const struct rt_host *h)
{
	const struct rt_node *self = &rt->rt_nodes[rt->rt_self];
	const struct rt_host_addr *ha;

	for (size_t i = 0; i < self->rn_naddrs; i++)
		if ((ha = host_find(h, &self->rn_addrs[i])) != NULL &&
		    add_iface(rt, ha->ha_ifname) == -1)
			return -1;
	return 0;
}

static void
check_timings(const struct pulse_rt *rt, struct diag *d)
{
	if (rt->rt_deadtime_ms <= rt->rt_keepalive_ms)
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "global.deadtime",
		    "deadtime (%u ms) must be longer than keepalive (%u ms)",
		    rt->rt_deadtime_ms, rt->rt_keepalive_ms);
	else if (rt->rt_deadtime_ms < 2 * rt->rt_keepalive_ms)
		diag_add(d, DIAG_WARNING, NULL, 0, 0, "global.deadtime",
		    "deadtime below two keepalives: one lost packet fails "
		    "over");
}

/*
 * director_mode = ecmp: the self node's BGP session (the validator
 * requires it on every node; checked again for a config from elsewhere).
 */
static int
load_routing(struct pulse_rt *rt, const struct shoal_config *c,
    struct diag *d)
{
	const char *self = rt->rt_nodes[rt->rt_self].rn_name;
	const struct cfg_node *n = config_find_node(c, self);
	struct rt_routing *rr = &rt->rt_routing;

	if (n == NULL || n->n_bgp_as == 0 || n->n_bgp_neighbor_as == 0 ||
	    !cfg_addr_is_set(&n->n_bgp_neighbor)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "node", "director_mode = "
		    "ecmp: node %s needs bgp_as, bgp_neighbor and "
		    "bgp_neighbor_as", self);
		return 0;
	}
	rr->rr_local_as = n->n_bgp_as;
	rr->rr_peer_as = n->n_bgp_neighbor_as;
	rr->rr_peer = n->n_bgp_neighbor;
	rr->rr_hold_s = n->n_bgp_hold_time ? n->n_bgp_hold_time :
	    CFG_DEF_BGP_HOLD_TIME;
	if ((rr->rr_socket = strdup(n->n_routing_socket != NULL ?
	    n->n_routing_socket : CFG_DEF_ROUTING_SOCKET)) == NULL ||
	    (rr->rr_file = strdup(n->n_routing_config != NULL ?
	    n->n_routing_config : CFG_DEF_ROUTING_CONFIG)) == NULL)
		return -1;
	return 0;
}

int
runtime_build(const struct shoal_config *c, const char *node_name,
    const struct rt_host *h, struct pulse_rt **out, struct diag *d)
{
	struct pulse_rt *rt;
	int errors = diag_errors(d);

	*out = NULL;
	if ((rt = calloc(1, sizeof(*rt))) == NULL)
		goto nomem;
	if (load_globals(rt, c) == -1 || load_nodes(rt, c, d) == -1)
		goto nomem;
	if (rt->rt_nnodes > 0)
		find_self(rt, node_name, h, d);
	if (rt->rt_ecmp && diag_errors(d) == errors &&
	    load_routing(rt, c, d) == -1)
		goto nomem;
	if (load_services(rt, c, h, d) == -1)
		goto nomem;
	check_timings(rt, d);
	if (diag_errors(d) > errors) {
		runtime_free(rt);
		return -1;
	}
	if (self_ifaces(rt, h) == -1)
		goto nomem;
	*out = rt;
	return 0;
nomem:
	diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "out of memory");
	runtime_free(rt);
	return -1;
}

static int
hexval(int ch)
{
	if (isdigit(ch))
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : 0;
}

void
runtime_set_identity(struct pulse_rt *rt, uint64_t generation,
    const char *hash_hex)
{
	rt->rt_generation = generation;
	str_copy(rt->rt_hash, hash_hex != NULL ? hash_hex : "",
	    sizeof(rt->rt_hash));
	memset(rt->rt_hash_prefix, 0, sizeof(rt->rt_hash_prefix));
	for (size_t i = 0; i < HB_HASH_LEN && rt->rt_hash[2 * i] != '\0' &&
	    rt->rt_hash[2 * i + 1] != '\0'; i++)
		rt->rt_hash_prefix[i] = hexval(rt->rt_hash[2 * i]) << 4 |
		    hexval(rt->rt_hash[2 * i + 1]);
}

int
runtime_node_index(const struct pulse_rt *rt, uint32_t id)
{
	for (size_t i = 0; i < rt->rt_nnodes; i++)
		if (rt->rt_nodes[i].rn_id == id)
			return (int)i;
	return -1;
}

static const char *
vip_kind_name(enum rt_vip_kind k)
{
	return k == RT_VIP_LVS ? "lvs" : k == RT_VIP_FOS ? "fos" :
	    k == RT_VIP_ROUTE ? "ecmp announcement" : "nat_router";
}

void
runtime_print(const struct pulse_rt *rt, FILE *fp)
{
	char a[CFG_ADDR_STRLEN];

	if (rt->rt_ecmp)
		fprintf(fp, "directors: ecmp, BGP AS %u to %s AS %u (hold "
		    "%u s) through %s, file %s\n", rt->rt_routing.rr_local_as,
		    cfg_addr_str(&rt->rt_routing.rr_peer, a, sizeof(a)),
		    rt->rt_routing.rr_peer_as, rt->rt_routing.rr_hold_s,
		    rt->rt_routing.rr_socket, rt->rt_routing.rr_file);
	fprintf(fp, "mode %s, cluster id %u, port %u, keepalive %u ms, "
	    "deadtime %u ms, preempt %s (delay %u ms), monitor_links %s, "
	    "key %s%s\n", cfg_service_mode_name(rt->rt_mode), rt->rt_cluster,
	    rt->rt_port, rt->rt_keepalive_ms, rt->rt_deadtime_ms,
	    rt->rt_preempt ? "on" : "off", rt->rt_preempt_delay_ms,
	    rt->rt_monitor_links ? "on" : "off",
	    rt->rt_key != NULL ? "set" : "none",
	    rt->rt_key2 != NULL ? " (and a second accepted)" : "");
	for (size_t i = 0; i < rt->rt_nnodes; i++) {
		const struct rt_node *n = &rt->rt_nodes[i];

		fprintf(fp, "%s %s priority %d id %08x:", i == rt->rt_self ?
		    "self" : "peer", n->rn_name, n->rn_priority, n->rn_id);
		for (size_t j = 0; j < n->rn_naddrs; j++)
			fprintf(fp, " %s", cfg_addr_str(&n->rn_addrs[j], a,
			    sizeof(a)));
		fputc('\n', fp);
	}
	for (size_t i = 0; i < rt->rt_nvips; i++) {
		const struct rt_vip *v = &rt->rt_vips[i];

		fprintf(fp, "vip %s/%d on %s label %s (%s %s)\n",
		    cfg_addr_str(&v->rv_addr, a, sizeof(a)), v->rv_prefix,
		    v->rv_dev, v->rv_label, vip_kind_name(v->rv_kind),
		    v->rv_owner);
	}
	for (size_t i = 0; i < rt->rt_nfos; i++)
		fprintf(fp, "failover %s start_cmd %s stop_cmd %s\n",
		    rt->rt_fos[i].rf_name, rt->rt_fos[i].rf_start_cmd ?
		    rt->rt_fos[i].rf_start_cmd : "-", rt->rt_fos[i].rf_stop_cmd ?
		    rt->rt_fos[i].rf_stop_cmd : "-");
	for (size_t i = 0; i < rt->rt_nifaces; i++)
		fprintf(fp, "link %s%s\n", rt->rt_ifaces[i],
		    rt->rt_monitor_links ? " (monitored)" : "");
}
