# src/lb: the load-balancer handle, its desired-state model and the
# backends (IPVS over generic netlink, nftables through libnftables).  Only
# pulse (and tests) link it.
noinst_LIBRARIES += src/lb/liblb.a
src_lb_liblb_a_CFLAGS = $(AM_CFLAGS) $(MNL_CFLAGS) $(NFTABLES_CFLAGS) \
	$(JANSSON_CFLAGS)
src_lb_liblb_a_SOURCES = \
	src/lb/lb.c src/lb/lb.h src/lb/lb_own.c src/lb/lb_own.h \
	src/lb/lb_state.c src/lb/lb_state.h \
	src/lb/lb_backend.h \
	src/lb/lb_ipvs.c src/lb/lb_ipvs_nl.c \
	src/lb/lb_preview.c src/lb/lb_preview.h \
	src/lb/lb_nft.h src/lb/lb_nft_int.h src/lb/lb_nft_gen.c \
	src/lb/lb_nft_obj.c src/lb/lb_nft_svc.c src/lb/lb_nft_dr.c \
	src/lb/lb_l2.c src/lb/lb_l2.h src/lb/maglev.c src/lb/maglev.h \
	src/lb/lb_ct.c
if HAVE_NFTABLES
src_lb_liblb_a_SOURCES += src/lb/lb_nft.c
else
src_lb_liblb_a_SOURCES += src/lb/lb_nft-disabled.c
endif
LB_LIBS = src/lb/liblb.a $(CONFIG_LIBS) $(MNL_LIBS) $(NFTABLES_LIBS) \
	$(LIBEVENT_LIBS)

# tests/lbctl: drives lb.h from the command line (integration tests)
noinst_PROGRAMS += tests/lbctl
tests_lbctl_SOURCES = tests/lbctl.c
tests_lbctl_LDADD = $(LB_LIBS)

# bench/maglev: clients moved when one of five real servers leaves
noinst_PROGRAMS += bench/maglev/maglev_bench
bench_maglev_maglev_bench_SOURCES = bench/maglev/maglev_bench.c
bench_maglev_maglev_bench_LDADD = $(LB_LIBS)
EXTRA_DIST += bench/maglev/run.sh

check_PROGRAMS += tests/unit/test_lb tests/unit/test_lb_nft \
	tests/unit/test_lb_ipvs tests/unit/test_lb_ipvs_diff \
	tests/unit/test_maglev
TESTS += tests/unit/test_lb tests/unit/test_lb_nft tests/unit/test_lb_ipvs \
	tests/unit/test_lb_ipvs_diff tests/unit/test_maglev \
	tests/integration/lb_nft.sh tests/integration/lb_nft_dr.sh \
	tests/integration/lb_nft_sticky.sh tests/integration/lb_refusals.sh \
	tests/integration/lb_preview.sh
EXTRA_DIST += tests/integration/lb_preview.sh tests/integration/lb_nft.sh tests/integration/lb_nft_dr.sh \
	tests/integration/lb_nft_sticky.sh tests/integration/lib/lbctl.sh
tests_unit_test_lb_SOURCES = tests/unit/test_lb.c
tests_unit_test_lb_CFLAGS = $(UNIT_CFLAGS)
# whether lb_open(auto) can fall back to nftables in this build
if HAVE_NFTABLES
tests_unit_test_lb_CPPFLAGS = $(AM_CPPFLAGS) -DLB_TEST_NFT=1
else
tests_unit_test_lb_CPPFLAGS = $(AM_CPPFLAGS) -DLB_TEST_NFT=0
endif
tests_unit_test_lb_LDADD = $(UNIT_LDADD)
tests_unit_test_lb_nft_SOURCES = tests/unit/test_lb_nft.c
tests_unit_test_lb_nft_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lb_nft_LDADD = $(UNIT_LDADD)
tests_unit_test_lb_ipvs_SOURCES = tests/unit/test_lb_ipvs.c
tests_unit_test_lb_ipvs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lb_ipvs_LDADD = $(UNIT_LDADD)
# links a fake IPVS kernel in place of lb_ipvs_nl.c (a link seam)
tests_unit_test_lb_ipvs_diff_SOURCES = tests/unit/test_lb_ipvs_diff.c
tests_unit_test_lb_ipvs_diff_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lb_ipvs_diff_LDADD = $(UNIT_LDADD)
tests_unit_test_maglev_SOURCES = tests/unit/test_maglev.c
tests_unit_test_maglev_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_maglev_LDADD = $(UNIT_LDADD)

# the change preview: ipvsadm lines of a difference, traffic shares
check_PROGRAMS += tests/unit/test_lb_preview
TESTS += tests/unit/test_lb_preview
tests_unit_test_lb_preview_SOURCES = tests/unit/test_lb_preview.c
tests_unit_test_lb_preview_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lb_preview_LDADD = $(UNIT_LDADD) -lm

# the counters: IPVS statistics attributes and conntrack entries parsed
check_PROGRAMS += tests/unit/test_lb_stats
TESTS += tests/unit/test_lb_stats
tests_unit_test_lb_stats_SOURCES = tests/unit/test_lb_stats.c
tests_unit_test_lb_stats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lb_stats_LDADD = $(UNIT_LDADD)
