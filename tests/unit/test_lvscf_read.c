/*
 * test_lvscf_read.c - the lvs.cf reader over the fixtures: round trips,
 * every error with its position, hostile sizes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "config/config_keys.h"
#include "lib/diag.h"
#include "lib/util.h"

static const char *
fixtures(void)
{
	const char *d = getenv("SHOAL_FIXTURES");

	if (d == NULL) {
		fail_msg("SHOAL_FIXTURES is not set (run through make check)");
		return "/nonexistent";
	}
	return d;
}

/* snprintf for paths: a path that does not fit fails the test. */
static void
pathf(char *out, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
pathf(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= n)
		fail_msg("path too long");
}

static int
is_cf(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 3 && strcmp(e->d_name + n - 3, ".cf") == 0;
}

/* The *.cf files of fixtures/sub, sorted; caller frees. */
static int
list_cf(const char *sub, struct dirent ***out)
{
	char dir[4096];
	int n;

	pathf(dir, sizeof(dir), "%s/%s", fixtures(), sub);
	if ((n = scandir(dir, out, is_cf, alphasort)) == -1)
		fail_msg("%s: %s", dir, strerror(errno));
	return n;
}

static void
free_list(struct dirent **l, int n)
{
	while (n-- > 0)
		free(l[n]);
	free(l);
}

/* ---- field-by-field comparison, driven by the keyword tables ---- */

static void
cmp_kept(const char *where, const struct cfg_kept_list *a,
    const struct cfg_kept_list *b)
{
	const struct cfg_kept *x = TAILQ_FIRST(a), *y = TAILQ_FIRST(b);

	for (; x != NULL && y != NULL; x = TAILQ_NEXT(x, k_entry),
	    y = TAILQ_NEXT(y, k_entry)) {
		if (strcmp(x->k_key, y->k_key) != 0 ||
		    strcmp(x->k_value, y->k_value) != 0)
			fail_msg("%s: kept %s=%s vs %s=%s", where, x->k_key,
			    x->k_value, y->k_key, y->k_value);
	}
	if (x != NULL || y != NULL)
		fail_msg("%s: kept lists differ in length", where);
}

static void
cmp_block(const char *where, const struct ck_field *t, const void *a,
    const void *b)
{
	char ba[CK_FMT_MAX], bb[CK_FMT_MAX];
	const char *va, *vb;

	for (; t->f_type != CK_END; t++) {
		va = ck_format(t, a, ba, sizeof(ba));
		vb = ck_format(t, b, bb, sizeof(bb));
		if ((va == NULL) != (vb == NULL) ||
		    (va != NULL && strcmp(va, vb) != 0))
			fail_msg("%s.%s: '%s' vs '%s'", where, t->f_key,
			    va ? va : "(unset)", vb ? vb : "(unset)");
	}
}

static void
cmp_name(const char *where, const char *a, const char *b)
{
	if (strcmp(a, b) != 0)
		fail_msg("%s: name %s vs %s", where, a, b);
}

static void
cmp_virtuals(const struct cfg_virtual_list *la,
    const struct cfg_virtual_list *lb)
{
	const struct cfg_virtual *a = TAILQ_FIRST(la), *b = TAILQ_FIRST(lb);
	const struct cfg_server *ra, *rb;

	for (; a != NULL && b != NULL; a = TAILQ_NEXT(a, vs_entry),
	    b = TAILQ_NEXT(b, vs_entry)) {
		cmp_name("virtual", a->vs_name, b->vs_name);
		assert_int_equal(a->vs_kind, b->vs_kind);
		cmp_block(a->vs_name, a->vs_kind == CFG_VS_FAILOVER ?
		    ck_failover : ck_virtual, a, b);
		cmp_kept(a->vs_name, &a->vs_kept, &b->vs_kept);
		ra = TAILQ_FIRST(&a->vs_servers);
		rb = TAILQ_FIRST(&b->vs_servers);
		for (; ra != NULL && rb != NULL; ra = TAILQ_NEXT(ra, rs_entry),
		    rb = TAILQ_NEXT(rb, rs_entry)) {
			cmp_name("server", ra->rs_name, rb->rs_name);
			cmp_block(ra->rs_name, ck_server, ra, rb);
			cmp_kept(ra->rs_name, &ra->rs_kept, &rb->rs_kept);
		}
		if (ra != NULL || rb != NULL)
			fail_msg("%s: server lists differ", a->vs_name);
	}
	if (a != NULL || b != NULL)
		fail_msg("virtual/failover lists differ in length");
}

