/*
 * ctl.c - control socket client (see ctl.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc/ctl.h"
#include "lib/util.h"

static size_t last_len;		/* of read_all()'s last buffer */

/* Waits for fd to be ready for events until deadline; 0 or -1. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { fd, events, 0 };
	uint64_t now;
	int n;

	for (;;) {
		now = clock_monotonic_ms();
		if (now >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&pfd, 1, deadline == UINT64_MAX ? -1 :
		    deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now));
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
	}
}

static int
write_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
	ssize_t n;

	while (len > 0) {
		if (wait_fd(fd, POLLOUT, deadline) == -1)
			return -1;
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Reads until EOF into a buffer of cap bytes at first (doubled when
 * full); a NUL-terminated buffer or NULL (errno).
 */
static char *
read_all(int fd, uint64_t deadline, size_t max, size_t cap)
{
	size_t len = 0;
	char *buf = malloc(cap), *nb;
	ssize_t n;

	while (buf != NULL) {
		if (len + 1 >= cap) {
			if (cap >= max) {
				errno = EMSGSIZE;
				break;
			}
			if ((nb = realloc(buf, cap * 2)) == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		if (wait_fd(fd, POLLIN, deadline) == -1)
			break;
		if ((n = read(fd, buf + len, cap - len - 1)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			break;
		}
		if (n == 0) {
			buf[len] = '\0';
			last_len = len;
			return buf;
		}
		len += (size_t)n;
	}
	free(buf);
	return NULL;
}

static int
connect_to(const char *rundir, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s",
	    rundir, CTL_SOCK_NAME) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long", rundir);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		/* nothing listening is the common case: say it plainly */
		if (errno == ENOENT || errno == ECONNREFUSED)
			snprintf(err, errlen, "pulse not running (%s: %s)",
			    sun.sun_path, strerror(errno));
		else if (errno == EACCES)
			snprintf(err, errlen, "%s: permission denied (root "
			    "and the socket's group may connect)",
			    sun.sun_path);
		else
			snprintf(err, errlen, "%s: %s (is pulse running?)",
			    sun.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
ctl_connect(const char *rundir, char *err, size_t errlen)
{
	return connect_to(rundir, err, errlen);
}

/* Sends one line and a body (or none), reads one object (ctl_call()). */
static json_t *
request(const char *rundir, const char *line, const char *body,
    size_t bodylen, int timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = clock_monotonic_ms() + (uint64_t)timeout_ms;
	json_error_t je;
	json_t *j = NULL;
	char *reply;
	int fd;

	if ((fd = connect_to(rundir, err, errlen)) == -1)
		return NULL;
	if (write_all(fd, line, strlen(line), deadline) == -1 ||
	    write_all(fd, "\n", 1, deadline) == -1 ||
	    (bodylen > 0 && write_all(fd, body, bodylen, deadline) == -1)) {
		snprintf(err, errlen, "sending the request: %s",
		    strerror(errno));
		goto done;
	}
	if ((reply = read_all(fd, deadline, CTL_REPLY_MAX, 4096)) == NULL) {
		snprintf(err, errlen, "reading the reply: %s",
		    strerror(errno));
		goto done;
	}
	j = json_loads(reply, 0, &je);
	free(reply);
	if (j == NULL || !json_is_object(j)) {
		snprintf(err, errlen, "the reply is not a JSON object%s%s",
		    j == NULL ? ": " : "", j == NULL ? je.text : "");
		json_decref(j);
		j = NULL;
	}
done:
	close(fd);
	return j;
}

json_t *
ctl_call(const char *rundir, enum ctl_cmd_id id, const char *const *args,
    int nargs, int timeout_ms, char *err, size_t errlen)
{
	char line[CTL_LINE_MAX + 1];

	if (ctl_req_format(id, args, nargs, line, sizeof(line), err,
	    errlen) == -1)
		return NULL;
	return request(rundir, line, NULL, 0, timeout_ms, err, errlen);
}

json_t *
ctl_call_body(const char *rundir, enum ctl_cmd_id id, const char *body,
    size_t len, int timeout_ms, char *err, size_t errlen)
{
	char line[CTL_LINE_MAX + 1], num[24];
	const char *args[1] = { num };

	if ((unsigned)id >= CTL__MAX || !ctl_cmds[id].cc_body ||
	    len == 0 || len > CTL_BODY_MAX) {
		snprintf(err, errlen, "a request body has 1 to %d bytes",
		    CTL_BODY_MAX);
		return NULL;
	}
	snprintf(num, sizeof(num), "%zu", len);
	if (ctl_req_format(id, args, 1, line, sizeof(line), err,
	    errlen) == -1)
		return NULL;
	return request(rundir, line, body, len, timeout_ms, err, errlen);
}

/* Connects and sends the request line; the descriptor or -1. */
static int
send_request(const char *rundir, enum ctl_cmd_id id, const char *const *args,
    int nargs, uint64_t deadline, char *err, size_t errlen)
{
	char line[CTL_LINE_MAX + 1];
	int fd;

	if (ctl_req_format(id, args, nargs, line, sizeof(line), err,
	    errlen) == -1)
		return -1;
	if ((fd = connect_to(rundir, err, errlen)) == -1)
		return -1;
	if (write_all(fd, line, strlen(line), deadline) == -1 ||
	    write_all(fd, "\n", 1, deadline) == -1) {
		snprintf(err, errlen, "sending the request: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A reply that is a JSON error object: its message into err. */
static int
is_error(const char *s, char *err, size_t errlen)
{
	json_t *j;

	if (s[0] != '{' || (j = json_loads(s, 0, NULL)) == NULL)
		return 0;
	snprintf(err, errlen, "pulse: %s", json_string_value(
	    json_object_get(j, "error")) != NULL ? json_string_value(
	    json_object_get(j, "error")) : s);
	json_decref(j);
	return 1;
}

char *
ctl_call_text(const char *rundir, enum ctl_cmd_id id,
    const char *const *args, int nargs, int timeout_ms, size_t *len,
    char *err, size_t errlen)
{
	/* the last answer's size: the next one is about as large (18 MB
	   of metrics with 10,000 real servers: no doubling from 4 kB) */
	static size_t hint = 64 * 1024;
	uint64_t deadline = clock_monotonic_ms() + (uint64_t)timeout_ms;
	char *reply;
	int fd;

	if ((fd = send_request(rundir, id, args, nargs, deadline, err,
	    errlen)) == -1)
		return NULL;
	reply = read_all(fd, deadline, CTL_TEXT_MAX, hint + hint / 8 + 4096);
	close(fd);
	if (reply != NULL)
		hint = last_len;
	if (reply == NULL) {
		snprintf(err, errlen, "reading the reply: %s", strerror(errno));
		return NULL;
	}
	if (is_error(reply, err, errlen)) {
		free(reply);
		return NULL;
	}
	*len = last_len;
	return reply;
}

/* Calls fn for each complete line in buf[0..*len); keeps the rest. */
static int
each_line(char *buf, size_t *len, int (*fn)(const char *, void *),
    void *arg)
{
	char *nl, *p = buf;
	int stop = 0;

	while (!stop && (nl = memchr(p, '\n', *len - (size_t)(p - buf))) !=
	    NULL) {
		*nl = '\0';
		stop = fn(p, arg);
		p = nl + 1;
	}
	*len -= (size_t)(p - buf);
	memmove(buf, p, *len);
	return stop;
}

int
ctl_stream(const char *rundir, enum ctl_cmd_id id, const char *const *args,
    int nargs, int timeout_ms, int (*fn)(const char *, void *), void *arg,
    char *err, size_t errlen)
{
	uint64_t deadline = timeout_ms > 0 ? clock_monotonic_ms() +
	    (uint64_t)timeout_ms : UINT64_MAX;
	static char buf[CTL_LINE_MAX * 64];
	size_t len = 0;
	ssize_t n;
	int fd, ret = -1;

	if ((fd = send_request(rundir, id, args, nargs, deadline, err,
	    errlen)) == -1)
		return -1;
	for (;;) {
		if (wait_fd(fd, POLLIN, deadline) == -1) {
			snprintf(err, errlen, "reading: %s", strerror(errno));
			break;
		}
		n = read(fd, buf + len, sizeof(buf) - len - 1);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			if (n == -1)
				snprintf(err, errlen, "reading: %s",
				    strerror(errno));
			ret = n == 0 ? 0 : -1;
			break;
		}
		len += (size_t)n;
		if (each_line(buf, &len, fn, arg)) {
			ret = 0;
			break;
		}
		if (len == sizeof(buf) - 1) {
			snprintf(err, errlen, "a line longer than %zu bytes",
			    len);
			break;
		}
	}
	close(fd);
	return ret;
}
