/*
 * lb_nft_obj.c - the generator's objects (lb_nft_int.h) and the batch
 * that turns one list of them into another.
 *
 * Order of a batch, so that nothing is deleted while still used and
 * nothing is used before it exists:
 *   1. delete the shared-map elements that go or change
 *   2. flush the chains that go, change or use something that goes
 *   3. flush the maps likewise (their elements may jump to those chains)
 *   4. delete the chains, then the sets and maps, that go or are replaced
 *   5. add the new chains, then the new sets and maps (chains first: an
 *      interval verdict map added before the chains its elements jump to
 *      is refused by nft 1.0.6 with ENOENT)
 *   6. fill: elements of maps, then rules of chains, then shared-map
 *      elements
 * A set the kernel fills (flows, persistence) is never flushed: a weight
 * change keeps every client's persistence and every flow.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb_nft_int.h"

const char *const lb_nft_tables[NT_COUNT] = {
	"inet " LB_NFT_TABLE,
	"netdev " LB_NFT_TABLE,
};

/* ---- strings ---- */

void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *n;
	int len;

	if (sb->sb_err)
		return;
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		goto fail;
	if (sb->sb_len + (size_t)len + 1 > sb->sb_cap) {
		cap = sb->sb_cap ? sb->sb_cap : 256;
		while (cap < sb->sb_len + (size_t)len + 1)
			cap *= 2;
		if ((n = realloc(sb->sb_buf, cap)) == NULL)
			goto fail;
		sb->sb_buf = n;
		sb->sb_cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(sb->sb_buf + sb->sb_len, sb->sb_cap - sb->sb_len, fmt, ap);
	va_end(ap);
	sb->sb_len += (size_t)len;
	return;
fail:
	sb->sb_err = 1;
}

const char *
sb_str(const struct sbuf *sb)
{
	return sb->sb_buf != NULL ? sb->sb_buf : "";
}

/* A set's declaration after its kind ("set " or "map "); "" if none. */
static const char *
decl_after_kind(const struct sbuf *sb)
{
	return sb->sb_buf != NULL && sb->sb_len > 4 ? sb->sb_buf + 4 : "";
}

void
sb_free(struct sbuf *sb)
{
	free(sb->sb_buf);
	memset(sb, 0, sizeof(*sb));
}

/* ---- object lists ---- */

void
nobjs_init(struct nobjs *ol)
{
	memset(ol, 0, sizeof(*ol));
}

static void
nobj_free(struct nobj *o)
{
	size_t i;

	if (o == NULL)
		return;
	sb_free(&o->o_decl);
	sb_free(&o->o_body);
	for (i = 0; i < o->o_nrefs; i++)
		free(o->o_refs[i]);
	free(o->o_refs);
	free(o);
}

void
nobjs_free(struct nobjs *ol)
{
	size_t i;

	for (i = 0; i < ol->ol_n; i++)
		nobj_free(ol->ol_v[i]);
	free(ol->ol_v);
	nobjs_init(ol);
}

