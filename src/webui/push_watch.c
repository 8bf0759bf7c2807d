/*
 * push_watch.c - the cluster's health as the local pulse reports it, and
 * whether it got worse (push_watch.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <string.h>

#include "ipc/ctl.h"
#include "lib/util.h"
#include "push_watch.h"

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static void
read_vs(const json_t *v, struct pw_vs *pv)
{
	const json_t *servers = json_object_get(v, "servers"), *r;
	const char *health;
	size_t i;

	memset(pv, 0, sizeof(*pv));
	str_copy(pv->pv_name, jstr(v, "name"), sizeof(pv->pv_name));
	json_array_foreach(servers, i, r) {
		health = jstr(r, "health");
		pv->pv_total++;
		if (strcmp(health, "up") == 0)
			pv->pv_up++;
		else if (strcmp(health, "unknown") == 0)
			pv->pv_unknown++;
	}
}

int
pw_health_from_json(const json_t *st, struct pw_health *h)
{
	const json_t *peers, *p, *vss, *v;
	size_t i;

	memset(h, 0, sizeof(*h));
	peers = json_object_get(st, "peers");
	if (!json_is_object(st) || !json_is_array(peers) ||
	    json_string_value(json_object_get(st, "role")) == NULL)
		return -1;
	h->ph_generation = (uint64_t)json_integer_value(json_object_get(st,
	    "generation"));
	str_copy(h->ph_hash, jstr(st, "hash"), sizeof(h->ph_hash));
	str_copy(h->ph_node, jstr(st, "node"), sizeof(h->ph_node));
	h->ph_ecmp = json_object_get(st, "routing") != NULL;
	h->ph_nodes = 1 + (int)json_array_size(peers);
	h->ph_alive = 1;
	h->ph_active = strcmp(jstr(st, "role"), "active") == 0;
	json_array_foreach(peers, i, p) {
		if (!json_is_true(json_object_get(p, "alive")))
			continue;
		h->ph_alive++;
		if (strcmp(jstr(p, "state"), "active") == 0)
			h->ph_active++;
	}
	vss = json_object_get(st, "virtual_services");
	json_array_foreach(vss, i, v) {
		if (h->ph_nvs == PW_MAX_VS)
			break;
		read_vs(v, &h->ph_vs[h->ph_nvs++]);
	}
	return 0;
}

int
pw_health_read(const char *rundir, unsigned timeout_ms, struct pw_health *h,
    char *err, size_t errlen)
{
	json_t *st;
	int rc;

	st = ctl_call(rundir, CTL_STATUS, NULL, 0, (int)timeout_ms, err,
	    errlen);
	if (st == NULL)
		return -1;
	if ((rc = pw_health_from_json(st, h)) == -1)
		snprintf(err, errlen, "pulse's status is not one");
	json_decref(st);
	return rc;
}

static const struct pw_vs *
find_vs(const struct pw_health *h, const char *name)
{
	for (size_t i = 0; i < h->ph_nvs; i++)
		if (strcmp(h->ph_vs[i].pv_name, name) == 0)
			return &h->ph_vs[i];
	return NULL;
}

int
pw_worse(const struct pw_health *base, const struct pw_health *now,
    int final, char *why, size_t len)
{
	const struct pw_vs *b, *n;
	int up;

	if (now->ph_alive < base->ph_alive) {
		snprintf(why, len, "nodes alive: %d, before the push %d",
		    now->ph_alive, base->ph_alive);
		return 1;
	}
	if (now->ph_active < base->ph_active) {
		snprintf(why, len, "active nodes: %d, before the push %d",
		    now->ph_active, base->ph_active);
		return 1;
	}
	if (!now->ph_ecmp && now->ph_active > 1 && base->ph_active <= 1) {
		snprintf(why, len, "%d nodes active at once, before the push "
		    "%d", now->ph_active, base->ph_active);
		return 1;
	}
	for (size_t i = 0; i < base->ph_nvs; i++) {
		b = &base->ph_vs[i];
		if ((n = find_vs(now, b->pv_name)) == NULL)
			continue;	/* removed by the push: on purpose */
		up = n->pv_up + (final ? 0 : n->pv_unknown);
		if (up < b->pv_up) {
			snprintf(why, len, "virtual server %s: %d of %d real "
			    "servers up%s, before the push %d", b->pv_name,
			    n->pv_up, n->pv_total, n->pv_unknown > 0 ?
			    " (the others not checked yet)" : "", b->pv_up);
			return 1;
		}
	}
	return 0;
}

json_t *
pw_health_json(const struct pw_health *h)
{
	json_t *vs = json_array();

	for (size_t i = 0; i < h->ph_nvs; i++)
		json_array_append_new(vs, json_pack("{s:s,s:i,s:i,s:i}",
		    "name", h->ph_vs[i].pv_name, "up", h->ph_vs[i].pv_up,
		    "unknown", h->ph_vs[i].pv_unknown, "total",
		    h->ph_vs[i].pv_total));
	return json_pack("{s:s,s:I,s:i,s:i,s:i,s:o}", "node", h->ph_node,
	    "generation", (json_int_t)h->ph_generation, "nodes_alive",
	    h->ph_alive, "nodes", h->ph_nodes, "active", h->ph_active,
	    "virtual_servers", vs);
}
