/*
 * test_store.c - the SQLite store: creation, migrations, commit/load round
 * trip, generations, history, rollback, failures that change nothing,
 * read-only opens, schema checks, audit and snapshots.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_keys.h"
#include "config/lvscf.h"
#include "lib/diag.h"
#include "store/store.h"
#include "store/store_schema.h"

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_store.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static const char *
dbpath(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

static void
addr(struct cfg_addr *a, const char *s)
{
	assert_int_equal(cfg_addr_parse(a, s), 0);
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static void
fill_global(struct cfg_global *g)
{
	g->g_serial_no = 20240101;
	g->g_service = CFG_MODE_LVS;
	addr(&g->g_primary, "192.168.10.1");
	addr(&g->g_primary_private, "10.10.0.1");
	addr(&g->g_backup, "192.168.10.2");
	addr(&g->g_backup_private, "10.10.0.2");
	g->g_backup_active = 1;
	g->g_heartbeat_port = 1539;
	g->g_keepalive_ms = 250;
	g->g_deadtime_ms = 1250;
	g->g_network = CFG_NET_NAT;
	addr(&g->g_nat_router, "10.20.0.254");
	g->g_nat_router_dev = xstrdup("eth1:1");
	g->g_nat_nmask = 24;
	g->g_rsh_command = CFG_RSH_SSH;
	g->g_syncdaemon = 1;
	g->g_syncd_iface = xstrdup("eth2");
	g->g_syncd_id = 7;
	g->g_tcp_timeout = 900;
	g->g_tcpfin_timeout = 120;
	g->g_udp_timeout = 300;
	g->g_monitor_links = 1;
	g->g_active_cmd = xstrdup("/usr/local/bin/became-active --now");
	g->g_inactive_cmd = xstrdup("/usr/local/bin/became-inactive");
	g->g_fence_cmd = xstrdup("/usr/sbin/fence_ipmilan --ip 10.0.0.9 -o off");
	g->g_fence_timeout_ms = 30000;
	g->g_cluster_id = 42;
	g->g_preempt = 0;
	g->g_preempt_delay_ms = 3500;
	g->g_heartbeat_key = xstrdup("s3cr3t-heartbeat-key");
	g->g_lb_backend = CFG_LB_IPVS;
	g->g_arp_count = 3;
	g->g_arp_interval_ms = 500;
	assert_int_equal(cfg_kept_add(&g->g_kept, "primary_shared",
	    "192.168.10.3"), 0);
	assert_int_equal(cfg_kept_add(&g->g_kept, "debug_level", "NONE"), 0);
}

static void
add_node(struct shoal_config *c, const char *name, const char *a,
    const char *p, int prio)
{
	struct cfg_node *n = cfg_node_new(name);

	assert_non_null(n);
	addr(&n->n_address, a);
	addr(&n->n_private, p);
	n->n_priority = prio;
	n->n_ssh_user = xstrdup("shoal");
	n->n_ssh_port = 2222;
	n->n_ssh_key = xstrdup("/etc/shoal/id_ed25519");
	n->n_remote_shoalctl = xstrdup("/usr/sbin/shoalctl");
	n->n_remote_db = xstrdup("/var/lib/shoal/shoal.db");
	TAILQ_INSERT_TAIL(&c->c_nodes, n, n_entry);
}

static struct cfg_server *
add_server(struct cfg_virtual *vs, const char *name, const char *a,
    int weight)
{
	struct cfg_server *rs = cfg_server_new(name, vs->vs_port);

	assert_non_null(rs);
	addr(&rs->rs_address, a);
	rs->rs_active = 1;
	rs->rs_weight = weight;
	TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
	return rs;
}

/* A virtual server with every key set. */
static struct cfg_virtual *
full_virtual(const char *name, const char *vip, uint16_t port)
{
	struct cfg_virtual *vs = cfg_virtual_new(CFG_VS_VIRTUAL, name);

	assert_non_null(vs);
	vs->vs_active = 1;
	addr(&vs->vs_address, vip);
	vs->vs_device = xstrdup("eth0:1");
	vs->vs_nmask = 24;
	vs->vs_port = port;
	vs->vs_protocol = CFG_PROTO_TCP;
	vs->vs_fwmark = 0;
	vs->vs_scheduler = CFG_SCHED_WRR;
	vs->vs_persistent = 300;
	vs->vs_pmask = 24;
	vs->vs_send = xstrdup("GET /health HTTP/1.0\\r\\n\\r\\n");
	vs->vs_expect = xstrdup("HTTP");
	vs->vs_use_regex = 1;
	vs->vs_timeout_ms = 6000;
	vs->vs_reentry_ms = 15000;
	vs->vs_load_monitor = CFG_LOAD_UPTIME;
	vs->vs_quiesce_server = 1;
	addr(&vs->vs_sorry_server, "10.20.0.99");
	vs->vs_sorry_port = 8080;
	vs->vs_check = CFG_CHECK_HTTP;
	vs->vs_check_interval_ms = 2000;
	vs->vs_check_timeout_ms = 1500;
	vs->vs_rise = 3;
	vs->vs_fall = 2;
	vs->vs_http_path = xstrdup("/health");
	vs->vs_http_host = xstrdup("www.example.com");
	vs->vs_http_status = xstrdup("200-299,301-302");
	vs->vs_agent_port = 5555;
	vs->vs_slow_start_ms = 30000;
	assert_int_equal(cfg_kept_add(&vs->vs_kept, "client_monitor", "yes"),
	    0);
	add_server(vs, "r1", "10.20.0.11", 5);
	add_server(vs, "r2", "10.20.0.12", 0)->rs_active = 0;
	return vs;
}

