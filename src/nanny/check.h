/*
 * check.h - one health check of one real server.
 *
 * A check is a chain of small named steps (connect, tls, send, read and
 * match, or program, or a DNS query), each with its own timer of the
 * check's timeout, ending in one enum result reported through one
 * callback.  A dialogue (SMTP, POP3, IMAP, FTP, NNTP, LDAP) is several
 * exchanges, each a named step ("greeting", "EHLO", "STARTTLS", "QUIT").
 *
 * What to check is a struct check_conf: the kind (enum check_type) and
 * its settings.  check_conf_from_virtual() fills it from a virtual
 * server; its kind AUTO is Piranha's rule for TCP services (send_program,
 * else send/expect, else for port 80 "GET / HTTP/1.0\r\n\r\n" expecting
 * "HTTP", else a plain connect) and for UDP services: port 53 a DNS
 * query, else send/expect over UDP, else nothing is checked.
 *
 * A check is created once per real server and run again and again with
 * check_start(); it never runs twice at once.  Nothing here keeps state
 * across runs (rise/fall counts live in server.c).
 *
 * Writing to a peer that has gone can raise SIGPIPE (TLS writes): programs
 * using checks ignore SIGPIPE.
 */
#ifndef SHOAL_CHECK_H
#define SHOAL_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct event_base;

enum check_result {
	CHECK_SUCCESS,
	CHECK_FAILURE,		/* refused, closed, or answered wrongly */
	CHECK_TIMEOUT,		/* a step ran out of time */
	CHECK_ERROR,		/* a local problem: no socket, no program */
};

/* What an agent (HAProxy agent-check protocol) said; NONE when silent. */
enum check_agent {
	CHECK_AGENT_NONE,
	CHECK_AGENT_UP,		/* "up" or "ready" */
	CHECK_AGENT_DOWN,	/* "down", "fail" or "stopped" */
	CHECK_AGENT_DRAIN,	/* up, weight 0 */
	CHECK_AGENT_MAINT,	/* down for maintenance */
};

#define CHECK_REASON_MAX	128
#define CHECK_READ_MAX		65536	/* bytes read to decide, at most */

struct check_outcome {
	enum check_result	 co_result;
	uint32_t		 co_latency_ms;
	enum check_agent	 co_agent;
	int			 co_weight;	/* absolute weight, -1 none */
	int			 co_weight_pct;	/* % of configured, -1 none */
	char			 co_reason[CHECK_REASON_MAX];
};

typedef void (*check_done_cb)(const struct check_outcome *, void *arg);

struct check;

/* Every kind of check nanny runs. */
enum check_type {
	CHECK_T_NONE,		/* not checked: always up */
	CHECK_T_TCP,		/* connect */
	CHECK_T_UDP,		/* send a datagram, expect a reply */
	CHECK_T_EXPECT,		/* TCP send/expect */
	CHECK_T_HTTP,
	CHECK_T_HTTPS,
	CHECK_T_PROGRAM,
	CHECK_T_AGENT,
	CHECK_T_DNS,
	CHECK_T_SMTP,
	CHECK_T_POP3,
	CHECK_T_IMAP,
	CHECK_T_FTP,
	CHECK_T_NNTP,
	CHECK_T_LDAP,
	CHECK_T_PING,		/* ICMP echo (tracked checks) */
};

/*
 * The settings of one check.  Strings are borrowed (NULL = unset): the
 * owner keeps them alive until check_new_conf() returns, which copies
 * what it keeps.
 */
struct check_conf {
	enum check_type	 cc_type;
	int		 cc_udp;		/* the service is UDP */
	uint32_t	 cc_timeout_ms;		/* each step's bound */
	const char	*cc_send;		/* escapes unexpanded */
	const char	*cc_expect;		/* "*", literal or regex */
	int		 cc_use_regex;
	const char	*cc_program;		/* command, %h %p */
	uint16_t	 cc_agent_port;
	const char	*cc_http_path;		/* NULL: "/" */
	const char	*cc_http_host;		/* Host:; NULL: the address */
	const char	*cc_http_status;	/* "200-399,404"; NULL: 200-399 */
	int		 cc_starttls;		/* mail/ftp/news/ldap: STARTTLS */
	int		 cc_tls_verify;		/* verify the certificate */
	const char	*cc_tls_ca;		/* CA file; NULL: the system's */
	const char	*cc_tls_name;		/* SNI, name verified; NULL:
						   http_host, else the address */
	const char	*cc_dns_name;		/* NULL: "." */
	const char	*cc_dns_type;		/* NULL: "SOA" */
	const char	*cc_dns_rcode;		/* "NOERROR,NXDOMAIN"; NULL:
						   NOERROR */
	const char	*cc_dns_answer;		/* one answer must equal it */
};

/*
 * Fills cc from virtual vs for a server at port (strings borrowed from
 * vs).  The kind is vs's check kind mapped to a check_type, AUTO resolved
 * as described at the top; send/expect on a UDP service is a UDP check.
 */
void check_conf_from_virtual(const struct cfg_virtual *vs, uint16_t port,
    struct check_conf *cc);

/*
 * Prepares the check of addr:port described by cc.  Returns the check,
 * or NULL with a message in err (bad escape, bad regex, bad command,
 * agent without port, bad DNS type...).
 */
struct check *check_new_conf(struct event_base *base,
    const struct check_conf *cc, const struct cfg_addr *addr, uint16_t port,
    check_done_cb cb, void *arg, char *err, size_t errlen);

/*
 * Prepares the check of addr:port for virtual server vs (its check
 * settings are copied; vs may be freed afterwards).  kind overrides the
 * virtual's check kind (CFG_CHECK_AUTO: use the virtual's).  Returns the
 * check, or NULL with a message in err (bad escape, bad regex, bad
 * command, agent without port...).
 */
struct check *check_new(struct event_base *base, const struct cfg_virtual *vs,
    enum cfg_check_kind kind, const struct cfg_addr *addr, uint16_t port,
    check_done_cb cb, void *arg, char *err, size_t errlen);
/* Starts one run; the callback comes later, never from here.  0, or -1
 * when a run is already going. */
int check_start(struct check *);
/* Aborts a running check without calling back. */
void check_stop(struct check *);
int check_running(const struct check *);
/* The kind actually run (AUTO resolved). */
enum check_type check_type(const struct check *);
/* Stops and frees. */
void check_free(struct check *);

/*
 * The kind Piranha's rules pick for vs at port (never AUTO): vs_check when
 * set, else send_program, send/expect, port 80 HTTP probe, TCP connect.
 */
enum cfg_check_kind check_resolve_kind(const struct cfg_virtual *vs,
    uint16_t port);
/* The check_type nanny runs for vs at port (AUTO resolved, UDP aware). */
enum check_type check_resolve_type(const struct cfg_virtual *vs,
    uint16_t port);

/* "dns", "smtp", ...; NULL when out of range.  From a name: -1 unknown. */
const char *check_type_name(enum check_type);
int check_type_from_name(const char *);
/* Kinds that speak TCP only (warned about on a UDP service). */
int check_type_tcp_only(enum check_type);

const char *check_result_name(enum check_result);

#endif
