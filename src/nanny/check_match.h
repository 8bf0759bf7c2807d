/*
 * check_match.h - expectations: the reply a check waits for ("*", a
 * literal prefix, or a POSIX extended regex), compiled once from the
 * configuration's escaped text and matched on the bytes read so far.
 * Used by the send/expect, HTTP and agent kinds.
 */
#ifndef SHOAL_CHECK_MATCH_H
#define SHOAL_CHECK_MATCH_H

#include <regex.h>
#include <stddef.h>

/* The verdict of a kind's match function on the bytes read so far. */
enum check_match {
	CHECK_MATCH_MORE,	/* undecided: read on */
	CHECK_MATCH_OK,
	CHECK_MATCH_FAIL,
	CHECK_MATCH_NEXT,	/* good; the kind set up the next exchange */
};

/* A compiled expectation: "*" (any), a literal prefix, or a regex. */
struct check_expect {
	int		 ce_set;
	int		 ce_any;
	int		 ce_regex;	/* ce_re compiled */
	regex_t		 ce_re;
	char		*ce_lit;	/* unescaped literal */
	size_t		 ce_litlen;
};

/*
 * Expands \r \n \t \\ and \xHH in s into a new buffer (*out, NUL-terminated,
 * *outlen bytes without the NUL; caller frees).  keep_other: any other
 * backslash pair is kept as written (for regexes); otherwise it is an error.
 * Returns 0, or -1 with a message in err.
 */
int check_unescape(const char *s, int keep_other, char **out, size_t *outlen,
    char *err, size_t errlen);

/* Compiles an expectation from raw config text (NULL: unset). */
int check_expect_compile(struct check_expect *e, const char *raw,
    int use_regex, char *err, size_t errlen);
/* Matches e as a prefix / regex / any against the buffer. */
enum check_match check_expect_match(const struct check_expect *e,
    const char *buf, size_t len, int eof, int full);
void check_expect_free(struct check_expect *e);

#endif
