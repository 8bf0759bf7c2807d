/*
 * test_lb.c - desired states: built from a configuration, checked,
 * copied, sorry servers resolved; and the choice of backend.
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
#include <unistd.h>

#include "config/config.h"
#include "lb/lb.h"
#include "lb/lb_backend.h"
#include "lb/lb_own.h"

static struct cfg_virtual *
add_virtual(struct shoal_config *cfg, const char *name, const char *vip,
    uint16_t port)
{
	struct cfg_virtual *vs;

	assert_non_null(vs = cfg_virtual_new(CFG_VS_VIRTUAL, name));
	vs->vs_active = 1;
	assert_int_equal(cfg_addr_parse(&vs->vs_address, vip), 0);
	vs->vs_port = port;
	TAILQ_INSERT_TAIL(&cfg->c_virtuals, vs, vs_entry);
	return vs;
}

static struct cfg_server *
add_server(struct cfg_virtual *vs, const char *addr, int weight, int active)
{
	struct cfg_server *rs;

	assert_non_null(rs = cfg_server_new(addr, vs->vs_port));
	rs->rs_active = active;
	rs->rs_weight = weight;
	assert_int_equal(cfg_addr_parse(&rs->rs_address, addr), 0);
	TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
	return rs;
}

static void
key4(struct lb_svc_key *k, const char *vip, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	k->ks_af = AF_INET;
	assert_int_equal(cfg_addr_parse(&k->ks_addr, vip), 0);
	k->ks_proto = CFG_PROTO_TCP;
	k->ks_port = port;
}

static void
dest(struct lb_dest *d, const char *addr, uint16_t port, int weight)
{
	memset(d, 0, sizeof(*d));
	assert_int_equal(cfg_addr_parse(&d->d_addr, addr), 0);
	d->d_port = port;
	d->d_weight = weight;
}

static void
test_from_config(void **state)
{
	struct shoal_config *cfg = config_new();
	struct cfg_virtual *vs;
	struct lb_state st;
	struct lb_service *svc;
	struct lb_svc_key k;

	(void)state;
	cfg->c_global.g_network = CFG_NET_DIRECT;
	cfg->c_global.g_tcp_timeout = 900;
	cfg->c_global.g_udp_timeout = 30;
	cfg->c_global.g_syncdaemon = 1;
	cfg->c_global.g_syncd_id = 4;
	vs = add_virtual(cfg, "web", "10.0.0.1", 80);
	vs->vs_scheduler = CFG_SCHED_SH;
	vs->vs_persistent = 60;
	vs->vs_pmask = 24;
	add_server(vs, "10.1.0.1", 2, 1);
	add_server(vs, "10.1.0.2", 1, 0);	/* inactive: left out */
	vs = add_virtual(cfg, "off", "10.0.0.2", 80);
	vs->vs_active = 0;
	vs = add_virtual(cfg, "mark", "10.0.0.3", 443);
	vs->vs_fwmark = 9;
	add_server(vs, "10.1.0.3", 1, 1);
	lb_state_init(&st);
	assert_int_equal(lb_state_from_config(&st, cfg, LB_SYNC_BACKUP), 0);
	assert_int_equal(st.st_nsvcs, 2);
	assert_int_equal(st.st_tcp_timeout, 900);
	assert_int_equal(st.st_udp_timeout, 30);
	assert_int_equal(st.st_sync, LB_SYNC_BACKUP);
	assert_string_equal(st.st_sync_iface, "eth0");
	assert_int_equal(st.st_sync_id, 4);
	key4(&k, "10.0.0.1", 80);
	assert_non_null(svc = lb_state_find(&st, &k));
	assert_string_equal(svc->s_name, "web");
	assert_int_equal(svc->s_sched, CFG_SCHED_SH);
	assert_int_equal(svc->s_fwd, CFG_NET_DIRECT);
	assert_int_equal(svc->s_persistent, 60);
	assert_int_equal(svc->s_pmask, 24);
	assert_int_equal(svc->s_ndests, 1);
	assert_int_equal(svc->s_dests[0].d_weight, 2);
	assert_int_equal(svc->s_dests[0].d_port, 80);
	/* fwmark: found by mark whatever the address; real servers port 0 */
	memset(&k, 0, sizeof(k));
	k.ks_af = AF_INET;
	k.ks_fwmark = 9;
	assert_non_null(svc = lb_state_find(&st, &k));
	assert_int_equal(svc->s_dests[0].d_port, 0);
	/* without syncdaemon there is no daemon in any role */
	cfg->c_global.g_syncdaemon = 0;
	assert_int_equal(lb_state_from_config(&st, cfg, LB_SYNC_MASTER), 0);
	assert_int_equal(st.st_sync, LB_SYNC_NONE);
	lb_state_clear(&st);
	config_free(cfg);
}

