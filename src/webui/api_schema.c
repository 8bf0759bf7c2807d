/*
 * api_schema.c - GET /api/v1/schema: the field registry
 * (config/config_keys.h) as JSON, from which the pages build their forms.
 *
 * Every row of every block, in registry order, with its API name (null
 * when the API does not offer it), lvs.cf key, type, unit, range and
 * default in the API's units (seconds for durations), enum values, flags,
 * form group, label and help.  doc/api.md describes the format.
 */
#include "shoal-build.h"

#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_keys.h"
#include "api.h"
#include "jsoncfg.h"

#define SCHEMA_VERSION	1

/* The API's name of a row's type. */
static const char *
type_name(const struct ck_field *f)
{
	switch (f->f_type) {
	case CK_NAME:
		return "name";
	case CK_BOOL:
		return "boolean";
	case CK_MS:
		return "seconds";
	case CK_PORT:
		return "port";
	case CK_ADDR:
	case CK_ADDR_DEV:
		return "address";
	case CK_MASK:
		return "mask";
	case CK_STR:
		return "string";
	case CK_ENUM:
		return "enum";
	default:
		return "integer";
	}
}

static int
is_number(const struct ck_field *f)
{
	switch (f->f_type) {
	case CK_INT:
	case CK_U32:
	case CK_U64:
	case CK_SECS:
	case CK_MS:
	case CK_PORT:
	case CK_MASK:
		return 1;
	default:
		return 0;
	}
}

/* A number of the row's storage units in the API's units. */
static json_t *
api_number(const struct ck_field *f, int64_t v)
{
	if (f->f_type == CK_MS)
		return json_real((double)v / 1000.0);
	return json_integer(v);
}

/* The default (lvs.cf text) as the API writes it; NULL when none. */
static json_t *
default_value(const struct ck_field *f)
{
	const char *d = f->f_def;

	if (d == NULL || (f->f_flags & CK_KEPT))
		return NULL;
	switch (f->f_type) {
	case CK_BOOL:
		return json_boolean(strcmp(d, "1") == 0);
	case CK_MS:
		return json_real(strtod(d, NULL));
	case CK_ENUM:
	case CK_STR:
		return json_string(d);
	default:
		return json_integer(strtoll(d, NULL, 0));
	}
}

static json_t *
enum_values(const struct ck_field *f)
{
	json_t *a = json_array();
	const char *n;
	int v;

	for (v = 0; (n = f->f_enum->e_name(v)) != NULL; v++)
		json_array_append_new(a, json_string(n));
	return a;
}

static json_t *
flag_names(const struct ck_field *f)
{
	static const struct {
		unsigned int	 flag;
		const char	*name;
	} names[] = {
		{ CK_REQUIRED, "required" }, { CK_SECRET, "secret" },
		{ CK_KEPT, "kept" }, { CK_EXT, "extension" },
		{ CK_ZERO_UNSET, "zero_unset" }, { CK_ALWAYS, "always" },
		{ CK_FAILOVER_ONLY, "failover_only" },
		{ CK_LB_ONLY, "lb_only" }, { CK_LONG, "long" },
		{ CK_NEW_ON, "new_on" },
	};
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f->f_flags & names[i].flag)
			json_array_append_new(a, json_string(names[i].name));
	return a;
}

static json_t *
field_json(const struct ck_field *f)
{
	char member[64];
	json_t *o, *dv;

	o = json_pack("{s:s?,s:s?,s:s,s:s?,s:s?,s:s?,s:o}",
	    "name", ck_in_api(f) ? f->f_json : NULL, "lvscf", f->f_key,
	    "type", type_name(f), "group", ck_group_name(f->f_group),
	    "label", f->f_label, "help", f->f_help, "flags", flag_names(f));
	if (o == NULL)
		return NULL;
	if (f->f_type == CK_SECS || f->f_type == CK_MS)
		json_object_set_new(o, "unit", json_string("s"));
	if (is_number(f)) {
		json_object_set_new(o, "min", api_number(f, f->f_min));
		json_object_set_new(o, "max", api_number(f, f->f_max));
	}
	if ((dv = default_value(f)) == NULL)
		dv = json_null();
	json_object_set_new(o, "default", dv);
	if (f->f_type == CK_ENUM)
		json_object_set_new(o, "enum", enum_values(f));
	if ((f->f_flags & CK_SECRET) && ck_in_api(f))
		json_object_set_new(o, "returned_as", json_string(
		    jsoncfg_member(f, member, sizeof(member))));
	return o;
}

static json_t *
schema_build(void)
{
	const struct ck_field *f;
	json_t *blocks, *fields;
	int b;

	if ((blocks = json_object()) == NULL)
		return NULL;
	for (b = 0; b < CK_NBLOCKS; b++) {
		fields = json_array();
		for (f = ck_table((enum ck_block)b); f->f_type != CK_END; f++)
			json_array_append_new(fields, field_json(f));
		json_object_set_new(blocks, ck_block_name((enum ck_block)b),
		    json_pack("{s:o}", "fields", fields));
	}
	return json_pack("{s:i,s:o}", "version", SCHEMA_VERSION, "blocks",
	    blocks);
}

void
api_schema(struct http_req *rq, struct http_reply *rp)
{
	json_t *schema;

	(void)rq;
	if ((schema = schema_build()) == NULL) {
		http_reply_error(rp, 500, "out of memory");
		return;
	}
	http_reply_json(rp, 200, schema);
}
