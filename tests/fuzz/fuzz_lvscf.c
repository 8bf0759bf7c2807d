/*
 * fuzz_lvscf.c - libFuzzer target for the lvs.cf reader and writer.
 *
 * Reads the input; when it is accepted, writes it, reads the output back
 * (which must succeed) and writes again (which must give the same bytes).
 * Any crash, leak, sanitizer report or abort() here is a bug.
 *
 *   CC=clang ./configure --enable-fuzzing && make tests/fuzz/fuzz_lvscf
 *   tests/fuzz/fuzz_lvscf -max_total_time=60 -dict=tests/fuzz/lvscf.dict \
 *       CORPUS_DIR tests/fixtures/piranha tests/fixtures/lvscf
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "lib/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int ok, const char *what, const struct diag *d)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_lvscf: %s\n", what);
	if (d != NULL)
		diag_print(d, stderr);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shoal_config *c = NULL, *c2 = NULL;
	char *out, *out2;
	size_t len, len2;
	struct diag d;

	diag_init(&d);
	if (lvscf_read_buf("fuzz.cf", (const char *)data, size, &c, &d) == -1) {
		must(c == NULL && diag_errors(&d) > 0, "failed without error",
		    &d);
		diag_clear(&d);
		return 0;
	}
	diag_clear(&d);
	must((out = lvscf_write(c, &len)) != NULL, "write failed", NULL);
	must(lvscf_read_buf("export.cf", out, len, &c2, &d) == 0,
	    "the export does not read back", &d);
	must((out2 = lvscf_write(c2, &len2)) != NULL, "write failed", NULL);
	must(len == len2 && memcmp(out, out2, len) == 0,
	    "export(import(export(x))) != export(x)", NULL);
	diag_clear(&d);
	free(out);
	free(out2);
	config_free(c);
	config_free(c2);
	return 0;
}