/* Tracked checks: every field set across them. */
static void
add_tracks(struct shoal_config *c)
{
	struct cfg_track *t = cfg_track_new("upstream");

	assert_non_null(t);
	t->t_kind = CFG_TRACK_ADDRESS;
	addr(&t->t_address, "2001:db8::1");
	t->t_interval_ms = 500;
	t->t_timeout_ms = 250;
	t->t_rise = 3;
	t->t_fall = 2;
	t->t_weight = 40;
	TAILQ_INSERT_TAIL(&c->c_tracks, t, t_entry);
	assert_non_null(t = cfg_track_new("pool"));
	t->t_kind = CFG_TRACK_VIRTUAL;
	t->t_virtual = xstrdup("web");
	t->t_min_up = 2;
	t->t_fault = 1;
	TAILQ_INSERT_TAIL(&c->c_tracks, t, t_entry);
	assert_non_null(t = cfg_track_new("script"));
	t->t_kind = CFG_TRACK_PROGRAM;
	t->t_command = xstrdup("/usr/local/bin/ok --quiet");
	t->t_weight = 254;
	TAILQ_INSERT_TAIL(&c->c_tracks, t, t_entry);
}

/* A configuration with every field of every block set. */
static struct shoal_config *
full_config(void)
{
	struct shoal_config *c = config_new();
	struct cfg_virtual *vs, *fo;

	assert_non_null(c);
	fill_global(&c->c_global);
	add_node(c, "alpha", "192.168.10.1", "10.10.0.1", 200);
	add_node(c, "beta", "192.168.10.2", "10.10.0.2", 100);
	vs = full_virtual("web", "192.168.10.100", 80);
	TAILQ_INSERT_TAIL(&c->c_virtuals, vs, vs_entry);
	vs = cfg_virtual_new(CFG_VS_VIRTUAL, "dns6");
	assert_non_null(vs);
	vs->vs_active = 1;
	addr(&vs->vs_address, "2001:db8::53");
	vs->vs_port = 53;
	vs->vs_protocol = CFG_PROTO_UDP;
	vs->vs_fwmark = 53;
	vs->vs_scheduler = CFG_SCHED_MH;
	vs->vs_check = CFG_CHECK_DNS;
	vs->vs_dns_name = xstrdup("www.example.com");
	vs->vs_dns_type = xstrdup("AAAA");
	vs->vs_dns_rcode = xstrdup("NOERROR,NXDOMAIN");
	vs->vs_dns_answer = xstrdup("2001:db8::80");
	add_server(vs, "ns1", "2001:db8::1:1", 1);
	TAILQ_INSERT_TAIL(&c->c_virtuals, vs, vs_entry);
	fo = cfg_virtual_new(CFG_VS_FAILOVER, "ftp");
	assert_non_null(fo);
	fo->vs_active = 1;
	addr(&fo->vs_address, "192.168.10.101");
	fo->vs_device = xstrdup("eth0:2");
	fo->vs_port = 21;
	fo->vs_start_cmd = xstrdup("/etc/init.d/vsftpd start");
	fo->vs_stop_cmd = xstrdup("/etc/init.d/vsftpd stop");
	fo->vs_send_program = xstrdup("/usr/local/bin/check-ftp %h %p");
	fo->vs_timeout_ms = 4000;
	fo->vs_check = CFG_CHECK_FTP;
	fo->vs_starttls = 1;
	fo->vs_tls_verify = 1;
	fo->vs_tls_ca = xstrdup("/etc/ssl/ftp-ca.pem");
	fo->vs_tls_name = xstrdup("ftp.example.com");
	TAILQ_INSERT_TAIL(&c->c_failovers, fo, vs_entry);
	add_tracks(c);
	return c;
}

