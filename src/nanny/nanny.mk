# src/nanny: the health checker.  libnanny.a holds everything but main(),
# linked by nanny and its unit tests.
noinst_LIBRARIES += src/nanny/libnanny.a
src_nanny_libnanny_a_SOURCES = \
	src/nanny/check.c src/nanny/check.h src/nanny/check_kind.h \
	src/nanny/check_match.c src/nanny/check_match.h \
	src/nanny/check_tcp.c src/nanny/check_expect.c \
	src/nanny/check_http.c src/nanny/check_tls.c \
	src/nanny/check_program.c src/nanny/check_agent.c \
	src/nanny/check_udp.c src/nanny/check_dns.c \
	src/nanny/check_dns_judge.c src/nanny/check_mail.c \
	src/nanny/check_ldap.c src/nanny/check_ping.c \
	src/nanny/check_parse.h \
	src/nanny/server.c src/nanny/server.h \
	src/nanny/track.c src/nanny/track.h
src_nanny_libnanny_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(OPENSSL_CFLAGS) $(CARES_CFLAGS)
NANNY_LIBS = src/nanny/libnanny.a src/ipc/libipc.a src/store/libstore.a \
	src/config/libconfig.a src/lib/liblib.a $(NETTLE_LIBS) $(SQLITE_LIBS) \
	$(JANSSON_LIBS) $(LIBEVENT_LIBS) $(CRYPT_LIBS) $(OPENSSL_LIBS) \
	$(CRYPTO_LIBS) $(CARES_LIBS)

check_PROGRAMS += tests/unit/test_check tests/unit/test_server \
	tests/unit/test_check_proto tests/unit/test_track
TESTS += tests/unit/test_check tests/unit/test_server \
	tests/unit/test_check_proto tests/unit/test_track
tests_unit_test_track_SOURCES = tests/unit/test_track.c
tests_unit_test_track_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_track_LDADD = $(NANNY_LIBS) $(CMOCKA_LIBS)
tests_unit_test_check_SOURCES = tests/unit/test_check.c \
	tests/unit/responder.c tests/unit/responder_udp.c \
	tests/unit/responder.h
tests_unit_test_check_proto_SOURCES = tests/unit/test_check_proto.c \
	tests/unit/responder.c tests/unit/responder_udp.c \
	tests/unit/responder.h
tests_unit_test_check_proto_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_check_proto_LDADD = $(NANNY_LIBS) $(CMOCKA_LIBS)
tests_unit_test_check_CFLAGS = $(UNIT_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_check_LDADD = $(NANNY_LIBS) $(CMOCKA_LIBS)
tests_unit_test_server_SOURCES = tests/unit/test_server.c \
	tests/unit/responder.c tests/unit/responder_udp.c \
	tests/unit/responder.h
tests_unit_test_server_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_server_LDADD = $(NANNY_LIBS) $(CMOCKA_LIBS)

sbin_PROGRAMS += nanny
nanny_SOURCES = src/nanny/nanny.c
nanny_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
nanny_LDADD = $(NANNY_LIBS)

# Integration test and benchmark helpers.
check_PROGRAMS += tests/integration/nanny_responder
tests_integration_nanny_responder_SOURCES = \
	tests/integration/nanny_responder.c \
	tests/unit/responder.c tests/unit/responder_udp.c \
	tests/unit/responder.h
tests_integration_nanny_responder_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	-I$(top_srcdir)/tests/unit
tests_integration_nanny_responder_LDADD = $(NANNY_LIBS)
check_PROGRAMS += tests/integration/check_probe
tests_integration_check_probe_SOURCES = tests/integration/check_probe.c
tests_integration_check_probe_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
tests_integration_check_probe_LDADD = $(NANNY_LIBS)
TESTS += tests/integration/nanny_checks.sh tests/integration/nanny_proto.sh \
	tests/integration/pulse_checks.sh tests/integration/nanny_http_status.sh
EXTRA_DIST += tests/integration/nanny_checks.sh tests/integration/nanny_proto.sh \
	tests/integration/pulse_checks.sh tests/integration/nanny_http_status.sh

# nanny(8), with the configured paths filled in
man_MANS += doc/nanny.8
CLEANFILES += doc/nanny.8

EXTRA_DIST += bench/checks/run.sh
EXTRA_DIST += bench/checks/README.md

# libFuzzer target for the reply parsers (CC=clang ./configure --enable-fuzzing)
EXTRA_DIST += tests/fuzz/fuzz_check_reply.c
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_check_reply
tests_fuzz_fuzz_check_reply_SOURCES = tests/fuzz/fuzz_check_reply.c
tests_fuzz_fuzz_check_reply_CFLAGS = $(AM_CFLAGS) $(CARES_CFLAGS)
tests_fuzz_fuzz_check_reply_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_check_reply_LDADD = $(NANNY_LIBS)
endif
