/*
 * store_view.c - the store read in a child process (see store_view.h).
 *
 * The child writes records, each a type byte followed by netstrings
 * ("LEN:BYTES,"):
 *   D sev file line col field message    a diagnostic (file, field may
 *                                        be empty: none)
 *   G generation hash time user          the generation loaded
 *   A virtual server state               one admin row
 *   C text                               the canonical lvs.cf
 *   E                                    the end (anything after is an
 *                                        error, as is its absence)
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/lvscf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store_view.h"

#define VIEW_MAX	(256u * 1024 * 1024)	/* bytes from the child */

/* ---- the child: writing ---- */

struct out {
	FILE	*o_fp;
};

static void
put(struct out *o, const char *s, size_t len)
{
	fprintf(o->o_fp, "%zu:", len);
	fwrite(s, 1, len, o->o_fp);
	fputc(',', o->o_fp);
}

static void
put_str(struct out *o, const char *s)
{
	put(o, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

static void
put_num(struct out *o, int64_t n)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, n);
	put_str(o, buf);
}

static int
admin_cb(const char *vs, const char *rs, enum srvadmin_state s, void *arg)
{
	struct out *o = arg;

	fputc('A', o->o_fp);
	put_str(o, vs);
	put_str(o, rs);
	put_num(o, (int64_t)s);
	return 0;
}

static int
child(const char *db, FILE *fp)
{
	struct out o = { fp };
	struct shoal_config *c = NULL;
	struct store_gen gen;
	struct diag_item *di;
	struct store *st;
	struct diag d;
	char *text = NULL;
	size_t len = 0;
	int ret = 1;

	diag_init(&d);
	if ((st = store_open(db, STORE_RDONLY, &d)) == NULL)
		goto done;
	if (store_load(st, &c, &gen) == -1) {
		diag_add(&d, DIAG_ERROR, db, 0, 0, NULL, "cannot load the "
		    "configuration");
		goto done;
	}
	if (gen.sg_generation > 0 && (text = lvscf_write(c, &len)) == NULL) {
		diag_add(&d, DIAG_ERROR, db, 0, 0, NULL, "out of memory");
		goto done;
	}
	fputc('G', fp);
	put_num(&o, (int64_t)gen.sg_generation);
	put_str(&o, gen.sg_hash);
	put_num(&o, gen.sg_time);
	put_str(&o, gen.sg_user);
	if (srvadmin_each(st, admin_cb, &o) == -1) {
		diag_add(&d, DIAG_ERROR, db, 0, 0, NULL, "cannot read the "
		    "servers' admin state");
		goto done;
	}
	if (text != NULL) {
		fputc('C', fp);
		put(&o, text, len);
	}
	ret = 0;
done:
	TAILQ_FOREACH(di, &d.d_items, di_entry) {
		fputc('D', fp);
		put_num(&o, di->di_sev);
		put_str(&o, di->di_file);
		put_num(&o, di->di_line);
		put_num(&o, di->di_col);
		put_str(&o, di->di_field);
		put_str(&o, di->di_msg);
	}
	fputc('E', fp);
	diag_clear(&d);
	free(text);
	config_free(c);
	store_close(st);
	if (fflush(fp) == EOF)
		ret = 1;
	return ret;
}

/* ---- the parent: reading ---- */

struct in {
	const char	*i_p;
	const char	*i_end;
};

/* The next netstring: its bytes at *s (not NUL-terminated), length *len. */
static int
get(struct in *in, const char **s, size_t *len)
{
	size_t n = 0;
	const char *p = in->i_p;

	if (p >= in->i_end || *p < '0' || *p > '9')
		return -1;
	for (; p < in->i_end && *p >= '0' && *p <= '9'; p++) {
		if (n > VIEW_MAX / 10)
			return -1;
		n = n * 10 + (size_t)(*p - '0');
	}
	if (p >= in->i_end || *p != ':' || (size_t)(in->i_end - p) < n + 2 ||
	    p[1 + n] != ',')
		return -1;
	*s = p + 1;
	*len = n;
	in->i_p = p + n + 2;
	return 0;
}

/* The next netstring as a new NUL-terminated string (NULL when empty and
 * empty_is_null); -1 on a format error or out of memory. */
static int
get_str(struct in *in, char **out, int empty_is_null)
{
	const char *s;
	size_t len;

	*out = NULL;
	if (get(in, &s, &len) == -1)
		return -1;
	if (len == 0 && empty_is_null)
		return 0;
	if (memchr(s, '\0', len) != NULL || (*out = strndup(s, len)) == NULL)
		return -1;
	return 0;
}

static int
get_num(struct in *in, int64_t *v)
{
	char *s, *end;
	int ret = 0;

	if (get_str(in, &s, 0) == -1)
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		ret = -1;
	free(s);
	return ret;
}

static int
add_admin(struct store_view *v, struct in *in)
{
	struct store_admin *a;
	int64_t st;

	a = reallocarray(v->sv_admin, v->sv_nadmin + 1, sizeof(*a));
	if (a == NULL)
		return -1;
	v->sv_admin = a;
	a = &v->sv_admin[v->sv_nadmin];
	memset(a, 0, sizeof(*a));
	if (get_str(in, &a->sa_virtual, 0) == -1 ||
	    get_str(in, &a->sa_server, 0) == -1 || get_num(in, &st) == -1 ||
	    srvadmin_name((enum srvadmin_state)st) == NULL) {
		free(a->sa_virtual);
		free(a->sa_server);
		return -1;
	}
	a->sa_state = (enum srvadmin_state)st;
	v->sv_nadmin++;
	return 0;
}

