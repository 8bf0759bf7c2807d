/*
 * api_config.c - settings, nodes, virtual servers, real servers, checks,
 * fail-over services, and lvs.cf export/import.
 *
 * Reads return the model as JSON (jsoncfg.h).  Writes go through
 * api_change(): the body is applied to a copy of the current config and
 * the store validates the whole before committing, so the API enforces
 * exactly the rules of lvs.cf import.
 */
#include "shoal-build.h"

#include <stdlib.h>
#include <string.h>

#include "config/lvscf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "api.h"
#include "jsoncfg.h"
#include "web.h"

/* The body of a POST/PUT, or NULL with a 400 in d. */
static const json_t *
body(const struct http_req *rq, struct diag *d)
{
	if (rq->rq_json == NULL)
		diag_add(d, DIAG_ERROR, NULL, 0, 0, "body",
		    "a JSON object is required");
	return rq->rq_json;
}

const struct api_vs_kind api_virtuals = { CFG_VS_VIRTUAL,
    "virtual server", "virtual_server", "virtual_servers", "virtual" };
const struct api_vs_kind api_failovers = { CFG_VS_FAILOVER,
    "failover service", "failover_service", "failover_services",
    "failover" };

/* The kind a /virtual-servers or /failover-services route works on. */
static const struct api_vs_kind *
vs_kind(const struct http_req *rq)
{
	return rq->rq_arg;
}

static struct cfg_virtual_list *
vs_list(struct shoal_config *c, const struct api_vs_kind *k)
{
	return k->vk_kind == CFG_VS_VIRTUAL ? &c->c_virtuals :
	    &c->c_failovers;
}

static struct cfg_virtual *
vs_find(struct shoal_config *c, const struct api_vs_kind *k,
    const char *name)
{
	return k->vk_kind == CFG_VS_VIRTUAL ? config_find_virtual(c, name) :
	    config_find_failover(c, name);
}

/*
 * A GET of one object: the current config and its generation, which the
 * answer carries as "generation" (what a change sends back: If-Match).
 */
static struct shoal_config *
load_at(struct http_req *rq, struct http_reply *rp, struct store_gen *gen)
{
	struct shoal_config *c = NULL;

	if (store_load(rq->rq_web->w_store, &c, gen) == -1)
		c = NULL;
	if (c == NULL)
		http_reply_error(rp, 500, "cannot read the configuration");
	return c;
}

static void
reply_at(struct http_reply *rp, json_t *o, const struct store_gen *gen)
{
	if (o != NULL)
		json_object_set_new(o, "generation", json_integer(
		    (json_int_t)gen->sg_generation));
	http_reply_json(rp, 200, o);
}

/* ---- settings ---- */

void
api_settings_get(struct http_req *rq, struct http_reply *rp)
{
	struct shoal_config *c;
	struct store_gen gen;

	if ((c = load_at(rq, rp, &gen)) == NULL)
		return;
	reply_at(rp, jsoncfg_global(&c->c_global), &gen);
	config_free(c);
}

static int
settings_put(struct shoal_config *c, struct http_req *rq,
    struct http_reply *rp, struct diag *d, json_t **res)
{
	const json_t *in;

	(void)rp;
	if ((in = body(rq, d)) == NULL)
		return 0;
	if (jsoncfg_apply_global(&c->c_global, in, d) == 0)
		*res = jsoncfg_global(&c->c_global);
	api_wipe(rq->rq_json, "heartbeat_key");
	return 0;
}

void
api_settings_put(struct http_req *rq, struct http_reply *rp)
{
	api_change(rq, rp, settings_put, 200, "settings");
}

/* ---- nodes ---- */

void
api_nodes_list(struct http_req *rq, struct http_reply *rp)
{
	struct shoal_config *c;
	struct store_gen gen;
	struct cfg_node *n;
	json_t *a;

	if ((c = load_at(rq, rp, &gen)) == NULL)
		return;
	a = json_array();
	TAILQ_FOREACH(n, &c->c_nodes, n_entry)
		json_array_append_new(a, jsoncfg_node(n));
	reply_at(rp, json_pack("{s:o}", "nodes", a), &gen);
	config_free(c);
}

static int
nodes_add(struct shoal_config *c, struct http_req *rq,
    struct http_reply *rp, struct diag *d, json_t **res)
{
	const json_t *in;
	const char *name;
	struct cfg_node *n;

