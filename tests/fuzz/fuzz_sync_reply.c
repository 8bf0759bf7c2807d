/*
 * fuzz_sync_reply.c - libFuzzer target for what shoal-sync reads back
 * from a peer's shoalctl over SSH (sync_parse_line, sync/sync.h): the
 * first byte picks the tag, the rest is the remote output.  A line that
 * parses gives a generation, a hash and (for "staged ok") a SHA-256 that
 * printed back in the same form parse to the same values.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELD_MAX	256	/* larger than any hash or SHA-256 in hex */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tags[] = { "staged ok", "committed",
	    "current" };
	char hash[FIELD_MAX], sha[FIELD_MAX], hash2[FIELD_MAX],
	    sha2[FIELD_MAX], line[3 * FIELD_MAX], *out;
	const char *tag;
	uint64_t gen = 0, gen2 = 0;

	if (size < 1)
		return 0;
	tag = tags[data[0] % 3];
	if ((out = malloc(size)) == NULL)
		return 0;
	memcpy(out, data + 1, size - 1);
	out[size - 1] = '\0';
	memset(hash, 0, sizeof(hash));
	memset(sha, 0, sizeof(sha));
	if (sync_parse_line(out, tag, &gen, hash, data[0] % 3 == 0 ? sha :
	    NULL) == 0) {
		if (data[0] % 3 == 0)
			snprintf(line, sizeof(line), "%s generation=%" PRIu64
			    " hash=%s sha256=%s\n", tag, gen, hash, sha);
		else
			snprintf(line, sizeof(line), "%s generation=%" PRIu64
			    " hash=%s\n", tag, gen, hash);
		memset(hash2, 0, sizeof(hash2));
		memset(sha2, 0, sizeof(sha2));
		if (sync_parse_line(line, tag, &gen2, hash2, data[0] % 3 == 0 ?
		    sha2 : NULL) != 0 ||
		    gen != gen2 || strcmp(hash, hash2) != 0 ||
		    (data[0] % 3 == 0 && strcmp(sha, sha2) != 0))
			abort();
	}
	free(out);
	return 0;
}
