# src/webui: shoal-web, the browser admin UI and JSON API.  libweb.a holds
# everything but main() (web.c), linked by shoal-web and the tests.
noinst_LIBRARIES += src/webui/libweb.a
src_webui_libweb_a_SOURCES = \
	src/webui/web.h \
	src/webui/http.c src/webui/http.h \
	src/webui/http_reply.c src/webui/http_reply.h \
	src/webui/http_route.c src/webui/http_route.h \
	src/webui/auth.c src/webui/auth.h \
	src/webui/hashpool.c src/webui/hashpool.h \
	src/webui/static.c src/webui/static.h \
	src/webui/logtail.c src/webui/logtail.h \
	src/webui/ctlasync.c src/webui/ctlasync.h \
	src/webui/jsoncfg.c src/webui/jsoncfg.h \
	src/webui/push_watch.c src/webui/push_watch.h \
	src/webui/api.c src/webui/api.h \
	src/webui/api_session.c src/webui/api_status.c \
	src/webui/api_config.c src/webui/api_history.c \
	src/webui/api_logs.c src/webui/api_push.c src/webui/api_users.c \
	src/webui/api_schema.c src/webui/api_metrics.c src/webui/api_ops.c \
	src/webui/api_preview.c
src_webui_libweb_a_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(CRYPTO_CFLAGS) $(SSH2_CFLAGS)
WEB_LIBS = src/webui/libweb.a src/sync/libsync.a src/ipc/libipc.a \
	src/store/libstore.a src/config/libconfig.a src/lib/liblib.a $(NETTLE_LIBS) \
	$(MHD_LIBS) $(SSH2_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS) \
	$(LIBEVENT_LIBS) $(CRYPT_LIBS) $(CRYPTO_LIBS) -lpthread -lm

sbin_PROGRAMS += shoal-web
shoal_web_SOURCES = src/webui/web.c
shoal_web_CFLAGS = $(src_webui_libweb_a_CFLAGS)
shoal_web_LDADD = $(WEB_LIBS)

# The API test starts the real shoal-web binary (built first).
check_PROGRAMS += tests/unit/test_web_api
TESTS += tests/unit/test_web_api
tests_unit_test_web_api_SOURCES = tests/unit/test_web_api.c
tests_unit_test_web_api_CFLAGS = $(UNIT_CFLAGS) $(MHD_CFLAGS)
tests_unit_test_web_api_LDADD = $(WEB_LIBS) $(UNIT_LDADD)
EXTRA_tests_unit_test_web_api_DEPENDENCIES = shoal-web$(EXEEXT)

# Sessions (in a temporary store), CSRF and throttling on a fake clock.
check_PROGRAMS += tests/unit/test_web_auth
TESTS += tests/unit/test_web_auth
tests_unit_test_web_auth_SOURCES = tests/unit/test_web_auth.c \
	tests/unit/tempstore.c tests/unit/tempstore.h
tests_unit_test_web_auth_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_web_auth_LDADD = $(WEB_LIBS) $(CMOCKA_LIBS)

# The password hashing pool on a real loop and real yescrypt.
check_PROGRAMS += tests/unit/test_hashpool
TESTS += tests/unit/test_hashpool
tests_unit_test_hashpool_SOURCES = tests/unit/test_hashpool.c
tests_unit_test_hashpool_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_hashpool_LDADD = $(WEB_LIBS) $(CMOCKA_LIBS)

# A push from shoal-web to real sshd peers (root; SKIP otherwise).
TESTS += tests/integration/web_push.sh tests/integration/web_rollback.sh \
	tests/integration/web_ops.sh

# Browser tests: headless Chromium driven by playwright-core.
TESTS += tests/browser/run.sh
EXTRA_DIST += www tests/browser/run.sh tests/browser/ui.test.mjs \
	tests/browser/package.json tests/browser/package-lock.json \
	tests/browser/README.md bench/web
man_MANS += doc/shoal-web.8
CLEANFILES += doc/shoal-web.8

# The static pages are installed for shoal-web to serve.
wwwdir = $(pkgdatadir)/www
dist_www_DATA = $(wildcard $(srcdir)/www/*.html $(srcdir)/www/*.css \
	$(srcdir)/www/*.js $(srcdir)/www/*.svg)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_web_json
tests_fuzz_fuzz_web_json_SOURCES = tests/fuzz/fuzz_web_json.c
tests_fuzz_fuzz_web_json_CFLAGS = $(src_webui_libweb_a_CFLAGS)
tests_fuzz_fuzz_web_json_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_web_json_LDADD = $(WEB_LIBS)
endif

check_PROGRAMS += tests/unit/test_push_watch
TESTS += tests/unit/test_push_watch
tests_unit_test_push_watch_SOURCES = tests/unit/test_push_watch.c
tests_unit_test_push_watch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_push_watch_LDADD = $(WEB_LIBS) $(CMOCKA_LIBS)
