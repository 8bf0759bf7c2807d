# tests/fuzz: libFuzzer targets for what shoal reads from the network or
# from another process (CC=clang ./configure --enable-fuzzing).  The
# lvs.cf, heartbeat and web JSON targets live beside their code; these
# cover the rest: control-socket requests, nanny's report lines, the
# worker's leave plan, the remote shoalctl's replies to shoal-sync.  `scripts/test-all --fuzz`
# runs every target for 60 s.
EXTRA_DIST += tests/fuzz/fuzz_nanny_report.c tests/fuzz/fuzz_leave_plan.c \
	tests/fuzz/fuzz_sync_reply.c tests/fuzz/fuzz_ctl_req.c tests/fuzz/corpus
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_nanny_report tests/fuzz/fuzz_leave_plan \
	tests/fuzz/fuzz_sync_reply tests/fuzz/fuzz_ctl_req
tests_fuzz_fuzz_nanny_report_SOURCES = tests/fuzz/fuzz_nanny_report.c
tests_fuzz_fuzz_nanny_report_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_nanny_report_LDADD = $(IPC_LIBS)
tests_fuzz_fuzz_leave_plan_SOURCES = tests/fuzz/fuzz_leave_plan.c
tests_fuzz_fuzz_leave_plan_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_leave_plan_LDADD = $(PULSE_LIBS)
tests_fuzz_fuzz_sync_reply_SOURCES = tests/fuzz/fuzz_sync_reply.c
tests_fuzz_fuzz_sync_reply_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_sync_reply_LDADD = $(SYNC_LIBS)
tests_fuzz_fuzz_ctl_req_SOURCES = tests/fuzz/fuzz_ctl_req.c
tests_fuzz_fuzz_ctl_req_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_ctl_req_LDADD = $(IPC_LIBS)
endif
