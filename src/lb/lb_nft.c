/*
 * lb_nft.c - the nftables backend: applies the script of lb_nft_gen.c
 * through libnftables, as one batch (one kernel transaction).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "lb/lb_backend.h"
#include "lib/log.h"

struct nft_be {
	struct nft_ctx	*nb_ctx;
	int		 nb_warned_sync;
	int		 nb_warned_timeouts;
};

static void *
nft_be_open(void)
{
	struct nft_be *nb;

	if ((nb = calloc(1, sizeof(*nb))) == NULL) {
		log_warn("lb: nftables: calloc");
		return NULL;
	}
	if ((nb->nb_ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		log_warnx("lb: nftables: cannot create a libnftables context");
		free(nb);
		return NULL;
	}
	/* keep nft's messages: they go to our log, not to stdout/stderr */
	if (nft_ctx_buffer_output(nb->nb_ctx) != 0 ||
	    nft_ctx_buffer_error(nb->nb_ctx) != 0) {
		log_warnx("lb: nftables: cannot buffer libnftables output");
		nft_ctx_free(nb->nb_ctx);
		free(nb);
		return NULL;
	}
	return nb;
}

static void
nft_be_close(void *p)
{
	struct nft_be *nb = p;

	if (nb == NULL)
		return;
	nft_ctx_free(nb->nb_ctx);
	free(nb);
}

/* Logs a multi-line text one line at a time (warning or debug). */
static void
log_lines(int warn, const char *text)
{
	const char *nl;

	while (*text != '\0') {
		nl = strchr(text, '\n');
		if (nl == NULL)
			nl = text + strlen(text);
		if (nl > text && warn)
			log_warnx("lb: nftables: %.*s", (int)(nl - text), text);
		else if (nl > text)
			log_debug("lb: nftables: %.*s", (int)(nl - text), text);
		text = *nl != '\0' ? nl + 1 : nl;
	}
}

/* nft's error text spans several lines (message, line, caret). */
static void
log_nft_error(const char *err)
{
	if (err == NULL || *err == '\0')
		log_warnx("lb: nftables: transaction failed (no message)");
	else
		log_lines(1, err);
}

/* IPVS-only settings: said once, not an error (the services still work). */
static void
note_unsupported(struct nft_be *nb, const struct lb_state *want)
{
	if (want->st_sync != LB_SYNC_NONE && !nb->nb_warned_sync) {
		log_warnx("lb: nftables backend has no connection sync daemon: "
		    "connections are not handed to the backup router "
		    "(run conntrackd for that)");
		nb->nb_warned_sync = 1;
	}
	if ((want->st_tcp_timeout || want->st_tcpfin_timeout ||
	    want->st_udp_timeout) && !nb->nb_warned_timeouts) {
		log_warnx("lb: nftables backend ignores tcp_timeout, "
		    "tcpfin_timeout and udp_timeout (conntrack's own timeouts apply)");
		nb->nb_warned_timeouts = 1;
	}
}

static int
nft_be_apply(void *p, const struct lb_state *old, const struct lb_state *want,
    int trusted)
{
	struct nft_be *nb = p;
	char *script;
	int rc = 0;

	note_unsupported(nb, want);
	if ((script = lb_nft_script(trusted ? old : NULL, want)) == NULL)
		return -1;
	if (*script != '\0') {
		log_debug("lb: nftables batch:");
		log_lines(0, script);
		if (nft_run_cmd_from_buffer(nb->nb_ctx, script) != 0) {
			log_nft_error(nft_ctx_get_error_buffer(nb->nb_ctx));
			rc = -1;
		}
	}
	free(script);
	return rc;
}

const struct lb_backend lb_backend_nft = {
	.b_kind = CFG_LB_NFTABLES,
	.b_name = "nftables",
	.b_open = nft_be_open,
	.b_close = nft_be_close,
	.b_apply = nft_be_apply,
};
