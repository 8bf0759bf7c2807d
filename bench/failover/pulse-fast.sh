#!/bin/bash
# pulse-fast.sh - pulse at keepalived-fast's heartbeat rate (0.1 s), with
# a dead time of three heartbeats like VRRP's.
PULSE_KEEPALIVE=${PULSE_KEEPALIVE:-0.1} PULSE_DEADTIME=${PULSE_DEADTIME:-0.3} \
	exec "$(dirname "$0")/pulse.sh" "$@"
