/*
 * logtail.c - inotify log follower and Server-Sent-Events fan-out.
 *
 * Everything runs on shoal-web's one event loop: the follower and the
 * SSE content callbacks (called by libmicrohttpd from that loop).  A
 * client whose buffer is empty suspends its connection; new data resumes
 * it (http_conn_resume(), which also wakes the server).
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/util.h"
#include "http.h"
#include "logtail.h"

#define LOGTAIL_CLIENT_BUF	(256u * 1024)
#define LOGTAIL_PING_S		15

struct logtail_client {
	struct logtail		*c_lt;
	struct MHD_Connection	*c_conn;
	char			*c_buf;
	size_t			 c_len;
	size_t			 c_cap;
	uint64_t		 c_dropped;
	int			 c_suspended;
	int			 c_closing;
	TAILQ_ENTRY(logtail_client) c_entry;
};

struct logtail_line {
	uint64_t		 l_id;
	char			*l_text;
};

struct logtail {
	char			*lt_path;
	char			*lt_dir;
	char			*lt_base;
	int			 lt_ifd;
	int			 lt_wd_file;
	int			 lt_wd_dir;
	int			 lt_fd;
	off_t			 lt_off;
	ino_t			 lt_ino;
	char			 lt_part[LOGTAIL_LINE_MAX];
	size_t			 lt_plen;
	struct event		*lt_ev;
	struct event		*lt_timer;
	unsigned int		 lt_ticks;
	int			 lt_closed;	/* no new clients (exit) */
	struct logtail_line	 lt_ring[LOGTAIL_RING];
	uint64_t		 lt_next_id;	/* id of the next line */
	size_t			 lt_nclients;
	TAILQ_HEAD(, logtail_client) lt_clients;
};

struct logtail *
logtail_new(const char *path)
{
	struct logtail *lt;
	char *a = NULL, *b = NULL;

	if ((lt = calloc(1, sizeof(*lt))) == NULL)
		return NULL;
	lt->lt_ifd = lt->lt_wd_file = lt->lt_wd_dir = lt->lt_fd = -1;
	lt->lt_next_id = 1;
	TAILQ_INIT(&lt->lt_clients);
	if (path == NULL)
		return lt;
	if ((lt->lt_path = strdup(path)) == NULL ||
	    (a = strdup(path)) == NULL || (b = strdup(path)) == NULL ||
	    (lt->lt_dir = strdup(dirname(a))) == NULL ||
	    (lt->lt_base = strdup(basename(b))) == NULL) {
		free(a);
		free(b);
		logtail_free(lt);
		return NULL;
	}
	free(a);
	free(b);
	return lt;
}

const char *
logtail_path(const struct logtail *lt)
{
	return lt->lt_path;
}

/* Appends text to a client's buffer; drops when full. */
static void
logtail_client_put(struct logtail_client *c, const char *text, size_t len)
{
	size_t ncap;
	char *nb;

	if (c->c_len + len > LOGTAIL_CLIENT_BUF) {
		c->c_dropped++;
		return;
	}
	if (c->c_len + len > c->c_cap) {
		ncap = c->c_cap ? c->c_cap : 4096;
		while (ncap < c->c_len + len)
			ncap *= 2;
		if ((nb = realloc(c->c_buf, ncap)) == NULL) {
			c->c_dropped++;
			return;
		}
		c->c_buf = nb;
		c->c_cap = ncap;
	}
	memcpy(c->c_buf + c->c_len, text, len);
	c->c_len += len;
	if (c->c_suspended) {
		c->c_suspended = 0;
		http_conn_resume(c->c_conn);
	}
}

/* One SSE event for a line into buf; the length. */
static size_t
logtail_event(char *buf, size_t size, uint64_t id, const char *text)
{
	int n;

	n = snprintf(buf, size, "id: %llu\ndata: %s\n\n",
	    (unsigned long long)id, text);
	if (n < 0)
		return 0;
	return (size_t)n >= size ? size - 1 : (size_t)n;
}

