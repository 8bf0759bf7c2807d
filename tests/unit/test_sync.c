/* test_sync.c - sync's result parsing and choice of peers. */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "lib/diag.h"
#include "sync/sync.h"

#define H1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void
test_parse_staged(void **state)
{
	char hash[STORE_HASH_HEX], sha[STORE_HASH_HEX];
	uint64_t gen = 0;

	(void)state;
	assert_int_equal(sync_parse_line("staged ok generation=12 hash=" H1
	    " sha256=" H2 " local_generation=3\n", "staged ok", &gen, hash,
	    sha), 0);
	assert_int_equal(gen, 12);
	assert_string_equal(hash, H1);
	assert_string_equal(sha, H2);
	/* other lines before it are fine (warnings on stdout) */
	assert_int_equal(sync_parse_line("note: x\ncommitted generation=7 "
	    "hash=" H2 "\n", "committed", &gen, hash, NULL), 0);
	assert_int_equal(gen, 7);
	assert_string_equal(hash, H2);
}

static void
test_parse_garbage(void **state)
{
	char hash[STORE_HASH_HEX], sha[STORE_HASH_HEX];
	uint64_t gen = 0;

	(void)state;
	assert_int_equal(sync_parse_line("", "committed", &gen, hash, NULL),
	    -1);
	assert_int_equal(sync_parse_line("bash: shoalctl: not found\n",
	    "committed", &gen, hash, NULL), -1);
	/* wrong tag, short hash, upper case, negative, overflow, no sha */
	assert_int_equal(sync_parse_line("current generation=1 hash=" H1,
	    "committed", &gen, hash, NULL), -1);
	assert_int_equal(sync_parse_line("committed generation=1 hash=abc",
	    "committed", &gen, hash, NULL), -1);
	assert_int_equal(sync_parse_line("committed generation=1 hash="
	    "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	    "committed", &gen, hash, NULL), -1);
	assert_int_equal(sync_parse_line("committed generation=-1 hash=" H1,
	    "committed", &gen, hash, NULL), -1);
	assert_int_equal(sync_parse_line("committed generation="
	    "99999999999999999999999 hash=" H1, "committed", &gen, hash,
	    NULL), -1);
	assert_int_equal(sync_parse_line("staged ok generation=1 hash=" H1,
	    "staged ok", &gen, hash, sha), -1);
	/* "xgeneration=" is not "generation=" */
	assert_int_equal(sync_parse_line("committed xgeneration=1 hash=" H1,
	    "committed", &gen, hash, NULL), -1);
	assert_string_equal(sync_state_name(SYNC_NOT_COMMITTED),
	    "not committed");
	assert_string_equal(sync_reason_name(SYNC_R_HOSTKEY_CHANGED),
	    "host key changed");
}

static const char cluster[] =
"service = lvs\n"
"primary = 127.0.0.1\n"
"node self {\n"
"    address = 127.0.0.1\n"
"    priority = 200\n"
"}\n"
"node b {\n"
"    address = 198.51.100.2\n"
"    priority = 100\n"
"}\n"
"node c {\n"
"    address = 198.51.100.3\n"
"    priority = 90\n"
"    ssh_port = 2222\n"
"}\n";

static struct shoal_config *
load(void)
{
	struct shoal_config *c = NULL;
	struct diag d;

	diag_init(&d);
	if (lvscf_read_buf("t.cf", cluster, sizeof(cluster) - 1, &c, &d) ==
	    -1)
		diag_print(&d, stderr);
	diag_clear(&d);
	assert_non_null(c);
	return c;
}

static char *
names(const struct cfg_node_list *l)
{
	static char buf[128];
	struct cfg_node *n;

	buf[0] = '\0';
	TAILQ_FOREACH(n, l, n_entry) {
		strcat(buf, n->n_name);
		strcat(buf, " ");
	}
	return buf;
}

static void
test_peers(void **state)
{
	struct shoal_config *c = load();
	struct cfg_node_list l;
	struct sync_opts o;
	const char *only[] = { "c", NULL };
	const char *bad[] = { "c", "nosuch", NULL };

	(void)state;
	memset(&o, 0, sizeof(o));
	/* by local address: 127.0.0.1 is on lo */
	assert_int_equal(sync_peers(c, &o, &l), 0);
	assert_string_equal(names(&l), "b c ");
	cfg_node_list_free(&l);
	o.so_self = "b";
	assert_int_equal(sync_peers(c, &o, &l), 0);
	assert_string_equal(names(&l), "self c ");
	cfg_node_list_free(&l);
	o.so_nodes = only;
	assert_int_equal(sync_peers(c, &o, &l), 0);
	assert_string_equal(names(&l), "c ");
	assert_int_equal(TAILQ_FIRST(&l)->n_ssh_port, 2222);
	cfg_node_list_free(&l);
	o.so_nodes = bad;
	assert_int_equal(sync_peers(c, &o, &l), -1);
	o.so_nodes = NULL;
	o.so_self = "nosuch";
	assert_int_equal(sync_peers(c, &o, &l), -1);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_staged),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_peers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
