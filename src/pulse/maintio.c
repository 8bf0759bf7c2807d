/*
 * maintio.c - cluster-wide maintenance in the worker (see maintio.h).
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/util.h"
#include "evbus.h"
#include "hbio.h"
#include "leave.h"
#include "maintio.h"
#include "services.h"
#include "worker.h"

#define REJECT_LOG_MS		10000

struct maintio {
	struct worker		*mi_w;
	struct maint		 mi_state;
	char			*mi_path;
	struct event		*mi_timer;
	uint64_t		 mi_seq;
	uint8_t			 mi_digest[8];	/* of mi_state, kept current */
	uint64_t		 mi_rejected[MAINT_ERR__MAX];
	uint64_t		 mi_logged_ms;
};

static void
refresh_digest(struct maintio *mi)
{
	maint_digest(&mi->mi_state, mi->mi_digest);
}

static void
save(struct maintio *mi)
{
	char err[512];

	if (maint_save(&mi->mi_state, mi->mi_path, err, sizeof(err)) == -1)
		log_warnx("maintenance: cannot save the state: %s", err);
}

/* ---- sending ---- */

static void
header(struct maintio *mi, enum maint_msg type, struct maint_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->mh_type = (uint8_t)type;
	h->mh_cluster = mi->mi_w->w_rt->rt_cluster;
	h->mh_node = worker_self_node(mi->mi_w)->rn_id;
	h->mh_seq = mi->mi_seq;
	mi->mi_seq = heartbeat_seq_next(mi->mi_seq, pulse_realtime_ms());
	h->mh_version = maint_version(&mi->mi_state);
	memcpy(h->mh_digest, mi->mi_digest, sizeof(h->mh_digest));
}

/* Sends the entries of m (all of them, in as many datagrams as needed)
 * to peer i. */
static void
send_entries(struct maintio *mi, size_t i, const struct maint *m)
{
	const struct pulse_rt *rt = mi->mi_w->w_rt;
	uint8_t buf[MAINT_DGRAM_MAX];
	struct maint_hdr h;
	size_t from = 0;
	int n;

	while (from < m->m_n) {
		header(mi, MAINT_MSG_ENTRIES, &h);
		n = maint_encode(&h, m, &from, rt->rt_key, rt->rt_keylen, buf,
		    sizeof(buf));
		if (n == -1 || hbio_send_peer(mi->mi_w, i, buf, (size_t)n) ==
		    -1)
			return;
	}
}

static void
send_summary(struct maintio *mi, size_t i)
{
	const struct pulse_rt *rt = mi->mi_w->w_rt;
	uint8_t buf[MAINT_DGRAM_MAX];
	struct maint_hdr h;
	int n;

	header(mi, MAINT_MSG_SUMMARY, &h);
	n = maint_encode(&h, &mi->mi_state, NULL, rt->rt_key, rt->rt_keylen,
	    buf, sizeof(buf));
	if (n != -1)
		(void)hbio_send_peer(mi->mi_w, i, buf, (size_t)n);
}

static void
each_peer(struct maintio *mi, void (*fn)(struct maintio *, size_t, void *),
    void *arg)
{
	for (size_t i = 0; i < mi->mi_w->w_rt->rt_nnodes; i++)
		if (i != mi->mi_w->w_rt->rt_self)
			fn(mi, i, arg);
}

static void
summary_to(struct maintio *mi, size_t i, void *arg)
{
	(void)arg;
	send_summary(mi, i);
}

static void
entries_to(struct maintio *mi, size_t i, void *arg)
{
	send_entries(mi, i, arg);
}

static void
timer_cb(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	each_peer(arg, summary_to, NULL);
}

void
maintio_yield(struct maintio *mi, size_t i, uint32_t hold_ms)
{
	const struct pulse_rt *rt = mi->mi_w->w_rt;
	uint8_t buf[MAINT_DGRAM_MAX];
	struct maint_hdr h;
	int n;

	header(mi, MAINT_MSG_YIELD, &h);
	h.mh_version = hold_ms;
	n = maint_encode(&h, &mi->mi_state, NULL, rt->rt_key, rt->rt_keylen,
	    buf, sizeof(buf));
	if (n != -1)
		(void)hbio_send_peer(mi->mi_w, i, buf, (size_t)n);
}

/* A peer's drill wants the VIPs back. */
static void
yielded(struct maintio *mi, size_t i, uint64_t hold_ms)
{
	struct worker *w = mi->mi_w;

	if (w->w_self.es_state != EL_ACTIVE)
		return;
	if (hold_ms > MAINTIO_HOLD_MAX_MS)
		hold_ms = MAINTIO_HOLD_MAX_MS;
	log_info("drill: %s asks for the addresses back: out of the "
	    "election for %llu ms", w->w_rt->rt_nodes[i].rn_name,
	    (unsigned long long)hold_ms);
	worker_hold(w, hold_ms);
}

