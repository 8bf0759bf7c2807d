/* test_runtime.c - lvs.cf settings mapped to pulse's runtime view. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "lib/diag.h"
#include "pulse/runtime.h"

/* A fake host: eth0 10.1.0.2, eth1 10.2.0.2; interfaces eth0, eth1. */
static struct rt_host_addr host_addrs[2];

static int
fake_if(const char *name, void *arg)
{
	(void)arg;
	return strcmp(name, "eth0") == 0 || strcmp(name, "eth1") == 0;
}

static void
host_init(struct rt_host *h, const char *a0, const char *a1)
{
	memset(h, 0, sizeof(*h));
	memset(host_addrs, 0, sizeof(host_addrs));
	cfg_addr_parse(&host_addrs[0].ha_addr, a0);
	strcpy(host_addrs[0].ha_ifname, "eth0");
	cfg_addr_parse(&host_addrs[1].ha_addr, a1);
	strcpy(host_addrs[1].ha_ifname, "eth1");
	h->rh_addrs = host_addrs;
	h->rh_naddrs = 2;
	h->rh_if_exists = fake_if;
}

static struct cfg_virtual *
add_virtual(struct shoal_config *c, enum cfg_vs_kind kind, const char *name,
    const char *addr, const char *dev, int nmask, uint16_t port, int active)
{
	struct cfg_virtual *v = cfg_virtual_new(kind, name);

	assert_non_null(v);
	cfg_addr_parse(&v->vs_address, addr);
	v->vs_device = dev ? strdup(dev) : NULL;
	v->vs_nmask = nmask;
	v->vs_port = port;
	v->vs_active = active;
	TAILQ_INSERT_TAIL(kind == CFG_VS_FAILOVER ? &c->c_failovers :
	    &c->c_virtuals, v, vs_entry);
	return v;
}

/* A Piranha two-node LVS file: primary/backup become nodes. */
static struct shoal_config *
piranha(void)
{
	struct shoal_config *c = config_new();

	cfg_addr_parse(&c->c_global.g_primary, "10.1.0.1");
	cfg_addr_parse(&c->c_global.g_primary_private, "10.2.0.1");
	cfg_addr_parse(&c->c_global.g_backup, "10.1.0.2");
	cfg_addr_parse(&c->c_global.g_backup_private, "10.2.0.2");
	c->c_global.g_backup_active = 1;
	c->c_global.g_keepalive_ms = 6000;
	c->c_global.g_deadtime_ms = 18000;
	c->c_global.g_heartbeat_port = 1050;
	add_virtual(c, CFG_VS_VIRTUAL, "web", "10.1.0.100", "eth0:1", 24,
	    80, 1);
	add_virtual(c, CFG_VS_VIRTUAL, "web443", "10.1.0.100", "eth0:1", 24,
	    443, 1);
	add_virtual(c, CFG_VS_VIRTUAL, "off", "10.1.0.101", "eth0:2", 24,
	    80, 0);
	return c;
}

static void
test_piranha_lvs(void **state)
{
	struct shoal_config *c = piranha();
	struct pulse_rt *rt;
	struct rt_host h;
	struct diag d;
	char a[CFG_ADDR_STRLEN];

	(void)state;
	diag_init(&d);
	host_init(&h, "10.1.0.2", "10.2.0.2");
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), 0);
	assert_int_equal(rt->rt_nnodes, 2);
	assert_string_equal(rt->rt_nodes[rt->rt_self].rn_name, "backup");
	assert_int_equal(rt->rt_nodes[rt->rt_self].rn_priority, 100);
	assert_int_equal(rt->rt_nodes[0].rn_priority, 200);
	assert_int_equal(rt->rt_nodes[0].rn_naddrs, 2);	/* both paths */
	assert_int_equal(rt->rt_port, 1050);
	assert_int_equal(rt->rt_keepalive_ms, 6000);
	assert_int_equal(rt->rt_deadtime_ms, 18000);
	/* one VIP for two ports; inactive virtual ignored */
	assert_int_equal(rt->rt_nvips, 1);
	assert_string_equal(cfg_addr_str(&rt->rt_vips[0].rv_addr, a,
	    sizeof(a)), "10.1.0.100");
	assert_string_equal(rt->rt_vips[0].rv_dev, "eth0");
	assert_string_equal(rt->rt_vips[0].rv_label, "eth0:1");
	assert_int_equal(rt->rt_vips[0].rv_prefix, 24);
	assert_int_equal(rt->rt_vips[0].rv_kind, RT_VIP_LVS);
	/* tracked links: the VIP device and both heartbeat paths */
	assert_int_equal(rt->rt_nifaces, 2);
	assert_null(rt->rt_key);
	runtime_free(rt);
	/* by name */
	host_init(&h, "192.0.2.1", "192.0.2.2");
	assert_int_equal(runtime_build(c, "primary", &h, &rt, &d), 0);
	assert_string_equal(rt->rt_nodes[rt->rt_self].rn_name, "primary");
	runtime_free(rt);
	assert_int_equal(diag_errors(&d), 0);
	diag_clear(&d);
	config_free(c);
}

