/*
 * notify-systemd.c - sd_notify through libsystemd.
 */
#include "shoal-build.h"

#include <systemd/sd-daemon.h>

#include "notify.h"

void
notify_ready(void)
{
	(void)sd_notify(0, "READY=1");
}

void
notify_reloading(void)
{
	(void)sd_notify(0, "RELOADING=1");
}

void
notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

void
notify_status(const char *status)
{
	(void)sd_notifyf(0, "STATUS=%s", status);
}
