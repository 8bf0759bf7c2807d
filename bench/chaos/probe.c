/*
 * probe.c - chaos-probe: what a client of the virtual IPs sees.
 *
 *   chaos-probe [-i MS] [-t MS] [-d MS] [-p PORT] [-a MS] VIP...
 *
 * Every -i ms (default 10) it starts, for each VIP, a new TCP connection
 * to VIP:PORT (default 80), sends "GET / HTTP/1.0" and reads the answer
 * until EOF; an attempt not done after -t ms (default 100) fails.
 * Attempts overlap, so a slow one never lowers the resolution.  Every -a
 * ms (default 100) it reads the kernel's ARP table (/proc/net/arp of the
 * namespace it runs in) and prints a line when the MAC it holds for a VIP
 * changes: the client's real neighbour cache, which a missing gratuitous
 * ARP leaves on a stale MAC.  Output, one line per event, time in ms of
 * CLOCK_MONOTONIC (the attempt's start):
 *
 *   T VIP ok NAME LATENCY       the first word of the body (a real server)
 *   T VIP fail REASON LATENCY   refused, reset, unreach, timeout, status...
 *   T VIP neigh MAC|none
 *   T - late MS                 this probe was not scheduled for MS ms
 *                               (the machine's fault, not the cluster's)
 *
 * Runs -d ms (default: until SIGTERM/SIGINT), then waits for the attempts
 * in flight.  Exits 0, or 2 on bad usage.
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_VIPS	8
#define MAX_FLIGHT	1024
#define REPLY_MAX	512

struct attempt {
	int		 a_fd;		/* -1: free slot */
	int		 a_vip;
	double		 a_start;
	int		 a_sent;
	size_t		 a_len;
	char		 a_buf[REPLY_MAX];
};

struct vip {
	const char		*v_str;
	struct sockaddr_in	 v_sa;
	char			 v_mac[32];	/* as last printed */
};

static volatile sig_atomic_t	 stop;
static struct attempt		 flight[MAX_FLIGHT];
static struct vip		 vips[MAX_VIPS];
static int			 nvips;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *
err_reason(int e)
{
	switch (e) {
	case ECONNREFUSED:	return "refused";
	case ECONNRESET:	return "reset";
	case EHOSTUNREACH:	return "unreach";
	case ENETUNREACH:	return "netunreach";
	case ETIMEDOUT:		return "timeout";
	case EPIPE:		return "reset";
	default:		return "error";
	}
}

static void
done(struct attempt *a, const char *status, const char *what)
{
	printf("%.3f %s %s %s %.3f\n", a->a_start, vips[a->a_vip].v_str,
	    status, what, now_ms() - a->a_start);
	close(a->a_fd);
	a->a_fd = -1;
}

/* The whole answer is in: "HTTP/1.x 200 ..." and a body naming a server. */
static void
finish(struct attempt *a)
{
	char name[64];
	const char *body;

	a->a_buf[a->a_len] = '\0';
	body = strstr(a->a_buf, "\r\n\r\n");
	if (a->a_len < 12 || strncmp(a->a_buf, "HTTP/1.", 7) != 0 ||
	    strncmp(a->a_buf + 9, "200", 3) != 0)
		done(a, "fail", "status");
	else if (body == NULL || sscanf(body + 4, "%63s", name) != 1)
		done(a, "fail", "nobody");
	else
		done(a, "ok", name);
}

static void
start(int v, double t)
{
	struct attempt *a = NULL;

	for (int i = 0; i < MAX_FLIGHT; i++)
		if (flight[i].a_fd == -1) {
			a = &flight[i];
			break;
		}
	if (a == NULL) {
		printf("%.3f %s fail busy 0\n", t, vips[v].v_str);
		return;
	}
	memset(a, 0, sizeof(*a));
	a->a_vip = v;
	a->a_start = t;
	a->a_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (a->a_fd == -1) {
		printf("%.3f %s fail socket 0\n", t, vips[v].v_str);
		return;
	}
	if (connect(a->a_fd, (struct sockaddr *)&vips[v].v_sa,
	    sizeof(vips[v].v_sa)) == -1 && errno != EINPROGRESS)
		done(a, "fail", err_reason(errno));
}

/* One readiness event of attempt a. */
static void
step(struct attempt *a, short revents)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	int e = 0;
	socklen_t el = sizeof(e);
	ssize_t n;

	if (!a->a_sent) {
		if (getsockopt(a->a_fd, SOL_SOCKET, SO_ERROR, &e, &el) == -1 ||
		    e != 0) {
			done(a, "fail", err_reason(e != 0 ? e : errno));
			return;
		}
		if (send(a->a_fd, req, sizeof(req) - 1, MSG_NOSIGNAL) !=
		    (ssize_t)sizeof(req) - 1) {
			done(a, "fail", err_reason(errno));
			return;
		}
		a->a_sent = 1;
		return;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = recv(a->a_fd, a->a_buf + a->a_len, REPLY_MAX - 1 - a->a_len, 0);
	if (n == -1 && errno != EAGAIN)
		done(a, "fail", err_reason(errno));
	else if (n == 0 || a->a_len + (size_t)n >= REPLY_MAX - 1) {
		a->a_len += n > 0 ? (size_t)n : 0;
		finish(a);
	} else if (n > 0)
		a->a_len += (size_t)n;
}

