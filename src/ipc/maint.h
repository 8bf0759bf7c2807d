/*
 * maint.h - cluster-wide maintenance state: the administrator's drain,
 * disable and enable of real servers and standby/resume of nodes, which
 * every pulse of the cluster holds the same, apart from the configuration
 * and its generations.
 *
 * The state is a last-writer-wins map (a CRDT): one entry per real server
 * (virtual, server) or node, each with its own version.  A change made on
 * any node gets a version above every version that node knows and at
 * least its wall clock in ms; ties go to the higher origin node id.
 * Merging keeps, per entry, the higher (version, origin): any order of
 * merges gives the same state, so nodes converge whatever they missed,
 * and an old message replayed changes nothing.  "enable" and "resume" are
 * entries too (they must beat an older drain), so entries are never
 * removed, only replaced.
 *
 * The same state is:
 *  - kept by pulse in a file beside the database (maint_path()), which
 *    a push of a new configuration does not touch;
 *  - exchanged between pulses in authenticated datagrams on the
 *    heartbeat port (below; doc/protocol.md, "Maintenance"): a summary
 *    (digest) every second, the entries when digests differ;
 *  - read by shoalctl from that file when pulse is not running.
 */
#ifndef SHOAL_IPC_MAINT_H
#define SHOAL_IPC_MAINT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/config.h"

enum maint_target {
	MAINT_SERVER = 1,	/* a real server of a virtual server */
	MAINT_NODE = 2,		/* a node */
};

/* Server states: the same values as store/srvadmin.h's. */
#define MAINT_ENABLE		0
#define MAINT_DRAIN		1
#define MAINT_DISABLE		2
/* Node states. */
#define MAINT_RESUME		0
#define MAINT_STANDBY		1

#define MAINT_BY_MAX		63	/* who: "cli:alice", "web:bob" */
#define MAINT_ENTRIES_MAX	4096	/* a larger state is refused */

struct maint_entry {
	uint8_t		 me_target;		/* enum maint_target */
	uint8_t		 me_state;
	char		 me_a[CFG_NAME_MAX + 1];	/* virtual or node */
	char		 me_b[CFG_NAME_MAX + 1];	/* server; "" for a node */
	uint64_t	 me_version;
	uint32_t	 me_origin;		/* node id that made it */
	int64_t		 me_time_ms;		/* when (Unix ms) */
	char		 me_by[MAINT_BY_MAX + 1];
};

/* The map, sorted by (target, a, b).  Owns m_e. */
struct maint {
	struct maint_entry	*m_e;
	size_t			 m_n, m_cap;
};

void maint_init(struct maint *);
void maint_clear(struct maint *);

/* "drain", "standby", ...; NULL for a value the target does not have. */
const char *maint_state_name(enum maint_target, unsigned state);
/* The state of name for target, or -1. */
int maint_state_from_name(enum maint_target, const char *name);

/*
 * Merges e: 1 when it replaced or added an entry, 0 when the map already
 * had that entry or a newer one, -1 on ENOMEM or when the map is full.
 */
int maint_merge(struct maint *, const struct maint_entry *e);
/*
 * A new change made here: e gets a version above every version in the
 * map and at least now_ms, and is merged (1), or -1 (ENOMEM, full, or a
 * bad target/state/name).  e's other fields are the caller's.
 */
int maint_change(struct maint *, struct maint_entry *e, int64_t now_ms);
/* The entry of (target, a, b), or NULL. */
const struct maint_entry *maint_find(const struct maint *,
    enum maint_target, const char *a, const char *b);
/* MAINT_ENABLE, _DRAIN or _DISABLE for a real server. */
int maint_server_state(const struct maint *, const char *vs, const char *rs);
/* True when node is in standby. */
int maint_node_standby(const struct maint *, const char *node);
/* The highest version in the map (0 when empty). */
uint64_t maint_version(const struct maint *);
/*
 * The first 8 bytes of the SHA-256 of the map's canonical form: two maps
 * with the same digest hold the same entries.
 */
