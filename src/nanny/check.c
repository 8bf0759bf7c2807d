/*
 * check.c - the check engine: the socket steps every kind shares
 * (connect, tls, send, read) over TCP or a connected UDP socket, the
 * exchanges of a dialogue, their timers, and the one way a run ends.
 */
#include "shoal-build.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/exec.h"
#include "lib/log.h"
#include "lib/util.h"
#include "check.h"
#include "check_kind.h"

#define CHECK_BUF_START		1024
#define CHECK_DGRAM_MAX		65536	/* the largest UDP payload + 1 */

static void check_on_io(evutil_socket_t, short, void *);
static void check_after_connect(struct check *);
static void check_after_tls(struct check *);
static void check_after_send(struct check *);

static const char *const step_names[] = {
	"idle", "connect", "tls handshake", "send", "read", "program", "check",
	"done",
};

static const char *const type_names[] = {
	[CHECK_T_NONE] = "none", [CHECK_T_TCP] = "tcp", [CHECK_T_UDP] = "udp",
	[CHECK_T_EXPECT] = "expect", [CHECK_T_HTTP] = "http",
	[CHECK_T_HTTPS] = "https", [CHECK_T_PROGRAM] = "program",
	[CHECK_T_AGENT] = "agent", [CHECK_T_DNS] = "dns",
	[CHECK_T_SMTP] = "smtp", [CHECK_T_POP3] = "pop3",
	[CHECK_T_IMAP] = "imap", [CHECK_T_FTP] = "ftp", [CHECK_T_NNTP] = "nntp",
	[CHECK_T_LDAP] = "ldap", [CHECK_T_PING] = "ping",
};

const char *
check_type_name(enum check_type t)
{
	if ((size_t)t >= sizeof(type_names) / sizeof(type_names[0]))
		return NULL;
	return type_names[t];
}

int
check_type_from_name(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(type_names[i], name) == 0)
			return (int)i;
	return -1;
}

int
check_type_tcp_only(enum check_type t)
{
	return t != CHECK_T_NONE && t != CHECK_T_UDP && t != CHECK_T_DNS &&
	    t != CHECK_T_PROGRAM && t != CHECK_T_AGENT && t != CHECK_T_PING;
}

const char *
check_result_name(enum check_result r)
{
	switch (r) {
	case CHECK_SUCCESS:
		return "success";
	case CHECK_FAILURE:
		return "failure";
	case CHECK_TIMEOUT:
		return "timeout";
	case CHECK_ERROR:
		return "error";
	}
	return "?";
}

enum cfg_check_kind
check_resolve_kind(const struct cfg_virtual *vs, uint16_t port)
{
	if (vs->vs_check != CFG_CHECK_AUTO)
		return vs->vs_check;
	if (vs->vs_send_program != NULL)
		return CFG_CHECK_PROGRAM;
	if (vs->vs_send != NULL || vs->vs_expect != NULL || port == 80)
		return CFG_CHECK_SEND_EXPECT;
	return CFG_CHECK_TCP;
}

/* The check_type a UDP service runs for the kind chosen (AUTO too). */
static enum check_type
check_udp_type(const struct cfg_virtual *vs, uint16_t port)
{
	switch (vs->vs_check) {
	case CFG_CHECK_AUTO:
		if (vs->vs_send_program != NULL)
			return CHECK_T_PROGRAM;
		if (vs->vs_send != NULL)
			return CHECK_T_UDP;
		return port == 53 ? CHECK_T_DNS : CHECK_T_NONE;
	case CFG_CHECK_SEND_EXPECT:
		return CHECK_T_UDP;
	default:
		return CHECK_T_NONE;	/* not reached: mapped by the caller */
	}
}

