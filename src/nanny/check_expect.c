/*
 * check_expect.c - send/expect checks (Piranha's send and expect keys);
 * the matching itself is check_match.c.
 *
 * send is written with \r \n \t \\ and \xHH escapes expanded.  expect is
 * "*" (any reply), a literal the reply must start with, or with use_regex
 * a POSIX extended regex searched in the reply.  The reply is read until
 * the expectation can be decided (not a single read()), at most
 * CHECK_READ_MAX bytes.  With neither send nor expect on port 80 this is
 * Piranha's default probe: "GET / HTTP/1.0\r\n\r\n" expecting "HTTP".
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_kind.h"

#define PIRANHA_HTTP_SEND	"GET / HTTP/1.0\\r\\n\\r\\n"
#define PIRANHA_HTTP_EXPECT	"HTTP"

static int
expect_init(struct check *c, const struct check_conf *cc, char *err,
    size_t errlen)
{
	const char	*send = cc->cc_send, *expect = cc->cc_expect;
	char		 e2[128];

	if (send == NULL && expect == NULL) {
		/* Piranha's probe (AUTO on port 80, or send/expect unset) */
		send = PIRANHA_HTTP_SEND;
		expect = PIRANHA_HTTP_EXPECT;
	}
	if (send != NULL && check_unescape(send, 0, &c->ch_send,
	    &c->ch_sendlen, e2, sizeof(e2)) == -1) {
		snprintf(err, errlen, "send: %s", e2);
		return -1;
	}
	if (check_expect_compile(&c->ch_expect, expect, cc->cc_use_regex, e2,
	    sizeof(e2)) == -1) {
		snprintf(err, errlen, "expect: %s", e2);
		return -1;
	}
	return 0;
}

static enum check_match
expect_match(struct check *c, int eof)
{
	enum check_match	 m;
	char			 s[48];

	if (!c->ch_expect.ce_set) {
		snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason),
		    "sent, no expect");
		return CHECK_MATCH_OK;
	}
	m = check_expect_match(&c->ch_expect, c->ch_buf, c->ch_len, eof,
	    check_buf_full(c));
	if (m == CHECK_MATCH_MORE)
		return m;
	check_sample(c->ch_buf, c->ch_len, s, sizeof(s));
	if (m == CHECK_MATCH_OK)
		snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason),
		    "expected reply");
	else if (c->ch_len == 0)
		snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason),
		    "connection closed without a reply");
	else
		snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason),
		    "unexpected reply \"%s\"", s);
	return m;
}

const struct check_kind_ops check_expect_ops = {
	.ko_name = "send-expect",
	.ko_init = expect_init,
	.ko_match = expect_match,
};
