/*
 * jsoncfg.h - the configuration model as the API's JSON.
 *
 * The field registry (config/config_keys.h) drives both directions, so
 * what GET returns is exactly what PUT accepts and GET /api/v1/schema
 * describes: a block's members are its registry rows that ck_in_api()
 * accepts, named by f_json.  JSON names are lvs.cf's key names (so the
 * validator's field paths, e.g. "virtual[web].address", name the same
 * thing) except where a row has no lvs.cf key of its own ("name",
 * "device", "nat_router_device").  Durations are numbers of seconds as
 * in lvs.cf (0.2 = 200 ms); masks are prefix lengths or null; unset
 * strings and addresses are null.  A secret (heartbeat_key) is never
 * returned: GET has "heartbeat_key_set" instead.
 *
 * Applying JSON changes only the fields present (PUT is a partial update).
 * Unknown fields, wrong types, values out of the registry's ranges and
 * control characters in strings are errors in d, with field paths like
 * "server[web/r1].weight"; the object is then in an unspecified state and
 * the caller discards it.  The "name" of a body is the caller's
 * (jsoncfg_name()); applying never changes it.
 */
#ifndef SHOAL_JSONCFG_H
#define SHOAL_JSONCFG_H

#include <jansson.h>

#include "config/config.h"
#include "config/config_keys.h"
#include "lib/diag.h"

/* Which fields a body may carry. */
enum {
	JSONCFG_ALL	= 0,
	JSONCFG_CHECK	= 1,	/* only the monitoring (check) fields */
};

json_t *jsoncfg_global(const struct cfg_global *);
json_t *jsoncfg_node(const struct cfg_node *);
json_t *jsoncfg_virtual(const struct cfg_virtual *, int with_servers);
json_t *jsoncfg_check(const struct cfg_virtual *);
json_t *jsoncfg_server(const struct cfg_server *);

/* The JSON value of registry row f in obj (a new reference). */
json_t *jsoncfg_value(const struct ck_field *f, const void *obj);
/* The member name GET uses for f: f_json, or "<f_json>_set" for a
 * secret (written into buf when so). */
const char *jsoncfg_member(const struct ck_field *f, char *buf, size_t len);

/* 0 when every field applied, -1 with errors in d. */
int jsoncfg_apply_global(struct cfg_global *, const json_t *, struct diag *);
int jsoncfg_apply_node(struct cfg_node *, const json_t *, struct diag *);
/*
 * Applies a virtual/failover body.  A "servers" array (virtuals only,
 * when mode is JSONCFG_ALL) replaces the whole server list.
 */
int jsoncfg_apply_virtual(struct cfg_virtual *, const json_t *, int mode,
    struct diag *);
int jsoncfg_apply_server(struct cfg_server *, const char *vs_name,
    const json_t *, struct diag *);

/*
 * The "name" of a body: NULL when absent (d untouched); when present it
 * must be a valid block name (letters, digits, . _ -, at most
 * CFG_NAME_MAX), else NULL with an error for field `path`.name in d.
 */
const char *jsoncfg_name(const json_t *, const char *path, struct diag *);
int jsoncfg_name_ok(const char *);

#endif
