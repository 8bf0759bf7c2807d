/*
 * announce_bird.c - the routing-daemon driver for BIRD 2 (see
 * announce_drv.h, announce_bird.h).
 *
 * pulse writes one file that bird.conf includes and speaks BIRD's
 * control socket itself (no birdc, no shell): `configure` after the file
 * changed, `show protocols "shoal*"` every RD_POLL_MS.  One connection is
 * kept open; one command is in flight at a time, bounded by
 * RD_TIMEOUT_MS; a lost connection is opened again at the next poll.
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/util.h"
#include "announce_bird.h"

#define RETRY_CONFIGURE_MS	10000	/* after BIRD refused its config */

enum cmd {
	CMD_NONE,
	CMD_WELCOME,		/* waiting for "0001 BIRD ... ready." */
	CMD_CONFIGURE,
	CMD_SHOW,
};

struct rd {
	struct event_base	*r_base;
	void			(*r_changed)(void *);
	void			*r_arg;
	struct rd_conf		 r_conf;	/* rc_vips not kept */
	int			 r_configured;	/* r_conf is set */
	int			 r_want_configure;
	uint64_t		 r_configure_at; /* monotonic ms, retry */
	int			 r_fd;
	enum cmd		 r_cmd;
	char			*r_buf;
	size_t			 r_len;
	struct event		*r_read, *r_poll, *r_timeout;
	struct rd_status	 r_st;
};

const char *
rd_name(void)
{
	return "bird";
}

const char *
rd_state_name(enum rd_state s)
{
	switch (s) {
	case RD_STARTING:
		return "starting";
	case RD_MISSING:
		return "missing";
	case RD_DOWN:
		return "not running";
	case RD_NOT_RESPONDING:
		return "not responding";
	case RD_CONFIG_ERROR:
		return "configuration refused";
	case RD_NOT_INCLUDED:
		return "shoal's file not included";
	case RD_UP:
		return "up";
	}
	return "unknown";
}

/* ---- the configuration file ---- */

static void
conf_interfaces(FILE *fp, const struct rd_conf *c)
{
	int first = 1;

	fprintf(fp, "\tinterface ");
	for (size_t i = 0; i < c->rc_nvips; i++) {
		int dup = 0;

		for (size_t j = 0; j < i; j++)
			if (strcmp(c->rc_vips[j].rv_dev, c->rc_vips[i].rv_dev)
			    == 0)
				dup = 1;
		if (dup)
			continue;
		fprintf(fp, "%s\"%s\"", first ? "" : ", ", c->rc_vips[i].rv_dev);
		first = 0;
	}
	if (first)
		fprintf(fp, "\"-*\"");	/* matches no interface */
	fprintf(fp, ";\n");
}

/* The channel of the direct protocol: exactly the VIPs' host routes. */
static void
conf_direct_channel(FILE *fp, const struct rd_conf *c, int af)
{
	const char *fam = af == AF_INET ? "ipv4" : "ipv6";
	char a[CFG_ADDR_STRLEN];
	int first = 1, any = 0;

	for (size_t i = 0; i < c->rc_nvips; i++)
		any |= c->rc_vips[i].rv_addr.family == af;
	fprintf(fp, "\t%s { table shoal%c; ", fam, af == AF_INET ? '4' : '6');
	if (!any) {
		fprintf(fp, "import none; };\n");
		return;
	}
	fprintf(fp, "import where net ~ [ ");
	for (size_t i = 0; i < c->rc_nvips; i++) {
		if (c->rc_vips[i].rv_addr.family != af)
			continue;
		fprintf(fp, "%s%s/%d", first ? "" : ", ",
		    cfg_addr_str(&c->rc_vips[i].rv_addr, a, sizeof(a)),
		    af == AF_INET ? 32 : 128);
		first = 0;
	}
	fprintf(fp, " ]; };\n");
}

