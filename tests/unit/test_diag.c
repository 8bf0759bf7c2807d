/* test_diag.c - collecting and printing diagnostics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"

static void
test_format(void **state)
{
	struct diag d;
	struct diag_item *di;
	char *s;

	(void)state;
	diag_init(&d);
	diag_add(&d, DIAG_ERROR, "lvs.cf", 12, 7, "virtual[web].port",
	    "integer expected");
	diag_add(&d, DIAG_WARNING, NULL, 0, 0, "global.primary_shared",
	    "kept but not used by shoal");
	assert_int_equal(diag_errors(&d), 1);
	assert_int_equal(d.d_warnings, 1);
	di = TAILQ_FIRST(&d.d_items);
	s = diag_format(di);
	assert_string_equal(s, "lvs.cf:12:7: error: integer expected");
	free(s);
	s = diag_format(TAILQ_NEXT(di, di_entry));
	assert_string_equal(s,
	    "global.primary_shared: warning: kept but not used by shoal");
	free(s);
	diag_clear(&d);
	assert_int_equal(diag_errors(&d), 0);
	assert_true(TAILQ_EMPTY(&d.d_items));
}

static void
test_cap(void **state)
{
	struct diag d;
	int i, n = 0;
	struct diag_item *di;

	(void)state;
	diag_init(&d);
	for (i = 0; i < DIAG_MAX + 100; i++)
		diag_add(&d, DIAG_ERROR, "f", i + 1, 1, NULL, "bad %d", i);
	TAILQ_FOREACH(di, &d.d_items, di_entry)
		n++;
	assert_int_equal(n, DIAG_MAX);
	assert_int_equal(diag_errors(&d), DIAG_MAX + 100);
	assert_int_equal(d.d_dropped, 100);
	diag_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
