/*
 * tempstore.h - a fresh configuration store in a temporary file, for unit
 * tests that need a real SQLite database.
 */
#ifndef SHOAL_TEMPSTORE_H
#define SHOAL_TEMPSTORE_H

#include <stddef.h>

#include "store/store.h"

/*
 * Creates a new store at a unique /tmp path named after tag; the path is
 * written to path[len].  Returns the open store, or NULL.
 */
struct store *tempstore_open(const char *tag, char *path, size_t len);
/* Closes st and removes the database with its -wal and -shm files. */
void tempstore_close(struct store *st, const char *path);

#endif
