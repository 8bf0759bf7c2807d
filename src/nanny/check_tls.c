/*
 * check_tls.c - TLS for HTTPS checks: OpenSSL on the check's non-blocking
 * socket.  A health check asks "does the service answer", not "is its
 * certificate trusted", so certificates are not verified; SNI is sent
 * when http_host is set.  One SSL_CTX serves every check of the process.
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lib/log.h"
#include "check.h"
#include "check_kind.h"

static SSL_CTX	*tls_ctx;
static char	 tls_errbuf[128];

static SSL_CTX *
tls_context(void)
{
	if (tls_ctx != NULL)
		return tls_ctx;
	if ((tls_ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return tls_ctx;
}

const char *
check_tls_error(void)
{
	unsigned long	 e = ERR_get_error();

	if (e == 0)
		snprintf(tls_errbuf, sizeof(tls_errbuf), "%s",
		    errno != 0 ? strerror(errno) : "connection closed");
	else
		ERR_error_string_n(e, tls_errbuf, sizeof(tls_errbuf));
	ERR_clear_error();
	return tls_errbuf;
}

int
check_tls_begin(struct check *c)
{
	SSL_CTX	*ctx;

	ERR_clear_error();
	if ((ctx = tls_context()) == NULL || (c->ch_ssl = SSL_new(ctx)) == NULL)
		return -1;
	if (SSL_set_fd(c->ch_ssl, c->ch_fd) != 1 ||
	    (c->ch_sni != NULL &&
	    SSL_set_tlsext_host_name(c->ch_ssl, c->ch_sni) != 1)) {
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
