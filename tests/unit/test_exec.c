/* test_exec.c - command splitting and running real processes. */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "lib/exec.h"

/* Splits cmd and checks the words; want ends with NULL. */
static void
split_ok(const char *cmd, const char *host, const char *port,
    const char *const *want)
{
	char	**argv, err[128];
	int	  i;

	if (exec_split(cmd, host, port, &argv, err, sizeof(err)) == -1)
		fail_msg("split of <%s> failed: %s", cmd, err);
	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
	exec_argv_free(argv);
}

static void
split_bad(const char *cmd, const char *errpart)
{
	char	**argv = (char **)1, err[128];

	assert_int_equal(exec_split(cmd, "h", "p", &argv, err, sizeof(err)),
	    -1);
	assert_null(argv);
	if (strstr(err, errpart) == NULL)
		fail_msg("<%s>: error <%s> lacks <%s>", cmd, err, errpart);
}

/* Splits cmd and runs it with exec_run_sync(); returns its result. */
static int
run_cmd(const char *cmd, uint32_t timeout_ms, size_t out_max,
    struct exec_result *r)
{
	char	**argv, err[128];
	int	  rv;

	if (exec_split(cmd, NULL, NULL, &argv, err, sizeof(err)) == -1)
		fail_msg("split of <%s> failed: %s", cmd, err);
	rv = exec_run_sync(argv, timeout_ms, out_max, r);
	exec_argv_free(argv);
	return rv;
}

static void
test_split_words(void **state)
{
	(void)state;
	split_ok("/bin/echo a b", NULL, NULL,
	    (const char *[]){ "/bin/echo", "a", "b", NULL });
	split_ok("  cmd\t  x  ", NULL, NULL,
	    (const char *[]){ "cmd", "x", NULL });
	split_ok("a 'b c' \"d e\"", NULL, NULL,
	    (const char *[]){ "a", "b c", "d e", NULL });
	split_ok("x'y'\"z\"w", NULL, NULL,
	    (const char *[]){ "xyzw", NULL });
	split_ok("a '' \"\"", NULL, NULL,
	    (const char *[]){ "a", "", "", NULL });
	/* backslashes: any char outside quotes, only " and \ inside "" */
	split_ok("a\\ b c\\\\d \\'", NULL, NULL,
	    (const char *[]){ "a b", "c\\d", "'", NULL });
	split_ok("\"q\\\"x\\n\"", NULL, NULL,
	    (const char *[]){ "q\"x\\n", NULL });
	split_ok("'no \\ escape \"here\"'", NULL, NULL,
	    (const char *[]){ "no \\ escape \"here\"", NULL });
	/* no shell: globs, variables and separators are plain text */
	split_ok("echo * $HOME ; rm", NULL, NULL,
	    (const char *[]){ "echo", "*", "$HOME", ";", "rm", NULL });
}

static void
test_split_subst(void **state)
{
	(void)state;
	split_ok("check %h:%p", "10.0.0.1", "80", (const char *[]){
	    "check", "10.0.0.1:80", NULL });
	split_ok("c -H %h -p %p '%h'", "::1", "443", (const char *[]){
	    "c", "-H", "::1", "-p", "443", "::1", NULL });
	split_ok("date +%s 100%% %x %", "h", "p", (const char *[]){
	    "date", "+%s", "100%", "%x", "%", NULL });
	/* a substituted value never splits into more words */
	split_ok("c %h", "a b", "1", (const char *[]){ "c", "a b", NULL });
}

static void
test_split_errors(void **state)
{
	char	 *argv_long, **argv, err[128];
	size_t	  i;

	(void)state;
	split_bad("echo 'abc", "column 6: unterminated ' quote");
	split_bad("echo \"abc", "unterminated \" quote");
	split_bad("echo abc\\", "trailing backslash");
	split_bad("", "empty command");
	split_bad("   \t ", "empty command");
	assert_int_equal(exec_split("c %h", NULL, NULL, &argv, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "%h not allowed"));
	/* too many words */
	argv_long = malloc(EXEC_ARGC_MAX * 2 + 4);
	assert_non_null(argv_long);
	for (i = 0; i < EXEC_ARGC_MAX + 1; i++) {
		argv_long[2 * i] = 'a';
		argv_long[2 * i + 1] = ' ';
	}
	argv_long[2 * i] = '\0';
	split_bad(argv_long, "too many words");
	free(argv_long);
	/* too long, before and after expansion */
	argv_long = malloc(EXEC_CMD_MAX + 2);
	assert_non_null(argv_long);
	memset(argv_long, 'a', EXEC_CMD_MAX + 1);
	argv_long[EXEC_CMD_MAX + 1] = '\0';
	split_bad(argv_long, "command too long");
	memset(argv_long, ' ', EXEC_CMD_MAX);
	argv_long[0] = 'c';
	argv_long[EXEC_CMD_MAX - 4] = '%';
	argv_long[EXEC_CMD_MAX - 3] = 'h';
	argv_long[EXEC_CMD_MAX] = '\0';
	{
		char *host = malloc(EXEC_CMD_MAX + 1);

		assert_non_null(host);
		memset(host, 'x', EXEC_CMD_MAX);
		host[EXEC_CMD_MAX] = '\0';
		assert_int_equal(exec_split(argv_long, host, "1", &argv, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "command too long"));
		free(host);
	}
	free(argv_long);
}

