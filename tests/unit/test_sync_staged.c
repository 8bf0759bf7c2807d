/*
 * test_sync_staged.c - the peer's side of a push: `config verify|commit
 * --staged` and `config current` on real database files.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "shoalctl/cmd_staged.h"
#include "store/store.h"

static char dir[] = "/tmp/test_sync_staged.XXXXXX";
static char src[256], peer[256], staged[256];

static const char cf[] =
"service = lvs\n"
"primary = 10.0.0.1\n"
"node n1 {\n"
"    address = 10.0.0.1\n"
"    priority = %d\n"
"}\n"
"virtual web {\n"
"    address = 10.0.0.100 eth0:1\n"
"    active = 1\n"
"    port = 80\n"
"    server r1 {\n"
"        address = 10.0.1.1\n"
"        active = 1\n"
"        weight = 1\n"
"    }\n"
"}\n";

/* Commits a config (priority prio) to db as a new generation. */
static void
commit_to(const char *db, int prio, struct store_gen *g)
{
	struct shoal_config *c = NULL;
	struct store *s;
	struct diag d;
	char buf[1024];
	int n;

	diag_init(&d);
	n = snprintf(buf, sizeof(buf), cf, prio);
	assert_int_equal(lvscf_read_buf("t.cf", buf, (size_t)n, &c, &d), 0);
	assert_non_null(s = store_open(db, STORE_CREATE, &d));
	assert_int_equal(store_commit(s, c, "test", "t", g, &d), 0);
	store_close(s);
	config_free(c);
	diag_clear(&d);
}

static void
snapshot(const char *db, const char *to)
{
	struct store *s;
	struct diag d;

	diag_init(&d);
	assert_non_null(s = store_open(db, STORE_RDONLY, &d));
	assert_int_equal(store_snapshot(s, to), 0);
	store_close(s);
	diag_clear(&d);
}

static uint64_t
current(const char *db, char *hash)
{
	struct store_gen g;
	struct store *s;
	struct diag d;

	diag_init(&d);
	assert_non_null(s = store_open(db, STORE_RDONLY, &d));
	assert_int_equal(store_current(s, &g), 0);
	store_close(s);
	diag_clear(&d);
	if (hash != NULL)
		str_copy(hash, g.sg_hash, STORE_HASH_HEX);
	return g.sg_generation;
}

static char *
file_sha(const char *path)
{
	static char out[STORE_HASH_HEX];
	size_t len;
	char *buf = file_read_all(path, 1 << 26, &len);

	assert_non_null(buf);
	digest_sha256_hex(buf, len, out);
	free(buf);
	return out;
}

/* Runs verify or commit with the usual arguments (plus an extra one). */
static int
run(int commit, const char *hash, const char *sha, const char *extra)
{
	char *argv[12];
	int argc = 0;

	argv[argc++] = (char *)"--staged";
	argv[argc++] = staged;
	if (hash != NULL) {
		argv[argc++] = (char *)"--expect-hash";
		argv[argc++] = (char *)hash;
	}
	if (sha != NULL) {
		argv[argc++] = (char *)"--expect-sha256";
		argv[argc++] = (char *)sha;
	}
	if (extra != NULL)
		argv[argc++] = (char *)extra;
	if (commit) {
		argv[argc++] = (char *)"--rundir";
		argv[argc++] = dir;	/* no pulse.sock: not running */
	}
	argv[argc] = NULL;
	return commit ? cmd_config_commit_staged(peer, argc, argv) :
	    cmd_config_verify_staged(peer, argc, argv);
}

