/*
 * cmd_staged.c - `shoalctl config verify|commit --staged` and `config
 * current`: the peer's half of a push (see cmd_staged.h, src/sync/sync.h).
 *
 * A staged file is a whole SQLite database (a backup-API snapshot of the
 * pushing node).  Verification trusts nothing in it: the bytes' SHA-256,
 * the SQLite header, PRAGMA integrity_check, the schema version, a full
 * load and config_validate(), and the recomputed content hash against the
 * one recorded for its generation.  Commit verifies again, then renames
 * the file over the live database while holding the live database's write
 * lock with its WAL checkpointed away, so no old WAL frame can ever be
 * replayed onto the new file.
 */
#include "shoal-build.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config/config.h"
#include "config/validate.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/store_schema.h"
#include "cmd_staged.h"
#include "shoalctl.h"

#define STAGED_MAX	(512u * 1024 * 1024)
#define ZERO_HASH	"0000000000000000000000000000000000000000000000000000000000000000"

struct staged_args {
	const char	*sa_file;
	const char	*sa_expect_hash;
	const char	*sa_expect_sha;
	const char	*sa_rundir;
	int		 sa_force;
};

struct staged_info {
	uint64_t	 si_gen;
	char		 si_hash[STORE_HASH_HEX];
	char		 si_sha[STORE_HASH_HEX];
	uint64_t	 si_local_gen;
	char		 si_local_hash[STORE_HASH_HEX];
};

static int
usage(const char *cmd)
{
	fprintf(stderr, "usage: shoalctl [--db PATH] config %s --staged FILE "
	    "[--expect-hash H] [--expect-sha256 S] [--force]%s\n", cmd,
	    strcmp(cmd, "commit") == 0 ? " [--rundir DIR]" : "");
	return STAGED_EXIT_USAGE;
}

static int
parse_args(const char *cmd, int argc, char *argv[], struct staged_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->sa_rundir = SHOAL_DEFAULT_RUNDIR;
	for (i = 0; i < argc; i++) {
		const char **val = NULL;

		if (strcmp(argv[i], "--force") == 0) {
			a->sa_force = 1;
			continue;
		}
		if (strcmp(argv[i], "--staged") == 0)
			val = &a->sa_file;
		else if (strcmp(argv[i], "--expect-hash") == 0)
			val = &a->sa_expect_hash;
		else if (strcmp(argv[i], "--expect-sha256") == 0)
			val = &a->sa_expect_sha;
		else if (strcmp(argv[i], "--rundir") == 0 &&
		    strcmp(cmd, "commit") == 0)
			val = &a->sa_rundir;
		if (val == NULL || i + 1 >= argc) {
			fprintf(stderr, "shoalctl: config %s: %s: %s\n", cmd,
			    argv[i], val == NULL ? "unknown option" :
			    "missing value");
			return -1;
		}
		*val = argv[++i];
	}
	if (a->sa_file == NULL) {
		fprintf(stderr, "shoalctl: config %s: --staged FILE is "
		    "required\n", cmd);
		return -1;
	}
	return 0;
}

/* The bytes: checksum, and a self-contained SQLite file (no WAL). */
static int
check_bytes(const struct staged_args *a, struct staged_info *si)
{
	static const char magic[16] = "SQLite format 3";
	unsigned char *buf;
	size_t len;

	if ((buf = (unsigned char *)file_read_all(a->sa_file, STAGED_MAX,
	    &len)) == NULL) {
		fprintf(stderr, "shoalctl: %s: %s\n", a->sa_file,
		    strerror(errno));
		return STAGED_EXIT_USAGE;
	}
	digest_sha256_hex(buf, len, si->si_sha);
	if (a->sa_expect_sha != NULL && strcmp(si->si_sha,
	    a->sa_expect_sha) != 0) {
		fprintf(stderr, "shoalctl: %s: checksum mismatch: SHA-256 %s, "
		    "expected %s (%zu bytes: truncated or corrupted upload)\n",
		    a->sa_file, si->si_sha, a->sa_expect_sha, len);
		free(buf);
		return STAGED_EXIT_CORRUPT;
	}
	if (len < 100 || memcmp(buf, magic, sizeof(magic)) != 0) {
		fprintf(stderr, "shoalctl: %s: not a SQLite database\n",
		    a->sa_file);
		free(buf);
		return STAGED_EXIT_CORRUPT;
	}
	if (buf[18] != 1 || buf[19] != 1) {	/* WAL mode: not self-contained */
		fprintf(stderr, "shoalctl: %s: database is in WAL mode, not a "
		    "self-contained snapshot\n", a->sa_file);
		free(buf);
		return STAGED_EXIT_CORRUPT;
	}
	free(buf);
	return STAGED_EXIT_OK;
}

