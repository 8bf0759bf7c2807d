/*
 * status.h - the worker's status object, the control socket's answer to
 * "status" (doc/protocol.md): role, peers, VIPs, counters, the last
 * transitions, faults and the services (services_json()).
 */
#ifndef SHOAL_PULSE_STATUS_H
#define SHOAL_PULSE_STATUS_H

#include <jansson.h>

struct worker;

/* A new object (caller json_decref()s); NULL on ENOMEM. */
json_t *status_json(const struct worker *);

#endif