enum check_type
check_resolve_type(const struct cfg_virtual *vs, uint16_t port)
{
	if (vs->vs_protocol == CFG_PROTO_UDP &&
	    (vs->vs_check == CFG_CHECK_AUTO ||
	    vs->vs_check == CFG_CHECK_SEND_EXPECT))
		return check_udp_type(vs, port);
	switch (check_resolve_kind(vs, port)) {
	case CFG_CHECK_TCP:
		return CHECK_T_TCP;
	case CFG_CHECK_SEND_EXPECT:
		return CHECK_T_EXPECT;
	case CFG_CHECK_HTTP:
		return CHECK_T_HTTP;
	case CFG_CHECK_HTTPS:
		return CHECK_T_HTTPS;
	case CFG_CHECK_PROGRAM:
		return CHECK_T_PROGRAM;
	case CFG_CHECK_AGENT:
		return CHECK_T_AGENT;
	case CFG_CHECK_UDP:
		return CHECK_T_UDP;
	case CFG_CHECK_DNS:
		return CHECK_T_DNS;
	case CFG_CHECK_SMTP:
		return CHECK_T_SMTP;
	case CFG_CHECK_POP3:
		return CHECK_T_POP3;
	case CFG_CHECK_IMAP:
		return CHECK_T_IMAP;
	case CFG_CHECK_FTP:
		return CHECK_T_FTP;
	case CFG_CHECK_NNTP:
		return CHECK_T_NNTP;
	case CFG_CHECK_LDAP:
		return CHECK_T_LDAP;
	case CFG_CHECK_PING:
		return CHECK_T_PING;
	default:
		return CHECK_T_NONE;
	}
}

void
check_conf_from_virtual(const struct cfg_virtual *vs, uint16_t port,
    struct check_conf *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->cc_type = check_resolve_type(vs, port);
	cc->cc_udp = vs->vs_protocol == CFG_PROTO_UDP;
	cc->cc_timeout_ms = vs->vs_check_timeout_ms != 0 ?
	    vs->vs_check_timeout_ms : vs->vs_timeout_ms != 0 ?
	    vs->vs_timeout_ms : CFG_DEF_TIMEOUT_MS;
	cc->cc_send = vs->vs_send;
	cc->cc_expect = vs->vs_expect;
	cc->cc_use_regex = vs->vs_use_regex;
	cc->cc_program = vs->vs_send_program;
	cc->cc_agent_port = vs->vs_agent_port;
	cc->cc_http_path = vs->vs_http_path;
	cc->cc_http_host = vs->vs_http_host;
	cc->cc_starttls = vs->vs_starttls;
	cc->cc_tls_verify = vs->vs_tls_verify;
	cc->cc_tls_ca = vs->vs_tls_ca;
	cc->cc_tls_name = vs->vs_tls_name;
	cc->cc_dns_name = vs->vs_dns_name;
	cc->cc_dns_type = vs->vs_dns_type;
	cc->cc_dns_rcode = vs->vs_dns_rcode;
	cc->cc_dns_answer = vs->vs_dns_answer;
	cc->cc_http_status = vs->vs_http_status;
}

static const struct check_kind_ops *
check_ops(enum check_type t)
{
	switch (t) {
	case CHECK_T_TCP:
		return &check_tcp_ops;
	case CHECK_T_UDP:
		return &check_udp_ops;
	case CHECK_T_EXPECT:
		return &check_expect_ops;
	case CHECK_T_HTTP:
	case CHECK_T_HTTPS:
		return &check_http_ops;
	case CHECK_T_PROGRAM:
		return &check_program_ops;
	case CHECK_T_AGENT:
		return &check_agent_ops;
	case CHECK_T_DNS:
		return &check_dns_ops;
	case CHECK_T_SMTP:
	case CHECK_T_POP3:
	case CHECK_T_IMAP:
	case CHECK_T_FTP:
	case CHECK_T_NNTP:
		return &check_mail_ops;
	case CHECK_T_LDAP:
		return &check_ldap_ops;
	case CHECK_T_PING:
		return &check_ping_ops;
	default:
		return NULL;
	}
}

