#!/bin/bash
# pulse.sh - the shoal pulse plugin for ../shared/bench/failover (see its
# README, "Adding an implementation").  With nothing set it runs shoal's
# defaults (keepalive 0.2 s, deadtime 0.8 s); PULSE_KEEPALIVE and
# PULSE_DEADTIME (seconds) override them (pulse-fast.sh does).
#
# The config is a Piranha-style two-node lvs.cf: the node with
# FO_ROLE=primary is `primary`, its peer `backup`.  Binaries come from
# PULSE_BUILD (a configured and built shoal tree).
set -eu
: "${FO_STATE:?}"
BUILD=${PULSE_BUILD:-/tmp/build-pulse}
PULSE=$BUILD/src/pulse/pulse
SHOALCTL=$BUILD/shoalctl
PG=$FO_STATE/pgid

live_pids() {
	local p
	[ -f "$PG" ] || return 0
	for p in $(pgrep -g "$(cat "$PG")"); do
		[ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] ||
			echo "$p"
	done
}
alive() { [ -n "$(live_pids)" ]; }

mask() {	# prefix length -> dotted IPv4 mask
	local p=$1 m=0 i
	for ((i = 0; i < 32; i++)); do
		m=$(((m << 1) | (i < p ? 1 : 0)))
	done
	echo "$((m >> 24 & 255)).$((m >> 16 & 255)).$((m >> 8 & 255)).$((m & 255))"
}

write_config() {
	local peer=${FO_PEERS%% *} primary backup timing=
	if [ "$FO_ROLE" = primary ]; then
		primary=$FO_IP backup=$peer
	else
		primary=$peer backup=$FO_IP
	fi
	[ -n "${PULSE_KEEPALIVE:-}" ] && timing="keepalive = $PULSE_KEEPALIVE"
	[ -n "${PULSE_DEADTIME:-}" ] &&
		timing="$timing
deadtime = $PULSE_DEADTIME"
	cat >"$FO_STATE/lvs.cf" <<CF
service = lvs
primary = $primary
backup = $backup
backup_active = 1
network = direct
monitor_links = 1
heartbeat_key = "failover bench shared key"
$timing
virtual bench {
    address = $FO_VIP $FO_DEV:1
    vip_nmask = $(mask "$FO_PREFIX")
    active = 1
    port = 80
    server backend {
        address = $FO_IP
        active = 1
    }
}
CF
}

case "$1" in
start)
	[ -x "$PULSE" ] && [ -x "$SHOALCTL" ] || {
		echo "pulse.sh: build shoal first (PULSE_BUILD=$BUILD)" >&2
		exit 1; }
	write_config
	rm -f "$FO_STATE/shoal.db"
	"$SHOALCTL" --db "$FO_STATE/shoal.db" config import \
		"$FO_STATE/lvs.cf" >>"$FO_STATE/daemon.log" 2>&1
	setsid ip netns exec "$FO_NS" "$PULSE" -n --db "$FO_STATE/shoal.db" \
		--rundir "$FO_STATE" >>"$FO_STATE/daemon.log" 2>&1 </dev/null &
	echo $! >"$PG"
	;;
stop)	# SIGTERM to the supervisor: LEAVING heartbeat, VIPs released
	kill -TERM "$(cat "$PG")" 2>/dev/null || exit 0
	for _ in $(seq 200); do alive || exit 0; sleep 0.05; done
	echo "pulse in $FO_NS did not stop within 10 s" >&2
	exit 1
	;;
kill)	# supervisor and worker at once: no cleanup code runs
	kill -KILL -- "-$(cat "$PG")" 2>/dev/null || true
	for _ in $(seq 100); do alive || exit 0; sleep 0.02; done
	exit 1
	;;
pids)
	live_pids
	;;
*)
	echo "usage: $0 start|stop|kill|pids (environment: see README.md)" >&2
	exit 2
	;;
esac
