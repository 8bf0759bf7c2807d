/*
 * api_history.c - config generations: list, text, diff, rollback; audit.
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/textdiff.h"
#include "store/store.h"
#include "api.h"
#include "web.h"

/* A generation number from a URL segment; 0 when malformed. */
static uint64_t
gen_param(const char *s)
{
	unsigned long long g;
	char *end;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return 0;
	errno = 0;
	g = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return g;
}

static int
history_one(const struct store_gen *g, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I,s:s,s:I,s:s,s:s}",
	    "generation", (json_int_t)g->sg_generation, "hash", g->sg_hash,
	    "time", (json_int_t)g->sg_time, "user", g->sg_user,
	    "comment", g->sg_comment));
	return json_array_size(arg) >= 1000;
}

void
api_history_list(struct http_req *rq, struct http_reply *rp)
{
	struct store_gen cur;
	json_t *a = json_array();
	int rc;

	rc = store_history_each(rq->rq_web->w_store, history_one, a);
	if (rc == 0)
		rc = store_current(rq->rq_web->w_store, &cur);
	if (rc == -1) {
		json_decref(a);
		http_reply_error(rp, 500, "cannot read the history");
		return;
	}
	http_reply_json(rp, 200, json_pack("{s:I,s:o}", "current",
	    (json_int_t)cur.sg_generation, "history", a));
}

/* Generation g's text, redacted unless secrets; NULL + reply. */
static char *
history_text(struct http_req *rq, struct http_reply *rp, const char *param,
    int secrets, size_t *len)
{
	struct store_gen gen;
	uint64_t g = gen_param(param);
	char *text;
	int rc;

	if (g == 0) {
		http_reply_error(rp, 404, "no generation %s", param);
		return NULL;
	}
	rc = store_history_get(rq->rq_web->w_store, g, &gen);
	if (rc == 1) {
		http_reply_error(rp, 404, "no generation %s", param);
		return NULL;
	}
	if (rc == -1 || (text = store_history_text(rq->rq_web->w_store, g,
	    len)) == NULL) {
		http_reply_error(rp, 500, "cannot read generation %s", param);
		return NULL;
	}
	if (!secrets && (text = api_redact(text, len)) == NULL)
		http_reply_error(rp, 500, "out of memory");
	return text;
}

void
api_history_get(struct http_req *rq, struct http_reply *rp)
{
	size_t len;
	char *text;
	int secrets;

	if ((secrets = api_secrets(rq, rp)) == -1)
		return;
	text = history_text(rq, rp, rq->rq_params[0], secrets, &len);
	if (text != NULL)
		http_reply_text(rp, 200, "text/plain; charset=utf-8", text,
		    len);
}

void
api_history_diff(struct http_req *rq, struct http_reply *rp)
{
	char *a = NULL, *b = NULL, *diff, na[32], nb[32];
	size_t alen, blen, dlen;
	int secrets;

	if ((secrets = api_secrets(rq, rp)) == -1)
		return;
	a = history_text(rq, rp, rq->rq_params[0], secrets, &alen);
	if (a != NULL)
		b = history_text(rq, rp, rq->rq_params[1], secrets, &blen);
	if (a == NULL || b == NULL)
		goto done;
	snprintf(na, sizeof(na), "generation %s", rq->rq_params[0]);
	snprintf(nb, sizeof(nb), "generation %s", rq->rq_params[1]);
	diff = textdiff_unified(a, alen, b, blen, na, nb, TEXTDIFF_CONTEXT,
	    &dlen);
	if (diff == NULL)
		http_reply_error(rp, 500, "out of memory");
	else
		http_reply_text(rp, 200, "text/plain; charset=utf-8", diff,
		    dlen);
done:
	free(a);
	free(b);
}

void
api_history_rollback(struct http_req *rq, struct http_reply *rp)
{
	char actor[HTTP_USER_MAX + 8];
	struct store_gen gen;
	uint64_t g = gen_param(rq->rq_params[0]);
	struct diag d;
	int rc;

	diag_init(&d);
	api_actor(rq, actor, sizeof(actor));
	rc = g == 0 ? 1 : store_history_get(rq->rq_web->w_store, g, &gen);
	if (rc == 1)
		http_reply_error(rp, 404, "no generation %s", rq->rq_params[0]);
	else if (rc == -1)
		http_reply_error(rp, 500, "cannot read the history");
	else if (store_rollback(rq->rq_web->w_store, g, actor, &gen,
	    &d) == -1)
		api_commit_failed(rq, rp, &d, "the rollback failed");
	else
		http_reply_json(rp, 200, json_pack("{s:I,s:s,s:I}",
		    "generation", (json_int_t)gen.sg_generation, "hash",
		    gen.sg_hash, "rolled_back_to", (json_int_t)g));
	diag_clear(&d);
}

static int
audit_one(const struct store_audit *a, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I,s:I,s:s,s:s,s:s}",
	    "id", (json_int_t)a->sa_id, "time", (json_int_t)a->sa_time,
	    "user", a->sa_user ? a->sa_user : "",
	    "action", a->sa_action ? a->sa_action : "",
	    "detail", a->sa_detail ? a->sa_detail : ""));
	return 0;
}

void
api_audit_list(struct http_req *rq, struct http_reply *rp)
{
	json_t *a = json_array();
	int rc;

	rc = store_audit_each(rq->rq_web->w_store, 200, audit_one, a);
	if (rc == -1) {
		json_decref(a);
		http_reply_error(rp, 500, "cannot read the audit log");
		return;
	}
	http_reply_json(rp, 200, json_pack("{s:o}", "audit", a));
}