static void
test_keys(void **state)
{
	struct lb_svc_key a, b;
	char buf[LB_KEY_STRLEN];

	(void)state;
	key4(&a, "10.0.0.1", 80);
	key4(&b, "10.0.0.1", 80);
	assert_true(lb_svc_key_equal(&a, &b));
	b.ks_proto = CFG_PROTO_UDP;
	assert_false(lb_svc_key_equal(&a, &b));
	assert_string_equal(lb_svc_key_str(&b, buf, sizeof(buf)),
	    "udp 10.0.0.1:80");
	b.ks_proto = CFG_PROTO_TCP;
	b.ks_port = 81;
	assert_false(lb_svc_key_equal(&a, &b));
	/* fwmark services: the mark and family only */
	a.ks_fwmark = b.ks_fwmark = 3;
	assert_true(lb_svc_key_equal(&a, &b));
	b.ks_af = AF_INET6;
	assert_false(lb_svc_key_equal(&a, &b));
	assert_string_equal(lb_svc_key_str(&b, buf, sizeof(buf)),
	    "fwmark 3 (inet6)");
	memset(&a, 0, sizeof(a));
	a.ks_af = AF_INET6;
	assert_int_equal(cfg_addr_parse(&a.ks_addr, "fd00::1"), 0);
	a.ks_port = 53;
	assert_string_equal(lb_svc_key_str(&a, buf, sizeof(buf)),
	    "tcp [fd00::1]:53");
}

static void
test_services_and_copies(void **state)
{
	struct lb_state st, cp;
	struct lb_service svc;
	struct lb_svc_key k;
	struct lb_dest d;
	struct cfg_addr a;

	(void)state;
	key4(&k, "10.0.0.1", 80);
	lb_service_init(&svc, &k);
	assert_int_equal(svc.s_sched, CFG_SCHED_WLC);
	assert_int_equal(svc.s_fwd, CFG_NET_NAT);
	dest(&d, "10.1.0.1", 80, 1);
	assert_int_equal(lb_service_set_dest(&svc, &d), 0);
	d.d_weight = 5;		/* same address and port: replaced */
	assert_int_equal(lb_service_set_dest(&svc, &d), 0);
	assert_int_equal(svc.s_ndests, 1);
	assert_int_equal(svc.s_dests[0].d_weight, 5);
	dest(&d, "10.1.0.1", 8080, 1);	/* another port: another server */
	assert_int_equal(lb_service_set_dest(&svc, &d), 0);
	assert_int_equal(svc.s_ndests, 2);
	lb_state_init(&st);
	lb_state_init(&cp);
	assert_int_equal(lb_state_add_service(&st, &svc), 0);
	assert_int_equal(lb_state_add_service(&st, &svc), -1);	/* twice */
	assert_int_equal(lb_state_copy(&cp, &st), 0);
	/* a deep copy: changing the original leaves the copy alone */
	cfg_addr_parse(&a, "10.1.0.1");
	assert_int_equal(lb_service_del_dest(&st.st_svcs[0], &a, 80), 0);
	assert_int_equal(lb_service_del_dest(&st.st_svcs[0], &a, 80), -1);
	assert_int_equal(st.st_svcs[0].s_ndests, 1);
	assert_int_equal(cp.st_svcs[0].s_ndests, 2);
	assert_non_null(lb_service_find_dest(&cp.st_svcs[0], &a, 80));
	lb_service_clear(&svc);
	lb_state_clear(&st);
	lb_state_clear(&cp);
	assert_int_equal(st.st_nsvcs, 0);
}

