/*
 * cmd_staged.h - the peer's side of shoal-sync: shoalctl commands that
 * check and install a database pushed by another node.
 *
 *   shoalctl --db DB config verify --staged FILE [--expect-hash H]
 *                   [--expect-sha256 S] [--force]
 *   shoalctl --db DB config commit --staged FILE [--expect-hash H]
 *                   [--expect-sha256 S] [--force] [--rundir DIR]
 *   shoalctl --db DB config current
 *
 * Each handler takes the database path and the words after "config verify"
 * (or commit, current) and returns the process exit code.  On success the
 * last stdout line is machine-readable (sync.c parses it):
 *   staged ok generation=N hash=H sha256=S local_generation=L
 *   committed generation=N hash=H
 *   current generation=N hash=H
 * Exit codes: 0 ok, 1 the configuration is invalid (every error printed),
 * 2 usage or system error, 3 refused: the node has a newer or a diverged
 * generation (--force installs it anyway), 4 the staged file is damaged
 * (checksum, not a database, integrity check).
 */
#ifndef SHOAL_CMD_STAGED_H
#define SHOAL_CMD_STAGED_H

#define STAGED_EXIT_OK		0
#define STAGED_EXIT_INVALID	1
#define STAGED_EXIT_USAGE	2
#define STAGED_EXIT_NEWER	3
#define STAGED_EXIT_CORRUPT	4

int cmd_config_verify_staged(const char *db, int argc, char *argv[]);
int cmd_config_commit_staged(const char *db, int argc, char *argv[]);
int cmd_config_current(const char *db, int argc, char *argv[]);

/* The same three are in shoalctl's table as shoalctl_staged_cmds
 * (declared in shoalctl.h). */

#endif
