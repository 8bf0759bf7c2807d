/*
 * users.h - shoal-web's user accounts, kept in the store.
 *
 * Passwords are hashed with crypt(3) yescrypt ("$y$", libxcrypt) and only
 * the hash is stored.  Neither passwords nor hashes are ever logged; the
 * plaintext copies this module makes are wiped.  Callers wipe their own
 * buffers (mem_wipe) after the call.
 *
 *   shoalctl passwd USER            users_set_password()
 *   web UI login                    users_verify()
 */
#ifndef SHOAL_USERS_H
#define SHOAL_USERS_H

#include <stdint.h>

#include "lib/diag.h"
#include "store/store.h"

#define USERS_NAME_MAX		32	/* [A-Za-z0-9._-], first not '-' */
#define USERS_PASSWORD_MIN	8
#define USERS_PASSWORD_MAX	1024

/* Returns 1 when name is a valid user name, else 0. */
int users_name_valid(const char *name);

/*
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

/* Deletes a user; 0, 1 when there was no such user, -1 on error. */
int users_delete(struct store *, const char *actor, const char *name);

/* One account as listed; strings valid during the callback only. */
struct users_entry {
	const char	*ue_name;
	int64_t		 ue_created;	/* unix seconds */
	int64_t		 ue_updated;	/* last password change */
};
/* Calls fn for each user by name until it returns non-zero.  0 or -1. */
int users_each(struct store *,
    int (*fn)(const struct users_entry *, void *), void *arg);

#endif
