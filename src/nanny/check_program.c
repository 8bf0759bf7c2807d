/*
 * check_program.c - checks by an external program (Piranha's
 * send_program), run through exec.h: argv split from the command with %h
 * and %p substituted, no shell, its own process group, killed at the
 * timeout.
 *
 * Unlike Piranha, a program that exits non-zero, dies of a signal or
 * times out is a FAILURE even when expect is set.  When it exits 0 and
 * expect is set, its output must match (literal prefix, "*", or regex).
 * When the first line of its output is a number N it sets the weight to
 * N; "N%" sets it to N percent of the configured weight.
 */
#include "shoal-build.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/exec.h"
#include "check.h"
#include "check_kind.h"

#define PROGRAM_OUT_MAX		4096
#define PROGRAM_PCT_MAX		1000

static int
program_init(struct check *c, const struct check_conf *cc, char *err,
    size_t errlen)
{
	char	 e2[128];

	if (cc->cc_program == NULL) {
		snprintf(err, errlen, "program check without send_program");
		return -1;
	}
	if (exec_split(cc->cc_program, c->ch_host, c->ch_port,
	    &c->ch_argv, e2, sizeof(e2)) == -1) {
		snprintf(err, errlen, "send_program: %s", e2);
		return -1;
	}
	if (check_expect_compile(&c->ch_expect, cc->cc_expect,
	    cc->cc_use_regex, e2, sizeof(e2)) == -1) {
		snprintf(err, errlen, "expect: %s", e2);
		return -1;
	}
	return 0;
}

/* A weight on the first output line: "N" or "N%" alone (blanks ok). */
static void
program_weight(struct check *c, const char *out)
{
	const char	*p = out;
	long		 v = 0;
	int		 digits = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	for (; isdigit((unsigned char)*p) && digits < 7; p++, digits++)
		v = v * 10 + (*p - '0');
	if (digits == 0 || digits == 7)
		return;
	if (*p == '%') {
		p++;
		if (v > PROGRAM_PCT_MAX)
			return;
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '\n' || *p == '\0')
			c->ch_out.co_weight_pct = (int)v;
		return;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if ((*p == '\n' || *p == '\0') && v <= 65535)
		c->ch_out.co_weight = (int)v;
}

static void
program_done(struct exec_result *r, void *arg)
{
	struct check	*c = arg;
	char		 s[48], st[64];

	c->ch_exec = NULL;
	exec_result_str(r, st, sizeof(st));
	if (r->er_status == EXEC_TIMEOUT) {
		check_finish(c, CHECK_TIMEOUT, "program %s", st);
		return;
	}
	check_sample(r->er_out, r->er_outlen, s, sizeof(s));
	if (!exec_result_ok(r)) {
		check_finish(c, CHECK_FAILURE, "program %s%s%s%s", st,
		    s[0] != '\0' ? ": \"" : "", s, s[0] != '\0' ? "\"" : "");
		return;
	}
	program_weight(c, r->er_out);
	if (check_expect_match(&c->ch_expect, r->er_out, r->er_outlen, 1, 1) !=
	    CHECK_MATCH_OK) {
		check_finish(c, CHECK_FAILURE, "program output \"%s\" does "
		    "not match expect", s);
		return;
	}
	check_finish(c, CHECK_SUCCESS, "program exit 0");
}

static int
program_start(struct check *c)
{
	c->ch_exec = exec_start(c->ch_base, c->ch_argv, c->ch_timeout_ms,
	    PROGRAM_OUT_MAX, program_done, c);
	return c->ch_exec != NULL ? 0 : -1;
}

static void
program_stop(struct check *c)
{
	if (c->ch_exec != NULL) {
		exec_cancel(c->ch_exec);
		c->ch_exec = NULL;
	}
}

const struct check_kind_ops check_program_ops = {
	.ko_name = "program",
	.ko_init = program_init,
	.ko_start = program_start,
	.ko_stop = program_stop,
};
