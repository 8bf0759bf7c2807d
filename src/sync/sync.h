/*
 * sync.h - pushing the configuration to every node over SSH.
 *
 * Used by shoal-sync and shoal-web.  A push runs in two phases on every peer
 * in parallel (one libevent loop, non-blocking libssh2):
 *
 *   prepare: snapshot the local database (SQLite backup API), upload it by
 *            SFTP to a staging file next to the peer's database (temp name,
 *            fsync, rename), run `shoalctl --db DB config verify --staged F
 *            --expect-hash H --expect-sha256 S` there;
 *   commit:  only when every peer prepared (or with allow_partial, those
 *            that did): `shoalctl --db DB config commit --staged F ...`,
 *            which renames the file into place and reloads pulse.
 *
 * A peer that failed, or that prepared while another failed, stays on its
 * previous generation and its staged file is removed.  Progress is reported
 * per node through a callback (sync_opts.so_event); the final table is the
 * struct sync_result.
 *
 * A push or a status read runs on the caller's libevent loop
 * (sync_push_start(), sync_status_start(): shoal-web's one loop) and ends
 * with a callback; sync_push() and sync_status() are the blocking forms
 * (their own loop, until done: every step has a timeout) that shoal-sync
 * uses.
 */
#ifndef SHOAL_SYNC_H
#define SHOAL_SYNC_H

#include <stdint.h>

#include "config/config.h"
#include "store/store.h"
#include "ssh.h"

struct event_base;
struct sync_run;

/* Where a node is in a push (or a status read). */
enum sync_state {
	SYNC_PENDING,
	SYNC_CONNECTING,
	SYNC_UPLOADING,
	SYNC_VERIFYING,
	SYNC_PREPARED,		/* verified, waiting for the commit decision */
	SYNC_COMMITTING,
	SYNC_COMMITTED,
	SYNC_NOT_COMMITTED,	/* prepared, but another peer failed */
	SYNC_FAILED,
	SYNC_DONE,		/* status read */
};

/* Why a node failed. */
enum sync_reason {
	SYNC_R_NONE,
	SYNC_R_UNREACHABLE,
	SYNC_R_TIMEOUT,
	SYNC_R_HOSTKEY_UNKNOWN,
	SYNC_R_HOSTKEY_CHANGED,
	SYNC_R_AUTH,
	SYNC_R_DISK_FULL,
	SYNC_R_TRANSFER,	/* SFTP or connection failure */
	SYNC_R_CORRUPT,		/* staged file damaged (checksum, integrity) */
	SYNC_R_VALIDATION,	/* the peer found the configuration invalid */
	SYNC_R_NEWER,		/* the peer has a newer generation (--force) */
	SYNC_R_REMOTE,		/* remote command missing, failed, or garbage */
	SYNC_R_LOCAL,
};

/* One node's line in the result table. */
struct sync_node {
	char		 sn_name[CFG_NAME_MAX + 1];
	char		 sn_addr[CFG_ADDR_STRLEN];
	uint16_t	 sn_port;
	enum sync_state	 sn_state;
	enum sync_reason sn_reason;
	char		 sn_msg[1024];	/* the exact reason, one line */
	char		 sn_fp[SSH_FP_LEN];	/* host key fingerprint */
	uint64_t	 sn_generation;	/* the peer's, when known (0 = not) */
	char		 sn_hash[STORE_HASH_HEX];
};

struct sync_result {
	uint64_t	 sr_generation;	/* what was pushed */
	char		 sr_hash[STORE_HASH_HEX];
	size_t		 sr_n;
	struct sync_node *sr_nodes;
	int		 sr_committed;	/* how many nodes */
	int		 sr_prepared;
	int		 sr_failed;
};

/* Called on every state change of a node, from the loop's thread. */
typedef void (*sync_event_cb)(const struct sync_node *, void *arg);
/*
 * Called once, from the loop, when a run started on a caller's loop has
 * ended: res is the result table (the callee owns it: sync_result_free()),
 * rc what sync_push() or sync_status() would return.
 */
typedef void (*sync_done_cb)(struct sync_result *res, int rc, void *arg);

