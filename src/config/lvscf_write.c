/*
 * lvscf_write.c - canonical lvs.cf text from a configuration.
 *
 * Driven by the field registry (config_keys.c): global keys in table order,
 * then node blocks, virtual blocks with their servers, failover blocks.
 * A key is written when it is set and differs from its default, or when
 * the table marks it CK_ALWAYS; kept keys follow at the end of their block
 * in file order.  Output depends only on the model, so writing twice gives
 * the same bytes and reading the output gives the same model.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "config/config_keys.h"
#include "lib/util.h"

#define INDENT	"    "

/* A growing output buffer; err is set once an allocation failed. */
struct wbuf {
	char	*w_buf;
	size_t	 w_len;
	size_t	 w_cap;
	int	 w_err;
};

static void
wb_add(struct wbuf *w, const char *s, size_t n)
{
	char *nb;
	size_t ncap;

	if (w->w_err)
		return;
	if (w->w_len + n + 1 > w->w_cap) {
		ncap = w->w_cap ? w->w_cap : 4096;
		while (w->w_len + n + 1 > ncap)
			ncap *= 2;
		/* not realloc: the old copy may hold a secret to wipe */
		if ((nb = malloc(ncap)) == NULL) {
			w->w_err = 1;
			return;
		}
		if (w->w_buf != NULL) {
			memcpy(nb, w->w_buf, w->w_len);
			mem_wipe(w->w_buf, w->w_cap);
			free(w->w_buf);
		}
		w->w_buf = nb;
		w->w_cap = ncap;
	}
	memcpy(w->w_buf + w->w_len, s, n);
	w->w_len += n;
	w->w_buf[w->w_len] = '\0';
}

static void
wb_str(struct wbuf *w, const char *s)
{
	wb_add(w, s, strlen(s));
}

/*
 * Writes one value token: bare when it is a plain word, else quoted with
 * '"' (or '\'' when it contains '"').  The validator rejects values with
 * both quote characters, the only ones this cannot express.
 */
static void
wb_value(struct wbuf *w, const char *v)
{
	char q = '"';

	if (v[0] != '\0' && strpbrk(v, " \t#\"'={}") == NULL) {
		wb_str(w, v);
		return;
	}
	if (strchr(v, '"') != NULL)
		q = '\'';
	wb_add(w, &q, 1);
	wb_str(w, v);
	wb_add(w, &q, 1);
}

static void
wb_stmt(struct wbuf *w, int depth, const char *key, const char *v, int two)
{
	const char *sp;
	int i;

	for (i = 0; i < depth; i++)
		wb_str(w, INDENT);
	wb_str(w, key);
	wb_str(w, " = ");
	/* "IP DEV": two tokens, each written on its own */
	if (two && (sp = strchr(v, ' ')) != NULL) {
		wb_add(w, v, (size_t)(sp - v));
		wb_str(w, " ");
		wb_value(w, sp + 1);
	} else
		wb_value(w, v);
	wb_str(w, "\n");
}

static void
write_keys(struct wbuf *w, int depth, const struct ck_field *t,
    const void *obj, const struct cfg_kept_list *kept)
{
	const struct cfg_kept *kp;
	const char *v;
	char *buf;

	if ((buf = malloc(CK_FMT_MAX)) == NULL) {
		w->w_err = 1;
		return;
	}
	for (; t->f_type != CK_END; t++) {
		if (t->f_key == NULL)	/* a block name, a device */
			continue;
		/* strings directly: a format buffer would cut long ones */
		if (t->f_type == CK_STR)
			v = ck_string(t, obj);
		else
			v = ck_format(t, obj, buf, CK_FMT_MAX);
		if (v == NULL)
			continue;
		if (!(t->f_flags & CK_ALWAYS) && t->f_def != NULL &&
		    strcmp(v, t->f_def) == 0)
			continue;
		wb_stmt(w, depth, t->f_key, v, t->f_type == CK_ADDR_DEV);
	}
	/* the buffer may hold a secret (heartbeat_key) */
	mem_wipe(buf, CK_FMT_MAX);
	free(buf);
	if (kept != NULL)
		TAILQ_FOREACH(kp, kept, k_entry)
			wb_stmt(w, depth, kp->k_key, kp->k_value, 0);
}

static void
write_open(struct wbuf *w, int depth, const char *kw, const char *name)
{
	int i;

	for (i = 0; i < depth; i++)
		wb_str(w, INDENT);
	wb_str(w, kw);
	wb_str(w, " ");
	wb_value(w, name != NULL ? name : "");
	wb_str(w, " {\n");
}

static void
write_close(struct wbuf *w, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		wb_str(w, INDENT);
	wb_str(w, "}\n");
}

static void
write_virtual(struct wbuf *w, const struct cfg_virtual *vs)
{
	const struct cfg_server *rs;
	int fo = vs->vs_kind == CFG_VS_FAILOVER;

	wb_str(w, "\n");
	write_open(w, 0, fo ? "failover" : "virtual", vs->vs_name);
	write_keys(w, 1, fo ? ck_failover : ck_virtual, vs,
	    &vs->vs_kept);
	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry) {
		write_open(w, 1, "server", rs->rs_name);
		write_keys(w, 2, ck_server, rs, &rs->rs_kept);
		write_close(w, 1);
	}
	write_close(w, 0);
}

char *
lvscf_write(const struct shoal_config *c, size_t *len)
{
	struct wbuf w = { NULL, 0, 0, 0 };
	const struct cfg_node *n;
	const struct cfg_virtual *vs;
	const struct cfg_track *t;

	wb_str(&w, "# lvs.cf written by shoal: canonical form, see lvs.cf(5)\n");
	write_keys(&w, 0, ck_global, &c->c_global,
	    &c->c_global.g_kept);
	TAILQ_FOREACH(n, &c->c_nodes, n_entry) {
		wb_str(&w, "\n");
		write_open(&w, 0, "node", n->n_name);
		write_keys(&w, 1, ck_node, n, NULL);
		write_close(&w, 0);
	}
	TAILQ_FOREACH(vs, &c->c_virtuals, vs_entry)
		write_virtual(&w, vs);
	TAILQ_FOREACH(vs, &c->c_failovers, vs_entry)
		write_virtual(&w, vs);
	TAILQ_FOREACH(t, &c->c_tracks, t_entry) {
		wb_str(&w, "\n");
		write_open(&w, 0, "track", t->t_name);
		write_keys(&w, 1, ck_track, t, NULL);
		write_close(&w, 0);
	}
	if (w.w_err) {
		if (w.w_buf != NULL)
			mem_wipe(w.w_buf, w.w_len);
		free(w.w_buf);
		return NULL;
	}
	if (len != NULL)
		*len = w.w_len;
	return w.w_buf;
}
