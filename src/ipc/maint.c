/*
 * maint.c - the cluster-wide maintenance map, its file and its datagrams
 * (see maint.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc/maint.h"
#include "lib/digest.h"
#include "lib/util.h"

#define MAINT_F_MAC		0x02
#define ENTRY_FIXED		28
#define FILE_MAX		(4 * 1024 * 1024)

static const char *const server_states[] = { "enable", "drain", "disable" };
static const char *const node_states[] = { "resume", "standby" };

void
maint_init(struct maint *m)
{
	memset(m, 0, sizeof(*m));
}

void
maint_clear(struct maint *m)
{
	free(m->m_e);
	maint_init(m);
}

const char *
maint_state_name(enum maint_target t, unsigned s)
{
	if (t == MAINT_SERVER && s < 3)
		return server_states[s];
	if (t == MAINT_NODE && s < 2)
		return node_states[s];
	return NULL;
}

int
maint_state_from_name(enum maint_target t, const char *name)
{
	for (unsigned s = 0; s < 3; s++) {
		const char *n = maint_state_name(t, s);

		if (n != NULL && strcmp(n, name) == 0)
			return (int)s;
	}
	return -1;
}

static const char *
target_name(unsigned t)
{
	return t == MAINT_SERVER ? "server" : t == MAINT_NODE ? "node" : NULL;
}

/* <0, 0, >0 as (target, a, b) of x sorts before, with, after y's. */
static int
key_cmp(unsigned tx, const char *ax, const char *bx, unsigned ty,
    const char *ay, const char *by)
{
	int c;

	if (tx != ty)
		return tx < ty ? -1 : 1;
	if ((c = strcmp(ax, ay)) != 0)
		return c;
	return strcmp(bx, by);
}

