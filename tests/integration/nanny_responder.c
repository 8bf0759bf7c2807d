/*
 * nanny_responder.c - a test server for nanny's integration test and
 * benchmark: listens on COUNT consecutive IPv4 loopback addresses from
 * ADDR, at PORT, and behaves as MODE:
 *
 *   nanny_responder [-c FILE] MODE REPLY ADDR PORT [COUNT]
 *
 * MODE: TCP reply (REPLY then close), keep (REPLY, stay open), hang,
 * close, flood, slow, script ("greeting|reply|reply..." one part per line
 * read); UDP udp-echo, udp-reply (REPLY), udp-silent, udp-flood, dns (a
 * DNS answer, see responder.h), dns-refused.  REPLY takes \r \n \t \\
 * \xHH escapes ("-" for none).  Prints "ready" on stdout once listening;
 * on SIGUSR1 prints "accepted N", the connections accepted or datagrams
 * received so far (the benchmark counts checks so); runs until SIGTERM or
 * SIGINT.  With -c (TCP modes), SIGHUP reads "MODE REPLY" from FILE and
 * answers that way from the next connection on, without ever closing the
 * port (a test that wants "HTTP 500" never catches a restart's "connection
 * refused"), then prints "set N" (N: the changes so far).
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "nanny/check.h"
#include "nanny/check_match.h"
#include "responder.h"

static const struct {
	const char		*name;
	int			 udp;
	int			 mode;	/* responder_mode or udp_mode */
} modes[] = {
	{ "reply", 0, RESP_REPLY }, { "keep", 0, RESP_KEEP },
	{ "hang", 0, RESP_HANG }, { "close", 0, RESP_CLOSE },
	{ "flood", 0, RESP_FLOOD }, { "slow", 0, RESP_SLOW },
	{ "script", 0, RESP_SCRIPT },
	{ "udp-echo", 1, UDP_ECHO }, { "udp-reply", 1, UDP_REPLY },
	{ "udp-silent", 1, UDP_SILENT }, { "udp-flood", 1, UDP_FLOOD },
	{ "dns", 1, UDP_DNS }, { "dns-refused", 1, UDP_DNS_RCODE },
};

static struct responder		**rs;
static struct udp_responder	**us;
static long			  count = 1;
static const char		 *control;
static long			  nset;

static int parse_mode(const char *, int *, int *);

/* SIGHUP with -c: the new mode and reply from the control file. */
static void
set_from_file(void)
{
	char line[1024], word[16], *reply = NULL, *sp, err[128];
	size_t len;
	FILE *f;
	long i;
	int m, udp;

	if (control == NULL || rs == NULL)
		return;
	if ((f = fopen(control, "r")) == NULL ||
	    fgets(line, sizeof(line), f) == NULL) {
		fprintf(stderr, "nanny_responder: %s: cannot read\n", control);
		if (f != NULL)
			fclose(f);
		return;
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	sp = strchr(line, ' ');
	snprintf(word, sizeof(word), "%.*s", sp != NULL ? (int)(sp - line) :
	    (int)strlen(line), line);
	if (parse_mode(word, &m, &udp) == -1 || udp || sp == NULL ||
	    (strcmp(sp + 1, "-") != 0 && check_unescape(sp + 1, 0, &reply,
	    &len, err, sizeof(err)) == -1)) {
		fprintf(stderr, "nanny_responder: %s: bad line\n", control);
		return;
	}
	for (i = 0; i < count; i++)
		responder_set(rs[i], (enum responder_mode)m, reply);
	free(reply);
	printf("set %ld\n", ++nset);
	fflush(stdout);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	long	 i, n = 0;

	(void)what;
	if (sig == SIGHUP) {
		set_from_file();
		return;
	}
	if (sig != SIGUSR1) {
		event_base_loopbreak(arg);
		return;
	}
	for (i = 0; i < count; i++)
		n += rs != NULL ? responder_accepted(rs[i]) :
		    udp_responder_received(us[i]);
	printf("accepted %ld\n", n);
	fflush(stdout);
}

static int
parse_mode(const char *s, int *m, int *udp)
{
	size_t	 i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(s, modes[i].name) == 0) {
			*m = modes[i].mode;
			*udp = modes[i].udp;
			return 0;
		}
	return -1;
}

/* Listens on count addresses from a; 0 or -1 (reported). */
static int
listen_all(struct event_base *base, int mode, int udp, const char *reply,
    size_t len, struct in_addr a, uint16_t port)
{
	char	 as[INET_ADDRSTRLEN];
	long	 i;

	if (udp)
		us = calloc((size_t)count, sizeof(*us));
	else
		rs = calloc((size_t)count, sizeof(*rs));
	if (us == NULL && rs == NULL)
		return -1;
	for (i = 0; i < count; i++) {
		struct in_addr ai;
		int ok;

		ai.s_addr = htonl(ntohl(a.s_addr) + (uint32_t)i);
		inet_ntop(AF_INET, &ai, as, sizeof(as));
		if (udp)
			ok = (us[i] = udp_responder_new(base, mode,
			    mode == UDP_DNS_RCODE ? "5" : reply, mode ==
			    UDP_DNS_RCODE ? 1 : len, as, port)) != NULL;
		else
			ok = (rs[i] = responder_listen(base, mode, reply, as,
			    port)) != NULL;
		if (!ok) {
			perror(as);
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct event_base	*base;
	struct event		*ev_term, *ev_int, *ev_usr1, *ev_hup;
	struct in_addr		 a;
	char			*reply = NULL, err[128];
	size_t			 len = 0;
	long			 i;
	int			 mode, udp;

	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		control = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 5 || argc > 6 || parse_mode(argv[1], &mode, &udp) == -1 ||
	    inet_pton(AF_INET, argv[3], &a) != 1) {
		fprintf(stderr, "usage: nanny_responder [-c FILE] reply|keep|"
		    "hang|close|"
		    "flood|slow|script|udp-echo|udp-reply|udp-silent|"
		    "udp-flood|dns|dns-refused REPLY ADDR PORT [COUNT]\n");
		return 2;
	}
	if (argc == 6 && ((count = strtol(argv[5], NULL, 10)) < 1 ||
	    count > 100000))
		return 2;
	if (strcmp(argv[2], "-") != 0 &&
	    check_unescape(argv[2], 0, &reply, &len, err, sizeof(err)) == -1) {
		fprintf(stderr, "nanny_responder: reply: %s\n", err);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL ||
	    listen_all(base, mode, udp, reply, len, a,
	    (uint16_t)atoi(argv[4])) == -1)
		return 1;
	ev_term = evsignal_new(base, SIGTERM, on_signal, base);
	ev_int = evsignal_new(base, SIGINT, on_signal, base);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	ev_usr1 = evsignal_new(base, SIGUSR1, on_signal, base);
	evsignal_add(ev_usr1, NULL);
	ev_hup = evsignal_new(base, SIGHUP, on_signal, base);
	evsignal_add(ev_hup, NULL);
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	for (i = 0; i < count; i++) {
		if (rs != NULL)
			responder_free(rs[i]);
		if (us != NULL)
			udp_responder_free(us[i]);
	}
	free(rs);
	free(us);
	free(reply);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_usr1);
	event_free(ev_hup);
	event_base_free(base);
	return 0;
}
