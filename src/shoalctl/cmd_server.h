/*
 * cmd_server.h - `shoalctl server` and the service part of
 * `shoalctl status` (cmd_server.c).
 */
#ifndef SHOAL_CMD_SERVER_H
#define SHOAL_CMD_SERVER_H

#include <jansson.h>

/* Prints the virtual and fail-over services of a pulse status object. */
void cmd_server_print_status(const json_t *status);

#endif
