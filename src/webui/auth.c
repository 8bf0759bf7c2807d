/*
 * auth.c - sessions in the store, CSRF tokens derived from them, and
 * login throttling in memory (auth.h says the rules).
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/evp.h>

#include "lib/log.h"
#include "lib/util.h"
#include "store/sessions.h"
#include "auth.h"

#define AUTH_THROTTLE_SLOTS	2048
#define AUTH_KNOWN_SLOTS	256
#define AUTH_KEY_MAX		(64 + 2 + 64 + 2)

/* One throttle count: "p addr user", "a addr" or "u user". */
struct auth_throttle {
	char		 t_key[AUTH_KEY_MAX];
	unsigned int	 t_fails;
	uint64_t	 t_first;	/* start of the current window */
	uint64_t	 t_last;	/* last attempt (which slot to reuse) */
	uint64_t	 t_next;	/* no attempt before this */
};

/* An address where a user logged in: "addr user". */
struct auth_known {
	char		 k_key[AUTH_KEY_MAX];
	uint64_t	 k_when;
};

struct auth {
	struct store		*a_store;
	uint64_t		 a_idle_ms;
	uint64_t		 a_abs_ms;
	uint64_t		(*a_now)(void);		/* monotonic */
	uint64_t		(*a_wall)(void);	/* sessions */
	double			 a_tokens;	/* the global bucket */
	uint64_t		 a_tokens_at;
	struct auth_throttle	 a_thr[AUTH_THROTTLE_SLOTS];
	struct auth_known	 a_known[AUTH_KNOWN_SLOTS];
};

static uint64_t
auth_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct auth *
auth_new(struct store *st, unsigned int idle_s, unsigned int absolute_s)
{
	struct auth *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->a_store = st;
	a->a_idle_ms = (uint64_t)idle_s * 1000;
	a->a_abs_ms = (uint64_t)absolute_s * 1000;
	auth_set_clock(a, NULL);
	return a;
}

void
auth_free(struct auth *a)
{
	free(a);
}

void
auth_set_clock(struct auth *a, uint64_t (*now_ms)(void))
{
	a->a_now = now_ms != NULL ? now_ms : clock_monotonic_ms;
	a->a_wall = now_ms != NULL ? now_ms : auth_wall_ms;
	a->a_tokens = AUTH_GLOBAL_BURST;
	a->a_tokens_at = a->a_now();
}

/* ---- sessions ---- */

static void
auth_hex(const unsigned char *raw, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* 32 random bytes as 64 lowercase hex characters; 0 or -1. */
static int
auth_random_hex(char *out)
{
	unsigned char raw[32];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		log_warn("getrandom");
		return -1;
	}
	auth_hex(raw, sizeof(raw), out);
	mem_wipe(raw, sizeof(raw));
	return 0;
}

/* The session's name in the store: SHA-256 of the token. */
static void
auth_key(const char *token, unsigned char key[SESSIONS_KEY_LEN])
{
	unsigned int len = SESSIONS_KEY_LEN;

	EVP_Digest(token, strlen(token), key, &len, EVP_sha256(), NULL);
}

/* The session's CSRF token: SHA-256 of "shoal-csrf:" and the token. */
static void
auth_csrf(const char *token, char *csrf)
{
	unsigned char h[32];
	unsigned int len = sizeof(h);
	EVP_MD_CTX *ctx;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, "shoal-csrf:", 11) != 1 ||
	    EVP_DigestUpdate(ctx, token, strlen(token)) != 1 ||
	    EVP_DigestFinal_ex(ctx, h, &len) != 1)
		fatalx("auth: SHA-256 failed");
	EVP_MD_CTX_free(ctx);
	auth_hex(h, sizeof(h), csrf);
	mem_wipe(h, sizeof(h));
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

int
auth_session_new(struct auth *a, const char *user, const char *peer,
    char *token, char *csrf)
{
	unsigned char key[SESSIONS_KEY_LEN];

	if (auth_random_hex(token) == -1)
		return -1;
	auth_key(token, key);
	auth_csrf(token, csrf);
	return sessions_add(a->a_store, key, user, peer,
	    (int64_t)a->a_wall(), AUTH_MAX_SESSIONS);
}

