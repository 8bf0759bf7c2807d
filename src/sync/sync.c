/*
 * sync.c - two-phase push of a configuration generation to every peer.
 *
 * Each peer is a chain of SSH operations (ssh.h) whose callbacks move the
 * node through its states.  Every operation of a chain ends in
 * peer_step_done(), which runs the step's own callback and then asks,
 * from the loop, whether any peer still has an operation running
 * (run_check()); when none has, the phase is over (each step has a
 * timeout, so this always happens).  Between the phases the commit
 * decision is made on the whole table.  Nothing here owns the event loop:
 * a run lives on the caller's base, and the blocking calls make a base of
 * their own and dispatch it until the run ends.
 */
#include "shoal-build.h"

#include <sys/types.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/config.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "ssh.h"
#include "sync.h"

#define SYNC_SNAPSHOT_MAX	(512u * 1024 * 1024)

/* Exit codes of `shoalctl config verify|commit --staged` (cmd_staged.h). */
#define STAGED_EXIT_INVALID	1
#define STAGED_EXIT_NEWER	3
#define STAGED_EXIT_CORRUPT	4

struct sync_run;

struct sync_peer {
	struct sync_run		*p_run;
	struct sync_node	*p_node;
	struct ssh_conn		*p_conn;
	ssh_done_cb		 p_next;	/* the running step's callback */
	char			*p_shoalctl;
	char			*p_db;
	char			*p_staged;
	char			*p_key;
	char			*p_user;
	int			 p_uploaded;	/* staged file exists there */
};

enum run_phase {
	RUN_PREPARE,		/* push: connect, upload, verify */
	RUN_COMMIT,		/* push: commit or clean up */
	RUN_STATUS,		/* status: connect, read the generation */
	RUN_ENDED,
};

struct sync_run {
	const struct sync_opts	*r_opts;
	struct event_base	*r_base;	/* the caller's */
	struct event		*r_check;	/* has every chain ended? */
	enum run_phase		 r_phase;
	sync_done_cb		 r_done;
	void			*r_done_arg;
	struct sync_result	*r_res;
	struct sync_peer	*r_peers;
	size_t			 r_n;
	unsigned char		*r_snap;
	size_t			 r_snap_len;
	char			 r_snap_sha[STORE_HASH_HEX];
	int			 r_trust;	/* accept an unknown host key */
};

const char *
sync_state_name(enum sync_state s)
{
	switch (s) {
	case SYNC_PENDING:	return "pending";
	case SYNC_CONNECTING:	return "connecting";
	case SYNC_UPLOADING:	return "uploading";
	case SYNC_VERIFYING:	return "verifying";
	case SYNC_PREPARED:	return "prepared";
	case SYNC_COMMITTING:	return "committing";
	case SYNC_COMMITTED:	return "committed";
	case SYNC_NOT_COMMITTED: return "not committed";
	case SYNC_FAILED:	return "failed";
	case SYNC_DONE:		return "ok";
	}
	return "?";
}

const char *
sync_reason_name(enum sync_reason r)
{
	switch (r) {
	case SYNC_R_NONE:		return "";
	case SYNC_R_UNREACHABLE:	return "unreachable";
	case SYNC_R_TIMEOUT:		return "timeout";
	case SYNC_R_HOSTKEY_UNKNOWN:	return "host key unknown";
	case SYNC_R_HOSTKEY_CHANGED:	return "host key changed";
	case SYNC_R_AUTH:		return "authentication refused";
	case SYNC_R_DISK_FULL:		return "disk full";
	case SYNC_R_TRANSFER:		return "transfer failed";
	case SYNC_R_CORRUPT:		return "upload corrupted";
	case SYNC_R_VALIDATION:		return "validation failed";
	case SYNC_R_NEWER:		return "peer has a newer generation";
	case SYNC_R_REMOTE:		return "remote command failed";
	case SYNC_R_LOCAL:		return "local error";
	}
	return "?";
}

void
sync_result_free(struct sync_result *r)
{
	if (r == NULL)
		return;
	free(r->sr_nodes);
	free(r);
}

/* ---- remote output ---- */

/* Copies the value of " key=" in line into out (at most len - 1 bytes). */
static int
line_value(const char *line, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key), n;
	const char *p = line;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=')
			break;
		p += klen;
	}
	if (p == NULL)
		return -1;
	p += klen + 1;
	n = strcspn(p, " \n");
	if (n == 0 || n >= len)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

int
sync_parse_line(const char *out, const char *tag, uint64_t *gen, char *hash,
    char *sha256)
{
	const char *line = out;
	char num[32], *end;
	size_t tlen = strlen(tag);
	unsigned long long g;

	/* the result is one line of its own; other lines may precede it */
	while (line != NULL && *line != '\0') {
		if (strncmp(line, tag, tlen) == 0 && line[tlen] == ' ')
			break;
		if ((line = strchr(line, '\n')) != NULL)
			line++;
	}
	if (line == NULL || *line == '\0')
		return -1;
	if (line_value(line, "generation", num, sizeof(num)) == -1 ||
	    line_value(line, "hash", hash, STORE_HASH_HEX) == -1 ||
	    !is_hex64(hash))
		return -1;
	errno = 0;
	g = strtoull(num, &end, 10);
	if (errno != 0 || *end != '\0' || num[0] == '-')
		return -1;
	*gen = g;
	if (sha256 != NULL && (line_value(line, "sha256", sha256,
	    STORE_HASH_HEX) == -1 || !is_hex64(sha256)))
		return -1;
	return 0;
}

