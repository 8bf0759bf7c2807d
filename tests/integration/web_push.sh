#!/bin/bash
# web_push.sh - a push from shoal-web (POST /api/v1/push) to two real
# OpenSSH sshd peers on loopback: it runs on shoal-web's event loop, its
# per-node progress shows up in GET /api/v1/push/{id} while it runs (a
# peer that takes 5 s per remote command holds it in "verifying" and
# "committing"), the server answers other requests meanwhile, both peers
# end on the local generation, and shoal-web then exits cleanly.
set -u
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/sync_lib.sh"
sync_init
command -v curl >/dev/null || sync_skip "no curl"
command -v python3 >/dev/null || sync_skip "no python3"
SHOAL_WEB=${top_builddir:-$PWD}/shoal-web
[ -x "$SHOAL_WEB" ] || sync_skip "no $SHOAL_WEB (build first)"
getent passwd nobody >/dev/null || sync_skip "no user nobody"
sync_cluster 2 || { echo "FAIL: cluster setup"; exit 1; }
sync_trust_all 1 2
echo slow > "$(sync_peer_dir 1)/mode"

# shoal-web runs as nobody: its own directory, the key and the database
web=$SYNC_DIR/web
mkdir -p "$web/run"
mv "$LOCAL_DB" "$web/local.db"
LOCAL_DB=$web/local.db
echo web-password-1 | "$SHOALCTL" --db "$LOCAL_DB" passwd admin \
	--password-stdin >/dev/null
cp "$SYNC_DIR/id_ed25519" "$web/id_ed25519"
chown -R nobody "$web"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
"$SHOAL_WEB" --db "$LOCAL_DB" --listen "127.0.0.1:$port" --rundir "$web/run" \
	--known-hosts "$SYNC_DIR/known_hosts" --ssh-key "$web/id_ed25519" \
	--www "${top_srcdir:-.}/www" --user nobody -n 2> "$web/err" &
web_pid=$!
SYNC_PIDS+=("$web_pid")
for i in $(seq 100); do curl -s -o /dev/null "$url/" && break; sleep 0.1; done

head=$(curl -s -D - -o "$web/login" -H 'Content-Type: application/json' \
	-d '{"user":"admin","password":"web-password-1"}' "$url/api/v1/login")
cookie=$(sed -n 's/^Set-Cookie: \(shoal_session=[0-9a-f]*\).*/\1/p' <<<"$head")
csrf=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["csrf"])' "$web/login")
check "logged in" [ -n "$cookie" ]

local_gen=$(sync_local_gen)
out=$(curl -s -b "$cookie" -H "X-CSRF-Token: $csrf" \
	-H 'Content-Type: application/json' -d '{}' "$url/api/v1/push")
echo "$out"
id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["id"])' "$out")
check "push started" [ -n "$id" ]

# Poll (every 50 ms, at most 60 s): the states p1 went through, and the
# slowest answer of another request while the push ran.
seen=" " slowest=0 final=
for n in $(seq 1200); do
	t0=$(date +%s%N)
	curl -s -o /dev/null -b "$cookie" "$url/api/v1/session"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$ms" -gt "$slowest" ] && slowest=$ms
	job=$(curl -s -b "$cookie" "$url/api/v1/push/$id")
	state=$(python3 -c 'import json, sys; j = json.loads(sys.argv[1]); print([n["state"] for n in j["nodes"] if n["name"] == "p1"][0], j["done"])' "$job")
	case "$seen" in *" ${state% *} "*) ;; *) seen="$seen${state% *} " ;; esac
	if [ "${state#* }" = True ]; then final=$job; break; fi
	sleep 0.05
done
echo "p1 went through:$seen"
echo "slowest GET /api/v1/session during the push: $slowest ms"
echo "$final"
check "the push ended" [ -n "$final" ]
check "progress seen: verifying" grep -q " verifying " <<<"$seen"
check "progress seen: committing" grep -q " committing " <<<"$seen"
check "the push succeeded" grep -q '"ok":true' <<<"$final"
check "other requests answered during the push (< 2 s)" [ "$slowest" -lt 2000 ]
for i in 1 2; do
	check "p$i committed" python3 -c 'import json, sys; j = json.loads(sys.argv[1]); sys.exit(0 if [n for n in j["nodes"] if n["name"] == "p'$i'" and n["state"] == "committed"] else 1)' "$final"
	check "p$i has the local generation" [ "$(sync_peer_gen $i)" = "$local_gen" ]
done

kill "$web_pid"
wait "$web_pid"; rc=$?
check "shoal-web exits 0" [ "$rc" = 0 ]
cat "$web/err"
sync_done
