# bench/chaos: the chaos soak (README.md there).  Its two probes are
# built with `make check` so that tests/chaos/soak.sh (the 2-minute soak
# in the suite) and bench/chaos/run (the long one) find them.
check_PROGRAMS += bench/chaos/chaos-probe bench/chaos/chaos-arpwatch
bench_chaos_chaos_probe_SOURCES = bench/chaos/probe.c
bench_chaos_chaos_arpwatch_SOURCES = bench/chaos/arpwatch.c
TESTS += tests/chaos/soak.sh
EXTRA_DIST += bench/chaos/README.md bench/chaos/RESULTS.md \
	bench/chaos/chaos.py bench/chaos/one.sh bench/chaos/run \
	bench/chaos/impl/shoal.sh bench/chaos/impl/shoal-fast.sh \
	bench/chaos/impl/keepalived.sh