/*
 * The first lines of a remote stderr as one line, for a message, without
 * the "shoalctl: " each line starts with.
 */
static void
one_line(const char *in, char *out, size_t len)
{
	static const char prefix[] = "shoalctl: ";
	size_t o = 0;

	for (; *in != '\0' && o + 1 < len; in++) {
		if ((o == 0 || in[-1] == '\n') &&
		    strncmp(in, prefix, sizeof(prefix) - 1) == 0)
			in += sizeof(prefix) - 1;
		if (*in == '\0')
			break;
		if (*in == '\n') {
			if (in[1] == '\0')
				break;
			if (o + 3 >= len)
				break;
			out[o++] = ';';
			out[o++] = ' ';
		} else if ((unsigned char)*in >= 0x20 && *in != 0x7f)
			out[o++] = *in;
	}
	out[o] = '\0';
}

/* ---- node state ---- */

static void
peer_state(struct sync_peer *p, enum sync_state s)
{
	const struct sync_opts *o = p->p_run->r_opts;

	p->p_node->sn_state = s;
	log_debug("%s: %s", p->p_node->sn_name, sync_state_name(s));
	if (o->so_event != NULL)
		o->so_event(p->p_node, o->so_arg);
}

static void
peer_fail(struct sync_peer *p, enum sync_reason r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
peer_fail(struct sync_peer *p, enum sync_reason r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->p_node->sn_msg, sizeof(p->p_node->sn_msg), fmt, ap);
	va_end(ap);
	p->p_node->sn_reason = r;
	log_debug("%s: failed: %s", p->p_node->sn_name, p->p_node->sn_msg);
	peer_state(p, SYNC_FAILED);
}

static void
peer_fail_ssh(struct sync_peer *p)
{
	static const enum sync_reason map[] = {
		[SSH_E_NONE] = SYNC_R_LOCAL,
		[SSH_E_UNREACHABLE] = SYNC_R_UNREACHABLE,
		[SSH_E_TIMEOUT] = SYNC_R_TIMEOUT,
		[SSH_E_HOSTKEY_UNKNOWN] = SYNC_R_HOSTKEY_UNKNOWN,
		[SSH_E_HOSTKEY_CHANGED] = SYNC_R_HOSTKEY_CHANGED,
		[SSH_E_AUTH] = SYNC_R_AUTH,
		[SSH_E_PROTOCOL] = SYNC_R_TRANSFER,
		[SSH_E_DISK_FULL] = SYNC_R_DISK_FULL,
		[SSH_E_LOCAL] = SYNC_R_LOCAL,
	};
	enum ssh_error e = ssh_conn_error(p->p_conn);

	str_copy(p->p_node->sn_fp, ssh_conn_fingerprint(p->p_conn),
	    sizeof(p->p_node->sn_fp));
	peer_fail(p, (size_t)e < sizeof(map) / sizeof(map[0]) ? map[e] :
	    SYNC_R_LOCAL, "%s", ssh_conn_errmsg(p->p_conn));
}

/*
 * Interprets the end of a remote shoalctl run.  Returns 0 when it exited 0
 * and printed a `tag` line (parsed into gen/hash/sha), else fails the peer
 * with the reason and returns -1.
 */
static int
peer_remote(struct sync_peer *p, const char *tag, uint64_t *gen, char *hash,
    char *sha)
{
	int st = ssh_exec_status(p->p_conn);
	char err[768], out[128];

	one_line(ssh_exec_stderr(p->p_conn), err, sizeof(err));
	switch (st) {
	case 0:
		if (sync_parse_line(ssh_exec_stdout(p->p_conn), tag, gen, hash,
		    sha) == 0)
			return 0;
		one_line(ssh_exec_stdout(p->p_conn), out, sizeof(out));
		peer_fail(p, SYNC_R_REMOTE, "unexpected output from %s: \"%s\"",
		    p->p_shoalctl, out);
		return -1;
	case STAGED_EXIT_INVALID:
		peer_fail(p, SYNC_R_VALIDATION, "validation failed: %s", err);
		return -1;
	case STAGED_EXIT_NEWER:
		peer_fail(p, SYNC_R_NEWER, "refused: %s", err);
		return -1;
	case STAGED_EXIT_CORRUPT:
		peer_fail(p, SYNC_R_CORRUPT, "staged file damaged: %s", err);
		return -1;
	case 126:
	case 127:
		peer_fail(p, SYNC_R_REMOTE, "cannot run %s on the peer: %s",
		    p->p_shoalctl, err);
		return -1;
	case -1:
		peer_fail(p, SYNC_R_REMOTE, "%s was killed by a signal",
		    p->p_shoalctl);
		return -1;
	}
	if (strstr(err, "disk is full") != NULL ||
	    strstr(err, "No space left") != NULL)
		peer_fail(p, SYNC_R_DISK_FULL, "disk full: %s", err);
	else
		peer_fail(p, SYNC_R_REMOTE, "%s failed (exit %d): %s",
		    p->p_shoalctl, st, err);
	return -1;
}

