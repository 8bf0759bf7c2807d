/*
 * control.c - the control socket server (see control.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
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

#define PEER_GROUPS_GUESS	32

struct conn;
LIST_HEAD(connlist, conn);

struct control {
	struct evconnlistener	*c_listener;
	char			 c_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	gid_t			 c_group;	/* the socket file's group */
	control_handler		 c_handler;
	void			*c_arg;
	struct connlist		 c_held;	/* streaming or answering later */
};

/* One client: who it is, as the kernel said when it connected. */
struct conn {
	struct control		*cn_ctl;
	struct bufferevent	*cn_bev;
	struct ctl_caller	 cn_caller;
	gid_t			*cn_groups;
	int			 cn_held;	/* in c_held */
	void			(*cn_gone)(void *);
	void			*cn_gone_arg;
	struct ctl_req		*cn_req;	/* admitted, its body coming */
	LIST_ENTRY(conn)	 cn_entry;
};

static void
conn_close(struct bufferevent *bev, struct conn *cn)
{
	void (*gone)(void *) = cn->cn_gone;

	cn->cn_gone = NULL;
	if (gone != NULL)
		gone(cn->cn_gone_arg);
	if (cn->cn_held)
		LIST_REMOVE(cn, cn_entry);
	bufferevent_free(bev);
	free(cn->cn_req);
	free(cn->cn_groups);
	free(cn);
}

static void
write_done(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_close(bev, arg);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	conn_close(bev, arg);
}

/* Whatever a held client sends after its request is ignored. */
static void
held_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	evbuffer_drain(bufferevent_get_input(bev),
	    evbuffer_get_length(bufferevent_get_input(bev)));
}

/* Writes j (consumed) and a newline; 0 or -1. */
static int
write_json(struct bufferevent *bev, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	int r = -1;

	json_decref(j);
	if (s != NULL && bufferevent_write(bev, s, strlen(s)) == 0 &&
	    bufferevent_write(bev, "\n", 1) == 0)
		r = 0;
	free(s);
	return r;
}

static void
reply(struct bufferevent *bev, struct conn *cn, json_t *j)
{
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, write_done, conn_event, cn);
	if (write_json(bev, j) == -1)
		conn_close(bev, cn);
}

/* The handler keeps cn: no idle timeout for reading, EOF still seen. */
static void
hold(struct bufferevent *bev, struct conn *cn)
{
	struct timeval wt = { CTL_IDLE_S, 0 };

	cn->cn_held = 1;
	LIST_INSERT_HEAD(&cn->cn_ctl->c_held, cn, cn_entry);
	bufferevent_set_timeouts(bev, NULL, &wt);
	bufferevent_setcb(bev, held_read, NULL, conn_event, cn);
}

int
control_conn_write(struct control_conn *cc, const void *data, size_t len,
    int bounded)
{
	struct conn *cn = (struct conn *)cc;
	struct evbuffer *out = bufferevent_get_output(cn->cn_bev);

	if (bounded && evbuffer_get_length(out) + len > CONTROL_STREAM_MAX) {
		log_warnx("control socket: pid %d reads too slowly: dropped",
		    (int)cn->cn_caller.cl_pid);
		conn_close(cn->cn_bev, cn);
		return -1;
	}
	if (bufferevent_write(cn->cn_bev, data, len) == -1) {
		conn_close(cn->cn_bev, cn);
		return -1;
	}
	return 0;
}

static void
give_done(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)(uintptr_t)data);
}

int
control_conn_give(struct control_conn *cc, char *data, size_t len)
{
	struct conn *cn = (struct conn *)cc;
	struct evbuffer *out = bufferevent_get_output(cn->cn_bev);

	if (evbuffer_add_reference(out, data, len, give_done, NULL) == -1) {
		free(data);
		conn_close(cn->cn_bev, cn);
		return -1;
	}
	return 0;
}