/* Releases what one run holds (socket, TLS, events, buffer, program). */
static void
check_release(struct check *c)
{
	if (c->ch_ops->ko_stop != NULL)
		c->ch_ops->ko_stop(c);
	if (c->ch_ssl != NULL)
		check_tls_end(c);
	if (c->ch_ev_io != NULL) {
		event_free(c->ch_ev_io);
		c->ch_ev_io = NULL;
	}
	if (c->ch_ev_timer != NULL)
		evtimer_del(c->ch_ev_timer);
	if (c->ch_fd != -1) {
		close(c->ch_fd);
		c->ch_fd = -1;
	}
	free(c->ch_buf);
	c->ch_buf = NULL;
	c->ch_len = c->ch_cap = 0;
	c->ch_sent = 0;
	c->ch_label = NULL;
	c->ch_tls_next = 0;
	c->ch_step = CHECK_STEP_IDLE;
}

void
check_reason(struct check *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason), fmt, ap);
	va_end(ap);
}

void
check_finish(struct check *c, enum check_result r, const char *fmt, ...)
{
	struct check_outcome	 out;
	va_list			 ap;

	out = c->ch_out;
	va_start(ap, fmt);
	vsnprintf(out.co_reason, sizeof(out.co_reason), fmt, ap);
	va_end(ap);
	out.co_result = r;
	out.co_latency_ms = (uint32_t)(clock_monotonic_ms() - c->ch_start_ms);
	check_release(c);
	c->ch_cb(&out, c->ch_arg);	/* may free c */
}

static void
check_arm_timer(struct check *c)
{
	struct timeval	 tv;

	tv.tv_sec = c->ch_timeout_ms / 1000;
	tv.tv_usec = (c->ch_timeout_ms % 1000) * 1000;
	evtimer_add(c->ch_ev_timer, &tv);
}

/* Sets the fd event to wait for what (EV_READ/EV_WRITE); -1 on failure. */
static int
check_wait(struct check *c, short what)
{
	if (c->ch_ev_io != NULL)
		event_free(c->ch_ev_io);
	c->ch_ev_io = event_new(c->ch_base, c->ch_fd, what, check_on_io, c);
	if (c->ch_ev_io == NULL || event_add(c->ch_ev_io, NULL) == -1) {
		check_finish(c, CHECK_ERROR, "cannot wait on socket");
		return -1;
	}
	return 0;
}

/* Enters a step: its name for reasons and a fresh timer. */
static void
check_enter(struct check *c, enum check_step s)
{
	c->ch_step = s;
	check_arm_timer(c);
}

void
check_enter_own(struct check *c, const char *label)
{
	c->ch_label = label;
	check_enter(c, CHECK_STEP_OWN);
}

/*
 * Records a result decided before the loop ran (socket() failed, the
 * connect was refused at once) and calls back from the loop, so
 * check_start() never calls back itself.
 */
void
check_defer(struct check *c, enum check_result r, const char *reason)
{
	struct timeval	 tv = { 0, 0 };

	c->ch_step = CHECK_STEP_DONE;
	c->ch_out.co_result = r;
	snprintf(c->ch_out.co_reason, sizeof(c->ch_out.co_reason), "%s",
	    reason);
	evtimer_add(c->ch_ev_timer, &tv);
}

static void
check_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct check	*c = arg;
	char		 reason[CHECK_REASON_MAX];

	(void)fd;
	(void)what;
	if (c->ch_step == CHECK_STEP_DONE) {
		snprintf(reason, sizeof(reason), "%s", c->ch_out.co_reason);
		check_finish(c, c->ch_out.co_result, "%s", reason);
		return;
	}
	if (c->ch_step == CHECK_STEP_READ && c->ch_len > 0) {
		check_sample(c->ch_buf, c->ch_len, reason, 40);
		check_finish(c, CHECK_TIMEOUT, "timeout in %s after %zu "
		    "bytes: %s", c->ch_label != NULL ? c->ch_label : "read",
		    c->ch_len, reason);
		return;
	}
	check_finish(c, CHECK_TIMEOUT, "timeout in %s",
	    c->ch_label != NULL && c->ch_step != CHECK_STEP_CONNECT &&
	    c->ch_step != CHECK_STEP_TLS ? c->ch_label :
	    step_names[c->ch_step]);
}

