/*
 * events.h - the wire format of pulse's events: one structured record per
 * transition, with a sequence number and a time, shared by pulse (which
 * makes them, runs the notify hooks and streams them on its control
 * socket) and its clients (`shoalctl events`, shoal-web's Logs page).
 *
 * Every kind has a fixed list of fields, in a fixed order (the table
 * event_kinds[] below; doc/protocol.md, "Events").  That order is the
 * order of a hook's arguments after the kind, so a hook written for
 * today's fields keeps working when a field is added at the end.
 *
 * On the control socket an event is one JSON object on one line:
 *
 *   {"seq": 12, "time": "2026-12-03T19:00:00.123Z", "time_ms": ...,
 *    "boot": 1795560889000, "node": "r1", "kind": "role",
 *    "from": "backup", "to": "active", "reason": "partner dead",
 *    "peer": "r2"}
 *
 * seq starts at 1 when pulse's worker starts and grows by one per event;
 * boot is the worker's start (Unix ms), so a consumer sees a restart.
 */
#ifndef SHOAL_IPC_EVENTS_H
#define SHOAL_IPC_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum ev_kind {
	EV_ROLE,		/* this node's role changed */
	EV_VIP,			/* a virtual address taken or released */
	EV_SERVER,		/* a real server up/down or its weight */
	EV_SERVICE,		/* a fail-over service failed/recovered */
	EV_CONFIG,		/* a configuration generation applied */
	EV_PUSH,		/* a push finished (reported by the pusher) */
	EV_SYNCD,		/* the connection sync daemon up/down */
	EV_MAINT,		/* cluster-wide maintenance state changed */
	EV_DUAL_ACTIVE,		/* two MAC addresses answer for one VIP */
	EV_DRILL,		/* a fail-over drill finished */
	EV_HOOK,		/* notify hooks dropped or failed (summary) */
	EV__MAX
};

#define EV_FIELDS_MAX		7
#define EV_VALUE_MAX		127	/* bytes of one field's value */
#define EV_NODE_MAX		63

struct ev_kind_desc {
	const char	*ek_name;		/* "role" */
	const char	*ek_help;
	const char	*ek_fields[EV_FIELDS_MAX + 1];	/* NULL ended */
};

/* Indexed by enum ev_kind. */
extern const struct ev_kind_desc event_kinds[EV__MAX];

struct shoal_event {
	uint64_t	 e_seq;
	int64_t		 e_time_ms;		/* Unix ms */
	int64_t		 e_boot_ms;		/* the worker's start */
	enum ev_kind	 e_kind;
	char		 e_node[EV_NODE_MAX + 1];
	size_t		 e_nvalues;		/* the kind's fields, in order */
	char		 e_values[EV_FIELDS_MAX][EV_VALUE_MAX + 1];
};

const char *event_kind_name(enum ev_kind);
/* The kind called name, or -1. */
int event_kind_from_name(const char *name);
/* The number of fields of kind. */
size_t event_kind_nfields(enum ev_kind);

/*
 * Fills e with kind and values[0..nvalues) (the kind's fields in order;
 * missing ones are empty, extra ones ignored).  Values longer than
 * EV_VALUE_MAX are cut; control characters become '?'.  seq and times
 * are the caller's.
 */
void event_set(struct shoal_event *, enum ev_kind, const char *node,
    const char *const *values, size_t nvalues);
/* The value of field name, or NULL when the kind has no such field. */
const char *event_get(const struct shoal_event *, const char *name);

/* The JSON object above; NULL on ENOMEM. */
json_t *event_to_json(const struct shoal_event *);
/*
 * The reverse, strict: seq, time_ms, node and kind required, a known
 * kind, string fields.  0, or -1 with a message in err.
 */
int event_from_json(const json_t *, struct shoal_event *, char *err,
    size_t errlen);

/* "2026-12-03T19:00:00.123Z" (UTC) into buf (at least 25 bytes). */
void event_time_str(int64_t ms, char *buf, size_t len);
/*
 * One line for people: "TIME #SEQ NODE KIND field=value ..." (values
 * with blanks quoted).  Returns the length written (cut at len).
 */
size_t event_format_text(const struct shoal_event *, char *buf, size_t len);
/*
 * A one-line summary ("r1: role backup -> active (partner dead)"), for a
 * mail subject or a banner.
 */
void event_summary(const struct shoal_event *, char *buf, size_t len);

/*
 * The environment of a notify hook: SHOAL_EVENT, SHOAL_SEQ, SHOAL_TIME,
 * SHOAL_TIME_MS, SHOAL_NODE and SHOAL_<FIELD> for each field (upper
 * case), plus PATH.  A NULL-ended array (free with event_env_free()), or
 * NULL on ENOMEM.
 */
char **event_env(const struct shoal_event *);
void event_env_free(char **);

#endif
