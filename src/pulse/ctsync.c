/*
 * ctsync.c - conntrackd for the nftables backend (see ctsync.h).
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/exec.h"
#include "lib/log.h"
#include "lib/util.h"
#include "ctsync.h"

#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	30000
#define STABLE_MS	60000	/* running this long resets the back-off */
#define UP_AFTER_MS	1000	/* running this long counts as up */
#define OUT_MAX		16384

enum ct_state {
	CT_OFF,
	CT_STARTING,
	CT_UP,
	CT_DOWN,
};

struct ctsync {
	struct event_base	*c_base;
	enum ct_state		 c_state;
	char			 c_reason[256];
	int64_t			 c_since;
	char			*c_bin;
	char			*c_text;	/* conntrackd.conf */
	char			 c_rundir[256];
	struct exec		*c_proc;
	uint64_t		 c_started_ms;
	uint32_t		 c_backoff_ms;
	struct event		*c_restart;
	struct event		*c_upcheck;
	/* role commands, one after the other */
	const char *const	*c_cmds;
	size_t			 c_ncmd;
	struct exec		*c_cmd;
	int			 c_role_active;
	char			 c_role_result[256];
};

static void start(struct ctsync *);

/* ---- the configuration ---- */

static int
has_addr(const struct cfg_addr *a)
{
	return cfg_addr_is_set(a);
}

/* The interface holding a, into ifname; 0 or -1. */
static int
iface_of(const struct cfg_addr *a, char *ifname, size_t len)
{
	struct ifaddrs *ifa, *i;
	struct cfg_addr x;
	int rc = -1;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL && rc == -1; i = i->ifa_next)
		if (i->ifa_addr != NULL &&
		    cfg_addr_from_sockaddr(&x, i->ifa_addr) == 0 &&
		    cfg_addr_equal(&x, a)) {
			str_copy(ifname, i->ifa_name, len);
			rc = 0;
		}
	freeifaddrs(ifa);
	return rc;
}

static void
ignore_add(struct ctsync_conf *cc, const struct cfg_addr *a)
{
	if (has_addr(a) && cc->cc_nignore < sizeof(cc->cc_ignore) /
	    sizeof(cc->cc_ignore[0]))
		cc->cc_ignore[cc->cc_nignore++] = *a;
}

/* 1 when this node and every peer have a private address. */
static int
all_private(const struct cfg_node_list *nodes)
{
	const struct cfg_node *n;

	TAILQ_FOREACH(n, nodes, n_entry)
		if (!has_addr(&n->n_private))
			return 0;
	return 1;
}

int
ctsync_conf_build(struct ctsync_conf *cc, const struct cfg_node_list *nodes,
    const struct cfg_node *self, const char *rundir, uint16_t port,
    char *why, size_t len)
{
	int priv = all_private(nodes);
	const struct cfg_node *n;
	const struct cfg_addr *a;

	memset(cc, 0, sizeof(*cc));
	str_copy(cc->cc_rundir, rundir, sizeof(cc->cc_rundir));
	cc->cc_port = port != 0 ? port : CTSYNC_PORT_DEFAULT;
	cc->cc_self = priv ? self->n_private : self->n_address;
	TAILQ_FOREACH(n, nodes, n_entry) {
		ignore_add(cc, &n->n_address);
		ignore_add(cc, &n->n_private);
		if (n == self)
			continue;
		a = priv ? &n->n_private : &n->n_address;
		if (a->family != cc->cc_self.family) {
			snprintf(why, len, "node %s: its %s address is of "
			    "another family than ours", n->n_name,
			    priv ? "private" : "public");
			return -1;
		}
		if (cc->cc_npeers == CTSYNC_MAX_PEERS) {
			snprintf(why, len, "more than %d other routers",
			    CTSYNC_MAX_PEERS);
			return -1;
		}
		cc->cc_peers[cc->cc_npeers++] = *a;
	}
	if (cc->cc_npeers == 0) {
		snprintf(why, len, "no other router to sync with");
		return -1;
	}
	if (cc->cc_npeers > 1 && cc->cc_self.family == AF_INET6) {
		snprintf(why, len, "more than two routers on IPv6 addresses "
		    "(conntrackd's IPv6 multicast is not used)");
		return -1;
	}
	if (iface_of(&cc->cc_self, cc->cc_ifname, sizeof(cc->cc_ifname)) == -1) {
		char ab[CFG_ADDR_STRLEN];

		snprintf(why, len, "no interface holds this node's %s address "
		    "%s", priv ? "private" : "public", cfg_addr_str(
		    &cc->cc_self, ab, sizeof(ab)));
		return -1;
	}
	return 0;
}

