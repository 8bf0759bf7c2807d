/*
 * ssh.c - non-blocking SSH connections to cluster peers.
 *
 * Each operation is a table of named steps.  A step function returns 0 when
 * it is done, 1 when libssh2 (or connect) would block, -1 when it failed
 * (after conn_fail() recorded why).  conn_run() drives the table; on 1 it
 * waits on the socket in the direction libssh2 asks for, with a timer at the
 * step's deadline, and resumes from the event loop.
 */
#include "shoal-build.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <openssl/evp.h>

#include "lib/log.h"
#include "lib/util.h"
#include "ssh.h"

#define SSH_CHUNK	32768

struct ssh_step {
	const char	*st_name;
	int		(*st_fn)(struct ssh_conn *);
};

struct ssh_buf {
	char		*b_data;
	size_t		 b_len;
	size_t		 b_cap;
	size_t		 b_max;
	int		 b_truncated;
};

struct ssh_conn {
	struct event_base	*c_base;
	struct event		*c_ev;
	char			*c_name;
	char			*c_host;
	char			*c_user;
	char			*c_key;
	char			*c_known_hosts;
	uint16_t		 c_port;
	int			 c_accept_unknown;
	unsigned		 c_timeout_ms;

	int			 c_fd;
	int			 c_connecting;
	LIBSSH2_SESSION		*c_session;
	LIBSSH2_SFTP		*c_sftp;
	LIBSSH2_SFTP_HANDLE	*c_handle;
	LIBSSH2_CHANNEL		*c_chan;
	LIBSSH2_AGENT		*c_agent;
	struct libssh2_agent_publickey *c_ident;
	int			 c_auth_stage;
	int			 c_authed;

	/* the running operation */
	const struct ssh_step	*c_steps;
	size_t			 c_nsteps;
	size_t			 c_cur;
	uint64_t		 c_deadline;
	ssh_done_cb		 c_done;
	void			*c_arg;

	enum ssh_error		 c_err;
	char			 c_errmsg[768];
	char			 c_fp[SSH_FP_LEN];
	int			 c_known;
	unsigned char		*c_hostkey;
	size_t			 c_hostkey_len;
	int			 c_hostkey_type;

	/* upload */
	const unsigned char	*c_buf;
	size_t			 c_len;
	size_t			 c_off;
	char			*c_path;
	char			*c_part;
	int			 c_up_failed;	/* write/fsync/close failed */
	unsigned long		 c_up_fx;	/* SFTP status of that failure */
	char			 c_up_msg[256];
	int			 c_up_stage;

	/* exec */
	char			*c_cmd;
	struct ssh_buf		 c_out;
	struct ssh_buf		 c_errout;
	int			 c_status;
	int			 c_close_stage;
};

static int	libssh2_ready;

static void	conn_run(struct ssh_conn *);
static int	conn_fail(struct ssh_conn *, enum ssh_error, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
conn_fail(struct ssh_conn *c, enum ssh_error e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->c_errmsg, sizeof(c->c_errmsg), fmt, ap);
	va_end(ap);
	c->c_err = e;
	return -1;
}

/* libssh2's last error text for the session. */
static const char *
sess_msg(const struct ssh_conn *c)
{
	char *msg = NULL;

	if (c->c_session == NULL)
		return "no session";
	libssh2_session_last_error(c->c_session, &msg, NULL, 0);
	return msg != NULL && *msg != '\0' ? msg : "unknown error";
}

static int
sess_again(const struct ssh_conn *c)
{
	return libssh2_session_last_errno(c->c_session) == LIBSSH2_ERROR_EAGAIN;
}

/* A failed libssh2 call during step `what`: connection loss or protocol. */
static int
sess_fail(struct ssh_conn *c, const char *what, int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_SEND:
		return conn_fail(c, SSH_E_PROTOCOL,
		    "connection lost during %s: %s", what, sess_msg(c));
	default:
		return conn_fail(c, SSH_E_PROTOCOL, "%s failed: %s", what,
		    sess_msg(c));
	}
}

const char *
ssh_error_name(enum ssh_error e)
{
	switch (e) {
	case SSH_E_NONE:		return "none";
	case SSH_E_UNREACHABLE:		return "unreachable";
	case SSH_E_TIMEOUT:		return "timeout";
	case SSH_E_HOSTKEY_UNKNOWN:	return "host key unknown";
	case SSH_E_HOSTKEY_CHANGED:	return "host key changed";
	case SSH_E_AUTH:		return "authentication refused";
	case SSH_E_PROTOCOL:		return "protocol error";
	case SSH_E_DISK_FULL:		return "disk full";
	case SSH_E_LOCAL:		return "local error";
	}
	return "unknown";
}

/* ---- helpers: fingerprints, quoting, buffers ---- */

