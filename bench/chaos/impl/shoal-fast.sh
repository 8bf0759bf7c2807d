#!/bin/bash
# impl/shoal-fast.sh - shoal at keepalived's rate in the soak: keepalive
# 0.1 s, dead time 0.3 s (three heartbeats, as VRRP's master down time).
PULSE_KEEPALIVE=${PULSE_KEEPALIVE:-0.1} PULSE_DEADTIME=${PULSE_DEADTIME:-0.3} \
	exec "$(dirname "$0")/shoal.sh" "$@"
