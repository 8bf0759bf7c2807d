/*
 * store_file.h - whole database files, for the peer's side of a push
 * (shoalctl config verify|commit --staged): checking a file that came
 * from another node before anything trusts it, and installing it over
 * the live database so that no old WAL frame can ever be replayed onto
 * the new file.
 */
#ifndef SHOAL_STORE_FILE_H
#define SHOAL_STORE_FILE_H

#include "lib/diag.h"

/*
 * Checks that path is a self-contained SQLite database of shoal: the
 * SQLite header, not in WAL mode (a snapshot must not need a -wal file),
 * PRAGMA integrity_check (at most STORE_FILE_PROBLEMS_SHOWN problems
 * listed), and shoal's application_id.  The file is opened read-only.
 * 0, or -1 with every reason in d (each item names path).
 */
int store_file_verify(const char *path, struct diag *d);
#define STORE_FILE_PROBLEMS_SHOWN	10

/*
 * Renames file over db (same directory: the caller checks).  The live
 * database, when there is one, is first checkpointed with its WAL
 * truncated (refused while busy), switched out of WAL mode when nobody
 * else has it open, and write-locked (BEGIN IMMEDIATE) during the rename;
 * its WAL must be empty at that point.  The directory is fsynced after
 * (a failure there is a warning in d).  0, or -1 with the reason in d:
 * nothing was renamed.
 */
int store_file_install(const char *db, const char *file, struct diag *d);

#endif
