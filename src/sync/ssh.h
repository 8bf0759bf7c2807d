/*
 * ssh.h - non-blocking SSH connections to cluster peers (libssh2 on a
 * libevent loop).
 *
 * A struct ssh_conn is one peer.  Operations (connect, upload, exec) are
 * started on it and run as chains of small steps on the caller's event
 * loop, many peers at once; each step has its own timeout.  When an
 * operation ends, its callback runs with ok = 1, or ok = 0 and the reason in
 * ssh_conn_error()/ssh_conn_errmsg().  One operation at a time per
 * connection; the callback may start the next one or free the connection.
 *
 * Host keys are checked against a known_hosts file (OpenSSH format): an
 * unknown or changed key is refused and the message carries the SHA-256
 * fingerprint(s).  Authentication is by public key only: a key file, then
 * the ssh-agent when SSH_AUTH_SOCK is set.  No passwords, ever.
 */
#ifndef SHOAL_SSH_H
#define SHOAL_SSH_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct ssh_conn;

/* Why an operation failed. */
enum ssh_error {
	SSH_E_NONE,
	SSH_E_UNREACHABLE,	/* TCP connection refused / no route / reset */
	SSH_E_TIMEOUT,		/* a step did not finish in time */
	SSH_E_HOSTKEY_UNKNOWN,	/* no known_hosts entry: run trust */
	SSH_E_HOSTKEY_CHANGED,	/* known_hosts has another key */
	SSH_E_AUTH,		/* every key refused */
	SSH_E_PROTOCOL,		/* SSH/SFTP failure, connection dropped */
	SSH_E_DISK_FULL,	/* remote file system full */
	SSH_E_LOCAL,		/* local failure (memory, files) */
};

/* What a connection needs; strings are copied by ssh_conn_new(). */
struct ssh_params {
	const char	*sp_name;	/* node name, for messages */
	const char	*sp_host;	/* numeric IPv4/IPv6 address */
	uint16_t	 sp_port;	/* 0 = 22 */
	const char	*sp_user;	/* NULL = root */
	const char	*sp_key;	/* private key file; NULL = agent only */
	const char	*sp_known_hosts;	/* required */
	int		 sp_accept_unknown;	/* trust: proceed on unknown key */
	unsigned	 sp_timeout_ms;	/* per step; 0 = SSH_DEF_TIMEOUT_MS */
};

#define SSH_DEF_TIMEOUT_MS	15000
#define SSH_FP_LEN		60	/* "SHA256:" + 43 base64 + NUL, rounded */
#define SSH_OUT_MAX		(1024 * 1024)	/* remote stdout kept */
#define SSH_ERR_MAX		(64 * 1024)	/* remote stderr kept */

typedef void (*ssh_done_cb)(struct ssh_conn *, int ok, void *arg);

/* A new, idle connection; NULL on bad parameters or ENOMEM (logged). */
struct ssh_conn *ssh_conn_new(struct event_base *, const struct ssh_params *);
/* Ends any operation (its callback does not run) and frees everything. */
void ssh_conn_free(struct ssh_conn *);

/*
 * Starts an operation; 0, or -1 when one is already running.  done runs
 * later, from the event loop, exactly once.
 *   connect: TCP connect, SSH handshake, host key check, authentication.
 *   upload:  SFTP: write buf to PATH.part (mode 0600), fsync, close, rename
 *            to PATH; buf must stay valid until done runs.
 *   exec:    runs argv (every word shell-quoted for the remote shell);
 *            collects stdout, stderr and the exit status.
 */
int ssh_connect(struct ssh_conn *, ssh_done_cb done, void *arg);
int ssh_upload(struct ssh_conn *, const void *buf, size_t len,
    const char *path, ssh_done_cb done, void *arg);
int ssh_exec(struct ssh_conn *, const char *const argv[], ssh_done_cb done,
    void *arg);
/* SFTP: removes path (a staged file nobody will commit). */
int ssh_unlink(struct ssh_conn *, const char *path, ssh_done_cb done,
    void *arg);

/* 1 while an operation runs (its callback has not run yet), else 0. */
int ssh_conn_busy(const struct ssh_conn *);
enum ssh_error ssh_conn_error(const struct ssh_conn *);
/* The last failure as one line (never NULL; "" when none). */
const char *ssh_conn_errmsg(const struct ssh_conn *);
/* The server's host key fingerprint "SHA256:..." once known, else "". */
const char *ssh_conn_fingerprint(const struct ssh_conn *);
/* 1 when the host key was found in known_hosts. */
int ssh_conn_hostkey_known(const struct ssh_conn *);
/*
 * Appends the server's host key to the known_hosts file (after a connect
 * with sp_accept_unknown found it unknown).  0 or -1 (logged).
 */
int ssh_conn_trust(struct ssh_conn *);

/* Results of the last exec: stdout (NUL-terminated), stderr, status. */
const char *ssh_exec_stdout(const struct ssh_conn *);
const char *ssh_exec_stderr(const struct ssh_conn *);
/* Exit status, or -1 when the command died by a signal. */
int ssh_exec_status(const struct ssh_conn *);

/*
 * Quotes argv as one command line for a POSIX shell: each word is
 * single-quoted unless it is made only of safe characters.  Returns a new
 * string the caller frees, or NULL on ENOMEM or an empty argv.
 */
char *ssh_quote_argv(const char *const argv[]);
/* OpenSSH-style "SHA256:<base64>" of a key blob into out[SSH_FP_LEN]. */
void ssh_fingerprint(const void *blob, size_t len, char *out);
const char *ssh_error_name(enum ssh_error);

#endif