/* The index of the key, or where it would go (*found 0). */
static size_t
locate(const struct maint *m, unsigned t, const char *a, const char *b,
    int *found)
{
	size_t lo = 0, hi = m->m_n, mid;
	int c;

	*found = 0;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = key_cmp(m->m_e[mid].me_target, m->m_e[mid].me_a,
		    m->m_e[mid].me_b, t, a, b);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A name of the configuration, or a "by": printable, no blank. */
static int
word_ok(const char *s, size_t max, int empty_ok)
{
	size_t n = strnlen(s, max + 1);

	if (n > max || (n == 0 && !empty_ok))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
entry_ok(const struct maint_entry *e)
{
	if (maint_state_name(e->me_target, e->me_state) == NULL)
		return 0;
	return word_ok(e->me_a, CFG_NAME_MAX, 0) &&
	    word_ok(e->me_b, CFG_NAME_MAX, e->me_target == MAINT_NODE) &&
	    (e->me_target == MAINT_SERVER || e->me_b[0] == '\0') &&
	    word_ok(e->me_by, MAINT_BY_MAX, 1);
}

static int
newer(const struct maint_entry *x, const struct maint_entry *y)
{
	if (x->me_version != y->me_version)
		return x->me_version > y->me_version;
	return x->me_origin > y->me_origin;
}

int
maint_merge(struct maint *m, const struct maint_entry *e)
{
	struct maint_entry *ne;
	size_t at;
	int found;

	if (!entry_ok(e))
		return -1;
	at = locate(m, e->me_target, e->me_a, e->me_b, &found);
	if (found) {
		if (!newer(e, &m->m_e[at]))
			return 0;
		m->m_e[at] = *e;
		return 1;
	}
	if (m->m_n >= MAINT_ENTRIES_MAX)
		return -1;
	if (m->m_n == m->m_cap) {
		size_t cap = m->m_cap ? m->m_cap * 2 : 16;

		if ((ne = realloc(m->m_e, cap * sizeof(*ne))) == NULL)
			return -1;
		m->m_e = ne;
		m->m_cap = cap;
	}
	memmove(&m->m_e[at + 1], &m->m_e[at], (m->m_n - at) * sizeof(*ne));
	m->m_e[at] = *e;
	m->m_n++;
	return 1;
}

int
maint_change(struct maint *m, struct maint_entry *e, int64_t now_ms)
{
	uint64_t v = maint_version(m) + 1;

	if (now_ms > 0 && (uint64_t)now_ms > v)
		v = (uint64_t)now_ms;
	e->me_version = v;
	return maint_merge(m, e) == 1 ? 1 : -1;
}

const struct maint_entry *
maint_find(const struct maint *m, enum maint_target t, const char *a,
    const char *b)
{
	int found;
	size_t at = locate(m, t, a, b != NULL ? b : "", &found);

	return found ? &m->m_e[at] : NULL;
}

int
maint_server_state(const struct maint *m, const char *vs, const char *rs)
{
	const struct maint_entry *e = maint_find(m, MAINT_SERVER, vs, rs);

	return e != NULL ? e->me_state : MAINT_ENABLE;
}

int
maint_node_standby(const struct maint *m, const char *node)
{
	const struct maint_entry *e = maint_find(m, MAINT_NODE, node, "");

	return e != NULL && e->me_state == MAINT_STANDBY;
}

uint64_t
maint_version(const struct maint *m)
{
	uint64_t v = 0;

	for (size_t i = 0; i < m->m_n; i++)
		if (m->m_e[i].me_version > v)
			v = m->m_e[i].me_version;
	return v;
}

/* ---- byte encoding of one entry (datagrams and the digest) ---- */

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static size_t
entry_len(const struct maint_entry *e)
{
	return ENTRY_FIXED + strlen(e->me_a) + strlen(e->me_b) +
	    strlen(e->me_by);
}

/* Writes e at p (entry_len(e) bytes). */
static void
entry_put(uint8_t *p, const struct maint_entry *e)
{
	size_t la = strlen(e->me_a), lb = strlen(e->me_b);
	size_t lby = strlen(e->me_by);

	memset(p, 0, ENTRY_FIXED);
	p[0] = e->me_target;
	p[1] = e->me_state;
	p[2] = (uint8_t)la;
	p[3] = (uint8_t)lb;
	p[4] = (uint8_t)lby;
	put64(p + 8, e->me_version);
	put32(p + 16, e->me_origin);
	put64(p + 20, (uint64_t)e->me_time_ms);
	memcpy(p + ENTRY_FIXED, e->me_a, la);
	memcpy(p + ENTRY_FIXED + la, e->me_b, lb);
	memcpy(p + ENTRY_FIXED + la + lb, e->me_by, lby);
}

/* Reads one entry from p[0..len); its length, or 0 when malformed. */
static size_t
entry_get(const uint8_t *p, size_t len, struct maint_entry *e)
{
	size_t la, lb, lby;

	if (len < ENTRY_FIXED)
		return 0;
	la = p[2];
	lb = p[3];
	lby = p[4];
	if (la > CFG_NAME_MAX || lb > CFG_NAME_MAX || lby > MAINT_BY_MAX ||
	    len < ENTRY_FIXED + la + lb + lby)
		return 0;
	memset(e, 0, sizeof(*e));
	e->me_target = p[0];
	e->me_state = p[1];
	e->me_version = get64(p + 8);
	e->me_origin = get32(p + 16);
	e->me_time_ms = (int64_t)get64(p + 20);
	memcpy(e->me_a, p + ENTRY_FIXED, la);
	memcpy(e->me_b, p + ENTRY_FIXED + la, lb);
	memcpy(e->me_by, p + ENTRY_FIXED + la + lb, lby);
	return entry_ok(e) ? ENTRY_FIXED + la + lb + lby : 0;
}

void
maint_digest(const struct maint *m, uint8_t out[8])
{
	uint8_t *buf, one[ENTRY_FIXED + 2 * CFG_NAME_MAX + MAINT_BY_MAX];
	char hex[DIGEST_SHA256_HEX];
	size_t len = 0, n;

	buf = malloc(m->m_n * sizeof(one) + 1);
	for (size_t i = 0; buf != NULL && i < m->m_n; i++) {
		entry_put(one, &m->m_e[i]);
		n = entry_len(&m->m_e[i]);
		memcpy(buf + len, one, n);
		len += n;
	}
	digest_sha256_hex(buf != NULL ? buf : (uint8_t *)"", len, hex);
	free(buf);
	for (int i = 0; i < 8; i++) {
		unsigned v;

		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* ---- JSON and the file ---- */

static json_t *
entry_json(const struct maint_entry *e)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "target",
	    target_name(e->me_target), "state", maint_state_name(
	    e->me_target, e->me_state), "version", (json_int_t)e->me_version,
	    "origin", (json_int_t)e->me_origin, "time_ms",
	    (json_int_t)e->me_time_ms, "by", e->me_by);

	if (o == NULL)
		return NULL;
	if (e->me_target == MAINT_SERVER) {
		json_object_set_new(o, "virtual", json_string(e->me_a));
		json_object_set_new(o, "server", json_string(e->me_b));
	} else
		json_object_set_new(o, "node", json_string(e->me_a));
	return o;
}

json_t *
maint_to_json(const struct maint *m)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < m->m_n; i++)
		json_array_append_new(a, entry_json(&m->m_e[i]));
	return json_pack("{s:I, s:o}", "version",
	    (json_int_t)maint_version(m), "entries", a);
}