void
ssh_fingerprint(const void *blob, size_t len, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned char b64[EVP_MAX_MD_SIZE * 2];
	unsigned int mdlen = 0;
	int n;

	if (EVP_Digest(blob, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
		str_copy(out, "SHA256:?", SSH_FP_LEN);
		return;
	}
	n = EVP_EncodeBlock(b64, md, (int)mdlen);
	while (n > 0 && b64[n - 1] == '=')	/* OpenSSH drops the padding */
		n--;
	snprintf(out, SSH_FP_LEN, "SHA256:%.*s", n, (const char *)b64);
}

static int
word_is_safe(const char *w)
{
	if (*w == '\0')
		return 0;
	for (; *w != '\0'; w++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789_./:=@%+,-", *w) == NULL)
			return 0;
	return 1;
}

char *
ssh_quote_argv(const char *const argv[])
{
	size_t need = 1, i;
	const char *p;
	char *out, *o;

	if (argv == NULL || argv[0] == NULL)
		return NULL;
	for (i = 0; argv[i] != NULL; i++)
		need += 3 + strlen(argv[i]) * 4;	/* ' -> '\'' */
	if ((out = malloc(need)) == NULL)
		return NULL;
	o = out;
	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			*o++ = ' ';
		if (word_is_safe(argv[i])) {
			o = stpcpy(o, argv[i]);
			continue;
		}
		*o++ = '\'';
		for (p = argv[i]; *p != '\0'; p++) {
			if (*p == '\'')
				o = stpcpy(o, "'\\''");
			else
				*o++ = *p;
		}
		*o++ = '\'';
	}
	*o = '\0';
	return out;
}

/* Appends to a bounded buffer; bytes past b_max are dropped and noted. */
static int
buf_add(struct ssh_buf *b, const char *data, size_t n)
{
	size_t room = b->b_max - b->b_len;
	char *p;

	if (n > room) {
		b->b_truncated = 1;
		n = room;
	}
	if (b->b_len + n + 1 > b->b_cap) {
		size_t cap = b->b_cap ? b->b_cap : 4096;

		while (cap < b->b_len + n + 1)
			cap *= 2;
		if ((p = realloc(b->b_data, cap)) == NULL)
			return -1;
		b->b_data = p;
		b->b_cap = cap;
	}
	memcpy(b->b_data + b->b_len, data, n);
	b->b_len += n;
	b->b_data[b->b_len] = '\0';
	return 0;
}

static void
buf_reset(struct ssh_buf *b, size_t max)
{
	free(b->b_data);
	memset(b, 0, sizeof(*b));
	b->b_max = max;
}

/* ---- the step engine ---- */

static void
conn_finish(struct ssh_conn *c, int ok)
{
	ssh_done_cb done = c->c_done;

	event_del(c->c_ev);
	c->c_steps = NULL;
	c->c_done = NULL;
	if (done != NULL)
		done(c, ok, c->c_arg);	/* may start more or free c */
}

static void
conn_event(evutil_socket_t fd, short what, void *arg)
{
	struct ssh_conn *c = arg;

	(void)fd;
	if ((what & EV_TIMEOUT) && clock_monotonic_ms() >= c->c_deadline) {
		conn_fail(c, SSH_E_TIMEOUT, "timeout after %u ms during %s",
		    c->c_timeout_ms, c->c_steps[c->c_cur].st_name);
		conn_finish(c, 0);
		return;
	}
	conn_run(c);
}

/* Waits for the socket in the direction the current step needs. */
static void
conn_wait(struct ssh_conn *c)
{
	short flags = 0;
	uint64_t now = clock_monotonic_ms(), left;
	struct timeval tv;
	int dir;

	if (c->c_session == NULL || c->c_connecting)
		flags = EV_WRITE;
	else {
		dir = libssh2_session_block_directions(c->c_session);
		if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
			flags |= EV_READ;
		if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			flags |= EV_WRITE;
		if (flags == 0)
			flags = EV_READ;
	}
	left = c->c_deadline > now ? c->c_deadline - now : 0;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	event_del(c->c_ev);
	event_assign(c->c_ev, c->c_base, c->c_fd, flags, conn_event, c);
	event_add(c->c_ev, &tv);
}

static void
conn_deadline(struct ssh_conn *c)
{
	c->c_deadline = clock_monotonic_ms() + c->c_timeout_ms;
}

static void
conn_run(struct ssh_conn *c)
{
	int rc;

	while (c->c_cur < c->c_nsteps) {
		rc = c->c_steps[c->c_cur].st_fn(c);
		if (rc == 1) {
			if (clock_monotonic_ms() >= c->c_deadline) {
				conn_fail(c, SSH_E_TIMEOUT,
				    "timeout after %u ms during %s",
				    c->c_timeout_ms,
				    c->c_steps[c->c_cur].st_name);
				conn_finish(c, 0);
				return;
			}
			conn_wait(c);
			return;
		}
		if (rc == -1) {
			log_debug("%s: %s: %s", c->c_name,
			    c->c_steps[c->c_cur].st_name, c->c_errmsg);
			conn_finish(c, 0);
			return;
		}
		log_debug("%s: %s done at %llu ms", c->c_name,
		    c->c_steps[c->c_cur].st_name,
		    (unsigned long long)clock_monotonic_ms());
		c->c_cur++;
		conn_deadline(c);
	}
	conn_finish(c, 1);
}

/* Starts a step table; the first step runs from the event loop. */
static int
conn_start(struct ssh_conn *c, const struct ssh_step *steps, size_t n,
    ssh_done_cb done, void *arg)
{
	struct timeval tv = { 0, 0 };

	if (c->c_steps != NULL) {
		log_warnx("%s: an SSH operation is already running", c->c_name);
		return -1;
	}
	c->c_steps = steps;
	c->c_nsteps = n;
	c->c_cur = 0;
	c->c_done = done;
	c->c_arg = arg;
	c->c_err = SSH_E_NONE;
	c->c_errmsg[0] = '\0';
	conn_deadline(c);
	/* run from the loop so that done never runs inside the caller */
	event_del(c->c_ev);
	event_assign(c->c_ev, c->c_base, -1, 0, conn_event, c);
	event_add(c->c_ev, &tv);
	return 0;
}

/* ---- connect ---- */

static int
step_tcp(struct ssh_conn *c)
{
	struct addrinfo hints, *ai = NULL;
	char port[8];
	socklen_t sl = sizeof(int);
	int err = 0, rc, one = 1;

	if (c->c_connecting) {
		if (getsockopt(c->c_fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
			err = errno;
		if (err == EINPROGRESS)
			return 1;
		c->c_connecting = 0;
		if (err != 0)
			return conn_fail(c, SSH_E_UNREACHABLE,
			    "unreachable: connect to %s port %u: %s",
			    c->c_host, c->c_port, strerror(err));
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", c->c_port);
	if ((rc = getaddrinfo(c->c_host, port, &hints, &ai)) != 0)
		return conn_fail(c, SSH_E_LOCAL, "bad address %s: %s",
		    c->c_host, gai_strerror(rc));
	c->c_fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->c_fd == -1) {
		freeaddrinfo(ai);
		return conn_fail(c, SSH_E_LOCAL, "socket: %s", strerror(errno));
	}
	/* SSH sends many small packets and waits for answers: without this,
	 * Nagle and delayed ACKs add ~40 ms to most round trips */
	if (setsockopt(c->c_fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1)
		log_debug("%s: TCP_NODELAY: %s", c->c_name, strerror(errno));
	rc = connect(c->c_fd, ai->ai_addr, ai->ai_addrlen);
	err = errno;
	freeaddrinfo(ai);
	if (rc == 0)
		return 0;
	if (err == EINPROGRESS) {
		c->c_connecting = 1;
		return 1;
	}
	return conn_fail(c, SSH_E_UNREACHABLE,
	    "unreachable: connect to %s port %u: %s", c->c_host, c->c_port,
	    strerror(err));
}

static int
step_handshake(struct ssh_conn *c)
{
	int rc;

	if (c->c_session == NULL) {
		if ((c->c_session = libssh2_session_init_ex(NULL, NULL, NULL,
		    c)) == NULL)
			return conn_fail(c, SSH_E_LOCAL,
			    "cannot create an SSH session");
		libssh2_session_set_blocking(c->c_session, 0);
	}
	rc = libssh2_session_handshake(c->c_session, c->c_fd);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 1;
	if (rc != 0)
		return sess_fail(c, "SSH handshake", rc);
	return 0;
}

static int
knownhost_bit(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:		return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS:		return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:	return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:	return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:	return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519:	return LIBSSH2_KNOWNHOST_KEY_ED25519;
	}
	return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
}

static const char *
hostkey_type_name(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:		return "ssh-rsa";
	case LIBSSH2_HOSTKEY_TYPE_DSS:		return "ssh-dss";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:	return "ecdsa-sha2-nistp256";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:	return "ecdsa-sha2-nistp384";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:	return "ecdsa-sha2-nistp521";
	case LIBSSH2_HOSTKEY_TYPE_ED25519:	return "ssh-ed25519";
	}
	return NULL;
}

/* The fingerprint of a known_hosts entry's base64 key. */
static void
fingerprint_b64(const char *b64, char *out)
{
	size_t len = strlen(b64);
	unsigned char *raw;
	int n;

	str_copy(out, "SHA256:?", SSH_FP_LEN);
	if (len == 0 || (raw = malloc(len)) == NULL)
		return;
	n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len);
	if (n > 0) {
		while (len > 0 && b64[len - 1] == '=') {	/* padding */
			len--;
			n--;
		}
		ssh_fingerprint(raw, (size_t)n, out);
	}
	free(raw);
}

/* The name known_hosts uses for host:port. */
static void
knownhost_name(const struct ssh_conn *c, char *buf, size_t len)
{
	if (c->c_port == 22)
		snprintf(buf, len, "%s", c->c_host);
	else
		snprintf(buf, len, "[%s]:%u", c->c_host, c->c_port);
}

static int
hostkey_check(struct ssh_conn *c, LIBSSH2_KNOWNHOSTS *kh)
{
	struct libssh2_knownhost *found = NULL;
	char name[128], old[SSH_FP_LEN];
	int rc;

	knownhost_name(c, name, sizeof(name));
	if (access(c->c_known_hosts, F_OK) == 0 &&
	    libssh2_knownhost_readfile(kh, c->c_known_hosts,
	    LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0)
		return conn_fail(c, SSH_E_LOCAL, "cannot read %s: %s",
		    c->c_known_hosts, sess_msg(c));
	rc = libssh2_knownhost_checkp(kh, c->c_host, c->c_port,
	    (const char *)c->c_hostkey, c->c_hostkey_len,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
	    knownhost_bit(c->c_hostkey_type), &found);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		c->c_known = 1;
		return 0;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		fingerprint_b64(found != NULL && found->key != NULL ?
		    found->key : "", old);
		return conn_fail(c, SSH_E_HOSTKEY_CHANGED,
		    "host key changed for %s: %s knows %s, the server offers "
		    "%s (possible man-in-the-middle; if the key was replaced "
		    "on purpose, remove the old line and run "
		    "\"shoal-sync trust %s\")", name, c->c_known_hosts, old,
		    c->c_fp, c->c_name);
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		if (c->c_accept_unknown)
			return 0;
		return conn_fail(c, SSH_E_HOSTKEY_UNKNOWN,
		    "host key unknown for %s: %s %s is not in %s (check it, "
		    "then run \"shoal-sync trust %s\")", name,
		    hostkey_type_name(c->c_hostkey_type) ?
		    hostkey_type_name(c->c_hostkey_type) : "key", c->c_fp,
		    c->c_known_hosts, c->c_name);
	}
	return conn_fail(c, SSH_E_LOCAL, "host key check failed for %s: %s",
	    name, sess_msg(c));
}

static int
step_hostkey(struct ssh_conn *c)
{
	LIBSSH2_KNOWNHOSTS *kh;
	const char *key;
	size_t len = 0;
	int type = 0, rc;

	key = libssh2_session_hostkey(c->c_session, &len, &type);
	if (key == NULL || len == 0)
		return conn_fail(c, SSH_E_PROTOCOL, "no host key from server");
	free(c->c_hostkey);
	if ((c->c_hostkey = malloc(len)) == NULL)
		return conn_fail(c, SSH_E_LOCAL, "out of memory");
	memcpy(c->c_hostkey, key, len);
	c->c_hostkey_len = len;
	c->c_hostkey_type = type;
	ssh_fingerprint(key, len, c->c_fp);
	if ((kh = libssh2_knownhost_init(c->c_session)) == NULL)
		return conn_fail(c, SSH_E_LOCAL, "out of memory");
	rc = hostkey_check(c, kh);
	libssh2_knownhost_free(kh);
	return rc;
}

/* Public-key authentication with the key file. 0, 1, or 2 = not accepted. */
static int
auth_keyfile(struct ssh_conn *c)
{
	int rc;

	rc = libssh2_userauth_publickey_fromfile_ex(c->c_session, c->c_user,
	    (unsigned)strlen(c->c_user), NULL, c->c_key, NULL);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 1;
	if (rc == 0)
		return 0;
	if (rc == LIBSSH2_ERROR_FILE)
		log_warnx("%s: cannot use key file %s (unreadable, encrypted "
		    "or unsupported): %s", c->c_name, c->c_key, sess_msg(c));
	else if (rc == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
	    rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND)
		return sess_fail(c, "authentication", rc);
	return 2;
}

/* Tries the agent's identities one by one.  0, 1, or 2 = none accepted. */
static int
auth_agent(struct ssh_conn *c)
{
	struct libssh2_agent_publickey *next;
	int rc;

	if (c->c_agent == NULL) {
		if (getenv("SSH_AUTH_SOCK") == NULL)
			return 2;
		if ((c->c_agent = libssh2_agent_init(c->c_session)) == NULL)
			return 2;
		if (libssh2_agent_connect(c->c_agent) != 0 ||
		    libssh2_agent_list_identities(c->c_agent) != 0) {
			log_warnx("%s: ssh-agent: %s", c->c_name, sess_msg(c));
			return 2;
		}
		c->c_ident = NULL;
		if (libssh2_agent_get_identity(c->c_agent, &next, NULL) != 0)
			return 2;
		c->c_ident = next;
	}
	for (;;) {
		rc = libssh2_agent_userauth(c->c_agent, c->c_user, c->c_ident);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (rc == 0)
			return 0;
		if (libssh2_agent_get_identity(c->c_agent, &next,
		    c->c_ident) != 0)
			return 2;
		c->c_ident = next;
	}
}

static int
step_auth(struct ssh_conn *c)
{
	int rc;

	if (c->c_auth_stage == 0) {
		if (c->c_key != NULL && access(c->c_key, R_OK) == 0) {
			if ((rc = auth_keyfile(c)) != 2)
				goto done;
		} else if (c->c_key != NULL)
			log_debug("%s: no key file %s", c->c_name, c->c_key);
		c->c_auth_stage = 1;
	}
	if ((rc = auth_agent(c)) != 2)
		goto done;
	return conn_fail(c, SSH_E_AUTH, "authentication refused for user %s "
	    "(key %s%s)", c->c_user, c->c_key != NULL ? c->c_key : "none",
	    getenv("SSH_AUTH_SOCK") != NULL ? ", ssh-agent" : "");
done:
	if (rc == 0)
		c->c_authed = 1;
	return rc;
}

static const struct ssh_step connect_steps[] = {
	{ "connect", step_tcp },
	{ "SSH handshake", step_handshake },
	{ "host key check", step_hostkey },
	{ "authentication", step_auth },
};

int
ssh_connect(struct ssh_conn *c, ssh_done_cb done, void *arg)
{
	if (c->c_session != NULL || c->c_fd != -1) {
		log_warnx("%s: already connected", c->c_name);
		return -1;
	}
	c->c_auth_stage = 0;
	return conn_start(c, connect_steps,
	    sizeof(connect_steps) / sizeof(connect_steps[0]), done, arg);
}

/* ---- upload ---- */

static int
sftp_fail(struct ssh_conn *c, const char *what, const char *path)
{
	unsigned long fx = c->c_sftp ? libssh2_sftp_last_error(c->c_sftp) : 0;
	int rc = libssh2_session_last_errno(c->c_session);

	if (rc != LIBSSH2_ERROR_SFTP_PROTOCOL)
		return sess_fail(c, what, rc);
	switch (fx) {
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
	case LIBSSH2_FX_QUOTA_EXCEEDED:
		return conn_fail(c, SSH_E_DISK_FULL, "disk full: %s %s",
		    what, path);
	case LIBSSH2_FX_PERMISSION_DENIED:
		return conn_fail(c, SSH_E_PROTOCOL, "%s %s: permission denied",
		    what, path);
	case LIBSSH2_FX_NO_SUCH_FILE:
	case LIBSSH2_FX_NO_SUCH_PATH:
		return conn_fail(c, SSH_E_PROTOCOL, "%s %s: no such file or "
		    "directory", what, path);
	}
	return conn_fail(c, SSH_E_PROTOCOL, "%s %s: SFTP status %lu", what,
	    path, fx);
}

static int
step_sftp_init(struct ssh_conn *c)
{
	if (c->c_sftp != NULL)
		return 0;
	if ((c->c_sftp = libssh2_sftp_init(c->c_session)) == NULL)
		return sess_again(c) ? 1 : sess_fail(c, "SFTP start",
		    libssh2_session_last_errno(c->c_session));
	return 0;
}

static int
step_open(struct ssh_conn *c)
{
	c->c_handle = libssh2_sftp_open_ex(c->c_sftp, c->c_part,
	    (unsigned)strlen(c->c_part), LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
	    LIBSSH2_FXF_TRUNC, 0600, LIBSSH2_SFTP_OPENFILE);
	if (c->c_handle == NULL)
		return sess_again(c) ? 1 : sftp_fail(c, "create", c->c_part);
	return 0;
}

/* Remembers a write-side failure; the check step reports it. */
static int
upload_failed(struct ssh_conn *c, const char *what)
{
	int rc = libssh2_session_last_errno(c->c_session);

	if (rc != LIBSSH2_ERROR_SFTP_PROTOCOL)
		return sess_fail(c, what, rc);	/* connection gone */
	c->c_up_failed = 1;
	c->c_up_fx = libssh2_sftp_last_error(c->c_sftp);
	snprintf(c->c_up_msg, sizeof(c->c_up_msg), "%s %s", what, c->c_part);
	return 0;
}

static int
step_write(struct ssh_conn *c)
{
	ssize_t n;
	size_t len;

	while (c->c_off < c->c_len) {
		len = c->c_len - c->c_off;
		if (len > SSH_CHUNK)
			len = SSH_CHUNK;
		n = libssh2_sftp_write(c->c_handle,
		    (const char *)c->c_buf + c->c_off, len);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (n < 0)
			return upload_failed(c, "SFTP write");
		c->c_off += (size_t)n;
		conn_deadline(c);	/* the timeout is for a stall */
	}
	return 0;
}

static int
step_fsync(struct ssh_conn *c)
{
	int rc;

	if (c->c_up_failed)
		return 0;
	rc = libssh2_sftp_fsync(c->c_handle);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 1;
	if (rc != 0 && libssh2_sftp_last_error(c->c_sftp) ==
	    LIBSSH2_FX_OP_UNSUPPORTED) {
		log_warnx("%s: server cannot fsync over SFTP", c->c_name);
		return 0;
	}
	return rc != 0 ? upload_failed(c, "SFTP fsync") : 0;
}

static int
step_close(struct ssh_conn *c)
{
	int rc = libssh2_sftp_close_handle(c->c_handle);

	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 1;
	c->c_handle = NULL;
	if (rc != 0 && !c->c_up_failed)
		return upload_failed(c, "SFTP close");
	return 0;
}

/*
 * After a failed write: tells a full disk from other errors (OpenSSH's
 * sftp-server reports ENOSPC as a generic failure), removes the partial
 * file, and fails.
 */
static int
step_check(struct ssh_conn *c)
{
	LIBSSH2_SFTP_STATVFS st;
	char *slash;
	int rc;

	if (!c->c_up_failed)
		return 0;
	if (c->c_up_stage == 0) {
		char dir[4096];

		str_copy(dir, c->c_part, sizeof(dir));
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir)
			*slash = '\0';
		else
			str_copy(dir, slash == dir ? "/" : ".", sizeof(dir));
		rc = libssh2_sftp_statvfs(c->c_sftp, dir, strlen(dir), &st);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (c->c_up_fx == LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM ||
		    c->c_up_fx == LIBSSH2_FX_QUOTA_EXCEEDED ||
		    (rc == 0 && st.f_bavail * st.f_frsize < c->c_len - c->c_off +
		    SSH_CHUNK))
			c->c_up_fx = LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM;
		c->c_up_stage = 1;
	}
	rc = libssh2_sftp_unlink(c->c_sftp, c->c_part);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 1;
	if (c->c_up_fx == LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM)
		return conn_fail(c, SSH_E_DISK_FULL, "disk full: %s (%zu of %zu "
		    "bytes written, partial file removed)", c->c_up_msg,
		    c->c_off, c->c_len);
	return conn_fail(c, SSH_E_PROTOCOL, "%s failed: SFTP status %lu",
	    c->c_up_msg, c->c_up_fx);
}