/* Prints the VIPs whose MAC in the kernel's ARP table changed. */
static void
neigh_sample(double t)
{
	char line[256], ip[64], hw[32], mac[32];
	unsigned type, flags;
	FILE *f;

	if ((f = fopen("/proc/net/arp", "r")) == NULL)
		return;
	for (int v = 0; v < nvips; v++) {
		rewind(f);
		snprintf(mac, sizeof(mac), "none");
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "%63s 0x%x 0x%x %31s", ip, &type,
			    &flags, hw) == 4 && strcmp(ip, vips[v].v_str) == 0 &&
			    (flags & 0x2) != 0)
				snprintf(mac, sizeof(mac), "%s", hw);
		if (strcmp(mac, vips[v].v_mac) != 0) {
			printf("%.3f %s neigh %s\n", t, vips[v].v_str, mac);
			snprintf(vips[v].v_mac, sizeof(vips[v].v_mac), "%s",
			    mac);
		}
	}
	fclose(f);
}

static int
in_flight(void)
{
	int n = 0;

	for (int i = 0; i < MAX_FLIGHT; i++)
		n += flight[i].a_fd != -1;
	return n;
}

/* Fails every attempt older than timeout_ms. */
static void
expire(double t, double timeout_ms)
{
	for (int i = 0; i < MAX_FLIGHT; i++)
		if (flight[i].a_fd != -1 && t - flight[i].a_start >= timeout_ms)
			done(&flight[i], "fail", "timeout");
}

static void
poll_once(int wait_ms)
{
	struct pollfd pfd[MAX_FLIGHT];
	int map[MAX_FLIGHT], n = 0;

	for (int i = 0; i < MAX_FLIGHT; i++) {
		if (flight[i].a_fd == -1)
			continue;
		pfd[n].fd = flight[i].a_fd;
		pfd[n].events = flight[i].a_sent ? POLLIN : POLLOUT;
		pfd[n].revents = 0;
		map[n++] = i;
	}
	if (poll(pfd, (nfds_t)n, wait_ms < 0 ? 0 : wait_ms) <= 0)
		return;
	for (int i = 0; i < n; i++)
		if (pfd[i].revents != 0 && flight[map[i]].a_fd != -1)
			step(&flight[map[i]], pfd[i].revents);
}

static void
usage(void)
{
	fprintf(stderr, "usage: chaos-probe [-i MS] [-t MS] [-d MS] "
	    "[-p PORT] [-a MS] VIP...\n");
	exit(2);
}

static void
parse_vips(int argc, char **argv, int port)
{
	if (argc < 1 || argc > MAX_VIPS)
		usage();
	for (int i = 0; i < argc; i++) {
		vips[i].v_str = argv[i];
		vips[i].v_sa.sin_family = AF_INET;
		vips[i].v_sa.sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, argv[i], &vips[i].v_sa.sin_addr) != 1)
			usage();
	}
	nvips = argc;
}

int
main(int argc, char **argv)
{
	double interval = 10, timeout = 100, dur = -1, arp_ms = 100;
	double t0, t, next, next_arp;
	int c, port = 80;

	while ((c = getopt(argc, argv, "i:t:d:p:a:")) != -1) {
		switch (c) {
		case 'i': interval = atof(optarg); break;
		case 't': timeout = atof(optarg); break;
		case 'd': dur = atof(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 'a': arp_ms = atof(optarg); break;
		default: usage();
		}
	}
	if (interval <= 0 || timeout <= 0 || arp_ms <= 0 || port <= 0 ||
	    port > 65535)
		usage();
	parse_vips(argc - optind, argv + optind, port);
	for (int i = 0; i < MAX_FLIGHT; i++)
		flight[i].a_fd = -1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	t0 = next = next_arp = now_ms();
	while (!stop && (dur < 0 || (t = now_ms()) < t0 + dur)) {
		t = now_ms();
		if (t >= next) {
			for (int v = 0; v < nvips; v++)
				start(v, t);
			next += interval;
			if (next < t) {	/* not scheduled: say so, no burst */
				if (t - next > 2 * interval)
					printf("%.3f - late %.3f\n", t, t - next);
				next = t + interval;
			}
		}
		if (t >= next_arp) {
			neigh_sample(t);
			next_arp = t + arp_ms;
			fflush(stdout);	/* readers follow the log as it grows */
		}
		expire(t, timeout);
		poll_once((int)(next - now_ms()) + 1);
	}
	while (in_flight() > 0) {
		expire(now_ms(), timeout);
		poll_once(5);
	}
	fflush(stdout);
	return 0;
}
