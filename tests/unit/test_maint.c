/*
 * test_maint.c - the cluster-wide maintenance map (ipc/maint.h): last
 * writer wins per entry whatever the order of merges, replays change
 * nothing, the datagrams round-trip and refuse tampering, the file
 * round-trips; and the event record (ipc/events.h): fields in the
 * kind's order, JSON both ways, text, the hooks' environment.
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

#include "ipc/events.h"
#include "ipc/maint.h"

static struct maint_entry
server(const char *vs, const char *rs, int st, uint64_t ver, uint32_t orig)
{
	struct maint_entry e;

	memset(&e, 0, sizeof(e));
	e.me_target = MAINT_SERVER;
	e.me_state = (uint8_t)st;
	snprintf(e.me_a, sizeof(e.me_a), "%s", vs);
	snprintf(e.me_b, sizeof(e.me_b), "%s", rs);
	snprintf(e.me_by, sizeof(e.me_by), "cli:alice");
	e.me_version = ver;
	e.me_origin = orig;
	e.me_time_ms = 1795560889000;
	return e;
}

static struct maint_entry
node(const char *n, int st, uint64_t ver, uint32_t orig)
{
	struct maint_entry e = server(n, "", st, ver, orig);

	e.me_target = MAINT_NODE;
	e.me_b[0] = '\0';
	return e;
}

static void
test_lww(void **state)
{
	struct maint a, b;
	struct maint_entry e[5];
	uint8_t da[8], db[8];

	(void)state;
	e[0] = server("web", "rs1", MAINT_DRAIN, 10, 1);
	e[1] = server("web", "rs1", MAINT_ENABLE, 11, 2);	/* newer */
	e[2] = server("web", "rs2", MAINT_DISABLE, 5, 1);
	e[3] = node("r1", MAINT_STANDBY, 7, 1);
	e[4] = server("web", "rs2", MAINT_DRAIN, 5, 2);	/* tie: origin 2 */
	maint_init(&a);
	maint_init(&b);
	for (int i = 0; i < 5; i++)
		assert_true(maint_merge(&a, &e[i]) >= 0);
	for (int i = 4; i >= 0; i--)
		assert_true(maint_merge(&b, &e[i]) >= 0);
	/* the same state whatever the order */
	maint_digest(&a, da);
	maint_digest(&b, db);
	assert_memory_equal(da, db, 8);
	assert_int_equal(a.m_n, 3);
	assert_int_equal(maint_server_state(&a, "web", "rs1"), MAINT_ENABLE);
	assert_int_equal(maint_server_state(&a, "web", "rs2"), MAINT_DRAIN);
	assert_int_equal(maint_server_state(&a, "web", "rs9"), MAINT_ENABLE);
	assert_true(maint_node_standby(&a, "r1"));
	assert_false(maint_node_standby(&a, "r2"));
	/* an old entry replayed changes nothing */
	assert_int_equal(maint_merge(&a, &e[0]), 0);
	assert_int_equal(maint_server_state(&a, "web", "rs1"), MAINT_ENABLE);
	/* a change made here is newer than everything known */
	{
		struct maint_entry c = server("web", "rs1", MAINT_DRAIN, 0, 3);

		assert_int_equal(maint_change(&a, &c, 3), 1);
		assert_true(c.me_version > 11);
		assert_int_equal(maint_server_state(&a, "web", "rs1"),
		    MAINT_DRAIN);
	}
	maint_digest(&a, da);
	assert_memory_not_equal(da, db, 8);
	/* bad entries are refused */
	{
		struct maint_entry bad = server("web", "r s", MAINT_DRAIN, 99, 1);

		assert_int_equal(maint_merge(&a, &bad), -1);
		bad = server("web", "rs1", 7, 99, 1);
		assert_int_equal(maint_merge(&a, &bad), -1);
	}
	maint_clear(&a);
	maint_clear(&b);
}

