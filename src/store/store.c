/*
 * store.c - the SQLite configuration store.
 *
 * The configuration lives in relational tables (store_schema.c); their
 * columns are the field registry's (config_keys.h), which drives both the
 * INSERTs of store_commit() and the SELECTs of store_load(), so the two
 * cannot drift apart nor from the lvs.cf and JSON names of a field.  SQL
 * text is built only from those constant column names; every value is
 * bound.
 *
 * A commit replaces the whole configuration in one transaction: the
 * tables are emptied and written again, the generation in `meta` is
 * bumped, and the canonical lvs.cf export with its SHA-256 goes into
 * `history`, plus an `audit` row.  Any failure rolls everything back.
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_keys.h"
#include "config/lvscf.h"
#include "config/validate.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/store_schema.h"

#define STORE_BUSY_MS	5000

struct store {
	sqlite3		*st_db;
	int		 st_rdonly;
	int		 st_failed;	/* the last commit failed in SQLite */
};

/* ---- columns: the field registry's rows that have one ---- */

/*
 * The configuration tables hold one column per registry row with an
 * f_col (config_keys.h); virtual servers and fail-over services share the
 * `virtuals` table and the same rows.  Enums are stored by name,
 * addresses as text, numbers in their storage units (ms...).
 */
#define COLUMNS_GLOBAL		ck_global
#define COLUMNS_NODE		ck_node
#define COLUMNS_TRACK		ck_track
#define COLUMNS_VIRTUAL		ck_virtual	/* and fail-over services */
#define COLUMNS_SERVER		ck_server

/* Binds f's value in base to parameter idx.  The text stays owned by base,
 * which outlives the statement's step. */
static int
field_bind(sqlite3_stmt *st, int idx, const void *base,
    const struct ck_field *f)
{
	char buf[CFG_ADDR_STRLEN];
	const struct cfg_addr *a;
	const char *s;
	int64_t v;

	switch (f->f_type) {
	case CK_NAME:
	case CK_STR:
		if ((s = ck_string(f, base)) == NULL)
			return sqlite3_bind_null(st, idx);
		return sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
	case CK_ADDR:
	case CK_ADDR_DEV:
		if (!cfg_addr_is_set(a = ck_addr(f, base)))
			return sqlite3_bind_null(st, idx);
		cfg_addr_str(a, buf, sizeof(buf));
		return sqlite3_bind_text(st, idx, buf, -1, SQLITE_TRANSIENT);
	case CK_ENUM:
		if (ck_number(f, base, &v) == -1 || v < INT_MIN ||
		    v > INT_MAX || (s = f->f_enum->e_name((int)v)) == NULL)
			return SQLITE_MISUSE;
		return sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
	default:
		if (ck_number(f, base, &v) == -1)
			return SQLITE_MISUSE;
		return sqlite3_bind_int64(st, idx, v);
	}
}

/* Binds every column of a table from parameter first on; sqlite result. */
static int
fields_bind(sqlite3_stmt *st, int first, const void *base,
    const struct ck_field *t)
{
	int rc;

	for (; t->f_type != CK_END; t++)
		if (t->f_col != NULL &&
		    (rc = field_bind(st, first++, base, t)) != SQLITE_OK)
			return rc;
	return SQLITE_OK;
}

/* Reads text column s into f's place; 0, -1 invalid, -2 out of memory. */
static int
field_text(const struct ck_field *f, void *base, const char *s)
{
	struct cfg_addr a;
	int e;

	switch (f->f_type) {
	case CK_NAME:
	case CK_STR:
		return ck_set_string(f, base, s) == -1 ? -2 : 0;
	case CK_ADDR:
	case CK_ADDR_DEV:
		if (s == NULL)
			return ck_set_addr(f, base, NULL);
		if (cfg_addr_parse(&a, s) == -1)
			return -1;
		return ck_set_addr(f, base, &a);
	default:	/* CK_ENUM */
		if (s == NULL || (e = f->f_enum->e_value(s)) == -1)
			return -1;
		return ck_set_number(f, base, e);
	}
}

/*
 * Reads column idx into f's place in base.  Returns 0, or -1 when the
 * database holds a value this program cannot represent (logged with
 * table and column) or memory is short.
 */
static int
field_column(sqlite3_stmt *st, int idx, void *base, const struct ck_field *f,
    const char *table)
{
	const char *s = (const char *)sqlite3_column_text(st, idx);
	int rc;

	switch (f->f_type) {
	case CK_NAME:
	case CK_STR:
	case CK_ADDR:
	case CK_ADDR_DEV:
	case CK_ENUM:
		rc = field_text(f, base, s);
		break;
	default:
		rc = s == NULL ? -1 :
		    ck_set_number(f, base, sqlite3_column_int64(st, idx));
		break;
	}
	if (rc == -2)
		log_warnx("store: out of memory");
	else if (rc == -1)
		log_warnx("store: %s.%s holds an invalid value \"%s\"", table,
		    f->f_col, s != NULL ? s : "(null)");
	return rc == 0 ? 0 : -1;
}

static int
fields_column(sqlite3_stmt *st, int first, void *base,
    const struct ck_field *t, const char *table)
{
	for (; t->f_type != CK_END; t++)
		if (t->f_col != NULL &&
		    field_column(st, first++, base, t, table) == -1)
			return -1;
	return 0;
}