static void
cmp_tracks(const struct cfg_track_list *la, const struct cfg_track_list *lb)
{
	const struct cfg_track *a = TAILQ_FIRST(la), *b = TAILQ_FIRST(lb);

	for (; a != NULL && b != NULL; a = TAILQ_NEXT(a, t_entry),
	    b = TAILQ_NEXT(b, t_entry)) {
		cmp_name("track", a->t_name, b->t_name);
		cmp_block(a->t_name, ck_track, a, b);
	}
	if (a != NULL || b != NULL)
		fail_msg("track lists differ in length");
}

static void
cmp_config(const struct shoal_config *a, const struct shoal_config *b)
{
	const struct cfg_node *na = TAILQ_FIRST(&a->c_nodes);
	const struct cfg_node *nb = TAILQ_FIRST(&b->c_nodes);

	cmp_block("global", ck_global, &a->c_global, &b->c_global);
	cmp_kept("global", &a->c_global.g_kept, &b->c_global.g_kept);
	for (; na != NULL && nb != NULL; na = TAILQ_NEXT(na, n_entry),
	    nb = TAILQ_NEXT(nb, n_entry)) {
		cmp_name("node", na->n_name, nb->n_name);
		cmp_block(na->n_name, ck_node, na, nb);
	}
	if (na != NULL || nb != NULL)
		fail_msg("node lists differ in length");
	cmp_virtuals(&a->c_virtuals, &b->c_virtuals);
	cmp_virtuals(&a->c_failovers, &b->c_failovers);
	cmp_tracks(&a->c_tracks, &b->c_tracks);
}

static struct shoal_config *
read_ok(const char *name, const char *buf, size_t len)
{
	struct shoal_config *c;
	struct diag d;

	diag_init(&d);
	if (lvscf_read_buf(name, buf, len, &c, &d) == -1) {
		diag_print(&d, stderr);
		fail_msg("%s: read failed", name);
	}
	diag_clear(&d);
	return c;
}

/* import(export(x)) == x field by field; export is stable byte for byte. */
static void
roundtrip(const char *path)
{
	struct shoal_config *x, *y;
	char *e1, *e2;
	size_t l1, l2;
	struct diag d;

	diag_init(&d);
	if (lvscf_read_file(path, &x, &d) == -1) {
		diag_print(&d, stderr);
		fail_msg("%s: import failed", path);
	}
	diag_clear(&d);
	assert_non_null(e1 = lvscf_write(x, &l1));
	y = read_ok("export", e1, l1);
	cmp_config(x, y);
	assert_non_null(e2 = lvscf_write(y, &l2));
	if (l1 != l2 || memcmp(e1, e2, l1) != 0)
		fail_msg("%s: export(import(export(x))) != export(x)", path);
	free(e1);
	free(e2);
	config_free(x);
	config_free(y);
}

static void
roundtrip_dir(const char *sub, int min)
{
	struct dirent **l;
	char path[4096];
	int i, n = list_cf(sub, &l);

	assert_true(n >= min);
	for (i = 0; i < n; i++) {
		pathf(path, sizeof(path), "%s/%s/%s", fixtures(), sub,
		    l[i]->d_name);
		roundtrip(path);
	}
	free_list(l, n);
}

static void
test_roundtrip_piranha(void **state)
{
	(void)state;
	roundtrip_dir("piranha", 2);
}

static void
test_roundtrip_lvscf(void **state)
{
	(void)state;
	roundtrip_dir("lvscf", 10);
}

/* ---- bad files: the exact LINE:COL: severity: message lines ---- */

static char *
format_items(const struct diag *d)
{
	const struct diag_item *di;
	char *out = NULL, *line;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	assert_non_null(fp);
	TAILQ_FOREACH(di, &d->d_items, di_entry) {
		line = diag_format(di);
		assert_non_null(line);
		/* drop the file name: the .err files hold LINE:COL: ... */
		fprintf(fp, "%s\n", strchr(line, ':') + 1);
		free(line);
	}
	fclose(fp);
	return out;
}

