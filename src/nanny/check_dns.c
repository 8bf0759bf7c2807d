/*
 * check_dns.c - DNS checks: one query (dns_name, default the root ".";
 * dns_type, default SOA) to the real server over UDP for a UDP service,
 * TCP (two-byte length framing) for a TCP one; the answer's rcode must be
 * one of dns_rcode (default NOERROR) and, with dns_answer, one answer
 * record must equal it.
 *
 * c-ares builds the query and parses the answer's records
 * (check_dns_judge); the engine does the I/O as for every other kind: its
 * timers, its ICMP port unreachable, its bounded reads.  c-ares's own I/O
 * is not used: a channel costs about 50 KB of tables and talks only to
 * its configured servers, so it would take a channel per real server
 * (250 MB for 5000), or as many as checks are pending when servers hang.
 *
 * Each run has a fresh random query id.  A datagram that is not the
 * answer to this query (another id, not an answer, another question) is
 * dropped and counted, and the run reads on: a flood of foreign replies
 * costs one read per loop turn and ends at the timeout, "timeout in dns
 * query (N replies did not answer it)".
 */
#include "shoal-build.h"

#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "config/dnsnames.h"
#include "check.h"
#include "check_kind.h"
#include "check_parse.h"


struct dns_state {
	unsigned char		*dn_query;	/* = c->ch_send (+2 on TCP) */
	size_t			 dn_qlen;
	char			*dn_answer;
	struct dns_expect	 dn_expect;
	int			 dn_tcp;
	int			 dn_foreign;	/* this run */
	char			 dn_label[64];
};

static int	dns_lib_ready;

static int
dns_expectations(struct dns_state *dn, const struct check_conf *cc,
    char *err, size_t errlen)
{
	const char	*type = cc->cc_dns_type != NULL ? cc->cc_dns_type : "SOA";

	if ((dn->dn_expect.de_qtype = check_dns_type(type)) == -1) {
		snprintf(err, errlen, "dns type \"%s\" unknown (A, AAAA, NS, "
		    "MX, TXT, SOA, SRV, PTR, CNAME, CAA, ANY)", type);
		return -1;
	}
	if (check_dns_rcodes(cc->cc_dns_rcode != NULL ? cc->cc_dns_rcode :
	    "NOERROR", &dn->dn_expect.de_rcodes) == -1) {
		snprintf(err, errlen, "dns rcode \"%s\": want names like "
		    "NOERROR,NXDOMAIN", cc->cc_dns_rcode);
		return -1;
	}
	if (cc->cc_dns_answer == NULL)
		return 0;
	if (!check_dns_type_comparable(dn->dn_expect.de_qtype)) {
		snprintf(err, errlen, "dns answer cannot be compared for type "
		    "%s (A, AAAA, NS, MX, TXT, SOA, SRV, PTR)", type);
		return -1;
	}
	if ((dn->dn_answer = strdup(cc->cc_dns_answer)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	dn->dn_expect.de_answer = dn->dn_answer;
	return 0;
}

/* The query c-ares builds, framed for the transport, as c->ch_send. */
static int
dns_query(struct check *c, struct dns_state *dn, const char *name)
{
	unsigned char	*q;
	int		 qlen;
	size_t		 off = dn->dn_tcp ? 2 : 0;

	if (!cfg_dns_name_ok(name) || ares_create_query(name, ns_c_in,
	    dn->dn_expect.de_qtype, 0, 1, &q, &qlen, 0) != ARES_SUCCESS)
		return -1;
	if ((c->ch_send = malloc((size_t)qlen + off)) == NULL) {
		ares_free_string(q);
		return -1;
	}
	memcpy(c->ch_send + off, q, (size_t)qlen);
	ares_free_string(q);
	if (dn->dn_tcp) {
		c->ch_send[0] = (char)(qlen >> 8);
		c->ch_send[1] = (char)qlen;
	}
	c->ch_sendlen = (size_t)qlen + off;
	dn->dn_query = (unsigned char *)c->ch_send + off;
	dn->dn_qlen = (size_t)qlen;
	return 0;
}

static int
dns_init(struct check *c, const struct check_conf *cc, char *err,
    size_t errlen)
{
	struct dns_state	*dn;
	const char		*name = cc->cc_dns_name != NULL ?
				    cc->cc_dns_name : ".";

	if (!dns_lib_ready && ares_library_init(ARES_LIB_INIT_ALL) ==
	    ARES_SUCCESS)
		dns_lib_ready = 1;
	if ((dn = calloc(1, sizeof(*dn))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->ch_kstate = dn;
	dn->dn_tcp = !cc->cc_udp;
	if (dns_expectations(dn, cc, err, errlen) == -1)
		return -1;
	if (dns_query(c, dn, name) == -1) {
		snprintf(err, errlen, "dns name \"%s\" is not a name to ask",
		    name);
		return -1;
	}
	return 0;
}

/* Each run asks with a fresh random id. */
static void
dns_begin(struct check *c)
{
	struct dns_state	*dn = c->ch_kstate;
	uint32_t		 id = arc4random();

	dn->dn_query[0] = (unsigned char)(id >> 8);
	dn->dn_query[1] = (unsigned char)id;
	dn->dn_foreign = 0;
	snprintf(dn->dn_label, sizeof(dn->dn_label), "dns query");
	c->ch_label = dn->dn_label;
}

/* A datagram that does not answer the query: dropped, counted. */
static enum check_match
dns_foreign(struct dns_state *dn)
{
	dn->dn_foreign++;
	snprintf(dn->dn_label, sizeof(dn->dn_label), "dns query (%d "
	    "replies did not answer it)", dn->dn_foreign);
	return CHECK_MATCH_MORE;
}

static enum check_match
dns_match(struct check *c, int eof)
{
	struct dns_state	*dn = c->ch_kstate;
	const unsigned char	*a = (const unsigned char *)c->ch_buf;
	size_t			 alen = c->ch_len;
	enum check_match	 m;
	char			 why[CHECK_REASON_MAX - 8];

	if (dn->dn_tcp) {
		if (alen < 2 || alen < 2 + (size_t)(a[0] << 8 | a[1])) {
			if (!eof)
				return CHECK_MATCH_MORE;
			check_reason(c, "dns: %s", alen == 0 ? "connection "
			    "closed without an answer" : "answer cut short");
			return CHECK_MATCH_FAIL;
		}
		alen = (size_t)(a[0] << 8 | a[1]);
		a += 2;
	}
	if (!check_dns_answers_query(dn->dn_query, dn->dn_qlen, a, alen)) {
		if (!dn->dn_tcp)
			return dns_foreign(dn);
		check_reason(c, "dns: not the answer to the query");
		return CHECK_MATCH_FAIL;
	}
	m = check_dns_judge(a, alen, &dn->dn_expect, why, sizeof(why));
	check_reason(c, "dns: %s", why);
	return m;
}

static void
dns_free(struct check *c)
{
	struct dns_state	*dn = c->ch_kstate;

	if (dn == NULL)
		return;
	free(dn->dn_answer);
	free(dn);
	c->ch_kstate = NULL;
}

const struct check_kind_ops check_dns_ops = {
	.ko_name = "dns",
	.ko_dgram = 1,
	.ko_init = dns_init,
	.ko_begin = dns_begin,
	.ko_match = dns_match,
	.ko_free = dns_free,
};

const struct check_kind_ops check_dns_tcp_ops = {
	.ko_name = "dns over tcp",
	.ko_init = dns_init,
	.ko_begin = dns_begin,
	.ko_match = dns_match,
	.ko_free = dns_free,
};