/* ---- SQL helpers ---- */

/* Appends s to the growing buffer *b (length *len); -1 on ENOMEM. */
static int
sql_cat(char **b, size_t *len, const char *s)
{
	size_t n = strlen(s);
	char *nb;

	if ((nb = realloc(*b, *len + n + 1)) == NULL)
		return -1;
	memcpy(nb + *len, s, n + 1);
	*b = nb;
	*len += n;
	return 0;
}

/*
 * Builds "INSERT INTO table (pre, cols...) VALUES (?, ...)" or
 * "SELECT pre, cols... FROM table tail" from constant column names.
 * Caller frees; NULL on ENOMEM.
 */
static char *
sql_build(int insert, const char *table, const char *pre,
    const struct ck_field *fields, const char *tail)
{
	const struct ck_field *f;
	char *b = NULL;
	size_t len = 0;
	int n = 0, bad = 0, i;

	bad |= sql_cat(&b, &len, insert ? "INSERT INTO " : "SELECT ");
	if (insert)
		bad |= sql_cat(&b, &len, table) | sql_cat(&b, &len, " (");
	bad |= sql_cat(&b, &len, pre);
	for (i = 0; pre[i] != '\0'; i++)
		n += pre[i] == ',';
	n++;
	for (f = fields; f->f_type != CK_END; f++)
		if (f->f_col != NULL) {
			bad |= sql_cat(&b, &len, ", ") |
			    sql_cat(&b, &len, f->f_col);
			n++;
		}
	if (insert) {
		bad |= sql_cat(&b, &len, ") VALUES (?");
		for (i = 1; i < n; i++)
			bad |= sql_cat(&b, &len, ", ?");
		bad |= sql_cat(&b, &len, ")");
	} else
		bad |= sql_cat(&b, &len, " FROM ") | sql_cat(&b, &len, table) |
		    sql_cat(&b, &len, tail);
	if (bad) {
		free(b);
		return NULL;
	}
	return b;
}

static sqlite3_stmt *
prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sql == NULL) {
		log_warnx("store: out of memory");
		return NULL;
	}
	if (sqlite3_prepare_v2(s->st_db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("store: %s", sqlite3_errmsg(s->st_db));
		return NULL;
	}
	return st;
}

/* Prepares SQL built by sql_build() and frees the text. */
static sqlite3_stmt *
prepare_built(struct store *s, char *sql)
{
	sqlite3_stmt *st = prepare(s, sql);

	free(sql);
	return st;
}

/* Steps a statement that returns no rows and resets it; 0 or -1. */
static int
step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		log_warnx("store: %s", sqlite3_errmsg(s->st_db));
		return -1;
	}
	return 0;
}

static int
exec_sql(struct store *s, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(s->st_db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_warnx("store: %s: %s", sql,
		    err != NULL ? err : sqlite3_errmsg(s->st_db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static void
rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->st_db))
		exec_sql(s, "ROLLBACK");
}

/* ---- open and close ---- */

/* Reads a one-integer PRAGMA; -1 on error. */
static int
pragma_int(struct store *s, const char *sql, sqlite3_int64 *v)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = prepare(s, sql)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * Checks that the file is a shoal database of a schema we know, and for a
 * read-write open brings it up to date.  An empty file is a new shoal
 * database; one with tables but without our application_id is someone
 * else's and is left alone.  0, or -1 with the reason in d.
 */
static int
store_check_schema(struct store *s, const char *path, struct diag *d)
{
	sqlite3_int64 appid = 0, tables = 0;
	int v = -1, known = store_schema_version();

	/* one read snapshot: another process may be creating the schema */
	if (exec_sql(s, "BEGIN") == 0 &&
	    pragma_int(s, "PRAGMA application_id", &appid) == 0 &&
	    pragma_int(s, "SELECT count(*) FROM sqlite_master", &tables) == 0)
		v = store_schema_get_version(s->st_db, d);
	rollback(s);
	if (v == -1) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL,
		    "not a readable SQLite database: %s",
		    sqlite3_errmsg(s->st_db));
		return -1;
	}
	if ((appid != 0 && appid != STORE_APPLICATION_ID) ||
	    (appid == 0 && (v != 0 || tables != 0))) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL,
		    "not a shoal database (application_id %lld)",
		    (long long)appid);
		return -1;
	}
	if (v > known) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL,
		    "database schema version %d is newer than this program "
		    "knows (%d): upgrade shoal", v, known);
		return -1;
	}
	if (s->st_rdonly && v < known) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL,
		    "database schema version %d is older than %d: open it "
		    "read-write once (shoalctl config show) to migrate", v,
		    known);
		return -1;
	}
	if (!s->st_rdonly)
		return store_schema_migrate(s->st_db, known, d);
	return 0;
}

/*
 * Switches a writer's database to WAL.  Changing the journal mode takes
 * an exclusive lock without going through the busy handler, so processes
 * opening a new database together retry here for up to STORE_BUSY_MS.
 */
