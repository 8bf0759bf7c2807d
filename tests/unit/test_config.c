/* test_config.c - the configuration model: defaults, copies, nodes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <stdlib.h>

#include "config/config.h"

static void
test_defaults(void **state)
{
	struct shoal_config *c = config_new();
	struct cfg_virtual *vs = cfg_virtual_new(CFG_VS_VIRTUAL, "web");

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->c_global.g_heartbeat_port, 539);
	assert_int_equal(c->c_global.g_service, CFG_MODE_LVS);
	assert_int_equal(c->c_global.g_preempt, 1);
	assert_int_equal(vs->vs_port, 80);
	assert_int_equal(vs->vs_scheduler, CFG_SCHED_WLC);
	assert_int_equal(vs->vs_nmask, -1);
	cfg_virtual_free(vs);
	config_free(c);
}

static void
test_enum_names(void **state)
{
	(void)state;
	assert_string_equal(cfg_scheduler_name(CFG_SCHED_MH), "mh");
	assert_int_equal(cfg_scheduler_from_name("WRR"), CFG_SCHED_WRR);
	assert_int_equal(cfg_scheduler_from_name("fifo"), -1);
	assert_null(cfg_scheduler_name((enum cfg_scheduler)99));
	assert_int_equal(cfg_network_from_name("direct"), CFG_NET_DIRECT);
	assert_int_equal(cfg_lb_backend_from_name("nftables"), CFG_LB_NFTABLES);
	/* check = expect is send_expect, written back canonically */
	assert_int_equal(cfg_check_kind_from_name("expect"),
	    CFG_CHECK_SEND_EXPECT);
	assert_string_equal(cfg_check_kind_name(CFG_CHECK_SEND_EXPECT),
	    "send_expect");
}

static void
test_addr(void **state)
{
	struct cfg_addr a, b;
	char buf[CFG_ADDR_STRLEN];

	(void)state;
	assert_int_equal(cfg_addr_parse(&a, "10.0.0.1"), 0);
	assert_string_equal(cfg_addr_str(&a, buf, sizeof(buf)), "10.0.0.1");
	assert_int_equal(cfg_addr_parse(&b, "2001:DB8::0:1"), 0);
	assert_string_equal(cfg_addr_str(&b, buf, sizeof(buf)), "2001:db8::1");
	assert_false(cfg_addr_equal(&a, &b));
	assert_int_equal(cfg_addr_parse(&a, "10.0.0.256"), -1);
	assert_false(cfg_addr_is_set(&a));
	assert_int_equal(cfg_addr_parse(&a, "eth0"), -1);
}

static struct shoal_config *
sample(void)
{
	struct shoal_config *c = config_new();
	struct cfg_virtual *vs = cfg_virtual_new(CFG_VS_VIRTUAL, "web");
	struct cfg_server *rs = cfg_server_new("r1", 8080);

	cfg_addr_parse(&c->c_global.g_primary, "192.168.1.1");
	cfg_addr_parse(&c->c_global.g_backup, "192.168.1.2");
	c->c_global.g_backup_active = 1;
	c->c_global.g_heartbeat_key = strdup("s3cret");
	cfg_kept_add(&c->c_global.g_kept, "primary_shared", "/dev/sdb");
	cfg_addr_parse(&vs->vs_address, "192.168.1.100");
	vs->vs_device = strdup("eth0:1");
	vs->vs_src = cfg_srcmap_new(10, 1);
	cfg_srcmap_add(vs->vs_src, "port", 12, 12);
	cfg_addr_parse(&rs->rs_address, "10.1.1.1");
	TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
	TAILQ_INSERT_TAIL(&c->c_virtuals, vs, vs_entry);
	return c;
}

static void
test_dup(void **state)
{
	struct shoal_config *c = sample(), *d;
	struct cfg_virtual *vs;
	const struct cfg_keypos *kp;

	(void)state;
	d = config_dup(c);
	assert_non_null(d);
	config_free(c);
	vs = config_find_virtual(d, "web");
	assert_non_null(vs);
	assert_string_equal(vs->vs_device, "eth0:1");
	assert_non_null(cfg_virtual_find_server(vs, "r1"));
	assert_int_equal(cfg_virtual_find_server(vs, "r1")->rs_port, 8080);
	assert_string_equal(d->c_global.g_heartbeat_key, "s3cret");
	assert_string_equal(TAILQ_FIRST(&d->c_global.g_kept)->k_value,
	    "/dev/sdb");
	kp = cfg_srcmap_find(vs->vs_src, "port");
	assert_int_equal(kp->kp_line, 12);
	kp = cfg_srcmap_find(vs->vs_src, "address");
	assert_int_equal(kp->kp_line, 10);
	config_free(d);
}

static void
test_effective_nodes(void **state)
{
	struct shoal_config *c = sample();
	struct cfg_node_list l;
	struct cfg_node *n;

	(void)state;
	assert_int_equal(config_effective_nodes(c, &l), 0);
	n = TAILQ_FIRST(&l);
	assert_string_equal(n->n_name, "primary");
	assert_int_equal(n->n_priority, 200);
	n = TAILQ_NEXT(n, n_entry);
	assert_string_equal(n->n_name, "backup");
	assert_null(TAILQ_NEXT(n, n_entry));
	cfg_node_list_free(&l);

	/* node blocks win over primary/backup */
	n = cfg_node_new("a");
	cfg_addr_parse(&n->n_address, "192.168.1.1");
	TAILQ_INSERT_TAIL(&c->c_nodes, n, n_entry);
	assert_int_equal(config_effective_nodes(c, &l), 0);
	assert_string_equal(TAILQ_FIRST(&l)->n_name, "a");
	assert_null(TAILQ_NEXT(TAILQ_FIRST(&l), n_entry));
	cfg_node_list_free(&l);

	/* backup_active = 0: one node */
	cfg_node_list_free(&c->c_nodes);
	c->c_global.g_backup_active = 0;
	assert_int_equal(config_effective_nodes(c, &l), 0);
	assert_null(TAILQ_NEXT(TAILQ_FIRST(&l), n_entry));
	cfg_node_list_free(&l);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_effective_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
