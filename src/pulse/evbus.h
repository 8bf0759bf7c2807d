/*
 * evbus.h - pulse's events (ipc/events.h): every transition becomes one
 * record with a sequence number and a time, kept in a ring of the last
 * EVBUS_RING for late readers, and handed at once to the subscribers: the
 * notify hooks (hooks.h) and the control socket's event streams.
 *
 * One bus per process, like the log: the parts of the worker that see a
 * transition call evbus_emit() without being handed a pointer.  Emitting
 * never blocks and never fails the caller; subscribers must not block
 * either (they queue).  Before evbus_init() events are numbered and kept
 * all the same (unit tests of the parts need no set-up).
 */
#ifndef SHOAL_PULSE_EVBUS_H
#define SHOAL_PULSE_EVBUS_H

#include <stdint.h>

#include "ipc/events.h"

#define EVBUS_RING		1024

typedef void (*evbus_fn)(const struct shoal_event *, void *arg);

/* Starts numbering at 1 for this node (the worker's start). */
void evbus_init(const char *node);
/* Forgets the subscribers and the ring (shutdown, tests). */
void evbus_reset(void);

/*
 * One event of kind with its fields' values, as many as the kind has
 * (event_kinds[]), in order; NULL is an empty value.
 */
void evbus_emit(enum ev_kind, ...);
void evbus_emitv(enum ev_kind, const char *const *values, size_t n);

/* Calls fn for every new event until unsubscribed; an id, or -1. */
int evbus_subscribe(evbus_fn, void *arg);
/* Safe from inside a callback. */
void evbus_unsubscribe(int id);
/* Calls fn for each kept event with a sequence above after, oldest first. */
void evbus_replay(uint64_t after, evbus_fn, void *arg);

/* The sequence of the last event (0: none yet). */
uint64_t evbus_last_seq(void);
/* Events emitted so far of kind. */
uint64_t evbus_count(enum ev_kind);

#endif
