/*
 * static.h - files from the www/ directory: GET and HEAD only, no path
 * traversal (the path is checked segment by segment and the file opened
 * below the root with O_NOFOLLOW), regular files only, a MIME type from
 * the extension (unknown ones are refused).
 */
#ifndef SHOAL_STATIC_H
#define SHOAL_STATIC_H

#include "http_reply.h"

/* Fills rp with the file for url under root, or a 404/405 reply. */
void static_serve(const char *root, const char *url, enum http_method,
    struct http_reply *rp);
/* The MIME type for a file name, NULL when the extension is not served. */
const char *static_mime_type(const char *name);
/* 1 when url is a safe relative path under the root ("/" means index). */
int static_path_ok(const char *url);

#endif