static int
integrity_row(void *arg, int n, char **vals, char **cols)
{
	int *bad = arg;

	(void)cols;
	if (n >= 1 && vals[0] != NULL && strcmp(vals[0], "ok") != 0) {
		if (*bad < 10)
			fprintf(stderr, "shoalctl: integrity check: %s\n",
			    vals[0]);
		(*bad)++;
	}
	return 0;
}

/* PRAGMA integrity_check and the application id, on a read-only handle. */
static int
check_integrity(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *err = NULL;
	int bad = 0, rc = STAGED_EXIT_CORRUPT;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "shoalctl: %s: %s\n", path, db ?
		    sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	if (sqlite3_exec(db, "PRAGMA integrity_check", integrity_row, &bad,
	    &err) != SQLITE_OK) {
		fprintf(stderr, "shoalctl: %s: integrity check failed: %s\n",
		    path, err ? err : sqlite3_errmsg(db));
		goto done;
	}
	if (bad > 0) {
		fprintf(stderr, "shoalctl: %s: integrity check failed (%d "
		    "problems)\n", path, bad);
		goto done;
	}
	if (sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_int(st, 0) != STORE_APPLICATION_ID) {
		fprintf(stderr, "shoalctl: %s: not a shoal database\n", path);
		goto done;
	}
	rc = STAGED_EXIT_OK;
done:
	sqlite3_finalize(st);
	sqlite3_free(err);
	sqlite3_close(db);
	return rc;
}

/* Loads and validates the staged configuration; checks its hash. */
static int
check_content(const struct staged_args *a, struct staged_info *si)
{
	struct shoal_config *c = NULL;
	struct store_gen g;
	struct store *st;
	struct diag d;
	char hash[STORE_HASH_HEX];
	int rc = STAGED_EXIT_INVALID;

	diag_init(&d);
	if ((st = store_open(a->sa_file, STORE_RDONLY, &d)) == NULL ||
	    store_load(st, &c, &g) == -1) {
		diag_print(&d, stderr);
		fprintf(stderr, "shoalctl: %s: cannot load the staged "
		    "configuration (schema version %d known here)\n",
		    a->sa_file, store_schema_version());
		goto done;
	}
	if (config_validate(c, &d) == -1) {
		diag_print(&d, stderr);
		goto done;
	}
	rc = STAGED_EXIT_CORRUPT;
	if (g.sg_generation == 0 || store_config_hash(c, hash) == -1 ||
	    strcmp(hash, g.sg_hash) != 0) {
		fprintf(stderr, "shoalctl: %s: content hash %s does not match "
		    "the hash %s recorded for generation %" PRIu64 "\n",
		    a->sa_file, hash, g.sg_hash, g.sg_generation);
		goto done;
	}
	if (a->sa_expect_hash != NULL && strcmp(hash, a->sa_expect_hash) != 0) {
		fprintf(stderr, "shoalctl: %s: content hash %s, expected %s\n",
		    a->sa_file, hash, a->sa_expect_hash);
		goto done;
	}
	si->si_gen = g.sg_generation;
	str_copy(si->si_hash, hash, sizeof(si->si_hash));
	rc = STAGED_EXIT_OK;
done:
	store_close(st);
	config_free(c);
	diag_clear(&d);
	return rc;
}

