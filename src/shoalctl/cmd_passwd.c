/*
 * cmd_passwd.c - shoalctl passwd USER, user add USER --role R, user role
 * USER R, user list, user delete USER, user sessions [USER], user revoke
 * USER|SESSION|--all: the web UI's accounts and sessions.
 *
 * A password never comes from argv (it would show in ps and shell
 * history): it is typed twice on the terminal without echo, or read as
 * one line from stdin with --password-stdin (for scripts).  Every copy
 * is wiped after use.
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/users.h"
#include "shoalctl.h"

/* Longest line read; longer input is refused by users_set_password(). */
#define PW_BUF	(USERS_PASSWORD_MAX + 2)

/* Strips the line end; returns -1 when buf held no complete line. */
static int
chomp(char *buf)
{
	size_t n = strlen(buf);

	if (n == 0 || buf[n - 1] != '\n')
		return -1;
	buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

/* One line from fp into buf; 0, or -1 on EOF or an overlong line. */
static int
read_line(FILE *fp, char *buf, size_t len)
{
	if (fgets(buf, (int)len, fp) == NULL)
		return -1;
	if (chomp(buf) == -1) {
		/* an overlong line or no newline at EOF */
		if (feof(fp) && strlen(buf) < len - 1)
			return 0;
		return -1;
	}
	return 0;
}

/* Prompts on the terminal tty with echo off; 0 or -1. */
static int
prompt(FILE *tty, const char *msg, char *buf, size_t len)
{
	struct termios old, quiet;
	int fd = fileno(tty), rc;

	if (tcgetattr(fd, &old) == -1)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	/* echo off before the prompt shows: what is typed after it is kept */
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == -1)
		return -1;
	fputs(msg, tty);
	fflush(tty);
	rc = read_line(tty, buf, len);
	tcsetattr(fd, TCSAFLUSH, &old);
	return rc;
}

/*
 * The new password into pw[PW_BUF]: from stdin when from_stdin, else
 * typed twice on /dev/tty.  SHOALCTL_OK or an exit code after a message.
 */
static int
get_password(int from_stdin, char *pw)
{
	char again[PW_BUF];
	FILE *tty;
	int rc = SHOALCTL_INVALID;

	if (from_stdin) {
		if (read_line(stdin, pw, PW_BUF) == -1) {
			fprintf(stderr, "shoalctl: no password line on stdin "
			    "(or longer than %d)\n", USERS_PASSWORD_MAX);
			return SHOALCTL_INVALID;
		}
		return SHOALCTL_OK;
	}
	if (!isatty(STDIN_FILENO) || (tty = fopen("/dev/tty", "r+e")) == NULL) {
		fprintf(stderr, "shoalctl: no terminal to ask for the password: "
		    "use --password-stdin\n");
		return SHOALCTL_ERROR;
	}
	if (prompt(tty, "New password: ", pw, PW_BUF) == -1 ||
	    prompt(tty, "Retype new password: ", again, sizeof(again)) == -1)
		fprintf(stderr, "shoalctl: cannot read the password\n");
	else if (strcmp(pw, again) != 0)
		fprintf(stderr, "shoalctl: the passwords do not match\n");
	else
		rc = SHOALCTL_OK;
	mem_wipe(again, sizeof(again));
	fclose(tty);
	return rc;
}

static int
cmd_passwd(struct shoalctl *sc, int argc, char **argv)
{
	char pw[PW_BUF];
	struct store *s;
	struct diag d;
	int from_stdin = 0, rc, i;
	const char *user = NULL;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = 1;
		else if (argv[i][0] == '-' || user != NULL)
			return shoalctl_usage(sc);
		else
			user = argv[i];
	}
	if (user == NULL)
		return shoalctl_usage(sc);
	if (!users_name_valid(user)) {
		fprintf(stderr, "shoalctl: invalid user name \"%s\"\n", user);
		return SHOALCTL_INVALID;
	}
	memset(pw, 0, sizeof(pw));
	if ((rc = get_password(from_stdin, pw)) != SHOALCTL_OK)
		goto done;
	rc = SHOALCTL_ERROR;
	if ((s = shoalctl_open(sc, STORE_CREATE)) == NULL)
		goto done;
	diag_init(&d);
	if (users_set_password(s, sc->sc_user, user, pw, &d) == 0) {
		printf("password set for %s\n", user);
		rc = SHOALCTL_OK;
	} else {
		shoalctl_print_diag(&d);
		/* a bad name or password length is the user's input */
		rc = diag_errors(&d) > 0 && TAILQ_FIRST(&d.d_items)->di_field !=
		    NULL ? SHOALCTL_INVALID : SHOALCTL_ERROR;
	}
	diag_clear(&d);
	store_close(s);