static void
conf_bgp(FILE *fp, const struct rd_conf *c, int af)
{
	char a[CFG_ADDR_STRLEN];

	fprintf(fp, "protocol bgp %s {\n", BIRD_PROTO_BGP);
	fprintf(fp, "\tdescription \"shoal: upstream router\";\n");
	if (cfg_addr_is_set(&c->rc_local) && c->rc_local.family == af)
		fprintf(fp, "\tlocal %s as %u;\n", cfg_addr_str(&c->rc_local,
		    a, sizeof(a)), c->rc_local_as);
	else
		fprintf(fp, "\tlocal as %u;\n", c->rc_local_as);
	fprintf(fp, "\tneighbor %s as %u;\n", cfg_addr_str(&c->rc_peer, a,
	    sizeof(a)), c->rc_peer_as);
	/* a failed session is tried again soon, not after BIRD's 120 s */
	fprintf(fp, "\thold time %u;\n\tkeepalive time %u;\n"
	    "\tconnect retry time 2;\n\terror wait time 2, 16;\n",
	    c->rc_hold_s, c->rc_hold_s / 3 > 0 ? c->rc_hold_s / 3 : 1);
	fprintf(fp, "\t%s { table shoal%c; import none; export all; "
	    "next hop self; };\n}\n", af == AF_INET ? "ipv4" : "ipv6",
	    af == AF_INET ? '4' : '6');
}

char *
bird_conf_text(const struct rd_conf *c)
{
	int af = c->rc_peer.family == AF_INET6 ? AF_INET6 : AF_INET;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fprintf(fp, "# %s: written by shoal's pulse for node %s "
	    "(configuration\n# generation %llu).  Do not edit: pulse rewrites "
	    "it.  bird.conf includes it,\n# with a pattern so that BIRD also "
	    "starts before pulse wrote it:\n#\tinclude \"/run/bird/shoal*"
	    ".conf\";\n", c->rc_file, c->rc_node,
	    (unsigned long long)c->rc_generation);
	fprintf(fp, "%s table shoal%c;\n\n", af == AF_INET ? "ipv4" : "ipv6",
	    af == AF_INET ? '4' : '6');
	fprintf(fp, "protocol direct %s {\n", BIRD_PROTO_VIPS);
	fprintf(fp, "\tdescription \"shoal: the VIPs this node holds\";\n");
	conf_direct_channel(fp, c, af);
	conf_interfaces(fp, c);
	fprintf(fp, "}\n\n");
	conf_bgp(fp, c, af);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Writes text to path when it differs; 1 written, 0 same, -1 error. */
static int
write_if_changed(const char *path, const char *text, char *err,
    size_t errlen)
{
	size_t len = strlen(text), have = 0;
	char *old = file_read_all(path, BIRD_REPLY_MAX, &have);
	const char *base = strrchr(path, '/');
	char tmp[PATH_MAX + 8];
	int fd, same = old != NULL && have == len &&
	    memcmp(old, text, len) == 0;

	free(old);
	if (same)
		return 0;
	/* a dot file beside it: an include pattern does not match it */
	base = base != NULL ? base + 1 : path;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp",
	    (int)(base - path), path, base) >= sizeof(tmp))
		goto fail;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		goto fail;
	if (fchmod(fd, 0644) == -1 || write(fd, text, len) != (ssize_t)len ||
	    fsync(fd) == -1) {
		close(fd);
		unlink(tmp);
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		goto fail;
	}
	return 1;
fail:
	snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	return -1;
}

/* ---- replies ---- */

void
bird_reply_clear(struct bird_reply *r)
{
	for (size_t i = 0; i < r->br_n; i++)
		free(r->br_lines[i].bl_text);
	free(r->br_lines);
	memset(r, 0, sizeof(*r));
}

static int
is_code(const char *s, size_t n)
{
	if (n < 5)
		return 0;
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[4] == ' ' || s[4] == '-';
}

static int
add_line(struct bird_reply *r, int code, const char *s, size_t n)
{
	struct bird_line *nl;

	nl = reallocarray(r->br_lines, r->br_n + 1, sizeof(*nl));
	if (nl == NULL)
		return -1;
	r->br_lines = nl;
	if ((nl[r->br_n].bl_text = strndup(s, n)) == NULL)
		return -1;
	nl[r->br_n++].bl_code = code;
	return 0;
}

/* One line (without '\n'): 1 last line, 0 more follow, -1 bad. */
static int
reply_line(struct bird_reply *r, const char *s, size_t n, int *code)
{
	if (n > 0 && s[0] == '+')
		return 0;		/* spontaneous: not ours */
	if (n > 0 && s[0] == ' ') {
		if (*code < 0)
			return -1;	/* a continuation of nothing */
		return add_line(r, *code, s + 1, n - 1) == -1 ? -1 : 0;
	}
	if (!is_code(s, n))
		return -1;
	*code = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	if (add_line(r, *code, s + 5, n - 5) == -1)
		return -1;
	if (s[4] == '-')
		return 0;
	r->br_code = *code;
	return 1;
}