void
control_conn_end(struct control_conn *cc, json_t *last)
{
	struct conn *cn = (struct conn *)cc;

	if (last != NULL && write_json(cn->cn_bev, last) == -1) {
		conn_close(cn->cn_bev, cn);
		return;
	}
	bufferevent_setcb(cn->cn_bev, held_read, write_done, conn_event, cn);
	write_done(cn->cn_bev, cn);
}

void
control_conn_on_gone(struct control_conn *cc, void (*fn)(void *), void *arg)
{
	struct conn *cn = (struct conn *)cc;

	cn->cn_gone = fn;
	cn->cn_gone_arg = arg;
}

const struct ctl_caller *
control_conn_caller(const struct control_conn *cc)
{
	return &((const struct conn *)cc)->cn_caller;
}

static json_t *
refuse(const struct conn *cn, const struct ctl_cmd *cmd, enum ctl_verdict v)
{
	const struct ctl_caller *cl = &cn->cn_caller;
	char msg[256];

	if (v == CTL_DENIED_ROOT)
		snprintf(msg, sizeof(msg), "permission denied: %s changes "
		    "pulse's state and is for root only (uid %u)",
		    cmd->cc_name, (unsigned)cl->cl_uid);
	else
		snprintf(msg, sizeof(msg), "permission denied: uid %u is "
		    "neither root nor in the control socket's group (gid %u)",
		    (unsigned)cl->cl_uid, (unsigned)cn->cn_ctl->c_group);
	log_warnx("control socket: %s refused to pid %d: %s", cmd->cc_name,
	    (int)cl->cl_pid, msg);
	return json_pack("{s:s, s:b}", "error", msg, "denied", 1);
}

/*
 * Parses one request line into r and checks the caller may run it: NULL
 * when it may, else the reply that says why not.
 */
static json_t *
admit(const struct conn *cn, const char *line, struct ctl_req *r)
{
	const struct control *c = cn->cn_ctl;
	enum ctl_verdict v;
	char err[1280];

	if (ctl_req_parse(line, r, err, sizeof(err)) == -1)
		return json_pack("{s:s}", "error", err);
	v = ctl_cmd_permit(&ctl_cmds[r->cr_id], &cn->cn_caller, c->c_group);
	if (v != CTL_ALLOWED)
		return refuse(cn, &ctl_cmds[r->cr_id], v);
	return NULL;
}

/*
 * Runs the handler of an admitted request.  Held before the handler runs,
 * which may write, end or even lose the connection; cn is not touched
 * after a NULL.
 */
static void
run(struct bufferevent *bev, struct conn *cn, const struct ctl_req *r)
{
	json_t *j;

	hold(bev, cn);
	if ((j = cn->cn_ctl->c_handler(r, (struct control_conn *)cn,
	    cn->cn_ctl->c_arg)) != NULL)
		reply(bev, cn, j);
}

/* The body of cn->cn_req, once all of it is in; then the handler. */
static void
body_read(struct bufferevent *bev, struct conn *cn)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct ctl_req *r = cn->cn_req;
	char *body;

	if (evbuffer_get_length(in) < r->cr_bodylen)
		return;
	if ((body = malloc(r->cr_bodylen + 1)) == NULL) {
		reply(bev, cn, json_pack("{s:s}", "error", "out of memory"));
		return;
	}
	evbuffer_remove(in, body, r->cr_bodylen);
	body[r->cr_bodylen] = '\0';
	r->cr_body = body;
	cn->cn_req = NULL;
	run(bev, cn, r);
	mem_wipe(body, r->cr_bodylen);	/* may hold heartbeat keys */
	free(body);
	free(r);
}

