/*
 * test_lvs.c - LVS mode's model: what each real server's weight is in the
 * desired load balancer state, from nanny reports and admin state, and
 * what survives a reload.  Through lvs_desired() and lvs_json(): no
 * kernel is touched (the model is never activated).
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

#include <event2/event.h>
#include <jansson.h>

#include "config/lvscf.h"
#include "lb/lb.h"
#include "lib/diag.h"
#include "lib/log.h"
#include "pulse/lvs.h"
#include "store/srvadmin.h"
#include "store/store.h"

static const char cf_text[] =
	"service = lvs\n"
	"primary = 10.9.0.1\n"
	"network = nat\n"
	"nat_router = 10.9.1.1 eth1:1\n"
	"virtual web {\n"
	"  address = 10.9.0.100 eth0:1\n"
	"  active = 1\n"
	"  port = 80\n"
	"  scheduler = wrr\n"
	"  server a {\n"
	"    address = 10.9.1.11\n"
	"    active = 1\n"
	"    weight = 1\n"
	"  }\n"
	"  server b {\n"
	"    address = 10.9.1.12\n"
	"    active = 1\n"
	"    weight = 2\n"
	"  }\n"
	"  server off {\n"
	"    address = 10.9.1.13\n"
	"    active = 0\n"
	"  }\n"
	"}\n"
	"virtual q {\n"
	"  address = 10.9.0.101 eth0:1\n"
	"  active = 1\n"
	"  port = 80\n"
	"  quiesce_server = 1\n"
	"  server c {\n"
	"    address = 10.9.1.21\n"
	"    active = 1\n"
	"    weight = 4\n"
	"  }\n"
	"}\n";

static char path[64];
static struct event_base *base;

static void
commit(const char *text)
{
	struct shoal_config *c = NULL;
	struct store *st;
	struct store_gen g;
	struct diag d;

	diag_init(&d);
	if (lvscf_read_buf("test.cf", text, strlen(text), &c, &d) == -1)
		diag_print(&d, stderr);
	assert_non_null(c);
	st = store_open(path, STORE_CREATE, &d);
	assert_non_null(st);
	assert_int_equal(store_commit(st, c, "test", "test", &g, &d), 0);
	store_close(st);
	config_free(c);
	diag_clear(&d);
}

static int
setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_lvs.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	close(fd);
	unlink(path);
	commit(cf_text);
	base = event_base_new();
	return base == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char p[80];

	(void)state;
	event_base_free(base);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	return 0;
}

static void
report(struct lvs *l, const char *vs, const char *rs, const char *addr,
    enum nanny_state s, int weight)
{
	struct nanny_report r;

	memset(&r, 0, sizeof(r));
	snprintf(r.nr_service, sizeof(r.nr_service), "%s", vs);
	snprintf(r.nr_server, sizeof(r.nr_server), "%s", rs);
	assert_int_equal(cfg_addr_parse(&r.nr_addr, addr), 0);
	r.nr_port = 80;
	r.nr_state = s;
	r.nr_weight = weight;
	r.nr_latency_ms = 3;
	snprintf(r.nr_reason, sizeof(r.nr_reason), "%s",
	    s == NANNY_UP ? "ok" : "refused");
	lvs_report(l, vs, &r);
}

/*
 * The weights of service vs's real servers in the desired state as
 * "addr=w,..." in the state's order ("" when none, "-" without service).
 */
static const char *
weights(const struct lvs *l, int vip_last_octet)
{
	static char out[256];
	struct lb_state st;
	char a[CFG_ADDR_STRLEN], want[32];
	size_t len = 0;

	out[0] = '\0';
	snprintf(want, sizeof(want), "10.9.0.%d", vip_last_octet);
	lb_state_init(&st);
	assert_int_equal(lvs_desired(l, &st), 0);
	snprintf(out, sizeof(out), "-");
	for (size_t i = 0; i < st.st_nsvcs; i++) {
		const struct lb_service *s = &st.st_svcs[i];

		if (strcmp(cfg_addr_str(&s->s_key.ks_addr, a, sizeof(a)),
		    want) != 0)
			continue;
		out[0] = '\0';
		for (size_t j = 0; j < s->s_ndests; j++)
			len += (size_t)snprintf(out + len, sizeof(out) - len,
			    "%s%s=%d", j ? "," : "", cfg_addr_str(
			    &s->s_dests[j].d_addr, a, sizeof(a)),
			    s->s_dests[j].d_weight);
	}
	lb_state_clear(&st);
	return out;
}

