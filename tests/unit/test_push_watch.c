/* test_push_watch.c - the cluster's health from pulse's status, and
 * what counts as worse after a push (webui/push_watch.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "webui/push_watch.h"

/* A status as pulse answers it: self's role, two peers, one virtual. */
static json_t *
status(const char *role, int p1_alive, const char *p1_state,
    const char *h1, const char *h2, const char *h3)
{
	json_t *st;

	st = json_pack("{s:s,s:s,s:I,s:s,s:[{s:s,s:b,s:s},{s:s,s:b,s:s}],"
	    "s:[{s:s,s:[{s:s},{s:s},{s:s}]}]}", "node", "r1", "role", role,
	    "generation", (json_int_t)7, "hash", "abc", "peers",
	    "name", "r2", "alive", p1_alive, "state", p1_state,
	    "name", "r3", "alive", 1, "state", "backup",
	    "virtual_services", "name", "web", "servers",
	    "health", h1, "health", h2, "health", h3);
	assert_non_null(st);
	return st;
}

static void
health(struct pw_health *h, json_t *st)
{
	assert_int_equal(pw_health_from_json(st, h), 0);
	json_decref(st);
}

static void
test_read(void **state)
{
	struct pw_health h;
	json_t *bad = json_pack("{s:s}", "error", "no");

	(void)state;
	health(&h, status("active", 1, "backup", "up", "down", "unknown"));
	assert_int_equal(h.ph_generation, 7);
	assert_string_equal(h.ph_node, "r1");
	assert_int_equal(h.ph_nodes, 3);
	assert_int_equal(h.ph_alive, 3);
	assert_int_equal(h.ph_active, 1);
	assert_int_equal(h.ph_nvs, 1);
	assert_int_equal(h.ph_vs[0].pv_up, 1);
	assert_int_equal(h.ph_vs[0].pv_unknown, 1);
	assert_int_equal(h.ph_vs[0].pv_total, 3);
	health(&h, status("backup", 0, "active", "up", "up", "up"));
	assert_int_equal(h.ph_alive, 2);
	assert_int_equal(h.ph_active, 0);	/* r2 is not heard */
	assert_int_equal(pw_health_from_json(bad, &h), -1);
	json_decref(bad);
}

static void
test_worse(void **state)
{
	struct pw_health base, now;
	char why[256];

	(void)state;
	health(&base, status("active", 1, "backup", "up", "up", "down"));
	/* the same, or better: not worse */
	health(&now, status("active", 1, "backup", "up", "up", "up"));
	assert_int_equal(pw_worse(&base, &now, 1, why, sizeof(why)), 0);
	/* a real server down */
	health(&now, status("active", 1, "backup", "up", "down", "down"));
	assert_int_equal(pw_worse(&base, &now, 0, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "virtual server web: 1 of 3"));
	/* not checked yet: the benefit of the doubt, until the end */
	health(&now, status("active", 1, "backup", "up", "unknown", "down"));
	assert_int_equal(pw_worse(&base, &now, 0, why, sizeof(why)), 0);
	assert_int_equal(pw_worse(&base, &now, 1, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "not checked yet"));
	/* a peer no longer heard */
	health(&now, status("active", 0, "backup", "up", "up", "down"));
	assert_int_equal(pw_worse(&base, &now, 0, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "nodes alive: 2, before the push 3"));
	/* no active node, then two */
	health(&now, status("backup", 1, "backup", "up", "up", "down"));
	assert_int_equal(pw_worse(&base, &now, 0, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "active nodes: 0"));
	health(&now, status("active", 1, "active", "up", "up", "down"));
	assert_int_equal(pw_worse(&base, &now, 0, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "2 nodes active at once"));
	/* ... unless several active directors is the design (ecmp) */
	now.ph_ecmp = 1;
	assert_int_equal(pw_worse(&base, &now, 0, why, sizeof(why)), 0);
	/* a virtual server the push removed is not worse */
	health(&now, status("active", 1, "backup", "up", "up", "down"));
	strcpy(now.ph_vs[0].pv_name, "other");
	now.ph_vs[0].pv_up = 0;
	assert_int_equal(pw_worse(&base, &now, 1, why, sizeof(why)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_worse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
