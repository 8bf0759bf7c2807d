/* test_lvscf_lex.c - the lvs.cf lexer: tokens, positions, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "config/lvscf.h"
#include "config/lvscf_lex.h"
#include "lib/diag.h"

static struct lvscf_lex *
lex(const char *s, struct diag *d)
{
	struct lvscf_lex *x;

	diag_init(d);
	x = lvscf_lex_new("t.cf", s, strlen(s), d);
	assert_non_null(x);
	return x;
}

static void
assert_tok(const struct lvscf_tok *t, const char *text, int line, int col,
    char quote)
{
	assert_string_equal(t->t_text, text);
	assert_int_equal(t->t_len, strlen(text));
	assert_int_equal(t->t_line, line);
	assert_int_equal(t->t_col, col);
	assert_int_equal(t->t_quote, quote);
}

static void
test_tokens(void **state)
{
	struct diag d;
	struct lvscf_lex *x = lex("# comment\n\n  port = 80\n\tsend = \"a b\" "
	    "'x\"y'\"z\"\n", &d);
	const struct lvscf_line *l;

	(void)state;
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_int_equal(l->l_line, 3);
	assert_int_equal(l->l_ntok, 3);
	assert_tok(&l->l_tok[0], "port", 3, 3, 0);
	assert_tok(&l->l_tok[1], "=", 3, 8, 0);
	assert_tok(&l->l_tok[2], "80", 3, 10, 0);
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_int_equal(l->l_ntok, 5);
	assert_tok(&l->l_tok[0], "send", 4, 2, 0);
	assert_tok(&l->l_tok[2], "a b", 4, 9, '"');
	assert_tok(&l->l_tok[3], "x\"y", 4, 15, '\'');
	assert_tok(&l->l_tok[4], "z", 4, 20, '"');
	assert_int_equal(lvscf_lex_next(x, &l), 0);
	assert_int_equal(diag_errors(&d), 0);
	lvscf_lex_free(x);
}

/* `key="a b"` and `key ="a b"`: the quote after '=' starts a token */
static void
test_eq_quote(void **state)
{
	struct diag d;
	struct lvscf_lex *x = lex("key=\"a b\"\nkey ='c d'\n"
	    "send = x=\"y\"\n", &d);
	const struct lvscf_line *l;

	(void)state;
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_int_equal(l->l_ntok, 2);
	assert_tok(&l->l_tok[0], "key=", 1, 1, 0);
	assert_tok(&l->l_tok[1], "a b", 1, 5, '"');
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_int_equal(l->l_ntok, 3);
	assert_tok(&l->l_tok[1], "=", 2, 5, 0);
	assert_tok(&l->l_tok[2], "c d", 2, 6, '\'');
	/* a value is never split: only the key and a lone '=' */
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_int_equal(l->l_ntok, 3);
	assert_tok(&l->l_tok[2], "x=\"y\"", 3, 8, 0);
	assert_int_equal(diag_errors(&d), 0);
	lvscf_lex_free(x);
}

static void
test_line_ends(void **state)
{
	struct diag d;
	struct lvscf_lex *x = lex("a = 1\r\nb = 2\rc = 3\n\r\nd = 4", &d);
	const struct lvscf_line *l;
	int line, col;

	(void)state;
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_tok(&l->l_tok[0], "a", 1, 1, 0);
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_tok(&l->l_tok[0], "b", 2, 1, 0);
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_tok(&l->l_tok[0], "c", 3, 1, 0);
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	/* "\n" ends line 3, "\r\n" ends the empty line 4 */
	assert_tok(&l->l_tok[0], "d", 5, 1, 0);
	assert_tok(&l->l_tok[2], "4", 5, 5, 0);
	assert_int_equal(lvscf_lex_next(x, &l), 0);
	lvscf_lex_eof(x, &line, &col);
	assert_int_equal(line, 5);
	assert_int_equal(col, 6);
	lvscf_lex_free(x);
}

