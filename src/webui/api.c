/*
 * api.c - the routing table of /api/v1 and the load/mutate/commit cycle
 * every configuration change goes through.  Virtual servers and failover
 * services are one set of handlers: each route's argument names the list.
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_keys.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/users.h"
#include "api.h"
#include "web.h"

#define V1	"/api/v1"
#define VS	V1 "/virtual-servers"
#define FOS	V1 "/failover-services"

/*
 * Each route's least role (http_reply.h): untagged, GET is for viewers and
 * every other method for admins; operators' routes (runtime actions, push)
 * and the few any user may call are tagged.
 */
const struct http_route api_routes[] = {
	{ HTTP_POST, V1 "/login", ROUTE_PUBLIC | ROUTE_NOCSRF, api_login, NULL },
	{ HTTP_POST, V1 "/logout", ROUTE_VIEWER, api_logout, NULL },
	{ HTTP_GET, V1 "/session", 0, api_session, NULL },
	{ HTTP_GET, V1 "/schema", 0, api_schema, NULL },
	{ HTTP_GET, V1 "/status", 0, api_status, NULL },
	{ HTTP_GET, V1 "/settings", 0, api_settings_get, NULL },
	{ HTTP_PUT, V1 "/settings", 0, api_settings_put, NULL },
	{ HTTP_GET, V1 "/nodes", 0, api_nodes_list, NULL },
	{ HTTP_POST, V1 "/nodes", 0, api_nodes_add, NULL },
	{ HTTP_GET, V1 "/nodes/{}", 0, api_node_get, NULL },
	{ HTTP_PUT, V1 "/nodes/{}", 0, api_node_put, NULL },
	{ HTTP_DELETE, V1 "/nodes/{}", 0, api_node_delete, NULL },
	{ HTTP_GET, VS, 0, api_vs_list, &api_virtuals },
	{ HTTP_POST, VS, 0, api_vs_add, &api_virtuals },
	{ HTTP_GET, VS "/{}", 0, api_vs_get, &api_virtuals },
	{ HTTP_PUT, VS "/{}", 0, api_vs_put, &api_virtuals },
	{ HTTP_DELETE, VS "/{}", 0, api_vs_delete, &api_virtuals },
	{ HTTP_GET, VS "/{}/real-servers", 0, api_rs_list, NULL },
	{ HTTP_POST, VS "/{}/real-servers", 0, api_rs_add, NULL },
	{ HTTP_GET, VS "/{}/real-servers/{}", 0, api_rs_get, NULL },
	{ HTTP_PUT, VS "/{}/real-servers/{}", 0, api_rs_put, NULL },
	{ HTTP_DELETE, VS "/{}/real-servers/{}", 0, api_rs_delete, NULL },
	{ HTTP_GET, VS "/{}/check", 0, api_check_get, &api_virtuals },
	{ HTTP_PUT, VS "/{}/check", 0, api_check_put, &api_virtuals },
	{ HTTP_GET, FOS, 0, api_vs_list, &api_failovers },
	{ HTTP_POST, FOS, 0, api_vs_add, &api_failovers },
	{ HTTP_GET, FOS "/{}", 0, api_vs_get, &api_failovers },
	{ HTTP_PUT, FOS "/{}", 0, api_vs_put, &api_failovers },
	{ HTTP_DELETE, FOS "/{}", 0, api_vs_delete, &api_failovers },
	{ HTTP_GET, FOS "/{}/check", 0, api_check_get, &api_failovers },
	{ HTTP_PUT, FOS "/{}/check", 0, api_check_put, &api_failovers },
	{ HTTP_GET, V1 "/config/export", 0, api_export, NULL },
	{ HTTP_POST, V1 "/config/import", ROUTE_TEXT | ROUTE_BIG, api_import,
	    NULL },
	{ HTTP_GET, V1 "/history", 0, api_history_list, NULL },
	{ HTTP_GET, V1 "/history/{}", 0, api_history_get, NULL },
	{ HTTP_GET, V1 "/history/{}/diff/{}", 0, api_history_diff, NULL },
	{ HTTP_POST, V1 "/history/{}/rollback", 0, api_history_rollback, NULL },
	{ HTTP_GET, V1 "/audit", 0, api_audit_list, NULL },
	{ HTTP_GET, V1 "/logs", 0, api_logs_recent, NULL },
	{ HTTP_GET, V1 "/logs/stream", 0, api_logs_stream, NULL },
	{ HTTP_POST, V1 "/push", ROUTE_OPERATOR, api_push_start, NULL },
	{ HTTP_GET, V1 "/push/{}", 0, api_push_get, NULL },
	{ HTTP_GET, V1 "/users", ROUTE_ADMIN, api_users_list, NULL },
	{ HTTP_POST, V1 "/users", 0, api_users_add, NULL },
	{ HTTP_DELETE, V1 "/users/{}", 0, api_user_delete, NULL },
	/* anyone their own (with the current one); admins anyone's */
	{ HTTP_PUT, V1 "/users/{}/password", ROUTE_VIEWER, api_user_password,
	    NULL },
	{ HTTP_PUT, V1 "/users/{}/role", 0, api_user_role, NULL },
	/* operations (issue 14): /metrics for a scraper with the bearer
	   token; runtime actions through pulse (api_ops.c) */
	{ HTTP_GET, "/metrics", ROUTE_BEARER, api_metrics, NULL },
	{ HTTP_GET, V1 "/events", 0, api_events_recent, NULL },
	{ HTTP_GET, V1 "/events/stream", 0, api_events_stream, NULL },
	{ HTTP_GET, V1 "/lb", 0, api_lb_get, NULL },
	{ HTTP_GET, V1 "/maintenance", 0, api_maint_get, NULL },
	{ HTTP_POST, VS "/{}/real-servers/{}/maintenance", ROUTE_OPERATOR,
	    api_rs_maint, NULL },
	{ HTTP_POST, V1 "/nodes/{}/maintenance", ROUTE_OPERATOR,
	    api_node_maint, NULL },
	{ HTTP_GET, V1 "/drills", 0, api_drills_list, NULL },
	{ HTTP_POST, V1 "/drills", ROUTE_OPERATOR, api_drill_start, NULL },
	{ 0, NULL, 0, NULL, NULL },
};