/* ---- steps of a chain ---- */

/*
 * Every SSH operation of a chain ends here: the step's callback (which
 * may start the next operation), then a check from the loop whether the
 * phase is over.
 */
static void
peer_step_done(struct ssh_conn *c, int ok, void *arg)
{
	struct sync_peer *p = arg;
	ssh_done_cb next = p->p_next;

	p->p_next = NULL;
	next(c, ok, p);
	event_active(p->p_run->r_check, EV_TIMEOUT, 1);
}

/* Starts one operation of p's chain (ssh.h's, through peer_step_done). */
static int
peer_connect(struct sync_peer *p, ssh_done_cb next)
{
	p->p_next = next;
	return ssh_connect(p->p_conn, peer_step_done, p);
}

static int
peer_upload(struct sync_peer *p, ssh_done_cb next)
{
	const struct sync_run *r = p->p_run;

	p->p_next = next;
	return ssh_upload(p->p_conn, r->r_snap, r->r_snap_len, p->p_staged,
	    peer_step_done, p);
}

static int
peer_exec(struct sync_peer *p, const char *const *argv, ssh_done_cb next)
{
	p->p_next = next;
	return ssh_exec(p->p_conn, argv, peer_step_done, p);
}

static int
peer_unlink(struct sync_peer *p, ssh_done_cb next)
{
	p->p_next = next;
	return ssh_unlink(p->p_conn, p->p_staged, peer_step_done, p);
}

/* ---- the prepare chain ---- */

static void
on_removed(struct ssh_conn *c, int ok, void *arg)
{
	struct sync_peer *p = arg;

	if (!ok)
		log_warnx("%s: could not remove %s: %s", p->p_node->sn_name,
		    p->p_staged, ssh_conn_errmsg(c));
	else
		p->p_uploaded = 0;
}

/*
 * Removes the staged file when there is one and the session may still
 * work (a timeout of the remote command leaves the session usable; a lost
 * connection does not, and the file stays: harmless, never committed).
 */
static void
peer_cleanup(struct sync_peer *p)
{
	if (!p->p_uploaded || p->p_node->sn_reason == SYNC_R_TRANSFER)
		return;
	if (peer_unlink(p, on_removed) == -1)
		log_warnx("%s: staged file %s left behind", p->p_node->sn_name,
		    p->p_staged);
}

static void
on_verified(struct ssh_conn *c, int ok, void *arg)
{
	struct sync_peer *p = arg;
	struct sync_run *r = p->p_run;
	char hash[STORE_HASH_HEX], sha[STORE_HASH_HEX];
	uint64_t gen;

	(void)c;
	if (!ok) {
		peer_fail_ssh(p);
		peer_cleanup(p);
		return;
	}
	if (peer_remote(p, "staged ok", &gen, hash, sha) == -1) {
		peer_cleanup(p);
		return;
	}
	/* the peer checked these itself; a mismatch here means garbage */
	if (gen != r->r_res->sr_generation ||
	    strcmp(hash, r->r_res->sr_hash) != 0 ||
	    strcmp(sha, r->r_snap_sha) != 0) {
		peer_fail(p, SYNC_R_CORRUPT, "peer verified generation %" PRIu64
		    " hash %.12s sha256 %.12s, expected %" PRIu64 " %.12s "
		    "%.12s", gen, hash, sha, r->r_res->sr_generation,
		    r->r_res->sr_hash, r->r_snap_sha);
		peer_cleanup(p);
		return;
	}
	peer_state(p, SYNC_PREPARED);
}

static int
peer_verify_argv(struct sync_peer *p, const char *cmd, const char **argv)
{
	const struct sync_run *r = p->p_run;
	int i = 0;

	argv[i++] = p->p_shoalctl;
	argv[i++] = "--db";
	argv[i++] = p->p_db;
	argv[i++] = "config";
	argv[i++] = cmd;
	argv[i++] = "--staged";
	argv[i++] = p->p_staged;
	argv[i++] = "--expect-hash";
	argv[i++] = r->r_res->sr_hash;
	argv[i++] = "--expect-sha256";
	argv[i++] = r->r_snap_sha;
	if (r->r_opts->so_force)
		argv[i++] = "--force";
	argv[i] = NULL;
	return i;
}

