/*
 * store.h - the SQLite configuration store: the one source of truth.
 *
 * Schema versioned with PRAGMA user_version and forward migrations; WAL,
 * foreign keys, busy timeout; prepared statements only.  Every committed
 * change is one transaction that bumps the generation, stores the canonical
 * lvs.cf export of the new generation in history with its SHA-256, and adds
 * an audit row (user, time, what).  Daemons open the store read-only.
 */
#ifndef SHOAL_STORE_H
#define SHOAL_STORE_H

#include <stdint.h>

#include "config/config.h"
#include "lib/diag.h"
#include "lib/digest.h"

#define STORE_HASH_HEX		DIGEST_SHA256_HEX	/* lowercase hex + NUL */

enum {
	STORE_RDONLY	= 0x1,		/* daemons */
	STORE_CREATE	= 0x2,		/* create and migrate if missing */
};

struct store;

/* One generation's identity. */
struct store_gen {
	uint64_t	sg_generation;	/* 0 = empty store, nothing committed */
	char		sg_hash[STORE_HASH_HEX];
	int64_t		sg_time;	/* unix seconds of the commit */
	char		sg_user[64];	/* who committed it */
	char		sg_comment[256];
};

/*
 * Opens the database at path; STORE_CREATE creates a missing file, mode
 * 0600 (it holds secrets), or 0660 with the directory's group when the
 * directory is group-writable and not world-writable (root:shoal 0770
 * /var/lib/shoal: shoal-web shares a database root created).  A read-write open migrates an older schema;
 * a read-only open refuses one (a daemon cannot migrate).  Any open of a
 * schema newer than this program knows, or of a database that is not
 * shoal's (PRAGMA application_id), is refused.  Returns NULL with the
 * reason in d on failure; close with store_close().
 *
 * A struct store is one SQLite connection: use it from one thread.
 */
struct store *store_open(const char *path, int flags, struct diag *d);
void store_close(struct store *);

/*
 * Loads the current configuration.  *out is a new config (caller frees);
 * gen, when not NULL, is filled with the current generation.  An empty
 * store (generation 0) loads as config_new()'s defaults.  Source maps are
 * NULL: validation errors of a loaded config name fields, not lines.
 * -1 on error.
 */
int store_load(struct store *, struct shoal_config **out,
    struct store_gen *gen);
/* The current generation only (cheap).  -1 on error. */
int store_current(struct store *, struct store_gen *gen);

/*
 * Replaces the whole configuration with c after config_validate(c) passes,
 * in one transaction: bumps the generation, writes history and audit.
 * user and comment are recorded.  Returns 0 and fills gen, or -1 with the
 * reasons in d; on -1 nothing changed.
 */
int store_commit(struct store *, const struct shoal_config *c,
    const char *user, const char *comment, struct store_gen *gen,
    struct diag *d);
/*
 * 1 when the last store_commit() or store_rollback() failed in the
 * database itself (disk full, read-only, I/O error, locked: d's message
 * says which), not because the configuration was invalid; else 0.
 */
int store_failed(const struct store *);

/* The canonical lvs.cf text of generation g from history (caller frees). */
char *store_history_text(struct store *, uint64_t g, size_t *len);
/*
 * Lists history newest first; calls fn for each until it returns non-zero.
 * 0 or -1.
 */
int store_history_each(struct store *,
    int (*fn)(const struct store_gen *, void *), void *arg);
/*
 * Makes generation g current again as a new generation (audited as
 * "rollback"): its history text is read back and committed like any other
 * change.  0 and gen filled, or -1 with the reasons in d.
 */
int store_rollback(struct store *, uint64_t g, const char *user,
    struct store_gen *gen, struct diag *d);

/*
 * Generation g's identity from history.  Returns 0 when found, 1 when no
 * such generation exists, -1 on error.
 */
int store_history_get(struct store *, uint64_t g, struct store_gen *gen);

/*
 * The SHA-256 that store_commit() would record for c (of its canonical
 * lvs.cf export), so a caller can tell "unchanged" before committing.
 * 0, or -1 on ENOMEM.
 */
int store_config_hash(const struct shoal_config *c, char *out);

/*
 * Adds one audit row (time now).  user is who acted ("cli:alice",
 * "web:admin"), action one word ("login", "push", "passwd"), detail free
 * text; never pass secrets.  0 or -1.
 */
int store_audit_add(struct store *, const char *user, const char *action,
    const char *detail);

/* One audit row; the strings are valid during the callback only. */
struct store_audit {
	int64_t		 sa_id;
	int64_t		 sa_time;
	const char	*sa_user;
	const char	*sa_action;
	const char	*sa_detail;
};
/*
 * Lists at most limit audit rows (0 = all) newest first; calls fn for each
 * until it returns non-zero.  0 or -1.
 */
int store_audit_each(struct store *, int limit,
    int (*fn)(const struct store_audit *, void *), void *arg);

/*
 * Writes a consistent copy of the whole database to dest_path (SQLite
 * backup API; the copy is written next to dest_path and renamed over it,
 * so readers of dest_path never see half a file).  0 or -1 (logged).
 */
int store_snapshot(struct store *, const char *dest_path);

/* The underlying handle for modules that add their own tables (users,
 * sessions, server admin state) through the migration list. */
struct sqlite3 *store_db(struct store *);

#endif
