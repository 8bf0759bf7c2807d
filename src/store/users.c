/*
 * users.c - web UI accounts: yescrypt hashes in the store's users table
 * (created by the "web UI users" migration in store_schema.c).
 */
#include "shoal-build.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/util.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/users.h"

static const char *const role_names[] = {
	[USERS_VIEWER] = "viewer",
	[USERS_OPERATOR] = "operator",
	[USERS_ADMIN] = "admin",
};

const char *
users_role_name(enum users_role r)
{
	return r >= USERS_VIEWER && r <= USERS_ADMIN ? role_names[r] : "?";
}

int
users_role_from(const char *name, enum users_role *r)
{
	int i;

	for (i = USERS_VIEWER; name != NULL && i <= USERS_ADMIN; i++)
		if (strcmp(name, role_names[i]) == 0) {
			*r = (enum users_role)i;
			return 0;
		}
	return -1;
}

int
users_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > USERS_NAME_MAX || name[0] == '-' || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '.' || name[i] == '_' || name[i] == '-'))
			return 0;
	return 1;
}

/*
 * Hashes password with setting (a salt from crypt_gensalt, or a stored
 * hash to compare against).  Returns a new string the caller frees, or
 * NULL (logged, without the password).
 */
static char *
hash_with(const char *password, const char *setting)
{
	struct crypt_data *cd;
	char *h = NULL;

	if ((cd = calloc(1, sizeof(*cd))) == NULL) {
		log_warn("users: crypt");
		return NULL;
	}
	errno = 0;
	if (crypt_rn(password, setting, cd, sizeof(*cd)) == NULL ||
	    cd->output[0] == '*')
		log_warnx("users: crypt failed (errno %d)", errno);
	else if ((h = strdup(cd->output)) == NULL)
		log_warn("users: crypt");
	mem_wipe(cd, sizeof(*cd));	/* holds the password's state */
	free(cd);
	return h;
}

/* A fresh yescrypt setting (method, cost, random salt); NULL (logged). */
static char *
hash_salt(void)
{
	char *salt;

	if ((salt = crypt_gensalt_ra("$y$", 0, NULL, 0)) == NULL)
		log_warn("users: crypt_gensalt");
	return salt;
}

char *
users_hash_new(const char *password)
{
	char *salt, *h;

	if ((salt = hash_salt()) == NULL)
		return NULL;
	h = hash_with(password, salt);
	free(salt);
	return h;
}

int
users_password_check(const char *password, struct diag *d)
{
	size_t n = strlen(password);

	if (n < USERS_PASSWORD_MIN) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "password",
		    "password too short: at least %d characters",
		    USERS_PASSWORD_MIN);
		return -1;
	}
	if (n > USERS_PASSWORD_MAX) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "password",
		    "password too long: at most %d characters",
		    USERS_PASSWORD_MAX);
		return -1;
	}
	return 0;
}

static int
upsert(struct store *s, const char *name, const char *hash)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc;

	rc = sqlite3_prepare_v2(db, "INSERT INTO users (name, hash, created, "
	    "updated) VALUES (?1, ?2, ?3, ?3) ON CONFLICT (name) DO UPDATE "
	    "SET hash = excluded.hash, updated = excluded.updated", -1, &st,
	    NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
name_check(const char *name, struct diag *d)
{
	if (users_name_valid(name))
		return 0;
	diag_add(d, DIAG_ERROR, NULL, 0, 0, "user",
	    "invalid user name: 1-%d of A-Z a-z 0-9 . _ - "
	    "(not starting with - or .)", USERS_NAME_MAX);
	return -1;
}

int
users_set_password(struct store *s, const char *actor, const char *name,
    const char *password, struct diag *d)
{
	char *hash;
	int ret;

	if (name_check(name, d) == -1 ||
	    users_password_check(password, d) == -1)
		return -1;
	if ((hash = users_hash_new(password)) == NULL) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
		    "cannot hash the password");
		return -1;
	}
	ret = users_store_hash(s, actor, name, hash, d);
	str_free_secret(hash);
	return ret;
}

int
users_store_hash(struct store *s, const char *actor, const char *name,
    const char *hash, struct diag *d)
{
	sqlite3 *db = store_db(s);

	if (name_check(name, d) == -1)
		return -1;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    upsert(s, name, hash) == -1 ||
	    sessions_delete_user(s, name) == -1 ||
	    store_audit_add(s, actor, "passwd", name) == -1 ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
		    "cannot store the password: %s", sqlite3_errmsg(db));
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* The stored hash of name: 0 found (*hash set, caller frees), 1 absent,
 * -1 error. */
