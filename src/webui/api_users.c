/*
 * api_users.c - web UI accounts: list, add, delete, change a password.
 *
 * Changing one's own password needs the current one too, so a stolen
 * session alone cannot lock the owner out.  Deleting a user or changing
 * another user's password ends that user's sessions.  Hashing (checking
 * the current password, making the new hash) runs on the hash pool: the
 * handlers defer their replies and the pool's callbacks answer.
 */
#include "shoal-build.h"

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

/* The first message of d (a store error's cause) or a placeholder. */
static const char *
first_message(const struct diag *d)
{
	const struct diag_item *di = TAILQ_FIRST(&d->d_items);

	return di != NULL ? di->di_msg : "unknown error";
}

/* The member "role" of in into *role; -1 with an error in d. */
static int
role_arg(const json_t *in, enum users_role *role, struct diag *d)
{
	const char *r = api_str(in, "role", d);

	if (r == NULL)
		return -1;
	if (users_role_from(r, role) == -1) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "role", "unknown role "
		    "\"%s\": admin, operator or viewer", r);
		return -1;
	}
	return 0;
}

static int
users_one(const struct users_entry *e, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s,s:s,s:I,s:I}", "user",
	    e->ue_name, "role", users_role_name(e->ue_role), "created",
	    (json_int_t)e->ue_created, "updated", (json_int_t)e->ue_updated));
	return 0;
}

void
api_users_list(struct http_req *rq, struct http_reply *rp)
{
	json_t *a = json_array();
	int rc;

	rc = users_each(rq->rq_web->w_store, users_one, a);
	if (rc == -1) {
		json_decref(a);
		http_reply_error(rp, 500, "cannot list users");
		return;
	}
	http_reply_json(rp, 200, json_pack("{s:o}", "users", a));
}

/*
 * A new user or a new password waiting for the hash pool: first (a user
 * changing their own) the check of the current password, then the new
 * hash, then the store.  pj_password is the new one, wiped at the end.
 */
struct pwjob {
	struct http_req		*pj_rq;
	char			 pj_name[USERS_NAME_MAX + 1];
	char			*pj_password;
	unsigned int		 pj_ok_status;	/* 201 new user, 200 change */
	enum users_role		 pj_role;	/* a new user's */
};

static void
pwjob_free(struct pwjob *pj)
{
	str_free_secret(pj->pj_password);
	free(pj);
}

static struct pwjob *
pwjob_new(struct http_req *rq, const char *name, const char *password,
    unsigned int ok_status)
{
	struct pwjob *pj;

	if ((pj = calloc(1, sizeof(*pj))) == NULL)
		return NULL;
	if ((pj->pj_password = strdup(password)) == NULL) {
		free(pj);
		return NULL;
	}
	pj->pj_rq = rq;
	str_copy(pj->pj_name, name, sizeof(pj->pj_name));
	pj->pj_ok_status = ok_status;
	return pj;
}

