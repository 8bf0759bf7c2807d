/*
 * responder_udp.c - test UDP servers (see responder.h): echo, fixed
 * reply, silence, a flood, and DNS answers good and bad, built by hand
 * here so that they can be wrong on purpose.
 */
#include "shoal-build.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "responder.h"

#define UDP_FLOOD_MAX		100000
#define UDP_FLOOD_BURST		64
#define DNS_FOREIGN_COUNT	200

struct udp_responder {
	struct event_base	*u_base;
	enum udp_mode		 u_mode;
	char			*u_reply;
	size_t			 u_len;
	int			 u_fd;
	uint16_t		 u_port;
	long			 u_received;
	struct event		*u_ev;
	struct event		*u_ev_flood;
	struct sockaddr_storage	 u_peer;
	socklen_t		 u_peerlen;
	long			 u_flooded;
};

/* The question's end in q (header + one name + type + class), or 0. */
static size_t
dns_question_end(const unsigned char *q, size_t qlen)
{
	size_t	 p = 12;

	if (qlen < 12 || (q[2] & 0x80))
		return 0;
	while (p < qlen && q[p] != 0) {
		if (q[p] > 63)
			return 0;
		p += (size_t)q[p] + 1;
	}
	return p + 5 <= qlen ? p + 5 : 0;
}

static size_t
dns_put16(unsigned char *o, size_t p, unsigned v)
{
	o[p] = (unsigned char)(v >> 8);
	o[p + 1] = (unsigned char)v;
	return p + 2;
}

/* An A or SOA answer record for the question's name (pointer 0xc00c). */
static size_t
dns_record(unsigned char *o, size_t p, unsigned type)
{
	static const unsigned char soa[] = {
		3, 'n', 's', '1', 5, 's', 'h', 'o', 'a', 'l', 4, 't', 'e', 's',
		't', 0, 4, 'r', 'o', 'o', 't', 0xc0, 0x0c + 0,
		0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 0x03, 0x84, 0, 0x09, 0x3a,
		0x80, 0, 0, 0, 60,
	};

	p = dns_put16(o, p, 0xc00c);
	p = dns_put16(o, p, type);
	p = dns_put16(o, p, 1);
	p = dns_put16(o, p, 0);
	p = dns_put16(o, p, 60);
	if (type == 1) {
		p = dns_put16(o, p, 4);
		memcpy(o + p, "\xc0\x00\x02\x01", 4);	/* 192.0.2.1 */
		return p + 4;
	}
	p = dns_put16(o, p, sizeof(soa));
	memcpy(o + p, soa, sizeof(soa));
	/* rname "root" then a pointer to the question's name */
	return p + sizeof(soa);
}

int
responder_dns_answer(enum udp_mode mode, const char *arg,
    const unsigned char *q, size_t qlen, unsigned char *out, size_t outcap)
{
	size_t		 qend = dns_question_end(q, qlen), p, i;
	unsigned	 qtype;

	if (qend == 0 || outcap < qend + 128)
		return -1;
	if (mode == UDP_DNS_SHORT) {
		memcpy(out, q, 6);
		return 6;
	}
	memcpy(out, q, qend);
	out[2] = 0x84 | (q[2] & 0x01);		/* QR AA, RD copied */
	out[3] = 0x80;				/* RA, NOERROR */
	memset(out + 6, 0, 6);			/* no records yet */
	qtype = (unsigned)(q[qend - 4] << 8 | q[qend - 3]);
	p = qend;
	switch (mode) {
	case UDP_DNS_RCODE:
		out[3] |= (unsigned char)(atoi(arg != NULL ? arg : "2") & 0x0f);
		return (int)p;
	case UDP_DNS_FOREIGN:
		out[0] ^= 0x5a;			/* another id */
		break;
	case UDP_DNS_GARBAGE:
		dns_put16(out, 6, 3);		/* 3 answers of garbage */
		for (i = 0; i < 40; i++)
			out[p++] = (unsigned char)(0xc3 + i * 7);
		return (int)p;
	case UDP_DNS_HUGE:
		dns_put16(out, 6, 5000);
		while (p + 16 < outcap && p < 65000)
			p = dns_record(out, p, 1);
		return (int)p;
	default:
		break;
	}
	if (qtype == 1 || qtype == 6) {
		dns_put16(out, 6, 1);
		p = dns_record(out, p, qtype);
	}
	return (int)p;
}