/* This node's generation; 0 when it has no database yet. */
static int
local_generation(const char *db, struct staged_info *si)
{
	struct store_gen g;
	struct store *st;
	struct diag d;

	str_copy(si->si_local_hash, ZERO_HASH, sizeof(si->si_local_hash));
	si->si_local_gen = 0;
	if (access(db, F_OK) == -1 && errno == ENOENT)
		return 0;
	diag_init(&d);
	if ((st = store_open(db, STORE_RDONLY, &d)) == NULL ||
	    store_current(st, &g) == -1) {
		diag_print(&d, stderr);
		fprintf(stderr, "shoalctl: %s: cannot read this node's "
		    "generation\n", db);
		store_close(st);
		diag_clear(&d);
		return -1;
	}
	si->si_local_gen = g.sg_generation;
	if (g.sg_generation > 0)
		str_copy(si->si_local_hash, g.sg_hash,
		    sizeof(si->si_local_hash));
	store_close(st);
	diag_clear(&d);
	return 0;
}

/* Refuses to go back in time, or to replace a diverged configuration. */
static int
check_order(const struct staged_args *a, const struct staged_info *si)
{
	if (a->sa_force)
		return STAGED_EXIT_OK;
	if (si->si_gen < si->si_local_gen) {
		fprintf(stderr, "shoalctl: this node has generation %" PRIu64
		    ", newer than the staged generation %" PRIu64 " (use "
		    "--force to install an older one)\n", si->si_local_gen,
		    si->si_gen);
		return STAGED_EXIT_NEWER;
	}
	if (si->si_gen == si->si_local_gen &&
	    strcmp(si->si_hash, si->si_local_hash) != 0) {
		fprintf(stderr, "shoalctl: this node has a different "
		    "generation %" PRIu64 " (hash %.12s, staged %.12s): the "
		    "configurations diverged (use --force to replace it)\n",
		    si->si_local_gen, si->si_local_hash, si->si_hash);
		return STAGED_EXIT_NEWER;
	}
	return STAGED_EXIT_OK;
}

static int
verify_all(const char *db, const struct staged_args *a, struct staged_info *si)
{
	int rc;

	memset(si, 0, sizeof(*si));
	if ((rc = check_bytes(a, si)) != STAGED_EXIT_OK ||
	    (rc = check_integrity(a->sa_file)) != STAGED_EXIT_OK ||
	    (rc = check_content(a, si)) != STAGED_EXIT_OK)
		return rc;
	if (local_generation(db, si) == -1)
		return STAGED_EXIT_USAGE;
	return check_order(a, si);
}

int
cmd_config_verify_staged(const char *db, int argc, char *argv[])
{
	struct staged_args a;
	struct staged_info si;
	int rc;

	if (parse_args("verify", argc, argv, &a) == -1)
		return usage("verify");
	if ((rc = verify_all(db, &a, &si)) != STAGED_EXIT_OK)
		return rc;
	printf("staged ok generation=%" PRIu64 " hash=%s sha256=%s "
	    "local_generation=%" PRIu64 "\n", si.si_gen, si.si_hash, si.si_sha,
	    si.si_local_gen);
	return fflush(stdout) == EOF ? STAGED_EXIT_USAGE : STAGED_EXIT_OK;
}

/* ---- commit ---- */

/* Gives the staged file the live database's owner and mode; fsyncs it. */
static int
staged_prepare_file(const char *db, const char *file)
{
	struct stat live;
	int fd, rc = -1;

	if ((fd = open(file, O_RDWR | O_CLOEXEC)) == -1)
		goto fail;
	if (stat(db, &live) == 0) {
		if (fchown(fd, live.st_uid, live.st_gid) == -1 ||
		    fchmod(fd, live.st_mode & 07777) == -1)
			goto fail;
	} else if (errno != ENOENT)
		goto fail;
	if (fsync(fd) == -1)
		goto fail;
	rc = 0;
fail:
	if (rc == -1)
		fprintf(stderr, "shoalctl: %s: %s\n", file, strerror(errno));
	if (fd != -1)
		close(fd);
	return rc;
}

