/*
 * check.h - one health check of one real server.
 *
 * A check is a chain of small named steps (connect, tls, send, read and
 * match, or program), each with its own timer of the check's timeout,
 * ending in one enum result reported through one callback.  The kind of
 * check comes from the virtual server's settings (cfg_check_kind; AUTO is
 * Piranha's rule: send_program, else send/expect, else for port 80
 * "GET / HTTP/1.0\r\n\r\n" expecting "HTTP", else a plain connect).
 *
 * A check is created once per real server and run again and again with
 * check_start(); it never runs twice at once.  Nothing here keeps state
 * across runs (rise/fall counts live in server.c).
 *
 * Writing to a peer that has gone can raise SIGPIPE (TLS writes): programs
 * using checks ignore SIGPIPE.
 */
#ifndef SHOAL_CHECK_H
#define SHOAL_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct event_base;

enum check_result {
	CHECK_SUCCESS,
	CHECK_FAILURE,		/* refused, closed, or answered wrongly */
	CHECK_TIMEOUT,		/* a step ran out of time */
	CHECK_ERROR,		/* a local problem: no socket, no program */
};

/* What an agent (HAProxy agent-check protocol) said; NONE when silent. */
enum check_agent {
	CHECK_AGENT_NONE,
	CHECK_AGENT_UP,		/* "up" or "ready" */
	CHECK_AGENT_DOWN,	/* "down", "fail" or "stopped" */
	CHECK_AGENT_DRAIN,	/* up, weight 0 */
	CHECK_AGENT_MAINT,	/* down for maintenance */
};

#define CHECK_REASON_MAX	128
#define CHECK_READ_MAX		65536	/* bytes read to decide, at most */

struct check_outcome {
	enum check_result	 co_result;
	uint32_t		 co_latency_ms;
	enum check_agent	 co_agent;
	int			 co_weight;	/* absolute weight, -1 none */
	int			 co_weight_pct;	/* % of configured, -1 none */
	char			 co_reason[CHECK_REASON_MAX];
};

typedef void (*check_done_cb)(const struct check_outcome *, void *arg);

struct check;

/*
 * Prepares the check of addr:port for virtual server vs (its check
 * settings are copied; vs may be freed afterwards).  kind overrides the
 * virtual's check kind (CFG_CHECK_AUTO: use the virtual's).  Returns the
 * check, or NULL with a message in err (bad escape, bad regex, bad
 * command, agent without port...).
 */
struct check *check_new(struct event_base *base, const struct cfg_virtual *vs,
    enum cfg_check_kind kind, const struct cfg_addr *addr, uint16_t port,
    check_done_cb cb, void *arg, char *err, size_t errlen);
/* Starts one run; the callback comes later, never from here.  0, or -1
 * when a run is already going. */
int check_start(struct check *);
/* Aborts a running check without calling back. */
void check_stop(struct check *);
int check_running(const struct check *);
/* The kind actually run (AUTO resolved). */
enum cfg_check_kind check_kind(const struct check *);
/* Stops and frees. */
void check_free(struct check *);

/*
 * The kind Piranha's rules pick for vs at port (never AUTO): vs_check when
 * set, else send_program, send/expect, port 80 HTTP probe, TCP connect.
 */
enum cfg_check_kind check_resolve_kind(const struct cfg_virtual *vs,
    uint16_t port);

const char *check_result_name(enum check_result);

#endif