/* An admitted request with a body: read up to its length, then run. */
static void
wait_body(struct bufferevent *bev, struct conn *cn, const struct ctl_req *r)
{
	if ((cn->cn_req = malloc(sizeof(*r))) == NULL) {
		reply(bev, cn, json_pack("{s:s}", "error", "out of memory"));
		return;
	}
	*cn->cn_req = *r;
	bufferevent_setwatermark(bev, EV_READ, 0, r->cr_bodylen);
	body_read(bev, cn);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *cn = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct ctl_req r;
	size_t len;
	char *line;
	json_t *j;

	if (cn->cn_req != NULL) {
		body_read(bev, cn);
		return;
	}
	line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
	if (line == NULL) {
		if (evbuffer_get_length(in) > CTL_LINE_MAX)
			reply(bev, cn, json_pack("{s:s}", "error",
			    "request line too long"));
		return;
	}
	if (len > CTL_LINE_MAX)
		reply(bev, cn, json_pack("{s:s}", "error",
		    "request line too long"));
	else if ((j = admit(cn, line, &r)) != NULL)
		reply(bev, cn, j);
	else if (ctl_cmds[r.cr_id].cc_body)
		wait_body(bev, cn, &r);
	else
		run(bev, cn, &r);
	free(line);
}

/* The supplementary groups of the peer (SO_PEERGROUPS); 0 or -1. */
static int
peer_groups(int fd, struct conn *cn)
{
	socklen_t len = PEER_GROUPS_GUESS * sizeof(gid_t);

	for (int tries = 0; tries < 2; tries++) {
		free(cn->cn_groups);
		if ((cn->cn_groups = malloc(len > 0 ? len : 1)) == NULL)
			return -1;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, cn->cn_groups,
		    &len) == 0) {
			cn->cn_caller.cl_groups = cn->cn_groups;
			cn->cn_caller.cl_ngroups = len / sizeof(gid_t);
			return 0;
		}
		if (errno != ERANGE)
			return -1;
	}
	return -1;
}

/* Who connected; NULL (logged) when the kernel does not say. */
static struct conn *
conn_new(struct control *c, int fd)
{
	struct conn *cn;
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if ((cn = calloc(1, sizeof(*cn))) == NULL)
		return NULL;
	cn->cn_ctl = c;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 ||
	    peer_groups(fd, cn) == -1) {
		log_warn("control socket: the caller's credentials");
		free(cn->cn_groups);
		free(cn);
		return NULL;
	}
	cn->cn_caller.cl_pid = uc.pid;
	cn->cn_caller.cl_uid = uc.uid;
	cn->cn_caller.cl_gid = uc.gid;
	return cn;
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct bufferevent *bev;
	struct timeval tv = { CTL_IDLE_S, 0 };
	struct conn *cn;

	(void)sa;
	(void)salen;
	if ((cn = conn_new(arg, fd)) == NULL) {
		close(fd);
		return;
	}
	bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		free(cn->cn_groups);
		free(cn);
		close(fd);
		return;
	}
	cn->cn_bev = bev;
	bufferevent_setcb(bev, conn_read, NULL, conn_event, cn);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_setwatermark(bev, EV_READ, 0, CTL_LINE_MAX + 2);
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
set_owner(struct control *c, const char *rundir)
{
	struct stat sb;

	if (chmod(c->c_path, 0660) == -1)
		log_warn("chmod %s", c->c_path);
	if (stat(rundir, &sb) == 0 && sb.st_gid != getegid() &&
	    chown(c->c_path, (uid_t)-1, sb.st_gid) == -1)
		log_warn("chown %s", c->c_path);
	/* the group that may read: whatever the file really has */
	c->c_group = stat(c->c_path, &sb) == 0 ? sb.st_gid : getegid();
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
	LIST_INIT(&c->c_held);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s",
	    rundir, CTL_SOCK_NAME) >= sizeof(sun.sun_path)) {
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
	set_owner(c, rundir);
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
	while (!LIST_EMPTY(&c->c_held))
		conn_close(LIST_FIRST(&c->c_held)->cn_bev, LIST_FIRST(&c->c_held));
	evconnlistener_free(c->c_listener);
	(void)unlink(c->c_path);
	free(c);
}
