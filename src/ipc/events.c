/*
 * events.c - the event record and its encodings (see events.h).
 */
#include "shoal-build.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipc/events.h"
#include "lib/util.h"

const struct ev_kind_desc event_kinds[EV__MAX] = {
	[EV_ROLE] = { "role", "this node's role changed",
	    { "from", "to", "reason", "peer", NULL } },
	[EV_VIP] = { "vip", "a virtual address was taken or released",
	    { "action", "address", "device", NULL } },
	[EV_SERVER] = { "server", "a real server went up or down, or its "
	    "weight changed", { "virtual", "server", "state", "weight",
	    "reason", NULL } },
	[EV_SERVICE] = { "service", "a fail-over service failed or "
	    "recovered", { "name", "state", "where", NULL } },
	[EV_CONFIG] = { "config", "a configuration generation was applied "
	    "or refused", { "generation", "hash", "result", NULL } },
	[EV_PUSH] = { "push", "a push to the cluster finished",
	    { "generation", "result", "committed", "failed", "by", NULL } },
	[EV_SYNCD] = { "syncd", "the connection sync daemon went up or "
	    "down", { "daemon", "role", "state", NULL } },
	[EV_MAINT] = { "maint", "cluster-wide maintenance changed (drain, "
	    "disable, enable, standby, resume)", { "target", "name", "state",
	    "by", "origin", NULL } },
	[EV_DUAL_ACTIVE] = { "dual_active", "two MAC addresses answer for "
	    "one virtual address", { "address", "mac1", "node1", "mac2",
	    "node2", NULL } },
	[EV_DRILL] = { "drill", "a fail-over drill finished",
	    { "result", "from", "to", "max_outage_ms", "outages", "by",
	    NULL } },
	[EV_HOOK] = { "hook", "notify hooks were dropped or failed",
	    { "dropped", "failed", "last_error", NULL } },
};

const char *
event_kind_name(enum ev_kind k)
{
	return (unsigned)k < EV__MAX ? event_kinds[k].ek_name : "unknown";
}

int
event_kind_from_name(const char *name)
{
	for (int k = 0; k < EV__MAX; k++)
		if (strcmp(event_kinds[k].ek_name, name) == 0)
			return k;
	return -1;
}

size_t
event_kind_nfields(enum ev_kind k)
{
	size_t n = 0;

	while ((unsigned)k < EV__MAX && event_kinds[k].ek_fields[n] != NULL)
		n++;
	return n;
}

/* Copies src into dst (size len), control characters as '?'. */
static void
copy_clean(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < len; i++)
		dst[i] = iscntrl((unsigned char)src[i]) ? '?' : src[i];
	dst[i] = '\0';
}

void
event_set(struct shoal_event *e, enum ev_kind k, const char *node,
    const char *const *values, size_t nvalues)
{
	size_t n = event_kind_nfields(k);

	memset(e->e_values, 0, sizeof(e->e_values));
	e->e_kind = k;
	copy_clean(e->e_node, node, sizeof(e->e_node));
	e->e_nvalues = n;
	for (size_t i = 0; i < n && i < nvalues; i++)
		copy_clean(e->e_values[i], values[i], sizeof(e->e_values[i]));
}

const char *
event_get(const struct shoal_event *e, const char *name)
{
	for (size_t i = 0; i < e->e_nvalues; i++)
		if (strcmp(event_kinds[e->e_kind].ek_fields[i], name) == 0)
			return e->e_values[i];
	return NULL;
}

void
event_time_str(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "%lld", (long long)ms);
		return;
	}
	snprintf(buf, len, "%s.%03dZ", s, (int)(ms % 1000));
}

json_t *
event_to_json(const struct shoal_event *e)
{
	char when[40];
	json_t *o;

	event_time_str(e->e_time_ms, when, sizeof(when));
	o = json_pack("{s:I, s:s, s:I, s:I, s:s, s:s}", "seq",
	    (json_int_t)e->e_seq, "time", when, "time_ms",
	    (json_int_t)e->e_time_ms, "boot", (json_int_t)e->e_boot_ms,
	    "node", e->e_node, "kind", event_kind_name(e->e_kind));
	for (size_t i = 0; o != NULL && i < e->e_nvalues; i++)
		json_object_set_new(o, event_kinds[e->e_kind].ek_fields[i],
		    json_string(e->e_values[i]));
	return o;
}

