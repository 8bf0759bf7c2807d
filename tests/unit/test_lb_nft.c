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
#include "config/lbcaps.h"
#include "lb/lb.h"
#include "lb/lb_backend.h"
#include "lb/lb_nft.h"
#include "lib/util.h"

#define MAGLEV_SIZE_TEST	4093	/* MAGLEV_SIZE, as the kernel sees it */

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
	/* persistence by /20 (an exact mask), 300 s idle; b quiesced */
	vs = add_virtual(cfg, "persist", "10.201.0.3", 8080, CFG_SCHED_WRR);
	vs->vs_persistent = 300;
	vs->vs_pmask = 20;
	add_server(vs, "a", "10.202.1.2", 1);
	add_server(vs, "b", "10.202.2.2", 0);
	add_server(vs, "c", "10.202.3.2", 2);
	/* IPv6 persistence by /56 over sh */
	vs = add_virtual(cfg, "persist6", "fd00:201::3", 443, CFG_SCHED_SH);
	vs->vs_persistent = 60;
	vs->vs_pmask = 56;
	add_server(vs, "a", "fd00:202::1", 1);
	add_server(vs, "b", "fd00:202::2", 1);
	/* persistent fwmark service: the whole address, no mask */
	vs = add_virtual(cfg, "pmark", "10.201.0.7", 0, CFG_SCHED_RR);
	vs->vs_fwmark = 9;
	vs->vs_persistent = 30;
	add_server(vs, "a", "10.202.1.2", 1);
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

/*
 * The script from old config (with its layer-2 facts) to new config (old
 * NULL: from scratch).
 */
static char *
script_env(const struct shoal_config *old, const struct lb_nft_env *oenv,
    const struct shoal_config *neu, const struct lb_nft_env *env,
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
	s = lb_nft_script(old != NULL ? &eo : NULL, oenv, &en, env);
	lb_state_clear(&so);
	lb_state_clear(&sn);
	lb_state_clear(&eo);
	lb_state_clear(&en);
	return s;
}

static char *
script_of(const struct shoal_config *old, const struct shoal_config *neu,
    int masquerade)
{
	return script_env(old, NULL, neu, NULL, masquerade);
}