done:
	mem_wipe(pw, sizeof(pw));
	return rc;
}

/* The --role argument into *role; SHOALCTL_OK or an exit code. */
static int
role_opt(const char *name, enum users_role *role)
{
	if (users_role_from(name, role) == 0)
		return SHOALCTL_OK;
	fprintf(stderr, "shoalctl: unknown role \"%s\": admin, operator or "
	    "viewer\n", name);
	return SHOALCTL_INVALID;
}

/* Stores the new user; the exit code. */
static int
user_add_store(struct shoalctl *sc, const char *user, const char *pw,
    enum users_role role)
{
	struct store *s;
	struct diag d;
	int rc = SHOALCTL_ERROR;

	if ((s = shoalctl_open(sc, STORE_CREATE)) == NULL)
		return SHOALCTL_ERROR;
	diag_init(&d);
	switch (users_add(s, sc->sc_user, user, pw, role, &d)) {
	case 0:
		printf("added user %s (%s)\n", user, users_role_name(role));
		rc = SHOALCTL_OK;
		break;
	case 1:
		fprintf(stderr, "shoalctl: user %s exists already (shoalctl "
		    "passwd, user role)\n", user);
		rc = SHOALCTL_INVALID;
		break;
	default:
		shoalctl_print_diag(&d);
		rc = diag_errors(&d) > 0 && TAILQ_FIRST(&d.d_items)->di_field !=
		    NULL ? SHOALCTL_INVALID : SHOALCTL_ERROR;
	}
	diag_clear(&d);
	store_close(s);
	return rc;
}

static int
cmd_user_add(struct shoalctl *sc, int argc, char **argv)
{
	enum users_role role = USERS_VIEWER;
	const char *user = NULL, *rname = NULL;
	int from_stdin = 0, rc, i;
	char pw[PW_BUF];

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = 1;
		else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			rname = argv[++i];
		else if (argv[i][0] == '-' || user != NULL)
			return shoalctl_usage(sc);
		else
			user = argv[i];
	}
	if (user == NULL || rname == NULL)
		return shoalctl_usage(sc);
	if ((rc = role_opt(rname, &role)) != SHOALCTL_OK)
		return rc;
	if (!users_name_valid(user)) {
		fprintf(stderr, "shoalctl: invalid user name \"%s\"\n", user);
		return SHOALCTL_INVALID;
	}
	memset(pw, 0, sizeof(pw));
	if ((rc = get_password(from_stdin, pw)) == SHOALCTL_OK)
		rc = user_add_store(sc, user, pw, role);
	mem_wipe(pw, sizeof(pw));
	return rc;
}

static int
cmd_user_role(struct shoalctl *sc, int argc, char **argv)
{
	enum users_role role;
	struct store *s;
	int rc;

	if (argc != 3 || argv[1][0] == '-')
		return shoalctl_usage(sc);
	if ((rc = role_opt(argv[2], &role)) != SHOALCTL_OK)
		return rc;
	if ((s = shoalctl_open(sc, 0)) == NULL)
		return SHOALCTL_ERROR;
	switch (users_set_role(s, sc->sc_user, argv[1], role)) {
	case 0:
		printf("%s is now %s\n", argv[1], users_role_name(role));
		rc = SHOALCTL_OK;
		break;
	case 1:
		fprintf(stderr, "shoalctl: no user %s\n", argv[1]);
		rc = SHOALCTL_INVALID;
		break;
	case 2:
		fprintf(stderr, "shoalctl: %s is the last admin: make another "
		    "user admin first\n", argv[1]);
		rc = SHOALCTL_INVALID;
		break;
	default:
		rc = SHOALCTL_ERROR;
	}
	store_close(s);
	return rc;
}

static int
print_user(const struct users_entry *e, void *arg)
{
	char t[32];
	time_t tt = (time_t)e->ue_updated;
	struct tm tm;

	(void)arg;
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		t[0] = '\0';
	printf("%-32s %-8s %s\n", e->ue_name, users_role_name(e->ue_role), t);
	return 0;
}

static int
cmd_user_list(struct shoalctl *sc, int argc, char **argv)
{
	struct store *s;
	int rc;

	(void)argv;
	if (argc != 1)
		return shoalctl_usage(sc);
	if ((s = shoalctl_open(sc, STORE_RDONLY)) == NULL)
		return SHOALCTL_ERROR;
	printf("%-32s %-8s %s\n", "USER", "ROLE", "PASSWORD CHANGED");
	rc = users_each(s, print_user, NULL) == 0 ? SHOALCTL_OK :
	    SHOALCTL_ERROR;
	store_close(s);
	return rc;
}

