/*
 * shoalctl.h - what the command files of shoalctl share.
 *
 * shoalctl.c parses the global options (--db PATH, -v, --help,
 * --version), finds the command in the command tables and calls its
 * handler.  Each area keeps its commands in its own file (cmd_config.c,
 * cmd_passwd.c, ...) and exports one table; to add an area, write the
 * file, declare its table here and list it in `tables` in shoalctl.c.
 */
#ifndef SHOAL_SHOALCTL_H
#define SHOAL_SHOALCTL_H

#include "lib/diag.h"
#include "store/store.h"

/* Exit codes (shoalctl(8)). */
#define SHOALCTL_OK		0	/* success */
#define SHOALCTL_INVALID	1	/* invalid input: errors printed */
#define SHOALCTL_ERROR		2	/* usage or system error */

struct shoalctl_cmd;

/* The invocation, as handlers see it. */
struct shoalctl {
	const char			*sc_db;		/* --db or the default */
	const struct shoalctl_cmd	*sc_cmd;	/* the command running */
	char				 sc_user[80];	/* "cli:alice" */
	int				 sc_verbose;
};

/*
 * A command: its words ("config import"), handler, arguments for the
 * usage line and a one-line description.  The handler gets argv[0] = the
 * words and the arguments after them (getopt-ready: optind starts at 1)
 * and returns an exit code.
 */
struct shoalctl_cmd {
	const char	*cc_words;
	int		 (*cc_fn)(struct shoalctl *, int argc, char **argv);
	const char	*cc_args;
	const char	*cc_help;
};

/* Command tables, each ended by an entry with cc_words NULL. */
extern const struct shoalctl_cmd shoalctl_config_cmds[];
extern const struct shoalctl_cmd shoalctl_passwd_cmds[];
extern const struct shoalctl_cmd shoalctl_staged_cmds[];	/* cmd_staged.c */
extern const struct shoalctl_cmd shoalctl_pulse_cmds[];
extern const struct shoalctl_cmd shoalctl_server_cmds[];	/* cmd_server.c */
extern const struct shoalctl_cmd shoalctl_ops_cmds[];	/* cmd_ops.c */

/* Prints "usage: shoalctl [--db PATH] WORDS ARGS" to stderr; returns
 * SHOALCTL_ERROR for `return shoalctl_usage(sc);`. */
int shoalctl_usage(const struct shoalctl *);

/*
 * Opens the store at sc_db with STORE_* flags; on failure prints why
 * and returns NULL (exit with SHOALCTL_ERROR).
 */
struct store *shoalctl_open(const struct shoalctl *, int flags);

/* Prints every item of d to stderr (FILE:LINE:COL: error: ...). */
void shoalctl_print_diag(const struct diag *);

/* Replaces control characters in s by '?': text from the environment or
 * the command line that is stored and printed back later. */
void shoalctl_printable(char *s);

/* Parses a generation number (1..); 0 or -1 after printing why. */
int shoalctl_parse_gen(const char *s, uint64_t *g);

#endif
