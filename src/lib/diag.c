/*
 * diag.c - collecting and printing errors and warnings.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/log.h"

void
diag_init(struct diag *d)
{
	TAILQ_INIT(&d->d_items);
	d->d_errors = 0;
	d->d_warnings = 0;
	d->d_dropped = 0;
}

static void
diag_item_free(struct diag_item *di)
{
	free(di->di_file);
	free(di->di_field);
	free(di->di_msg);
	free(di);
}

void
diag_clear(struct diag *d)
{
	struct diag_item *di;

	while ((di = TAILQ_FIRST(&d->d_items)) != NULL) {
		TAILQ_REMOVE(&d->d_items, di, di_entry);
		diag_item_free(di);
	}
	diag_init(d);
}

static int
diag_stored(const struct diag *d)
{
	return d->d_errors + d->d_warnings - d->d_dropped;
}

void
diag_add(struct diag *d, enum diag_sev sev, const char *file, int line,
    int col, const char *field, const char *fmt, ...)
{
	struct diag_item *di = NULL;
	va_list ap;

	if (sev == DIAG_ERROR)
		d->d_errors++;
	else
		d->d_warnings++;
	if (diag_stored(d) > DIAG_MAX)
		goto fail;
	if ((di = calloc(1, sizeof(*di))) == NULL)
		goto fail;
	di->di_sev = sev;
	di->di_line = line;
	di->di_col = col;
	if (file != NULL && (di->di_file = strdup(file)) == NULL)
		goto fail;
	if (field != NULL && (di->di_field = strdup(field)) == NULL)
		goto fail;
	va_start(ap, fmt);
	if (vasprintf(&di->di_msg, fmt, ap) == -1)
		di->di_msg = NULL;
	va_end(ap);
	if (di->di_msg == NULL)
		goto fail;
	TAILQ_INSERT_TAIL(&d->d_items, di, di_entry);
	return;
fail:
	d->d_dropped++;
	if (di != NULL)
		diag_item_free(di);
}

int
diag_errors(const struct diag *d)
{
	return d->d_errors;
}

char *
diag_format(const struct diag_item *di)
{
	const char *sev = di->di_sev == DIAG_ERROR ? "error" : "warning";
	char *s = NULL;
	int r;

	if (di->di_file != NULL && di->di_line > 0)
		r = asprintf(&s, "%s:%d:%d: %s: %s", di->di_file, di->di_line,
		    di->di_col > 0 ? di->di_col : 1, sev, di->di_msg);
	else if (di->di_file != NULL)
		r = asprintf(&s, "%s: %s: %s", di->di_file, sev, di->di_msg);
	else if (di->di_field != NULL)
		r = asprintf(&s, "%s: %s: %s", di->di_field, sev, di->di_msg);
	else
		r = asprintf(&s, "%s: %s", sev, di->di_msg);
	return r == -1 ? NULL : s;
}

void
diag_print(const struct diag *d, FILE *fp)
{
	const struct diag_item *di;
	char *s;

	TAILQ_FOREACH(di, &d->d_items, di_entry) {
		if ((s = diag_format(di)) == NULL)
			continue;
		fprintf(fp, "%s\n", s);
		free(s);
	}
	if (d->d_dropped > 0)
		fprintf(fp, "... and %d more problems not shown\n",
		    d->d_dropped);
}

void
diag_log(const struct diag *d, const char *prefix)
{
	const struct diag_item *di;
	char *s;

	TAILQ_FOREACH(di, &d->d_items, di_entry) {
		if ((s = diag_format(di)) == NULL)
			continue;
		log_warnx("%s%s", prefix, s);
		free(s);
	}
}
