/*
 * api_users.c - web UI accounts: list, add, delete, change a password.
 *
 * Changing one's own password needs the current one too, so a stolen
 * session alone cannot lock the owner out.  Deleting a user or changing
 * a password ends that user's sessions.
 */
#include "shoal-build.h"

#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/users.h"
#include "api.h"
#include "auth.h"
#include "web.h"

static int
users_one(const struct users_entry *e, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s,s:I,s:I}", "user",
	    e->ue_name, "created", (json_int_t)e->ue_created, "updated",
	    (json_int_t)e->ue_updated));
	return 0;
}

void
api_users_list(struct http_req *rq, struct http_reply *rp)
{
	json_t *a = json_array();
	int rc;

	web_store_lock(rq->rq_web);
	rc = users_each(rq->rq_web->w_store, users_one, a);
	web_store_unlock(rq->rq_web);
	if (rc == -1) {
		json_decref(a);
		http_reply_error(rp, 500, "cannot list users");
		return;
	}
	http_reply_json(rp, 200, json_pack("{s:o}", "users", a));
}

/* Sets name's password (store locked by the caller); replies. */
static void
users_set(struct http_req *rq, struct http_reply *rp, const char *name,
    const char *password, unsigned int ok_status)
{
	char actor[HTTP_USER_MAX + 8];
	struct diag d;

	diag_init(&d);
	api_actor(rq, actor, sizeof(actor));
	if (users_set_password(rq->rq_web->w_store, actor, name, password,
	    &d) == -1) {
		if (diag_errors(&d) > 0) {
			struct diag_item *di;

			/* name the request's fields, not the module's */
			TAILQ_FOREACH(di, &d.d_items, di_entry)
				if (di->di_field == NULL ||
				    strstr(di->di_msg, "assword") != NULL)
					str_set(&di->di_field, "password");
			http_reply_diag(rp, &d);
		} else
			http_reply_error(rp, 500, "the password was not saved");
	} else
		http_reply_json(rp, ok_status, json_pack("{s:s}", "user",
		    name));
	diag_clear(&d);
}

struct users_find {
	const char	*uf_name;
	int		 uf_found;
};

static int
users_find_one(const struct users_entry *e, void *arg)
{
	struct users_find *uf = arg;

	if (strcmp(e->ue_name, uf->uf_name) == 0)
		uf->uf_found = 1;
	return uf->uf_found;
}

/* 1 when user exists, 0 when not, -1 on error (store locked). */
static int
users_exists(struct web *w, const char *name)
{
	struct users_find uf = { name, 0 };

	if (users_each(w->w_store, users_find_one, &uf) == -1)
		return -1;
	return uf.uf_found;
}

void
api_users_add(struct http_req *rq, struct http_reply *rp)
{
	static const char *const keys[] = { "user", "password", NULL };
	const char *name, *pass;
	struct diag d;
	int exists;

	diag_init(&d);
	if (rq->rq_json == NULL) {
		http_reply_field(rp, "body", "a JSON object is required");
		return;
	}
	api_only(rq->rq_json, keys, &d);
	name = api_str(rq->rq_json, "user", &d);
	pass = api_str(rq->rq_json, "password", &d);
	if (name != NULL && !users_name_valid(name))
		diag_add(&d, DIAG_ERROR, NULL, 0, 0, "user", "a user name is "
		    "1 to %d letters, digits, '.', '_' or '-'",
		    USERS_NAME_MAX);
	if (diag_errors(&d) > 0) {
		http_reply_diag(rp, &d);
		diag_clear(&d);
		return;
	}
	diag_clear(&d);
	web_store_lock(rq->rq_web);
	exists = users_exists(rq->rq_web, name);
	if (exists == 1)
		http_reply_error(rp, 409, "user %s already exists", name);
	else if (exists == -1)
		http_reply_error(rp, 500, "cannot list users");
	else
		users_set(rq, rp, name, pass, 201);
	web_store_unlock(rq->rq_web);
	api_wipe(rq->rq_json, "password");
}

void
api_user_delete(struct http_req *rq, struct http_reply *rp)
{
	const char *name = rq->rq_params[0];
	char actor[HTTP_USER_MAX + 8];
	int rc;

	if (strcmp(name, rq->rq_user) == 0) {
		http_reply_error(rp, 409, "you cannot delete yourself");
		return;
	}
	api_actor(rq, actor, sizeof(actor));
	web_store_lock(rq->rq_web);
	rc = users_name_valid(name) ? users_delete(rq->rq_web->w_store,
	    actor, name) : 1;
	web_store_unlock(rq->rq_web);
	if (rc == 1)
		http_reply_error(rp, 404, "no user named %s", name);
	else if (rc == -1)
		http_reply_error(rp, 500, "the user was not deleted");
	else {
		auth_session_end_user(rq->rq_web->w_auth, name);
		log_info("%s deleted user %s", actor, name);
		http_reply_json(rp, 200, json_pack("{s:s}", "deleted", name));
	}
}

void
api_user_password(struct http_req *rq, struct http_reply *rp)
{
	static const char *const keys[] = { "password", "current_password",
	    NULL };
	const char *name = rq->rq_params[0], *pass, *cur = NULL;
	int self = strcmp(name, rq->rq_user) == 0, exists, ok = 1;
	struct diag d;

	diag_init(&d);
	if (rq->rq_json == NULL) {
		http_reply_field(rp, "body", "a JSON object is required");
		return;
	}
	api_only(rq->rq_json, keys, &d);
	pass = api_str(rq->rq_json, "password", &d);
	if (self)
		cur = api_str(rq->rq_json, "current_password", &d);
	if (diag_errors(&d) > 0) {
		http_reply_diag(rp, &d);
		diag_clear(&d);
		return;
	}
	diag_clear(&d);
	web_store_lock(rq->rq_web);
	exists = users_name_valid(name) ? users_exists(rq->rq_web, name) : 0;
	if (exists == 1 && self)
		ok = users_verify(rq->rq_web->w_store, name, cur);
	if (exists == 0)
		http_reply_error(rp, 404, "no user named %s", name);
	else if (exists == -1 || ok == -1)
		http_reply_error(rp, 500, "cannot check the user");
	else if (ok == 0)
		http_reply_field(rp, "current_password", "wrong password");
	else {
		users_set(rq, rp, name, pass, 200);
		if (rp->rp_status == 200 && !self)
			auth_session_end_user(rq->rq_web->w_auth, name);
	}
	web_store_unlock(rq->rq_web);
	api_wipe(rq->rq_json, "password");
	api_wipe(rq->rq_json, "current_password");
}