/* Sends a burst of the flood; stops when the client's port is gone. */
static void
udp_on_flood(evutil_socket_t fd, short what, void *arg)
{
	struct udp_responder	*u = arg;
	static const char	 junk[512] = "garbage garbage garbage";
	int			 i;

	(void)what;
	for (i = 0; i < UDP_FLOOD_BURST && u->u_flooded < UDP_FLOOD_MAX; i++) {
		if (sendto(fd, junk, sizeof(junk), 0,
		    (struct sockaddr *)&u->u_peer, u->u_peerlen) == -1) {
			if (errno == EAGAIN || errno == ENOBUFS)
				break;
			u->u_flooded = UDP_FLOOD_MAX;	/* gone */
		}
		u->u_flooded++;
	}
	if (u->u_flooded >= UDP_FLOOD_MAX)
		event_del(u->u_ev_flood);
}

static void
udp_answer(struct udp_responder *u, const unsigned char *in, size_t len,
    const struct sockaddr *from, socklen_t fromlen)
{
	static unsigned char	 out[65536];
	int			 n, i;

	switch (u->u_mode) {
	case UDP_SILENT:
		return;
	case UDP_ECHO:
		sendto(u->u_fd, in, len, 0, from, fromlen);
		return;
	case UDP_REPLY:
		sendto(u->u_fd, u->u_reply, u->u_len, 0, from, fromlen);
		return;
	case UDP_FLOOD:
		memcpy(&u->u_peer, from, fromlen);
		u->u_peerlen = fromlen;
		u->u_flooded = 0;
		event_add(u->u_ev_flood, NULL);
		return;
	default:
		break;
	}
	if ((n = responder_dns_answer(u->u_mode, u->u_reply, in, len, out,
	    sizeof(out))) == -1)
		return;
	for (i = 0; i < (u->u_mode == UDP_DNS_FOREIGN ? DNS_FOREIGN_COUNT : 1);
	    i++)
		sendto(u->u_fd, out, (size_t)n, 0, from, fromlen);
}

static void
udp_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct udp_responder	*u = arg;
	static unsigned char	 in[65536];
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	ssize_t			 n;
	int			 i;

	(void)what;
	for (i = 0; i < 64; i++) {
		fromlen = sizeof(from);
		n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from,
		    &fromlen);
		if (n == -1)
			return;
		u->u_received++;
		udp_answer(u, in, (size_t)n, (struct sockaddr *)&from,
		    fromlen);
	}
}

struct udp_responder *
udp_responder_new(struct event_base *base, enum udp_mode mode,
    const char *reply, size_t replylen, const char *addr, uint16_t port)
{
	struct udp_responder	*u;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->u_base = base;
	u->u_mode = mode;
	if (reply != NULL && (u->u_reply = malloc(replylen + 1)) != NULL) {
		memcpy(u->u_reply, reply, replylen);
		u->u_reply[replylen] = '\0';
		u->u_len = replylen;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	u->u_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if ((addr != NULL && inet_pton(AF_INET, addr, &sin.sin_addr) != 1) ||
	    u->u_fd == -1 ||
	    bind(u->u_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(u->u_fd, (struct sockaddr *)&sin, &len) == -1) {
		udp_responder_free(u);
		return NULL;
	}
	u->u_port = ntohs(sin.sin_port);
	u->u_ev = event_new(base, u->u_fd, EV_READ | EV_PERSIST, udp_on_read,
	    u);
	u->u_ev_flood = event_new(base, u->u_fd, EV_WRITE | EV_PERSIST,
	    udp_on_flood, u);
	if (u->u_ev == NULL || u->u_ev_flood == NULL ||
	    event_add(u->u_ev, NULL) == -1) {
		udp_responder_free(u);
		return NULL;
	}
	return u;
}

uint16_t
udp_responder_port(const struct udp_responder *u)
{
	return u->u_port;
}

long
udp_responder_received(const struct udp_responder *u)
{
	return u->u_received;
}

void
udp_responder_free(struct udp_responder *u)
{
	if (u == NULL)
		return;
	if (u->u_ev != NULL)
		event_free(u->u_ev);
	if (u->u_ev_flood != NULL)
		event_free(u->u_ev_flood);
	if (u->u_fd != -1)
		close(u->u_fd);
	free(u->u_reply);
	free(u);
}
