/*
 * store_schema.h - the SQLite schema of the store and its migrations.
 *
 * The schema is a list of forward migrations; migration i (1-based) turns
 * a database at PRAGMA user_version i-1 into one at version i, in one
 * transaction.  Modules that need their own tables (users, server admin
 * state, web sessions) append an entry at the END of the list in
 * store_schema.c; a released migration is never edited, only followed by
 * another one.
 */
#ifndef SHOAL_STORE_SCHEMA_H
#define SHOAL_STORE_SCHEMA_H

#include "lib/diag.h"

struct sqlite3;

/* The application_id stamped into every shoal database ("shol"). */
#define STORE_APPLICATION_ID	0x73686f6c

struct store_migration {
	const char	*sm_name;	/* what it adds, for messages */
	const char	*sm_sql;	/* constant SQL, no values */
};

/* The schema version this program knows (the number of migrations). */
int store_schema_version(void);

/*
 * Brings db from its current user_version up to `target` (at most
 * store_schema_version()), each migration in its own transaction.
 * Returns 0, or -1 with the reason in d; a failed migration is rolled
 * back and the ones before it stay.
 */
int store_schema_migrate(struct sqlite3 *db, int target, struct diag *d);

/* The database's PRAGMA user_version, or -1 with the reason in d. */
int store_schema_get_version(struct sqlite3 *db, struct diag *d);

#endif
