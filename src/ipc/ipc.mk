# src/ipc: wire formats between shoal's own processes: the control
# socket's command table and client, the nanny -> pulse report lines.
noinst_LIBRARIES += src/ipc/libipc.a
src_ipc_libipc_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
src_ipc_libipc_a_SOURCES = \
	src/ipc/ctl.c src/ipc/ctl.h \
	src/ipc/ctl_cmd.c src/ipc/ctl_cmd.h \
	src/ipc/nanny_report.c src/ipc/nanny_report.h \
	src/ipc/events.c src/ipc/events.h \
	src/ipc/maint.c src/ipc/maint.h
IPC_LIBS = src/ipc/libipc.a $(CONFIG_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/unit/test_report
TESTS += tests/unit/test_report
tests_unit_test_report_SOURCES = tests/unit/test_report.c
tests_unit_test_report_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_report_LDADD = $(UNIT_LDADD)

# the control socket's command table: parsing, formatting, who may do what
check_PROGRAMS += tests/unit/test_ctl_cmd
TESTS += tests/unit/test_ctl_cmd
tests_unit_test_ctl_cmd_SOURCES = tests/unit/test_ctl_cmd.c
tests_unit_test_ctl_cmd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ctl_cmd_LDADD = $(UNIT_LDADD)

# events and the cluster-wide maintenance map: merges, datagrams, file
check_PROGRAMS += tests/unit/test_maint
TESTS += tests/unit/test_maint
tests_unit_test_maint_SOURCES = tests/unit/test_maint.c
tests_unit_test_maint_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_maint_LDADD = $(UNIT_LDADD)