/* A complete line: into the ring and to every client. */
static void
logtail_line(struct logtail *lt, const char *text, size_t len)
{
	char ev[LOGTAIL_LINE_MAX + 64], *copy;
	struct logtail_line *slot;
	struct logtail_client *c;
	size_t i, n;

	if ((copy = malloc(len + 1)) == NULL)
		return;
	for (i = 0; i < len; i++)	/* SSE data cannot hold CR/LF/NUL */
		copy[i] = text[i] == '\r' || text[i] == '\0' ? ' ' : text[i];
	copy[len] = '\0';
	slot = &lt->lt_ring[lt->lt_next_id % LOGTAIL_RING];
	free(slot->l_text);
	slot->l_text = copy;
	slot->l_id = lt->lt_next_id++;
	n = logtail_event(ev, sizeof(ev), slot->l_id, copy);
	TAILQ_FOREACH(c, &lt->lt_clients, c_entry)
		logtail_client_put(c, ev, n);
}

void
logtail_feed_line(struct logtail *lt, const char *text, size_t len)
{
	if (len >= LOGTAIL_LINE_MAX)
		len = LOGTAIL_LINE_MAX - 1;
	logtail_line(lt, text, len);
}

/* Splits newly read bytes into lines, keeping a partial last line. */
static void
logtail_feed(struct logtail *lt, const char *buf, size_t len)
{
	const char *nl;
	size_t take;

	while (len > 0) {
		nl = memchr(buf, '\n', len);
		take = nl != NULL ? (size_t)(nl - buf) : len;
		if (lt->lt_plen + take >= sizeof(lt->lt_part))
			take = sizeof(lt->lt_part) - 1 - lt->lt_plen;
		memcpy(lt->lt_part + lt->lt_plen, buf, take);
		lt->lt_plen += take;
		buf += take;
		len -= take;
		if (nl != NULL && buf == nl) {
			buf++;
			len--;
		} else if (lt->lt_plen < sizeof(lt->lt_part) - 1)
			break;		/* partial line: wait for the rest */
		logtail_line(lt, lt->lt_part, lt->lt_plen);
		lt->lt_plen = 0;
	}
}

