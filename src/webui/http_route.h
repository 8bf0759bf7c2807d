/*
 * http_route.h - matching a request against a routing table
 * (http_reply.h's struct http_route).  Pure functions: the server core
 * calls them, the unit and fuzz tests too.
 */
#ifndef SHOAL_HTTP_ROUTE_H
#define SHOAL_HTTP_ROUTE_H

#include <stddef.h>

#include "http_reply.h"

/*
 * Finds the route for (method, path); HEAD matches GET routes.  Returns
 * the route, or NULL when no pattern matches (404) or when a pattern
 * matches but not the method (405: *bad_method set).  Fills params with
 * the {} segments (caller frees; untouched on NULL).
 */
const struct http_route *http_route_find(const struct http_route *table,
    enum http_method, const char *path, char *params[HTTP_MAX_PARAMS],
    int *bad_method);
/* The methods path allows, "GET, PUT", into buf (for 405's Allow). */
void http_route_allow(const struct http_route *table, const char *path,
    char *buf, size_t len);
/*
 * The least role (enum users_role, store/users.h) the route needs: 0 for
 * a public route (login) or one with a bearer token (/metrics), its ROUTE_VIEWER/OPERATOR/ADMIN flag, else
 * viewer for GET and admin for every other method.
 */
int http_route_role(const struct http_route *);
enum http_method http_method_from(const char *);
const char *http_method_name(enum http_method);

#endif