	if ((in = body(rq, d)) == NULL)
		return 0;
	if ((name = jsoncfg_name(in, "", d)) == NULL) {
		if (json_object_get(in, "name") == NULL)
			diag_add(d, DIAG_ERROR, NULL, 0, 0, "name", "required");
		return 0;
	}
	if (config_find_node(c, name) != NULL) {
		http_reply_error(rp, 409, "node %s already exists", name);
		return -1;
	}
	if ((n = cfg_node_new(name)) == NULL) {
		http_reply_error(rp, 500, "out of memory");
		return -1;
	}
	TAILQ_INSERT_TAIL(&c->c_nodes, n, n_entry);
	if (jsoncfg_apply_node(n, in, d) == 0)
		*res = jsoncfg_node(n);
	return 0;
}

void
api_nodes_add(struct http_req *rq, struct http_reply *rp)
{
	api_change(rq, rp, nodes_add, 201, "node");
}

static struct cfg_node *
node_or_404(struct shoal_config *c, const struct http_req *rq,
    struct http_reply *rp)
{
	struct cfg_node *n = config_find_node(c, rq->rq_params[0]);

	if (n == NULL)
		http_reply_error(rp, 404, "no node named %s",
		    rq->rq_params[0]);
	return n;
}

void
api_node_get(struct http_req *rq, struct http_reply *rp)
{
	struct shoal_config *c;
	struct cfg_node *n;
	struct store_gen gen;

	if ((c = load_at(rq, rp, &gen)) == NULL)
		return;
	if ((n = node_or_404(c, rq, rp)) != NULL)
		reply_at(rp, jsoncfg_node(n), &gen);
	config_free(c);
}

/* A body's "name", when present, must be the resource's (no renames). */
static int
same_name(const json_t *in, const char *name, const char *path,
    struct diag *d)
{
	const json_t *v = json_object_get(in, "name");
	char field[256];

	if (v == NULL || (json_is_string(v) &&
	    strcmp(json_string_value(v), name) == 0))
		return 0;
	snprintf(field, sizeof(field), "%s.name", path);
	diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "renaming is not "
	    "supported: delete and add");
	return -1;
}

static int
node_put(struct shoal_config *c, struct http_req *rq, struct http_reply *rp,
    struct diag *d, json_t **res)
{
	const json_t *in;
	struct cfg_node *n;
	char path[CFG_NAME_MAX + 16];

	if ((n = node_or_404(c, rq, rp)) == NULL)
		return -1;
	if ((in = body(rq, d)) == NULL)
		return 0;
	snprintf(path, sizeof(path), "node[%s]", n->n_name);
	if (same_name(in, n->n_name, path, d) == 0 &&
	    jsoncfg_apply_node(n, in, d) == 0)
		*res = jsoncfg_node(n);
	return 0;
}

void
api_node_put(struct http_req *rq, struct http_reply *rp)
{
	api_change(rq, rp, node_put, 200, "node");
}

static int
node_delete(struct shoal_config *c, struct http_req *rq,
    struct http_reply *rp, struct diag *d, json_t **res)
{
	struct cfg_node *n;

	(void)d;
	(void)res;
	if ((n = node_or_404(c, rq, rp)) == NULL)
		return -1;
	TAILQ_REMOVE(&c->c_nodes, n, n_entry);
	cfg_node_free(n);
	return 0;
}

void
api_node_delete(struct http_req *rq, struct http_reply *rp)
{
	api_change(rq, rp, node_delete, 200, "node");
}

/* ---- virtual servers and failover services ---- */

void
api_vs_list(struct http_req *rq, struct http_reply *rp)
{
	const struct api_vs_kind *k = vs_kind(rq);
	struct shoal_config *c;
	struct cfg_virtual *vs;
	struct store_gen gen;
	json_t *a;

	if ((c = load_at(rq, rp, &gen)) == NULL)
		return;
	a = json_array();
	TAILQ_FOREACH(vs, vs_list(c, k), vs_entry)
		json_array_append_new(a, jsoncfg_virtual(vs, 1));
	reply_at(rp, json_pack("{s:o}", k->vk_many, a), &gen);
	config_free(c);
}

