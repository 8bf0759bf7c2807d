/*
 * fuzz_ctl_req.c - libFuzzer target for the request lines pulse reads on
 * its control socket (ipc/ctl_cmd.h), from any local process that can
 * connect.  A line that parses is formatted again from the parsed
 * request: it must give the same line (one spelling per request, nothing
 * ignored), and the permission check answers for any caller the bytes
 * describe without reading past its group list.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/ctl_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
permit(const struct ctl_req *r, const uint8_t *data, size_t size)
{
	struct ctl_caller c;
	gid_t groups[4];
	size_t n = size < 4 ? size : 4;

	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < n; i++)
		groups[i] = data[i];
	c.cl_uid = size > 0 ? data[0] % 3 : 0;	/* root, 1, 2 */
	c.cl_gid = size > 1 ? data[1] : 0;
	c.cl_groups = groups;
	c.cl_ngroups = n;
	if (ctl_cmd_permit(&ctl_cmds[r->cr_id], &c, 7) != CTL_ALLOWED &&
	    c.cl_uid == 0)
		abort();	/* root may do everything */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[CTL_LINE_MAX + 2], again[CTL_LINE_MAX + 2], err[256];
	const char *args[CTL_ARGS_MAX];
	struct ctl_req r;
	size_t n = size < CTL_LINE_MAX + 1 ? size : CTL_LINE_MAX + 1;

	memcpy(line, data, n);
	line[n] = '\0';		/* what the server hands over: a C string */
	if (ctl_req_parse(line, &r, err, sizeof(err)) != 0)
		return 0;
	if (r.cr_id < 0 || r.cr_id >= CTL__MAX || r.cr_nargs < 0 ||
	    r.cr_nargs > CTL_ARGS_MAX ||
	    r.cr_nargs != ctl_cmds[r.cr_id].cc_nargs)
		abort();
	for (int i = 0; i < r.cr_nargs; i++)
		args[i] = r.cr_args[i];
	if (ctl_req_format(r.cr_id, args, r.cr_nargs, again, sizeof(again),
	    err, sizeof(err)) != 0 || strcmp(again, line) != 0)
		abort();	/* parsed, yet another line or none */
	permit(&r, data, size);
	return 0;
}
