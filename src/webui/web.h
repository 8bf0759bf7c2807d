/*
 * web.h - shoal-web's shared state: the one struct every request handler
 * reaches through its request.
 *
 * libmicrohttpd calls handlers on its thread pool, so everything here that
 * changes after start-up is guarded: the store (one SQLite connection) by
 * w_store_lock, sessions by auth.c's own lock, log tail clients by
 * logtail.c's.  Strings are owned by main() and live as long as the process.
 */
#ifndef SHOAL_WEB_H
#define SHOAL_WEB_H

#include <pthread.h>

struct store;
struct auth;
struct logtail;

struct web {
	struct store		*w_store;
	pthread_mutex_t		 w_store_lock;
	const char		*w_db_path;
	const char		*w_rundir;
	const char		*w_www;		/* static files root */
	int			 w_tls;		/* served over TLS */
	const char		*w_known_hosts;	/* push: NULL = sync's default */
	const char		*w_ssh_key;	/* push: NULL = per node */
	struct auth		*w_auth;
	struct logtail		*w_logtail;
};

/* Locks and unlocks the store for one request's worth of work. */
void web_store_lock(struct web *);
void web_store_unlock(struct web *);

#endif
