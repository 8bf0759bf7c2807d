/*
 * web.c - shoal-web: the browser admin UI and JSON API server.
 *
 *	shoal-web --db PATH [--listen ADDR:PORT] [--rundir DIR] [--log FILE]
 *	    [--tls-cert F --tls-key F] [--www DIR] [--user NAME]
 *	    [--metrics-token-file F] [--insecure-http] [-n] [-v] [-t]
 *
 * Start-up order matters: the listening socket is bound and the TLS key
 * read while still root (a low port, a root-only key), then privileges are
 * dropped to the shoal user before the database or any request is
 * touched.  Then everything runs on one libevent loop: libmicrohttpd (in
 * its external epoll mode, http.c), signals, the log tail, the session
 * sweep and pushes.  Password hashing alone runs on a small pool of
 * threads (hashpool.c) whose results come back to the loop.
 *
 * Shutdown (SIGTERM, SIGINT) stops taking work and ends what runs, then
 * leaves the loop: no new connections, log streams end, a running push is
 * cancelled, queued password checks are answered 503 and running ones
 * finish; the loop goes on until those answers are sent (at most
 * WEB_DRAIN_MS), then every connection is closed.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <microhttpd.h>

#include "lib/digest.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "sync/sync.h"
#include "api.h"
#include "auth.h"
#include "hashpool.h"
#include "http.h"
#include "logtail.h"
#include "web.h"

#define WEB_DEFAULT_LISTEN	"127.0.0.1:3636"
#define WEB_SESSION_IDLE_S	(30 * 60)
#define WEB_SESSION_ABS_S	(12 * 60 * 60)
#define WEB_PEM_MAX		(1024 * 1024)
#define WEB_HASH_QUEUE		16	/* password checks waiting, at most */
#define WEB_DRAIN_MS		2000	/* shutdown: answers still going */
#define WEB_DRAIN_TICK_MS	10

struct web_opts {
	const char	*db;
	const char	*listen;
	const char	*rundir;
	const char	*logfile;
	const char	*cert;
	const char	*key;
	const char	*www;
	const char	*user;
	const char	*known_hosts;
	const char	*ssh_key;
	const char	*metrics_token;	/* file */
	int		 insecure;
	int		 foreground;
	int		 verbose;
	int		 test;
	unsigned int	 threads;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: shoal-web [--db PATH] [--listen ADDR:PORT] [--rundir DIR]\n"
	    "                 [--log FILE] [--tls-cert FILE --tls-key FILE]\n"
	    "                 [--www DIR] [--user NAME] [--threads N]\n"
	    "                 [--known-hosts FILE] [--ssh-key FILE]\n"
	    "                 [--metrics-token-file FILE]\n"
	    "                 [--insecure-http] [-n] [-v] [-t]\n"
	    "                 [--help] [--version]\n"
	    "  --db PATH         configuration database [%s]\n"
	    "  --listen A:P      address and port [%s]; [v6]:port for IPv6\n"
	    "  --rundir DIR      where pulse.sock is [%s]\n"
	    "  --log FILE        cluster log file shown on the Logs page\n"
	    "  --tls-cert/--tls-key  serve HTTPS with this PEM pair\n"
	    "  --www DIR         static pages [%s/www]\n"
	    "  --user NAME       user to run as when started as root [%s]\n"
	    "  --threads N       threads hashing passwords [half the CPUs, "
	    "1-4]\n"
	    "  --known-hosts F   push: the peers' SSH host keys [%s]\n"
	    "  --ssh-key F       push: the SSH key for every node [per node,\n"
	    "                    else %s]\n"
	    "  --metrics-token-file F  serve /metrics to who sends this "
	    "file's token\n"
	    "                    (Authorization: Bearer); without it, "
	    "/metrics is off\n"
	    "  --insecure-http   allow plain HTTP on a non-loopback address\n"
	    "  -n, --nodaemon    log to stderr (shoal-web never forks)\n"
	    "  -v, --verbose     more logging (repeat for more)\n"
	    "  -t, --test        check the options and the database, exit\n",
	    SHOAL_DEFAULT_DB, WEB_DEFAULT_LISTEN, SHOAL_DEFAULT_RUNDIR,
	    SHOAL_PKGDATADIR, SHOAL_USER, SYNC_DEF_KNOWN_HOSTS, SYNC_DEF_KEY);
}