/* Canonical text: equal texts mean equal configurations. */
static char *
text_of(const struct shoal_config *c)
{
	char *t = lvscf_write(c, NULL);

	assert_non_null(t);
	return t;
}

static void
assert_same_config(const struct shoal_config *a, const struct shoal_config *b)
{
	char *ta = text_of(a), *tb = text_of(b);

	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
}

static struct store *
open_new(const char *name)
{
	struct diag d;
	struct store *s;

	diag_init(&d);
	s = store_open(dbpath(name), STORE_CREATE, &d);
	if (s == NULL)
		diag_print(&d, stderr);
	assert_non_null(s);
	diag_clear(&d);
	return s;
}

static void
commit_ok(struct store *s, const struct shoal_config *c, struct store_gen *g)
{
	struct diag d;

	diag_init(&d);
	if (store_commit(s, c, "test:unit", "a test", g, &d) != 0) {
		diag_print(&d, stderr);
		fail_msg("store_commit failed");
	}
	diag_clear(&d);
}

/* Every row of every table as text, to prove nothing changed. */
static char *
dump(sqlite3 *db)
{
	sqlite3_stmt *tables, *rows;
	char *out = NULL, sql[256];
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	int i;

	assert_non_null(fp);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
	    "sqlite_master WHERE type = 'table' ORDER BY name", -1, &tables,
	    NULL), SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		/* table names come from the schema, not from input */
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY 1",
		    sqlite3_column_text(tables, 0));
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &rows, NULL),
		    SQLITE_OK);
		fprintf(fp, "[%s]\n", sqlite3_column_text(tables, 0));
		while (sqlite3_step(rows) == SQLITE_ROW) {
			for (i = 0; i < sqlite3_column_count(rows); i++)
				fprintf(fp, "%s|", sqlite3_column_text(rows, i) ?
				    (const char *)sqlite3_column_text(rows, i) :
				    "NULL");
			fputc('\n', fp);
		}
		sqlite3_finalize(rows);
	}
	sqlite3_finalize(tables);
	fclose(fp);
	return out;
}

