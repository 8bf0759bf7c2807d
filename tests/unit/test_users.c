/* test_users.c - web UI accounts: yescrypt hashes, verify, list, delete. */
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

#include "lib/diag.h"
#include "store/store.h"
#include "store/users.h"
#include "tempstore.h"

static char path[64];
static struct store *st;

static int
setup(void **state)
{
	(void)state;
	st = tempstore_open("test_users", path, sizeof(path));
	return st == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	tempstore_close(st, path);
	return 0;
}

static char *
stored_hash(const char *name)
{
	sqlite3_stmt *s;
	char *h = NULL;

	assert_int_equal(sqlite3_prepare_v2(store_db(st),
	    "SELECT hash FROM users WHERE name = ?", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		h = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return h;
}

static void
test_set_verify(void **state)
{
	struct diag d;
	char *h1, *h2;

	(void)state;
	diag_init(&d);
	assert_int_equal(users_set_password(st, "test", "admin",
	    "correct horse", &d), 0);
	assert_int_equal(diag_errors(&d), 0);
	h1 = stored_hash("admin");
	assert_non_null(h1);
	assert_memory_equal(h1, "$y$", 3);	/* yescrypt */
	assert_null(strstr(h1, "correct horse"));
	assert_int_equal(users_verify(st, "admin", "correct horse"), 1);
	assert_int_equal(users_verify(st, "admin", "correct hors"), 0);
	assert_int_equal(users_verify(st, "admin", ""), 0);
	assert_int_equal(users_verify(st, "nobody", "correct horse"), 0);
	/* a new password gets a new salt; the old one stops working */
	assert_int_equal(users_set_password(st, "test", "admin",
	    "battery staple", &d), 0);
	h2 = stored_hash("admin");
	assert_string_not_equal(h1, h2);
	assert_int_equal(users_verify(st, "admin", "correct horse"), 0);
	assert_int_equal(users_verify(st, "admin", "battery staple"), 1);
	free(h1);
	free(h2);
	diag_clear(&d);
}

static int
audit_check(const struct store_audit *a, void *arg)
{
	int *n = arg;

	assert_null(strstr(a->sa_detail, "horse"));
	assert_null(strstr(a->sa_detail, "staple"));
	if (strcmp(a->sa_action, "passwd") == 0)
		(*n)++;
	return 0;
}

static void
test_audit_no_secret(void **state)
{
	int n = 0;

	(void)state;
	assert_int_equal(store_audit_each(st, 0, audit_check, &n), 0);
	assert_int_equal(n, 2);
}

static void
test_rejects(void **state)
{
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(users_set_password(st, "test", "bob", "short", &d),
	    -1);
	assert_non_null(strstr(TAILQ_FIRST(&d.d_items)->di_msg, "too short"));
	diag_clear(&d);
	assert_int_equal(users_set_password(st, "test", "bad name",
	    "long enough", &d), -1);
	assert_non_null(strstr(TAILQ_FIRST(&d.d_items)->di_msg,
	    "invalid user name"));
	diag_clear(&d);
	assert_false(users_name_valid(""));
	assert_false(users_name_valid("-rf"));
	assert_false(users_name_valid("a/b"));
	assert_false(users_name_valid("abcdefghijabcdefghijabcdefghijabc"));
	assert_true(users_name_valid("ops.team_1-x"));
	assert_null(stored_hash("bob"));
}

static int
list_names(const struct users_entry *e, void *arg)
{
	char *buf = arg;

	strcat(buf, e->ue_name);
	strcat(buf, ",");
	assert_true(e->ue_updated >= e->ue_created);
	return 0;
}

static void
test_list_delete(void **state)
{
	struct diag d;
	char names[128] = "";

	(void)state;
	diag_init(&d);
	assert_int_equal(users_set_password(st, "test", "zed",
	    "password-z", &d), 0);
	assert_int_equal(users_set_password(st, "test", "carol",
	    "password-c", &d), 0);
	assert_int_equal(users_each(st, list_names, names), 0);
	assert_string_equal(names, "admin,carol,zed,");
	assert_int_equal(users_delete(st, "test", "carol"), 0);
	assert_int_equal(users_delete(st, "test", "carol"), 1);
	assert_int_equal(users_verify(st, "carol", "password-c"), 0);
	names[0] = '\0';
	assert_int_equal(users_each(st, list_names, names), 0);
	assert_string_equal(names, "admin,zed,");
	diag_clear(&d);
}

/*
 * The halves shoal-web uses to hash off its loop: a setting from the
 * store, the check and the new hash without it, the hash stored back.
 */
static void
test_split_halves(void **state)
{
	char *setting = NULL, *hash, *stored;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(users_password_check("short", &d), -1);
	assert_int_equal(diag_errors(&d), 1);
	diag_clear(&d);
	assert_int_equal(users_password_check("long-enough-1", &d), 0);
	assert_non_null(hash = users_hash_new("long-enough-1"));
	assert_true(strncmp(hash, "$y$", 3) == 0);
	assert_int_equal(users_store_hash(st, "test", "carol", hash, &d), 0);
	assert_int_equal(users_store_hash(st, "test", "-bad", hash, &d), -1);
	diag_clear(&d);
	assert_int_equal(users_hash_setting(st, "carol", &setting), 0);
	assert_non_null(stored = stored_hash("carol"));
	assert_string_equal(setting, stored);
	assert_int_equal(users_hash_check("long-enough-1", setting), 1);
	assert_int_equal(users_hash_check("long-enough-2", setting), 0);
	assert_int_equal(users_verify(st, "carol", "long-enough-1"), 1);
	free(setting);
	free(stored);
	free(hash);
	/* an unknown user gets a salt of the same method; nothing matches */
	assert_int_equal(users_hash_setting(st, "nobody-here", &setting), 1);
	assert_true(strncmp(setting, "$y$", 3) == 0);
	assert_int_equal(users_hash_check("", setting), 0);
	assert_int_equal(users_hash_check("long-enough-1", setting), 0);
	free(setting);
	assert_int_equal(users_delete(st, "test", "carol"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_verify),
		cmocka_unit_test(test_audit_no_secret),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_list_delete),
		cmocka_unit_test(test_split_halves),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
