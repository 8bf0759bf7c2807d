/*
 * lvs.c - the load balancer side of the active role (see lvs.h).
 */
#include "shoal-build.h"

#include <stdlib.h>

#include "lb.h"
#include "log.h"
#include "lvs.h"

struct lvs {
	struct lb	*l_lb;
	int		 l_applied;
};

struct lvs *
lvs_new(const struct shoal_config *c)
{
	struct lvs *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->l_lb = lb_open(c->c_global.g_lb_backend)) == NULL) {
		log_warnx("no load balancer backend: virtual IPs only");
		free(l);
		return NULL;
	}
	/* the first lvs_deactivate() clears what a crashed run left */
	l->l_applied = 1;
	return l;
}

void
lvs_free(struct lvs *l)
{
	if (l == NULL)
		return;
	lb_close(l->l_lb);
	free(l);
}

int
lvs_activate(struct lvs *l, const struct shoal_config *c)
{
	struct lb_state st;
	int ret = -1;

	lb_state_init(&st);
	if (lb_state_from_config(&st, c, c->c_global.g_syncdaemon ?
	    LB_SYNC_MASTER : LB_SYNC_NONE) == -1)
		goto done;
	if (lb_state_check(&st, lb_kind(l->l_lb)) > 0) {
		log_warnx("the load balancer cannot run this configuration");
		goto done;
	}
	if (lb_apply(l->l_lb, &st) == -1) {
		log_warnx("programming the load balancer failed");
		goto done;
	}
	l->l_applied = 1;
	log_info("load balancer programmed: %zu virtual service(s) (%s)",
	    st.st_nsvcs, cfg_lb_backend_name(lb_kind(l->l_lb)));
	ret = 0;
done:
	lb_state_clear(&st);
	return ret;
}

int
lvs_deactivate(struct lvs *l)
{
	if (!l->l_applied)
		return 0;
	l->l_applied = 0;
	if (lb_clear(l->l_lb) == -1) {
		log_warnx("clearing the load balancer failed");
		return -1;
	}
	log_info("load balancer cleared");
	return 0;
}
