/*
 * jsoncfg.c - struct shoal_config <-> the API's JSON, driven by the field
 * registry (config/config_keys.h): a table's rows that ck_in_api() accepts
 * are the members of its JSON object, with their JSON names, types and
 * ranges.
 */
#include "shoal-build.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_keys.h"
#include "lib/util.h"
#include "jsoncfg.h"

/* "a, b or c": every name of an enum, for error messages. */
static void
jf_enum_list(const struct ck_enum *e, char *buf, size_t len)
{
	const char *n;
	int v;

	buf[0] = '\0';
	for (v = 0; (n = e->e_name(v)) != NULL; v++) {
		if (v > 0)
			strncat(buf, e->e_name(v + 1) ? ", " : " or ",
			    len - strlen(buf) - 1);
		strncat(buf, n, len - strlen(buf) - 1);
	}
}

json_t *
jsoncfg_value(const struct ck_field *f, const void *obj)
{
	char buf[CFG_ADDR_STRLEN];
	const struct cfg_addr *a;
	const char *s;
	int64_t v;

	switch (f->f_type) {
	case CK_NAME:
	case CK_STR:
		s = ck_string(f, obj);
		if (f->f_flags & CK_SECRET)
			return json_boolean(s != NULL);
		return s != NULL ? json_string(s) : json_null();
	case CK_ADDR:
	case CK_ADDR_DEV:
		if (!cfg_addr_is_set(a = ck_addr(f, obj)))
			return json_null();
		return json_string(cfg_addr_str(a, buf, sizeof(buf)));
	default:
		break;
	}
	if (ck_number(f, obj, &v) == -1)
		return json_null();
	switch (f->f_type) {
	case CK_BOOL:
		return json_boolean(v != 0);
	case CK_MS:
		return json_real((double)v / 1000.0);
	case CK_MASK:
		return v < 0 ? json_null() : json_integer(v);
	case CK_ENUM:
		s = v >= 0 && v <= INT32_MAX ? f->f_enum->e_name((int)v) : NULL;
		return s != NULL ? json_string(s) : json_null();
	default:
		return json_integer(v);
	}
}

const char *
jsoncfg_member(const struct ck_field *f, char *buf, size_t len)
{
	if (!(f->f_flags & CK_SECRET))
		return f->f_json;
	snprintf(buf, len, "%s_set", f->f_json);
	return buf;
}

/* The object of table t's API rows in obj (only the health-check group
 * when check is set). */
static json_t *
jf_object(const struct ck_field *t, const void *obj, int check)
{
	char member[64];
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	for (; t->f_type != CK_END; t++) {
		if (!ck_in_api(t) || (check && t->f_group != CK_G_CHECK))
			continue;
		json_object_set_new(o, jsoncfg_member(t, member,
		    sizeof(member)), jsoncfg_value(t, obj));
	}
	return o;
}

json_t *
jsoncfg_global(const struct cfg_global *g)
{
	return jf_object(ck_global, g, 0);
}

json_t *
jsoncfg_node(const struct cfg_node *n)
{
	return jf_object(ck_node, n, 0);
}

json_t *
jsoncfg_server(const struct cfg_server *rs)
{
	return jf_object(ck_server, rs, 0);
}

json_t *
jsoncfg_virtual(const struct cfg_virtual *vs, int with_servers)
{
	const struct cfg_server *rs;
	json_t *o, *a;

	o = jf_object(vs->vs_kind == CFG_VS_VIRTUAL ? ck_virtual :
	    ck_failover, vs, 0);
	if (o == NULL || vs->vs_kind != CFG_VS_VIRTUAL || !with_servers)
		return o;
	a = json_array();
	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry)
		json_array_append_new(a, jsoncfg_server(rs));
	json_object_set_new(o, "servers", a);
	return o;
}

json_t *
jsoncfg_check(const struct cfg_virtual *vs)
{
	return jf_object(vs->vs_kind == CFG_VS_VIRTUAL ? ck_virtual :
	    ck_failover, vs, 1);
}

int
jsoncfg_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CFG_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

const char *
jsoncfg_name(const json_t *in, const char *path, struct diag *d)
{
	const json_t *v = json_object_get(in, "name");
	char field[CFG_NAME_MAX * 2 + 32];

	if (v == NULL)
		return NULL;
	snprintf(field, sizeof(field), "%s%sname", path, path[0] ? "." : "");
	if (!json_is_string(v)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "string expected");
		return NULL;
	}
	if (!jsoncfg_name_ok(json_string_value(v))) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "a name is 1 to %d "
		    "letters, digits, '.', '_' or '-'", CFG_NAME_MAX);
		return NULL;
	}
	return json_string_value(v);
}

