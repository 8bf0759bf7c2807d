/*
 * http_reply.c - the reply builders every handler uses.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/diag.h"
#include "http_reply.h"

void
http_reply_json(struct http_reply *rp, unsigned int status, json_t *j)
{
	json_decref(rp->rp_json);
	rp->rp_status = status;
	rp->rp_json = j;
	rp->rp_nocache = 1;
	rp->rp_deferred = 0;
}

void
http_reply_text(struct http_reply *rp, unsigned int status,
    const char *ctype, char *text, size_t len)
{
	free(rp->rp_text);
	rp->rp_status = status;
	rp->rp_text = text;
	rp->rp_text_len = len;
	rp->rp_ctype = ctype;
	rp->rp_nocache = 1;
	rp->rp_deferred = 0;
}

void
http_reply_error(struct http_reply *rp, unsigned int status,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_reply_json(rp, status, json_pack("{s:s}", "error", msg));
}

json_t *
http_diag_json(const struct diag *d)
{
	const struct diag_item *di;
	json_t *a, *o;

	if ((a = json_array()) == NULL)
		return NULL;
	TAILQ_FOREACH(di, &d->d_items, di_entry) {
		if (di->di_sev != DIAG_ERROR)
			continue;
		o = json_pack("{s:s?,s:s}", "field", di->di_field,
		    "message", di->di_msg);
		if (o != NULL && di->di_line > 0) {
			json_object_set_new(o, "line", json_integer(di->di_line));
			json_object_set_new(o, "col", json_integer(di->di_col));
		}
		if (o == NULL || json_array_append_new(a, o) == -1) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

void
http_reply_diag(struct http_reply *rp, const struct diag *d)
{
	http_reply_json(rp, 400, json_pack("{s:s,s:o}", "error",
	    "invalid input", "errors", http_diag_json(d)));
}

void
http_reply_field(struct http_reply *rp, const char *field,
    const char *fmt, ...)
{
	struct diag d;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_init(&d);
	diag_add(&d, DIAG_ERROR, NULL, 0, 0, field, "%s", msg);
	http_reply_diag(rp, &d);
	diag_clear(&d);
}

void
http_reply_defer(struct http_reply *rp)
{
	http_reply_clear(rp);
	rp->rp_deferred = 1;
}

void
http_reply_clear(struct http_reply *rp)
{
	json_decref(rp->rp_json);
	free(rp->rp_text);
	free(rp->rp_cookie);
	if (rp->rp_resp != NULL)
		MHD_destroy_response(rp->rp_resp);
	memset(rp, 0, sizeof(*rp));
}
