/*
 * check_ping.c - ICMP echo (tracked checks: a gateway, an upstream
 * address).  One echo request on a connected ICMP datagram socket (a
 * "ping socket": no privilege, the kernel sets the identifier and the
 * checksum and hands back only the replies to this socket), one echo
 * reply within the timeout.  A destination unreachable arrives as an
 * error on the socket: an immediate failure with that reason.  Ping
 * sockets are allowed to the groups in net.ipv4.ping_group_range
 * (Debian's systemd opens it to everyone); when it refuses, the reason
 * says so.
 */
#include "shoal-build.h"

#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_kind.h"

#define PING_ECHO4		8
#define PING_REPLY4		0
#define PING_ECHO6		128
#define PING_REPLY6		129
#define PING_PAYLOAD		"shoal track"

static int
ping_init(struct check *c, const struct check_conf *cc, char *err,
    size_t errlen)
{
	static uint16_t seq;
	size_t len = 8 + sizeof(PING_PAYLOAD) - 1;
	unsigned char *p;

	(void)cc;
	if ((p = calloc(1, len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* type, code 0, checksum and identifier filled by the kernel */
	p[0] = c->ch_sa.ss_family == AF_INET6 ? PING_ECHO6 : PING_ECHO4;
	seq++;
	p[6] = (unsigned char)(seq >> 8);
	p[7] = (unsigned char)seq;
	memcpy(p + 8, PING_PAYLOAD, sizeof(PING_PAYLOAD) - 1);
	c->ch_send = (char *)p;
	c->ch_sendlen = len;
	return 0;
}

static enum check_match
ping_match(struct check *c, int eof)
{
	unsigned char want = c->ch_sa.ss_family == AF_INET6 ? PING_REPLY6 :
	    PING_REPLY4;

	(void)eof;	/* one datagram is the whole reply */
	if (c->ch_len >= 8 && (unsigned char)c->ch_buf[0] == want) {
		check_reason(c, "echo reply");
		return CHECK_MATCH_OK;
	}
	check_reason(c, "not an echo reply (%zu bytes, type %u)", c->ch_len,
	    c->ch_len > 0 ? (unsigned int)(unsigned char)c->ch_buf[0] : 0);
	return CHECK_MATCH_FAIL;
}

const struct check_kind_ops check_ping_ops = {
	.ko_name = "ping",
	.ko_dgram = 1,
	.ko_icmp = 1,
	.ko_init = ping_init,
	.ko_match = ping_match,
};
