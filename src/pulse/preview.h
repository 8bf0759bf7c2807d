/*
 * preview.h - the control socket's "preview": what applying a candidate
 * lvs.cf would do to this node's load balancer, told without doing it
 * (issue 15: the change preview of shoal-web and `shoalctl config diff
 * --apply-preview`).  doc/protocol.md describes the reply.
 */
#ifndef SHOAL_PULSE_PREVIEW_H
#define SHOAL_PULSE_PREVIEW_H

#include <jansson.h>
#include <stddef.h>

struct lvs;

/*
 * Parses text (len bytes of lvs.cf) and answers, as one object: the
 * backend, whether this node is the active router (when it is not, the
 * operations are those it would perform on becoming active), the
 * backend's operations (IPVS: ipvsadm lines; nftables: the batch),
 * refusals as "errors", and per virtual server the expected traffic share
 * of each real server.  {"error": ...} (with "problems") when text does
 * not parse or validate; l may be NULL (no LVS mode here).  The kernel is
 * read at most, never changed.
 */
json_t *preview_json(const struct lvs *l, const char *text, size_t len);

#endif
