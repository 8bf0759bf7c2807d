/*
 * ctl_cmd.h - the commands of pulse's control socket (RUNDIR/pulse.sock),
 * in one table read by pulse, which answers them (its handlers are keyed
 * by enum ctl_cmd_id), and by its clients, which build their requests
 * from it (ctl.h).  doc/protocol.md describes each command and its reply.
 *
 * A request is one line: the command's name, then exactly its number of
 * arguments, separated by single spaces; pulse answers with one JSON object
 * on one line and closes.  An argument is 1 to CFG_NAME_MAX characters
 * without blanks or control characters (a name of the configuration).
 *
 * Who may use a command: pulse reads the caller's credentials from the
 * socket (SO_PEERCRED, SO_PEERGROUPS).  Read-only commands are for root
 * and for members of the socket's group (/run/shoal is root:shoal, so
 * shoal-web, running as shoal, reads the status); so is runtime
 * maintenance (CTL_OPERATE: drain, standby, a drill), which shoal-web
 * offers its operators after its own login and role checks; the group
 * already owns the database, so this gives it nothing it could not do.
 * Commands that change pulse's configuration are for root (uid 0) only.
 *
 * Most commands answer one JSON object on one line.  "events" answers one
 * object per line (ipc/events.h), "events-follow" keeps the connection
 * and goes on, "metrics" answers Prometheus text (an error is still one
 * JSON object, starting with '{').
 */
#ifndef SHOAL_IPC_CTL_CMD_H
#define SHOAL_IPC_CTL_CMD_H

#include <stddef.h>
#include <sys/types.h>

#include "config/config.h"

enum ctl_cmd_id {
	CTL_STATUS,		/* the status object */
	CTL_RELOAD,		/* re-read the store */
	CTL_FOS_FAILED,		/* NAME: a fail-over service failed here */
	CTL_FOS_OK,		/* NAME: it is healthy again */
	CTL_SERVER,		/* STATE VIRTUAL SERVER: admin state */
	CTL_EVENTS,		/* the kept events, one per line */
	CTL_EVENTS_FOLLOW,	/* the kept events, then new ones as they come */
	CTL_METRICS,		/* Prometheus text exposition format */
	CTL_MAINT,		/* the cluster-wide maintenance state */
	CTL_MAINT_SERVER,	/* STATE VIRTUAL SERVER BY: cluster-wide */
	CTL_MAINT_NODE,		/* standby|resume NODE BY: cluster-wide */
	CTL_LB,			/* what the load balancer holds, with counters */
	CTL_DRILL,		/* BY: a fail-over drill (answers when done) */
	CTL_PUSH_DONE,		/* GEN RESULT COMMITTED FAILED BY: a push ended */
	CTL_PREVIEW,		/* BYTES + lvs.cf text: what applying it does */
	CTL__MAX
};

enum ctl_access {
	CTL_READ,		/* root or the socket's group */
	CTL_OPERATE,		/* root or the socket's group: runtime
				   maintenance that shoal-web offers its
				   operators (drain, standby, drill) */
	CTL_CHANGE,		/* root only */
};

#define CTL_SOCK_NAME		"pulse.sock"	/* in the run directory */
#define CTL_LINE_MAX		1024	/* bytes, without the newline */
#define CTL_IDLE_S		5	/* a silent client is dropped */
#define CTL_ARGS_MAX		5
#define CTL_ARG_MAX		CFG_NAME_MAX
/*
 * A command with a body (cc_body): its one argument is the body's length
 * in bytes, 1 to CTL_BODY_MAX, and exactly that many bytes follow the
 * request line (a candidate lvs.cf for "preview").
 */
#define CTL_BODY_MAX		(1024 * 1024)

struct ctl_cmd {
	const char	*cc_name;	/* the request's first word */
	enum ctl_access	 cc_access;
	int		 cc_nargs;	/* exactly this many arguments */
	const char	*cc_args;	/* their synopsis, "" when none */
	const char	*cc_help;	/* one line, for errors and docs */
	int		 cc_body;	/* a body of argument 1 bytes follows */
};

/* The table, indexed by enum ctl_cmd_id. */
extern const struct ctl_cmd ctl_cmds[CTL__MAX];

/* A parsed request. */
struct ctl_req {
	enum ctl_cmd_id	 cr_id;
	int		 cr_nargs;
	char		 cr_args[CTL_ARGS_MAX][CTL_ARG_MAX + 1];
	size_t		 cr_bodylen;	/* cc_body: the announced length */
	const char	*cr_body;	/* then its bytes (the server's, NUL
					   ended), NULL until read */
};

/*
 * Parses one request line (without its newline).  0, or -1 with a message
 * in err naming the problem: an unknown command (the known ones listed),
 * the wrong number of arguments (the command's synopsis), an argument that
 * is empty, too long or not printable, a body length that is not a
 * number from 1 to CTL_BODY_MAX.
 */
int ctl_req_parse(const char *line, struct ctl_req *, char *err,
    size_t errlen);

/*
 * Writes the request line of command id with args into buf (NUL ended,
 * no newline).  0, or -1 with a message in err when the arguments do not
 * fit the table (count, length, characters) or buf is too small.
 */
int ctl_req_format(enum ctl_cmd_id id, const char *const *args, int nargs,
    char *buf, size_t len, char *err, size_t errlen);

/* Who called, as the kernel says (SO_PEERCRED, SO_PEERGROUPS). */
struct ctl_caller {
	pid_t		 cl_pid;
	uid_t		 cl_uid;
	gid_t		 cl_gid;		/* primary group */
	const gid_t	*cl_groups;		/* supplementary groups */
	size_t		 cl_ngroups;
};

enum ctl_verdict {
	CTL_ALLOWED,
	CTL_DENIED_GROUP,	/* not root and not in the socket's group */
	CTL_DENIED_ROOT,	/* a changing command and not root */
};

/*
 * May caller run cmd on a socket of group `group`?  uid 0 may run every
 * command; a member of group (primary or supplementary) the read-only
 * ones; nobody else any.
 */
enum ctl_verdict ctl_cmd_permit(const struct ctl_cmd *,
    const struct ctl_caller *, gid_t group);

#endif
