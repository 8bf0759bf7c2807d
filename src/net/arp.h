/*
 * arp.h - announcing an address that moved: gratuitous ARP (IPv4, through
 * AF_PACKET) and unsolicited neighbour advertisements (IPv6, through an
 * ICMPv6 raw socket).  The frame builders do no I/O (unit-tested).
 */
#ifndef SHOAL_ARP_H
#define SHOAL_ARP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define ARP_FRAME_LEN		42	/* Ethernet + ARP for IPv4 */
#define ARP_NA_LEN		32	/* ICMPv6 NA with target LL option */
#define ARP_MAC_LEN		6

enum arp_op {
	ARP_OP_REQUEST = 1,
	ARP_OP_REPLY = 2,
};

/*
 * A broadcast gratuitous ARP for ip from mac: sender and target IP are
 * both ip.  Returns ARP_FRAME_LEN, or -1 when len is too small.
 */
int arp_build_garp(uint8_t *buf, size_t len, const uint8_t mac[ARP_MAC_LEN],
    struct in_addr ip, enum arp_op op);
/*
 * An unsolicited neighbour advertisement for target (override flag set,
 * target link-layer address option mac).  The checksum is left 0: the
 * kernel fills it on ICMPv6 raw sockets.  ARP_NA_LEN or -1.
 */
int arp_build_na(uint8_t *buf, size_t len, const uint8_t mac[ARP_MAC_LEN],
    const struct in6_addr *target);

/*
 * An ARP probe for ip (RFC 5227: who-has ip, sender IP 0.0.0.0, so that no
 * cache learns anything from it): every holder of ip answers.
 * ARP_FRAME_LEN or -1.
 */
int arp_build_probe(uint8_t *buf, size_t len, const uint8_t mac[ARP_MAC_LEN],
    struct in_addr ip);

/* What an ARP frame says about who has an address. */
struct arp_seen {
	enum arp_op	 as_op;
	uint8_t		 as_mac[ARP_MAC_LEN];	/* sender hardware address */
	struct in_addr	 as_ip;			/* sender IP */
	int		 as_gratuitous;		/* sender IP = target IP */
};

/*
 * Parses an Ethernet frame: 0 and *out for an IPv4-over-Ethernet ARP
 * request or reply with a sender IP other than 0.0.0.0, else -1 (not
 * ARP, truncated, another hardware or protocol type, a probe).
 */
int arp_parse(const uint8_t *frame, size_t len, struct arp_seen *out);

/*
 * A packet socket receiving every ARP frame of every interface of this
 * network namespace (non-blocking); -1 (logged) on error.  Frames this
 * host sends show as PACKET_OUTGOING in recvfrom's sockaddr_ll.
 */
int arp_listen_open(void);
/* Sends an ARP probe for ip on ifindex from mac; 0 or -1. */
int arp_send_probe(int fd, int ifindex, const uint8_t mac[ARP_MAC_LEN],
    struct in_addr ip);

/* The hardware address of ifname; 0 or -1 (logged). */
int arp_if_mac(const char *ifname, uint8_t mac[ARP_MAC_LEN]);
/* Sends one gratuitous ARP request and one reply for ip on ifindex. */
int arp_send_garp(int ifindex, const uint8_t mac[ARP_MAC_LEN],
    struct in_addr ip);
/* Sends one unsolicited NA for ip to ff02::1 on ifindex, from ip. */
int arp_send_na(int ifindex, const uint8_t mac[ARP_MAC_LEN],
    const struct in6_addr *ip);

#endif
