# src/shoalctl: the administrator's CLI.  libshoalctl.a holds every command
# file (everything but main()); add yours here and its table in shoalctl.c.
noinst_LIBRARIES += src/shoalctl/libshoalctl.a
src_shoalctl_libshoalctl_a_SOURCES = \
	src/shoalctl/shoalctl.h src/shoalctl/cli.c \
	src/shoalctl/cmd_config.c \
	src/shoalctl/cmd_preview.c src/shoalctl/cmd_preview.h \
	src/shoalctl/cmd_passwd.c \
	src/shoalctl/cmd_staged.c src/shoalctl/cmd_staged.h \
	src/shoalctl/cmd_pulse.c \
	src/shoalctl/cmd_server.c src/shoalctl/cmd_server.h \
	src/shoalctl/cmd_ops.c
src_shoalctl_libshoalctl_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
# The layers shoalctl may use (scripts/check-layers): no pulse, net or lb,
# so the CLI links no kernel code.
SHOALCTL_LIBS = src/shoalctl/libshoalctl.a src/ipc/libipc.a \
	src/store/libstore.a src/config/libconfig.a src/lib/liblib.a \
	$(NETTLE_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS) $(CRYPT_LIBS) \
	$(CRYPTO_LIBS) $(LIBEVENT_LIBS)

sbin_PROGRAMS += shoalctl
shoalctl_SOURCES = src/shoalctl/shoalctl.c
shoalctl_LDADD = $(SHOALCTL_LIBS)

# shoalctl(8), with the configured paths filled in
man_MANS += doc/shoalctl.8
CLEANFILES += doc/shoalctl.8

TESTS += tests/integration/shoalctl_cli.sh
EXTRA_DIST += tests/integration/shoalctl_cli.sh bench/config/run.sh

# the peer's side of a push (cmd_staged.c) on real files
check_PROGRAMS += tests/unit/test_sync_staged
TESTS += tests/unit/test_sync_staged
tests_unit_test_sync_staged_SOURCES = tests/unit/test_sync_staged.c
tests_unit_test_sync_staged_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sync_staged_LDADD = $(SHOALCTL_LIBS) $(CMOCKA_LIBS)