static void
parse_args(int argc, char **argv, struct web_opts *o)
{
	enum { O_DB = 256, O_LISTEN, O_RUNDIR, O_LOG, O_CERT, O_KEY, O_WWW,
	    O_USER, O_INSECURE, O_THREADS, O_HELP, O_VERSION, O_KNOWN, O_KEY2,
	    O_MTOKEN };
	static const struct option lopts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "rundir", required_argument, NULL, O_RUNDIR },
		{ "log", required_argument, NULL, O_LOG },
		{ "tls-cert", required_argument, NULL, O_CERT },
		{ "tls-key", required_argument, NULL, O_KEY },
		{ "www", required_argument, NULL, O_WWW },
		{ "user", required_argument, NULL, O_USER },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "ssh-key", required_argument, NULL, O_KEY2 },
		{ "metrics-token-file", required_argument, NULL, O_MTOKEN },
		{ "insecure-http", no_argument, NULL, O_INSECURE },
		{ "nodaemon", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "test", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	long n;

	while ((ch = getopt_long(argc, argv, "f:nvt", lopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
		case O_DB:	o->db = optarg; break;
		case O_LISTEN:	o->listen = optarg; break;
		case O_RUNDIR:	o->rundir = optarg; break;
		case O_LOG:	o->logfile = optarg; break;
		case O_CERT:	o->cert = optarg; break;
		case O_KEY:	o->key = optarg; break;
		case O_WWW:	o->www = optarg; break;
		case O_USER:	o->user = optarg; break;
		case O_KNOWN:	o->known_hosts = optarg; break;
		case O_KEY2:	o->ssh_key = optarg; break;
		case O_MTOKEN:	o->metrics_token = optarg; break;
		case O_INSECURE: o->insecure = 1; break;
		case 'n':	o->foreground = 1; break;
		case 'v':	o->verbose++; break;
		case 't':	o->test = 1; break;
		case O_THREADS:
			n = strtol(optarg, NULL, 10);
			if (n < 1 || n > 64) {
				fprintf(stderr, "shoal-web: --threads: 1 to "
				    "64 password hashing threads\n");
				exit(2);
			}
			o->threads = (unsigned int)n;
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		case O_VERSION:
			printf("shoal-web %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
	if ((o->cert == NULL) != (o->key == NULL)) {
		fprintf(stderr, "shoal-web: --tls-cert and --tls-key go "
		    "together\n");
		exit(2);
	}
}

/*
 * "ADDR:PORT" or "[V6]:PORT" into ss; 0 or -1.  *loopback tells whether
 * the address is 127.0.0.0/8 or ::1.
 */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    int *loopback)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = s;
	size_t hl;
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if ((colon = strrchr(s, ':')) == NULL)
		return -1;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 2 || s[hl - 1] != ']')
			return -1;
		h = s + 1;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
		return -1;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		*loopback = (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		*loopback = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
		return 0;
	}
	return -1;
}

static int
listen_socket(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, on = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		fatal("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		fatal("SO_REUSEADDR");
	if (ss->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		fatal("IPV6_V6ONLY");
	if (bind(fd, (const struct sockaddr *)ss, len) == -1)
		fatal("bind");
	if (listen(fd, 1024) == -1)
		fatal("listen");
	return fd;
}

#define WEB_TOKEN_MIN		16	/* characters of a metrics token */
#define WEB_TOKEN_MAX		4096

/*
 * Reads the bearer token of /metrics from path (still root: the file may
 * be root's alone): its first line without surrounding blanks, at least
 * WEB_TOKEN_MIN printable characters; a file others may read is refused.
 * Keeps only its SHA-256 in w (http.c compares digests); exits with a
 * message naming the file on any problem.
 */
static void
read_metrics_token(const char *path, struct web *w)
{
	struct stat sb;
	char *t, *s, *e;
	size_t len = 0;

	if ((t = file_read_all(path, WEB_TOKEN_MAX, &len)) == NULL)
		fatal("--metrics-token-file %s", path);
	if (stat(path, &sb) == 0 && (sb.st_mode & S_IRWXO) != 0)
		fatalx("--metrics-token-file %s: others may read it (chmod "
		    "o-rwx)", path);
	for (s = t; *s == ' ' || *s == '\t'; s++)
		;
	for (e = s; *e > ' ' && *e != 0x7f; e++)
		;
	if (e - s < WEB_TOKEN_MIN || (*e != '\0' && *e != '\n' &&
	    *e != '\r' && *e != ' ' && *e != '\t'))
		fatalx("--metrics-token-file %s: line 1: the token must be at "
		    "least %d printable characters without blanks", path,
		    WEB_TOKEN_MIN);
	digest_sha256_hex(s, (size_t)(e - s), w->w_metrics_token);
	w->w_metrics_token_set = 1;
	mem_wipe(t, len);
	free(t);
}

/* Thousands of idle clients must not starve us of descriptors. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_max > HTTP_MAX_CONNECTIONS + 256)
		rl.rlim_max = HTTP_MAX_CONNECTIONS + 256;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit RLIMIT_NOFILE");
	}
}

/* Started as root: become `user` for good.  No-op otherwise. */
static void
drop_privileges(const char *user)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return;
	if ((pw = getpwnam(user)) == NULL)
		fatalx("user %s does not exist: create it (useradd --system "
		    "%s) or pass --user", user, user);
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("cannot drop privileges to %s", user);
	if (setuid(0) != -1)
		fatalx("still able to become root after dropping privileges");
	log_debug("running as %s (uid %u)", user, (unsigned int)pw->pw_uid);
}

/* What main() owns besides struct web: the loop's own events. */
struct web_main {
	struct web		*m_web;
	struct http_server	*m_http;
	struct event		*m_sig[3];
	struct event		*m_sweep;
	struct event		*m_drain;
	uint64_t		 m_drain_end;
	int			 m_stopping;
};

/* Shutdown, step 2: leave the loop once no answer is still on its way. */
static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct web_main *m = arg;
	struct timeval tick = { 0, WEB_DRAIN_TICK_MS * 1000 };

	(void)fd;
	(void)what;
	if ((http_server_deferred(m->m_http) == 0 &&
	    logtail_clients(m->m_web->w_logtail) == 0 &&
	    api_ops_clients(m->m_web->w_ops) == 0) ||
	    clock_monotonic_ms() >= m->m_drain_end) {
		event_base_loopbreak(m->m_web->w_base);
		return;
	}
	event_add(m->m_drain, &tick);
}

/* Shutdown, step 1: stop taking work and end what runs. */
static void
web_stop(struct web_main *m)
{
	struct web *w = m->m_web;
	struct hashpool *hp = w->w_hashpool;
	struct timeval now = { 0, 0 };

	m->m_stopping = 1;
	http_server_quiesce(m->m_http);
	logtail_close_clients(w->w_logtail);
	api_ops_stop(w->w_ops);
	api_push_cancel(w->w_push);
	w->w_hashpool = NULL;		/* from now on, password work is 503 */
	hashpool_free(hp);		/* finishes every deferred reply */
	m->m_drain_end = clock_monotonic_ms() + WEB_DRAIN_MS;
	event_add(m->m_drain, &now);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct web_main *m = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_reopen();
		return;
	}
	log_info("Terminating due to signal %d", (int)sig);
	if (m->m_stopping)
		event_base_loopbreak(m->m_web->w_base);	/* a second signal */
	else
		web_stop(m);
}

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	auth_sweep(arg);
}