static int
entry_from_json(const json_t *o, struct maint_entry *e, char *err,
    size_t errlen)
{
	const char *t, *st, *a = NULL, *b = "", *node = NULL, *by = "";
	json_int_t ver, origin, tm;
	json_error_t je;
	int s;

	memset(e, 0, sizeof(*e));
	if (json_unpack_ex((json_t *)o, &je, 0, "{s:s, s:s, s:I, s:I, s:I, "
	    "s?s, s?s, s?s, s?s}", "target", &t, "state", &st, "version", &ver,
	    "origin", &origin, "time_ms", &tm, "by", &by, "virtual", &a,
	    "server", &b, "node", &node) == -1) {
		snprintf(err, errlen, "entry: %s", je.text);
		return -1;
	}
	e->me_target = strcmp(t, "server") == 0 ? MAINT_SERVER :
	    strcmp(t, "node") == 0 ? MAINT_NODE : 0;
	if (e->me_target == MAINT_NODE)
		a = node;
	if (e->me_target == 0 || a == NULL ||
	    (s = maint_state_from_name(e->me_target, st)) == -1) {
		snprintf(err, errlen, "entry: bad target, name or state");
		return -1;
	}
	e->me_state = (uint8_t)s;
	e->me_version = (uint64_t)ver;
	e->me_origin = (uint32_t)origin;
	e->me_time_ms = tm;
	str_copy(e->me_a, a, sizeof(e->me_a));
	str_copy(e->me_b, e->me_target == MAINT_SERVER ? b : "",
	    sizeof(e->me_b));
	str_copy(e->me_by, by, sizeof(e->me_by));
	if (!entry_ok(e)) {
		snprintf(err, errlen, "entry %s/%s: bad name", a, b);
		return -1;
	}
	return 0;
}

int
maint_from_json(const json_t *o, struct maint *m, char *err, size_t errlen)
{
	const json_t *a = json_object_get(o, "entries"), *v;
	struct maint_entry e;
	struct maint nm;
	size_t i;

	if (!json_is_array(a)) {
		snprintf(err, errlen, "no \"entries\" array");
		return -1;
	}
	maint_init(&nm);
	json_array_foreach(a, i, v) {
		if (entry_from_json(v, &e, err, errlen) == -1 ||
		    maint_merge(&nm, &e) == -1) {
			if (err[0] == '\0')
				snprintf(err, errlen, "too many entries");
			maint_clear(&nm);
			return -1;
		}
	}
	maint_clear(m);
	*m = nm;
	return 0;
}

char *
maint_path(const char *db)
{
	char *p;

	return asprintf(&p, "%s.maint", db) == -1 ? NULL : p;
}