static int
set_wal(struct store *s)
{
	int rc, tries = 0;

	while ((rc = sqlite3_exec(s->st_db, "PRAGMA journal_mode = WAL", NULL,
	    NULL, NULL)) != SQLITE_OK && tries++ < STORE_BUSY_MS / 10 &&
	    ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED))
		sqlite3_sleep(10);
	if (rc != SQLITE_OK) {
		log_warnx("store: journal_mode WAL: %s",
		    sqlite3_errmsg(s->st_db));
		return -1;
	}
	return 0;
}

static int
store_setup(struct store *s, const char *path, struct diag *d)
{
	sqlite3_busy_timeout(s->st_db, STORE_BUSY_MS);
	sqlite3_extended_result_codes(s->st_db, 1);
	if (exec_sql(s, "PRAGMA foreign_keys = ON") == -1)
		goto fail;
	if (!s->st_rdonly && (set_wal(s) == -1 ||
	    exec_sql(s, "PRAGMA synchronous = FULL") == -1))
		goto fail;
	return store_check_schema(s, path, d);
fail:
	diag_add(d, DIAG_ERROR, path, 0, 0, NULL, "cannot set up database: %s",
	    sqlite3_errmsg(s->st_db));
	return -1;
}

/*
 * The mode and group of a new database file: 0600, or 0660 with the
 * directory's group when the directory is group-writable but not
 * world-writable (/var/lib/shoal is root:shoal 0770, so shoal-web, in
 * group shoal, can use a database that root created).  It holds the
 * heartbeat key and password hashes: never world-readable.
 */
static void
new_file_access(const char *path, mode_t *mode, gid_t *gid)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat sb;

	*mode = 0600;
	*gid = (gid_t)-1;
	if (slash == NULL)
		str_copy(dir, ".", sizeof(dir));
	else if (slash == path)
		str_copy(dir, "/", sizeof(dir));
	else if ((size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	} else
		return;
	if (stat(dir, &sb) == -1 || (sb.st_mode & S_IWOTH) ||
	    !(sb.st_mode & S_IWGRP))
		return;
	*mode = 0660;
	*gid = sb.st_gid;
}

/*
 * Creates a missing database file with new_file_access()'s mode and
 * group; SQLite gives its -wal and -shm files the same.  An existing
 * file is left as it is.  0, or -1 with the reason in d.
 */
static int
create_private(const char *path, struct diag *d)
{
	mode_t mode;
	gid_t gid;
	int fd;

	if (path[0] == ':' || strncmp(path, "file:", 5) == 0)
		return 0;	/* SQLite special names */
	new_file_access(path, &mode, &gid);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 && errno == EEXIST)
		return 0;
	if (fd == -1) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL,
		    "cannot create database: %s", strerror(errno));
		return -1;
	}
	if (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) == -1)
		log_warn("store: %s: cannot give it the directory's group",
		    path);
	else if (fchmod(fd, mode) == -1)
		log_warn("store: %s: chmod", path);
	close(fd);
	return 0;
}

struct store *
store_open(const char *path, int flags, struct diag *d)
{
	struct store *s;
	int oflags;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL, "out of memory");
		return NULL;
	}
	s->st_rdonly = (flags & STORE_RDONLY) != 0;
	if (!s->st_rdonly && (flags & STORE_CREATE) &&
	    create_private(path, d) == -1)
		goto fail;
	if (s->st_rdonly)
		oflags = SQLITE_OPEN_READONLY;
	else
		oflags = SQLITE_OPEN_READWRITE |
		    ((flags & STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	oflags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &s->st_db, oflags, NULL) != SQLITE_OK) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL,
		    "cannot open database: %s",
		    s->st_db != NULL ? sqlite3_errmsg(s->st_db) :
		    "out of memory");
		goto fail;
	}
	if (store_setup(s, path, d) == -1)
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->st_db != NULL && sqlite3_close(s->st_db) != SQLITE_OK)
		log_warnx("store: close: %s", sqlite3_errmsg(s->st_db));
	free(s);
}

struct sqlite3 *
store_db(struct store *s)
{
	return s->st_db;
}

/* ---- hashing ---- */

int
store_config_hash(const struct shoal_config *c, char *out)
{
	char *text;
	size_t len;

	if ((text = lvscf_write(c, &len)) == NULL)
		return -1;
	digest_sha256_hex(text, len, out);
	mem_wipe(text, len);	/* it holds the heartbeat key */
	free(text);
	return 0;
}

/* ---- generations and history ---- */

static void
gen_from_row(sqlite3_stmt *st, struct store_gen *g)
{
	const char *s;

	memset(g, 0, sizeof(*g));
	g->sg_generation = (uint64_t)sqlite3_column_int64(st, 0);
	g->sg_time = sqlite3_column_int64(st, 1);
	if ((s = (const char *)sqlite3_column_text(st, 2)) != NULL)
		str_copy(g->sg_user, s, sizeof(g->sg_user));
	if ((s = (const char *)sqlite3_column_text(st, 3)) != NULL)
		str_copy(g->sg_comment, s, sizeof(g->sg_comment));
	if ((s = (const char *)sqlite3_column_text(st, 4)) != NULL)
		str_copy(g->sg_hash, s, sizeof(g->sg_hash));
}

