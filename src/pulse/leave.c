/*
 * leave.c - a LEAVING announcement from outside the worker (see leave.h).
 */
#include "shoal-build.h"

#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "heartbeat.h"
#include "leave.h"
#include "log.h"

uint64_t
pulse_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
send_to(int fd, const struct cfg_addr *a, uint16_t port, const uint8_t *buf,
    size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->u.v4;
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = a->u.v6;
		sl = sizeof(*sin6);
	}
	return sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) == -1 ?
	    -1 : 0;
}

int
pulse_send_leaving(const struct pulse_rt *rt, uint64_t *seq)
{
	const struct rt_node *self = &rt->rt_nodes[rt->rt_self];
	struct hb_packet p;
	uint8_t buf[HB_MAX_LEN];
	int fd4, fd6, n, sent = 0;

	memset(&p, 0, sizeof(p));
	p.hp_state = HB_STATE_FAULT;
	p.hp_flags = HB_F_LEAVING;
	p.hp_cluster = rt->rt_cluster;
	p.hp_node = self->rn_id;
	p.hp_generation = rt->rt_generation;
	memcpy(p.hp_hash, rt->rt_hash_prefix, HB_HASH_LEN);
	fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (size_t i = 0; i < rt->rt_nnodes; i++) {
		const struct rt_node *node = &rt->rt_nodes[i];

		if (i == rt->rt_self)
			continue;
		for (size_t j = 0; j < node->rn_naddrs; j++) {
			int fd = node->rn_addrs[j].family == AF_INET ? fd4 : fd6;

			p.hp_seq = *seq;
			*seq = heartbeat_seq_next(*seq, pulse_realtime_ms());
			n = heartbeat_encode(&p, rt->rt_key, rt->rt_keylen,
			    buf, sizeof(buf));
			if (fd == -1 || n == -1)
				continue;
			if (send_to(fd, &node->rn_addrs[j], rt->rt_port, buf,
			    (size_t)n) == 0)
				sent++;
		}
	}
	if (fd4 != -1)
		close(fd4);
	if (fd6 != -1)
		close(fd6);
	return sent;
}
