/*
 * responder.c - test TCP servers on 127.0.0.1 (see responder.h).
 */
#include "shoal-build.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "responder.h"

struct rconn {
	struct responder	*rc_r;
	enum responder_mode	 rc_mode;	/* the responder's when accepted */
	char			*rc_reply;	/* a copy, NULL for none */
	size_t			 rc_len;
	int			 rc_fd;
	struct event		*rc_ev;
	size_t			 rc_off;	/* bytes of the reply written */
	size_t			 rc_end;	/* script: end of this part */
	size_t			 rc_linelen;	/* script: bytes of the line */
	LIST_ENTRY(rconn)	 rc_entry;
};

struct responder {
	struct event_base	*r_base;
	enum responder_mode	 r_mode;
	char			*r_reply;
	size_t			 r_len;
	int			 r_fd;
	uint16_t		 r_port;
	int			 r_accepted;
	struct event		*r_ev;
	LIST_HEAD(, rconn)	 r_conns;
	char			 r_heard[4096];
	size_t			 r_heardlen;
};

#define SCRIPT_SEP	'|'

static void rconn_on_write(evutil_socket_t, short, void *);

static void
rconn_free(struct rconn *rc)
{
	LIST_REMOVE(rc, rc_entry);
	if (rc->rc_ev != NULL)
		event_free(rc->rc_ev);
	close(rc->rc_fd);
	free(rc->rc_reply);
	free(rc);
}

/* Reads and drops what the client sends; frees the conn at EOF. */
static void
rconn_on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct rconn	*rc = arg;
	char		 buf[4096];
	ssize_t		 n;

	(void)what;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n == 0 || (n == -1 && errno != EAGAIN))
		rconn_free(rc);
}

static void
rconn_set(struct rconn *rc, short what, event_callback_fn fn,
    const struct timeval *tv)
{
	if (rc->rc_ev != NULL)
		event_free(rc->rc_ev);
	rc->rc_ev = event_new(rc->rc_r->r_base, rc->rc_fd, what, fn, rc);
	event_add(rc->rc_ev, tv);
}

/* Script: the end of the part starting at rc_off. */
static size_t
rconn_part_end(const struct rconn *rc)
{
	const char	*sep;

	sep = memchr(rc->rc_reply + rc->rc_off, SCRIPT_SEP,
	    rc->rc_len - rc->rc_off);
	return sep != NULL ? (size_t)(sep - rc->rc_reply) : rc->rc_len;
}

/* Script: reads the client's line, then writes the next part. */
static void
rconn_on_line(evutil_socket_t fd, short what, void *arg)
{
	struct rconn		*rc = arg;
	struct responder	*r = rc->rc_r;
	char			 ch;
	ssize_t			 n;

	(void)what;
	while ((n = read(fd, &ch, 1)) == 1) {
		if (r->r_heardlen < sizeof(r->r_heard) - 1) {
			r->r_heard[r->r_heardlen++] = ch;
			r->r_heard[r->r_heardlen] = '\0';
		}
		if (ch != '\n')
			continue;
		rc->rc_off = rc->rc_end + 1;	/* past the separator */
		rc->rc_end = rconn_part_end(rc);
		rconn_set(rc, EV_WRITE, rconn_on_write, NULL);
		return;
	}
	if (n == 0 || (n == -1 && errno != EAGAIN))
		rconn_free(rc);
}

static void
rconn_done_writing(struct rconn *rc)
{
	if (rc->rc_mode == RESP_KEEP) {
		rconn_set(rc, EV_READ | EV_PERSIST, rconn_on_drain, NULL);
		return;
	}
	shutdown(rc->rc_fd, SHUT_WR);
	rconn_set(rc, EV_READ | EV_PERSIST, rconn_on_drain, NULL);
}

/* Script: writes the current part; at the end of the script, closes. */
static void
rconn_script_write(struct rconn *rc)
{
	ssize_t	 n;

	if (rc->rc_off < rc->rc_end) {
		n = send(rc->rc_fd, rc->rc_reply + rc->rc_off,
		    rc->rc_end - rc->rc_off, MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN) {
			rconn_free(rc);
			return;
		}
		if (n > 0)
			rc->rc_off += (size_t)n;
		if (rc->rc_off < rc->rc_end) {
			rconn_set(rc, EV_WRITE, rconn_on_write, NULL);
			return;
		}
	}
	if (rc->rc_end >= rc->rc_len) {
		rconn_done_writing(rc);
		return;
	}
	rconn_set(rc, EV_READ | EV_PERSIST, rconn_on_line, NULL);
}

