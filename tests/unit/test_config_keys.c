/*
 * test_config_keys.c - the field registry's own rules: every row is
 * complete (help, label, enum names, offsets), names are unique in each
 * of lvs.cf, JSON and SQL, ranges fit the storage types, virtual and
 * failover tables differ only in their two table flags, and the value
 * accessors store what they are given.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_keys.h"
#include "lib/util.h"

static size_t
rows(const struct ck_field *t)
{
	size_t n = 0;

	while (t[n].f_type != CK_END)
		n++;
	return n;
}

/* The largest value each numeric storage type holds. */
static int
range_fits(const struct ck_field *f)
{
	switch (f->f_type) {
	case CK_BOOL:
		return f->f_min == 0 && f->f_max == 1;
	case CK_INT:
	case CK_MASK:
		return f->f_min >= INT_MIN && f->f_max <= INT_MAX;
	case CK_U32:
	case CK_SECS:
	case CK_MS:
		return f->f_min >= 0 && f->f_max <= UINT32_MAX;
	case CK_U64:
		return f->f_min >= 0;
	case CK_PORT:
		return f->f_min >= 0 && f->f_max <= UINT16_MAX;
	default:
		return 1;
	}
}

static void
check_row(const char *block, const struct ck_field *f)
{
	const char *name = f->f_key != NULL ? f->f_key : f->f_json;

	if (name == NULL)
		fail_msg("%s: a row with neither lvs.cf key nor JSON name",
		    block);
	/* a sentence for administrators, in the UI and in lvs.cf(5) */
	if (f->f_help == NULL || strlen(f->f_help) < 10 ||
	    f->f_help[strlen(f->f_help) - 1] != '.')
		fail_msg("%s.%s: help must be a sentence", block, name);
	if (ck_in_api(f) && (f->f_group == CK_G_NONE || f->f_label == NULL))
		fail_msg("%s.%s: in the API but on no form", block, name);
	if (!ck_in_api(f) && f->f_group != CK_G_NONE &&
	    !(f->f_flags & (CK_FAILOVER_ONLY | CK_LB_ONLY)))
		fail_msg("%s.%s: on a form but not in the API", block, name);
	if ((f->f_type == CK_ENUM) != (f->f_enum != NULL))
		fail_msg("%s.%s: enum names without an enum", block, name);
	if (f->f_enum != NULL && f->f_enum->e_name(0) == NULL)
		fail_msg("%s.%s: an enum without names", block, name);
	if ((f->f_type == CK_MASK || f->f_type == CK_ADDR_DEV) &&
	    f->f_off2 == CK_NOOFF)
		fail_msg("%s.%s: needs its second offset", block, name);
	if ((f->f_flags & CK_KEPT) && (f->f_json != NULL ||
	    f->f_col != NULL || f->f_off != CK_NOOFF))
		fail_msg("%s.%s: a kept key is lvs.cf text only", block, name);
	if (!(f->f_flags & CK_KEPT) && f->f_off == CK_NOOFF)
		fail_msg("%s.%s: no place in the model", block, name);
	if (!range_fits(f) || f->f_min > f->f_max)
		fail_msg("%s.%s: range does not fit the storage type", block,
		    name);
	if ((f->f_flags & CK_ZERO_UNSET) && (f->f_def == NULL ||
	    strcmp(f->f_def, "0") != 0))
		fail_msg("%s.%s: 0 means unset, so 0 is the default", block,
		    name);
	if (f->f_type == CK_NAME && (f->f_key != NULL ||
	    !(f->f_flags & CK_REQUIRED)))
		fail_msg("%s.%s: a name is the block header, required", block,
		    name);
}

static void
check_unique(const char *block, const struct ck_field *t, size_t off)
{
	const struct ck_field *a, *b;
	const char *x, *y;

	for (a = t; a->f_type != CK_END; a++)
		for (b = a + 1; b->f_type != CK_END; b++) {
			x = *(const char *const *)(const void *)
			    ((const char *)a + off);
			y = *(const char *const *)(const void *)
			    ((const char *)b + off);
			if (x != NULL && y != NULL && strcmp(x, y) == 0)
				fail_msg("%s: %s twice", block, x);
		}
}

static void
test_rows_complete(void **state)
{
	const struct ck_field *t, *f;
	int b;

	(void)state;
	for (b = 0; b < CK_NBLOCKS; b++) {
		t = ck_table((enum ck_block)b);
		assert_non_null(t);
		assert_non_null(ck_block_name((enum ck_block)b));
		assert_true(rows(t) < CK_ROWS_MAX);
		for (f = t; f->f_type != CK_END; f++)
			check_row(ck_block_name((enum ck_block)b), f);
		check_unique(ck_block_name((enum ck_block)b), t,
		    offsetof(struct ck_field, f_key));
		check_unique(ck_block_name((enum ck_block)b), t,
		    offsetof(struct ck_field, f_json));
		check_unique(ck_block_name((enum ck_block)b), t,
		    offsetof(struct ck_field, f_col));
	}
	assert_null(ck_table((enum ck_block)CK_NBLOCKS));
	assert_null(ck_block_name((enum ck_block)CK_NBLOCKS));
	assert_string_equal(ck_group_name(CK_G_CHECK), "check");
	assert_null(ck_group_name(CK_G_NONE));
}

/* One list of rows serves both kinds of service (and the store's one
 * `virtuals` table); only the two table flags tell them apart. */
