# lvs.cf reader, canonical writer, keyword tables and whole-config validator.
libshoal_a_SOURCES += \
	src/lib/lvscf.h \
	src/lib/lvscf_keys.c src/lib/lvscf_keys.h \
	src/lib/lvscf_write.c \
	src/lib/lvscf_lex.c src/lib/lvscf_lex.h \
	src/lib/lvscf_read.c \
	src/lib/validate.c src/lib/validate.h

LVSCF_UNIT_TESTS = tests/unit/test_lvscf_write tests/unit/test_lvscf_lex \
	tests/unit/test_lvscf_read tests/unit/test_validate
check_PROGRAMS += $(LVSCF_UNIT_TESTS)
TESTS += $(LVSCF_UNIT_TESTS)
tests_unit_test_lvscf_write_SOURCES = tests/unit/test_lvscf_write.c
tests_unit_test_lvscf_write_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lvscf_write_LDADD = $(UNIT_LDADD)
tests_unit_test_lvscf_lex_SOURCES = tests/unit/test_lvscf_lex.c
tests_unit_test_lvscf_lex_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lvscf_lex_LDADD = $(UNIT_LDADD)
tests_unit_test_lvscf_read_SOURCES = tests/unit/test_lvscf_read.c
tests_unit_test_lvscf_read_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lvscf_read_LDADD = $(UNIT_LDADD)
tests_unit_test_validate_SOURCES = tests/unit/test_validate.c
tests_unit_test_validate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_validate_LDADD = $(UNIT_LDADD)

# libFuzzer target (CC=clang ./configure --enable-fuzzing)
EXTRA_DIST += tests/fuzz/fuzz_lvscf.c tests/fuzz/lvscf.dict
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_lvscf
tests_fuzz_fuzz_lvscf_SOURCES = tests/fuzz/fuzz_lvscf.c
tests_fuzz_fuzz_lvscf_LDADD = $(SHOAL_LIBS)
tests_fuzz_fuzz_lvscf_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
endif

# lvs.cf(5), with the configured paths
man_MANS += doc/lvs.cf.5
EXTRA_DIST += doc/lvs.cf.5.in
CLEANFILES += doc/lvs.cf.5
