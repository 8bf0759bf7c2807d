/*
 * check_ldap.c - LDAP checks: an anonymous simple bind (LDAPv3), then an
 * unbind, after which the server closes the connection.  With starttls
 * the StartTLS extended operation comes first, then a TLS handshake
 * (certificate verified on request).  Messages are small fixed BER
 * encodings; the responses are parsed by check_ldap_response(), bounded
 * and fuzzed.  Steps: "StartTLS", "bind", "unbind".
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_kind.h"
#include "check_parse.h"

#define LDAP_MSG_MAX		65536
#define LDAP_OP_BIND_RESP	1
#define LDAP_OP_EXT_RESP	24

/* bindRequest {version 3, name "", simple ""}, message id 1 or 2 */
static const unsigned char ldap_bind[2][14] = {
	{ 0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03,
	    0x04, 0x00, 0x80, 0x00 },
	{ 0x30, 0x0c, 0x02, 0x01, 0x02, 0x60, 0x07, 0x02, 0x01, 0x03,
	    0x04, 0x00, 0x80, 0x00 },
};
/* unbindRequest, message id 2 or 3 */
static const unsigned char ldap_unbind[2][7] = {
	{ 0x30, 0x05, 0x02, 0x01, 0x02, 0x42, 0x00 },
	{ 0x30, 0x05, 0x02, 0x01, 0x03, 0x42, 0x00 },
};
/* extendedRequest StartTLS (1.3.6.1.4.1.1466.20037), message id 1 */
static const unsigned char ldap_starttls[] = {
	0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16,
	'1', '.', '3', '.', '6', '.', '1', '.', '4', '.', '1', '.',
	'1', '4', '6', '6', '.', '2', '0', '0', '3', '7',
};

enum ldap_phase { LDAP_STARTTLS, LDAP_BIND, LDAP_UNBIND };

struct ldap_state {
	int		 ls_starttls;
	enum ldap_phase	 ls_phase;
};

static const struct {
	int		 code;
	const char	*name;
} ldap_codes[] = {
	{ 1, "operationsError" }, { 2, "protocolError" },
	{ 7, "authMethodNotSupported" }, { 8, "strongerAuthRequired" },
	{ 13, "confidentialityRequired" }, { 48, "inappropriateAuthentication" },
	{ 49, "invalidCredentials" }, { 50, "insufficientAccessRights" },
	{ 51, "busy" }, { 52, "unavailable" }, { 53, "unwillingToPerform" },
	{ 80, "other" },
};

static const char *
ldap_code_name(long code)
{
	size_t	 i;

	for (i = 0; i < sizeof(ldap_codes) / sizeof(ldap_codes[0]); i++)
		if (ldap_codes[i].code == code)
			return ldap_codes[i].name;
	return "error";
}

/* One BER element at buf[*off..len): its tag and content bounds.
 * 1 when whole, 0 when more bytes are needed, -1 when malformed. */
static int
ber_elem(const unsigned char *buf, size_t len, size_t *off, int *tag,
    size_t *clen)
{
	size_t	 p = *off, n, i;

	if (len - p < 2)
		return 0;
	*tag = buf[p++];
	if ((*tag & 0x1f) == 0x1f)
		return -1;		/* long tags: not in LDAP replies */
	if (buf[p] < 0x80)
		*clen = buf[p++];
	else {
		n = buf[p++] & 0x7f;
		if (n == 0 || n > 3)
			return -1;	/* indefinite or absurd length */
		if (len - p < n)
			return 0;
		for (*clen = 0, i = 0; i < n; i++)
			*clen = (*clen << 8) | buf[p++];
	}
	if (*clen > LDAP_MSG_MAX)
		return -1;
	if (len - p < *clen)
		return 0;
	*off = p;
	return 1;
}

/* A small non-negative INTEGER or ENUMERATED's value, or -1. */
static long
ber_int(const unsigned char *buf, size_t clen)
{
	long	 v = 0;
	size_t	 i;

	if (clen == 0 || clen > 4 || (buf[0] & 0x80))
		return -1;
	for (i = 0; i < clen; i++)
		v = (v << 8) | buf[i];
	return v;
}

/* The diagnosticMessage after resultCode and matchedDN, for reasons. */
static void
ldap_diag(const unsigned char *buf, size_t len, size_t off, char *out,
    size_t outlen)
{
	size_t	 clen;
	int	 tag;

	out[0] = '\0';
	if (ber_elem(buf, len, &off, &tag, &clen) != 1 || tag != 0x04)
		return;				/* matchedDN */
	off += clen;
	if (ber_elem(buf, len, &off, &tag, &clen) != 1 || tag != 0x04)
		return;				/* diagnosticMessage */
	check_sample((const char *)buf + off, clen, out, outlen);
}

