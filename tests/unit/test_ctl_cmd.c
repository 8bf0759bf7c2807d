/*
 * test_ctl_cmd.c - the control socket's command table: every row sane,
 * request lines parsed and formatted strictly, and who may run what.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ipc/ctl_cmd.h"

#define SHOAL_GID	990
#define OTHER_GID	991

static void
test_table(void **state)
{
	(void)state;
	for (int i = 0; i < CTL__MAX; i++) {
		const struct ctl_cmd *c = &ctl_cmds[i];

		assert_non_null(c->cc_name);
		assert_non_null(c->cc_args);
		assert_non_null(c->cc_help);
		assert_true(c->cc_nargs >= 0 && c->cc_nargs <= CTL_ARGS_MAX);
		/* a synopsis exactly when there are arguments */
		assert_int_equal(c->cc_nargs == 0, c->cc_args[0] == '\0');
		assert_null(strchr(c->cc_name, ' '));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(c->cc_name, ctl_cmds[j].cc_name);
	}
	/* only status reads; everything else changes pulse's state */
	assert_int_equal(ctl_cmds[CTL_STATUS].cc_access, CTL_READ);
	assert_int_equal(ctl_cmds[CTL_RELOAD].cc_access, CTL_CHANGE);
	assert_int_equal(ctl_cmds[CTL_FOS_FAILED].cc_access, CTL_CHANGE);
	assert_int_equal(ctl_cmds[CTL_FOS_OK].cc_access, CTL_CHANGE);
	assert_int_equal(ctl_cmds[CTL_SERVER].cc_access, CTL_CHANGE);
	assert_string_equal(ctl_cmds[CTL_STATUS].cc_name, "status");
	assert_string_equal(ctl_cmds[CTL_RELOAD].cc_name, "reload");
	assert_string_equal(ctl_cmds[CTL_FOS_FAILED].cc_name, "fos-failed");
	assert_string_equal(ctl_cmds[CTL_FOS_OK].cc_name, "fos-ok");
	assert_string_equal(ctl_cmds[CTL_SERVER].cc_name, "server");
}

