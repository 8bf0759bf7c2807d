/*
 * srvadmin.h - the runtime admin state of real servers, persisted in the
 * store (table server_admin, by virtual and server name).
 *
 *   enable   health decides (no row)
 *   drain    weight 0: no new connections, existing ones finish
 *   disable  removed from the load balancer
 *
 * shoalctl writes it (`shoalctl server drain VS RS`) and tells pulse over
 * the control socket; pulse reads it at start and on reload.
 */
#ifndef SHOAL_SRVADMIN_H
#define SHOAL_SRVADMIN_H

struct store;

enum srvadmin_state {
	SRVADMIN_ENABLE,
	SRVADMIN_DRAIN,
	SRVADMIN_DISABLE,
};

/* "enable", "drain", "disable"; NULL out of range. */
const char *srvadmin_name(enum srvadmin_state);
/* The state of a name, -1 for an unknown one. */
int srvadmin_from_name(const char *);

/*
 * Sets the state of (virtual, server) and adds an audit row by user
 * ("cli:alice"), in one transaction.  0, or -1 (logged).
 */
int srvadmin_set(struct store *, const char *virtual, const char *server,
    enum srvadmin_state, const char *user);

/*
 * Calls fn for every server that is not enabled, until fn returns
 * non-zero.  The strings are valid during the call only.  0 or -1.
 */
int srvadmin_each(struct store *, int (*fn)(const char *virtual,
    const char *server, enum srvadmin_state, void *arg), void *arg);

#endif
