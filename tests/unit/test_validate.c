/*
 * test_validate.c - the whole-config validator on configs built in code
 * (as the web API builds them: field paths, no file positions) and on
 * configs with source maps (file positions).
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

static struct shoal_config *
base(void)
{
	struct shoal_config *c = config_new();
	struct cfg_virtual *vs = cfg_virtual_new(CFG_VS_VIRTUAL, "web");
	struct cfg_server *rs = cfg_server_new("r1", 80);

	assert_int_equal(cfg_addr_parse(&c->c_global.g_primary, "10.0.0.1"), 0);
	assert_int_equal(cfg_addr_parse(&vs->vs_address, "10.0.1.1"), 0);
	vs->vs_active = 1;
	/* a scheduler every backend runs: test_backends is about the rest */
	vs->vs_scheduler = CFG_SCHED_WRR;
	assert_int_equal(cfg_addr_parse(&rs->rs_address, "10.0.2.1"), 0);
	TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
	TAILQ_INSERT_TAIL(&c->c_virtuals, vs, vs_entry);
	return c;
}

/* Validates and returns every item as "field: severity: message\n". */
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
expect(const struct shoal_config *c, int rv, const char *want)
{
	char *got = run(c, rv);

	if (strcmp(got, want) != 0)
		fail_msg("expected\n%sgot\n%s", want, got);
	free(got);
}

static void
test_clean(void **state)
{
	struct shoal_config *c = base();

	(void)state;
	expect(c, 0, "");
	config_free(c);
}

static void
test_ranges(void **state)
{
	struct shoal_config *c = base();
	struct cfg_virtual *vs = TAILQ_FIRST(&c->c_virtuals);
	struct cfg_node *n = cfg_node_new("n1");

	(void)state;
	c->c_global.g_keepalive_ms = 0;
	c->c_global.g_arp_count = 101;
	vs->vs_port = 0;
	vs->vs_http_status = strdup("200-399,600");
	vs->vs_rise = 0;	/* 0 = unset: fine */
	vs->vs_fall = 101;
	vs->vs_scheduler = (enum cfg_scheduler)42;
	TAILQ_FIRST(&vs->vs_servers)->rs_weight = -1;
	n->n_priority = 256;
	assert_int_equal(cfg_addr_parse(&n->n_address, "10.0.0.1"), 0);
	TAILQ_INSERT_TAIL(&c->c_nodes, n, n_entry);
	expect(c, -1,
	    "global.keepalive: error: invalid argument for keepalive: out of "
	    "range (0.001-3600 seconds)\n"
	    "global.arp_count: error: invalid argument for arp_count: out of "
	    "range (0-100)\n"
	    "node[n1].priority: error: invalid argument for priority: out of "
	    "range (1-255)\n"
	    "virtual[web].port: error: invalid argument for port: out of "
	    "range (1-65535)\n"
	    "virtual[web].scheduler: error: invalid argument for scheduler: "
	    "unknown value 42\n"
	    "virtual[web].fall: error: invalid argument for fall: out of "
	    "range (1-100)\n"
	    "virtual[web].http_status: error: invalid argument for "
	    "http_status: want status codes (100-599) and ranges, "
	    "comma-separated, like 200-399,404 (at most 16)\n"
	    "server[web/r1].weight: error: invalid argument for weight: out "
	    "of range (0-65535)\n");
	config_free(c);
}

static void
test_masks_and_addresses(void **state)
{
	struct shoal_config *c = base();
	struct cfg_virtual *vs = TAILQ_FIRST(&c->c_virtuals);
	struct cfg_virtual *v6 = cfg_virtual_new(CFG_VS_VIRTUAL, "v6");

	(void)state;
	vs->vs_nmask = 33;
	vs->vs_pmask = 32;
	vs->vs_device = strdup("eth0 1");
	TAILQ_FIRST(&vs->vs_servers)->rs_address.family = 0;
	assert_int_equal(cfg_addr_parse(&v6->vs_address, "fd00::1"), 0);
	v6->vs_nmask = 128;
	v6->vs_pmask = 129;
	TAILQ_INSERT_TAIL(&c->c_virtuals, v6, vs_entry);
	expect(c, -1,
	    "virtual[web].address: error: invalid argument for address: bad "
	    "device name (1 to 15 characters, no blanks)\n"
	    "virtual[web].vip_nmask: error: Bad subnet mask specified\n"
	    "server[web/r1].address: error: missing arguments: address is "
	    "required\n"
	    "virtual[v6].pmask: error: Bad subnet mask specified\n");
	config_free(c);
}

