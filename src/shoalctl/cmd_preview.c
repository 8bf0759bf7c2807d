/*
 * cmd_preview.c - shoalctl config diff --apply-preview (see
 * cmd_preview.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "ipc/ctl.h"
#include "lib/textdiff.h"
#include "lib/util.h"
#include "store/store.h"
#include "cmd_preview.h"
#include "shoalctl.h"

#define PREVIEW_TIMEOUT_MS	10000

static const char *const secret_keys[] = { "heartbeat_key_accept",
    "heartbeat_key", NULL };

/* The canonical lvs.cf of FILE ("-": standard input), or NULL (said). */
static char *
candidate_text(const char *path, size_t *len)
{
	struct shoal_config *c = NULL;
	struct diag d;
	char *buf, *text = NULL;
	size_t n = 0;

	if (strcmp(path, "-") == 0)
		path = "/dev/stdin";
	if ((buf = file_read_all(path, LVSCF_MAX_SIZE, &n)) == NULL) {
		fprintf(stderr, "%s: error: cannot read: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	diag_init(&d);
	if (lvscf_read_buf(path, buf, n, &c, &d) == 0 &&
	    (text = lvscf_write(c, len)) == NULL)
		fprintf(stderr, "shoalctl: out of memory\n");
	shoalctl_print_diag(&d);
	diag_clear(&d);
	config_free(c);
	str_free_secret(buf);
	return text;
}

/* The current generation's canonical lvs.cf and its label; NULL (said). */
static char *
current_text(const struct shoalctl *sc, size_t *len, char *label,
    size_t llen)
{
	struct shoal_config *c = NULL;
	struct store_gen g;
	struct store *s;
	char *text = NULL;

	if ((s = shoalctl_open(sc, STORE_RDONLY)) == NULL)
		return NULL;
	if (store_load(s, &c, &g) == -1)
		fprintf(stderr, "shoalctl: cannot load the configuration\n");
	else if ((text = lvscf_write(c, len)) == NULL)
		fprintf(stderr, "shoalctl: out of memory\n");
	snprintf(label, llen, "generation %llu (current)",
	    (unsigned long long)g.sg_generation);
	config_free(c);
	store_close(s);
	return text;
}

/* Prints the diff of a to b with secrets redacted; 0 or -1. */
static int
print_diff(const char *a, size_t alen, const char *la, const char *b,
    size_t blen, const char *lb)
{
	char *ra, *rb, *out = NULL;
	size_t ralen = 0, rblen = 0, olen = 0;

	ra = textdiff_redact(a, alen, b, blen, secret_keys,
	    "(redacted, old value)", &ralen);
	rb = textdiff_redact(b, blen, a, alen, secret_keys,
	    "(redacted, new value)", &rblen);
	if (ra != NULL && rb != NULL)
		out = textdiff_unified(ra, ralen, rb, rblen, la, lb,
		    TEXTDIFF_CONTEXT, &olen);
	if (out != NULL) {
		if (olen == 0)
			printf("lvs.cf: no change\n");
		fwrite(out, 1, olen, stdout);
	} else
		fprintf(stderr, "shoalctl: out of memory\n");
	free(ra);
	free(rb);
	free(out);
	return out != NULL ? 0 : -1;
}

static void
print_server(const json_t *r)
{
	double share = json_real_value(json_object_get(r, "share"));

	printf("  %-16s %s:%d weight %lld  %-22s %5.1f %%%s\n",
	    json_string_value(json_object_get(r, "name")),
	    json_string_value(json_object_get(r, "address")),
	    (int)json_integer_value(json_object_get(r, "port")),
	    (long long)json_integer_value(json_object_get(r, "lb_weight")),
	    json_string_value(json_object_get(r, "health")), share * 100,
	    json_is_true(json_object_get(r, "in_lb")) ? "" :
	    "  (not in the load balancer)");
}

static void
print_shares(const json_t *vs)
{
	const json_t *v, *r;
	size_t i, j;

	json_array_foreach(vs, i, v) {
		printf("virtual %s: %s, shares %s%s\n",
		    json_string_value(json_object_get(v, "name")),
		    json_string_value(json_object_get(v, "scheduler")),
		    json_string_value(json_object_get(v, "shares_by")),
		    json_is_true(json_object_get(v, "programmed")) ? "" :
		    " (not programmed)");
		json_array_foreach(json_object_get(v, "servers"), j, r)
			print_server(r);
	}
}

void
cmd_preview_print(const json_t *p)
{
	const char *ops = json_string_value(json_object_get(p, "operations"));
	const json_t *e;
	size_t i;

	printf("--- load balancer: %s backend, %s ---\n",
	    json_string_value(json_object_get(p, "backend")),
	    json_is_true(json_object_get(p, "active")) ? "this node is the "
	    "active router" : "this node is not the active router: what it "
	    "would do on becoming active");
	json_array_foreach(json_object_get(p, "errors"), i, e)
		printf("error: %s\n", json_string_value(e));
	if (ops != NULL)
		printf("%s", *ops != '\0' ? ops : "(no operation)\n");
	printf("--- expected traffic shares ---\n");
	print_shares(json_object_get(p, "virtuals"));
}

/* pulse's preview of text (the candidate), printed; the exit code. */
static int
ask_pulse(const char *rundir, const char *text, size_t len)
{
	char err[512];
	const json_t *e;
	json_t *r;
	size_t i;

	if ((r = ctl_call_body(rundir, CTL_PREVIEW, text, len,
	    PREVIEW_TIMEOUT_MS, err, sizeof(err))) == NULL) {
		printf("--- load balancer: no preview: %s ---\n", err);
		return SHOALCTL_OK;
	}
	if (json_object_get(r, "error") != NULL) {
		printf("--- load balancer: no preview: %s ---\n",
		    json_string_value(json_object_get(r, "error")));
		json_array_foreach(json_object_get(r, "problems"), i, e)
			printf("%s\n", json_string_value(e));
	} else
		cmd_preview_print(r);
	json_decref(r);
	return SHOALCTL_OK;
}

int
cmd_preview(struct shoalctl *sc, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "apply-preview", no_argument, NULL, 'p' },
		{ "rundir", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = SHOAL_DEFAULT_RUNDIR, *path = "-";
	char label[64], *cur = NULL, *cand = NULL;
	size_t clen = 0, nlen = 0;
	int ch, rc = SHOALCTL_INVALID;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'R')
			rundir = optarg;
		else if (ch != 'p')
			return shoalctl_usage(sc);
	}
	if (argc - optind > 1)
		return shoalctl_usage(sc);
	if (optind < argc)
		path = argv[optind];
	if ((cand = candidate_text(path, &nlen)) == NULL)
		return SHOALCTL_INVALID;
	if ((cur = current_text(sc, &clen, label, sizeof(label))) == NULL)
		rc = SHOALCTL_ERROR;
	else if (print_diff(cur, clen, label, cand, nlen, path) == -1)
		rc = SHOALCTL_ERROR;
	else
		rc = ask_pulse(rundir, cand, nlen);
	str_free_secret(cur);
	str_free_secret(cand);
	return rc;
}
