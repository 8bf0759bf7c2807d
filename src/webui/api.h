/*
 * api.h - the JSON API's handlers (api_*.c) and what they share.
 *
 * Handlers run on shoal-web's one event loop (http.h): they use the store
 * directly and must not block.  A handler always fills its reply, or
 * defers it (login, passwords: hashing runs on hashpool.h's threads).
 */
#ifndef SHOAL_API_H
#define SHOAL_API_H

#include <jansson.h>

#include "config/config.h"
#include "lib/diag.h"
#include "hashpool.h"
#include "http_reply.h"

/* The API's routing table (api.c), handed to the server core. */
extern const struct http_route api_routes[];

/*
 * A change to the configuration: called with a fresh copy of the current
 * config.  Returns 0 with *result set (the changed object,
 * for the reply; may be NULL) or -1 after filling rp (404, 409, 400).
 * Errors in d (400) are also a failure.
 */
typedef int (*api_mutate_fn)(struct shoal_config *, struct http_req *,
    struct http_reply *, struct diag *, json_t **result);

/*
 * Load, mutate, commit (the store validates the whole config), answer:
 * 200/201 {generation, hash, <key>: result}, 400 with the field list,
 * or what fn answered.
 */
void api_change(struct http_req *, struct http_reply *, api_mutate_fn,
    unsigned int ok_status, const char *key);
/*
 * The answer to a failed store_commit()/store_rollback(): 500 naming the
 * cause when the database failed (disk full, read-only...), 400 with the
 * fields when the configuration was invalid.
 */
void api_commit_failed(struct http_req *, struct http_reply *,
    const struct diag *, const char *what);
/*
 * api_change() with ?preview=1 (api_preview.c): the change applied to a
 * copy and validated as a commit would, answered 200 {"preview": true,
 * "generation", "diff" (lvs.cf, heartbeat keys redacted), "lb" (pulse's
 * preview, or {"error"}), "warnings"}; nothing is written.  Preconditions
 * and errors answer as api_change() does.
 */
int api_preview_wanted(struct http_req *);
void api_preview(struct http_req *, struct http_reply *, api_mutate_fn,
    unsigned int ok_status, const char *key);
/*
 * Optimistic concurrency for api_change(): when the change says which
 * generation it was read at (If-Match, or the body's "generation", which
 * is taken out) and the object it addresses (now's, by the route's key
 * and parameters) differs from that generation's, answers 412 with the
 * current object and the generations since, and returns -1 (also -1 with
 * a 400 for a malformed generation).  0: go on.  Creates (201) have no
 * precondition.
 */
int api_precondition(struct http_req *, struct http_reply *,
    struct shoal_config *now, unsigned int ok_status, const char *key);
/* Loads the current config for reading; NULL + 500 reply on failure. */
struct shoal_config *api_load(struct http_req *, struct http_reply *);
/* The user name recorded in history and audit ("web:alice"). */
void api_actor(const struct http_req *, char *buf, size_t len);
/* The warnings of d as [{field, message}] (a committed change may have
 * some, e.g. deadtime not longer than keepalive). */
json_t *api_warnings(const struct diag *);
/* Writes an audit row. */
void api_audit(struct http_req *, const char *action, const char *detail);
/*
 * Hands a password to the hash pool for a handler that answers from done
 * (on the loop, then http_req_finish()).  0: queued, and rp deferred;
 * -1: rp holds the answer, 429 with Retry-After when the pool's queue is
 * full, 503 when shutting down.
 */
int api_hash(struct http_req *, struct http_reply *, enum hashpool_op,
    const char *password, const char *setting, hashpool_done done,
    void *arg);
/* The answer when the pool has no room (also from a done callback). */
void api_hash_busy(struct http_req *, struct http_reply *);

/* api_session.c */
/*
 * A new session for user (login, or after changing one's own password,
 * which ends every session of the user): its cookie in rp, its CSRF
 * token in csrf (AUTH_TOKEN_LEN + 1).  0 or -1.
 */
int api_session_start(struct http_req *, struct http_reply *,
    const char *user, char *csrf);
void api_login(struct http_req *, struct http_reply *);
void api_logout(struct http_req *, struct http_reply *);
void api_session(struct http_req *, struct http_reply *);
/* api_schema.c: the field registry as JSON */
void api_schema(struct http_req *, struct http_reply *);
/* api_status.c */
void api_status(struct http_req *, struct http_reply *);
/* api_config.c */
void api_settings_get(struct http_req *, struct http_reply *);
void api_settings_put(struct http_req *, struct http_reply *);
void api_nodes_list(struct http_req *, struct http_reply *);
void api_nodes_add(struct http_req *, struct http_reply *);
void api_node_get(struct http_req *, struct http_reply *);
void api_node_put(struct http_req *, struct http_reply *);
void api_node_delete(struct http_req *, struct http_reply *);
/*
 * Virtual servers and failover services share their handlers: the route's
 * argument (rq_arg) is one of these and says which list a route works on.
 */
