/*
 * lbctl.c - a test driver for lb.h: reads a desired state in a small line
 * format and applies it through the real backend, so integration tests can
 * drive IPVS or nftables without pulse.  Not installed.
 *
 *   lbctl [-v] probe                                which backends can open
 *   lbctl [-b ...] [-o OWN] [-v] apply FILE         apply FILE, exit
 *   lbctl [-b ...] [-o OWN] [-v] clear              remove shoal's state
 *   lbctl script FILE [OLD]                         print the nft batch
 *   lbctl [-b ...] [-v] serve                       commands on stdin
 *
 * -o OWN keeps what lbctl made in the ownership file OWN (lb_set_owner_file),
 * so a later lbctl, a fresh process, takes it over.
 *
 * serve keeps one lb handle, so later commands are differences (one
 * server's weight = one transaction).  Each command line gets one reply
 * line, "ok" or "error":
 *   apply FILE | weight SVC ADDR PORT W | server SVC ADDR PORT W |
 *   remove SVC ADDR PORT | delete SVC | clear | quit |
 *   refresh (apply the current state again: direct routing resolves the
 *   real servers' MACs again) | faults FILE (write lb_faults() to FILE, one
 *   "pending|failed SERVICE ADDR PORT REASON" line each)
 * SVC is a service's name from the applied file.
 *
 * State file, one statement per line, '#' comments:
 *   global masquerade 0|1
 *   global timeouts TCP TCPFIN UDP
 *   global sync none|master|backup IFACE ID
 *   service NAME tcp|udp VIP PORT [OPTION VALUE]...
 *   service NAME fwmark MARK inet|inet6 [OPTION VALUE]...
 *     options: sched S, persistent SECONDS, pmask PREFIX,
 *              fwd nat|direct|tunnel, sorry ADDR PORT
 *   server SERVICE-NAME ADDR PORT WEIGHT
 *   l2 ADDR IFNAME IFMAC MAC    (script only: a resolved real server)
 *   vipdev ADDR IFNAME          (script only: the interface of a VIP)
 */
#include "shoal-build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "lb/lb.h"
#include "lb/lb_backend.h"
#include "lb/lb_nft.h"
#include "lib/log.h"
#include "lib/util.h"

#define MAXTOK	16

static int
split(char *line, char **tok)
{
	int n = 0;
	char *p, *save = NULL;

	if ((p = strchr(line, '#')) != NULL)
		*p = '\0';
	for (p = strtok_r(line, " \t\r\n", &save); p != NULL && n < MAXTOK;
	    p = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = p;
	return n;
}

static int
num(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 0);
	return errno == 0 && *end == '\0' && end != s && *out >= lo &&
	    *out <= hi ? 0 : -1;
}

static struct lb_service *
find_name(const struct lb_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->st_nsvcs; i++)
		if (strcmp(st->st_svcs[i].s_name, name) == 0)
			return &st->st_svcs[i];
	return NULL;
}

static int
svc_option(struct lb_service *svc, char **tok, int n, int *i)
{
	const char *k = tok[*i];
	long v;

	if (*i + 1 >= n)
		return -1;
	if (strcmp(k, "sched") == 0 &&
	    (v = cfg_scheduler_from_name(tok[*i + 1])) != -1)
		svc->s_sched = (enum cfg_scheduler)v;
	else if (strcmp(k, "persistent") == 0 &&
	    num(tok[*i + 1], 0, UINT32_MAX, &v) == 0)
		svc->s_persistent = (uint32_t)v;
	else if (strcmp(k, "pmask") == 0 && num(tok[*i + 1], 0, 128, &v) == 0)
		svc->s_pmask = (int)v;
	else if (strcmp(k, "fwd") == 0 &&
	    (v = cfg_network_from_name(tok[*i + 1])) != -1)
		svc->s_fwd = (enum cfg_network)v;
	else if (strcmp(k, "sorry") == 0 && *i + 2 < n &&
	    cfg_addr_parse(&svc->s_sorry, tok[*i + 1]) == 0 &&
	    num(tok[*i + 2], 0, 65535, &v) == 0) {
		svc->s_sorry_port = (uint16_t)v;
		(*i)++;
	} else
		return -1;
	*i += 2;
	return 0;
}