static void
test_sorry_server(void **state)
{
	struct lb_state st, eff;
	struct lb_service svc;
	struct lb_svc_key k;
	struct lb_dest d;

	(void)state;
	key4(&k, "10.0.0.1", 80);
	lb_service_init(&svc, &k);
	assert_int_equal(cfg_addr_parse(&svc.s_sorry, "10.9.9.9"), 0);
	dest(&d, "10.1.0.1", 80, 0);	/* quiesced */
	assert_int_equal(lb_service_set_dest(&svc, &d), 0);
	lb_state_init(&st);
	lb_state_init(&eff);
	assert_int_equal(lb_state_add_service(&st, &svc), 0);
	/* nobody takes new connections: the sorry server does */
	assert_int_equal(lb_state_effective(&eff, &st), 0);
	assert_int_equal(eff.st_svcs[0].s_ndests, 2);
	assert_int_equal(eff.st_svcs[0].s_dests[0].d_weight, 0);
	assert_int_equal(eff.st_svcs[0].s_dests[1].d_weight, 1);
	assert_int_equal(eff.st_svcs[0].s_dests[1].d_port, 80);
	/* a live real server: no sorry server */
	st.st_svcs[0].s_dests[0].d_weight = 3;
	assert_int_equal(lb_state_effective(&eff, &st), 0);
	assert_int_equal(eff.st_svcs[0].s_ndests, 1);
	/* no sorry server configured: nothing added */
	st.st_svcs[0].s_dests[0].d_weight = 0;
	memset(&st.st_svcs[0].s_sorry, 0, sizeof(struct cfg_addr));
	assert_int_equal(lb_state_effective(&eff, &st), 0);
	assert_int_equal(eff.st_svcs[0].s_ndests, 1);
	lb_service_clear(&svc);
	lb_state_clear(&st);
	lb_state_clear(&eff);
}

static void
test_check(void **state)
{
	struct lb_state st;
	struct lb_service svc;
	struct lb_svc_key k;
	struct lb_dest d;

	(void)state;
	key4(&k, "10.0.0.1", 80);
	lb_service_init(&svc, &k);
	dest(&d, "10.1.0.1", 80, 1);
	lb_service_set_dest(&svc, &d);
	lb_state_init(&st);
	lb_state_add_service(&st, &svc);
	/* wlc (the default) needs connection counts: IPVS only */
	assert_int_equal(lb_state_check(&st, CFG_LB_NFTABLES), 1);
	assert_int_equal(lb_state_check(&st, CFG_LB_IPVS), 0);
	st.st_svcs[0].s_sched = CFG_SCHED_WRR;
	assert_int_equal(lb_state_check(&st, CFG_LB_NFTABLES), 0);
	/* direct routing: both; tunnels: IPVS only */
	st.st_svcs[0].s_fwd = CFG_NET_DIRECT;
	assert_int_equal(lb_state_check(&st, CFG_LB_IPVS), 0);
	assert_int_equal(lb_state_check(&st, CFG_LB_NFTABLES), 0);
	st.st_svcs[0].s_fwd = CFG_NET_TUNNEL;
	assert_int_equal(lb_state_check(&st, CFG_LB_NFTABLES), 1);
	st.st_svcs[0].s_fwd = CFG_NET_DIRECT;
	/* an IPv6 real server: only through an IPVS tunnel */
	dest(&d, "fd00::1", 80, 1);
	lb_service_set_dest(&st.st_svcs[0], &d);
	assert_int_equal(lb_state_check(&st, CFG_LB_IPVS), 1);
	st.st_svcs[0].s_fwd = CFG_NET_TUNNEL;
	assert_int_equal(lb_state_check(&st, CFG_LB_IPVS), 0);
	/* not with the sync daemon: the kernel refuses both together */
	st.st_sync = LB_SYNC_BACKUP;
	assert_int_equal(lb_state_check(&st, CFG_LB_IPVS), 1);
	st.st_sync = LB_SYNC_NONE;
	lb_service_del_dest(&st.st_svcs[0], &d.d_addr, 80);
	st.st_svcs[0].s_fwd = CFG_NET_NAT;
	/* weights out of range, and a server given twice */
	st.st_svcs[0].s_dests[0].d_weight = LB_WEIGHT_MAX + 1;
	assert_int_equal(lb_state_check(&st, CFG_LB_IPVS), 1);
	st.st_svcs[0].s_dests[0].d_weight = 1;
	dest(&d, "10.1.0.1", 80, 1);
	st.st_svcs[0].s_dests = realloc(st.st_svcs[0].s_dests,
	    2 * sizeof(d));
	st.st_svcs[0].s_dests[1] = d;
	st.st_svcs[0].s_ndests = st.st_svcs[0].s_capdests = 2;
	assert_int_equal(lb_state_check(&st, CFG_LB_IPVS), 1);
	lb_service_clear(&svc);
	lb_state_clear(&st);
	/* IPv6 persistence: /0 is refused by the kernel, /1../128 taken */
	memset(&k, 0, sizeof(k));
	k.ks_af = AF_INET6;
	assert_int_equal(cfg_addr_parse(&k.ks_addr, "fd00::100"), 0);
	k.ks_proto = CFG_PROTO_TCP;
	k.ks_port = 80;
	lb_service_init(&svc, &k);
	svc.s_persistent = 30;
	svc.s_pmask = 0;
	lb_state_init(&st);
	lb_state_add_service(&st, &svc);
	assert_int_equal(lb_state_check(&st, CFG_LB_IPVS), 1);
	st.st_svcs[0].s_pmask = 1;
	assert_int_equal(lb_state_check(&st, CFG_LB_IPVS), 0);
	st.st_svcs[0].s_pmask = 128;
	assert_int_equal(lb_state_check(&st, CFG_LB_IPVS), 0);
	lb_state_clear(&st);
}

