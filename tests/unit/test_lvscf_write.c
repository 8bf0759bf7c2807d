/* test_lvscf_write.c - keyword tables and the canonical writer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "config/config_keys.h"
#include "lib/util.h"

/* Every table default must be what the model's constructors set. */
static void
check_defaults(const struct ck_field *t, const void *obj)
{
	char buf[CK_FMT_MAX];
	const char *v;

	for (; t->f_type != CK_END; t++) {
		v = ck_format(t, obj, buf, sizeof(buf));
		if (t->f_def != NULL) {
			assert_non_null(v);
			if (strcmp(v, t->f_def) != 0)
				fail_msg("%s: default %s, model %s", t->f_key,
				    t->f_def, v);
		} else if (!(t->f_flags & CK_ALWAYS) && v != NULL)
			fail_msg("%s: no default in table, model %s",
			    t->f_key, v);
	}
}

static void
test_table_defaults(void **state)
{
	struct shoal_config *c = config_new();
	struct cfg_node *n = cfg_node_new("n1");
	struct cfg_virtual *vs = cfg_virtual_new(CFG_VS_VIRTUAL, "v");
	struct cfg_virtual *fo = cfg_virtual_new(CFG_VS_FAILOVER, "f");
	struct cfg_server *rs = cfg_server_new("r", 80);

	(void)state;
	check_defaults(ck_global, &c->c_global);
	check_defaults(ck_node, n);
	check_defaults(ck_virtual, vs);
	check_defaults(ck_failover, fo);
	check_defaults(ck_server, rs);
	assert_ptr_equal(ck_table(CK_SERVER), ck_server);
	assert_non_null(ck_find(ck_global, "keepalive"));
	assert_null(ck_find(ck_global, "no_such_key"));
	assert_true(ck_find(ck_virtual, "start_cmd")->f_flags &
	    CK_FAILOVER_ONLY);
	assert_false(ck_find(ck_failover, "start_cmd")->f_flags &
	    CK_FAILOVER_ONLY);
	cfg_server_free(rs);
	cfg_virtual_free(fo);
	cfg_virtual_free(vs);
	cfg_node_free(n);
	config_free(c);
}

static void
test_fmt(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(ck_fmt_ms(200, b, sizeof(b)), "0.2");
	assert_string_equal(ck_fmt_ms(6000, b, sizeof(b)), "6");
	assert_string_equal(ck_fmt_ms(1250, b, sizeof(b)), "1.25");
	assert_string_equal(ck_fmt_ms(1, b, sizeof(b)), "0.001");
	assert_string_equal(ck_fmt_ms(0, b, sizeof(b)), "0");
	assert_string_equal(ck_fmt_mask(24, AF_INET, b, sizeof(b)),
	    "255.255.255.0");
	assert_string_equal(ck_fmt_mask(32, AF_INET, b, sizeof(b)),
	    "255.255.255.255");
	assert_string_equal(ck_fmt_mask(0, AF_INET, b, sizeof(b)),
	    "0.0.0.0");
	assert_string_equal(ck_fmt_mask(64, AF_INET6, b, sizeof(b)), "64");
}

static void
test_range(void **state)
{
	const struct ck_field *k;
	char b[64];

	(void)state;
	k = ck_find(ck_server, "weight");
	assert_null(ck_range_error(k, 0, b, sizeof(b)));
	assert_string_equal(ck_range_error(k, 65536, b, sizeof(b)),
	    "out of range (0-65535)");
	k = ck_find(ck_virtual, "rise");
	assert_null(ck_range_error(k, 0, b, sizeof(b)));
	assert_non_null(ck_range_error(k, 101, b, sizeof(b)));
	k = ck_find(ck_global, "keepalive");
	assert_string_equal(ck_range_error(k, 0, b, sizeof(b)),
	    "out of range (0.001-3600 seconds)");
}

