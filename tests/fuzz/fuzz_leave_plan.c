/*
 * fuzz_leave_plan.c - libFuzzer target for the leave plan the supervisor
 * reads from the worker's socket (pulse/leave.h).  A plan that decodes
 * is encoded again: the bytes must be the same (a plan that does not add
 * up exactly is refused, so nothing is ignored or guessed).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pulse/leave.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct leave_plan lp;
	uint8_t *copy, *again;
	size_t len = 0;

	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&lp, 0, sizeof(lp));
	if (leave_plan_decode(copy, size, &lp) == 0) {
		if ((again = leave_plan_encode(&lp, &len)) == NULL)
			abort();	/* decoded, yet cannot be encoded */
		if (len != size || memcmp(again, data, size) != 0)
			abort();	/* two byte strings for one plan */
		free(again);
		leave_plan_clear(&lp);
	}
	free(copy);
	return 0;
}
