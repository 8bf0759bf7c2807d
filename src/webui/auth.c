/*
 * auth.c - in-memory sessions, CSRF tokens and login throttling.
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "lib/log.h"
#include "lib/util.h"
#include "auth.h"

#define AUTH_THROTTLE_SLOTS	1024
#define AUTH_USER_MAX		64

struct auth_session {
	unsigned char	 s_key[32];	/* SHA-256 of the cookie token */
	char		 s_csrf[AUTH_TOKEN_LEN + 1];
	char		 s_user[AUTH_USER_MAX];
	uint64_t	 s_created;
	uint64_t	 s_last;
};

struct auth_throttle {
	char		 t_peer[64];
	unsigned int	 t_fails;
	uint64_t	 t_first;	/* start of the current window */
};

struct auth {
	uint64_t		 a_idle_ms;
	uint64_t		 a_abs_ms;
	uint64_t		(*a_now)(void);
	struct auth_session	*a_sess;	/* a_n live, packed */
	size_t			 a_n;
	struct auth_throttle	 a_thr[AUTH_THROTTLE_SLOTS];
};

struct auth *
auth_new(unsigned int idle_s, unsigned int absolute_s)
{
	struct auth *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->a_sess = calloc(AUTH_MAX_SESSIONS, sizeof(*a->a_sess));
	if (a->a_sess == NULL) {
		free(a);
		return NULL;
	}
	a->a_idle_ms = (uint64_t)idle_s * 1000;
	a->a_abs_ms = (uint64_t)absolute_s * 1000;
	a->a_now = clock_monotonic_ms;
	return a;
}

void
auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	mem_wipe(a->a_sess, AUTH_MAX_SESSIONS * sizeof(*a->a_sess));
	free(a->a_sess);
	free(a);
}

void
auth_set_clock(struct auth *a, uint64_t (*now_ms)(void))
{
	a->a_now = now_ms != NULL ? now_ms : clock_monotonic_ms;
}

/* 32 random bytes as 64 lowercase hex characters; 0 or -1. */
static int
auth_random_hex(char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[32];
	size_t i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		log_warn("getrandom");
		return -1;
	}
	for (i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0xf];
	}
	out[AUTH_TOKEN_LEN] = '\0';
	mem_wipe(raw, sizeof(raw));
	return 0;
}

static void
auth_key(const char *token, unsigned char key[32])
{
	unsigned int len = 32;

	EVP_Digest(token, strlen(token), key, &len, EVP_sha256(), NULL);
}

/* A token is exactly 64 lowercase hex characters. */
static int
auth_token_ok(const char *token)
{
	size_t i;

	for (i = 0; i < AUTH_TOKEN_LEN; i++)
		if (token[i] == '\0' || strchr("0123456789abcdef",
		    token[i]) == NULL)
			return 0;
	return token[AUTH_TOKEN_LEN] == '\0';
}

/* Removes slot i. */
static void
auth_drop(struct auth *a, size_t i)
{
	a->a_sess[i] = a->a_sess[a->a_n - 1];
	mem_wipe(&a->a_sess[a->a_n - 1], sizeof(a->a_sess[0]));
	a->a_n--;
}

static int
auth_expired(const struct auth *a, const struct auth_session *s,
    uint64_t now)
{
	return now - s->s_last >= a->a_idle_ms ||
	    now - s->s_created >= a->a_abs_ms;
}

int
auth_session_new(struct auth *a, const char *user, char *token, char *csrf)
{
	struct auth_session *s;
	size_t i, oldest = 0;

	if (auth_random_hex(token) == -1 || auth_random_hex(csrf) == -1)
		return -1;
	if (a->a_n == AUTH_MAX_SESSIONS) {
		for (i = 1; i < a->a_n; i++)
			if (a->a_sess[i].s_last < a->a_sess[oldest].s_last)
				oldest = i;
		auth_drop(a, oldest);
	}
	s = &a->a_sess[a->a_n++];
	auth_key(token, s->s_key);
	memcpy(s->s_csrf, csrf, sizeof(s->s_csrf));
	str_copy(s->s_user, user, sizeof(s->s_user));
	s->s_created = s->s_last = a->a_now();
	return 0;
}

