/*
 * users.h - shoal-web's user accounts, kept in the store.
 *
 * Passwords are hashed with crypt(3) yescrypt ("$y$", libxcrypt) and only
 * the hash is stored.  Neither passwords nor hashes are ever logged; the
 * plaintext copies this module makes are wiped.  Callers wipe their own
 * buffers (mem_wipe) after the call.
 *
 *   shoalctl passwd USER            users_set_password()
 *   tests, blocking callers         users_verify()
 *   shoal-web (hashes on a pool)    users_hash_setting() on its loop,
 *                                   users_hash_check() on a thread;
 *                                   users_hash_new() on a thread,
 *                                   users_store_hash() on its loop
 *
 * users_hash_check(), users_hash_new() and users_password_check() touch
 * no store and are thread-safe; everything taking a struct store is not.
 */
#ifndef SHOAL_USERS_H
#define SHOAL_USERS_H

#include <stdint.h>

#include "lib/diag.h"
#include "store/store.h"

#define USERS_NAME_MAX		32	/* [A-Za-z0-9._-], first not '-' */
#define USERS_PASSWORD_MIN	8
#define USERS_PASSWORD_MAX	1024

/*
 * What an account may do in shoal-web, in increasing order: a viewer
 * reads (secrets redacted), an operator also runs runtime actions (drain,
 * standby, drill, push), an admin does everything (configuration, users).
 * Accounts made before roles existed, and accounts `shoalctl passwd`
 * creates, are admins.
 */
enum users_role {
	USERS_VIEWER = 1,
	USERS_OPERATOR,
	USERS_ADMIN,
};

/* "admin", "operator", "viewer". */
const char *users_role_name(enum users_role);
/* The role named name: 0, or -1 when it names none. */
int users_role_from(const char *name, enum users_role *);

/* Returns 1 when name is a valid user name, else 0. */
int users_name_valid(const char *name);

/*
 * Every change of a user's password or role, and deleting the user, ends
 * the user's sessions (sessions.h) in the same transaction.
 *
 * Creates user `name` or replaces its password.  actor ("cli:root") is
 * recorded in the audit log with the user name, never the password.
 * Returns 0, or -1 with the reason in d (bad name, password shorter than
 * USERS_PASSWORD_MIN or longer than USERS_PASSWORD_MAX, store error).
 */
int users_set_password(struct store *, const char *actor, const char *name,
    const char *password, struct diag *d);

/*
 * Checks a login.  Returns 1 when name exists and password matches its
 * hash, 0 when it does not (unknown user or wrong password: the caller
 * must not tell which, and both take about the same time), -1 on a
 * system or store error.
 */
int users_verify(struct store *, const char *name, const char *password);

/*
 * The length rules of a new password (USERS_PASSWORD_MIN..MAX): 0, or -1
 * with an error on field "password" in d.
 */
int users_password_check(const char *password, struct diag *d);
/* A new yescrypt hash of password (caller frees with str_free_secret()),
 * or NULL (logged, without the password).  CPU-bound: tens of ms. */
char *users_hash_new(const char *password);
/*
 * Stores hash as name's password (created or replaced) and audits it as
 * users_set_password() does.  0, or -1 with the reason in d.
 */
int users_store_hash(struct store *, const char *actor, const char *name,
    const char *hash, struct diag *d);
/*
 * What a login's password is hashed with: *setting is name's stored hash
 * (returns 0) or, for an unknown name, a fresh salt of the same cost that
 * no hash equals (returns 1), so both take the same time and the check
 * fails.  -1 on a store error.  The caller frees *setting with
 * str_free_secret().
 */
int users_hash_setting(struct store *, const char *name, char **setting);
/*
 * Hashes password with setting and compares the result with setting in
 * constant time: 1 equal (the right password), 0 not, -1 on a crypt
 * failure.  CPU-bound: tens of ms.
 */
int users_hash_check(const char *password, const char *setting);

/*
 * Creates user name with hash as its password and role (audited as
 * "useradd NAME ROLE").  0, 1 when the user exists already (nothing
 * changed), or -1 with the reason in d.
 */
int users_add_hash(struct store *, const char *actor, const char *name,
    const char *hash, enum users_role, struct diag *d);
/* users_add_hash() after checking and hashing password (blocking). */
int users_add(struct store *, const char *actor, const char *name,
    const char *password, enum users_role, struct diag *d);
/* A user's role: 0 (*role set), 1 no such user, -1 on error. */
int users_get_role(struct store *, const char *name, enum users_role *);
/*
 * Changes a user's role (audited).  0, 1 no such user, 2 refused: name
 * is the last admin and role is not admin, -1 on error.
 */
int users_set_role(struct store *, const char *actor, const char *name,
    enum users_role);

/* Deletes a user; 0, 1 when there was no such user, 2 refused: name is
 * the last admin, -1 on error. */
int users_delete(struct store *, const char *actor, const char *name);

/* One account as listed; strings valid during the callback only. */
struct users_entry {
	const char	*ue_name;
	int64_t		 ue_created;	/* unix seconds */
	int64_t		 ue_updated;	/* last password change */
	enum users_role	 ue_role;
};
/* Calls fn for each user by name until it returns non-zero.  0 or -1. */
int users_each(struct store *,
    int (*fn)(const struct users_entry *, void *), void *arg);

#endif