static void
conf_sync(FILE *fp, const struct ctsync_conf *cc)
{
	const char *v = cc->cc_self.family == AF_INET6 ? "IPv6" : "IPv4";
	char ab[CFG_ADDR_STRLEN], pb[CFG_ADDR_STRLEN];

	cfg_addr_str(&cc->cc_self, ab, sizeof(ab));
	fprintf(fp, "Sync {\n\tMode FTFW {\n\t\tDisableExternalCache Off\n"
	    "\t\tStartupResync on\n\t}\n");
	if (cc->cc_npeers == 1)
		fprintf(fp, "\tUDP {\n\t\t%s_address %s\n"
		    "\t\t%s_Destination_Address %s\n\t\tPort %u\n"
		    "\t\tInterface %s\n\t\tChecksum on\n\t}\n", v, ab, v,
		    cfg_addr_str(&cc->cc_peers[0], pb, sizeof(pb)),
		    cc->cc_port, cc->cc_ifname);
	else
		fprintf(fp, "\tMulticast {\n\t\tIPv4_address %s\n"
		    "\t\tGroup %u\n\t\tIPv4_interface %s\n\t\tInterface %s\n"
		    "\t\tChecksum on\n\t}\n", CTSYNC_GROUP4, cc->cc_port, ab,
		    cc->cc_ifname);
	fprintf(fp, "}\n");
}

static void
conf_general(FILE *fp, const struct ctsync_conf *cc)
{
	char ab[CFG_ADDR_STRLEN];
	size_t i;

	fprintf(fp, "General {\n\tHashSize 32768\n\tHashLimit 131072\n"
	    "\tSyslog off\n\tLogFile %s/conntrackd.log\n"
	    "\tLockFile %s/conntrackd.lock\n"
	    "\tUNIX {\n\t\tPath %s/conntrackd.ctl\n\t}\n"
	    "\tNetlinkBufferSize 2097152\n"
	    "\tNetlinkBufferSizeMaxGrowth 8388608\n"
	    "\tFilter From Userspace {\n"
	    "\t\tProtocol Accept {\n\t\t\tTCP\n\t\t\tUDP\n\t\t}\n"
	    "\t\tAddress Ignore {\n\t\t\tIPv4_address 127.0.0.1\n"
	    "\t\t\tIPv6_address ::1\n", cc->cc_rundir, cc->cc_rundir,
	    cc->cc_rundir);
	for (i = 0; i < cc->cc_nignore; i++)
		fprintf(fp, "\t\t\t%s_address %s\n",
		    cc->cc_ignore[i].family == AF_INET6 ? "IPv6" : "IPv4",
		    cfg_addr_str(&cc->cc_ignore[i], ab, sizeof(ab)));
	fprintf(fp, "\t\t}\n\t}\n}\n");
}