ssize_t
bird_reply_parse(const char *buf, size_t len, struct bird_reply *out)
{
	size_t pos = 0;
	const char *nl;
	int code = -1, r;

	memset(out, 0, sizeof(*out));
	while (pos < len && (nl = memchr(buf + pos, '\n', len - pos)) != NULL) {
		size_t n = (size_t)(nl - (buf + pos));

		if (memchr(buf + pos, '\0', n) != NULL ||
		    (r = reply_line(out, buf + pos, n, &code)) == -1) {
			bird_reply_clear(out);
			return -1;
		}
		pos += n + 1;
		if (r == 1)
			return (ssize_t)pos;
	}
	bird_reply_clear(out);
	return 0;
}

/* BGP session states as BIRD names them (the Info column's first word). */
static const char *const bgp_states[] = {
	"Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established",
	"Close", NULL,
};

/* The Info column of a BGP line: its state word and what follows. */
static void
bgp_info(const char *rest, struct rd_status *st)
{
	char word[64];
	const char *p = rest;
	int n;

	st->st_session[0] = st->st_info[0] = '\0';
	while (sscanf(p, "%63s%n", word, &n) == 1) {
		for (size_t i = 0; bgp_states[i] != NULL; i++)
			if (strcmp(word, bgp_states[i]) == 0) {
				str_copy(st->st_session, word,
				    sizeof(st->st_session));
				p += n;
				p += strspn(p, " \t");
				str_copy(st->st_info, p, sizeof(st->st_info));
				return;
			}
		p += n;
	}
}

int
bird_protocols(const struct bird_reply *r, struct rd_status *st)
{
	char name[64], proto[32], table[64], state[16];
	int rest, vips = 0, bgp = 0;

	st->st_vips_up = st->st_established = 0;
	for (size_t i = 0; i < r->br_n; i++) {
		const char *t = r->br_lines[i].bl_text;

		if (r->br_lines[i].bl_code != 1002 ||
		    sscanf(t, "%63s %31s %63s %15s %n", name, proto, table,
		    state, &rest) != 4)
			continue;
		if (strcmp(name, BIRD_PROTO_VIPS) == 0) {
			vips = 1;
			st->st_vips_up = strcmp(state, "up") == 0;
		} else if (strcmp(name, BIRD_PROTO_BGP) == 0) {
			bgp = 1;
			bgp_info(t + rest, st);
			st->st_established = strcmp(state, "up") == 0 &&
			    strcmp(st->st_session, "Established") == 0;
		}
	}
	return vips && bgp ? 0 : -1;
}

/* ---- status ---- */

static void
set_state(struct rd *r, enum rd_state s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_state(struct rd *r, enum rd_state s, const char *fmt, ...)
{
	char err[sizeof(r->r_st.st_error)] = "";
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(err, sizeof(err), fmt, ap);
		va_end(ap);
	}
	if (r->r_st.st_state == s && strcmp(r->r_st.st_error, err) == 0)
		return;
	if (s == RD_UP)
		log_info("routing daemon %s: up", rd_name());
	else
		log_warnx("routing daemon %s: %s%s%s", rd_name(),
		    rd_state_name(s), err[0] ? ": " : "", err);
	r->r_st.st_state = s;
	str_copy(r->r_st.st_error, err, sizeof(r->r_st.st_error));
	r->r_st.st_since = time(NULL);
	r->r_changed(r->r_arg);
}

/* Session fields from a poll: tell the owner when they moved. */
static void
set_session(struct rd *r, const struct rd_status *n)
{
	struct rd_status *st = &r->r_st;

	if (st->st_vips_up == n->st_vips_up &&
	    st->st_established == n->st_established &&
	    strcmp(st->st_session, n->st_session) == 0 &&
	    strcmp(st->st_info, n->st_info) == 0)
		return;
	if (st->st_established != n->st_established)
		log_info("routing daemon %s: BGP session with the upstream "
		    "router %s%s%s", rd_name(), n->st_established ? "established" :
		    n->st_session[0] ? n->st_session : "down",
		    n->st_info[0] ? ": " : "", n->st_info);
	st->st_vips_up = n->st_vips_up;
	st->st_established = n->st_established;
	str_copy(st->st_session, n->st_session, sizeof(st->st_session));
	str_copy(st->st_info, n->st_info, sizeof(st->st_info));
	st->st_since = time(NULL);
	r->r_changed(r->r_arg);
}

static void
forget_session(struct rd *r)
{
	struct rd_status none;

	memset(&none, 0, sizeof(none));
	set_session(r, &none);
}

/* ---- the connection ---- */

