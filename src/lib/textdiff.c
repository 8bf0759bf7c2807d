/*
 * textdiff.c - unified line diff (Myers' O(ND) algorithm, linear space).
 *
 * The texts are split into lines (a line keeps its '\n', so a last line
 * without one differs from the same line with one, as in diff(1)); every
 * distinct line gets a small integer so comparisons are cheap.  The
 * divide-and-conquer "middle snake" search marks which lines of a are
 * deleted and which lines of b are inserted; the printer walks those
 * marks and groups changes into hunks with context.
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/textdiff.h"

struct line {
	const char	*l_text;
	size_t		 l_len;		/* including the '\n' if any */
};

struct text {
	struct line	*t_lines;
	int		*t_ids;		/* interned line identity */
	char		*t_changed;	/* deleted (a) or inserted (b) */
	int		 t_n;
};

struct diffctx {
	const int	*dc_a;
	const int	*dc_b;
	char		*dc_dela;
	char		*dc_insb;
	int		*dc_vf;		/* forward furthest x per diagonal */
	int		*dc_vb;		/* backward */
};

/* Splits buf into lines; 0 or -1 (ENOMEM). */
static int
text_split(struct text *t, const char *buf, size_t len)
{
	size_t i, start = 0, n = 0;

	for (i = 0; i < len; i++)
		n += buf[i] == '\n';
	n += len > 0 && buf[len - 1] != '\n';
	if (n > INT32_MAX / 4)
		return -1;
	t->t_n = (int)n;
	t->t_lines = calloc(n + 1, sizeof(*t->t_lines));
	t->t_ids = calloc(n + 1, sizeof(*t->t_ids));
	t->t_changed = calloc(n + 1, 1);
	if (t->t_lines == NULL || t->t_ids == NULL || t->t_changed == NULL)
		return -1;
	n = 0;
	for (i = 0; i < len; i++)
		if (buf[i] == '\n' || i == len - 1) {
			t->t_lines[n].l_text = buf + start;
			t->t_lines[n].l_len = i + 1 - start;
			n++;
			start = i + 1;
		}
	return 0;
}

static void
text_free(struct text *t)
{
	free(t->t_lines);
	free(t->t_ids);
	free(t->t_changed);
}

static uint64_t
line_hash(const struct line *l)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < l->l_len; i++)
		h = (h ^ (unsigned char)l->l_text[i]) * 1099511628211ULL;
	return h;
}

/*
 * Gives equal lines of a and b equal ids (open addressing over the
 * first line seen with each content).  0 or -1 (ENOMEM).
 */
static int
intern(struct text *a, struct text *b)
{
	const struct line **slot;
	struct text *t;
	size_t cap = 16, h, total = (size_t)a->t_n + (size_t)b->t_n;
	int i, k;

	while (cap < total * 2)
		cap *= 2;
	if ((slot = calloc(cap, sizeof(*slot))) == NULL)
		return -1;
	for (k = 0, t = a; k < 2; k++, t = b)
		for (i = 0; i < t->t_n; i++) {
			const struct line *l = &t->t_lines[i];

			h = line_hash(l) & (cap - 1);
			while (slot[h] != NULL && (slot[h]->l_len != l->l_len ||
			    memcmp(slot[h]->l_text, l->l_text, l->l_len) != 0))
				h = (h + 1) & (cap - 1);
			if (slot[h] == NULL)
				slot[h] = l;
			t->t_ids[i] = (int)h;	/* the slot is the identity */
		}
	free(slot);
	return 0;
}

/*
 * Finds a point (*xmid, *ymid) on a shortest edit path from (ao, bo) to
 * (al, bl), where a[ao] != b[bo] and a[al-1] != b[bl-1] (the caller
 * trimmed common ends) and both ranges are non-empty.
 */
static void
middle_snake(struct diffctx *dc, int ao, int al, int bo, int bl,
    int *xmid, int *ymid)
{
	const int *A = dc->dc_a, *B = dc->dc_b;
	int N = al - ao, M = bl - bo, delta = N - M, odd = delta & 1;
	int max = (N + M + 1) / 2, off = N + M + 1, d, k, x, y;
	int *vf = dc->dc_vf + off, *vb = dc->dc_vb + off;

	vf[1] = 0;
	vb[1] = 0;
	for (d = 0; d <= max; d++) {
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && vf[k - 1] < vf[k + 1]))
				x = vf[k + 1];
			else
				x = vf[k - 1] + 1;
			y = x - k;
			while (x < N && y < M && A[ao + x] == B[bo + y])
				x++, y++;
			vf[k] = x;
			if (odd && k >= delta - (d - 1) && k <= delta + (d - 1) &&
			    vf[k] + vb[delta - k] >= N) {
				*xmid = ao + x;
				*ymid = bo + y;
				return;
			}
		}
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && vb[k - 1] < vb[k + 1]))
				x = vb[k + 1];
			else
				x = vb[k - 1] + 1;
			y = x - k;
			while (x < N && y < M &&
			    A[al - 1 - x] == B[bl - 1 - y])
				x++, y++;
			vb[k] = x;
			if (!odd && delta - k >= -d && delta - k <= d &&
			    vb[k] + vf[delta - k] >= N) {
				*xmid = al - x;
				*ymid = bl - y;
				return;
			}
		}
	}
	/* not reached for valid input; the caller treats this as no split */
	*xmid = ao;
	*ymid = bo;
}

