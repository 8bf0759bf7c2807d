/*
 * server.h - one real server as nanny sees it: its checks over time,
 * rise/fall counts, forced states, and the weight it should get.
 *
 * A server runs its health check every interval (never two at once).
 * Going down takes `fall` failures in a row (Piranha: 1), coming back
 * takes `rise` successes in a row (0 in the config: reentry / interval,
 * Piranha's reentry).  The first check decides at once.  Every change of
 * state or weight is reported through one callback as a nanny_report.
 *
 * Weight: down = 0 (pulse removes the server, or keeps it at weight 0
 * when the virtual has quiesce_server).  Up: the configured weight, or
 * what the check said (a program's "N" / "N%", an agent's "N%"), or what
 * the load monitor says (uptime over ssh/rsh: weight / max(1, load);
 * agent: the agent's percentage), capped to [1, configured] for uptime
 * and changed only past a hysteresis of 10 % of the configured weight;
 * then scaled by slow start while a returning server ramps up.  An agent
 * "drain" makes the weight 0 while the server stays up.
 *
 * The state machine itself (server_apply, server_weight_at,
 * server_apply_load) takes the time as an argument so tests can drive it
 * with a fake clock and no sockets.
 */
#ifndef SHOAL_SERVER_H
#define SHOAL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "ipc/nanny_report.h"
#include "check.h"

struct event_base;

#define SERVER_LOAD_RAISE	2	/* the load monitor's top: x configured */

enum server_force {
	SERVER_FORCE_NONE,	/* normal checking (SIGHUP) */
	SERVER_FORCE_DOWN,	/* SIGUSR1 */
	SERVER_FORCE_UP,	/* SIGUSR2 */
};

enum server_state {
	SERVER_UNKNOWN,		/* no check has decided yet */
	SERVER_DOWN,
	SERVER_UP,
};

typedef void (*server_report_cb)(const struct nanny_report *, void *arg);

struct server;

/*
 * A server of virtual vs: rs, or for a fail-over service (rs NULL) the
 * service itself at addr (NULL: the VIP) and vs_port.  g gives the rsh
 * command for load_monitor.  Nothing runs until server_start().  Returns
 * NULL with a message in err.
 */
struct server *server_new(struct event_base *base, const struct cfg_global *g,
    const struct cfg_virtual *vs, const struct cfg_server *rs,
    const struct cfg_addr *addr, server_report_cb cb, void *arg,
    char *err, size_t errlen);
/* Starts checking after delay_ms (to spread many servers). 0 or -1. */
int server_start(struct server *, uint32_t delay_ms);
void server_force(struct server *, enum server_force);
void server_free(struct server *);

/*
 * The state machine.  server_apply() feeds one check result at now_ms;
 * returns 1 when a report was sent.  server_weight_at() is the weight to
 * report at now_ms.  server_apply_load() feeds a load average from the
 * uptime monitor; returns 1 when the weight changed.
 */
int server_apply(struct server *, const struct check_outcome *,
    uint64_t now_ms);
int server_weight_at(const struct server *, uint64_t now_ms);
int server_apply_load(struct server *, double load, uint64_t now_ms);
/* Re-reports if the slow start weight moved; 1 when reported. */
int server_tick(struct server *, uint64_t now_ms);

enum server_state server_state(const struct server *);
const char *server_name(const struct server *);
int server_rise(const struct server *);
int server_fall(const struct server *);
uint32_t server_interval_ms(const struct server *);

/* Parses the load averages out of uptime's output (1-minute); -1 if none. */
int server_parse_uptime(const char *out, double *load);

#endif
