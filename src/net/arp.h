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

/* The hardware address of ifname; 0 or -1 (logged). */
int arp_if_mac(const char *ifname, uint8_t mac[ARP_MAC_LEN]);
/* Sends one gratuitous ARP request and one reply for ip on ifindex. */
int arp_send_garp(int ifindex, const uint8_t mac[ARP_MAC_LEN],
    struct in_addr ip);
/* Sends one unsolicited NA for ip to ff02::1 on ifindex, from ip. */
int arp_send_na(int ifindex, const uint8_t mac[ARP_MAC_LEN],
    const struct in6_addr *ip);

#endif
