/*
 * fuzz_web_json.c - libFuzzer target for shoal-web's request parsing and
 * JSON validation: the body parser, the field tables applied to every
 * kind of block (as POST/PUT bodies are), the route matcher and the static
 * path check.  The first input byte picks the target.  Every accepted
 * result is also written back to JSON, as a GET would.
 */
#include "shoal-build.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "lib/diag.h"
#include "webui/api.h"
#include "webui/http.h"
#include "webui/http_route.h"
#include "webui/jsoncfg.h"
#include "webui/static.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_body(int which, const char *buf, size_t len)
{
	struct shoal_config *c = config_new();
	struct cfg_virtual *vs = NULL;
	struct cfg_server *rs = NULL;
	struct cfg_node *n = NULL;
	struct diag d;
	json_t *in, *out = NULL;

	diag_init(&d);
	if (c == NULL)
		return;
	if ((in = http_parse_json_object(buf, len, &d)) == NULL)
		goto done;
	jsoncfg_name(in, "", &d);
	switch (which % 6) {
	case 0:
		if (jsoncfg_apply_global(&c->c_global, in, &d) == 0)
			out = jsoncfg_global(&c->c_global);
		break;
	case 1:
	case 2:
		vs = cfg_virtual_new(which % 6 == 1 ? CFG_VS_VIRTUAL :
		    CFG_VS_FAILOVER, "fuzz");
		if (vs != NULL && jsoncfg_apply_virtual(vs, in, JSONCFG_ALL,
		    &d) == 0)
			out = jsoncfg_virtual(vs, 1);
		break;
	case 3:
		vs = cfg_virtual_new(CFG_VS_VIRTUAL, "fuzz");
		if (vs != NULL && jsoncfg_apply_virtual(vs, in, JSONCFG_CHECK,
		    &d) == 0)
			out = jsoncfg_check(vs);
		break;
	case 4:
		n = cfg_node_new("fuzz");
		if (n != NULL && jsoncfg_apply_node(n, in, &d) == 0)
			out = jsoncfg_node(n);
		break;
	case 5:
		rs = cfg_server_new("fuzz", 80);
		if (rs != NULL && jsoncfg_apply_server(rs, "vs", in, &d) == 0)
			out = jsoncfg_server(rs);
		break;
	}
	json_decref(out);
	json_decref(in);
	json_decref(http_diag_json(&d));
done:
	if (vs != NULL)
		cfg_virtual_free(vs);
	if (n != NULL)
		cfg_node_free(n);
	if (rs != NULL)
		cfg_server_free(rs);
	config_free(c);
	diag_clear(&d);
}

static void
fuzz_path(const char *path)
{
	char *params[HTTP_MAX_PARAMS] = { NULL };
	int bad, i, m;

	for (m = HTTP_GET; m <= HTTP_OTHER; m++) {
		http_route_find(api_routes, (enum http_method)m, path, params,
		    &bad);
		for (i = 0; i < HTTP_MAX_PARAMS; i++) {
			free(params[i]);
			params[i] = NULL;
		}
	}
	static_path_ok(path);
	static_mime_type(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;

	if (size < 1)
		return 0;
	if ((buf = malloc(size)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	if (data[0] >= 0xf0)
		fuzz_path(buf);
	else
		fuzz_body(data[0], buf, size - 1);
	free(buf);
	return 0;
}
