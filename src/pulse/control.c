/*
 * control.c - the control socket server (see control.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "lib/log.h"
#include "lib/util.h"
#include "control.h"

struct control {
	struct evconnlistener	*c_listener;
	char			 c_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	control_handler		 c_handler;
	void			*c_arg;
};

static void
conn_close(struct bufferevent *bev)
{
	bufferevent_free(bev);
}

static void
write_done(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_close(bev);
}

static void
reply(struct bufferevent *bev, json_t *j)
{
	char *s;

	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, write_done, NULL, NULL);
	if (s == NULL || bufferevent_write(bev, s, strlen(s)) == -1 ||
	    bufferevent_write(bev, "\n", 1) == -1) {
		free(s);
		conn_close(bev);
		return;
	}
	free(s);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct control *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
	if (line == NULL) {
		if (evbuffer_get_length(in) > CONTROL_LINE_MAX)
			reply(bev, json_pack("{s:s}", "error",
			    "request line too long"));
		return;
	}
	if (len > CONTROL_LINE_MAX)
		reply(bev, json_pack("{s:s}", "error",
		    "request line too long"));
	else
		reply(bev, c->c_handler(line, c->c_arg));
	free(line);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	(void)arg;
	conn_close(bev);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct bufferevent *bev;
	struct timeval tv = { CONTROL_TIMEOUT_S, 0 };

	(void)sa;
	(void)salen;
	bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, conn_read, NULL, conn_event, arg);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_setwatermark(bev, EV_READ, 0, CONTROL_LINE_MAX + 2);
	bufferevent_enable(bev, EV_READ);
}

/* True when a server already answers on path. */
static int
in_use(const struct sockaddr_un *sun)
{
	int s, used;

	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	used = connect(s, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(s);
	return used;
}

/*
 * 0660, in the group of its directory: /run/shoal is root:shoal
 * (tmpfiles.d), so members of shoal (shoal-web) may connect.  Taking the
 * directory's group needs no user database lookup, which would load the
 * NSS modules into pulse for good.
 */
static void
set_owner(const char *path, const char *rundir)
{
	struct stat sb;

	if (chmod(path, 0660) == -1)
		log_warn("chmod %s", path);
	if (stat(rundir, &sb) == 0 && sb.st_gid != getegid() &&
	    chown(path, (uid_t)-1, sb.st_gid) == -1)
		log_warn("chown %s", path);
}

struct control *
control_open(struct event_base *base, const char *rundir,
    control_handler handler, void *arg)
{
	struct control *c;
	struct sockaddr_un sun;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->c_handler = handler;
	c->c_arg = arg;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s",
	    rundir, CONTROL_SOCK_NAME) >= sizeof(sun.sun_path)) {
		log_warnx("control socket path too long: %s", rundir);
		goto fail;
	}
	if (mkdir(rundir, 0755) == -1 && errno != EEXIST)
		log_warn("mkdir %s", rundir);
	if (in_use(&sun)) {
		log_warnx("%s: another pulse answers there", sun.sun_path);
		goto fail;
	}
	(void)unlink(sun.sun_path);
	c->c_listener = evconnlistener_new_bind(base, accept_cb, c,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sun, sizeof(sun));
	if (c->c_listener == NULL) {
		log_warn("control socket %s", sun.sun_path);
		goto fail;
	}
	str_copy(c->c_path, sun.sun_path, sizeof(c->c_path));
	set_owner(c->c_path, rundir);
	return c;
fail:
	free(c);
	return NULL;
}

void
control_close(struct control *c)
{
	if (c == NULL)
		return;
	evconnlistener_free(c->c_listener);
	(void)unlink(c->c_path);
	free(c);
}