static void
on_uploaded(struct ssh_conn *c, int ok, void *arg)
{
	struct sync_peer *p = arg;
	const char *argv[16];

	(void)c;
	if (!ok) {
		peer_fail_ssh(p);
		return;
	}
	p->p_uploaded = 1;
	peer_state(p, SYNC_VERIFYING);
	peer_verify_argv(p, "verify", argv);
	if (peer_exec(p, argv, on_verified) == -1)
		peer_fail(p, SYNC_R_LOCAL, "cannot start the remote verify");
}

static void
on_connected(struct ssh_conn *c, int ok, void *arg)
{
	struct sync_peer *p = arg;

	str_copy(p->p_node->sn_fp, ssh_conn_fingerprint(c),
	    sizeof(p->p_node->sn_fp));
	if (!ok) {
		peer_fail_ssh(p);
		return;
	}
	peer_state(p, SYNC_UPLOADING);
	if (peer_upload(p, on_uploaded) == -1)
		peer_fail(p, SYNC_R_LOCAL, "cannot start the upload");
}

/* ---- the commit chain ---- */

static void
on_committed(struct ssh_conn *c, int ok, void *arg)
{
	struct sync_peer *p = arg;
	char hash[STORE_HASH_HEX];
	uint64_t gen;

	(void)c;
	if (!ok) {
		/* the rename may or may not have happened: say so */
		peer_fail_ssh(p);
		str_copy(p->p_node->sn_msg + strlen(p->p_node->sn_msg),
		    " (commit outcome unknown: check with shoal-sync status)",
		    sizeof(p->p_node->sn_msg) - strlen(p->p_node->sn_msg));
		return;
	}
	if (peer_remote(p, "committed", &gen, hash, NULL) == -1) {
		peer_cleanup(p);
		return;
	}
	p->p_uploaded = 0;
	p->p_node->sn_generation = gen;
	str_copy(p->p_node->sn_hash, hash, sizeof(p->p_node->sn_hash));
	peer_state(p, SYNC_COMMITTED);
}

static void
peer_commit(struct sync_peer *p)
{
	const char *argv[16];

	peer_state(p, SYNC_COMMITTING);
	peer_verify_argv(p, "commit", argv);
	if (peer_exec(p, argv, on_committed) == -1)
		peer_fail(p, SYNC_R_LOCAL, "cannot start the remote commit");
}

/* ---- setting up a run ---- */

/* The first readable default key, or NULL (the agent only). */
static const char *
default_key(char *buf, size_t len)
{
	static const char *const names[] = { "id_ed25519", "id_ecdsa",
	    "id_rsa" };
	const char *home = getenv("HOME");
	size_t i;

	if (access(SYNC_DEF_KEY, R_OK) == 0)
		return SYNC_DEF_KEY;
	for (i = 0; home != NULL && i < sizeof(names) / sizeof(names[0]);
	    i++) {
		snprintf(buf, len, "%s/.ssh/%s", home, names[i]);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	return NULL;
}

/* The staging file: next to the peer's database, so rename is atomic. */
static char *
staged_path(const char *db, uint64_t gen)
{
	unsigned char rnd[6];
	const char *slash = strrchr(db, '/');
	char *out = NULL;
	int dirlen = slash == NULL ? 1 : (int)(slash - db);

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return NULL;
	if (asprintf(&out, "%.*s/.shoal-staged.%" PRIu64 ".%02x%02x%02x%02x"
	    "%02x%02x.db", dirlen, slash == NULL ? "." : (dirlen == 0 ? "" :
	    db), gen, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]) == -1)
		return NULL;
	return out;
}

static int
peer_init(struct sync_run *r, struct sync_peer *p, struct sync_node *n,
    const struct cfg_node *cn)
{
	const struct sync_opts *o = r->r_opts;
	struct ssh_params sp;
	char keybuf[PATH_MAX];
	const char *key;

	p->p_run = r;
	p->p_node = n;
	str_copy(n->sn_name, cn->n_name, sizeof(n->sn_name));
	cfg_addr_str(&cn->n_address, n->sn_addr, sizeof(n->sn_addr));
	n->sn_port = cn->n_ssh_port > 0 ? (uint16_t)cn->n_ssh_port : 22;
	n->sn_state = SYNC_PENDING;
	key = o->so_identity != NULL ? o->so_identity : cn->n_ssh_key != NULL ?
	    cn->n_ssh_key : default_key(keybuf, sizeof(keybuf));
	if (str_set(&p->p_key, key) == -1 ||
	    (p->p_user = strdup(cn->n_ssh_user ? cn->n_ssh_user : "root")) ==
	    NULL || (p->p_shoalctl = strdup(cn->n_remote_shoalctl ?
	    cn->n_remote_shoalctl : SYNC_DEF_SHOALCTL)) == NULL ||
	    (p->p_db = strdup(cn->n_remote_db ? cn->n_remote_db :
	    SYNC_DEF_REMOTE_DB)) == NULL ||
	    (p->p_staged = staged_path(p->p_db, r->r_res->sr_generation)) ==
	    NULL)
		return -1;
	memset(&sp, 0, sizeof(sp));
	sp.sp_name = n->sn_name;
	sp.sp_host = n->sn_addr;
	sp.sp_port = n->sn_port;
	sp.sp_user = p->p_user;
	sp.sp_key = p->p_key;
	sp.sp_known_hosts = o->so_known_hosts ? o->so_known_hosts :
	    SYNC_DEF_KNOWN_HOSTS;
	sp.sp_timeout_ms = o->so_timeout_ms;
	sp.sp_accept_unknown = r->r_trust;
	if (!cfg_addr_is_set(&cn->n_address)) {
		peer_fail(p, SYNC_R_LOCAL, "node %s has no address", cn->n_name);
		return 0;
	}
	if ((p->p_conn = ssh_conn_new(r->r_base, &sp)) == NULL)
		return -1;
	return 0;
}

