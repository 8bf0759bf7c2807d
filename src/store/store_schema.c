/*
 * store_schema.c - the store's tables, as an ordered list of migrations.
 *
 * Migration 1 holds the configuration model (config.h) in relational
 * tables, the generation counter (meta), the history of canonical lvs.cf
 * exports and the audit log.  Enumerations are stored by their lvs.cf
 * names, addresses in canonical text, durations in milliseconds, so that
 * `sqlite3 shoal.db` is readable by an administrator.
 *
 * Row ids of configuration tables are NOT stable: store_commit() rewrites
 * them all.  Tables added by other modules refer to virtual and real
 * servers by name (virtual name, server name), never by id.
 */
#include "shoal-build.h"

#include <sqlite3.h>
#include <stdio.h>

#include "store/store_schema.h"

static const char schema_config[] =
	"PRAGMA application_id = 1936224108;"	/* STORE_APPLICATION_ID */
	"CREATE TABLE meta ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  generation INTEGER NOT NULL"
	");"
	"INSERT INTO meta (id, generation) VALUES (1, 0);"
	"CREATE TABLE global_settings ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  serial_no INTEGER NOT NULL,"
	"  service TEXT NOT NULL,"
	"  primary_address TEXT,"
	"  primary_private TEXT,"
	"  backup_address TEXT,"
	"  backup_private TEXT,"
	"  backup_active INTEGER NOT NULL,"
	"  heartbeat_port INTEGER NOT NULL,"
	"  keepalive_ms INTEGER NOT NULL,"
	"  deadtime_ms INTEGER NOT NULL,"
	"  network TEXT NOT NULL,"
	"  nat_router TEXT,"
	"  nat_router_dev TEXT,"
	"  nat_nmask INTEGER NOT NULL,"
	"  rsh_command TEXT NOT NULL,"
	"  syncdaemon INTEGER NOT NULL,"
	"  syncd_iface TEXT,"
	"  syncd_id INTEGER NOT NULL,"
	"  tcp_timeout INTEGER NOT NULL,"
	"  tcpfin_timeout INTEGER NOT NULL,"
	"  udp_timeout INTEGER NOT NULL,"
	"  monitor_links INTEGER NOT NULL,"
	"  active_cmd TEXT,"
	"  inactive_cmd TEXT,"
	"  cluster_id INTEGER NOT NULL,"
	"  preempt INTEGER NOT NULL,"
	"  preempt_delay_ms INTEGER NOT NULL,"
	"  heartbeat_key TEXT,"
	"  lb_backend TEXT NOT NULL,"
	"  arp_count INTEGER NOT NULL,"
	"  arp_interval_ms INTEGER NOT NULL"
	");"
	"CREATE TABLE global_kept ("
	"  position INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL"
	");"
	"CREATE TABLE nodes ("
	"  id INTEGER PRIMARY KEY,"
	"  position INTEGER NOT NULL,"
	"  name TEXT NOT NULL UNIQUE,"
	"  address TEXT,"
	"  private_address TEXT,"
	"  priority INTEGER NOT NULL,"
	"  ssh_user TEXT,"
	"  ssh_port INTEGER NOT NULL,"
	"  ssh_key TEXT,"
	"  remote_shoalctl TEXT,"
	"  remote_db TEXT"
	");"
	/* virtual servers and fail-over services share their keys (config.h) */
	"CREATE TABLE virtuals ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('virtual', 'failover')),"
	"  position INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  active INTEGER NOT NULL,"
	"  address TEXT,"
	"  device TEXT,"
	"  nmask INTEGER NOT NULL,"
	"  port INTEGER NOT NULL,"
	"  protocol TEXT NOT NULL,"
	"  fwmark INTEGER NOT NULL,"
	"  scheduler TEXT NOT NULL,"
	"  persistent INTEGER NOT NULL,"
	"  pmask INTEGER NOT NULL,"
	"  send TEXT,"
	"  expect TEXT,"
	"  use_regex INTEGER NOT NULL,"
	"  send_program TEXT,"
	"  timeout_ms INTEGER NOT NULL,"
	"  reentry_ms INTEGER NOT NULL,"
	"  load_monitor TEXT NOT NULL,"
	"  quiesce_server INTEGER NOT NULL,"
	"  sorry_server TEXT,"
	"  sorry_port INTEGER NOT NULL,"
	"  start_cmd TEXT,"
	"  stop_cmd TEXT,"
	"  check_kind TEXT NOT NULL,"
	"  check_interval_ms INTEGER NOT NULL,"
	"  check_timeout_ms INTEGER NOT NULL,"
	"  rise INTEGER NOT NULL,"
	"  fall INTEGER NOT NULL,"
	"  http_path TEXT,"
	"  http_host TEXT,"
	"  http_status INTEGER NOT NULL,"
	"  agent_port INTEGER NOT NULL,"
	"  slow_start_ms INTEGER NOT NULL,"
	"  UNIQUE (kind, name)"
	");"
	"CREATE TABLE virtual_kept ("
	"  virtual_id INTEGER NOT NULL REFERENCES virtuals (id)"
	"    ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (virtual_id, position)"
	");"
	"CREATE TABLE servers ("
	"  id INTEGER PRIMARY KEY,"
	"  virtual_id INTEGER NOT NULL REFERENCES virtuals (id)"
	"    ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  address TEXT,"
	"  active INTEGER NOT NULL,"
	"  weight INTEGER NOT NULL,"
	"  port INTEGER NOT NULL,"
	"  UNIQUE (virtual_id, name)"
	");"
	"CREATE INDEX servers_by_virtual ON servers (virtual_id, position);"
	"CREATE TABLE server_kept ("
	"  server_id INTEGER NOT NULL REFERENCES servers (id)"
	"    ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (server_id, position)"
	");"
	"CREATE TABLE history ("
	"  generation INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  user TEXT NOT NULL,"
	"  comment TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  lvscf TEXT NOT NULL"
	");"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  user TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  detail TEXT NOT NULL"
	");";