int
api_hash(struct http_req *rq, struct http_reply *rp, enum hashpool_op op,
    const char *password, const char *setting, hashpool_done done,
    void *arg)
{
	struct hashpool *hp = rq->rq_web->w_hashpool;

	if (hp == NULL) {
		http_reply_error(rp, 503, "shutting down");
		return -1;
	}
	if (hashpool_submit(hp, op, password, setting, done, arg) == -1) {
		api_hash_busy(rq, rp);
		return -1;
	}
	http_reply_defer(rp);
	return 0;
}

void
api_hash_busy(struct http_req *rq, struct http_reply *rp)
{
	if (rq->rq_web->w_hashpool == NULL) {
		http_reply_error(rp, 503, "shutting down");
		return;
	}
	log_debug("password hashing queue full: %s from %s refused",
	    rq->rq_url, rq->rq_peer);
	http_reply_error(rp, 429, "too many password checks in progress: "
	    "try again in a second");
	rp->rp_retry_after = 1;
}

void
api_actor(const struct http_req *rq, char *buf, size_t len)
{
	snprintf(buf, len, "web:%s", rq->rq_user);
}

void
api_audit(struct http_req *rq, const char *action, const char *detail)
{
	char actor[HTTP_USER_MAX + 8];

	api_actor(rq, actor, sizeof(actor));
	if (store_audit_add(rq->rq_web->w_store, actor, action, detail) == -1)
		log_warnx("audit row for %s %s by %s not written", action,
		    detail, actor);
}

void
api_commit_failed(struct http_req *rq, struct http_reply *rp,
    const struct diag *d, const char *what)
{
	const struct diag_item *di = TAILQ_FIRST(&d->d_items);

	if (store_failed(rq->rq_web->w_store)) {
		log_warnx("%s: %s", what, di != NULL ? di->di_msg : "?");
		http_reply_error(rp, 500, "%s: %s", what, di != NULL ?
		    di->di_msg : "store error");
	} else if (diag_errors(d) > 0)
		http_reply_diag(rp, d);
	else
		http_reply_error(rp, 500, "%s", what);
}

struct shoal_config *
api_load(struct http_req *rq, struct http_reply *rp)
{
	struct shoal_config *c = NULL;

	if (store_load(rq->rq_web->w_store, &c, NULL) == -1)
		c = NULL;
	if (c == NULL)
		http_reply_error(rp, 500, "cannot read the configuration");
	return c;
}

json_t *
api_warnings(const struct diag *d)
{
	const struct diag_item *di;
	json_t *a = json_array();

	TAILQ_FOREACH(di, &d->d_items, di_entry)
		if (di->di_sev == DIAG_WARNING)
			json_array_append_new(a, json_pack("{s:s?,s:s}",
			    "field", di->di_field, "message", di->di_msg));
	return a;
}

void
api_change(struct http_req *rq, struct http_reply *rp, api_mutate_fn fn,
    unsigned int ok_status, const char *key)
{
	struct shoal_config *c = NULL;
	struct store_gen gen;
	char actor[HTTP_USER_MAX + 8], comment[256];
	json_t *result = NULL;
	struct diag d;

	if (api_preview_wanted(rq)) {
		api_preview(rq, rp, fn, ok_status, key);
		return;
	}
	diag_init(&d);
	api_actor(rq, actor, sizeof(actor));
	snprintf(comment, sizeof(comment), "%s %s", rq->rq_method ==
	    HTTP_POST ? "POST" : rq->rq_method == HTTP_PUT ? "PUT" :
	    "DELETE", rq->rq_url);
	if (store_load(rq->rq_web->w_store, &c, NULL) == -1) {
		http_reply_error(rp, 500, "cannot read the configuration");
		goto done;
	}
	if (api_precondition(rq, rp, c, ok_status, key) == -1 ||
	    fn(c, rq, rp, &d, &result) == -1)
		goto done;
	if (diag_errors(&d) > 0) {
		http_reply_diag(rp, &d);
		goto done;
	}
	if (store_commit(rq->rq_web->w_store, c, actor, comment, &gen,
	    &d) == -1) {
		api_commit_failed(rq, rp, &d, "the change was not saved");
		goto done;
	}
	log_info("%s: %s (generation %llu)", actor, comment,
	    (unsigned long long)gen.sg_generation);
	http_reply_json(rp, ok_status, json_pack("{s:I,s:s,s:o?,s:o}",
	    "generation", (json_int_t)gen.sg_generation, "hash", gen.sg_hash,
	    key, result, "warnings", api_warnings(&d)));
	result = NULL;
done:
	json_decref(result);
	config_free(c);
	diag_clear(&d);
}

