/*
 * lb_own.c - the ownership file of the load balancer (lb_own.h).
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "lb/lb_own.h"
#include "lib/log.h"
#include "lib/util.h"

#define OWN_MAGIC	"shoal-lb"
#define OWN_VERSION	1

static void
key_line(FILE *fp, const struct lb_svc_key *k)
{
	char ab[CFG_ADDR_STRLEN];

	if (k->ks_fwmark != 0)
		fprintf(fp, "fwmark %u %s\n", k->ks_fwmark,
		    k->ks_af == AF_INET6 ? "inet6" : "inet");
	else
		fprintf(fp, "service %s %s %u\n", cfg_protocol_name(k->ks_proto),
		    cfg_addr_str(&k->ks_addr, ab, sizeof(ab)), k->ks_port);
}

static const struct lb_state *
sync_of(const struct lb_state *a, const struct lb_state *b)
{
	return a->st_sync != LB_SYNC_NONE ? a : b;
}

char *
lb_own_text(enum cfg_lb_backend kind, const struct lb_state *primary,
    const struct lb_state *secondary)
{
	const struct lb_state *s = sync_of(primary, secondary);
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp;

	if (primary->st_nsvcs + secondary->st_nsvcs == 0 &&
	    s->st_sync == LB_SYNC_NONE)
		return strdup("");
	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fprintf(fp, "%s %d %s\n", OWN_MAGIC, OWN_VERSION,
	    cfg_lb_backend_name(kind));
	for (i = 0; i < primary->st_nsvcs; i++)
		key_line(fp, &primary->st_svcs[i].s_key);
	for (i = 0; i < secondary->st_nsvcs; i++)
		if (lb_state_find(primary, &secondary->st_svcs[i].s_key) == NULL)
			key_line(fp, &secondary->st_svcs[i].s_key);
	if (s->st_sync != LB_SYNC_NONE)
		fprintf(fp, "sync %s %s %d\n", s->st_sync == LB_SYNC_MASTER ?
		    "master" : "backup", s->st_sync_iface[0] != '\0' ?
		    s->st_sync_iface : "-", s->st_sync_id);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- reading ---- */

static int
parse_af(const char *s)
{
	return strcmp(s, "inet") == 0 ? AF_INET : strcmp(s, "inet6") == 0 ?
	    AF_INET6 : -1;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && s[0] != '-' &&
	    *v <= max ? 0 : -1;
}

/* One "service" or "fwmark" statement into k; 0 or -1. */
static int
parse_key(char **t, int n, struct lb_svc_key *k)
{
	unsigned long v;
	int p;

	memset(k, 0, sizeof(*k));
	if (strcmp(t[0], "fwmark") == 0 && n == 3 &&
	    parse_uint(t[1], UINT32_MAX, &v) == 0 && v != 0 &&
	    (k->ks_af = parse_af(t[2])) != -1) {
		k->ks_fwmark = (uint32_t)v;
		return 0;
	}
	if (strcmp(t[0], "service") != 0 || n != 4 ||
	    (p = cfg_protocol_from_name(t[1])) == -1 ||
	    cfg_addr_parse(&k->ks_addr, t[2]) == -1 ||
	    parse_uint(t[3], 65535, &v) == -1)
		return -1;
	k->ks_af = k->ks_addr.family;
	k->ks_proto = (enum cfg_protocol)p;
	k->ks_port = (uint16_t)v;
	return 0;
}

static int
parse_sync(char **t, int n, struct lb_state *st)
{
	unsigned long id;

	if (n != 4 || parse_uint(t[3], 255, &id) == -1)
		return -1;
	if (strcmp(t[1], "master") == 0)
		st->st_sync = LB_SYNC_MASTER;
	else if (strcmp(t[1], "backup") == 0)
		st->st_sync = LB_SYNC_BACKUP;
	else
		return -1;
	str_copy(st->st_sync_iface, strcmp(t[2], "-") == 0 ? "" : t[2],
	    sizeof(st->st_sync_iface));
	st->st_sync_id = (int)id;
	return 0;
}

/* One line after the header; 0, or -1 when malformed. */
static int
parse_line(char *line, struct lb_state *owned)
{
	struct lb_service svc;
	char *t[6], *save = NULL, *p;
	int n = 0, rc;

	for (p = strtok_r(line, " \t\n", &save); p != NULL && n < 6;
	    p = strtok_r(NULL, " \t\n", &save))
		t[n++] = p;
	if (n == 0)
		return 0;
	if (strcmp(t[0], "sync") == 0)
		return parse_sync(t, n, owned);
	lb_service_init(&svc, NULL);
	if (parse_key(t, n, &svc.s_key) == -1)
		return -1;
	if (lb_state_find(owned, &svc.s_key) != NULL)
		return 0;
	rc = lb_state_add_service(owned, &svc);
	lb_service_clear(&svc);
	return rc;
}

static int
parse_header(const char *line, enum cfg_lb_backend *kind)
{
	char magic[16], name[16];
	int version, k;

	if (sscanf(line, "%15s %d %15s", magic, &version, name) != 3 ||
	    strcmp(magic, OWN_MAGIC) != 0 || version != OWN_VERSION ||
	    (k = cfg_lb_backend_from_name(name)) == -1 || k == CFG_LB_AUTO)
		return -1;
	*kind = (enum cfg_lb_backend)k;
	return 0;
}

int
lb_own_read(const char *path, enum cfg_lb_backend *kind,
    struct lb_state *owned)
{
	char line[256];
	FILE *fp;
	int lineno = 0;

	lb_state_clear(owned);
	*kind = CFG_LB_AUTO;
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;
		log_warn("lb: %s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (lineno == 1 && parse_header(line, kind) == -1) {
			log_warnx("lb: %s:1: not a shoal ownership file: "
			    "ignored", path);
			break;
		}
		if (lineno > 1 && parse_line(line, owned) == -1)
			log_warnx("lb: %s:%d: malformed line skipped", path,
			    lineno);
	}
	fclose(fp);
	return 0;
}

/* ---- writing ---- */

int
lb_own_write(const char *path, const char *text)
{
	char tmp[4096];
	size_t len = strlen(text);
	int fd;

	if (len == 0) {
		if (unlink(path) == -1 && errno != ENOENT) {
			log_warn("lb: removing %s", path);
			return -1;
		}
		return 0;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		log_warnx("lb: %s: path too long", path);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		log_warn("lb: %s", tmp);
		return -1;
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) == -1) {
		log_warn("lb: writing %s", tmp);
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		fd = -1;
		log_warn("lb: %s", path);
		goto fail;
	}
	return 0;
fail:
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	return -1;
}