static int
step_rename(struct ssh_conn *c)
{
	int rc;

	rc = libssh2_sftp_rename_ex(c->c_sftp, c->c_part,
	    (unsigned)strlen(c->c_part), c->c_path, (unsigned)strlen(c->c_path),
	    LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC |
	    LIBSSH2_SFTP_RENAME_NATIVE);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 1;
	return rc != 0 ? sftp_fail(c, "rename to", c->c_path) : 0;
}

static const struct ssh_step upload_steps[] = {
	{ "SFTP start", step_sftp_init },
	{ "SFTP create", step_open },
	{ "SFTP transfer", step_write },
	{ "SFTP fsync", step_fsync },
	{ "SFTP close", step_close },
	{ "SFTP check", step_check },
	{ "SFTP rename", step_rename },
};

int
ssh_upload(struct ssh_conn *c, const void *buf, size_t len, const char *path,
    ssh_done_cb done, void *arg)
{
	if (!c->c_authed) {
		log_warnx("%s: upload before connect", c->c_name);
		return -1;
	}
	free(c->c_path);
	free(c->c_part);
	c->c_part = NULL;
	if ((c->c_path = strdup(path)) == NULL ||
	    asprintf(&c->c_part, "%s.part", path) == -1) {
		c->c_part = NULL;
		log_warn("%s: upload", c->c_name);
		return -1;
	}
	c->c_buf = buf;
	c->c_len = len;
	c->c_off = 0;
	c->c_up_failed = 0;
	c->c_up_fx = 0;
	c->c_up_stage = 0;
	return conn_start(c, upload_steps,
	    sizeof(upload_steps) / sizeof(upload_steps[0]), done, arg);
}

