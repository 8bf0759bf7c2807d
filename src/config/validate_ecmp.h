/*
 * validate_ecmp.h - what director_mode = ecmp (several active directors
 * behind an ECMP upstream router) requires of a configuration, checked by
 * config_validate() with everything else:
 *
 *   errors    service = lvs; network direct or tunnel (NAT replies would
 *             have to come back through the director that saw the
 *             request); no syncdaemon (no backup to feed); node blocks,
 *             each with bgp_as, bgp_neighbor and bgp_neighbor_as; VIPs
 *             routed as host routes (vip_nmask unset or /32, /128) of the
 *             neighbours' address family
 *   warnings  a scheduler other than mh, or persistence (per-director
 *             state: a flow moved to another director may change real
 *             server); BGP settings without director_mode = ecmp
 *
 * Each problem names its field ("node[d1].bgp_as") and, for lvs.cf,
 * FILE:LINE:COL.
 */
#ifndef SHOAL_VALIDATE_ECMP_H
#define SHOAL_VALIDATE_ECMP_H

#include "config/config.h"
#include "lib/diag.h"

/* Adds every problem of c's ECMP settings to d. */
void config_validate_ecmp(const struct shoal_config *c, struct diag *d);

#endif
