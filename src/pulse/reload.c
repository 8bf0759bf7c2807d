/*
 * reload.c - a new configuration in the running worker (see reload.h).
 */
#include "shoal-build.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "lib/notify.h"
#include "lib/util.h"
#include "announce.h"
#include "connsync.h"
#include "hbio.h"
#include "leave.h"
#include "dualact.h"
#include "links.h"
#include "maintio.h"
#include "load.h"
#include "hooks.h"
#include "reload.h"
#include "rolecmd.h"
#include "services.h"
#include "vip.h"
#include "worker.h"

/* Applies nrt (owned by the worker from now on).  0 or -1 with err. */
static int
apply(struct worker *w, struct pulse_rt *nrt, char *err, size_t errlen)
{
	const char *now = nrt->rt_nodes[nrt->rt_self].rn_name;
	const char *was = worker_self_node(w)->rn_name;
	struct peer *np;
	unsigned char *nf;
	int port_changed = nrt->rt_port != w->w_rt->rt_port;

	if (strcmp(now, was) != 0) {
		snprintf(err, errlen, "this node is now %s (was %s): restart "
		    "pulse to change identity", now, was);
		return -1;
	}
	if ((np = hbio_peer_table(w, nrt)) == NULL ||
	    (nf = calloc(nrt->rt_nfos + 1, 1)) == NULL) {
		free(np);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (vipset_update(w->w_vips, nrt) == -1)
		log_warnx("reload: VIP update failed");
	if (w->w_self.es_state == EL_ACTIVE)
		rolecmd_reload(w->w_base, w->w_rt, nrt);
	free(w->w_peers);
	w->w_peers = np;
	free(w->w_fos_failed);
	w->w_fos_failed = nf;
	runtime_free(w->w_rt);
	w->w_rt = nrt;
	w->w_self.es_priority = worker_self_node(w)->rn_priority;
	hbio_arm_keepalive(w);
	if (port_changed) {
		if (hbio_reopen(w) == -1)
			log_warnx("reload: heartbeat sockets on port %u failed",
			    nrt->rt_port);
	}
	(void)links_reload(w);
	worker_update_fault(w);
	/* reconcile with what the kernel really has, not only the old list */
	if (w->w_self.es_state == EL_ACTIVE)
		vipset_refresh(w->w_vips);
	else
		(void)vipset_down(w->w_vips);
	return 0;
}

void
reload_send_plan(const struct worker *w, const struct pulse_rt *rt)
{
	struct leave_plan lp;
	uint8_t *buf;
	size_t len = 0;

	if (w->w_opts->po_super_fd == -1)
		return;
	if (leave_plan_build(rt, &lp) == -1) {
		log_warnx("leave plan: out of memory: the supervisor keeps "
		    "the previous one");
		return;
	}
	if ((buf = leave_plan_encode(&lp, &len)) == NULL)
		log_warnx("leave plan: too large (%zu addresses, %zu peer "
		    "paths): the supervisor keeps the previous one",
		    lp.lp_nvips, lp.lp_npeers);
	else if (send(w->w_opts->po_super_fd, buf, len,
	    MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
		log_warn("leave plan: cannot hand it to the supervisor");
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	leave_plan_clear(&lp);
}

int
reload_config(struct worker *w, char *err, size_t errlen)
{
	struct pulse_rt *nrt;
	struct shoal_config *ncfg;
	struct diag d;
	struct diag_item *di;
	char *msg, hookerr[256];

	notify_reloading();
	diag_init(&d);
	if (pulse_load(w->w_opts->po_db, w->w_opts->po_node, &nrt, &ncfg,
	    &d) == -1) {
		TAILQ_FOREACH(di, &d.d_items, di_entry)
			if ((msg = diag_format(di)) != NULL) {
				log_warnx("reload: %s", msg);
				if (di->di_sev == DIAG_ERROR && err[0] == '\0')
					str_copy(err, msg, errlen);
				free(msg);
			}
		diag_clear(&d);
		log_warnx("reload failed: keeping generation %llu",
		    (unsigned long long)w->w_rt->rt_generation);
		worker_config_event(w, "refused");
		notify_ready();
		return -1;
	}
	diag_clear(&d);
	/* before apply() adds anything: the new VIPs must be in the plan */
	reload_send_plan(w, nrt);
	if (apply(w, nrt, err, errlen) == -1) {
		reload_send_plan(w, w->w_rt);
		log_warnx("reload refused: %s", err);
		worker_config_event(w, "refused");
		runtime_free(nrt);
		config_free(ncfg);
		notify_ready();
		return -1;
	}
	config_free(w->w_cfg);
	w->w_cfg = ncfg;
	if (hooks_configure_cfg(w->w_hooks, &ncfg->c_global, hookerr,
	    sizeof(hookerr)) == -1)
		log_warnx("reload: notify hooks: %s; keeping the old hooks",
		    hookerr);
	log_info("reloaded configuration generation %llu",
	    (unsigned long long)w->w_rt->rt_generation);
	services_reload(w->w_svc);
	maintio_apply(w->w_maint);
	dualact_reload(w->w_dual);
	worker_config_event(w, "applied");
	connsync_update(w);
	announce_reload(w->w_ann);
	notify_ready();
	/* announce the new generation at once */
	hbio_send(w, 0);
	worker_evaluate(w);
	return 0;
}