static int
lookup(struct store *s, const char *name, char **hash)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	const char *h;
	int rc, ret = -1;

	*hash = NULL;
	if (sqlite3_prepare_v2(db, "SELECT hash FROM users WHERE name = ?", -1,
	    &st, NULL) != SQLITE_OK) {
		log_warnx("users: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		ret = 1;
	else if (rc == SQLITE_ROW &&
	    (h = (const char *)sqlite3_column_text(st, 0)) != NULL &&
	    (*hash = strdup(h)) != NULL)
		ret = 0;
	else
		log_warnx("users: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ret;
}

/* Compares in time independent of where the strings differ. */
static int
hash_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

int
users_hash_setting(struct store *s, const char *name, char **setting)
{
	int found;

	if ((found = lookup(s, name, setting)) != 1)
		return found;
	/*
	 * No such user: a fresh salt of the same method and cost, so the
	 * check costs what a real one does, and fails (a hash never equals
	 * a bare setting).
	 */
	if ((*setting = hash_salt()) == NULL)
		return -1;
	return 1;
}

int
users_hash_check(const char *password, const char *setting)
{
	char *h;
	int ok;

	if ((h = hash_with(password, setting)) == NULL)
		return -1;
	ok = hash_equal(h, setting);
	str_free_secret(h);
	return ok;
}

int
users_verify(struct store *s, const char *name, const char *password)
{
	char *setting = NULL;
	int found, ok;

	if ((found = users_hash_setting(s, name, &setting)) == -1)
		return -1;
	ok = users_hash_check(password, setting);
	str_free_secret(setting);
	return found == 1 && ok != -1 ? 0 : ok;
}

/*
 * Inside a transaction: 1 when name is an admin and no other admin
 * exists (removing or demoting it would leave nobody to manage users),
 * 0 when not, -1 on error.
 */
static int
last_admin(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(db, "SELECT EXISTS (SELECT 1 FROM users WHERE "
	    "name = ?1 AND role = 'admin') AND NOT EXISTS (SELECT 1 FROM "
	    "users WHERE name <> ?1 AND role = 'admin')", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		ret = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	return ret;
}

/* One statement with name (?1) and, when not NULL, text (?2); the rows it
 * changed, or -1. */
static int
exec_name(sqlite3 *db, const char *sql, const char *name, const char *text)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		ret = sqlite3_changes(db);
	sqlite3_finalize(st);
	return ret;
}

int
users_set_role(struct store *s, const char *actor, const char *name,
    enum users_role role)
{
	sqlite3 *db = store_db(s);
	char detail[USERS_NAME_MAX + 16];
	int n, ret = -1;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (role != USERS_ADMIN && (n = last_admin(db, name)) != 0) {
		if (n == -1)
			goto fail;
		ret = 2;
	} else if ((n = exec_name(db, "UPDATE users SET role = ?2 WHERE "
	    "name = ?1", name, users_role_name(role))) == -1)
		goto fail;
	else
		ret = n == 0 ? 1 : 0;
	snprintf(detail, sizeof(detail), "%s %s", name, users_role_name(role));
	if (ret == 0 && (sessions_delete_user(s, name) == -1 ||
	    store_audit_add(s, actor, "userrole", detail) == -1))
		goto fail;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return ret;
fail:
	log_warnx("users: role of %s: %s", name, sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
users_get_role(struct store *s, const char *name, enum users_role *role)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	const char *r;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(db, "SELECT role FROM users WHERE name = ?", -1,
	    &st, NULL) != SQLITE_OK) {
		log_warnx("users: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		ret = 1;
	else if (rc == SQLITE_ROW && (r = (const char *)sqlite3_column_text(st,
	    0)) != NULL && users_role_from(r, role) == 0)
		ret = 0;
	else
		log_warnx("users: role of %s: %s", name, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ret;
}

int
users_add_hash(struct store *s, const char *actor, const char *name,
    const char *hash, enum users_role role, struct diag *d)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	char detail[USERS_NAME_MAX + 16];
	int ret = -1;

	if (name_check(name, d) == -1)
		return -1;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO users (name, hash, created, "
	    "updated, role) VALUES (?1, ?2, ?3, ?3, ?4) ON CONFLICT (name) DO "
	    "NOTHING", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	sqlite3_bind_text(st, 4, users_role_name(role), -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	ret = sqlite3_changes(db) == 0 ? 1 : 0;
	snprintf(detail, sizeof(detail), "%s %s", name, users_role_name(role));
	if ((ret == 0 && store_audit_add(s, actor, "useradd", detail) == -1) ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_finalize(st);
	return ret;
fail:
	diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "cannot add user %s: %s",
	    name, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
users_add(struct store *s, const char *actor, const char *name,
    const char *password, enum users_role role, struct diag *d)
{
	char *hash;
	int ret;

	if (name_check(name, d) == -1 ||
	    users_password_check(password, d) == -1)
		return -1;
	if ((hash = users_hash_new(password)) == NULL) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL,
		    "cannot hash the password");
		return -1;
	}
	ret = users_add_hash(s, actor, name, hash, role, d);
	str_free_secret(hash);
	return ret;
}

int
users_delete(struct store *s, const char *actor, const char *name)
{
	sqlite3 *db = store_db(s);
	int n, ret = -1;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if ((n = last_admin(db, name)) != 0) {
		if (n == -1)
			goto fail;
		ret = 2;
	} else if ((n = exec_name(db, "DELETE FROM users WHERE name = ?1",
	    name, NULL)) == -1)
		goto fail;
	else
		ret = n == 0 ? 1 : 0;
	if (ret == 0 && (sessions_delete_user(s, name) == -1 ||
	    store_audit_add(s, actor, "userdel", name) == -1))
		goto fail;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return ret;
fail:
	log_warnx("users: delete %s: %s", name, sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
users_each(struct store *s, int (*fn)(const struct users_entry *, void *),
    void *arg)
{
	sqlite3 *db = store_db(s);
	struct users_entry e;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT name, created, updated, role FROM "
	    "users ORDER BY name", -1, &st, NULL) != SQLITE_OK) {
		log_warnx("users: %s", sqlite3_errmsg(db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.ue_name = (const char *)sqlite3_column_text(st, 0);
		e.ue_created = sqlite3_column_int64(st, 1);
		e.ue_updated = sqlite3_column_int64(st, 2);
		if (users_role_from((const char *)sqlite3_column_text(st, 3),
		    &e.ue_role) == -1)
			e.ue_role = USERS_VIEWER;	/* the CHECK forbids it */
		if (fn(&e, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		log_warnx("users: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
