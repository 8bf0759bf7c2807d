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

/* ---- settings ---- */

void
api_settings_get(struct http_req *rq, struct http_reply *rp)
{
	struct shoal_config *c;

	if ((c = api_load(rq, rp)) == NULL)
		return;
	http_reply_json(rp, 200, jsoncfg_global(&c->c_global));
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
	struct cfg_node *n;
	json_t *a;

	if ((c = api_load(rq, rp)) == NULL)
		return;
	a = json_array();
	TAILQ_FOREACH(n, &c->c_nodes, n_entry)
		json_array_append_new(a, jsoncfg_node(n));
	http_reply_json(rp, 200, json_pack("{s:o}", "nodes", a));
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

	if ((c = api_load(rq, rp)) == NULL)
		return;
	if ((n = node_or_404(c, rq, rp)) != NULL)
		http_reply_json(rp, 200, jsoncfg_node(n));
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
	json_t *a;

	if ((c = api_load(rq, rp)) == NULL)
		return;
	a = json_array();
	TAILQ_FOREACH(vs, vs_list(c, k), vs_entry)
		json_array_append_new(a, jsoncfg_virtual(vs, 1));
	http_reply_json(rp, 200, json_pack("{s:o}", k->vk_many, a));
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

	if ((c = api_load(rq, rp)) == NULL)
		return;
	if ((vs = vs_or_404(c, rq, rp, vs_kind(rq))) != NULL)
		http_reply_json(rp, 200, check ? jsoncfg_check(vs) :
		    jsoncfg_virtual(vs, 1));
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

	if ((c = api_load(rq, rp)) == NULL)
		return;
	if ((vs = vs_or_404(c, rq, rp, &api_virtuals)) != NULL &&
	    (rs = rs_or_404(vs, rq, rp)) != NULL)
		http_reply_json(rp, 200, jsoncfg_server(rs));
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