/* Has the runtime a VIP of this address? */
static int
has_vip(const struct pulse_rt *rt, const char *addr)
{
	struct cfg_addr a;

	cfg_addr_parse(&a, addr);
	for (size_t i = 0; i < rt->rt_nvips; i++)
		if (cfg_addr_equal(&rt->rt_vips[i].rv_addr, &a))
			return 1;
	return 0;
}

/*
 * lvs_backend = auto on a host without IPVS: a service nftables cannot
 * program (direct routing with a fwmark) floats no VIP of its own; a VIP
 * it shares with a service that runs still floats; a scheduler that falls
 * back (wlc) does not matter.  With IPVS, or when the backend is not known
 * (shoalctl cleanup), every VIP floats.
 */
static void
test_unprogrammable(void **state)
{
	struct shoal_config *c = piranha();
	struct cfg_virtual *v;
	struct pulse_rt *rt;
	struct rt_host h;
	struct diag d;
	char *msg = NULL;

	(void)state;
	c->c_global.g_network = CFG_NET_DIRECT;
	v = add_virtual(c, CFG_VS_VIRTUAL, "marked", "10.1.0.102", "eth0:3",
	    24, 0, 1);
	v->vs_fwmark = 3;
	v = add_virtual(c, CFG_VS_VIRTUAL, "shared", "10.1.0.100", "eth0:1",
	    24, 0, 1);
	v->vs_fwmark = 4;
	diag_init(&d);
	host_init(&h, "10.1.0.2", "10.2.0.2");
	h.rh_auto_backend = CFG_LB_NFTABLES;
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), 0);
	assert_true(has_vip(rt, "10.1.0.100"));
	assert_false(has_vip(rt, "10.1.0.102"));
	runtime_free(rt);
	assert_int_equal(diag_errors(&d), 0);
	assert_non_null(TAILQ_FIRST(&d.d_items));
	msg = diag_format(TAILQ_FIRST(&d.d_items));
	assert_non_null(strstr(msg, "virtual[marked].fwmark"));
	assert_non_null(strstr(msg, "its VIP is not taken"));
	free(msg);
	diag_clear(&d);
	/* IPVS here, or not known: every VIP */
	h.rh_auto_backend = CFG_LB_IPVS;
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), 0);
	assert_true(has_vip(rt, "10.1.0.102"));
	runtime_free(rt);
	h.rh_auto_backend = CFG_LB_AUTO;
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), 0);
	assert_true(has_vip(rt, "10.1.0.102"));
	runtime_free(rt);
	diag_clear(&d);
	config_free(c);
}

