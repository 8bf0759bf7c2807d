/*
 * check_mail.c - dialogue checks of text protocols: SMTP, POP3, IMAP,
 * FTP and NNTP.  Each is a table of exchanges run in order, each a named
 * step with its own timeout: the greeting, the protocol's polite command
 * (EHLO, CAPA, NOOP, FEAT, DATE), optionally STARTTLS (then a TLS handshake,
 * with certificate verification on request, and the polite command again
 * over TLS), and the goodbye (QUIT, LOGOUT).  The first exchange that
 * fails decides, with its name and what the server said: "greeting: 554
 * no service", "timeout in greeting" (a server that never greets).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_kind.h"
#include "check_parse.h"

#define MS_TLSONLY	0x01	/* only with starttls */
#define MS_TLSAFTER	0x02	/* a TLS handshake follows a good reply */
#define MS_EOF_OK	0x04	/* the server may close instead (goodbye) */

struct mail_step {
	const char	*ms_label;
	const char	*ms_send;
	enum mail_style	 ms_style;
	const char	*ms_ok;		/* code prefix (MAIL_CODE) */
	const char	*ms_tag;	/* IMAP tag */
	int		 ms_flags;
};

#define EHLO	"EHLO shoal-nanny\r\n"

static const struct mail_step smtp_steps[] = {
	{ "greeting", NULL, MAIL_CODE, "220", NULL, 0 },
	{ "EHLO", EHLO, MAIL_CODE, "250", NULL, 0 },
	{ "STARTTLS", "STARTTLS\r\n", MAIL_CODE, "220", NULL,
	    MS_TLSONLY | MS_TLSAFTER },
	{ "EHLO", EHLO, MAIL_CODE, "250", NULL, MS_TLSONLY },
	{ "QUIT", "QUIT\r\n", MAIL_CODE, "221", NULL, MS_EOF_OK },
	{ NULL, NULL, MAIL_CODE, NULL, NULL, 0 },
};

static const struct mail_step ftp_steps[] = {
	{ "greeting", NULL, MAIL_CODE, "220", NULL, 0 },
	/* FEAT, not NOOP: servers refuse NOOP before a login (vsftpd) */
	{ "FEAT", "FEAT\r\n", MAIL_CODE, "2", NULL, 0 },
	{ "AUTH TLS", "AUTH TLS\r\n", MAIL_CODE, "234", NULL,
	    MS_TLSONLY | MS_TLSAFTER },
	{ "FEAT", "FEAT\r\n", MAIL_CODE, "2", NULL, MS_TLSONLY },
	{ "QUIT", "QUIT\r\n", MAIL_CODE, "221", NULL, MS_EOF_OK },
	{ NULL, NULL, MAIL_CODE, NULL, NULL, 0 },
};

static const struct mail_step nntp_steps[] = {
	{ "greeting", NULL, MAIL_CODE, "20", NULL, 0 },	/* 200, 201 */
	{ "DATE", "DATE\r\n", MAIL_CODE, "111", NULL, 0 },
	{ "STARTTLS", "STARTTLS\r\n", MAIL_CODE, "382", NULL,
	    MS_TLSONLY | MS_TLSAFTER },
	{ "DATE", "DATE\r\n", MAIL_CODE, "111", NULL, MS_TLSONLY },
	{ "QUIT", "QUIT\r\n", MAIL_CODE, "205", NULL, MS_EOF_OK },
	{ NULL, NULL, MAIL_CODE, NULL, NULL, 0 },
};

static const struct mail_step pop3_steps[] = {
	{ "greeting", NULL, MAIL_POP, NULL, NULL, 0 },
	{ "CAPA", "CAPA\r\n", MAIL_POP_MULTI, NULL, NULL, 0 },
	{ "STLS", "STLS\r\n", MAIL_POP, NULL, NULL, MS_TLSONLY | MS_TLSAFTER },
	{ "CAPA", "CAPA\r\n", MAIL_POP_MULTI, NULL, NULL, MS_TLSONLY },
	{ "QUIT", "QUIT\r\n", MAIL_POP, NULL, NULL, MS_EOF_OK },
	{ NULL, NULL, MAIL_POP, NULL, NULL, 0 },
};

static const struct mail_step imap_steps[] = {
	{ "greeting", NULL, MAIL_IMAP_GREET, NULL, NULL, 0 },
	{ "NOOP", "A1 NOOP\r\n", MAIL_IMAP, NULL, "A1", 0 },
	{ "STARTTLS", "A2 STARTTLS\r\n", MAIL_IMAP, NULL, "A2",
	    MS_TLSONLY | MS_TLSAFTER },
	{ "NOOP", "A3 NOOP\r\n", MAIL_IMAP, NULL, "A3", MS_TLSONLY },
	{ "LOGOUT", "A4 LOGOUT\r\n", MAIL_IMAP, NULL, "A4", MS_EOF_OK },
	{ NULL, NULL, MAIL_IMAP, NULL, NULL, 0 },
};

