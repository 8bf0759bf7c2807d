/*
 * test_srvadmin.c - real server admin state in the store, and the store
 * read by a child process (store_view.h) with that state.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/lvscf.h"
#include "lib/diag.h"
#include "store/srvadmin.h"
#include "store/store.h"
#include "store/store_view.h"
#include "tempstore.h"

static char path[64];
static struct store *st;

static int
setup(void **state)
{
	(void)state;
	st = tempstore_open("test_srvadmin", path, sizeof(path));
	return st == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	tempstore_close(st, path);
	return 0;
}

struct rows {
	char	text[512];
	int	n;
	int	stop_after;
};

static int
collect(const char *vs, const char *rs, enum srvadmin_state s, void *arg)
{
	struct rows *r = arg;
	size_t l = strlen(r->text);

	snprintf(r->text + l, sizeof(r->text) - l, "%s/%s=%s;", vs, rs,
	    srvadmin_name(s));
	return ++r->n == r->stop_after;
}

static int
audit_rows(void)
{
	sqlite3_stmt *s;
	int n = -1;

	assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT count(*) "
	    "FROM audit WHERE action = 'server'", -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(srvadmin_name(SRVADMIN_DRAIN), "drain");
	assert_int_equal(srvadmin_from_name("disable"), SRVADMIN_DISABLE);
	assert_int_equal(srvadmin_from_name("enable"), SRVADMIN_ENABLE);
	assert_int_equal(srvadmin_from_name("Drain"), -1);
	assert_int_equal(srvadmin_from_name(""), -1);
	assert_null(srvadmin_name((enum srvadmin_state)7));
}

static void
test_set_list_enable(void **state)
{
	struct rows r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(srvadmin_each(st, collect, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(srvadmin_set(st, "web", "rs2", SRVADMIN_DRAIN,
	    "cli:test"), 0);
	assert_int_equal(srvadmin_set(st, "web", "rs1", SRVADMIN_DISABLE,
	    "cli:test"), 0);
	/* a second set replaces the first */
	assert_int_equal(srvadmin_set(st, "web", "rs2", SRVADMIN_DISABLE,
	    "cli:test"), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(srvadmin_each(st, collect, &r), 0);
	assert_string_equal(r.text, "web/rs1=disable;web/rs2=disable;");
	/* enable deletes the row */
	assert_int_equal(srvadmin_set(st, "web", "rs1", SRVADMIN_ENABLE,
	    "cli:test"), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(srvadmin_each(st, collect, &r), 0);
	assert_string_equal(r.text, "web/rs2=disable;");
	/* every change is audited */
	assert_int_equal(audit_rows(), 4);
}

static void
test_stop_and_bad(void **state)
{
	struct rows r;

	(void)state;
	assert_int_equal(srvadmin_set(st, "a", "x", SRVADMIN_DRAIN, "u"), 0);
	assert_int_equal(srvadmin_set(st, "b", "y", SRVADMIN_DRAIN, "u"), 0);
	memset(&r, 0, sizeof(r));
	r.stop_after = 1;
	assert_int_equal(srvadmin_each(st, collect, &r), 0);
	assert_int_equal(r.n, 1);
	/* out of range: refused, nothing written */
	assert_int_equal(srvadmin_set(st, "c", "z", (enum srvadmin_state)9,
	    "u"), -1);
	/* a state the table does not allow is refused by its CHECK */
	assert_int_not_equal(sqlite3_exec(store_db(st), "INSERT INTO "
	    "server_admin VALUES ('c', 'z', 'broken', 0, 'u')", NULL, NULL,
	    NULL), SQLITE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(srvadmin_each(st, collect, &r), 0);
	assert_string_equal(r.text, "a/x=drain;b/y=drain;");
}

static void
test_view(void **state)
{
	static const char cf[] =
	    "primary = 192.0.2.1\n"
	    "backup = 192.0.2.2\n"
	    "backup_active = 1\n"
	    "virtual web {\n"
	    "    address = 192.0.2.100 eth0:1\n"
	    "    active = 1\n"
	    "    port = 80\n"
	    "    scheduler = wrr\n"	/* no fallback warning under auto */
	    "    server rs1 {\n"
	    "        address = 192.0.2.11\n"
	    "        active = 1\n"
	    "    }\n"
	    "}\n";
	struct shoal_config *c;
	struct store_view v;
	struct store_gen g;
	struct diag d;
	char *a, *b;

	(void)state;
	diag_init(&d);
	/* an empty store: generation 0, no configuration */
	assert_int_equal(store_view_read(path, &v, &d), 0);
	assert_int_equal(v.sv_gen.sg_generation, 0);
	assert_null(v.sv_cfg);
	store_view_clear(&v);

	assert_int_equal(lvscf_read_buf("t.cf", cf, sizeof(cf) - 1, &c, &d), 0);
	assert_int_equal(store_commit(st, c, "test", NULL, &g, &d), 0);
	assert_int_equal(srvadmin_set(st, "web", "rs1", SRVADMIN_DRAIN,
	    "cli:test"), 0);
	assert_int_equal(store_view_read(path, &v, &d), 0);
	assert_int_equal(diag_errors(&d), 0);
	assert_int_equal(v.sv_gen.sg_generation, g.sg_generation);
	assert_string_equal(v.sv_gen.sg_hash, g.sg_hash);
	assert_string_equal(v.sv_gen.sg_user, "test");
	/* the same configuration, field by field (canonical text) */
	assert_non_null(a = lvscf_write(c, NULL));
	assert_non_null(b = lvscf_write(v.sv_cfg, NULL));
	assert_string_equal(a, b);
	assert_int_equal(v.sv_nadmin, 1);
	assert_string_equal(v.sv_admin[0].sa_virtual, "web");
	assert_string_equal(v.sv_admin[0].sa_server, "rs1");
	assert_int_equal(v.sv_admin[0].sa_state, SRVADMIN_DRAIN);
	free(a);
	free(b);
	store_view_clear(&v);
	config_free(c);

	/* a missing database: the child's own error, nothing else */
	assert_int_equal(store_view_read("/nonexistent/shoal.db", &v, &d), -1);
	assert_int_equal(diag_errors(&d), 1);
	assert_null(v.sv_cfg);
	a = diag_format(TAILQ_FIRST(&d.d_items));
	assert_non_null(strstr(a, "/nonexistent/shoal.db"));
	free(a);
	diag_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_list_enable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stop_and_bad, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
