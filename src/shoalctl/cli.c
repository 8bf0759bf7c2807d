/*
 * cli.c - helpers the command files of shoalctl share (shoalctl.h):
 * usage lines, opening the store, printing diagnostics, parsing a
 * generation number.
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shoalctl.h"

/* The blank between a command's words and its arguments, if any. */
#define SEP(args)	((args)[0] != '\0' ? " " : "")

int
shoalctl_usage(const struct shoalctl *sc)
{
	fprintf(stderr, "usage: shoalctl [--db PATH] %s%s%s\n",
	    sc->sc_cmd->cc_words, SEP(sc->sc_cmd->cc_args),
	    sc->sc_cmd->cc_args);
	return SHOALCTL_ERROR;
}

void
shoalctl_print_diag(const struct diag *d)
{
	diag_print(d, stderr);
	if (d->d_dropped > 0)
		fprintf(stderr, "(%d more not shown)\n", d->d_dropped);
}

struct store *
shoalctl_open(const struct shoalctl *sc, int flags)
{
	struct store *s;
	struct diag d;

	diag_init(&d);
	if ((s = store_open(sc->sc_db, flags, &d)) == NULL)
		shoalctl_print_diag(&d);
	diag_clear(&d);
	return s;
}

int
shoalctl_parse_gen(const char *s, uint64_t *g)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v == 0) {
		fprintf(stderr, "shoalctl: %s: not a generation number\n", s);
		return -1;
	}
	*g = v;
	return 0;
}

void
shoalctl_printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}