int
event_from_json(const json_t *o, struct shoal_event *e, char *err,
    size_t errlen)
{
	const char *vals[EV_FIELDS_MAX], *kind, *node;
	json_int_t seq, t, boot = 0;
	json_error_t je;
	size_t n;
	int k;

	memset(e, 0, sizeof(*e));
	if (json_unpack_ex((json_t *)o, &je, 0, "{s:I, s:I, s:s, s:s, s?I}",
	    "seq", &seq, "time_ms", &t, "node", &node, "kind", &kind,
	    "boot", &boot) == -1) {
		snprintf(err, errlen, "event: %s", je.text);
		return -1;
	}
	if ((k = event_kind_from_name(kind)) == -1) {
		snprintf(err, errlen, "event: unknown kind \"%.32s\"", kind);
		return -1;
	}
	n = event_kind_nfields((enum ev_kind)k);
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_object_get(o,
		    event_kinds[k].ek_fields[i]);

		if (v != NULL && !json_is_string(v)) {
			snprintf(err, errlen, "event: field %s is not a "
			    "string", event_kinds[k].ek_fields[i]);
			return -1;
		}
		vals[i] = v != NULL ? json_string_value(v) : "";
	}
	event_set(e, (enum ev_kind)k, node, vals, n);
	e->e_seq = (uint64_t)seq;
	e->e_time_ms = (int64_t)t;
	e->e_boot_ms = (int64_t)boot;
	return 0;
}

/* Appends fmt to buf at *n without going past len. */
static void append(char *buf, size_t len, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
append(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n += (size_t)r < len - *n ? (size_t)r : len - *n - 1;
}

size_t
event_format_text(const struct shoal_event *e, char *buf, size_t len)
{
	char when[40], seq[32];
	size_t n = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	event_time_str(e->e_time_ms, when, sizeof(when));
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)e->e_seq);
	append(buf, len, &n, "%s #%s", when, seq);
	append(buf, len, &n, " %s %s", e->e_node, event_kind_name(e->e_kind));
	for (size_t i = 0; i < e->e_nvalues; i++) {
		const char *f = event_kinds[e->e_kind].ek_fields[i];
		const char *v = e->e_values[i];

		if (*v == '\0')
			continue;
		if (strpbrk(v, " \"'") != NULL)
			append(buf, len, &n, " %s=\"%s\"", f, v);
		else
			append(buf, len, &n, " %s=%s", f, v);
	}
	return n;
}

void
event_summary(const struct shoal_event *e, char *buf, size_t len)
{
	char vals[EV_FIELDS_MAX * (EV_VALUE_MAX + 2)];
	size_t n = 0;

	vals[0] = '\0';
	for (size_t i = 0; i < e->e_nvalues; i++)
		if (e->e_values[i][0] != '\0')
			append(vals, sizeof(vals), &n, "%s%s", n > 0 ? " " : "",
			    e->e_values[i]);
	snprintf(buf, len, "%s: %s %s", e->e_node, event_kind_name(e->e_kind),
	    vals);
}

/* "SHOAL_" + name in upper case + "=" + value; NULL on ENOMEM. */
static char *
env_var(const char *name, const char *value)
{
	char *s;
	size_t i;

	if (asprintf(&s, "SHOAL_%s=%s", name, value) == -1)
		return NULL;
	for (i = 6; s[i] != '='; i++)
		s[i] = (char)toupper((unsigned char)s[i]);
	return s;
}

char **
event_env(const struct shoal_event *e)
{
	size_t n = e->e_nvalues + 7, k = 0;
	char **env = calloc(n + 1, sizeof(*env)), num[32], when[40];

	if (env == NULL)
		return NULL;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)e->e_seq);
	event_time_str(e->e_time_ms, when, sizeof(when));
	env[k++] = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	    "/usr/bin:/sbin:/bin");
	env[k++] = env_var("event", event_kind_name(e->e_kind));
	env[k++] = env_var("seq", num);
	env[k++] = env_var("time", when);
	snprintf(num, sizeof(num), "%lld", (long long)e->e_time_ms);
	env[k++] = env_var("time_ms", num);
	env[k++] = env_var("node", e->e_node);
	for (size_t i = 0; i < e->e_nvalues; i++)
		env[k++] = env_var(event_kinds[e->e_kind].ek_fields[i],
		    e->e_values[i]);
	for (size_t i = 0; i < k; i++)
		if (env[i] == NULL) {
			for (size_t j = 0; j < k; j++)
				free(env[j]);
			free(env);
			return NULL;
		}
	return env;
}

void
event_env_free(char **env)
{
	if (env == NULL)
		return;
	for (size_t i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}
