/*
 * store_file.c - checking and installing whole database files (see
 * store_file.h).
 */
#include "shoal-build.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lib/util.h"
#include "store/store_file.h"
#include "store/store_schema.h"

#define SQLITE_HEADER_LEN	100

/* The file's first bytes: SQLite's magic, and not in WAL mode. */
static int
check_header(const char *path, struct diag *d)
{
	static const char magic[16] = "SQLite format 3";
	unsigned char hdr[SQLITE_HEADER_LEN];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL, "%s",
		    strerror(errno));
		return -1;
	}
	n = read(fd, hdr, sizeof(hdr));
	close(fd);
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr, magic,
	    sizeof(magic)) != 0) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL, "not a SQLite "
		    "database");
		return -1;
	}
	/* file format versions 2/2 = WAL: not self-contained */
	if (hdr[18] != 1 || hdr[19] != 1) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL, "database is in WAL "
		    "mode, not a self-contained snapshot");
		return -1;
	}
	return 0;
}

struct integrity {
	const char	*in_path;
	struct diag	*in_d;
	int		 in_bad;
};

static int
integrity_row(void *arg, int n, char **vals, char **cols)
{
	struct integrity *in = arg;

	(void)cols;
	if (n >= 1 && vals[0] != NULL && strcmp(vals[0], "ok") != 0) {
		if (in->in_bad < STORE_FILE_PROBLEMS_SHOWN)
			diag_add(in->in_d, DIAG_ERROR, in->in_path, 0, 0, NULL,
			    "integrity check: %s", vals[0]);
		in->in_bad++;
	}
	return 0;
}

/* PRAGMA integrity_check and the application id; 0 or -1. */
static int
check_content(sqlite3 *db, const char *path, struct diag *d)
{
	struct integrity in = { path, d, 0 };
	sqlite3_stmt *st = NULL;
	char *err = NULL;
	int rc = -1;

	if (sqlite3_exec(db, "PRAGMA integrity_check", integrity_row, &in,
	    &err) != SQLITE_OK) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL, "integrity check "
		    "failed: %s", err ? err : sqlite3_errmsg(db));
		goto done;
	}
	if (in.in_bad > 0) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL, "integrity check "
		    "failed (%d problems)", in.in_bad);
		goto done;
	}
	if (sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_int(st, 0) != STORE_APPLICATION_ID) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL, "not a shoal "
		    "database");
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	sqlite3_free(err);
	return rc;
}

int
store_file_verify(const char *path, struct diag *d)
{
	sqlite3 *db = NULL;
	int rc = -1;

	if (check_header(path, d) == -1)
		return -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		diag_add(d, DIAG_ERROR, path, 0, 0, NULL, "%s", db ?
		    sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	rc = check_content(db, path, d);
done:
	sqlite3_close(db);
	return rc;
}

/* ---- install ---- */

static int
fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd, rc;

	str_copy(dir, path, sizeof(dir));
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
checkpoint_row(void *arg, int n, char **vals, char **cols)
{
	int *busy = arg;

	(void)cols;
	if (n >= 1 && vals[0] != NULL)
		*busy = atoi(vals[0]);
	return 0;
}

/* Size of DB-wal, 0 when absent. */
static off_t
wal_size(const char *db)
{
	char wal[PATH_MAX];
	struct stat sb;

	snprintf(wal, sizeof(wal), "%s-wal", db);
	return stat(wal, &sb) == 0 ? sb.st_size : 0;
}

/*
 * Opens the live database db, empties its WAL and takes its write lock
 * (the connection is returned in *out and holds it).  0 or -1 (in d).
 */
static int
lock_live(const char *db, sqlite3 **out, struct diag *d)
{
	sqlite3 *live = NULL;
	char *err = NULL;
	int busy = 0, rc = -1;

	if (sqlite3_open_v2(db, &live, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "%s", live ?
		    sqlite3_errmsg(live) : "out of memory");
		goto done;
	}
	sqlite3_busy_timeout(live, 10000);
	if (sqlite3_exec(live, "PRAGMA wal_checkpoint(TRUNCATE)",
	    checkpoint_row, &busy, &err) != SQLITE_OK || busy != 0) {
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "cannot checkpoint the "
		    "live database (%s): try again", err ? err : "busy");
		goto done;
	}
	/* fails harmlessly while a daemon has the database open */
	sqlite3_exec(live, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	if (sqlite3_exec(live, "BEGIN IMMEDIATE", NULL, NULL, &err) !=
	    SQLITE_OK) {
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "cannot lock the live "
		    "database: %s", err ? err : sqlite3_errmsg(live));
		goto done;
	}
	if (wal_size(db) != 0) {
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "the WAL is not empty "
		    "after a checkpoint: try again");
		goto done;
	}
	rc = 0;
done:
	sqlite3_free(err);
	*out = live;
	return rc;
}

int
store_file_install(const char *db, const char *file, struct diag *d)
{
	sqlite3 *live = NULL;
	int rc = -1;

	if (access(db, F_OK) == 0 && lock_live(db, &live, d) == -1)
		goto done;
	if (rename(file, db) == -1) {
		diag_add(d, DIAG_ERROR, file, 0, 0, NULL, "rename to %s: %s",
		    db, strerror(errno));
		goto done;
	}
	if (fsync_dir(db) == -1)
		diag_add(d, DIAG_WARNING, db, 0, 0, NULL, "fsync of its "
		    "directory: %s", strerror(errno));
	rc = 0;
done:
	if (live != NULL) {
		sqlite3_exec(live, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(live);
	}
	return rc;
}
