/*
 * notify-disabled.c - no service manager notification (built without
 * libsystemd).
 */
#include "shoal-build.h"

#include "notify.h"

void
notify_ready(void)
{
}

void
notify_reloading(void)
{
}

void
notify_stopping(void)
{
}

void
notify_status(const char *status)
{
	(void)status;
}
