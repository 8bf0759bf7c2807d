# src/store: the SQLite configuration store (the only folder that includes
# sqlite3.h): schema and migrations, the read-only view daemons use,
# whole files (checking and installing a pushed one), the runtime admin
# state of real servers, web UI users.
noinst_LIBRARIES += src/store/libstore.a
src_store_libstore_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(CRYPTO_CFLAGS)
src_store_libstore_a_SOURCES = \
	src/store/store.c src/store/store.h \
	src/store/store_schema.c src/store/store_schema.h \
	src/store/store_view.c src/store/store_view.h \
	src/store/store_file.c src/store/store_file.h \
	src/store/srvadmin.c src/store/srvadmin.h \
	src/store/users.c src/store/users.h \
	src/store/sessions.c src/store/sessions.h
STORE_LIBS = src/store/libstore.a $(CONFIG_LIBS) $(SQLITE_LIBS) $(CRYPT_LIBS) $(CRYPTO_LIBS)

check_PROGRAMS += tests/unit/test_store tests/unit/test_users \
	tests/unit/test_srvadmin
TESTS += tests/unit/test_store tests/unit/test_users tests/unit/test_srvadmin
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)
tests_unit_test_users_SOURCES = tests/unit/test_users.c \
	tests/unit/tempstore.c tests/unit/tempstore.h
tests_unit_test_users_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_users_LDADD = $(UNIT_LDADD)
tests_unit_test_srvadmin_SOURCES = tests/unit/test_srvadmin.c \
	tests/unit/tempstore.c tests/unit/tempstore.h
tests_unit_test_srvadmin_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_srvadmin_LDADD = $(UNIT_LDADD)
