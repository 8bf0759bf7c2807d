/*
 * announce_bird.h - the BIRD 2 driver's pure parts (announce_drv.h is its
 * contract), public for the unit tests: the configuration file it writes
 * and the reader of BIRD's control-socket replies.
 *
 * BIRD's remote control protocol (doc/reply_codes in BIRD's sources): a
 * command is one line; a reply is lines of a four-digit code and a
 * separator, '-' when more lines follow and ' ' on the last one; a line
 * starting with a space continues the previous code; a line starting with
 * '+' is a spontaneous message, not part of any reply.  0xxx is success,
 * 1xxx a table entry, 2xxx a table heading, 8xxx a run-time error and
 * 9xxx a parse error.
 */
#ifndef SHOAL_PULSE_ANNOUNCE_BIRD_H
#define SHOAL_PULSE_ANNOUNCE_BIRD_H

#include <stddef.h>
#include <sys/types.h>

#include "announce_drv.h"

/* Names of what shoal's file defines in BIRD. */
#define BIRD_PROTO_VIPS		"shoal_vips"	/* direct: the held VIPs */
#define BIRD_PROTO_BGP		"shoal_up"	/* bgp: the upstream router */
#define BIRD_REPLY_MAX		(64 * 1024)	/* a longer reply is refused */

/*
 * The configuration file for c: a table per family of the VIPs
 * (shoal4/shoal6), a direct protocol importing exactly the VIPs' host
 * routes from their interfaces, and a BGP session exporting that table to
 * the neighbour, importing nothing.  Caller frees; NULL on ENOMEM.
 */
char *bird_conf_text(const struct rd_conf *c);

struct bird_line {
	int		 bl_code;
	char		*bl_text;	/* without code and separator */
};

struct bird_reply {
	struct bird_line *br_lines;
	size_t		 br_n;
	int		 br_code;	/* the last line's code */
};

/*
 * Reads one reply from buf[0..len).  Returns the number of bytes it
 * used (out filled: free with bird_reply_clear()), 0 when the reply is
 * not complete yet, -1 when the bytes are not BIRD's protocol or out of
 * memory.
 */
ssize_t bird_reply_parse(const char *buf, size_t len,
    struct bird_reply *out);
void bird_reply_clear(struct bird_reply *);

/*
 * Reads a `show protocols "shoal*"` reply into st (st_vips_up,
 * st_established, st_session, st_info).  0, or -1 when the reply does
 * not list both of shoal's protocols (BIRD's configuration does not
 * include shoal's file).
 */
int bird_protocols(const struct bird_reply *, struct rd_status *st);

#endif
