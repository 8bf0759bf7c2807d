/*
 * shoalctl.c - the administrator's CLI: global options and dispatch.
 *
 *   shoalctl [--db PATH] [-v] COMMAND [ARGS...]
 *
 * --db may also appear after the command (`shoalctl config show --db X`),
 * so that every command takes it; it is taken out of argv before the
 * command's own options are parsed.
 */
#include "shoal-build.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "shoalctl.h"

#ifndef SHOAL_DEFAULT_DB
#define SHOAL_DEFAULT_DB	"/var/lib/shoal/shoal.db"
#endif

/* Every area's table; add yours here (see shoalctl.h). */
static const struct shoalctl_cmd *const tables[] = {
	shoalctl_config_cmds,
	shoalctl_passwd_cmds,
	shoalctl_staged_cmds,
	shoalctl_pulse_cmds,
	shoalctl_server_cmds,
	shoalctl_ops_cmds,
};
#define NTABLES	(sizeof(tables) / sizeof(tables[0]))
/* The blank between a command's words and its arguments, if any. */
#define SEP(args)	((args)[0] != '\0' ? " " : "")

static void
print_commands(FILE *fp)
{
	const struct shoalctl_cmd *c;
	size_t i;

	fprintf(fp, "usage: shoalctl [--db PATH] [-v] COMMAND [ARGS...]\n"
	    "       shoalctl --help | --version\n\ncommands:\n");
	for (i = 0; i < NTABLES; i++)
		for (c = tables[i]; c->cc_words != NULL; c++)
			fprintf(fp, "  %s%s%s\n      %s\n", c->cc_words,
			    SEP(c->cc_args), c->cc_args, c->cc_help);
	fprintf(fp, "\noptions:\n"
	    "  --db PATH   the database [%s]\n"
	    "  -v          more messages (repeat for more)\n"
	    "\nexit status: 0 success, 1 invalid input, "
	    "2 usage or system error\n", SHOAL_DEFAULT_DB);
}

/* After an unknown command: the commands starting with the same word. */
static void
print_group(const char *word)
{
	const struct shoalctl_cmd *c;
	size_t i, len = strlen(word);
	int n = 0;

	for (i = 0; i < NTABLES; i++)
		for (c = tables[i]; c->cc_words != NULL; c++)
			if (strncmp(c->cc_words, word, len) == 0 &&
			    (c->cc_words[len] == ' ' || c->cc_words[len] == '\0'))
				fprintf(stderr, "%s shoalctl [--db PATH] %s%s%s\n",
				    n++ == 0 ? "usage:" : "      ", c->cc_words,
				    SEP(c->cc_args), c->cc_args);
	if (n == 0)
		fprintf(stderr, "try shoalctl --help\n");
}

/*
 * Who is acting, for history and audit: "cli:" and the sudo user or the
 * login name of the real uid.  Names are cut to what fits.
 */
static void
set_user(struct shoalctl *sc)
{
	const char *name = getenv("SUDO_USER");
	struct passwd *pw;
	char uid[32];

	if (name == NULL || name[0] == '\0') {
		if ((pw = getpwuid(getuid())) != NULL)
			name = pw->pw_name;
		else {
			snprintf(uid, sizeof(uid), "uid%lu",
			    (unsigned long)getuid());
			name = uid;
		}
	}
	snprintf(sc->sc_user, sizeof(sc->sc_user), "cli:%s", name);
	shoalctl_printable(sc->sc_user);
}

/*
 * Takes "--db PATH" / "--db=PATH" and "-v" out of argv (up to a "--"),
 * compacting it.  Returns the new argc, or -1 on a --db without a path.
 */
static int
take_global_opts(struct shoalctl *sc, int argc, char **argv)
{
	int i, n = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--db") == 0) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0')
				return -1;
			sc->sc_db = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			if (argv[i][5] == '\0')
				return -1;
			sc->sc_db = argv[i] + 5;
		} else if (strcmp(argv[i], "-v") == 0)
			sc->sc_verbose++;
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

/* Number of words in a command name. */
static int
word_count(const char *w)
{
	int n = 1;

	for (; *w != '\0'; w++)
		n += *w == ' ';
	return n;
}

/* Does argv[0..argc) start with the words of c? */
static int
matches(const struct shoalctl_cmd *c, int argc, char **argv)
{
	const char *w = c->cc_words;
	size_t len;
	int i;

	for (i = 0; i < argc; i++) {
		len = strlen(argv[i]);
		if (strncmp(w, argv[i], len) != 0 ||
		    (w[len] != ' ' && w[len] != '\0'))
			return 0;
		w += len;
		if (*w == '\0')
			return 1;
		w++;
	}
	return 0;
}

/* The command named by the longest run of leading words, or NULL. */
static const struct shoalctl_cmd *
find_cmd(int argc, char **argv)
{
	const struct shoalctl_cmd *c, *best = NULL;
	size_t i;

	for (i = 0; i < NTABLES; i++)
		for (c = tables[i]; c->cc_words != NULL; c++)
			if (matches(c, argc, argv) && (best == NULL ||
			    word_count(c->cc_words) > word_count(best->cc_words)))
				best = c;
	return best;
}

static int
has_help(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

static int
run(struct shoalctl *sc, int argc, char **argv)
{
	const struct shoalctl_cmd *c;
	int nw;

	if ((c = find_cmd(argc, argv)) == NULL) {
		fprintf(stderr, "shoalctl: unknown command \"%s%s%s\"\n",
		    argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
		print_group(argv[0]);
		return SHOALCTL_ERROR;
	}
	sc->sc_cmd = c;
	nw = word_count(c->cc_words);
	if (has_help(argc - nw, argv + nw)) {
		printf("usage: shoalctl [--db PATH] %s%s%s\n  %s\n",
		    c->cc_words, SEP(c->cc_args), c->cc_args, c->cc_help);
		return SHOALCTL_OK;
	}
	/* the last command word is the handler's argv[0]; getopt stays
	 * quiet and handlers print their usage line instead */
	optind = 1;
	opterr = 0;
	return c->cc_fn(sc, argc - nw + 1, argv + nw - 1);
}

int
main(int argc, char *argv[])
{
	struct shoalctl sc;

	memset(&sc, 0, sizeof(sc));
	sc.sc_db = SHOAL_DEFAULT_DB;
	if ((argc = take_global_opts(&sc, argc, argv)) == -1) {
		fprintf(stderr, "shoalctl: --db needs a path\n");
		return SHOALCTL_ERROR;
	}
	log_init("shoalctl", 1, sc.sc_verbose, NULL);
	set_user(&sc);
	if (argc < 2) {
		print_commands(stderr);
		return SHOALCTL_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_commands(stdout);
		return SHOALCTL_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("shoalctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return SHOALCTL_OK;
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "shoalctl: unknown option %s; "
		    "try shoalctl --help\n", argv[1]);
		return SHOALCTL_ERROR;
	}
	return run(&sc, argc - 1, argv + 1);
}
