/*
 * responder.h - misbehaving and well-behaved TCP and UDP servers on
 * loopback for the check tests, driven by the test's own libevent base.
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
	RESP_SCRIPT,	/* reply is "first|second|...": the first at once
			   (may be empty), the next one per line read; after
			   the last, close */
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
/* The lines the clients of a RESP_SCRIPT responder sent, in order, each
 * ending in "\n" (at most 4 KiB kept). */
const char *responder_heard(const struct responder *);

enum udp_mode {
	UDP_ECHO,	/* the datagram back */
	UDP_REPLY,	/* the reply (escapes expanded by the caller) */
	UDP_SILENT,	/* read, answer nothing */
	UDP_FLOOD,	/* a stream of garbage datagrams until the client's
			   port is gone (ICMP) or 100000 were sent */
	UDP_DNS,	/* a DNS answer: rcode NOERROR, an A record
			   192.0.2.1 for A queries, an SOA for SOA */
	UDP_DNS_RCODE,	/* a DNS answer with rcode atoi(reply) */
	UDP_DNS_GARBAGE,/* the query's id and question, then garbage
			   records claimed in the header */
	UDP_DNS_SHORT,	/* 6 bytes: half a header */
	UDP_DNS_HUGE,	/* a 65000-byte datagram claiming 5000 answers */
	UDP_DNS_FOREIGN,/* answers with the wrong id, many, never the
			   right one */
};

struct udp_responder;

/* Listens on UDP addr (NULL: 127.0.0.1) and port (0: ephemeral). */
struct udp_responder *udp_responder_new(struct event_base *,
    enum udp_mode, const char *reply, size_t replylen, const char *addr,
    uint16_t port);
uint16_t udp_responder_port(const struct udp_responder *);
/* Datagrams received so far. */
long udp_responder_received(const struct udp_responder *);
void udp_responder_free(struct udp_responder *);
/*
 * The answer mode gives to DNS query q[0..qlen) into out (at most outcap
 * bytes); its length, or -1 when q is not a query.
 */
int responder_dns_answer(enum udp_mode mode, const char *arg,
    const unsigned char *q, size_t qlen, unsigned char *out, size_t outcap);

#endif
