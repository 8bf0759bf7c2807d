#!/bin/bash
# pulse-0.05.sh - pulse at keepalive 0.05 s, dead time 0.2 s (four
# heartbeats): the fastest timing tried for shoal's defaults (RESULTS.md).
PULSE_KEEPALIVE=${PULSE_KEEPALIVE:-0.05} PULSE_DEADTIME=${PULSE_DEADTIME:-0.2} \
	exec "$(dirname "$0")/pulse.sh" "$@"
