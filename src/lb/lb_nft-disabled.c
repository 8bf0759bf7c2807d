/*
 * lb_nft-disabled.c - the nftables backend when shoal was built without
 * libnftables (configure --without-nftables, or libnftables-dev missing):
 * opening it fails with a clear message.  The ruleset generator
 * (lb_nft_gen.c) is still built.
 */
#include "shoal-build.h"

#include <stddef.h>

#include "lb/lb_backend.h"
#include "lib/log.h"

static void *
nft_off_open(void)
{
	log_warnx("lb: shoal was built without nftables (libnftables); "
	    "rebuild with libnftables-dev installed, or use the ipvs backend");
	return NULL;
}

static void
nft_off_close(void *p)
{
	(void)p;
}

static int
nft_off_apply(void *p, const struct lb_state *old, const struct lb_state *want,
    int trusted)
{
	(void)p, (void)old, (void)want, (void)trusted;
	log_warnx("lb: shoal was built without nftables");
	return -1;
}

static int
nft_off_stats(void *p, const struct lb_state *cur, struct lb_stats *out)
{
	(void)p, (void)cur, (void)out;
	log_warnx("lb: shoal was built without nftables");
	return -1;
}

const struct lb_backend lb_backend_nft = {
	.b_kind = CFG_LB_NFTABLES,
	.b_name = "nftables",
	.b_open = nft_off_open,
	.b_close = nft_off_close,
	.b_apply = nft_off_apply,
	.b_stats = nft_off_stats,
};
