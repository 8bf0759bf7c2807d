/*
 * notify.h - telling the service manager how a daemon is doing: systemd's
 * notification protocol (sd_notify(3)), one datagram to $NOTIFY_SOCKET.
 * Spoken directly rather than through libsystemd, which would load
 * several compression and crypto libraries into pulse for one sendto().
 * Without $NOTIFY_SOCKET (not started by systemd) every call does nothing.
 */
#ifndef SHOAL_NOTIFY_H
#define SHOAL_NOTIFY_H

/*
 * Sends one state string ("READY=1", "STATUS=...").  0 when sent or when
 * there is no service manager to tell, -1 (errno) when sending failed.
 */
int notify_send(const char *state);

/* Start-up finished: the control socket answers. */
void notify_ready(void);
/* Configuration being re-read. */
void notify_reloading(void);
void notify_stopping(void);
/* A one-line status ("active", "backup: peer n1 active"). */
void notify_status(const char *status);

#endif
