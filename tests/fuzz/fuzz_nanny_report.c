/*
 * fuzz_nanny_report.c - libFuzzer target for the report lines pulse reads
 * from every nanny's pipe (ipc/nanny_report.h).  Beyond "no crash, no
 * read past the end": a line that parses is written back and parses to
 * the same report, so what pulse applies is what the line said.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/nanny_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nanny_report r, r2;
	char err[128], line[NANNY_REPORT_LINE_MAX + 1], *copy;
	int n;

	/* an exact-size copy, no NUL: the parser must stop at len */
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&r, 0, sizeof(r));
	if (nanny_report_parse(copy, size, &r, err, sizeof(err)) == 0) {
		n = nanny_report_format(&r, line, sizeof(line));
		if (n <= 0)
			abort();	/* parsed, yet cannot be written */
		memset(&r2, 0, sizeof(r2));
		if (nanny_report_parse(line, (size_t)n, &r2, err,
		    sizeof(err)) != 0 ||
		    strcmp(r.nr_service, r2.nr_service) != 0 ||
		    strcmp(r.nr_server, r2.nr_server) != 0 ||
		    !cfg_addr_equal(&r.nr_addr, &r2.nr_addr) ||
		    r.nr_port != r2.nr_port || r.nr_state != r2.nr_state ||
		    r.nr_weight != r2.nr_weight ||
		    r.nr_latency_ms != r2.nr_latency_ms ||
		    strcmp(r.nr_reason, r2.nr_reason) != 0)
			abort();	/* the round trip changed the report */
	}
	free(copy);
	return 0;
}
