/*
 * auth.h - sessions, CSRF tokens and login throttling for shoal-web.
 *
 * Sessions live in memory (a restart logs everybody out).  A session is
 * named by a 256-bit random token sent as an HttpOnly, SameSite=Strict
 * cookie; the table is keyed by the token's SHA-256 so that lookups leak
 * nothing about live tokens through timing.  Each session has its own
 * 256-bit CSRF token, required in X-CSRF-Token on every state change.
 * Sessions end after an idle time and after an absolute lifetime.
 *
 * Login throttling counts failures per client address: after
 * AUTH_FAIL_MAX failures within AUTH_FAIL_WINDOW_S, logins from that
 * address are refused (429) until the window has passed.
 *
 * Not thread-safe: shoal-web calls it from its one event loop.  Times come
 * from clock_monotonic_ms() unless a test swaps the clock with
 * auth_set_clock().
 */
#ifndef SHOAL_AUTH_H
#define SHOAL_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_TOKEN_LEN		64	/* hex chars of a 256-bit token */
#define AUTH_COOKIE		"shoal_session"
#define AUTH_FAIL_MAX		5
#define AUTH_FAIL_WINDOW_S	300
#define AUTH_MAX_SESSIONS	4096

struct auth;

/* idle_s, absolute_s: session lifetimes in seconds.  NULL on ENOMEM. */
struct auth *auth_new(unsigned int idle_s, unsigned int absolute_s);
void auth_free(struct auth *);
/* A test clock (milliseconds); NULL restores the monotonic clock. */
void auth_set_clock(struct auth *, uint64_t (*now_ms)(void));

/*
 * Starts a session for user: fills token and csrf (AUTH_TOKEN_LEN + 1
 * bytes each).  The oldest session is dropped when the table is full.
 * 0 or -1 (no randomness).
 */
int auth_session_new(struct auth *, const char *user, char *token,
    char *csrf);
/*
 * Looks up a live session by its cookie token and touches it.  Fills user
 * (user_len bytes) and csrf (AUTH_TOKEN_LEN + 1, may be NULL).  0 when
 * found, -1 when absent, malformed or expired.
 */
int auth_session_get(struct auth *, const char *token, char *user,
    size_t user_len, char *csrf);
/* Ends one session (logout); ends every session of a user (deleted). */
void auth_session_end(struct auth *, const char *token);
void auth_session_end_user(struct auth *, const char *user);
/* Constant-time comparison of two CSRF tokens; 1 when equal. */
int auth_csrf_equal(const char *expected, const char *given);

/*
 * Throttling.  auth_login_allowed() returns 1 when peer may try a login,
 * else 0 with the seconds to wait in *retry_after.
 */
int auth_login_allowed(struct auth *, const char *peer,
    unsigned int *retry_after);
void auth_login_failed(struct auth *, const char *peer);
void auth_login_succeeded(struct auth *, const char *peer);

/* Drops expired sessions and stale throttle entries (periodic). */
void auth_sweep(struct auth *);
/* Number of live sessions (tests, status). */
size_t auth_session_count(struct auth *);

#endif