static void
test_argv_str(void **state)
{
	char	*s, **argv, err[64];

	(void)state;
	assert_int_equal(exec_split("/bin/ls -l 'a b' 'x\"y' ''", NULL, NULL,
	    &argv, err, sizeof(err)), 0);
	s = exec_argv_str(argv);
	exec_argv_free(argv);
	assert_string_equal(s, "/bin/ls -l \"a b\" \"x\\\"y\" \"\"");
	/* the printed form splits back into the same words */
	assert_int_equal(exec_split(s, NULL, NULL, &argv, err, sizeof(err)),
	    0);
	assert_string_equal(argv[2], "a b");
	assert_string_equal(argv[3], "x\"y");
	assert_string_equal(argv[4], "");
	exec_argv_free(argv);
	free(s);
}

static void
test_find_path(void **state)
{
	char	*p;

	(void)state;
	p = exec_find_path("sh");
	assert_non_null(p);
	assert_true(p[0] == '/');
	free(p);
	p = exec_find_path("/bin/true");
	assert_string_equal(p, "/bin/true");
	free(p);
	errno = 0;
	assert_null(exec_find_path("shoal-no-such-command-xyz"));
	assert_int_equal(errno, ENOENT);
	assert_null(exec_find_path("/etc"));	/* a directory */
	assert_null(exec_find_path("/etc/hostname-not-there"));
}

static void
test_run_status(void **state)
{
	struct exec_result	 r;
	char			 buf[64];

	(void)state;
	assert_int_equal(run_cmd("/bin/true", 5000, 0, &r), 0);
	assert_int_equal(r.er_status, EXEC_EXITED);
	assert_int_equal(r.er_code, 0);
	assert_true(exec_result_ok(&r));
	exec_result_clear(&r);

	assert_int_equal(run_cmd("false", 5000, 0, &r), 0);
	assert_int_equal(r.er_status, EXEC_EXITED);
	assert_int_equal(r.er_code, 1);
	assert_false(exec_result_ok(&r));
	assert_string_equal(exec_result_str(&r, buf, sizeof(buf)), "exit 1");
	exec_result_clear(&r);

	assert_int_equal(run_cmd("sh -c 'kill -9 $$'", 5000, 0, &r), 0);
	assert_int_equal(r.er_status, EXEC_SIGNALED);
	assert_int_equal(r.er_code, SIGKILL);
	assert_false(exec_result_ok(&r));
	exec_result_clear(&r);

	/* not found: refused before fork */
	assert_int_equal(run_cmd("shoal-no-such-xyz", 5000, 0, &r), -1);
}

static void
test_run_output(void **state)
{
	struct exec_result	 r;
	char			 err[64], **argv;

	(void)state;
	assert_int_equal(exec_split("sh -c 'echo out; echo err >&2; "
	    "read x || echo stdin-empty'", NULL, NULL, &argv, err,
	    sizeof(err)), 0);
	assert_int_equal(exec_run_sync(argv, 5000, 0, &r), 0);
	exec_argv_free(argv);
	assert_true(exec_result_ok(&r));
	assert_string_equal(r.er_out, "out\nerr\nstdin-empty\n");
	assert_int_equal(r.er_outlen, strlen(r.er_out));
	assert_false(r.er_truncated);
	exec_result_clear(&r);

	/* output past the bound is cut and flagged, the child not stuck */
	assert_int_equal(run_cmd("head -c 1000000 /dev/zero", 10000, 100,
	    &r), 0);
	assert_true(exec_result_ok(&r));
	assert_int_equal(r.er_outlen, 100);
	assert_true(r.er_truncated);
	exec_result_clear(&r);

	/* %h / %p reach the program as single arguments */
	assert_int_equal(exec_split("printf '[%%s]' %h %p", "a b", "8080",
	    &argv, err, sizeof(err)), 0);
	assert_int_equal(exec_run_sync(argv, 5000, 0, &r), 0);
	exec_argv_free(argv);
	assert_string_equal(r.er_out, "[a b][8080]");
	exec_result_clear(&r);
}