static void
compare_seq(struct diffctx *dc, int ao, int al, int bo, int bl)
{
	int x, y;

	while (ao < al && bo < bl && dc->dc_a[ao] == dc->dc_b[bo])
		ao++, bo++;
	while (al > ao && bl > bo && dc->dc_a[al - 1] == dc->dc_b[bl - 1])
		al--, bl--;
	if (ao == al || bo == bl) {
		memset(dc->dc_dela + ao, 1, (size_t)(al - ao));
		memset(dc->dc_insb + bo, 1, (size_t)(bl - bo));
		return;
	}
	middle_snake(dc, ao, al, bo, bl, &x, &y);
	if ((x == ao && y == bo) || (x == al && y == bl)) {
		/* no progress would recurse forever: replace the block */
		memset(dc->dc_dela + ao, 1, (size_t)(al - ao));
		memset(dc->dc_insb + bo, 1, (size_t)(bl - bo));
		return;
	}
	compare_seq(dc, ao, x, bo, y);
	compare_seq(dc, x, al, y, bl);
}

/* Marks a's deleted and b's inserted lines; 0 or -1 (ENOMEM). */
static int
diff_lines(struct text *a, struct text *b)
{
	struct diffctx dc;
	size_t v = (size_t)a->t_n + (size_t)b->t_n + 2;

	dc.dc_a = a->t_ids;
	dc.dc_b = b->t_ids;
	dc.dc_dela = a->t_changed;
	dc.dc_insb = b->t_changed;
	dc.dc_vf = calloc(2 * v, sizeof(int));
	dc.dc_vb = calloc(2 * v, sizeof(int));
	if (dc.dc_vf == NULL || dc.dc_vb == NULL) {
		free(dc.dc_vf);
		free(dc.dc_vb);
		return -1;
	}
	compare_seq(&dc, 0, a->t_n, 0, b->t_n);
	free(dc.dc_vf);
	free(dc.dc_vb);
	return 0;
}

/* ---- output ---- */

struct out {
	char	*o_buf;
	size_t	 o_len;
	size_t	 o_cap;
	int	 o_err;
};

