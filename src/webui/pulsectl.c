/*
 * pulsectl.c - the control socket client (connect, one line, read JSON).
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pulsectl.h"
#include "util.h"

/* Waits for fd to be ready for events until deadline; 0 or -1. */
static int
pulsectl_wait(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	uint64_t now;
	int n;

	for (;;) {
		now = clock_monotonic_ms();
		if (now >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&pfd, 1, (int)(deadline - now));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		return n == -1 ? -1 : 0;
	}
}

static int
pulsectl_connect(const char *rundir, uint64_t deadline, char *err,
    size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path),
	    "%s/pulse.sock", rundir) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "run directory path too long");
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED) {
			snprintf(err, errlen, "pulse not running");
			goto fail;
		}
		if (errno != EINPROGRESS && errno != EAGAIN) {
			snprintf(err, errlen, "%s: %s", sun.sun_path,
			    strerror(errno));
			goto fail;
		}
		if (pulsectl_wait(fd, POLLOUT, deadline) == -1) {
			snprintf(err, errlen, "pulse not answering");
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return -1;
}

json_t *
pulsectl_request(const char *rundir, const char *request, int timeout_ms,
    char *err, size_t errlen)
{
	uint64_t deadline = clock_monotonic_ms() + (uint64_t)timeout_ms;
	char *buf = NULL, line[256];
	size_t len = 0, cap = 0;
	json_error_t jerr;
	json_t *j = NULL;
	ssize_t n;
	int fd;

	if ((fd = pulsectl_connect(rundir, deadline, err, errlen)) == -1)
		return NULL;
	n = snprintf(line, sizeof(line), "%s\n", request);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    write(fd, line, (size_t)n) != n) {
		snprintf(err, errlen, "pulse not answering");
		goto done;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > PULSECTL_REPLY_MAX ||
			    (nb = realloc(buf, cap)) == NULL) {
				snprintf(err, errlen, "pulse reply too large");
				goto done;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (pulsectl_wait(fd, POLLIN, deadline) == -1) {
				snprintf(err, errlen, "pulse not answering");
				goto done;
			}
			continue;
		}
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if ((j = json_loadb(buf ? buf : "", len, 0, &jerr)) == NULL ||
	    !json_is_object(j)) {
		json_decref(j);
		j = NULL;
		snprintf(err, errlen, "pulse sent a malformed reply");
	}
done:
	free(buf);
	close(fd);
	return j;
}