static void
test_quote_mismatch(void **state)
{
	struct diag d;
	struct lvscf_lex *x = lex("send = \"abc\nok = 'x'\n", &d);
	const struct lvscf_line *l;
	struct diag_item *di;

	(void)state;
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_true(l->l_bad);
	assert_int_equal(diag_errors(&d), 1);
	di = TAILQ_FIRST(&d.d_items);
	assert_string_equal(di->di_msg, "quotation mismatch");
	assert_int_equal(di->di_line, 1);
	assert_int_equal(di->di_col, 8);
	/* the next line is read normally */
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_false(l->l_bad);
	assert_tok(&l->l_tok[2], "x", 2, 6, '\'');
	lvscf_lex_free(x);
	diag_clear(&d);
}

static void
test_control_char(void **state)
{
	struct diag d;
	struct lvscf_lex *x;
	const struct lvscf_line *l;
	const char in[] = "a = b\0c\nd = e\n";

	(void)state;
	diag_init(&d);
	x = lvscf_lex_new(NULL, in, sizeof(in) - 1, &d);
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_true(l->l_bad);
	assert_string_equal(TAILQ_FIRST(&d.d_items)->di_msg,
	    "invalid character 0x00");
	assert_int_equal(TAILQ_FIRST(&d.d_items)->di_col, 6);
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_tok(&l->l_tok[0], "d", 2, 1, 0);
	lvscf_lex_free(x);
	diag_clear(&d);
}

static void
test_long_token(void **state)
{
	size_t n = 100 * 1024;
	char *s = malloc(n + 16);
	struct diag d;
	struct lvscf_lex *x;
	const struct lvscf_line *l;

	(void)state;
	memcpy(s, "send = ", 7);
	memset(s + 7, 'A', n);
	memcpy(s + 7 + n, "\nx = 1\n", 8);
	x = lex(s, &d);
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_true(l->l_bad);
	assert_int_equal(diag_errors(&d), 1);
	assert_string_equal(TAILQ_FIRST(&d.d_items)->di_msg,
	    "token too long (more than 4095 bytes)");
	assert_int_equal(TAILQ_FIRST(&d.d_items)->di_col, 8);
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_tok(&l->l_tok[0], "x", 2, 1, 0);
	lvscf_lex_free(x);
	diag_clear(&d);
	/* exactly LVSCF_MAX_TOKEN bytes is fine */
	s[7 + LVSCF_MAX_TOKEN] = '\0';
	x = lex(s, &d);
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_false(l->l_bad);
	assert_int_equal(l->l_tok[2].t_len, LVSCF_MAX_TOKEN);
	lvscf_lex_free(x);
	free(s);
}

static void
test_many_tokens(void **state)
{
	struct diag d;
	struct lvscf_lex *x = lex("a b c d e f g h i j k l m n o p q r s t\n",
	    &d);
	const struct lvscf_line *l;

	(void)state;
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_int_equal(l->l_ntok, 20);
	assert_tok(&l->l_tok[LVSCF_LEX_MAXTOK - 1], "p", 1, 31, 0);
	assert_int_equal(diag_errors(&d), 0);
	lvscf_lex_free(x);
}

static void
test_comment_only_first(void **state)
{
	struct diag d;
	struct lvscf_lex *x = lex("   # c\nsend = a#b # c\n", &d);
	const struct lvscf_line *l;

	(void)state;
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	/* '#' starts a comment only as a line's first token (Piranha) */
	assert_int_equal(l->l_ntok, 5);
	assert_tok(&l->l_tok[2], "a#b", 2, 8, 0);
	assert_tok(&l->l_tok[3], "#", 2, 12, 0);
	lvscf_lex_free(x);
}

static void
test_bom(void **state)
{
	struct diag d;
	struct lvscf_lex *x = lex("\xef\xbb\xbfprimary = 10.0.0.1\n", &d);
	const struct lvscf_line *l;

	(void)state;
	assert_int_equal(lvscf_lex_next(x, &l), 1);
	assert_tok(&l->l_tok[0], "primary", 1, 1, 0);
	lvscf_lex_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_eq_quote),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_quote_mismatch),
		cmocka_unit_test(test_control_char),
		cmocka_unit_test(test_long_token),
		cmocka_unit_test(test_many_tokens),
		cmocka_unit_test(test_comment_only_first),
		cmocka_unit_test(test_bom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