/* dir/NAME.err for dir/NAME.cf */
static void
err_path(char *out, size_t n, const char *dir, const char *name)
{
	pathf(out, n, "%s/%.*s.err", dir, (int)(strlen(name) - 3), name);
}

static void
check_bad(const char *dir, const char *name)
{
	char path[4096], errpath[4096];
	struct shoal_config *c;
	char *want, *got;
	struct diag d;

	pathf(path, sizeof(path), "%s/%s", dir, name);
	err_path(errpath, sizeof(errpath), dir, name);
	if ((want = file_read_all(errpath, 1 << 20, NULL)) == NULL)
		fail_msg("%s: %s", errpath, strerror(errno));
	diag_init(&d);
	assert_int_equal(lvscf_read_file(path, &c, &d), -1);
	assert_null(c);
	assert_true(diag_errors(&d) > 0);
	got = format_items(&d);
	if (strcmp(got, want) != 0)
		fail_msg("%s: expected\n%sgot\n%s", path, want, got);
	free(got);
	free(want);
	diag_clear(&d);
}

static void
test_bad_fixtures(void **state)
{
	static const char *const words[] = {
		"quotation mismatch", "unexpected end of file",
		"unexpected arguments", "equal (=) expected after command",
		"missing arguments", "invalid host name or ip address",
		"invalid argument", "integer expected", "boolean expected",
		"unknown command", "Bad subnet mask specified",
		"Empty configuration",
	};
	struct dirent **l;
	char dir[4096], path[4096], *all = NULL, *e;
	size_t alen = 0, i;
	FILE *fp = open_memstream(&all, &alen);
	int n, j;

	(void)state;
	n = list_cf("lvscf/bad", &l);
	assert_true(n >= 15);
	pathf(dir, sizeof(dir), "%s/lvscf/bad", fixtures());
	for (j = 0; j < n; j++) {
		check_bad(dir, l[j]->d_name);
		err_path(path, sizeof(path), dir, l[j]->d_name);
		e = file_read_all(path, 1 << 20, NULL);
		fputs(e, fp);
		free(e);
	}
	fclose(fp);
	/* every one of Piranha's error words is exercised somewhere */
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(all, words[i]) == NULL)
			fail_msg("no bad fixture produces \"%s\"", words[i]);
	free(all);
	free_list(l, n);
}

/* ---- sizes ---- */

static void
test_huge_input(void **state)
{
	size_t n = 20u * 1024 * 1024, i;
	char *buf = malloc(n), tmpl[] = "/tmp/shoal-lvscf-XXXXXX";
	struct shoal_config *c;
	struct diag d;
	int fd;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < n; i++)
		buf[i] = i % 64 == 63 ? '\n' : '#';
	diag_init(&d);
	assert_int_equal(lvscf_read_buf("big.cf", buf, n, &c, &d), -1);
	assert_null(c);
	assert_int_equal(diag_errors(&d), 1);
	assert_non_null(strstr(TAILQ_FIRST(&d.d_items)->di_msg,
	    "file too large"));
	diag_clear(&d);
	/* the same through a file: not even read whole */
	assert_true((fd = mkstemp(tmpl)) != -1);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	close(fd);
	assert_int_equal(lvscf_read_file(tmpl, &c, &d), -1);
	assert_non_null(strstr(TAILQ_FIRST(&d.d_items)->di_msg,
	    "file too large"));
	unlink(tmpl);
	diag_clear(&d);
	free(buf);
}

static void
test_long_token(void **state)
{
	size_t n = 100 * 1024;
	char *buf = malloc(n + 64);
	struct shoal_config *c;
	struct diag_item *di;
	struct diag d;
	int len;

	(void)state;
	len = sprintf(buf, "primary = 10.200.0.1\nsend_program = \"");
	memset(buf + len, 'x', n);
	len += (int)n;
	len += sprintf(buf + len, "\"\nkeepalive = two\n");
	diag_init(&d);
	assert_int_equal(lvscf_read_buf("t.cf", buf, (size_t)len, &c, &d), -1);
	assert_int_equal(diag_errors(&d), 2);
	di = TAILQ_FIRST(&d.d_items);
	assert_int_equal(di->di_line, 2);
	assert_int_equal(di->di_col, 16);
	assert_string_equal(di->di_msg, "token too long (more than 4095 bytes)");
	/* the reader carried on: the next line's error is found too */
	di = TAILQ_NEXT(di, di_entry);
	assert_int_equal(di->di_line, 3);
	diag_clear(&d);
	free(buf);
}

