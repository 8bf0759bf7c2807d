/*
 * sessions.c - shoal-web's sessions in the store's sessions table
 * (created by the "web UI sessions" migration in store_schema.c).
 */
#include "shoal-build.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "store/sessions.h"

/*
 * Runs sql with its parameters: ?1 key (a blob, unless NULL), ?2 text t1
 * (unless NULL), ?3 int64 i1 (when the statement has it).  The
 * number of rows changed, or -1 (logged).
 */
static int
run(struct store *s, const char *sql, const unsigned char *key,
    const char *t1, int64_t i1)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto done;
	if (key != NULL)
		sqlite3_bind_blob(st, 1, key, SESSIONS_KEY_LEN, SQLITE_STATIC);
	if (t1 != NULL)
		sqlite3_bind_text(st, 2, t1, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, i1);
	if (sqlite3_step(st) == SQLITE_DONE)
		ret = sqlite3_changes(db);
done:
	if (ret == -1)
		log_warnx("sessions: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ret;
}

int
sessions_add(struct store *s, const unsigned char key[SESSIONS_KEY_LEN],
    const char *user, const char *peer, int64_t now_ms, size_t max)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT INTO sessions (key, user, peer, "
	    "created, last) VALUES (?1, ?2, ?3, ?4, ?4)", -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_blob(st, 1, key, SESSIONS_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	/* beyond max: the least recently used go */
	return run(s, "DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM "
	    "sessions ORDER BY last DESC LIMIT -1 OFFSET ?3)", NULL, NULL,
	    (int64_t)max) == -1 ? -1 : 0;
fail:
	log_warnx("sessions: new session of %s: %s", user, sqlite3_errmsg(db));
	return -1;
}

int
sessions_get(struct store *s, const unsigned char key[SESSIONS_KEY_LEN],
    char *user, size_t user_len, int64_t *created_ms, int64_t *last_ms)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	const char *u;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(db, "SELECT user, created, last FROM sessions "
	    "WHERE key = ?1", -1, &st, NULL) != SQLITE_OK) {
		log_warnx("sessions: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_blob(st, 1, key, SESSIONS_KEY_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		ret = 1;
	else if (rc == SQLITE_ROW &&
	    (u = (const char *)sqlite3_column_text(st, 0)) != NULL) {
		str_copy(user, u, user_len);
		*created_ms = sqlite3_column_int64(st, 1);
		*last_ms = sqlite3_column_int64(st, 2);
		ret = 0;
	} else
		log_warnx("sessions: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ret;
}

int
sessions_touch(struct store *s, const unsigned char key[SESSIONS_KEY_LEN],
    int64_t now_ms)
{
	return run(s, "UPDATE sessions SET last = ?3 WHERE key = ?1", key, NULL, now_ms) == -1 ? -1 : 0;
}

int
sessions_delete(struct store *s, const unsigned char key[SESSIONS_KEY_LEN])
{
	return run(s, "DELETE FROM sessions WHERE key = ?1", key, NULL,
	    0) == -1 ? -1 : 0;
}

int
sessions_delete_user(struct store *s, const char *user)
{
	if (user == NULL)
		return run(s, "DELETE FROM sessions", NULL, NULL, 0);
	return run(s, "DELETE FROM sessions WHERE user = ?2",
	    NULL, user, 0);
}

int
sessions_delete_id(struct store *s, const char *id)
{
	return run(s, "DELETE FROM sessions WHERE lower(hex(substr(key, 1, 6)))"
	    " = lower(?2)", NULL, id, 0);
}

int
sessions_expire(struct store *s, int64_t idle_ms, int64_t abs_ms)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(db, "DELETE FROM sessions WHERE last <= ?1 OR "
	    "created <= ?2", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, idle_ms);
		sqlite3_bind_int64(st, 2, abs_ms);
		if (sqlite3_step(st) == SQLITE_DONE)
			ret = sqlite3_changes(db);
	}
	if (ret == -1)
		log_warnx("sessions: expire: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ret;
}

long
sessions_count(struct store *s)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sessions", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int
sessions_each(struct store *s, const char *user,
    int (*fn)(const struct sessions_entry *, void *), void *arg)
{
	sqlite3 *db = store_db(s);
	struct sessions_entry e;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT lower(hex(substr(key, 1, 6))), user, "
	    "peer, created, last FROM sessions WHERE ?1 IS NULL OR user = ?1 "
	    "ORDER BY created", -1, &st, NULL) != SQLITE_OK) {
		log_warnx("sessions: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (user != NULL)
		sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.se_id = (const char *)sqlite3_column_text(st, 0);
		e.se_user = (const char *)sqlite3_column_text(st, 1);
		e.se_peer = (const char *)sqlite3_column_text(st, 2);
		e.se_created_ms = sqlite3_column_int64(st, 3);
		e.se_last_ms = sqlite3_column_int64(st, 4);
		if (fn(&e, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		log_warnx("sessions: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
