/*
 * track.c - the settings of a tracked check (see track.h).
 */
#include "shoal-build.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "track.h"

#define ROUTE_FILE	"/proc/net/route"
#define ROUTE_MAX	(1 << 20)
#define RTF_GATEWAY_BIT	0x0002

struct cfg_virtual *
track_settings(const struct cfg_track *t)
{
	struct cfg_virtual *vs;

	if (t->t_kind == CFG_TRACK_VIRTUAL ||
	    (vs = cfg_virtual_new(CFG_VS_FAILOVER, t->t_name)) == NULL)
		return NULL;
	vs->vs_check = t->t_kind == CFG_TRACK_PROGRAM ? CFG_CHECK_PROGRAM :
	    CFG_CHECK_PING;
	vs->vs_check_interval_ms = t->t_interval_ms;
	vs->vs_check_timeout_ms = t->t_timeout_ms;
	vs->vs_rise = t->t_rise;
	vs->vs_fall = t->t_fall;
	vs->vs_port = 0;
	if (t->t_command != NULL &&
	    (vs->vs_send_program = strdup(t->t_command)) == NULL) {
		cfg_virtual_free(vs);
		return NULL;
	}
	return vs;
}

/* One line "IFACE DEST GATEWAY FLAGS ... MASK ...": a default route's
 * gateway into gw.  0, or -1 when the line is something else. */
static int
route_line(const char *line, struct cfg_addr *gw)
{
	char ifname[32];
	unsigned int dest, gate, flags, mask;
	struct in_addr in;
	char text[INET_ADDRSTRLEN];

	if (sscanf(line, "%31s %x %x %x %*d %*d %*d %x", ifname, &dest, &gate,
	    &flags, &mask) != 5)
		return -1;
	if (dest != 0 || mask != 0 || !(flags & RTF_GATEWAY_BIT) || gate == 0)
		return -1;
	in.s_addr = gate;	/* the file prints it in network order */
	if (inet_ntop(AF_INET, &in, text, sizeof(text)) == NULL)
		return -1;
	return cfg_addr_parse(gw, text);
}

int
track_parse_route(const char *text, struct cfg_addr *gw)
{
	const char *line = text, *nl;
	char buf[256];

	/* the first line names the columns */
	while ((nl = strchr(line, '\n')) != NULL) {
		line = nl + 1;
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line);
		snprintf(buf, sizeof(buf), "%.*s", (int)(nl - line), line);
		if (route_line(buf, gw) == 0)
			return 0;
	}
	return -1;
}

int
track_default_gateway(struct cfg_addr *gw)
{
	char *text;
	int rv;

	if ((text = file_read_all(ROUTE_FILE, ROUTE_MAX, NULL)) == NULL)
		return -1;
	rv = track_parse_route(text, gw);
	free(text);
	return rv;
}
