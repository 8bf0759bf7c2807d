/*
 * test_web_api.c - the JSON API against a real shoal-web.
 *
 * The group set-up makes a temporary database with the store API (a base
 * config and a user made with users.h), starts the built shoal-web on an
 * ephemeral loopback port, and every test talks HTTP/1.1 to it over plain
 * sockets.  When run as root, shoal-web drops to `nobody` (the temp files
 * are handed over to it), which exercises the privilege drop too.
 */
#include "shoal-build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/users.h"
#include "webui/api.h"
#include "webui/http_route.h"

#define ADMIN		"admin"
#define ADMIN_PW	"correct-horse-9"
#define OPER		"oper"
#define OPER_PW		"operator-pass-3"
#define VIEW		"view"
#define VIEW_PW		"viewer-pass-4"
#define BASE_CF		"serial_no = 1\nprimary = 10.201.0.1\nservice = lvs\n" \
			"backup_active = 1\nbackup = 10.201.0.2\n"

static char tmpdir[] = "/tmp/shoal-web-test-XXXXXX";
static char dbpath[256], logpath[256], rundir[256];
static pid_t web_pid = -1;
static int web_port;

struct resp {
	int		 status;
	char		*head;		/* all header lines */
	char		*body;
	size_t		 body_len;
};

static void
resp_free(struct resp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* The value of header name (case-insensitive) in r, copied to buf. */
static const char *
header(const struct resp *r, const char *name, char *buf, size_t len)
{
	const char *p = r->head;
	size_t n = strlen(name);

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			if (e == NULL)
				e = v + strlen(v);
			snprintf(buf, len, "%.*s", (int)(e - v), v);
			return buf;
		}
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return NULL;
}

static int
connect_from(const char *src)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	if (src != NULL) {
		inet_pton(AF_INET, src, &sin.sin_addr);
		assert_int_equal(bind(fd, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
	}
	sin.sin_port = htons((uint16_t)web_port);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* the server may close early (413) */
		buf += n;
		len -= (size_t)n;
	}
}

/* Reads until EOF (Connection: close), at most bound_ms of silence. */
static char *
read_bounded(int fd, size_t *len, int bound_ms)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t r;

	assert_non_null(buf);
	for (;;) {
		if (poll(&pfd, 1, bound_ms) <= 0)
			break;
		if (n + 4096 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Reads until EOF (Connection: close), at most 10 s of silence. */
static char *
read_all(int fd, size_t *len)
{
	return read_bounded(fd, len, 10000);
}

static void
parse_resp(char *raw, size_t len, struct resp *r)
{
	char *end = strstr(raw, "\r\n\r\n");

	memset(r, 0, sizeof(*r));
	assert_non_null(end);
	assert_int_equal(sscanf(raw, "HTTP/1.%*d %d", &r->status), 1);
	r->head = strndup(raw, (size_t)(end - raw) + 2);
	r->body_len = len - (size_t)(end + 4 - raw);
	r->body = malloc(r->body_len + 1);
	memcpy(r->body, end + 4, r->body_len);
	r->body[r->body_len] = '\0';
	free(raw);
}

/*
 * One request.  cookie/csrf/ctype/body may be NULL; extra is more header
 * lines ("X: y\r\n") or NULL; src binds the client to that address.
 */
static void
req_full(const char *src, const char *method, const char *path,
    const char *cookie, const char *csrf, const char *ctype,
    const char *body, const char *extra, struct resp *r)
{
	char head[2048], *raw;
	size_t len, blen = body != NULL ? strlen(body) : 0;
	int fd, n;

	fd = connect_from(src);
	assert_true(fd != -1);
	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: localhost"
	    "\r\nConnection: close\r\n", method, path);
	if (cookie != NULL)
		n += snprintf(head + n, sizeof(head) - n,
		    "Cookie: shoal_session=%s\r\n", cookie);
	if (csrf != NULL)
		n += snprintf(head + n, sizeof(head) - n,
		    "X-CSRF-Token: %s\r\n", csrf);
	if (ctype != NULL)
		n += snprintf(head + n, sizeof(head) - n,
		    "Content-Type: %s\r\n", ctype);
	if (body != NULL)
		n += snprintf(head + n, sizeof(head) - n,
		    "Content-Length: %zu\r\n", blen);
	if (extra != NULL)
		n += snprintf(head + n, sizeof(head) - n, "%s", extra);
	n += snprintf(head + n, sizeof(head) - n, "\r\n");
	write_all(fd, head, (size_t)n);
	if (body != NULL)
		write_all(fd, body, blen);
	raw = read_all(fd, &len);
	parse_resp(raw, len, r);
	close(fd);
}

static char session[80], csrf[80];

static void
req(const char *method, const char *path, const char *body, struct resp *r)
{
	req_full(NULL, method, path, session, csrf,
	    body != NULL ? "application/json" : NULL, body, NULL, r);
}

/* Logs user in into sess/tok (80 bytes each). */
static void
login_as(const char *user, const char *pw, char *sess, char *tok)
{
	struct resp r;
	char buf[512], body[256], *p;
	json_t *j;

	snprintf(body, sizeof(body), "{\"user\":\"%s\",\"password\":\"%s\"}",
	    user, pw);
	req_full(NULL, "POST", "/api/v1/login", NULL, NULL,
	    "application/json", body, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(header(&r, "Set-Cookie", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "HttpOnly"));
	assert_non_null(strstr(buf, "SameSite=Strict"));
	assert_true(strncmp(buf, "shoal_session=", 14) == 0);
	p = buf + 14;
	p[strcspn(p, ";")] = '\0';
	assert_int_equal(strlen(p), 64);
	str_copy(sess, p, 80);
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	str_copy(tok, json_string_value(json_object_get(j, "csrf")), 80);
	assert_int_equal(strlen(tok), 64);
	json_decref(j);
	resp_free(&r);
}

/* Logs in as ADMIN into session/csrf. */
static void
login(void)
{
	login_as(ADMIN, ADMIN_PW, session, csrf);
}

/* The "errors" list of a 400 has an item for field whose message has
 * word. */
static int
has_error(const struct resp *r, const char *field, const char *word)
{
	json_t *j = json_loads(r->body, 0, NULL), *e;
	size_t i;
	int found = 0;

	json_array_foreach(json_object_get(j, "errors"), i, e) {
		const char *f = json_string_value(json_object_get(e, "field"));
		const char *m = json_string_value(json_object_get(e,
		    "message"));

		if (f != NULL && m != NULL && strcmp(f, field) == 0 &&
		    (word == NULL || strstr(m, word) != NULL))
			found = 1;
	}
	if (!found)
		fprintf(stderr, "no error %s/%s in %s\n", field,
		    word ? word : "", r->body);
	json_decref(j);
	return found;
}

static uint64_t
current_generation(void)
{
	struct store *st;
	struct store_gen g;
	struct diag d;

	diag_init(&d);
	st = store_open(dbpath, STORE_RDONLY, &d);
	assert_non_null(st);
	assert_int_equal(store_current(st, &g), 0);
	store_close(st);
	diag_clear(&d);
	return g.sg_generation;
}

struct audit_find {
	const char	*user;
	const char	*action;
	int		 found;
};

static int
audit_one(const struct store_audit *a, void *arg)
{
	struct audit_find *af = arg;

	if (strcmp(a->sa_user, af->user) == 0 &&
	    strstr(a->sa_action, af->action) != NULL && a->sa_time > 0)
		af->found = 1;
	return af->found;
}

static int
audited(const char *user, const char *action)
{
	struct audit_find af = { user, action, 0 };
	struct store *st;
	struct diag d;

	diag_init(&d);
	st = store_open(dbpath, STORE_RDONLY, &d);
	assert_non_null(st);
	assert_int_equal(store_audit_each(st, 0, audit_one, &af), 0);
	store_close(st);
	diag_clear(&d);
	return af.found;
}

struct audit_detail {
	const char	*action;
	const char	*detail;
	int		 found;
};

static int
audit_detail_one(const struct store_audit *a, void *arg)
{
	struct audit_detail *ad = arg;

	if (strcmp(a->sa_action, ad->action) == 0 && a->sa_detail != NULL &&
	    strstr(a->sa_detail, ad->detail) != NULL)
		ad->found = 1;
	return ad->found;
}

/* An audit row for action whose detail has the text detail. */
static int
audit_detail(const char *action, const char *detail)
{
	struct audit_detail ad = { action, detail, 0 };
	struct store *st;
	struct diag d;

	diag_init(&d);
	st = store_open(dbpath, STORE_RDONLY, &d);
	assert_non_null(st);
	assert_int_equal(store_audit_each(st, 0, audit_detail_one, &ad), 0);
	store_close(st);
	diag_clear(&d);
	return ad.found;
}

/* ---- set-up ---- */

static void
make_db(void)
{
	struct shoal_config *c = NULL;
	struct store *st;
	struct diag d;

	diag_init(&d);
	st = store_open(dbpath, STORE_CREATE, &d);
	if (st == NULL)
		diag_print(&d, stderr);
	assert_non_null(st);
	if (lvscf_read_buf("base", BASE_CF, strlen(BASE_CF), &c, &d) == -1)
		diag_print(&d, stderr);
	assert_non_null(c);
	assert_int_equal(store_commit(st, c, "test", "base", NULL, &d), 0);
	assert_int_equal(users_set_password(st, "test", ADMIN, ADMIN_PW, &d),
	    0);
	assert_int_equal(users_add(st, "test", OPER, OPER_PW, USERS_OPERATOR,
	    &d), 0);
	assert_int_equal(users_add(st, "test", VIEW, VIEW_PW, USERS_VIEWER,
	    &d), 0);
	config_free(c);
	store_close(st);
	diag_clear(&d);
}

static int
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd, port;

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* As root, shoal-web drops to nobody: give it the temp files. */
static const char *
hand_over(void)
{
	const char *files[] = { tmpdir, dbpath, logpath, rundir };
	struct passwd *pw;
	char wal[300];
	size_t i;

	if (geteuid() != 0 || (pw = getpwnam("nobody")) == NULL)
		return NULL;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (chown(files[i], pw->pw_uid, pw->pw_gid) == -1)
			return NULL;
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	(void)chown(wal, pw->pw_uid, pw->pw_gid);
	snprintf(wal, sizeof(wal), "%s-shm", dbpath);
	(void)chown(wal, pw->pw_uid, pw->pw_gid);
	return "nobody";
}

static char web_bin[512], web_www[512], web_user[64];

/* Starts shoal-web on web_port and waits (up to 10 s) for it; 0 or -1. */
static int
spawn_web(void)
{
	char listen_on[64];
	int fd, i;

	snprintf(listen_on, sizeof(listen_on), "127.0.0.1:%d", web_port);
	if ((web_pid = fork()) == 0) {
		execl(web_bin, web_bin, "--db", dbpath, "--listen", listen_on,
		    "--rundir", rundir, "--log", logpath, "--www", web_www,
		    "-n", "--user", web_user, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {	/* up to 10 s for the port */
		if ((fd = connect_from(NULL)) != -1) {
			close(fd);
			return 0;
		}
		usleep(100 * 1000);
	}
	fprintf(stderr, "shoal-web did not start\n");
	return -1;
}

static int
start_web(void **state)
{
	const char *top = getenv("top_builddir"), *src = getenv("top_srcdir");
	const char *user;
	int fd;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	if (top == NULL)
		top = ".";
	if (src == NULL)
		src = ".";
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/shoal.db", tmpdir);
	snprintf(logpath, sizeof(logpath), "%s/shoal.log", tmpdir);
	snprintf(rundir, sizeof(rundir), "%s/run", tmpdir);
	mkdir(rundir, 0755);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write_all(fd, "first line\n", 11);
	close(fd);
	make_db();
	user = hand_over();
	snprintf(web_bin, sizeof(web_bin), "%s/shoal-web", top);
	snprintf(web_www, sizeof(web_www), "%s/www", src);
	str_copy(web_user, user != NULL ? user : "nobody", sizeof(web_user));
	web_port = free_port();
	return spawn_web();
}

static int
stop_web(void **state)
{
	char cmd[300];
	int st, rc = 0;

	(void)state;
	if (web_pid > 0) {
		kill(web_pid, SIGTERM);
		waitpid(web_pid, &st, 0);
		/* a clean exit: no crash, no sanitizer report at shutdown */
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "shoal-web did not exit cleanly (status "
			    "0x%x)\n", st);
			rc = -1;
		}
	}
	/* the temp dir holds only our files */
	snprintf(cmd, sizeof(cmd), "%s", tmpdir);
	unlink(dbpath);
	snprintf(cmd, sizeof(cmd), "%s-wal", dbpath);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s-shm", dbpath);
	unlink(cmd);
	unlink(logpath);
	rmdir(rundir);
	rmdir(tmpdir);
	return rc;
}

/* ---- tests ---- */

static void
test_static_and_headers(void **state)
{
	struct resp r;
	char buf[512];

	(void)state;
	req_full(NULL, "GET", "/", NULL, NULL, NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(header(&r, "Content-Type", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "text/html"));
	assert_non_null(header(&r, "Content-Security-Policy", buf,
	    sizeof(buf)));
	assert_non_null(strstr(buf, "frame-ancestors 'none'"));
	assert_null(strstr(buf, "unsafe-inline"));
	assert_non_null(header(&r, "X-Content-Type-Options", buf,
	    sizeof(buf)));
	assert_string_equal(buf, "nosniff");
	assert_non_null(header(&r, "Referrer-Policy", buf, sizeof(buf)));
	resp_free(&r);
	req_full(NULL, "GET", "/app.js", NULL, NULL, NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	header(&r, "Content-Type", buf, sizeof(buf));
	assert_non_null(strstr(buf, "javascript"));
	resp_free(&r);
	/* errors carry the headers too */
	req_full(NULL, "GET", "/api/v1/status", NULL, NULL, NULL, NULL, NULL,
	    &r);
	assert_int_equal(r.status, 401);
	assert_non_null(header(&r, "Content-Security-Policy", buf,
	    sizeof(buf)));
	resp_free(&r);
}

static void
test_path_traversal(void **state)
{
	static const char *const paths[] = {
		"/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
		"/..%2f..%2fetc%2fpasswd", "/css/../../etc/passwd",
		"/.hidden", "//etc/passwd", "/index.html%00.js",
		"/./index.html", "/shoal.db",
	};
	struct resp r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		req_full(NULL, "GET", paths[i], NULL, NULL, NULL, NULL, NULL,
		    &r);
		if (r.status != 404 && r.status != 400)
			fprintf(stderr, "%s -> %d\n", paths[i], r.status);
		assert_true(r.status == 404 || r.status == 400);
		assert_null(strstr(r.body, "root:"));
		resp_free(&r);
	}
	req_full(NULL, "POST", "/index.html", NULL, NULL, NULL, "x", NULL, &r);
	assert_int_equal(r.status, 405);
	resp_free(&r);
}

static void
test_auth_required_every_method(void **state)
{
	static const char *const m[][2] = {
		{ "GET", "/api/v1/status" }, { "GET", "/api/v1/settings" },
		{ "POST", "/api/v1/virtual-servers" },
		{ "PUT", "/api/v1/settings" },
		{ "DELETE", "/api/v1/virtual-servers/web" },
		{ "GET", "/api/v1/logs/stream" }, { "GET", "/api/v1/nothing" },
		{ "PATCH", "/api/v1/settings" }, { "POST", "/api/v1/logout" },
		{ "GET", "/api/v1/config/export" },
	};
	struct resp r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		req_full(NULL, m[i][0], m[i][1], NULL, NULL, "application/json",
		    strcmp(m[i][0], "GET") ? "{}" : NULL, NULL, &r);
		assert_int_equal(r.status, 401);
		resp_free(&r);
	}
}

static void
test_forged_cookie(void **state)
{
	static const char *const forged[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"abc", "';DROP TABLE users;--",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	struct resp r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		req_full(NULL, "GET", "/api/v1/settings", forged[i], NULL,
		    NULL, NULL, NULL, &r);
		assert_int_equal(r.status, 401);
		resp_free(&r);
	}
}

static void
test_login_errors(void **state)
{
	struct resp r;

	(void)state;
	req_full("127.0.0.3", "POST", "/api/v1/login", NULL, NULL,
	    "application/json", "{\"user\":\"admin\",\"password\":\"nope-nope\"}",
	    NULL, &r);
	assert_int_equal(r.status, 401);
	resp_free(&r);
	req_full("127.0.0.3", "POST", "/api/v1/login", NULL, NULL,
	    "application/json", "{\"user\":\"admin\",", NULL, &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "body", "malformed JSON"));
	resp_free(&r);
	req_full("127.0.0.3", "POST", "/api/v1/login", NULL, NULL,
	    "application/json", "{\"user\":1,\"password\":\"x\",\"extra\":1}",
	    NULL, &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "user", "string expected"));
	assert_true(has_error(&r, "extra", "unknown field"));
	resp_free(&r);
	req_full("127.0.0.3", "POST", "/api/v1/login", NULL, NULL,
	    "application/json", "[1,2]", NULL, &r);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	assert_true(audited("web:admin", "login-failed"));
}