static void
rconn_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct rconn		*rc = arg;
	static char		 flood[65536];
	struct timeval		 tv = { 0, 1000 };
	ssize_t			 n;
	size_t			 want;

	(void)what;
	if (rc->rc_mode == RESP_SCRIPT) {
		rconn_script_write(rc);
		return;
	}
	if (rc->rc_off < rc->rc_len) {
		want = rc->rc_mode == RESP_SLOW ? 1 : rc->rc_len - rc->rc_off;
		n = send(fd, rc->rc_reply + rc->rc_off, want, MSG_NOSIGNAL);
		if (n > 0)
			rc->rc_off += (size_t)n;
		else if (n == -1 && errno != EAGAIN) {
			rconn_free(rc);
			return;
		}
		if (rc->rc_mode == RESP_SLOW && rc->rc_off < rc->rc_len) {
			rconn_set(rc, EV_TIMEOUT, rconn_on_write, &tv);
			return;
		}
	}
	if (rc->rc_off < rc->rc_len) {
		rconn_set(rc, EV_WRITE, rconn_on_write, NULL);
		return;
	}
	if (rc->rc_mode != RESP_FLOOD) {
		rconn_done_writing(rc);
		return;
	}
	memset(flood, 'x', sizeof(flood));
	n = send(fd, flood, sizeof(flood), MSG_NOSIGNAL);
	if (n == -1 && errno != EAGAIN) {
		rconn_free(rc);
		return;
	}
	rconn_set(rc, EV_WRITE, rconn_on_write, NULL);
}

static void
responder_on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct responder	*r = arg;
	struct rconn		*rc;
	int			 cfd;

	(void)what;
	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return;
	r->r_accepted++;
	if (r->r_mode == RESP_CLOSE) {
		close(cfd);
		return;
	}
	if ((rc = calloc(1, sizeof(*rc))) == NULL) {
		close(cfd);
		return;
	}
	rc->rc_r = r;
	rc->rc_fd = cfd;
	rc->rc_mode = r->r_mode;
	if (r->r_reply != NULL &&
	    (rc->rc_reply = malloc(r->r_len + 1)) != NULL) {
		memcpy(rc->rc_reply, r->r_reply, r->r_len + 1);
		rc->rc_len = r->r_len;
	}
	LIST_INSERT_HEAD(&r->r_conns, rc, rc_entry);
	if (r->r_mode == RESP_HANG)
		return;		/* holds the socket, says nothing */
	if (r->r_mode == RESP_SCRIPT)
		rc->rc_end = rconn_part_end(rc);
	rconn_set(rc, EV_WRITE, rconn_on_write, NULL);
}

struct responder *
responder_new(struct event_base *base, enum responder_mode mode,
    const char *reply)
{
	return responder_listen(base, mode, reply, NULL, 0);
}

struct responder *
responder_listen(struct event_base *base, enum responder_mode mode,
    const char *reply, const char *addr, uint16_t port)
{
	struct responder	*r;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 on = 1;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->r_fd = -1;
	r->r_base = base;
	r->r_mode = mode;
	LIST_INIT(&r->r_conns);
	if (reply != NULL) {
		r->r_reply = strdup(reply);
		r->r_len = strlen(reply);
	}
	r->r_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (addr != NULL && inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		responder_free(r);
		return NULL;
	}
	if (r->r_fd != -1)
		setsockopt(r->r_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (r->r_fd == -1 ||
	    bind(r->r_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(r->r_fd, 64) == -1 ||
	    getsockname(r->r_fd, (struct sockaddr *)&sin, &len) == -1) {
		responder_free(r);
		return NULL;
	}
	r->r_port = ntohs(sin.sin_port);
	r->r_ev = event_new(base, r->r_fd, EV_READ | EV_PERSIST,
	    responder_on_accept, r);
	event_add(r->r_ev, NULL);
	return r;
}

int
responder_set(struct responder *r, enum responder_mode mode,
    const char *reply)
{
	char *copy = NULL;

	if (reply != NULL && (copy = strdup(reply)) == NULL)
		return -1;
	free(r->r_reply);
	r->r_reply = copy;
	r->r_len = copy != NULL ? strlen(copy) : 0;
	r->r_mode = mode;
	return 0;
}

uint16_t
responder_port(const struct responder *r)
{
	return r->r_port;
}

int
responder_accepted(const struct responder *r)
{
	return r->r_accepted;
}

void
responder_free(struct responder *r)
{
	if (r == NULL)
		return;
	while (!LIST_EMPTY(&r->r_conns))
		rconn_free(LIST_FIRST(&r->r_conns));
	if (r->r_ev != NULL)
		event_free(r->r_ev);
	if (r->r_fd != -1)
		close(r->r_fd);
	free(r->r_reply);
	free(r);
}

const char *
responder_heard(const struct responder *r)
{
	return r->r_heard;
}

uint16_t
responder_closed_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;
	uint16_t		 port = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}
