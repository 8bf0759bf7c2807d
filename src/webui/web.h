/*
 * web.h - shoal-web's shared state: the one struct every request handler
 * reaches through its request.
 *
 * shoal-web is one thread running one libevent loop (w_base): the HTTP
 * server, the log tail, the session sweep and pushes all run on it, so
 * nothing here is locked.  The only other threads are the password
 * hashing pool's (hashpool.h), which touch nothing of this.  Strings are
 * owned by main() and live as long as the process.
 */
#ifndef SHOAL_WEB_H
#define SHOAL_WEB_H


struct api_ops;
struct api_push;
struct auth;
struct event_base;
struct hashpool;
struct logtail;
struct store;

struct web {
	struct event_base	*w_base;
	struct store		*w_store;	/* one SQLite connection */
	const char		*w_db_path;
	const char		*w_rundir;
	const char		*w_www;		/* static files root */
	int			 w_tls;		/* served over TLS */
	const char		*w_known_hosts;	/* push: NULL = sync's default */
	const char		*w_ssh_key;	/* push: NULL = per node */
	struct auth		*w_auth;
	struct logtail		*w_logtail;
	struct hashpool		*w_hashpool;	/* NULL once shutting down */
	struct api_push		*w_push;
	struct api_ops		*w_ops;		/* api_ops.c: events, drill */
	/* --metrics-token-file's token as its SHA-256, hex (ROUTE_BEARER) */
	int			 w_metrics_token_set;
	char			 w_metrics_token[65];
};

#endif
