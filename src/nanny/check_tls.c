/*
 * check_tls.c - TLS for checks (HTTPS, and STARTTLS in mail, FTP, news
 * and LDAP dialogues): OpenSSL on the check's non-blocking socket.  A
 * health check asks "does the service answer", so by default
 * certificates are not verified; with tls_verify the chain must verify
 * against tls_ca (or the system's CAs) and the certificate must name
 * tls_name (else http_host, else the server's address as an IP SAN).
 * SNI is sent when a name is known.  One SSL_CTX per distinct (verify,
 * CA file) serves every check of the process.
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lib/log.h"
#include "check.h"
#include "check_kind.h"

#define TLS_CTX_MAX	8	/* distinct CA files in one nanny */

struct tls_ctx_entry {
	int	 te_verify;
	char	*te_ca;
	SSL_CTX	*te_ctx;
};

static struct tls_ctx_entry	 tls_ctxs[TLS_CTX_MAX];
static char			 tls_errbuf[160];

static SSL_CTX *
tls_ctx_make(int verify, const char *ca)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    NULL);
	if (!verify)
		return ctx;
	if ((ca != NULL ? SSL_CTX_load_verify_locations(ctx, ca, NULL) :
	    SSL_CTX_set_default_verify_paths(ctx)) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The context for (verify, ca), made once; NULL on error. */
static SSL_CTX *
tls_context(int verify, const char *ca)
{
	struct tls_ctx_entry	*e;
	size_t			 i;

	for (i = 0; i < TLS_CTX_MAX; i++) {
		e = &tls_ctxs[i];
		if (e->te_ctx == NULL)
			break;
		if (e->te_verify == verify && (e->te_ca == NULL ? ca == NULL :
		    ca != NULL && strcmp(e->te_ca, ca) == 0))
			return e->te_ctx;
	}
	if (i == TLS_CTX_MAX)
		return NULL;
	if (ca != NULL && (e->te_ca = strdup(ca)) == NULL)
		return NULL;
	if ((e->te_ctx = tls_ctx_make(verify, ca)) == NULL) {
		free(e->te_ca);
		e->te_ca = NULL;
		return NULL;
	}
	e->te_verify = verify;
	return e->te_ctx;
}

/* The host of a Host header value: "www.example.org:8443" without the
 * port, "[2001:db8::1]:443" without brackets and port. */
static char *
tls_host_of(const char *hostport)
{
	const char	*colon = strrchr(hostport, ':');
	size_t		 n = strlen(hostport);

	if (hostport[0] == '[' && (colon = strchr(hostport, ']')) != NULL)
		return strndup(hostport + 1, (size_t)(colon - hostport - 1));
	if (colon != NULL && strchr(hostport, ':') == colon)
		n = (size_t)(colon - hostport);
	return strndup(hostport, n);
}

int
check_tls_settings(struct check *c, const struct check_conf *cc,
    const char *default_name, char *err, size_t errlen)
{
	const char	*name = cc->cc_tls_name;

	c->ch_tls_verify = cc->cc_tls_verify;
	if ((cc->cc_tls_ca != NULL &&
	    (c->ch_tls_ca = strdup(cc->cc_tls_ca)) == NULL) ||
	    (name != NULL && (c->ch_tls_name = strdup(name)) == NULL) ||
	    (name == NULL && default_name != NULL &&
	    (c->ch_tls_name = tls_host_of(default_name)) == NULL) ||
	    (c->ch_tls_name != NULL &&
	    (c->ch_sni = strdup(c->ch_tls_name)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (c->ch_tls_verify &&
	    tls_context(c->ch_tls_verify, c->ch_tls_ca) == NULL) {
		snprintf(err, errlen, "tls: cannot load the CA certificates%s%s",
		    c->ch_tls_ca != NULL ? " from " : "",
		    c->ch_tls_ca != NULL ? c->ch_tls_ca : "");
		ERR_clear_error();
		return -1;
	}
	return 0;
}

const char *
check_tls_error(const struct check *c)
{
	unsigned long	 e = ERR_get_error();
	long		 vr;

	if (c->ch_ssl != NULL && c->ch_tls_verify &&
	    (vr = SSL_get_verify_result(c->ch_ssl)) != X509_V_OK)
		snprintf(tls_errbuf, sizeof(tls_errbuf), "certificate not "
		    "trusted: %s", X509_verify_cert_error_string(vr));
	else if (e == 0)
		snprintf(tls_errbuf, sizeof(tls_errbuf), "%s",
		    errno != 0 ? strerror(errno) : "connection closed");
	else
		ERR_error_string_n(e, tls_errbuf, sizeof(tls_errbuf));
	ERR_clear_error();
	return tls_errbuf;
}

/* What the certificate must name: the name, else the address. */
static int
tls_verify_name(struct check *c)
{
	X509_VERIFY_PARAM	*vp = SSL_get0_param(c->ch_ssl);

	if (c->ch_tls_name != NULL)
		return SSL_set1_host(c->ch_ssl, c->ch_tls_name) == 1 ? 0 : -1;
	return X509_VERIFY_PARAM_set1_ip_asc(vp, c->ch_host) == 1 ? 0 : -1;
}

/* SNI carries host names only, never addresses (RFC 6066). */
static int
tls_name_is_ip(const char *name)
{
	return strspn(name, "0123456789.") == strlen(name) ||
	    strchr(name, ':') != NULL;
}

int
check_tls_begin(struct check *c)
{
	SSL_CTX	*ctx;

	ERR_clear_error();
	if ((ctx = tls_context(c->ch_tls_verify, c->ch_tls_ca)) == NULL ||
	    (c->ch_ssl = SSL_new(ctx)) == NULL)
		return -1;
	if (SSL_set_fd(c->ch_ssl, c->ch_fd) != 1 ||
	    (c->ch_sni != NULL && !tls_name_is_ip(c->ch_sni) &&
	    SSL_set_tlsext_host_name(c->ch_ssl, c->ch_sni) != 1) ||
	    (c->ch_tls_verify && tls_verify_name(c) == -1)) {
		check_tls_end(c);
		return -1;
	}
	SSL_set_connect_state(c->ch_ssl);
	return 0;
}

/* Maps an OpenSSL result to the engine's: -2 wait, 0 EOF, -1 error. */
static long
tls_result(struct check *c, int rv, short *want)
{
	switch (SSL_get_error(c->ch_ssl, rv)) {
	case SSL_ERROR_WANT_READ:
		*want = EV_READ;
		return -2;
	case SSL_ERROR_WANT_WRITE:
		*want = EV_WRITE;
		return -2;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			return 0;	/* closed without close_notify */
		return -1;
	default:
		return -1;
	}
}

int
check_tls_handshake(struct check *c, short *want)
{
	int	 rv;

	ERR_clear_error();
	errno = 0;
	if ((rv = SSL_do_handshake(c->ch_ssl)) == 1)
		return 1;
	rv = (int)tls_result(c, rv, want);
	return rv == 0 ? -1 : rv;
}

long
check_tls_write(struct check *c, const void *buf, size_t len, short *want)
{
	int	 rv;

	ERR_clear_error();
	errno = 0;
	if ((rv = SSL_write(c->ch_ssl, buf, len > INT32_MAX ? INT32_MAX :
	    (int)len)) > 0)
		return rv;
	rv = (int)tls_result(c, rv, want);
	return rv == 0 ? -1 : rv;
}

long
check_tls_read(struct check *c, void *buf, size_t len, short *want)
{
	int	 rv;

	ERR_clear_error();
	errno = 0;
	if ((rv = SSL_read(c->ch_ssl, buf, len > INT32_MAX ? INT32_MAX :
	    (int)len)) > 0)
		return rv;
	return tls_result(c, rv, want);
}

void
check_tls_end(struct check *c)
{
	if (c->ch_ssl == NULL)
		return;
	SSL_free(c->ch_ssl);	/* no close_notify: the socket closes next */
	c->ch_ssl = NULL;
}