/* The service named by the path's first {} in rq_arg's list, or a 404. */
static struct cfg_virtual *
vs_or_404(struct shoal_config *c, const struct http_req *rq,
    struct http_reply *rp, const struct api_vs_kind *k)
{
	struct cfg_virtual *vs = vs_find(c, k, rq->rq_params[0]);

	if (vs == NULL)
		http_reply_error(rp, 404, "no %s named %s", k->vk_what,
		    rq->rq_params[0]);
	return vs;
}

static void
vs_get_reply(struct http_req *rq, struct http_reply *rp, int check)
{
	struct shoal_config *c;
	struct cfg_virtual *vs;
	struct store_gen gen;

	if ((c = load_at(rq, rp, &gen)) == NULL)
		return;
	if ((vs = vs_or_404(c, rq, rp, vs_kind(rq))) != NULL)
		reply_at(rp, check ? jsoncfg_check(vs) :
		    jsoncfg_virtual(vs, 1), &gen);
	config_free(c);
}

void
api_vs_get(struct http_req *rq, struct http_reply *rp)
{
	vs_get_reply(rq, rp, 0);
}

void
api_check_get(struct http_req *rq, struct http_reply *rp)
{
	vs_get_reply(rq, rp, 1);
}

static int
vs_add(struct shoal_config *c, struct http_req *rq, struct http_reply *rp,
    struct diag *d, json_t **res)
{
	const struct api_vs_kind *k = vs_kind(rq);
	struct cfg_virtual *vs;
	const json_t *in;
	const char *name;

	if ((in = body(rq, d)) == NULL)
		return 0;
	if ((name = jsoncfg_name(in, "", d)) == NULL) {
		if (json_object_get(in, "name") == NULL)
			diag_add(d, DIAG_ERROR, NULL, 0, 0, "name", "required");
		return 0;
	}
	if (vs_find(c, k, name) != NULL) {
		http_reply_error(rp, 409, "%s %s already exists", k->vk_what,
		    name);
		return -1;
	}
	if ((vs = cfg_virtual_new(k->vk_kind, name)) == NULL) {
		http_reply_error(rp, 500, "out of memory");
		return -1;
	}
	TAILQ_INSERT_TAIL(vs_list(c, k), vs, vs_entry);
	if (jsoncfg_apply_virtual(vs, in, JSONCFG_ALL, d) == 0)
		*res = jsoncfg_virtual(vs, 1);
	return 0;
}

void
api_vs_add(struct http_req *rq, struct http_reply *rp)
{
	api_change(rq, rp, vs_add, 201, vs_kind(rq)->vk_one);
}

/* PUT on the service (mode JSONCFG_ALL) or on its check (JSONCFG_CHECK). */
static int
vs_put(struct shoal_config *c, struct http_req *rq, struct http_reply *rp,
    struct diag *d, json_t **res, int mode)
{
	const struct api_vs_kind *k = vs_kind(rq);
	struct cfg_virtual *vs;
	const json_t *in;
	char path[CFG_NAME_MAX + 16];

	if ((vs = vs_or_404(c, rq, rp, k)) == NULL)
		return -1;
	if ((in = body(rq, d)) == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s[%s]", k->vk_path, vs->vs_name);
	if (mode == JSONCFG_ALL && same_name(in, vs->vs_name, path, d) == -1)
		return 0;
	if (jsoncfg_apply_virtual(vs, in, mode, d) == 0)
		*res = mode == JSONCFG_CHECK ? jsoncfg_check(vs) :
		    jsoncfg_virtual(vs, 1);
	return 0;
}

static int
vs_put_all(struct shoal_config *c, struct http_req *rq,
    struct http_reply *rp, struct diag *d, json_t **res)
{
	return vs_put(c, rq, rp, d, res, JSONCFG_ALL);
}

static int
vs_put_check(struct shoal_config *c, struct http_req *rq,
    struct http_reply *rp, struct diag *d, json_t **res)
{
	return vs_put(c, rq, rp, d, res, JSONCFG_CHECK);
}

void
api_vs_put(struct http_req *rq, struct http_reply *rp)
{
	api_change(rq, rp, vs_put_all, 200, vs_kind(rq)->vk_one);
}

void
api_check_put(struct http_req *rq, struct http_reply *rp)
{
	api_change(rq, rp, vs_put_check, 200, "check");
}

static int
vs_delete(struct shoal_config *c, struct http_req *rq,
    struct http_reply *rp, struct diag *d, json_t **res)
{
	const struct api_vs_kind *k = vs_kind(rq);
	struct cfg_virtual *vs;

