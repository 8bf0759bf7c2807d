# LVS mode and service monitoring in pulse: nanny children, the load
# balancer programming, fail-over service monitoring, the runtime admin
# state of real servers (src/lib/srvadmin.c) and `shoalctl server`.
libshoal_a_SOURCES += src/lib/srvadmin.c src/lib/srvadmin.h
src_pulse_pulse_SOURCES += \
	src/pulse/services.c src/pulse/services.h \
	src/pulse/nannies.c src/pulse/nannies.h \
	src/pulse/lvs.c src/pulse/lvs.h \
	src/pulse/fosmon.c src/pulse/fosmon.h
shoalctl_SOURCES += src/shoalctl/cmd_server.c src/shoalctl/cmd_server.h

# integration tests (root + ip netns + nft, else SKIP)
TESTS += tests/integration/lvs_nat.sh tests/integration/fos_service.sh
EXTRA_DIST += tests/integration/lvs_nat.sh tests/integration/fos_service.sh