static void
run_free(struct sync_run *r)
{
	size_t i;

	for (i = 0; r->r_peers != NULL && i < r->r_n; i++) {
		struct sync_peer *p = &r->r_peers[i];

		ssh_conn_free(p->p_conn);
		free(p->p_shoalctl);
		free(p->p_db);
		free(p->p_staged);
		free(p->p_key);
		free(p->p_user);
	}
	free(r->r_peers);
	free(r->r_snap);
	if (r->r_check != NULL)
		event_free(r->r_check);
	sync_result_free(r->r_res);
	memset(r, 0, sizeof(*r));
}

/* Is addr one of this host's interface addresses? */
static int
addr_is_local(const struct cfg_addr *addr, const struct ifaddrs *ifs)
{
	struct cfg_addr a;

	for (; ifs != NULL; ifs = ifs->ifa_next)
		if (ifs->ifa_addr != NULL &&
		    cfg_addr_from_sockaddr(&a, ifs->ifa_addr) == 0 &&
		    cfg_addr_equal(&a, addr))
			return 1;
	return 0;
}

static int
name_listed(const char *const *names, const char *name)
{
	for (; names != NULL && *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return 1;
	return 0;
}

/* Every name in so_nodes must be a node; 0 or -1 (logged). */
static int
check_names(const struct cfg_node_list *all, const struct sync_opts *o)
{
	const char *const *np;
	struct cfg_node *n;
	int found, rc = 0;

	for (np = o->so_nodes; np != NULL && *np != NULL; np++) {
		found = 0;
		TAILQ_FOREACH(n, all, n_entry)
			if (strcmp(n->n_name, *np) == 0)
				found = 1;
		if (!found) {
			log_warnx("no node named \"%s\" in the configuration",
			    *np);
			rc = -1;
		}
	}
	if (o->so_self != NULL) {
		found = 0;
		TAILQ_FOREACH(n, all, n_entry)
			if (strcmp(n->n_name, o->so_self) == 0)
				found = 1;
		if (!found) {
			log_warnx("no node named \"%s\" (--self)", o->so_self);
			rc = -1;
		}
	}
	return rc;
}

int
sync_peers(const struct shoal_config *c, const struct sync_opts *o,
    struct cfg_node_list *out)
{
	struct ifaddrs *ifs = NULL;
	struct cfg_node *n, *next;
	int self;

	TAILQ_INIT(out);
	if (config_effective_nodes(c, out) == -1) {
		log_warnx("out of memory");
		return -1;
	}
	if (check_names(out, o) == -1)
		goto fail;
	if (o->so_self == NULL && getifaddrs(&ifs) == -1) {
		log_warn("getifaddrs");
		goto fail;
	}
	for (n = TAILQ_FIRST(out); n != NULL; n = next) {
		next = TAILQ_NEXT(n, n_entry);
		self = o->so_self != NULL ? strcmp(n->n_name, o->so_self) == 0 :
		    addr_is_local(&n->n_address, ifs);
		if (self || (o->so_nodes != NULL &&
		    !name_listed(o->so_nodes, n->n_name))) {
			TAILQ_REMOVE(out, n, n_entry);
			cfg_node_free(n);
		}
	}
	if (ifs != NULL)
		freeifaddrs(ifs);
	return 0;
fail:
	if (ifs != NULL)
		freeifaddrs(ifs);
	cfg_node_list_free(out);
	return -1;
}

/*
 * Takes the snapshot: a consistent copy of the database written by the
 * backup API into a private temp dir, read into memory, identified by the
 * generation recorded inside it.  0 or -1 (logged).
 */
static int
run_snapshot(struct sync_run *r, struct store *live)
{
	char dir[] = "/tmp/shoal-sync.XXXXXX", path[64];
	struct store_gen g;
	struct store *st = NULL;
	struct diag d;
	int rc = -1;

	diag_init(&d);
	if (mkdtemp(dir) == NULL) {
		log_warn("snapshot: mkdtemp");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/snapshot.db", dir);
	if (store_snapshot(live, path) == -1)
		goto done;
	if ((r->r_snap = (unsigned char *)file_read_all(path,
	    SYNC_SNAPSHOT_MAX, &r->r_snap_len)) == NULL) {
		log_warn("snapshot: %s", path);
		goto done;
	}
	digest_sha256_hex(r->r_snap, r->r_snap_len, r->r_snap_sha);
	if ((st = store_open(path, STORE_RDONLY, &d)) == NULL ||
	    store_current(st, &g) == -1) {
		log_warnx("snapshot: cannot read it back");
		diag_print(&d, stderr);
		goto done;
	}
	if (g.sg_generation == 0) {
		log_warnx("%s: nothing committed yet: nothing to push",
		    r->r_opts->so_db);
		goto done;
	}
	r->r_res->sr_generation = g.sg_generation;
	str_copy(r->r_res->sr_hash, g.sg_hash, sizeof(r->r_res->sr_hash));
	rc = 0;
done:
	store_close(st);
	diag_clear(&d);
	unlink(path);
	rmdir(dir);
	return rc;
}

static void	run_check(evutil_socket_t, short, void *);

/*
 * Opens the store, loads the peers and sets up one connection per peer on
 * base.  0, or -1 (logged) with r to be freed by run_free().
 */
static int
run_init(struct sync_run *r, struct event_base *base,
    const struct sync_opts *o, int snapshot, int trust)
{
	struct shoal_config *c = NULL;
	struct cfg_node_list peers;
	struct cfg_node *cn;
	struct store_gen g;
	struct store *st;
	struct diag d;
	size_t n = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	TAILQ_INIT(&peers);
	r->r_opts = o;
	r->r_base = base;
	r->r_trust = trust;
	diag_init(&d);
	if ((r->r_res = calloc(1, sizeof(*r->r_res))) == NULL ||
	    (r->r_check = event_new(base, -1, 0, run_check, r)) == NULL) {
		log_warnx("out of memory");
		goto done;
	}
	if ((st = store_open(o->so_db, STORE_RDONLY, &d)) == NULL) {
		diag_print(&d, stderr);
		goto done;
	}
	if (store_load(st, &c, &g) == -1 || sync_peers(c, o, &peers) == -1 ||
	    (snapshot && run_snapshot(r, st) == -1)) {
		store_close(st);
		goto done;
	}
	store_close(st);
	if (!snapshot) {	/* status: this node's generation, to compare */
		r->r_res->sr_generation = g.sg_generation;
		str_copy(r->r_res->sr_hash, g.sg_hash,
		    sizeof(r->r_res->sr_hash));
	}
	TAILQ_FOREACH(cn, &peers, n_entry)
		n++;
	if (n > 0 && ((r->r_peers = calloc(n, sizeof(*r->r_peers))) == NULL ||
	    (r->r_res->sr_nodes = calloc(n, sizeof(struct sync_node))) ==
	    NULL))
		goto done;
	TAILQ_FOREACH(cn, &peers, n_entry) {
		if (peer_init(r, &r->r_peers[r->r_n], &r->r_res->sr_nodes[r->r_n],
		    cn) == -1) {
			log_warnx("%s: cannot set up the connection", cn->n_name);
			r->r_n++;
			goto done;
		}
		r->r_n++;
	}
	r->r_res->sr_n = r->r_n;
	rc = 0;
done:
	cfg_node_list_free(&peers);
	config_free(c);
	diag_clear(&d);
	return rc;
}

static void
run_count(struct sync_run *r)
{
	size_t i;

	for (i = 0; i < r->r_n; i++) {
		switch (r->r_res->sr_nodes[i].sn_state) {
		case SYNC_COMMITTED:
		case SYNC_DONE:
			r->r_res->sr_committed++;
			break;
		case SYNC_PREPARED:
		case SYNC_NOT_COMMITTED:
			r->r_res->sr_prepared++;
			break;
		case SYNC_FAILED:
			r->r_res->sr_failed++;
			break;
		default:
			break;
		}
	}
}

/* Starts every peer's chain with a connect; the check runs once after. */
static void
run_connect_all(struct sync_run *r, ssh_done_cb done)
{
	size_t i;

	for (i = 0; i < r->r_n; i++) {
		struct sync_peer *p = &r->r_peers[i];

		if (p->p_conn == NULL)
			continue;	/* failed in peer_init */
		peer_state(p, SYNC_CONNECTING);
		if (peer_connect(p, done) == -1)
			peer_fail(p, SYNC_R_LOCAL, "cannot start connecting");
	}
	event_active(r->r_check, EV_TIMEOUT, 1);
}

/* Commits where allowed; the others stay on their generation. */
static void
run_decide(struct sync_run *r)
{
	size_t i;
	int all = 1, commit;

	for (i = 0; i < r->r_n; i++)
		if (r->r_res->sr_nodes[i].sn_state != SYNC_PREPARED)
			all = 0;
	commit = !r->r_opts->so_dry_run && (all || r->r_opts->so_allow_partial);
	for (i = 0; i < r->r_n; i++) {
		struct sync_peer *p = &r->r_peers[i];

		if (p->p_node->sn_state != SYNC_PREPARED)
			continue;
		if (commit) {
			peer_commit(p);
			continue;
		}
		if (!r->r_opts->so_dry_run)
			str_copy(p->p_node->sn_msg, "not committed: another "
			    "peer failed (use --allow-partial to commit the "
			    "prepared ones)", sizeof(p->p_node->sn_msg));
		else
			str_copy(p->p_node->sn_msg, "dry run: verified, not "
			    "committed", sizeof(p->p_node->sn_msg));
		peer_state(p, SYNC_NOT_COMMITTED);
		peer_cleanup(p);
	}
}

/*
 * Records the push in the local store's audit trail: who, which
 * generation, and each node's outcome.  A failure is only logged.
 */
static void
run_audit(struct sync_run *r)
{
	const struct sync_node *n;
	struct store *st;
	struct diag d;
	char detail[2048];
	size_t i, len;

	len = (size_t)snprintf(detail, sizeof(detail), "generation %" PRIu64
	    " (%.12s):", r->r_res->sr_generation, r->r_res->sr_hash);
	for (i = 0; i < r->r_n && len < sizeof(detail); i++) {
		n = &r->r_res->sr_nodes[i];
		len += (size_t)snprintf(detail + len, sizeof(detail) - len,
		    " %s %s%s", n->sn_name, n->sn_state == SYNC_FAILED ?
		    sync_reason_name(n->sn_reason) : sync_state_name(n->sn_state),
		    i + 1 < r->r_n ? ";" : "");
	}
	diag_init(&d);
	if ((st = store_open(r->r_opts->so_db, 0, &d)) == NULL ||
	    store_audit_add(st, r->r_opts->so_user, "push", detail) == -1)
		log_warnx("%s: could not record the push in the audit trail",
		    r->r_opts->so_db);
	store_close(st);
	diag_clear(&d);
}

/*
 * The end of a run: the counts, the audit row, then the caller's callback
 * with the table; the run is freed after it.
 */
static void
run_end(struct sync_run *r)
{
	const struct sync_opts *o = r->r_opts;
	struct sync_result *res;
	sync_done_cb done = r->r_done;
	void *arg = r->r_done_arg;
	int rc;

	run_count(r);
	if (r->r_phase == RUN_STATUS)
		rc = r->r_res->sr_committed == (int)r->r_n ? 0 : 1;
	else if (o->so_dry_run)
		rc = r->r_res->sr_prepared == (int)r->r_n ? 0 : 1;
	else
		rc = r->r_res->sr_committed == (int)r->r_n ? 0 : 1;
	if (r->r_phase == RUN_COMMIT && !o->so_dry_run && o->so_user != NULL &&
	    r->r_n > 0)
		run_audit(r);
	r->r_phase = RUN_ENDED;
	res = r->r_res;
	r->r_res = NULL;
	run_free(r);
	free(r);
	done(res, rc, arg);
}

/* From the loop after each step: when no chain is running, the phase
 * ended. */
static void
run_check(evutil_socket_t fd, short what, void *arg)
{
	struct sync_run *r = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < r->r_n; i++)
		if (r->r_peers[i].p_conn != NULL &&
		    ssh_conn_busy(r->r_peers[i].p_conn))
			return;
	switch (r->r_phase) {
	case RUN_PREPARE:
		r->r_phase = RUN_COMMIT;
		run_decide(r);
		event_active(r->r_check, EV_TIMEOUT, 1);
		break;
	case RUN_COMMIT:
	case RUN_STATUS:
		run_end(r);
		break;
	case RUN_ENDED:
		break;
	}
}

/* A new run on base (snapshot for a push); NULL on a local error. */
static struct sync_run *
run_new(struct event_base *base, const struct sync_opts *o, int push,
    sync_done_cb done, void *arg)
{
	struct sync_run *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_warnx("out of memory");
		return NULL;
	}
	if (run_init(r, base, o, push, 0) == -1) {
		run_free(r);
		free(r);
		return NULL;
	}
	r->r_done = done;
	r->r_done_arg = arg;
	r->r_phase = push ? RUN_PREPARE : RUN_STATUS;
	return r;
}

