/*
 * ctlasync.c - control socket requests on the event loop (ctlasync.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "ipc/ctl.h"
#include "ctlasync.h"

struct ctlasync {
	struct bufferevent	*ca_bev;
	ctlasync_line_fn	 ca_line;
	ctlasync_done_fn	 ca_done;
	void			*ca_arg;
	int			 ca_ended;
};

/* Ends the request once: the connection is closed, then done runs. */
static void
ca_end(struct ctlasync *ca, int ok, const char *err)
{
	if (ca->ca_ended)
		return;
	ca->ca_ended = 1;
	bufferevent_disable(ca->ca_bev, EV_READ | EV_WRITE);
	ca->ca_done(ok, err, ca->ca_arg);	/* may free ca */
}

static void
ca_read(struct bufferevent *bev, void *arg)
{
	struct ctlasync *ca = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while (!ca->ca_ended && (line = evbuffer_readln(in, &len,
	    EVBUFFER_EOL_LF)) != NULL) {
		ca->ca_line(line, len, ca->ca_arg);
		free(line);
	}
	if (!ca->ca_ended && evbuffer_get_length(in) > CTLASYNC_LINE_MAX)
		ca_end(ca, 0, "a line of pulse's answer is too long");
}

static void
ca_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctlasync *ca = arg;

	if (what & BEV_EVENT_EOF) {
		ca_read(bev, ca);	/* a last line without its newline */
		if (!ca->ca_ended) {
			struct evbuffer *in = bufferevent_get_input(bev);
			size_t len = evbuffer_get_length(in);
			char *rest = malloc(len + 1);

			if (len > 0 && rest != NULL) {
				evbuffer_remove(in, rest, len);
				rest[len] = '\0';
				ca->ca_line(rest, len, ca->ca_arg);
			}
			free(rest);
		}
		ca_end(ca, 1, NULL);
	} else if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		ca_end(ca, 0, "the connection to pulse failed");
}

struct ctlasync *
ctlasync_start(struct event_base *base, const char *rundir,
    enum ctl_cmd_id id, const char *const *args, int nargs,
    ctlasync_line_fn line, ctlasync_done_fn done, void *arg, char *err,
    size_t errlen)
{
	char req[CTL_LINE_MAX + 2];
	struct ctlasync *ca;
	int fd;

	if (ctl_req_format(id, args, nargs, req, sizeof(req) - 1, err,
	    errlen) == -1)
		return NULL;
	strcat(req, "\n");
	if ((ca = calloc(1, sizeof(*ca))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((fd = ctl_connect(rundir, err, errlen)) == -1) {
		free(ca);
		return NULL;
	}
	ca->ca_line = line;
	ca->ca_done = done;
	ca->ca_arg = arg;
	ca->ca_bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (ca->ca_bev == NULL || bufferevent_write(ca->ca_bev, req,
	    strlen(req)) == -1 || bufferevent_enable(ca->ca_bev,
	    EV_READ) == -1) {
		snprintf(err, errlen, "cannot set up the connection to pulse");
		if (ca->ca_bev == NULL)
			close(fd);
		ctlasync_free(ca);
		return NULL;
	}
	bufferevent_setcb(ca->ca_bev, ca_read, NULL, ca_event, ca);
	return ca;
}

void
ctlasync_free(struct ctlasync *ca)
{
	if (ca == NULL)
		return;
	if (ca->ca_bev != NULL)
		bufferevent_free(ca->ca_bev);
	free(ca);
}
