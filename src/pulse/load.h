/*
 * load.h - reading pulse's configuration from the store.
 */
#ifndef SHOAL_PULSE_LOAD_H
#define SHOAL_PULSE_LOAD_H

#include "lib/diag.h"
#include "runtime.h"

/*
 * Opens db read-only, loads the current generation and builds this host's
 * runtime view (node picked by name when node is not NULL).  Returns 0 and
 * *out, or -1 with the reasons in d.  When cfg is not NULL it receives the
 * whole configuration too (caller frees with config_free()).
 */
int pulse_load(const char *db, const char *node, struct pulse_rt **out,
    struct shoal_config **cfg, struct diag *d);

/*
 * The backend lvs_backend = auto picks on this host, for every later
 * pulse_load() (the worker says it once at start; left unset, every VIP
 * floats: runtime.h, rh_auto_backend).
 */
void pulse_load_auto_backend(enum cfg_lb_backend);

#endif
