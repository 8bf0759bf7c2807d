/*
 * heartbeat.c - the heartbeat packet codec (see heartbeat.h).
 */
#include "shoal-build.h"

#include <string.h>

#include "lib/digest.h"
#include "heartbeat.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, v & 0xffffffffu);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

uint32_t
heartbeat_node_id(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name != '\0'; name++) {
		h ^= (uint8_t)*name;
		h *= 16777619u;
	}
	return h == 0 ? 1 : h;
}

_Static_assert(HB_MAC_LEN == DIGEST_SHA256_LEN, "the MAC is a whole HMAC-SHA256");

int
heartbeat_encode(const struct hb_packet *p, const uint8_t *key,
    size_t keylen, uint8_t *buf, size_t len)
{
	size_t n = key != NULL ? HB_MAX_LEN : HB_HDR_LEN;
	uint8_t flags = p->hp_flags & ~HB_F_MAC;

	if (len < n)
		return -1;
	if (key != NULL)
		flags |= HB_F_MAC;
	put32(buf, HB_MAGIC);
	buf[4] = HB_VERSION;
	buf[5] = p->hp_state;
	buf[6] = flags;
	buf[7] = p->hp_priority;
	put32(buf + 8, p->hp_cluster);
	put32(buf + 12, p->hp_node);
	put64(buf + 16, p->hp_generation);
	memcpy(buf + 24, p->hp_hash, HB_HASH_LEN);
	put64(buf + 32, p->hp_seq);
	if (key != NULL)
		digest_hmac_sha256(key, keylen, buf, HB_HDR_LEN, buf + HB_HDR_LEN);
	return (int)n;
}

static void
parse(const uint8_t *buf, struct hb_packet *p)
{
	p->hp_version = buf[4];
	p->hp_state = buf[5];
	p->hp_flags = buf[6];
	p->hp_priority = buf[7];
	p->hp_cluster = get32(buf + 8);
	p->hp_node = get32(buf + 12);
	p->hp_generation = get64(buf + 16);
	memcpy(p->hp_hash, buf + 24, HB_HASH_LEN);
	p->hp_seq = get64(buf + 32);
}

static int
mac_ok(const uint8_t *key, size_t keylen, const uint8_t *buf)
{
	uint8_t want[HB_MAC_LEN];
	int ok;

	digest_hmac_sha256(key, keylen, buf, HB_HDR_LEN, want);
	ok = digest_equal(want, buf + HB_HDR_LEN, HB_MAC_LEN);
	explicit_bzero(want, sizeof(want));
	return ok;
}

/* MAC check: a keyed receiver wants exactly one MAC, valid under its key
 * or its second key; an unkeyed receiver wants none. */
static enum hb_err
check_mac(const struct hb_ctx *ctx, const uint8_t *buf, size_t len,
    const struct hb_packet *p)
{
	int has = (p->hp_flags & HB_F_MAC) != 0;

	if (has != (len == HB_MAX_LEN))
		return HB_ERR_SIZE;
	if (ctx->hc_key == NULL)
		return has ? HB_ERR_MAC : HB_OK;
	if (!has)
		return HB_ERR_MAC;
	if (mac_ok(ctx->hc_key, ctx->hc_keylen, buf))
		return HB_OK;
	if (ctx->hc_key2 != NULL && mac_ok(ctx->hc_key2, ctx->hc_key2len, buf))
		return HB_OK;
	return HB_ERR_MAC;
}

static void
seq_accept(struct hb_seq *s, uint64_t seq)
{
	s->hs_last = seq;
	s->hs_ncand = 0;
}

/*
 * Without a key (heartbeat.h): a step of at most HB_SEQ_WINDOW, a restart
 * or LEAVING announcement, or the HB_SEQ_RUN-th consistent packet out of
 * the window.
 */