/* ---- applying ---- */

static void
apply_standby(struct maintio *mi)
{
	struct worker *w = mi->mi_w;

	w->w_maint_standby = maint_node_standby(&mi->mi_state,
	    worker_self_node(w)->rn_name);
	worker_update_standby(w);
}

/* One entry that changed: logged, an event, applied. */
static void
changed(struct maintio *mi, const struct maint_entry *e, const char *where)
{
	const char *st = maint_state_name(e->me_target, e->me_state);
	char name[2 * CFG_NAME_MAX + 2];

	if (e->me_target == MAINT_SERVER)
		snprintf(name, sizeof(name), "%s/%s", e->me_a, e->me_b);
	else
		str_copy(name, e->me_a, sizeof(name));
	log_info("maintenance: %s %s %s by %s (%s, version %llu)",
	    e->me_target == MAINT_SERVER ? "real server" : "node", name, st,
	    e->me_by[0] ? e->me_by : "?", where,
	    (unsigned long long)e->me_version);
	evbus_emit(EV_MAINT, e->me_target == MAINT_SERVER ? "server" : "node",
	    name, st, e->me_by, where);
	if (e->me_target == MAINT_SERVER)
		services_admin(mi->mi_w->w_svc, e->me_a, e->me_b, e->me_state);
	else
		apply_standby(mi);
}

static int
admin_source(const char *vs, const char *rs, void *arg)
{
	return maint_server_state(&((struct maintio *)arg)->mi_state, vs, rs);
}

void
maintio_apply(struct maintio *mi)
{
	services_set_admin_source(mi->mi_w->w_svc, admin_source, mi);
	for (size_t i = 0; i < mi->mi_state.m_n; i++)
		if (mi->mi_state.m_e[i].me_target == MAINT_SERVER)
			services_admin(mi->mi_w->w_svc, mi->mi_state.m_e[i].me_a,
			    mi->mi_state.m_e[i].me_b,
			    mi->mi_state.m_e[i].me_state);
	apply_standby(mi);
}

/* ---- changes made here ---- */

static json_t *error_json(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static json_t *
error_json(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:s}", "error", msg);
}

/* NULL when the target exists in the configuration, else the error. */
static json_t *
check_target(const struct worker *w, enum maint_target t, const char *a,
    const char *b)
{
	const struct cfg_virtual *v;

	if (t == MAINT_NODE) {
		for (size_t i = 0; i < w->w_rt->rt_nnodes; i++)
			if (strcmp(w->w_rt->rt_nodes[i].rn_name, a) == 0)
				return NULL;
		return error_json("no node %s in the configuration", a);
	}
	if ((v = config_find_virtual(w->w_cfg, a)) == NULL)
		return error_json("no virtual server %s", a);
	if (cfg_virtual_find_server(v, b) == NULL)
		return error_json("virtual %s has no server %s", a, b);
	return NULL;
}

json_t *
maintio_change(struct maintio *mi, enum maint_target t, const char *state,
    const char *a, const char *b, const char *by)
{
	struct maint_entry e;
	json_t *err;
	int s;

	if ((s = maint_state_from_name(t, state)) == -1)
		return error_json("unknown state %s", state);
	if ((err = check_target(mi->mi_w, t, a, b)) != NULL)
		return err;
	memset(&e, 0, sizeof(e));
	e.me_target = (uint8_t)t;
	e.me_state = (uint8_t)s;
	str_copy(e.me_a, a, sizeof(e.me_a));
	str_copy(e.me_b, t == MAINT_SERVER ? b : "", sizeof(e.me_b));
	str_copy(e.me_by, by, sizeof(e.me_by));
	e.me_origin = worker_self_node(mi->mi_w)->rn_id;
	e.me_time_ms = (int64_t)pulse_realtime_ms();
	if (maint_change(&mi->mi_state, &e, e.me_time_ms) == -1)
		return error_json("the maintenance state is full");
	refresh_digest(mi);
	save(mi);
	changed(mi, &e, worker_self_node(mi->mi_w)->rn_name);
	{
		struct maint one = { &e, 1, 1 };

		each_peer(mi, entries_to, &one);
	}
	return json_pack("{s:b, s:I, s:b, s:s}", "ok", 1, "version",
	    (json_int_t)e.me_version, "applied", t == MAINT_NODE ||
	    services_lb_active(mi->mi_w->w_svc), "state", state);
}

/* ---- receiving ---- */