static void
disconnect(struct rd *r)
{
	if (r->r_fd != -1) {
		event_del(r->r_read);
		close(r->r_fd);
		r->r_fd = -1;
	}
	evtimer_del(r->r_timeout);
	r->r_cmd = CMD_NONE;
	r->r_len = 0;
}

static void
arm_timeout(struct rd *r)
{
	struct timeval tv = { RD_TIMEOUT_MS / 1000,
	    (RD_TIMEOUT_MS % 1000) * 1000 };

	evtimer_add(r->r_timeout, &tv);
}

static int
send_cmd(struct rd *r, enum cmd c, const char *line)
{
	size_t n = strlen(line);

	if (write(r->r_fd, line, n) != (ssize_t)n) {
		set_state(r, RD_DOWN, "writing to %s: %s", r->r_conf.rc_socket,
		    strerror(errno));
		forget_session(r);
		disconnect(r);
		return -1;
	}
	r->r_cmd = c;
	r->r_st.st_polls++;
	arm_timeout(r);
	return 0;
}

/* The next command when idle: configure when due, else ask. */
static void
next_cmd(struct rd *r)
{
	if (r->r_fd == -1 || r->r_cmd != CMD_NONE)
		return;
	if (r->r_want_configure && clock_monotonic_ms() >= r->r_configure_at)
		(void)send_cmd(r, CMD_CONFIGURE, "configure\n");
	else
		(void)send_cmd(r, CMD_SHOW, "show protocols \"shoal*\"\n");
}

static const char *
last_text(const struct bird_reply *rep)
{
	return rep->br_n > 0 ? rep->br_lines[rep->br_n - 1].bl_text : "";
}

static void
on_configure(struct rd *r, const struct bird_reply *rep)
{
	if (rep->br_code < 1000) {
		log_info("routing daemon %s: read %s (%s)", rd_name(),
		    r->r_conf.rc_file, last_text(rep));
		r->r_want_configure = 0;
		if (r->r_st.st_state == RD_CONFIG_ERROR)
			set_state(r, RD_STARTING, NULL);
		return;
	}
	r->r_configure_at = clock_monotonic_ms() + RETRY_CONFIGURE_MS;
	set_state(r, RD_CONFIG_ERROR, "configure: %s", last_text(rep));
}

static void
on_show(struct rd *r, const struct bird_reply *rep)
{
	struct rd_status n;

	memset(&n, 0, sizeof(n));
	if (bird_protocols(rep, &n) == -1) {
		forget_session(r);
		if (r->r_st.st_state != RD_CONFIG_ERROR)
			set_state(r, RD_NOT_INCLUDED, "no protocol %s and %s: "
			    "add `include \"%s\";` to bird.conf",
			    BIRD_PROTO_VIPS, BIRD_PROTO_BGP, r->r_conf.rc_file);
		return;
	}
	set_session(r, &n);
	if (r->r_st.st_state != RD_CONFIG_ERROR)
		set_state(r, RD_UP, NULL);
}

static void
on_reply(struct rd *r, const struct bird_reply *rep)
{
	enum cmd c = r->r_cmd;

	r->r_cmd = CMD_NONE;
	evtimer_del(r->r_timeout);
	if (c == CMD_CONFIGURE)
		on_configure(r, rep);
	else if (c == CMD_SHOW)
		on_show(r, rep);
	else if (c == CMD_WELCOME && rep->br_code != 1)
		log_warnx("routing daemon %s: unexpected greeting \"%s\"",
		    rd_name(), last_text(rep));
	/* after the greeting or a configure, ask at once */
	if (c != CMD_SHOW)
		next_cmd(r);
}

/* Takes every complete reply out of the buffer; -1 on garbage. */
static int
drain_replies(struct rd *r)
{
	struct bird_reply rep;
	ssize_t used;

	while ((used = bird_reply_parse(r->r_buf, r->r_len, &rep)) > 0) {
		memmove(r->r_buf, r->r_buf + used, r->r_len - (size_t)used);
		r->r_len -= (size_t)used;
		if (r->r_cmd != CMD_NONE)
			on_reply(r, &rep);
		bird_reply_clear(&rep);
		if (r->r_fd == -1)
			return 0;
	}
	return used == -1 ? -1 : 0;
}