static sqlite3_int64
pragma(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	sqlite3_int64 v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---- tests ---- */

static void
test_open_create(void **state)
{
	struct shoal_config *c;
	struct store_gen g;
	struct store *s;
	struct diag d;
	const char *mode;
	sqlite3_stmt *st;
	struct stat sb;

	(void)state;
	diag_init(&d);
	assert_null(store_open(dbpath("missing.db"), 0, &d));
	assert_int_equal(diag_errors(&d), 1);
	diag_clear(&d);
	assert_int_equal(access(dbpath("missing.db"), F_OK), -1);

	s = open_new("create.db");
	/* secrets inside: the owner only, in a private directory */
	assert_int_equal(stat(dbpath("create.db"), &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(pragma(store_db(s), "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(pragma(store_db(s), "PRAGMA foreign_keys"), 1);
	assert_int_equal(pragma(store_db(s), "PRAGMA application_id"),
	    STORE_APPLICATION_ID);
	assert_int_equal(sqlite3_prepare_v2(store_db(s), "PRAGMA journal_mode",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	mode = (const char *)sqlite3_column_text(st, 0);
	assert_string_equal(mode, "wal");
	sqlite3_finalize(st);
	assert_int_equal(store_current(s, &g), 0);
	assert_int_equal(g.sg_generation, 0);
	/* an empty store loads as the defaults */
	assert_int_equal(store_load(s, &c, &g), 0);
	assert_int_equal(g.sg_generation, 0);
	assert_true(TAILQ_EMPTY(&c->c_virtuals));
	assert_int_equal(c->c_global.g_heartbeat_port, CFG_DEF_HEARTBEAT_PORT);
	config_free(c);
	store_close(s);
	/* opening again does not migrate twice */
	s = open_new("create.db");
	store_close(s);
	/* in a group-writable directory the group may use it too */
	assert_int_equal(mkdir(dbpath("shared"), 0770), 0);
	assert_int_equal(chmod(dbpath("shared"), 0770), 0);
	s = open_new("shared/shoal.db");
	assert_int_equal(stat(dbpath("shared/shoal.db"), &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0660);
	store_close(s);
}

/*
 * http_status became text: a database of the version before, whose
 * column is INTEGER NOT NULL (0 = unset), is migrated with its values,
 * and no virtual loses a server (the foreign keys cascade on a DROP
 * TABLE, which the migration must not do).
 */
/* The migrations after http_status's (roles, sessions) undone, then it:
 * the database as version V_BEFORE_HTTP_STATUS left it. */
#define V_BEFORE_HTTP_STATUS	9
static const char unmigrate_http_status[] =
	"DROP TABLE sessions;"
	"ALTER TABLE users DROP COLUMN role;"
	"ALTER TABLE virtuals RENAME COLUMN http_status TO x;"
	"ALTER TABLE virtuals ADD COLUMN http_status INTEGER NOT NULL "
	"  DEFAULT 0;"
	"UPDATE virtuals SET http_status = coalesce(CAST(x AS INTEGER), 0);"
	"ALTER TABLE virtuals DROP COLUMN x;";

static void
test_migrate_http_status(void **state)
{
	struct shoal_config *c = full_config(), *l;
	struct cfg_virtual *vs = TAILQ_FIRST(&c->c_virtuals);
	struct store *s = open_new("hs.db");
	char sql[64];
	sqlite3 *db;

	(void)state;
	free(vs->vs_http_status);
	vs->vs_http_status = xstrdup("404");
	commit_ok(s, c, NULL);
	store_close(s);
	/* back to the version before */
	assert_int_equal(sqlite3_open(dbpath("hs.db"), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, unmigrate_http_status, NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(store_schema_version(), V_BEFORE_HTTP_STATUS + 3);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    V_BEFORE_HTTP_STATUS);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(pragma(db, "SELECT http_status FROM virtuals "
	    "WHERE name = 'web'"), 404);
	sqlite3_close(db);
	s = open_new("hs.db");
	db = store_db(s);
	assert_int_equal(pragma(db, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(pragma(db, "SELECT count(*) FROM servers"), 3);
	assert_int_equal(pragma(db, "SELECT count(*) FROM virtuals WHERE "
	    "http_status IS NULL"), 2);
	assert_int_equal(store_load(s, &l, NULL), 0);
	assert_string_equal(TAILQ_FIRST(&l->c_virtuals)->vs_http_status,
	    "404");
	assert_same_config(c, l);
	config_free(l);
	config_free(c);
	store_close(s);
}

static void
test_migrate_from_v1(void **state)
{
	struct store *s;
	struct diag d;
	sqlite3 *db;

	(void)state;
	diag_init(&d);
	assert_int_equal(sqlite3_open(dbpath("old.db"), &db), SQLITE_OK);
	assert_int_equal(store_schema_migrate(db, 1, &d), 0);
	assert_int_equal(pragma(db, "PRAGMA user_version"), 1);
	assert_int_equal(pragma(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'users'"), 0);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO audit (time, user, "
	    "action, detail) VALUES (1, 'old', 'note', 'kept')", NULL, NULL,
	    NULL), SQLITE_OK);
	/* a daemon refuses a database that was not migrated yet */
	assert_null(store_open(dbpath("old.db"), STORE_RDONLY, &d));
	assert_non_null(strstr(TAILQ_FIRST(&d.d_items)->di_msg, "older"));
	diag_clear(&d);
	sqlite3_close(db);

	s = store_open(dbpath("old.db"), 0, &d);
	assert_non_null(s);
	db = store_db(s);
	assert_int_equal(pragma(db, "PRAGMA user_version"),
	    store_schema_version());
	assert_int_equal(pragma(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'users'"), 1);
	assert_int_equal(pragma(db, "SELECT count(*) FROM audit "
	    "WHERE user = 'old'"), 1);
	store_close(s);
	/* migrating down is refused */
	assert_int_equal(sqlite3_open(dbpath("old.db"), &db), SQLITE_OK);
	assert_int_equal(store_schema_migrate(db, 1, &d), -1);
	sqlite3_close(db);
	diag_clear(&d);
}

static void
test_roundtrip(void **state)
{
	struct shoal_config *c = full_config(), *l;
	struct store_gen g, lg, cur;
	struct cfg_virtual *vs;
	struct cfg_server *rs;
	struct store *s = open_new("roundtrip.db");
	char *text, *hist, hash[STORE_HASH_HEX];
	size_t hlen;

	(void)state;
	commit_ok(s, c, &g);
	assert_int_equal(g.sg_generation, 1);
	assert_string_equal(g.sg_user, "test:unit");
	assert_int_equal(store_load(s, &l, &lg), 0);
	assert_int_equal(lg.sg_generation, 1);
	assert_string_equal(lg.sg_hash, g.sg_hash);
	assert_string_equal(lg.sg_comment, "a test");
	assert_same_config(c, l);
	/* fields the text compare might hide */
	assert_string_equal(l->c_global.g_heartbeat_key,
	    "s3cr3t-heartbeat-key");
	assert_string_equal(TAILQ_FIRST(&l->c_global.g_kept)->k_key,
	    "primary_shared");
	assert_string_equal(TAILQ_LAST(&l->c_global.g_kept,
	    cfg_kept_list)->k_key, "debug_level");
	assert_string_equal(TAILQ_LAST(&l->c_nodes, cfg_node_list)->n_name,
	    "beta");
	assert_int_equal(TAILQ_FIRST(&l->c_nodes)->n_ssh_port, 2222);
	vs = TAILQ_FIRST(&l->c_virtuals);
	assert_string_equal(vs->vs_name, "web");
	assert_int_equal(vs->vs_scheduler, CFG_SCHED_WRR);
	assert_int_equal(vs->vs_slow_start_ms, 30000);
	rs = TAILQ_FIRST(&vs->vs_servers);
	assert_string_equal(rs->rs_name, "r1");
	assert_int_equal(rs->rs_weight, 5);
	assert_int_equal(TAILQ_NEXT(rs, rs_entry)->rs_active, 0);
	vs = TAILQ_NEXT(vs, vs_entry);
	assert_int_equal(vs->vs_address.family, AF_INET6);
	assert_int_equal(vs->vs_fwmark, 53);
	assert_null(vs->vs_device);
	assert_string_equal(TAILQ_FIRST(&l->c_failovers)->vs_stop_cmd,
	    "/etc/init.d/vsftpd stop");

	/* history holds the canonical export and its hash */
	text = text_of(l);
	hist = store_history_text(s, 1, &hlen);
	assert_non_null(hist);
	assert_string_equal(hist, text);
	assert_int_equal(hlen, strlen(text));
	digest_sha256_hex(text, strlen(text), hash);
	assert_string_equal(hash, g.sg_hash);
	assert_int_equal(store_config_hash(c, hash), 0);
	assert_string_equal(hash, g.sg_hash);
	assert_int_equal(store_current(s, &cur), 0);
	assert_string_equal(cur.sg_hash, g.sg_hash);
	free(text);
	free(hist);
	config_free(l);
	config_free(c);
	store_close(s);
}

static int
collect(const struct store_gen *g, void *arg)
{
	uint64_t *v = arg;

	v[v[0] + 1] = g->sg_generation;
	v[0]++;
	return v[0] >= 8;
}

static void
test_generations_rollback(void **state)
{
	struct shoal_config *a = full_config(), *b = full_config(), *l;
	struct store_gen g1, g2, g3, hg;
	struct store *s = open_new("gens.db");
	uint64_t seen[10] = { 0 };
	struct diag d;

	(void)state;
	TAILQ_FIRST(&b->c_virtuals)->vs_port = 8080;
	commit_ok(s, a, &g1);
	commit_ok(s, b, &g2);
	assert_int_equal(g2.sg_generation, 2);
	assert_string_not_equal(g1.sg_hash, g2.sg_hash);
	assert_int_equal(store_history_each(s, collect, seen), 0);
	assert_int_equal(seen[0], 2);
	assert_int_equal(seen[1], 2);	/* newest first */
	assert_int_equal(seen[2], 1);
	assert_int_equal(store_history_get(s, 1, &hg), 0);
	assert_string_equal(hg.sg_hash, g1.sg_hash);
	assert_int_equal(store_history_get(s, 9, &hg), 1);

	diag_init(&d);
	assert_int_equal(store_rollback(s, 1, "test:rollback", &g3, &d), 0);
	assert_int_equal(g3.sg_generation, 3);
	assert_string_equal(g3.sg_hash, g1.sg_hash);
	assert_non_null(strstr(g3.sg_comment, "rollback to generation 1"));
	assert_int_equal(store_load(s, &l, NULL), 0);
	assert_same_config(a, l);
	config_free(l);
	assert_int_equal(pragma(store_db(s), "SELECT count(*) FROM audit "
	    "WHERE action = 'rollback' AND user = 'test:rollback'"), 1);
	assert_int_equal(pragma(store_db(s), "SELECT count(*) FROM audit "
	    "WHERE action = 'commit'"), 2);
	/* an unknown generation is an error that changes nothing */
	assert_int_equal(store_rollback(s, 77, "test", NULL, &d), -1);
	assert_true(diag_errors(&d) > 0);
	assert_int_equal(store_current(s, &hg), 0);
	assert_int_equal(hg.sg_generation, 3);
	diag_clear(&d);
	/* history whose text no longer matches its hash is refused */
	assert_int_equal(sqlite3_exec(store_db(s), "UPDATE history SET "
	    "lvscf = lvscf || '#' WHERE generation = 2", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(store_rollback(s, 2, "test", NULL, &d), -1);
	assert_non_null(strstr(TAILQ_FIRST(&d.d_items)->di_msg, "SHA-256"));
	diag_clear(&d);
	config_free(a);
	config_free(b);
	store_close(s);
}

static void
test_invalid_changes_nothing(void **state)
{
	struct shoal_config *c = full_config(), *bad;
	struct store *s = open_new("invalid.db");
	struct cfg_virtual *vs;
	struct store_gen g;
	char *before, *after;
	struct diag d;

	(void)state;
	commit_ok(s, c, &g);
	before = dump(store_db(s));
	/* two errors: a duplicate VIP:port:protocol and a bad priority */
	bad = config_dup(c);
	assert_non_null(bad);
	vs = full_virtual("web2", "192.168.10.100", 80);
	TAILQ_INSERT_TAIL(&bad->c_virtuals, vs, vs_entry);
	TAILQ_FIRST(&bad->c_nodes)->n_priority = 9999;
	diag_init(&d);
	assert_int_equal(store_commit(s, bad, "test", NULL, &g, &d), -1);
	assert_true(diag_errors(&d) >= 2);
	diag_clear(&d);
	after = dump(store_db(s));
	assert_string_equal(before, after);
	assert_int_equal(store_current(s, &g), 0);
	assert_int_equal(g.sg_generation, 1);
	free(before);
	free(after);
	config_free(bad);
	config_free(c);
	store_close(s);
}

static void
test_readonly(void **state)
{
	struct shoal_config *c = full_config(), *l;
	struct store *s = open_new("ro.db"), *ro;
	struct store_gen g;
	struct diag d;
	char *before, *after;

	(void)state;
	commit_ok(s, c, &g);
	before = dump(store_db(s));
	store_close(s);
	diag_init(&d);
	ro = store_open(dbpath("ro.db"), STORE_RDONLY, &d);
	assert_non_null(ro);
	assert_int_equal(store_load(ro, &l, &g), 0);
	assert_int_equal(g.sg_generation, 1);
	assert_same_config(c, l);
	config_free(l);
	assert_int_equal(store_commit(ro, c, "test", NULL, NULL, &d), -1);
	assert_int_equal(diag_errors(&d), 1);
	assert_int_equal(store_audit_add(ro, "test", "poke", "x"), -1);
	assert_int_not_equal(sqlite3_exec(store_db(ro), "DELETE FROM audit",
	    NULL, NULL, NULL), SQLITE_OK);
	after = dump(store_db(ro));
	assert_string_equal(before, after);
	free(before);
	free(after);
	diag_clear(&d);
	config_free(c);
	store_close(ro);
}

/* The first error of d has word (warnings of the config aside). */
static void
assert_first_msg(const struct diag *d, const char *word)
{
	const struct diag_item *di;

	TAILQ_FOREACH(di, &d->d_items, di_entry)
		if (di->di_sev == DIAG_ERROR)
			break;
	assert_non_null(di);
	if (strstr(di->di_msg, word) == NULL)
		fprintf(stderr, "no \"%s\" in: %s\n", word, di->di_msg);
	assert_non_null(strstr(di->di_msg, word));
	assert_null(di->di_field);
}

/*
 * A commit the database refuses (full, read-only) is a store failure
 * whose message names the cause, not "not an error"; an invalid config
 * is no store failure.
 */
static void
test_commit_failure_cause(void **state)
{
	struct shoal_config *c = full_config(), *bad;
	struct store *s = open_new("full.db");
	struct store_gen g;
	struct diag d;

	(void)state;
	commit_ok(s, c, &g);
	diag_init(&d);
	bad = config_dup(c);
	TAILQ_FIRST(&bad->c_nodes)->n_priority = 9999;
	assert_int_equal(store_commit(s, bad, "test", NULL, &g, &d), -1);
	assert_int_equal(store_failed(s), 0);
	diag_clear(&d);
	config_free(bad);
	/* a read-only database */
	assert_int_equal(sqlite3_exec(store_db(s), "PRAGMA query_only = 1",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_commit(s, c, "test", NULL, &g, &d), -1);
	assert_int_equal(store_failed(s), 1);
	assert_first_msg(&d, "read-only");
	diag_clear(&d);
	assert_int_equal(sqlite3_exec(store_db(s), "PRAGMA query_only = 0",
	    NULL, NULL, NULL), SQLITE_OK);
	/* a full disk: no page may be added */
	assert_int_equal(sqlite3_exec(store_db(s), "PRAGMA max_page_count = 1",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_commit(s, c, "test", NULL, &g, &d), -1);
	assert_int_equal(store_failed(s), 1);
	assert_first_msg(&d, "disk is full");
	diag_clear(&d);
	assert_int_equal(store_current(s, &g), 0);
	assert_int_equal(g.sg_generation, 1);
	config_free(c);
	store_close(s);
}

static void
test_newer_schema_refused(void **state)
{
	struct store *s = open_new("newer.db");
	struct diag d;
	char sql[64];

	(void)state;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    store_schema_version() + 1);
	assert_int_equal(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL),
	    SQLITE_OK);
	store_close(s);
	diag_init(&d);
	assert_null(store_open(dbpath("newer.db"), 0, &d));
	assert_non_null(strstr(TAILQ_FIRST(&d.d_items)->di_msg, "newer"));
	diag_clear(&d);
	assert_null(store_open(dbpath("newer.db"), STORE_RDONLY, &d));
	assert_non_null(strstr(TAILQ_FIRST(&d.d_items)->di_msg, "newer"));
	diag_clear(&d);
}

static void
test_foreign_db_refused(void **state)
{
	struct diag d;
	sqlite3 *db;

	(void)state;
	assert_int_equal(sqlite3_open(dbpath("foreign.db"), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x); "
	    "PRAGMA user_version = 3", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	diag_init(&d);
	assert_null(store_open(dbpath("foreign.db"), STORE_CREATE, &d));
	assert_non_null(strstr(TAILQ_FIRST(&d.d_items)->di_msg,
	    "not a shoal database"));
	diag_clear(&d);
	/* user_version 0 but tables: still not ours, and left untouched */
	assert_int_equal(sqlite3_open(dbpath("foreign0.db"), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(dbpath("foreign0.db"), STORE_CREATE, &d));
	assert_int_equal(diag_errors(&d), 1);
	diag_clear(&d);
	assert_int_equal(sqlite3_open(dbpath("foreign0.db"), &db), SQLITE_OK);
	assert_int_equal(pragma(db, "SELECT count(*) FROM sqlite_master"), 1);
	sqlite3_close(db);
}

/* Processes opening a new database at once: one migrates, none fails. */
static void
test_concurrent_create(void **state)
{
	struct store *s;
	struct diag d;
	pid_t pids[4];
	int i, round, status;
	char name[32];

	(void)state;
	for (round = 0; round < 5; round++) {
		snprintf(name, sizeof(name), "race%d.db", round);
		for (i = 0; i < 4; i++) {
			if ((pids[i] = fork()) == 0) {
				diag_init(&d);
				s = store_open(dbpath(name), STORE_CREATE, &d);
				if (s == NULL)
					diag_print(&d, stderr);
				_exit(s == NULL ? 1 : 0);
			}
			assert_true(pids[i] > 0);
		}
		for (i = 0; i < 4; i++) {
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
		}
		s = open_new(name);
		assert_int_equal(pragma(store_db(s), "PRAGMA user_version"),
		    store_schema_version());
		store_close(s);
	}
}

static int
audit_row(const struct store_audit *a, void *arg)
{
	int *n = arg;

	if (*n == 0) {
		assert_string_equal(a->sa_user, "web:admin");
		assert_string_equal(a->sa_action, "login");
		assert_string_equal(a->sa_detail, "from 127.0.0.1");
	}
	(*n)++;
	return 0;
}

static void
test_audit_snapshot(void **state)
{
	struct shoal_config *c = full_config(), *l;
	struct store *s = open_new("audit.db"), *snap;
	struct store_gen g;
	struct diag d;
	int n = 0;

	(void)state;
	commit_ok(s, c, &g);
	assert_int_equal(store_audit_add(s, "web:admin", "login",
	    "from 127.0.0.1"), 0);
	assert_int_equal(store_audit_each(s, 0, audit_row, &n), 0);
	assert_int_equal(n, 2);		/* the commit and the login */
	n = 0;
	assert_int_equal(store_audit_each(s, 1, audit_row, &n), 0);
	assert_int_equal(n, 1);

	/* shoal-web's sessions stay here: a snapshot (a push) has none */
	assert_int_equal(sqlite3_exec(store_db(s), "INSERT INTO sessions "
	    "VALUES (randomblob(32), 'admin', '127.0.0.1', 1, 1)", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(store_snapshot(s, dbpath("snap.db")), 0);
	assert_int_equal(pragma(store_db(s), "SELECT count(*) FROM sessions"),
	    1);
	/* later changes do not reach the snapshot */
	TAILQ_FIRST(&c->c_virtuals)->vs_port = 81;
	commit_ok(s, c, &g);
	diag_init(&d);
	snap = store_open(dbpath("snap.db"), STORE_RDONLY, &d);
	assert_non_null(snap);
	assert_int_equal(store_load(snap, &l, &g), 0);
	assert_int_equal(g.sg_generation, 1);
	assert_int_equal(TAILQ_FIRST(&l->c_virtuals)->vs_port, 80);
	assert_int_equal(pragma(store_db(snap), "SELECT count(*) FROM "
	    "sessions"), 0);
	config_free(l);
	store_close(snap);
	assert_int_equal(store_snapshot(s, "/nonexistent-dir/x.db"), -1);
	diag_clear(&d);
	config_free(c);
	store_close(s);
}

/*
 * The configuration tables have exactly the registry's columns
 * (config_keys.h) with the types it gives, plus their structural ones: a
 * registry row whose column no migration creates fails here.
 */
static void
check_columns(sqlite3 *db, const char *table, const struct ck_field *t,
    const char *const *structural)
{
	const struct ck_field *f;
	sqlite3_stmt *st;
	char sql[128], type[64];
	int found, i;

	for (f = t; f->f_type != CK_END; f++) {
		if (f->f_col == NULL)
			continue;
		snprintf(sql, sizeof(sql), "SELECT type, \"notnull\" FROM "
		    "pragma_table_info('%s') WHERE name = '%s'", table,
		    f->f_col);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
		    SQLITE_OK);
		if (sqlite3_step(st) != SQLITE_ROW)
			fail_msg("%s has no column %s: add a migration "
			    "\"ALTER TABLE %s ADD COLUMN %s %s DEFAULT ...\"",
			    table, f->f_col, table, f->f_col, ck_sql_type(f));
		snprintf(type, sizeof(type), "%s%s",
		    (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int(st, 1) ? " NOT NULL" : "");
		sqlite3_finalize(st);
		if (strcmp(type, ck_sql_type(f)) != 0)
			fail_msg("%s.%s is %s, the registry says %s", table,
			    f->f_col, type, ck_sql_type(f));
	}
	snprintf(sql, sizeof(sql), "SELECT name FROM pragma_table_info('%s')",
	    table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 0);

		for (found = 0, i = 0; structural[i] != NULL; i++)
			found |= strcmp(structural[i], col) == 0;
		for (f = t; f->f_type != CK_END && !found; f++)
			found |= f->f_col != NULL && strcmp(f->f_col, col) == 0;
		if (!found)
			fail_msg("%s.%s is in no registry row", table, col);
	}
	sqlite3_finalize(st);
}

static void
test_columns_are_the_registry(void **state)
{
	static const char *const g[] = { "id", NULL };
	static const char *const n[] = { "id", "position", NULL };
	static const char *const v[] = { "id", "kind", "position", NULL };
	static const char *const r[] = { "id", "virtual_id", "position",
	    NULL };
	struct store *s = open_new("columns.db");

	(void)state;
	check_columns(store_db(s), "global_settings", ck_global, g);
	check_columns(store_db(s), "nodes", ck_node, n);
	check_columns(store_db(s), "virtuals", ck_virtual, v);
	check_columns(store_db(s), "virtuals", ck_failover, v);
	check_columns(store_db(s), "servers", ck_server, r);
	check_columns(store_db(s), "tracks", ck_track, n);
	store_close(s);
}

static void
test_sha256(void **state)
{
	char h[STORE_HASH_HEX];

	(void)state;
	digest_sha256_hex("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	digest_sha256_hex("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_create),
		cmocka_unit_test(test_migrate_from_v1),
		cmocka_unit_test(test_migrate_http_status),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_generations_rollback),
		cmocka_unit_test(test_invalid_changes_nothing),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_foreign_db_refused),
		cmocka_unit_test(test_concurrent_create),
		cmocka_unit_test(test_audit_snapshot),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_commit_failure_cause),
		cmocka_unit_test(test_columns_are_the_registry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
