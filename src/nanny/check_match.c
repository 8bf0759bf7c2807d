/*
 * check_match.c - escapes and expectations (check_match.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_match.h"

static int
hexdigit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* One escape at s[0] == '\\': the byte into *b, its length, or -1. */
static int
unescape_one(const char *s, char *b)
{
	int	 hi, lo;

	switch (s[1]) {
	case 'r':
		*b = '\r';
		return 2;
	case 'n':
		*b = '\n';
		return 2;
	case 't':
		*b = '\t';
		return 2;
	case '\\':
		*b = '\\';
		return 2;
	case 'x':
		if ((hi = hexdigit(s[2])) < 0 || (lo = hexdigit(s[3])) < 0)
			return -1;
		*b = (char)(hi * 16 + lo);
		return 4;
	default:
		return -1;
	}
}

int
check_unescape(const char *s, int keep_other, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	char	*buf;
	size_t	 i = 0, o = 0;
	int	 n;

	*out = NULL;
	if ((buf = malloc(strlen(s) + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (s[i] != '\0') {
		if (s[i] != '\\') {
			buf[o++] = s[i++];
			continue;
		}
		if (keep_other && s[i + 1] == '\\') {
			/* a regex's own escaped backslash stays escaped */
			buf[o++] = s[i++];
			buf[o++] = s[i++];
			continue;
		}
		if ((n = unescape_one(s + i, &buf[o])) > 0) {
			o++;
			i += (size_t)n;
		} else if (keep_other && s[i + 1] != '\0' && s[i + 1] != 'x') {
			buf[o++] = s[i++];
			buf[o++] = s[i++];
		} else {
			snprintf(err, errlen, "bad escape at offset %zu "
			    "(known: \\r \\n \\t \\\\ \\xHH)", i);
			free(buf);
			return -1;
		}
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return 0;
}

int
check_expect_compile(struct check_expect *e, const char *raw, int use_regex,
    char *err, size_t errlen)
{
	char	*text;
	size_t	 len;
	int	 rv;

	memset(e, 0, sizeof(*e));
	if (raw == NULL)
		return 0;
	e->ce_set = 1;
	if (strcmp(raw, "*") == 0) {
		e->ce_any = 1;
		return 0;
	}
	if (check_unescape(raw, use_regex, &text, &len, err, errlen) == -1)
		return -1;
	if (!use_regex) {
		e->ce_lit = text;
		e->ce_litlen = len;
		return 0;
	}
	if ((rv = regcomp(&e->ce_re, text, REG_EXTENDED | REG_NOSUB)) != 0) {
		char msg[96];

		regerror(rv, &e->ce_re, msg, sizeof(msg));
		snprintf(err, errlen, "bad regex: %s", msg);
		free(text);
		return -1;
	}
	free(text);
	e->ce_regex = 1;
	return 0;
}

void
check_expect_free(struct check_expect *e)
{
	if (e->ce_regex)
		regfree(&e->ce_re);
	free(e->ce_lit);
	memset(e, 0, sizeof(*e));
}

/*
 * Decides e on buf[0..len) (NUL-terminated).  eof: the peer closed;
 * full: the read bound is reached.  Either way no more bytes come.
 */
enum check_match
check_expect_match(const struct check_expect *e, const char *buf, size_t len,
    int eof, int full)
{
	size_t	 n;

	if (!e->ce_set)
		return CHECK_MATCH_OK;
	if (e->ce_any)
		return len > 0 ? CHECK_MATCH_OK :
		    eof ? CHECK_MATCH_FAIL : CHECK_MATCH_MORE;
	if (e->ce_regex) {
		if (len > 0 && regexec(&e->ce_re, buf, 0, NULL, 0) == 0)
			return CHECK_MATCH_OK;
		return eof || full ? CHECK_MATCH_FAIL : CHECK_MATCH_MORE;
	}
	n = len < e->ce_litlen ? len : e->ce_litlen;
	if (n > 0 && memcmp(buf, e->ce_lit, n) != 0)
		return CHECK_MATCH_FAIL;
	if (len >= e->ce_litlen)
		return CHECK_MATCH_OK;
	return eof || full ? CHECK_MATCH_FAIL : CHECK_MATCH_MORE;
}
