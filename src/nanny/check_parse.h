/*
 * check_parse.h - the parsers of replies that checks read from servers,
 * as pure functions over bytes: unit-tested on crafted input and fuzzed
 * (tests/fuzz/fuzz_check_reply.c).  None of them reads past len, keeps a
 * pointer into the buffer, or allocates beyond a bound.
 */
#ifndef SHOAL_CHECK_PARSE_H
#define SHOAL_CHECK_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "check_match.h"

/*
 * HTTP status ranges "200-399,404": fills lo[i]..hi[i] (codes 100..599,
 * lo <= hi), at most max ranges.  Returns the number of ranges, or -1.
 * The configuration's parser (cfg_http_status_parse), so that what the
 * validator accepts is what nanny runs.
 */
int check_http_ranges_parse(const char *s, int *lo, int *hi, int max);

/*
 * Decodes the chunked HTTP body in[0..len) into out (at most cap - 1
 * bytes kept, NUL-terminated), *outlen bytes.  Returns 1 when the last
 * chunk was seen, 0 when more bytes are needed, -1 when malformed.
 */
int check_http_dechunk(const char *in, size_t len, char *out, size_t cap,
    size_t *outlen);

/* How a text protocol frames its replies. */
enum mail_style {
	MAIL_CODE,	/* SMTP, FTP, NNTP: "250-more", "250 last" */
	MAIL_POP,	/* POP3: "+OK ..." / "-ERR ..." */
	MAIL_POP_MULTI,	/* POP3 multi-line: "+OK", lines, "." */
	MAIL_IMAP,	/* IMAP: untagged "* ...", then "TAG OK ..." */
	MAIL_IMAP_GREET,/* IMAP greeting: "* OK" or "* PREAUTH" */
};

#define MAIL_LINE_MAX	2048	/* a reply line longer than this is bad */

/*
 * Decides one reply of style in buf[0..len): MORE (incomplete), OK (the
 * reply is complete and good: its code starts with ok, or its status is
 * +OK / TAG OK / * OK), FAIL otherwise.  tag: the IMAP tag of the
 * command.  eof: no more bytes come.  why gets the reason of a FAIL or
 * the reply's first line of an OK ("250 mail.example.org").
 */
enum check_match check_mail_reply(enum mail_style style, const char *ok,
    const char *tag, const char *buf, size_t len, int eof, char *why,
    size_t whylen);

/*
 * An LDAP response (BER) in buf[0..len) to message id with the
 * application tag op (1 bindResponse, 24 extendedResponse): MORE until
 * the whole message is there, OK when its resultCode is 0 (success),
 * FAIL with the reason otherwise (another message, malformed, error
 * code).
 */
enum check_match check_ldap_response(const unsigned char *buf, size_t len,
    int id, int op, int eof, char *why, size_t whylen);

/* What a DNS answer must show. */
struct dns_expect {
	int		 de_qtype;		/* ns_t_a ... */
	uint32_t	 de_rcodes;		/* bit r: rcode r is good */
	const char	*de_answer;		/* NULL: any answer section */
};

/*
 * Judges a DNS answer abuf[0..alen) to a query for de_qtype: OK when its
 * rcode is one of de_rcodes, its answer records parse, and (with
 * de_answer) one of them equals de_answer; FAIL with the reason
 * otherwise ("rcode REFUSED", "malformed answer", "no answer 10.0.0.9").
 */
enum check_match check_dns_judge(const unsigned char *abuf, size_t alen,
    const struct dns_expect *de, char *why, size_t whylen);

/*
 * Whether a[0..alen) answers query q[0..qlen): the same id, the QR bit,
 * one question equal to the query's (name without case).  1 or 0.
 */
int check_dns_answers_query(const unsigned char *q, size_t qlen,
    const unsigned char *a, size_t alen);

/* DNS type and rcode names: the number, or -1 when unknown. */
int check_dns_type(const char *name);
int check_dns_rcode(const char *name);
const char *check_dns_rcode_name(int rcode);
/* "NOERROR,NXDOMAIN" into a mask of bits; -1 on an unknown name. */
int check_dns_rcodes(const char *list, uint32_t *mask);
/* Whether answers of this type can be compared with dns_answer. */
int check_dns_type_comparable(int qtype);

#endif
