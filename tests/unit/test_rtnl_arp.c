/* test_rtnl_arp.c - netlink address messages and ARP/NA frame builders. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "config/config.h"
#include "net/arp.h"
#include "net/rtnl.h"

static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

static const struct ifa_cacheinfo *
find_cacheinfo(const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct ifaddrmsg))
		if (mnl_attr_get_type(attr) == IFA_CACHEINFO)
			return mnl_attr_get_payload(attr);
	return NULL;
}

static void
test_addr_v4(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtnl_ifaddr ra;
	struct cfg_addr a;
	struct ifaddrmsg *ifa;

	(void)state;
	assert_int_equal(cfg_addr_parse(&a, "10.213.0.100"), 0);
	nlh = rtnl_build_addr(buf, sizeof(buf), RTM_NEWADDR, 7, &a, 24,
	    "eth0:1", 0, 99);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	assert_true(nlh->nlmsg_flags & NLM_F_CREATE);
	assert_true(nlh->nlmsg_flags & NLM_F_ACK);
	assert_int_equal(nlh->nlmsg_seq, 99);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_flags & IFA_F_NODAD, 0);
	assert_int_equal(rtnl_parse_addr(nlh, &ra), 0);
	assert_int_equal(ra.ra_ifindex, 7);
	assert_int_equal(ra.ra_prefix, 24);
	assert_true(cfg_addr_equal(&ra.ra_addr, &a));
	assert_string_equal(ra.ra_label, "eth0:1");
	assert_null(find_cacheinfo(nlh));	/* no lifetime: forever */
	/* delete carries no label */
	nlh = rtnl_build_addr(buf, sizeof(buf), RTM_DELADDR, 7, &a, 24,
	    "eth0:1", 0, 100);
	assert_int_equal(rtnl_parse_addr(nlh, &ra), 0);
	assert_string_equal(ra.ra_label, "");
	assert_false(nlh->nlmsg_flags & NLM_F_CREATE);
	/* too small a buffer, or no address */
	assert_null(rtnl_build_addr(buf, 16, RTM_NEWADDR, 7, &a, 24, NULL, 0, 1));
	a.family = AF_UNSPEC;
	assert_null(rtnl_build_addr(buf, sizeof(buf), RTM_NEWADDR, 7, &a, 24,
	    NULL, 0, 1));
}

static void
test_addr_v6(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtnl_ifaddr ra;
	struct cfg_addr a;
	struct ifaddrmsg *ifa;
	const struct ifa_cacheinfo *ci;

	(void)state;
	assert_int_equal(cfg_addr_parse(&a, "fd00::100"), 0);
	nlh = rtnl_build_addr(buf, sizeof(buf), RTM_NEWADDR, 3, &a, 64,
	    "eth0:1", 3, 1);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_true(ifa->ifa_flags & IFA_F_NODAD);
	assert_int_equal(rtnl_parse_addr(nlh, &ra), 0);
	assert_true(cfg_addr_equal(&ra.ra_addr, &a));
	assert_int_equal(ra.ra_prefix, 64);
	assert_string_equal(ra.ra_label, "");	/* labels are IPv4 only */
	ci = find_cacheinfo(nlh);
	assert_non_null(ci);
	assert_int_equal(ci->ifa_valid, 3);
	assert_int_equal(ci->ifa_prefered, 3);
}

static void
test_parse_link(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct rtnl_link l;

	(void)state;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 4;
	ifi->ifi_flags = IFF_UP | IFF_RUNNING;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	assert_int_equal(rtnl_parse_link(nlh, &l), 0);
	assert_int_equal(l.rl_ifindex, 4);
	assert_string_equal(l.rl_name, "eth0");
	assert_true(l.rl_usable);
	assert_false(l.rl_deleted);
	ifi->ifi_flags = IFF_UP;		/* NO-CARRIER */
	assert_int_equal(rtnl_parse_link(nlh, &l), 0);
	assert_false(l.rl_usable);
	nlh->nlmsg_type = RTM_DELLINK;
	assert_int_equal(rtnl_parse_link(nlh, &l), 0);
	assert_true(l.rl_deleted);
	nlh->nlmsg_len = 8;			/* truncated */
	assert_int_equal(rtnl_parse_link(nlh, &l), -1);
}

