/*
 * load.c - the store -> runtime path shared by the worker, `pulse -t` and
 * `pulse --cleanup`.
 */
#include "shoal-build.h"

#include "store/store_view.h"
#include "load.h"

static enum cfg_lb_backend auto_backend = CFG_LB_AUTO;

void
pulse_load_auto_backend(enum cfg_lb_backend kind)
{
	auto_backend = kind;
}

int
pulse_load(const char *db, const char *node, struct pulse_rt **out,
    struct shoal_config **cfg, struct diag *d)
{
	struct store_view v;
	struct rt_host host;
	int ret = -1;

	*out = NULL;
	if (cfg != NULL)
		*cfg = NULL;
	/* in a child process: SQLite never becomes resident here */
	if (store_view_read(db, &v, d) == -1)
		return -1;
	if (v.sv_gen.sg_generation == 0) {
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "the store is empty: "
		    "import a configuration first (shoalctl config import)");
		goto done;
	}
	if (runtime_host_init(&host) == -1) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "cannot list this "
		    "host's addresses");
		goto done;
	}
	host.rh_auto_backend = auto_backend;
	ret = runtime_build(v.sv_cfg, node, &host, out, d);
	runtime_host_free(&host);
	if (ret == 0)
		runtime_set_identity(*out, v.sv_gen.sg_generation,
		    v.sv_gen.sg_hash);
	if (ret == 0 && cfg != NULL) {
		*cfg = v.sv_cfg;
		v.sv_cfg = NULL;
	}
done:
	store_view_clear(&v);
	return ret;
}