/* The live slot for token or -1; expired ones are dropped. */
static ssize_t
auth_find(struct auth *a, const char *token)
{
	unsigned char key[32];
	uint64_t now = a->a_now();
	size_t i;

	if (!auth_token_ok(token))
		return -1;
	auth_key(token, key);
	for (i = 0; i < a->a_n; i++) {
		if (memcmp(a->a_sess[i].s_key, key, sizeof(key)) != 0)
			continue;
		if (auth_expired(a, &a->a_sess[i], now)) {
			auth_drop(a, i);
			return -1;
		}
		return (ssize_t)i;
	}
	return -1;
}

int
auth_session_get(struct auth *a, const char *token, char *user,
    size_t user_len, char *csrf)
{
	ssize_t i;

	if ((i = auth_find(a, token)) == -1)
		return -1;
	a->a_sess[i].s_last = a->a_now();
	str_copy(user, a->a_sess[i].s_user, user_len);
	if (csrf != NULL)
		memcpy(csrf, a->a_sess[i].s_csrf, AUTH_TOKEN_LEN + 1);
	return 0;
}

void
auth_session_end(struct auth *a, const char *token)
{
	ssize_t i;

	if ((i = auth_find(a, token)) != -1)
		auth_drop(a, (size_t)i);
}

void
auth_session_end_user(struct auth *a, const char *user)
{
	size_t i;

	for (i = 0; i < a->a_n; ) {
		if (strcmp(a->a_sess[i].s_user, user) == 0)
			auth_drop(a, i);
		else
			i++;
	}
}

int
auth_csrf_equal(const char *expected, const char *given)
{
	unsigned char diff = 0;
	size_t i;

	if (strlen(given) != AUTH_TOKEN_LEN ||
	    strlen(expected) != AUTH_TOKEN_LEN)
		return 0;
	for (i = 0; i < AUTH_TOKEN_LEN; i++)
		diff |= (unsigned char)(expected[i] ^ given[i]);
	return diff == 0;
}

/* The throttle slot of peer; create: take the stalest one. */
static struct auth_throttle *
auth_throttle_slot(struct auth *a, const char *peer, int create)
{
	struct auth_throttle *t, *stale = &a->a_thr[0];
	size_t i;

	for (i = 0; i < AUTH_THROTTLE_SLOTS; i++) {
		t = &a->a_thr[i];
		if (strcmp(t->t_peer, peer) == 0)
			return t;
		if (t->t_peer[0] == '\0' || t->t_first < stale->t_first)
			stale = t;
	}
	if (!create)
		return NULL;
	memset(stale, 0, sizeof(*stale));
	str_copy(stale->t_peer, peer, sizeof(stale->t_peer));
	return stale;
}

int
auth_login_allowed(struct auth *a, const char *peer,
    unsigned int *retry_after)
{
	struct auth_throttle *t;
	uint64_t now, end;
	int ok = 1;

	now = a->a_now();
	t = auth_throttle_slot(a, peer, 0);
	if (t != NULL && t->t_fails >= AUTH_FAIL_MAX) {
		end = t->t_first + AUTH_FAIL_WINDOW_S * 1000ull;
		if (now < end) {
			ok = 0;
			*retry_after = (unsigned int)((end - now + 999) / 1000);
		} else
			memset(t, 0, sizeof(*t));
	}
	return ok;
}

void
auth_login_failed(struct auth *a, const char *peer)
{
	struct auth_throttle *t;
	uint64_t now;

	now = a->a_now();
	t = auth_throttle_slot(a, peer, 1);
	if (t->t_fails == 0 ||
	    now - t->t_first > AUTH_FAIL_WINDOW_S * 1000ull) {
		t->t_fails = 0;
		t->t_first = now;
	}
	t->t_fails++;
}

void
auth_login_succeeded(struct auth *a, const char *peer)
{
	struct auth_throttle *t;

	if ((t = auth_throttle_slot(a, peer, 0)) != NULL)
		memset(t, 0, sizeof(*t));
}

void
auth_sweep(struct auth *a)
{
	uint64_t now;
	size_t i;

	now = a->a_now();
	for (i = 0; i < a->a_n; ) {
		if (auth_expired(a, &a->a_sess[i], now))
			auth_drop(a, i);
		else
			i++;
	}
	for (i = 0; i < AUTH_THROTTLE_SLOTS; i++)
		if (a->a_thr[i].t_peer[0] != '\0' && now -
		    a->a_thr[i].t_first > AUTH_FAIL_WINDOW_S * 1000ull)
			memset(&a->a_thr[i], 0, sizeof(a->a_thr[i]));
}

size_t
auth_session_count(struct auth *a)
{
	size_t n;

	n = a->a_n;
	return n;
}
