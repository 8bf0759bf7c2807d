/*
 * cmd_staged.c - `shoalctl config verify|commit --staged` and `config
 * current`: the peer's half of a push (see cmd_staged.h, src/sync/sync.h).
 *
 * A staged file is a whole SQLite database (a backup-API snapshot of the
 * pushing node).  Verification trusts nothing in it: the bytes' SHA-256,
 * the SQLite header and PRAGMA integrity_check (store_file_verify()), the
 * schema version, a full load and config_validate(), and the recomputed
 * content hash against the one recorded for its generation.  Commit
 * verifies again, then installs the file (store_file_install(): renamed
 * over the live database while holding its write lock with its WAL
 * checkpointed away) and asks pulse to reload over the control socket.
 */
#include "shoal-build.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config/config.h"
#include "config/validate.h"
#include "ipc/ctl.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/store_file.h"
#include "store/store_schema.h"
#include "cmd_staged.h"
#include "shoalctl.h"

#define STAGED_MAX	(512u * 1024 * 1024)
#define RELOAD_TIMEOUT_MS	5000
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

/* The bytes: the checksum the pushing node computed. */
static int
check_bytes(const struct staged_args *a, struct staged_info *si)
{
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
	free(buf);
	return STAGED_EXIT_OK;
}

/* A self-contained SQLite file of shoal, intact (store_file.h). */
static int
check_file(const char *path)
{
	struct diag d;
	int rc = STAGED_EXIT_OK;

	diag_init(&d);
	if (store_file_verify(path, &d) == -1)
		rc = STAGED_EXIT_CORRUPT;
	diag_print(&d, stderr);
	diag_clear(&d);
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
	    (rc = check_file(a->sa_file)) != STAGED_EXIT_OK ||
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

/* Installs file over db (store_file.h); 0 or -1 (printed). */
static int
install(const char *db, const char *file)
{
	struct diag d;
	int rc;

	diag_init(&d);
	rc = store_file_install(db, file, &d);
	diag_print(&d, stderr);
	diag_clear(&d);
	return rc;
}

/*
 * Asks pulse to reload over its control socket (ctl.h).  The commit
 * stands whatever the answer: pulse not running reads the new database
 * when it starts, and one that refuses (reload is for root) is told.
 */
static void
reload_pulse(const char *rundir)
{
	char err[512];
	json_t *r;

	if ((r = ctl_call(rundir, CTL_RELOAD, NULL, 0, RELOAD_TIMEOUT_MS, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "shoalctl: no reload: %s\n", err);
		return;
	}
	if (json_object_get(r, "error") != NULL)
		fprintf(stderr, "shoalctl: pulse did not reload: %s\n",
		    json_string_value(json_object_get(r, "error")));
	else
		fprintf(stderr, "shoalctl: pulse reloaded: generation %lld\n",
		    (long long)json_integer_value(json_object_get(r,
		    "generation")));
	json_decref(r);
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
