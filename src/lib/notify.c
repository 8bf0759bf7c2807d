/*
 * notify.c - systemd's notification protocol (see notify.h).
 *
 * $NOTIFY_SOCKET names an AF_UNIX datagram socket: a path, or an abstract
 * name written with a leading '@'.  Each state is one datagram of
 * newline-separated VAR=value lines.
 */
#include "shoal-build.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/notify.h"

int
notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	size_t len;
	ssize_t n;
	int fd, saved;

	if (path == NULL || *path == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path)) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';		/* abstract namespace */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (path[0] == '/')));
	saved = errno;
	close(fd);
	errno = saved;
	return n == -1 ? -1 : 0;
}

void
notify_ready(void)
{
	(void)notify_send("READY=1");
}

void
notify_reloading(void)
{
	(void)notify_send("RELOADING=1");
}

void
notify_stopping(void)
{
	(void)notify_send("STOPPING=1");
}

void
notify_status(const char *status)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "STATUS=%s", status);
	(void)notify_send(buf);
}