int
store_current(struct store *s, struct store_gen *gen)
{
	sqlite3_stmt *st;
	int rc;

	st = prepare(s, "SELECT m.generation, h.time, h.user, h.comment, "
	    "h.sha256 FROM meta m LEFT JOIN history h "
	    "ON h.generation = m.generation WHERE m.id = 1");
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		gen_from_row(st, gen);
	else
		log_warnx("store: no generation: %s",
		    rc == SQLITE_DONE ? "meta row missing" :
		    sqlite3_errmsg(s->st_db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_history_get(struct store *s, uint64_t g, struct store_gen *gen)
{
	sqlite3_stmt *st;
	int rc;

	st = prepare(s, "SELECT generation, time, user, comment, sha256 "
	    "FROM history WHERE generation = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)g);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		gen_from_row(st, gen);
	else if (rc != SQLITE_DONE)
		log_warnx("store: history: %s", sqlite3_errmsg(s->st_db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

char *
store_history_text(struct store *s, uint64_t g, size_t *lenp)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	char *text = NULL;
	int n;

	st = prepare(s, "SELECT lvscf FROM history WHERE generation = ?");
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)g);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = sqlite3_column_text(st, 0)) != NULL) {
		n = sqlite3_column_bytes(st, 0);
		if ((text = malloc((size_t)n + 1)) != NULL) {
			memcpy(text, t, (size_t)n);
			text[n] = '\0';
			if (lenp != NULL)
				*lenp = (size_t)n;
		}
	}
	sqlite3_finalize(st);
	return text;
}

int
store_history_each(struct store *s,
    int (*fn)(const struct store_gen *, void *), void *arg)
{
	struct store_gen g;
	sqlite3_stmt *st;
	int rc;

	st = prepare(s, "SELECT generation, time, user, comment, sha256 "
	    "FROM history ORDER BY generation DESC");
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		gen_from_row(st, &g);
		if (fn(&g, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		log_warnx("store: history: %s", sqlite3_errmsg(s->st_db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- audit ---- */

static int
audit_insert(struct store *s, int64_t now, const char *user,
    const char *action, const char *detail)
{
	sqlite3_stmt *st;
	int rc;

	st = prepare(s, "INSERT INTO audit (time, user, action, detail) "
	    "VALUES (?, ?, ?, ?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, detail != NULL ? detail : "", -1,
	    SQLITE_STATIC);
	rc = step_done(s, st);
	sqlite3_finalize(st);
	return rc;
}

int
store_audit_add(struct store *s, const char *user, const char *action,
    const char *detail)
{
	return audit_insert(s, (int64_t)time(NULL),
	    user != NULL ? user : "unknown", action, detail);
}

int
store_audit_each(struct store *s, int limit,
    int (*fn)(const struct store_audit *, void *), void *arg)
{
	struct store_audit a;
	sqlite3_stmt *st;
	int rc;

	st = prepare(s, "SELECT id, time, user, action, detail FROM audit "
	    "ORDER BY id DESC LIMIT ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.sa_id = sqlite3_column_int64(st, 0);
		a.sa_time = sqlite3_column_int64(st, 1);
		a.sa_user = (const char *)sqlite3_column_text(st, 2);
		a.sa_action = (const char *)sqlite3_column_text(st, 3);
		a.sa_detail = (const char *)sqlite3_column_text(st, 4);
		if (fn(&a, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		log_warnx("store: audit: %s", sqlite3_errmsg(s->st_db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- loading ---- */

/* Statements reused for every block while loading. */
struct loader {
	struct store	*l_store;
	sqlite3_stmt	*l_vkept;
	sqlite3_stmt	*l_servers;
	sqlite3_stmt	*l_skept;
};

/*
 * Appends the kept keys selected by st to l.  owner is bound to the first
 * parameter when the statement has one (global_kept has no owner).
 */
static int
load_kept(struct store *s, sqlite3_stmt *st, sqlite3_int64 owner,
    struct cfg_kept_list *l)
{
	const char *k, *v;
	int rc;

	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, owner);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k = (const char *)sqlite3_column_text(st, 0);
		v = (const char *)sqlite3_column_text(st, 1);
		if (k == NULL || v == NULL || cfg_kept_add(l, k, v) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("store: kept keys: %s", sqlite3_errmsg(s->st_db));
		return -1;
	}
	return 0;
}

static int
load_global(struct store *s, struct cfg_global *g)
{
	sqlite3_stmt *st;
	int rc, ret = -1;

	st = prepare_built(s, sql_build(0, "global_settings", "id",
	    COLUMNS_GLOBAL, " WHERE id = 1"));
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = fields_column(st, 1, g, COLUMNS_GLOBAL, "global_settings");
	else if (rc == SQLITE_DONE)
		ret = 0;	/* nothing committed yet: defaults */
	else
		log_warnx("store: global settings: %s",
		    sqlite3_errmsg(s->st_db));
	sqlite3_finalize(st);
	if (ret == -1)
		return -1;
	st = prepare(s, "SELECT key, value FROM global_kept "
	    "ORDER BY position");
	if (st == NULL)
		return -1;
	ret = load_kept(s, st, 0, &g->g_kept);
	sqlite3_finalize(st);
	return ret;
}

static int
load_nodes(struct store *s, struct cfg_node_list *l)
{
	struct cfg_node *n;
	sqlite3_stmt *st;
	int rc;

	st = prepare_built(s, sql_build(0, "nodes", "id", COLUMNS_NODE,
	    " ORDER BY position"));
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((n = cfg_node_new(NULL)) == NULL)
			break;
		TAILQ_INSERT_TAIL(l, n, n_entry);
		if (fields_column(st, 1, n, COLUMNS_NODE, "nodes") == -1)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		log_warnx("store: nodes: %s", sqlite3_errmsg(s->st_db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
load_servers(struct loader *ld, sqlite3_int64 vid, struct cfg_virtual *vs)
{
	sqlite3_stmt *st = ld->l_servers;
	struct cfg_server *rs;
	int rc;

	sqlite3_bind_int64(st, 1, vid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rs = cfg_server_new(NULL, 0)) == NULL)
			break;
		TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
		if (fields_column(st, 1, rs, COLUMNS_SERVER, "servers") == -1 ||
		    load_kept(ld->l_store, ld->l_skept,
		    sqlite3_column_int64(st, 0), &rs->rs_kept) == -1)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		log_warnx("store: servers: %s",
		    sqlite3_errmsg(ld->l_store->st_db));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
load_virtuals(struct loader *ld, enum cfg_vs_kind kind,
    struct cfg_virtual_list *l)
{
	struct cfg_virtual *vs;
	sqlite3_stmt *st;
	sqlite3_int64 vid;
	int rc;

	st = prepare_built(ld->l_store, sql_build(0, "virtuals", "id",
	    COLUMNS_VIRTUAL, " WHERE kind = ? ORDER BY position"));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind == CFG_VS_VIRTUAL ? "virtual" :
	    "failover", -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((vs = cfg_virtual_new(kind, NULL)) == NULL)
			break;
		TAILQ_INSERT_TAIL(l, vs, vs_entry);
		vid = sqlite3_column_int64(st, 0);
		if (fields_column(st, 1, vs, COLUMNS_VIRTUAL, "virtuals") == -1 ||
		    load_kept(ld->l_store, ld->l_vkept, vid,
		    &vs->vs_kept) == -1 ||
		    load_servers(ld, vid, vs) == -1)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		log_warnx("store: virtuals: %s",
		    sqlite3_errmsg(ld->l_store->st_db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
load_tracks(struct store *s, struct cfg_track_list *l)
{
	struct cfg_track *t;
	sqlite3_stmt *st;
	int rc;

	st = prepare_built(s, sql_build(0, "tracks", "id", COLUMNS_TRACK,
	    " ORDER BY position"));
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((t = cfg_track_new(NULL)) == NULL)
			break;
		TAILQ_INSERT_TAIL(l, t, t_entry);
		if (fields_column(st, 1, t, COLUMNS_TRACK, "tracks") == -1)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		log_warnx("store: tracks: %s", sqlite3_errmsg(s->st_db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
load_all(struct store *s, struct shoal_config *c)
{
	struct loader ld;
	int ret = -1;

	memset(&ld, 0, sizeof(ld));
	ld.l_store = s;
	ld.l_vkept = prepare(s, "SELECT key, value FROM virtual_kept "
	    "WHERE virtual_id = ? ORDER BY position");
	ld.l_skept = prepare(s, "SELECT key, value FROM server_kept "
	    "WHERE server_id = ? ORDER BY position");
	ld.l_servers = prepare_built(s, sql_build(0, "servers", "id",
	    COLUMNS_SERVER, " WHERE virtual_id = ? ORDER BY position"));
	if (ld.l_vkept == NULL || ld.l_skept == NULL || ld.l_servers == NULL)
		goto done;
	if (load_global(s, &c->c_global) == -1 ||
	    load_nodes(s, &c->c_nodes) == -1 ||
	    load_virtuals(&ld, CFG_VS_VIRTUAL, &c->c_virtuals) == -1 ||
	    load_virtuals(&ld, CFG_VS_FAILOVER, &c->c_failovers) == -1 ||
	    load_tracks(s, &c->c_tracks) == -1)
		goto done;
	ret = 0;
done:
	sqlite3_finalize(ld.l_vkept);
	sqlite3_finalize(ld.l_skept);
	sqlite3_finalize(ld.l_servers);
	return ret;
}

int
store_load(struct store *s, struct shoal_config **out,
    struct store_gen *gen)
{
	struct shoal_config *c = NULL;
	struct store_gen g;

	*out = NULL;
	/* one read transaction: the generation and the tables agree */
	if (exec_sql(s, "BEGIN") == -1)
		return -1;
	if (store_current(s, &g) == -1)
		goto fail;
	if ((c = config_new()) == NULL) {
		log_warnx("store: out of memory");
		goto fail;
	}
	if (load_all(s, c) == -1)
		goto fail;
	if (exec_sql(s, "COMMIT") == -1)
		goto fail;
	if (gen != NULL)
		*gen = g;
	*out = c;
	return 0;
fail:
	rollback(s);
	config_free(c);
	return -1;
}

/* ---- committing ---- */

/* Statements reused for every block while writing. */
struct writer {
	struct store	*w_store;
	sqlite3_stmt	*w_virtual;
	sqlite3_stmt	*w_vkept;
	sqlite3_stmt	*w_server;
	sqlite3_stmt	*w_skept;
};

/*
 * Inserts the kept keys of one owner with st, whose parameters are
 * ([owner,] position, key, value): global_kept has no owner column.
 */
static int
write_kept(struct store *s, sqlite3_stmt *st, sqlite3_int64 owner,
    const struct cfg_kept_list *l)
{
	const struct cfg_kept *k;
	int pos = 0, i = 1;

	if (sqlite3_bind_parameter_count(st) == 4)
		i = 2;
	TAILQ_FOREACH(k, l, k_entry) {
		if (i == 2)
			sqlite3_bind_int64(st, 1, owner);
		sqlite3_bind_int(st, i, pos++);
		sqlite3_bind_text(st, i + 1, k->k_key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, i + 2, k->k_value, -1, SQLITE_STATIC);
		if (step_done(s, st) == -1)
			return -1;
	}
	return 0;
}

static int
write_global(struct store *s, const struct cfg_global *g)
{
	sqlite3_stmt *st;
	int ret = -1;

	st = prepare_built(s, sql_build(1, "global_settings", "id",
	    COLUMNS_GLOBAL, NULL));
	if (st == NULL)
		return -1;
	if (sqlite3_bind_int(st, 1, 1) == SQLITE_OK &&
	    fields_bind(st, 2, g, COLUMNS_GLOBAL) == SQLITE_OK)
		ret = step_done(s, st);
	else
		log_warnx("store: global settings: cannot bind values");
	sqlite3_finalize(st);
	if (ret == -1)
		return -1;
	st = prepare(s, "INSERT INTO global_kept (position, key, value) "
	    "VALUES (?, ?, ?)");
	if (st == NULL)
		return -1;
	ret = write_kept(s, st, 0, &g->g_kept);
	sqlite3_finalize(st);
	return ret;
}

static int
write_nodes(struct store *s, const struct cfg_node_list *l)
{
	const struct cfg_node *n;
	sqlite3_stmt *st;
	int pos = 0, ret = 0;

	st = prepare_built(s, sql_build(1, "nodes", "position", COLUMNS_NODE,
	    NULL));
	if (st == NULL)
		return -1;
	TAILQ_FOREACH(n, l, n_entry) {
		sqlite3_bind_int(st, 1, pos++);
		if (fields_bind(st, 2, n, COLUMNS_NODE) != SQLITE_OK ||
		    step_done(s, st) == -1) {
			log_warnx("store: node %s not written", n->n_name);
			ret = -1;
			break;
		}
	}
	sqlite3_finalize(st);
	return ret;
}

static int
write_tracks(struct store *s, const struct cfg_track_list *l)
{
	const struct cfg_track *t;
	sqlite3_stmt *st;
	int pos = 0, ret = 0;

	st = prepare_built(s, sql_build(1, "tracks", "position", COLUMNS_TRACK,
	    NULL));
	if (st == NULL)
		return -1;
	TAILQ_FOREACH(t, l, t_entry) {
		sqlite3_bind_int(st, 1, pos++);
		if (fields_bind(st, 2, t, COLUMNS_TRACK) != SQLITE_OK ||
		    step_done(s, st) == -1) {
			log_warnx("store: track %s not written", t->t_name);
			ret = -1;
			break;
		}
	}
	sqlite3_finalize(st);
	return ret;
}

static int
write_servers(struct writer *w, sqlite3_int64 vid,
    const struct cfg_virtual *vs)
{
	struct store *s = w->w_store;
	const struct cfg_server *rs;
	int pos = 0;

	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry) {
		sqlite3_bind_int64(w->w_server, 1, vid);
		sqlite3_bind_int(w->w_server, 2, pos++);
		if (fields_bind(w->w_server, 3, rs, COLUMNS_SERVER) !=
		    SQLITE_OK || step_done(s, w->w_server) == -1 ||
		    write_kept(s, w->w_skept, sqlite3_last_insert_rowid(s->st_db),
		    &rs->rs_kept) == -1) {
			log_warnx("store: server %s/%s not written",
			    vs->vs_name, rs->rs_name);
			return -1;
		}
	}
	return 0;
}

static int
write_virtuals(struct writer *w, const struct cfg_virtual_list *l,
    const char *kind)
{
	struct store *s = w->w_store;
	const struct cfg_virtual *vs;
	sqlite3_int64 vid;
	int pos = 0;

	TAILQ_FOREACH(vs, l, vs_entry) {
		sqlite3_bind_text(w->w_virtual, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(w->w_virtual, 2, pos++);
		if (fields_bind(w->w_virtual, 3, vs, COLUMNS_VIRTUAL) !=
		    SQLITE_OK || step_done(s, w->w_virtual) == -1) {
			log_warnx("store: %s %s not written", kind, vs->vs_name);
			return -1;
		}
		vid = sqlite3_last_insert_rowid(s->st_db);
		if (write_kept(s, w->w_vkept, vid, &vs->vs_kept) == -1 ||
		    write_servers(w, vid, vs) == -1)
			return -1;
	}
	return 0;
}

/* Empties the configuration tables (servers and kept keys cascade). */
static int
clear_config(struct store *s)
{
	return exec_sql(s, "DELETE FROM global_settings;"
	    "DELETE FROM global_kept; DELETE FROM nodes;"
	    "DELETE FROM virtuals; DELETE FROM tracks;");
}

static int
write_config(struct store *s, const struct shoal_config *c)
{
	struct writer w;
	int ret = -1;

	memset(&w, 0, sizeof(w));
	w.w_store = s;
	w.w_virtual = prepare_built(s, sql_build(1, "virtuals",
	    "kind, position", COLUMNS_VIRTUAL, NULL));
	w.w_server = prepare_built(s, sql_build(1, "servers",
	    "virtual_id, position", COLUMNS_SERVER, NULL));
	w.w_vkept = prepare(s, "INSERT INTO virtual_kept "
	    "(virtual_id, position, key, value) VALUES (?, ?, ?, ?)");
	w.w_skept = prepare(s, "INSERT INTO server_kept "
	    "(server_id, position, key, value) VALUES (?, ?, ?, ?)");
	if (w.w_virtual == NULL || w.w_server == NULL || w.w_vkept == NULL ||
	    w.w_skept == NULL)
		goto done;
	if (clear_config(s) == -1 || write_global(s, &c->c_global) == -1 ||
	    write_nodes(s, &c->c_nodes) == -1 ||
	    write_virtuals(&w, &c->c_virtuals, "virtual") == -1 ||
	    write_virtuals(&w, &c->c_failovers, "failover") == -1 ||
	    write_tracks(s, &c->c_tracks) == -1)
		goto done;
	ret = 0;
done:
	sqlite3_finalize(w.w_virtual);
	sqlite3_finalize(w.w_server);
	sqlite3_finalize(w.w_vkept);
	sqlite3_finalize(w.w_skept);
	return ret;
}

/* Records generation g (meta, history) inside the open transaction. */
static int
write_generation(struct store *s, const struct store_gen *g,
    const char *text, size_t len)
{
	sqlite3_stmt *st;
	int ret = -1;

	st = prepare(s, "UPDATE meta SET generation = ? WHERE id = 1");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)g->sg_generation);
	ret = step_done(s, st);
	sqlite3_finalize(st);
	if (ret == -1)
		return -1;
	st = prepare(s, "INSERT INTO history (generation, time, user, "
	    "comment, sha256, lvscf) VALUES (?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)g->sg_generation);
	sqlite3_bind_int64(st, 2, g->sg_time);
	sqlite3_bind_text(st, 3, g->sg_user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, g->sg_comment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, g->sg_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, text, (int)len, SQLITE_STATIC);
	ret = step_done(s, st);
	sqlite3_finalize(st);
	return ret;
}

/*
 * The transaction of a commit: everything or nothing.  g arrives with
 * user, comment, time and hash set; its generation is assigned here.
 */
/*
 * Why SQLite failed, in words an administrator acts on; the code is read
 * before a ROLLBACK (which resets sqlite3_errmsg() to "not an error").
 */
static void
store_cause(struct store *s, char *buf, size_t len)
{
	int rc = sqlite3_extended_errcode(s->st_db);

	switch (rc & 0xff) {
	case SQLITE_FULL:
		snprintf(buf, len, "the disk is full (%s)",
		    sqlite3_errmsg(s->st_db));
		break;
	case SQLITE_READONLY:
		snprintf(buf, len, "the database is read-only: check the "
		    "permissions of the database, its directory and the file "
		    "system (%s)", sqlite3_errmsg(s->st_db));
		break;
	case SQLITE_IOERR:
		snprintf(buf, len, "disk I/O error (%s)",
		    sqlite3_errmsg(s->st_db));
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		snprintf(buf, len, "the database is locked by another "
		    "process (%s)", sqlite3_errmsg(s->st_db));
		break;
	case SQLITE_CANTOPEN:
		snprintf(buf, len, "cannot open the database's journal: "
		    "check the permissions of its directory (%s)",
		    sqlite3_errmsg(s->st_db));
		break;
	default:
		snprintf(buf, len, "%s (SQLite error %d)",
		    sqlite3_errmsg(s->st_db), rc);
	}
}

static int
commit_txn(struct store *s, const struct shoal_config *c,
    struct store_gen *g, const char *action, const char *text, size_t len,
    char *why, size_t why_len)
{
	struct store_gen cur;
	char detail[128];

	if (exec_sql(s, "BEGIN IMMEDIATE") == -1) {
		store_cause(s, why, why_len);
		return -1;
	}
	if (store_current(s, &cur) == -1)
		goto fail;
	g->sg_generation = cur.sg_generation + 1;
	snprintf(detail, sizeof(detail), "generation %llu sha256 %s",
	    (unsigned long long)g->sg_generation, g->sg_hash);
	if (write_config(s, c) == -1 ||
	    write_generation(s, g, text, len) == -1 ||
	    audit_insert(s, g->sg_time, g->sg_user, action, detail) == -1 ||
	    exec_sql(s, "COMMIT") == -1)
		goto fail;
	return 0;
fail:
	store_cause(s, why, why_len);
	rollback(s);
	return -1;
}

static int
commit_as(struct store *s, const struct shoal_config *c, const char *user,
    const char *comment, const char *action, struct store_gen *gen,
    struct diag *d)
{
	struct store_gen g;
	char *text = NULL, why[512];
	size_t len = 0;
	int ret = -1;

	s->st_failed = 0;
	if (s->st_rdonly) {
		s->st_failed = 1;
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
		    "the store is open read-only");
		return -1;
	}
	if (config_validate(c, d) == -1)
		return -1;
	memset(&g, 0, sizeof(g));
	str_copy(g.sg_user, user != NULL ? user : "unknown", sizeof(g.sg_user));
	str_copy(g.sg_comment, comment != NULL ? comment : "",
	    sizeof(g.sg_comment));
	g.sg_time = (int64_t)time(NULL);
	if ((text = lvscf_write(c, &len)) == NULL || len > INT_MAX) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
		    "cannot write the canonical lvs.cf: out of memory");
		goto done;
	}
	digest_sha256_hex(text, len, g.sg_hash);
	if (commit_txn(s, c, &g, action, text, len, why, sizeof(why)) == -1) {
		s->st_failed = 1;
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
		    "cannot commit to the store: %s", why);
		goto done;
	}
	if (gen != NULL)
		*gen = g;
	ret = 0;
done:
	if (text != NULL)
		mem_wipe(text, len);
	free(text);
	return ret;
}

int
store_failed(const struct store *s)
{
	return s->st_failed;
}

int
store_commit(struct store *s, const struct shoal_config *c,
    const char *user, const char *comment, struct store_gen *gen,
    struct diag *d)
{
	return commit_as(s, c, user, comment, "commit", gen, d);
}

/* Reads generation g's text back into a config, checking its hash. */
static struct shoal_config *
history_config(struct store *s, uint64_t g, struct diag *d)
{
	struct shoal_config *c = NULL;
	struct store_gen hg;
	char name[64], hash[STORE_HASH_HEX];
	char *text;
	size_t len = 0;
	int rc;

	if ((rc = store_history_get(s, g, &hg)) != 0) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
		    rc == 1 ? "no generation %llu in history" :
		    "cannot read generation %llu", (unsigned long long)g);
		return NULL;
	}
	if ((text = store_history_text(s, g, &len)) == NULL) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
		    "cannot read generation %llu", (unsigned long long)g);
		return NULL;
	}
	digest_sha256_hex(text, len, hash);
	snprintf(name, sizeof(name), "generation-%llu", (unsigned long long)g);
	if (strcmp(hash, hg.sg_hash) != 0)
		diag_add(d, DIAG_ERROR, name, 0, 0, NULL,
		    "history text does not match its SHA-256 %s", hg.sg_hash);
	else
		lvscf_read_buf(name, text, len, &c, d);
	mem_wipe(text, len);
	free(text);
	return c;
}

int
store_rollback(struct store *s, uint64_t g, const char *user,
    struct store_gen *gen, struct diag *d)
{
	struct shoal_config *c;
	char comment[64];
	int ret;

	s->st_failed = 0;
	if ((c = history_config(s, g, d)) == NULL)
		return -1;
	snprintf(comment, sizeof(comment), "rollback to generation %llu",
	    (unsigned long long)g);
	ret = commit_as(s, c, user, comment, "rollback", gen, d);
	config_free(c);
	return ret;
}

/* ---- snapshots ---- */

static int
backup_to(struct store *s, sqlite3 *dst)
{
	sqlite3_backup *b;
	int rc, tries = 0;

	if ((b = sqlite3_backup_init(dst, "main", s->st_db, "main")) == NULL)
		return SQLITE_ERROR;
	/* -1: the whole database in one step, one consistent read; a busy
	 * source is retried for about STORE_BUSY_MS */
	while (((rc = sqlite3_backup_step(b, -1)) == SQLITE_OK ||
	    rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
	    tries++ < STORE_BUSY_MS / 10)
		sqlite3_sleep(10);
	sqlite3_backup_finish(b);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
store_snapshot(struct store *s, const char *dest_path)
{
	char tmp[PATH_MAX];
	sqlite3 *dst = NULL;
	int fd, rc, ret = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", dest_path) >=
	    sizeof(tmp)) {
		log_warnx("store: snapshot path too long: %s", dest_path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("store: snapshot: %s", tmp);
		return -1;
	}
	close(fd);
	rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = backup_to(s, dst);
	/*
	 * shoal-web's sessions stay on this node: a pushed file must not
	 * make them valid on a peer's shoal-web (secure_delete: their
	 * hashes leave no trace in free pages either)
	 */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA secure_delete = ON; DELETE FROM "
		    "sessions", NULL, NULL, NULL);
	/* a snapshot is a single self-contained file */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL,
		    NULL, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("store: snapshot to %s: %s", dest_path,
		    dst != NULL ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		goto done;
	}
	if (sqlite3_close(dst) != SQLITE_OK)
		goto done;
	dst = NULL;
	if (rename(tmp, dest_path) == -1) {
		log_warn("store: snapshot: rename to %s", dest_path);
		goto done;
	}
	ret = 0;
done:
	if (dst != NULL)
		sqlite3_close(dst);
	if (ret == -1)
		unlink(tmp);
	return ret;
}
