/*
 * api_metrics.c - GET /metrics: Prometheus' text exposition format
 * (0.0.4) for a scraper holding the bearer token of --metrics-token-file
 * (http.c checks it; ROUTE_BEARER), no session.
 *
 * The answer is pulse's own metrics (the control socket's "metrics",
 * doc/protocol.md) followed by shoal-web's: whether pulse answered, the
 * pushes since shoal-web started by outcome, the generation each node has
 * as far as the last push said, the time of the last push, and the
 * generation of this database.  shoal-web's names start with shoal_web_,
 * so none clashes with pulse's.  Without pulse the scrape still answers
 * (shoal_web_pulse_up 0).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/ctl.h"
#include "lib/log.h"
#include "lib/prom.h"
#include "store/store.h"
#include "api.h"
#include "web.h"

#define METRICS_PULSE_TIMEOUT_MS	2000
#define METRICS_CTYPE	"text/plain; version=0.0.4; charset=utf-8"

static void
push_metrics(FILE *fp, const struct api_push_stats *st)
{
	size_t i;

	prom_family(fp, "shoal_web_push_results_total", "counter",
	    "Pushes started from shoal-web since it started, by outcome.");
	for (i = 0; i < API_PUSH__MAX; i++)
		fprintf(fp, "shoal_web_push_results_total{outcome=\"%s\"} "
		    "%llu\n", api_push_outcome_name((enum api_push_outcome)i),
		    (unsigned long long)st->ps_outcomes[i]);
	prom_family(fp, "shoal_web_last_push_timestamp_seconds", "gauge",
	    "When the last push from shoal-web ended (Unix time; 0: none).");
	fprintf(fp, "shoal_web_last_push_timestamp_seconds %.3f\n",
	    (double)st->ps_last_ms / 1000.0);
	prom_family(fp, "shoal_web_node_config_generation", "gauge",
	    "The configuration generation of each node as the last push "
	    "said.");
	for (i = 0; i < st->ps_ngens; i++) {
		fputs("shoal_web_node_config_generation{node=\"", fp);
		prom_label(fp, st->ps_gens[i].pg_node);
		fprintf(fp, "\"} %llu\n",
		    (unsigned long long)st->ps_gens[i].pg_generation);
	}
}

/* shoal-web's own families; malloc'ed text (*len) or NULL. */
static char *
web_metrics(struct web *w, int pulse_up, size_t *len)
{
	struct api_push_stats st;
	struct store_gen gen;
	char *text = NULL;
	FILE *fp;

	if ((fp = open_memstream(&text, len)) == NULL)
		return NULL;
	prom_family(fp, "shoal_web_pulse_up", "gauge",
	    "1 when the local pulse answered this scrape.");
	fprintf(fp, "shoal_web_pulse_up %d\n", pulse_up);
	push_metrics(fp, api_push_stats(w->w_push, &st));
	if (store_current(w->w_store, &gen) == 0) {
		prom_family(fp, "shoal_web_config_generation", "gauge",
		    "The newest configuration generation in this database.");
		fprintf(fp, "shoal_web_config_generation %llu\n",
		    (unsigned long long)gen.sg_generation);
	}
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

void
api_metrics(struct http_req *rq, struct http_reply *rp)
{
	struct web *w = rq->rq_web;
	char err[256], *pulse, *own, *all;
	size_t plen = 0, olen = 0;

	pulse = ctl_call_text(w->w_rundir, CTL_METRICS, NULL, 0,
	    METRICS_PULSE_TIMEOUT_MS, &plen, err, sizeof(err));
	if (pulse == NULL)
		log_debug("/metrics: pulse's part left out: %s", err);
	own = web_metrics(w, pulse != NULL, &olen);
	if (own == NULL) {
		free(pulse);
		http_reply_error(rp, 500, "out of memory");
		return;
	}
	if (pulse == NULL) {
		http_reply_text(rp, 200, METRICS_CTYPE, own, olen);
		return;
	}
	/* pulse's text is the large part: append ours to it */
	if ((all = realloc(pulse, plen + olen + 1)) == NULL) {
		free(pulse);
		free(own);
		http_reply_error(rp, 500, "out of memory");
		return;
	}
	memcpy(all + plen, own, olen + 1);
	free(own);
	http_reply_text(rp, 200, METRICS_CTYPE, all, plen + olen);
}