static void
out_add(struct out *o, const char *s, size_t n)
{
	char *nb;
	size_t ncap;

	if (o->o_err)
		return;
	if (o->o_len + n + 1 > o->o_cap) {
		ncap = o->o_cap ? o->o_cap : 256;
		while (ncap < o->o_len + n + 1)
			ncap *= 2;
		if ((nb = realloc(o->o_buf, ncap)) == NULL) {
			o->o_err = 1;
			return;
		}
		o->o_buf = nb;
		o->o_cap = ncap;
	}
	memcpy(o->o_buf + o->o_len, s, n);
	o->o_len += n;
	o->o_buf[o->o_len] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
out_fmt(struct out *o, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_add(o, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
}

static void
out_line(struct out *o, char tag, const struct line *l)
{
	static const char nonl[] = "\n\\ No newline at end of file\n";

	out_add(o, &tag, 1);
	out_add(o, l->l_text, l->l_len);
	if (l->l_len == 0 || l->l_text[l->l_len - 1] != '\n')
		out_add(o, nonl, sizeof(nonl) - 1);
}

/* "-start,count" as diff -u writes it (1-based; empty: the line before). */
static void
out_range(struct out *o, char tag, int start, int count)
{
	if (count == 1)
		out_fmt(o, "%c%d", tag, start + 1);
	else
		out_fmt(o, "%c%d,%d", tag, count == 0 ? start : start + 1,
		    count);
}

/*
 * Prints one hunk covering a[i0..i1) and b[j0..j1): its header, then
 * context, deletions and insertions in diff order.
 */
static void
out_hunk(struct out *o, const struct text *a, const struct text *b,
    int i0, int i1, int j0, int j1)
{
	int i = i0, j = j0;

	out_add(o, "@@ ", 3);
	out_range(o, '-', i0, i1 - i0);
	out_add(o, " ", 1);
	out_range(o, '+', j0, j1 - j0);
	out_add(o, " @@\n", 4);
	while (i < i1 || j < j1) {
		if (i < i1 && a->t_changed[i])
			out_line(o, '-', &a->t_lines[i++]);
		else if (j < j1 && b->t_changed[j])
			out_line(o, '+', &b->t_lines[j++]);
		else {
			out_line(o, ' ', &a->t_lines[i++]);
			j++;
		}
	}
}

/*
 * Walks both texts in step; a change starts where either side is marked.
 * Hunks are extended by `ctx` lines each side and merged when their
 * context would overlap or touch.
 */
static void
out_hunks(struct out *o, const struct text *a, const struct text *b, int ctx)
{
	int i = 0, j = 0, hi0 = -1, hj0 = 0, li = 0, lj = 0, k;

	for (;;) {
		/* skip equal lines */
		while (i < a->t_n && j < b->t_n && !a->t_changed[i] &&
		    !b->t_changed[j])
			i++, j++;
		if (i >= a->t_n && j >= b->t_n)
			break;
		/* a change at (i, j): start or extend a hunk */
		if (hi0 != -1 && i - li > 2 * ctx) {
			k = ctx;
			out_hunk(o, a, b, hi0, li + k, hj0, lj + k);
			hi0 = -1;
		}
		if (hi0 == -1) {
			k = i < ctx ? i : ctx;
			hi0 = i - k;
			hj0 = j - k;
		}
		while (i < a->t_n && a->t_changed[i])
			i++;
		while (j < b->t_n && b->t_changed[j])
			j++;
		li = i;
		lj = j;
	}
	if (hi0 != -1) {
		k = a->t_n - li < ctx ? a->t_n - li : ctx;
		out_hunk(o, a, b, hi0, li + k, hj0, lj + k);
	}
}

char *
textdiff_unified(const char *a, size_t alen, const char *b, size_t blen,
    const char *name_a, const char *name_b, int context, size_t *outlen)
{
	struct text ta, tb;
	struct out o;

	memset(&ta, 0, sizeof(ta));
	memset(&tb, 0, sizeof(tb));
	memset(&o, 0, sizeof(o));
	if (context < 0)
		context = TEXTDIFF_CONTEXT;
	out_add(&o, "", 0);
	if (text_split(&ta, a, alen) == -1 || text_split(&tb, b, blen) == -1 ||
	    intern(&ta, &tb) == -1 || diff_lines(&ta, &tb) == -1)
		o.o_err = 1;
	else if (memchr(ta.t_changed, 1, (size_t)ta.t_n) != NULL ||
	    memchr(tb.t_changed, 1, (size_t)tb.t_n) != NULL) {
		out_add(&o, "--- ", 4);
		out_add(&o, name_a, strlen(name_a));
		out_add(&o, "\n+++ ", 5);
		out_add(&o, name_b, strlen(name_b));
		out_add(&o, "\n", 1);
		out_hunks(&o, &ta, &tb, context);
	}
	text_free(&ta);
	text_free(&tb);
	if (o.o_err) {
		free(o.o_buf);
		return NULL;
	}
	if (outlen != NULL)
		*outlen = o.o_len;
	return o.o_buf;
}

/* ---- redaction ---- */

/*
 * The line of text at p (up to its end e): if its first word is one of
 * keys followed by '=' (blanks allowed), *val is the value after it and
 * the key's index is returned; else -1.
 */
static int
secret_line(const char *p, const char *e, const char *const *keys,
    const char **val)
{
	const char *k;
	size_t n;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	for (int i = 0; keys[i] != NULL; i++) {
		n = strlen(keys[i]);
		if ((size_t)(e - p) <= n || memcmp(p, keys[i], n) != 0)
			continue;
		for (k = p + n; k < e && (*k == ' ' || *k == '\t'); k++)
			;
		if (k == e || *k != '=')
			continue;
		for (k++; k < e && (*k == ' ' || *k == '\t'); k++)
			;
		*val = k;
		return i;
	}
	return -1;
}

/* 1 when other has key i with the value v..ve. */
static int
same_in(const char *other, size_t olen, const char *const *keys, int i,
    const char *v, const char *ve)
{
	const char *p = other, *end = other + olen, *e, *ov;

	for (; p < end; p = e + 1) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		if (secret_line(p, e, keys, &ov) == i &&
		    e - ov == ve - v && memcmp(ov, v, (size_t)(ve - v)) == 0)
			return 1;
	}
	return 0;
}

char *
textdiff_redact(const char *text, size_t len, const char *other,
    size_t olen, const char *const *keys, const char *changed,
    size_t *outlen)
{
	const char *p = text, *end = text + len, *e, *v;
	size_t n = 0;
	char *out;
	int i;

	/* each line grows by at most the longest marker */
	if ((out = malloc(len + (len + 1) * 32 + 1)) == NULL)
		return NULL;
	for (; p < end; p = e + 1) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		if ((i = secret_line(p, e, keys, &v)) == -1) {
			memcpy(out + n, p, (size_t)(e - p));
			n += (size_t)(e - p);
		} else {
			const char *m = same_in(other, olen, keys, i, v, e) ?
			    "(redacted)" : changed;

			memcpy(out + n, p, (size_t)(v - p));
			n += (size_t)(v - p);
			memcpy(out + n, m, strlen(m));
			n += strlen(m);
		}
		if (e < end)
			out[n++] = '\n';
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}
