/*
 * tempstore.c - a fresh configuration store in a temporary file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/diag.h"
#include "tempstore.h"

struct store *
tempstore_open(const char *tag, char *path, size_t len)
{
	struct store *st;
	struct diag d;
	int fd;

	snprintf(path, len, "/tmp/%s.XXXXXX", tag);
	if ((fd = mkstemp(path)) == -1)
		return NULL;
	close(fd);
	unlink(path);	/* the store creates the file itself, mode and all */
	diag_init(&d);
	st = store_open(path, STORE_CREATE, &d);
	diag_clear(&d);
	return st;
}

void
tempstore_close(struct store *st, const char *path)
{
	char p[4096];

	store_close(st);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}
