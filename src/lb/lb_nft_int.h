/*
 * lb_nft_int.h - inside the nftables ruleset generator (lb_nft_gen.c,
 * lb_nft_svc.c, lb_nft_dr.c, lb_nft_obj.c); nothing else includes it.
 *
 * The generator describes a ruleset as a list of *objects*: chains, sets
 * and maps of shoal's two tables (`inet shoal` for NAT, `netdev shoal` for
 * direct routing), and elements that a service puts into a shared map
 * (its dispatch entry).  Each object has a declaration (what `add chain` /
 * `add map` needs), a body (a chain's rules, a map's elements) and the
 * names it refers to.  lb_nft_diff() turns two object lists into one nft
 * batch: only what differs, in an order the kernel accepts.
 */
#ifndef SHOAL_LB_NFT_INT_H
#define SHOAL_LB_NFT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lb/lb_backend.h"
#include "lb/lb_nft.h"
#include "lb/lb_state.h"

/* ---- growing strings ---- */

/* A growing string; a failed allocation sticks in sb_err. */
struct sbuf {
	char	*sb_buf;
	size_t	 sb_len;
	size_t	 sb_cap;
	int	 sb_err;
};

void sb_printf(struct sbuf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
/* The string (owned by sb), "" when empty. */
const char *sb_str(const struct sbuf *);
void sb_free(struct sbuf *);

/* ---- objects ---- */

enum nobj_kind {
	NOBJ_CHAIN,		/* a chain: decl "" or "{ type ... }" */
	NOBJ_SET,		/* a set or map: decl "map { ... }" */
	NOBJ_ELEM,		/* an element of a shared map */
};

/* Which table: the index into lb_nft_tables[]. */
enum nobj_table {
	NT_INET,		/* table inet shoal */
	NT_NETDEV,		/* table netdev shoal */
};
#define NT_COUNT	2
extern const char *const lb_nft_tables[NT_COUNT];

#define NOBJ_NAME_MAX	200	/* nft allows 255 */
#define NFT_SVC_NAME_MAX	64	/* "vs_udp_<32 hex>_65535" fits */
#define NFT_DEST_NAME_MAX	48	/* "<32 hex>_65535" fits */

struct nobj {
	enum nobj_kind	 o_kind;
	enum nobj_table	 o_table;
	char		 o_name[NOBJ_NAME_MAX];	/* ELEM: the shared map */
	struct sbuf	 o_decl;	/* SET: "set { ... }"/"map { ... }";
					   CHAIN: "" or "{ type ... }";
					   ELEM: the key */
	struct sbuf	 o_body;	/* CHAIN: rules, "\n" after each;
					   SET: elements; ELEM: ": verdict" */
	int		 o_dynamic;	/* SET filled by the kernel: never
					   flushed, its body is always "" */
	char		**o_refs;	/* names of chains and sets used */
	size_t		 o_nrefs;
	size_t		 o_index;	/* in its list */
};

/* A list of objects; owns them (each allocated alone: pointers stay). */
struct nobjs {
	struct nobj	**ol_v;
	size_t		 ol_n;
	size_t		 ol_cap;
	int		 ol_err;	/* ENOMEM somewhere: the list is bad */
};

void nobjs_init(struct nobjs *);
void nobjs_free(struct nobjs *);
/*
 * Appends an object named by printf-style arguments and returns it (its
 * decl and body empty), or NULL (ol_err set) on ENOMEM or a name too long.
 * The object belongs to the list.
 */
struct nobj *nobj_add(struct nobjs *, enum nobj_kind, enum nobj_table,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Records that o uses the chain or set `name`. */
void nobj_ref(struct nobjs *, struct nobj *o, const char *name);

/*
 * The batch that turns old into new (old NULL: the tables are replaced
 * whole).  Appends to out; 0, or -1 on ENOMEM.
 */
int lb_nft_diff(struct sbuf *out, const struct nobjs *old,
    const struct nobjs *neu);

/* ---- building a state's objects ---- */

/* Options of a build, from the state (shared by the service builders). */
struct nft_build {
	const struct lb_state	*nb_st;
	const struct lb_nft_env	*nb_env;
	struct nobjs		*nb_out;
};

/* Names: "vs_tcp_10.0.0.1_80", "vs_udp_<32 hex>_53", "vs_fwm4_7". */
void lb_nft_svc_name(const struct lb_svc_key *, char *buf, size_t len);
/* A real server's part of a name: "10.0.0.2_80", "<32 hex>_53". */
void lb_nft_dest_name(const struct lb_dest *, char *buf, size_t len);
/* "ip" or "ip6". */
const char *lb_nft_fam(int af);
/* "ip saddr", or "ip saddr & 255.255.254.0" for a persistence mask. */
void lb_nft_client_expr(struct sbuf *, const struct lb_service *);
/* Slots per real server into slots[] (see lb_nft_gen.c); the total. */
unsigned lb_nft_slots(const struct lb_service *, const int *usable,
    unsigned *slots);
/*
 * The Maglev table of the service's usable real servers of weight > 0:
 * table[MAGLEV_SIZE] of indexes into s_dests; 0, or -1 (ENOMEM).  All -1
 * when none.
 */
int lb_nft_maglev(const struct lb_service *, const int *usable,
    int32_t *table);
/*
 * The selector text of a scheduler over `total` slots ("numgen inc mod 6",
 * "jhash ip saddr mod 4093 seed 0x73686f61"), for a map lookup after it.
 */
void lb_nft_selector(struct sbuf *, const struct lb_service *,
    unsigned total);
/* 1 when the service is scheduled through a Maglev table. */
int lb_nft_is_maglev(const struct lb_service *);

/*
 * One service being built (lb_nft_svc.c): its name, which real servers
 * can be used (direct routing: resolved ones), their slots or the Maglev
 * table.
 */
struct svc_ctx {
	struct nft_build	*c_nb;
	const struct lb_service	*c_svc;
	enum nobj_table		 c_table;
	char			 c_name[NFT_SVC_NAME_MAX];
	int			*c_usable;	/* per real server */
	unsigned		*c_slots;	/* per real server */
	unsigned		 c_total;	/* slots taking new ones */
	int32_t			*c_mh;		/* Maglev table, or NULL */
};

/* usable NULL: every real server; 0 or -1 (ENOMEM). */
int lb_nft_ctx_init(struct svc_ctx *, struct nft_build *, enum nobj_table,
    const struct lb_service *, const int *usable);
void lb_nft_ctx_free(struct svc_ctx *);
/* The service's name for one real server's objects: "<S>_<what>_<D>". */
void lb_nft_ctx_dname(const struct svc_ctx *, char what, size_t dest,
    char *buf, size_t len);
/*
 * The service's entry in a shared dispatch map: svc4/svc6/mark4/mark6
 * with a prefix ("" NAT, "p" persistence refresh, "d" direct routing).
 */
void lb_nft_dispatch(const struct svc_ctx *, const char *prefix,
    const char *chain);
/* The dynamic set of one real server's clients, "<S>_p_<D>". */
struct nobj *lb_nft_persist_set(const struct svc_ctx *, size_t dest);
/* The verdict map "<S>_sl": slot -> goto <S>_d_<D> (or NULL). */
struct nobj *lb_nft_slot_vmap(const struct svc_ctx *);
/* Appends "<selector> vmap @<S>_sl" to chain when a slot takes new ones. */
void lb_nft_select_rule(const struct svc_ctx *, struct nobj *chain,
    const struct nobj *sl);

/* The NAT service's objects (lb_nft_svc.c); 0 or -1 (ENOMEM). */
int lb_nft_nat_service(struct nft_build *, const struct lb_service *);
/* The direct-routing service's objects (lb_nft_dr.c); 0 or -1. */
int lb_nft_dr_service(struct nft_build *, const struct lb_service *);
/* The netdev table's ingress chain for the DR services' VIPs; 0 or -1. */
int lb_nft_dr_ingress(struct nft_build *);

/* Flow timeouts of direct routing: IPVS's defaults unless set. */
uint32_t lb_nft_flow_timeout(const struct lb_state *, enum cfg_protocol);

#endif
