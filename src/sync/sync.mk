# src/sync: pushing a configuration generation to peers over SSH.
# libsync.a (everything but shoal-sync's main) is shared by shoal-sync and
# shoal-web; SYNC_LIBS has the whole link list.
noinst_LIBRARIES += src/sync/libsync.a
src_sync_libsync_a_SOURCES = \
	src/sync/ssh.c src/sync/ssh.h \
	src/sync/sync.c src/sync/sync.h
src_sync_libsync_a_CFLAGS = $(AM_CFLAGS) $(SSH2_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(CRYPTO_CFLAGS)
SYNC_LIBS = src/sync/libsync.a src/store/libstore.a src/config/libconfig.a \
	src/lib/liblib.a $(NETTLE_LIBS) $(SSH2_LIBS) $(SQLITE_LIBS) $(LIBEVENT_LIBS) \
	$(CRYPT_LIBS) $(CRYPTO_LIBS)

sbin_PROGRAMS += shoal-sync
shoal_sync_SOURCES = src/sync/shoal-sync.c
shoal_sync_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
# ipc: a finished push is reported to this host's pulse (an event)
shoal_sync_LDADD = src/ipc/libipc.a $(SYNC_LIBS) $(JANSSON_LIBS)

man_MANS += doc/shoal-sync.8
CLEANFILES += doc/shoal-sync.8
EXTRA_DIST += doc/shoal-sync.8.in bench/sync tests/integration/sync_lib.sh \
	tests/integration/sync_lsan.supp

check_PROGRAMS += tests/unit/test_sync_ssh tests/unit/test_sync
TESTS += tests/unit/test_sync_ssh tests/unit/test_sync
tests_unit_test_sync_ssh_SOURCES = tests/unit/test_sync_ssh.c
tests_unit_test_sync_ssh_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sync_ssh_LDADD = $(SYNC_LIBS) $(CMOCKA_LIBS)
tests_unit_test_sync_SOURCES = tests/unit/test_sync.c
tests_unit_test_sync_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sync_LDADD = $(SYNC_LIBS) $(CMOCKA_LIBS)

# real OpenSSH sshd peers on loopback (root; SKIP otherwise)
TESTS += tests/integration/sync_push.sh tests/integration/sync_failures.sh \
	tests/integration/sync_diskfull.sh
