#!/bin/bash
# lb_nft_sticky.sh - persistence and Maglev hashing on the nftables
# backend, with direct routing and with NAT, on a real kernel in network
# namespaces, driven through tests/lbctl (lb.h):
#
#   br0 10.241.0.0/24: client .2 (and .3, .130, .20-.79), router .1,
#   real servers .11 .12 .13 (direct-routing VIPs on lo)
#   VIPs on the router: .100 DR persistent, .101 NAT persistent,
#                       .102 DR mh, .103 NAT mh (NAT masquerades)
#
# Persistence (rr, persistent 10 s, mask /25): a client sticks to its
# server, so does its /25 neighbour, a client of the other /25 does not;
# the client stays on its server when that server is quiesced, and moves
# once its entry expired (10 s idle).  mh: 60 clients; when one of three
# servers leaves only its clients move (at most 10 % of the others, as
# Maglev allows); when it comes back every client is where it was.  SKIP
# (77) without root, netns, nft or python3.
set -u
[ -n "${LB_DEBUG:-}" ] && set -x
NS_PREFIX=nk$$
. "${top_srcdir:-.}/tests/integration/lib/netns.sh"
. "${top_srcdir:-.}/tests/integration/lib/lbctl.sh"

fail() { echo "FAIL: $*"; sed 's/^/lbctl: /' "$NS_TMP/lb.err" 2>/dev/null |
	tail -n 20; [ -n "${LB_DEBUG_DUMP:-}" ] && ns_exec r nft list ruleset;
	exit 1; }

ns_require
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
LBCTL=${top_builddir:-.}/tests/lbctl
[ -x "$LBCTL" ] || fail "no $LBCTL (build first)"
"$LBCTL" probe | grep -q '^nftables: available' ||
	{ echo "SKIP: built without nftables"; exit 77; }

NET=10.241.0
ns_switch || fail "switch"
ns_host c $NET.2/24 || fail "client"
ns_host r $NET.1/24 || fail "router"
ns_exec r nft add table netdev probe 2>/dev/null &&
	ns_exec r nft delete table netdev probe ||
	{ echo "SKIP: nft (netdev) unavailable in a namespace"; exit 77; }
MH_CLIENTS=()
for a in 3 130 $(seq 20 79); do
	ns_exec c ip addr add $NET.$a/24 dev eth0
	[ "$a" -ge 20 ] && [ "$a" -le 79 ] && MH_CLIENTS+=($NET.$a)
done
for v in 100 101 102 103; do ns_exec r ip addr add $NET.$v/32 dev eth0; done
ns_exec r sysctl -qw net.ipv4.ip_forward=1
for n in 1 2 3; do
	ns_host rs$n $NET.1$n/24 || fail "rs$n"
	ns_exec rs$n ip addr add $NET.100/32 dev lo
	ns_exec rs$n ip addr add $NET.102/32 dev lo
	for k in all eth0; do
		ns_exec rs$n sysctl -qw net.ipv4.conf.$k.arp_ignore=1 \
			net.ipv4.conf.$k.arp_announce=2
	done
done
lb_scripts
for n in 1 2 3; do rs_http rs$n rs$n; done

cat >"$NS_TMP/state" <<EOF
global masquerade 1
service drp tcp $NET.100 80 sched rr fwd direct persistent 10 pmask 25
service natp tcp $NET.101 80 sched rr fwd nat persistent 10 pmask 25
service drmh tcp $NET.102 80 sched mh fwd direct
service natmh tcp $NET.103 80 sched mh fwd nat
EOF
for s in drp natp drmh natmh; do
	for n in 1 2 3; do echo "server $s $NET.1$n 80 1"; done
done >>"$NS_TMP/state"
lbs_start r
lbs apply "$NS_TMP/state" || fail "apply"
lbs_settle 30 || fail "MACs: $(cat "$NS_TMP/faults")"
[ -s "$NS_TMP/faults" ] && fail "faults: $(cat "$NS_TMP/faults")"

# who VIP SRC...: "SRC server" per source, one new connection each
who() {
	local vip=$1
	shift
	ns_exec c python3 "$NS_TMP/client.py" who "$vip" 80 "$@"
}
who1() { who "$1" "$2" | awk '{print $2}'; }

