/*
 * check_agent.c - HAProxy-compatible agent checks.
 *
 * nanny connects to the real server's agent port and reads one line of
 * words separated by blanks or commas (text after '#' is a comment):
 *   up, ready            the server is up
 *   down, fail, stopped  the server is down
 *   drain                up, but weight 0: existing connections drain
 *   maint                down for maintenance
 *   NN%                  weight as a percentage of the configured one
 * A reply with no known word, or any unknown word, is a failure: an agent
 * that says something we do not understand is not a healthy agent.
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "check_kind.h"

#define AGENT_LINE_MAX		1024
#define AGENT_PCT_MAX		1000

/* A word "NN%": the number, or -1. */
static int
agent_pct(const char *w, size_t n)
{
	size_t	 i;
	int	 v = 0;

	if (n < 2 || n > 5 || w[n - 1] != '%')
		return -1;
	for (i = 0; i < n - 1; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -1;
		v = v * 10 + (w[i] - '0');
	}
	return v <= AGENT_PCT_MAX ? v : -1;
}

static int
word_is(const char *w, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(w, name, n) == 0;
}

/* Applies one word to the outcome; -1 when it is unknown. */
static int
agent_word(struct check *c, const char *w, size_t n)
{
	int	 pct;

	if (word_is(w, n, "up") || word_is(w, n, "ready"))
		c->ch_out.co_agent = CHECK_AGENT_UP;
	else if (word_is(w, n, "down") || word_is(w, n, "fail") ||
	    word_is(w, n, "stopped"))
		c->ch_out.co_agent = CHECK_AGENT_DOWN;
	else if (word_is(w, n, "drain"))
		c->ch_out.co_agent = CHECK_AGENT_DRAIN;
	else if (word_is(w, n, "maint"))
		c->ch_out.co_agent = CHECK_AGENT_MAINT;
	else if ((pct = agent_pct(w, n)) >= 0)
		c->ch_out.co_weight_pct = pct;
	else
		return -1;
	return 0;
}

static enum check_match
agent_reply(struct check *c, const char *line, size_t len)
{
	size_t	 i = 0, start;
	char	 s[48];

	while (i < len && line[i] != '#') {
		if (strchr(" \t,\r", line[i]) != NULL) {
			i++;
			continue;
		}
		start = i;
		while (i < len && strchr(" \t,\r#", line[i]) == NULL)
			i++;
		if (agent_word(c, line + start, i - start) == -1) {
			check_sample(line + start, i - start, s, sizeof(s));
			snprintf(c->ch_out.co_reason,
			    sizeof(c->ch_out.co_reason),
			    "agent: unknown word \"%s\"", s);
			return CHECK_MATCH_FAIL;
		}
	}
	switch (c->ch_out.co_agent) {
	case CHECK_AGENT_DOWN:
	case CHECK_AGENT_MAINT:
		snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason),
		    "agent: %s", c->ch_out.co_agent == CHECK_AGENT_DOWN ?
		    "down" : "maint");
		return CHECK_MATCH_FAIL;
	case CHECK_AGENT_NONE:
		if (c->ch_out.co_weight_pct < 0) {
			snprintf(c->ch_out.co_reason,
			    sizeof(c->ch_out.co_reason), "agent: empty reply");
			return CHECK_MATCH_FAIL;
		}
		break;
	default:
		break;
	}
	snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason),
	    "agent: %s", c->ch_out.co_agent == CHECK_AGENT_DRAIN ? "drain" :
	    "up");
	return CHECK_MATCH_OK;
}

static enum check_match
agent_match(struct check *c, int eof)
{
	const char	*nl;

	nl = c->ch_len > 0 ? memchr(c->ch_buf, '\n', c->ch_len) : NULL;
	if (nl != NULL)
		return agent_reply(c, c->ch_buf, (size_t)(nl - c->ch_buf));
	if (c->ch_len >= AGENT_LINE_MAX) {
		snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason),
		    "agent: reply line too long");
		return CHECK_MATCH_FAIL;
	}
	if (eof || check_buf_full(c)) {
		if (c->ch_len == 0) {
			snprintf(c->ch_out.co_reason,
			    sizeof(c->ch_out.co_reason),
			    "agent: closed without a reply");
			return CHECK_MATCH_FAIL;
		}
		return agent_reply(c, c->ch_buf, c->ch_len);
	}
	return CHECK_MATCH_MORE;
}

static int
agent_init(struct check *c, const struct check_conf *cc, char *err,
    size_t errlen)
{
	(void)c;
	if (cc->cc_agent_port == 0) {
		snprintf(err, errlen, "agent check without agent_port");
		return -1;
	}
	return 0;
}

const struct check_kind_ops check_agent_ops = {
	.ko_name = "agent",
	.ko_init = agent_init,
	.ko_match = agent_match,
};
