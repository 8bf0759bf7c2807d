/*
 * check_dns.c - DNS checks through c-ares on the check's libevent loop.
 *
 * One query (dns_name, default the root "."; dns_type, default SOA) to
 * the real server over UDP for a UDP service, TCP for a TCP one; the
 * answer's rcode must be one of dns_rcode (default NOERROR) and, with
 * dns_answer, one answer record must equal it.  c-ares builds the query,
 * matches the answer to it (id and question: foreign or garbled
 * datagrams are dropped), falls back on nothing (one server, one try,
 * truncation ignored on UDP: the check asks UDP) and parses the records;
 * check_dns_judge() decides.  The engine's timer bounds the step; c-ares
 * never decides a timeout itself.
 *
 * Each check has its own channel (its server is the real server).  Its
 * sockets are watched with libevent through the socket-state callback;
 * c-ares's socket calls go through shoal's functions, which bound the
 * datagrams read per wake-up (a flood of foreign replies cannot keep the
 * loop busy: the rest are read on the next turn, after the timers) and
 * remember the errno of a failure ("ICMP port unreachable").
 */
#include "shoal-build.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ares.h>
#include <event2/event.h>

#include "lib/log.h"
#include "check.h"
#include "check_kind.h"
#include "check_parse.h"

#define DNS_SOCKS		2	/* UDP or TCP: one at a time */
#define DNS_READS_PER_WAKE	16
#define DNS_NAME_MAX		253

struct dns_sock {
	int		 ds_fd;
	struct event	*ds_ev;
};

struct dns_state {
	struct check		*dn_check;
	ares_channel		 dn_chan;
	struct dns_sock		 dn_socks[DNS_SOCKS];
	unsigned char		*dn_qbuf;
	int			 dn_qlen;
	char			*dn_answer;
	struct dns_expect	 dn_expect;
	int			 dn_udp;
	/* one run */
	int			 dn_pending;	/* a query is out */
	int			 dn_done;	/* c-ares called back */
	int			 dn_status;
	unsigned char		*dn_abuf;
	size_t			 dn_alen;
	int			 dn_reads;	/* this wake-up */
	int			 dn_replies;	/* datagrams read this run */
	int			 dn_errno;	/* of the last failed call */
	char			 dn_label[64];
};

static int	dns_lib_ready;

static void dns_on_io(evutil_socket_t, short, void *);

/* ---- c-ares socket functions: plain calls, bounded reads ---- */

static ares_socket_t
dns_socket(int domain, int type, int protocol, void *arg)
{
	(void)arg;
	return socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
}

static int
dns_close(ares_socket_t fd, void *arg)
{
	(void)arg;
	return close(fd);
}

static int
dns_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len,
    void *arg)
{
	struct dns_state	*dn = arg;
	int			 rv;

	if ((rv = connect(fd, sa, len)) == -1 && errno != EINPROGRESS)
		dn->dn_errno = errno;
	return rv;
}

static ares_ssize_t
dns_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
    struct sockaddr *from, ares_socklen_t *fromlen, void *arg)
{
	struct dns_state	*dn = arg;
	ssize_t			 n;

	if (dn->dn_reads++ >= DNS_READS_PER_WAKE) {
		errno = EAGAIN;		/* the rest on the next turn */
		return -1;
	}
	n = recvfrom(fd, buf, len, flags, from, fromlen);
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		dn->dn_errno = errno;
	if (n > 0 && from != NULL)
		dn->dn_replies++;
	return n;
}

static ares_ssize_t
dns_sendv(ares_socket_t fd, const struct iovec *iov, int iovcnt, void *arg)
{
	struct dns_state	*dn = arg;
	struct msghdr		 mh;
	ssize_t			 n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = (struct iovec *)(uintptr_t)iov;
	mh.msg_iovlen = (size_t)iovcnt;
	n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		dn->dn_errno = errno;
	return n;
}

static const struct ares_socket_functions dns_sock_funcs = {
	.asocket = dns_socket,
	.aclose = dns_close,
	.aconnect = dns_connect,
	.arecvfrom = dns_recvfrom,
	.asendv = dns_sendv,
};

/* ---- c-ares sockets on libevent ---- */

static struct dns_sock *
dns_sock_find(struct dns_state *dn, int fd)
{
	int	 i;

	for (i = 0; i < DNS_SOCKS; i++)
		if (dn->dn_socks[i].ds_ev != NULL && dn->dn_socks[i].ds_fd == fd)
			return &dn->dn_socks[i];
	return NULL;
}

