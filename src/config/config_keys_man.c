/*
 * config_keys_man.c - ck-man, a build tool: copies lvs.cf(5)'s source
 * (doc/lvs.cf.5.in) from stdin to stdout, writing the field registry's
 * key reference where the page asks for it, so the page documents every
 * key with the help, type, range and default the programs use.
 *
 *   .\" registry-keys BLOCK    every key of BLOCK (global, node, virtual,
 *                              server, failover, track) as a .TP entry,
 *                              in table order
 *   .\" registry-kept          the kept Piranha keys of every block, as a
 *                              list of bold words
 *
 * Exit 1 (with a message) on an unknown block or a read error.
 */
#include "shoal-build.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_keys.h"

#define MARK_KEYS	".\\\" registry-keys "
#define MARK_KEPT	".\\\" registry-kept"

/*
 * Text for roff: backslashes escaped, a leading dot or quote protected,
 * and each sentence (after ".  ") on a line of its own, as roff wants.
 */
static void
roff_text(const char *s)
{
	int bol = 1;

	for (; *s != '\0'; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", stdout);
		bol = 0;
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (s[0] == '.' && s[1] == ' ' && s[2] == ' ') {
			fputs(".\n", stdout);
			s += 2;
			bol = 1;
		} else
			putchar(*s);
	}
}

/* The value a key takes, as the page's lexical rules name it. */
static const char *
type_word(const struct ck_field *f)
{
	switch (f->f_type) {
	case CK_BOOL:
		return "0|1";
	case CK_SECS:
		return "whole seconds";
	case CK_MS:
		return "seconds";
	case CK_PORT:
		return "port";
	case CK_ADDR:
		return "address";
	case CK_ADDR_DEV:
		return "address [device]";
	case CK_MASK:
		return "mask";
	case CK_STR:
		return "string";
	case CK_ENUM:
		return "word";
	default:
		return "integer";
	}
}

/* "; " between the parts of the bracketed note. */
static void
sep(int *n)
{
	fputs(*n > 0 ? "; " : "[", stdout);
	(*n)++;
}

static void
note_range(const struct ck_field *f, int *n)
{
	char lo[32], hi[32];

	switch (f->f_type) {
	case CK_INT:
	case CK_U32:
	case CK_U64:
	case CK_SECS:
	case CK_MS:
	case CK_PORT:
		break;
	default:	/* bools, masks (LEXICAL RULES), words, text */
		return;
	}
	if (f->f_max == INT64_MAX || (f->f_flags & CK_KEPT))
		return;
	if (f->f_type == CK_MS) {
		ck_fmt_ms((uint32_t)f->f_min, lo, sizeof(lo));
		ck_fmt_ms((uint32_t)f->f_max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%" PRId64, f->f_min);
		snprintf(hi, sizeof(hi), "%" PRId64, f->f_max);
	}
	sep(n);
	printf("%s%s to %s", (f->f_flags & CK_ZERO_UNSET) ? "0, or " : "",
	    lo, hi);
}

static void
note_values(const struct ck_field *f, int *n)
{
	const char *name;
	int v;

	if (f->f_type != CK_ENUM)
		return;
	sep(n);
	fputs("one of", stdout);
	for (v = 0; (name = f->f_enum->e_name(v)) != NULL; v++)
		printf("%s\\fB%s\\fR", v == 0 ? " " : ", ", name);
}

/* The bracketed line after the help: origin, range, values, default. */
static void
entry_note(const struct ck_field *f)
{
	int n = 0;

	if (f->f_flags & CK_KEPT) {
		sep(&n);
		fputs("kept but not used", stdout);
	}
	if (f->f_flags & CK_EXT) {
		sep(&n);
		fputs("shoal extension", stdout);
	}
	if (f->f_flags & CK_FAILOVER_ONLY) {
		sep(&n);
		fputs("failover blocks only", stdout);
	}
	if (f->f_flags & CK_REQUIRED) {
		sep(&n);
		fputs("required", stdout);
	}
	note_range(f, &n);
	note_values(f, &n);
	if (f->f_def != NULL) {
		sep(&n);
		printf("default \\fB%s\\fR", f->f_def);
	}
	if (n > 0)
		puts("]");
}

static int
write_keys(const char *block)
{
	const struct ck_field *f = NULL;
	int b;

	for (b = 0; b < CK_NBLOCKS; b++)
		if (strcmp(ck_block_name((enum ck_block)b), block) == 0)
			f = ck_table((enum ck_block)b);
	if (f == NULL) {
		fprintf(stderr, "ck-man: no block %s\n", block);
		return -1;
	}
	for (; f->f_type != CK_END; f++) {
		if (f->f_key == NULL)	/* names and devices: not keys */
			continue;
		printf(".TP\n\\fB%s\\fR = \\fI%s\\fR\n", f->f_key,
		    type_word(f));
		roff_text(f->f_help);
		putchar('\n');
		entry_note(f);
	}
	return 0;
}

/* The kept keys of every block, each once, as "\fBa\fR, \fBb\fR". */
static void
write_kept(void)
{
	const struct ck_field *f;
	int b, n = 0;

	for (b = 0; b < CK_NBLOCKS; b++)
		for (f = ck_table((enum ck_block)b); f->f_type != CK_END; f++) {
			if (!(f->f_flags & CK_KEPT) || (b == CK_FAILOVER &&
			    ck_find(ck_virtual, f->f_key) != NULL))
				continue;
			printf("%s\\fB%s\\fR", n++ > 0 ? ",\n" : "(", f->f_key);
		}
	puts(")");
}

int
main(void)
{
	char line[4096];
	size_t len;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strncmp(line, MARK_KEYS, strlen(MARK_KEYS)) == 0) {
			if (write_keys(line + strlen(MARK_KEYS)) == -1)
				return 1;
		} else if (strcmp(line, MARK_KEPT) == 0)
			write_kept();
		else
			puts(line);
	}
	if (ferror(stdin) || fflush(stdout) != 0) {
		perror("ck-man");
		return 1;
	}
	return 0;
}
