/*
 * test_ctsync.c - the conntrackd configuration pulse writes (ctsync.h):
 * which link, which peers, unicast or multicast, what is not synced; and
 * the cases it refuses.  (conntrackd itself reads these files in
 * tests/integration/lb_nft_sync.sh.)
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "pulse/ctsync.h"

static struct cfg_node *
node(struct cfg_node_list *l, const char *name, const char *pub,
    const char *priv)
{
	struct cfg_node *n = cfg_node_new(name);

	assert_non_null(n);
	assert_int_equal(cfg_addr_parse(&n->n_address, pub), 0);
	if (priv != NULL)
		assert_int_equal(cfg_addr_parse(&n->n_private, priv), 0);
	TAILQ_INSERT_TAIL(l, n, n_entry);
	return n;
}

static char *
build(struct cfg_node_list *l, const struct cfg_node *self, char *why)
{
	struct ctsync_conf cc;

	if (ctsync_conf_build(&cc, l, self, "/run/x", 0, why, 256) == -1)
		return NULL;
	return ctsync_conf_text(&cc);
}

/* Two routers, private addresses on both: UDP to the peer's private. */
static void
test_two_private(void **state)
{
	struct cfg_node_list l = TAILQ_HEAD_INITIALIZER(l);
	struct cfg_node *self;
	char why[256], *t;

	(void)state;
	/* this host holds 127.0.0.1 (on lo): our private address */
	self = node(&l, "r1", "192.0.2.1", "127.0.0.1");
	node(&l, "r2", "192.0.2.2", "198.51.100.2");
	assert_non_null(t = build(&l, self, why));
	assert_non_null(strstr(t, "Mode FTFW {"));
	assert_non_null(strstr(t, "\tUDP {\n\t\tIPv4_address 127.0.0.1\n"
	    "\t\tIPv4_Destination_Address 198.51.100.2\n\t\tPort 3780\n"
	    "\t\tInterface lo\n"));
	assert_null(strstr(t, "Multicast"));
	/* every router address is ignored, public and private */
	assert_non_null(strstr(t, "IPv4_address 192.0.2.1\n"));
	assert_non_null(strstr(t, "IPv4_address 192.0.2.2\n"));
	assert_non_null(strstr(t, "IPv4_address 198.51.100.2\n"));
	assert_non_null(strstr(t, "LockFile /run/x/conntrackd.lock\n"));
	assert_non_null(strstr(t, "Path /run/x/conntrackd.ctl\n"));
	assert_non_null(strstr(t, "Protocol Accept {\n\t\t\tTCP\n\t\t\tUDP\n"));
	free(t);
	cfg_node_list_free(&l);
}

/* One router without a private address: the public ones are used. */
static void
test_public(void **state)
{
	struct cfg_node_list l = TAILQ_HEAD_INITIALIZER(l);
	struct cfg_node *self;
	char why[256], *t;

	(void)state;
	self = node(&l, "r1", "127.0.0.1", "198.51.100.1");
	node(&l, "r2", "192.0.2.2", NULL);
	assert_non_null(t = build(&l, self, why));
	assert_non_null(strstr(t, "IPv4_Destination_Address 192.0.2.2\n"));
	free(t);
	cfg_node_list_free(&l);
}

/* Three routers: the multicast group on our interface. */
static void
test_three(void **state)
{
	struct cfg_node_list l = TAILQ_HEAD_INITIALIZER(l);
	struct cfg_node *self;
	char why[256], *t;

	(void)state;
	node(&l, "r0", "192.0.2.9", NULL);
	self = node(&l, "r1", "127.0.0.1", NULL);
	node(&l, "r2", "192.0.2.2", NULL);
	assert_non_null(t = build(&l, self, why));
	assert_non_null(strstr(t, "\tMulticast {\n\t\tIPv4_address "
	    CTSYNC_GROUP4 "\n\t\tGroup 3780\n\t\tIPv4_interface 127.0.0.1\n"
	    "\t\tInterface lo\n"));
	assert_null(strstr(t, "UDP {"));
	free(t);
	cfg_node_list_free(&l);
}

static void
test_refused(void **state)
{
	struct cfg_node_list l = TAILQ_HEAD_INITIALIZER(l);
	struct cfg_node *self;
	char why[256];

	(void)state;
	self = node(&l, "r1", "127.0.0.1", NULL);
	assert_null(build(&l, self, why));
	assert_string_equal(why, "no other router to sync with");
	node(&l, "r2", "fd00::2", NULL);
	assert_null(build(&l, self, why));
	assert_non_null(strstr(why, "node r2: its public address is of "
	    "another family"));
	cfg_node_list_free(&l);
	TAILQ_INIT(&l);
	/* an address no interface of this host holds */
	self = node(&l, "r1", "192.0.2.77", NULL);
	node(&l, "r2", "192.0.2.2", NULL);
	assert_null(build(&l, self, why));
	assert_non_null(strstr(why, "no interface holds this node's public "
	    "address 192.0.2.77"));
	cfg_node_list_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_private),
		cmocka_unit_test(test_public),
		cmocka_unit_test(test_three),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