static int
setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(src, sizeof(src), "%s/src.db", dir);
	snprintf(peer, sizeof(peer), "%s/peer.db", dir);
	snprintf(staged, sizeof(staged), "%s/.shoal-staged.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A fresh node (no database) takes generation 1; commit moves the file. */
static void
test_first_push(void **state)
{
	struct store_gen g;
	char sha[STORE_HASH_HEX], h[STORE_HASH_HEX];
	char old[300], newer[300];

	(void)state;
	commit_to(src, 100, &g);
	snapshot(src, staged);
	str_copy(sha, file_sha(staged), sizeof(sha));
	/* leftovers of earlier pushes: one stale, one of a newer push */
	snprintf(old, sizeof(old), "%s/.shoal-staged.1.0a0b.db.part", dir);
	snprintf(newer, sizeof(newer), "%s/.shoal-staged.7.0a0b.db", dir);
	assert_int_equal(close(open(old, O_CREAT | O_WRONLY, 0600)), 0);
	assert_int_equal(close(open(newer, O_CREAT | O_WRONLY, 0600)), 0);
	assert_int_equal(run(0, g.sg_hash, sha, NULL), STAGED_EXIT_OK);
	assert_int_equal(run(1, g.sg_hash, sha, NULL), STAGED_EXIT_OK);
	assert_int_equal(access(staged, F_OK), -1);
	assert_int_equal(access(old, F_OK), -1);
	assert_int_equal(access(newer, F_OK), 0);
	unlink(newer);
	assert_int_equal(current(peer, h), g.sg_generation);
	assert_string_equal(h, g.sg_hash);
	assert_int_equal(cmd_config_current(peer, 0, NULL), STAGED_EXIT_OK);
}

/* Truncated and bit-flipped uploads are caught, with or without a sha. */
static void
test_damaged(void **state)
{
	struct store_gen g;
	char sha[STORE_HASH_HEX];
	struct stat sb;
	int fd;

	(void)state;
	commit_to(src, 110, &g);
	snapshot(src, staged);
	str_copy(sha, file_sha(staged), sizeof(sha));
	assert_int_equal(stat(staged, &sb), 0);
	assert_int_equal(truncate(staged, sb.st_size / 2), 0);
	assert_int_equal(run(0, g.sg_hash, sha, NULL), STAGED_EXIT_CORRUPT);
	/* without the checksum, SQLite's own checks must notice */
	assert_int_not_equal(run(0, g.sg_hash, NULL, NULL), STAGED_EXIT_OK);
	assert_int_not_equal(run(1, g.sg_hash, NULL, NULL), STAGED_EXIT_OK);

	snapshot(src, staged);
	fd = open(staged, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "XXXXXXXX", 8, sb.st_size - 600), 8);
	close(fd);
	assert_int_equal(run(0, g.sg_hash, sha, NULL), STAGED_EXIT_CORRUPT);
	assert_int_equal(run(1, g.sg_hash, sha, NULL), STAGED_EXIT_CORRUPT);
	/* a file that is not a database at all */
	fd = open(staged, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "garbage\n", 8), 8);
	close(fd);
	assert_int_equal(run(0, NULL, NULL, NULL), STAGED_EXIT_CORRUPT);
	/* the wrong content hash */
	snapshot(src, staged);
	assert_int_equal(run(0, "0000000000000000000000000000000000000000000"
	    "000000000000000000000", NULL, NULL), STAGED_EXIT_CORRUPT);
	/* the peer is untouched by all of this */
	assert_int_equal(current(peer, NULL), 1);
	unlink(staged);
}

/* A newer or diverged peer refuses, unless --force. */
static void
test_order(void **state)
{
	struct store_gen g, pg;
	char h[STORE_HASH_HEX];

	(void)state;
	/* src is at 2; peer moves to 3 on its own */
	commit_to(peer, 120, &pg);
	commit_to(peer, 130, &pg);
	assert_int_equal(pg.sg_generation, 3);
	assert_int_equal(current(src, NULL), 2);
	snapshot(src, staged);
	assert_int_equal(run(0, NULL, NULL, NULL), STAGED_EXIT_NEWER);
	assert_int_equal(run(1, NULL, NULL, NULL), STAGED_EXIT_NEWER);
	assert_int_equal(current(peer, NULL), 3);
	/* same number, other content: diverged */
	commit_to(src, 140, &g);
	assert_int_equal(g.sg_generation, 3);
	snapshot(src, staged);
	assert_int_equal(run(0, NULL, NULL, NULL), STAGED_EXIT_NEWER);
	assert_int_equal(run(1, NULL, NULL, "--force"), STAGED_EXIT_OK);
	assert_int_equal(current(peer, h), 3);
	assert_string_equal(h, g.sg_hash);
}

/*
 * The live database has WAL frames and an open connection when the commit
 * replaces it: the new file must come out intact, not mixed with old
 * frames.
 */
static void
test_wal(void **state)
{
	struct store_gen g, pg;
	struct store *held;
	struct diag d;
	char h[STORE_HASH_HEX];

	(void)state;
	diag_init(&d);
	commit_to(src, 150, &g);	/* src: 4 */
	commit_to(src, 160, &g);	/* src: 5 */
	snapshot(src, staged);
	commit_to(peer, 170, &pg);	/* peer: 4, in WAL */
	assert_non_null(held = store_open(peer, 0, &d));
	assert_int_equal(run(1, g.sg_hash, NULL, NULL), STAGED_EXIT_OK);
	store_close(held);
	assert_int_equal(current(peer, h), 5);
	assert_string_equal(h, g.sg_hash);
	/* and it stays usable: the next local change is generation 6 */
	commit_to(peer, 180, &pg);
	assert_int_equal(pg.sg_generation, 6);
	diag_clear(&d);
}

static void
test_usage(void **state)
{
	char *none[] = { NULL };
	char *bad[] = { (char *)"--bogus", NULL };
	char *missing[] = { (char *)"--staged", NULL };

	(void)state;
	assert_int_equal(cmd_config_verify_staged(peer, 0, none),
	    STAGED_EXIT_USAGE);
	assert_int_equal(cmd_config_verify_staged(peer, 1, bad),
	    STAGED_EXIT_USAGE);
	assert_int_equal(cmd_config_commit_staged(peer, 1, missing),
	    STAGED_EXIT_USAGE);
	assert_int_equal(cmd_config_current(peer, 1, bad), STAGED_EXIT_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_push),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_wal),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
