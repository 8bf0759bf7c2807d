/*
 * auth.h - sessions, CSRF tokens and login throttling for shoal-web.
 *
 * Sessions live in the store (store/sessions.h), so a restart or an
 * upgrade of shoal-web logs nobody out.  A session is named by a 256-bit
 * random token sent as an HttpOnly, SameSite=Strict cookie; the store
 * keeps only the token's SHA-256.  Its CSRF token (required in
 * X-CSRF-Token on every state change) is derived from the token
 * (SHA-256 of "shoal-csrf:" and the token), so it is stored nowhere
 * either.  Sessions end after an idle time and after an absolute
 * lifetime (wall clock: they hold across restarts), on logout, and when
 * the user's password or role changes or the user is deleted.  The idle
 * time is counted from the last recorded use; a use is recorded at most
 * every tenth of the idle time, so a session may end up to 10% early.
 *
 * Login throttling (in memory) never locks an account: it delays.  Each
 * checked login counts as a failure until it succeeds, against
 *  - the pair (address, user): AUTH_PAIR_FREE free, then each further
 *    attempt waits 1, 2, 4... up to AUTH_BACKOFF_MAX_S seconds;
 *  - the address, whatever the user: AUTH_ADDR_FREE free, then the same;
 *  - the user, whatever the address (many addresses guessing one
 *    password): AUTH_USER_FREE free, then the same;
 *  - every login at all: at most AUTH_GLOBAL_RATE a second (burst
 *    AUTH_GLOBAL_BURST).
 * An address where the user logged in before (remembered AUTH_KNOWN_S,
 * or where the user has a session in the store) is spared the last two, so an attack from other addresses never holds
 * back a correct password from there; a success clears its pair.
 * Counts older than AUTH_FAIL_WINDOW_S are forgotten.
 *
 * Not thread-safe: shoal-web calls it from its one event loop.  Times come
 * from the monotonic clock (throttling) and the wall clock (sessions)
 * unless a test swaps both with auth_set_clock().
 */
#ifndef SHOAL_AUTH_H
#define SHOAL_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define AUTH_TOKEN_LEN		64	/* hex chars of a 256-bit token */
#define AUTH_COOKIE		"shoal_session"
#define AUTH_MAX_SESSIONS	4096
#define AUTH_FAIL_WINDOW_S	300
#define AUTH_PAIR_FREE		3
#define AUTH_ADDR_FREE		10
#define AUTH_USER_FREE		10
#define AUTH_BACKOFF_MAX_S	30
#define AUTH_GLOBAL_RATE	5
#define AUTH_GLOBAL_BURST	20
#define AUTH_KNOWN_S		(30 * 24 * 3600)

struct auth;

/* Sessions in st (borrowed); idle_s, absolute_s: their lifetimes.  NULL
 * on ENOMEM. */
struct auth *auth_new(struct store *st, unsigned int idle_s,
    unsigned int absolute_s);
void auth_free(struct auth *);
/* A test clock (milliseconds) for both clocks; NULL restores them. */
void auth_set_clock(struct auth *, uint64_t (*now_ms)(void));

/*
 * Starts a session for user, logged in from peer: fills token and csrf
 * (AUTH_TOKEN_LEN + 1 bytes each).  The least recently used session goes
 * when AUTH_MAX_SESSIONS exist.  0 or -1 (no randomness, store error).
 */
int auth_session_new(struct auth *, const char *user, const char *peer,
    char *token, char *csrf);
/*
 * Looks up a live session by its cookie token and records the use.
 * Fills user (user_len bytes) and csrf (AUTH_TOKEN_LEN + 1, may be NULL).
 * 0 when found, -1 when absent, malformed, expired (then removed) or the
 * store fails (logged).
 */
int auth_session_get(struct auth *, const char *token, char *user,
    size_t user_len, char *csrf);
/* Ends one session (logout); ends every session of a user. */
void auth_session_end(struct auth *, const char *token);
void auth_session_end_user(struct auth *, const char *user);
/* Constant-time comparison of two CSRF tokens; 1 when equal. */
int auth_csrf_equal(const char *expected, const char *given);

/*
 * Throttling.  Before checking user's password from peer:
 * auth_login_begin() returns 1 (go on: the attempt counts as a failure
 * until auth_login_succeeded()), or 0 with the seconds to wait in
 * *retry_after.
 */
int auth_login_begin(struct auth *, const char *peer, const char *user,
    unsigned int *retry_after);
void auth_login_succeeded(struct auth *, const char *peer, const char *user);

/* Drops expired sessions and stale throttle entries (periodic). */
void auth_sweep(struct auth *);
/* Number of live sessions (tests, status); -1 on a store error. */
long auth_session_count(struct auth *);

#endif