struct sync_opts {
	const char	 *so_db;		/* local database */
	const char	 *so_known_hosts;	/* NULL = SYNC_DEF_KNOWN_HOSTS */
	const char	 *so_identity;		/* overrides every node's key */
	const char	 *so_self;	/* this node; NULL = by local address */
	const char *const *so_nodes;	/* NULL-terminated; NULL = all peers */
	int		  so_dry_run;	/* prepare only, then clean up */
	int		  so_allow_partial;
	int		  so_force;	/* peers accept an older generation */
	const char	 *so_user;	/* audit "cli:alice"; NULL = no audit */
	unsigned	  so_timeout_ms;	/* per step; 0 = default */
	sync_event_cb	  so_event;
	void		 *so_arg;
};

#define SYNC_DEF_KNOWN_HOSTS	"/etc/shoal/ssh/known_hosts"
#define SYNC_DEF_KEY		"/etc/shoal/ssh/id_ed25519"
#define SYNC_DEF_SHOALCTL	"/usr/sbin/shoalctl"
#define SYNC_DEF_REMOTE_DB	"/var/lib/shoal/shoal.db"

/*
 * Pushes the current generation of so_db to every peer (the effective
 * nodes other than this one, or so_nodes).  *out is the result table
 * (caller frees with sync_result_free()), set whenever the return is not
 * -1.  With so_user set (and not a dry run) the push and each node's
 * outcome are added to the local store's audit trail.  Returns 0 when every targeted node committed (dry run: prepared),
 * 1 when some did not, -1 on a local error before any node was contacted
 * (logged).
 */
int sync_push(const struct sync_opts *, struct sync_result **out);

/*
 * The same push on base: sets it up (store, snapshot, one connection per
 * peer), returns at once, reports through so_event, and calls done when
 * every node's chain has ended.  The opts and what they point to must stay
 * valid until then (or until sync_run_cancel()).  NULL on a local error
 * before any node was contacted (logged; done never runs).  The run frees
 * itself after done returns.
 */
struct sync_run *sync_push_start(struct event_base *,
    const struct sync_opts *, sync_done_cb done, void *arg);
/* sync_status() on base, like sync_push_start(). */
struct sync_run *sync_status_start(struct event_base *,
    const struct sync_opts *, sync_done_cb done, void *arg);
/*
 * Stops a run whose done has not run yet, at once (shutdown): every SSH
 * connection is closed, done never runs.  A peer may be left with a staged
 * file (never committed) or, when the commit was under way, with either
 * generation; `shoal-sync status` tells.  NULL is a no-op.
 */
void sync_run_cancel(struct sync_run *);

/*
 * Reads each peer's current generation and hash over SSH (remote
 * `shoalctl config current`).  Same return values; a node read is DONE.
 * sr_generation/sr_hash are this node's, to spot stale peers.
 */
int sync_status(const struct sync_opts *, struct sync_result **out);

/*
 * For `trust`: connects to node `name` accepting an unknown host key, and
 * fills n (fingerprint in sn_fp; sn_state DONE when the key is unknown,
 * FAILED with the reason otherwise, SYNC_R_NONE + "already trusted" when
 * known).  When confirm (called with the node, may be NULL = yes) returns
 * non-zero, the key is appended to the known_hosts file.  Returns 0 when
 * the key is now trusted, 1 when not, -1 on a local error.
 */
int sync_trust(const struct sync_opts *, const char *name,
    int (*confirm)(const struct sync_node *, void *), void *arg,
    struct sync_node *n);

void sync_result_free(struct sync_result *);
const char *sync_state_name(enum sync_state);
const char *sync_reason_name(enum sync_reason);

/*
 * The peers a push targets: effective nodes minus this node (so_self, or a
 * node whose address is on a local interface), restricted to so_nodes.
 * A name in so_nodes that is not a node is an error.  Fills out (caller
 * frees with cfg_node_list_free()); 0 or -1 (logged).
 */
int sync_peers(const struct shoal_config *, const struct sync_opts *,
    struct cfg_node_list *out);

/*
 * Parses a remote shoalctl result line ("staged ok generation=N hash=H
 * sha256=S", "committed generation=N hash=H", "current generation=N
 * hash=H") that starts with tag.  0, or -1 when out is not such a line.
 */
int sync_parse_line(const char *out, const char *tag, uint64_t *gen,
    char *hash, char *sha256);

#endif
