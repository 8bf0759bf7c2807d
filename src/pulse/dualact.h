/*
 * dualact.h - the dual-active detector: a node that does not hold the
 * VIPs asks, every DUALACT_PROBE_MS, who has each IPv4 VIP (an ARP probe,
 * RFC 5227, that teaches no cache anything) and listens to every ARP
 * reply and gratuitous ARP on its interfaces.  When two MAC addresses
 * both answer for one VIP within DUALACT_WINDOW_MS, each after the other
 * first did (a clean hand-over has the old owner fall silent before the
 * new one speaks), two nodes hold the VIP: an event "dual_active" naming
 * both (node names learned from the ARP traffic of their own
 * addresses), a warning in the log, the metrics shoal_vip_owners and
 * shoal_dual_active, and "dual_active" in the status (the UI's banner).
 * The alarm clears when one owner is left for a whole window.
 */
#ifndef SHOAL_PULSE_DUALACT_H
#define SHOAL_PULSE_DUALACT_H

#include <jansson.h>

#include "election.h"

struct worker;
struct dualact;

#define DUALACT_PROBE_MS	1000
#define DUALACT_WINDOW_MS	3000
#define DUALACT_MACS		4	/* owners remembered per VIP */

/* Opens the packet socket and starts probing; NULL (logged) on error. */
struct dualact *dualact_new(struct worker *);
void dualact_free(struct dualact *);
/* The VIP list changed (reload). */
void dualact_reload(struct dualact *);
/* This node's role: no probing while ACTIVE (we answer ourselves). */
void dualact_role(struct dualact *, enum el_state);
/*
 * A drill's probe: every DUALACT_FAST_MS, while this node is not ACTIVE,
 * an ARP probe for each IPv4 VIP, and fn(arg, address, now_ms) for every
 * answer from another host (not this one).  fn NULL stops it.
 */
#define DUALACT_FAST_MS		10
typedef void (*dualact_answer_fn)(void *arg, const char *address,
    uint64_t now_ms);
void dualact_fast(struct dualact *, dualact_answer_fn, void *arg);

/*
 * [{"address", "alarm": bool, "since": unix s or null,
 *   "owners": [{"mac", "node", "last_ms_ago"}]}] for every IPv4 VIP.
 */
json_t *dualact_json(const struct dualact *);

#endif
