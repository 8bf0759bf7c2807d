/*
 * check_kind.h - the contract between the check engine (check.c) and the
 * files that implement one kind of check each (check_tcp.c, check_udp.c,
 * check_expect.c, check_http.c, check_program.c, check_agent.c,
 * check_dns.c, check_mail.c, check_ldap.c, check_ping.c) plus the TLS transport
 * (check_tls.c).  Not for use outside src/nanny/check*.c.
 *
 * The engine runs the socket steps (connect, tls, send, read) over TCP,
 * or over a connected UDP socket (one datagram read per exchange); a kind
 * says what to send and decides, from the bytes read so far, whether the
 * reply is good, bad, not decidable yet, or good with a next exchange to
 * run (a dialogue: the kind sets the bytes to send, the step's label and
 * whether TLS starts first, then returns CHECK_MATCH_NEXT).  The program
 * and DNS kinds run their own step (ko_start).
 */
#ifndef SHOAL_CHECK_KIND_H
#define SHOAL_CHECK_KIND_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "check_match.h"

struct event;
struct exec;
struct ssl_st;

enum check_step {
	CHECK_STEP_IDLE,
	CHECK_STEP_CONNECT,
	CHECK_STEP_TLS,
	CHECK_STEP_SEND,
	CHECK_STEP_READ,
	CHECK_STEP_PROGRAM,	/* the kind times itself */
	CHECK_STEP_OWN,		/* the kind's own step, the engine's timer */
	CHECK_STEP_DONE,	/* decided early; calling back from the timer */
};

struct check;

struct check_kind_ops {
	const char	*ko_name;
	int		 ko_dgram;	/* UDP: one datagram is one reply */
	int		 ko_icmp;	/* with ko_dgram: an ICMP (echo)
					   socket instead of UDP */
	/* Settings from cc into c; -1 with err on bad settings. */
	int		(*ko_init)(struct check *c, const struct check_conf *cc,
			    char *err, size_t errlen);
	/* Decides on c->ch_buf[0..ch_len) (NUL-terminated); eof: no more
	 * bytes will come.  Fills c->ch_out's reason/weights.  May return
	 * CHECK_MATCH_NEXT after check_next_exchange(). */
	enum check_match (*ko_match)(struct check *c, int eof);
	/* Called when a run starts, before connecting (dialogues rewind). */
	void		(*ko_begin)(struct check *c);
	/* Non-socket kinds start here instead of connecting; 0 or -1. */
	int		(*ko_start)(struct check *c);
	void		(*ko_stop)(struct check *c);
	void		(*ko_free)(struct check *c);
};

/* The whole state of one check; owned by check.c. */
struct check {
	struct event_base		*ch_base;
	const struct check_kind_ops	*ch_ops;
	enum check_type			 ch_type;
	check_done_cb			 ch_cb;
	void				*ch_arg;
	/* target */
	struct sockaddr_storage		 ch_sa;
	socklen_t			 ch_salen;
	char				 ch_host[64];	/* address text, %h */
	char				 ch_port[8];	/* %p */
	uint32_t			 ch_timeout_ms;
	/* settings filled by the kind's init */
	char				*ch_send;	/* bytes to send or NULL */
	size_t				 ch_sendlen;
	struct check_expect		 ch_expect;
	int				 ch_tls;	/* TLS after connect */
	int				 ch_tls_verify;
	char				*ch_tls_ca;	/* NULL: system store */
	char				*ch_sni;	/* NULL: none */
	char				*ch_tls_name;	/* verified; NULL: ip */
	char				**ch_argv;	/* program kind */
	void				*ch_kstate;	/* the kind's own */
	/* one run */
	enum check_step			 ch_step;
	const char			*ch_label;	/* exchange's name */
	const char			*ch_out_data;	/* this exchange's */
	size_t				 ch_out_len;
	int				 ch_tls_next;	/* TLS before it */
	int				 ch_fd;
	struct event			*ch_ev_io;
	struct event			*ch_ev_timer;
	struct ssl_st			*ch_ssl;
	struct exec			*ch_exec;
	size_t				 ch_sent;
	char				*ch_buf;
	size_t				 ch_len;
	size_t				 ch_cap;
	uint64_t			 ch_start_ms;
	struct check_outcome		 ch_out;
};

extern const struct check_kind_ops check_tcp_ops;
extern const struct check_kind_ops check_udp_ops;
extern const struct check_kind_ops check_expect_ops;
extern const struct check_kind_ops check_http_ops;
extern const struct check_kind_ops check_program_ops;
extern const struct check_kind_ops check_agent_ops;
extern const struct check_kind_ops check_dns_ops;
extern const struct check_kind_ops check_dns_tcp_ops;
extern const struct check_kind_ops check_mail_ops;
extern const struct check_kind_ops check_ldap_ops;
extern const struct check_kind_ops check_ping_ops;

/* Ends the run: closes what it holds and calls back (c may be freed by
 * the callback, so the caller must not touch c afterwards). */
void check_finish(struct check *c, enum check_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Ends the run from the loop, never from here (for ko_start). */
void check_defer(struct check *c, enum check_result r, const char *reason);
/* A kind's own step: names it and arms the engine's timer (a timeout
 * ends the run with "timeout in LABEL", calling ko_stop). */
void check_enter_own(struct check *c, const char *label);

/*
 * From ko_match: the reply was good, the dialogue goes on with label,
 * sending data[0..len) (kept by the kind; NULL: only read), after a TLS
 * handshake when tls_first.  The read buffer is emptied.  The caller
 * returns CHECK_MATCH_NEXT.
 */
void check_next_exchange(struct check *c, const char *label,
    const char *data, size_t len, int tls_first);

/* Sets c->ch_out.co_reason (printf-like). */
void check_reason(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A printable sample of buf for reasons ("HTTQ/1.0 2..."), into out. */
void check_sample(const char *buf, size_t len, char *out, size_t outlen);
/* The buffer is at CHECK_READ_MAX: no more bytes will be read. */
int check_buf_full(const struct check *c);
/* TLS settings common to every kind from cc (verify, CA, name); -1 err. */
int check_tls_settings(struct check *c, const struct check_conf *cc,
    const char *default_name, char *err, size_t errlen);

/* TLS transport (check_tls.c). */
int check_tls_begin(struct check *c);
/* Each returns >0 bytes, 0 at EOF, -1 error (errno set), or -2 when it
 * must wait for *want (EV_READ or EV_WRITE). */
int check_tls_handshake(struct check *c, short *want);
long check_tls_write(struct check *c, const void *buf, size_t len,
    short *want);
long check_tls_read(struct check *c, void *buf, size_t len, short *want);
void check_tls_end(struct check *c);
/* The last TLS error as text, for reasons; for a handshake, names a
 * certificate that failed verification. */
const char *check_tls_error(const struct check *c);

#endif
