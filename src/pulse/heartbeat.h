/*
 * heartbeat.h - the heartbeat packet: encoding, decoding, authentication.
 *
 * Wire format (doc/protocol.md), all integers in network byte order:
 *
 *   0  magic       u32  "SHHB" (0x53484842)
 *   4  version     u8   HB_VERSION
 *   5  state       u8   enum hb_state
 *   6  flags       u8   HB_F_LEAVING, HB_F_MAC
 *   7  priority    u8   the sender's effective priority (0 = not a candidate)
 *   8  cluster id  u32
 *  12  node id     u32  heartbeat_node_id(name)
 *  16  generation  u64  the sender's config generation
 *  24  hash        8 bytes: prefix of the sender's config SHA-256
 *  32  sequence    u64  strictly increasing per sender (see below)
 *  40  [mac]       32 bytes HMAC-SHA256(key, bytes 0..39) when HB_F_MAC
 *
 * Sequence numbers are (milliseconds since the epoch << 20) | counter, so
 * a restarted sender starts above everything it sent before and a replayed
 * packet is never newer than the last accepted one.  With a key that is
 * all: a packet is accepted only with a valid MAC and a sequence above
 * the last accepted, and a packet failing either check changes nothing.
 * Without a key anyone can forge a packet, so one forged sequence must
 * not silence the real sender: a packet moves the sequence by at most
 * HB_SEQ_WINDOW, unless it is a restart (INIT) or LEAVING announcement,
 * or HB_SEQ_RUN packets in a row agree on where the sequence is now (the
 * real sender's stream shows itself within a few heartbeats, also when a
 * forged packet put the last accepted sequence ahead of it).  The pure
 * codec below does no I/O; the peer table is reached through a lookup
 * callback.
 */
#ifndef SHOAL_HEARTBEAT_H
#define SHOAL_HEARTBEAT_H

#include <stddef.h>
#include <stdint.h>

#define HB_MAGIC		0x53484842u
#define HB_VERSION		1
#define HB_HDR_LEN		40
#define HB_MAC_LEN		32
#define HB_MAX_LEN		(HB_HDR_LEN + HB_MAC_LEN)
#define HB_HASH_LEN		8
#define HB_SEQ_SHIFT		20
#define HB_SEQ_COUNTER_MAX	((1u << HB_SEQ_SHIFT) - 1)
#define HB_SEQ_WINDOW		4096	/* unkeyed: largest step accepted */
#define HB_SEQ_RUN		3	/* unkeyed: packets that re-anchor */

enum hb_state {
	HB_STATE_INIT,
	HB_STATE_BACKUP,
	HB_STATE_ACTIVE,
	HB_STATE_FAULT,
	HB_STATE__MAX,
};

#define HB_F_LEAVING		0x01	/* the sender is going away: dead now */
#define HB_F_MAC		0x02	/* a MAC follows the header */
#define HB_F_SVC_FAILED		0x04	/* a BACKUP: the ACTIVE's fail-over
					   service fails from here (fosmon.h) */
#define HB_F_ANNOUNCING		0x08	/* ecmp: the sender announces a VIP
					   to the upstream router (announce.h) */
#define HB_F_RELEASED		0x10	/* the sender gave up the virtual
					   addresses less than a dead time
					   ago: the owner announces them
					   again (clients may have followed
					   the sender's gratuitous ARP) */

struct hb_packet {
	uint8_t		 hp_version;
	uint8_t		 hp_state;
	uint8_t		 hp_flags;
	uint8_t		 hp_priority;
	uint32_t	 hp_cluster;
	uint32_t	 hp_node;
	uint64_t	 hp_generation;
	uint8_t		 hp_hash[HB_HASH_LEN];
	uint64_t	 hp_seq;
};

/* Why a packet was dropped; HB_OK when accepted. */
enum hb_err {
	HB_OK,
	HB_ERR_SIZE,		/* short or oversize */
	HB_ERR_MAGIC,
	HB_ERR_VERSION,
	HB_ERR_CLUSTER,		/* another cluster id */
	HB_ERR_SENDER,		/* node id or source address not a peer */
	HB_ERR_SELF,		/* our own node id: a duplicate node name */
	HB_ERR_MAC,		/* missing, unexpected or wrong MAC */
	HB_ERR_REPLAY,		/* sequence not newer than the last accepted */
	HB_ERR_STATE,		/* unknown state value */
	HB_ERR_AHEAD,		/* unkeyed: sequence too far from the last
				   accepted, not (yet) confirmed */
	HB_ERR__MAX,
};

/* What a receiver keeps of one sender's sequence numbers. */
struct hb_seq {
	uint64_t	 hs_last;	/* last accepted */
	uint64_t	 hs_cand;	/* unkeyed: last one out of the window */
	int		 hs_ncand;	/* unkeyed: consistent such in a row */
};

/*
 * The receiver's view for decoding: cluster id, our node id, the key
 * (NULL = no MAC expected), a second key accepted too (a key roll; NULL
 * for none), and a lookup returning a peer's sequence state (NULL:
 * unknown sender).  The state changes only as heartbeat.h's top comment
 * says.
 */
struct hb_ctx {
	uint32_t	  hc_cluster;
	uint32_t	  hc_self;
	const uint8_t	 *hc_key;
	size_t		  hc_keylen;
	const uint8_t	 *hc_key2;
	size_t		  hc_key2len;
	struct hb_seq	*(*hc_lookup)(uint32_t node, void *arg);
	void		 *hc_arg;
};

/* The node id of a node name: FNV-1a 32, never 0. */
uint32_t heartbeat_node_id(const char *name);

/*
 * Encodes p into buf (at least HB_MAX_LEN bytes), adding a MAC when key is
 * not NULL (HB_F_MAC is then set in the output).  Returns the length, or
 * -1 when len is too small or HMAC fails.
 */
int heartbeat_encode(const struct hb_packet *p, const uint8_t *key,
    size_t keylen, uint8_t *buf, size_t len);

/*
 * Checks buf[0..len) in this order: size, magic, version, state, cluster,
 * sender, MAC, sequence.  On HB_OK, *out is the packet and the peer's last
 * sequence is advanced.  Never reads beyond len.
 */
enum hb_err heartbeat_decode(const struct hb_ctx *ctx, const uint8_t *buf,
    size_t len, struct hb_packet *out);

/* A short name for a reason ("bad_mac", ...), for logs and JSON. */
const char *heartbeat_err_name(enum hb_err);
const char *heartbeat_state_name(enum hb_state);

/*
 * Sequence numbers.  heartbeat_seq_first(now_ms, floor) gives the first
 * sequence of a sender starting at wall-clock now_ms that must be above
 * floor; heartbeat_seq_next() the one after seq (moving the time part
 * forward when the counter would overflow).
 */
uint64_t heartbeat_seq_first(uint64_t now_ms, uint64_t floor);
uint64_t heartbeat_seq_next(uint64_t seq, uint64_t now_ms);
/* The highest sequence a sender may have used up to now_ms (for a
 * LEAVING packet sent on a dead sender's behalf). */
uint64_t heartbeat_seq_ceiling(uint64_t now_ms);

#endif
