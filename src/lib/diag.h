/*
 * diag.h - a list of errors and warnings about some input.
 *
 * Every validator in shoal reports through a struct diag so that all the
 * problems of an input are collected, not only the first.  An item names
 * where the problem is: a file position (lvs.cf), a field path (API,
 * e.g. "virtual[web].address"), or both.
 *
 * Printed form:   FILE:LINE:COL: error: message
 *            or   field: error: message        (no file position known)
 */
#ifndef SHOAL_DIAG_H
#define SHOAL_DIAG_H

#include <stdio.h>
#include <sys/queue.h>

enum diag_sev {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag_item {
	enum diag_sev		 di_sev;
	char			*di_file;	/* NULL when not from a file */
	int			 di_line;	/* 1-based, 0 = unknown */
	int			 di_col;	/* 1-based, 0 = unknown */
	char			*di_field;	/* NULL or e.g. "virtual[web].port" */
	char			*di_msg;
	TAILQ_ENTRY(diag_item)	 di_entry;
};

/* Owns its items; diag_clear() frees them. */
struct diag {
	TAILQ_HEAD(, diag_item)	 d_items;
	int			 d_errors;
	int			 d_warnings;
	int			 d_dropped;	/* items beyond DIAG_MAX */
};

/* More than this many items are counted but not stored (hostile input). */
#define DIAG_MAX	500

void diag_init(struct diag *);
void diag_clear(struct diag *);
/*
 * Adds an item.  file and field may be NULL; line/col 0 when unknown.
 * Out of memory is counted as an error item that was dropped.
 */
void diag_add(struct diag *, enum diag_sev, const char *file, int line,
    int col, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
int diag_errors(const struct diag *);
/* Prints every item, one per line, as documented above. */
void diag_print(const struct diag *, FILE *);
/* Logs every item as a warning, each line starting with prefix. */
void diag_log(const struct diag *, const char *prefix);
/* Formats one item as the printed form (without newline); caller frees. */
char *diag_format(const struct diag_item *);

#endif
