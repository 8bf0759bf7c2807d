/*
 * notify.h - telling the service manager how pulse is doing (sd_notify).
 * Built from notify-systemd.c with libsystemd, else notify-disabled.c.
 */
#ifndef SHOAL_NOTIFY_H
#define SHOAL_NOTIFY_H

/* Start-up finished: the control socket answers. */
void notify_ready(void);
/* Configuration being re-read. */
void notify_reloading(void);
void notify_stopping(void);
/* A one-line status ("active", "backup: peer n1 active"). */
void notify_status(const char *status);

#endif
