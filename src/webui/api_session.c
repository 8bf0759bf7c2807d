/*
 * api_session.c - login, logout and the current session.
 *
 * A login's password is checked on the hash pool (hashpool.h), not on the
 * loop: the handler defers its reply and login_checked() answers it.
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/users.h"
#include "api.h"
#include "auth.h"
#include "hashpool.h"
#include "http.h"
#include "web.h"

/* The Set-Cookie value for token ("" with Max-Age=0 ends it). */
static char *
session_cookie(const char *token, int tls)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s=%s; Path=/; HttpOnly; "
	    "SameSite=Strict%s%s", AUTH_COOKIE, token, tls ? "; Secure" : "",
	    token[0] == '\0' ? "; Max-Age=0" : "");
	return strdup(buf);
}

int
api_session_start(struct http_req *rq, struct http_reply *rp,
    const char *user, char *csrf)
{
	struct web *w = rq->rq_web;
	char token[AUTH_TOKEN_LEN + 1];

	if (auth_session_new(w->w_auth, user, rq->rq_peer, token,
	    csrf) == -1)
		return -1;
	free(rp->rp_cookie);
	rp->rp_cookie = session_cookie(token, w->w_tls);
	mem_wipe(token, sizeof(token));
	return 0;
}

/* A login waiting for its password check on the hash pool. */
struct login {
	struct http_req		*l_rq;
	char			 l_user[USERS_NAME_MAX + 1];
	int			 l_known;	/* the name is a user */
};

/* The answer to a checked login: ok 1 right, 0 wrong, -1 error. */
static void
login_answer(struct http_req *rq, struct http_reply *rp, const char *user,
    int ok)
{
	struct web *w = rq->rq_web;
	char csrf[AUTH_TOKEN_LEN + 1];
	enum users_role role;

	/* the audit row names who tried, when the name is printable */
	str_copy(rq->rq_user, users_name_valid(user) ? user : "?",
	    sizeof(rq->rq_user));
	api_audit(rq, ok == 1 ? "login" : "login-failed", rq->rq_peer);
	rq->rq_user[0] = '\0';
	if (ok == -1) {
		http_reply_error(rp, 500, "cannot check the password");
		return;
	}
	if (ok == 0) {
		log_warnx("failed login for %s from %s", users_name_valid(user) ?
		    user : "(invalid name)", rq->rq_peer);
		http_reply_error(rp, 401, "wrong user name or password");
		return;
	}
	auth_login_succeeded(w->w_auth, rq->rq_peer, user);
	if (api_session_start(rq, rp, user, csrf) == -1) {
		http_reply_error(rp, 500, "cannot start a session (see the "
		    "log: store error?)");
		return;
	}
	if (users_get_role(w->w_store, user, &role) != 0)
		role = USERS_VIEWER;	/* deleted meanwhile: next call is 401 */
	log_info("user %s logged in from %s", user, rq->rq_peer);
	http_reply_json(rp, 200, json_pack("{s:s,s:s,s:s}", "user", user,
	    "role", users_role_name(role), "csrf", csrf));
	mem_wipe(csrf, sizeof(csrf));
}

/* The hash pool's verdict, on the loop. */
static void
login_checked(int result, char *hash, void *arg)
{
	struct login *l = arg;
	struct http_reply rp;

	(void)hash;
	memset(&rp, 0, sizeof(rp));
	if (result == HASHPOOL_CANCELLED)
		http_reply_error(&rp, 503, "shutting down");
	else
		login_answer(l->l_rq, &rp, l->l_user, l->l_known ? result :
		    result == -1 ? -1 : 0);
	http_req_finish(l->l_rq, &rp);
	free(l);
}

/*
 * Looks up what user's password is hashed with and queues the check;
 * the answer comes from login_checked().  An invalid name is answered at
 * once (it cannot be a user, and hashing it would only cost CPU).
 */
static void
login_check(struct http_req *rq, struct http_reply *rp, const char *user,
    const char *pass)
{
	char *setting = NULL;
	struct login *l;
	unsigned int wait;
	int found;

	if (!auth_login_begin(rq->rq_web->w_auth, rq->rq_peer, user, &wait)) {
		log_warnx("login for %s from %s held back %u s (too many "
		    "failures)", users_name_valid(user) ? user :
		    "(invalid name)", rq->rq_peer, wait);
		http_reply_error(rp, 429, "too many failed logins: try again "
		    "in %u s", wait);
		rp->rp_retry_after = wait;
		return;
	}
	if (!users_name_valid(user)) {
		login_answer(rq, rp, user, 0);
		return;
	}
	if ((found = users_hash_setting(rq->rq_web->w_store, user,
	    &setting)) == -1 || (l = calloc(1, sizeof(*l))) == NULL) {
		str_free_secret(setting);
		login_answer(rq, rp, user, -1);
		return;
	}
	l->l_rq = rq;
	l->l_known = found == 0;
	str_copy(l->l_user, user, sizeof(l->l_user));
	if (api_hash(rq, rp, HASHPOOL_CHECK, pass, setting, login_checked,
	    l) == -1)
		free(l);
	str_free_secret(setting);
}

void
api_login(struct http_req *rq, struct http_reply *rp)
{
	static const char *const keys[] = { "user", "password", NULL };
	const char *user, *pass;
	struct diag d;

	diag_init(&d);
	if (rq->rq_json == NULL) {
		http_reply_field(rp, "body", "a JSON object is required");
		return;
	}
	api_only(rq->rq_json, keys, &d);
	user = api_str(rq->rq_json, "user", &d);
	pass = api_str(rq->rq_json, "password", &d);
	if (diag_errors(&d) > 0) {
		http_reply_diag(rp, &d);
		diag_clear(&d);
		return;
	}
	diag_clear(&d);
	login_check(rq, rp, user, pass);
	api_wipe(rq->rq_json, "password");
}

void
api_logout(struct http_req *rq, struct http_reply *rp)
{
	const char *cookie;

	cookie = MHD_lookup_connection_value(rq->rq_conn, MHD_COOKIE_KIND,
	    AUTH_COOKIE);
	if (cookie != NULL)
		auth_session_end(rq->rq_web->w_auth, cookie);
	api_audit(rq, "logout", rq->rq_peer);
	rp->rp_cookie = session_cookie("", rq->rq_web->w_tls);
	http_reply_json(rp, 200, json_pack("{s:b}", "ok", 1));
}

void
api_session(struct http_req *rq, struct http_reply *rp)
{
	char user[HTTP_USER_MAX], csrf[AUTH_TOKEN_LEN + 1];
	const char *cookie;

	cookie = MHD_lookup_connection_value(rq->rq_conn, MHD_COOKIE_KIND,
	    AUTH_COOKIE);
	if (cookie == NULL || auth_session_get(rq->rq_web->w_auth, cookie,
	    user, sizeof(user), csrf) == -1) {
		http_reply_error(rp, 401, "login required");
		return;
	}
	http_reply_json(rp, 200, json_pack("{s:s,s:s,s:s}", "user", user,
	    "role", users_role_name((enum users_role)rq->rq_role), "csrf",
	    csrf));
	mem_wipe(csrf, sizeof(csrf));
}
