/*
 * log.c - logging to syslog or stderr, plus an optional log file.
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

static const char *log_ident = "shoal";
static int log_foreground = 1;
static int log_verbose;
static char *log_path;
static int log_fd = -1;

static int
log_open_file(void)
{
	int fd;

	if (log_path == NULL)
		return 0;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	if (log_fd != -1)
		close(log_fd);
	log_fd = fd;
	return 0;
}

int
log_init(const char *ident, int foreground, int verbose, const char *file)
{
	log_ident = ident;
	log_foreground = foreground;
	log_verbose = verbose;
	free(log_path);
	log_path = file != NULL ? strdup(file) : NULL;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
	if (log_open_file() == -1) {
		log_warn("cannot open log file %s", file);
		return -1;
	}
	return 0;
}

int
log_reopen(void)
{
	return log_open_file();
}

void
log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

int
log_get_verbose(void)
{
	return log_verbose;
}

void
log_close(void)
{
	if (log_fd != -1)
		close(log_fd);
	log_fd = -1;
	free(log_path);
	log_path = NULL;
	if (!log_foreground)
		closelog();
}

static const char *
log_prio_name(int pri)
{
	switch (pri) {
	case LOG_CRIT:
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_DEBUG:
		return "debug";
	default:
		return "info";
	}
}

/* One line to the log file: "2026-11-24T22:11:13.123Z pulse[42]: info: msg". */
static void
log_to_file(int pri, const char *msg)
{
	char line[2048], stamp[32];
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld]: %s: %s\n", stamp,
	    ts.tv_nsec / 1000000, log_ident, (long)getpid(),
	    log_prio_name(pri), msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* one write(2) per line so that concurrent writers do not interleave */
	if (write(log_fd, line, (size_t)n) == -1) {
		/* nothing sensible to do: the log is the error channel */
	}
}

/* Sends one finished message to stderr or syslog, and to the file. */
static void
log_emit(int pri, const char *msg)
{
	if (log_foreground)
		fprintf(stderr, "%s: %s\n", log_ident, msg);
	else
		syslog(pri, "%s", msg);
	if (log_fd != -1)
		log_to_file(pri, msg);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char msg[1536];
	int saved = errno;

	if (pri == LOG_DEBUG && log_verbose < 1) {
		errno = saved;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_emit(pri, msg);
	errno = saved;
}

/* Like vlog, with ": strerror(errno)" appended. */
static void vlog_errno(int, const char *, va_list) LOG_FMT(2, 0);

static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char buf[1280], msg[1536];
	int saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	snprintf(msg, sizeof(msg), "%s: %s", buf, strerror(saved));
	log_emit(pri, msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