/* Reads from the current offset to end of file. */
static void
logtail_drain(struct logtail *lt)
{
	char buf[16384];
	struct stat st;
	ssize_t n;

	if (lt->lt_fd == -1)
		return;
	if (fstat(lt->lt_fd, &st) == 0 && st.st_size < lt->lt_off) {
		log_debug("log %s truncated: reading from its start",
		    lt->lt_path);
		lt->lt_off = 0;
		lt->lt_plen = 0;
	}
	for (;;) {
		n = pread(lt->lt_fd, buf, sizeof(buf), lt->lt_off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		lt->lt_off += n;
		logtail_feed(lt, buf, (size_t)n);
	}
}

/*
 * Opens the log file.  from_end: start at its end but load the last lines
 * into the ring (start-up); otherwise read it from the start (a new file
 * after rotation).
 */
static void
logtail_open(struct logtail *lt, int from_end)
{
	struct stat st;
	off_t start;

	if ((lt->lt_fd = open(lt->lt_path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if (fstat(lt->lt_fd, &st) == -1) {
		close(lt->lt_fd);
		lt->lt_fd = -1;
		return;
	}
	lt->lt_ino = st.st_ino;
	lt->lt_off = 0;
	lt->lt_plen = 0;
	if (from_end) {
		start = st.st_size > 65536 ? st.st_size - 65536 : 0;
		lt->lt_off = start;
		logtail_drain(lt);
		lt->lt_plen = 0;
	} else
		logtail_drain(lt);
	if (lt->lt_ifd != -1) {
		lt->lt_wd_file = inotify_add_watch(lt->lt_ifd, lt->lt_path,
		    IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
		if (lt->lt_wd_file == -1)
			log_warn("inotify %s", lt->lt_path);
	}
}

static void
logtail_close_file(struct logtail *lt)
{
	if (lt->lt_fd == -1)
		return;
	logtail_drain(lt);		/* the last lines of a rotated file */
	if (lt->lt_plen > 0) {
		logtail_line(lt, lt->lt_part, lt->lt_plen);
		lt->lt_plen = 0;
	}
	if (lt->lt_wd_file != -1)
		inotify_rm_watch(lt->lt_ifd, lt->lt_wd_file);
	lt->lt_wd_file = -1;
	close(lt->lt_fd);
	lt->lt_fd = -1;
}

/*
 * Catches what events can miss: the file replaced under the same name
 * (different inode) or created after we started.
 */
void
logtail_poll(struct logtail *lt)
{
	struct stat st;

	if (lt->lt_path == NULL)
		return;
	if (stat(lt->lt_path, &st) == 0 &&
	    (lt->lt_fd == -1 || st.st_ino != lt->lt_ino)) {
		logtail_close_file(lt);
		logtail_open(lt, 0);
		return;
	}
	logtail_drain(lt);
}

static void
logtail_inotify(evutil_socket_t fd, short what, void *arg)
{
	struct logtail *lt = arg;
	char buf[4096] __attribute__((aligned(8)));
	const struct inotify_event *ie;
	ssize_t n;
	char *p;
	int reopen = 0;

	(void)what;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ie) + ie->len) {
			ie = (const struct inotify_event *)p;
			if (ie->wd == lt->lt_wd_file &&
			    (ie->mask & (IN_MOVE_SELF | IN_DELETE_SELF)))
				reopen = 1;
			if (ie->wd == lt->lt_wd_dir && ie->len > 0 &&
			    strcmp(ie->name, lt->lt_base) == 0)
				reopen = 1;
		}
	}
	if (reopen)
		logtail_poll(lt);
	else
		logtail_drain(lt);
}

/* Once a second: catch missed events; every 15 s ping idle clients. */
static void
logtail_tick(evutil_socket_t fd, short what, void *arg)
{
	struct logtail *lt = arg;
	struct logtail_client *c;

	(void)fd;
	(void)what;
	logtail_poll(lt);
	if (++lt->lt_ticks % LOGTAIL_PING_S != 0)
		return;
	TAILQ_FOREACH(c, &lt->lt_clients, c_entry)
		logtail_client_put(c, ": ping\n\n", 8);
}

int
logtail_start(struct logtail *lt, struct event_base *base)
{
	struct timeval one = { 1, 0 };

	lt->lt_timer = event_new(base, -1, EV_PERSIST, logtail_tick, lt);
	if (lt->lt_timer == NULL || event_add(lt->lt_timer, &one) == -1)
		return -1;
	if (lt->lt_path == NULL)
		return 0;
	if ((lt->lt_ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("inotify_init1");
		return -1;
	}
	lt->lt_wd_dir = inotify_add_watch(lt->lt_ifd, lt->lt_dir,
	    IN_CREATE | IN_MOVED_TO);
	if (lt->lt_wd_dir == -1)
		log_warn("inotify %s", lt->lt_dir);
	logtail_open(lt, 1);
	lt->lt_ev = event_new(base, lt->lt_ifd, EV_READ | EV_PERSIST,
	    logtail_inotify, lt);
	if (lt->lt_ev == NULL || event_add(lt->lt_ev, NULL) == -1)
		return -1;
	return 0;
}

void
logtail_free(struct logtail *lt)
{
	size_t i;

	if (lt == NULL)
		return;
	if (lt->lt_ev != NULL)
		event_free(lt->lt_ev);
	if (lt->lt_timer != NULL)
		event_free(lt->lt_timer);
	if (lt->lt_fd != -1)
		close(lt->lt_fd);
	if (lt->lt_ifd != -1)
		close(lt->lt_ifd);
	for (i = 0; i < LOGTAIL_RING; i++)
		free(lt->lt_ring[i].l_text);
	free(lt->lt_path);
	free(lt->lt_dir);
	free(lt->lt_base);
	free(lt);
}

/* The ring's lines oldest first, at most n: calls fn for each. */
static void
logtail_ring_each(struct logtail *lt, unsigned int n,
    void (*fn)(const struct logtail_line *, void *), void *arg)
{
	uint64_t first, id;

	if (n > LOGTAIL_RING)
		n = LOGTAIL_RING;
	first = lt->lt_next_id > n ? lt->lt_next_id - n : 1;
	for (id = first; id < lt->lt_next_id; id++) {
		const struct logtail_line *l = &lt->lt_ring[id % LOGTAIL_RING];

		if (l->l_id == id && l->l_text != NULL)
			fn(l, arg);
	}
}

static void
logtail_backlog_one(const struct logtail_line *l, void *arg)
{
	struct logtail_client *c = arg;
	char ev[LOGTAIL_LINE_MAX + 64];

	logtail_client_put(c, ev, logtail_event(ev, sizeof(ev), l->l_id,
	    l->l_text));
}

static void
logtail_json_one(const struct logtail_line *l, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I,s:s}", "id",
	    (json_int_t)l->l_id, "line", l->l_text));
}