enum check_match
check_ldap_response(const unsigned char *buf, size_t len, int id, int op,
    int eof, char *why, size_t whylen)
{
	size_t	 off = 0, clen, end;
	long	 v;
	int	 tag, r;
	char	 diag[48];

	if (len > 0 && buf[0] != 0x30)
		goto bad;	/* not a SEQUENCE: no need to wait */
	if ((r = ber_elem(buf, len, &off, &tag, &clen)) == 0) {
		if (!eof)
			return CHECK_MATCH_MORE;
		snprintf(why, whylen, len == 0 ? "connection closed without "
		    "a reply" : "reply cut short");
		return CHECK_MATCH_FAIL;
	}
	if (r == -1 || tag != 0x30)
		goto bad;
	end = off + clen;
	if (ber_elem(buf, end, &off, &tag, &clen) != 1 || tag != 0x02 ||
	    (v = ber_int(buf + off, clen)) == -1)
		goto bad;
	off += clen;
	if (ber_elem(buf, end, &off, &tag, &clen) != 1)
		goto bad;
	if (v != id || tag != (0x60 | op)) {
		snprintf(why, whylen, v == 0 ? "notice of disconnection" :
		    "unexpected message (id %ld, tag 0x%02x)", v, tag);
		return CHECK_MATCH_FAIL;
	}
	end = off + clen;
	if (ber_elem(buf, end, &off, &tag, &clen) != 1 || tag != 0x0a ||
	    (v = ber_int(buf + off, clen)) == -1)
		goto bad;
	off += clen;
	if (v == 0) {
		snprintf(why, whylen, "success");
		return CHECK_MATCH_OK;
	}
	ldap_diag(buf, end, off, diag, sizeof(diag));
	snprintf(why, whylen, "resultCode %ld (%s)%s%s", v, ldap_code_name(v),
	    diag[0] != '\0' ? ": " : "", diag);
	return CHECK_MATCH_FAIL;
bad:
	snprintf(why, whylen, "not an LDAP response");
	return CHECK_MATCH_FAIL;
}

static int
ldap_init(struct check *c, const struct check_conf *cc, char *err,
    size_t errlen)
{
	struct ldap_state	*ls;

	if ((ls = calloc(1, sizeof(*ls))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->ch_kstate = ls;
	ls->ls_starttls = cc->cc_starttls;
	c->ch_sendlen = ls->ls_starttls ? sizeof(ldap_starttls) :
	    sizeof(ldap_bind[0]);
	if ((c->ch_send = malloc(c->ch_sendlen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(c->ch_send, ls->ls_starttls ? ldap_starttls : ldap_bind[0],
	    c->ch_sendlen);
	if (!ls->ls_starttls && cc->cc_tls_verify) {
		snprintf(err, errlen, "tls_verify without starttls: ldap "
		    "checks use TLS only through StartTLS");
		return -1;
	}
	if (ls->ls_starttls)
		return check_tls_settings(c, cc, NULL, err, errlen);
	return 0;
}

/* Each run starts with StartTLS or the bind (c->ch_send, from init). */
static void
ldap_begin(struct check *c)
{
	struct ldap_state	*ls = c->ch_kstate;

	ls->ls_phase = ls->ls_starttls ? LDAP_STARTTLS : LDAP_BIND;
	c->ch_label = ls->ls_starttls ? "StartTLS" : "bind";
}

static enum check_match
ldap_match(struct check *c, int eof)
{
	struct ldap_state	*ls = c->ch_kstate;
	enum check_match	 m;
	char			 why[96];
	int			 t = ls->ls_starttls;

	if (ls->ls_phase == LDAP_UNBIND) {
		if (!eof)
			return CHECK_MATCH_MORE;	/* until it closes */
		check_reason(c, "ldap%s: anonymous bind accepted",
		    t ? " with StartTLS" : "");
		return CHECK_MATCH_OK;
	}
	m = check_ldap_response((const unsigned char *)c->ch_buf, c->ch_len,
	    ls->ls_phase == LDAP_BIND ? 1 + t : 1, ls->ls_phase == LDAP_BIND ?
	    LDAP_OP_BIND_RESP : LDAP_OP_EXT_RESP, eof, why, sizeof(why));
	if (m == CHECK_MATCH_MORE)
		return m;
	if (m == CHECK_MATCH_FAIL) {
		check_reason(c, "%s: %s", c->ch_label, why);
		return m;
	}
	if (ls->ls_phase == LDAP_STARTTLS) {
		ls->ls_phase = LDAP_BIND;
		check_next_exchange(c, "bind", (const char *)ldap_bind[1],
		    sizeof(ldap_bind[1]), 1);
	} else {
		ls->ls_phase = LDAP_UNBIND;
		check_next_exchange(c, "unbind", (const char *)ldap_unbind[t],
		    sizeof(ldap_unbind[t]), 0);
	}
	return CHECK_MATCH_NEXT;
}

static void
ldap_free(struct check *c)
{
	free(c->ch_kstate);
	c->ch_kstate = NULL;
}

const struct check_kind_ops check_ldap_ops = {
	.ko_name = "ldap",
	.ko_init = ldap_init,
	.ko_begin = ldap_begin,
	.ko_match = ldap_match,
	.ko_free = ldap_free,
};
