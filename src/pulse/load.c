/*
 * load.c - the store -> runtime path shared by the supervisor, the worker,
 * `pulse -t` and `shoalctl cleanup`.
 */
#include "shoal-build.h"

#include "load.h"
#include "store.h"

int
pulse_load(const char *db, const char *node, struct pulse_rt **out,
    struct shoal_config **cfg, struct diag *d)
{
	struct shoal_config *c = NULL;
	struct store_gen gen;
	struct store *st;
	struct rt_host host;
	int ret = -1;

	*out = NULL;
	if (cfg != NULL)
		*cfg = NULL;
	if ((st = store_open(db, STORE_RDONLY, d)) == NULL)
		return -1;
	if (store_load(st, &c, &gen) == -1) {
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "cannot load the "
		    "configuration");
		goto done;
	}
	if (gen.sg_generation == 0) {
		diag_add(d, DIAG_ERROR, db, 0, 0, NULL, "the store is empty: "
		    "import a configuration first (shoalctl config import)");
		goto done;
	}
	if (runtime_host_init(&host) == -1) {
		diag_add(d, DIAG_ERROR, NULL, 0, 0, NULL, "cannot list this "
		    "host's addresses");
		goto done;
	}
	ret = runtime_build(c, node, &host, out, d);
	runtime_host_free(&host);
	if (ret == 0)
		runtime_set_identity(*out, gen.sg_generation, gen.sg_hash);
	if (ret == 0 && cfg != NULL) {
		*cfg = c;
		c = NULL;
	}
done:
	config_free(c);
	store_close(st);
	return ret;
}