static void
test_login_and_session(void **state)
{
	struct resp r;

	(void)state;
	login();
	req("GET", "/api/v1/session", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, csrf));
	resp_free(&r);
	assert_true(audited("web:admin", "login"));
}

static void
test_csrf(void **state)
{
	static const char body[] = "{\"keepalive\": 0.5}";
	struct resp r;

	(void)state;
	req_full(NULL, "PUT", "/api/v1/settings", session, NULL,
	    "application/json", body, NULL, &r);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	req_full(NULL, "PUT", "/api/v1/settings", session,
	    "1111111111111111111111111111111111111111111111111111111111111111",
	    "application/json", body, NULL, &r);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	req_full(NULL, "DELETE", "/api/v1/virtual-servers/x", session, "",
	    NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 403);
	resp_free(&r);
}

static void
test_404_405_413_415(void **state)
{
	struct resp r;
	char buf[128], *big;
	size_t n = 100 * 1024;

	(void)state;
	req("GET", "/api/v1/nothing-here", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	req("GET", "/api/v1/virtual-servers/missing", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	req("DELETE", "/api/v1/status", NULL, &r);
	assert_int_equal(r.status, 405);
	assert_non_null(header(&r, "Allow", buf, sizeof(buf)));
	assert_non_null(strstr(buf, "GET"));
	resp_free(&r);
	big = malloc(n + 1);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	req("POST", "/api/v1/virtual-servers", big, &r);
	assert_int_equal(r.status, 413);
	resp_free(&r);
	free(big);
	req_full(NULL, "PUT", "/api/v1/settings", session, csrf,
	    "text/plain", "{}", NULL, &r);
	assert_int_equal(r.status, 415);
	resp_free(&r);
}

static void
test_validation(void **state)
{
	uint64_t gen = current_generation();
	struct resp r;

	(void)state;
	req("POST", "/api/v1/virtual-servers", "{\"name\":\"web\","
	    "\"address\":\"10.201.0.300\",\"port\":\"80\",\"colour\":1,"
	    "\"active\":1,\"scheduler\":\"fastest\"}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "virtual[web].address",
	    "invalid host name or ip address"));
	assert_true(has_error(&r, "virtual[web].port", "integer expected"));
	assert_true(has_error(&r, "virtual[web].colour", "unknown field"));
	assert_true(has_error(&r, "virtual[web].active", "boolean expected"));
	assert_true(has_error(&r, "virtual[web].scheduler", "wlc"));
	resp_free(&r);
	req("POST", "/api/v1/virtual-servers", "{\"name\":\"bad name!\"}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "name", NULL));
	resp_free(&r);
	req("POST", "/api/v1/virtual-servers", "{\"name\":\"web\","
	    "\"address\":\"10.201.1.10\",\"servers\":[{\"name\":\"r1\","
	    "\"address\":\"10.201.2.1\",\"weight\":-4}]}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "server[web/r1].weight", "range"));
	resp_free(&r);
	req("PUT", "/api/v1/settings", "{\"keepalive\":\"fast\","
	    "\"heartbeat_port\":70000,\"service\":\"bogus\"}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "global.keepalive", "seconds"));
	assert_true(has_error(&r, "global.heartbeat_port", "range"));
	assert_true(has_error(&r, "global.service", "lvs"));
	resp_free(&r);
	/* a newline in a command would inject a line into lvs.cf */
	req("PUT", "/api/v1/settings", "{\"active_cmd\":\"/bin/true\\n"
	    "primary = 1.2.3.4\"}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "global.active_cmd", "control"));
	resp_free(&r);
	assert_int_equal(current_generation(), gen);
}

static void
test_crud_virtual_and_audit(void **state)
{
	uint64_t gen = current_generation();
	struct resp r;

	(void)state;
	req("POST", "/api/v1/virtual-servers", "{\"name\":\"web\","
	    "\"address\":\"10.201.1.10\",\"device\":\"eth0:1\","
	    "\"port\":80,\"active\":true,\"scheduler\":\"wrr\","
	    "\"servers\":[{\"name\":\"r1\",\"address\":\"10.201.2.1\","
	    "\"weight\":2,\"active\":true},{\"name\":\"r2\","
	    "\"address\":\"10.201.2.2\",\"active\":true}]}", &r);
	if (r.status != 201)
		fprintf(stderr, "%s\n", r.body);
	assert_int_equal(r.status, 201);
	assert_non_null(strstr(r.body, "\"generation\""));
	resp_free(&r);
	assert_int_equal(current_generation(), gen + 1);
	assert_true(audited("web:admin", ""));
	req("GET", "/api/v1/virtual-servers/web", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"10.201.2.2\""));
	assert_non_null(strstr(r.body, "\"wrr\""));
	resp_free(&r);
	/* the same VIP:port twice is the store validator's error */
	req("POST", "/api/v1/virtual-servers", "{\"name\":\"web2\","
	    "\"address\":\"10.201.1.10\",\"port\":80,\"active\":true}", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "web2"));
	resp_free(&r);
	req("POST", "/api/v1/virtual-servers", "{\"name\":\"web\"}", &r);
	assert_int_equal(r.status, 409);
	resp_free(&r);
	req("PUT", "/api/v1/virtual-servers/web/real-servers/r2",
	    "{\"weight\":5}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req("PUT", "/api/v1/virtual-servers/web/check", "{\"send\":"
	    "\"GET / HTTP/1.0\\\\r\\\\n\\\\r\\\\n\",\"expect\":\"HTTP\","
	    "\"timeout\":5}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req("PUT", "/api/v1/virtual-servers/web/check", "{\"port\":81}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "virtual[web].port", "unknown field"));
	resp_free(&r);
	req("GET", "/api/v1/config/export", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "virtual web"));
	assert_non_null(strstr(r.body, "weight = 5"));
	resp_free(&r);
	assert_int_equal(current_generation(), gen + 3);
	req("DELETE", "/api/v1/virtual-servers/web/real-servers/r1", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(current_generation(), gen + 4);
}

/* The generation a GET answered with, from r (freed). */
static uint64_t
read_gen(struct resp *r)
{
	json_t *o = json_loads(r->body, 0, NULL);
	uint64_t g;

	assert_non_null(o);
	g = (uint64_t)json_integer_value(json_object_get(o, "generation"));
	json_decref(o);
	resp_free(r);
	assert_true(g > 0);
	return g;
}

/*
 * Optimistic concurrency: a change that says which generation it was read
 * at (If-Match or "generation") is refused with 412 when its object
 * changed since, with the current object and the changes, and nothing is
 * saved; changes to other objects meanwhile are no conflict.
 */
static void
test_concurrent_edit(void **state)
{
	struct resp r;
	char hdr[64], body[128];
	uint64_t g, g2;

	(void)state;
	req("POST", "/api/v1/virtual-servers", "{\"name\":\"occ\","
	    "\"address\":\"10.202.1.10\",\"port\":8080,\"active\":true,"
	    "\"scheduler\":\"wrr\",\"generation\":1,"
	    "\"servers\":[{\"name\":\"s1\",\"address\":\"10.202.2.1\","
	    "\"active\":true},{\"name\":\"s2\",\"address\":\"10.202.2.2\","
	    "\"active\":true}]}", &r);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	req("GET", "/api/v1/virtual-servers/occ", NULL, &r);
	g = read_gen(&r);
	/* B changes a real server: another object */
	req("PUT", "/api/v1/virtual-servers/occ/real-servers/s1",
	    "{\"weight\":3}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* A saves the virtual server read at g: no conflict */
	snprintf(body, sizeof(body), "{\"scheduler\":\"rr\","
	    "\"generation\":%llu}", (unsigned long long)g);
	req("PUT", "/api/v1/virtual-servers/occ", body, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	g2 = current_generation();
	/* B saves the same virtual server, also read at g: 412 */
	snprintf(hdr, sizeof(hdr), "If-Match: \"%llu\"\r\n",
	    (unsigned long long)g);
	req_full(NULL, "PUT", "/api/v1/virtual-servers/occ", session, csrf,
	    "application/json", "{\"scheduler\":\"sh\"}", hdr, &r);
	assert_int_equal(r.status, 412);
	assert_non_null(strstr(r.body, "\"scheduler\":\"rr\""));
	assert_non_null(strstr(r.body, "PUT /api/v1/virtual-servers/occ\""));
	assert_non_null(strstr(r.body, "changed since generation"));
	resp_free(&r);
	assert_int_equal(current_generation(), g2);
	/* read again: saved */
	snprintf(hdr, sizeof(hdr), "If-Match: \"%llu\"\r\n",
	    (unsigned long long)g2);
	req_full(NULL, "PUT", "/api/v1/virtual-servers/occ", session, csrf,
	    "application/json", "{\"scheduler\":\"sh\"}", hdr, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* s2 did not change since g: its delete goes through */
	snprintf(hdr, sizeof(hdr), "If-Match: %llu\r\n",
	    (unsigned long long)g);
	req_full(NULL, "DELETE", "/api/v1/virtual-servers/occ/real-servers/s2",
	    session, csrf, NULL, NULL, hdr, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* ... s1's is refused (weight 3 since), and a deleted object too */
	req_full(NULL, "DELETE", "/api/v1/virtual-servers/occ/real-servers/s1",
	    session, csrf, NULL, NULL, hdr, &r);
	assert_int_equal(r.status, 412);
	resp_free(&r);
	req_full(NULL, "PUT", "/api/v1/virtual-servers/occ/real-servers/s2",
	    session, csrf, "application/json", "{\"weight\":2}", hdr, &r);
	assert_int_equal(r.status, 412);
	assert_non_null(strstr(r.body, "\"current\":null"));
	resp_free(&r);
	/* not a generation */
	req_full(NULL, "PUT", "/api/v1/virtual-servers/occ", session, csrf,
	    "application/json", "{\"scheduler\":\"rr\"}",
	    "If-Match: \"abc\"\r\n", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "generation", "positive integer"));
	resp_free(&r);
	req("DELETE", "/api/v1/virtual-servers/occ", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

static int
audit_count_one(const struct store_audit *a, void *arg)
{
	(void)a;
	(*(int *)arg)++;
	return 0;
}

static int
audit_count(void)
{
	struct store *st;
	struct diag d;
	int n = 0;

	diag_init(&d);
	st = store_open(dbpath, STORE_RDONLY, &d);
	assert_non_null(st);
	assert_int_equal(store_audit_each(st, 0, audit_count_one, &n), 0);
	store_close(st);
	diag_clear(&d);
	return n;
}

/*
 * ?preview=1 on a change: 200 with the lvs.cf diff (heartbeat keys
 * redacted), why pulse's part is not available here (no pulse), the
 * warnings; nothing committed, no audit row; a stale If-Match is still
 * 412 and invalid input still 400.  The same request without ?preview
 * commits.
 */
static void
test_preview(void **state)
{
	uint64_t g;
	int audits;
	struct resp r;
	json_t *o;
	char hdr[64];

	(void)state;
	req("POST", "/api/v1/virtual-servers", "{\"name\":\"pv\","
	    "\"address\":\"10.203.1.10\",\"port\":80,\"active\":true,"
	    "\"scheduler\":\"wrr\",\"servers\":[{\"name\":\"p1\","
	    "\"address\":\"10.203.2.1\",\"active\":true}]}", &r);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	g = current_generation();
	audits = audit_count();
	req("PUT", "/api/v1/virtual-servers/pv/real-servers/p1?preview=1",
	    "{\"weight\":7}", &r);
	if (r.status != 200)
		fprintf(stderr, "%s\n", r.body);
	assert_int_equal(r.status, 200);
	o = json_loads(r.body, 0, NULL);
	assert_non_null(o);
	assert_true(json_is_true(json_object_get(o, "preview")));
	assert_int_equal(json_integer_value(json_object_get(o, "generation")),
	    (json_int_t)g);
	assert_non_null(strstr(json_string_value(json_object_get(o, "diff")),
	    "\n+        weight = 7\n"));
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(o, "lb"), "error")), "pulse not running"));
	assert_true(json_is_array(json_object_get(o, "warnings")));
	json_decref(o);
	resp_free(&r);
	assert_int_equal(current_generation(), g);
	assert_int_equal(audit_count(), audits);
	/* a new heartbeat key: shown changed, never shown */
	req("PUT", "/api/v1/settings?preview=1", "{\"heartbeat_key\":"
	    "\"preview-secret-0123456789\"}", &r);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "preview-secret"));
	assert_non_null(strstr(r.body, "+heartbeat_key = (redacted, new "
	    "value)"));
	resp_free(&r);
	/* still the concurrency and validation of a commit */
	snprintf(hdr, sizeof(hdr), "If-Match: \"%llu\"\r\n",
	    (unsigned long long)(g - 1));
	req_full(NULL, "PUT", "/api/v1/virtual-servers/pv/real-servers/p1"
	    "?preview=1", session, csrf, "application/json",
	    "{\"weight\":7}", hdr, &r);
	assert_int_equal(r.status, 412);
	resp_free(&r);
	req("PUT", "/api/v1/virtual-servers/pv/real-servers/p1?preview=1",
	    "{\"weight\":-3}", &r);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	req("POST", "/api/v1/virtual-servers?preview=1", "{\"name\":\"pv2\","
	    "\"address\":\"10.203.1.10\",\"port\":80,\"active\":true}", &r);
	assert_int_equal(r.status, 400);	/* the same VIP:port: validate */
	resp_free(&r);
	assert_int_equal(current_generation(), g);
	assert_int_equal(audit_count(), audits);
	/* committed without ?preview */
	req("PUT", "/api/v1/virtual-servers/pv/real-servers/p1",
	    "{\"weight\":7}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(current_generation(), g + 1);
	req("DELETE", "/api/v1/virtual-servers/pv", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

/*
 * Failover services share the virtual servers' handlers; the route's
 * argument says which list: what is made here is a failover service, not
 * a virtual server, and the messages say so.
 */
static void
test_failover_routes(void **state)
{
	uint64_t gen = current_generation();
	struct resp r;

	(void)state;
	req("POST", "/api/v1/failover-services", "{\"name\":\"ftp\","
	    "\"address\":\"10.201.1.30\",\"port\":21,\"active\":true,"
	    "\"start_cmd\":\"/bin/true\",\"stop_cmd\":\"/bin/true\"}", &r);
	if (r.status != 201)
		fprintf(stderr, "%s\n", r.body);
	assert_int_equal(r.status, 201);
	assert_non_null(strstr(r.body, "\"failover_service\""));
	resp_free(&r);
	req("GET", "/api/v1/failover-services", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"failover_services\""));
	assert_non_null(strstr(r.body, "\"ftp\""));
	resp_free(&r);
	req("GET", "/api/v1/virtual-servers/ftp", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.body, "no virtual server named ftp"));
	resp_free(&r);
	req("PUT", "/api/v1/failover-services/ftp/check", "{\"timeout\":7}",
	    &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req("GET", "/api/v1/failover-services/ftp/check", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"timeout\":7"));
	resp_free(&r);
	req("PUT", "/api/v1/failover-services/ftp", "{\"name\":\"sftp\"}",
	    &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "failover[ftp].name", "renaming"));
	resp_free(&r);
	req("POST", "/api/v1/failover-services", "{\"name\":\"ftp\"}", &r);
	assert_int_equal(r.status, 409);
	assert_non_null(strstr(r.body, "failover service ftp already"));
	resp_free(&r);
	req("DELETE", "/api/v1/failover-services/ftp", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req("DELETE", "/api/v1/failover-services/ftp", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.body, "no failover service named ftp"));
	resp_free(&r);
	assert_int_equal(current_generation(), gen + 3);
}

/* The field of block in a schema reply whose lvs.cf key or API name is
 * name. */
static json_t *
schema_field(json_t *schema, const char *block, const char *name)
{
	json_t *fields = json_object_get(json_object_get(json_object_get(
	    schema, "blocks"), block), "fields"), *f;
	const char *n, *k;
	size_t i;

	json_array_foreach(fields, i, f) {
		n = json_string_value(json_object_get(f, "name"));
		k = json_string_value(json_object_get(f, "lvscf"));
		if ((n != NULL && strcmp(n, name) == 0) ||
		    (k != NULL && strcmp(k, name) == 0))
			return f;
	}
	fail_msg("schema: no %s.%s", block, name);
	return NULL;
}

static int
has_flag(const json_t *f, const char *flag)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(f, "flags"), i, v)
		if (strcmp(json_string_value(v), flag) == 0)
			return 1;
	return 0;
}

/*
 * What GET path returns has exactly the members the schema gives block
 * (only those of group when not NULL), "servers" and "generation" (the
 * generation it was read at) aside.
 */
static void
same_members(json_t *schema, const char *block, const char *group,
    const char *path)
{
	json_t *fields = json_object_get(json_object_get(json_object_get(
	    schema, "blocks"), block), "fields"), *f, *obj, *v;
	const char *name, *key, *g;
	struct resp r;
	size_t i, n = 0;

	req("GET", path, NULL, &r);
	assert_int_equal(r.status, 200);
	obj = json_loads(r.body, 0, NULL);
	assert_non_null(obj);
	json_array_foreach(fields, i, f) {
		name = json_string_value(json_object_get(f, "name"));
		g = json_string_value(json_object_get(f, "group"));
		if (name == NULL || (group != NULL && (g == NULL ||
		    strcmp(g, group) != 0)))
			continue;
		if (json_object_get(f, "returned_as") != NULL)
			name = json_string_value(json_object_get(f,
			    "returned_as"));
		if (json_object_get(obj, name) == NULL)
			fail_msg("%s: no %s (schema %s)", path, name, block);
		n++;
	}
	assert_true(json_integer_value(json_object_get(obj, "generation")) > 0);
	json_object_foreach(obj, key, v)
		if (strcmp(key, "servers") != 0 &&
		    strcmp(key, "generation") != 0 && n-- == 0)
			fail_msg("%s: %s is not in the schema", path, key);
	assert_int_equal(n, 0);
	json_decref(obj);
	resp_free(&r);
}

static void
test_schema(void **state)
{
	json_t *s, *f, *v;
	struct resp r;
	int wlc = 0, mh = 0;
	size_t i;

	(void)state;
	/* like every route, only with a session */
	req_full(NULL, "GET", "/api/v1/schema", NULL, NULL, NULL, NULL, NULL,
	    &r);
	assert_int_equal(r.status, 401);
	resp_free(&r);
	req("GET", "/api/v1/schema", NULL, &r);
	assert_int_equal(r.status, 200);
	s = json_loads(r.body, 0, NULL);
	assert_non_null(s);
	resp_free(&r);
	assert_int_equal(json_integer_value(json_object_get(s, "version")), 1);

	f = schema_field(s, "virtual", "scheduler");
	assert_string_equal(json_string_value(json_object_get(f, "type")),
	    "enum");
	assert_string_equal(json_string_value(json_object_get(f, "default")),
	    "wlc");
	assert_string_equal(json_string_value(json_object_get(f, "group")),
	    "service");
	assert_true(json_string_length(json_object_get(f, "label")) > 0);
	assert_true(json_string_length(json_object_get(f, "help")) > 20);
	json_array_foreach(json_object_get(f, "enum"), i, v) {
		wlc |= strcmp(json_string_value(v), "wlc") == 0;
		mh |= strcmp(json_string_value(v), "mh") == 0;
	}
	assert_true(wlc && mh);
	f = schema_field(s, "virtual", "port");
	assert_int_equal(json_integer_value(json_object_get(f, "min")), 1);
	assert_int_equal(json_integer_value(json_object_get(f, "max")), 65535);
	assert_int_equal(json_integer_value(json_object_get(f, "default")), 80);
	f = schema_field(s, "global", "keepalive");
	assert_string_equal(json_string_value(json_object_get(f, "type")),
	    "seconds");
	assert_string_equal(json_string_value(json_object_get(f, "unit")), "s");
	assert_true(json_real_value(json_object_get(f, "min")) == 0.001);
	assert_true(json_real_value(json_object_get(f, "max")) == 3600);
	assert_true(json_real_value(json_object_get(f, "default")) == 0.2);
	f = schema_field(s, "global", "heartbeat_key");
	assert_true(has_flag(f, "secret"));
	assert_string_equal(json_string_value(json_object_get(f,
	    "returned_as")), "heartbeat_key_set");
	f = schema_field(s, "global", "hard_shutdown");	/* kept */
	assert_true(has_flag(f, "kept"));
	assert_true(json_is_null(json_object_get(f, "name")));
	assert_true(json_is_null(json_object_get(schema_field(s, "failover",
	    "scheduler"), "name")));
	assert_true(json_is_null(json_object_get(schema_field(s, "virtual",
	    "start_cmd"), "name")));
	assert_string_equal(json_string_value(json_object_get(schema_field(s,
	    "failover", "start_cmd"), "group")), "service");
	assert_true(has_flag(schema_field(s, "server", "address"),
	    "required"));

	/* the schema describes exactly what the API returns */
	req("POST", "/api/v1/virtual-servers", "{\"name\":\"schema-vs\","
	    "\"address\":\"10.201.9.1\",\"servers\":[{\"name\":\"r1\","
	    "\"address\":\"10.201.9.2\"}]}", &r);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	req("POST", "/api/v1/failover-services", "{\"name\":\"schema-fo\","
	    "\"address\":\"10.201.9.3\",\"port\":21}", &r);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	same_members(s, "global", NULL, "/api/v1/settings");
	same_members(s, "virtual", NULL, "/api/v1/virtual-servers/schema-vs");
	same_members(s, "virtual", "check",
	    "/api/v1/virtual-servers/schema-vs/check");
	same_members(s, "server", NULL,
	    "/api/v1/virtual-servers/schema-vs/real-servers/r1");
	same_members(s, "failover", NULL,
	    "/api/v1/failover-services/schema-fo");
	req("DELETE", "/api/v1/virtual-servers/schema-vs", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req("DELETE", "/api/v1/failover-services/schema-fo", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	json_decref(s);
}

/*
 * director_mode and a node's BGP session (director_mode = ecmp) are
 * registry rows: the schema describes them, the API reads and writes
 * them with their ranges, and they reach lvs.cf.
 */
static void
test_ecmp_fields(void **state)
{
	json_t *s, *f, *n;
	struct resp r;

	(void)state;
	req("GET", "/api/v1/schema", NULL, &r);
	assert_int_equal(r.status, 200);
	s = json_loads(r.body, 0, NULL);
	assert_non_null(s);
	resp_free(&r);
	f = schema_field(s, "global", "director_mode");
	assert_string_equal(json_string_value(json_object_get(f, "default")),
	    "single");
	assert_string_equal(json_string_value(json_array_get(json_object_get(f,
	    "enum"), 1)), "ecmp");
	f = schema_field(s, "node", "bgp_hold_time");
	assert_string_equal(json_string_value(json_object_get(f, "group")),
	    "node");
	assert_int_equal(json_integer_value(json_object_get(f, "min")), 3);
	assert_int_equal(json_integer_value(json_object_get(f, "default")), 3);
	assert_non_null(schema_field(s, "node", "routing_config"));
	json_decref(s);

	req("PUT", "/api/v1/settings", "{\"director_mode\":\"anycast\"}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "global.director_mode", "ecmp"));
	resp_free(&r);
	/* with node blocks, primary and backup must be nodes (or 0.0.0.0) */
	req("PUT", "/api/v1/settings", "{\"backup\":\"0.0.0.0\"}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req("POST", "/api/v1/nodes", "{\"name\":\"bgp1\","
	    "\"address\":\"10.201.0.1\",\"bgp_hold_time\":2}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "node[bgp1].bgp_hold_time", "range"));
	resp_free(&r);
	req("POST", "/api/v1/nodes", "{\"name\":\"bgp1\","
	    "\"address\":\"10.201.0.1\",\"bgp_as\":65001,"
	    "\"bgp_neighbor\":\"10.201.8.254\",\"bgp_neighbor_as\":65000,"
	    "\"bgp_hold_time\":9,\"routing_socket\":\"/run/t/bird.ctl\"}",
	    &r);
	if (r.status != 201)
		fprintf(stderr, "%s\n", r.body);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	req("GET", "/api/v1/nodes/bgp1", NULL, &r);
	assert_int_equal(r.status, 200);
	n = json_loads(r.body, 0, NULL);
	assert_non_null(n);
	resp_free(&r);
	assert_int_equal(json_integer_value(json_object_get(n, "bgp_as")),
	    65001);
	assert_string_equal(json_string_value(json_object_get(n,
	    "bgp_neighbor")), "10.201.8.254");
	assert_int_equal(json_integer_value(json_object_get(n,
	    "bgp_hold_time")), 9);
	assert_true(json_is_null(json_object_get(n, "routing_config")));
	json_decref(n);
	req("GET", "/api/v1/config/export", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "bgp_neighbor_as = 65000"));
	assert_non_null(strstr(r.body, "routing_socket = /run/t/bird.ctl"));
	resp_free(&r);
	req("DELETE", "/api/v1/nodes/bgp1", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req("PUT", "/api/v1/settings", "{\"backup\":\"10.201.0.2\"}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

static void
test_history_rollback(void **state)
{
	uint64_t gen = current_generation();
	char path[64];
	struct resp r;

	(void)state;
	req("GET", "/api/v1/history", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "web:admin"));
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/history/1/diff/%llu",
	    (unsigned long long)gen);
	req("GET", path, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "+virtual web"));
	resp_free(&r);
	req("POST", "/api/v1/history/1/rollback", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(current_generation(), gen + 1);
	req("GET", "/api/v1/virtual-servers/web", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	req("POST", "/api/v1/history/999/rollback", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	req("GET", "/api/v1/audit", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "rollback"));
	resp_free(&r);
}

static void
test_import(void **state)
{
	uint64_t gen = current_generation();
	struct resp r;

	(void)state;
	req_full(NULL, "POST", "/api/v1/config/import", session, csrf,
	    "text/plain", "primary = 10.201.0.1\nbogus_key = 1\n"
	    "virtual v {\n port = x\n}\n", NULL, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "\"line\":2"));
	resp_free(&r);
	assert_int_equal(current_generation(), gen);
	req_full(NULL, "POST", "/api/v1/config/import", session, csrf,
	    "text/plain", BASE_CF "virtual imp {\n address = 10.201.1.20 "
	    "eth0:2\n active = 1\n}\n", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(current_generation(), gen + 1);
}

static void
test_status(void **state)
{
	struct resp r;

	(void)state;
	req("GET", "/api/v1/status", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"pulse_running\":false"));
	assert_non_null(strstr(r.body, "pulse not running"));
	resp_free(&r);
}

/*
 * A push through the sync library to a peer on loopback where nothing
 * listens: the job reports that node failed, with the reason.  (Only
 * 127.0.0.0/8 is contacted.)
 */
static void
test_push(void **state)
{
	char cf[512], path[64], id[16];
	struct resp r;
	json_t *j, *nodes, *n;
	int i, done = 0;

	(void)state;
	snprintf(cf, sizeof(cf), "primary = 127.0.0.1\n"
	    "node self {\n address = 127.0.0.1\n priority = 200\n}\n"
	    "node peer {\n address = 127.0.0.2\n priority = 100\n"
	    " ssh_port = %d\n}\n", free_port());
	req_full(NULL, "POST", "/api/v1/config/import", session, csrf,
	    "text/plain", cf, NULL, &r);
	if (r.status != 200)
		fprintf(stderr, "%s\n", r.body);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req("POST", "/api/v1/push", "{\"nodes\":\"peer\"}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "nodes", NULL));
	resp_free(&r);
	req("POST", "/api/v1/push", "{\"nodes\":[\"nobody-here\"]}", &r);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	req("POST", "/api/v1/push", "{}", &r);
	assert_int_equal(r.status, 202);
	j = json_loads(r.body, 0, NULL);
	str_copy(id, json_string_value(json_object_get(j, "id")), sizeof(id));
	json_decref(j);
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/push/%s", id);
	for (i = 0; i < 150 && !done; i++) {	/* up to 15 s */
		req("GET", path, NULL, &r);
		assert_int_equal(r.status, 200);
		j = json_loads(r.body, 0, NULL);
		done = json_is_true(json_object_get(j, "done"));
		if (!done) {
			json_decref(j);
			resp_free(&r);
			usleep(100 * 1000);
		}
	}
	assert_true(done);
	assert_true(json_is_false(json_object_get(j, "ok")));
	nodes = json_object_get(j, "nodes");
	assert_int_equal(json_array_size(nodes), 1);
	n = json_array_get(nodes, 0);
	assert_string_equal(json_string_value(json_object_get(n, "name")),
	    "peer");
	assert_string_equal(json_string_value(json_object_get(n, "state")),
	    "failed");
	fprintf(stderr, "push to an unreachable peer: %s\n", r.body);
	json_decref(j);
	resp_free(&r);
	req("GET", "/api/v1/push/999", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	assert_true(audited("web:admin", "push"));
}

/* A line appended to the log arrives on the SSE stream. */
static void
test_log_stream(void **state)
{
	char head[512], buf[8192];
	struct pollfd pfd;
	size_t n = 0;
	ssize_t k;
	int fd, lfd, i;

	(void)state;
	fd = connect_from(NULL);
	assert_true(fd != -1);
	snprintf(head, sizeof(head), "GET /api/v1/logs/stream HTTP/1.1\r\n"
	    "Host: x\r\nCookie: shoal_session=%s\r\n\r\n", session);
	write_all(fd, head, strlen(head));
	usleep(200 * 1000);
	lfd = open(logpath, O_WRONLY | O_APPEND);
	assert_true(lfd != -1);
	write_all(lfd, "pulse: partner dead: activating lvs\n", 36);
	close(lfd);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (i = 0; i < 50 && n < sizeof(buf) - 1; i++) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((k = read(fd, buf + n, sizeof(buf) - 1 - n)) <= 0)
			break;
		n += (size_t)k;
		buf[n] = '\0';
		if (strstr(buf, "activating lvs") != NULL)
			break;
	}
	buf[n] = '\0';
	close(fd);
	assert_non_null(strstr(buf, "text/event-stream"));
	assert_non_null(strstr(buf, "data: first line"));
	assert_non_null(strstr(buf, "data: pulse: partner dead: activating "
	    "lvs"));
}

/* Reads the stream on fd until want appears (at most 5 s); 1 if it did. */
static int
sse_wait(int fd, const char *want)
{
	static char buf[65536];
	static size_t n;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t k;
	int i;

	for (i = 0; i < 50; i++) {
		buf[n] = '\0';
		if (strstr(buf, want) != NULL) {
			n = 0;		/* consume */
			return 1;
		}
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (n > sizeof(buf) - 4096)
			n = 0;
		if ((k = read(fd, buf + n, sizeof(buf) - 1 - n)) <= 0)
			return 0;
		n += (size_t)k;
	}
	return 0;
}

static void
append_log(const char *path, const char *line, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);

	assert_true(fd != -1);
	write_all(fd, line, strlen(line));
	close(fd);
}

/* The tail survives rotation (rename + new file) and truncation. */
static void
test_log_rotation(void **state)
{
	char head[512], old[300];
	int fd;

	(void)state;
	fd = connect_from(NULL);
	assert_true(fd != -1);
	snprintf(head, sizeof(head), "GET /api/v1/logs/stream?lines=0 "
	    "HTTP/1.1\r\nHost: x\r\nCookie: shoal_session=%s\r\n\r\n",
	    session);
	write_all(fd, head, strlen(head));
	assert_true(sse_wait(fd, "retry:"));
	append_log(logpath, "before rotation\n", O_APPEND);
	assert_true(sse_wait(fd, "data: before rotation"));
	snprintf(old, sizeof(old), "%s.1", logpath);
	assert_int_equal(rename(logpath, old), 0);
	append_log(old, "last words of the old file\n", O_APPEND);
	append_log(logpath, "after rotation\n", O_EXCL);
	assert_true(sse_wait(fd, "data: after rotation"));
	append_log(logpath, "a longer line that will be truncated away\n",
	    O_APPEND);
	assert_true(sse_wait(fd, "truncated away"));
	append_log(logpath, "after truncation\n", O_TRUNC);
	assert_true(sse_wait(fd, "data: after truncation"));
	close(fd);
	unlink(old);
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("nobody");

		if (pw != NULL)
			(void)chown(logpath, pw->pw_uid, pw->pw_gid);
	}
}

/*
 * A store that cannot commit (here: another process holds it locked
 * longer than the busy timeout) is a 500 naming the cause, not a 400
 * "invalid input"; nothing changed.
 */
static void
test_store_failure_500(void **state)
{
	uint64_t g0 = current_generation();
	sqlite3 *db;
	struct resp r;

	(void)state;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL,
	    NULL), SQLITE_OK);
	req("PUT", "/api/v1/settings", "{\"keepalive\": 0.75}", &r);
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	if (r.status != 500)
		fprintf(stderr, "%d %s\n", r.status, r.body);
	assert_int_equal(r.status, 500);
	assert_non_null(strstr(r.body, "locked by another process"));
	assert_null(strstr(r.body, "invalid input"));
	resp_free(&r);
	assert_int_equal(current_generation(), g0);
}

/* GET path with session sess: the status, the body into *body. */
static int
get_as(const char *sess, const char *path, char **body)
{
	struct resp r;
	int st;

	req_full(NULL, "GET", path, sess, NULL, NULL, NULL, NULL, &r);
	st = r.status;
	*body = r.body;
	r.body = NULL;
	resp_free(&r);
	return st;
}

/*
 * heartbeat_key (a secret of the field registry) is redacted in the
 * export, a generation's text and the history diff, unless an admin asks
 * with secrets=1; a viewer asking is 403.
 */
static void
test_secrets_redacted(void **state)
{
	static const char key[] = "sekrit-heartbeat-key-0123";
	char cf[512], vs[80], vt[80], path[128], *b;
	uint64_t g;
	struct resp r;

	(void)state;
	snprintf(cf, sizeof(cf), "%sheartbeat_key = \"%s\"\n"
	    "heartbeat_key_accept = \"%s-2\"\n", BASE_CF, key, key);
	req_full(NULL, "POST", "/api/v1/config/import", session, csrf,
	    "text/plain", cf, NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	g = current_generation();
	login_as(VIEW, VIEW_PW, vs, vt);
	assert_int_equal(get_as(session, "/api/v1/config/export", &b), 200);
	assert_null(strstr(b, key));
	assert_non_null(strstr(b, "# heartbeat_key = (secret: redacted)"));
	assert_non_null(strstr(b, "# heartbeat_key_accept = (secret: "
	    "redacted)"));
	free(b);
	assert_int_equal(get_as(session, "/api/v1/config/export?secrets=1",
	    &b), 200);
	assert_non_null(strstr(b, key));
	free(b);
	assert_int_equal(get_as(vs, "/api/v1/config/export?secrets=1", &b),
	    403);
	free(b);
	assert_int_equal(get_as(vs, "/api/v1/config/export", &b), 200);
	assert_null(strstr(b, key));
	free(b);
	snprintf(path, sizeof(path), "/api/v1/history/%llu",
	    (unsigned long long)g);
	assert_int_equal(get_as(vs, path, &b), 200);
	assert_null(strstr(b, key));
	free(b);
	snprintf(path, sizeof(path), "/api/v1/history/%llu/diff/%llu",
	    (unsigned long long)g - 1, (unsigned long long)g);
	assert_int_equal(get_as(vs, path, &b), 200);
	assert_null(strstr(b, key));
	assert_non_null(strstr(b, "heartbeat_key = (secret: redacted)"));
	free(b);
	strcat(path, "?secrets=1");
	assert_int_equal(get_as(vs, path, &b), 403);
	free(b);
	assert_int_equal(get_as(session, path, &b), 200);
	assert_non_null(strstr(b, key));
	free(b);
	assert_true(audited("web:admin", "secrets"));
}

/*
 * A body framed two ways (RFC 9112 6.3: Content-Length twice, or with
 * Transfer-Encoding) is 400 and changes nothing, whatever the route.
 */
static void
test_ambiguous_framing(void **state)
{
	static const char *const extra[] = {
		"Content-Length: 17\r\n",
		"Content-Length: 5\r\n",
		"Transfer-Encoding: chunked\r\n",
	};
	uint64_t g0 = current_generation();
	struct resp r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		req_full(NULL, "PUT", "/api/v1/settings", session, csrf,
		    "application/json", "{\"keepalive\": 0.6}", extra[i], &r);
		if (r.status != 400)
			fprintf(stderr, "%s: %d %s\n", extra[i], r.status,
			    r.body);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "framing"));
		resp_free(&r);
		req_full(NULL, "POST", "/api/v1/login", NULL, NULL,
		    "application/json", "{\"user\":\"x\",\"password\":\"y\"}",
		    extra[i], &r);
		assert_int_equal(r.status, 400);
		resp_free(&r);
	}
	assert_int_equal(current_generation(), g0);
	/* one Content-Length alone is fine */
	req("PUT", "/api/v1/settings", "{\"keepalive\": 0.6}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

/* Whether the server closed fd (EOF or reset) within ms. */
static int
closed_within(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[256];

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	return read(fd, buf, sizeof(buf)) <= 0 || (pfd.revents & POLLHUP);
}

/*
 * One address holding many idle connections gets at most HTTP_PER_ADDRESS
 * (64): the rest are closed at once, and another client is served
 * meanwhile.
 */
static void
test_per_address_cap(void **state)
{
	enum { N = 300 };
	struct rlimit rl;
	int fds[N], i, n = 0, shut = 0;
	struct resp r;

	(void)state;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024) {
		rl.rlim_cur = rl.rlim_max < 1024 ? rl.rlim_max : 1024;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (i = 0; i < N; i++)
		if ((fds[n] = connect_from("127.0.0.9")) != -1)
			n++;
	assert_true(n > 100);
	req("GET", "/api/v1/session", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	for (i = 0; i < n; i++)
		shut += closed_within(fds[i], i < 70 ? 100 : 2000);
	fprintf(stderr, "%d idle connections from one address: %d closed by "
	    "the server\n", n, shut);
	assert_true(n - shut <= 64);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

/*
 * A header trickled one byte every half second (each byte would restart
 * an idle timeout) is cut off at the header deadline, 10 s.
 */
static void
test_trickle_deadline(void **state)
{
	static const char head[] = "GET /api/v1/status HTTP/1.1\r\nHost: x\r\n";
	uint64_t t0 = clock_monotonic_ms(), took;
	int fd, i, closed = 0, sent = 0;

	(void)state;
	fd = connect_from("127.0.0.10");
	assert_true(fd != -1);
	write_all(fd, head, sizeof(head) - 1);
	for (i = 0; i < 60 && !closed; i++) {	/* at most 30 s */
		if (send(fd, "X", 1, MSG_NOSIGNAL) == 1)
			sent++;
		closed = closed_within(fd, 500);
	}
	took = clock_monotonic_ms() - t0;
	close(fd);
	fprintf(stderr, "a trickled header: %d bytes, cut off after %llu ms\n",
	    sent, (unsigned long long)took);
	assert_true(closed);
	assert_true(sent >= 10);
	assert_true(took >= 9000 && took < 20000);
}

/* ---- roles: every route x every role ---- */

/*
 * Every route of api_routes with the least role it must need, and a
 * request that exercises it without harm when allowed ({} in the pattern
 * becomes "nosuch", USER the caller's own name).  NULL path: not sent
 * (login is public, logout ends the session, the log stream never ends);
 * the table check still covers it.
 */
static const struct role_case {
	const char	*rc_method;
	const char	*rc_pattern;
	int		 rc_role;
	const char	*rc_path;
	const char	*rc_body;	/* JSON (text for import) or NULL */
} role_cases[] = {
#define V "/api/v1"
	{ "POST", V "/login", 0, NULL, NULL },	/* public */
	{ "POST", V "/logout", USERS_VIEWER, NULL, NULL },
	{ "GET", V "/session", USERS_VIEWER, V "/session", NULL },
	{ "GET", V "/schema", USERS_VIEWER, V "/schema", NULL },
	{ "GET", V "/status", USERS_VIEWER, V "/status", NULL },
	{ "GET", V "/settings", USERS_VIEWER, V "/settings", NULL },
	{ "PUT", V "/settings", USERS_ADMIN, V "/settings",
	    "{\"keepalive\": \"x\"}" },
	{ "GET", V "/nodes", USERS_VIEWER, V "/nodes", NULL },
	{ "POST", V "/nodes", USERS_ADMIN, V "/nodes", "{}" },
	{ "GET", V "/nodes/{}", USERS_VIEWER, V "/nodes/nosuch", NULL },
	{ "PUT", V "/nodes/{}", USERS_ADMIN, V "/nodes/nosuch", "{}" },
	{ "DELETE", V "/nodes/{}", USERS_ADMIN, V "/nodes/nosuch", NULL },
#define VS V "/virtual-servers"
	{ "GET", VS, USERS_VIEWER, VS, NULL },
	{ "POST", VS, USERS_ADMIN, VS, "{}" },
	{ "GET", VS "/{}", USERS_VIEWER, VS "/nosuch", NULL },
	{ "PUT", VS "/{}", USERS_ADMIN, VS "/nosuch", "{}" },
	{ "DELETE", VS "/{}", USERS_ADMIN, VS "/nosuch", NULL },
	{ "GET", VS "/{}/real-servers", USERS_VIEWER, VS "/nosuch/real-servers",
	    NULL },
	{ "POST", VS "/{}/real-servers", USERS_ADMIN,
	    VS "/nosuch/real-servers", "{}" },
	{ "GET", VS "/{}/real-servers/{}", USERS_VIEWER,
	    VS "/nosuch/real-servers/nosuch", NULL },
	{ "PUT", VS "/{}/real-servers/{}", USERS_ADMIN,
	    VS "/nosuch/real-servers/nosuch", "{}" },
	{ "DELETE", VS "/{}/real-servers/{}", USERS_ADMIN,
	    VS "/nosuch/real-servers/nosuch", NULL },
	{ "GET", VS "/{}/check", USERS_VIEWER, VS "/nosuch/check", NULL },
	{ "PUT", VS "/{}/check", USERS_ADMIN, VS "/nosuch/check", "{}" },
#define FS V "/failover-services"
	{ "GET", FS, USERS_VIEWER, FS, NULL },
	{ "POST", FS, USERS_ADMIN, FS, "{}" },
	{ "GET", FS "/{}", USERS_VIEWER, FS "/nosuch", NULL },
	{ "PUT", FS "/{}", USERS_ADMIN, FS "/nosuch", "{}" },
	{ "DELETE", FS "/{}", USERS_ADMIN, FS "/nosuch", NULL },
	{ "GET", FS "/{}/check", USERS_VIEWER, FS "/nosuch/check", NULL },
	{ "PUT", FS "/{}/check", USERS_ADMIN, FS "/nosuch/check", "{}" },
	{ "GET", V "/config/export", USERS_VIEWER, V "/config/export", NULL },
	{ "POST", V "/config/import", USERS_ADMIN, V "/config/import",
	    "no such keyword\n" },
	{ "GET", V "/history", USERS_VIEWER, V "/history", NULL },
	{ "GET", V "/history/{}", USERS_VIEWER, V "/history/999999", NULL },
	{ "GET", V "/history/{}/diff/{}", USERS_VIEWER,
	    V "/history/999998/diff/999999", NULL },
	{ "POST", V "/history/{}/rollback", USERS_ADMIN,
	    V "/history/999999/rollback", "{}" },
	{ "GET", V "/audit", USERS_VIEWER, V "/audit", NULL },
	{ "GET", V "/logs", USERS_VIEWER, V "/logs", NULL },
	{ "GET", V "/logs/stream", USERS_VIEWER, NULL, NULL },
	{ "POST", V "/push", USERS_OPERATOR, V "/push",
	    "{\"nodes\": [\"nobody-here\"]}" },
	{ "GET", V "/push/{}", USERS_VIEWER, V "/push/999999", NULL },
	{ "GET", V "/users", USERS_ADMIN, V "/users", NULL },
	{ "POST", V "/users", USERS_ADMIN, V "/users", "{}" },
	{ "DELETE", V "/users/{}", USERS_ADMIN, V "/users/nosuch", NULL },
	{ "PUT", V "/users/{}/password", USERS_VIEWER, V "/users/USER/password",
	    "{}" },
	{ "PUT", V "/users/{}/role", USERS_ADMIN, V "/users/nosuch/role",
	    "{}" },
	/* operations: runtime actions are an operator's (no pulse here:
	   allowed, they answer 503) */
	{ "GET", "/metrics", 0, NULL, NULL },	/* bearer token */
	{ "GET", V "/events", USERS_VIEWER, V "/events", NULL },
	{ "GET", V "/events/stream", USERS_VIEWER, NULL, NULL },
	{ "GET", V "/lb", USERS_VIEWER, V "/lb", NULL },
	{ "GET", V "/maintenance", USERS_VIEWER, V "/maintenance", NULL },
	{ "POST", VS "/{}/real-servers/{}/maintenance", USERS_OPERATOR,
	    VS "/nosuch/real-servers/nosuch/maintenance",
	    "{\"state\": \"drain\"}" },
	{ "POST", V "/nodes/{}/maintenance", USERS_OPERATOR,
	    V "/nodes/nosuch/maintenance", "{\"state\": \"standby\"}" },
	{ "GET", V "/drills", USERS_VIEWER, V "/drills", NULL },
	{ "POST", V "/drills", USERS_OPERATOR, V "/drills", "{}" },
#undef FS
#undef VS
#undef V
};
#define NROLE_CASES	(sizeof(role_cases) / sizeof(role_cases[0]))

/* Every route of the server's table is in role_cases, with its role. */
static void
test_roles_table_complete(void **state)
{
	const struct http_route *rt;
	size_t i, n = 0;
	int found;

	(void)state;
	for (rt = api_routes; rt->rt_pattern != NULL; rt++, n++) {
		found = 0;
		for (i = 0; i < NROLE_CASES; i++) {
			if (strcmp(role_cases[i].rc_pattern, rt->rt_pattern) != 0 ||
			    strcmp(role_cases[i].rc_method,
			    http_method_name(rt->rt_method)) != 0)
				continue;
			found = 1;
			if (http_route_role(rt) != role_cases[i].rc_role)
				fprintf(stderr, "%s %s needs role %d, not %d\n",
				    role_cases[i].rc_method, rt->rt_pattern,
				    role_cases[i].rc_role, http_route_role(rt));
			assert_int_equal(http_route_role(rt),
			    role_cases[i].rc_role);
		}
		if (!found)
			fprintf(stderr, "route %s %s has no role case\n",
			    http_method_name(rt->rt_method), rt->rt_pattern);
		assert_true(found);
	}
	assert_int_equal(n, NROLE_CASES);
}

static int
users_line(const struct users_entry *e, void *arg)
{
	char *buf = arg;
	size_t n = strlen(buf);

	snprintf(buf + n, 1024 - n, "%s:%d:%lld ", e->ue_name, (int)e->ue_role,
	    (long long)e->ue_updated);
	return 0;
}

/* What a forbidden request must leave alone: generation, users, audit. */
static void
snapshot(char *buf)
{
	struct store *st;
	struct diag d;
	struct store_gen g;

	diag_init(&d);
	st = store_open(dbpath, STORE_RDONLY, &d);
	assert_non_null(st);
	assert_int_equal(store_current(st, &g), 0);
	snprintf(buf, 1024, "%llu ", (unsigned long long)g.sg_generation);
	assert_int_equal(users_each(st, users_line, buf), 0);
	store_close(st);
	diag_clear(&d);
}

static void
role_request(const struct role_case *rc, const char *user, const char *sess,
    const char *tok, struct resp *r)
{
	char path[256], *u;
	int text = strcmp(rc->rc_pattern, "/api/v1/config/import") == 0;

	str_copy(path, rc->rc_path, sizeof(path));
	if ((u = strstr(path, "USER")) != NULL)
		snprintf(u, sizeof(path) - (size_t)(u - path), "%s%s", user,
		    strstr(rc->rc_path, "USER") + 4);
	req_full(NULL, rc->rc_method, path, sess, tok, rc->rc_body == NULL ?
	    NULL : text ? "text/plain" : "application/json", rc->rc_body,
	    NULL, r);
}

/*
 * Each route as viewer, operator and admin: below the route's role it is
 * 403 and nothing changed; at or above, the role is no obstacle (whatever
 * the handler then says of the harmless request).
 */
static void
test_roles_every_route(void **state)
{
	static const struct { const char *u, *pw; int role; } who[] = {
		{ VIEW, VIEW_PW, USERS_VIEWER },
		{ OPER, OPER_PW, USERS_OPERATOR },
		{ ADMIN, ADMIN_PW, USERS_ADMIN },
	};
	char sess[3][80], tok[3][80], before[1024], after[1024];
	struct resp r;
	size_t i, k;

	(void)state;
	for (k = 0; k < 3; k++)
		login_as(who[k].u, who[k].pw, sess[k], tok[k]);
	for (i = 0; i < NROLE_CASES; i++) {
		if (role_cases[i].rc_path == NULL)
			continue;
		for (k = 0; k < 3; k++) {
			snapshot(before);
			role_request(&role_cases[i], who[k].u, sess[k], tok[k],
			    &r);
			if ((who[k].role < role_cases[i].rc_role) !=
			    (r.status == 403) || r.status == 401)
				fprintf(stderr, "%s %s as %s: %d %s\n",
				    role_cases[i].rc_method,
				    role_cases[i].rc_path, who[k].u, r.status,
				    r.body);
			assert_int_not_equal(r.status, 401);
			if (who[k].role < role_cases[i].rc_role) {
				assert_int_equal(r.status, 403);
				snapshot(after);
				assert_string_equal(before, after);
			} else
				assert_int_not_equal(r.status, 403);
			resp_free(&r);
		}
	}
}

/*
 * Users: only an admin manages them; anyone changes their own password
 * with the current one; the last admin cannot go; a new role ends the
 * user's sessions and counts at once.
 */
static void
test_roles_users(void **state)
{
	char vs[80], vt[80], os[80], ot[80], before[1024], after[1024];
	struct resp r;

	(void)state;
	login_as(VIEW, VIEW_PW, vs, vt);
	login_as(OPER, OPER_PW, os, ot);
	snapshot(before);
	req_full(NULL, "PUT", "/api/v1/users/" ADMIN "/password", vs, vt,
	    "application/json", "{\"password\":\"stolen-pass-1\"}", NULL, &r);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	req_full(NULL, "PUT", "/api/v1/users/" VIEW "/role", vs, vt,
	    "application/json", "{\"role\":\"admin\"}", NULL, &r);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	snapshot(after);
	assert_string_equal(before, after);
	/* own password: the current one is needed */
	req_full(NULL, "PUT", "/api/v1/users/" VIEW "/password", vs, vt,
	    "application/json", "{\"password\":\"viewer-pass-5\"}", NULL, &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "current_password", NULL));
	resp_free(&r);
	req_full(NULL, "PUT", "/api/v1/users/" VIEW "/password", vs, vt,
	    "application/json", "{\"password\":\"" VIEW_PW "\","
	    "\"current_password\":\"" VIEW_PW "\"}", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* the session shows the role */
	req_full(NULL, "GET", "/api/v1/session", os, NULL, NULL, NULL, NULL,
	    &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"role\":\"operator\""));
	resp_free(&r);
	/* the last admin stays */
	req("DELETE", "/api/v1/users/nosuch", NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	req("PUT", "/api/v1/users/" ADMIN "/role", "{\"role\":\"viewer\"}", &r);
	assert_int_equal(r.status, 409);
	assert_non_null(strstr(r.body, "last admin"));
	resp_free(&r);
	req("PUT", "/api/v1/users/" OPER "/role", "{\"role\":\"boss\"}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "role", NULL));
	resp_free(&r);
	/* a new role: the operator's session ends; logged in again, a viewer */
	req("PUT", "/api/v1/users/" OPER "/role", "{\"role\":\"viewer\"}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req_full(NULL, "GET", "/api/v1/session", os, NULL, NULL, NULL, NULL,
	    &r);
	assert_int_equal(r.status, 401);
	resp_free(&r);
	login_as(OPER, OPER_PW, os, ot);
	req_full(NULL, "POST", "/api/v1/push", os, ot, "application/json",
	    "{\"nodes\": [\"nobody-here\"]}", NULL, &r);
	assert_int_equal(r.status, 403);
	resp_free(&r);
	req("PUT", "/api/v1/users/" OPER "/role", "{\"role\":\"operator\"}",
	    &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* a new user with a role; an unknown role is refused */
	req("POST", "/api/v1/users", "{\"user\":\"carol\",\"password\":"
	    "\"long-enough-7\",\"role\":\"root\"}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "role", NULL));
	resp_free(&r);
	req("POST", "/api/v1/users", "{\"user\":\"carol\",\"password\":"
	    "\"long-enough-7\",\"role\":\"operator\"}", &r);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	req("GET", "/api/v1/users", NULL, &r);
	assert_non_null(strstr(r.body, "\"user\":\"carol\",\"role\":"
	    "\"operator\""));
	resp_free(&r);
	req("DELETE", "/api/v1/users/carol", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

static void
test_users(void **state)
{
	struct resp r;

	(void)state;
	req("POST", "/api/v1/users", "{\"user\":\"bob\",\"password\":\"short\"}",
	    &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "password", NULL));
	resp_free(&r);
	req("POST", "/api/v1/users", "{\"user\":\"bob\",\"password\":"
	    "\"long-enough-1\"}", &r);
	assert_int_equal(r.status, 201);
	resp_free(&r);
	req("GET", "/api/v1/users", NULL, &r);
	assert_non_null(strstr(r.body, "\"bob\""));
	resp_free(&r);
	req("PUT", "/api/v1/users/admin/password", "{\"password\":"
	    "\"another-pass-2\",\"current_password\":\"wrong-one\"}", &r);
	assert_int_equal(r.status, 400);
	assert_true(has_error(&r, "current_password", "wrong"));
	resp_free(&r);
	req("DELETE", "/api/v1/users/admin", NULL, &r);
	assert_int_equal(r.status, 409);
	resp_free(&r);
	req("DELETE", "/api/v1/users/bob", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

/* A login as user with pw from src: the status, Retry-After in *wait. */
static int
try_login(const char *src, const char *user, const char *pw,
    unsigned int *wait)
{
	char body[256], buf[32];
	struct resp r;
	int status;

	snprintf(body, sizeof(body), "{\"user\":\"%s\",\"password\":\"%s\"}",
	    user, pw);
	req_full(src, "POST", "/api/v1/login", NULL, NULL, "application/json",
	    body, NULL, &r);
	status = r.status;
	*wait = 0;
	if (status == 429) {
		assert_non_null(header(&r, "Retry-After", buf, sizeof(buf)));
		*wait = (unsigned int)atoi(buf);
		assert_true(*wait >= 1);
	}
	resp_free(&r);
	return status;
}

/*
 * Five bad logins for admin from a shared address (a proxy, a tunnel)
 * hold back that address a few seconds, never 300: the right password
 * from another address logs in at once, and from the shared one after
 * the wait the server names.
 */
static void
test_throttle(void **state)
{
	unsigned int wait;
	int fails = 0, i, st;

	(void)state;
	for (i = 0; i < 20 && fails < 5; i++) {
		st = try_login("127.0.0.2", ADMIN, "guess-guess", &wait);
		if (st == 401)
			fails++;
		else {
			assert_int_equal(st, 429);
			assert_true(wait <= 4);
			sleep(wait);	/* the server's own Retry-After */
		}
	}
	assert_int_equal(fails, 5);
	assert_int_equal(try_login("127.0.0.4", ADMIN, ADMIN_PW, &wait), 200);
	st = try_login("127.0.0.2", ADMIN, ADMIN_PW, &wait);
	assert_int_equal(st, 429);
	assert_true(wait <= 4);
	sleep(wait);
	assert_int_equal(try_login("127.0.0.2", ADMIN, ADMIN_PW, &wait), 200);
}

/*
 * 40 addresses x 4 guesses at one password: held back after a few
 * (counted per user, whatever the address), while the right password
 * from an address the admin used before still logs in at once.
 */
static void
test_throttle_spread(void **state)
{
	char src[32];
	unsigned int wait;
	int i, k, st, n401 = 0, n429 = 0;

	(void)state;
	for (i = 0; i < 40; i++)
		for (k = 0; k < 4; k++) {
			snprintf(src, sizeof(src), "127.5.0.%d", i + 1);
			st = try_login(src, ADMIN, "spread-guess", &wait);
			n401 += st == 401;
			n429 += st == 429;
		}
	fprintf(stderr, "40 addresses x 4 guesses: %d checked, %d held back\n",
	    n401, n429);
	assert_int_equal(n401 + n429, 160);
	assert_true(n401 <= 10);
	assert_int_equal(try_login(NULL, ADMIN, ADMIN_PW, &wait), 200);
	assert_int_equal(try_login("127.0.0.4", ADMIN, ADMIN_PW, &wait), 200);
}

/* The bytes of path (plus -wal) hold needle nowhere. */
static void
assert_not_in_db(const char *needle)
{
	char p[300], *buf;
	size_t len, i, n = strlen(needle);
	const char *sfx[] = { "", "-wal" };
	FILE *fp;

	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s%s", dbpath, sfx[i]);
		if ((fp = fopen(p, "rb")) == NULL)
			continue;
		buf = malloc(64 << 20);
		len = fread(buf, 1, 64 << 20, fp);
		fclose(fp);
		assert_null(memmem(buf, len, needle, n));
		free(buf);
	}
}

static void
restart_web(void)
{
	int st;

	assert_int_equal(kill(web_pid, SIGTERM), 0);
	assert_int_equal(waitpid(web_pid, &st, 0), web_pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	web_pid = -1;
	assert_int_equal(spawn_web(), 0);
}

/* The cookie's token of a Set-Cookie in r into tok (80 bytes). */
static void
cookie_of(const struct resp *r, char *tok)
{
	char buf[512], *p;

	assert_non_null(header(r, "Set-Cookie", buf, sizeof(buf)));
	assert_true(strncmp(buf, "shoal_session=", 14) == 0);
	p = buf + 14;
	p[strcspn(p, ";")] = '\0';
	str_copy(tok, p, 80);
}

/*
 * Sessions live in the store (hashed): a restart of shoal-web keeps
 * everyone logged in; a password change ends the user's sessions (one's
 * own: the changing one goes on with a new cookie).
 */
static void
test_sessions_stored(void **state)
{
	char os[80], ot[80], v1[80], c1[80], v2[80], c2[80], nv[80];
	struct resp r;

	(void)state;
	login_as(OPER, OPER_PW, os, ot);
	login_as(VIEW, VIEW_PW, v1, c1);
	login_as(VIEW, VIEW_PW, v2, c2);
	assert_not_in_db(os);
	assert_not_in_db(v1);
	restart_web();
	req_full(NULL, "GET", "/api/v1/session", os, NULL, NULL, NULL, NULL,
	    &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, ot));	/* the same CSRF token */
	resp_free(&r);
	req("GET", "/api/v1/session", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* another's password, by an admin: the operator's session ends */
	req("PUT", "/api/v1/users/" OPER "/password", "{\"password\":\""
	    OPER_PW "\"}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req_full(NULL, "GET", "/api/v1/session", os, NULL, NULL, NULL, NULL,
	    &r);
	assert_int_equal(r.status, 401);
	resp_free(&r);
	/* one's own: the other session ends, this one gets a new cookie */
	req_full(NULL, "PUT", "/api/v1/users/" VIEW "/password", v1, c1,
	    "application/json", "{\"password\":\"" VIEW_PW "\","
	    "\"current_password\":\"" VIEW_PW "\"}", NULL, &r);
	assert_int_equal(r.status, 200);
	cookie_of(&r, nv);
	assert_non_null(strstr(r.body, "\"csrf\""));
	resp_free(&r);
	req_full(NULL, "GET", "/api/v1/session", v2, NULL, NULL, NULL, NULL,
	    &r);
	assert_int_equal(r.status, 401);
	resp_free(&r);
	req_full(NULL, "GET", "/api/v1/session", v1, NULL, NULL, NULL, NULL,
	    &r);
	assert_int_equal(r.status, 401);
	resp_free(&r);
	req_full(NULL, "GET", "/api/v1/session", nv, NULL, NULL, NULL, NULL,
	    &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

/* Idle connections and garbage do not wedge the server. */
static void
test_garbage_and_idle(void **state)
{
	int idle[200], i, fd;
	struct resp r;
	size_t len;
	char *raw;

	(void)state;
	/* from another address: one address alone holds at most 64 */
	for (i = 0; i < 200; i++)
		idle[i] = connect_from("127.0.0.11");
	fd = connect_from(NULL);
	write_all(fd, "\x01\x02GARBAGE / HTTP/9\r\n\r\n", 22);
	raw = read_all(fd, &len);
	free(raw);
	close(fd);
	req("GET", "/api/v1/session", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	for (i = 0; i < 200; i++)
		if (idle[i] != -1)
			close(idle[i]);
}

static void
test_logout(void **state)
{
	struct resp r;

	(void)state;
	req("POST", "/api/v1/logout", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req("GET", "/api/v1/settings", NULL, &r);
	assert_int_equal(r.status, 401);
	resp_free(&r);
}

/* ---- one event loop: slow work never holds up other clients ---- */

#define FLOOD_CLIENTS	8

/*
 * A flooding client (a child process): wrong passwords, one connection
 * each, spread over its own source addresses (4 tries per address, under
 * the per-address throttle) so that every try costs a hash.  Writes one
 * byte to out per answer: '1' for 401, '9' for 429, 'x' otherwise.
 */
static void
flood_child(int n, int out)
{
	static const char req[] = "POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\nContent-Type: application/json\r\n"
	    "Content-Length: 46\r\n\r\n"
	    "{\"user\":\"admin\",\"password\":\"not-the-password\"}";
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char buf[64], mark;
	unsigned int tries;
	ssize_t k;
	int fd;

	for (tries = 0;; tries++) {
		sin.sin_port = 0;
		sin.sin_addr.s_addr = htonl((127u << 24) | (2u << 16) |
		    ((unsigned)(n + 1) << 8) | (1 + (tries / 4) % 250));
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			_exit(1);
		sin.sin_port = htons((uint16_t)web_port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
			_exit(1);
		k = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[k > 0 ? k : 0] = '\0';
		mark = strstr(buf, " 401 ") != NULL ? '1' :
		    strstr(buf, " 429 ") != NULL ? '9' : 'x';
		if (write(out, &mark, 1) != 1)
			_exit(0);
	}
}

/* Reads the children's answers until n more arrived (at most 60 s). */
static void
flood_count(int in, int n, int *bad)
{
	struct pollfd pfd = { .fd = in, .events = POLLIN };
	char buf[64];
	ssize_t k, i;
	int waited = 0;

	while (n > 0 && waited < 600) {
		if (poll(&pfd, 1, 100) <= 0) {
			waited++;
			continue;
		}
		if ((k = read(in, buf, sizeof(buf))) <= 0)
			break;
		for (i = 0; i < k; i++) {
			n--;
			if (buf[i] != '1' && buf[i] != '9')
				(*bad)++;
		}
	}
	assert_true(n <= 0);
}

static int
cmp_ms(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * While 8 clients flood the login with wrong passwords (each costs a
 * yescrypt hash), GETs are answered as if nothing happened.  The bound is
 * generous (a loaded machine): before the hashing left the event loop
 * (and the store lock), the median was seconds.  bench/web prints the
 * figures.
 */
static void
test_login_flood(void **state)
{
	pid_t kids[FLOOD_CLIENTS];
	uint64_t lat[20], t0;
	struct resp r;
	int p[2], i, bad = 0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	for (i = 0; i < FLOOD_CLIENTS; i++) {
		if ((kids[i] = fork()) == 0) {
			close(p[0]);
			flood_child(i, p[1]);
		}
		assert_true(kids[i] > 0);
	}
	close(p[1]);
	flood_count(p[0], FLOOD_CLIENTS, &bad);	/* the flood is on */
	for (i = 0; i < 20; i++) {
		t0 = clock_monotonic_ms();
		req("GET", "/api/v1/session", NULL, &r);
		lat[i] = clock_monotonic_ms() - t0;
		assert_int_equal(r.status, 200);
		resp_free(&r);
	}
	flood_count(p[0], FLOOD_CLIENTS, &bad);	/* and it went on */
	for (i = 0; i < FLOOD_CLIENTS; i++) {
		kill(kids[i], SIGTERM);
		waitpid(kids[i], NULL, 0);
	}
	close(p[0]);
	qsort(lat, 20, sizeof(lat[0]), cmp_ms);
	fprintf(stderr, "GET during a login flood: median %llu ms, max %llu "
	    "ms\n", (unsigned long long)lat[10], (unsigned long long)lat[19]);
	assert_int_equal(bad, 0);
	assert_true(lat[10] < 500);
}

/*
 * A burst of logins larger than the hashing queue: the excess is refused
 * at once with 429 and Retry-After, the rest are checked (401); nothing
 * else, and the server answers normally after.
 */
static void
test_login_burst_bounded(void **state)
{
	char src[32], head[256], body[96], *raw, buf[16];
	int fds[40], i, n401 = 0, n429 = 0;
	unsigned int wait;
	struct resp r;
	size_t len;

	(void)state;
	/* after the flood, the global bound lets logins through again */
	for (i = 0; i < 60; i++) {
		snprintf(src, sizeof(src), "127.6.0.%d", i + 1);
		snprintf(body, sizeof(body), "probe%d", i);
		if (try_login(src, body, "x-x-x-x", &wait) == 401)
			break;
		sleep(wait);
	}
	assert_true(i < 60);
	for (i = 0; i < 40; i++) {
		/* as many names as addresses: only the bounds of every login
		 * at all (rate, hashing queue) hold them back */
		snprintf(body, sizeof(body), "{\"user\":\"burst%d\",\"password\""
		    ":\"x-x-x-x\"}", i);
		snprintf(head, sizeof(head), "POST /api/v1/login HTTP/1.1\r\n"
		    "Host: x\r\nConnection: close\r\nContent-Type: "
		    "application/json\r\nContent-Length: %zu\r\n\r\n%s",
		    strlen(body), body);
		snprintf(src, sizeof(src), "127.3.%d.%d", i / 200, 1 + i % 200);
		fds[i] = connect_from(src);
		assert_true(fds[i] != -1);
		write_all(fds[i], head, strlen(head));
	}
	for (i = 0; i < 40; i++) {
		/* 16 hashes queue: a loaded machine takes its time */
		raw = read_bounded(fds[i], &len, 120000);
		close(fds[i]);
		parse_resp(raw, len, &r);
		if (r.status == 401)
			n401++;
		else if (r.status == 429) {
			n429++;
			assert_non_null(header(&r, "Retry-After", buf,
			    sizeof(buf)));
			assert_true(atoi(buf) >= 1);
		} else
			fprintf(stderr, "burst: %d %s\n", r.status, r.body);
		resp_free(&r);
	}
	fprintf(stderr, "a burst of 40 logins: %d checked, %d refused\n", n401,
	    n429);
	assert_int_equal(n401 + n429, 40);
	assert_true(n401 >= 1);
	assert_true(n429 >= 1);
	req("GET", "/api/v1/session", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

/*
 * A push to a peer that accepts TCP but never speaks SSH runs on the
 * event loop for up to the SSH timeout (15 s): meanwhile the server
 * answers, and SIGTERM stops it at once and cleanly, the push recorded
 * as interrupted.
 */
static void
test_shutdown_during_push(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	char cf[512], path[64], id[16];
	uint64_t t0;
	struct resp r;
	json_t *j;
	int lfd, st, i;

	(void)state;
	login();
	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &sl), 0);
	snprintf(cf, sizeof(cf), "primary = 127.0.0.1\n"
	    "node self {\n address = 127.0.0.1\n priority = 200\n}\n"
	    "node peer {\n address = 127.0.0.2\n priority = 100\n"
	    " ssh_port = %d\n}\n", ntohs(sin.sin_port));
	req_full(NULL, "POST", "/api/v1/config/import", session, csrf,
	    "text/plain", cf, NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	req("POST", "/api/v1/push", "{}", &r);
	assert_int_equal(r.status, 202);
	j = json_loads(r.body, 0, NULL);
	str_copy(id, json_string_value(json_object_get(j, "id")), sizeof(id));
	json_decref(j);
	resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/push/%s", id);
	for (i = 0; i < 3; i++) {	/* the push runs, the server answers */
		t0 = clock_monotonic_ms();
		req("GET", path, NULL, &r);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(r.body, "\"done\":false"));
		assert_non_null(strstr(r.body, "\"state\":\"connecting\""));
		assert_true(clock_monotonic_ms() - t0 < 2000);
		resp_free(&r);
	}
	t0 = clock_monotonic_ms();
	kill(web_pid, SIGTERM);
	assert_int_equal(waitpid(web_pid, &st, 0), web_pid);
	web_pid = -1;
	fprintf(stderr, "shutdown with a push running: %llu ms\n",
	    (unsigned long long)(clock_monotonic_ms() - t0));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(clock_monotonic_ms() - t0 < 10000);	/* not the 15 s */
	assert_true(audited("web:admin", "push-done"));
	assert_true(audit_detail("push-done", "interrupted by shutdown"));
	close(lfd);
}

/* Plain HTTP on a non-loopback address is refused at start-up. */
static void
test_refuses_public_plain_http(void **state)
{
	const char *top = getenv("top_builddir");
	char bin[512];
	pid_t pid;
	int st, devnull;

	(void)state;
	snprintf(bin, sizeof(bin), "%s/shoal-web", top != NULL ? top : ".");
	if ((pid = fork()) == 0) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		execl(bin, bin, "--db", dbpath, "--listen", "0.0.0.0:1", "-n",
		    "--user", "nobody", (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_public_plain_http),
		cmocka_unit_test(test_static_and_headers),
		cmocka_unit_test(test_path_traversal),
		cmocka_unit_test(test_auth_required_every_method),
		cmocka_unit_test(test_forged_cookie),
		cmocka_unit_test(test_login_errors),
		cmocka_unit_test(test_login_and_session),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_404_405_413_415),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_crud_virtual_and_audit),
		cmocka_unit_test(test_concurrent_edit),
		cmocka_unit_test(test_preview),
		cmocka_unit_test(test_failover_routes),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_ecmp_fields),
		cmocka_unit_test(test_history_rollback),
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_secrets_redacted),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_push),
		cmocka_unit_test(test_log_stream),
		cmocka_unit_test(test_log_rotation),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_store_failure_500),
		cmocka_unit_test(test_ambiguous_framing),
		cmocka_unit_test(test_roles_table_complete),
		cmocka_unit_test(test_roles_every_route),
		cmocka_unit_test(test_roles_users),
		cmocka_unit_test(test_garbage_and_idle),
		cmocka_unit_test(test_per_address_cap),
		cmocka_unit_test(test_trickle_deadline),
		cmocka_unit_test(test_sessions_stored),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_throttle_spread),
		cmocka_unit_test(test_login_flood),
		cmocka_unit_test(test_login_burst_bounded),
		cmocka_unit_test(test_logout),
		cmocka_unit_test(test_shutdown_during_push),
	};

	return cmocka_run_group_tests(tests, start_web, stop_web);
}
