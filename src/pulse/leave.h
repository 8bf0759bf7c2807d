/*
 * leave.h - heartbeats sent outside the worker's loop: the LEAVING
 * announcement the supervisor sends when the worker died.
 */
#ifndef SHOAL_PULSE_LEAVE_H
#define SHOAL_PULSE_LEAVE_H

#include <stdint.h>

#include "runtime.h"

/* Milliseconds of CLOCK_REALTIME (sequence numbers survive restarts). */
uint64_t pulse_realtime_ms(void);

/*
 * Sends a LEAVING heartbeat (state fault, priority 0) for this node to
 * every peer on every path, using and advancing *seq.  Returns the number
 * of packets sent.
 */
int pulse_send_leaving(const struct pulse_rt *, uint64_t *seq);

#endif
