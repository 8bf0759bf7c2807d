/*
 * log.h - the one logging API of every shoal program.
 *
 * Messages go to syslog (daemon facility) and, when configured, to a log
 * file that shoal-web tails; in the foreground (-n) they go to stderr
 * instead of syslog.  Secrets must never be passed to these functions.
 */
#ifndef SHOAL_LOG_H
#define SHOAL_LOG_H

#include <stdarg.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

/*
 * Starts logging as `ident`.  foreground: log to stderr, not syslog.
 * verbose: 0 info, 1 debug, 2 more debug.  file may be NULL.
 * Returns 0, or -1 if the file could not be opened (logging still works).
 */
int log_init(const char *ident, int foreground, int verbose, const char *file);
/* Reopens the log file (after rotation).  0 or -1. */
int log_reopen(void);
void log_set_verbose(int verbose);
int log_get_verbose(void);
void log_close(void);

void log_warn(const char *fmt, ...) LOG_FMT(1, 2);   /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) LOG_FMT(1, 2);
void log_info(const char *fmt, ...) LOG_FMT(1, 2);
void log_debug(const char *fmt, ...) LOG_FMT(1, 2);
void fatal(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void vlog(int pri, const char *fmt, va_list ap) LOG_FMT(2, 0);

#endif
