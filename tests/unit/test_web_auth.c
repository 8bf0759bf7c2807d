/*
 * test_web_auth.c - shoal-web's sessions, CSRF comparison and login
 * throttling through auth.h, on a fake clock.
 */
#include "shoal-build.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "webui/auth.h"

static uint64_t fake_now;

static uint64_t
fake_clock(void)
{
	return fake_now;
}

static struct auth *
new_auth(void)
{
	struct auth *a = auth_new(60, 600);	/* idle 1 min, absolute 10 */

	assert_non_null(a);
	fake_now = 1000000;
	auth_set_clock(a, fake_clock);
	return a;
}

static void
test_session_roundtrip(void **state)
{
	struct auth *a = new_auth();
	char tok[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
	char tok2[AUTH_TOKEN_LEN + 1], csrf2[AUTH_TOKEN_LEN + 1];
	char user[64], got[AUTH_TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(auth_session_new(a, "alice", tok, csrf), 0);
	assert_int_equal(auth_session_new(a, "bob", tok2, csrf2), 0);
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
	assert_int_equal(auth_session_new(a, "alice", tok, csrf), 0);
	/* used every 50 s: idle never reached, until the absolute limit */
	for (i = 0; i < 11; i++) {
		fake_now += 50000;
		assert_int_equal(auth_session_get(a, tok, user, sizeof(user),
		    NULL), 0);
	}
	fake_now += 50000;	/* 600 s since creation */
	assert_int_equal(auth_session_get(a, tok, user, sizeof(user), NULL),
	    -1);
	assert_int_equal(auth_session_new(a, "bob", tok, csrf), 0);
	fake_now += 60001;	/* idle */
	assert_int_equal(auth_session_get(a, tok, user, sizeof(user), NULL),
	    -1);
	assert_int_equal(auth_session_new(a, "carol", tok, csrf), 0);
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
	auth_session_new(a, "alice", t1, c);
	auth_session_new(a, "bob", t2, c);
	auth_session_new(a, "alice", t3, c);
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

static void
test_throttle(void **state)
{
	struct auth *a = new_auth();
	unsigned int wait = 0;
	int i;

	(void)state;
	for (i = 0; i < AUTH_FAIL_MAX; i++) {
		assert_true(auth_login_allowed(a, "192.0.2.1", &wait));
		auth_login_failed(a, "192.0.2.1");
		fake_now += 1000;
	}
	assert_false(auth_login_allowed(a, "192.0.2.1", &wait));
	assert_true(wait > 0 && wait <= AUTH_FAIL_WINDOW_S);
	assert_true(auth_login_allowed(a, "192.0.2.2", &wait));
	fake_now += AUTH_FAIL_WINDOW_S * 1000ull;
	assert_true(auth_login_allowed(a, "192.0.2.1", &wait));
	/* failures spread wider than the window never lock out */
	for (i = 0; i < 3 * AUTH_FAIL_MAX; i++) {
		auth_login_failed(a, "192.0.2.3");
		fake_now += (AUTH_FAIL_WINDOW_S / 2 + 1) * 1000ull;
		if (i % 2 == 1)
			fake_now += AUTH_FAIL_WINDOW_S * 1000ull;
		assert_true(auth_login_allowed(a, "192.0.2.3", &wait));
	}
	/* success clears the count */
	for (i = 0; i < AUTH_FAIL_MAX - 1; i++)
		auth_login_failed(a, "192.0.2.4");
	auth_login_succeeded(a, "192.0.2.4");
	auth_login_failed(a, "192.0.2.4");
	assert_true(auth_login_allowed(a, "192.0.2.4", &wait));
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
		cmocka_unit_test(test_throttle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