	(void)d;
	(void)res;
	if ((vs = vs_or_404(c, rq, rp, k)) == NULL)
		return -1;
	TAILQ_REMOVE(vs_list(c, k), vs, vs_entry);
	cfg_virtual_free(vs);
	return 0;
}

void
api_vs_delete(struct http_req *rq, struct http_reply *rp)
{
	api_change(rq, rp, vs_delete, 200, vs_kind(rq)->vk_one);
}

/* ---- real servers ---- */

static struct cfg_server *
rs_or_404(struct cfg_virtual *vs, const struct http_req *rq,
    struct http_reply *rp)
{
	struct cfg_server *rs = cfg_virtual_find_server(vs, rq->rq_params[1]);

	if (rs == NULL)
		http_reply_error(rp, 404, "no real server named %s in %s",
		    rq->rq_params[1], vs->vs_name);
	return rs;
}

void
api_rs_list(struct http_req *rq, struct http_reply *rp)
{
	struct shoal_config *c;
	struct cfg_virtual *vs;
	struct cfg_server *rs;
	json_t *a;

	if ((c = api_load(rq, rp)) == NULL)
		return;
	if ((vs = vs_or_404(c, rq, rp, &api_virtuals)) != NULL) {
		a = json_array();
		TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry)
			json_array_append_new(a, jsoncfg_server(rs));
		http_reply_json(rp, 200, json_pack("{s:o}", "real_servers", a));
	}
	config_free(c);
}

void
api_rs_get(struct http_req *rq, struct http_reply *rp)
{
	struct shoal_config *c;
	struct cfg_virtual *vs;
	struct cfg_server *rs;
	struct store_gen gen;

	if ((c = load_at(rq, rp, &gen)) == NULL)
		return;
	if ((vs = vs_or_404(c, rq, rp, &api_virtuals)) != NULL &&
	    (rs = rs_or_404(vs, rq, rp)) != NULL)
		reply_at(rp, jsoncfg_server(rs), &gen);
	config_free(c);
}

static int
rs_add(struct shoal_config *c, struct http_req *rq, struct http_reply *rp,
    struct diag *d, json_t **res)
{
	struct cfg_virtual *vs;
	struct cfg_server *rs;
	const json_t *in;
	const char *name;

	if ((vs = vs_or_404(c, rq, rp, &api_virtuals)) == NULL)
		return -1;
	if ((in = body(rq, d)) == NULL)
		return 0;
	if ((name = jsoncfg_name(in, "", d)) == NULL) {
		if (json_object_get(in, "name") == NULL)
			diag_add(d, DIAG_ERROR, NULL, 0, 0, "name", "required");
		return 0;
	}
	if (cfg_virtual_find_server(vs, name) != NULL) {
		http_reply_error(rp, 409, "real server %s already exists in %s",
		    name, vs->vs_name);
		return -1;
	}
	if ((rs = cfg_server_new(name, vs->vs_port)) == NULL) {
		http_reply_error(rp, 500, "out of memory");
		return -1;
	}
	TAILQ_INSERT_TAIL(&vs->vs_servers, rs, rs_entry);
	if (jsoncfg_apply_server(rs, vs->vs_name, in, d) == 0)
		*res = jsoncfg_server(rs);
	return 0;
}

void
api_rs_add(struct http_req *rq, struct http_reply *rp)
{
	api_change(rq, rp, rs_add, 201, "real_server");
}

static int
rs_put(struct shoal_config *c, struct http_req *rq, struct http_reply *rp,
    struct diag *d, json_t **res)
{
	struct cfg_virtual *vs;
	struct cfg_server *rs;
	const json_t *in;
	char path[2 * CFG_NAME_MAX + 16];

	if ((vs = vs_or_404(c, rq, rp, &api_virtuals)) == NULL ||
	    (rs = rs_or_404(vs, rq, rp)) == NULL)
		return -1;
	if ((in = body(rq, d)) == NULL)
		return 0;
	snprintf(path, sizeof(path), "server[%s/%s]", vs->vs_name,
	    rs->rs_name);
	if (same_name(in, rs->rs_name, path, d) == 0 &&
	    jsoncfg_apply_server(rs, vs->vs_name, in, d) == 0)
		*res = jsoncfg_server(rs);
	return 0;
}