/* rename(2) is atomic only within one file system: same directory. */
static int
same_directory(const char *db, const char *file)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct stat sa, sb;

	str_copy(a, db, sizeof(a));
	str_copy(b, file, sizeof(b));
	if (stat(dirname(a), &sa) == -1 || stat(dirname(b), &sb) == -1)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int
fsync_dir(const char *path)
{
	char d[PATH_MAX];
	int fd, rc;

	str_copy(d, path, sizeof(d));
	if ((fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
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
 * Renames file over db.  The live database is first checkpointed with its
 * WAL truncated, switched out of WAL mode when nobody else has it open,
 * and write-locked during the rename, so that no WAL frame of the old
 * database can be applied to the new file.  0 or -1 (printed).
 */
static int
install(const char *db, const char *file)
{
	sqlite3 *live = NULL;
	char *err = NULL;
	int busy = 0, rc = -1;

	if (access(db, F_OK) == 0) {
		if (sqlite3_open_v2(db, &live, SQLITE_OPEN_READWRITE, NULL) !=
		    SQLITE_OK) {
			fprintf(stderr, "shoalctl: %s: %s\n", db, live ?
			    sqlite3_errmsg(live) : "out of memory");
			goto done;
		}
		sqlite3_busy_timeout(live, 10000);
		if (sqlite3_exec(live, "PRAGMA wal_checkpoint(TRUNCATE)",
		    checkpoint_row, &busy, &err) != SQLITE_OK || busy != 0) {
			fprintf(stderr, "shoalctl: %s: cannot checkpoint the "
			    "live database (%s): try again\n", db,
			    err ? err : "busy");
			goto done;
		}
		/* fails harmlessly while a daemon has the database open */
		sqlite3_exec(live, "PRAGMA journal_mode = DELETE", NULL, NULL,
		    NULL);
		if (sqlite3_exec(live, "BEGIN IMMEDIATE", NULL, NULL, &err) !=
		    SQLITE_OK) {
			fprintf(stderr, "shoalctl: %s: cannot lock the live "
			    "database: %s\n", db, err);
			goto done;
		}
		if (wal_size(db) != 0) {
			fprintf(stderr, "shoalctl: %s: the WAL is not empty "
			    "after a checkpoint: try again\n", db);
			goto done;
		}
	}
	if (rename(file, db) == -1) {
		fprintf(stderr, "shoalctl: rename %s to %s: %s\n", file, db,
		    strerror(errno));
		goto done;
	}
	if (fsync_dir(db) == -1)
		fprintf(stderr, "shoalctl: warning: fsync of the directory of "
		    "%s: %s\n", db, strerror(errno));
	rc = 0;
done:
	if (live != NULL) {
		sqlite3_exec(live, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(live);
	}
	sqlite3_free(err);
	return rc;
}

/*
 * Asks pulse to reload over its control socket.  Not running is fine: the
 * new database is read when it starts.
 */
static void
reload_pulse(const char *rundir)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	char reply[256];
	ssize_t n;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path),
	    "%s/pulse.sock", rundir) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "shoalctl: run directory path too long: %s\n",
		    rundir);
		return;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			fprintf(stderr, "shoalctl: pulse is not running: "
			    "nothing to reload\n");
		else
			fprintf(stderr, "shoalctl: warning: %s: %s\n",
			    sun.sun_path, strerror(errno));
		close(fd);
		return;
	}
	if (write(fd, "reload\n", 7) != 7) {
		fprintf(stderr, "shoalctl: warning: reload request to pulse: "
		    "%s\n", strerror(errno));
		close(fd);
		return;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 3000) == 1 && (n = read(fd, reply,
	    sizeof(reply) - 1)) > 0) {
		reply[n] = '\0';
		reply[strcspn(reply, "\n")] = '\0';
		fprintf(stderr, "shoalctl: pulse: %s\n", reply);
	} else
		fprintf(stderr, "shoalctl: reload requested from pulse\n");
	close(fd);
}