static void
test_run_timeout(void **state)
{
	struct exec_result	 r;

	(void)state;
	assert_int_equal(run_cmd("sleep 30", 200, 0, &r), 0);
	assert_int_equal(r.er_status, EXEC_TIMEOUT);
	assert_int_equal(r.er_code, SIGTERM);
	assert_false(exec_result_ok(&r));
	assert_true(r.er_elapsed_ms >= 200);
	assert_true(r.er_elapsed_ms < 5000);
	exec_result_clear(&r);

	/* one that ignores SIGTERM is SIGKILLed after the grace */
	assert_int_equal(run_cmd("sh -c \"trap '' TERM; while :; do sleep 0.05; "
	    "done\"", 200, 0, &r), 0);
	assert_int_equal(r.er_status, EXEC_TIMEOUT);
	assert_int_equal(r.er_code, SIGKILL);
	assert_true(r.er_elapsed_ms >= 200 + EXEC_KILL_GRACE_MS);
	assert_true(r.er_elapsed_ms < 10000);
	exec_result_clear(&r);
}

/* The whole process group dies at a timeout, not only the leader. */
static void
test_run_timeout_group(void **state)
{
	struct exec_result	 r;
	char			 path[] = "/tmp/test_exec_pid.XXXXXX";
	char			*cmd, buf[32];
	FILE			*f;
	int			 fd, grandchild = 0, i;
	pid_t			 w = 0;

	(void)state;
	/* orphans come to us, so we can see the grandchild die */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	fd = mkstemp(path);
	assert_true(fd != -1);
	close(fd);
	assert_true(asprintf(&cmd, "sh -c 'sleep 30 & echo $! > %s; wait'",
	    path) > 0);
	assert_int_equal(run_cmd(cmd, 300, 0, &r), 0);
	free(cmd);
	assert_int_equal(r.er_status, EXEC_TIMEOUT);
	exec_result_clear(&r);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	unlink(path);
	grandchild = atoi(buf);
	assert_true(grandchild > 1);
	/* it was killed (not left to sleep 30 s): bounded wait for it */
	for (i = 0; i < 250 && w == 0; i++) {
		w = waitpid(grandchild, NULL, WNOHANG);
		if (w == 0)
			usleep(20000);
	}
	assert_int_equal(w, grandchild);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

struct async_ctx {
	struct event_base	*base;
	int			 done;
	struct exec_result	 res;
};

static void
async_done(struct exec_result *r, void *arg)
{
	struct async_ctx *c = arg;

	c->done++;
	c->res = *r;
	r->er_out = NULL;
	event_base_loopbreak(c->base);
}

/* Several commands at once on one base; one cancelled. */
static void
test_async(void **state)
{
	struct event_base	*base;
	struct async_ctx	 a, b;
	struct exec		*ex;
	char			**argv1, **argv2, err[64];

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	base = event_base_new();
	assert_non_null(base);
	a.base = b.base = base;
	assert_int_equal(exec_split("echo one", NULL, NULL, &argv1, err,
	    sizeof(err)), 0);
	assert_int_equal(exec_split("sleep 30", NULL, NULL, &argv2, err,
	    sizeof(err)), 0);
	assert_non_null(exec_start(base, argv1, 5000, 0, async_done, &a));
	ex = exec_start(base, argv2, 0, 0, async_done, &b);
	exec_argv_free(argv1);
	exec_argv_free(argv2);
	assert_non_null(ex);
	assert_true(exec_pid(ex) > 0);
	event_base_dispatch(base);	/* until echo ends; sleep runs on */
	assert_int_equal(a.done, 1);
	assert_string_equal(a.res.er_out, "one\n");
	exec_result_clear(&a.res);
	exec_cancel(ex);
	assert_int_equal(b.done, 0);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_split_subst),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_argv_str),
		cmocka_unit_test(test_find_path),
		cmocka_unit_test(test_run_status),
		cmocka_unit_test(test_run_output),
		cmocka_unit_test(test_run_timeout),
		cmocka_unit_test(test_run_timeout_group),
		cmocka_unit_test(test_async),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