/* c-ares says what to watch on fd (nothing: forget it). */
static void
dns_sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct dns_state	*dn = arg;
	struct dns_sock		*ds = dns_sock_find(dn, fd);
	short			 what = (readable ? EV_READ : 0) |
				    (writable ? EV_WRITE : 0);

	if (ds != NULL) {
		event_free(ds->ds_ev);
		ds->ds_ev = NULL;
	}
	if (what == 0)
		return;
	if (ds == NULL && (ds = dns_sock_find(dn, -1)) == NULL) {
		int i;

		for (i = 0; i < DNS_SOCKS && dn->dn_socks[i].ds_ev != NULL; i++)
			;
		if (i == DNS_SOCKS) {
			log_warnx("dns check: more sockets than expected");
			return;
		}
		ds = &dn->dn_socks[i];
	}
	ds->ds_fd = fd;
	ds->ds_ev = event_new(dn->dn_check->ch_base, fd, what | EV_PERSIST,
	    dns_on_io, dn);
	if (ds->ds_ev != NULL)
		event_add(ds->ds_ev, NULL);
}

/* c-ares's answer (or failure): kept until ares_process_fd returns. */
static void
dns_on_answer(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct dns_state	*dn = arg;

	(void)timeouts;
	dn->dn_pending = 0;
	if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION)
		return;
	dn->dn_done = 1;
	dn->dn_status = status;
	if (status == ARES_SUCCESS && abuf != NULL && alen > 0 &&
	    (dn->dn_abuf = malloc((size_t)alen)) != NULL) {
		memcpy(dn->dn_abuf, abuf, (size_t)alen);
		dn->dn_alen = (size_t)alen;
	}
}

/* A failure of c-ares itself, as a reason. */
static void
dns_failure_reason(struct dns_state *dn, char *out, size_t outlen)
{
	if (dn->dn_errno == ECONNREFUSED)
		snprintf(out, outlen, "%s", dn->dn_udp ?
		    "ICMP port unreachable" : "connect: Connection refused");
	else if (dn->dn_errno != 0)
		snprintf(out, outlen, "%s", strerror(dn->dn_errno));
	else
		snprintf(out, outlen, "%s", ares_strerror(dn->dn_status));
}

/* Decides the run once c-ares has called back. */
static void
dns_decide(struct dns_state *dn)
{
	struct check		*c = dn->dn_check;
	enum check_match	 m;
	char			 why[CHECK_REASON_MAX - 16];

	if (dn->dn_status != ARES_SUCCESS || dn->dn_abuf == NULL) {
		dns_failure_reason(dn, why, sizeof(why));
		check_finish(c, CHECK_FAILURE, "dns query: %s", why);
		return;
	}
	m = check_dns_judge(dn->dn_abuf, dn->dn_alen, &dn->dn_expect, why,
	    sizeof(why));
	check_finish(c, m == CHECK_MATCH_OK ? CHECK_SUCCESS : CHECK_FAILURE,
	    "dns: %s", why);
}

