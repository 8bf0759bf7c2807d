# src/sync: pushing a configuration generation to peers over SSH.
# libshoalsync.a is shared by shoal-sync and shoal-web (link it before
# libshoal.a, with $(SSH2_LIBS); SYNC_LIBS has the whole list).
noinst_LIBRARIES += libshoalsync.a
libshoalsync_a_SOURCES = \
	src/sync/ssh.c src/sync/ssh.h \
	src/sync/sync.c src/sync/sync.h
libshoalsync_a_CFLAGS = $(AM_CFLAGS) $(SSH2_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(CRYPTO_CFLAGS) $(SQLITE_CFLAGS)
SYNC_LIBS = libshoalsync.a $(SHOAL_LIBS) $(SSH2_LIBS)

sbin_PROGRAMS += shoal-sync
shoal_sync_SOURCES = src/sync/shoal-sync.c
shoal_sync_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/src/sync
shoal_sync_LDADD = $(SYNC_LIBS)

man_MANS += doc/shoal-sync.8
CLEANFILES += doc/shoal-sync.8
EXTRA_DIST += doc/shoal-sync.8.in bench/sync tests/integration/sync_lib.sh \
	tests/integration/sync_lsan.supp

check_PROGRAMS += tests/unit/test_sync_ssh tests/unit/test_sync
TESTS += tests/unit/test_sync_ssh tests/unit/test_sync
tests_unit_test_sync_ssh_SOURCES = tests/unit/test_sync_ssh.c
tests_unit_test_sync_ssh_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/src/sync
tests_unit_test_sync_ssh_LDADD = $(SYNC_LIBS) $(CMOCKA_LIBS)
tests_unit_test_sync_SOURCES = tests/unit/test_sync.c
tests_unit_test_sync_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/src/sync
tests_unit_test_sync_LDADD = $(SYNC_LIBS) $(CMOCKA_LIBS)

# real OpenSSH sshd peers on loopback (root; SKIP otherwise)
TESTS += tests/integration/sync_push.sh tests/integration/sync_failures.sh \
	tests/integration/sync_diskfull.sh
EXTRA_DIST += tests/integration/sync_push.sh tests/integration/sync_failures.sh \
	tests/integration/sync_diskfull.sh

# the peer's side of a push (src/shoalctl/cmd_staged.c) on real files
check_PROGRAMS += tests/unit/test_sync_staged
TESTS += tests/unit/test_sync_staged
tests_unit_test_sync_staged_SOURCES = tests/unit/test_sync_staged.c \
	src/shoalctl/cmd_staged.c src/shoalctl/cmd_staged.h
tests_unit_test_sync_staged_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/src/shoalctl
tests_unit_test_sync_staged_LDADD = $(UNIT_LDADD)
