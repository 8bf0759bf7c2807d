/*
 * tracks.c - tracked checks of the node's own health (see tracks.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_keys.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lvs.h"
#include "nannies.h"
#include "tracks.h"

enum tstate {
	T_UNKNOWN,		/* no report yet: counts as failed */
	T_DOWN,
	T_UP,
};

struct track {
	char		*tk_name;
	char		*tk_print;	/* settings: a change restarts */
	enum cfg_track_kind tk_kind;
	int		 tk_weight;
	int		 tk_fault;
	int		 tk_min_up;
	enum tstate	 tk_state;	/* gateway, address, program */
	char		**tk_up;	/* virtual: names of servers up */
	size_t		 tk_nup;
	int		 tk_failed;	/* the verdict last logged */
	char		 tk_reason[NANNY_REPORT_REASON_MAX + 1];
};

struct tracks {
	struct track	*ts_v;
	size_t		 ts_n;
};

struct tracks *
tracks_new(void)
{
	return calloc(1, sizeof(struct tracks));
}

static void
track_clear(struct track *t)
{
	free(t->tk_name);
	free(t->tk_print);
	for (size_t i = 0; i < t->tk_nup; i++)
		free(t->tk_up[i]);
	free(t->tk_up);
}

static void
tracks_clear(struct track *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		track_clear(&v[i]);
	free(v);
}

void
tracks_free(struct tracks *ts)
{
	if (ts == NULL)
		return;
	tracks_clear(ts->ts_v, ts->ts_n);
	free(ts);
}

static int
track_failed(const struct track *t)
{
	if (t->tk_kind == CFG_TRACK_VIRTUAL)
		return (int)t->tk_nup < t->tk_min_up;
	return t->tk_state != T_UP;
}

/*
 * The settings of t as one string: its registry fields and, for a virtual
 * track, what the virtual's nanny depends on.  Caller frees; NULL on
 * ENOMEM.
 */