/* Strings go into lvs.cf: no control characters (Piranha's injection). */
static int
jf_str_ok(const char *s, size_t len)
{
	size_t i;

	if (len > CFG_STR_MAX || strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
jf_set_str(const struct ck_field *f, void *obj, const json_t *v,
    const char *field, struct diag *d)
{
	if (json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) == 0))
		return ck_set_string(f, obj, NULL);
	if (!json_is_string(v)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "string expected");
		return -1;
	}
	if (!jf_str_ok(json_string_value(v), json_string_length(v))) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "at most %d "
		    "characters, no control characters or newlines",
		    CFG_STR_MAX);
		return -1;
	}
	return ck_set_string(f, obj, json_string_value(v));
}

static int
jf_set_addr(const struct ck_field *f, void *obj, const json_t *v,
    const char *field, struct diag *d)
{
	struct cfg_addr a;

	if (json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) == 0))
		return ck_set_addr(f, obj, NULL);
	if (!json_is_string(v) ||
	    cfg_addr_parse(&a, json_string_value(v)) == -1) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
		    "invalid host name or ip address");
		return -1;
	}
	return ck_set_addr(f, obj, &a);
}

/* Stores n after the registry's range check. */
static int
jf_set_checked(const struct ck_field *f, void *obj, int64_t n,
    const char *field, struct diag *d)
{
	const char *e;
	char buf[96];

	e = ck_range_error(f, n, buf, sizeof(buf));
	if (e == NULL && ck_set_number(f, obj, n) == -1)
		e = "out of range";
	if (e != NULL) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "%s", e);
		return -1;
	}
	return 0;
}

static int
jf_set_int(const struct ck_field *f, void *obj, const json_t *v,
    const char *field, struct diag *d)
{
	if (f->f_type == CK_MASK && json_is_null(v))
		return ck_set_number(f, obj, -1);
	if (!json_is_integer(v)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field, "integer expected");
		return -1;
	}
	return jf_set_checked(f, obj, json_integer_value(v), field, d);
}

/* Seconds (a JSON number, 0.2 = 200 ms) into a CK_MS row. */
static int
jf_set_ms(const struct ck_field *f, void *obj, const json_t *v,
    const char *field, struct diag *d)
{
	double s;

	if (!json_is_number(v)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
		    "number of seconds expected");
		return -1;
	}
	s = json_number_value(v);
	/* far outside every range, yet exact in an int64 */
	if (!(s > -1e12 && s < 1e12))
		s = s < 0 ? -1e12 : 1e12;
	return jf_set_checked(f, obj, llround(s * 1000), field, d);
}

static int
jf_set_enum(const struct ck_field *f, void *obj, const json_t *v,
    const char *field, struct diag *d)
{
	char list[256];
	int x = -1;

	if (json_is_string(v))
		x = f->f_enum->e_value(json_string_value(v));
	if (x < 0) {
		jf_enum_list(f->f_enum, list, sizeof(list));
		diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
		    "invalid argument: expected %s", list);
		return -1;
	}
	return ck_set_number(f, obj, x);
}

static int
jf_set(const struct ck_field *f, void *obj, const json_t *v,
    const char *field, struct diag *d)
{
	switch (f->f_type) {
	case CK_NAME:
		return 0;	/* the caller's: names are never changed */
	case CK_STR:
		return jf_set_str(f, obj, v, field, d);
	case CK_ADDR:
	case CK_ADDR_DEV:
		return jf_set_addr(f, obj, v, field, d);
	case CK_BOOL:
		if (!json_is_boolean(v)) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
			    "boolean expected");
			return -1;
		}
		return ck_set_number(f, obj, json_is_true(v));
	case CK_MS:
		return jf_set_ms(f, obj, v, field, d);
	case CK_ENUM:
		return jf_set_enum(f, obj, v, field, d);
	default:
		return jf_set_int(f, obj, v, field, d);
	}
}

/*
 * Applies every member of in to obj through table t.  A member named
 * `ignore` (or NULL) is left to the caller, and so is the block's name;
 * a member without an API row, or outside the health-check group when
 * check is set, is an unknown field.
 */