json_t *
logtail_recent(struct logtail *lt, unsigned int n)
{
	json_t *a;

	if ((a = json_array()) == NULL)
		return NULL;
	logtail_ring_each(lt, n, logtail_json_one, a);
	return a;
}

/*
 * MHD content callback: hands out buffered events; with none, suspends
 * the connection until logtail_client_put() resumes it.
 */
static ssize_t
logtail_sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct logtail_client *c = cls;
	size_t n;

	(void)pos;
	if (c->c_closing && c->c_len == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (c->c_len == 0) {
		c->c_suspended = 1;
		MHD_suspend_connection(c->c_conn);
		return 0;
	}
	n = c->c_len < max ? c->c_len : max;
	memcpy(buf, c->c_buf, n);
	memmove(c->c_buf, c->c_buf + n, c->c_len - n);
	c->c_len -= n;
	return (ssize_t)n;
}

static void
logtail_sse_free(void *cls)
{
	struct logtail_client *c = cls;
	struct logtail *lt = c->c_lt;

	TAILQ_REMOVE(&lt->lt_clients, c, c_entry);
	lt->lt_nclients--;
	free(c->c_buf);
	free(c);
}

struct MHD_Response *
logtail_sse_response(struct logtail *lt, struct MHD_Connection *conn,
    unsigned int backlog)
{
	struct logtail_client *c;
	struct MHD_Response *r;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->c_lt = lt;
	c->c_conn = conn;
	if (lt->lt_closed || lt->lt_nclients >= LOGTAIL_MAX_CLIENTS) {
		free(c);
		return NULL;
	}
	logtail_client_put(c, "retry: 2000\n\n", 13);
	logtail_ring_each(lt, backlog, logtail_backlog_one, c);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 8192,
	    logtail_sse_read, c, logtail_sse_free);
	if (r == NULL) {
		free(c->c_buf);
		free(c);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&lt->lt_clients, c, c_entry);
	lt->lt_nclients++;
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	return r;
}

void
logtail_close_clients(struct logtail *lt)
{
	struct logtail_client *c;

	lt->lt_closed = 1;
	TAILQ_FOREACH(c, &lt->lt_clients, c_entry) {
		c->c_closing = 1;
		if (c->c_suspended) {
			c->c_suspended = 0;
			http_conn_resume(c->c_conn);
		}
	}
}

size_t
logtail_clients(const struct logtail *lt)
{
	return lt->lt_nclients;
}