static void
test_attrs_equal(void **state)
{
	struct lb_service a, b;
	struct lb_svc_key k;

	(void)state;
	key4(&k, "10.0.0.1", 80);
	lb_service_init(&a, &k);
	lb_service_init(&b, &k);
	assert_true(lb_service_attrs_equal(&a, &b));
	/* pmask matters only with persistence, and /32 == unset */
	b.s_pmask = 24;
	assert_true(lb_service_attrs_equal(&a, &b));
	a.s_persistent = b.s_persistent = 60;
	assert_false(lb_service_attrs_equal(&a, &b));
	b.s_pmask = 32;
	assert_true(lb_service_attrs_equal(&a, &b));
	b.s_sched = CFG_SCHED_RR;
	assert_false(lb_service_attrs_equal(&a, &b));
}

/* auto picks IPVS only when the kernel has it; else nftables. */
static void
test_open_auto(void **state)
{
	struct lb *lb;

	(void)state;
	if (lb_ipvs_available()) {
		lb = lb_open(CFG_LB_AUTO);
		assert_non_null(lb);
		assert_int_equal(lb_kind(lb), CFG_LB_IPVS);
		lb_close(lb);
		return;
	}
	/* no IPVS: asking for it fails cleanly, auto falls back */
	assert_null(lb_open(CFG_LB_IPVS));
	lb = lb_open(CFG_LB_AUTO);
	if (!LB_TEST_NFT) {	/* built without libnftables */
		assert_null(lb);
		return;
	}
	assert_non_null(lb);
	{
		assert_int_equal(lb_kind(lb), CFG_LB_NFTABLES);
		assert_int_equal(lb_current(lb)->st_nsvcs, 0);
		lb_close(lb);
	}
}

/*
 * What nftables runs: under `auto` (no IPVS) a scheduler it lacks runs as
 * its fallback, said in the note; with lvs_backend = nftables it is
 * refused; a tunnel is refused either way.
 */
static void
test_runnable(void **state)
{
	struct lb *a, *n;
	struct lb_service svc;
	struct lb_svc_key k;
	struct lb_dest d;
	char why[200];

	(void)state;
	if (lb_ipvs_available() || !LB_TEST_NFT)
		skip();
	assert_non_null(a = lb_open(CFG_LB_AUTO));
	assert_non_null(n = lb_open(CFG_LB_NFTABLES));
	key4(&k, "10.0.0.1", 80);
	lb_service_init(&svc, &k);		/* wlc, nat */
	dest(&d, "10.1.0.1", 80, 1);
	lb_service_set_dest(&svc, &d);
	assert_int_equal(lb_service_runnable(a, &svc, why, sizeof(why)), 1);
	assert_string_equal(why, "scheduler wlc runs as wrr (no IPVS in this "
	    "kernel)");
	assert_int_equal(lb_service_runnable(n, &svc, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "scheduler = wlc needs per-server "
	    "connection counts"));
	svc.s_sched = CFG_SCHED_LBLC;
	assert_int_equal(lb_service_runnable(a, &svc, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "runs as dh"));
	svc.s_sched = CFG_SCHED_MH;
	assert_int_equal(lb_service_runnable(n, &svc, why, sizeof(why)), 1);
	assert_string_equal(why, "");
	svc.s_fwd = CFG_NET_TUNNEL;
	assert_int_equal(lb_service_runnable(a, &svc, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "network = tunnel (IP-in-IP) is IPVS "
	    "only"));
	lb_service_clear(&svc);
	lb_close(a);
	lb_close(n);
}