/*
 * Removes what earlier pushes left next to db (a dropped connection
 * leaves a .part, a timeout a staged file): staged files of generations up
 * to the one just committed are of no use any more.  Newer ones may
 * belong to a push still running, and stay.
 */
static void
remove_stale(const char *db, uint64_t gen)
{
	static const char prefix[] = ".shoal-staged.";
	char dir[PATH_MAX], path[PATH_MAX];
	unsigned long long g;
	struct dirent *de;
	DIR *dp;
	char *end;
	int n = 0;

	str_copy(dir, db, sizeof(dir));
	if ((dp = opendir(dirname(dir))) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (strncmp(de->d_name, prefix, sizeof(prefix) - 1) != 0)
			continue;
		errno = 0;
		g = strtoull(de->d_name + sizeof(prefix) - 1, &end, 10);
		if (errno != 0 || *end != '.' || g > gen)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) < sizeof(path) && unlink(path) == 0)
			n++;
	}
	closedir(dp);
	if (n > 0)
		fprintf(stderr, "shoalctl: removed %d stale staged file(s)\n",
		    n);
}

int
cmd_config_commit_staged(const char *db, int argc, char *argv[])
{
	struct staged_args a;
	struct staged_info si;
	int rc;

	if (parse_args("commit", argc, argv, &a) == -1)
		return usage("commit");
	if ((rc = verify_all(db, &a, &si)) != STAGED_EXIT_OK)
		return rc;
	if (!same_directory(db, a.sa_file)) {
		fprintf(stderr, "shoalctl: %s must be in the directory of %s "
		    "(atomic rename)\n", a.sa_file, db);
		return STAGED_EXIT_USAGE;
	}
	if (staged_prepare_file(db, a.sa_file) == -1 ||
	    install(db, a.sa_file) == -1)
		return STAGED_EXIT_USAGE;
	remove_stale(db, si.si_gen);
	reload_pulse(a.sa_rundir);
	printf("committed generation=%" PRIu64 " hash=%s\n", si.si_gen,
	    si.si_hash);
	return fflush(stdout) == EOF ? STAGED_EXIT_USAGE : STAGED_EXIT_OK;
}

int
cmd_config_current(const char *db, int argc, char *argv[])
{
	struct staged_info si;

	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "usage: shoalctl [--db PATH] config current\n");
		return STAGED_EXIT_USAGE;
	}
	if (local_generation(db, &si) == -1)
		return STAGED_EXIT_USAGE;
	printf("current generation=%" PRIu64 " hash=%s\n", si.si_local_gen,
	    si.si_local_hash);
	return fflush(stdout) == EOF ? STAGED_EXIT_USAGE : STAGED_EXIT_OK;
}

/* ---- shoalctl's command table (argv[0] is the last command word) ---- */

static int
staged_verify(struct shoalctl *sc, int argc, char **argv)
{
	return cmd_config_verify_staged(sc->sc_db, argc - 1, argv + 1);
}

static int
staged_commit(struct shoalctl *sc, int argc, char **argv)
{
	return cmd_config_commit_staged(sc->sc_db, argc - 1, argv + 1);
}

static int
staged_current(struct shoalctl *sc, int argc, char **argv)
{
	return cmd_config_current(sc->sc_db, argc - 1, argv + 1);
}

const struct shoalctl_cmd shoalctl_staged_cmds[] = {
	{ "config verify", staged_verify, "--staged FILE [--expect-hash H] "
	    "[--expect-sha256 S] [--force]",
	    "check a database pushed by shoal-sync; change nothing "
	    "(exit 3: this node is newer, 4: file damaged)" },
	{ "config commit", staged_commit, "--staged FILE [--expect-hash H] "
	    "[--expect-sha256 S] [--force] [--rundir DIR]",
	    "verify a pushed database, rename it over this node's database "
	    "and ask pulse to reload" },
	{ "config current", staged_current, "",
	    "print this node's generation and hash (shoal-sync status)" },
	{ NULL, NULL, NULL, NULL }
};