/* A new event, added unless it is a one-shot timer (add == 0). */
static struct event *
add_event(struct event_base *base, int fd, short flags,
    event_callback_fn cb, void *arg, const struct timeval *tv, int add)
{
	struct event *ev;

	if ((ev = event_new(base, fd, flags, cb, arg)) == NULL ||
	    (add && event_add(ev, tv) == -1))
		fatalx("cannot set up the event loop");
	return ev;
}

/* The loop's own events: signals, the session sweep, the drain timer. */
static void
web_events(struct web_main *m)
{
	static const int sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	struct event_base *base = m->m_web->w_base;
	struct timeval minute = { 60, 0 };
	int i;

	for (i = 0; i < 3; i++)
		m->m_sig[i] = add_event(base, sigs[i], EV_SIGNAL | EV_PERSIST,
		    on_signal, m, NULL, 1);
	m->m_sweep = add_event(base, -1, EV_PERSIST, on_sweep,
	    m->m_web->w_auth, &minute, 1);
	m->m_drain = add_event(base, -1, 0, on_drain, m, NULL, 0);
}

/* Password hashing threads: half the CPUs, so the loop keeps one. */
static unsigned int
web_hash_threads(unsigned int asked)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (asked > 0)
		return asked;
	return ncpu < 4 ? 1 : ncpu > 8 ? 4 : (unsigned int)(ncpu / 2);
}