/* 400 naming "password" when the new password breaks the length rules. */
static int
users_password_ok(struct http_reply *rp, const char *password)
{
	struct diag d;
	int rc;

	diag_init(&d);
	if ((rc = users_password_check(password, &d)) == -1)
		http_reply_diag(rp, &d);
	diag_clear(&d);
	return rc;
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

/* 1 when user exists, 0 when not, -1 on error. */
static int
users_exists(struct web *w, const char *name)
{
	struct users_find uf = { name, 0 };

	if (users_each(w->w_store, users_find_one, &uf) == -1)
		return -1;
	return uf.uf_found;
}

/* A new user's hash is made: add the user (who must still be new). */
static void
pwjob_add(struct pwjob *pj, const char *hash, const char *actor,
    struct http_reply *rp)
{
	struct diag d;

	diag_init(&d);
	switch (users_add_hash(pj->pj_rq->rq_web->w_store, actor, pj->pj_name,
	    hash, pj->pj_role, &d)) {
	case 0:
		http_reply_json(rp, 201, json_pack("{s:s,s:s}", "user",
		    pj->pj_name, "role", users_role_name(pj->pj_role)));
		break;
	case 1:
		http_reply_error(rp, 409, "user %s already exists",
		    pj->pj_name);
		break;
	default:
		http_reply_error(rp, 500, "the user was not saved: %s",
		    first_message(&d));
	}
	diag_clear(&d);
}

/*
 * A password changed: the store ended every session of the user; one
 * changing their own gets a new session (cookie and CSRF token) at once.
 */
static void
pwjob_changed(struct pwjob *pj, struct http_reply *rp)
{
	char csrf[AUTH_TOKEN_LEN + 1];

	if (strcmp(pj->pj_name, pj->pj_rq->rq_user) != 0) {
		http_reply_json(rp, 200, json_pack("{s:s}", "user",
		    pj->pj_name));
		return;
	}
	if (api_session_start(pj->pj_rq, rp, pj->pj_name, csrf) == -1) {
		http_reply_error(rp, 500, "the password was changed, but no "
		    "new session started: log in again");
		return;
	}
	http_reply_json(rp, 200, json_pack("{s:s,s:s}", "user", pj->pj_name,
	    "csrf", csrf));
	mem_wipe(csrf, sizeof(csrf));
}

/* The new hash is made: store it. */
static void
pwjob_hashed(int result, char *hash, void *arg)
{
	struct pwjob *pj = arg;
	struct http_req *rq = pj->pj_rq;
	char actor[HTTP_USER_MAX + 8];
	struct http_reply rp;
	struct diag d;

	memset(&rp, 0, sizeof(rp));
	diag_init(&d);
	api_actor(rq, actor, sizeof(actor));
	if (result == HASHPOOL_CANCELLED)
		http_reply_error(&rp, 503, "shutting down");
	else if (result == -1)
		http_reply_error(&rp, 500, "cannot hash the password");
	else if (pj->pj_ok_status == 201)
		pwjob_add(pj, hash, actor, &rp);
	else if (users_store_hash(rq->rq_web->w_store, actor, pj->pj_name,
	    hash, &d) == -1)
		http_reply_error(&rp, 500, "the password was not saved: %s",
		    first_message(&d));
	else
		pwjob_changed(pj, &rp);
	diag_clear(&d);
	str_free_secret(hash);
	http_req_finish(rq, &rp);
	pwjob_free(pj);
}

/* Queues the new hash; -1 with the answer in rp. */
static int
pwjob_hash(struct pwjob *pj, struct http_reply *rp)
{
	return api_hash(pj->pj_rq, rp, HASHPOOL_NEW, pj->pj_password, NULL,
	    pwjob_hashed, pj);
}

void
api_users_add(struct http_req *rq, struct http_reply *rp)
{
	static const char *const keys[] = { "user", "password", "role",
	    NULL };
	const char *name, *pass;
	enum users_role role = USERS_VIEWER;
	struct pwjob *pj;
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
	if (pass != NULL)
		users_password_check(pass, &d);
	if (json_object_get(rq->rq_json, "role") != NULL)
		role_arg(rq->rq_json, &role, &d);
	if (diag_errors(&d) > 0) {
		http_reply_diag(rp, &d);
		diag_clear(&d);
		return;
	}
	diag_clear(&d);
	exists = users_exists(rq->rq_web, name);
	if (exists == 1)
		http_reply_error(rp, 409, "user %s already exists", name);
	else if (exists == -1)
		http_reply_error(rp, 500, "cannot list users");
	else if ((pj = pwjob_new(rq, name, pass, 201)) == NULL)
		http_reply_error(rp, 500, "out of memory");
	else {
		pj->pj_role = role;
		if (pwjob_hash(pj, rp) == -1)
			pwjob_free(pj);
	}
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
	rc = users_name_valid(name) ? users_delete(rq->rq_web->w_store,
	    actor, name) : 1;
	if (rc == 1)
		http_reply_error(rp, 404, "no user named %s", name);
	else if (rc == 2)
		http_reply_error(rp, 409, "%s is the last admin: make another "
		    "user admin first", name);
	else if (rc == -1)
		http_reply_error(rp, 500, "the user was not deleted");
	else {
		log_info("%s deleted user %s", actor, name);
		http_reply_json(rp, 200, json_pack("{s:s}", "deleted", name));
	}
}

/* The current password of a user changing their own was checked. */
static void
pwjob_checked(int result, char *hash, void *arg)
{
	struct pwjob *pj = arg;
	struct http_reply rp;

	(void)hash;
	memset(&rp, 0, sizeof(rp));
	if (result == 1) {
		if (pwjob_hash(pj, &rp) == 0)
			return;		/* pwjob_hashed() answers */
	} else if (result == HASHPOOL_CANCELLED)
		http_reply_error(&rp, 503, "shutting down");
	else if (result == 0)
		http_reply_field(&rp, "current_password", "wrong password");
	else
		http_reply_error(&rp, 500, "cannot check the user");
	http_req_finish(pj->pj_rq, &rp);
	pwjob_free(pj);
}

/* A user changing their own password: the current one is checked first. */
static int
pwjob_check_current(struct pwjob *pj, struct http_reply *rp,
    const char *current)
{
	char *setting = NULL;
	int rc;

	if (users_hash_setting(pj->pj_rq->rq_web->w_store, pj->pj_name,
	    &setting) != 0) {
		http_reply_error(rp, 500, "cannot check the user");
		str_free_secret(setting);
		return -1;
	}
	rc = api_hash(pj->pj_rq, rp, HASHPOOL_CHECK, current, setting,
	    pwjob_checked, pj);
	str_free_secret(setting);
	return rc;
}

void
api_user_password(struct http_req *rq, struct http_reply *rp)
{
	static const char *const keys[] = { "password", "current_password",
	    NULL };
	const char *name = rq->rq_params[0], *pass, *cur = NULL;
	int self = strcmp(name, rq->rq_user) == 0, exists, rc;
	struct pwjob *pj;
	struct diag d;

	if (!self && rq->rq_role < USERS_ADMIN) {
		http_reply_error(rp, 403, "forbidden: only an admin sets "
		    "another user's password");
		return;
	}
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
	exists = users_name_valid(name) ? users_exists(rq->rq_web, name) : 0;
	if (exists == 0)
		http_reply_error(rp, 404, "no user named %s", name);
	else if (exists == -1)
		http_reply_error(rp, 500, "cannot check the user");
	else if (users_password_ok(rp, pass) == 0) {
		if ((pj = pwjob_new(rq, name, pass, 200)) == NULL)
			http_reply_error(rp, 500, "out of memory");
		else {
			rc = self ? pwjob_check_current(pj, rp, cur) :
			    pwjob_hash(pj, rp);
			if (rc == -1)
				pwjob_free(pj);
		}
	}
	api_wipe(rq->rq_json, "password");
	api_wipe(rq->rq_json, "current_password");
}

void
api_user_role(struct http_req *rq, struct http_reply *rp)
{
	static const char *const keys[] = { "role", NULL };
	const char *name = rq->rq_params[0];
	char actor[HTTP_USER_MAX + 8];
	enum users_role role;
	struct diag d;
	int rc;

	diag_init(&d);
	if (rq->rq_json == NULL) {
		http_reply_field(rp, "body", "a JSON object is required");
		return;
	}
	api_only(rq->rq_json, keys, &d);
	role_arg(rq->rq_json, &role, &d);
	if (diag_errors(&d) > 0) {
		http_reply_diag(rp, &d);
		diag_clear(&d);
		return;
	}
	diag_clear(&d);
	api_actor(rq, actor, sizeof(actor));
	rc = users_name_valid(name) ? users_set_role(rq->rq_web->w_store,
	    actor, name, role) : 1;
	if (rc == 1)
		http_reply_error(rp, 404, "no user named %s", name);
	else if (rc == 2)
		http_reply_error(rp, 409, "%s is the last admin: make another "
		    "user admin first", name);
	else if (rc == -1)
		http_reply_error(rp, 500, "the role was not saved");
	else {
		/* the store ended the user's sessions: a new login */
		log_info("%s made %s %s", actor, name, users_role_name(role));
		http_reply_json(rp, 200, json_pack("{s:s,s:s}", "user", name,
		    "role", users_role_name(role)));
	}
}
