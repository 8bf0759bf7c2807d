# src/pulse: the per-node daemon.  libpulse.a holds everything but the two
# main()s, so the unit tests link what ships.
noinst_LIBRARIES += src/pulse/libpulse.a
src_pulse_libpulse_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(MNL_CFLAGS)
src_pulse_libpulse_a_SOURCES = \
	src/pulse/heartbeat.c src/pulse/heartbeat.h \
	src/pulse/election.c src/pulse/election.h \
	src/pulse/runtime.c src/pulse/runtime.h \
	src/pulse/load.c src/pulse/load.h \
	src/pulse/leave.c src/pulse/leave.h \
	src/pulse/opts.c src/pulse/opts.h \
	src/pulse/realtime.c src/pulse/realtime.h \
	src/pulse/cleanup.c src/pulse/cleanup.h \
	src/pulse/vip.c src/pulse/vip.h \
	src/pulse/worker.c src/pulse/worker.h \
	src/pulse/hbio.c src/pulse/hbio.h \
	src/pulse/links.c src/pulse/links.h \
	src/pulse/role.c src/pulse/role.h \
	src/pulse/rolecmd.c src/pulse/rolecmd.h \
	src/pulse/fence.c src/pulse/fence.h \
	src/pulse/reload.c src/pulse/reload.h \
	src/pulse/status.c src/pulse/status.h \
	src/pulse/lvs.c src/pulse/lvs.h \
	src/pulse/control.c src/pulse/control.h \
	src/pulse/ctlcmd.c src/pulse/ctlcmd.h \
	src/pulse/preview.c src/pulse/preview.h \
	src/pulse/services.c src/pulse/services.h \
	src/pulse/ctsync.c src/pulse/ctsync.h \
	src/pulse/connsync.c src/pulse/connsync.h \
	src/pulse/nannies.c src/pulse/nannies.h \
	src/pulse/fosmon.c src/pulse/fosmon.h \
	src/pulse/evbus.c src/pulse/evbus.h \
	src/pulse/hooks.c src/pulse/hooks.h \
	src/pulse/maintio.c src/pulse/maintio.h \
	src/pulse/metrics.c src/pulse/metrics.h \
	src/pulse/dualact.c src/pulse/dualact.h \
	src/pulse/drill.c src/pulse/drill.h \
	src/pulse/announce.c src/pulse/announce.h \
	src/pulse/announce_drv.h \
	src/pulse/announce_bird.c src/pulse/announce_bird.h

# Every layer, in link order.
PULSE_LIBS = src/pulse/libpulse.a src/lb/liblb.a src/net/libnet.a \
	src/ipc/libipc.a src/store/libstore.a src/config/libconfig.a \
	src/lib/liblib.a $(NETTLE_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS) $(LIBEVENT_LIBS) \
	$(MNL_LIBS) $(NFTABLES_LIBS) $(CRYPT_LIBS) $(CRYPTO_LIBS)

# pulse is two programs: a small supervisor (libc and libmnl only, see
# pulse.c) and the worker it starts, installed out of PATH.
sbin_PROGRAMS += src/pulse/pulse
src_pulse_pulse_SOURCES = src/pulse/pulse.c
src_pulse_pulse_CFLAGS = $(AM_CFLAGS) $(MNL_CFLAGS)
src_pulse_pulse_LDADD = src/pulse/libpulse.a src/net/libnet.a \
	src/config/libconfig.a src/lib/liblib.a $(NETTLE_LIBS) $(MNL_LIBS)

pkglibexec_PROGRAMS += src/pulse/pulse-worker
src_pulse_pulse_worker_SOURCES = src/pulse/pulse_worker.c
src_pulse_pulse_worker_CFLAGS = $(src_pulse_libpulse_a_CFLAGS)
src_pulse_pulse_worker_LDADD = $(PULSE_LIBS)

PULSE_UNIT_TESTS = tests/unit/test_heartbeat tests/unit/test_leave \
	tests/unit/test_election tests/unit/test_runtime tests/unit/test_lvs \
	tests/unit/test_hooks \
	tests/unit/test_announce tests/unit/test_ctsync
check_PROGRAMS += $(PULSE_UNIT_TESTS)
TESTS += $(PULSE_UNIT_TESTS)
tests_unit_test_heartbeat_SOURCES = tests/unit/test_heartbeat.c
tests_unit_test_heartbeat_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_heartbeat_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_leave_SOURCES = tests/unit/test_leave.c
tests_unit_test_leave_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_leave_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_election_SOURCES = tests/unit/test_election.c
tests_unit_test_election_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_election_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_runtime_SOURCES = tests/unit/test_runtime.c
tests_unit_test_runtime_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_runtime_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)
# notify hooks with real processes on a real loop
tests_unit_test_hooks_SOURCES = tests/unit/test_hooks.c
tests_unit_test_hooks_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_hooks_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)
# LVS mode's model (weights from reports and admin state, reloads)
tests_unit_test_ctsync_SOURCES = tests/unit/test_ctsync.c
tests_unit_test_ctsync_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ctsync_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_lvs_SOURCES = tests/unit/test_lvs.c
tests_unit_test_lvs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lvs_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)

# scale-out: BIRD's file and replies, the ECMP election
tests_unit_test_announce_SOURCES = tests/unit/test_announce.c
tests_unit_test_announce_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_announce_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)

# the nanny supervisor against a fake nanny script
check_PROGRAMS += tests/unit/test_nannies
TESTS += tests/unit/test_nannies
tests_unit_test_nannies_SOURCES = tests/unit/test_nannies.c
tests_unit_test_nannies_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_nannies_LDADD = $(PULSE_LIBS) $(CMOCKA_LIBS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_heartbeat
tests_fuzz_fuzz_heartbeat_SOURCES = tests/fuzz/fuzz_heartbeat.c
tests_fuzz_fuzz_heartbeat_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_heartbeat_LDADD = $(PULSE_LIBS)
endif

# integration tests (root + ip netns, else SKIP)
TESTS += tests/integration/pulse_failover.sh tests/integration/pulse_cluster.sh \
	tests/integration/pulse_security.sh tests/integration/pulse_fos.sh \
	tests/integration/pulse_ipv6.sh tests/integration/lvs_nat.sh \
	tests/integration/fos_service.sh tests/integration/pulse_control.sh \
	tests/integration/ops_cluster.sh tests/integration/pulse_notify.sh \
	tests/integration/pulse_fos_parity.sh tests/integration/pulse_fence.sh \
	tests/integration/ecmp.sh tests/integration/ecmp_bad.sh \
	tests/integration/pulse_nokey.sh tests/integration/pulse_heal.sh \
	tests/integration/pulse_keyroll.sh \
	tests/integration/lb_nft_sync.sh
EXTRA_DIST += tests/integration/lib/netns.sh tests/integration/lib/pulse_lib.sh \
	tests/integration/lib/ecmp_lib.sh tests/integration/lib/ecmp_tool.py \
	tests/integration/lib/hbtool.py tests/integration/lib/push_lib.sh \
	bench/failover/pulse.sh bench/failover/pulse-fast.sh bench/failover/pulse-0.05.sh \
	bench/failover/run \
	bench/failover/stability.sh bench/failover/RESULTS.md \
	bench/ecmp/run.sh bench/ecmp/RESULTS.md \
	bench/metrics/run.sh bench/metrics/RESULTS.md

# pulse(8), with the configured paths filled in
man_MANS += doc/pulse.8
CLEANFILES += doc/pulse.8
EXTRA_DIST += doc/pulse.8.in