static void
test_garp(void **state)
{
	uint8_t f[ARP_FRAME_LEN];
	struct in_addr ip;

	(void)state;
	inet_pton(AF_INET, "10.213.0.100", &ip);
	assert_int_equal(arp_build_garp(f, sizeof(f), mac, ip,
	    ARP_OP_REQUEST), ARP_FRAME_LEN);
	assert_memory_equal(f, "\xff\xff\xff\xff\xff\xff", 6);
	assert_memory_equal(f + 6, mac, 6);
	assert_int_equal(f[12], 0x08);
	assert_int_equal(f[13], 0x06);
	assert_int_equal(f[14 + 7], 1);		/* request */
	assert_memory_equal(f + 14 + 8, mac, 6);
	assert_memory_equal(f + 14 + 14, &ip, 4);
	assert_memory_equal(f + 14 + 18, "\0\0\0\0\0\0", 6);
	assert_memory_equal(f + 14 + 24, &ip, 4);
	arp_build_garp(f, sizeof(f), mac, ip, ARP_OP_REPLY);
	assert_int_equal(f[14 + 7], 2);
	assert_memory_equal(f + 14 + 18, "\xff\xff\xff\xff\xff\xff", 6);
	assert_int_equal(arp_build_garp(f, 41, mac, ip, ARP_OP_REQUEST), -1);
}

/* The dual-active detector's probe and parser. */
static void
test_probe_parse(void **state)
{
	const uint8_t fake[6] = { 2, 0, 0, 0, 0xbe, 0xef };
	uint8_t f[ARP_FRAME_LEN];
	struct arp_seen as;
	struct in_addr ip;

	(void)state;
	inet_pton(AF_INET, "10.1.0.100", &ip);
	assert_int_equal(arp_build_probe(f, sizeof(f), fake, ip), ARP_FRAME_LEN);
	/* a probe says nothing about its sender: not parsed */
	assert_int_equal(f[14 + 7], ARP_OP_REQUEST);
	assert_int_equal(arp_parse(f, sizeof(f), &as), -1);
	/* a gratuitous reply: who has the VIP */
	arp_build_garp(f, sizeof(f), fake, ip, ARP_OP_REPLY);
	assert_int_equal(arp_parse(f, sizeof(f), &as), 0);
	assert_int_equal(as.as_op, ARP_OP_REPLY);
	assert_true(as.as_gratuitous);
	assert_memory_equal(as.as_mac, fake, 6);
	assert_int_equal(as.as_ip.s_addr, ip.s_addr);
	/* truncated, not ARP, another protocol type */
	assert_int_equal(arp_parse(f, ARP_FRAME_LEN - 1, &as), -1);
	f[13] = 0;
	assert_int_equal(arp_parse(f, sizeof(f), &as), -1);
	f[13] = 6;
	f[14 + 3] = 0xdd;
	assert_int_equal(arp_parse(f, sizeof(f), &as), -1);
}

static void
test_na(void **state)
{
	uint8_t f[ARP_NA_LEN];
	struct in6_addr ip;

	(void)state;
	inet_pton(AF_INET6, "fd00::100", &ip);
	assert_int_equal(arp_build_na(f, sizeof(f), mac, &ip), ARP_NA_LEN);
	assert_int_equal(f[0], 136);
	assert_int_equal(f[1], 0);
	assert_int_equal(f[4], 0x20);		/* override, not solicited */
	assert_memory_equal(f + 8, &ip, 16);
	assert_int_equal(f[24], 2);
	assert_int_equal(f[25], 1);
	assert_memory_equal(f + 26, mac, 6);
	assert_int_equal(arp_build_na(f, 31, mac, &ip), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_v4),
		cmocka_unit_test(test_addr_v6),
		cmocka_unit_test(test_parse_link),
		cmocka_unit_test(test_garp),
		cmocka_unit_test(test_na),
		cmocka_unit_test(test_probe_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