struct api_vs_kind {
	enum cfg_vs_kind	 vk_kind;
	const char		*vk_what;	/* "virtual server" */
	const char		*vk_one;	/* JSON key: "virtual_server" */
	const char		*vk_many;	/* "virtual_servers" */
	const char		*vk_path;	/* field paths: "virtual[web]" */
};
extern const struct api_vs_kind api_virtuals, api_failovers;
void api_vs_list(struct http_req *, struct http_reply *);
void api_vs_add(struct http_req *, struct http_reply *);
void api_vs_get(struct http_req *, struct http_reply *);
void api_vs_put(struct http_req *, struct http_reply *);
void api_vs_delete(struct http_req *, struct http_reply *);
void api_check_get(struct http_req *, struct http_reply *);
void api_check_put(struct http_req *, struct http_reply *);
/* Real servers: virtual servers only. */
void api_rs_list(struct http_req *, struct http_reply *);
void api_rs_add(struct http_req *, struct http_reply *);
void api_rs_get(struct http_req *, struct http_reply *);
void api_rs_put(struct http_req *, struct http_reply *);
void api_rs_delete(struct http_req *, struct http_reply *);
void api_export(struct http_req *, struct http_reply *);
void api_import(struct http_req *, struct http_reply *);
/* api_history.c */
void api_history_list(struct http_req *, struct http_reply *);
void api_history_get(struct http_req *, struct http_reply *);
void api_history_diff(struct http_req *, struct http_reply *);
void api_history_rollback(struct http_req *, struct http_reply *);
void api_audit_list(struct http_req *, struct http_reply *);
/* api_logs.c */
void api_logs_recent(struct http_req *, struct http_reply *);
void api_logs_stream(struct http_req *, struct http_reply *);
/* api_push.c: the push jobs (struct web's w_push) and their routes. */
struct api_push *api_push_new(void);
/* Stops a running push at once (shutdown): its job says interrupted. */
void api_push_cancel(struct api_push *);
void api_push_free(struct api_push *);
void api_push_start(struct http_req *, struct http_reply *);
void api_push_get(struct http_req *, struct http_reply *);
/* What the pushes since start did, for /metrics. */
enum api_push_outcome {
	API_PUSH_OK,		/* every node committed */
	API_PUSH_FAILED,	/* some nodes failed */
	API_PUSH_NOT_STARTED,
	API_PUSH_INTERRUPTED,	/* cancelled at shutdown */
	API_PUSH__MAX
};
struct api_push_gen {
	char		 pg_node[CFG_NAME_MAX + 1];
	uint64_t	 pg_generation;
};
struct api_push_stats {
	uint64_t			 ps_outcomes[API_PUSH__MAX];
	int64_t				 ps_last_ms;	/* 0: no push yet */
	size_t				 ps_ngens;
	const struct api_push_gen	*ps_gens;	/* the push's, not st's */
};
const char *api_push_outcome_name(enum api_push_outcome);
/* Fills st (its ps_gens points into ap) and returns it. */
const struct api_push_stats *api_push_stats(const struct api_push *,
    struct api_push_stats *st);
/*
 * api_ops.c: runtime operations through pulse.  The state (struct web's
 * w_ops): the event stream from pulse and its viewers, the drill started
 * from here.  api_ops_stop() at shutdown ends the streams and requests.
 */
struct api_ops *api_ops_new(struct web *);
void api_ops_stop(struct api_ops *);
/* Event streams open now. */
size_t api_ops_clients(const struct api_ops *);
void api_ops_free(struct api_ops *);
void api_events_recent(struct http_req *, struct http_reply *);
void api_events_stream(struct http_req *, struct http_reply *);
void api_maint_get(struct http_req *, struct http_reply *);
void api_lb_get(struct http_req *, struct http_reply *);
void api_rs_maint(struct http_req *, struct http_reply *);
void api_node_maint(struct http_req *, struct http_reply *);
void api_drill_start(struct http_req *, struct http_reply *);
void api_drills_list(struct http_req *, struct http_reply *);
/* api_metrics.c: GET /metrics (ROUTE_BEARER) */
void api_metrics(struct http_req *, struct http_reply *);
/* api_users.c */
void api_users_list(struct http_req *, struct http_reply *);
void api_users_add(struct http_req *, struct http_reply *);
void api_user_delete(struct http_req *, struct http_reply *);
/* Own password: any user, with current_password; another's: admins. */
void api_user_password(struct http_req *, struct http_reply *);
/* {"role": R}: admins; refuses to demote the last admin (409). */
void api_user_role(struct http_req *, struct http_reply *);

/*
 * Strict readers for small non-model bodies: the string member key of
 * in (NULL with an error in d when missing or not a string).  Unknown
 * members are reported by api_only().
 */
const char *api_str(const json_t *in, const char *key, struct diag *d);
int api_only(const json_t *in, const char *const *keys, struct diag *d);
/*
 * Whether a text route shows secrets: 1 for ?secrets=1 from an admin
 * (audited), 0 without it; -1 with the answer in rp (403 for a lesser
 * role, 400 for another value).
 */
int api_secrets(struct http_req *, struct http_reply *);
/*
 * lvs.cf text with every secret field's line (CK_SECRET in the field
 * registry: heartbeat_key) replaced by a comment "# KEY = (secret:
 * redacted)".  Takes text (NUL-terminated, *len bytes: wiped and freed),
 * returns the new text with *len updated, or NULL on ENOMEM.
 */
char *api_redact(char *text, size_t *len);
/* Overwrites the string member key of in (a password) before it is freed. */
void api_wipe(json_t *in, const char *key);

#endif