static void
test_strings(void **state)
{
	struct shoal_config *c = base();
	struct cfg_virtual *vs = TAILQ_FIRST(&c->c_virtuals);
	struct cfg_virtual *fo = cfg_virtual_new(CFG_VS_FAILOVER, "ftp");

	(void)state;
	/* a newline in a command: Piranha's GUI let that inject commands */
	c->c_global.g_active_cmd = strdup("/bin/true\nrm -rf /");
	vs->vs_send = strdup("it's \"quoted\"");
	vs->vs_start_cmd = strdup("/bin/true");
	vs->vs_http_path = strdup("status");
	c->c_global.g_heartbeat_key = strdup("short");
	assert_int_equal(cfg_addr_parse(&fo->vs_address, "10.0.1.9"), 0);
	fo->vs_start_cmd = strdup("/bin/true");
	TAILQ_INSERT_TAIL(&c->c_failovers, fo, vs_entry);
	assert_int_equal(cfg_kept_add(&vs->vs_kept, "debug_level", "x"), 0);
	expect(c, -1,
	    "global.active_cmd: error: invalid argument for active_cmd: "
	    "control character 0x0a in value\n"
	    "global.heartbeat_key: warning: heartbeat_key is shorter than 16 "
	    "characters: easy to guess\n"
	    "virtual[web].send: error: invalid argument for send: a value "
	    "cannot hold both quote characters (\" and ')\n"
	    "virtual[web].start_cmd: error: invalid argument: start_cmd is "
	    "only valid in a failover block\n"
	    "virtual[web]: error: unknown command debug_level\n"
	    "virtual[web].http_path: error: invalid argument for http_path: "
	    "must start with '/'\n");
	config_free(c);
}

static void
test_names(void **state)
{
	struct shoal_config *c = base();
	struct cfg_virtual *vs = TAILQ_FIRST(&c->c_virtuals);
	struct cfg_virtual *v2 = cfg_virtual_new(CFG_VS_VIRTUAL, "web");
	struct cfg_virtual *v3 = cfg_virtual_new(CFG_VS_VIRTUAL, "bad name");
	struct cfg_server *rs = cfg_server_new("r1", 80);

	(void)state;
	assert_int_equal(cfg_addr_parse(&rs->rs_address, "10.0.2.2"), 0);
	TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
	assert_int_equal(cfg_addr_parse(&v2->vs_address, "10.0.1.2"), 0);
	assert_int_equal(cfg_addr_parse(&v3->vs_address, "10.0.1.3"), 0);
	TAILQ_INSERT_TAIL(&c->c_virtuals, v2, vs_entry);
	TAILQ_INSERT_TAIL(&c->c_virtuals, v3, vs_entry);
	expect(c, -1,
	    "virtual#2: error: invalid argument: a name has 1 to 63 "
	    "characters and no blanks, quotes or any of #={}[]/\n"
	    "virtual[web]: error: duplicate virtual name web\n"
	    "server[web/r1]: error: duplicate server name web/r1\n");
	config_free(c);
}

static void
test_duplicate_services(void **state)
{
	struct shoal_config *c = base();
	struct cfg_virtual *v2 = cfg_virtual_new(CFG_VS_VIRTUAL, "web2");
	struct cfg_virtual *v3 = cfg_virtual_new(CFG_VS_VIRTUAL, "web3");
	struct cfg_virtual *v4 = cfg_virtual_new(CFG_VS_VIRTUAL, "udp");
	struct cfg_virtual *m1 = cfg_virtual_new(CFG_VS_VIRTUAL, "m1");
	struct cfg_virtual *m2 = cfg_virtual_new(CFG_VS_VIRTUAL, "m2");

	(void)state;
	/* about duplicates only: a backend that runs every scheduler */
	c->c_global.g_lb_backend = CFG_LB_IPVS;
	/* same VIP:port:proto, active: an error */
	assert_int_equal(cfg_addr_parse(&v2->vs_address, "10.0.1.1"), 0);
	v2->vs_active = 1;
	/* same but inactive: fine */
	assert_int_equal(cfg_addr_parse(&v3->vs_address, "10.0.1.1"), 0);
	/* same VIP:port over udp: fine */
	assert_int_equal(cfg_addr_parse(&v4->vs_address, "10.0.1.1"), 0);
	v4->vs_active = 1;
	v4->vs_protocol = CFG_PROTO_UDP;
	/* fwmark services are keyed by the mark */
	assert_int_equal(cfg_addr_parse(&m1->vs_address, "10.0.1.5"), 0);
	assert_int_equal(cfg_addr_parse(&m2->vs_address, "10.0.1.6"), 0);
	m1->vs_active = m2->vs_active = 1;
	m1->vs_fwmark = m2->vs_fwmark = 7;
	TAILQ_INSERT_TAIL(&c->c_virtuals, v2, vs_entry);
	TAILQ_INSERT_TAIL(&c->c_virtuals, v3, vs_entry);
	TAILQ_INSERT_TAIL(&c->c_virtuals, v4, vs_entry);
	TAILQ_INSERT_TAIL(&c->c_virtuals, m1, vs_entry);
	TAILQ_INSERT_TAIL(&c->c_virtuals, m2, vs_entry);
	expect(c, -1,
	    "virtual[web2].address: error: duplicate active virtual service "
	    "10.0.1.1:80/tcp\n"
	    "virtual[m2].fwmark: error: duplicate active virtual service "
	    "fwmark 7/tcp\n");
	config_free(c);
}