static void
dns_on_io(evutil_socket_t fd, short what, void *arg)
{
	struct dns_state	*dn = arg;

	dn->dn_reads = 0;
	ares_process_fd(dn->dn_chan, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	if (dn->dn_done) {
		dns_decide(dn);
		return;
	}
	if (dn->dn_replies > 0)
		snprintf(dn->dn_label, sizeof(dn->dn_label), "dns query (%d "
		    "replies did not answer it)", dn->dn_replies);
}

/* ---- settings ---- */

static int
dns_channel(struct dns_state *dn, const struct check_conf *cc)
{
	struct ares_options		 o;
	struct ares_addr_port_node	 srv;
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const struct check		*c = dn->dn_check;

	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH |
	    ARES_FLAG_NOALIASES | (cc->cc_udp ? ARES_FLAG_IGNTC :
	    ARES_FLAG_USEVC);
	o.timeout = (int)c->ch_timeout_ms + 1000;	/* ours ends first */
	o.tries = 1;
	o.sock_state_cb = dns_sock_state;
	o.sock_state_cb_data = dn;
	o.lookups = (char *)"b";
	if (ares_init_options(&dn->dn_chan, &o, ARES_OPT_FLAGS |
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB |
	    ARES_OPT_LOOKUPS) != ARES_SUCCESS)
		return -1;
	ares_set_socket_functions(dn->dn_chan, &dns_sock_funcs, dn);
	memset(&srv, 0, sizeof(srv));
	srv.family = c->ch_sa.ss_family;
	if (srv.family == AF_INET) {
		sin = (const struct sockaddr_in *)&c->ch_sa;
		srv.addr.addr4 = sin->sin_addr;
		srv.udp_port = srv.tcp_port = ntohs(sin->sin_port);
	} else {
		sin6 = (const struct sockaddr_in6 *)&c->ch_sa;
		memcpy(&srv.addr.addr6, &sin6->sin6_addr, 16);
		srv.udp_port = srv.tcp_port = ntohs(sin6->sin6_port);
	}
	return ares_set_servers_ports(dn->dn_chan, &srv) == ARES_SUCCESS ?
	    0 : -1;
}

/* The name to ask: printable, no blanks, at most 253 bytes. */
static int
dns_name_ok(const char *name)
{
	size_t	 n = strlen(name);

	if (n == 0 || n > DNS_NAME_MAX + 1)
		return 0;
	for (; *name != '\0'; name++)
		if ((unsigned char)*name <= ' ' || (unsigned char)*name >= 0x7f)
			return 0;
	return 1;
}

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

static void dns_free(struct check *);

static int
dns_init(struct check *c, const struct check_conf *cc, char *err,
    size_t errlen)
{
	struct dns_state	*dn;
	const char		*name = cc->cc_dns_name != NULL ?
				    cc->cc_dns_name : ".";
	int			 i;

	if (!dns_lib_ready && ares_library_init(ARES_LIB_INIT_ALL) ==
	    ARES_SUCCESS)
		dns_lib_ready = 1;
	if ((dn = calloc(1, sizeof(*dn))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->ch_kstate = dn;
	dn->dn_check = c;
	dn->dn_udp = cc->cc_udp;
	for (i = 0; i < DNS_SOCKS; i++)
		dn->dn_socks[i].ds_fd = -1;
	if (dns_expectations(dn, cc, err, errlen) == -1)
		return -1;
	if (!dns_name_ok(name) || ares_create_query(name, ns_c_in,
	    dn->dn_expect.de_qtype, 0, 1, &dn->dn_qbuf, &dn->dn_qlen, 0) !=
	    ARES_SUCCESS) {
		snprintf(err, errlen, "dns name \"%s\" is not a name to ask",
		    name);
		return -1;
	}
	if (dns_channel(dn, cc) == -1) {
		snprintf(err, errlen, "dns: cannot set up the resolver");
		return -1;
	}
	return 0;
}

static int
dns_start(struct check *c)
{
	struct dns_state	*dn = c->ch_kstate;

	dn->dn_done = dn->dn_status = dn->dn_errno = dn->dn_replies = 0;
	free(dn->dn_abuf);
	dn->dn_abuf = NULL;
	dn->dn_alen = 0;
	snprintf(dn->dn_label, sizeof(dn->dn_label), "dns query");
	check_enter_own(c, dn->dn_label);
	dn->dn_pending = 1;
	dn->dn_reads = 0;
	ares_send(dn->dn_chan, dn->dn_qbuf, dn->dn_qlen, dns_on_answer, dn);
	if (dn->dn_done) {		/* failed at once: socket, send */
		char why[96], reason[CHECK_REASON_MAX];

		dns_failure_reason(dn, why, sizeof(why));
		snprintf(reason, sizeof(reason), "dns query: %s", why);
		check_defer(c, CHECK_FAILURE, reason);
		return -1;
	}
	return 0;
}

static void
dns_stop(struct check *c)
{
	struct dns_state	*dn = c->ch_kstate;

	if (dn != NULL && dn->dn_pending)
		ares_cancel(dn->dn_chan);	/* closes its sockets */
	if (dn != NULL) {
		free(dn->dn_abuf);
		dn->dn_abuf = NULL;
	}
}

static void
dns_free(struct check *c)
{
	struct dns_state	*dn = c->ch_kstate;
	int			 i;

	if (dn == NULL)
		return;
	if (dn->dn_chan != NULL)
		ares_destroy(dn->dn_chan);
	for (i = 0; i < DNS_SOCKS; i++)
		if (dn->dn_socks[i].ds_ev != NULL)
			event_free(dn->dn_socks[i].ds_ev);
	if (dn->dn_qbuf != NULL)
		ares_free_string(dn->dn_qbuf);
	free(dn->dn_abuf);
	free(dn->dn_answer);
	free(dn);
	c->ch_kstate = NULL;
}

const struct check_kind_ops check_dns_ops = {
	.ko_name = "dns",
	.ko_init = dns_init,
	.ko_start = dns_start,
	.ko_stop = dns_stop,
	.ko_free = dns_free,
};