/* How many times needle occurs in hay. */
static int
count_of(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
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
	/* tunnels are IPVS's */
	cfg->c_global.g_network = CFG_NET_TUNNEL;
	assert_null(script_of(NULL, cfg, 0));
	/* direct routing cannot change the port */
	cfg->c_global.g_network = CFG_NET_DIRECT;
	vs = config_find_virtual(cfg, "web");
	TAILQ_FIRST(&vs->vs_servers)->rs_port = 8080;
	assert_null(script_of(NULL, cfg, 0));
	TAILQ_FIRST(&vs->vs_servers)->rs_port = 80;
	/* nor see fwmarks (set after the ingress hook) */
	vs->vs_fwmark = 3;
	assert_null(script_of(NULL, cfg, 0));
	vs->vs_fwmark = 0;
	cfg->c_global.g_network = CFG_NET_NAT;
	/* schedulers that need connection counts */
	vs->vs_scheduler = CFG_SCHED_WLC;
	assert_null(script_of(NULL, cfg, 0));
	vs->vs_scheduler = CFG_SCHED_LBLCR;
	assert_null(script_of(NULL, cfg, 0));
	vs->vs_scheduler = CFG_SCHED_WRR;
	/* an IPv6 real server behind an IPv4 VIP cannot be NATed */
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

/* A NAT connection starts with a SYN; others: dropped with sync. */
static void
test_sync_syn_only(void **state)
{
	struct shoal_config *cfg = cfg_mixed();
	struct lb_state st, eff;
	char *s;

	(void)state;
	lb_state_init(&st);
	lb_state_init(&eff);
	assert_int_equal(lb_state_from_config(&st, cfg, LB_SYNC_NONE), 0);
	assert_int_equal(lb_state_effective(&eff, &st), 0);
	s = lb_nft_script(NULL, NULL, &eff, NULL);
	assert_int_equal(count_of(s, "!= syn drop"), 0);
	/* without sync: unscheduled (the router resets it) */
	assert_non_null(strstr(s, "add rule inet shoal vs_tcp_10.201.0.1_80 "
	    "tcp flags & (syn | ack) != syn accept\n"));
	free(s);
	st.st_sync = LB_SYNC_MASTER;
	assert_int_equal(lb_state_effective(&eff, &st), 0);
	s = lb_nft_script(NULL, NULL, &eff, NULL);
	/* the TCP services (persistent or not) and the fwmark ones; not UDP */
	assert_non_null(strstr(s, "add rule inet shoal vs_tcp_10.201.0.1_80 "
	    "tcp flags & (syn | ack) != syn drop\n"));
	assert_non_null(strstr(s, "add rule inet shoal vs_tcp_10.201.0.3_8080 "
	    "tcp flags & (syn | ack) != syn drop\n"));
	assert_non_null(strstr(s, "add rule inet shoal vs_fwm4_7 "
	    "tcp flags & (syn | ack) != syn drop\n"));
	assert_null(strstr(s, "vs_udp_fd000201000000000000000000000053_53 "
	    "tcp flags"));
	free(s);
	lb_state_clear(&st);
	lb_state_clear(&eff);
	config_free(cfg);
}

/* ---- persistence ---- */

/* A weight change keeps every client's entry; a removal drops its set. */
static void
test_persist_update(void **state)
{
	struct shoal_config *a = cfg_mixed(), *b = cfg_mixed();
	struct cfg_virtual *vs;
	struct cfg_server *rs;
	char *s;

	(void)state;
	vs = config_find_virtual(b, "persist");
	TAILQ_LAST(&vs->vs_servers, cfg_server_list)->rs_weight = 5;
	s = script_of(a, b, 1);
	assert_non_null(s);
	check_golden("mixed-persist.nft", s);
	assert_int_equal(count_of(s, " set inet shoal "), 0);
	assert_non_null(strstr(s, "flush map inet shoal "
	    "vs_tcp_10.201.0.3_8080_sl\n"));
	free(s);
	/* a leaves: its set and chains go, nothing else is replaced */
	rs = TAILQ_FIRST(&vs->vs_servers);
	TAILQ_REMOVE(&vs->vs_servers, rs, rs_entry);
	cfg_server_free(rs);
	s = script_of(a, b, 1);
	assert_non_null(s);
	assert_non_null(strstr(s, "delete set inet shoal "
	    "vs_tcp_10.201.0.3_8080_p_10.202.1.2_8080\n"));
	assert_int_equal(count_of(s, "delete set"), 1);
	assert_int_equal(count_of(s, "add set"), 0);
	free(s);
	config_free(a);
	config_free(b);
}

/* ---- Maglev ---- */

/* The elements of map `name` in a script, as owners per slot. */
static void
mh_owners(const char *script, const char *name, char owner[][16])
{
	char head[256], *els, *p, *save = NULL;
	const char *at, *end;
	unsigned slot;
	int n = 0;

	snprintf(head, sizeof(head), "add element inet shoal %s { ", name);
	assert_non_null(at = strstr(script, head));
	at += strlen(head);
	assert_non_null(end = strstr(at, " }\n"));
	assert_non_null(els = strndup(at, (size_t)(end - at)));
	for (p = strtok_r(els, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		assert_int_equal(sscanf(p, " %u : %15s", &slot, owner[n]), 2);
		assert_int_equal(slot, n);
		n++;
	}
	assert_int_equal(n, MAGLEV_SIZE_TEST);
	free(els);
}

static struct shoal_config *
cfg_mh(int w3)
{
	struct shoal_config *cfg = config_new();
	struct cfg_virtual *vs;

	assert_non_null(cfg);
	vs = add_virtual(cfg, "mh", "10.201.0.9", 80, CFG_SCHED_MH);
	add_server(vs, "rs1", "10.202.1.2", 1);
	add_server(vs, "rs2", "10.202.2.2", 1);
	add_server(vs, "rs3", "10.202.3.2", w3);
	return cfg;
}

/* mh: a Maglev table of MAGLEV_SIZE entries; a leaver moves its own. */
static void
test_maglev(void **state)
{
	static char before[MAGLEV_SIZE_TEST][16], after[MAGLEV_SIZE_TEST][16];
	struct shoal_config *a = cfg_mh(1), *b = cfg_mh(0);
	int i, moved = 0, mine = 0;
	char *s;

	(void)state;
	s = script_of(NULL, a, 0);
	assert_non_null(strstr(s, "dnat ip to jhash ip saddr mod 4093 seed "
	    "0x73686f61 map @vs_tcp_10.201.0.9_80_mh\n"));
	mh_owners(s, "vs_tcp_10.201.0.9_80_mh", before);
	free(s);
	s = script_of(NULL, b, 0);
	mh_owners(s, "vs_tcp_10.201.0.9_80_mh", after);
	free(s);
	for (i = 0; i < MAGLEV_SIZE_TEST; i++) {
		assert_string_not_equal(after[i], "10.202.3.2");
		if (strcmp(before[i], "10.202.3.2") == 0)
			mine++;
		else if (strcmp(before[i], after[i]) != 0)
			moved++;
	}
	/* a third each; of the others' slots, at most 5 % moved */
	assert_true(mine > MAGLEV_SIZE_TEST / 3 - 41 &&
	    mine < MAGLEV_SIZE_TEST / 3 + 41);
	assert_true(moved * 20 < MAGLEV_SIZE_TEST);
	/* quiescing rs3 is one refill of the table, nothing else */
	s = script_of(a, b, 0);
	assert_int_equal(count_of(s, "flush map"), 1);
	assert_int_equal(count_of(s, "add element"), 1);
	free(s);
	config_free(a);
	config_free(b);
}

/* ---- direct routing ---- */

static const uint8_t ifmac[6] = { 2, 0, 0, 0, 0, 1 };

static void
env_l2(struct lb_nft_env *env, const char *addr, uint8_t last)
{
	struct cfg_addr a;
	struct lb_l2 l2;

	memset(&l2, 0, sizeof(l2));
	str_copy(l2.l2_ifname, "c0", sizeof(l2.l2_ifname));
	memcpy(l2.l2_ifmac, ifmac, 6);
	memcpy(l2.l2_mac, ifmac, 6);
	l2.l2_mac[4] = 1;
	l2.l2_mac[5] = last;
	assert_int_equal(cfg_addr_parse(&a, addr), 0);
	assert_int_equal(lb_nft_env_add_l2(env, &a, &l2), 0);
}

static void
env_vip(struct lb_nft_env *env, const char *addr, const char *dev)
{
	struct cfg_addr a;

	assert_int_equal(cfg_addr_parse(&a, addr), 0);
	assert_int_equal(lb_nft_env_add_vip(env, &a, dev), 0);
}

/* The VIPs on c0, real servers .11 and .12 resolved (.13 when all). */
static void
env_dr(struct lb_nft_env *env, int all)
{
	lb_nft_env_init(env);
	env_vip(env, "10.201.0.200", "c0");
	env_vip(env, "10.201.0.201", "c0");
	env_vip(env, "fd00:201::200", "c0");
	env_l2(env, "10.203.0.11", 0x11);
	env_l2(env, "10.203.0.12", 0x12);
	if (all)
		env_l2(env, "10.203.0.13", 0x13);
	env_l2(env, "fd00:203::11", 0x61);
}

static struct shoal_config *
cfg_dr(int w2)
{
	struct shoal_config *cfg = config_new();
	struct cfg_virtual *vs;

	assert_non_null(cfg);
	cfg->c_global.g_network = CFG_NET_DIRECT;
	cfg->c_global.g_tcp_timeout = 600;
	/* wrr 1:2:3 */
	vs = add_virtual(cfg, "dr", "10.201.0.200", 80, CFG_SCHED_WRR);
	add_server(vs, "a", "10.203.0.11", 1);
	add_server(vs, "b", "10.203.0.12", w2);
	add_server(vs, "c", "10.203.0.13", 3);
	/* persistence by /24, 120 s */
	vs = add_virtual(cfg, "drp", "10.201.0.201", 80, CFG_SCHED_RR);
	vs->vs_persistent = 120;
	vs->vs_pmask = 24;
	add_server(vs, "a", "10.203.0.11", 1);
	add_server(vs, "b", "10.203.0.12", 1);
	/* IPv6 UDP by source hash */
	vs = add_virtual(cfg, "dr6", "fd00:201::200", 53, CFG_SCHED_SH);
	vs->vs_protocol = CFG_PROTO_UDP;
	add_server(vs, "a", "fd00:203::11", 1);
	return cfg;
}

static void
test_dr_full(void **state)
{
	struct shoal_config *cfg = cfg_dr(2);
	struct lb_nft_env env;
	char *s;

	(void)state;
	env_dr(&env, 0);
	s = script_env(NULL, NULL, cfg, &env, 0);
	assert_non_null(s);
	check_golden("dr.nft", s);
	/* .13 is unresolved: in no map, no chain */
	assert_null(strstr(s, "10.203.0.13"));
	free(s);
	/* no layer-2 facts at all: no real server, no ingress hook */
	s = script_env(NULL, NULL, cfg, NULL, 0);
	assert_non_null(s);
	assert_null(strstr(s, "fwd to"));
	assert_null(strstr(s, "hook ingress"));
	free(s);
	lb_nft_env_clear(&env);
	config_free(cfg);
}

/* .13 resolves and a weight changes: flows and persistence stay. */
static void
test_dr_update(void **state)
{
	struct shoal_config *a = cfg_dr(2), *b = cfg_dr(5);
	struct lb_nft_env ea, eb;
	char *s;

	(void)state;
	env_dr(&ea, 0);
	env_dr(&eb, 1);
	s = script_env(a, &ea, b, &eb, 0);
	assert_non_null(s);
	check_golden("dr-update.nft", s);
	assert_int_equal(count_of(s, " set netdev shoal "), 0);
	assert_null(strstr(s, "map netdev shoal vs_tcp_10.201.0.200_80_f"));
	assert_null(strstr(s, "hook ingress"));
	free(s);
	/* the VIP moves to another interface: the hook moves with it */
	lb_nft_env_clear(&eb);
	env_dr(&eb, 0);
	eb.ne_vips[0].v_ifname[1] = '9';
	s = script_env(a, &ea, a, &eb, 0);
	assert_non_null(strstr(s, "delete chain netdev shoal ingress\n"));
	assert_non_null(strstr(s, "devices = { \"c0\", \"c9\" }"));
	free(s);
	lb_nft_env_clear(&ea);
	lb_nft_env_clear(&eb);
	config_free(a);
	config_free(b);
}

/* ---- the capability table (config/lbcaps.h) ---- */

/*
 * A state of one service of that shape (direct routing resolvable in env):
 * its script, and whether the generator says it can express it.
 */
static char *
script_shape(enum cfg_network fwd, enum cfg_scheduler sched, int fwmark,
    int port_differs, const struct lb_nft_env *env, int *expressible)
{
	struct lb_state st, eff;
	struct lb_service svc;
	struct lb_svc_key k;
	struct lb_dest d;
	char *s;

	memset(&k, 0, sizeof(k));
	k.ks_af = AF_INET;
	if (fwmark)
		k.ks_fwmark = 5;
	else {
		assert_int_equal(cfg_addr_parse(&k.ks_addr, "10.201.0.200"), 0);
		k.ks_port = 80;
	}
	lb_service_init(&svc, &k);
	svc.s_fwd = fwd;
	svc.s_sched = sched;
	memset(&d, 0, sizeof(d));
	assert_int_equal(cfg_addr_parse(&d.d_addr, "10.203.0.11"), 0);
	d.d_port = fwmark ? 0 : port_differs ? 8080 : 80;
	d.d_weight = 1;
	assert_int_equal(lb_service_set_dest(&svc, &d), 0);
	lb_state_init(&st);
	lb_state_init(&eff);
	assert_int_equal(lb_state_add_service(&st, &svc), 0);
	assert_int_equal(lb_state_effective(&eff, &st), 0);
	s = lb_nft_script(NULL, NULL, &eff, env);
	*expressible = lb_nft_expressible(&eff.st_svcs[0]);
	lb_service_clear(&svc);
	lb_state_clear(&st);
	lb_state_clear(&eff);
	return s;
}

/*
 * The nftables generator has rules for exactly what the table accepts
 * (and then builds a script), and every fallback the table names is itself
 * accepted: each forwarding method, scheduler, fwmark or not, real server
 * port equal or not.
 */
static void
test_caps_agree(void **state)
{
	struct lbcap_result res[LBCAP_MAX_RESULTS];
	struct lbcap_service ls;
	struct lb_nft_env env;
	int fwd, sched, fw, pd, ex;
	size_t n, i;
	char *s;

	(void)state;
	env_dr(&env, 1);
	for (fwd = CFG_NET_NAT; fwd <= CFG_NET_TUNNEL; fwd++)
	for (sched = CFG_SCHED_WLC; sched <= CFG_SCHED_MH; sched++)
	for (fw = 0; fw <= 1; fw++)
	for (pd = 0; pd <= 1; pd++) {
		memset(&ls, 0, sizeof(ls));
		ls.ls_fwd = (enum cfg_network)fwd;
		ls.ls_sched = (enum cfg_scheduler)sched;
		ls.ls_fwmark = fw;
		ls.ls_port_differs = pd && !fw;
		n = lbcap_check(CFG_LB_NFTABLES, &ls, res);
		s = script_shape(ls.ls_fwd, ls.ls_sched, fw, pd && !fw, &env,
		    &ex);
		if ((n == 0) != ex || (n == 0) != (s != NULL))
			fail_msg("network %s scheduler %s fwmark %d port %d: "
			    "table says %s, generator %s, script %s",
			    cfg_network_name(ls.ls_fwd), cfg_scheduler_name(
			    ls.ls_sched), fw, pd, n == 0 ? "ok" : "refused",
			    ex ? "has rules" : "has none", s != NULL ? "built" :
			    "refused");
		free(s);
		for (i = 0; i < n; i++) {
			if (res[i].lr_verdict != LBCAP_FALLBACK)
				continue;
			assert_int_equal(res[i].lr_what, LBCAP_SCHEDULER);
			assert_int_equal(lb_nft_fallback(ls.ls_sched),
			    res[i].lr_fallback);
			s = script_shape(CFG_NET_NAT, res[i].lr_fallback, 0, 0,
			    &env, &ex);
			assert_non_null(s);
			assert_true(ex);
			free(s);
		}
	}
	/* IPVS runs everything */
	ls.ls_fwd = CFG_NET_TUNNEL;
	ls.ls_sched = CFG_SCHED_LBLCR;
	ls.ls_fwmark = 1;
	assert_int_equal(lbcap_check(CFG_LB_IPVS, &ls, res), 0);
	lb_nft_env_clear(&env);
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
		cmocka_unit_test(test_sync_syn_only),
		cmocka_unit_test(test_persist_update),
		cmocka_unit_test(test_maglev),
		cmocka_unit_test(test_dr_full),
		cmocka_unit_test(test_dr_update),
		cmocka_unit_test(test_caps_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
