/*
 * api_preview.c - the change preview of api_change() (issue 15 item 4):
 * the same PUT/POST/DELETE with ?preview=1 applies the change to a copy,
 * validates it as a commit would, and answers what committing it would
 * do instead of committing: the lvs.cf diff (heartbeat keys redacted),
 * pulse's preview of the load balancer (operations and traffic shares,
 * the control command "preview"), and the warnings.  Nothing is written:
 * no generation, no history, no audit row.
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/lvscf.h"
#include "config/validate.h"
#include "ipc/ctl.h"
#include "lib/textdiff.h"
#include "lib/util.h"
#include "store/store.h"
#include "api.h"
#include "web.h"

#define PREVIEW_PULSE_TIMEOUT_MS	3000

static const char *const secret_keys[] = { "heartbeat_key_accept",
    "heartbeat_key", NULL };

int
api_preview_wanted(struct http_req *rq)
{
	const char *s = MHD_lookup_connection_value(rq->rq_conn,
	    MHD_GET_ARGUMENT_KIND, "preview");

	return s != NULL && strcmp(s, "1") == 0;
}

/* The diff of old to new with the secrets redacted, or NULL (ENOMEM). */
static json_t *
diff_json(const char *old, size_t olen, const char *neu, size_t nlen,
    uint64_t gen)
{
	char *ra, *rb, *out = NULL, label[64];
	size_t ralen = 0, rblen = 0, dlen = 0;
	json_t *j = NULL;

	snprintf(label, sizeof(label), "generation %llu",
	    (unsigned long long)gen);
	ra = textdiff_redact(old, olen, neu, nlen, secret_keys,
	    "(redacted, old value)", &ralen);
	rb = textdiff_redact(neu, nlen, old, olen, secret_keys,
	    "(redacted, new value)", &rblen);
	if (ra != NULL && rb != NULL && (out = textdiff_unified(ra, ralen,
	    rb, rblen, label, "after this change", TEXTDIFF_CONTEXT,
	    &dlen)) != NULL)
		j = json_stringn(out, dlen);
	free(ra);
	free(rb);
	free(out);
	return j;
}

/* pulse's preview of text, or {"error": why it is not available}. */
static json_t *
lb_json(const struct web *w, const char *text, size_t len)
{
	char err[256];
	json_t *j;

	j = ctl_call_body(w->w_rundir, CTL_PREVIEW, text, len,
	    PREVIEW_PULSE_TIMEOUT_MS, err, sizeof(err));
	return j != NULL ? j : json_pack("{s:s}", "error", err);
}

/* The 200 reply of a previewed change c (old: the text before it). */
static void
reply(struct http_req *rq, struct http_reply *rp, const char *old,
    size_t olen, const struct shoal_config *c, uint64_t gen,
    const struct diag *d)
{
	char *neu;
	size_t nlen = 0;
	json_t *diff;

	if ((neu = lvscf_write(c, &nlen)) == NULL ||
	    (diff = diff_json(old, olen, neu, nlen, gen)) == NULL) {
		str_free_secret(neu);
		http_reply_error(rp, 500, "out of memory");
		return;
	}
	http_reply_json(rp, 200, json_pack("{s:b,s:I,s:o,s:o,s:o}",
	    "preview", 1, "generation", (json_int_t)gen, "diff", diff,
	    "lb", lb_json(rq->rq_web, neu, nlen), "warnings",
	    api_warnings(d)));
	str_free_secret(neu);
}

void
api_preview(struct http_req *rq, struct http_reply *rp, api_mutate_fn fn,
    unsigned int ok_status, const char *key)
{
	struct shoal_config *c = NULL;
	struct store_gen gen;
	json_t *result = NULL;
	char *old = NULL;
	size_t olen = 0;
	struct diag d;

	diag_init(&d);
	if (store_load(rq->rq_web->w_store, &c, &gen) == -1 ||
	    (old = lvscf_write(c, &olen)) == NULL) {
		http_reply_error(rp, 500, "cannot read the configuration");
		goto done;
	}
	if (api_precondition(rq, rp, c, ok_status, key) == -1 ||
	    fn(c, rq, rp, &d, &result) == -1)
		goto done;
	if (diag_errors(&d) == 0)
		(void)config_validate(c, &d);
	if (diag_errors(&d) > 0)
		http_reply_diag(rp, &d);
	else
		reply(rq, rp, old, olen, c, gen.sg_generation, &d);
done:
	json_decref(result);
	str_free_secret(old);
	config_free(c);
	diag_clear(&d);
}