/* One run's place in the table; the kind's state. */
struct mail_state {
	const struct mail_step	*ms_steps;
	const char		*ms_proto;
	int			 ms_starttls;
	int			 ms_cur;
	char			 ms_greeting[64];
};

/* A line of buf[0..len) without its \r\n, into out (printable). */
static void
mail_first_line(const char *buf, size_t len, char *out, size_t outlen)
{
	check_sample(buf, len, out, outlen);
}

/* Decides a MAIL_CODE line; *code holds the reply's code once seen. */
static enum check_match
mail_code_line(const char *ok, const char *line, size_t llen, char *code,
    char *why, size_t whylen)
{
	char	 s[64];
	int	 last;

	if (code[0] != '\0' && (llen < 4 || memcmp(line, code, 3) != 0 ||
	    (line[3] != ' ' && line[3] != '-')))
		return CHECK_MATCH_MORE;	/* FTP: free text inside */
	if (llen < 3 || line[0] < '1' || line[0] > '5' ||
	    line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9' ||
	    (llen > 3 && line[3] != ' ' && line[3] != '-')) {
		mail_first_line(line, llen, s, sizeof(s));
		snprintf(why, whylen, "not a reply \"%s\"", s);
		return CHECK_MATCH_FAIL;
	}
	last = llen == 3 || line[3] == ' ';
	if (code[0] == '\0')
		memcpy(code, line, 3);
	if (!last)
		return CHECK_MATCH_MORE;
	mail_first_line(line, llen, s, sizeof(s));
	snprintf(why, whylen, "%s", s);
	return strncmp(line, ok, strlen(ok)) == 0 ? CHECK_MATCH_OK :
	    CHECK_MATCH_FAIL;
}

static enum check_match
mail_pop_line(enum mail_style style, const char *line, size_t llen,
    int first, char *why, size_t whylen)
{
	char	 s[64];

	if (!first)	/* inside a multi-line reply: until "." */
		return llen == 1 && line[0] == '.' ? CHECK_MATCH_OK :
		    CHECK_MATCH_MORE;
	mail_first_line(line, llen, s, sizeof(s));
	snprintf(why, whylen, "%s", s);
	if (llen >= 4 && memcmp(line, "-ERR", 4) == 0)
		return CHECK_MATCH_FAIL;
	if (llen < 3 || memcmp(line, "+OK", 3) != 0 ||
	    (llen > 3 && line[3] != ' ')) {
		snprintf(why, whylen, "not a POP3 reply \"%s\"", s);
		return CHECK_MATCH_FAIL;
	}
	return style == MAIL_POP_MULTI ? CHECK_MATCH_MORE : CHECK_MATCH_OK;
}

static int
mail_starts(const char *line, size_t llen, const char *word)
{
	size_t	 n = strlen(word);

	return llen >= n && memcmp(line, word, n) == 0 &&
	    (llen == n || line[n] == ' ');
}

static enum check_match
mail_imap_line(enum mail_style style, const char *tag, const char *line,
    size_t llen, char *why, size_t whylen)
{
	char	 s[64], t[16];

	mail_first_line(line, llen, s, sizeof(s));
	snprintf(why, whylen, "%s", s);
	if (style == MAIL_IMAP_GREET) {
		if (mail_starts(line, llen, "* OK") ||
		    mail_starts(line, llen, "* PREAUTH"))
			return CHECK_MATCH_OK;
		if (!mail_starts(line, llen, "* BYE"))
			snprintf(why, whylen, "not an IMAP greeting \"%s\"", s);
		return CHECK_MATCH_FAIL;
	}
	if (llen >= 2 && line[0] == '*' && line[1] == ' ')
		return CHECK_MATCH_MORE;	/* untagged data */
	snprintf(t, sizeof(t), "%s OK", tag);
	if (mail_starts(line, llen, t))
		return CHECK_MATCH_OK;
	snprintf(t, sizeof(t), "%s ", tag);
	if (llen < strlen(t) || memcmp(line, t, strlen(t)) != 0)
		snprintf(why, whylen, "not an IMAP reply \"%s\"", s);
	return CHECK_MATCH_FAIL;
}

