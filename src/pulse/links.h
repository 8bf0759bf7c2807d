/*
 * links.h - the interfaces this node tracks (monitor_links): their state
 * read over rtnetlink at start and after a reload, then followed through
 * link events.  A tracked link that is down puts the node in FAULT when
 * monitor_links is on (worker_update_fault).  When off, an ACTIVE node
 * keeps its addresses (Piranha's behaviour), but a node that is not
 * active enters FAULT too: it never takes the addresses onto a dead link
 * (where it would also claim the ones on its live links, nat_router on
 * the private side) and peers that still hear it do not wait for it.
 */
#ifndef SHOAL_PULSE_LINKS_H
#define SHOAL_PULSE_LINKS_H

struct worker;

/*
 * Subscribes to link events on the worker's loop and reads the tracked
 * links (rt_ifaces).  0, or -1 (logged).
 */
int links_open(struct worker *);
/* Re-reads the tracked links of the (new) configuration; 0 or -1. */
int links_reload(struct worker *);
/* Stops following link events; frees the list. */
void links_close(struct worker *);

/* True when a tracked link is down and that makes this node FAULT
 * (above). */
int links_fault(const struct worker *);

#endif