static void
test_nodes(void **state)
{
	struct shoal_config *c = base();
	struct cfg_node *n1 = cfg_node_new("n1"), *n2 = cfg_node_new("n2");
	struct cfg_node *n3 = cfg_node_new("n3");

	(void)state;
	assert_int_equal(cfg_addr_parse(&n1->n_address, "10.0.0.5"), 0);
	assert_int_equal(cfg_addr_parse(&n2->n_address, "10.0.0.5"), 0);
	assert_int_equal(cfg_addr_parse(&c->c_global.g_backup, "10.0.0.7"), 0);
	TAILQ_INSERT_TAIL(&c->c_nodes, n1, n_entry);
	TAILQ_INSERT_TAIL(&c->c_nodes, n2, n_entry);
	TAILQ_INSERT_TAIL(&c->c_nodes, n3, n_entry);
	expect(c, -1,
	    "global.primary: error: invalid host name or ip address: primary "
	    "10.0.0.1 is not the address of a node\n"
	    "global.backup: error: invalid host name or ip address: backup "
	    "10.0.0.7 is not the address of a node\n"
	    "node[n3].address: error: missing arguments: address is required\n"
	    "node[n2].address: error: duplicate node address 10.0.0.5\n");
	/* nodes alone (no primary, backup 0.0.0.0) are a cluster */
	memset(&c->c_global.g_primary, 0, sizeof(c->c_global.g_primary));
	assert_int_equal(cfg_addr_parse(&c->c_global.g_backup, "0.0.0.0"), 0);
	assert_int_equal(cfg_addr_parse(&n2->n_address, "10.0.0.6"), 0);
	assert_int_equal(cfg_addr_parse(&n3->n_address, "10.0.0.7"), 0);
	expect(c, 0, "");
	/* neither nodes nor primary: no members */
	TAILQ_REMOVE(&c->c_nodes, n1, n_entry);
	TAILQ_REMOVE(&c->c_nodes, n2, n_entry);
	TAILQ_REMOVE(&c->c_nodes, n3, n_entry);
	cfg_node_free(n1);
	cfg_node_free(n2);
	cfg_node_free(n3);
	expect(c, -1, "global.primary: error: missing arguments: primary is "
	    "required when there are no node blocks\n");
	config_free(c);
}

static void
test_timing_warning(void **state)
{
	struct shoal_config *c = base();

	(void)state;
	c->c_global.g_keepalive_ms = 2000;
	c->c_global.g_deadtime_ms = 2000;
	expect(c, 0, "global.deadtime: warning: deadtime (2 s) should be "
	    "longer than keepalive (2 s)\n");
	config_free(c);
}

