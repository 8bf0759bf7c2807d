/*
 * test_lb_nft.c - the nftables ruleset generator: configuration in, nft
 * script out, compared with golden files in tests/fixtures/nft/.
 *
 * To regenerate the golden files after an intended change, run with
 * SHOAL_UPDATE_GOLDEN=1 and review the diff.
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
#include "lb/lb.h"
#include "lb/lb_backend.h"
#include "lib/util.h"

/* ---- building configurations ---- */

static struct cfg_virtual *
add_virtual(struct shoal_config *cfg, const char *name, const char *vip,
    uint16_t port, enum cfg_scheduler sched)
{
	struct cfg_virtual *vs;

	vs = cfg_virtual_new(CFG_VS_VIRTUAL, name);
	assert_non_null(vs);
	vs->vs_active = 1;
	assert_int_equal(cfg_addr_parse(&vs->vs_address, vip), 0);
	vs->vs_port = port;
	vs->vs_scheduler = sched;
	TAILQ_INSERT_TAIL(&cfg->c_virtuals, vs, vs_entry);
	return vs;
}

static struct cfg_server *
add_server(struct cfg_virtual *vs, const char *name, const char *addr,
    int weight)
{
	struct cfg_server *rs;

	rs = cfg_server_new(name, vs->vs_port);
	assert_non_null(rs);
	rs->rs_active = 1;
	rs->rs_weight = weight;
	assert_int_equal(cfg_addr_parse(&rs->rs_address, addr), 0);
	TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
	return rs;
}

/* Three real servers, wrr 1:2:3: the integration test's setup. */
static struct shoal_config *
cfg_wrr(int w3)
{
	struct shoal_config *cfg = config_new();
	struct cfg_virtual *vs;

	assert_non_null(cfg);
	vs = add_virtual(cfg, "web", "10.201.0.100", 80, CFG_SCHED_WRR);
	add_server(vs, "rs1", "10.202.1.2", 1);
	add_server(vs, "rs2", "10.202.2.2", 2);
	add_server(vs, "rs3", "10.202.3.2", w3);
	return cfg;
}

/* Every feature the generator knows, one service each. */
static struct shoal_config *
cfg_mixed(void)
{
	struct shoal_config *cfg = config_new();
	struct cfg_virtual *vs;
	struct cfg_server *rs;

	assert_non_null(cfg);
	/* rr ignores weights but not weight 0 (quiesced) */
	vs = add_virtual(cfg, "rr", "10.201.0.1", 80, CFG_SCHED_RR);
	add_server(vs, "a", "10.202.1.2", 5);
	add_server(vs, "b", "10.202.2.2", 0);
	add_server(vs, "c", "10.202.3.2", 1);
	/* an inactive real server is not there at all */
	rs = add_server(vs, "d", "10.202.4.2", 1);
	rs->rs_active = 0;
	/* sh: a hash of the source address, weights as slots */
	vs = add_virtual(cfg, "sh", "10.201.0.2", 443, CFG_SCHED_SH);
	add_server(vs, "a", "10.202.1.2", 100);
	add_server(vs, "b", "10.202.2.2", 300);
	/* persistence by /20: hashed on the first two bytes */
	vs = add_virtual(cfg, "persist", "10.201.0.3", 8080, CFG_SCHED_WLC);
	vs->vs_persistent = 300;
	vs->vs_pmask = 20;
	add_server(vs, "a", "10.202.1.2", 1);
	add_server(vs, "b", "10.202.2.2", 1);
	/* IPv6 UDP, every server quiesced: the sorry server answers */
	vs = add_virtual(cfg, "dns", "fd00:201::53", 53, CFG_SCHED_WRR);
	vs->vs_protocol = CFG_PROTO_UDP;
	assert_int_equal(cfg_addr_parse(&vs->vs_sorry_server, "fd00:202::9"),
	    0);
	vs->vs_sorry_port = 5353;
	add_server(vs, "a", "fd00:202::1", 0);
	/* fwmark: address-only map, the destination port is kept */
	vs = add_virtual(cfg, "mark", "10.201.0.4", 0, CFG_SCHED_DH);
	vs->vs_fwmark = 7;
	add_server(vs, "a", "10.202.1.2", 1);
	add_server(vs, "b", "10.202.2.2", 1);
	/* inactive: not in the ruleset */
	vs = add_virtual(cfg, "off", "10.201.0.5", 80, CFG_SCHED_RR);
	vs->vs_active = 0;
	add_server(vs, "a", "10.202.1.2", 1);
	/* no real server and no sorry server: an empty chain */
	add_virtual(cfg, "empty", "10.201.0.6", 80, CFG_SCHED_WRR);
	return cfg;
}

/* ---- golden files ---- */

static char *
golden_path(const char *name)
{
	const char *dir = getenv("SHOAL_FIXTURES");
	char *p;

	if (dir == NULL)
		dir = "tests/fixtures";
	assert_true(asprintf(&p, "%s/nft/%s", dir, name) > 0);
	return p;
}

static void
check_golden(const char *name, const char *got)
{
	char *path = golden_path(name), *want;
	FILE *fp;
	size_t len;

	if (getenv("SHOAL_UPDATE_GOLDEN") != NULL) {
		assert_non_null(fp = fopen(path, "w"));
		fputs(got, fp);
		fclose(fp);
	}
	want = file_read_all(path, 1 << 20, &len);
	if (want == NULL)
		fail_msg("cannot read golden file %s", path);
	if (strcmp(want, got) != 0) {
		fprintf(stderr, "--- %s (golden)\n%s--- generated\n%s", path,
		    want, got);
		fail_msg("%s differs", name);
	}
	free(want);
	free(path);
}

