# src/pulse: the heartbeat / election / VIP daemon (and its shared pieces
# in src/lib: rtnl, arp, ctl).
noinst_LIBRARIES += src/pulse/libpulse.a
src_pulse_libpulse_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(MNL_CFLAGS) $(CRYPTO_CFLAGS) $(SQLITE_CFLAGS)
src_pulse_libpulse_a_SOURCES = \
	src/pulse/heartbeat.c src/pulse/heartbeat.h \
	src/pulse/election.c src/pulse/election.h \
	src/pulse/runtime.c src/pulse/runtime.h \
	src/pulse/load.c src/pulse/load.h \
	src/pulse/leave.c src/pulse/leave.h \
	src/pulse/opts.c src/pulse/opts.h \
	src/pulse/vip.c src/pulse/vip.h

PULSE_LIBS = src/pulse/libpulse.a $(SHOAL_LIBS)

# pulse is two programs: a small supervisor (libc and libmnl only, see
# pulse.c) and the worker it starts, installed out of PATH.
sbin_PROGRAMS += src/pulse/pulse
src_pulse_pulse_SOURCES = src/pulse/pulse.c
src_pulse_pulse_CFLAGS = $(AM_CFLAGS) $(MNL_CFLAGS)
src_pulse_pulse_LDADD = src/pulse/libpulse.a libshoal.a $(MNL_LIBS)

pkglibexec_PROGRAMS += src/pulse/pulse-worker
src_pulse_pulse_worker_SOURCES = \
	src/pulse/pulse_worker.c \
	src/pulse/worker.c src/pulse/worker.h \
	src/pulse/fos.c src/pulse/fos.h \
	src/pulse/lvs.c src/pulse/lvs.h \
	src/pulse/control.c src/pulse/control.h
src_pulse_pulse_worker_CFLAGS = $(src_pulse_libpulse_a_CFLAGS)
src_pulse_pulse_worker_LDADD = $(PULSE_LIBS)
PULSE_UNIT_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/src/pulse

check_PROGRAMS += tests/unit/test_heartbeat
TESTS += tests/unit/test_heartbeat
tests_unit_test_heartbeat_SOURCES = tests/unit/test_heartbeat.c
tests_unit_test_heartbeat_CFLAGS = $(PULSE_UNIT_CFLAGS)
tests_unit_test_heartbeat_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_heartbeat
tests_fuzz_fuzz_heartbeat_SOURCES = tests/fuzz/fuzz_heartbeat.c
tests_fuzz_fuzz_heartbeat_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/src/pulse
tests_fuzz_fuzz_heartbeat_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_heartbeat_LDADD = $(PULSE_LIBS)
endif

check_PROGRAMS += tests/unit/test_leave
TESTS += tests/unit/test_leave
tests_unit_test_leave_SOURCES = tests/unit/test_leave.c
tests_unit_test_leave_CFLAGS = $(PULSE_UNIT_CFLAGS)
tests_unit_test_leave_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_election
TESTS += tests/unit/test_election
tests_unit_test_election_SOURCES = tests/unit/test_election.c
tests_unit_test_election_CFLAGS = $(PULSE_UNIT_CFLAGS)
tests_unit_test_election_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)

libshoal_a_SOURCES += \
	src/lib/rtnl.c src/lib/rtnl.h \
	src/lib/arp.c src/lib/arp.h \
	src/lib/ctl.c src/lib/ctl.h

check_PROGRAMS += tests/unit/test_rtnl_arp
TESTS += tests/unit/test_rtnl_arp
tests_unit_test_rtnl_arp_SOURCES = tests/unit/test_rtnl_arp.c
tests_unit_test_rtnl_arp_CFLAGS = $(PULSE_UNIT_CFLAGS)
tests_unit_test_rtnl_arp_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_runtime
TESTS += tests/unit/test_runtime
tests_unit_test_runtime_SOURCES = tests/unit/test_runtime.c
tests_unit_test_runtime_CFLAGS = $(PULSE_UNIT_CFLAGS)
tests_unit_test_runtime_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)

# integration tests (root + ip netns, else SKIP)
TESTS += tests/integration/pulse_failover.sh tests/integration/pulse_cluster.sh \
	tests/integration/pulse_security.sh tests/integration/pulse_fos.sh \
	tests/integration/pulse_ipv6.sh
EXTRA_DIST += tests/integration/lib/netns.sh tests/integration/lib/pulse_lib.sh \
	bench/failover/pulse.sh bench/failover/pulse-fast.sh bench/failover/run \
	bench/failover/stability.sh bench/failover/RESULTS.md

# pulse(8), with the configured paths filled in
man_MANS += doc/pulse.8
CLEANFILES += doc/pulse.8
EXTRA_DIST += doc/pulse.8.in