/* ---- what the reader puts in the model ---- */

static const char sample[] =
    "primary = 10.200.0.1\n"
    "heartbeat_key = 0123456789abcdef\n"
    "debug_level = LOW\n"
    "primary_shared = /dev/sdb\n"
    "debug_level = NONE\n"
    "virtual web {\n"
    "  address = 10.200.2.1 eth0:1\n"
    "  port = 8080\n"
    "  server a {\n"
    "    address = 10.200.3.1\n"
    "  }\n"
    "  port=443\n"
    "  server b {\n"
    "    address = 10.200.3.2\n"
    "    port = 81\n"
    "  }\n"
    "  timeout = 0.5\n"
    "  timeout = 2.25\n"
    "}\n";

static void
test_model(void **state)
{
	struct shoal_config *c = read_ok("s.cf", sample, sizeof(sample) - 1);
	const struct cfg_keypos *kp;
	const struct cfg_virtual *vs;
	const struct cfg_server *rs;
	const struct cfg_kept *k;

	(void)state;
	assert_string_equal(c->c_file, "s.cf");
	assert_string_equal(c->c_global.g_heartbeat_key, "0123456789abcdef");
	/* kept keys: the last value wins, in the order of last use */
	k = TAILQ_FIRST(&c->c_global.g_kept);
	assert_string_equal(k->k_key, "primary_shared");
	k = TAILQ_NEXT(k, k_entry);
	assert_string_equal(k->k_key, "debug_level");
	assert_string_equal(k->k_value, "NONE");
	assert_null(TAILQ_NEXT(k, k_entry));
	vs = TAILQ_FIRST(&c->c_virtuals);
	assert_string_equal(vs->vs_device, "eth0:1");
	assert_int_equal(vs->vs_port, 443);
	assert_int_equal(vs->vs_timeout_ms, 2250);
	rs = TAILQ_FIRST(&vs->vs_servers);
	assert_int_equal(rs->rs_port, 8080);	/* the port above the block */
	assert_int_equal(TAILQ_NEXT(rs, rs_entry)->rs_port, 81);
	/* source maps: the value's position, the last of a repeated key */
	kp = cfg_srcmap_find(vs->vs_src, "timeout");
	assert_int_equal(kp->kp_line, 18);
	assert_int_equal(kp->kp_col, 13);
	kp = cfg_srcmap_find(vs->vs_src, "port");
	assert_int_equal(kp->kp_line, 12);
	assert_int_equal(kp->kp_col, 8);
	assert_int_equal(vs->vs_src->sm_line, 6);
	kp = cfg_srcmap_find(rs->rs_src, "address");
	assert_int_equal(kp->kp_line, 10);
	assert_int_equal(kp->kp_col, 15);
	config_free(c);
}

static void
test_warnings_kept(void **state)
{
	struct shoal_config *c;
	struct diag d;
	const struct diag_item *di;

	(void)state;
	diag_init(&d);
	assert_int_equal(lvscf_read_buf("s.cf", sample, sizeof(sample) - 1,
	    &c, &d), 0);
	assert_int_equal(diag_errors(&d), 0);
	assert_int_equal(d.d_warnings, 3);
	di = TAILQ_FIRST(&d.d_items);
	assert_int_equal(di->di_sev, DIAG_WARNING);
	assert_string_equal(di->di_msg,
	    "debug_level: kept but not used by shoal");
	assert_int_equal(di->di_line, 3);
	config_free(c);
	diag_clear(&d);
}

static void
test_missing_file(void **state)
{
	struct shoal_config *c;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(lvscf_read_file("/nonexistent/lvs.cf", &c, &d), -1);
	assert_null(c);
	assert_string_equal(TAILQ_FIRST(&d.d_items)->di_msg,
	    "cannot read: No such file or directory");
	diag_clear(&d);
}

static void
test_not_terminated(void **state)
{
	/* the buffer need not end in NUL: only len bytes are read */
	static const char buf[] = "primary = 10.200.0.1XXXX";
	struct shoal_config *c = read_ok("n.cf", buf, 20);

	(void)state;
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_piranha),
		cmocka_unit_test(test_roundtrip_lvscf),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_huge_input),
		cmocka_unit_test(test_long_token),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_warnings_kept),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_not_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