static int
jf_apply(const struct ck_field *t, void *obj, const json_t *in,
    const char *path, const char *ignore, int check, struct diag *d)
{
	const struct ck_field *f;
	const char *key;
	const json_t *v;
	char field[256];
	int rc = 0;

	if (!json_is_object(in)) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, path[0] ? path : "body",
		    "a JSON object is required");
		return -1;
	}
	json_object_foreach((json_t *)(uintptr_t)in, key, v) {
		if (ignore != NULL && strcmp(key, ignore) == 0)
			continue;
		snprintf(field, sizeof(field), "%s%s%s", path,
		    path[0] ? "." : "", key);
		f = ck_find_json(t, key);
		if (f == NULL || (check && f->f_group != CK_G_CHECK)) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, field,
			    "unknown field");
			rc = -1;
			continue;
		}
		if (jf_set(f, obj, v, field, d) == -1)
			rc = -1;
	}
	return rc;
}

int
jsoncfg_apply_global(struct cfg_global *g, const json_t *in, struct diag *d)
{
	return jf_apply(ck_global, g, in, "global", NULL, 0, d);
}

int
jsoncfg_apply_node(struct cfg_node *n, const json_t *in, struct diag *d)
{
	char path[CFG_NAME_MAX + 16];

	snprintf(path, sizeof(path), "node[%s]", n->n_name);
	return jf_apply(ck_node, n, in, path, NULL, 0, d);
}

int
jsoncfg_apply_server(struct cfg_server *rs, const char *vs_name,
    const json_t *in, struct diag *d)
{
	char path[2 * CFG_NAME_MAX + 16];

	snprintf(path, sizeof(path), "server[%s/%s]", vs_name, rs->rs_name);
	return jf_apply(ck_server, rs, in, path, NULL, 0, d);
}

/* Builds a new server list from a "servers" array; 0 or -1. */
static int
jf_servers(struct cfg_virtual *vs, const json_t *arr, struct diag *d)
{
	struct cfg_server_list list = TAILQ_HEAD_INITIALIZER(list);
	struct cfg_server *rs;
	const json_t *el;
	const char *name;
	char path[CFG_NAME_MAX + 32];
	size_t i;
	int rc = 0;

	TAILQ_INIT(&list);
	if (!json_is_array(arr)) {
		snprintf(path, sizeof(path), "virtual[%s].servers", vs->vs_name);
		diag_add(d, DIAG_ERROR, NULL, 0, 0, path, "array expected");
		return -1;
	}
	json_array_foreach(arr, i, el) {
		snprintf(path, sizeof(path), "virtual[%s].servers[%zu]",
		    vs->vs_name, i);
		if (!json_is_object(el)) {
			diag_add(d, DIAG_ERROR, NULL, 0, 0, path,
			    "a JSON object is required");
			rc = -1;
			continue;
		}
		if ((name = jsoncfg_name(el, path, d)) == NULL) {
			if (json_object_get(el, "name") == NULL)
				diag_add(d, DIAG_ERROR, NULL, 0, 0, path,
				    "a real server needs a name");
			rc = -1;
			continue;
		}
		if ((rs = cfg_server_new(name, vs->vs_port)) == NULL) {
			rc = -1;
			break;
		}
		TAILQ_INSERT_TAIL(&list, rs, rs_entry);
		if (jsoncfg_apply_server(rs, vs->vs_name, el, d) == -1)
			rc = -1;
	}
	while ((rs = TAILQ_FIRST(&vs->vs_servers)) != NULL) {
		TAILQ_REMOVE(&vs->vs_servers, rs, rs_entry);
		cfg_server_free(rs);
	}
	TAILQ_CONCAT(&vs->vs_servers, &list, rs_entry);
	return rc;
}

int
jsoncfg_apply_virtual(struct cfg_virtual *vs, const json_t *in, int mode,
    struct diag *d)
{
	int fos = vs->vs_kind == CFG_VS_FAILOVER;
	const struct ck_field *t = fos ? ck_failover : ck_virtual;
	const json_t *servers;
	char path[CFG_NAME_MAX + 16];
	int rc;

	snprintf(path, sizeof(path), "%s[%s]", fos ? "failover" : "virtual",
	    vs->vs_name);
	if (mode == JSONCFG_CHECK)
		return jf_apply(t, vs, in, path, NULL, 1, d);
	rc = jf_apply(t, vs, in, path, fos ? NULL : "servers", 0, d);
	servers = json_object_get(in, "servers");
	if (!fos && servers != NULL && jf_servers(vs, servers, d) == -1)
		rc = -1;
	return rc;
}
