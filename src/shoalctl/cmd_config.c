/*
 * cmd_config.c - shoalctl config import|export|check|show|history|diff|
 * rollback: the configuration in the store and lvs.cf files.
 *
 * Importing a file whose canonical form equals the current generation
 * changes nothing and says "unchanged" (exit 0): a generation stands for
 * a change, and re-running an import (or a push) must be harmless.
 */
#include "shoal-build.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "config/lvscf.h"
#include "lib/secret.h"
#include "lib/textdiff.h"
#include "lib/util.h"
#include "store/store.h"
#include "cmd_preview.h"
#include "shoalctl.h"

/* Parses options "-o FILE", "-m TEXT", "-g GEN" as allowed by `opts`. */
struct cfg_opts {
	const char	*co_out;
	const char	*co_comment;
	const char	*co_gen;
};

static int
parse_opts(const struct shoalctl *sc, int argc, char **argv,
    const char *opts, struct cfg_opts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'o':
			o->co_out = optarg;
			break;
		case 'm':
			o->co_comment = optarg;
			break;
		case 'g':
			o->co_gen = optarg;
			break;
		default:
			fprintf(stderr, "shoalctl: bad option -%c\n", optopt);
			return shoalctl_usage(sc);
		}
	}
	return 0;
}

static void
time_str(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

/*
 * Reads and parses an lvs.cf file.  Returns SHOALCTL_OK with *out set,
 * SHOALCTL_INVALID after printing every error, or SHOALCTL_ERROR when
 * the file cannot be read.  Warnings are printed either way.
 */
static int
read_lvscf(const char *path, struct shoal_config **out)
{
	struct diag d;
	char *buf;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((buf = file_read_all(path, LVSCF_MAX_SIZE, &len)) == NULL) {
		if (errno == EFBIG) {
			fprintf(stderr, "%s: error: file too large (more than "
			    "%u bytes)\n", path, LVSCF_MAX_SIZE);
			return SHOALCTL_INVALID;
		}
		fprintf(stderr, "%s: error: cannot read: %s\n", path,
		    strerror(errno));
		return SHOALCTL_ERROR;
	}
	diag_init(&d);
	rc = lvscf_read_buf(path, buf, len, out, &d) == 0 ? SHOALCTL_OK :
	    SHOALCTL_INVALID;
	shoalctl_print_diag(&d);
	if (rc != SHOALCTL_OK)
		fprintf(stderr, "%s: %d error%s\n", path, diag_errors(&d),
		    diag_errors(&d) == 1 ? "" : "s");
	diag_clear(&d);
	mem_wipe(buf, len);
	free(buf);
	return rc;
}

/* ---- import ---- */

static int
commit_config(const struct shoalctl *sc, struct store *s,
    const struct shoal_config *c, const char *comment)
{
	struct store_gen cur, g;
	char hash[STORE_HASH_HEX];
	struct diag d;
	int rc = SHOALCTL_ERROR;

	if (store_config_hash(c, hash) == -1 || store_current(s, &cur) == -1) {
		fprintf(stderr, "shoalctl: cannot read the store\n");
		return SHOALCTL_ERROR;
	}
	if (cur.sg_generation > 0 && strcmp(cur.sg_hash, hash) == 0) {
		printf("unchanged: generation %llu sha256 %s\n",
		    (unsigned long long)cur.sg_generation, hash);
		return SHOALCTL_OK;
	}
	diag_init(&d);
	if (store_commit(s, c, sc->sc_user, comment, &g, &d) == 0) {
		printf("generation %llu sha256 %s\n",
		    (unsigned long long)g.sg_generation, g.sg_hash);
		rc = SHOALCTL_OK;
	} else {
		shoalctl_print_diag(&d);
		/* the file was validated already: this is the database */
		rc = SHOALCTL_ERROR;
	}
	diag_clear(&d);
	return rc;
}

#define HBKEY_BYTES	32	/* a generated heartbeat_key: 64 hex digits */

static const char no_key_warning[] =
    "WARNING: no heartbeat_key: heartbeats are not authenticated.  Anyone "
    "who can send\nUDP to the heartbeat port can forge them: make a node "
    "drop its addresses, take\nthem on two nodes at once (split brain) or "
    "silence a node.  Set heartbeat_key\n(or import without "
    "--no-heartbeat-key to have one generated).\n";

static int
has_key(const struct shoal_config *c)
{
	return c->c_global.g_heartbeat_key != NULL &&
	    c->c_global.g_heartbeat_key[0] != '\0';
}

/*
 * A configuration without heartbeat_key gets one: the current
 * generation's key when it has one (re-importing the same file stays
 * "unchanged" and the cluster keeps its key), else a new random one.
 * The key travels with the configuration (a push gives every node the
 * same).  SHOALCTL_OK or SHOALCTL_ERROR.
 */
static int
ensure_key(struct store *s, struct shoal_config *c, const char *path)
{
	struct cfg_global *g = &c->c_global;
	struct shoal_config *cur = NULL;
	struct store_gen gen;
	char key[2 * HBKEY_BYTES + 1];
	int rc = SHOALCTL_OK;

	if (has_key(c))
		return SHOALCTL_OK;
	if (store_load(s, &cur, &gen) == 0 && gen.sg_generation > 0 &&
	    cur->c_global.g_heartbeat_key != NULL &&
	    cur->c_global.g_heartbeat_key[0] != '\0') {
		if (str_set(&g->g_heartbeat_key,
		    cur->c_global.g_heartbeat_key) == -1)
			rc = SHOALCTL_ERROR;
		else
			fprintf(stderr, "%s: no heartbeat_key: keeping the "
			    "current generation's key\n", path);
	} else if (secret_random_hex(key, HBKEY_BYTES) == -1 ||
	    str_set(&g->g_heartbeat_key, key) == -1)
		rc = SHOALCTL_ERROR;
	else
		fprintf(stderr, "%s: no heartbeat_key: generated a random "
		    "one (a push gives every node the same; "
		    "--no-heartbeat-key to import without)\n", path);
	if (rc != SHOALCTL_OK)
		fprintf(stderr, "shoalctl: cannot make a heartbeat_key: %s\n",
		    strerror(errno));
	mem_wipe(key, sizeof(key));
	config_free(cur);
	return rc;
}

static int
cmd_import(struct shoalctl *sc, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-heartbeat-key", no_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct shoal_config *c = NULL;
	struct store *s = NULL;
	const char *comment_opt = NULL;
	char comment[256];
	int ch, rc, no_key = 0;

	while ((ch = getopt_long(argc, argv, "m:", longopts, NULL)) != -1) {
		if (ch == 'm')
			comment_opt = optarg;
		else if (ch == 'K')
			no_key = 1;
		else
			return shoalctl_usage(sc);
	}
	if (argc - optind != 1)
		return shoalctl_usage(sc);
	if ((rc = read_lvscf(argv[optind], &c)) != SHOALCTL_OK)
		return rc;
	if ((s = shoalctl_open(sc, STORE_CREATE)) == NULL) {
		config_free(c);
		return SHOALCTL_ERROR;
	}
	if (no_key && !has_key(c))
		fputs(no_key_warning, stderr);
	else if (!no_key &&
	    (rc = ensure_key(s, c, argv[optind])) != SHOALCTL_OK)
		goto done;
	if (comment_opt != NULL)
		str_copy(comment, comment_opt, sizeof(comment));
	else
		snprintf(comment, sizeof(comment), "import %s", argv[optind]);
	shoalctl_printable(comment);
	rc = commit_config(sc, s, c, comment);
done:
	store_close(s);
	config_free(c);
	return rc;
}

/* ---- export ---- */

/* Writes buf to path atomically: a temporary file, fsync, rename. */
static int
write_atomic(const char *path, const char *buf, size_t len)
{
	char tmp[PATH_MAX];
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp)) {
		fprintf(stderr, "%s: path too long\n", path);
		return -1;
	}
	/* mkstemp creates it 0600: the export holds the heartbeat key */
	if ((fd = mkstemp(tmp)) == -1) {
		fprintf(stderr, "%s: %s\n", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		if ((n = write(fd, buf + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "%s: %s\n", path, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

/* The text to export: generation g from history, or the current tables. */
static char *
export_text(struct store *s, uint64_t g, size_t *len)
{
	struct shoal_config *c;
	struct store_gen cur;
	char *text;

	if (g != 0) {
		if ((text = store_history_text(s, g, len)) == NULL)
			fprintf(stderr, "shoalctl: no generation %llu\n",
			    (unsigned long long)g);
		return text;
	}
	if (store_load(s, &c, &cur) == -1) {
		fprintf(stderr, "shoalctl: cannot load the configuration\n");
		return NULL;
	}
	text = NULL;
	if (cur.sg_generation == 0)
		fprintf(stderr, "shoalctl: the store holds no configuration "
		    "yet: import one first\n");
	else if ((text = lvscf_write(c, len)) == NULL)
		fprintf(stderr, "shoalctl: out of memory\n");
	config_free(c);
	return text;
}

static int
cmd_export(struct shoalctl *sc, int argc, char **argv)
{
	struct store *s;
	struct cfg_opts o;
	uint64_t g = 0;
	char *text;
	size_t len = 0;
	int rc;

	if ((rc = parse_opts(sc, argc, argv, "o:g:", &o)) != 0)
		return rc;
	if (argc != optind)
		return shoalctl_usage(sc);
	if (o.co_gen != NULL && shoalctl_parse_gen(o.co_gen, &g) == -1)
		return SHOALCTL_INVALID;
	if ((s = shoalctl_open(sc, STORE_RDONLY)) == NULL)
		return SHOALCTL_ERROR;
	text = export_text(s, g, &len);
	store_close(s);
	if (text == NULL)
		return SHOALCTL_INVALID;
	if (o.co_out != NULL)
		rc = write_atomic(o.co_out, text, len) == 0 ? SHOALCTL_OK :
		    SHOALCTL_ERROR;
	else if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		fprintf(stderr, "shoalctl: stdout: %s\n", strerror(errno));
		rc = SHOALCTL_ERROR;
	}
	mem_wipe(text, len);
	free(text);
	return rc;
}

/* ---- check ---- */

static int
count_servers(const struct shoal_config *c)
{
	const struct cfg_virtual *vs;
	const struct cfg_server *rs;
	int n = 0;

	TAILQ_FOREACH(vs, &c->c_virtuals, vs_entry)
		TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry)
			n++;
	return n;
}

static int
count_virtuals(const struct cfg_virtual_list *l)
{
	const struct cfg_virtual *vs;
	int n = 0;

	TAILQ_FOREACH(vs, l, vs_entry)
		n++;
	return n;
}

static int
cmd_check(struct shoalctl *sc, int argc, char **argv)
{
	struct shoal_config *c;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return shoalctl_usage(sc);
	if ((rc = read_lvscf(argv[1], &c)) != SHOALCTL_OK)
		return rc;
	printf("%s: ok: %d virtual servers, %d real servers, "
	    "%d fail-over services\n", argv[1], count_virtuals(&c->c_virtuals),
	    count_servers(c), count_virtuals(&c->c_failovers));
	if (!has_key(c))
		fprintf(stderr, "%s: warning: no heartbeat_key: anyone on the "
		    "heartbeat network can forge heartbeats (`config import` "
		    "generates a key)\n", argv[1]);
	config_free(c);
	return SHOALCTL_OK;
}

/* ---- show ---- */

/* "ADDR:PORT", with brackets around IPv6 addresses. */
static const char *
endpoint(const struct cfg_addr *a, uint16_t port, char *buf, size_t len)
{
	char s[CFG_ADDR_STRLEN];

	cfg_addr_str(a, s, sizeof(s));
	if (!cfg_addr_is_set(a))
		snprintf(buf, len, "(no address)");
	else if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", s, port);
	else
		snprintf(buf, len, "%s:%u", s, port);
	return buf;
}

static void
show_global(const struct shoal_config *c)
{
	const struct cfg_global *g = &c->c_global;
	char a[CFG_ADDR_STRLEN], b[CFG_ADDR_STRLEN];

	printf("service %s, network %s, lvs_backend %s\n",
	    cfg_service_mode_name(g->g_service),
	    cfg_network_name(g->g_network),
	    cfg_lb_backend_name(g->g_lb_backend));
	if (cfg_addr_is_set(&g->g_primary))
		printf("primary %s, backup %s (%s)\n",
		    cfg_addr_str(&g->g_primary, a, sizeof(a)),
		    cfg_addr_is_set(&g->g_backup) ?
		    cfg_addr_str(&g->g_backup, b, sizeof(b)) : "none",
		    g->g_backup_active ? "active" : "inactive");
	printf("heartbeat port %u, keepalive %.3g s, deadtime %.3g s%s\n",
	    g->g_heartbeat_port, g->g_keepalive_ms / 1000.0,
	    g->g_deadtime_ms / 1000.0,
	    g->g_heartbeat_key != NULL ? ", authenticated" : "");
}

static void
show_nodes(const struct shoal_config *c)
{
	const struct cfg_node *n;
	char a[CFG_ADDR_STRLEN];

	if (TAILQ_EMPTY(&c->c_nodes))
		return;
	printf("nodes:\n");
	TAILQ_FOREACH(n, &c->c_nodes, n_entry)
		printf("  %-16s %-20s priority %d\n", n->n_name,
		    cfg_addr_str(&n->n_address, a, sizeof(a)), n->n_priority);
}

static void
show_virtual(const struct cfg_virtual *vs)
{
	const struct cfg_server *rs;
	char ep[CFG_ADDR_STRLEN + 16];
	int n = 0, up = 0;

	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry) {
		n++;
		up += rs->rs_active != 0;
	}
	printf("  %-16s %s/%s %s %s", vs->vs_name,
	    endpoint(&vs->vs_address, vs->vs_port, ep, sizeof(ep)),
	    cfg_protocol_name(vs->vs_protocol),
	    vs->vs_kind == CFG_VS_VIRTUAL ?
	    cfg_scheduler_name(vs->vs_scheduler) : "failover",
	    vs->vs_active ? "active" : "inactive");
	if (vs->vs_kind == CFG_VS_VIRTUAL)
		printf(", %d real servers (%d active)", n, up);
	printf("\n");
	TAILQ_FOREACH(rs, &vs->vs_servers, rs_entry)
		printf("    %-14s %s weight %d %s\n", rs->rs_name,
		    endpoint(&rs->rs_address, rs->rs_port, ep, sizeof(ep)),
		    rs->rs_weight, rs->rs_active ? "active" : "inactive");
}

static int
cmd_show(struct shoalctl *sc, int argc, char **argv)
{
	const struct cfg_virtual *vs;
	struct shoal_config *c;
	struct store_gen g;
	struct store *s;
	char t[64];

	(void)argv;
	if (argc != 1)
		return shoalctl_usage(sc);
	if ((s = shoalctl_open(sc, STORE_RDONLY)) == NULL)
		return SHOALCTL_ERROR;
	if (store_load(s, &c, &g) == -1) {
		store_close(s);
		fprintf(stderr, "shoalctl: cannot load the configuration\n");
		return SHOALCTL_ERROR;
	}
	store_close(s);
	if (g.sg_generation == 0) {
		printf("generation 0: nothing committed yet\n");
		config_free(c);
		return SHOALCTL_OK;
	}
	time_str(g.sg_time, t, sizeof(t));
	printf("generation %llu  sha256 %s\ncommitted %s by %s: %s\n",
	    (unsigned long long)g.sg_generation, g.sg_hash, t, g.sg_user,
	    g.sg_comment);
	show_global(c);
	show_nodes(c);
	printf("virtual servers: %d\n", count_virtuals(&c->c_virtuals));
	TAILQ_FOREACH(vs, &c->c_virtuals, vs_entry)
		show_virtual(vs);
	printf("fail-over services: %d\n", count_virtuals(&c->c_failovers));
	TAILQ_FOREACH(vs, &c->c_failovers, vs_entry)
		show_virtual(vs);
	config_free(c);
	return SHOALCTL_OK;
}

/* ---- history, diff, rollback ---- */

static int
print_gen(const struct store_gen *g, void *arg)
{
	const uint64_t *cur = arg;
	char t[64];

	time_str(g->sg_time, t, sizeof(t));
	printf("%c%6llu  %s  %.12s  %-16s %s\n",
	    g->sg_generation == *cur ? '*' : ' ',
	    (unsigned long long)g->sg_generation, t, g->sg_hash, g->sg_user,
	    g->sg_comment);
	return 0;
}

static int
cmd_history(struct shoalctl *sc, int argc, char **argv)
{
	struct store_gen cur;
	struct store *s;
	int rc = SHOALCTL_OK;

	(void)argv;
	if (argc != 1)
		return shoalctl_usage(sc);
	if ((s = shoalctl_open(sc, STORE_RDONLY)) == NULL)
		return SHOALCTL_ERROR;
	printf("%7s  %-23s  %-12s  %-16s %s\n", "GEN", "TIME", "SHA256",
	    "USER", "COMMENT");
	if (store_current(s, &cur) == -1 ||
	    store_history_each(s, print_gen, &cur.sg_generation) == -1)
		rc = SHOALCTL_ERROR;
	store_close(s);
	return rc;
}

/* Generation g's text and label for a diff; NULL after printing why. */
static char *
gen_text(struct store *s, uint64_t g, size_t *len, char *label, size_t llen)
{
	struct store_gen hg;
	char *text;
	int rc;

	if ((rc = store_history_get(s, g, &hg)) != 0) {
		fprintf(stderr, "shoalctl: %s generation %llu\n",
		    rc == 1 ? "no" : "cannot read", (unsigned long long)g);
		return NULL;
	}
	if ((text = store_history_text(s, g, len)) == NULL)
		fprintf(stderr, "shoalctl: cannot read generation %llu\n",
		    (unsigned long long)g);
	snprintf(label, llen, "generation %llu (sha256 %.12s)",
	    (unsigned long long)g, hg.sg_hash);
	return text;
}

static int
cmd_diff(struct shoalctl *sc, int argc, char **argv)
{
	char la[64], lb[64], *ta = NULL, *tb = NULL, *out = NULL;
	size_t alen = 0, blen = 0, olen = 0;
	uint64_t a, b;
	struct store *s;
	int rc = SHOALCTL_INVALID;

	if (argc >= 2 && strcmp(argv[1], "--apply-preview") == 0)
		return cmd_preview(sc, argc, argv);
	if (argc != 3)
		return shoalctl_usage(sc);
	if (shoalctl_parse_gen(argv[1], &a) == -1 ||
	    shoalctl_parse_gen(argv[2], &b) == -1)
		return SHOALCTL_INVALID;
	if ((s = shoalctl_open(sc, STORE_RDONLY)) == NULL)
		return SHOALCTL_ERROR;
	if ((ta = gen_text(s, a, &alen, la, sizeof(la))) != NULL &&
	    (tb = gen_text(s, b, &blen, lb, sizeof(lb))) != NULL) {
		out = textdiff_unified(ta, alen, tb, blen, la, lb,
		    TEXTDIFF_CONTEXT, &olen);
		if (out == NULL) {
			fprintf(stderr, "shoalctl: out of memory\n");
			rc = SHOALCTL_ERROR;
		} else {
			fwrite(out, 1, olen, stdout);
			rc = SHOALCTL_OK;
		}
	}
	store_close(s);
	str_free_secret(ta);
	str_free_secret(tb);
	str_free_secret(out);
	return rc;
}

static int
cmd_rollback(struct shoalctl *sc, int argc, char **argv)
{
	struct store_gen cur, target, g;
	struct store *s;
	struct diag d;
	uint64_t gen;
	int rc = SHOALCTL_ERROR, found;

	if (argc != 2)
		return shoalctl_usage(sc);
	if (shoalctl_parse_gen(argv[1], &gen) == -1)
		return SHOALCTL_INVALID;
	if ((s = shoalctl_open(sc, 0)) == NULL)
		return SHOALCTL_ERROR;
	diag_init(&d);
	if (store_current(s, &cur) == -1 ||
	    (found = store_history_get(s, gen, &target)) == -1)
		goto done;
	if (found == 1) {
		fprintf(stderr, "shoalctl: no generation %llu\n",
		    (unsigned long long)gen);
		rc = SHOALCTL_INVALID;
	} else if (strcmp(target.sg_hash, cur.sg_hash) == 0) {
		printf("unchanged: generation %llu already has sha256 %s\n",
		    (unsigned long long)cur.sg_generation, cur.sg_hash);
		rc = SHOALCTL_OK;
	} else if (store_rollback(s, gen, sc->sc_user, &g, &d) == 0) {
		printf("generation %llu sha256 %s (rollback to %llu)\n",
		    (unsigned long long)g.sg_generation, g.sg_hash,
		    (unsigned long long)gen);
		rc = SHOALCTL_OK;
	} else {
		shoalctl_print_diag(&d);
		rc = SHOALCTL_INVALID;
	}
done:
	diag_clear(&d);
	store_close(s);
	return rc;
}

const struct shoalctl_cmd shoalctl_config_cmds[] = {
	{ "config import", cmd_import, "[-m COMMENT] [--no-heartbeat-key] FILE",
	    "validate an lvs.cf file and commit it as a new generation (a "
	    "file without heartbeat_key gets a random one)" },
	{ "config export", cmd_export, "[-g GEN] [-o FILE]",
	    "print the configuration as canonical lvs.cf (-o: write FILE "
	    "atomically, mode 0600)" },
	{ "config check", cmd_check, "FILE",
	    "validate an lvs.cf file; change nothing" },
	{ "config show", cmd_show, "",
	    "summarise the current configuration" },
	{ "config history", cmd_history, "",
	    "list the generations, newest first (* = current)" },
	{ "config diff", cmd_diff, "GEN_A GEN_B | --apply-preview "
	    "[--rundir DIR] [FILE]",
	    "unified diff of two generations' lvs.cf; --apply-preview: of "
	    "the current one and FILE (- or none: standard input, secrets "
	    "redacted), then the load-balancer operations and traffic shares "
	    "pulse says committing FILE would cause here" },
	{ "config rollback", cmd_rollback, "GEN",
	    "make generation GEN current again, as a new generation" },
	{ NULL, NULL, NULL, NULL }
};