int
maint_load(struct maint *m, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o;
	char *buf;
	size_t len;
	int r;

	err[0] = '\0';
	if ((buf = file_read_all(path, FILE_MAX, &len)) == NULL) {
		if (errno == ENOENT) {
			maint_clear(m);
			return 0;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	o = json_loadb(buf, len, 0, &je);
	free(buf);
	if (o == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column,
		    je.text);
		return -1;
	}
	r = maint_from_json(o, m, err, errlen);
	json_decref(o);
	if (r == -1) {
		char msg[256];

		str_copy(msg, err, sizeof(msg));
		snprintf(err, errlen, "%s: %s", path, msg);
	}
	return r;
}

static int
write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int
maint_save(const struct maint *m, const char *path, char *err, size_t errlen)
{
	json_t *o = maint_to_json(m);
	char *s = o != NULL ? json_dumps(o, JSON_INDENT(1)) : NULL, *tmp = NULL;
	int fd = -1, ret = -1;

	json_decref(o);
	if (s == NULL || asprintf(&tmp, "%s.tmp", path) == -1) {
		tmp = NULL;
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1 || write_all(fd, s, strlen(s)) == -1 ||
	    write_all(fd, "\n", 1) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	if (close(fd) == -1 || (fd = -1, rename(tmp, path) == -1)) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	fd = -1;
	ret = 0;
done:
	if (fd != -1)
		close(fd);
	if (ret == -1 && tmp != NULL)
		(void)unlink(tmp);
	free(tmp);
	free(s);
	return ret;
}

/* ---- datagrams ---- */

int
maint_encode(const struct maint_hdr *h, const struct maint *m, size_t *from,
    const uint8_t *key, size_t keylen, uint8_t *buf, size_t len)
{
	size_t off = MAINT_HDR_LEN, room, count = 0;

	if (len < MAINT_DGRAM_MAX)
		return -1;
	room = MAINT_DGRAM_MAX - (key != NULL ? MAINT_MAC_LEN : 0);
	while (h->mh_type == MAINT_MSG_ENTRIES && *from < m->m_n &&
	    count < 255 && off + entry_len(&m->m_e[*from]) <= room) {
		entry_put(buf + off, &m->m_e[*from]);
		off += entry_len(&m->m_e[*from]);
		(*from)++;
		count++;
	}
	put32(buf, MAINT_MAGIC);
	buf[4] = MAINT_VERSION;
	buf[5] = h->mh_type;
	buf[6] = key != NULL ? MAINT_F_MAC : 0;
	buf[7] = (uint8_t)count;
	put32(buf + 8, h->mh_cluster);
	put32(buf + 12, h->mh_node);
	put64(buf + 16, h->mh_seq);
	put64(buf + 24, h->mh_version);
	memcpy(buf + 32, h->mh_digest, 8);
	if (key != NULL) {
		digest_hmac_sha256(key, keylen, buf, off, buf + off);
		off += MAINT_MAC_LEN;
	}
	return (int)off;
}

static int
mac_ok(const uint8_t *buf, size_t len, const uint8_t *key, size_t keylen)
{
	uint8_t mac[DIGEST_SHA256_LEN];
	int ok;

	digest_hmac_sha256(key, keylen, buf, len, mac);
	ok = digest_equal(mac, buf + len, MAINT_MAC_LEN);
	explicit_bzero(mac, sizeof(mac));
	return ok;
}

static enum maint_err
check_mac(const uint8_t *buf, size_t *len, const struct maint_keys *k)
{
	int has = (buf[6] & MAINT_F_MAC) != 0;

	if (k == NULL || k->mk_key == NULL)
		return has ? MAINT_ERR_MAC : MAINT_OK;
	if (!has || *len < MAINT_HDR_LEN + MAINT_MAC_LEN)
		return MAINT_ERR_MAC;
	*len -= MAINT_MAC_LEN;
	if (mac_ok(buf, *len, k->mk_key, k->mk_keylen))
		return MAINT_OK;
	if (k->mk_key2 != NULL && mac_ok(buf, *len, k->mk_key2,
	    k->mk_key2len))
		return MAINT_OK;
	return MAINT_ERR_MAC;
}

enum maint_err
maint_decode(const uint8_t *buf, size_t len, uint32_t cluster,
    const struct maint_keys *keys, struct maint_hdr *h,
    struct maint_entry *out, size_t *nout)
{
	enum maint_err e;
	size_t off = MAINT_HDR_LEN, n;

	*nout = 0;
	if (len < MAINT_HDR_LEN || len > MAINT_DGRAM_MAX)
		return MAINT_ERR_SIZE;
	if (get32(buf) != MAINT_MAGIC)
		return MAINT_ERR_MAGIC;
	if (buf[4] != MAINT_VERSION)
		return MAINT_ERR_VERSION;
	if (get32(buf + 8) != cluster)
		return MAINT_ERR_CLUSTER;
	if ((e = check_mac(buf, &len, keys)) != MAINT_OK)
		return e;
	memset(h, 0, sizeof(*h));
	h->mh_type = buf[5];
	h->mh_count = buf[7];
	h->mh_cluster = cluster;
	h->mh_node = get32(buf + 12);
	h->mh_seq = get64(buf + 16);
	h->mh_version = get64(buf + 24);
	memcpy(h->mh_digest, buf + 32, 8);
	if (h->mh_type != MAINT_MSG_SUMMARY &&
	    h->mh_type != MAINT_MSG_ENTRIES && h->mh_type != MAINT_MSG_YIELD)
		return MAINT_ERR_FORMAT;
	for (size_t i = 0; i < h->mh_count; i++) {
		if ((n = entry_get(buf + off, len - off, &out[i])) == 0)
			return MAINT_ERR_FORMAT;
		off += n;
	}
	if (off != len || (h->mh_type != MAINT_MSG_ENTRIES && h->mh_count))
		return MAINT_ERR_FORMAT;
	*nout = h->mh_count;
	return MAINT_OK;
}

const char *
maint_err_name(enum maint_err e)
{
	static const char *const names[] = { "ok", "bad_size", "bad_magic",
	    "bad_version", "wrong_cluster", "bad_mac", "bad_format",
	    "unknown_sender", "replay" };

	return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] :
	    "unknown";
}
