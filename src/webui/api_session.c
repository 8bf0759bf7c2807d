/*
 * api_session.c - login, logout and the current session.
 */
#include "shoal-build.h"

#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/users.h"
#include "api.h"
#include "auth.h"
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

void
api_login(struct http_req *rq, struct http_reply *rp)
{
	static const char *const keys[] = { "user", "password", NULL };
	struct web *w = rq->rq_web;
	char token[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
	const char *user, *pass;
	unsigned int wait;
	struct diag d;
	int ok;

	if (!auth_login_allowed(w->w_auth, rq->rq_peer, &wait)) {
		http_reply_error(rp, 429, "too many failed logins from %s: "
		    "try again in %u s", rq->rq_peer, wait);
		rp->rp_retry_after = wait;
		return;
	}
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
	web_store_lock(w);
	ok = users_name_valid(user) ? users_verify(w->w_store, user, pass) : 0;
	api_wipe(rq->rq_json, "password");
	/* the audit row names who tried, when the name is printable */
	str_copy(rq->rq_user, users_name_valid(user) ? user : "?",
	    sizeof(rq->rq_user));
	api_audit(rq, ok == 1 ? "login" : "login-failed", rq->rq_peer);
	web_store_unlock(w);
	if (ok == -1) {
		rq->rq_user[0] = '\0';
		http_reply_error(rp, 500, "cannot check the password");
		return;
	}
	if (ok == 0) {
		rq->rq_user[0] = '\0';
		auth_login_failed(w->w_auth, rq->rq_peer);
		log_warnx("failed login for %s from %s", users_name_valid(user) ?
		    user : "(invalid name)", rq->rq_peer);
		http_reply_error(rp, 401, "wrong user name or password");
		return;
	}
	auth_login_succeeded(w->w_auth, rq->rq_peer);
	if (auth_session_new(w->w_auth, user, token, csrf) == -1) {
		http_reply_error(rp, 500, "cannot start a session");
		return;
	}
	log_info("user %s logged in from %s", user, rq->rq_peer);
	rp->rp_cookie = session_cookie(token, w->w_tls);
	http_reply_json(rp, 200, json_pack("{s:s,s:s}", "user", user, "csrf",
	    csrf));
	mem_wipe(token, sizeof(token));
	mem_wipe(csrf, sizeof(csrf));
}

void
api_logout(struct http_req *rq, struct http_reply *rp)
{
	const char *cookie;

	cookie = MHD_lookup_connection_value(rq->rq_conn, MHD_COOKIE_KIND,
	    AUTH_COOKIE);
	if (cookie != NULL)
		auth_session_end(rq->rq_web->w_auth, cookie);
	web_store_lock(rq->rq_web);
	api_audit(rq, "logout", rq->rq_peer);
	web_store_unlock(rq->rq_web);
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
	http_reply_json(rp, 200, json_pack("{s:s,s:s}", "user", user, "csrf",
	    csrf));
	mem_wipe(csrf, sizeof(csrf));
}
