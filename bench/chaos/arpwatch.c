/*
 * arpwatch.c - chaos-arpwatch: who answers ARP for the virtual IPs, seen
 * from the wire rather than from any daemon's own word.
 *
 *   chaos-arpwatch -I IFACE -s SOURCE_IP [-i MS] [-d MS] VIP...
 *
 * Every -i ms (default 20) it broadcasts one ARP request per VIP from
 * IFACE (asking as SOURCE_IP, an address no daemon under test holds) and
 * prints every ARP packet that says where a VIP lives: the answers to its
 * own requests, and every other packet with a VIP as sender address
 * (gratuitous ARP, announcements, replies seen broadcast).  Time in ms of
 * CLOCK_MONOTONIC:
 *
 *   T req VIP                   a request went out (a new round)
 *   T ans VIP MAC               an answer to our request
 *   T ann VIP MAC OP DEST       any other packet with sender IP VIP
 *                               (OP 1 request, 2 reply; DEST its
 *                               destination MAC)
 *
 * Runs -d ms (default: until SIGTERM/SIGINT).  Exits 0, 1 on a socket
 * error, 2 on bad usage.  Needs CAP_NET_RAW.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_VIPS	8

struct arp_frame {
	struct ether_header	eh;
	struct ether_arp	ea;
} __attribute__((packed));

static volatile sig_atomic_t	 stop;
static struct in_addr		 vips[MAX_VIPS];
static const char		*vip_str[MAX_VIPS];
static int			 nvips;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
mac_str(const uint8_t *m, char *out, size_t len)
{
	snprintf(out, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
	    m[3], m[4], m[5]);
}

/* The raw socket on ifname and its MAC; -1 on error (errno logged). */
static int
open_raw(const char *ifname, int *ifindex, uint8_t *mac)
{
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (fd == -1) {
		perror("chaos-arpwatch: socket");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) == -1 ||
	    (*ifindex = ifr.ifr_ifindex, ioctl(fd, SIOCGIFHWADDR, &ifr)) ==
	    -1) {
		perror(ifname);
		goto fail;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		perror("chaos-arpwatch: bind");
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static void
ask(int fd, int ifindex, const uint8_t *mac, struct in_addr src, int v)
{
	struct arp_frame f;
	struct sockaddr_ll to;

	memset(&f, 0, sizeof(f));
	memset(f.eh.ether_dhost, 0xff, ETH_ALEN);
	memcpy(f.eh.ether_shost, mac, ETH_ALEN);
	f.eh.ether_type = htons(ETHERTYPE_ARP);
	f.ea.arp_hrd = htons(ARPHRD_ETHER);
	f.ea.arp_pro = htons(ETHERTYPE_IP);
	f.ea.arp_hln = ETH_ALEN;
	f.ea.arp_pln = 4;
	f.ea.arp_op = htons(ARPOP_REQUEST);
	memcpy(f.ea.arp_sha, mac, ETH_ALEN);
	memcpy(f.ea.arp_spa, &src, 4);
	memcpy(f.ea.arp_tpa, &vips[v], 4);
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = ifindex;
	to.sll_halen = ETH_ALEN;
	memset(to.sll_addr, 0xff, ETH_ALEN);
	if (sendto(fd, &f, sizeof(f), 0, (struct sockaddr *)&to,
	    sizeof(to)) == (ssize_t)sizeof(f))
		printf("%.3f req %s\n", now_ms(), vip_str[v]);
	else
		printf("%.3f err %s %s\n", now_ms(), vip_str[v],
		    strerror(errno));
}

static int
vip_index(const uint8_t *spa)
{
	for (int v = 0; v < nvips; v++)
		if (memcmp(spa, &vips[v], 4) == 0)
			return v;
	return -1;
}

/* One received frame: printed when its sender address is a VIP. */
static void
seen(const struct arp_frame *f, size_t len, const uint8_t *mac,
    struct in_addr src)
{
	char sha[24], dst[24];
	int v, op;

	if (len < sizeof(*f) || ntohs(f->eh.ether_type) != ETHERTYPE_ARP ||
	    (v = vip_index(f->ea.arp_spa)) == -1)
		return;
	op = ntohs(f->ea.arp_op);
	mac_str(f->ea.arp_sha, sha, sizeof(sha));
	if (op == ARPOP_REPLY && memcmp(f->eh.ether_dhost, mac, ETH_ALEN) ==
	    0 && memcmp(f->ea.arp_tpa, &src, 4) == 0) {
		printf("%.3f ans %s %s\n", now_ms(), vip_str[v], sha);
		return;
	}
	mac_str(f->eh.ether_dhost, dst, sizeof(dst));
	printf("%.3f ann %s %s %d %s\n", now_ms(), vip_str[v], sha, op, dst);
}

static void
usage(void)
{
	fprintf(stderr, "usage: chaos-arpwatch -I IFACE -s SOURCE_IP [-i MS] "
	    "[-d MS] VIP...\n");
	exit(2);
}

static void
drain(int fd, const uint8_t *mac, struct in_addr src, int wait_ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	uint8_t buf[256];
	ssize_t n;

	if (poll(&pfd, 1, wait_ms < 0 ? 0 : wait_ms) <= 0)
		return;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		seen((const struct arp_frame *)buf, (size_t)n, mac, src);
}

int
main(int argc, char **argv)
{
	const char *ifname = NULL;
	struct in_addr src = { 0 };
	double interval = 20, dur = -1, t0, next, flushed;
	uint8_t mac[ETH_ALEN];
	int c, fd, ifindex = 0;

	while ((c = getopt(argc, argv, "I:s:i:d:")) != -1) {
		switch (c) {
		case 'I': ifname = optarg; break;
		case 's':
			if (inet_pton(AF_INET, optarg, &src) != 1)
				usage();
			break;
		case 'i': interval = atof(optarg); break;
		case 'd': dur = atof(optarg); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (ifname == NULL || src.s_addr == 0 || interval <= 0 || argc < 1 ||
	    argc > MAX_VIPS)
		usage();
	for (int i = 0; i < argc; i++) {
		vip_str[i] = argv[i];
		if (inet_pton(AF_INET, argv[i], &vips[i]) != 1)
			usage();
	}
	nvips = argc;
	if ((fd = open_raw(ifname, &ifindex, mac)) == -1)
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	t0 = next = flushed = now_ms();
	while (!stop && (dur < 0 || now_ms() < t0 + dur)) {
		if (now_ms() >= flushed + 200) {	/* readers follow the log */
			fflush(stdout);
			flushed = now_ms();
		}
		if (now_ms() >= next) {
			for (int v = 0; v < nvips; v++)
				ask(fd, ifindex, mac, src, v);
			next += interval;
			if (next < now_ms())
				next = now_ms() + interval;
		}
		drain(fd, mac, src, (int)(next - now_ms()) + 1);
	}
	fflush(stdout);
	close(fd);
	return 0;
}
