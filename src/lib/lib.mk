# src/lib: code two or more programs share.
libshoal_a_SOURCES += \
	src/lib/log.c src/lib/log.h \
	src/lib/diag.c src/lib/diag.h \
	src/lib/config.c src/lib/config.h \
	src/lib/util.c src/lib/util.h \
	src/lib/sha256.c src/lib/sha256.h \
	src/lib/notify.c src/lib/notify.h

check_PROGRAMS += tests/unit/test_config tests/unit/test_diag
TESTS += tests/unit/test_config tests/unit/test_diag
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_diag_SOURCES = tests/unit/test_diag.c
tests_unit_test_diag_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_diag_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/test_sha256
TESTS += tests/unit/test_sha256
tests_unit_test_sha256_SOURCES = tests/unit/test_sha256.c
tests_unit_test_sha256_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_sha256_LDADD = $(UNIT_LDADD) $(CRYPTO_LIBS)
