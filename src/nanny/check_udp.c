/*
 * check_udp.c - UDP checks: one datagram (send, escapes as for TCP) to
 * the server on a connected socket, one datagram back within the
 * timeout, matched against expect ("*", a literal prefix or a regex; no
 * expect: any reply).  The first datagram decides, so a flood of replies
 * costs one read.  An ICMP port unreachable arrives as ECONNREFUSED on
 * the connected socket: an immediate failure with that reason (the
 * engine reports it).  Without send there is nothing to ask: the kind
 * refuses to be built (config check warns before that).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_kind.h"

static int
udp_init(struct check *c, const struct check_conf *cc, char *err,
    size_t errlen)
{
	char	 e2[128];

	if (cc->cc_send == NULL) {
		snprintf(err, errlen, "udp check without send: nothing to "
		    "ask the server");
		return -1;
	}
	if (check_unescape(cc->cc_send, 0, &c->ch_send, &c->ch_sendlen, e2,
	    sizeof(e2)) == -1) {
		snprintf(err, errlen, "send: %s", e2);
		return -1;
	}
	if (c->ch_sendlen == 0) {
		snprintf(err, errlen, "udp check with an empty send");
		return -1;
	}
	if (check_expect_compile(&c->ch_expect, cc->cc_expect,
	    cc->cc_use_regex, e2, sizeof(e2)) == -1) {
		snprintf(err, errlen, "expect: %s", e2);
		return -1;
	}
	return 0;
}

static enum check_match
udp_match(struct check *c, int eof)
{
	char	 s[48];

	(void)eof;	/* one datagram is the whole reply */
	if (!c->ch_expect.ce_set) {
		check_reason(c, "reply of %zu bytes", c->ch_len);
		return CHECK_MATCH_OK;
	}
	if (check_expect_match(&c->ch_expect, c->ch_buf, c->ch_len, 1, 1) ==
	    CHECK_MATCH_OK) {
		check_reason(c, "expected reply");
		return CHECK_MATCH_OK;
	}
	check_sample(c->ch_buf, c->ch_len, s, sizeof(s));
	check_reason(c, "unexpected reply \"%s\"", s);
	return CHECK_MATCH_FAIL;
}

const struct check_kind_ops check_udp_ops = {
	.ko_name = "udp",
	.ko_dgram = 1,
	.ko_init = udp_init,
	.ko_match = udp_match,
};