struct nobj *
nobj_add(struct nobjs *ol, enum nobj_kind kind, enum nobj_table table,
    const char *fmt, ...)
{
	struct nobj *o = NULL, **n;
	va_list ap;
	size_t cap;
	int len;

	if (ol->ol_err)
		return NULL;
	if (ol->ol_n == ol->ol_cap) {
		cap = ol->ol_cap ? ol->ol_cap * 2 : 32;
		if ((n = reallocarray(ol->ol_v, cap, sizeof(*n))) == NULL)
			goto fail;
		ol->ol_v = n;
		ol->ol_cap = cap;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		goto fail;
	o->o_kind = kind;
	o->o_table = table;
	o->o_index = ol->ol_n;
	va_start(ap, fmt);
	len = vsnprintf(o->o_name, sizeof(o->o_name), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(o->o_name))
		goto fail;
	ol->ol_v[ol->ol_n++] = o;
	return o;
fail:
	free(o);
	ol->ol_err = 1;
	return NULL;
}

void
nobj_ref(struct nobjs *ol, struct nobj *o, const char *name)
{
	char **n;

	if (o == NULL || ol->ol_err)
		return;
	n = reallocarray(o->o_refs, o->o_nrefs + 1, sizeof(*n));
	if (n == NULL) {
		ol->ol_err = 1;
		return;
	}
	o->o_refs = n;
	if ((n[o->o_nrefs] = strdup(name)) == NULL) {
		ol->ol_err = 1;
		return;
	}
	o->o_nrefs++;
}

/* ---- the difference ---- */

enum change {
	CH_SAME,
	CH_ADDED,
	CH_REFILL,	/* same declaration, other content: flush, refill */
	CH_REPLACED,	/* other declaration: delete, add again */
	CH_REMOVED,
};

static int
obj_cmp(const struct nobj *a, const struct nobj *b)
{
	int c;

	if (a->o_kind != b->o_kind)
		return a->o_kind < b->o_kind ? -1 : 1;
	if (a->o_table != b->o_table)
		return a->o_table < b->o_table ? -1 : 1;
	if ((c = strcmp(a->o_name, b->o_name)) != 0)
		return c;
	return a->o_kind == NOBJ_ELEM ?
	    strcmp(sb_str(&a->o_decl), sb_str(&b->o_decl)) : 0;
}

static int
objp_cmp(const void *a, const void *b)
{
	return obj_cmp(*(const struct nobj *const *)a,
	    *(const struct nobj *const *)b);
}

/* A sorted index of a list, to find objects by kind, table and name. */
struct oindex {
	const struct nobj	**ix_v;
	size_t			  ix_n;
};

static int
oindex_build(struct oindex *ix, const struct nobjs *ol)
{
	size_t i;

	ix->ix_n = ol != NULL ? ol->ol_n : 0;
	if ((ix->ix_v = calloc(ix->ix_n + 1, sizeof(*ix->ix_v))) == NULL)
		return -1;
	for (i = 0; i < ix->ix_n; i++)
		ix->ix_v[i] = ol->ol_v[i];
	qsort(ix->ix_v, ix->ix_n, sizeof(*ix->ix_v), objp_cmp);
	return 0;
}

static const struct nobj *
oindex_find(const struct oindex *ix, const struct nobj *key)
{
	const struct nobj **p;

	p = bsearch(&key, ix->ix_v, ix->ix_n, sizeof(*ix->ix_v), objp_cmp);
	return p != NULL ? *p : NULL;
}

/* The state of both lists, object by object. */
struct diff {
	const struct nobjs	*d_old;
	const struct nobjs	*d_new;
	enum change		*d_och;		/* per old object */
	enum change		*d_nch;		/* per new object */
	struct sbuf		*d_out;
};

static enum change
classify(const struct nobj *o, const struct nobj *n)
{
	if (o == NULL)
		return CH_ADDED;
	if (n->o_kind == NOBJ_ELEM)
		return strcmp(sb_str(&o->o_body), sb_str(&n->o_body)) == 0 ?
		    CH_SAME : CH_REPLACED;
	if (strcmp(sb_str(&o->o_decl), sb_str(&n->o_decl)) != 0)
		return CH_REPLACED;
	if (!n->o_dynamic &&
	    strcmp(sb_str(&o->o_body), sb_str(&n->o_body)) != 0)
		return CH_REFILL;
	return CH_SAME;
}

/* 1 when o uses a chain or set of its table that goes or is replaced. */
static int
uses_gone(const struct diff *d, const struct nobj *o)
{
	const struct nobj *g;
	size_t i, r;

	for (i = 0; i < d->d_old->ol_n; i++) {
		g = d->d_old->ol_v[i];
		if (g->o_kind == NOBJ_ELEM || g->o_table != o->o_table ||
		    (d->d_och[i] != CH_REMOVED && d->d_och[i] != CH_REPLACED))
			continue;
		for (r = 0; r < o->o_nrefs; r++)
			if (strcmp(o->o_refs[r], g->o_name) == 0)
				return 1;
	}
	return 0;
}

static int
diff_classify(struct diff *d)
{
	struct oindex io, in;
	const struct nobj *m;
	size_t i;

	if (oindex_build(&io, d->d_old) == -1)
		return -1;
	if (oindex_build(&in, d->d_new) == -1) {
		free(io.ix_v);
		return -1;
	}
	for (i = 0; i < d->d_old->ol_n; i++)
		d->d_och[i] = oindex_find(&in, d->d_old->ol_v[i]) == NULL ?
		    CH_REMOVED : CH_SAME;
	for (i = 0; i < d->d_new->ol_n; i++) {
		m = oindex_find(&io, d->d_new->ol_v[i]);
		d->d_nch[i] = classify(m, d->d_new->ol_v[i]);
		if (m != NULL)
			d->d_och[m->o_index] = d->d_nch[i];
	}
	/* what uses a replaced or removed object must be refilled */
	for (i = 0; i < d->d_new->ol_n; i++) {
		if (d->d_nch[i] != CH_SAME ||
		    !uses_gone(d, d->d_new->ol_v[i]))
			continue;
		d->d_nch[i] = d->d_new->ol_v[i]->o_kind == NOBJ_ELEM ?
		    CH_REPLACED : CH_REFILL;
		m = oindex_find(&io, d->d_new->ol_v[i]);
		d->d_och[m->o_index] = d->d_nch[i];
	}
	free(io.ix_v);
	free(in.ix_v);
	return 0;
}

static void
emit_elem(struct sbuf *out, const char *verb, const struct nobj *o,
    int value)
{
	sb_printf(out, "%s element %s %s { %s%s%s }\n", verb,
	    lb_nft_tables[o->o_table], o->o_name, sb_str(&o->o_decl),
	    value ? " " : "", value ? sb_str(&o->o_body) : "");
}

/* Steps 1 to 4: what goes, from the old list. */
static void
emit_removals(const struct diff *d)
{
	const struct nobj *o;
	enum change c;
	size_t i;
	int step;

	for (step = 1; step <= 5; step++)
		for (i = 0; i < d->d_old->ol_n; i++) {
			o = d->d_old->ol_v[i];
			c = d->d_och[i];
			if (c == CH_SAME || c == CH_ADDED)
				continue;
			if (step == 1 && o->o_kind == NOBJ_ELEM)
				emit_elem(d->d_out, "delete", o, 0);
			else if (step == 2 && o->o_kind == NOBJ_CHAIN)
				sb_printf(d->d_out, "flush chain %s %s\n",
				    lb_nft_tables[o->o_table], o->o_name);
			else if (step == 3 && o->o_kind == NOBJ_SET &&
			    !o->o_dynamic)
				sb_printf(d->d_out, "flush %.3s %s %s\n",
				    sb_str(&o->o_decl),
				    lb_nft_tables[o->o_table], o->o_name);
			else if (step == 4 && o->o_kind == NOBJ_CHAIN &&
			    c != CH_REFILL)
				sb_printf(d->d_out, "delete chain %s %s\n",
				    lb_nft_tables[o->o_table], o->o_name);
			else if (step == 5 && o->o_kind == NOBJ_SET &&
			    c != CH_REFILL)
				sb_printf(d->d_out, "delete %.3s %s %s\n",
				    sb_str(&o->o_decl),
				    lb_nft_tables[o->o_table], o->o_name);
		}
}

static void
emit_rules(struct sbuf *out, const struct nobj *o)
{
	const char *p = sb_str(&o->o_body), *nl;

	while (*p != '\0') {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		sb_printf(out, "add rule %s %s %.*s\n",
		    lb_nft_tables[o->o_table], o->o_name, (int)(nl - p), p);
		p = *nl != '\0' ? nl + 1 : nl;
	}
}

/* Steps 5 and 6: what comes, from the new list. */
static void
emit_additions(const struct diff *d)
{
	const struct nobj *o;
	enum change c;
	size_t i;
	int step;

	for (step = 1; step <= 5; step++)
		for (i = 0; i < d->d_new->ol_n; i++) {
			o = d->d_new->ol_v[i];
			c = d->d_nch[i];
			if (c == CH_SAME)
				continue;
			if (step == 1 && o->o_kind == NOBJ_CHAIN &&
			    c != CH_REFILL)
				sb_printf(d->d_out, "add chain %s %s%s%s\n",
				    lb_nft_tables[o->o_table], o->o_name,
				    o->o_decl.sb_len ? " " : "",
				    sb_str(&o->o_decl));
			else if (step == 2 && o->o_kind == NOBJ_SET &&
			    c != CH_REFILL)
				sb_printf(d->d_out, "add %.3s %s %s %s\n",
				    sb_str(&o->o_decl),
				    lb_nft_tables[o->o_table], o->o_name,
				    decl_after_kind(&o->o_decl));
			else if (step == 3 && o->o_kind == NOBJ_SET &&
			    o->o_body.sb_len > 0)
				sb_printf(d->d_out, "add element %s %s { %s }\n",
				    lb_nft_tables[o->o_table], o->o_name,
				    sb_str(&o->o_body));
			else if (step == 4 && o->o_kind == NOBJ_CHAIN)
				emit_rules(d->d_out, o);
			else if (step == 5 && o->o_kind == NOBJ_ELEM)
				emit_elem(d->d_out, "add", o, 1);
		}
}

int
lb_nft_diff(struct sbuf *out, const struct nobjs *old,
    const struct nobjs *neu)
{
	struct nobjs none;
	struct diff d;
	size_t t;
	int rc = -1;

	nobjs_init(&none);
	memset(&d, 0, sizeof(d));
	d.d_old = old != NULL ? old : &none;
	d.d_new = neu;
	d.d_out = out;
	d.d_och = calloc(d.d_old->ol_n + 1, sizeof(*d.d_och));
	d.d_nch = calloc(d.d_new->ol_n + 1, sizeof(*d.d_nch));
	if (d.d_och == NULL || d.d_nch == NULL || diff_classify(&d) == -1)
		goto done;
	if (old == NULL)
		for (t = 0; t < NT_COUNT; t++)
			sb_printf(out, "add table %s\ndelete table %s\n"
			    "add table %s\n", lb_nft_tables[t],
			    lb_nft_tables[t], lb_nft_tables[t]);
	else
		emit_removals(&d);
	emit_additions(&d);
	rc = out->sb_err ? -1 : 0;
done:
	free(d.d_och);
	free(d.d_nch);
	return rc;
}
