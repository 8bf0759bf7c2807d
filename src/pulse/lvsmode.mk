# LVS mode and service monitoring in pulse: nanny children, the load
# balancer programming, fail-over service monitoring, the runtime admin
# state of real servers (src/lib/srvadmin.c) and `shoalctl server`.
libshoal_a_SOURCES += src/lib/srvadmin.c src/lib/srvadmin.h
src_pulse_pulse_worker_SOURCES += \
	src/pulse/services.c src/pulse/services.h \
	src/pulse/nannies.c src/pulse/nannies.h \
	src/pulse/fosmon.c src/pulse/fosmon.h
# (src/pulse/lvs.c is listed in pulse.mk)
shoalctl_SOURCES += src/shoalctl/cmd_server.c src/shoalctl/cmd_server.h

# integration tests (root + ip netns + nft, else SKIP)
TESTS += tests/integration/lvs_nat.sh tests/integration/fos_service.sh
EXTRA_DIST += tests/integration/lvs_nat.sh tests/integration/fos_service.sh

check_PROGRAMS += tests/unit/test_srvadmin
TESTS += tests/unit/test_srvadmin
tests_unit_test_srvadmin_SOURCES = tests/unit/test_srvadmin.c \
	tests/unit/tempstore.c tests/unit/tempstore.h
tests_unit_test_srvadmin_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_srvadmin_LDADD = $(UNIT_LDADD)

# the nanny supervisor against a fake nanny script
check_PROGRAMS += tests/unit/test_nannies
TESTS += tests/unit/test_nannies
tests_unit_test_nannies_SOURCES = tests/unit/test_nannies.c \
	src/pulse/nannies.c src/pulse/nannies.h
tests_unit_test_nannies_CFLAGS = $(PULSE_UNIT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_nannies_LDADD = $(UNIT_LDADD)

# LVS mode's model (weights from reports and admin state, reloads)
check_PROGRAMS += tests/unit/test_lvs
TESTS += tests/unit/test_lvs
tests_unit_test_lvs_SOURCES = tests/unit/test_lvs.c \
	src/pulse/lvs.c src/pulse/lvs.h src/pulse/nannies.c src/pulse/nannies.h
tests_unit_test_lvs_CFLAGS = $(PULSE_UNIT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_lvs_LDADD = $(UNIT_LDADD)
