/*
 * lb_preview.h - what applying a desired state would do, told without
 * doing it: the IPVS differences as ipvsadm command lines (the same walk
 * over "old -> new" that the IPVS backend sends to the kernel, so the
 * preview and the apply cannot drift apart), and the traffic share each
 * real server of a service can expect.  Pure: no I/O, no kernel.
 */
#ifndef SHOAL_LB_PREVIEW_H
#define SHOAL_LB_PREVIEW_H

#include <stddef.h>

#include "lb/lb_state.h"

enum lb_ipvs_op {
	LB_IPVS_ADD_SVC,	/* ipvsadm -A */
	LB_IPVS_EDIT_SVC,	/* ipvsadm -E */
	LB_IPVS_DEL_SVC,	/* ipvsadm -D */
	LB_IPVS_ADD_DEST,	/* ipvsadm -a */
	LB_IPVS_EDIT_DEST,	/* ipvsadm -e */
	LB_IPVS_DEL_DEST,	/* ipvsadm -d */
};

/*
 * One operation of a walk: svc is the service it concerns (its desired
 * attributes, or the old ones for a removal), d the real server (NULL for
 * a service operation).  Returns 0, or -1 when it failed (the walk goes
 * on and reports -1 at the end).
 */
typedef int (*lb_ipvs_op_fn)(void *arg, enum lb_ipvs_op,
    const struct lb_service *svc, const struct lb_dest *d);

/*
 * Walks the differences from `from` to `want` in the order the IPVS
 * backend applies them: removed services, then per desired service its
 * addition or update, its removed real servers, its added and updated
 * ones.  0, or -1 when an operation returned -1.
 */
int lb_ipvs_diff(const struct lb_state *from, const struct lb_state *want,
    lb_ipvs_op_fn fn, void *arg);

/*
 * One operation in ipvsadm notation ("-a -t 10.0.0.1:80 -r
 * 192.168.1.2:80 -m -w 3") into buf (NUL ended, truncated to len).
 */
void lb_ipvs_op_line(enum lb_ipvs_op, const struct lb_service *svc,
    const struct lb_dest *d, char *buf, size_t len);
#define LB_OP_LINE_MAX	(2 * INET6_ADDRSTRLEN + 96)

/*
 * The operations of lb_ipvs_diff(from, want), one ipvsadm line each
 * ending in '\n', then the global changes (timeouts: --set; sync daemons:
 * --start-daemon / --stop-daemon) when trusted says old is what the
 * kernel holds.  A malloc'ed string ("" when nothing changes) the caller
 * frees, or NULL when out of memory.
 */
char *lb_ipvs_preview(const struct lb_state *from, const struct lb_state *want);

/* How a scheduler spreads new connections over the real servers. */
enum lb_share_kind {
	LB_SHARE_EQUAL,		/* rr, lc: equal among servers of weight > 0 */
	LB_SHARE_WEIGHT,	/* weight over the sum of the weights */
	LB_SHARE_HASH,		/* sh, dh, mh: by hash, proportional to weight */
};
enum lb_share_kind lb_share_kind(enum cfg_scheduler);
/* "equal", "weight", "by hash, proportional to weight" */
const char *lb_share_kind_text(enum lb_share_kind);

/*
 * The expected share (0..1) of new connections of real server i of svc
 * into share[i] (svc->s_ndests entries): weight 0 (quiesced) gets 0; when
 * every weight is 0, every share is 0 (the service takes nothing new).
 */
void lb_service_shares(const struct lb_service *svc, double *share);

#endif