static void
test_nodes_and_key(void **state)
{
	struct shoal_config *c = config_new();
	struct cfg_node *n;
	struct pulse_rt *rt;
	struct rt_host h;
	struct diag d;
	const char *names[] = { "n1", "n2", "n3" };

	(void)state;
	for (int i = 0; i < 3; i++) {
		char addr[32];

		n = cfg_node_new(names[i]);
		snprintf(addr, sizeof(addr), "10.1.0.%d", i + 1);
		cfg_addr_parse(&n->n_address, addr);
		n->n_priority = 200 - 50 * i;
		TAILQ_INSERT_TAIL(&c->c_nodes, n, n_entry);
	}
	c->c_global.g_heartbeat_key = strdup("s3cret");
	c->c_global.g_preempt = 0;
	c->c_global.g_preempt_delay_ms = 3000;
	c->c_global.g_cluster_id = 42;
	c->c_global.g_monitor_links = 1;
	add_virtual(c, CFG_VS_VIRTUAL, "v6", "fd00::100", "eth1", -1, 80, 1);
	diag_init(&d);
	host_init(&h, "10.1.0.3", "fd00::3");
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), 0);
	assert_int_equal(rt->rt_nnodes, 3);
	assert_string_equal(rt->rt_nodes[rt->rt_self].rn_name, "n3");
	assert_int_equal(rt->rt_keylen, 6);
	assert_memory_equal(rt->rt_key, "s3cret", 6);
	assert_int_equal(rt->rt_preempt, 0);
	assert_int_equal(rt->rt_preempt_delay_ms, 3000);
	assert_int_equal(rt->rt_cluster, 42);
	assert_true(rt->rt_monitor_links);
	assert_int_equal(rt->rt_port, 539);
	assert_int_equal(rt->rt_keepalive_ms, CFG_DEF_KEEPALIVE_MS);
	assert_int_equal(rt->rt_deadtime_ms, CFG_DEF_DEADTIME_MS);
	assert_int_equal(rt->rt_vips[0].rv_prefix, 128);
	assert_int_equal(runtime_node_index(rt, rt->rt_nodes[1].rn_id), 1);
	assert_int_equal(runtime_node_index(rt, 12345), -1);
	runtime_set_identity(rt, 7, "0123456789abcdefff");
	assert_true(rt->rt_generation == 7);
	assert_memory_equal(rt->rt_hash_prefix,
	    "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
	runtime_free(rt);
	diag_clear(&d);
	config_free(c);
}

static void
test_fos(void **state)
{
	struct shoal_config *c = piranha();
	struct cfg_virtual *f;
	struct pulse_rt *rt;
	struct rt_host h;
	struct diag d;

	(void)state;
	c->c_global.g_service = CFG_MODE_FOS;
	f = add_virtual(c, CFG_VS_FAILOVER, "ftp", "10.1.0.110", "eth0:3", 24,
	    21, 1);
	f->vs_start_cmd = strdup("/etc/rc.d/init.d/inet start");
	f->vs_stop_cmd = strdup("/etc/rc.d/init.d/inet stop");
	diag_init(&d);
	host_init(&h, "10.1.0.1", "10.2.0.1");
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), 0);
	assert_int_equal(rt->rt_mode, CFG_MODE_FOS);
	assert_int_equal(rt->rt_nvips, 1);	/* virtuals ignored in fos */
	assert_int_equal(rt->rt_vips[0].rv_kind, RT_VIP_FOS);
	assert_int_equal(rt->rt_nfos, 1);
	assert_string_equal(rt->rt_fos[0].rf_name, "ftp");
	assert_string_equal(rt->rt_fos[0].rf_stop_cmd,
	    "/etc/rc.d/init.d/inet stop");
	runtime_free(rt);
	/* an unterminated quote in a command is refused */
	free(f->vs_start_cmd);
	f->vs_start_cmd = strdup("/bin/start 'oops");
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), -1);
	assert_null(rt);
	assert_non_null(strstr(TAILQ_FIRST(&d.d_items)->di_field,
	    "failover[ftp].start_cmd"));
	diag_clear(&d);
	config_free(c);
}

static int
has_error(const struct diag *d, const char *text)
{
	struct diag_item *di;

	TAILQ_FOREACH(di, &d->d_items, di_entry)
		if (di->di_sev == DIAG_ERROR && strstr(di->di_msg, text))
			return 1;
	return 0;
}

