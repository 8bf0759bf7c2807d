/*
 * vmnet.c - the real servers and the client of the VM lane's scenarios.
 *
 *   vmnet serve NAME [-t PORT]... [-u PORT]...
 *	TCP: answers "NAME\n" on accept, then echoes what it reads, until the
 *	peer closes (so a connection can be held open).  UDP (IPv4): answers
 *	"NAME\n" to every datagram, from the address it was sent to (direct
 *	routing: the VIP on lo).  Prints "ready" once listening; runs until
 *	SIGTERM.
 *
 *   vmnet count [-H [-K]] [-u] [-s SRC] [-S NSRC] [-w MS] ADDR PORT N
 *	N connections (or UDP datagrams from new sockets) to ADDR:PORT, one
 *	after the other; prints "NAME COUNT" per answering server (sorted)
 *	and "errors E".  -H holds every connection open until all N are made
 *	(so each new one sees the earlier ones as active connections), -K
 *	still after that until SIGTERM; otherwise each is reset after its
 *	answer.  -s/-S: source addresses
 *	SRC, SRC+1, ... (NSRC of them, IPv4) in turn.  -w: timeout per
 *	connection (default 2000 ms).
 *
 *   vmnet talk [-i MS] ADDR PORT N
 *	N connections that each send a line every MS (default 100) ms and
 *	expect its echo.  Prints "ready NAME=COUNT..." when all are up, then
 *	every second "status live=L recent=R" (recent: an echo within the
 *	last second).  On SIGUSR1 each live connection sends one last line
 *	and waits up to 5 s for it; prints "alive A/N maxgap_ms G" (the
 *	longest silence of a connection that survived) and exits.
 *
 * Bounded everywhere: every wait has a timeout.  Exit 0, or 1 on a usage
 * or set-up error.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXPORTS	32
#define MAXNAMES	64
#define NAMELEN		32

static volatile sig_atomic_t stop_flag, usr1_flag;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		usr1_flag = 1;
	else
		stop_flag = 1;
}

static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
more_files(void)
{
	struct rlimit rl = { 65536, 65536 };

	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
nonblock(int fd)
{
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* ---- serve ---- */

struct server {
	const char	*name;
	int		 ep;
	int		 tcp[MAXPORTS], ntcp;
	int		 udp[MAXPORTS], nudp;
};

static int
listen_tcp(int port)
{
	struct sockaddr_in6 sa;
	int fd, one = 1, zero = 0;

	if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 4096) == -1 || nonblock(fd) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
listen_udp(int port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    nonblock(fd) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
is_in(const int *fds, int n, int fd)
{
	for (int i = 0; i < n; i++)
		if (fds[i] == fd)
			return 1;
	return 0;
}

static void
serve_accept(struct server *s, int lfd)
{
	struct epoll_event ev;
	char line[NAMELEN + 2];
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) !=
	    -1) {
		snprintf(line, sizeof(line), "%s\n", s->name);
		if (write(fd, line, strlen(line)) == -1) {
			close(fd);
			continue;
		}
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			close(fd);
	}
}

/* Answers one datagram from the address it was sent to. */
static void
serve_udp(const struct server *s, int fd)
{
	char buf[512], cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct sockaddr_in from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m;
	struct cmsghdr *c;
	struct in_pktinfo *pi;

	memset(&m, 0, sizeof(m));
	m.msg_name = &from;
	m.msg_namelen = sizeof(from);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	if (recvmsg(fd, &m, 0) == -1)
		return;
	snprintf(buf, sizeof(buf), "%s\n", s->name);
	iov.iov_len = strlen(buf);
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			pi = (struct in_pktinfo *)(void *)CMSG_DATA(c);
			pi->ipi_spec_dst = pi->ipi_addr;
			pi->ipi_ifindex = 0;
		}
	m.msg_flags = 0;
	(void)sendmsg(fd, &m, 0);
}

static void
serve_echo(int fd)
{
	char buf[4096];
	ssize_t n;

	n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		if (write(fd, buf, (size_t)n) == -1 && errno != EAGAIN)
			close(fd);
		return;
	}
	if (n == 0 || errno != EAGAIN)
		close(fd);	/* closing removes it from the epoll set */
}