/* The script from old config to new config (old NULL: from scratch). */
static char *
script_of(const struct shoal_config *old, const struct shoal_config *neu,
    int masquerade)
{
	struct lb_state so, sn, eo, en;
	char *s;

	lb_state_init(&so);
	lb_state_init(&sn);
	lb_state_init(&eo);
	lb_state_init(&en);
	if (old != NULL) {
		assert_int_equal(lb_state_from_config(&so, old, LB_SYNC_NONE),
		    0);
		so.st_masquerade = masquerade;
		assert_int_equal(lb_state_effective(&eo, &so), 0);
	}
	assert_int_equal(lb_state_from_config(&sn, neu, LB_SYNC_NONE), 0);
	sn.st_masquerade = masquerade;
	assert_int_equal(lb_state_effective(&en, &sn), 0);
	s = lb_nft_script(old != NULL ? &eo : NULL, &en);
	lb_state_clear(&so);
	lb_state_clear(&sn);
	lb_state_clear(&eo);
	lb_state_clear(&en);
	return s;
}

/* ---- tests ---- */

static void
test_wrr_full(void **state)
{
	struct shoal_config *cfg = cfg_wrr(3);
	char *s;

	(void)state;
	s = script_of(NULL, cfg, 0);
	assert_non_null(s);
	check_golden("wrr.nft", s);
	free(s);
	config_free(cfg);
}

/* One weight: one map refilled and one rule replaced, nothing else. */
static void
test_wrr_weight_change(void **state)
{
	struct shoal_config *a = cfg_wrr(3), *b = cfg_wrr(6);
	char *s;

	(void)state;
	s = script_of(a, b, 0);
	assert_non_null(s);
	check_golden("wrr-weight.nft", s);
	free(s);
	/* nothing changed: nothing to send */
	s = script_of(a, a, 0);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	config_free(a);
	config_free(b);
}

static void
test_mixed_full(void **state)
{
	struct shoal_config *cfg = cfg_mixed();
	char *s;

	(void)state;
	s = script_of(NULL, cfg, 1);
	assert_non_null(s);
	check_golden("mixed.nft", s);
	free(s);
	config_free(cfg);
}

/* Services removed, added, and a sorry server replaced by a real one. */
static void
test_mixed_update(void **state)
{
	struct shoal_config *a = cfg_mixed(), *b = cfg_mixed();
	struct cfg_virtual *vs;
	char *s;

	(void)state;
	vs = config_find_virtual(b, "sh");
	TAILQ_REMOVE(&b->c_virtuals, vs, vs_entry);
	cfg_virtual_free(vs);
	config_find_virtual(b, "off")->vs_active = 1;
	TAILQ_FIRST(&config_find_virtual(b, "dns")->vs_servers)->rs_weight = 2;
	s = script_of(a, b, 1);
	assert_non_null(s);
	check_golden("mixed-update.nft", s);
	free(s);
	config_free(a);
	config_free(b);
}

static void
test_refused(void **state)
{
	struct shoal_config *cfg = cfg_wrr(3);
	struct cfg_virtual *vs;

	(void)state;
	/* the nftables backend does NAT only */
	cfg->c_global.g_network = CFG_NET_DIRECT;
	assert_null(script_of(NULL, cfg, 0));
	cfg->c_global.g_network = CFG_NET_NAT;
	/* an IPv6 real server behind an IPv4 VIP cannot be NATed */
	vs = config_find_virtual(cfg, "web");
	add_server(vs, "v6", "fd00::1", 1);
	assert_null(script_of(NULL, cfg, 0));
	config_free(cfg);
}

/* Weights are reduced by their gcd and scaled to LB_NFT_MAX_SLOTS. */
static void
test_slots(void **state)
{
	struct shoal_config *a = cfg_wrr(3), *b = config_new();
	struct cfg_virtual *vs;
	char *sa, *sb, *p;
	unsigned mod;

	(void)state;
	vs = add_virtual(b, "web", "10.201.0.100", 80, CFG_SCHED_WRR);
	add_server(vs, "rs1", "10.202.1.2", 1000);
	add_server(vs, "rs2", "10.202.2.2", 2000);
	add_server(vs, "rs3", "10.202.3.2", 3000);
	sa = script_of(NULL, a, 0);
	sb = script_of(NULL, b, 0);
	assert_string_equal(sa, sb);
	free(sb);
	/* coprime large weights: at most LB_NFT_MAX_SLOTS slots */
	TAILQ_FIRST(&vs->vs_servers)->rs_weight = 65535;
	TAILQ_LAST(&vs->vs_servers, cfg_server_list)->rs_weight = 1;
	sb = script_of(NULL, b, 0);
	assert_non_null(p = strstr(sb, "to numgen inc mod "));
	assert_int_equal(sscanf(p, "to numgen inc mod %u", &mod), 1);
	assert_true(mod <= LB_NFT_MAX_SLOTS);
	assert_true(mod > LB_NFT_MAX_SLOTS - 3);
	/* the weight-1 server still has its one slot */
	assert_non_null(strstr(sb, " : 10.202.3.2 . 80 }"));
	free(sa);
	free(sb);
	config_free(a);
	config_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrr_full),
		cmocka_unit_test(test_wrr_weight_change),
		cmocka_unit_test(test_mixed_full),
		cmocka_unit_test(test_mixed_update),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