/* The IP protocol of the check's socket: 0, or ICMP for echo. */
static int
check_proto(const struct check *c)
{
	if (!c->ch_ops->ko_icmp)
		return 0;
	return c->ch_sa.ss_family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
}

static void
check_connect(struct check *c)
{
	char reason[CHECK_REASON_MAX];

	c->ch_fd = socket(c->ch_sa.ss_family, (c->ch_ops->ko_dgram ?
	    SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    check_proto(c));
	if (c->ch_fd == -1) {
		log_warn("check: socket");
		snprintf(reason, sizeof(reason), "cannot create %ssocket: %s%s",
		    c->ch_ops->ko_icmp ? "ping " : "", strerror(errno),
		    c->ch_ops->ko_icmp && errno == EACCES ? " (see "
		    "net.ipv4.ping_group_range)" : "");
		check_defer(c, CHECK_ERROR, reason);
		return;
	}
	/* even a connect done at once is finished from the loop */
	if (connect(c->ch_fd, (struct sockaddr *)&c->ch_sa, c->ch_salen) == -1 &&
	    errno != EINPROGRESS) {
		snprintf(reason, sizeof(reason), "connect: %s",
		    strerror(errno));
		check_defer(c, CHECK_FAILURE, reason);
		return;
	}
	check_enter(c, CHECK_STEP_CONNECT);
	check_wait(c, EV_WRITE);
}

static void
check_on_connect(struct check *c)
{
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (getsockopt(c->ch_fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		check_finish(c, CHECK_FAILURE, "connect: %s", strerror(err));
		return;
	}
	check_after_connect(c);
}

/* Starts the next exchange: TLS first when asked, then send, read. */
static void
check_exchange(struct check *c)
{
	if (c->ch_tls_next) {
		c->ch_tls_next = 0;
		if (check_tls_begin(c) == -1) {
			check_finish(c, CHECK_ERROR, "tls: %s",
			    check_tls_error(c));
			return;
		}
		check_enter(c, CHECK_STEP_TLS);
		check_wait(c, EV_WRITE);
		return;
	}
	check_after_tls(c);
}

static void
check_after_connect(struct check *c)
{
	c->ch_out_data = c->ch_send;
	c->ch_out_len = c->ch_sendlen;
	c->ch_tls_next = c->ch_tls;
	check_exchange(c);
}

void
check_next_exchange(struct check *c, const char *label, const char *data,
    size_t len, int tls_first)
{
	c->ch_label = label;
	c->ch_out_data = data;
	c->ch_out_len = data != NULL ? len : 0;
	c->ch_tls_next = tls_first;
	c->ch_sent = 0;
	c->ch_len = 0;
	if (c->ch_buf != NULL)
		c->ch_buf[0] = '\0';
}

static void
check_on_tls(struct check *c)
{
	short	 want = 0;
	int	 rv;

	rv = check_tls_handshake(c, &want);
	if (rv == -2) {
		check_wait(c, want);
		return;
	}
	if (rv <= 0) {
		check_finish(c, CHECK_FAILURE, "tls handshake: %s",
		    check_tls_error(c));
		return;
	}
	check_after_tls(c);
}

static void
check_after_tls(struct check *c)
{
	if (c->ch_out_data == NULL || c->ch_out_len == 0) {
		check_after_send(c);
		return;
	}
	check_enter(c, CHECK_STEP_SEND);
	check_wait(c, EV_WRITE);
}

/* Writes what remains to send; -2 would block, -1 error, else 0. */
static int
check_write_some(struct check *c, short *want)
{
	long	 n;

	*want = EV_WRITE;
	while (c->ch_sent < c->ch_out_len) {
		if (c->ch_ssl != NULL)
			n = check_tls_write(c, c->ch_out_data + c->ch_sent,
			    c->ch_out_len - c->ch_sent, want);
		else {
			n = send(c->ch_fd, c->ch_out_data + c->ch_sent,
			    c->ch_out_len - c->ch_sent, MSG_NOSIGNAL);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				n = -2;
		}
		if (n == -2)
			return -2;
		if (n <= 0)
			return -1;
		c->ch_sent += (size_t)n;
	}
	return 0;
}

static void
check_on_send(struct check *c)
{
	short	 want;
	int	 rv;

	if ((rv = check_write_some(c, &want)) == -2) {
		check_wait(c, want);
		return;
	}
	if (rv == -1) {
		if (c->ch_ops->ko_dgram && errno == ECONNREFUSED) {
			check_finish(c, CHECK_FAILURE, "ICMP port unreachable");
			return;
		}
		check_finish(c, CHECK_FAILURE, "send: %s", c->ch_ssl != NULL ?
		    check_tls_error(c) : strerror(errno));
		return;
	}
	check_after_send(c);
}

/* Calls the kind's match and ends the run when it decides; 1 if ended. */
static int
check_decide(struct check *c, int eof)
{
	enum check_match	 m;
	char			 reason[CHECK_REASON_MAX];

	if (c->ch_ops->ko_match == NULL) {
		check_finish(c, CHECK_SUCCESS, "connected");
		return 1;
	}
	m = c->ch_ops->ko_match(c, eof);
	if (m == CHECK_MATCH_MORE)
		return 0;
	if (m == CHECK_MATCH_NEXT) {
		check_exchange(c);
		return 1;
	}
	snprintf(reason, sizeof(reason), "%s", c->ch_out.co_reason);
	check_finish(c, m == CHECK_MATCH_OK ? CHECK_SUCCESS : CHECK_FAILURE,
	    "%s", reason);
	return 1;
}

static void
check_after_send(struct check *c)
{
	/* a datagram kind waits for its reply; a stream kind may decide on
	 * nothing read yet (TCP connect, "sent, no expect") */
	if (!c->ch_ops->ko_dgram && check_decide(c, 0))
		return;
	check_enter(c, CHECK_STEP_READ);
	check_wait(c, EV_READ);
}

int
check_buf_full(const struct check *c)
{
	return c->ch_len >= CHECK_READ_MAX;
}

/* Makes room to read into; 0 or -1 (ENOMEM). */
static int
check_buf_grow(struct check *c)
{
	size_t	 ncap;
	char	*nb;

	if (c->ch_cap - c->ch_len > 1)
		return 0;
	ncap = c->ch_cap == 0 ? CHECK_BUF_START : c->ch_cap * 2;
	if (ncap > CHECK_READ_MAX + 1)
		ncap = CHECK_READ_MAX + 1;
	if ((nb = realloc(c->ch_buf, ncap)) == NULL)
		return -1;
	c->ch_buf = nb;
	c->ch_cap = ncap;
	return 0;
}

/* Reads what is there: 1 at EOF, 0 would block, -1 on error. */
static int
check_read_some(struct check *c, short *want)
{
	long	 n;

	*want = EV_READ;
	while (!check_buf_full(c)) {
		if (check_buf_grow(c) == -1)
			return -1;
		if (c->ch_ssl != NULL)
			n = check_tls_read(c, c->ch_buf + c->ch_len,
			    c->ch_cap - c->ch_len - 1, want);
		else {
			n = read(c->ch_fd, c->ch_buf + c->ch_len,
			    c->ch_cap - c->ch_len - 1);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				n = -2;
		}
		if (n == -2)
			return 0;
		if (n == 0)
			return 1;
		if (n < 0)
			return -1;
		c->ch_len += (size_t)n;
		c->ch_buf[c->ch_len] = '\0';
	}
	return 0;
}

/*
 * Reads one datagram: the whole reply (a kind may drop it and wait for
 * the next).  The rest of a flood is never read: the socket closes when
 * the run ends.  An ICMP port unreachable comes back as ECONNREFUSED on
 * the connected socket.
 */
static void
check_on_datagram(struct check *c)
{
	static char	 dgram[CHECK_DGRAM_MAX];
	ssize_t		 n;
	size_t		 keep;

	n = recv(c->ch_fd, dgram, sizeof(dgram), 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		check_wait(c, EV_READ);
		return;
	}
	if (n == -1) {
		if (errno == ECONNREFUSED)
			check_finish(c, CHECK_FAILURE, "ICMP port unreachable");
		else
			check_finish(c, CHECK_FAILURE, "read: %s",
			    strerror(errno));
		return;
	}
	keep = (size_t)n < CHECK_READ_MAX ? (size_t)n : CHECK_READ_MAX;
	if ((c->ch_buf = malloc(keep + 1)) == NULL) {
		check_finish(c, CHECK_ERROR, "out of memory");
		return;
	}
	memcpy(c->ch_buf, dgram, keep);
	c->ch_buf[keep] = '\0';
	c->ch_len = keep;
	c->ch_cap = keep + 1;
	if (check_decide(c, 1))
		return;
	/* not a reply to us (a DNS answer to another query): read on, one
	 * datagram per loop turn, until the step's timer */
	free(c->ch_buf);
	c->ch_buf = NULL;
	c->ch_len = c->ch_cap = 0;
	check_wait(c, EV_READ);
}

static void
check_on_read(struct check *c)
{
	short	 want;
	int	 rv;

	rv = check_read_some(c, &want);
	if (rv == -1 && c->ch_len == 0) {
		check_finish(c, CHECK_FAILURE, "read: %s", c->ch_ssl != NULL ?
		    check_tls_error(c) : strerror(errno));
		return;
	}
	/* a reset after some bytes: decide on what came */
	if (check_decide(c, rv != 0 || check_buf_full(c)))
		return;
	if (rv != 0 || check_buf_full(c)) {
		/* the kind must decide at EOF; a kind that does not is a bug */
		check_finish(c, CHECK_FAILURE, "reply undecided");
		return;
	}
	check_wait(c, want);
}

static void
check_on_io(evutil_socket_t fd, short what, void *arg)
{
	struct check	*c = arg;

	(void)fd;
	(void)what;
	switch (c->ch_step) {
	case CHECK_STEP_CONNECT:
		check_on_connect(c);
		break;
	case CHECK_STEP_TLS:
		check_on_tls(c);
		break;
	case CHECK_STEP_SEND:
		check_on_send(c);
		break;
	case CHECK_STEP_READ:
		if (c->ch_ops->ko_dgram)
			check_on_datagram(c);
		else
			check_on_read(c);
		break;
	default:
		break;
	}
}

/* Fills the target address and its text forms for %h / %p. */
static int
check_target(struct check *c, const struct cfg_addr *addr, uint16_t port)
{
	if (cfg_addr_to_sockaddr(addr, port, &c->ch_sa, &c->ch_salen) == -1)
		return -1;
	cfg_addr_str(addr, c->ch_host, sizeof(c->ch_host));
	snprintf(c->ch_port, sizeof(c->ch_port), "%u", port);
	return 0;
}

struct check *
check_new_conf(struct event_base *base, const struct check_conf *cc,
    const struct cfg_addr *addr, uint16_t port, check_done_cb cb, void *arg,
    char *err, size_t errlen)
{
	struct check	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->ch_base = base;
	c->ch_cb = cb;
	c->ch_arg = arg;
	c->ch_fd = -1;
	c->ch_type = cc->cc_type;
	c->ch_ops = check_ops(c->ch_type);
	if (c->ch_type == CHECK_T_DNS && !cc->cc_udp)
		c->ch_ops = &check_dns_tcp_ops;
	if (c->ch_ops == NULL) {
		snprintf(err, errlen, "check kind %s cannot be run",
		    check_type_name(c->ch_type) != NULL ?
		    check_type_name(c->ch_type) : "?");
		free(c);
		return NULL;
	}
	c->ch_timeout_ms = cc->cc_timeout_ms != 0 ? cc->cc_timeout_ms :
	    CFG_DEF_TIMEOUT_MS;
	if (c->ch_type == CHECK_T_AGENT)
		port = cc->cc_agent_port;
	/* an echo or a program needs no port (tracked checks give none) */
	if ((port == 0 && c->ch_type != CHECK_T_PING &&
	    c->ch_type != CHECK_T_PROGRAM) ||
	    check_target(c, addr, port) == -1) {
		snprintf(err, errlen, "%s", port != 0 ? "no address to check" :
		    c->ch_type == CHECK_T_AGENT ?
		    "agent check without agent_port" : "no port to check");
		goto fail;
	}
	if ((c->ch_ev_timer = evtimer_new(base, check_on_timer, c)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (c->ch_ops->ko_init != NULL &&
	    c->ch_ops->ko_init(c, cc, err, errlen) == -1)
		goto fail;
	return c;
fail:
	check_free(c);
	return NULL;
}

struct check *
check_new(struct event_base *base, const struct cfg_virtual *vs,
    enum cfg_check_kind kind, const struct cfg_addr *addr, uint16_t port,
    check_done_cb cb, void *arg, char *err, size_t errlen)
{
	struct check_conf	 cc;

	check_conf_from_virtual(vs, port, &cc);
	if (kind == CFG_CHECK_AGENT)
		cc.cc_type = CHECK_T_AGENT;
	else if (kind != CFG_CHECK_AUTO) {
		snprintf(err, errlen, "check kind %s cannot be forced",
		    cfg_check_kind_name(kind));
		return NULL;
	}
	return check_new_conf(base, &cc, addr, port, cb, arg, err, errlen);
}

int
check_start(struct check *c)
{
	if (c->ch_step != CHECK_STEP_IDLE)
		return -1;
	memset(&c->ch_out, 0, sizeof(c->ch_out));
	c->ch_out.co_weight = -1;
	c->ch_out.co_weight_pct = -1;
	c->ch_start_ms = clock_monotonic_ms();
	if (c->ch_ops->ko_begin != NULL)
		c->ch_ops->ko_begin(c);
	if (c->ch_ops->ko_start != NULL) {
		/* the kind times itself (a program gets SIGTERM first) */
		c->ch_step = CHECK_STEP_PROGRAM;
		if (c->ch_ops->ko_start(c) == -1 &&
		    c->ch_step != CHECK_STEP_DONE)
			check_defer(c, CHECK_ERROR, "cannot start program");
		return 0;
	}
	check_connect(c);
	return 0;
}

void
check_stop(struct check *c)
{
	if (c->ch_step != CHECK_STEP_IDLE)
		check_release(c);
}

int
check_running(const struct check *c)
{
	return c->ch_step != CHECK_STEP_IDLE;
}

enum check_type
check_type(const struct check *c)
{
	return c->ch_type;
}

void
check_free(struct check *c)
{
	if (c == NULL)
		return;
	check_release(c);
	if (c->ch_ev_timer != NULL)
		event_free(c->ch_ev_timer);
	if (c->ch_ops != NULL && c->ch_ops->ko_free != NULL)
		c->ch_ops->ko_free(c);
	check_expect_free(&c->ch_expect);
	free(c->ch_send);
	free(c->ch_sni);
	free(c->ch_tls_ca);
	free(c->ch_tls_name);
	exec_argv_free(c->ch_argv);
	free(c);
}

void
check_sample(const char *buf, size_t len, char *out, size_t outlen)
{
	size_t	 i, o = 0;

	if (outlen == 0)
		return;
	for (i = 0; i < len && o + 4 < outlen; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\r' || ch == '\n')
			break;
		out[o++] = ch >= ' ' && ch <= '~' ? (char)ch : '?';
	}
	if (i < len && o + 4 <= outlen && buf[i] != '\r' && buf[i] != '\n') {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}