static void
test_virtual_failover_alike(void **state)
{
	const struct ck_field *v = ck_virtual, *f = ck_failover;
	unsigned int table = CK_FAILOVER_ONLY | CK_LB_ONLY;

	(void)state;
	assert_int_equal(rows(v), rows(f));
	for (; v->f_type != CK_END; v++, f++) {
		assert_ptr_equal(v->f_key, f->f_key);
		assert_ptr_equal(v->f_json, f->f_json);
		assert_ptr_equal(v->f_col, f->f_col);
		assert_int_equal(v->f_type, f->f_type);
		assert_int_equal(v->f_off, f->f_off);
		assert_int_equal(v->f_flags & ~table, f->f_flags & ~table);
		assert_false(v->f_flags & CK_LB_ONLY);
		assert_false(f->f_flags & CK_FAILOVER_ONLY);
	}
	assert_true(ck_find(ck_virtual, "start_cmd")->f_flags &
	    CK_FAILOVER_ONLY);
	assert_true(ck_find(ck_failover, "scheduler")->f_flags & CK_LB_ONLY);
	assert_null(ck_find_json(ck_virtual, "start_cmd"));
	assert_null(ck_find_json(ck_failover, "scheduler"));
	assert_non_null(ck_find_json(ck_failover, "start_cmd"));
	assert_non_null(ck_find_json(ck_virtual, "device"));
	assert_null(ck_find(ck_virtual, "device"));	/* in "address" */
	assert_null(ck_find_json(ck_global, "serial_no"));
	assert_null(ck_find_json(ck_global, "heartbeat"));	/* kept */
}

/* Where the names differ between lvs.cf, the API and the store. */
static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ck_find(ck_global, "lvs_backend")->f_col,
	    "lb_backend");
	assert_string_equal(ck_find(ck_global, "keepalive")->f_col,
	    "keepalive_ms");
	assert_string_equal(ck_find(ck_global, "primary")->f_col,
	    "primary_address");
	assert_string_equal(ck_find_json(ck_global,
	    "nat_router_device")->f_col, "nat_router_dev");
	assert_string_equal(ck_find(ck_virtual, "check")->f_col,
	    "check_kind");
	assert_string_equal(ck_find(ck_virtual, "vip_nmask")->f_col,
	    "nmask");
	assert_string_equal(ck_sql_type(ck_find(ck_virtual, "port")),
	    "INTEGER NOT NULL");
	assert_string_equal(ck_sql_type(ck_find(ck_virtual, "scheduler")),
	    "TEXT NOT NULL");
	assert_string_equal(ck_sql_type(ck_find(ck_virtual, "address")),
	    "TEXT");
}

static void
test_accessors(void **state)
{
	struct cfg_virtual *vs = cfg_virtual_new(CFG_VS_VIRTUAL, "web");
	struct shoal_config *c = config_new();
	const struct ck_field *port = ck_find(ck_virtual, "port");
	const struct ck_field *fw = ck_find(ck_virtual, "fwmark");
	const struct ck_field *key = ck_find(ck_global, "heartbeat_key");
	const struct ck_field *name = ck_find_json(ck_virtual, "name");
	struct cfg_addr a;
	int64_t v;

	(void)state;
	assert_int_equal(ck_set_number(port, vs, 8080), 0);
	assert_int_equal(vs->vs_port, 8080);
	assert_int_equal(ck_set_number(port, vs, 65536), -1);
	assert_int_equal(ck_set_number(port, vs, -1), -1);
	assert_int_equal(vs->vs_port, 8080);
	assert_int_equal(ck_set_number(fw, vs, UINT32_MAX), 0);
	assert_int_equal(ck_number(fw, vs, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(ck_set_number(fw, vs, (int64_t)UINT32_MAX + 1), -1);
	assert_int_equal(ck_set_number(name, vs, 1), -1);
	assert_string_equal(ck_string(name, vs), "web");
	assert_int_equal(ck_set_string(key, &c->c_global, "k-123456789abcdef"),
	    0);
	assert_string_equal(c->c_global.g_heartbeat_key, "k-123456789abcdef");
	assert_int_equal(ck_set_string(key, &c->c_global, NULL), 0);
	assert_null(c->c_global.g_heartbeat_key);
	assert_int_equal(cfg_addr_parse(&a, "10.0.0.1"), 0);
	assert_int_equal(ck_set_addr(ck_find(ck_virtual, "address"), vs, &a),
	    0);
	assert_true(cfg_addr_equal(&vs->vs_address, &a));
	assert_int_equal(ck_set_addr(port, vs, &a), -1);
	assert_int_equal(ck_set_addr(ck_find(ck_virtual, "address"), vs, NULL),
	    0);
	assert_false(cfg_addr_is_set(&vs->vs_address));
	config_free(c);
	cfg_virtual_free(vs);
}

/* The lvs.cf fuzzer's dictionary knows every key. */
static void
test_fuzz_dictionary(void **state)
{
	const char *top = getenv("top_srcdir");
	const struct ck_field *f;
	char path[4096], want[80], *dict;
	int b;

	(void)state;
	if (top == NULL)
		fail_msg("top_srcdir is not set (run through make check)");
	snprintf(path, sizeof(path), "%s/tests/fuzz/lvscf.dict", top);
	if ((dict = file_read_all(path, 1 << 20, NULL)) == NULL)
		fail_msg("%s: cannot read", path);
	for (b = 0; b < CK_NBLOCKS; b++)
		for (f = ck_table((enum ck_block)b); f->f_type != CK_END; f++) {
			if (f->f_key == NULL)
				continue;
			snprintf(want, sizeof(want), "=\"%s\"\n", f->f_key);
			if (strstr(dict, want) == NULL)
				fail_msg("tests/fuzz/lvscf.dict lacks %s", f->f_key);
		}
	free(dict);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_complete),
		cmocka_unit_test(test_virtual_failover_alike),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_fuzz_dictionary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
