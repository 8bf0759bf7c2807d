/*
 * push_watch.h - the cluster's health before and after a push, as the
 * local pulse reports it (its status over the control socket), and the
 * comparison that decides an automatic rollback (api_push.c).
 *
 * Health is what a push can break and pulse can see: the nodes alive (the
 * local one and the peers it hears), how many are active (a VIP owner),
 * and per virtual server its real servers up, down and not yet checked.
 * A real server whose health is unknown (a nanny just restarted by the
 * reload) gets the benefit of the doubt until the watch ends.
 */
#ifndef SHOAL_PUSH_WATCH_H
#define SHOAL_PUSH_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/config.h"

#define PW_MAX_VS	256
#define PW_HASH_LEN	65

struct pw_vs {
	char		 pv_name[CFG_NAME_MAX + 1];
	int		 pv_up;
	int		 pv_unknown;
	int		 pv_total;
};

struct pw_health {
	uint64_t	 ph_generation;		/* the local pulse's */
	char		 ph_hash[PW_HASH_LEN];
	char		 ph_node[CFG_NAME_MAX + 1];
	int		 ph_alive;	/* the local node + peers heard */
	int		 ph_nodes;	/* configured */
	int		 ph_active;	/* nodes whose state is active */
	int		 ph_ecmp;	/* several active directors by design */
	size_t		 ph_nvs;
	struct pw_vs	 ph_vs[PW_MAX_VS];
};

/* Fills h from pulse's status JSON.  0, or -1 when it is not one. */
int pw_health_from_json(const json_t *status, struct pw_health *h);

/*
 * Reads the local pulse's status (a blocking control-socket call bounded
 * by timeout_ms) into h.  0, or -1 with the reason in err.
 */
int pw_health_read(const char *rundir, unsigned timeout_ms,
    struct pw_health *h, char *err, size_t errlen);

/*
 * What got worse in now than in base: a node less alive, fewer active
 * nodes, two where there was one (unless ecmp), fewer real servers up in
 * a virtual server both have (unknown ones count as up unless final).
 * Returns 1 with a one-line reason in why, else 0.
 */
int pw_worse(const struct pw_health *base, const struct pw_health *now,
    int final, char *why, size_t len);

/* h as JSON for the push report. */
json_t *pw_health_json(const struct pw_health *h);

#endif