static int
parse_service(struct lb_state *st, char **tok, int n)
{
	struct lb_service svc;
	struct lb_svc_key k;
	long v;
	int i, rc;

	memset(&k, 0, sizeof(k));
	if (n < 5)
		return -1;
	if (strcmp(tok[2], "fwmark") == 0) {
		if (num(tok[3], 1, UINT32_MAX, &v) == -1)
			return -1;
		k.ks_fwmark = (uint32_t)v;
		if (strcmp(tok[4], "inet") != 0 && strcmp(tok[4], "inet6") != 0)
			return -1;
		k.ks_af = strcmp(tok[4], "inet6") == 0 ? AF_INET6 : AF_INET;
	} else {
		if ((v = cfg_protocol_from_name(tok[2])) == -1 ||
		    cfg_addr_parse(&k.ks_addr, tok[3]) == -1)
			return -1;
		k.ks_proto = (enum cfg_protocol)v;
		k.ks_af = k.ks_addr.family;
		if (num(tok[4], 0, 65535, &v) == -1)
			return -1;
		k.ks_port = (uint16_t)v;
	}
	lb_service_init(&svc, &k);
	str_copy(svc.s_name, tok[1], sizeof(svc.s_name));
	for (i = 5; i < n; )
		if (svc_option(&svc, tok, n, &i) == -1)
			return -1;
	rc = find_name(st, tok[1]) != NULL ? -1 : lb_state_add_service(st, &svc);
	lb_service_clear(&svc);
	return rc;
}

/* "ADDR PORT WEIGHT" from tok[0..2] into d; weight optional when w NULL. */
static int
parse_dest(struct lb_dest *d, char **tok, int n)
{
	long v;

	memset(d, 0, sizeof(*d));
	if (n < 2 || cfg_addr_parse(&d->d_addr, tok[0]) == -1 ||
	    num(tok[1], 0, 65535, &v) == -1)
		return -1;
	d->d_port = (uint16_t)v;
	if (n >= 3) {
		if (num(tok[2], 0, LB_WEIGHT_MAX, &v) == -1)
			return -1;
		d->d_weight = (int)v;
	}
	return 0;
}

static int
parse_global(struct lb_state *st, char **tok, int n)
{
	long a, b, c;

	if (n == 3 && strcmp(tok[1], "masquerade") == 0 &&
	    num(tok[2], 0, 1, &a) == 0)
		st->st_masquerade = (int)a;
	else if (n == 5 && strcmp(tok[1], "timeouts") == 0 &&
	    num(tok[2], 0, UINT32_MAX, &a) == 0 &&
	    num(tok[3], 0, UINT32_MAX, &b) == 0 &&
	    num(tok[4], 0, UINT32_MAX, &c) == 0) {
		st->st_tcp_timeout = (uint32_t)a;
		st->st_tcpfin_timeout = (uint32_t)b;
		st->st_udp_timeout = (uint32_t)c;
	} else if (n >= 3 && strcmp(tok[1], "sync") == 0) {
		if (strcmp(tok[2], "none") == 0)
			st->st_sync = LB_SYNC_NONE;
		else if (n == 5 && num(tok[4], 0, 255, &a) == 0 &&
		    (strcmp(tok[2], "master") == 0 ||
		    strcmp(tok[2], "backup") == 0)) {
			st->st_sync = strcmp(tok[2], "master") == 0 ?
			    LB_SYNC_MASTER : LB_SYNC_BACKUP;
			str_copy(st->st_sync_iface, tok[3],
			    sizeof(st->st_sync_iface));
			st->st_sync_id = (int)a;
		} else
			return -1;
	} else
		return -1;
	return 0;
}

static int
parse_mac(const char *s, uint8_t *m)
{
	unsigned v[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
	    &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		m[i] = (uint8_t)v[i];
	}
	return 0;
}

/* "l2 ADDR IFNAME IFMAC MAC" and "vipdev ADDR IFNAME" into env. */
static int
parse_env(struct lb_nft_env *env, char **tok, int n)
{
	struct cfg_addr a;
	struct lb_l2 l2;

	memset(&l2, 0, sizeof(l2));
	if (n < 3 || cfg_addr_parse(&a, tok[1]) == -1 ||
	    strlen(tok[2]) > CFG_IFNAME_MAX)
		return -1;
	if (strcmp(tok[0], "vipdev") == 0 && n == 3)
		return lb_nft_env_add_vip(env, &a, tok[2]);
	if (strcmp(tok[0], "l2") != 0 || n != 5 ||
	    parse_mac(tok[3], l2.l2_ifmac) == -1 ||
	    parse_mac(tok[4], l2.l2_mac) == -1)
		return -1;
	str_copy(l2.l2_ifname, tok[2], sizeof(l2.l2_ifname));
	return lb_nft_env_add_l2(env, &a, &l2);
}