static int
add_diag(struct diag *d, struct in *in)
{
	char *file = NULL, *field = NULL, *msg = NULL;
	int64_t sev, line, col;
	int ret = -1;

	if (get_num(in, &sev) == -1 || get_str(in, &file, 1) == -1 ||
	    get_num(in, &line) == -1 || get_num(in, &col) == -1 ||
	    get_str(in, &field, 1) == -1 || get_str(in, &msg, 0) == -1)
		goto done;
	diag_add(d, sev == DIAG_WARNING ? DIAG_WARNING : DIAG_ERROR, file,
	    (int)line, (int)col, field, "%s", msg);
	ret = 0;
done:
	free(file);
	free(field);
	free(msg);
	return ret;
}

static int
add_gen(struct store_view *v, struct in *in)
{
	char *hash = NULL, *user = NULL;
	int64_t g, t;
	int ret = -1;

	if (get_num(in, &g) == -1 || g < 0 || get_str(in, &hash, 0) == -1 ||
	    get_num(in, &t) == -1 || get_str(in, &user, 0) == -1 ||
	    strlen(hash) >= sizeof(v->sv_gen.sg_hash))
		goto done;
	v->sv_gen.sg_generation = (uint64_t)g;
	v->sv_gen.sg_time = t;
	str_copy(v->sv_gen.sg_hash, hash, sizeof(v->sv_gen.sg_hash));
	str_copy(v->sv_gen.sg_user, user, sizeof(v->sv_gen.sg_user));
	ret = 0;
done:
	free(hash);
	free(user);
	return ret;
}

/*
 * The store's own canonical export parses; its warnings (Piranha keys kept
 * but unused, ...) were given at import and are not repeated here.
 */
static int
reparse(const char *db, const char *text, size_t len, struct store_view *v,
    struct diag *d)
{
	struct diag_item *di;
	struct diag rd;
	char *msg;
	int ret;

	diag_init(&rd);
	ret = lvscf_read_buf("canonical export", text, len, &v->sv_cfg, &rd);
	TAILQ_FOREACH(di, &rd.d_items, di_entry)
		if (di->di_sev == DIAG_ERROR &&
		    (msg = diag_format(di)) != NULL) {
			diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "%s", msg);
			free(msg);
		}
	diag_clear(&rd);
	return ret;
}

/* Parses the child's output; 0, or -1 (a format error is one diag). */
static int
parse(const char *db, const char *buf, size_t len, struct store_view *v,
    struct diag *d)
{
	struct in in = { buf, buf + len };
	const char *text = NULL;
	size_t textlen = 0;
	int have_gen = 0, end = 0, errors = diag_errors(d);

	while (!end && in.i_p < in.i_end) {
		char type = *in.i_p++;
		int r;

		switch (type) {
		case 'D':
			r = add_diag(d, &in);
			break;
		case 'G':
			r = add_gen(v, &in);
			have_gen = r == 0;
			break;
		case 'A':
			r = add_admin(v, &in);
			break;
		case 'C':
			r = get(&in, &text, &textlen);
			break;
		case 'E':
			r = 0;
			end = 1;
			break;
		default:
			r = -1;
		}
		if (r == -1)
			break;
	}
	if (!end || in.i_p != in.i_end) {
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "the store reader's "
		    "answer is malformed");
		return -1;
	}
	if (diag_errors(d) > errors)
		return -1;
	if (!have_gen) {
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "the store reader "
		    "named no generation");
		return -1;
	}
	if (v->sv_gen.sg_generation == 0)
		return 0;
	if (text == NULL) {
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "the store reader sent "
		    "no configuration");
		return -1;
	}
	return reparse(db, text, textlen, v, d);
}

int
store_view_read(const char *db, struct store_view *v, struct diag *d)
{
	int fds[2], status, ret = -1, failed = 0;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	pid_t pid;

	memset(v, 0, sizeof(*v));
	if (pipe2(fds, O_CLOEXEC) == -1) {
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "pipe: %s",
		    strerror(errno));
		return -1;
	}
	switch ((pid = fork())) {
	case -1:
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "fork: %s",
		    strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	case 0: {
		FILE *fp;

		close(fds[0]);
		signal(SIGPIPE, SIG_DFL);
		if ((fp = fdopen(fds[1], "w")) == NULL)
			_exit(1);
		_exit(child(db, fp));
	}
	}
	close(fds[1]);
	for (;;) {
		if (len == cap) {
			char *nb;

			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > VIEW_MAX || (nb = realloc(buf, cap)) == NULL) {
				failed = 1;
				break;
			}
			buf = nb;
		}
		n = read(fds[0], buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			failed = n == -1;
			break;
		}
		len += (size_t)n;
	}
	close(fds[0]);
	if (failed)		/* too much, out of memory or a read error */
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			status = 0;
			failed = 1;
			break;
		}
	if (failed)
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "reading the store "
		    "reader's answer failed");
	else if (WIFSIGNALED(status))
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "the store reader was "
		    "killed by signal %d", WTERMSIG(status));
	else if (parse(db, buf, len, v, d) == 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		ret = 0;
	else if (diag_errors(d) == 0)
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "the store reader "
		    "failed (exit status %d)", WEXITSTATUS(status));
	free(buf);
	if (ret == -1)
		store_view_clear(v);
	return ret;
}

void
store_view_clear(struct store_view *v)
{
	for (size_t i = 0; i < v->sv_nadmin; i++) {
		free(v->sv_admin[i].sa_virtual);
		free(v->sv_admin[i].sa_server);
	}
	free(v->sv_admin);
	config_free(v->sv_cfg);
	memset(v, 0, sizeof(*v));
}