/* users.c: web UI accounts; `hash` is a crypt(3) yescrypt string. */
static const char schema_users[] =
	"CREATE TABLE users ("
	"  name TEXT PRIMARY KEY,"
	"  hash TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL"
	");";

/*
 * srvadmin.c: runtime admin state of real servers (shoalctl server
 * drain|disable|enable).  By names, so it survives store_commit(); a row
 * for a server that left the configuration is harmless.  No row = enabled
 * (health decides).
 */
static const char schema_srvadmin[] =
	"CREATE TABLE server_admin ("
	"  virtual TEXT NOT NULL,"
	"  server TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('drain', 'disable')),"
	"  time INTEGER NOT NULL,"
	"  user TEXT NOT NULL,"
	"  PRIMARY KEY (virtual, server)"
	");";

/* director_mode = ecmp (pulse/announce.h): the mode and each node's
 * BGP session with the upstream router. */
static const char schema_ecmp[] =
	"ALTER TABLE global_settings ADD COLUMN director_mode TEXT NOT NULL"
	"  DEFAULT 'single';"
	"ALTER TABLE nodes ADD COLUMN bgp_as INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE nodes ADD COLUMN bgp_neighbor TEXT;"
	"ALTER TABLE nodes ADD COLUMN bgp_neighbor_as INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE nodes ADD COLUMN bgp_hold_time INTEGER NOT NULL"
	"  DEFAULT 3;"
	"ALTER TABLE nodes ADD COLUMN routing_socket TEXT;"
	"ALTER TABLE nodes ADD COLUMN routing_config TEXT;";

/* The protocol checks' settings (check = dns, smtp...: nanny/check.h)
 * and the fence command run before a takeover (pulse/fence.h). */
static const char schema_check_proto[] =
	"ALTER TABLE virtuals ADD COLUMN dns_name TEXT;"
	"ALTER TABLE virtuals ADD COLUMN dns_type TEXT;"
	"ALTER TABLE virtuals ADD COLUMN dns_rcode TEXT;"
	"ALTER TABLE virtuals ADD COLUMN dns_answer TEXT;"
	"ALTER TABLE virtuals ADD COLUMN starttls INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE virtuals ADD COLUMN tls_verify INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE virtuals ADD COLUMN tls_ca TEXT;"
	"ALTER TABLE virtuals ADD COLUMN tls_name TEXT;"
	"ALTER TABLE global_settings ADD COLUMN fence_cmd TEXT;"
	"ALTER TABLE global_settings ADD COLUMN fence_timeout_ms INTEGER"
	"  NOT NULL DEFAULT 10000;";

/* notify hooks (pulse/hooks.h): a command per event kind, one for every
 * kind and their timeout. */
static const char schema_notify[] =
	"ALTER TABLE global_settings ADD COLUMN notify TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_role TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_vip TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_server TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_service TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_config TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_push TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_syncd TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_maint TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_dual_active TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_drill TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_hook TEXT;"
	"ALTER TABLE global_settings ADD COLUMN notify_timeout_ms INTEGER"
	"  NOT NULL DEFAULT 10000;";

/* a second heartbeat key accepted during a key roll (pulse/hbio.c) */
static const char schema_key_accept[] =
	"ALTER TABLE global_settings ADD COLUMN heartbeat_key_accept TEXT;";

/* shoal-web's watch after a push, and its rollback (webui/api_push.c) */
static const char schema_push_watch[] =
	"ALTER TABLE global_settings ADD COLUMN push_watch INTEGER NOT NULL"
	"  DEFAULT 30;";

/* tracked checks of a node's own health (pulse/tracks.h): the columns
 * are ck_track's (config_keys.c). */
static const char schema_track[] =
	"CREATE TABLE tracks ("
	"  id INTEGER PRIMARY KEY,"
	"  position INTEGER NOT NULL,"
	"  name TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  address TEXT,"
	"  command TEXT,"
	"  virtual TEXT,"
	"  min_up INTEGER NOT NULL,"
	"  interval_ms INTEGER NOT NULL,"
	"  timeout_ms INTEGER NOT NULL,"
	"  rise INTEGER NOT NULL,"
	"  fall INTEGER NOT NULL,"
	"  weight INTEGER NOT NULL,"
	"  fault INTEGER NOT NULL"
	");";