void maint_digest(const struct maint *, uint8_t out[8]);

/*
 * {"version": N, "entries": [{"target": "server", "virtual": "web",
 *  "server": "rs1", "state": "drain", "version": N, "origin": N,
 *  "time_ms": N, "by": "cli:alice"} | {"target": "node", "node": "r1",
 *  "state": "standby", ...}]}
 */
json_t *maint_to_json(const struct maint *);
/* The reverse (strict); replaces m's content.  0 or -1 with err. */
int maint_from_json(const json_t *, struct maint *, char *err,
    size_t errlen);

/*
 * The state file of the database db: "DB.maint" (malloc'ed; NULL on
 * ENOMEM).
 */
char *maint_path(const char *db);
/* Reads path into m; a missing file is an empty map.  0 or -1 with err. */
int maint_load(struct maint *, const char *path, char *err, size_t errlen);
/* Writes m to path atomically (temporary file, fsync, rename); 0 or -1
 * with err. */
int maint_save(const struct maint *, const char *path, char *err,
    size_t errlen);

/* ---- datagrams (doc/protocol.md, "Maintenance") ---- */

#define MAINT_MAGIC		0x53484d54u	/* "SHMT" */
#define MAINT_VERSION		1
#define MAINT_HDR_LEN		40
#define MAINT_MAC_LEN		32
#define MAINT_DGRAM_MAX		1200		/* no IP fragments */

enum maint_msg {
	MAINT_MSG_SUMMARY = 1,	/* digest and version only */
	MAINT_MSG_ENTRIES = 2,	/* some entries (all, over several) */
	MAINT_MSG_YIELD = 3,	/* a drill: hand the VIPs back; no entries,
				   mh_version is how long (ms) to stay out
				   of the election */
};

struct maint_hdr {
	uint8_t		 mh_type;		/* enum maint_msg */
	uint8_t		 mh_count;		/* entries that follow */
	uint32_t	 mh_cluster;
	uint32_t	 mh_node;		/* the sender */
	uint64_t	 mh_seq;		/* per sender, increasing */
	uint64_t	 mh_version;		/* sender's maint_version() */
	uint8_t		 mh_digest[8];		/* sender's maint_digest() */
};

enum maint_err {
	MAINT_OK,
	MAINT_ERR_SIZE,
	MAINT_ERR_MAGIC,
	MAINT_ERR_VERSION,
	MAINT_ERR_CLUSTER,
	MAINT_ERR_MAC,
	MAINT_ERR_FORMAT,	/* a bad entry or count */
	MAINT_ERR_SENDER,	/* not a configured node at its address */
	MAINT_ERR_REPLAY,	/* sequence not above the last accepted */
	MAINT_ERR__MAX
};

/*
 * Encodes h and entries m[*from..] into buf (len >= MAINT_DGRAM_MAX) as
 * many as fit, advancing *from, with an HMAC when key is set.  A summary
 * carries none (from may be NULL).  Returns the length, or -1.
 */
int maint_encode(const struct maint_hdr *h, const struct maint *m,
    size_t *from, const uint8_t *key, size_t keylen, uint8_t *buf,
    size_t len);
/* The receiver's keys: mk_key NULL for none; mk_key2, a second key
 * accepted too during a key roll (NULL: none). */
struct maint_keys {
	const uint8_t	*mk_key;
	size_t		 mk_keylen;
	const uint8_t	*mk_key2;
	size_t		 mk_key2len;
};

/*
 * Checks and decodes buf: magic, version, size, cluster, MAC (with a
 * key, a MAC valid under it or the second key is required; without one,
 * none may be present; keys NULL: none), entries.  out[] must hold 255
 * entries; *nout receives their number.
 */
enum maint_err maint_decode(const uint8_t *buf, size_t len,
    uint32_t cluster, const struct maint_keys *keys,
    struct maint_hdr *h, struct maint_entry *out, size_t *nout);
const char *maint_err_name(enum maint_err);

#endif
