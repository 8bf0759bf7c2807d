/*
 * realtime.h - keeping the heartbeat loop on time on a busy machine.
 *
 * The worker's loop sends and judges heartbeats every keepalive; if the
 * scheduler leaves it waiting behind CPU-bound work for a dead time, its
 * peers declare it dead (a false fail-over) or it declares them dead.  So
 * the worker runs at a low real-time priority (SCHED_RR, priority
 * REALTIME_PRIO: above every ordinary process, below the kernel's own
 * threads and real-time audio/control programs; children it forks, the
 * nannies and the store reader, go back to the ordinary class), and the
 * memory it uses is locked (as it is touched: MCL_ONFAULT) so a page
 * fault never waits for swap.  The kernel's
 * real-time throttling still keeps 5 % of each second for everyone else.
 */
#ifndef SHOAL_PULSE_REALTIME_H
#define SHOAL_PULSE_REALTIME_H

#define REALTIME_PRIO	10

/*
 * Switches the calling process to SCHED_RR at REALTIME_PRIO (with
 * SCHED_RESET_ON_FORK) and locks its memory (current and future).  What
 * fails (no CAP_SYS_NICE, no CAP_IPC_LOCK, a container) is logged once
 * and the process goes on as it was: never fatal.
 */
void realtime_enter(void);

#endif