static int
parse_line(struct lb_state *st, struct lb_nft_env *env, char **tok, int n)
{
	struct lb_service *svc;
	struct lb_dest d;

	if (strcmp(tok[0], "l2") == 0 || strcmp(tok[0], "vipdev") == 0)
		return env != NULL ? parse_env(env, tok, n) : 0;
	if (strcmp(tok[0], "global") == 0)
		return parse_global(st, tok, n);
	if (strcmp(tok[0], "service") == 0)
		return parse_service(st, tok, n);
	if (strcmp(tok[0], "server") == 0 && n == 5 &&
	    (svc = find_name(st, tok[1])) != NULL &&
	    parse_dest(&d, tok + 2, 3) == 0 &&
	    lb_service_find_dest(svc, &d.d_addr, d.d_port) == NULL)
		return lb_service_set_dest(svc, &d);
	return -1;
}

/*
 * Reads a state file into an initialised st (and its l2/vipdev lines into
 * env, unless NULL); 0, or -1 (reported).
 */
static int
read_state(const char *path, struct lb_state *st, struct lb_nft_env *env)
{
	char line[1024], *tok[MAXTOK];
	FILE *fp;
	int n, lineno = 0, rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "lbctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if ((n = split(line, tok)) == 0)
			continue;
		if (parse_line(st, env, tok, n) == -1) {
			fprintf(stderr, "lbctl: %s:%d: invalid statement "
			    "(or unknown service, duplicate)\n", path, lineno);
			rc = -1;
		}
	}
	fclose(fp);
	return rc;
}

/* ---- serve: commands on stdin ---- */

static const struct lb_svc_key *
svc_key(const struct lb *lb, const char *name)
{
	const struct lb_service *svc;

	if ((svc = find_name(lb_current(lb), name)) == NULL) {
		fprintf(stderr, "lbctl: no service named %s\n", name);
		return NULL;
	}
	return &svc->s_key;
}

static int
cmd_apply_file(struct lb *lb, const char *path)
{
	struct lb_state st;
	int rc = -1;

	lb_state_init(&st);
	if (read_state(path, &st, NULL) == 0)
		rc = lb_apply(lb, &st);
	lb_state_clear(&st);
	return rc;
}

/* The service's name in the current state, or "-". */
static const char *
svc_name_of(const struct lb *lb, const struct lb_svc_key *k)
{
	const struct lb_service *svc = lb_state_find(lb_current(lb), k);

	return svc != NULL ? svc->s_name : "-";
}

static int
cmd_faults(const struct lb *lb, const char *path)
{
	const struct lb_fault *f;
	char ab[CFG_ADDR_STRLEN];
	size_t n, i;
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	f = lb_faults(lb, &n);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s %s %s %u %s\n", f[i].f_pending ? "pending" :
		    "failed", svc_name_of(lb, &f[i].f_key),
		    cfg_addr_is_set(&f[i].f_addr) ? cfg_addr_str(&f[i].f_addr,
		    ab, sizeof(ab)) : "-", f[i].f_port, f[i].f_reason);
	return fclose(fp) == 0 ? 0 : -1;
}

static int
cmd_refresh(struct lb *lb)
{
	struct lb_state st;
	int rc = -1;

	lb_state_init(&st);
	if (lb_state_copy(&st, lb_current(lb)) == 0)
		rc = lb_apply(lb, &st);
	lb_state_clear(&st);
	return rc;
}

