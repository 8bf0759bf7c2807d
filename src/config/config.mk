# src/config: the configuration model, the field registry (config_keys),
# the lvs.cf reader and canonical writer and the whole-config validator.
# No I/O beyond reading a file.
noinst_LIBRARIES += src/config/libconfig.a
src_config_libconfig_a_CFLAGS = $(AM_CFLAGS)
src_config_libconfig_a_SOURCES = \
	src/config/config.c src/config/config.h \
	src/config/lvscf.h \
	src/config/config_keys.c src/config/config_keys.h \
	src/config/dnsnames.c src/config/dnsnames.h \
	src/config/lvscf_write.c \
	src/config/lvscf_lex.c src/config/lvscf_lex.h \
	src/config/lvscf_read.c \
	src/config/validate.c src/config/validate.h \
	src/config/lbcaps.c src/config/lbcaps.h \
	src/config/validate_ecmp.c src/config/validate_ecmp.h
CONFIG_LIBS = src/config/libconfig.a $(LIB_LIBS)

CONFIG_UNIT_TESTS = tests/unit/test_config tests/unit/test_config_keys \
	tests/unit/test_lvscf_write \
	tests/unit/test_lvscf_lex tests/unit/test_lvscf_read \
	tests/unit/test_validate tests/unit/test_validate_ecmp
check_PROGRAMS += $(CONFIG_UNIT_TESTS)
TESTS += $(CONFIG_UNIT_TESTS)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_config_keys_SOURCES = tests/unit/test_config_keys.c
tests_unit_test_config_keys_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_keys_LDADD = $(UNIT_LDADD)
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
tests_unit_test_validate_ecmp_SOURCES = tests/unit/test_validate_ecmp.c
tests_unit_test_validate_ecmp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_validate_ecmp_LDADD = $(UNIT_LDADD)

# libFuzzer target (CC=clang ./configure --enable-fuzzing)
EXTRA_DIST += tests/fuzz/fuzz_lvscf.c tests/fuzz/lvscf.dict
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_lvscf
tests_fuzz_fuzz_lvscf_SOURCES = tests/fuzz/fuzz_lvscf.c
tests_fuzz_fuzz_lvscf_LDADD = $(CONFIG_LIBS)
tests_fuzz_fuzz_lvscf_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
endif

# lvs.cf(5), with the configured paths; ck-man writes the key reference
# from the field registry where the page's source asks for it.
noinst_PROGRAMS += src/config/ck-man
src_config_ck_man_SOURCES = src/config/config_keys_man.c
src_config_ck_man_LDADD = $(CONFIG_LIBS)
man_MANS += doc/lvs.cf.5
EXTRA_DIST += doc/lvs.cf.5.in
CLEANFILES += doc/lvs.cf.5 doc/lvs.cf.5.keys
doc/lvs.cf.5: $(srcdir)/doc/lvs.cf.5.in src/config/ck-man$(EXEEXT) Makefile
	$(AM_V_GEN)$(MKDIR_P) doc && \
	src/config/ck-man$(EXEEXT) < $(srcdir)/doc/lvs.cf.5.in > $@.keys && \
	$(do_subst) $@.keys > $@.tmp && rm -f $@.keys && mv $@.tmp $@
