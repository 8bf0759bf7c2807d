/*
 * hbio.h - heartbeat I/O of the worker: the UDP sockets, the keepalive
 * timer that sends a heartbeat to every path of every peer, and the
 * receiving side that checks packets (heartbeat.h) and updates the peer
 * table.  After every batch of received packets the election runs again
 * (worker_evaluate).
 */
#ifndef SHOAL_PULSE_HBIO_H
#define SHOAL_PULSE_HBIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct pulse_rt;
struct worker;

/*
 * Opens the sockets on rt_port (IPv4 always, IPv6 when a node has an IPv6
 * heartbeat address) and creates the keepalive timer (not armed).  0, or
 * -1 (logged).
 */
int hbio_open(struct worker *);
/* Re-opens the sockets on the (new) rt_port; 0 or -1 (logged). */
int hbio_reopen(struct worker *);
/* Closes the sockets and frees the timer. */
void hbio_close(struct worker *);

/* (Re)arms the keepalive timer at rt_keepalive_ms; without a
 * heartbeat_key, warns now and every hour. */
void hbio_arm_keepalive(struct worker *);
/* One heartbeat with this node's state (and flags) to every peer path. */
void hbio_send(struct worker *, uint8_t flags);
/*
 * Reads every heartbeat already queued on the sockets into the peer
 * table (no election); the number accepted.  worker_evaluate() calls it
 * first, so that a node that was not scheduled for a while (SIGSTOP, a
 * stalled machine) never judges its peers dead on stale information while
 * their heartbeats wait in its socket.
 */
int hbio_drain(struct worker *);
/* Says LEAVING (twice: one lost packet must not cost a deadtime) and
 * stops the keepalive. */
void hbio_leave(struct worker *);

/*
 * Sends the datagram buf on every path of node i (rt_nodes' index) from
 * our own address of that path, on the heartbeat port.  0 when it went
 * out on at least one path, else -1.
 */
int hbio_send_peer(struct worker *, size_t i, const uint8_t *buf,
    size_t len);
/*
 * The rt_nodes index of the peer with node id `id` when from is one of
 * its addresses, else -1 (an unknown sender).
 */
int hbio_peer_of(const struct worker *, uint32_t id,
    const struct sockaddr_storage *from);

/*
 * A peer table for rt (one struct peer per node, freed by the caller):
 * what the worker knows of nodes that stay is kept, others start unheard.
 * NULL on ENOMEM.
 */
struct peer *hbio_peer_table(const struct worker *, const struct pulse_rt *);

#endif
