/*
 * nanny_report.h - the line protocol from nanny to pulse.
 *
 * nanny writes one line on its stdout (a pipe pulse holds) for every state
 * change of a real server, or of the checked service for a fail-over
 * service.  pulse parses each line strictly: anything that is not exactly
 * this form is rejected, so garbage on the pipe never turns into a load
 * balancer change.
 *
 *   report SERVICE SERVER ADDR:PORT up|down WEIGHT LATENCY_MS REASON...
 *
 *   report web r1 10.0.0.11:80 down 0 1003 timeout in connect
 *   report web r2 [fd00::12]:8080 up 3 2 ok
 *   report ftp - 10.0.0.100:21 up 1 5 ok          (fail-over service)
 *
 * SERVICE and SERVER are names from the configuration, "-" when there is
 * no server (fail-over service, tracked check); a byte outside '!'..'~' or a '%' is
 * written %XX.  ADDR is IPv4 or a bracketed IPv6 address; PORT is 0 only
 * without a server, for a check that has none (a tracked ICMP echo or
 * program).  WEIGHT is what
 * the load balancer should use (0 = quiesced, draining or slow start at
 * zero); LATENCY_MS is the duration of the check that decided.  REASON is
 * printable ASCII to the end of the line.  Lines end with "\n" and are at
 * most NANNY_REPORT_LINE_MAX bytes including it.
 */
#ifndef SHOAL_NANNY_REPORT_H
#define SHOAL_NANNY_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define NANNY_REPORT_LINE_MAX	512
#define NANNY_REPORT_REASON_MAX	160
#define NANNY_REPORT_WEIGHT_MAX	65535
#define NANNY_REPORT_NO_SERVER	"-"

enum nanny_state {
	NANNY_DOWN,
	NANNY_UP,
};

struct nanny_report {
	char			nr_service[CFG_NAME_MAX + 1];
	char			nr_server[CFG_NAME_MAX + 1];	/* "-": none */
	struct cfg_addr		nr_addr;
	uint16_t		nr_port;
	enum nanny_state	nr_state;
	int			nr_weight;	/* 0..NANNY_REPORT_WEIGHT_MAX */
	uint32_t		nr_latency_ms;
	char			nr_reason[NANNY_REPORT_REASON_MAX + 1];
};

/*
 * Writes r as one line ending in "\n" into buf.  A reason with bytes
 * outside printable ASCII has them replaced by '?' (and is cut at
 * NANNY_REPORT_REASON_MAX).  Returns the line's length, or -1 when a field
 * is out of range (empty name, unset address, weight) or buf is too small.
 */
int nanny_report_format(const struct nanny_report *r, char *buf,
    size_t len);

/*
 * Parses one line (len bytes, with or without its final "\n"; no NUL
 * needed) into *r.  Returns 0, or -1 with the reason in err.
 */
int nanny_report_parse(const char *line, size_t len, struct nanny_report *r,
    char *err, size_t errlen);

const char *nanny_state_name(enum nanny_state);

#endif