/* Frees what web_events(), the hash pool and the server hold. */
static void
web_free(struct web_main *m)
{
	struct web *w = m->m_web;
	int i;

	http_server_free(m->m_http);
	hashpool_free(w->w_hashpool);
	api_push_free(w->w_push);
	api_ops_free(w->w_ops);
	for (i = 0; i < 3; i++)
		event_free(m->m_sig[i]);
	event_free(m->m_sweep);
	event_free(m->m_drain);
	logtail_free(w->w_logtail);
	event_base_free(w->w_base);
	auth_free(w->w_auth);
	store_close(w->w_store);
}

/* Opens the store and exits for -t. */
static struct store *
open_store(const struct web_opts *o)
{
	struct store *st;
	struct diag d;

	diag_init(&d);
	st = store_open(o->db, o->test ? STORE_RDONLY : STORE_CREATE, &d);
	if (st == NULL) {
		diag_print(&d, stderr);
		fatalx("cannot open the database %s", o->db);
	}
	diag_clear(&d);
	if (o->test) {
		printf("shoal-web: options and database %s ok\n", o->db);
		store_close(st);
		exit(0);
	}
	return st;
}

int
main(int argc, char **argv)
{
	struct web_opts o = { .db = SHOAL_DEFAULT_DB,
	    .listen = WEB_DEFAULT_LISTEN, .rundir = SHOAL_DEFAULT_RUNDIR,
	    .www = SHOAL_PKGDATADIR "/www", .user = SHOAL_USER };
	struct web w;
	struct web_main m;
	struct sockaddr_storage ss;
	char *cert = NULL, *key = NULL;
	socklen_t sslen;
	size_t keylen = 0;
	int lfd, loopback;

	parse_args(argc, argv, &o);
	log_init("shoal-web", o.foreground, o.verbose, NULL);
	if (parse_listen(o.listen, &ss, &sslen, &loopback) == -1)
		fatalx("--listen %s: expected ADDR:PORT or [V6ADDR]:PORT",
		    o.listen);
	if (!loopback && o.cert == NULL && !o.insecure)
		fatalx("refusing plain HTTP on non-loopback address %s: give "
		    "--tls-cert/--tls-key, or --insecure-http", o.listen);
	if (o.cert != NULL) {
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
			fatalx("this libmicrohttpd has no TLS support");
		if ((cert = file_read_all(o.cert, WEB_PEM_MAX, NULL)) == NULL)
			fatal("%s", o.cert);
		if ((key = file_read_all(o.key, WEB_PEM_MAX, &keylen)) == NULL)
			fatal("%s", o.key);
	}
	memset(&w, 0, sizeof(w));
	memset(&m, 0, sizeof(m));
	if (o.metrics_token != NULL)
		read_metrics_token(o.metrics_token, &w);
	raise_fd_limit();
	lfd = o.test ? -1 : listen_socket(&ss, sslen);
	drop_privileges(o.user);

	m.m_web = &w;
	w.w_store = open_store(&o);
	w.w_db_path = o.db;
	w.w_rundir = o.rundir;
	w.w_www = o.www;
	w.w_tls = o.cert != NULL;
	w.w_known_hosts = o.known_hosts;
	w.w_ssh_key = o.ssh_key;
	signal(SIGPIPE, SIG_IGN);
	o.threads = web_hash_threads(o.threads);
	if ((w.w_base = event_base_new()) == NULL ||
	    (w.w_auth = auth_new(w.w_store, WEB_SESSION_IDLE_S,
	    WEB_SESSION_ABS_S)) ==
	    NULL || (w.w_logtail = logtail_new(o.logfile)) == NULL ||
	    (w.w_push = api_push_new()) == NULL ||
	    (w.w_hashpool = hashpool_new(w.w_base, o.threads,
	    WEB_HASH_QUEUE)) == NULL)
		fatalx("cannot set up shoal-web (out of memory?)");
	web_events(&m);
	if ((w.w_ops = api_ops_new(&w)) == NULL)
		fatalx("cannot set up shoal-web (out of memory?)");
	if (logtail_start(w.w_logtail, w.w_base) == -1)
		log_warnx("log tail of %s not started", o.logfile);
	if ((m.m_http = http_server_start(w.w_base, &w, api_routes, lfd, cert,
	    key)) == NULL)
		fatalx("cannot start the HTTP server on %s", o.listen);
	log_info("shoal-web listening on %s%s (%u password hashing "
	    "thread%s)", o.listen, w.w_tls ? " with TLS" : "", o.threads,
	    o.threads == 1 ? "" : "s");

	event_base_dispatch(w.w_base);

	web_free(&m);
	if (key != NULL) {
		mem_wipe(key, keylen);
		free(key);
	}
	free(cert);
	log_close();
	return 0;
}