/* ---- unlink ---- */

static int
step_unlink(struct ssh_conn *c)
{
	int rc = libssh2_sftp_unlink(c->c_sftp, c->c_path);

	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 1;
	return rc != 0 ? sftp_fail(c, "remove", c->c_path) : 0;
}

static const struct ssh_step unlink_steps[] = {
	{ "SFTP start", step_sftp_init },
	{ "SFTP remove", step_unlink },
};

int
ssh_unlink(struct ssh_conn *c, const char *path, ssh_done_cb done, void *arg)
{
	if (!c->c_authed) {
		log_warnx("%s: unlink before connect", c->c_name);
		return -1;
	}
	if (str_set(&c->c_path, path) == -1) {
		log_warn("%s: unlink", c->c_name);
		return -1;
	}
	return conn_start(c, unlink_steps,
	    sizeof(unlink_steps) / sizeof(unlink_steps[0]), done, arg);
}

/* ---- exec ---- */

static int
step_chan_open(struct ssh_conn *c)
{
	if ((c->c_chan = libssh2_channel_open_session(c->c_session)) == NULL)
		return sess_again(c) ? 1 : sess_fail(c, "channel open",
		    libssh2_session_last_errno(c->c_session));
	return 0;
}

static int
step_exec(struct ssh_conn *c)
{
	int rc = libssh2_channel_exec(c->c_chan, c->c_cmd);

	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 1;
	return rc != 0 ? sess_fail(c, "remote exec", rc) : 0;
}

