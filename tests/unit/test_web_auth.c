/*
 * test_web_auth.c - shoal-web's sessions (in a real temporary store),
 * CSRF tokens and login throttling through auth.h, on a fake clock.
 */
#include "shoal-build.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/util.h"
#include "store/sessions.h"
#include "store/store.h"
#include "webui/auth.h"
#include "tempstore.h"

static uint64_t fake_now;
static struct store *st;
static char stpath[256];

static uint64_t
fake_clock(void)
{
	return fake_now;
}

static struct auth *
new_auth(void)
{
	struct auth *a;

	if (st != NULL)
		tempstore_close(st, stpath);
	st = tempstore_open("webauth", stpath, sizeof(stpath));
	assert_non_null(st);
	a = auth_new(st, 60, 600);	/* idle 1 min, absolute 10 */
	assert_non_null(a);
	fake_now = 1700000000000ull;
	auth_set_clock(a, fake_clock);
	return a;
}

static int
done(void **state)
{
	(void)state;
	if (st != NULL)
		tempstore_close(st, stpath);
	st = NULL;
	return 0;
}

static void
test_session_roundtrip(void **state)
{
	struct auth *a = new_auth();
	char tok[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
	char tok2[AUTH_TOKEN_LEN + 1], csrf2[AUTH_TOKEN_LEN + 1];
	char user[64], got[AUTH_TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(auth_session_new(a, "alice", "192.0.2.9", tok, csrf), 0);
	assert_int_equal(auth_session_new(a, "bob", "192.0.2.9", tok2, csrf2), 0);
	assert_int_equal(strlen(tok), 64);
	assert_string_not_equal(tok, tok2);
	assert_string_not_equal(tok, csrf);
	assert_int_equal(auth_session_get(a, tok, user, sizeof(user), got), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(got, csrf);
	assert_int_equal(auth_session_count(a), 2);
	/* a forged token, one flipped character, garbage */
	tok2[0] = tok2[0] == 'a' ? 'b' : 'a';
	assert_int_equal(auth_session_get(a, tok2, user, sizeof(user), NULL),
	    -1);
	assert_int_equal(auth_session_get(a, "", user, sizeof(user), NULL), -1);
	assert_int_equal(auth_session_get(a, "ZZZ", user, sizeof(user), NULL),
	    -1);
	auth_session_end(a, tok);
	assert_int_equal(auth_session_get(a, tok, user, sizeof(user), NULL),
	    -1);
	auth_free(a);
}

static void
test_idle_and_absolute_expiry(void **state)
{
	struct auth *a = new_auth();
	char tok[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1], user[64];
	int i;

	(void)state;
	assert_int_equal(auth_session_new(a, "alice", "192.0.2.9", tok, csrf), 0);
	/* used every 50 s: idle never reached, until the absolute limit */
	for (i = 0; i < 11; i++) {
		fake_now += 50000;
		assert_int_equal(auth_session_get(a, tok, user, sizeof(user),
		    NULL), 0);
	}
	fake_now += 50000;	/* 600 s since creation */
	assert_int_equal(auth_session_get(a, tok, user, sizeof(user), NULL),
	    -1);
	assert_int_equal(auth_session_new(a, "bob", "192.0.2.9", tok, csrf), 0);
	fake_now += 60001;	/* idle */
	assert_int_equal(auth_session_get(a, tok, user, sizeof(user), NULL),
	    -1);
	assert_int_equal(auth_session_new(a, "carol", "192.0.2.9", tok, csrf), 0);
	fake_now += 61000;
	auth_sweep(a);
	assert_int_equal(auth_session_count(a), 0);
	auth_free(a);
}

static void
test_end_user(void **state)
{
	struct auth *a = new_auth();
	char t1[AUTH_TOKEN_LEN + 1], t2[AUTH_TOKEN_LEN + 1];
	char t3[AUTH_TOKEN_LEN + 1], c[AUTH_TOKEN_LEN + 1], user[64];

	(void)state;
	auth_session_new(a, "alice", "192.0.2.9", t1, c);
	auth_session_new(a, "bob", "192.0.2.9", t2, c);
	auth_session_new(a, "alice", "192.0.2.9", t3, c);
	auth_session_end_user(a, "alice");
	assert_int_equal(auth_session_get(a, t1, user, sizeof(user), NULL), -1);
	assert_int_equal(auth_session_get(a, t3, user, sizeof(user), NULL), -1);
	assert_int_equal(auth_session_get(a, t2, user, sizeof(user), NULL), 0);
	auth_free(a);
}

static void
test_csrf_equal(void **state)
{
	const char *t =
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char u[AUTH_TOKEN_LEN + 1];

	(void)state;
	assert_true(auth_csrf_equal(t, t));
	memcpy(u, t, sizeof(u));
	u[63] = '0';
	assert_false(auth_csrf_equal(t, u));
	assert_false(auth_csrf_equal(t, ""));
	assert_false(auth_csrf_equal(t, "00112233"));
}

/*
 * The store keeps the token's hash, never the token, and a second
 * auth on the same store (a restarted shoal-web) knows the session.
 */
static int
no_token(const struct sessions_entry *e, void *arg)
{
	const char *tok = arg;

	assert_null(strstr(e->se_id, tok));
	assert_string_equal(e->se_peer, "192.0.2.9");
	return 0;
}

static void
test_sessions_survive_restart(void **state)
{
	struct auth *a = new_auth(), *b;
	char tok[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1], user[64];
	char got[AUTH_TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(auth_session_new(a, "alice", "192.0.2.9", tok, csrf),
	    0);
	assert_int_equal(sessions_each(st, NULL, no_token, tok), 0);
	auth_free(a);
	b = auth_new(st, 60, 600);
	auth_set_clock(b, fake_clock);
	assert_int_equal(auth_session_get(b, tok, user, sizeof(user), got), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(got, csrf);
	assert_int_equal(sessions_delete_user(st, "alice"), 1);
	assert_int_equal(auth_session_get(b, tok, user, sizeof(user), NULL),
	    -1);
	auth_free(b);
}

/* n attempts of user from peer, each failing; returns how many began. */
static int
fail_n(struct auth *a, const char *peer, const char *user, int n)
{
	unsigned int wait;
	int i, began = 0;

	for (i = 0; i < n; i++)
		began += auth_login_begin(a, peer, user, &wait);
	return began;
}

static void
test_throttle(void **state)
{
	struct auth *a = new_auth();
	char peer[32], user[16];
	unsigned int wait = 0;
	int i, began;

	(void)state;
	/* one address: AUTH_PAIR_FREE at once, then it waits 1, 2, 4 s */
	assert_int_equal(fail_n(a, "192.0.2.1", "admin", 10), AUTH_PAIR_FREE);
	assert_false(auth_login_begin(a, "192.0.2.1", "admin", &wait));
	assert_int_equal(wait, 1);
	fake_now += 1000;
	assert_true(auth_login_begin(a, "192.0.2.1", "admin", &wait));
	assert_false(auth_login_begin(a, "192.0.2.1", "admin", &wait));
	assert_int_equal(wait, 2);
	/* never a lockout: after the wait, the right password logs in */
	fake_now += 2000;
	assert_true(auth_login_begin(a, "192.0.2.1", "admin", &wait));
	auth_login_succeeded(a, "192.0.2.1", "admin");
	assert_true(auth_login_begin(a, "192.0.2.1", "admin", &wait));
	/* another address is not held back by this one's failures */
	assert_true(auth_login_begin(a, "192.0.2.2", "admin", &wait));
	/* the waits stop growing at AUTH_BACKOFF_MAX_S */
	for (i = 0; i < 20; i++) {
		fake_now += AUTH_BACKOFF_MAX_S * 1000ull;
		assert_true(auth_login_begin(a, "192.0.2.3", "bob", &wait));
	}
	assert_false(auth_login_begin(a, "192.0.2.3", "bob", &wait));
	assert_int_equal(wait, AUTH_BACKOFF_MAX_S);
	/* a window later, it is forgotten */
	fake_now += (AUTH_FAIL_WINDOW_S + 1) * 1000ull;
	assert_int_equal(fail_n(a, "192.0.2.3", "bob", 3), 3);
	/*
	 * Many addresses, one user (40 x 4 guesses): held back after
	 * AUTH_USER_FREE, but not where the user logged in before
	 */
	fake_now += (AUTH_FAIL_WINDOW_S + 1) * 1000ull;
	assert_true(auth_login_begin(a, "203.0.113.5", "carol", &wait));
	auth_login_succeeded(a, "203.0.113.5", "carol");
	for (began = 0, i = 0; i < 40; i++) {
		snprintf(peer, sizeof(peer), "198.51.100.%d", i + 1);
		began += fail_n(a, peer, "carol", 4);
	}
	assert_int_equal(began, AUTH_USER_FREE);
	assert_true(auth_login_begin(a, "203.0.113.5", "carol", &wait));
	assert_false(auth_login_begin(a, "203.0.113.6", "carol", &wait));
	assert_true(wait >= 1 && wait <= AUTH_BACKOFF_MAX_S);
	/* every login at all: a burst, then AUTH_GLOBAL_RATE a second */
	fake_now += (AUTH_FAIL_WINDOW_S + 1) * 1000ull;
	for (began = 0, i = 0; i < 100; i++) {
		snprintf(peer, sizeof(peer), "10.9.%d.%d", i / 200, i % 200);
		snprintf(user, sizeof(user), "u%d", i);
		began += fail_n(a, peer, user, 1);
	}
	assert_int_equal(began, AUTH_GLOBAL_BURST);
	fake_now += 1000;
	for (began = 0, i = 0; i < 100; i++) {
		snprintf(peer, sizeof(peer), "10.8.%d.%d", i / 200, i % 200);
		snprintf(user, sizeof(user), "v%d", i);
		began += fail_n(a, peer, user, 1);
	}
	assert_int_equal(began, AUTH_GLOBAL_RATE);
	auth_free(a);
}
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_roundtrip),
		cmocka_unit_test(test_idle_and_absolute_expiry),
		cmocka_unit_test(test_end_user),
		cmocka_unit_test(test_csrf_equal),
		cmocka_unit_test(test_sessions_survive_restart),
		cmocka_unit_test(test_throttle),
	};

	return cmocka_run_group_tests(tests, NULL, done);
}