struct sync_run *
sync_push_start(struct event_base *base, const struct sync_opts *o,
    sync_done_cb done, void *arg)
{
	struct sync_run *r;

	if ((r = run_new(base, o, 1, done, arg)) == NULL)
		return NULL;
	log_debug("pushing generation %" PRIu64 " (%.12s) to %zu peer(s)",
	    r->r_res->sr_generation, r->r_res->sr_hash, r->r_n);
	run_connect_all(r, on_connected);
	return r;
}

void
sync_run_cancel(struct sync_run *r)
{
	if (r == NULL)
		return;
	run_free(r);
	free(r);
}

/* The blocking calls: their own loop until the run's callback. */
struct run_wait {
	struct sync_result	*w_res;
	int			 w_rc;
};

static void
run_waited(struct sync_result *res, int rc, void *arg)
{
	struct run_wait *w = arg;

	w->w_res = res;
	w->w_rc = rc;
}

static int
run_blocking(const struct sync_opts *o, int push, struct sync_result **out)
{
	struct run_wait w = { NULL, -1 };
	struct event_base *base;
	struct sync_run *r;

	*out = NULL;
	if ((base = event_base_new()) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	r = push ? sync_push_start(base, o, run_waited, &w) :
	    sync_status_start(base, o, run_waited, &w);
	if (r != NULL)
		event_base_dispatch(base);	/* until run_end() */
	event_base_free(base);
	*out = w.w_res;
	return w.w_res != NULL ? w.w_rc : -1;
}

int
sync_push(const struct sync_opts *o, struct sync_result **out)
{
	return run_blocking(o, 1, out);
}

/* ---- status ---- */

static void
on_current(struct ssh_conn *c, int ok, void *arg)
{
	struct sync_peer *p = arg;
	char hash[STORE_HASH_HEX];
	uint64_t gen;

	(void)c;
	if (!ok) {
		peer_fail_ssh(p);
		return;
	}
	if (peer_remote(p, "current", &gen, hash, NULL) == -1)
		return;
	p->p_node->sn_generation = gen;
	str_copy(p->p_node->sn_hash, hash, sizeof(p->p_node->sn_hash));
	peer_state(p, SYNC_DONE);
}

static void
on_status_connected(struct ssh_conn *c, int ok, void *arg)
{
	struct sync_peer *p = arg;
	const char *argv[] = { p->p_shoalctl, "--db", p->p_db, "config",
	    "current", NULL };

	str_copy(p->p_node->sn_fp, ssh_conn_fingerprint(c),
	    sizeof(p->p_node->sn_fp));
	if (!ok) {
		peer_fail_ssh(p);
		return;
	}
	peer_state(p, SYNC_VERIFYING);
	if (peer_exec(p, argv, on_current) == -1)
		peer_fail(p, SYNC_R_LOCAL, "cannot start the remote command");
}

struct sync_run *
sync_status_start(struct event_base *base, const struct sync_opts *o,
    sync_done_cb done, void *arg)
{
	struct sync_run *r;

	if ((r = run_new(base, o, 0, done, arg)) == NULL)
		return NULL;
	run_connect_all(r, on_status_connected);
	return r;
}

int
sync_status(const struct sync_opts *o, struct sync_result **out)
{
	return run_blocking(o, 0, out);
}

/* ---- trust ---- */

struct trust_ctx {
	struct sync_peer	*t_peer;
	int			(*t_confirm)(const struct sync_node *, void *);
	void			*t_arg;
	int			 t_trusted;
};

static void
on_trust_connected(struct ssh_conn *c, int ok, void *arg)
{
	struct trust_ctx *t = arg;
	struct sync_peer *p = t->t_peer;

	str_copy(p->p_node->sn_fp, ssh_conn_fingerprint(c),
	    sizeof(p->p_node->sn_fp));
	if (!ok) {
		peer_fail_ssh(p);
		return;
	}
	if (ssh_conn_hostkey_known(c)) {
		str_copy(p->p_node->sn_msg, "already trusted",
		    sizeof(p->p_node->sn_msg));
		t->t_trusted = 1;
		peer_state(p, SYNC_DONE);
		return;
	}
	if (t->t_confirm != NULL && !t->t_confirm(p->p_node, t->t_arg)) {
		peer_fail(p, SYNC_R_HOSTKEY_UNKNOWN, "host key not trusted: "
		    "not confirmed");
		return;
	}
	if (ssh_conn_trust(c) == -1) {
		peer_fail(p, SYNC_R_LOCAL, "could not write the known_hosts "
		    "file");
		return;
	}
	str_copy(p->p_node->sn_msg, "host key added", sizeof(p->p_node->sn_msg));
	t->t_trusted = 1;
	peer_state(p, SYNC_DONE);
}

int
sync_trust(const struct sync_opts *o, const char *name,
    int (*confirm)(const struct sync_node *, void *), void *arg,
    struct sync_node *n)
{
	const char *only[] = { name, NULL };
	struct sync_opts one = *o;
	struct event_base *base;
	struct trust_ctx t;
	struct sync_run r;
	int rc = -1;

	one.so_nodes = only;
	memset(n, 0, sizeof(*n));
	memset(&r, 0, sizeof(r));
	if ((base = event_base_new()) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	if (run_init(&r, base, &one, 0, 1) == -1)
		goto done;
	if (r.r_n != 1) {
		log_warnx("%s is this node: nothing to trust", name);
		goto done;
	}
	memset(&t, 0, sizeof(t));
	t.t_peer = &r.r_peers[0];
	t.t_confirm = confirm;
	t.t_arg = arg;
	if (t.t_peer->p_conn != NULL) {
		peer_state(t.t_peer, SYNC_CONNECTING);
		if (ssh_connect(t.t_peer->p_conn, on_trust_connected, &t) == 0)
			event_base_dispatch(base);
	}
	*n = r.r_res->sr_nodes[0];
	rc = t.t_trusted ? 0 : 1;
done:
	run_free(&r);
	event_base_free(base);
	return rc;
}
