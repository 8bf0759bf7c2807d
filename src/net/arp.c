/*
 * arp.c - gratuitous ARP and unsolicited neighbour advertisements.
 */
#include "shoal-build.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>

#include "lib/log.h"
#include "lib/util.h"
#include "net/arp.h"

int
arp_build_garp(uint8_t *buf, size_t len, const uint8_t mac[ARP_MAC_LEN],
    struct in_addr ip, enum arp_op op)
{
	uint8_t *a = buf + 14;

	if (len < ARP_FRAME_LEN)
		return -1;
	memset(buf, 0xff, 6);			/* broadcast */
	memcpy(buf + 6, mac, 6);
	buf[12] = ETHERTYPE_ARP >> 8;
	buf[13] = ETHERTYPE_ARP & 0xff;
	a[0] = 0; a[1] = 1;			/* Ethernet */
	a[2] = ETHERTYPE_IP >> 8; a[3] = ETHERTYPE_IP & 0xff;
	a[4] = 6; a[5] = 4;
	a[6] = 0; a[7] = op;
	memcpy(a + 8, mac, 6);			/* sender MAC */
	memcpy(a + 14, &ip, 4);			/* sender IP */
	/* target MAC: zero in a request, broadcast in a reply (RFC 5227) */
	memset(a + 18, op == ARP_OP_REPLY ? 0xff : 0, 6);
	memcpy(a + 24, &ip, 4);			/* target IP */
	return ARP_FRAME_LEN;
}

int
arp_build_probe(uint8_t *buf, size_t len, const uint8_t mac[ARP_MAC_LEN],
    struct in_addr ip)
{
	if (arp_build_garp(buf, len, mac, ip, ARP_OP_REQUEST) == -1)
		return -1;
	memset(buf + 14 + 14, 0, 4);		/* sender IP 0.0.0.0 */
	return ARP_FRAME_LEN;
}

int
arp_parse(const uint8_t *f, size_t len, struct arp_seen *out)
{
	const uint8_t *a = f + 14;

	if (len < ARP_FRAME_LEN || f[12] != (ETHERTYPE_ARP >> 8) ||
	    f[13] != (ETHERTYPE_ARP & 0xff))
		return -1;
	if (a[0] != 0 || a[1] != 1 || a[2] != (ETHERTYPE_IP >> 8) ||
	    a[3] != (ETHERTYPE_IP & 0xff) || a[4] != 6 || a[5] != 4 ||
	    a[6] != 0 || (a[7] != ARP_OP_REQUEST && a[7] != ARP_OP_REPLY))
		return -1;
	memset(out, 0, sizeof(*out));
	out->as_op = (enum arp_op)a[7];
	memcpy(out->as_mac, a + 8, ARP_MAC_LEN);
	memcpy(&out->as_ip, a + 14, 4);
	if (out->as_ip.s_addr == 0)
		return -1;
	out->as_gratuitous = memcmp(a + 14, a + 24, 4) == 0;
	return 0;
}

int
arp_listen_open(void)
{
	int s;

	if ((s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    htons(ETH_P_ARP))) == -1)
		log_warn("AF_PACKET socket for ARP");
	return s;
}

int
arp_send_probe(int fd, int ifindex, const uint8_t mac[ARP_MAC_LEN],
    struct in_addr ip)
{
	struct sockaddr_ll sll;
	uint8_t frame[ARP_FRAME_LEN];

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = ifindex;
	sll.sll_halen = ARP_MAC_LEN;
	memset(sll.sll_addr, 0xff, ARP_MAC_LEN);
	arp_build_probe(frame, sizeof(frame), mac, ip);
	return sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll,
	    sizeof(sll)) == -1 ? -1 : 0;
}

int
arp_build_na(uint8_t *buf, size_t len, const uint8_t mac[ARP_MAC_LEN],
    const struct in6_addr *target)
{
	if (len < ARP_NA_LEN)
		return -1;
	memset(buf, 0, ARP_NA_LEN);
	buf[0] = ND_NEIGHBOR_ADVERT;		/* type 136, code 0 */
	buf[4] = 0x20;				/* O: override */
	memcpy(buf + 8, target, 16);
	buf[24] = ND_OPT_TARGET_LINKADDR;	/* option 2 */
	buf[25] = 1;				/* 8 bytes */
	memcpy(buf + 26, mac, 6);
	return ARP_NA_LEN;
}

int
arp_if_mac(const char *ifname, uint8_t mac[ARP_MAC_LEN])
{
	struct ifreq ifr;
	int s;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	str_copy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == -1) {
		log_warn("%s: hardware address", ifname);
		close(s);
		return -1;
	}
	close(s);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ARP_MAC_LEN);
	return 0;
}

int
arp_send_garp(int ifindex, const uint8_t mac[ARP_MAC_LEN], struct in_addr ip)
{
	struct sockaddr_ll sll;
	uint8_t frame[ARP_FRAME_LEN];
	int s, ret = 0;

	if ((s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC,
	    htons(ETH_P_ARP))) == -1) {
		log_warn("AF_PACKET socket");
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = ifindex;
	sll.sll_halen = ARP_MAC_LEN;
	memset(sll.sll_addr, 0xff, ARP_MAC_LEN);
	for (int op = ARP_OP_REQUEST; op <= ARP_OP_REPLY; op++) {
		arp_build_garp(frame, sizeof(frame), mac, ip, op);
		if (sendto(s, frame, sizeof(frame), 0,
		    (struct sockaddr *)&sll, sizeof(sll)) == -1) {
			log_warn("gratuitous ARP on ifindex %d", ifindex);
			ret = -1;
		}
	}
	close(s);
	return ret;
}

int
arp_send_na(int ifindex, const uint8_t mac[ARP_MAC_LEN],
    const struct in6_addr *ip)
{
	struct sockaddr_in6 dst;
	struct in6_pktinfo *pi;
	struct msghdr msg;
	struct iovec iov;
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct cmsghdr *cm;
	uint8_t na[ARP_NA_LEN];
	int s, hops = 255, ret = 0;

	if ((s = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC,
	    IPPROTO_ICMPV6)) == -1) {
		log_warn("ICMPv6 socket");
		return -1;
	}
	if (setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) == -1 || setsockopt(s, IPPROTO_IPV6,
	    IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) == -1) {
		log_warn("ICMPv6 socket options");
		close(s);
		return -1;
	}
	arp_build_na(na, sizeof(na), mac, ip);
	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
	dst.sin6_scope_id = ifindex;
	iov.iov_base = na;
	iov.iov_len = sizeof(na);
	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_name = &dst;
	msg.msg_namelen = sizeof(dst);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(*pi));
	pi = (struct in6_pktinfo *)CMSG_DATA(cm);
	pi->ipi6_addr = *ip;
	pi->ipi6_ifindex = ifindex;
	if (sendmsg(s, &msg, 0) == -1) {
		log_warn("unsolicited neighbour advertisement");
		ret = -1;
	}
	close(s);
	return ret;
}
