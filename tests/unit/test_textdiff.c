/* test_textdiff.c - unified diffs of two texts. */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/textdiff.h"

static char *
diff(const char *a, const char *b, int ctx)
{
	char *d = textdiff_unified(a, strlen(a), b, strlen(b), "a", "b", ctx,
	    NULL);

	assert_non_null(d);
	return d;
}

static void
expect(const char *a, const char *b, int ctx, const char *want)
{
	char *d = diff(a, b, ctx);

	assert_string_equal(d, want);
	free(d);
}

static void
test_equal(void **state)
{
	(void)state;
	expect("", "", 3, "");
	expect("x\ny\n", "x\ny\n", 3, "");
}

static void
test_simple(void **state)
{
	(void)state;
	expect("a\nb\nc\n", "a\nB\nc\n", 3,
	    "--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
	/* from nothing, to nothing */
	expect("", "x\n", 3, "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
	expect("x\ny\n", "", 3, "--- a\n+++ b\n@@ -1,2 +0,0 @@\n-x\n-y\n");
	/* pure insertion in the middle with no context */
	expect("a\nb\n", "a\nx\nb\n", 0, "--- a\n+++ b\n@@ -1,0 +2 @@\n+x\n");
}

static void
test_no_newline(void **state)
{
	(void)state;
	expect("a\nb", "a\nb\n", 3, "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n"
	    "\\ No newline at end of file\n+b\n");
}

/* Two changes far apart give two hunks; close ones merge into one. */
static void
test_hunks(void **state)
{
	char a[512] = "", b[512] = "", line[16];
	char *d, *p;
	int i, n = 0;

	(void)state;
	for (i = 1; i <= 20; i++) {
		snprintf(line, sizeof(line), "%d\n", i);
		strcat(a, line);
		strcat(b, i == 2 || i == 18 ? "changed\n" : line);
	}
	d = diff(a, b, 3);
	for (p = d; (p = strstr(p, "\n@@ ")) != NULL; p++)
		n++;
	assert_int_equal(n, 2);
	assert_non_null(strstr(d, "@@ -1,5 +1,5 @@\n 1\n-2\n+changed\n 3\n"));
	assert_non_null(strstr(d, "@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n"
	    "+changed\n 19\n 20\n"));
	free(d);
	/* with 8 lines of context the two hunks touch and merge */
	d = diff(a, b, 8);
	for (n = 0, p = d; (p = strstr(p, "\n@@ ")) != NULL; p++)
		n++;
	assert_int_equal(n, 1);
	assert_non_null(strstr(d, "@@ -1,20 +1,20 @@\n"));
	free(d);
}

/* The edit script is minimal: a moved block costs its lines twice. */
static void
test_minimal(void **state)
{
	char *d, *p;
	int plus = 0, minus = 0;

	(void)state;
	d = diff("a\nb\nc\nd\ne\nf\n", "a\nc\nd\nb\ne\nf\nx\n", 3);
	for (p = d; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, "+++", 3) != 0 && *p == '+')
			plus++;
		if (strncmp(p, "---", 3) != 0 && *p == '-')
			minus++;
	}
	assert_int_equal(plus, 2);	/* b moved down, x added */
	assert_int_equal(minus, 1);
	free(d);
}

static const char *const secrets[] = { "heartbeat_key_accept",
    "heartbeat_key", NULL };

static char *
redact(const char *a, const char *b, const char *changed)
{
	size_t n = 0;
	char *r = textdiff_redact(a, strlen(a), b, strlen(b), secrets,
	    changed, &n);

	assert_non_null(r);
	assert_int_equal(n, strlen(r));
	return r;
}

/* A secret never shows; a changed one says so on each side. */
static void
test_redact(void **state)
{
	const char *a = "service = lvs\nheartbeat_key = \"k1 secret\"\n"
	    "  heartbeat_key_accept=\"old\"\nheartbeat_keys = 1\n";
	const char *b = "service = lvs\nheartbeat_key = \"k2 secret\"\n"
	    "  heartbeat_key_accept=\"old\"\nheartbeat_keys = 1";
	char *ra, *rb;

	(void)state;
	ra = redact(a, b, "(old)");
	rb = redact(b, a, "(new)");
	assert_string_equal(ra, "service = lvs\nheartbeat_key = (old)\n"
	    "  heartbeat_key_accept=(redacted)\nheartbeat_keys = 1\n");
	assert_string_equal(rb, "service = lvs\nheartbeat_key = (new)\n"
	    "  heartbeat_key_accept=(redacted)\nheartbeat_keys = 1");
	assert_null(strstr(ra, "secret"));
	assert_null(strstr(rb, "secret"));
	free(ra);
	free(rb);
	/* the worst growth: many short secret lines */
	ra = redact("heartbeat_key=\nheartbeat_key=\nheartbeat_key=\n", "",
	    "(redacted, a long marker:  32 b)");
	assert_int_equal(strlen(ra), 3 * (14 + 32 + 1));
	free(ra);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_no_newline),
		cmocka_unit_test(test_hunks),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
