/*
 * rolecmd.c - role commands (see rolecmd.h).
 */
#include "shoal-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/exec.h"
#include "lib/log.h"
#include "rolecmd.h"

/* Commands in flight: shutdown waits for them (bounded by their timeout). */
static int running;

struct job {
	char	*j_what;
	char	*j_argv;	/* printable command line */
};

static void
job_free(struct job *j)
{
	free(j->j_what);
	free(j->j_argv);
	free(j);
}

/* Logs the output line by line, so a multi-line output stays readable. */
static void
log_output(const struct job *j, char *out)
{
	char *line, *save = NULL;

	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		log_info("%s: %s", j->j_what, line);
}

static void
done(struct exec_result *r, void *arg)
{
	struct job *j = arg;
	char buf[64];

	running--;
	if (exec_result_ok(r))
		log_info("%s finished: %s (%llu ms)", j->j_what,
		    exec_result_str(r, buf, sizeof(buf)),
		    (unsigned long long)r->er_elapsed_ms);
	else
		log_warnx("%s failed: %s (%llu ms): %s", j->j_what,
		    exec_result_str(r, buf, sizeof(buf)),
		    (unsigned long long)r->er_elapsed_ms, j->j_argv);
	if (r->er_out != NULL && r->er_outlen > 0)
		log_output(j, r->er_out);
	job_free(j);
}

int
rolecmd_run(struct event_base *base, const char *what, const char *cmd)
{
	char err[256], **argv = NULL;
	struct job *j = NULL;

	if (cmd == NULL || *cmd == '\0')
		return 0;
	if (exec_split(cmd, NULL, NULL, &argv, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", what, err);
		return -1;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->j_what = strdup(what)) == NULL ||
	    (j->j_argv = exec_argv_str(argv)) == NULL)
		goto fail;
	log_info("%s: running %s", what, j->j_argv);
	if (exec_start(base, argv, ROLECMD_TIMEOUT_MS, 0, done, j) == NULL)
		goto fail;
	running++;
	exec_argv_free(argv);
	return 0;
fail:
	log_warnx("%s: could not start %s", what, cmd);
	exec_argv_free(argv);
	if (j != NULL)
		job_free(j);
	return -1;
}

void
rolecmd_activate(struct event_base *base, const struct pulse_rt *rt)
{
	char what[CFG_NAME_MAX + 32];

	(void)rolecmd_run(base, "active_cmd", rt->rt_active_cmd);
	for (size_t i = 0; i < rt->rt_nfos; i++) {
		snprintf(what, sizeof(what), "start_cmd of %s",
		    rt->rt_fos[i].rf_name);
		(void)rolecmd_run(base, what, rt->rt_fos[i].rf_start_cmd);
	}
}

void
rolecmd_deactivate(struct event_base *base, const struct pulse_rt *rt)
{
	char what[CFG_NAME_MAX + 32];

	for (size_t i = rt->rt_nfos; i-- > 0;) {
		snprintf(what, sizeof(what), "stop_cmd of %s",
		    rt->rt_fos[i].rf_name);
		(void)rolecmd_run(base, what, rt->rt_fos[i].rf_stop_cmd);
	}
	(void)rolecmd_run(base, "inactive_cmd", rt->rt_inactive_cmd);
}

/* The index of the fail-over service called name in rt, or -1. */
static int
fos_index(const struct pulse_rt *rt, const char *name)
{
	for (size_t i = 0; i < rt->rt_nfos; i++)
		if (strcmp(rt->rt_fos[i].rf_name, name) == 0)
			return (int)i;
	return -1;
}

void
rolecmd_reload(struct event_base *base, const struct pulse_rt *ort,
    const struct pulse_rt *nrt)
{
	char what[CFG_NAME_MAX + 32];

	for (size_t i = 0; i < ort->rt_nfos; i++) {
		if (fos_index(nrt, ort->rt_fos[i].rf_name) != -1)
			continue;
		snprintf(what, sizeof(what), "stop_cmd of %s",
		    ort->rt_fos[i].rf_name);
		(void)rolecmd_run(base, what, ort->rt_fos[i].rf_stop_cmd);
	}
	for (size_t j = 0; j < nrt->rt_nfos; j++) {
		if (fos_index(ort, nrt->rt_fos[j].rf_name) != -1)
			continue;
		snprintf(what, sizeof(what), "start_cmd of %s",
		    nrt->rt_fos[j].rf_name);
		(void)rolecmd_run(base, what, nrt->rt_fos[j].rf_start_cmd);
	}
}

int
rolecmd_running(void)
{
	return running;
}
