/*
 * links.c - tracked interfaces (see links.h).
 */
#include "shoal-build.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/util.h"
#include "net/rtnl.h"
#include "links.h"
#include "worker.h"

static void
link_event(const struct rtnl_link *l, void *arg)
{
	struct worker *w = arg;

	for (size_t i = 0; i < w->w_nlinks; i++) {
		struct link *k = &w->w_links[i];
		int usable = l->rl_usable && !l->rl_deleted;

		if (strcmp(k->l_name, l->rl_name) != 0 || k->l_usable == usable)
			continue;
		k->l_usable = usable;
		if (usable)
			log_info("link %s is up", k->l_name);
		else
			log_warnx("link %s is down", k->l_name);
	}
}

static void
query_links(struct worker *w)
{
	struct rtnl_link l;

	for (size_t i = 0; i < w->w_nlinks; i++) {
		if (rtnl_link_get(w->w_nl, w->w_links[i].l_name, &l) == -1) {
			w->w_links[i].l_usable = 0;
			continue;
		}
		w->w_links[i].l_usable = l.rl_usable;
	}
}

static void
monitor_cb(int fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	if (rtnl_monitor_read(w->w_mon, link_event, w) == -1) {
		log_warn("link events lost; re-reading links");
		query_links(w);
	}
	worker_update_fault(w);
	worker_evaluate(w);
}

int
links_reload(struct worker *w)
{
	struct link *nl;

	nl = calloc(w->w_rt->rt_nifaces + 1, sizeof(*nl));
	if (nl == NULL)
		return -1;
	for (size_t i = 0; i < w->w_rt->rt_nifaces; i++)
		str_copy(nl[i].l_name, w->w_rt->rt_ifaces[i], IFNAMSIZ);
	free(w->w_links);
	w->w_links = nl;
	w->w_nlinks = w->w_rt->rt_nifaces;
	query_links(w);
	for (size_t i = 0; i < w->w_nlinks; i++)
		if (!w->w_links[i].l_usable)
			log_warnx("link %s is down%s", w->w_links[i].l_name,
			    w->w_rt->rt_monitor_links ? "" :
			    " (monitor_links off: not a candidate until it is "
			    "up, an active node keeps its addresses)");
	return 0;
}

int
links_open(struct worker *w)
{
	if ((w->w_mon = rtnl_monitor_open()) == NULL)
		return -1;
	w->w_monev = event_new(w->w_base, rtnl_fd(w->w_mon),
	    EV_READ | EV_PERSIST, monitor_cb, w);
	if (w->w_monev == NULL || event_add(w->w_monev, NULL) == -1)
		return -1;
	return links_reload(w);
}

void
links_close(struct worker *w)
{
	if (w->w_monev != NULL)
		event_free(w->w_monev);
	rtnl_close(w->w_mon);
	free(w->w_links);
	w->w_monev = NULL;
	w->w_mon = NULL;
	w->w_links = NULL;
	w->w_nlinks = 0;
}

int
links_fault(const struct worker *w)
{
	int down = 0;

	for (size_t i = 0; i < w->w_nlinks; i++)
		if (!w->w_links[i].l_usable)
			down = 1;
	if (!down)
		return 0;
	/* monitor_links off: the active node keeps its addresses, but no
	 * other node takes them onto a dead link (nor counts as a
	 * candidate while it cannot serve) */
	return w->w_rt->rt_monitor_links || w->w_self.es_state != EL_ACTIVE;
}
