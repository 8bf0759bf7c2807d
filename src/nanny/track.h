/*
 * track.h - what nanny checks for a tracked check of the node's own
 * health (`track NAME { }`, config.h's struct cfg_track), run as
 * `nanny --track NAME`.
 *
 * A gateway, address or program track is one fail-over-style server (no
 * server name) checked with the track's own settings: ICMP echo for
 * gateway and address, the command for program (reported at 127.0.0.1).
 * A virtual track checks every active real server of its virtual with
 * the virtual's settings; nanny reports them under the track's name and
 * pulse counts the ones up against min_up (pulse/tracks.h).
 */
#ifndef SHOAL_TRACK_H
#define SHOAL_TRACK_H

#include "config/config.h"

/*
 * The settings a server (server.h) checks a gateway, address or program
 * track with: a fail-over service named after the track.  NULL on
 * ENOMEM or for kind virtual.  Free with cfg_virtual_free().
 */
struct cfg_virtual *track_settings(const struct cfg_track *t);

/*
 * The gateway of the first IPv4 default route in text, as
 * /proc/net/route writes it.  0, or -1 when there is none.
 */
int track_parse_route(const char *text, struct cfg_addr *gw);
/* The same, read from /proc/net/route now. */
int track_default_gateway(struct cfg_addr *gw);

#endif