/* The ownership file: what it records, read back; bad lines skipped. */
static void
test_owner_file(void **state)
{
	char path[] = "/tmp/shoal-test-own.XXXXXX";
	struct lb_state a, b, back;
	struct lb_service svc;
	struct lb_svc_key k;
	enum cfg_lb_backend kind;
	char *text;
	FILE *fp;
	int fd;

	(void)state;
	lb_state_init(&a);
	lb_state_init(&b);
	lb_state_init(&back);
	memset(&k, 0, sizeof(k));
	k.ks_af = AF_INET;
	assert_int_equal(cfg_addr_parse(&k.ks_addr, "10.0.0.1"), 0);
	k.ks_proto = CFG_PROTO_TCP;
	k.ks_port = 80;
	lb_service_init(&svc, &k);
	assert_int_equal(lb_state_add_service(&a, &svc), 0);
	assert_int_equal(lb_state_add_service(&b, &svc), 0);	/* once */
	memset(&k, 0, sizeof(k));
	k.ks_af = AF_INET6;
	k.ks_fwmark = 7;
	lb_service_init(&svc, &k);
	assert_int_equal(lb_state_add_service(&b, &svc), 0);
	memset(&k, 0, sizeof(k));
	k.ks_af = AF_INET6;
	assert_int_equal(cfg_addr_parse(&k.ks_addr, "fd00::53"), 0);
	k.ks_proto = CFG_PROTO_UDP;
	k.ks_port = 53;
	lb_service_init(&svc, &k);
	assert_int_equal(lb_state_add_service(&b, &svc), 0);
	b.st_sync = LB_SYNC_BACKUP;
	snprintf(b.st_sync_iface, sizeof(b.st_sync_iface), "eth1");
	b.st_sync_id = 3;
	assert_non_null(text = lb_own_text(CFG_LB_IPVS, &a, &b));
	assert_string_equal(text, "shoal-lb 1 ipvs\n"
	    "service tcp 10.0.0.1 80\nfwmark 7 inet6\n"
	    "service udp fd00::53 53\nsync backup eth1 3\n");
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_int_equal(lb_own_write(path, text), 0);
	free(text);
	/* a line someone mangled is skipped, the rest is read */
	assert_non_null(fp = fopen(path, "a"));
	fputs("service tcp 10.0.0.1\nfwmark 0 inet\nsync sideways x 1\n", fp);
	fclose(fp);
	assert_int_equal(lb_own_read(path, &kind, &back), 0);
	assert_int_equal(kind, CFG_LB_IPVS);
	assert_int_equal(back.st_nsvcs, 3);
	assert_non_null(lb_state_find(&back, &k));
	assert_int_equal(back.st_sync, LB_SYNC_BACKUP);
	assert_string_equal(back.st_sync_iface, "eth1");
	assert_int_equal(back.st_sync_id, 3);
	/* nothing to own: the file goes */
	lb_state_clear(&a);
	lb_state_clear(&b);
	assert_non_null(text = lb_own_text(CFG_LB_IPVS, &a, &b));
	assert_string_equal(text, "");
	assert_int_equal(lb_own_write(path, text), 0);
	free(text);
	assert_null(fopen(path, "r"));
	assert_int_equal(lb_own_read(path, &kind, &back), 0);
	assert_int_equal(kind, CFG_LB_AUTO);
	assert_int_equal(back.st_nsvcs, 0);
	/* not an ownership file: nothing taken from it */
	assert_non_null(fp = fopen(path, "w"));
	fputs("service tcp 10.0.0.1 80\n", fp);
	fclose(fp);
	assert_int_equal(lb_own_read(path, &kind, &back), 0);
	assert_int_equal(back.st_nsvcs, 0);
	unlink(path);
	lb_state_clear(&back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_config),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_services_and_copies),
		cmocka_unit_test(test_sorry_server),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_attrs_equal),
		cmocka_unit_test(test_open_auto),
		cmocka_unit_test(test_runnable),
		cmocka_unit_test(test_owner_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