static enum hb_err
check_seq_unkeyed(struct hb_seq *s, const struct hb_packet *p)
{
	uint64_t seq = p->hp_seq;

	if (seq > s->hs_last && seq - s->hs_last <= HB_SEQ_WINDOW) {
		seq_accept(s, seq);
		return HB_OK;
	}
	if (seq > s->hs_last && (p->hp_state == HB_STATE_INIT ||
	    (p->hp_flags & HB_F_LEAVING))) {
		seq_accept(s, seq);
		return HB_OK;
	}
	if (s->hs_ncand > 0 && seq > s->hs_cand &&
	    seq - s->hs_cand <= HB_SEQ_WINDOW)
		s->hs_ncand++;
	else
		s->hs_ncand = 1;
	s->hs_cand = seq;
	if (s->hs_ncand >= HB_SEQ_RUN) {
		seq_accept(s, seq);
		return HB_OK;
	}
	return seq <= s->hs_last ? HB_ERR_REPLAY : HB_ERR_AHEAD;
}

enum hb_err
heartbeat_decode(const struct hb_ctx *ctx, const uint8_t *buf, size_t len,
    struct hb_packet *out)
{
	struct hb_packet p;
	struct hb_seq *s;
	enum hb_err e;

	if (len != HB_HDR_LEN && len != HB_MAX_LEN)
		return HB_ERR_SIZE;
	if (get32(buf) != HB_MAGIC)
		return HB_ERR_MAGIC;
	parse(buf, &p);
	if (p.hp_version != HB_VERSION)
		return HB_ERR_VERSION;
	if (p.hp_state >= HB_STATE__MAX)
		return HB_ERR_STATE;
	if (p.hp_cluster != ctx->hc_cluster)
		return HB_ERR_CLUSTER;
	if (p.hp_node == ctx->hc_self)
		return HB_ERR_SELF;
	if ((s = ctx->hc_lookup(p.hp_node, ctx->hc_arg)) == NULL)
		return HB_ERR_SENDER;
	if ((e = check_mac(ctx, buf, len, &p)) != HB_OK)
		return e;
	if (ctx->hc_key == NULL) {
		if ((e = check_seq_unkeyed(s, &p)) != HB_OK)
			return e;
	} else if (p.hp_seq <= s->hs_last)
		return HB_ERR_REPLAY;
	else
		seq_accept(s, p.hp_seq);
	*out = p;
	return HB_OK;
}

const char *
heartbeat_err_name(enum hb_err e)
{
	static const char *const names[HB_ERR__MAX] = {
		[HB_OK] = "ok",
		[HB_ERR_SIZE] = "bad_size",
		[HB_ERR_MAGIC] = "bad_magic",
		[HB_ERR_VERSION] = "bad_version",
		[HB_ERR_CLUSTER] = "wrong_cluster",
		[HB_ERR_SENDER] = "unknown_sender",
		[HB_ERR_SELF] = "own_node_id",
		[HB_ERR_MAC] = "bad_mac",
		[HB_ERR_REPLAY] = "replay",
		[HB_ERR_STATE] = "bad_state",
		[HB_ERR_AHEAD] = "seq_ahead",
	};

	if ((unsigned)e >= HB_ERR__MAX)
		return "unknown";
	return names[e];
}

const char *
heartbeat_state_name(enum hb_state s)
{
	static const char *const names[HB_STATE__MAX] = {
		[HB_STATE_INIT] = "init",
		[HB_STATE_BACKUP] = "backup",
		[HB_STATE_ACTIVE] = "active",
		[HB_STATE_FAULT] = "fault",
	};

	if ((unsigned)s >= HB_STATE__MAX)
		return "unknown";
	return names[s];
}

uint64_t
heartbeat_seq_first(uint64_t now_ms, uint64_t floor)
{
	uint64_t t = floor >> HB_SEQ_SHIFT;

	if (now_ms > t)
		t = now_ms;
	else
		t++;
	return t << HB_SEQ_SHIFT;
}

uint64_t
heartbeat_seq_next(uint64_t seq, uint64_t now_ms)
{
	uint64_t t = seq >> HB_SEQ_SHIFT;

	if ((seq & HB_SEQ_COUNTER_MAX) != HB_SEQ_COUNTER_MAX)
		return seq + 1;
	return heartbeat_seq_first(now_ms > t ? now_ms : t + 1, 0);
}

uint64_t
heartbeat_seq_ceiling(uint64_t now_ms)
{
	return now_ms << HB_SEQ_SHIFT | HB_SEQ_COUNTER_MAX;
}
