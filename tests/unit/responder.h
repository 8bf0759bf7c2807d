/*
 * responder.h - misbehaving and well-behaved TCP servers on 127.0.0.1 for
 * the check tests, driven by the test's own libevent base.
 */
#ifndef SHOAL_TEST_RESPONDER_H
#define SHOAL_TEST_RESPONDER_H

#include <stddef.h>
#include <stdint.h>

struct event_base;

enum responder_mode {
	RESP_REPLY,	/* write the reply, half-close, drain until EOF */
	RESP_SLOW,	/* the same, one byte every 1 ms */
	RESP_KEEP,	/* write the reply and keep the connection open */
	RESP_HANG,	/* accept and say nothing */
	RESP_CLOSE,	/* accept and close at once */
	RESP_FLOOD,	/* write the reply, then endless 'x' bytes */
};

struct responder;

/* Listens on 127.0.0.1 (ephemeral port); reply may be NULL. */
struct responder *responder_new(struct event_base *, enum responder_mode,
    const char *reply);
/* Listens on IPv4 addr (NULL: 127.0.0.1) and port (0: ephemeral). */
struct responder *responder_listen(struct event_base *, enum responder_mode,
    const char *reply, const char *addr, uint16_t port);
/*
 * Changes how the responder answers from the next connection on, without
 * closing the listening socket (no window in which a check finds the port
 * closed); connections already accepted keep their answer.  0 or -1.
 */
int responder_set(struct responder *, enum responder_mode,
    const char *reply);
uint16_t responder_port(const struct responder *);
int responder_accepted(const struct responder *);
void responder_free(struct responder *);
/* A port on 127.0.0.1 where nothing listens (bound, then closed). */
uint16_t responder_closed_port(void);

#endif