static void
test_wire(void **state)
{
	static const uint8_t key[] = "0123456789abcdef0123456789abcdef";
	static const uint8_t next[] = "a-second-key-for-the-roll-0123456";
	struct maint_keys k = { key, sizeof(key) - 1, NULL, 0 };
	struct maint_keys roll = { next, sizeof(next) - 1, key,
	    sizeof(key) - 1 };
	struct maint_keys other = { next, sizeof(next) - 1, NULL, 0 };
	struct maint m, got;
	struct maint_entry out[255], e;
	struct maint_hdr h, hin;
	uint8_t buf[MAINT_DGRAM_MAX];
	size_t from = 0, n, total = 0;
	char name[16];
	int len, msgs = 0;

	(void)state;
	maint_init(&m);
	maint_init(&got);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "server%03d", i);
		e = server("a-virtual-server", name, MAINT_DRAIN, 100 + i, 1);
		assert_int_equal(maint_merge(&m, &e), 1);
	}
	memset(&h, 0, sizeof(h));
	h.mh_type = MAINT_MSG_ENTRIES;
	h.mh_cluster = 7;
	h.mh_node = 42;
	h.mh_seq = 1000;
	maint_digest(&m, h.mh_digest);
	/* several datagrams, none above the bound, all entries across */
	while (from < m.m_n) {
		len = maint_encode(&h, &m, &from, key, sizeof(key) - 1, buf,
		    sizeof(buf));
		assert_true(len > 0 && len <= MAINT_DGRAM_MAX);
		assert_int_equal(maint_decode(buf, (size_t)len, 7, &k, &hin,
		    out, &n), MAINT_OK);
		assert_int_equal(hin.mh_node, 42);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(maint_merge(&got, &out[i]), 1);
		total += n;
		msgs++;
	}
	assert_int_equal(total, 100);
	assert_true(msgs > 1);
	{
		uint8_t d[8];

		maint_digest(&got, d);
		assert_memory_equal(d, h.mh_digest, 8);
	}
	/* tampering, another cluster, no key, a key where none is set */
	from = 0;
	len = maint_encode(&h, &m, &from, key, sizeof(key) - 1, buf,
	    sizeof(buf));
	buf[MAINT_HDR_LEN + 3] ^= 1;
	assert_int_equal(maint_decode(buf, (size_t)len, 7, &k, &hin, out,
	    &n), MAINT_ERR_MAC);
	buf[MAINT_HDR_LEN + 3] ^= 1;
	/* a key roll: the old key is accepted as the second one only */
	assert_int_equal(maint_decode(buf, (size_t)len, 7, &roll, &hin, out,
	    &n), MAINT_OK);
	assert_int_equal(maint_decode(buf, (size_t)len, 7, &other, &hin, out,
	    &n), MAINT_ERR_MAC);
	assert_int_equal(maint_decode(buf, (size_t)len, 8, &k, &hin, out,
	    &n), MAINT_ERR_CLUSTER);
	assert_int_equal(maint_decode(buf, (size_t)len, 7, NULL, &hin, out,
	    &n), MAINT_ERR_MAC);
	from = 0;
	len = maint_encode(&h, &m, &from, NULL, 0, buf, sizeof(buf));
	assert_int_equal(maint_decode(buf, (size_t)len, 7, &k, &hin, out,
	    &n), MAINT_ERR_MAC);
	assert_int_equal(maint_decode(buf, (size_t)len, 7, NULL, &hin, out,
	    &n), MAINT_OK);
	/* truncated: a bad entry, not a crash */
	assert_int_equal(maint_decode(buf, (size_t)len - 3, 7, NULL, &hin,
	    out, &n), MAINT_ERR_FORMAT);
	assert_int_equal(maint_decode(buf, 10, 7, NULL, &hin, out, &n),
	    MAINT_ERR_SIZE);
	buf[0] = 'X';
	assert_int_equal(maint_decode(buf, (size_t)len, 7, NULL, &hin, out,
	    &n), MAINT_ERR_MAGIC);
	maint_clear(&m);
	maint_clear(&got);
}

static void
test_file(void **state)
{
	char dir[] = "/tmp/test_maint.XXXXXX", *path, err[256];
	struct maint m, r;
	struct maint_entry e = server("web", "rs1", MAINT_DISABLE, 5, 9);
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = maint_path(dir);
	maint_init(&m);
	maint_init(&r);
	/* missing: empty */
	assert_int_equal(maint_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.m_n, 0);
	assert_int_equal(maint_merge(&m, &e), 1);
	e = node("r2", MAINT_STANDBY, 6, 9);
	assert_int_equal(maint_merge(&m, &e), 1);
	assert_int_equal(maint_save(&m, path, err, sizeof(err)), 0);
	assert_int_equal(maint_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.m_n, 2);
	assert_int_equal(maint_server_state(&r, "web", "rs1"), MAINT_DISABLE);
	assert_true(maint_node_standby(&r, "r2"));
	assert_string_equal(maint_find(&r, MAINT_NODE, "r2", "")->me_by,
	    "cli:alice");
	/* garbage: an error naming the file, the map unchanged */
	fp = fopen(path, "w");
	fputs("{\"entries\": [{\"target\": \"server\"}]}", fp);
	fclose(fp);
	assert_int_equal(maint_load(&r, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_int_equal(r.m_n, 2);
	unlink(path);
	rmdir(dir);
	free(path);
	maint_clear(&m);
	maint_clear(&r);
}

static void
test_events(void **state)
{
	const char *vals[] = { "backup", "active", "partner dead", "r2" };
	struct shoal_event e, back;
	char text[512], err[128], **env;
	json_t *j;
	int found = 0;

	(void)state;
	event_set(&e, EV_ROLE, "r1", vals, 4);
	e.e_seq = 12;
	e.e_time_ms = 1795560889123;
	e.e_boot_ms = 1795560000000;
	assert_string_equal(event_get(&e, "to"), "active");
	assert_null(event_get(&e, "nosuch"));
	j = event_to_json(&e);
	assert_string_equal(json_string_value(json_object_get(j, "kind")),
	    "role");
	assert_string_equal(json_string_value(json_object_get(j, "time")),
	    "2026-11-24T22:54:49.123Z");
	assert_int_equal(event_from_json(j, &back, err, sizeof(err)), 0);
	assert_int_equal(back.e_seq, 12);
	assert_string_equal(event_get(&back, "reason"), "partner dead");
	json_object_set_new(j, "kind", json_string("nonsense"));
	assert_int_equal(event_from_json(j, &back, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown kind"));
	json_decref(j);
	event_format_text(&e, text, sizeof(text));
	assert_non_null(strstr(text, "#12 r1 role from=backup to=active "
	    "reason=\"partner dead\" peer=r2"));
	env = event_env(&e);
	for (size_t i = 0; env[i] != NULL; i++)
		if (strcmp(env[i], "SHOAL_REASON=partner dead") == 0 ||
		    strcmp(env[i], "SHOAL_EVENT=role") == 0 ||
		    strcmp(env[i], "SHOAL_SEQ=12") == 0)
			found++;
	assert_int_equal(found, 3);
	event_env_free(env);
	/* control characters never reach a hook or a terminal */
	vals[2] = "evil\nline";
	event_set(&e, EV_ROLE, "r1", vals, 4);
	assert_string_equal(event_get(&e, "reason"), "evil?line");
	/* every kind has fields and a unique name */
	for (int k = 0; k < EV__MAX; k++) {
		assert_true(event_kind_nfields(k) > 0);
		assert_int_equal(event_kind_from_name(event_kind_name(k)), k);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lww),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
