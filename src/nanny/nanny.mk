# src/nanny: the health checker, plus the library parts it brings
# (safe command execution, the nanny -> pulse report protocol).
libshoal_a_SOURCES += \
	src/lib/exec.c src/lib/exec.h \
	src/lib/nanny_report.c src/lib/nanny_report.h

check_PROGRAMS += tests/unit/test_exec tests/unit/test_report
TESTS += tests/unit/test_exec tests/unit/test_report
tests_unit_test_exec_SOURCES = tests/unit/test_exec.c
tests_unit_test_exec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_exec_LDADD = $(UNIT_LDADD)
tests_unit_test_report_SOURCES = tests/unit/test_report.c
tests_unit_test_report_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_report_LDADD = $(UNIT_LDADD)
