/*
 * secret.c - random secrets (see secret.h).
 */
#include "shoal-build.h"

#include <sys/random.h>

#include <errno.h>

#include "secret.h"
#include "util.h"

int
secret_random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t done = 0, n;
	ssize_t got;

	out[0] = '\0';
	while (done < nbytes) {
		n = nbytes - done < sizeof(raw) ? nbytes - done : sizeof(raw);
		if ((got = getrandom(raw, n, 0)) == -1) {
			if (errno == EINTR)
				continue;
			mem_wipe(out, 2 * done);
			out[0] = '\0';
			return -1;
		}
		for (ssize_t i = 0; i < got; i++) {
			out[2 * (done + (size_t)i)] = hex[raw[i] >> 4];
			out[2 * (done + (size_t)i) + 1] = hex[raw[i] & 0xf];
		}
		done += (size_t)got;
	}
	out[2 * nbytes] = '\0';
	mem_wipe(raw, sizeof(raw));
	return 0;
}
