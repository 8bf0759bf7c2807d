/*
 * srvadmin.c - real server admin state in the store (see srvadmin.h).
 */
#include "shoal-build.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "store/srvadmin.h"
#include "store/store.h"

static const char *const names[] = { "enable", "drain", "disable" };

const char *
srvadmin_name(enum srvadmin_state s)
{
	if ((int)s < 0 || (size_t)s >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[s];
}

int
srvadmin_from_name(const char *n)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], n) == 0)
			return (int)i;
	return -1;
}

static int
exec_sql(struct sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("server admin state: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
write_row(struct sqlite3 *db, const char *vs, const char *rs,
    enum srvadmin_state s, const char *user)
{
	sqlite3_stmt *st = NULL;
	int ok;

	if (s == SRVADMIN_ENABLE)
		ok = sqlite3_prepare_v2(db, "DELETE FROM server_admin WHERE "
		    "virtual = ?1 AND server = ?2", -1, &st, NULL);
	else
		ok = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO "
		    "server_admin (virtual, server, state, time, user) "
		    "VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL);
	if (ok != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, vs, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rs, -1, SQLITE_STATIC);
	if (s != SRVADMIN_ENABLE) {
		sqlite3_bind_text(st, 3, srvadmin_name(s), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
		sqlite3_bind_text(st, 5, user, -1, SQLITE_STATIC);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	log_warnx("server admin state: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

int
srvadmin_set(struct store *stg, const char *vs, const char *rs,
    enum srvadmin_state s, const char *user)
{
	struct sqlite3 *db = store_db(stg);
	char detail[2 * 64 + 32];

	if (srvadmin_name(s) == NULL)
		return -1;
	if (exec_sql(db, "BEGIN IMMEDIATE") == -1)
		return -1;
	snprintf(detail, sizeof(detail), "%s %s %s", srvadmin_name(s), vs, rs);
	if (write_row(db, vs, rs, s, user) == -1 ||
	    store_audit_add(stg, user, "server", detail) == -1) {
		(void)exec_sql(db, "ROLLBACK");
		return -1;
	}
	return exec_sql(db, "COMMIT");
}

int
srvadmin_each(struct store *stg, int (*fn)(const char *, const char *,
    enum srvadmin_state, void *), void *arg)
{
	struct sqlite3 *db = store_db(stg);
	sqlite3_stmt *st = NULL;
	int rc, s;

	if (sqlite3_prepare_v2(db, "SELECT virtual, server, state FROM "
	    "server_admin ORDER BY virtual, server", -1, &st, NULL) !=
	    SQLITE_OK) {
		log_warnx("server admin state: %s", sqlite3_errmsg(db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s = srvadmin_from_name((const char *)sqlite3_column_text(st, 2));
		if (s == -1 || s == SRVADMIN_ENABLE)
			continue;
		if (fn((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (enum srvadmin_state)s, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		log_warnx("server admin state: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
