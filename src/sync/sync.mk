# src/sync: pushing a configuration generation to peers over SSH.
# libshoalsync.a is shared by shoal-sync and shoal-web (link it before
# libshoal.a, with $(SSH2_LIBS) $(LIBEVENT_LIBS) $(CRYPTO_LIBS)).
noinst_LIBRARIES += libshoalsync.a
libshoalsync_a_SOURCES = \
	src/sync/ssh.c src/sync/ssh.h
libshoalsync_a_CFLAGS = $(AM_CFLAGS) $(SSH2_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(CRYPTO_CFLAGS) $(SQLITE_CFLAGS)
SYNC_LIBS = libshoalsync.a $(SHOAL_LIBS) $(SSH2_LIBS)

check_PROGRAMS += tests/unit/test_sync_ssh
TESTS += tests/unit/test_sync_ssh
tests_unit_test_sync_ssh_SOURCES = tests/unit/test_sync_ssh.c
tests_unit_test_sync_ssh_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/src/sync
tests_unit_test_sync_ssh_LDADD = $(SYNC_LIBS) $(CMOCKA_LIBS)
