/*
 * services.c - the service side of pulse, behind a few worker hooks (see
 * services.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "fosmon.h"
#include "lvs.h"
#include "nannies.h"
#include "services.h"
#include "tracks.h"

struct services {
	struct services_hooks	 s_hooks;
	struct lvs		*s_lvs;
	struct fosmon		*s_fos;
	struct nannies		*s_nannies;
	struct tracks		*s_tracks;	/* the node's own health */
	enum el_state		 s_role;
	int			 s_stopped;
};

static void
on_report(enum nannies_kind kind, const char *name,
    const struct nanny_report *r, void *arg)
{
	struct services *s = arg;

	if (kind == NANNIES_VIRTUAL) {
		lvs_report(s->s_lvs, name, r);
		/* ecmp: a VIP may have become (un)servable */
		s->s_hooks.sh_changed(s->s_hooks.sh_arg);
	} else if (kind == NANNIES_TRACK) {
		if (tracks_report(s->s_tracks, name, r))
			s->s_hooks.sh_changed(s->s_hooks.sh_arg);
	} else
		fosmon_report(s->s_fos, name, r);
}

/* The nannies this role needs: virtuals while ACTIVE, failovers once
 * INIT is over, tracks always (a candidate must know its health). */
static void
want_nannies(struct services *s)
{
	if (s->s_stopped)
		return;
	nannies_mark(s->s_nannies);
	if (s->s_role == EL_ACTIVE)
		lvs_want_nannies(s->s_lvs, s->s_nannies);
	if (s->s_role != EL_INIT)
		fosmon_want_nannies(s->s_fos, s->s_nannies);
	tracks_want_nannies(s->s_tracks, s->s_nannies);
	nannies_sweep(s->s_nannies);
}

struct services *
services_new(struct event_base *base, const char *db, const char *rundir,
    const struct services_hooks *h)
{
	struct services *s = calloc(1, sizeof(*s));

	if (s == NULL)
		goto fail;
	s->s_role = EL_INIT;
	s->s_hooks = *h;
	if ((s->s_lvs = lvs_new(base, db, rundir)) == NULL ||
	    (s->s_fos = fosmon_new(base, h)) == NULL ||
	    (s->s_nannies = nannies_new(base, nannies_default_path(), db,
	    on_report, s)) == NULL || (s->s_tracks = tracks_new()) == NULL)
		goto fail;
	if (lvs_load(s->s_lvs) == -1 ||
	    fosmon_load(s->s_fos, lvs_config(s->s_lvs)) == -1 ||
	    tracks_load(s->s_tracks, lvs_config(s->s_lvs)) == -1)
		goto fail;
	(void)lvs_clear_stale(s->s_lvs);
	want_nannies(s);	/* the tracks, from INIT on */
	return s;
fail:
	log_warnx("cannot set up service monitoring");
	services_free(s);
	return NULL;
}

void
services_stop(struct services *s)
{
	if (s == NULL || s->s_stopped)
		return;
	s->s_stopped = 1;
	nannies_stop_all(s->s_nannies);
	lvs_deactivate(s->s_lvs);
}

void
services_free(struct services *s)
{
	if (s == NULL)
		return;
	if (s->s_nannies != NULL && s->s_lvs != NULL)
		services_stop(s);
	nannies_free(s->s_nannies);
	tracks_free(s->s_tracks);
	lvs_free(s->s_lvs);
	fosmon_free(s->s_fos);
	free(s);
}

void
services_role(struct services *s, enum el_state st)
{
	enum el_state from;

	if (s == NULL)
		return;
	from = s->s_role;
	if (st == from || s->s_stopped)
		return;
	s->s_role = st;
	fosmon_role(s->s_fos, st);
	want_nannies(s);
	/* a report is about whoever holds the address now: start afresh */
	if (from != EL_INIT)
		fosmon_restart_nannies(s->s_fos, s->s_nannies);
}