static int
step_read(struct ssh_conn *c)
{
	char tmp[16384];
	ssize_t n1, n2;

	for (;;) {
		n1 = libssh2_channel_read(c->c_chan, tmp, sizeof(tmp));
		if (n1 > 0 && buf_add(&c->c_out, tmp, (size_t)n1) == -1)
			return conn_fail(c, SSH_E_LOCAL, "out of memory");
		n2 = libssh2_channel_read_stderr(c->c_chan, tmp, sizeof(tmp));
		if (n2 > 0 && buf_add(&c->c_errout, tmp, (size_t)n2) == -1)
			return conn_fail(c, SSH_E_LOCAL, "out of memory");
		if (n1 < 0 && n1 != LIBSSH2_ERROR_EAGAIN)
			return sess_fail(c, "remote command output", (int)n1);
		if (n2 < 0 && n2 != LIBSSH2_ERROR_EAGAIN)
			return sess_fail(c, "remote command output", (int)n2);
		if (n1 > 0 || n2 > 0)
			continue;
		if (libssh2_channel_eof(c->c_chan))
			return 0;
		return 1;
	}
}

static int
step_chan_close(struct ssh_conn *c)
{
	char *sig = NULL;
	int rc;

	if (c->c_close_stage == 0) {
		if ((rc = libssh2_channel_close(c->c_chan)) ==
		    LIBSSH2_ERROR_EAGAIN)
			return 1;
		c->c_close_stage = 1;
	}
	if (c->c_close_stage == 1) {
		if ((rc = libssh2_channel_wait_closed(c->c_chan)) ==
		    LIBSSH2_ERROR_EAGAIN)
			return 1;
		c->c_status = libssh2_channel_get_exit_status(c->c_chan);
		if (libssh2_channel_get_exit_signal(c->c_chan, &sig, NULL,
		    NULL, NULL, NULL, NULL) == 0 && sig != NULL) {
			c->c_status = -1;
			libssh2_free(c->c_session, sig);
		}
		c->c_close_stage = 2;
	}
	if ((rc = libssh2_channel_free(c->c_chan)) == LIBSSH2_ERROR_EAGAIN)
		return 1;
	c->c_chan = NULL;
	return 0;
}