/* The protocol checks' settings, as the API sets them (field paths). */
static void
test_check_settings(void **state)
{
	struct shoal_config *c = base();
	struct cfg_virtual *vs = TAILQ_FIRST(&c->c_virtuals);

	(void)state;
	/* each setting is fine with the check that uses it */
	vs->vs_check = CFG_CHECK_IMAP;
	vs->vs_starttls = 1;
	vs->vs_tls_verify = 1;
	vs->vs_tls_ca = strdup("/etc/ssl/ca.pem");
	vs->vs_tls_name = strdup("imap.example.com");
	expect(c, 0, "");
	/* and refused with one that does not */
	vs->vs_check = CFG_CHECK_HTTP;
	expect(c, -1, "virtual[web].starttls: error: invalid argument: "
	    "starttls needs check = smtp, pop3, imap, ftp, nntp or ldap\n");
	vs->vs_starttls = 0;
	vs->vs_check = CFG_CHECK_HTTPS;
	expect(c, 0, "");
	vs->vs_tls_verify = 0;
	expect(c, -1, "virtual[web].tls_ca: error: invalid argument: tls_ca "
	    "is used only with tls_verify = 1\n");
	free(vs->vs_tls_ca);
	vs->vs_tls_ca = NULL;
	vs->vs_check = CFG_CHECK_DNS;
	vs->vs_dns_type = strdup("mx");
	vs->vs_dns_rcode = strdup("NOERROR,SERVFAIL");
	vs->vs_dns_answer = strdup("mail.example.com");
	expect(c, -1, "virtual[web].tls_name: error: invalid argument: "
	    "tls_name needs TLS: check = https, or starttls = 1 with a "
	    "protocol check\n");
	free(vs->vs_tls_name);
	vs->vs_tls_name = NULL;
	expect(c, 0, "");
	/* auto on UDP port 53 is a DNS check too; on TCP port 80 it is not */
	vs->vs_check = CFG_CHECK_AUTO;
	vs->vs_protocol = CFG_PROTO_UDP;
	vs->vs_port = 53;
	expect(c, 0, "");
	vs->vs_protocol = CFG_PROTO_TCP;
	vs->vs_port = 80;
	expect(c, -1, "virtual[web].dns_type: error: invalid argument: "
	    "dns_type is used only by the dns check (check = dns)\n");
	vs->vs_check = CFG_CHECK_DNS;
	free(vs->vs_dns_rcode);
	vs->vs_dns_rcode = strdup("NOERROR;NXDOMAIN");
	expect(c, -1, "virtual[web].dns_rcode: error: invalid argument for "
	    "dns_rcode: want response code names separated by commas, such "
	    "as NOERROR,NXDOMAIN\n");
	config_free(c);
}

static void
test_failover_servers(void **state)
{
	struct shoal_config *c = base();
	struct cfg_virtual *fo = cfg_virtual_new(CFG_VS_FAILOVER, "f");
	struct cfg_server *rs = cfg_server_new("r", 80);

	(void)state;
	assert_int_equal(cfg_addr_parse(&fo->vs_address, "10.0.1.9"), 0);
	assert_int_equal(cfg_addr_parse(&rs->rs_address, "10.0.2.9"), 0);
	TAILQ_INSERT_TAIL(&fo->vs_servers, rs, rs_entry);
	TAILQ_INSERT_TAIL(&c->c_failovers, fo, vs_entry);
	expect(c, -1, "failover[f]: error: invalid argument: a failover "
	    "service has no real servers\n");
	config_free(c);
}

static void
test_positions(void **state)
{
	struct shoal_config *c = base();
	struct cfg_virtual *vs = TAILQ_FIRST(&c->c_virtuals);

	(void)state;
	/* with a file and source maps, errors carry FILE:LINE:COL */
	c->c_file = strdup("lvs.cf");
	vs->vs_src = cfg_srcmap_new(10, 1);
	assert_int_equal(cfg_srcmap_add(vs->vs_src, "port", 12, 12), 0);
	vs->vs_port = 0;
	vs->vs_fall = 200;
	/* ... in file order (fall is checked after port) */
	expect(c, -1,
	    "lvs.cf:10:1: error: invalid argument for fall: out of range "
	    "(1-100)\n"
	    "lvs.cf:12:12: error: invalid argument for port: out of range "
	    "(1-65535)\n");
	config_free(c);
}

/*
 * What the backend can run (config/lbcaps.h): with lvs_backend = nftables
 * a refusal is an error naming the field; with auto, a warning naming the
 * fallback (or that the service is not programmed); with ipvs, nothing.
 */