void
services_lb(struct services *s, int on)
{
	if (s == NULL || s->s_stopped)
		return;
	if (on)
		lvs_activate(s->s_lvs);
	else
		lvs_deactivate(s->s_lvs);
}

int
services_lb_kind(const struct services *s)
{
	return s != NULL ? lvs_lb_kind(s->s_lvs) : -1;
}

void
services_reload(struct services *s)
{
	if (s == NULL || lvs_load(s->s_lvs) == -1)
		return;
	if (fosmon_load(s->s_fos, lvs_config(s->s_lvs)) == -1)
		log_warnx("reload: fail-over monitoring: out of memory");
	if (tracks_load(s->s_tracks, lvs_config(s->s_lvs)) == -1)
		log_warnx("reload: tracked checks: out of memory");
	else	/* a track gone or added changes the penalty */
		s->s_hooks.sh_changed(s->s_hooks.sh_arg);
	/* a configuration that enables LVS mode while we are active */
	if (s->s_role == EL_ACTIVE && !s->s_stopped) {
		if (lvs_enabled(s->s_lvs))
			lvs_activate(s->s_lvs);
		else
			lvs_deactivate(s->s_lvs);
	}
	want_nannies(s);
}

int
services_vip_ready(const struct services *s, const struct cfg_addr *vip,
    char *why, size_t len)
{
	if (s == NULL) {
		snprintf(why, len, "no service monitoring");
		return 0;
	}
	return lvs_vip_ready(s->s_lvs, vip, why, len);
}

uint8_t
services_hb_flags(const struct services *s)
{
	return s != NULL ? fosmon_hb_flags(s->s_fos) : 0;
}

void
services_peer(struct services *s, uint32_t id, enum el_state st,
    uint8_t flags)
{
	if (s != NULL)
		fosmon_peer(s->s_fos, id, st, flags);
}

int
services_fault(const struct services *s)
{
	return s != NULL && (fosmon_fault(s->s_fos) ||
	    tracks_fault(s->s_tracks));
}

int
services_penalty(const struct services *s)
{
	return s != NULL ? tracks_penalty(s->s_tracks) : 0;
}

json_t *
services_server(struct services *s, const char *state, const char *vs,
    const char *rs)
{
	char err[256];
	int st;

	if ((st = srvadmin_from_name(state)) == -1)
		return json_pack("{s:s}", "error", "usage: server "
		    "drain|disable|enable VIRTUAL SERVER");
	if (lvs_admin(s->s_lvs, vs, rs, (enum srvadmin_state)st, err,
	    sizeof(err)) == -1)
		return json_pack("{s:s}", "error", err);
	return json_pack("{s:b, s:s, s:s, s:s, s:b}", "ok", 1, "virtual", vs,
	    "server", rs, "admin", state, "applied", lvs_is_active(s->s_lvs));
}

void
services_admin(struct services *s, const char *vs, const char *rs,
    int state)
{
	char err[256];

	if (s != NULL)
		(void)lvs_admin(s->s_lvs, vs, rs, (enum srvadmin_state)state,
		    err, sizeof(err));
}

void
services_set_admin_source(struct services *s,
    int (*fn)(const char *, const char *, void *), void *arg)
{
	if (s != NULL)
		lvs_set_admin_source(s->s_lvs, fn, arg);
}

int
services_lb_active(const struct services *s)
{
	return s != NULL && lvs_is_active(s->s_lvs);
}

struct lvs *
services_lvs(const struct services *s)
{
	return s != NULL ? s->s_lvs : NULL;
}

void
services_json(const struct services *s, json_t *o)
{
	if (s == NULL || o == NULL)
		return;
	json_object_set_new(o, "virtual_services", lvs_json(s->s_lvs));
	json_object_set_new(o, "failover_services", fosmon_json(s->s_fos));
	json_object_set_new(o, "nannies", nannies_json(s->s_nannies));
	json_object_set_new(o, "tracks", tracks_json(s->s_tracks));
}