int
auth_session_get(struct auth *a, const char *token, char *user,
    size_t user_len, char *csrf)
{
	unsigned char key[SESSIONS_KEY_LEN];
	int64_t created, last, now = (int64_t)a->a_wall();

	if (!auth_token_ok(token))
		return -1;
	auth_key(token, key);
	if (sessions_get(a->a_store, key, user, user_len, &created,
	    &last) != 0)
		return -1;
	if (now - last >= (int64_t)a->a_idle_ms ||
	    now - created >= (int64_t)a->a_abs_ms) {
		(void)sessions_delete(a->a_store, key);
		user[0] = '\0';
		return -1;
	}
	if (now - last >= (int64_t)a->a_idle_ms / 10)
		(void)sessions_touch(a->a_store, key, now);
	if (csrf != NULL)
		auth_csrf(token, csrf);
	return 0;
}

void
auth_session_end(struct auth *a, const char *token)
{
	unsigned char key[SESSIONS_KEY_LEN];

	if (!auth_token_ok(token))
		return;
	auth_key(token, key);
	(void)sessions_delete(a->a_store, key);
}

void
auth_session_end_user(struct auth *a, const char *user)
{
	(void)sessions_delete_user(a->a_store, user);
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

long
auth_session_count(struct auth *a)
{
	return sessions_count(a->a_store);
}

/* ---- throttling ---- */

/* The slot of key; a new one takes the least recently used slot. */
static struct auth_throttle *
auth_slot(struct auth *a, const char *key)
{
	struct auth_throttle *t, *lru = &a->a_thr[0];
	size_t i;

	for (i = 0; i < AUTH_THROTTLE_SLOTS; i++) {
		t = &a->a_thr[i];
		if (strcmp(t->t_key, key) == 0)
			return t;
		if (t->t_key[0] == '\0' || t->t_last < lru->t_last)
			lru = t;
	}
	memset(lru, 0, sizeof(*lru));
	str_copy(lru->t_key, key, sizeof(lru->t_key));
	return lru;
}

/* The known slot of "peer user", or NULL. */
static struct auth_known *
auth_known_find(struct auth *a, const char *pair, uint64_t now)
{
	size_t i;

	for (i = 0; i < AUTH_KNOWN_SLOTS; i++)
		if (strcmp(a->a_known[i].k_key, pair) == 0 &&
		    now - a->a_known[i].k_when < AUTH_KNOWN_S * 1000ull)
			return &a->a_known[i];
	return NULL;
}

struct auth_peer {
	const char	*ap_peer;
	int		 ap_found;
};

static int
auth_peer_one(const struct sessions_entry *e, void *arg)
{
	struct auth_peer *ap = arg;

	ap->ap_found = strcmp(e->se_peer, ap->ap_peer) == 0;
	return ap->ap_found;
}

/*
 * Whether user logged in from peer before: remembered here, or a session
 * of the user from peer in the store (which a restart keeps).
 */
static int
auth_known(struct auth *a, const char *peer, const char *user,
    const char *pair, uint64_t now)
{
	struct auth_peer ap = { peer, 0 };

	if (auth_known_find(a, pair, now) != NULL)
		return 1;
	(void)sessions_each(a->a_store, user, auth_peer_one, &ap);
	return ap.ap_found;
}

static void
auth_known_add(struct auth *a, const char *pair, uint64_t now)
{
	struct auth_known *k = auth_known_find(a, pair, now), *old;
	size_t i;

	if (k == NULL) {
		for (old = &a->a_known[0], i = 1; i < AUTH_KNOWN_SLOTS; i++)
			if (a->a_known[i].k_when < old->k_when)
				old = &a->a_known[i];
		k = old;
		str_copy(k->k_key, pair, sizeof(k->k_key));
	}
	k->k_when = now;
}

/* Seconds until t allows an attempt (0: now); forgets an old window. */
static unsigned int
auth_wait(struct auth_throttle *t, uint64_t now)
{
	if (now - t->t_first > AUTH_FAIL_WINDOW_S * 1000ull) {
		t->t_fails = 0;
		t->t_next = 0;
	}
	return now < t->t_next ? (unsigned int)((t->t_next - now + 999) /
	    1000) : 0;
}

/* Counts an attempt against t: past free ones, the next waits 1, 2, 4 s... */
static void
auth_count(struct auth_throttle *t, unsigned int free_n, uint64_t now)
{
	unsigned int over, delay;

	if (t->t_fails == 0)
		t->t_first = now;
	t->t_fails++;
	t->t_last = now;
	if (t->t_fails < free_n)
		return;
	over = t->t_fails - free_n;
	delay = over >= 5 ? AUTH_BACKOFF_MAX_S : 1u << over;
	if (delay > AUTH_BACKOFF_MAX_S)
		delay = AUTH_BACKOFF_MAX_S;
	t->t_next = now + delay * 1000ull;
}

/* The global bucket: 0 when a token was taken, else 1 (wait a second). */
static unsigned int
auth_global_wait(struct auth *a, uint64_t now)
{
	a->a_tokens += (double)(now - a->a_tokens_at) * AUTH_GLOBAL_RATE /
	    1000.0;
	a->a_tokens_at = now;
	if (a->a_tokens > AUTH_GLOBAL_BURST)
		a->a_tokens = AUTH_GLOBAL_BURST;
	if (a->a_tokens < 1.0)
		return 1;
	a->a_tokens -= 1.0;
	return 0;
}

int
auth_login_begin(struct auth *a, const char *peer, const char *user,
    unsigned int *retry_after)
{
	char kp[AUTH_KEY_MAX], ka[AUTH_KEY_MAX], ku[AUTH_KEY_MAX];
	struct auth_throttle *tp, *ta, *tu = NULL;
	uint64_t now = a->a_now();
	unsigned int w;
	int known;

	snprintf(kp, sizeof(kp), "p %s %s", peer, user);
	snprintf(ka, sizeof(ka), "a %s", peer);
	snprintf(ku, sizeof(ku), "u %s", user);
	known = auth_known(a, peer, user, kp + 2, now);
	tp = auth_slot(a, kp);
	ta = auth_slot(a, ka);
	if (!known)
		tu = auth_slot(a, ku);
	w = auth_wait(tp, now);
	if (auth_wait(ta, now) > w)
		w = auth_wait(ta, now);
	if (tu != NULL && auth_wait(tu, now) > w)
		w = auth_wait(tu, now);
	if (w == 0 && !known)
		w = auth_global_wait(a, now);
	if (w > 0) {
		*retry_after = w;
		return 0;
	}
	auth_count(tp, AUTH_PAIR_FREE, now);
	auth_count(ta, AUTH_ADDR_FREE, now);
	if (tu != NULL)
		auth_count(tu, AUTH_USER_FREE, now);
	return 1;
}

/* The attempt that succeeded was no failure: one less on key's count. */
static void
auth_uncount(struct auth *a, const char *key)
{
	size_t i;

	for (i = 0; i < AUTH_THROTTLE_SLOTS; i++)
		if (strcmp(a->a_thr[i].t_key, key) == 0 &&
		    a->a_thr[i].t_fails > 0)
			a->a_thr[i].t_fails--;
}

void
auth_login_succeeded(struct auth *a, const char *peer, const char *user)
{
	char kp[AUTH_KEY_MAX], k[AUTH_KEY_MAX];
	struct auth_throttle *t;

	snprintf(kp, sizeof(kp), "p %s %s", peer, user);
	t = auth_slot(a, kp);
	memset(t, 0, sizeof(*t));
	snprintf(k, sizeof(k), "a %s", peer);
	auth_uncount(a, k);
	snprintf(k, sizeof(k), "u %s", user);
	auth_uncount(a, k);
	auth_known_add(a, kp + 2, a->a_now());
}

void
auth_sweep(struct auth *a)
{
	uint64_t now = a->a_now(), wall = a->a_wall();
	size_t i;

	(void)sessions_expire(a->a_store, (int64_t)(wall - a->a_idle_ms),
	    (int64_t)(wall - a->a_abs_ms));
	for (i = 0; i < AUTH_THROTTLE_SLOTS; i++)
		if (a->a_thr[i].t_key[0] != '\0' && now -
		    a->a_thr[i].t_last > AUTH_FAIL_WINDOW_S * 1000ull)
			memset(&a->a_thr[i], 0, sizeof(a->a_thr[i]));
}