int
maintio_is_mine(const uint8_t *buf, size_t len)
{
	return len >= 4 && ((uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
	    (uint32_t)buf[2] << 8 | buf[3]) == MAINT_MAGIC;
}

static void
reject(struct maintio *mi, enum maint_err e, const char *why)
{
	uint64_t now = clock_monotonic_ms();

	mi->mi_rejected[e]++;
	if (mi->mi_logged_ms != 0 && now < mi->mi_logged_ms + REJECT_LOG_MS)
		return;
	mi->mi_logged_ms = now;
	log_warnx("maintenance datagram dropped: %s (%llu so far)", why,
	    (unsigned long long)mi->mi_rejected[e]);
}

static void
merge_all(struct maintio *mi, const struct maint_entry *in, size_t n,
    const char *from)
{
	size_t nchanged = 0;
	int r;

	for (size_t k = 0; k < n; k++) {
		if ((r = maint_merge(&mi->mi_state, &in[k])) == -1)
			log_warnx("maintenance: the state is full: an entry "
			    "from %s dropped", from);
		if (r == 1) {
			nchanged++;
			changed(mi, &in[k], from);
		}
	}
	if (nchanged > 0) {
		refresh_digest(mi);
		save(mi);
	}
}

void
maintio_receive(struct maintio *mi, const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from)
{
	static struct maint_entry in[255];
	const struct pulse_rt *rt = mi->mi_w->w_rt;
	struct maint_hdr h;
	struct peer *p;
	enum maint_err e;
	size_t n;
	int i;

	struct maint_keys keys = { rt->rt_key, rt->rt_keylen, rt->rt_key2,
	    rt->rt_key2len };

	e = maint_decode(buf, len, rt->rt_cluster, &keys, &h, in, &n);
	if (e != MAINT_OK) {
		reject(mi, e, maint_err_name(e));
		return;
	}
	if ((i = hbio_peer_of(mi->mi_w, h.mh_node, from)) == -1) {
		reject(mi, MAINT_ERR_SENDER, "unknown_sender");
		return;
	}
	p = &mi->mi_w->w_peers[i];
	if (h.mh_seq <= p->p_mseq) {
		reject(mi, MAINT_ERR_REPLAY, "replay");
		return;
	}
	p->p_mseq = h.mh_seq;
	if (h.mh_type == MAINT_MSG_YIELD) {
		yielded(mi, (size_t)i, h.mh_version);
		return;
	}
	merge_all(mi, in, n, rt->rt_nodes[i].rn_name);
	/* they lack something we have: all of ours, not too often */
	if (memcmp(h.mh_digest, mi->mi_digest, 8) != 0 &&
	    (h.mh_type == MAINT_MSG_SUMMARY ||
	    h.mh_version < maint_version(&mi->mi_state)) &&
	    clock_monotonic_ms() >= p->p_msync_ms + MAINTIO_RESYNC_MS) {
		p->p_msync_ms = clock_monotonic_ms();
		send_entries(mi, (size_t)i, &mi->mi_state);
	}
}

uint64_t
maintio_rejected(const struct maintio *mi, enum maint_err e)
{
	return (unsigned)e < MAINT_ERR__MAX ? mi->mi_rejected[e] : 0;
}

/* ---- life ---- */

struct maintio *
maintio_new(struct worker *w)
{
	struct timeval tv = { MAINTIO_SUMMARY_MS / 1000,
	    (MAINTIO_SUMMARY_MS % 1000) * 1000 };
	struct maintio *mi = calloc(1, sizeof(*mi));
	char err[512];

	if (mi == NULL)
		return NULL;
	mi->mi_w = w;
	maint_init(&mi->mi_state);
	mi->mi_seq = heartbeat_seq_first(pulse_realtime_ms(), 0);
	if ((mi->mi_path = maint_path(w->w_opts->po_db)) == NULL)
		goto fail;
	if (maint_load(&mi->mi_state, mi->mi_path, err, sizeof(err)) == -1) {
		/* a damaged file must not stop pulse: the peers have it */
		log_warnx("maintenance: %s: starting empty, the peers will "
		    "send theirs", err);
		maint_clear(&mi->mi_state);
	}
	refresh_digest(mi);
	if ((mi->mi_timer = event_new(w->w_base, -1, EV_PERSIST, timer_cb,
	    mi)) == NULL || event_add(mi->mi_timer, &tv) == -1)
		goto fail;
	if (mi->mi_state.m_n > 0)
		log_info("maintenance: %zu entries from %s (version %llu)",
		    mi->mi_state.m_n, mi->mi_path, (unsigned long long)
		    maint_version(&mi->mi_state));
	return mi;
fail:
	maintio_free(mi);
	return NULL;
}

void
maintio_free(struct maintio *mi)
{
	if (mi == NULL)
		return;
	if (mi->mi_timer != NULL)
		event_free(mi->mi_timer);
	maint_clear(&mi->mi_state);
	free(mi->mi_path);
	free(mi);
}

const struct maint *
maintio_state(const struct maintio *mi)
{
	return &mi->mi_state;
}

const char *
maintio_path(const struct maintio *mi)
{
	return mi->mi_path;
}