static const struct ssh_step exec_steps[] = {
	{ "channel open", step_chan_open },
	{ "remote exec", step_exec },
	{ "remote command", step_read },
	{ "channel close", step_chan_close },
};

int
ssh_exec(struct ssh_conn *c, const char *const argv[], ssh_done_cb done,
    void *arg)
{
	if (!c->c_authed) {
		log_warnx("%s: exec before connect", c->c_name);
		return -1;
	}
	free(c->c_cmd);
	if ((c->c_cmd = ssh_quote_argv(argv)) == NULL) {
		log_warnx("%s: exec: empty command or out of memory", c->c_name);
		return -1;
	}
	buf_reset(&c->c_out, SSH_OUT_MAX);
	buf_reset(&c->c_errout, SSH_ERR_MAX);
	if (buf_add(&c->c_out, "", 0) == -1 ||
	    buf_add(&c->c_errout, "", 0) == -1)
		return -1;
	c->c_status = -1;
	c->c_close_stage = 0;
	log_debug("%s: exec %s", c->c_name, c->c_cmd);
	return conn_start(c, exec_steps,
	    sizeof(exec_steps) / sizeof(exec_steps[0]), done, arg);
}

const char *
ssh_exec_stdout(const struct ssh_conn *c)
{
	return c->c_out.b_data != NULL ? c->c_out.b_data : "";
}