void
api_rs_put(struct http_req *rq, struct http_reply *rp)
{
	api_change(rq, rp, rs_put, 200, "real_server");
}

static int
rs_delete(struct shoal_config *c, struct http_req *rq,
    struct http_reply *rp, struct diag *d, json_t **res)
{
	struct cfg_virtual *vs;
	struct cfg_server *rs;

	(void)d;
	(void)res;
	if ((vs = vs_or_404(c, rq, rp, &api_virtuals)) == NULL ||
	    (rs = rs_or_404(vs, rq, rp)) == NULL)
		return -1;
	TAILQ_REMOVE(&vs->vs_servers, rs, rs_entry);
	cfg_server_free(rs);
	return 0;
}

void
api_rs_delete(struct http_req *rq, struct http_reply *rp)
{
	api_change(rq, rp, rs_delete, 200, "real_server");
}

/* ---- lvs.cf export and import ---- */

void
api_export(struct http_req *rq, struct http_reply *rp)
{
	struct shoal_config *c;
	size_t len;
	char *text;
	int secrets;

	if ((secrets = api_secrets(rq, rp)) == -1 ||
	    (c = api_load(rq, rp)) == NULL)
		return;
	if ((text = lvscf_write(c, &len)) == NULL || (!secrets &&
	    (text = api_redact(text, &len)) == NULL))
		http_reply_error(rp, 500, "out of memory");
	else
		http_reply_text(rp, 200, "text/plain; charset=utf-8", text,
		    len);
	config_free(c);
}

/*
 * Import replaces the whole configuration, so it does not go through
 * api_change(): the text is parsed and validated (every error with its
 * line and column) and committed as it is.
 */
void
api_import(struct http_req *rq, struct http_reply *rp)
{
	struct shoal_config *in = NULL;
	struct store_gen gen;
	char actor[HTTP_USER_MAX + 8];
	struct diag d;

	diag_init(&d);
	if (rq->rq_body == NULL || rq->rq_body_len == 0) {
		http_reply_field(rp, "body", "the lvs.cf text is required");
		return;
	}
	if (lvscf_read_buf("import", rq->rq_body, rq->rq_body_len, &in,
	    &d) == -1) {
		http_reply_diag(rp, &d);
		goto done;
	}
	api_actor(rq, actor, sizeof(actor));
	if (store_commit(rq->rq_web->w_store, in, actor, "lvs.cf import",
	    &gen, &d) == -1)
		api_commit_failed(rq, rp, &d, "the import was not saved");
	else
		http_reply_json(rp, 200, json_pack("{s:I,s:s}", "generation",
		    (json_int_t)gen.sg_generation, "hash", gen.sg_hash));
done:
	config_free(in);
	diag_clear(&d);
}

/* ---- optimistic concurrency: the generation a change was read at ---- */

/*
 * The generation a change says it was read at: If-Match ("N", N or
 * W/"N") or the body's "generation" (taken out of the body).  0: none;
 * -1 with a 400 in rp when it is not one.
 */
static int64_t
read_at(struct http_req *rq, struct http_reply *rp)
{
	const char *h;
	json_t *v;
	char *end;
	int64_t g = 0;

	h = MHD_lookup_connection_value(rq->rq_conn, MHD_HEADER_KIND,
	    "If-Match");
	if (h != NULL) {
		if (strncmp(h, "W/", 2) == 0)
			h += 2;
		h += *h == '"';
		g = strtoll(h, &end, 10);
		if (end == h || g < 1 || (*end != '\0' && strcmp(end, "\"")))
			g = -1;
	} else if ((v = json_object_get(rq->rq_json, "generation")) != NULL) {
		g = json_is_integer(v) && json_integer_value(v) >= 1 ?
		    (int64_t)json_integer_value(v) : -1;
		json_object_del(rq->rq_json, "generation");
	}
	if (g == -1)
		http_reply_field(rp, "generation", "a generation (a positive "
		    "integer, as GET returned it) expected");
	return g;
}

/* The object a change addresses, as its GET shows it (a virtual server
 * with its real servers only when the change replaces or deletes them);
 * NULL when it does not exist. */
