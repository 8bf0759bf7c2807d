/*
 * lvscf_lex.h - the lvs.cf lexer: lines of tokens with line and column.
 *
 * Piranha's lexical rules: a line ends at '\n' or '\r' ("\r\n" is one
 * end); a line whose first non-blank character is '#' is a comment; tokens
 * are split on blanks (space, tab); a token starting with '"' or '\'' runs
 * to the matching quote on the same line, with no escapes inside.  Lines
 * and columns are 1-based, columns count bytes.
 *
 * Lexical errors (quotation mismatch, a token longer than LVSCF_MAX_TOKEN,
 * a control character) are added to the diag; the line they are on is
 * returned marked bad so that the parser skips it.
 */
#ifndef SHOAL_LVSCF_LEX_H
#define SHOAL_LVSCF_LEX_H

#include <stddef.h>

#include "lib/diag.h"

/* Tokens kept per line; later ones are only counted. */
#define LVSCF_LEX_MAXTOK	16

struct lvscf_tok {
	const char	*t_text;	/* unquoted, NUL-terminated */
	size_t		 t_len;
	int		 t_line;
	int		 t_col;
	char		 t_quote;	/* '"', '\'' or 0 when bare */
};

struct lvscf_line {
	int		 l_ntok;	/* tokens on the line (may exceed kept) */
	int		 l_bad;		/* a lexical error was reported */
	int		 l_line;
	struct lvscf_tok l_tok[LVSCF_LEX_MAXTOK];
};

struct lvscf_lex;

/*
 * A lexer over buf[0..len) (not copied: buf must outlive the lexer);
 * file names the input in messages and may be NULL.  NULL on ENOMEM.
 */
struct lvscf_lex *lvscf_lex_new(const char *file, const char *buf,
    size_t len, struct diag *d);
/* Frees the lexer and wipes its token buffers (they may hold secrets). */
void lvscf_lex_free(struct lvscf_lex *);
/*
 * Reads the next line that holds tokens.  Returns 1 and points *out at
 * the line (valid until the next call), or 0 at the end of input.
 */
int lvscf_lex_next(struct lvscf_lex *, const struct lvscf_line **out);
/* Position just past the last byte of input (for "unexpected end of file"). */
void lvscf_lex_eof(const struct lvscf_lex *, int *line, int *col);

#endif