static void
test_backends(void **state)
{
	struct shoal_config *c = base();
	struct cfg_virtual *vs = TAILQ_FIRST(&c->c_virtuals);
	struct cfg_virtual *m = cfg_virtual_new(CFG_VS_VIRTUAL, "marked");

	(void)state;
	vs->vs_scheduler = CFG_SCHED_WLC;
	assert_int_equal(cfg_addr_parse(&m->vs_address, "10.0.1.9"), 0);
	m->vs_active = 1;
	m->vs_fwmark = 3;
	m->vs_scheduler = CFG_SCHED_SH;
	TAILQ_INSERT_TAIL(&c->c_virtuals, m, vs_entry);
	c->c_global.g_lb_backend = CFG_LB_NFTABLES;
	expect(c, -1,
	    "virtual[web].scheduler: error: scheduler = wlc needs per-server "
	    "connection counts, which the nftables backend does not keep (it "
	    "runs rr, wrr, sh, dh and mh) (lvs_backend = nftables; IPVS runs "
	    "it)\n");
	c->c_global.g_lb_backend = CFG_LB_AUTO;
	expect(c, 0,
	    "virtual[web].scheduler: warning: scheduler = wlc needs per-server "
	    "connection counts, which the nftables backend does not keep (it "
	    "runs rr, wrr, sh, dh and mh): on a node without IPVS, "
	    "lvs_backend = auto falls back to nftables, which runs it as "
	    "wrr\n");
	/* direct routing: a fwmark service, and a real server on 8080 */
	c->c_global.g_network = CFG_NET_DIRECT;
	vs->vs_scheduler = CFG_SCHED_WRR;
	TAILQ_FIRST(&vs->vs_servers)->rs_active = 1;
	TAILQ_FIRST(&vs->vs_servers)->rs_port = 8080;
	c->c_global.g_lb_backend = CFG_LB_NFTABLES;
	expect(c, -1,
	    "server[web/r1].port: error: network = direct cannot change the "
	    "port: every real server must listen on the virtual server's port "
	    "(lvs_backend = nftables; IPVS runs it)\n"
	    "virtual[marked].fwmark: error: a fwmark service with network = "
	    "direct: the nftables backend routes directly at the ingress "
	    "hook, before any mark is set (lvs_backend = nftables; IPVS runs "
	    "it)\n");
	/* a tunnel: said once, at the global key */
	c->c_global.g_network = CFG_NET_TUNNEL;
	TAILQ_FIRST(&vs->vs_servers)->rs_port = 80;
	c->c_global.g_lb_backend = CFG_LB_AUTO;
	expect(c, 0,
	    "global.network: warning: network = tunnel (IP-in-IP) is IPVS "
	    "only: the nftables backend does NAT and direct routing: on a node "
	    "without IPVS, lvs_backend = auto falls back to nftables, which "
	    "cannot run it: the service is not programmed there and its VIP "
	    "not taken\n");
	c->c_global.g_lb_backend = CFG_LB_IPVS;
	expect(c, 0, "");
	config_free(c);
}

/*
 * What IPVS refuses is refused before it gets there: a real or sorry
 * server of the other family (tunnels excepted) and an IPv6 pmask of 0.
 */
static void
test_lb_families(void **state)
{
	struct shoal_config *c = base();
	struct cfg_virtual *vs = TAILQ_FIRST(&c->c_virtuals);
	struct cfg_virtual *v6 = cfg_virtual_new(CFG_VS_VIRTUAL, "v6");
	struct cfg_server *rs = cfg_server_new("r6", 80);

	(void)state;
	/* what IPVS refuses (auto would add nftables' tunnel warning) */
	c->c_global.g_lb_backend = CFG_LB_IPVS;
	assert_int_equal(cfg_addr_parse(&rs->rs_address, "fd00::2"), 0);
	TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
	assert_int_equal(cfg_addr_parse(&vs->vs_sorry_server, "fd00::9"), 0);
	assert_int_equal(cfg_addr_parse(&v6->vs_address, "fd00::1"), 0);
	v6->vs_persistent = 60;
	v6->vs_pmask = 0;
	TAILQ_INSERT_TAIL(&c->c_virtuals, v6, vs_entry);
	expect(c, -1,
	    "virtual[web].sorry_server: error: invalid argument for "
	    "sorry_server: not of the virtual server's address family (only "
	    "network = tunnel crosses families)\n"
	    "server[web/r6].address: error: invalid argument for address: an "
	    "IPv6 real server in an IPv4 virtual server (only network = "
	    "tunnel crosses families)\n"
	    "virtual[v6].pmask: error: Bad subnet mask specified: an IPv6 "
	    "virtual server takes a prefix of 1 to 128\n");
	/* a tunnel may cross families; /1 and /128 are prefixes IPVS takes */
	c->c_global.g_network = CFG_NET_TUNNEL;
	v6->vs_pmask = 1;
	expect(c, 0, "");
	v6->vs_pmask = 128;
	expect(c, 0, "");
	/* but the sync daemon cannot carry a tunnel's cross-family servers */
	c->c_global.g_syncdaemon = 1;
	expect(c, -1,
	    "server[web/r6].address: error: invalid argument for address: a "
	    "real server of another address family cannot be used with "
	    "syncdaemon = 1 (IPVS cannot sync its connections)\n");
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_masks_and_addresses),
		cmocka_unit_test(test_lb_families),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_duplicate_services),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_timing_warning),
		cmocka_unit_test(test_failover_servers),
		cmocka_unit_test(test_check_settings),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_backends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