static const char expected[] =
"# lvs.cf written by shoal: canonical form, see lvs.cf(5)\n"
"service = lvs\n"
"primary = 10.0.0.1\n"
"keepalive = 1.5\n"
"heartbeat_key = \"a key with blanks\"\n"
"debug_level = NONE\n"
"\n"
"node n1 {\n"
"    address = 10.0.0.1\n"
"    priority = 200\n"
"}\n"
"\n"
"virtual web {\n"
"    address = 192.168.1.100 eth0:1\n"
"    vip_nmask = 255.255.255.0\n"
"    active = 1\n"
"    port = 80\n"
"    send = 'GET / \"x\"'\n"
"    expect = \"\"\n"
"    timeout = 0.25\n"
"    server r1 {\n"
"        address = 2001:db8::1\n"
"        active = 0\n"
"        weight = 1\n"
"        port = 8080\n"
"    }\n"
"}\n"
"\n"
"failover ftp {\n"
"    address = 10.0.0.9\n"
"    active = 0\n"
"    port = 21\n"
"    start_cmd = \"/etc/init.d/ftp start\"\n"
"}\n";

static void
test_write(void **state)
{
	struct shoal_config *c = config_new();
	struct cfg_node *n = cfg_node_new("n1");
	struct cfg_virtual *vs = cfg_virtual_new(CFG_VS_VIRTUAL, "web");
	struct cfg_virtual *fo = cfg_virtual_new(CFG_VS_FAILOVER, "ftp");
	struct cfg_server *rs = cfg_server_new("r1", 8080);
	char *out, *again;
	size_t len;

	(void)state;
	assert_int_equal(cfg_addr_parse(&c->c_global.g_primary, "10.0.0.1"), 0);
	c->c_global.g_keepalive_ms = 1500;
	c->c_global.g_heartbeat_key = strdup("a key with blanks");
	assert_int_equal(cfg_kept_add(&c->c_global.g_kept, "debug_level",
	    "NONE"), 0);
	assert_int_equal(cfg_addr_parse(&n->n_address, "10.0.0.1"), 0);
	n->n_priority = 200;
	TAILQ_INSERT_TAIL(&c->c_nodes, n, n_entry);
	assert_int_equal(cfg_addr_parse(&vs->vs_address, "192.168.1.100"), 0);
	vs->vs_device = strdup("eth0:1");
	vs->vs_nmask = 24;
	vs->vs_active = 1;
	vs->vs_send = strdup("GET / \"x\"");
	vs->vs_expect = strdup("");
	vs->vs_timeout_ms = 250;
	assert_int_equal(cfg_addr_parse(&rs->rs_address, "2001:db8::1"), 0);
	TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
	TAILQ_INSERT_TAIL(&c->c_virtuals, vs, vs_entry);
	assert_int_equal(cfg_addr_parse(&fo->vs_address, "10.0.0.9"), 0);
	fo->vs_port = 21;
	fo->vs_start_cmd = strdup("/etc/init.d/ftp start");
	TAILQ_INSERT_TAIL(&c->c_failovers, fo, vs_entry);

	out = lvscf_write(c, &len);
	assert_non_null(out);
	assert_string_equal(out, expected);
	assert_int_equal(len, strlen(expected));
	again = lvscf_write(c, NULL);
	assert_string_equal(out, again);
	free(again);
	free(out);
	config_free(c);
}

/* lvs.cf(5), as the build writes it from the registry (ck-man),
 * documents every key of every table. */
static void
test_man_page(void **state)
{
	const struct ck_field *tables[] = { ck_global,
	    ck_node, ck_virtual, ck_server };
	const char *top = getenv("top_builddir");
	const struct ck_field *k;
	char path[4096], want[128], *man;
	size_t i;

	(void)state;
	if (top == NULL)
		fail_msg("top_builddir is not set (run through make check)");
	snprintf(path, sizeof(path), "%s/doc/lvs.cf.5", top ? top : ".");
	if ((man = file_read_all(path, 1 << 20, NULL)) == NULL)
		fail_msg("%s: cannot read", path);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		for (k = tables[i]; k->f_type != CK_END; k++) {
			if (k->f_key == NULL)	/* names, devices */
				continue;
			snprintf(want, sizeof(want), ".TP\n\\fB%s\\fR = ",
			    k->f_key);
			if (strstr(man, want) == NULL)
				fail_msg("lvs.cf.5 does not document %s",
				    k->f_key);
		}
	free(man);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_defaults),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_man_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