persistence() {	# persistence VIP TABLE CHAIN-PREFIX LABEL
	local vip=$1 table=$2 pre=$3 label=$4 x y n
	echo "$label: a client and its /25 stick to one server"
	# one process, so that the client is never idle for long here
	who $vip $NET.2 $NET.3 $NET.130 $(for n in $(seq 10); do
		echo $NET.2; done) >"$NS_TMP/who"
	x=$(sed -n 1p "$NS_TMP/who" | awk '{print $2}')
	y=$(sed -n 3p "$NS_TMP/who" | awk '{print $2}')
	case $x in rs[123]) ;; *) fail "$label: first answer '$x'" ;; esac
	[ "$(sed -n 2p "$NS_TMP/who")" = "$NET.3 $x" ] ||
		fail "$label: $NET.3 not on $x: $(sed -n 2p "$NS_TMP/who")"
	[ "$y" != "$x" ] || fail "$label: $NET.130 (other /25) also on $x"
	[ "$(sed 1,3d "$NS_TMP/who" | grep -vc " $x$")" = 0 ] ||
		fail "$label: moved off $x: $(tr '\n' ' ' <"$NS_TMP/who")"
	echo "  $NET.2 and $NET.3 on $x, $NET.130 on $y"
	echo "$label: quiesced, the client still sticks to $x"
	lbs weight "$label" $NET.1${x#rs} 80 0 || fail "quiesce $x"
	[ "$(who1 $vip $NET.2)" = "$x" ] || fail "$label: left quiesced $x"
	echo "$label: idle for the timeout, the client moves"
	ns_wait_for 30 bash -c "! ip netns exec $(ns_name r) nft list set \
		$table shoal ${pre}_p_$NET.1${x#rs}_80 | grep -q '$NET.0'" ||
		fail "$label: entry of $NET.0/25 never expired"
	echo "  entry expired after ${NS_WAITED_MS} ms of waiting"
	n=$(who1 $vip $NET.2)
	[ "$n" != "$x" ] || fail "$label: still on quiesced $x after expiry"
	case $n in rs[123]) ;; *) fail "$label: answer '$n'" ;; esac
	echo "  now on $n"
	lbs weight "$label" $NET.1${x#rs} 80 1 || fail "restore $x"
}
persistence $NET.100 netdev vs_tcp_${NET}.100_80 drp
persistence $NET.101 inet vs_tcp_${NET}.101_80 natp

mh() {	# mh VIP LABEL
	local vip=$1 label=$2 c s moved=0 others=0 gone=0 back=0
	declare -A before after
	echo "$label: 60 clients, then rs3 leaves"
	while read -r c s; do before[$c]=$s; done < <(who $vip "${MH_CLIENTS[@]}")
	echo "  before: $(printf '%s\n' "${before[@]}" | sort | uniq -c |
		tr '\n' ' ')"
	for s in rs1 rs2 rs3; do
		printf '%s\n' "${before[@]}" | grep -qx $s ||
			fail "$label: $s got no client"
	done
	lbs remove "$label" $NET.13 80 || fail "$label: remove rs3"
	while read -r c s; do after[$c]=$s; done < <(who $vip "${MH_CLIENTS[@]}")
	for c in "${MH_CLIENTS[@]}"; do
		case ${after[$c]} in rs1|rs2) ;; *)
			fail "$label: $c answered by '${after[$c]}'" ;; esac
		if [ "${before[$c]}" = rs3 ]; then
			gone=$((gone + 1))
		else
			others=$((others + 1))
			[ "${after[$c]}" = "${before[$c]}" ] ||
				moved=$((moved + 1))
		fi
	done
	echo "  rs3's $gone clients moved; $moved of the $others others moved"
	[ $((moved * 10)) -le "$others" ] ||
		fail "$label: $moved of $others clients of rs1/rs2 moved"
	echo "$label: rs3 comes back, every client returns where it was"
	lbs server "$label" $NET.13 80 1 || fail "$label: add rs3"
	lbs_settle 30 || fail "MACs"
	while read -r c s; do
		[ "$s" = "${before[$c]}" ] || back=$((back + 1))
	done < <(who $vip "${MH_CLIENTS[@]}")
	[ "$back" = 0 ] || fail "$label: $back clients not back on their server"
}
mh $NET.102 drmh
mh $NET.103 natmh

lbs clear || fail "clear"
lbs_stop || fail "lbctl exited with an error"
echo "PASS"
exit 0