const char *
ssh_exec_stderr(const struct ssh_conn *c)
{
	return c->c_errout.b_data != NULL ? c->c_errout.b_data : "";
}

int
ssh_exec_status(const struct ssh_conn *c)
{
	return c->c_status;
}

/* ---- life cycle and accessors ---- */

struct ssh_conn *
ssh_conn_new(struct event_base *base, const struct ssh_params *p)
{
	struct ssh_conn *c;

	if (p->sp_host == NULL || p->sp_known_hosts == NULL) {
		log_warnx("ssh: a host and a known_hosts file are required");
		return NULL;
	}
	if (!libssh2_ready) {
		if (libssh2_init(0) != 0) {
			log_warnx("ssh: libssh2_init failed");
			return NULL;
		}
		libssh2_ready = 1;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->c_fd = -1;
	c->c_base = base;
	c->c_port = p->sp_port ? p->sp_port : 22;
	c->c_accept_unknown = p->sp_accept_unknown;
	c->c_timeout_ms = p->sp_timeout_ms ? p->sp_timeout_ms :
	    SSH_DEF_TIMEOUT_MS;
	if ((c->c_ev = event_new(base, -1, 0, conn_event, c)) == NULL ||
	    (c->c_name = strdup(p->sp_name ? p->sp_name : p->sp_host)) == NULL ||
	    (c->c_host = strdup(p->sp_host)) == NULL ||
	    (c->c_user = strdup(p->sp_user ? p->sp_user : "root")) == NULL ||
	    str_set(&c->c_key, p->sp_key) == -1 ||
	    (c->c_known_hosts = strdup(p->sp_known_hosts)) == NULL)
		goto fail;
	return c;
fail:
	log_warn("ssh: new connection");
	ssh_conn_free(c);
	return NULL;
}

void
ssh_conn_free(struct ssh_conn *c)
{
	if (c == NULL)
		return;
	if (c->c_ev != NULL)
		event_free(c->c_ev);
	if (c->c_session != NULL) {
		/* one polite try; a stalled peer must not block us */
		libssh2_session_disconnect(c->c_session, "shoal-sync done");
		if (c->c_fd != -1)
			shutdown(c->c_fd, SHUT_RDWR);
		if (c->c_agent != NULL) {
			libssh2_agent_disconnect(c->c_agent);
			libssh2_agent_free(c->c_agent);
		}
		libssh2_session_set_blocking(c->c_session, 1);
		libssh2_session_free(c->c_session);	/* frees channels, sftp */
	}
	if (c->c_fd != -1)
		close(c->c_fd);
	free(c->c_hostkey);
	free(c->c_name);
	free(c->c_host);
	free(c->c_user);
	free(c->c_key);
	free(c->c_known_hosts);
	free(c->c_path);
	free(c->c_part);
	free(c->c_cmd);
	free(c->c_out.b_data);
	free(c->c_errout.b_data);
	free(c);
}

int
ssh_conn_busy(const struct ssh_conn *c)
{
	return c->c_steps != NULL;
}

enum ssh_error
ssh_conn_error(const struct ssh_conn *c)
{
	return c->c_err;
}

const char *
ssh_conn_errmsg(const struct ssh_conn *c)
{
	return c->c_errmsg;
}

const char *
ssh_conn_fingerprint(const struct ssh_conn *c)
{
	return c->c_fp;
}

int
ssh_conn_hostkey_known(const struct ssh_conn *c)
{
	return c->c_known;
}

/* Creates the directory of path (one level, 0755) when it is missing. */
static int
make_parent(const char *path)
{
	char dir[4096], *slash;

	str_copy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

int
ssh_conn_trust(struct ssh_conn *c)
{
	unsigned char *b64 = NULL;
	const char *type = hostkey_type_name(c->c_hostkey_type);
	char name[128];
	FILE *f = NULL;
	int fd = -1, rc = -1;

	if (c->c_hostkey == NULL || type == NULL) {
		log_warnx("%s: no usable host key to trust", c->c_name);
		return -1;
	}
	knownhost_name(c, name, sizeof(name));
	if ((b64 = malloc(c->c_hostkey_len * 2 + 4)) == NULL)
		goto fail;
	if (make_parent(c->c_known_hosts) == -1)
		goto fail;
	EVP_EncodeBlock(b64, c->c_hostkey, (int)c->c_hostkey_len);
	if ((fd = open(c->c_known_hosts, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0644)) == -1 || (f = fdopen(fd, "a")) == NULL)
		goto fail;
	fd = -1;
	if (fprintf(f, "%s %s %s\n", name, type, (const char *)b64) < 0 ||
	    fflush(f) == EOF || fsync(fileno(f)) == -1)
		goto fail;
	rc = 0;
fail:
	if (rc == -1)
		log_warn("%s: cannot add the host key to %s", c->c_name,
		    c->c_known_hosts);
	if (f != NULL && fclose(f) == EOF && rc == 0) {
		log_warn("%s: %s", c->c_name, c->c_known_hosts);
		rc = -1;
	}
	if (fd != -1)
		close(fd);
	free(b64);
	return rc;
}