static char *
track_print(const struct shoal_config *c, const struct cfg_track *t)
{
	char buf[CK_FMT_MAX], *s = NULL, *vp = NULL;
	const struct cfg_virtual *vs;
	const struct ck_field *f;
	const char *v;
	size_t len = 0;
	FILE *fp;
	int bad = 0;

	if ((fp = open_memstream(&s, &len)) == NULL)
		return NULL;
	for (f = ck_track; f->f_type != CK_END; f++)
		if ((v = ck_format(f, t, buf, sizeof(buf))) != NULL ||
		    (v = ck_string(f, t)) != NULL)
			fprintf(fp, "%s=%s;", f->f_json, v);
	if (t->t_kind == CFG_TRACK_VIRTUAL && t->t_virtual != NULL &&
	    (vs = config_find_virtual(c, t->t_virtual)) != NULL) {
		if ((vp = lvs_fingerprint(c, vs)) == NULL)
			bad = 1;
		else
			fprintf(fp, "virtual:%s", vp);
		free(vp);
	}
	if (fclose(fp) != 0 || bad) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * Fills t from ct.  The state of old's track of the same name is kept:
 * wholly when its settings are the same (its nanny goes on), else only
 * the verdict of a gateway, address or program track until the new
 * nanny's first report, so that a reload does not make a healthy node
 * yield for a moment.
 */
static int
track_fill(struct track *t, const struct shoal_config *c,
    const struct cfg_track *ct, struct tracks *old)
{
	memset(t, 0, sizeof(*t));
	if ((t->tk_name = strdup(ct->t_name)) == NULL ||
	    (t->tk_print = track_print(c, ct)) == NULL)
		return -1;
	t->tk_kind = ct->t_kind;
	t->tk_weight = ct->t_weight;
	t->tk_fault = ct->t_fault;
	t->tk_min_up = ct->t_min_up;
	snprintf(t->tk_reason, sizeof(t->tk_reason), "not checked yet");
	for (size_t i = 0; i < old->ts_n; i++) {
		struct track *o = &old->ts_v[i];

		if (strcmp(o->tk_name, t->tk_name) != 0)
			continue;
		if (t->tk_kind != CFG_TRACK_VIRTUAL)
			t->tk_state = o->tk_state;
		if (strcmp(o->tk_print, t->tk_print) != 0)
			continue;
		t->tk_up = o->tk_up;	/* moved */
		t->tk_nup = o->tk_nup;
		o->tk_up = NULL;
		o->tk_nup = 0;
		memcpy(t->tk_reason, o->tk_reason, sizeof(t->tk_reason));
	}
	t->tk_failed = track_failed(t);
	return 0;
}

int
tracks_load(struct tracks *ts, const struct shoal_config *c)
{
	const struct cfg_track *ct;
	struct track *v;
	size_t n = 0;

	TAILQ_FOREACH(ct, &c->c_tracks, t_entry)
		n++;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return -1;
	n = 0;
	TAILQ_FOREACH(ct, &c->c_tracks, t_entry)
		if (track_fill(&v[n++], c, ct, ts) == -1) {
			tracks_clear(v, n);
			return -1;
		}
	tracks_clear(ts->ts_v, ts->ts_n);
	ts->ts_v = v;
	ts->ts_n = n;
	return 0;
}

void
tracks_want_nannies(const struct tracks *ts, struct nannies *ns)
{
	for (size_t i = 0; i < ts->ts_n; i++)
		(void)nannies_want(ns, NANNIES_TRACK, ts->ts_v[i].tk_name,
		    ts->ts_v[i].tk_print);
}

/* A virtual track: server r->nr_server is up or not any more. */
static int
track_count(struct track *t, const struct nanny_report *r)
{
	size_t i;
	char **nv;

	for (i = 0; i < t->tk_nup; i++)
		if (strcmp(t->tk_up[i], r->nr_server) == 0)
			break;
	if (r->nr_state == NANNY_UP && i == t->tk_nup) {
		if ((nv = reallocarray(t->tk_up, t->tk_nup + 1,
		    sizeof(*nv))) == NULL)
			return -1;
		t->tk_up = nv;
		if ((t->tk_up[t->tk_nup] = strdup(r->nr_server)) == NULL)
			return -1;
		t->tk_nup++;
	} else if (r->nr_state == NANNY_DOWN && i < t->tk_nup) {
		free(t->tk_up[i]);
		t->tk_up[i] = t->tk_up[--t->tk_nup];
	}
	return 0;
}

int
tracks_report(struct tracks *ts, const char *name,
    const struct nanny_report *r)
{
	struct track *t = NULL;
	int failed;

	for (size_t i = 0; i < ts->ts_n && t == NULL; i++)
		if (strcmp(ts->ts_v[i].tk_name, name) == 0)
			t = &ts->ts_v[i];
	if (t == NULL)
		return 0;
	if (t->tk_kind != CFG_TRACK_VIRTUAL)
		t->tk_state = r->nr_state == NANNY_UP ? T_UP : T_DOWN;
	else if (track_count(t, r) == -1)
		log_warnx("track %s: out of memory", t->tk_name);
	if (t->tk_kind == CFG_TRACK_VIRTUAL)
		snprintf(t->tk_reason, sizeof(t->tk_reason), "%zu of at least "
		    "%d real servers up (%.32s: %.60s)", t->tk_nup,
		    t->tk_min_up, r->nr_server, r->nr_reason);
	else
		str_copy(t->tk_reason, r->nr_reason, sizeof(t->tk_reason));
	if ((failed = track_failed(t)) == t->tk_failed)
		return 0;
	t->tk_failed = failed;
	if (failed)
		log_warnx("track %s failed: %s (%s)", t->tk_name, t->tk_reason,
		    t->tk_fault ? "fault: not a candidate" : "priority lowered");
	else
		log_info("track %s healthy again: %s", t->tk_name,
		    t->tk_reason);
	return 1;
}

int
tracks_penalty(const struct tracks *ts)
{
	int sum = 0;

	for (size_t i = 0; ts != NULL && i < ts->ts_n; i++)
		if (track_failed(&ts->ts_v[i]))
			sum += ts->ts_v[i].tk_weight;
	return sum;
}

int
tracks_fault(const struct tracks *ts)
{
	for (size_t i = 0; ts != NULL && i < ts->ts_n; i++)
		if (ts->ts_v[i].tk_fault && track_failed(&ts->ts_v[i]))
			return 1;
	return 0;
}

json_t *
tracks_json(const struct tracks *ts)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && ts != NULL && i < ts->ts_n; i++) {
		const struct track *t = &ts->ts_v[i];

		json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:i, s:b, "
		    "s:s}", "name", t->tk_name, "kind",
		    cfg_track_kind_name(t->tk_kind), "failed", track_failed(t),
		    "weight", t->tk_weight, "fault", t->tk_fault, "reason",
		    t->tk_reason));
	}
	return a;
}