static void
test_weights(void **state)
{
	struct lvs *l = lvs_new(base, path, NULL);
	char err[128];

	(void)state;
	assert_non_null(l);
	assert_int_equal(lvs_load(l), 0);
	assert_true(lvs_enabled(l));
	/* nothing reported yet: no server in the load balancer */
	assert_string_equal(weights(l, 100), "");
	report(l, "web", "a", "10.9.1.11", NANNY_UP, 1);
	report(l, "web", "b", "10.9.1.12", NANNY_UP, 2);
	assert_string_equal(weights(l, 100), "10.9.1.11=1,10.9.1.12=2");
	/* nanny's weight wins (slow start, agent) */
	report(l, "web", "b", "10.9.1.12", NANNY_UP, 7);
	assert_string_equal(weights(l, 100), "10.9.1.11=1,10.9.1.12=7");
	/* down: removed without quiesce_server... */
	report(l, "web", "a", "10.9.1.11", NANNY_DOWN, 0);
	assert_string_equal(weights(l, 100), "10.9.1.12=7");
	/* ...kept at 0 with it */
	report(l, "q", "c", "10.9.1.21", NANNY_UP, 4);
	assert_string_equal(weights(l, 101), "10.9.1.21=4");
	report(l, "q", "c", "10.9.1.21", NANNY_DOWN, 0);
	assert_string_equal(weights(l, 101), "10.9.1.21=0");
	/* admin state beats health */
	assert_int_equal(lvs_admin(l, "web", "b", SRVADMIN_DRAIN, err,
	    sizeof(err)), 0);
	assert_string_equal(weights(l, 100), "10.9.1.12=0");
	assert_int_equal(lvs_admin(l, "web", "b", SRVADMIN_DISABLE, err,
	    sizeof(err)), 0);
	assert_string_equal(weights(l, 100), "");
	assert_int_equal(lvs_admin(l, "web", "b", SRVADMIN_ENABLE, err,
	    sizeof(err)), 0);
	assert_string_equal(weights(l, 100), "10.9.1.12=7");
	/* unknown names are refused; inactive servers are not known */
	assert_int_equal(lvs_admin(l, "web", "off", SRVADMIN_DRAIN, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "off"));
	assert_int_equal(lvs_admin(l, "nope", "a", SRVADMIN_DRAIN, err,
	    sizeof(err)), -1);
	/* a report about an unknown server or address changes nothing */
	report(l, "web", "zz", "10.9.1.99", NANNY_UP, 5);
	report(l, "web", "a", "10.9.1.99", NANNY_UP, 5);
	assert_string_equal(weights(l, 100), "10.9.1.12=7");
	lvs_free(l);
}

static void
test_reload_and_store(void **state)
{
	struct lvs *l = lvs_new(base, path, NULL);
	struct store *st;
	struct diag d;
	json_t *j, *srv;
	char *text;

	(void)state;
	assert_int_equal(lvs_load(l), 0);
	report(l, "web", "a", "10.9.1.11", NANNY_UP, 1);
	report(l, "web", "b", "10.9.1.12", NANNY_UP, 2);
	/* drain persisted by shoalctl: read on load */
	diag_init(&d);
	st = store_open(path, 0, &d);
	assert_non_null(st);
	assert_int_equal(srvadmin_set(st, "web", "a", SRVADMIN_DRAIN, "t"), 0);
	store_close(st);
	/* b moves to a new address: its health is forgotten */
	text = strdup(cf_text);
	assert_non_null(text);
	memcpy(strstr(text, "10.9.1.12"), "10.9.1.17", 9);
	commit(text);
	free(text);
	assert_int_equal(lvs_load(l), 0);
	assert_true(lvs_generation(l) >= 2);
	assert_string_equal(weights(l, 100), "10.9.1.11=0");
	j = lvs_json(l);
	assert_int_equal(json_array_size(j), 2);
	srv = json_array_get(json_object_get(json_array_get(j, 0), "servers"),
	    0);
	assert_string_equal(json_string_value(json_object_get(srv, "health")),
	    "up");
	assert_string_equal(json_string_value(json_object_get(srv, "admin")),
	    "drain");
	assert_string_equal(json_string_value(json_object_get(srv, "reason")),
	    "ok");
	srv = json_array_get(json_object_get(json_array_get(j, 0), "servers"),
	    1);
	assert_string_equal(json_string_value(json_object_get(srv, "health")),
	    "unknown");
	json_decref(j);
	diag_clear(&d);
	lvs_free(l);
}

static void
test_fingerprint(void **state)
{
	struct shoal_config *c = NULL;
	struct cfg_virtual *v;
	struct diag d;
	char *a, *b;

	(void)state;
	diag_init(&d);
	assert_int_equal(lvscf_read_buf("t.cf", cf_text, strlen(cf_text), &c,
	    &d), 0);
	v = config_find_virtual(c, "web");
	a = lvs_fingerprint(c, v);
	/* scheduling is lb's business: no nanny restart */
	v->vs_scheduler = CFG_SCHED_RR;
	b = lvs_fingerprint(c, v);
	assert_string_equal(a, b);
	free(b);
	/* check settings are nanny's */
	v->vs_check_interval_ms = 1234;
	b = lvs_fingerprint(c, v);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	config_free(c);
	diag_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_weights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_and_store, setup,
		    teardown),
		cmocka_unit_test(test_fingerprint),
	};

	log_init("test_lvs", 1, 0, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