static int
cmd_user_delete(struct shoalctl *sc, int argc, char **argv)
{
	struct store *s;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return shoalctl_usage(sc);
	if ((s = shoalctl_open(sc, 0)) == NULL)
		return SHOALCTL_ERROR;
	switch (users_delete(s, sc->sc_user, argv[1])) {
	case 0:
		printf("deleted user %s\n", argv[1]);
		rc = SHOALCTL_OK;
		break;
	case 1:
		fprintf(stderr, "shoalctl: no user %s\n", argv[1]);
		rc = SHOALCTL_INVALID;
		break;
	case 2:
		fprintf(stderr, "shoalctl: %s is the last admin: make another "
		    "user admin first\n", argv[1]);
		rc = SHOALCTL_INVALID;
		break;
	default:
		rc = SHOALCTL_ERROR;
	}
	store_close(s);
	return rc;
}

/* Unix milliseconds as "YYYY-MM-DD HH:MM:SS UTC" into buf[32]. */
static const char *
utc_ms(int64_t ms, char *buf)
{
	time_t tt = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		buf[0] = '\0';
	return buf;
}

static int
print_session(const struct sessions_entry *e, void *arg)
{
	char c[32], l[32];

	(void)arg;
	printf("%-12s %-20s %-39s %-23s %s\n", e->se_id, e->se_user,
	    e->se_peer, utc_ms(e->se_created_ms, c), utc_ms(e->se_last_ms, l));
	return 0;
}

static int
cmd_user_sessions(struct shoalctl *sc, int argc, char **argv)
{
	struct store *s;
	int rc;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return shoalctl_usage(sc);
	if ((s = shoalctl_open(sc, STORE_RDONLY)) == NULL)
		return SHOALCTL_ERROR;
	printf("%-12s %-20s %-39s %-23s %s\n", "SESSION", "USER", "FROM",
	    "STARTED", "LAST USED");
	rc = sessions_each(s, argc == 2 ? argv[1] : NULL, print_session,
	    NULL) == 0 ? SHOALCTL_OK : SHOALCTL_ERROR;
	store_close(s);
	return rc;
}

/* Whether arg is a session id (SESSIONS_ID_LEN hex digits). */
static int
is_session_id(const char *arg)
{
	return strlen(arg) == SESSIONS_ID_LEN &&
	    strspn(arg, "0123456789abcdefABCDEF") == SESSIONS_ID_LEN;
}

static int
cmd_user_revoke(struct shoalctl *sc, int argc, char **argv)
{
	const char *what = argv[argc - 1];
	struct store *s;
	int n, id = argc == 3 && strcmp(argv[1], "--session") == 0;

	if (!(argc == 2 && (what[0] != '-' || strcmp(what, "--all") == 0)) &&
	    !id)
		return shoalctl_usage(sc);
	if (id && !is_session_id(what)) {
		fprintf(stderr, "shoalctl: a session is %d hex digits, as "
		    "`shoalctl user sessions` shows\n", SESSIONS_ID_LEN);
		return SHOALCTL_INVALID;
	}
	if ((s = shoalctl_open(sc, 0)) == NULL)
		return SHOALCTL_ERROR;
	if (id)
		n = sessions_delete_id(s, what);
	else if (strcmp(what, "--all") == 0)
		n = sessions_delete_user(s, NULL);
	else
		n = sessions_delete_user(s, what);
	if (n >= 0 && store_audit_add(s, sc->sc_user, "revoke", what) == -1)
		n = -1;
	store_close(s);
	if (n == -1)
		return SHOALCTL_ERROR;
	printf("%d session%s ended\n", n, n == 1 ? "" : "s");
	return SHOALCTL_OK;
}

const struct shoalctl_cmd shoalctl_passwd_cmds[] = {
	{ "passwd", cmd_passwd, "USER [--password-stdin]",
	    "set a web UI user's password (created as admin if new); typed "
	    "twice on the terminal, or one line from stdin" },
	{ "user add", cmd_user_add, "USER --role admin|operator|viewer "
	    "[--password-stdin]", "add a web UI user with a role" },
	{ "user role", cmd_user_role, "USER admin|operator|viewer",
	    "change a web UI user's role (not the last admin's)" },
	{ "user list", cmd_user_list, "",
	    "list the web UI users" },
	{ "user delete", cmd_user_delete, "USER",
	    "delete a web UI user (not the last admin)" },
	{ "user sessions", cmd_user_sessions, "[USER]",
	    "list the web UI's sessions (of USER)" },
	{ "user revoke", cmd_user_revoke, "USER|--all|--session ID",
	    "end a user's web UI sessions, one session, or all" },
	{ NULL, NULL, NULL, NULL }
};
