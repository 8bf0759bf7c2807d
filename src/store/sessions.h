/*
 * sessions.h - shoal-web's login sessions, kept in the store so that a
 * restart or an upgrade of shoal-web logs nobody out.
 *
 * A session is named by its key: the SHA-256 of the cookie token.  The
 * token itself is never stored, so the database (or a backup of it) lets
 * nobody in.  Times are wall-clock milliseconds (they must mean the same
 * after a restart).  Expiry is decided by the caller (webui/auth.c) from
 * created and last; sessions_expire() removes what it decided is over.
 * Changing a user's password or role, or deleting the user, removes the
 * user's sessions in the same transaction (users.c).
 *
 * Not thread-safe (a struct store is one connection).
 */
#ifndef SHOAL_SESSIONS_H
#define SHOAL_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define SESSIONS_KEY_LEN	32	/* SHA-256 */
#define SESSIONS_ID_LEN		12	/* hex of the key's first 6 bytes */

/*
 * A new session of user, made at now_ms from peer (an address, shown by
 * `shoalctl user sessions`).  When more than max sessions exist, the
 * least recently used go.  0 or -1 (logged).
 */
int sessions_add(struct store *, const unsigned char key[SESSIONS_KEY_LEN],
    const char *user, const char *peer, int64_t now_ms, size_t max);
/*
 * The session named key: 0 with user (user_len bytes), *created_ms and
 * *last_ms filled; 1 when there is none; -1 on a store error (logged).
 */
int sessions_get(struct store *, const unsigned char key[SESSIONS_KEY_LEN],
    char *user, size_t user_len, int64_t *created_ms, int64_t *last_ms);
/* Records a use of the session at now_ms.  0 or -1. */
int sessions_touch(struct store *, const unsigned char key[SESSIONS_KEY_LEN],
    int64_t now_ms);
/* Ends one session (absent is fine).  0 or -1. */
int sessions_delete(struct store *,
    const unsigned char key[SESSIONS_KEY_LEN]);
/*
 * Ends every session of user, or every session at all when user is NULL
 * or the id prefix of one (SESSIONS_ID_LEN hex) when id is not NULL.
 * Works inside the caller's transaction when there is one.  The number
 * ended, or -1.
 */
int sessions_delete_user(struct store *, const char *user);
int sessions_delete_id(struct store *, const char *id);
/* Ends the sessions last used at or before idle_ms or made at or before
 * abs_ms.  The number ended, or -1. */
int sessions_expire(struct store *, int64_t idle_ms, int64_t abs_ms);
/* The number of sessions, or -1. */
long sessions_count(struct store *);

/* One session as listed; strings valid during the callback only. */
struct sessions_entry {
	const char	*se_id;		/* the key's first 6 bytes, hex */
	const char	*se_user;
	const char	*se_peer;
	int64_t		 se_created_ms;
	int64_t		 se_last_ms;
};
/* Calls fn for each session (of user, or all for NULL), oldest first,
 * until it returns non-zero.  0 or -1. */
int sessions_each(struct store *, const char *user,
    int (*fn)(const struct sessions_entry *, void *), void *arg);

#endif
