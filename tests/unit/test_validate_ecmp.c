/*
 * test_validate_ecmp.c - director_mode = ecmp's rules through
 * config_validate(), on configs built in code (field paths, as the web
 * API reports them).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/validate.h"
#include "lib/diag.h"

static struct cfg_node *
node(struct shoal_config *c, const char *name, const char *addr)
{
	struct cfg_node *n = cfg_node_new(name);

	assert_non_null(n);
	assert_int_equal(cfg_addr_parse(&n->n_address, addr), 0);
	n->n_bgp_as = 65001;
	n->n_bgp_neighbor_as = 65000;
	assert_int_equal(cfg_addr_parse(&n->n_bgp_neighbor, "10.0.0.254"), 0);
	TAILQ_INSERT_TAIL(&c->c_nodes, n, n_entry);
	return n;
}

/* Three directors, direct routing, mh: a configuration that runs. */
static struct shoal_config *
good(void)
{
	struct shoal_config *c = config_new();
	struct cfg_virtual *vs = cfg_virtual_new(CFG_VS_VIRTUAL, "web");
	struct cfg_server *rs = cfg_server_new("r1", 80);

	c->c_global.g_director_mode = CFG_DIRECTOR_ECMP;
	c->c_global.g_network = CFG_NET_DIRECT;
	node(c, "d1", "10.0.0.1");
	node(c, "d2", "10.0.0.2");
	node(c, "d3", "10.0.0.3");
	assert_int_equal(cfg_addr_parse(&vs->vs_address, "192.0.2.100"), 0);
	vs->vs_device = strdup("eth0");
	vs->vs_active = 1;
	vs->vs_scheduler = CFG_SCHED_MH;
	assert_int_equal(cfg_addr_parse(&rs->rs_address, "10.0.1.1"), 0);
	rs->rs_active = 1;
	TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
	TAILQ_INSERT_TAIL(&c->c_virtuals, vs, vs_entry);
	return c;
}

/* Every item as "field: severity: message" lines. */
static char *
run(const struct shoal_config *c, int want_rv)
{
	const struct diag_item *di;
	char *out = NULL, *s;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_validate(c, &d), want_rv);
	TAILQ_FOREACH(di, &d.d_items, di_entry) {
		assert_non_null(s = diag_format(di));
		fprintf(fp, "%s\n", s);
		free(s);
	}
	fclose(fp);
	diag_clear(&d);
	return out;
}

static void
has(const char *all, const char *want)
{
	if (strstr(all, want) == NULL)
		fail_msg("missing \"%s\" in:\n%s", want, all);
}

static void
test_good(void **state)
{
	struct shoal_config *c = good();
	char *got;

	(void)state;
	got = run(c, 0);
	assert_string_equal(got, "");
	free(got);
	config_free(c);
}

static void
test_global_refusals(void **state)
{
	struct shoal_config *c = good();
	char *got;

	(void)state;
	c->c_global.g_network = CFG_NET_NAT;
	c->c_global.g_syncdaemon = 1;
	got = run(c, -1);
	has(got, "global.network: error: director_mode = ecmp needs network "
	    "= direct or tunnel");
	has(got, "global.syncdaemon: error: director_mode = ecmp: every "
	    "director serves");
	free(got);
	c->c_global.g_network = CFG_NET_DIRECT;
	c->c_global.g_syncdaemon = 0;
	c->c_global.g_service = CFG_MODE_FOS;
	got = run(c, -1);
	has(got, "global.director_mode: error: director_mode = ecmp is for "
	    "load balancing");
	free(got);
	config_free(c);
}

static void
test_node_session(void **state)
{
	struct shoal_config *c = good();
	struct cfg_node *n = TAILQ_LAST(&c->c_nodes, cfg_node_list);
	char *got;

	(void)state;
	n->n_bgp_as = 0;
	n->n_bgp_neighbor_as = 0;
	memset(&n->n_bgp_neighbor, 0, sizeof(n->n_bgp_neighbor));
	got = run(c, -1);
	has(got, "node[d3].bgp_as: error: director_mode = ecmp: node d3 "
	    "needs bgp_as");
	has(got, "node[d3].bgp_neighbor: error:");
	has(got, "node[d3].bgp_neighbor_as: error:");
	assert_null(strstr(got, "node[d1]"));
	free(got);
	config_free(c);
}

static void
test_no_nodes(void **state)
{
	struct shoal_config *c = good();
	struct cfg_node *n;
	char *got;

	(void)state;
	while ((n = TAILQ_FIRST(&c->c_nodes)) != NULL) {
		TAILQ_REMOVE(&c->c_nodes, n, n_entry);
		cfg_node_free(n);
	}
	assert_int_equal(cfg_addr_parse(&c->c_global.g_primary, "10.0.0.1"),
	    0);
	got = run(c, -1);
	has(got, "global.director_mode: error: director_mode = ecmp needs node "
	    "blocks");
	free(got);
	config_free(c);
}

static void
test_virtual_rules(void **state)
{
	struct shoal_config *c = good();
	struct cfg_virtual *vs = TAILQ_FIRST(&c->c_virtuals);
	char *got;

	(void)state;
	vs->vs_nmask = 24;
	vs->vs_scheduler = CFG_SCHED_RR;
	vs->vs_persistent = 300;
	got = run(c, -1);
	has(got, "virtual[web].vip_nmask: error: director_mode = ecmp routes "
	    "each VIP as a host route");
	has(got, "virtual[web].scheduler: warning: director_mode = ecmp: "
	    "scheduler rr is not shared by the directors");
	has(got, "virtual[web].persistent: warning:");
	free(got);
	vs->vs_nmask = 32;
	got = run(c, 0);	/* warnings only */
	free(got);
	assert_int_equal(cfg_addr_parse(&vs->vs_address, "2001:db8::100"), 0);
	vs->vs_nmask = -1;
	got = run(c, -1);
	has(got, "virtual[web].address: error: director_mode = ecmp: node d1's "
	    "bgp_neighbor is IPv4, it cannot announce this IPv6 address");
	free(got);
	config_free(c);
}

static void
test_unused_session(void **state)
{
	struct shoal_config *c = good();
	char *got;

	(void)state;
	c->c_global.g_director_mode = CFG_DIRECTOR_SINGLE;
	got = run(c, 0);
	has(got, "node[d1].bgp_as: warning: the BGP session is used only with "
	    "director_mode = ecmp");
	free(got);
	config_free(c);
}

/* Priorities elect nobody under ecmp: a track's weight is refused, a
 * fault track (a director that withdraws) is fine. */
static void
test_track_weight(void **state)
{
	struct shoal_config *c = good();
	struct cfg_track *t = cfg_track_new("gw");
	char *got;

	(void)state;
	assert_non_null(t);
	t->t_weight = 50;
	TAILQ_INSERT_TAIL(&c->c_tracks, t, t_entry);
	got = run(c, -1);
	has(got, "track[gw].weight: error: invalid argument: with "
	    "director_mode = ecmp every healthy director is active and "
	    "priorities elect nobody: a weight would change nothing, use "
	    "fault = 1");
	free(got);
	t->t_weight = 0;
	t->t_fault = 1;
	got = run(c, 0);
	assert_string_equal(got, "");
	free(got);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_global_refusals),
		cmocka_unit_test(test_node_session),
		cmocka_unit_test(test_no_nodes),
		cmocka_unit_test(test_virtual_rules),
		cmocka_unit_test(test_unused_session),
		cmocka_unit_test(test_track_weight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