static int
serve_one(struct lb *lb, char **tok, int n)
{
	struct lb_svc_key k;
	const struct lb_svc_key *kp;
	struct lb_dest d;

	if (strcmp(tok[0], "apply") == 0 && n == 2)
		return cmd_apply_file(lb, tok[1]);
	if (strcmp(tok[0], "clear") == 0 && n == 1)
		return lb_clear(lb);
	if (strcmp(tok[0], "refresh") == 0 && n == 1)
		return cmd_refresh(lb);
	if (strcmp(tok[0], "faults") == 0 && n == 2)
		return cmd_faults(lb, tok[1]);
	if (n < 2 || (kp = svc_key(lb, tok[1])) == NULL)
		return -1;
	k = *kp;	/* the state the key points into changes below */
	if (strcmp(tok[0], "delete") == 0 && n == 2)
		return lb_service_remove(lb, &k);
	if (parse_dest(&d, tok + 2, n - 2) == -1)
		return -1;
	if (strcmp(tok[0], "weight") == 0 && n == 5)
		return lb_server_weight(lb, &k, &d.d_addr, d.d_port,
		    d.d_weight);
	if (strcmp(tok[0], "server") == 0 && n == 5)
		return lb_server_set(lb, &k, &d);
	if (strcmp(tok[0], "remove") == 0 && n == 4)
		return lb_server_remove(lb, &k, &d.d_addr, d.d_port);
	return -1;
}

static int
serve(struct lb *lb)
{
	char line[1024], *tok[MAXTOK];
	int n;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if ((n = split(line, tok)) == 0)
			continue;
		if (strcmp(tok[0], "quit") == 0)
			break;
		printf("%s\n", serve_one(lb, tok, n) == 0 ? "ok" : "error");
		fflush(stdout);
	}
	return 0;
}

/* ---- one-shot commands ---- */

static int
cmd_script(int argc, char **argv)
{
	struct lb_state st, old, est, eold;
	struct lb_nft_env env, oenv;
	char *s = NULL;
	int rc = 1;

	lb_state_init(&st);
	lb_state_init(&old);
	lb_state_init(&est);
	lb_state_init(&eold);
	lb_nft_env_init(&env);
	lb_nft_env_init(&oenv);
	if (argc < 2 || read_state(argv[1], &st, &env) == -1 ||
	    (argc > 2 && read_state(argv[2], &old, &oenv) == -1))
		goto done;
	if (lb_state_effective(&est, &st) == -1 ||
	    lb_state_effective(&eold, &old) == -1)
		goto done;
	if ((s = lb_nft_script(argc > 2 ? &eold : NULL, &oenv, &est,
	    &env)) == NULL)
		goto done;
	fputs(s, stdout);
	rc = 0;
done:
	free(s);
	lb_state_clear(&st);
	lb_state_clear(&old);
	lb_state_clear(&est);
	lb_state_clear(&eold);
	lb_nft_env_clear(&env);
	lb_nft_env_clear(&oenv);
	return rc;
}

/* Which backends this build and kernel can open (nothing is changed). */
static int
probe(void)
{
	struct lb *lb;

	printf("ipvs: %s\n", lb_ipvs_available() ? "available" :
	    "not available");
	lb = lb_open(CFG_LB_NFTABLES);
	printf("nftables: %s\n", lb != NULL ? "available" : "not available");
	lb_close(lb);
	return 0;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: lbctl [-b auto|ipvs|nftables] [-o OWN] [-v] "
	    "probe | apply FILE | clear | serve | script FILE [OLD]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	enum cfg_lb_backend kind = CFG_LB_AUTO;
	const char *own = NULL;
	struct lb *lb;
	int ch, v = 0, rc;

	while ((ch = getopt(argc, argv, "b:o:v")) != -1) {
		switch (ch) {
		case 'o':
			own = optarg;
			break;
		case 'b':
			if ((rc = cfg_lb_backend_from_name(optarg)) == -1)
				usage();
			kind = (enum cfg_lb_backend)rc;
			break;
		case 'v':
			v++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	log_init("lbctl", 1, v, NULL);
	if (strcmp(argv[0], "script") == 0)
		return cmd_script(argc, argv);
	if (strcmp(argv[0], "probe") == 0 && argc == 1)
		return probe();
	if ((lb = lb_open(kind)) == NULL)
		return 1;
	if (own != NULL && lb_set_owner_file(lb, own) == -1) {
		lb_close(lb);
		return 1;
	}
	printf("backend: %s\n", cfg_lb_backend_name(lb_kind(lb)));
	fflush(stdout);
	if (strcmp(argv[0], "apply") == 0 && argc == 2)
		rc = cmd_apply_file(lb, argv[1]) == 0 ? 0 : 1;
	else if (strcmp(argv[0], "clear") == 0 && argc == 1)
		rc = lb_clear(lb) == 0 ? 0 : 1;
	else if (strcmp(argv[0], "serve") == 0 && argc == 1)
		rc = serve(lb);
	else {
		lb_close(lb);
		usage();
	}
	lb_close(lb);
	return rc;
}
