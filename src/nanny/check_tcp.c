/*
 * check_tcp.c - the plain TCP connect check: the server is up when it
 * accepts a connection within the timeout.  The engine's connect step is
 * the whole check; with no match function the run ends at "connected".
 */
#include "shoal-build.h"

#include <stddef.h>

#include "check.h"
#include "check_kind.h"

const struct check_kind_ops check_tcp_ops = {
	.ko_name = "tcp",
};