/*
 * http_status holds codes and ranges ("200-399,404") instead of one
 * code: SQLite cannot change a column's type, so the column is rebuilt
 * (renamed, a TEXT column added, values carried over, the old one
 * dropped: ALTER TABLE DROP COLUMN rewrites the table).  The table is not
 * dropped and created again, since that would delete, through the
 * foreign keys, every server of every virtual.  0 (any 2xx or 3xx) becomes
 * NULL, which means 200-399, what 0 meant.
 */
static const char schema_http_status[] =
	"ALTER TABLE virtuals RENAME COLUMN http_status TO http_status_old;"
	"ALTER TABLE virtuals ADD COLUMN http_status TEXT;"
	"UPDATE virtuals SET http_status = CASE WHEN http_status_old = 0 "
	"  THEN NULL ELSE CAST(http_status_old AS TEXT) END;"
	"ALTER TABLE virtuals DROP COLUMN http_status_old;";

/* users.c: each web UI account's role; the accounts made before roles
 * existed could do everything, so they stay administrators. */
static const char schema_roles[] =
	"ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'admin'"
	"  CHECK (role IN ('admin', 'operator', 'viewer'));";

/*
 * sessions.c: shoal-web's sessions, named by the SHA-256 of the cookie
 * token (never the token); wall-clock milliseconds.
 */
static const char schema_sessions[] =
	"CREATE TABLE sessions ("
	"  key BLOB PRIMARY KEY CHECK (length(key) = 32),"
	"  user TEXT NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  last INTEGER NOT NULL"
	");"
	"CREATE INDEX sessions_user ON sessions (user);";

/*
 * The ordered list.  Append new migrations at the end; entry i takes the
 * database to user_version i + 1.
 */
static const struct store_migration migrations[] = {
	{ "configuration model, history and audit", schema_config },
	{ "web UI users", schema_users },
	{ "real server admin state", schema_srvadmin },
	{ "scale-out: director mode and BGP sessions", schema_ecmp },
	{ "protocol checks (DNS query, STARTTLS, TLS verification), fence",
	  schema_check_proto },
	{ "notify hooks", schema_notify },
	{ "second accepted heartbeat key", schema_key_accept },
	{ "watch and rollback after a push", schema_push_watch },
	{ "tracked checks of the node's own health", schema_track },
	{ "HTTP status ranges", schema_http_status },
	{ "web UI roles", schema_roles },
	{ "web UI sessions", schema_sessions },
};

#define NMIGRATIONS	((int)(sizeof(migrations) / sizeof(migrations[0])))

int
store_schema_version(void)
{
	return NMIGRATIONS;
}

int
store_schema_get_version(struct sqlite3 *db, struct diag *d)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
		    "cannot read the schema version: %s", sqlite3_errmsg(db));
		goto done;
	}
	v = sqlite3_column_int(st, 0);
done:
	sqlite3_finalize(st);
	return v;
}

static int
exec(struct sqlite3 *db, const char *sql, char **err)
{
	return sqlite3_exec(db, sql, NULL, NULL, err) == SQLITE_OK ? 0 : -1;
}

/*
 * One step: inside a write transaction (so that two processes opening a
 * new database at once do not both migrate), reads the version again and
 * applies the next migration.  Sets *done when the version is >= target.
 */
static int
migrate_step(struct sqlite3 *db, int target, int *done, struct diag *d)
{
	const struct store_migration *m = NULL;
	char pragma[64], *err = NULL;
	int v;

	*done = 0;
	if (exec(db, "BEGIN IMMEDIATE", &err) == -1)
		goto fail;
	if ((v = store_schema_get_version(db, d)) == -1)
		goto fail;
	if (v >= target) {
		*done = 1;
		return exec(db, "COMMIT", &err) == -1 ? -1 : 0;
	}
	m = &migrations[v];
	/* PRAGMA takes no parameters: the version is our own integer */
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
	if (exec(db, m->sm_sql, &err) == -1 || exec(db, pragma, &err) == -1 ||
	    exec(db, "COMMIT", &err) == -1)
		goto fail;
	return 0;
fail:
	diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
	    "schema migration%s%s failed: %s", m != NULL ? " to " : "",
	    m != NULL ? m->sm_name : "", err != NULL ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	if (!sqlite3_get_autocommit(db))
		exec(db, "ROLLBACK", NULL);
	return -1;
}

int
store_schema_migrate(struct sqlite3 *db, int target, struct diag *d)
{
	int v, done = 0;

	if ((v = store_schema_get_version(db, d)) == -1)
		return -1;
	if (target > NMIGRATIONS || v > target) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
		    "schema version %d cannot be migrated to %d", v, target);
		return -1;
	}
	while (!done)
		if (migrate_step(db, target, &done, d) == -1)
			return -1;
	return 0;
}