const char *
api_str(const json_t *in, const char *key, struct diag *d)
{
	const json_t *v = json_object_get(in, key);

	if (v == NULL) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, key, "required");
		return NULL;
	}
	if (!json_is_string(v)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, key, "string expected");
		return NULL;
	}
	return json_string_value(v);
}

int
api_only(const json_t *in, const char *const *keys, struct diag *d)
{
	const char *key;
	json_t *v;
	int i, rc = 0, known;

	json_object_foreach((json_t *)(uintptr_t)in, key, v) {
		for (known = 0, i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], key) == 0)
				known = 1;
		if (!known) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, key,
			    "unknown field");
			rc = -1;
		}
	}
	return rc;
}

void
api_wipe(json_t *in, const char *key)
{
	json_t *v = json_object_get(in, key);

	/* jansson frees strings without wiping: overwrite the secret first */
	if (json_is_string(v))
		mem_wipe((char *)(uintptr_t)json_string_value(v),
		    json_string_length(v));
}

int
api_secrets(struct http_req *rq, struct http_reply *rp)
{
	const char *v;

	v = MHD_lookup_connection_value(rq->rq_conn, MHD_GET_ARGUMENT_KIND,
	    "secrets");
	if (v == NULL || strcmp(v, "0") == 0)
		return 0;
	if (strcmp(v, "1") != 0) {
		http_reply_field(rp, "secrets", "0 or 1 expected");
		return -1;
	}
	if (rq->rq_role < USERS_ADMIN) {
		http_reply_error(rp, 403, "forbidden: only an admin may see "
		    "secrets (secrets=1)");
		return -1;
	}
	api_audit(rq, "secrets", rq->rq_url);
	return 1;
}

/* Whether key (len bytes) is the lvs.cf key of a secret field. */
static int
secret_key(const char *key, size_t len)
{
	const struct ck_field *f;
	int b;

	for (b = 0; b < CK_NBLOCKS; b++)
		for (f = ck_table((enum ck_block)b); f->f_type != CK_END; f++)
			if ((f->f_flags & CK_SECRET) && f->f_key != NULL &&
			    strlen(f->f_key) == len &&
			    strncmp(f->f_key, key, len) == 0)
				return 1;
	return 0;
}

/* The length of the redacted form of line (len bytes, no newline), and
 * it written to out when out is not NULL. */
static size_t
redact_line(const char *line, size_t len, char *out)
{
	static const char mark[] = " = (secret: redacted)";
	size_t ind = strspn(line, " \t"), k = ind, n;

	while (k < len && (line[k] == '_' || (line[k] >= 'a' && line[k] <= 'z')
	    || (line[k] >= '0' && line[k] <= '9')))
		k++;
	n = k + strspn(line + k, " \t");
	if (k == ind || n >= len || line[n] != '=' ||
	    !secret_key(line + ind, k - ind)) {
		if (out != NULL)
			memcpy(out, line, len);
		return len;
	}
	/* "# key = (secret: redacted)": a comment, never a value */
	if (out != NULL) {
		memcpy(out, line, ind);
		memcpy(out + ind, "# ", 2);
		memcpy(out + ind + 2, line + ind, k - ind);
		memcpy(out + k + 2, mark, sizeof(mark) - 1);
	}
	return k + 2 + sizeof(mark) - 1;
}

/* Every line of text through redact_line(): the length, out filled
 * when not NULL. */
static size_t
redact_all(const char *text, size_t len, char *out)
{
	size_t i = 0, n = 0, end;

	while (i < len) {
		for (end = i; end < len && text[end] != '\n'; end++)
			;
		n += redact_line(text + i, end - i, out != NULL ? out + n :
		    NULL);
		if (end < len) {
			if (out != NULL)
				out[n] = '\n';
			n++;
		}
		i = end + 1;
	}
	return n;
}

char *
api_redact(char *text, size_t *len)
{
	size_t n = redact_all(text, *len, NULL);
	char *out;

	if ((out = malloc(n + 1)) != NULL) {
		redact_all(text, *len, out);
		out[n] = '\0';
		*len = n;
	}
	mem_wipe(text, *len);
	free(text);
	return out;
}
