/*
 * http_route.c - routing tables: pattern matching with {} segments.
 */
#include "shoal-build.h"

#include <stdlib.h>
#include <string.h>

#include "store/users.h"
#include "http_route.h"

int
http_route_role(const struct http_route *rt)
{
	if (rt->rt_flags & (ROUTE_PUBLIC | ROUTE_BEARER))
		return 0;
	if (rt->rt_flags & ROUTE_ADMIN)
		return USERS_ADMIN;
	if (rt->rt_flags & ROUTE_OPERATOR)
		return USERS_OPERATOR;
	if (rt->rt_flags & ROUTE_VIEWER)
		return USERS_VIEWER;
	return rt->rt_method == HTTP_GET ? USERS_VIEWER : USERS_ADMIN;
}

enum http_method
http_method_from(const char *m)
{
	static const struct { const char *n; enum http_method m; } t[] = {
		{ "GET", HTTP_GET }, { "POST", HTTP_POST }, { "PUT", HTTP_PUT },
		{ "DELETE", HTTP_DELETE }, { "HEAD", HTTP_HEAD },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(m, t[i].n) == 0)
			return t[i].m;
	return HTTP_OTHER;
}

const char *
http_method_name(enum http_method m)
{
	switch (m) {
	case HTTP_GET:		return "GET";
	case HTTP_POST:		return "POST";
	case HTTP_PUT:		return "PUT";
	case HTTP_DELETE:	return "DELETE";
	case HTTP_HEAD:		return "HEAD";
	default:		return "?";
	}
}

static void
route_params_free(char *params[HTTP_MAX_PARAMS])
{
	int i;

	for (i = 0; i < HTTP_MAX_PARAMS; i++) {
		free(params[i]);
		params[i] = NULL;
	}
}

/*
 * Matches path against pattern segment by segment; {} captures one
 * non-empty segment into params (allocated).  1 on match, else 0 and
 * nothing allocated.
 */
static int
route_match(const char *pattern, const char *path,
    char *params[HTTP_MAX_PARAMS])
{
	const char *p = pattern, *u = path;
	int n = 0;

	while (*p != '\0' && *u != '\0') {
		if (p[0] == '{' && p[1] == '}') {
			size_t len = strcspn(u, "/");

			if (len == 0 || n == HTTP_MAX_PARAMS)
				goto fail;
			if ((params[n] = strndup(u, len)) == NULL)
				goto fail;
			n++;
			u += len;
			p += 2;
		} else if (*p++ != *u++)
			goto fail;
	}
	if (*p == '\0' && *u == '\0')
		return 1;
fail:
	route_params_free(params);
	return 0;
}

const struct http_route *
http_route_find(const struct http_route *table, enum http_method m,
    const char *path, char *params[HTTP_MAX_PARAMS], int *bad_method)
{
	const struct http_route *rt;
	char *tmp[HTTP_MAX_PARAMS] = { NULL };
	int i;

	*bad_method = 0;
	if (m == HTTP_HEAD)
		m = HTTP_GET;
	for (rt = table; rt->rt_pattern != NULL; rt++) {
		if (!route_match(rt->rt_pattern, path, tmp))
			continue;
		if (rt->rt_method == m) {
			for (i = 0; i < HTTP_MAX_PARAMS; i++)
				params[i] = tmp[i];
			*bad_method = 0;
			return rt;
		}
		route_params_free(tmp);
		*bad_method = 1;
	}
	return NULL;
}

void
http_route_allow(const struct http_route *table, const char *path,
    char *buf, size_t len)
{
	const struct http_route *rt;
	char *tmp[HTTP_MAX_PARAMS] = { NULL };

	buf[0] = '\0';
	for (rt = table; rt->rt_pattern != NULL; rt++) {
		if (!route_match(rt->rt_pattern, path, tmp))
			continue;
		route_params_free(tmp);
		if (buf[0] != '\0')
			strncat(buf, ", ", len - strlen(buf) - 1);
		strncat(buf, http_method_name(rt->rt_method),
		    len - strlen(buf) - 1);
	}
}