char *
ctsync_conf_text(const struct ctsync_conf *cc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fprintf(fp, "# written by pulse (shoal) from the cluster's "
	    "configuration; do not edit\n");
	conf_sync(fp, cc);
	conf_general(fp, cc);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- state ---- */

static const char *
state_name(enum ct_state s)
{
	return s == CT_UP ? "up" : s == CT_OFF ? "off" : "down";
}

static void
set_state(struct ctsync *c, enum ct_state s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_state(struct ctsync *c, enum ct_state s, const char *fmt, ...)
{
	char why[sizeof(c->c_reason)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->c_state != s || strcmp(c->c_reason, why) != 0) {
		if (s == CT_UP || s == CT_OFF)
			log_info("connection sync: %s%s%s", state_name(s),
			    why[0] != '\0' ? ": " : "", why);
		else if (s == CT_DOWN)
			log_warnx("connection sync: down: %s", why);
		c->c_since = time(NULL);
	}
	c->c_state = s;
	str_copy(c->c_reason, why, sizeof(c->c_reason));
}

/* ---- the daemon ---- */

static void
restart_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start(arg);
}

static void
upcheck_cb(int fd, short what, void *arg)
{
	struct ctsync *c = arg;

	(void)fd;
	(void)what;
	if (c->c_proc != NULL && c->c_state == CT_STARTING)
		set_state(c, CT_UP, "conntrackd running (pid %d)",
		    exec_pid(c->c_proc));
}

static void
arm(struct event *ev, uint32_t ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

/* The last non-empty line of out, into buf ("" when none). */
static void
last_line(const char *out, char *buf, size_t len)
{
	const char *end, *start;

	buf[0] = '\0';
	if (out == NULL)
		return;
	end = out + strlen(out);
	while (end > out && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (start = end; start > out && start[-1] != '\n'; start--)
		;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

static void
daemon_done(struct exec_result *r, void *arg)
{
	struct ctsync *c = arg;
	char rb[64], line[160];
	uint64_t ran = clock_monotonic_ms() - c->c_started_ms;

	c->c_proc = NULL;
	evtimer_del(c->c_upcheck);
	last_line(r->er_out, line, sizeof(line));
	if (ran >= STABLE_MS)
		c->c_backoff_ms = BACKOFF_MIN_MS;
	set_state(c, CT_DOWN, "conntrackd ended (%s)%s%s; restarting in %u ms",
	    exec_result_str(r, rb, sizeof(rb)), line[0] != '\0' ? ": " : "",
	    line, c->c_backoff_ms);
	arm(c->c_restart, c->c_backoff_ms);
	c->c_backoff_ms = c->c_backoff_ms * 2 > BACKOFF_MAX_MS ?
	    BACKOFF_MAX_MS : c->c_backoff_ms * 2;
}

static char *
path_in(const struct ctsync *c, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", c->c_rundir, name) == -1 ? NULL : p;
}

/* Writes conntrackd.conf (temporary file, then rename); 0 or -1. */
static int
write_conf(const struct ctsync *c)
{
	char *path = path_in(c, "conntrackd.conf"), *tmp = NULL;
	int fd = -1, rc = -1;
	size_t len = strlen(c->c_text);

	if (path == NULL || asprintf(&tmp, "%s.tmp", path) == -1)
		goto done;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1 || write(fd, c->c_text, len) != (ssize_t)len ||
	    fsync(fd) == -1)
		goto done;
	if (close(fd) == -1) {
		fd = -1;
		goto done;
	}
	fd = -1;
	rc = rename(tmp, path);
done:
	if (rc == -1)
		log_warn("connection sync: writing %s", path != NULL ? path :
		    "conntrackd.conf");
	if (fd != -1)
		close(fd);
	free(tmp);
	free(path);
	return rc;
}

/*
 * Left over by a conntrackd that was killed: its lock file (it refuses to
 * start while it exists) and its socket.  Only ours, in our run directory.
 */
static void
remove_leftovers(const struct ctsync *c)
{
	const char *names[] = { "conntrackd.lock", "conntrackd.ctl" };
	char *p;

	for (size_t i = 0; i < 2; i++)
		if ((p = path_in(c, names[i])) != NULL) {
			(void)unlink(p);
			free(p);
		}
}

static void
start(struct ctsync *c)
{
	char *conf = path_in(c, "conntrackd.conf"), *bin;
	char *argv[4];

	if (c->c_text == NULL || c->c_proc != NULL || conf == NULL) {
		free(conf);
		return;
	}
	if ((bin = exec_find_path(c->c_bin)) == NULL) {
		set_state(c, CT_DOWN, "cannot run %s: %s; retrying in %u ms",
		    c->c_bin, strerror(errno), c->c_backoff_ms);
		goto retry;
	}
	free(bin);
	if (write_conf(c) == -1) {
		set_state(c, CT_DOWN, "cannot write %s: %s", conf,
		    strerror(errno));
		goto retry;
	}
	remove_leftovers(c);
	argv[0] = c->c_bin;
	argv[1] = (char *)"-C";
	argv[2] = conf;
	argv[3] = NULL;
	c->c_started_ms = clock_monotonic_ms();
	if ((c->c_proc = exec_start(c->c_base, argv, 0, OUT_MAX, daemon_done,
	    c)) == NULL) {
		set_state(c, CT_DOWN, "cannot start %s", c->c_bin);
		goto retry;
	}
	set_state(c, CT_STARTING, "conntrackd starting (pid %d)",
	    exec_pid(c->c_proc));
	arm(c->c_upcheck, UP_AFTER_MS);
	free(conf);
	return;
retry:
	free(conf);
	arm(c->c_restart, c->c_backoff_ms);
	c->c_backoff_ms = c->c_backoff_ms * 2 > BACKOFF_MAX_MS ?
	    BACKOFF_MAX_MS : c->c_backoff_ms * 2;
}

static void
stop(struct ctsync *c)
{
	evtimer_del(c->c_restart);
	evtimer_del(c->c_upcheck);
	if (c->c_cmd != NULL) {
		exec_cancel(c->c_cmd);
		c->c_cmd = NULL;
	}
	if (c->c_proc != NULL) {
		exec_cancel(c->c_proc);
		c->c_proc = NULL;
		remove_leftovers(c);
	}
	c->c_backoff_ms = BACKOFF_MIN_MS;
}

struct ctsync *
ctsync_new(struct event_base *base)
{
	struct ctsync *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->c_base = base;
	c->c_state = CT_OFF;
	c->c_since = time(NULL);
	c->c_backoff_ms = BACKOFF_MIN_MS;
	str_copy(c->c_reason, "not configured", sizeof(c->c_reason));
	if ((c->c_restart = evtimer_new(base, restart_cb, c)) == NULL ||
	    (c->c_upcheck = evtimer_new(base, upcheck_cb, c)) == NULL) {
		ctsync_free(c);
		return NULL;
	}
	return c;
}

void
ctsync_free(struct ctsync *c)
{
	if (c == NULL)
		return;
	stop(c);
	if (c->c_restart != NULL)
		event_free(c->c_restart);
	if (c->c_upcheck != NULL)
		event_free(c->c_upcheck);
	free(c->c_bin);
	free(c->c_text);
	free(c);
}

void
ctsync_set(struct ctsync *c, const char *bin, const struct ctsync_conf *cc,
    const char *off_why, const char *down_why)
{
	char *text;

	if (cc == NULL) {
		stop(c);
		free(c->c_text);
		c->c_text = NULL;
		if (down_why != NULL)
			set_state(c, CT_DOWN, "%s", down_why);
		else
			set_state(c, CT_OFF, "%s", off_why != NULL ? off_why :
			    "not configured");
		return;
	}
	if ((text = ctsync_conf_text(cc)) == NULL) {
		log_warnx("connection sync: out of memory");
		return;
	}
	if (c->c_text != NULL && strcmp(text, c->c_text) == 0 &&
	    c->c_bin != NULL && strcmp(bin, c->c_bin) == 0) {
		free(text);
		return;
	}
	stop(c);
	free(c->c_text);
	c->c_text = text;
	free(c->c_bin);
	if ((c->c_bin = strdup(bin)) == NULL) {
		log_warnx("connection sync: out of memory");
		return;
	}
	str_copy(c->c_rundir, cc->cc_rundir, sizeof(c->c_rundir));
	start(c);
}

/* ---- role changes ---- */

static const char *const cmds_active[] = { "-f", "-R", "-B" };
static const char *const cmds_backup[] = { "-t", "-n" };

static void run_next(struct ctsync *);

static void
cmd_done(struct exec_result *r, void *arg)
{
	struct ctsync *c = arg;
	char rb[64], line[160];
	const char *what = c->c_cmds[0];

	c->c_cmd = NULL;
	last_line(r->er_out, line, sizeof(line));
	/* as the manual's primary-backup script: log a failure, go on */
	if (!exec_result_ok(r)) {
		log_warnx("connection sync: conntrackd %s: %s%s%s", what,
		    exec_result_str(r, rb, sizeof(rb)), line[0] != '\0' ?
		    ": " : "", line);
		if (strcmp(c->c_role_result, "running") == 0)
			snprintf(c->c_role_result, sizeof(c->c_role_result),
			    "conntrackd %s failed: %s", what, exec_result_str(
			    r, rb, sizeof(rb)));
	} else
		log_info("connection sync: conntrackd %s done", what);
	c->c_cmds++;
	c->c_ncmd--;
	if (c->c_ncmd == 0 && strcmp(c->c_role_result, "running") == 0)
		snprintf(c->c_role_result, sizeof(c->c_role_result), "%s",
		    c->c_role_active ? "committed the synced connections" :
		    "handed the connections to the active router");
	run_next(c);
}

static void
run_next(struct ctsync *c)
{
	char *conf, *argv[5];

	if (c->c_ncmd == 0 || (conf = path_in(c, "conntrackd.conf")) == NULL)
		return;
	argv[0] = c->c_bin;
	argv[1] = (char *)"-C";
	argv[2] = conf;
	argv[3] = (char *)c->c_cmds[0];
	argv[4] = NULL;
	if ((c->c_cmd = exec_start(c->c_base, argv, CTSYNC_CMD_TIMEOUT_MS, 0,
	    cmd_done, c)) == NULL) {
		snprintf(c->c_role_result, sizeof(c->c_role_result),
		    "cannot run conntrackd %s", c->c_cmds[0]);
		c->c_ncmd = 0;
	}
	free(conf);
}

/*
 * conntrackd -c, waited for (at most CTSYNC_COMMIT_TIMEOUT_MS): the synced
 * connections must be in the kernel before this router takes the
 * addresses, else a real server's retransmission reaching it first is
 * forwarded un-NATed and the client resets the connection.  0, or -1
 * (logged, and the rest of the sequence is not run).
 */
static int
commit(struct ctsync *c)
{
	struct exec_result r;
	char *conf, *argv[5], rb[64], line[160];
	int rc = -1;

	if ((conf = path_in(c, "conntrackd.conf")) == NULL)
		return -1;
	argv[0] = c->c_bin;
	argv[1] = (char *)"-C";
	argv[2] = conf;
	argv[3] = (char *)"-c";
	argv[4] = NULL;
	memset(&r, 0, sizeof(r));
	if (exec_run_sync(argv, CTSYNC_COMMIT_TIMEOUT_MS, 0, &r) == -1)
		snprintf(c->c_role_result, sizeof(c->c_role_result),
		    "cannot run conntrackd -c");
	else if (!exec_result_ok(&r)) {
		last_line(r.er_out, line, sizeof(line));
		log_warnx("connection sync: conntrackd -c: %s%s%s",
		    exec_result_str(&r, rb, sizeof(rb)), line[0] != '\0' ?
		    ": " : "", line);
		snprintf(c->c_role_result, sizeof(c->c_role_result),
		    "conntrackd -c failed: %s", exec_result_str(&r, rb,
		    sizeof(rb)));
	} else {
		log_info("connection sync: conntrackd -c done in %llu ms: "
		    "the synced connections are in the kernel",
		    (unsigned long long)r.er_elapsed_ms);
		rc = 0;
	}
	exec_result_clear(&r);
	free(conf);
	return rc;
}

void
ctsync_role(struct ctsync *c, int active)
{
	if (c == NULL || c->c_state == CT_OFF)
		return;
	c->c_role_active = active;
	if (c->c_cmd != NULL) {
		exec_cancel(c->c_cmd);
		c->c_cmd = NULL;
	}
	if (c->c_proc == NULL) {
		log_warnx("connection sync: down: %s: connections are not "
		    "%s", c->c_reason, active ? "taken over" : "handed over");
		snprintf(c->c_role_result, sizeof(c->c_role_result),
		    "skipped: conntrackd is not running");
		return;
	}
	if (c->c_state == CT_STARTING) {
		/* just started: it holds nothing of the peers' yet */
		log_info("connection sync: conntrackd is starting: nothing to "
		    "%s yet", active ? "commit" : "hand over");
		snprintf(c->c_role_result, sizeof(c->c_role_result),
		    "skipped: conntrackd was starting");
		return;
	}
	snprintf(c->c_role_result, sizeof(c->c_role_result), "running");
	if (active && commit(c) == -1)
		return;
	c->c_cmds = active ? cmds_active : cmds_backup;
	c->c_ncmd = active ? 3 : 2;
	run_next(c);
}

const char *
ctsync_state(const struct ctsync *c)
{
	return state_name(c->c_state);
}

json_t *
ctsync_json(const struct ctsync *c)
{
	return json_pack("{s:s, s:s, s:I, s:i, s:{s:s, s:s}}",
	    "state", state_name(c->c_state), "reason", c->c_reason,
	    "since", (json_int_t)c->c_since,
	    "pid", c->c_proc != NULL ? exec_pid(c->c_proc) : 0,
	    "last_role_change", "role", c->c_role_active ? "active" :
	    "backup", "result", c->c_role_result);
}