static void
read_cb(int fd, short what, void *arg)
{
	struct rd *r = arg;
	ssize_t n;

	(void)what;
	n = read(fd, r->r_buf + r->r_len, BIRD_REPLY_MAX - r->r_len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		set_state(r, RD_DOWN, "%s closed the connection",
		    r->r_conf.rc_socket);
		forget_session(r);
		disconnect(r);
		return;
	}
	r->r_len += (size_t)n;
	if (drain_replies(r) == -1 || r->r_len == BIRD_REPLY_MAX) {
		set_state(r, RD_NOT_RESPONDING, "%s does not speak BIRD's "
		    "protocol", r->r_conf.rc_socket);
		forget_session(r);
		disconnect(r);
	}
}

static void
connect_failed(struct rd *r, int err)
{
	if (err == ENOENT)
		set_state(r, RD_MISSING, "no control socket %s: is BIRD "
		    "installed and running?", r->r_conf.rc_socket);
	else if (err == ECONNREFUSED)
		set_state(r, RD_DOWN, "%s refuses connections",
		    r->r_conf.rc_socket);
	else
		set_state(r, RD_DOWN, "%s: %s", r->r_conf.rc_socket,
		    strerror(err));
	forget_session(r);
}

static void
try_connect(struct rd *r)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	str_copy(sun.sun_path, r->r_conf.rc_socket, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		connect_failed(r, errno);
		return;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		connect_failed(r, errno);
		close(fd);
		return;
	}
	r->r_fd = fd;
	r->r_len = 0;
	event_assign(r->r_read, r->r_base, fd, EV_READ | EV_PERSIST, read_cb,
	    r);
	event_add(r->r_read, NULL);
	r->r_cmd = CMD_WELCOME;
	arm_timeout(r);
}

static void
timeout_cb(int fd, short what, void *arg)
{
	struct rd *r = arg;

	(void)fd;
	(void)what;
	r->r_st.st_failures++;
	set_state(r, RD_NOT_RESPONDING, "no answer from %s in %d ms",
	    r->r_conf.rc_socket, RD_TIMEOUT_MS);
	forget_session(r);
	disconnect(r);
}

static void
poll_cb(int fd, short what, void *arg)
{
	struct rd *r = arg;

	(void)fd;
	(void)what;
	if (!r->r_configured)
		return;
	if (r->r_fd == -1)
		try_connect(r);
	else
		next_cmd(r);
}

struct rd *
rd_open(struct event_base *base, void (*changed)(void *), void *arg)
{
	struct rd *r = calloc(1, sizeof(*r));
	struct timeval tv = { RD_POLL_MS / 1000, (RD_POLL_MS % 1000) * 1000 };

	if (r == NULL)
		return NULL;
	r->r_base = base;
	r->r_changed = changed;
	r->r_arg = arg;
	r->r_fd = -1;
	r->r_st.st_since = time(NULL);
	if ((r->r_buf = malloc(BIRD_REPLY_MAX)) == NULL ||
	    (r->r_read = event_new(base, -1, 0, read_cb, r)) == NULL ||
	    (r->r_timeout = evtimer_new(base, timeout_cb, r)) == NULL ||
	    (r->r_poll = event_new(base, -1, EV_PERSIST, poll_cb, r)) == NULL ||
	    event_add(r->r_poll, &tv) == -1) {
		rd_close(r);
		return NULL;
	}
	return r;
}

void
rd_close(struct rd *r)
{
	if (r == NULL)
		return;
	if (r->r_fd != -1)
		close(r->r_fd);
	if (r->r_read != NULL)
		event_free(r->r_read);
	if (r->r_timeout != NULL)
		event_free(r->r_timeout);
	if (r->r_poll != NULL)
		event_free(r->r_poll);
	free(r->r_buf);
	free(r);
}

int
rd_configure(struct rd *r, const struct rd_conf *c)
{
	char *text = bird_conf_text(c), err[PATH_MAX + 128];
	int w;

	if (text == NULL)
		return -1;
	r->r_conf = *c;
	r->r_conf.rc_vips = NULL;
	r->r_conf.rc_nvips = 0;
	r->r_configured = 1;
	w = write_if_changed(c->rc_file, text, err, sizeof(err));
	free(text);
	if (w == -1) {
		set_state(r, RD_CONFIG_ERROR, "%s", err);
		return -1;
	}
	if (w == 1) {
		log_info("routing daemon %s: wrote %s", rd_name(), c->rc_file);
		r->r_want_configure = 1;
		r->r_configure_at = 0;
	}
	if (r->r_fd == -1)
		try_connect(r);
	else
		next_cmd(r);
	return 0;
}

const struct rd_status *
rd_status(const struct rd *r)
{
	return &r->r_st;
}