static void
test_refused(void **state)
{
	struct shoal_config *c = piranha();
	struct cfg_virtual *v;
	struct pulse_rt *rt;
	struct rt_host h;
	struct diag d;

	(void)state;
	diag_init(&d);
	/* no node matches this host */
	host_init(&h, "192.0.2.1", "192.0.2.2");
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), -1);
	assert_true(has_error(&d, "no configured node matches"));
	diag_clear(&d);
	/* an unknown --node */
	assert_int_equal(runtime_build(c, "nobody", &h, &rt, &d), -1);
	assert_true(has_error(&d, "node nobody is not configured"));
	diag_clear(&d);
	/* an unknown interface */
	host_init(&h, "10.1.0.1", "10.2.0.1");
	v = TAILQ_FIRST(&c->c_virtuals);
	free(v->vs_device);
	v->vs_device = strdup("eth9:1");
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), -1);
	assert_true(has_error(&d, "interface eth9 of web does not exist"));
	assert_string_equal(TAILQ_FIRST(&d.d_items)->di_field,
	    "virtual[web].address");
	diag_clear(&d);
	/* no device at all */
	free(v->vs_device);
	v->vs_device = NULL;
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), -1);
	assert_true(has_error(&d, "no interface given"));
	diag_clear(&d);
	/* no active VIP */
	TAILQ_FOREACH(v, &c->c_virtuals, vs_entry)
		v->vs_active = 0;
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), -1);
	assert_true(has_error(&d, "no active virtual service"));
	diag_clear(&d);
	/* deadtime not above keepalive */
	TAILQ_FIRST(&c->c_virtuals)->vs_active = 1;
	TAILQ_FIRST(&c->c_virtuals)->vs_device = strdup("eth0:1");
	c->c_global.g_deadtime_ms = 6000;
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), -1);
	assert_true(has_error(&d, "must be longer than keepalive"));
	diag_clear(&d);
	config_free(c);
}

/* From lvs.cf text, as an administrator writes it. */
static void
test_from_lvscf(void **state)
{
	static const char cf[] =
	    "serial_no = 3\n"
	    "primary = 10.1.0.1\n"
	    "backup = 10.1.0.2\n"
	    "backup_active = 1\n"
	    "heartbeat_port = 1050\n"
	    "keepalive = 0.05\n"
	    "deadtime = 0.25\n"
	    "preempt = 0\n"
	    "preempt_delay = 2.5\n"
	    "monitor_links = 1\n"
	    "arp_count = 10\n"
	    "arp_interval = 0.1\n"
	    "heartbeat_key = \"0123456789abcdef0123\"\n"
	    "network = nat\n"
	    "nat_router = 10.2.0.254 eth1:1\n"
	    "nat_nmask = 255.255.255.0\n"
	    "active_cmd = \"/usr/local/bin/became active\"\n"
	    "virtual web {\n"
	    "    address = 10.1.0.100 eth0:1\n"
	    "    vip_nmask = 255.255.0.0\n"
	    "    active = 1\n"
	    "}\n";
	struct shoal_config *c;
	struct pulse_rt *rt;
	struct rt_host h;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(lvscf_read_buf("test.cf", cf, sizeof(cf) - 1, &c,
	    &d), 0);
	host_init(&h, "10.1.0.2", "10.2.0.2");
	assert_int_equal(runtime_build(c, NULL, &h, &rt, &d), 0);
	assert_string_equal(rt->rt_nodes[rt->rt_self].rn_name, "backup");
	assert_int_equal(rt->rt_port, 1050);
	assert_int_equal(rt->rt_keepalive_ms, 50);
	assert_int_equal(rt->rt_deadtime_ms, 250);
	assert_int_equal(rt->rt_preempt, 0);
	assert_int_equal(rt->rt_preempt_delay_ms, 2500);
	assert_true(rt->rt_monitor_links);
	assert_int_equal(rt->rt_arp_count, 10);
	assert_int_equal(rt->rt_arp_interval_ms, 100);
	assert_int_equal(rt->rt_keylen, 20);
	assert_string_equal(rt->rt_active_cmd, "/usr/local/bin/became active");
	assert_int_equal(rt->rt_nvips, 2);	/* the VIP and nat_router */
	assert_int_equal(rt->rt_vips[0].rv_prefix, 16);
	assert_int_equal(rt->rt_vips[1].rv_kind, RT_VIP_NAT);
	assert_string_equal(rt->rt_vips[1].rv_label, "eth1:1");
	assert_int_equal(rt->rt_vips[1].rv_prefix, 24);
	runtime_free(rt);
	config_free(c);
	diag_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_piranha_lvs),
		cmocka_unit_test(test_unprogrammable),
		cmocka_unit_test(test_nodes_and_key),
		cmocka_unit_test(test_fos),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_from_lvscf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
