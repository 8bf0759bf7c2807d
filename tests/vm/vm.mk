# tests/vm: the real-kernel lane (Debian 12's stock kernel under qemu).
# vmnet is the scenarios' real server and client; ipvs.tap boots the VM
# and reports one TAP result per scenario.
check_PROGRAMS += tests/vm/vmnet
tests_vm_vmnet_SOURCES = tests/vm/vmnet.c
TESTS += tests/vm/ipvs.tap
TEST_EXTENSIONS += .tap
TAP_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TAP_LOG_COMPILER = $(BASH)
EXTRA_DIST += tests/vm/ipvs.tap tests/vm/init tests/vm/mkinitramfs.sh \
	tests/vm/lib tests/vm/scenarios