static int
serve(int argc, char **argv)
{
	struct server s;
	struct epoll_event ev, evs[64];
	int c, fd, n;

	memset(&s, 0, sizeof(s));
	while ((c = getopt(argc, argv, "t:u:")) != -1) {
		if (c == 't' && s.ntcp < MAXPORTS &&
		    (fd = listen_tcp(atoi(optarg))) != -1)
			s.tcp[s.ntcp++] = fd;
		else if (c == 'u' && s.nudp < MAXPORTS &&
		    (fd = listen_udp(atoi(optarg))) != -1)
			s.udp[s.nudp++] = fd;
		else {
			fprintf(stderr, "vmnet serve: -%c %s: %s\n", c,
			    optarg != NULL ? optarg : "", strerror(errno));
			return 1;
		}
	}
	if (optind != argc - 1 || strlen(argv[optind]) > NAMELEN) {
		fprintf(stderr, "usage: vmnet serve NAME [-t PORT] [-u PORT]\n");
		return 1;
	}
	s.name = argv[optind];
	if ((s.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return 1;
	for (int i = 0; i < s.ntcp + s.nudp; i++) {
		ev.events = EPOLLIN;
		ev.data.fd = i < s.ntcp ? s.tcp[i] : s.udp[i - s.ntcp];
		epoll_ctl(s.ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop_flag) {
		n = epoll_wait(s.ep, evs, 64, 1000);
		for (int i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (is_in(s.tcp, s.ntcp, fd))
				serve_accept(&s, fd);
			else if (is_in(s.udp, s.nudp, fd))
				serve_udp(&s, fd);
			else
				serve_echo(fd);
		}
	}
	return 0;
}

/* ---- client side ---- */

struct target {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 af;
	struct in_addr		 src;	/* 0 = none */
	int			 nsrc;
	int			 udp;
	int			 wait_ms;
};

static int
target_parse(struct target *t, const char *addr, const char *port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&t->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->ss;

	memset(&t->ss, 0, sizeof(t->ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = t->af = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(port));
		t->sslen = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = t->af = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(port));
		t->sslen = sizeof(*s6);
		return 0;
	}
	return -1;
}

/* Binds fd to the i-th source address, if any; 0 or -1. */
static int
bind_source(const struct target *t, int fd, int i)
{
	struct sockaddr_in sa;

	if (t->src.s_addr == 0 || t->af != AF_INET)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(ntohl(t->src.s_addr) +
	    (uint32_t)(i % t->nsrc));
	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* Waits for events on fd until the deadline; 1 ready, 0 timeout. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { fd, events, 0 };
	int64_t left;

	while ((left = deadline - now_ms()) > 0) {
		if (poll(&p, 1, (int)left) > 0)
			return 1;
		if (stop_flag)
			return 0;
	}
	return 0;
}

/* Reads one line (the server's name) before the deadline; 0 or -1. */
static int
read_name(int fd, char *name, int64_t deadline)
{
	size_t len = 0;
	ssize_t n;

	while (len < NAMELEN && wait_fd(fd, POLLIN, deadline)) {
		if ((n = read(fd, name + len, NAMELEN - len)) <= 0)
			return -1;
		len += (size_t)n;
		if (memchr(name, '\n', len) != NULL) {
			*(char *)memchr(name, '\n', len) = '\0';
			return 0;
		}
	}
	return -1;
}

/* Says on stderr why connection i failed. */
static void
tcp_failed(const struct target *t, int i, const char *step, int err)
{
	struct in_addr a;

	a.s_addr = htonl(ntohl(t->src.s_addr) + (uint32_t)(i % t->nsrc));
	fprintf(stderr, "failed %d%s%s: %s: %s\n", i, t->src.s_addr != 0 ?
	    " from " : "", t->src.s_addr != 0 ? inet_ntoa(a) : "", step,
	    err != 0 ? strerror(err) : "timeout");
}

/* A connected TCP socket that answered its name; fd or -1. */
static int
tcp_open(const struct target *t, int i, char *name)
{
	int64_t deadline = now_ms() + t->wait_ms;
	int fd, err = 0;
	socklen_t el = sizeof(err);
	const char *step = "bind";

	if ((fd = socket(t->af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if (bind_source(t, fd, i) == -1)
		goto fail;
	step = "connect";
	if (connect(fd, (const struct sockaddr *)&t->ss, t->sslen) == -1 &&
	    errno != EINPROGRESS)
		goto fail;
	errno = 0;
	if (!wait_fd(fd, POLLOUT, deadline))
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1 || err != 0) {
		errno = err;
		goto fail;
	}
	step = "reading the name";
	errno = 0;
	if (read_name(fd, name, deadline) == -1)
		goto fail;
	return fd;
fail:
	tcp_failed(t, i, step, errno);
	close(fd);
	return -1;
}

static int
udp_ask(const struct target *t, int i, char *name)
{
	int64_t deadline = now_ms() + t->wait_ms;
	ssize_t n;
	int fd;

	if ((fd = socket(t->af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if (bind_source(t, fd, i) == -1 ||
	    sendto(fd, "x\n", 2, 0, (const struct sockaddr *)&t->ss,
	    t->sslen) == -1 || !wait_fd(fd, POLLIN, deadline) ||
	    (n = recv(fd, name, NAMELEN, 0)) <= 0) {
		close(fd);
		return -1;
	}
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	close(fd);
	return 0;
}

/* Resets the connection (no TIME_WAIT on either side). */
static void
reset_close(int fd)
{
	struct linger l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

struct tally {
	char	names[MAXNAMES][NAMELEN + 1];
	int	counts[MAXNAMES];
	int	n;
	int	errors;
};

static void
tally_add(struct tally *ta, const char *name)
{
	int i;

	for (i = 0; i < ta->n; i++)
		if (strcmp(ta->names[i], name) == 0)
			break;
	if (i == ta->n) {
		if (ta->n == MAXNAMES) {
			ta->errors++;
			return;
		}
		snprintf(ta->names[ta->n++], NAMELEN + 1, "%s", name);
	}
	ta->counts[i]++;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
tally_print(struct tally *ta, const char *prefix, const char *sep)
{
	char sorted[MAXNAMES][NAMELEN + 1];

	memcpy(sorted, ta->names, sizeof(sorted));
	qsort(sorted, (size_t)ta->n, sizeof(sorted[0]), name_cmp);
	printf("%s", prefix);
	for (int i = 0; i < ta->n; i++)
		for (int j = 0; j < ta->n; j++)
			if (strcmp(sorted[i], ta->names[j]) == 0)
				printf("%s%s%s%d", i > 0 ? sep : "",
				    ta->names[j], *sep == '\n' ? " " : "=",
				    ta->counts[j]);
	if (ta->n > 0 && *sep == '\n')
		printf("\n");
}

static int
client_opts(int argc, char **argv, struct target *t, int *hold, int *ival)
{
	int c;

	memset(t, 0, sizeof(*t));
	t->wait_ms = 2000;
	t->nsrc = 1;
	while ((c = getopt(argc, argv, "HKus:S:w:i:")) != -1) {
		switch (c) {
		case 'H':
			*hold |= 1;
			break;
		case 'K':
			*hold |= 2;
			break;
		case 'u':
			t->udp = 1;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &t->src) != 1)
				return -1;
			break;
		case 'S':
			t->nsrc = atoi(optarg) > 0 ? atoi(optarg) : 1;
			break;
		case 'w':
			t->wait_ms = atoi(optarg);
			break;
		case 'i':
			*ival = atoi(optarg) > 0 ? atoi(optarg) : 100;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 3 || target_parse(t, argv[optind],
	    argv[optind + 1]) == -1 || atoi(argv[optind + 2]) <= 0)
		return -1;
	return atoi(argv[optind + 2]);
}

static int
count(int argc, char **argv)
{
	struct target t;
	struct tally ta;
	char name[NAMELEN + 1];
	int hold = 0, ival = 0, n, fd, *held;

	if ((n = client_opts(argc, argv, &t, &hold, &ival)) == -1) {
		fprintf(stderr, "usage: vmnet count [-H [-K]] [-u] [-s SRC] "
		    "[-S N] [-w MS] ADDR PORT N\n");
		return 1;
	}
	if ((held = calloc((size_t)n, sizeof(*held))) == NULL)
		return 1;
	memset(&ta, 0, sizeof(ta));
	for (int i = 0; i < n && !stop_flag; i++) {
		held[i] = -1;
		memset(name, 0, sizeof(name));
		if (t.udp)
			fd = udp_ask(&t, i, name) == 0 ? -2 : -1;
		else
			fd = tcp_open(&t, i, name);
		if (fd == -1) {
			ta.errors++;
			continue;
		}
		tally_add(&ta, name);
		if (fd >= 0 && hold)
			held[i] = fd;
		else if (fd >= 0)
			reset_close(fd);
	}
	tally_print(&ta, "", "\n");
	printf("errors %d\n", ta.errors);
	fflush(stdout);
	while ((hold & 2) && !stop_flag)
		pause();
	for (int i = 0; i < n; i++)
		if (held[i] >= 0)
			reset_close(held[i]);
	free(held);
	return 0;
}

/* ---- talk: long-lived connections through a fail-over ---- */

struct conn {
	int	 fd;
	int64_t	 last_rx;	/* last echo */
	int64_t	 maxgap;
	int	 pending;	/* lines sent, not yet echoed */
};

static void
conn_read(struct conn *c)
{
	char buf[1024];
	ssize_t n;
	int64_t t = now_ms();

	while ((n = read(c->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n' && c->pending > 0)
				c->pending--;
		if (t - c->last_rx > c->maxgap)
			c->maxgap = t - c->last_rx;
		c->last_rx = t;
	}
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
		close(c->fd);
		c->fd = -1;
	}
}

static void
talk_poll(struct conn *cs, int n, int ms)
{
	struct pollfd *p = calloc((size_t)n, sizeof(*p));

	if (p == NULL)
		return;
	for (int i = 0; i < n; i++) {
		p[i].fd = cs[i].fd;
		p[i].events = POLLIN;
	}
	if (poll(p, (nfds_t)n, ms) > 0)
		for (int i = 0; i < n; i++)
			if (cs[i].fd >= 0 && (p[i].revents & (POLLIN | POLLERR |
			    POLLHUP)))
				conn_read(&cs[i]);
	free(p);
}

static void
talk_send(struct conn *cs, int n)
{
	for (int i = 0; i < n; i++) {
		if (cs[i].fd < 0)
			continue;
		if (write(cs[i].fd, "p\n", 2) == 2)
			cs[i].pending++;
		else if (errno != EAGAIN) {
			close(cs[i].fd);
			cs[i].fd = -1;
		}
	}
}

static void
talk_status(struct conn *cs, int n)
{
	int live = 0, recent = 0;
	int64_t t = now_ms();

	for (int i = 0; i < n; i++) {
		if (cs[i].fd < 0)
			continue;
		live++;
		if (t - cs[i].last_rx <= 1000)
			recent++;
	}
	printf("status live=%d recent=%d\n", live, recent);
	fflush(stdout);
}

/* The last line: a connection is alive when it echoes it within 5 s. */
static void
talk_finish(struct conn *cs, int n)
{
	int64_t deadline, maxgap = 0;
	int alive = 0, waiting;

	for (int i = 0; i < n; i++)
		if (cs[i].fd >= 0) {
			conn_read(&cs[i]);
			cs[i].pending = 0;
		}
	talk_send(cs, n);
	deadline = now_ms() + 5000;
	do {
		talk_poll(cs, n, 100);
		waiting = 0;
		for (int i = 0; i < n; i++)
			if (cs[i].fd >= 0 && cs[i].pending > 0)
				waiting++;
	} while (waiting > 0 && now_ms() < deadline);
	for (int i = 0; i < n; i++)
		if (cs[i].fd >= 0 && cs[i].pending == 0) {
			alive++;
			if (cs[i].maxgap > maxgap)
				maxgap = cs[i].maxgap;
		}
	printf("alive %d/%d maxgap_ms %lld\n", alive, n, (long long)maxgap);
	fflush(stdout);
}

static int
talk(int argc, char **argv)
{
	struct target t;
	struct tally ta;
	struct conn *cs;
	char name[NAMELEN + 1];
	int hold = 0, ival = 100, n;
	int64_t next, status;

	if ((n = client_opts(argc, argv, &t, &hold, &ival)) == -1) {
		fprintf(stderr, "usage: vmnet talk [-i MS] ADDR PORT N\n");
		return 1;
	}
	if ((cs = calloc((size_t)n, sizeof(*cs))) == NULL)
		return 1;
	memset(&ta, 0, sizeof(ta));
	for (int i = 0; i < n; i++) {
		memset(name, 0, sizeof(name));
		if ((cs[i].fd = tcp_open(&t, i, name)) == -1) {
			fprintf(stderr, "vmnet talk: connection %d failed\n", i);
			return 1;
		}
		tally_add(&ta, name);
		cs[i].last_rx = now_ms();
	}
	tally_print(&ta, "ready ", " ");
	printf("\n");
	fflush(stdout);
	next = status = now_ms();
	while (!usr1_flag && !stop_flag) {
		if (now_ms() >= next) {
			talk_send(cs, n);
			next += ival;
		}
		if (now_ms() >= status) {
			talk_status(cs, n);
			status += 1000;
		}
		talk_poll(cs, n, (int)(next > now_ms() ? next - now_ms() : 0));
	}
	talk_finish(cs, n);
	for (int i = 0; i < n; i++)
		if (cs[i].fd >= 0)
			reset_close(cs[i].fd);
	free(cs);
	return 0;
}

int
main(int argc, char **argv)
{
	signals();
	more_files();
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return serve(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "count") == 0)
		return count(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "talk") == 0)
		return talk(argc - 1, argv + 1);
	fprintf(stderr, "usage: vmnet serve|count|talk ...\n");
	return 1;
}