static json_t *
route_object(struct shoal_config *c, const struct http_req *rq,
    const char *key)
{
	const struct api_vs_kind *k = vs_kind(rq);
	struct cfg_virtual *vs;
	struct cfg_server *rs;
	struct cfg_node *n;

	if (strcmp(key, "settings") == 0)
		return jsoncfg_global(&c->c_global);
	if (strcmp(key, "node") == 0)
		return (n = config_find_node(c, rq->rq_params[0])) != NULL ?
		    jsoncfg_node(n) : NULL;
	if (strcmp(key, "real_server") == 0) {
		vs = config_find_virtual(c, rq->rq_params[0]);
		rs = vs != NULL ? cfg_virtual_find_server(vs,
		    rq->rq_params[1]) : NULL;
		return rs != NULL ? jsoncfg_server(rs) : NULL;
	}
	if ((vs = vs_find(c, k, rq->rq_params[0])) == NULL)
		return NULL;
	/* a change that replaces the servers (or deletes them) owns them */
	return strcmp(key, "check") == 0 ? jsoncfg_check(vs) :
	    jsoncfg_virtual(vs, rq->rq_method == HTTP_DELETE ||
	    json_object_get(rq->rq_json, "servers") != NULL);
}

struct since {
	uint64_t	 s_gen;
	json_t		*s_list;
};

static int
since_one(const struct store_gen *g, void *arg)
{
	struct since *s = arg;

	if (g->sg_generation <= s->s_gen || json_array_size(s->s_list) >= 20)
		return 1;
	json_array_append_new(s->s_list, json_pack("{s:I,s:s,s:s,s:I}",
	    "generation", (json_int_t)g->sg_generation, "user", g->sg_user,
	    "comment", g->sg_comment, "time", (json_int_t)g->sg_time));
	return 0;
}

/* 412: what the object is now and the generations since the caller's. */
static void
reply_conflict(struct http_req *rq, struct http_reply *rp, const char *key,
    uint64_t then, const struct store_gen *cur, json_t *now)
{
	struct since s = { then, json_array() };
	json_t *o;

	if (store_history_each(rq->rq_web->w_store, since_one, &s) == -1)
		log_warnx("history not read for a conflict reply");
	o = json_pack("{s:s,s:I,s:I,s:o,s:o}", "error", "",
	    "read_at", (json_int_t)then, "generation",
	    (json_int_t)cur->sg_generation, "current", now != NULL ? now :
	    json_null(), "changes", s.s_list);
	json_object_set_new(o, "error", json_sprintf("the %s was changed "
	    "since generation %llu (now %llu): nothing saved; the current "
	    "version and the changes are in this reply", key,
	    (unsigned long long)then, (unsigned long long)cur->sg_generation));
	http_reply_json(rp, 412, o);
}

int
api_precondition(struct http_req *rq, struct http_reply *rp,
    struct shoal_config *now, unsigned int ok_status, const char *key)
{
	struct shoal_config *then = NULL;
	struct store_gen cur;
	json_t *a = NULL, *b = NULL;
	struct diag d;
	char *text = NULL, name[64];
	size_t len;
	int64_t g;
	int rc = -1;

	if ((g = read_at(rq, rp)) <= 0 || ok_status == 201)
		return g == -1 ? -1 : 0;
	diag_init(&d);
	if (store_current(rq->rq_web->w_store, &cur) == -1) {
		http_reply_error(rp, 500, "cannot read the current generation");
		goto done;
	}
	if ((uint64_t)g == cur.sg_generation) {
		rc = 0;
		goto done;
	}
	b = route_object(now, rq, key);
	snprintf(name, sizeof(name), "generation %lld", (long long)g);
	if ((uint64_t)g < cur.sg_generation && (text = store_history_text(
	    rq->rq_web->w_store, (uint64_t)g, &len)) != NULL &&
	    lvscf_read_buf(name, text, len, &then, &d) == 0) {
		a = route_object(then, rq, key);
		if ((a == NULL && b == NULL) || (a != NULL && b != NULL &&
		    json_equal(a, b))) {
			rc = 0;		/* changes elsewhere: no conflict */
			goto done;
		}
	}
	reply_conflict(rq, rp, key, (uint64_t)g, &cur, b);
	b = NULL;
done:
	json_decref(a);
	json_decref(b);
	config_free(then);
	if (text != NULL)
		mem_wipe(text, len);
	free(text);
	diag_clear(&d);
	return rc;
}
