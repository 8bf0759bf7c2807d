/*
 * links.h - the interfaces this node tracks (monitor_links): their state
 * read over rtnetlink at start and after a reload, then followed through
 * link events.  A tracked link that is down puts the node in FAULT when
 * monitor_links is on (worker_update_fault), and is only logged when off.
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

/* True when monitor_links is on and a tracked link is down. */
int links_fault(const struct worker *);

#endif