static void
test_parse(void **state)
{
	struct ctl_req r;
	char err[512];

	(void)state;
	assert_int_equal(ctl_req_parse("status", &r, err, sizeof(err)), 0);
	assert_int_equal(r.cr_id, CTL_STATUS);
	assert_int_equal(r.cr_nargs, 0);
	assert_int_equal(ctl_req_parse("fos-failed httpd", &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.cr_id, CTL_FOS_FAILED);
	assert_int_equal(r.cr_nargs, 1);
	assert_string_equal(r.cr_args[0], "httpd");
	assert_int_equal(ctl_req_parse("server drain web r1.example", &r,
	    err, sizeof(err)), 0);
	assert_int_equal(r.cr_id, CTL_SERVER);
	assert_int_equal(r.cr_nargs, 3);
	assert_string_equal(r.cr_args[0], "drain");
	assert_string_equal(r.cr_args[1], "web");
	assert_string_equal(r.cr_args[2], "r1.example");
	/* a name may be UTF-8, as the configuration allows */
	assert_int_equal(ctl_req_parse("fos-ok caf\xc3\xa9", &r, err,
	    sizeof(err)), 0);
	assert_string_equal(r.cr_args[0], "caf\xc3\xa9");
}

static void
parse_fails(const char *line, const char *want)
{
	struct ctl_req r;
	char err[512] = "";

	assert_int_equal(ctl_req_parse(line, &r, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\": \"%s\" lacks \"%s\"", line, err, want);
}

/* A command with a body: its one argument is the body's length. */
static void
test_parse_body(void **state)
{
	struct ctl_req r;
	char err[256], line[64];

	(void)state;
	assert_true(ctl_cmds[CTL_PREVIEW].cc_body);
	assert_int_equal(ctl_req_parse("preview 12", &r, err, sizeof(err)),
	    0);
	assert_int_equal(r.cr_id, CTL_PREVIEW);
	assert_int_equal(r.cr_bodylen, 12);
	assert_null(r.cr_body);
	snprintf(line, sizeof(line), "preview %d", CTL_BODY_MAX);
	assert_int_equal(ctl_req_parse(line, &r, err, sizeof(err)), 0);
	assert_int_equal(r.cr_bodylen, CTL_BODY_MAX);
	snprintf(line, sizeof(line), "preview %d", CTL_BODY_MAX + 1);
	parse_fails(line, "BYTES is the length of what follows, 1 to");
	parse_fails("preview 0", "BYTES is the length");
	parse_fails("preview -1", "BYTES is the length");
	parse_fails("preview 12x", "BYTES is the length");
	parse_fails("preview 99999999999999999999999", "BYTES is the length");
	parse_fails("preview", "usage: preview BYTES");
	/* a command without a body has no length */
	assert_int_equal(ctl_req_parse("status", &r, err, sizeof(err)), 0);
	assert_int_equal(r.cr_bodylen, 0);
}

static void
test_parse_errors(void **state)
{
	char arg[CTL_ARG_MAX + 2], line[CTL_LINE_MAX + 16];

	(void)state;
	parse_fails("", "unknown request");
	parse_fails("stat", "unknown request \"stat\"");
	/* the known commands are listed */
	parse_fails("bogus", "server drain|disable|enable VIRTUAL SERVER");
	parse_fails("STATUS", "unknown request");
	parse_fails("status x", "usage: status");
	parse_fails("status ", "usage: status");
	parse_fails(" status", "unknown request");
	parse_fails("fos-failed", "usage: fos-failed NAME");
	parse_fails("fos-failed a b", "usage: fos-failed NAME");
	parse_fails("fos-failed a ", "usage: fos-failed NAME");
	parse_fails("fos-failed  a", "an argument has 1 to");
	parse_fails("fos-failed a\tb", "an argument has 1 to");
	parse_fails("fos-failed a\x7f", "an argument has 1 to");
	parse_fails("server drain web", "usage: server drain|disable|enable");
	memset(arg, 'x', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = '\0';		/* CTL_ARG_MAX + 1 */
	snprintf(line, sizeof(line), "fos-ok %s", arg);
	parse_fails(line, "an argument has 1 to 63");
	arg[CTL_ARG_MAX] = '\0';		/* CTL_ARG_MAX: fine */
	snprintf(line, sizeof(line), "fos-ok %s", arg);
	{
		struct ctl_req r;
		char err[128];

		assert_int_equal(ctl_req_parse(line, &r, err, sizeof(err)), 0);
		assert_int_equal(strlen(r.cr_args[0]), CTL_ARG_MAX);
	}
	memset(line, 'a', CTL_LINE_MAX + 1);
	line[CTL_LINE_MAX + 1] = '\0';
	parse_fails(line, "too long");
}

static void
test_format(void **state)
{
	const char *args[] = { "disable", "web", "rs2" };
	const char *bad[] = { "disable", "two words", "rs2" };
	const char *empty[] = { "" };
	struct ctl_req r;
	char buf[CTL_LINE_MAX + 1], small[12], err[256];

	(void)state;
	assert_int_equal(ctl_req_format(CTL_STATUS, NULL, 0, buf, sizeof(buf),
	    err, sizeof(err)), 0);
	assert_string_equal(buf, "status");
	assert_int_equal(ctl_req_format(CTL_SERVER, args, 3, buf, sizeof(buf),
	    err, sizeof(err)), 0);
	assert_string_equal(buf, "server disable web rs2");
	/* what a client formats, pulse parses back */
	assert_int_equal(ctl_req_parse(buf, &r, err, sizeof(err)), 0);
	assert_int_equal(r.cr_id, CTL_SERVER);
	assert_string_equal(r.cr_args[2], "rs2");
	assert_int_equal(ctl_req_format(CTL_SERVER, args, 2, buf, sizeof(buf),
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "usage: server"));
	assert_int_equal(ctl_req_format(CTL_RELOAD, args, 1, buf, sizeof(buf),
	    err, sizeof(err)), -1);
	assert_int_equal(ctl_req_format(CTL_SERVER, bad, 3, buf, sizeof(buf),
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"two words\" is not a name"));
	assert_int_equal(ctl_req_format(CTL_FOS_OK, empty, 1, buf,
	    sizeof(buf), err, sizeof(err)), -1);
	assert_int_equal(ctl_req_format(CTL__MAX, NULL, 0, buf, sizeof(buf),
	    err, sizeof(err)), -1);
	assert_int_equal(ctl_req_format(CTL_SERVER, args, 3, small,
	    sizeof(small), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
}

static enum ctl_verdict
permit(enum ctl_cmd_id id, uid_t uid, gid_t gid, const gid_t *groups,
    size_t n)
{
	struct ctl_caller cl = { 1234, uid, gid, groups, n };

	return ctl_cmd_permit(&ctl_cmds[id], &cl, SHOAL_GID);
}

static void
test_permit(void **state)
{
	const gid_t member[] = { 100, SHOAL_GID };
	const gid_t other[] = { 100, OTHER_GID };

	(void)state;
	/* root: everything, whatever its groups */
	for (int i = 0; i < CTL__MAX; i++) {
		assert_int_equal(permit(i, 0, 0, NULL, 0), CTL_ALLOWED);
		assert_int_equal(permit(i, 0, OTHER_GID, other, 2),
		    CTL_ALLOWED);
	}
	/* the socket's group, as primary or supplementary group: reads */
	assert_int_equal(permit(CTL_STATUS, 1000, SHOAL_GID, NULL, 0),
	    CTL_ALLOWED);
	assert_int_equal(permit(CTL_STATUS, 1000, 100, member, 2),
	    CTL_ALLOWED);
	/* runtime maintenance too (shoal-web's operators) */
	assert_int_equal(ctl_cmds[CTL_MAINT_SERVER].cc_access, CTL_OPERATE);
	assert_int_equal(ctl_cmds[CTL_MAINT_NODE].cc_access, CTL_OPERATE);
	assert_int_equal(ctl_cmds[CTL_DRILL].cc_access, CTL_OPERATE);
	assert_int_equal(ctl_cmds[CTL_EVENTS_FOLLOW].cc_access, CTL_READ);
	assert_int_equal(ctl_cmds[CTL_METRICS].cc_access, CTL_READ);
	for (int i = 0; i < CTL__MAX; i++) {
		if (ctl_cmds[i].cc_access != CTL_OPERATE)
			continue;
		assert_int_equal(permit(i, 1000, 100, member, 2),
		    CTL_ALLOWED);
		assert_int_equal(permit(i, 1000, 100, other, 2),
		    CTL_DENIED_GROUP);
	}
	/* ... but changes nothing */
	for (int i = 0; i < CTL__MAX; i++) {
		if (ctl_cmds[i].cc_access != CTL_CHANGE)
			continue;
		assert_int_equal(permit(i, 1000, SHOAL_GID, NULL, 0),
		    CTL_DENIED_ROOT);
		assert_int_equal(permit(i, 1000, 100, member, 2),
		    CTL_DENIED_ROOT);
	}
	/* anyone else: nothing, not even status */
	for (int i = 0; i < CTL__MAX; i++) {
		assert_int_equal(permit(i, 1000, 100, other, 2),
		    CTL_DENIED_GROUP);
		assert_int_equal(permit(i, 1000, OTHER_GID, NULL, 0),
		    CTL_DENIED_GROUP);
	}
	/* gid 0 is not uid 0 */
	assert_int_equal(ctl_cmd_permit(&ctl_cmds[CTL_RELOAD],
	    &(struct ctl_caller){ 1, 1000, 0, NULL, 0 }, 0), CTL_DENIED_ROOT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_body),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_permit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
