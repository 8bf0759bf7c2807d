# src/lib store: the SQLite configuration store, text diffs, web UI users.
libshoal_a_SOURCES += \
	src/lib/store.c src/lib/store.h \
	src/lib/store_schema.c src/lib/store_schema.h \
	src/lib/store_view.c src/lib/store_view.h \
	src/lib/textdiff.c src/lib/textdiff.h \
	src/lib/users.c src/lib/users.h

check_PROGRAMS += tests/unit/test_store tests/unit/test_textdiff \
	tests/unit/test_users
TESTS += tests/unit/test_store tests/unit/test_textdiff tests/unit/test_users
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)
tests_unit_test_textdiff_SOURCES = tests/unit/test_textdiff.c
tests_unit_test_textdiff_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_textdiff_LDADD = $(UNIT_LDADD)
tests_unit_test_users_SOURCES = tests/unit/test_users.c \
	tests/unit/tempstore.c tests/unit/tempstore.h
tests_unit_test_users_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_users_LDADD = $(UNIT_LDADD)
