/*
 * check_dns_judge.c - deciding a DNS answer (check_parse.h): the header
 * read here, the records parsed by c-ares's parsers, names and addresses
 * compared here.  Pure: no I/O, bounded by the answer's length.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ares.h>

#include "config/dnsnames.h"
#include "check_parse.h"

#define DNS_ADDRS_MAX	64

int
check_dns_type(const char *name)
{
	return cfg_dns_type(name);
}

int
check_dns_type_comparable(int qtype)
{
	return cfg_dns_type_comparable(qtype);
}

int
check_dns_rcode(const char *name)
{
	return cfg_dns_rcode(name);
}

const char *
check_dns_rcode_name(int rcode)
{
	return cfg_dns_rcode_name(rcode);
}

int
check_dns_rcodes(const char *list, uint32_t *mask)
{
	return cfg_dns_rcodes(list, mask);
}

/* Names equal without case and without a final dot. */
static int
dns_name_eq(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* Each returns ARES_SUCCESS / ARES_ENODATA (no records of the type) /
 * another status when malformed; *hit when one equals want (NULL: only
 * parse). */

static int
dns_match_a(const unsigned char *abuf, int alen, int qtype, const char *want,
    int *hit)
{
	struct ares_addrttl	 a4[DNS_ADDRS_MAX];
	struct ares_addr6ttl	 a6[DNS_ADDRS_MAX];
	unsigned char		 w[16];
	int			 n = DNS_ADDRS_MAX, rv, i, fam;

	fam = qtype == ns_t_a ? AF_INET : AF_INET6;
	rv = fam == AF_INET ? ares_parse_a_reply(abuf, alen, NULL, a4, &n) :
	    ares_parse_aaaa_reply(abuf, alen, NULL, a6, &n);
	if (rv != ARES_SUCCESS || want == NULL)
		return rv;
	if (inet_pton(fam, want, w) != 1)
		return ARES_SUCCESS;	/* never equal */
	for (i = 0; i < n; i++)
		if (fam == AF_INET ? memcmp(&a4[i].ipaddr, w, 4) == 0 :
		    memcmp(&a6[i].ip6addr, w, 16) == 0)
			*hit = 1;
	return rv;
}

static int
dns_match_hostent(const unsigned char *abuf, int alen, int qtype,
    const char *want, int *hit)
{
	struct hostent	*h = NULL;
	unsigned char	 dummy[4] = { 0, 0, 0, 0 };
	int		 rv, i;

	rv = qtype == ns_t_ns ? ares_parse_ns_reply(abuf, alen, &h) :
	    ares_parse_ptr_reply(abuf, alen, dummy, sizeof(dummy), AF_INET,
	    &h);
	if (rv != ARES_SUCCESS)
		return rv;
	if (want != NULL && qtype == ns_t_ptr && dns_name_eq(h->h_name, want))
		*hit = 1;
	for (i = 0; want != NULL && h->h_aliases[i] != NULL; i++)
		if (dns_name_eq(h->h_aliases[i], want))
			*hit = 1;
	ares_free_hostent(h);
	return rv;
}

static int
dns_match_mx_srv(const unsigned char *abuf, int alen, int qtype,
    const char *want, int *hit)
{
	struct ares_mx_reply	*mx = NULL, *m;
	struct ares_srv_reply	*srv = NULL, *s;
	int			 rv;

	if (qtype == ns_t_mx) {
		if ((rv = ares_parse_mx_reply(abuf, alen, &mx)) != ARES_SUCCESS)
			return rv;
		for (m = mx; want != NULL && m != NULL; m = m->next)
			if (dns_name_eq(m->host, want))
				*hit = 1;
		ares_free_data(mx);
		return rv;
	}
	if ((rv = ares_parse_srv_reply(abuf, alen, &srv)) != ARES_SUCCESS)
		return rv;
	for (s = srv; want != NULL && s != NULL; s = s->next)
		if (dns_name_eq(s->host, want))
			*hit = 1;
	ares_free_data(srv);
	return rv;
}

/* TXT: a record's strings joined must equal want. */
static int
dns_match_txt(const unsigned char *abuf, int alen, const char *want,
    int *hit)
{
	struct ares_txt_ext	*txt = NULL, *t;
	char			 rec[512];
	size_t			 o = 0, n;
	int			 rv;

	if ((rv = ares_parse_txt_reply_ext(abuf, alen, &txt)) != ARES_SUCCESS)
		return rv;
	for (t = txt; want != NULL && t != NULL; t = t->next) {
		if (t->record_start)
			o = 0;
		n = t->length < sizeof(rec) - 1 - o ? t->length :
		    sizeof(rec) - 1 - o;
		memcpy(rec + o, t->txt, n);
		o += n;
		rec[o] = '\0';
		if ((t->next == NULL || t->next->record_start) &&
		    strcmp(rec, want) == 0)
			*hit = 1;
	}
	ares_free_data(txt);
	return rv;
}

static int
dns_match_soa(const unsigned char *abuf, int alen, const char *want, int *hit)
{
	struct ares_soa_reply	*soa = NULL;
	int			 rv;

	if ((rv = ares_parse_soa_reply(abuf, alen, &soa)) != ARES_SUCCESS)
		return rv;
	if (want != NULL && dns_name_eq(soa->nsname, want))
		*hit = 1;
	ares_free_data(soa);
	return rv;
}

/* Parses the answers of qtype, comparing with want; c-ares's status. */
static int
dns_answers(const unsigned char *abuf, int alen, int qtype, const char *want,
    int *hit)
{
	*hit = 0;
	switch (qtype) {
	case ns_t_a:
	case ns_t_aaaa:
		return dns_match_a(abuf, alen, qtype, want, hit);
	case ns_t_ns:
	case ns_t_ptr:
		return dns_match_hostent(abuf, alen, qtype, want, hit);
	case ns_t_mx:
	case ns_t_srv:
		return dns_match_mx_srv(abuf, alen, qtype, want, hit);
	case ns_t_txt:
		return dns_match_txt(abuf, alen, want, hit);
	case ns_t_soa:
		return dns_match_soa(abuf, alen, want, hit);
	default:
		return ARES_SUCCESS;	/* not parsed: any answer will do */
	}
}

/* The end of the one question at q + 12, or 0 when malformed. */
static size_t
dns_question_end(const unsigned char *q, size_t len)
{
	size_t	 p = NS_HFIXEDSZ;

	while (p < len && q[p] != 0) {
		if (q[p] > 63)
			return 0;	/* no compression in a question */
		p += (size_t)q[p] + 1;
	}
	return p + 1 + NS_QFIXEDSZ <= len ? p + 1 + NS_QFIXEDSZ : 0;
}

int
check_dns_answers_query(const unsigned char *q, size_t qlen,
    const unsigned char *a, size_t alen)
{
	size_t	 qend = dns_question_end(q, qlen), i;

	if (qend == 0 || alen < qend || a[0] != q[0] || a[1] != q[1] ||
	    !(a[2] & 0x80) || a[4] != 0 || a[5] != 1)
		return 0;
	for (i = NS_HFIXEDSZ; i < qend; i++) {
		unsigned char x = a[i], y = q[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

enum check_match
check_dns_judge(const unsigned char *abuf, size_t alen,
    const struct dns_expect *de, char *why, size_t whylen)
{
	const char	*rname;
	int		 rcode, ancount, tc, rv, hit = 0;

	if (alen < NS_HFIXEDSZ || alen > 65535) {
		snprintf(why, whylen, "answer of %zu bytes", alen);
		return CHECK_MATCH_FAIL;
	}
	if (!(abuf[2] & 0x80)) {
		snprintf(why, whylen, "not an answer (QR bit clear)");
		return CHECK_MATCH_FAIL;
	}
	rcode = abuf[3] & 0x0f;
	tc = (abuf[2] & 0x02) != 0;
	ancount = (abuf[6] << 8) | abuf[7];
	rname = check_dns_rcode_name(rcode);
	if (!(de->de_rcodes & (1u << rcode))) {
		snprintf(why, whylen, "rcode %s%s", rname != NULL ? rname : "",
		    rname != NULL ? "" : "unknown");
		return CHECK_MATCH_FAIL;
	}
	rv = ancount > 0 ? dns_answers(abuf, (int)alen, de->de_qtype,
	    de->de_answer, &hit) : ARES_ENODATA;
	hit = ancount > 0 && rv == ARES_SUCCESS ? hit : 0;
	if (rv != ARES_SUCCESS && rv != ARES_ENODATA) {
		snprintf(why, whylen, "malformed answer (%s)%s",
		    ares_strerror(rv), tc ? ", truncated" : "");
		return CHECK_MATCH_FAIL;
	}
	if (de->de_answer != NULL && !hit) {
		snprintf(why, whylen, "rcode %s, no answer %.64s (%d records%s)",
		    rname, de->de_answer, ancount, tc ? ", truncated" : "");
		return CHECK_MATCH_FAIL;
	}
	snprintf(why, whylen, "rcode %s, %d answer%s%s%.64s", rname, ancount,
	    ancount == 1 ? "" : "s", de->de_answer != NULL ? ", " : "",
	    de->de_answer != NULL ? de->de_answer : "");
	return CHECK_MATCH_OK;
}