enum check_match
check_mail_reply(enum mail_style style, const char *ok, const char *tag,
    const char *buf, size_t len, int eof, char *why, size_t whylen)
{
	enum check_match	 m;
	const char		*nl;
	size_t			 off = 0, llen;
	char			 code[4] = "", s[64];

	for (;;) {
		nl = off < len ? memchr(buf + off, '\n', len - off) : NULL;
		if (nl == NULL)
			break;
		llen = (size_t)(nl - (buf + off));
		if (llen > MAIL_LINE_MAX)
			break;
		if (llen > 0 && buf[off + llen - 1] == '\r')
			llen--;
		if (style == MAIL_CODE)
			m = mail_code_line(ok, buf + off, llen, code, why,
			    whylen);
		else if (style == MAIL_POP || style == MAIL_POP_MULTI)
			m = mail_pop_line(style, buf + off, llen, off == 0,
			    why, whylen);
		else
			m = mail_imap_line(style, tag, buf + off, llen, why,
			    whylen);
		if (m != CHECK_MATCH_MORE)
			return m;
		off = (size_t)(nl - buf) + 1;
	}
	if (len - off > MAIL_LINE_MAX) {
		snprintf(why, whylen, "reply line too long");
		return CHECK_MATCH_FAIL;
	}
	if (!eof)
		return CHECK_MATCH_MORE;
	check_sample(buf, len, s, sizeof(s));
	snprintf(why, whylen, len == 0 ? "connection closed without a reply" :
	    "reply cut short \"%s\"", s);
	return CHECK_MATCH_FAIL;
}

static const struct mail_step *
mail_table(enum check_type t, const char **proto)
{
	switch (t) {
	case CHECK_T_SMTP:
		*proto = "smtp";
		return smtp_steps;
	case CHECK_T_FTP:
		*proto = "ftp";
		return ftp_steps;
	case CHECK_T_NNTP:
		*proto = "nntp";
		return nntp_steps;
	case CHECK_T_POP3:
		*proto = "pop3";
		return pop3_steps;
	default:
		*proto = "imap";
		return imap_steps;
	}
}

static int
mail_init(struct check *c, const struct check_conf *cc, char *err,
    size_t errlen)
{
	struct mail_state	*ms;

	if ((ms = calloc(1, sizeof(*ms))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->ch_kstate = ms;
	ms->ms_steps = mail_table(c->ch_type, &ms->ms_proto);
	ms->ms_starttls = cc->cc_starttls;
	if (!ms->ms_starttls && cc->cc_tls_verify) {
		snprintf(err, errlen, "tls_verify without starttls: %s checks "
		    "use TLS only through STARTTLS", ms->ms_proto);
		return -1;
	}
	if (ms->ms_starttls)
		return check_tls_settings(c, cc, NULL, err, errlen);
	return 0;
}

static void
mail_begin(struct check *c)
{
	struct mail_state	*ms = c->ch_kstate;

	ms->ms_cur = 0;
	ms->ms_greeting[0] = '\0';
	c->ch_label = ms->ms_steps[0].ms_label;
}

/* The step after cur that this run takes; -1 at the end. */
static int
mail_next_step(const struct mail_state *ms, int cur)
{
	int	 i;

	for (i = cur + 1; ms->ms_steps[i].ms_label != NULL; i++)
		if (!(ms->ms_steps[i].ms_flags & MS_TLSONLY) ||
		    ms->ms_starttls)
			return i;
	return -1;
}

static enum check_match
mail_match(struct check *c, int eof)
{
	struct mail_state	*ms = c->ch_kstate;
	const struct mail_step	*st = &ms->ms_steps[ms->ms_cur];
	enum check_match	 m;
	char			 why[CHECK_REASON_MAX - 24];
	int			 next, tls;

	if ((st->ms_flags & MS_EOF_OK) && eof && c->ch_len == 0)
		m = CHECK_MATCH_OK;
	else
		m = check_mail_reply(st->ms_style, st->ms_ok, st->ms_tag,
		    c->ch_buf, c->ch_len, eof, why, sizeof(why));
	if (m == CHECK_MATCH_MORE)
		return m;
	if (m == CHECK_MATCH_FAIL) {
		check_reason(c, "%s: %s", st->ms_label, why);
		return m;
	}
	if (ms->ms_cur == 0)
		snprintf(ms->ms_greeting, sizeof(ms->ms_greeting), "%.63s", why);
	if ((next = mail_next_step(ms, ms->ms_cur)) == -1) {
		check_reason(c, "%s%s: %s", ms->ms_proto, ms->ms_starttls ?
		    " with STARTTLS" : "", ms->ms_greeting);
		return CHECK_MATCH_OK;
	}
	tls = (st->ms_flags & MS_TLSAFTER) != 0 && ms->ms_starttls;
	ms->ms_cur = next;
	st = &ms->ms_steps[next];
	check_next_exchange(c, st->ms_label, st->ms_send,
	    strlen(st->ms_send), tls);
	return CHECK_MATCH_NEXT;
}

static void
mail_free(struct check *c)
{
	free(c->ch_kstate);
	c->ch_kstate = NULL;
}

const struct check_kind_ops check_mail_ops = {
	.ko_name = "mail",
	.ko_init = mail_init,
	.ko_begin = mail_begin,
	.ko_match = mail_match,
	.ko_free = mail_free,
};
