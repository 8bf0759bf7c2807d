# src/lib: generic helpers every layer may use (libc, libevent for exec).
noinst_LIBRARIES += src/lib/liblib.a
src_lib_liblib_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(NETTLE_CFLAGS)
src_lib_liblib_a_SOURCES = \
	src/lib/log.c src/lib/log.h \
	src/lib/diag.c src/lib/diag.h \
	src/lib/util.c src/lib/util.h \
	src/lib/cfg_addr.c src/lib/cfg_addr.h \
	src/lib/digest.c src/lib/digest.h \
	src/lib/notify.c src/lib/notify.h \
	src/lib/exec.c src/lib/exec.h \
	src/lib/textdiff.c src/lib/textdiff.h \
	src/lib/secret.c src/lib/secret.h \
	src/lib/prom.c src/lib/prom.h
LIB_LIBS = src/lib/liblib.a $(NETTLE_LIBS) $(LIBEVENT_LIBS)

check_PROGRAMS += tests/unit/test_diag tests/unit/test_digest \
	tests/unit/test_exec tests/unit/test_textdiff
TESTS += tests/unit/test_diag tests/unit/test_digest tests/unit/test_exec \
	tests/unit/test_textdiff
tests_unit_test_diag_SOURCES = tests/unit/test_diag.c
tests_unit_test_diag_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_diag_LDADD = $(UNIT_LDADD)
tests_unit_test_digest_SOURCES = tests/unit/test_digest.c
tests_unit_test_digest_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_digest_LDADD = $(UNIT_LDADD) $(CRYPTO_LIBS)
tests_unit_test_exec_SOURCES = tests/unit/test_exec.c
tests_unit_test_exec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_exec_LDADD = $(UNIT_LDADD)
tests_unit_test_textdiff_SOURCES = tests/unit/test_textdiff.c
tests_unit_test_textdiff_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_textdiff_LDADD = $(UNIT_LDADD)
