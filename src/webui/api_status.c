/*
 * api_status.c - GET /api/v1/status: the live cluster as pulse sees it,
 * plus the configuration it should be running.
 *
 * The answer is cached for STATUS_CACHE_MS so that many open pages (or a
 * benchmark) cost pulse and the store one query per interval, not one per
 * request; pages poll at most once a second, so the view is never more
 * than one interval staler than pulse's own.
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipc/ctl.h"
#include "lib/util.h"
#include "store/store.h"
#include "api.h"
#include "jsoncfg.h"
#include "web.h"

#define STATUS_CACHE_MS		200
#define STATUS_PULSE_TIMEOUT_MS	500

static char *status_text;	/* the cached answer, JSON */
static size_t status_len;
static uint64_t status_when;

/* The configured services and nodes, for a page to show even without
 * pulse. */
static json_t *
status_config(struct web *w)
{
	struct shoal_config *c = NULL;
	struct cfg_virtual *vs;
	struct cfg_node_list nodes;
	struct cfg_node *n;
	struct store_gen gen;
	json_t *o, *a;

	if (store_load(w->w_store, &c, &gen) == -1)
		c = NULL;
	if (c == NULL)
		return json_pack("{s:s}", "error", "cannot read the config");
	o = json_pack("{s:I,s:s,s:I,s:s}", "generation",
	    (json_int_t)gen.sg_generation, "hash", gen.sg_hash,
	    "time", (json_int_t)gen.sg_time, "service",
	    cfg_service_mode_name(c->c_global.g_service));
	a = json_array();
	TAILQ_FOREACH(vs, &c->c_virtuals, vs_entry)
		json_array_append_new(a, jsoncfg_virtual(vs, 1));
	json_object_set_new(o, "virtual_servers", a);
	a = json_array();
	TAILQ_FOREACH(vs, &c->c_failovers, vs_entry)
		json_array_append_new(a, jsoncfg_virtual(vs, 0));
	json_object_set_new(o, "failover_services", a);
	a = json_array();
	TAILQ_INIT(&nodes);
	if (config_effective_nodes(c, &nodes) == 0) {
		TAILQ_FOREACH(n, &nodes, n_entry)
			json_array_append_new(a, jsoncfg_node(n));
		cfg_node_list_free(&nodes);
	}
	json_object_set_new(o, "nodes", a);
	config_free(c);
	return o;
}

static json_t *
status_build(struct web *w)
{
	char err[128] = "";
	struct timespec ts;
	json_t *pulse, *o;

	pulse = ctl_call(w->w_rundir, CTL_STATUS, NULL, 0,
	    STATUS_PULSE_TIMEOUT_MS, err, sizeof(err));
	clock_gettime(CLOCK_REALTIME, &ts);
	o = json_pack("{s:I,s:b,s:o?,s:o}",
	    "time_ms", (json_int_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
	    "pulse_running", pulse != NULL,
	    "pulse", pulse,
	    "config", status_config(w));
	if (o != NULL && pulse == NULL)
		json_object_set_new(o, "pulse_error", json_string(err));
	return o;
}

void
api_status(struct http_req *rq, struct http_reply *rp)
{
	uint64_t now = clock_monotonic_ms();
	json_t *o;
	char *text = NULL;
	size_t len = 0;

	if (status_text == NULL || now - status_when >= STATUS_CACHE_MS) {
		free(status_text);
		o = status_build(rq->rq_web);
		status_text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		status_len = status_text != NULL ? strlen(status_text) : 0;
		json_decref(o);
		status_when = clock_monotonic_ms();
	}
	if (status_text != NULL && (text = malloc(status_len + 1)) != NULL) {
		memcpy(text, status_text, status_len + 1);
		len = status_len;
	}
	if (text == NULL) {
		http_reply_error(rp, 500, "out of memory");
		return;
	}
	http_reply_text(rp, 200, "application/json", text, len);
}
