# src/net: kernel glue for addresses (rtnetlink, gratuitous ARP and
# unsolicited neighbour advertisements).  Only pulse links it.
noinst_LIBRARIES += src/net/libnet.a
src_net_libnet_a_CFLAGS = $(AM_CFLAGS) $(MNL_CFLAGS)
src_net_libnet_a_SOURCES = \
	src/net/rtnl.c src/net/rtnl.h \
	src/net/arp.c src/net/arp.h
NET_LIBS = src/net/libnet.a $(CONFIG_LIBS) $(MNL_LIBS)

check_PROGRAMS += tests/unit/test_rtnl_arp
TESTS += tests/unit/test_rtnl_arp
tests_unit_test_rtnl_arp_SOURCES = tests/unit/test_rtnl_arp.c
tests_unit_test_rtnl_arp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rtnl_arp_LDADD = $(UNIT_LDADD)
