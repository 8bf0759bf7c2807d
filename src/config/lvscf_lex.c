/*
 * lvscf_lex.c - splits lvs.cf text into lines of tokens.
 */
#include "shoal-build.h"

#include <stdlib.h>
#include <string.h>

#include "config/lvscf.h"
#include "config/lvscf_lex.h"
#include "lib/util.h"

struct lvscf_lex {
	const char		*x_file;
	const char		*x_buf;
	size_t			 x_len;
	size_t			 x_pos;
	int			 x_line;	/* line of x_pos */
	size_t			 x_bol;		/* offset where that line starts */
	struct diag		*x_diag;
	struct lvscf_line	 x_cur;
	char			 x_text[LVSCF_LEX_MAXTOK][LVSCF_MAX_TOKEN + 1];
};

struct lvscf_lex *
lvscf_lex_new(const char *file, const char *buf, size_t len, struct diag *d)
{
	struct lvscf_lex *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->x_file = file;
	x->x_buf = buf;
	x->x_len = len;
	x->x_line = 1;
	x->x_diag = d;
	/* a UTF-8 byte order mark (some Windows editors add one) */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		x->x_pos = x->x_bol = 3;
	return x;
}

void
lvscf_lex_free(struct lvscf_lex *x)
{
	if (x == NULL)
		return;
	mem_wipe(x->x_text, sizeof(x->x_text));
	free(x);
}

static int
is_eol(char ch)
{
	return ch == '\n' || ch == '\r';
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int
col_of(const struct lvscf_lex *x, size_t pos)
{
	return (int)(pos - x->x_bol) + 1;
}

static void
lex_error(struct lvscf_lex *x, size_t pos, const char *msg, int ch)
{
	if (ch >= 0)
		diag_add(x->x_diag, DIAG_ERROR, x->x_file, x->x_line,
		    col_of(x, pos), NULL, "%s 0x%02x", msg, ch);
	else
		diag_add(x->x_diag, DIAG_ERROR, x->x_file, x->x_line,
		    col_of(x, pos), NULL, "%s", msg);
	x->x_cur.l_bad = 1;
}

/* Moves past the end of the current line ("\r\n" is one end). */
static void
skip_line(struct lvscf_lex *x)
{
	while (x->x_pos < x->x_len && !is_eol(x->x_buf[x->x_pos]))
		x->x_pos++;
	if (x->x_pos >= x->x_len)
		return;		/* the last line had no end */
	if (x->x_buf[x->x_pos] == '\r' && x->x_pos + 1 < x->x_len &&
	    x->x_buf[x->x_pos + 1] == '\n')
		x->x_pos++;
	x->x_pos++;
	x->x_line++;
	x->x_bol = x->x_pos;
}

/*
 * Reads one token starting at x_pos into slot (NULL: count only).  With
 * at_eq, an unquoted token ends after an '=' that a quote follows, so
 * `key="a b"` and `key ="a b"` read as `key= "a b"`.  Returns 0, or -1
 * after reporting a lexical error.
 */
static int
lex_token(struct lvscf_lex *x, int at_eq, char *slot, size_t *lenp)
{
	size_t start = x->x_pos, n = 0;
	char quote = 0, ch;

	if (x->x_buf[start] == '"' || x->x_buf[start] == '\'')
		quote = x->x_buf[x->x_pos++];
	for (;;) {
		if (x->x_pos >= x->x_len || is_eol(x->x_buf[x->x_pos])) {
			if (quote) {
				lex_error(x, start, "quotation mismatch", -1);
				return -1;
			}
			break;
		}
		ch = x->x_buf[x->x_pos];
		if (quote && ch == quote) {
			x->x_pos++;
			break;
		}
		if (!quote && is_blank(ch))
			break;
		if (((unsigned char)ch < 0x20 && ch != '\t') || ch == 0x7f) {
			lex_error(x, x->x_pos, "invalid character",
			    (unsigned char)ch);
			return -1;
		}
		if (n >= LVSCF_MAX_TOKEN) {
			lex_error(x, start, "token too long (more than "
			    "4095 bytes)", -1);
			return -1;
		}
		if (slot != NULL)
			slot[n] = ch;
		n++;
		x->x_pos++;
		if (at_eq && !quote && ch == '=' && x->x_pos < x->x_len &&
		    (x->x_buf[x->x_pos] == '"' || x->x_buf[x->x_pos] == '\''))
			break;
	}
	if (slot != NULL)
		slot[n] = '\0';
	*lenp = n;
	return 0;
}

/* Splits the line at x_pos into x_cur; leaves x_pos at its end. */
static void
lex_line(struct lvscf_lex *x)
{
	struct lvscf_line *l = &x->x_cur;
	struct lvscf_tok *t;
	char *slot;
	size_t len;
	int at_eq;

	memset(l, 0, sizeof(*l));
	l->l_line = x->x_line;
	for (;;) {
		while (x->x_pos < x->x_len && is_blank(x->x_buf[x->x_pos]))
			x->x_pos++;
		if (x->x_pos >= x->x_len || is_eol(x->x_buf[x->x_pos]))
			return;
		if (l->l_ntok == 0 && x->x_buf[x->x_pos] == '#')
			return;		/* a comment line */
		t = l->l_ntok < LVSCF_LEX_MAXTOK ? &l->l_tok[l->l_ntok] : NULL;
		slot = t != NULL ? x->x_text[l->l_ntok] : NULL;
		if (t != NULL) {
			t->t_line = x->x_line;
			t->t_col = col_of(x, x->x_pos);
			t->t_quote = x->x_buf[x->x_pos] == '"' ||
			    x->x_buf[x->x_pos] == '\'' ? x->x_buf[x->x_pos] : 0;
		}
		/* the statement's key, or a lone "=" after it */
		at_eq = l->l_ntok == 0 || (l->l_ntok == 1 &&
		    x->x_buf[x->x_pos] == '=');
		if (lex_token(x, at_eq, slot, &len) == -1)
			return;
		if (t != NULL) {
			t->t_text = slot;
			t->t_len = len;
		}
		l->l_ntok++;
	}
}

int
lvscf_lex_next(struct lvscf_lex *x, const struct lvscf_line **out)
{
	while (x->x_pos < x->x_len) {
		lex_line(x);
		skip_line(x);
		if (x->x_cur.l_ntok > 0 || x->x_cur.l_bad) {
			*out = &x->x_cur;
			return 1;
		}
	}
	return 0;
}

void
lvscf_lex_eof(const struct lvscf_lex *x, int *line, int *col)
{
	*line = x->x_line;
	*col = col_of(x, x->x_pos);
}
