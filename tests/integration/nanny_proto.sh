#!/bin/bash
# nanny_proto.sh - the protocol checks against REAL servers from Debian in
# network namespaces: dnsmasq (DNS over UDP and TCP), exim4 (SMTP with
# STARTTLS), dovecot (POP3, IMAP with STARTTLS), vsftpd (FTP with AUTH
# TLS), slapd (LDAP with StartTLS); a small responder for NNTP (no news
# server Debian ships runs without a whole news spool) and a UDP echo
# (nanny_responder).  Each check sees success, a real failure (the server
# stopped: refused or ICMP port unreachable; a server that never greets)
# and the recovery.  The checks run through check_probe (nanny's check
# engine); the UDP service also through nanny itself from lvs.cf.
# Certificates are verified against a CA made here.
set -u

: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"
probe=$top_builddir/tests/integration/check_probe
responder=$top_builddir/tests/integration/nanny_responder
nanny=$top_builddir/nanny
shoalctl=$top_builddir/shoalctl
for b in "$probe" "$responder" "$nanny" "$shoalctl"; do
	[ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }
done
for d in dnsmasq exim4 dovecot vsftpd slapd openssl; do
	command -v "$d" >/dev/null 2>&1 ||
	    [ -x "/usr/sbin/$d" ] || { echo "SKIP: $d not installed (scripts/deps.sh)"; exit 77; }
done
export PATH=$PATH:/usr/sbin

NS_PREFIX=np$$
. "$top_srcdir/tests/integration/lib/netns.sh"
ns_require
SRV=10.241.0.2
CK=10.241.0.1
D=$NS_TMP
failures=0
declare -A spid=()

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

ns_switch
ns_host ck "$CK/24"
ns_host srv "$SRV/24"

# A certificate for the server, its own CA for verification.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=mx.shoal.test \
    -addext "subjectAltName=DNS:mx.shoal.test,IP:$SRV" \
    -keyout "$D/k.pem" -out "$D/c.pem" >/dev/null 2>&1 ||
    { echo "FAIL: openssl req"; exit 1; }
chmod 755 "$D"
chmod 644 "$D/k.pem" "$D/c.pem"
mkdir -p "$D/spool" "$D/dovecot" "$D/empty"
chmod 777 "$D/spool"

cat >"$D/exim.conf" <<EOC
primary_hostname = mx.shoal.test
daemon_smtp_ports = 2525
local_interfaces = $SRV
spool_directory = $D/spool
log_file_path = $D/spool/exim-%s.log
pid_file_path = $D/spool/exim.pid
tls_advertise_hosts = *
tls_certificate = $D/c.pem
tls_privatekey = $D/k.pem
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_rcpt:
  deny
EOC
cat >"$D/dovecot.conf" <<EOC
protocols = pop3 imap
listen = $SRV
base_dir = $D/dovecot
state_dir = $D/dovecot
log_path = $D/dovecot.log
ssl = yes
ssl_cert = <$D/c.pem
ssl_key = <$D/k.pem
passdb {
  driver = static
  args = nopassword
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}
service imap-login {
  inet_listener imap {
    port = 1143
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 1110
  }
  inet_listener pop3s {
    port = 0
  }
}
EOC
cat >"$D/vsftpd.conf" <<EOC
listen=YES
listen_ipv6=NO
listen_address=$SRV
listen_port=2121
background=NO
anonymous_enable=YES
anon_root=$D/empty
no_anon_password=YES
local_enable=NO
secure_chroot_dir=$D/empty
nopriv_user=nobody
ssl_enable=YES
allow_anon_ssl=YES
force_local_logins_ssl=NO
rsa_cert_file=$D/c.pem
rsa_private_key_file=$D/k.pem
xferlog_enable=NO
vsftpd_log_file=$D/vsftpd.log
EOC
cat >"$D/slapd.conf" <<EOC
pidfile $D/slapd.pid
argsfile $D/slapd.args
TLSCertificateFile $D/c.pem
TLSCertificateKeyFile $D/k.pem
EOC

# server NAME: (re)starts one of the real servers in srv.
server() {
	local name=$1
	case $name in
	dnsmasq)
		ns_spawn srv "$D/dnsmasq.out" dnsmasq --keep-in-foreground \
		    --no-resolv --no-hosts --conf-file=/dev/null \
		    --listen-address=$SRV --bind-interfaces --port=53 \
		    --host-record=www.shoal.test,10.9.9.9 \
		    --auth-server=ns1.shoal.test,$SRV --auth-zone=shoal.test \
		    --user=root \
		    --group=root --pid-file= --log-facility=-
		;;
	exim)
		ns_spawn srv "$D/exim.out" exim4 -bdf -C "$D/exim.conf" ;;
	dovecot)
		ns_spawn srv "$D/dovecot.out" dovecot -F -c "$D/dovecot.conf" ;;
	vsftpd)
		ns_spawn srv "$D/vsftpd.out" vsftpd "$D/vsftpd.conf" ;;
	slapd)
		ns_spawn srv "$D/slapd.out" slapd -d 0 \
		    -h "ldap://$SRV:3389/" -f "$D/slapd.conf" ;;
	nntp)
		ns_spawn srv "$D/nntp.out" "$responder" script \
		    '200 news.shoal.test ready\r\n|111 20261203120000\r\n|205 bye\r\n' \
		    "$SRV" 1119 ;;
	mute-smtp)
		ns_spawn srv "$D/mute.out" "$responder" hang - "$SRV" 2525 ;;
	echo)
		ns_spawn srv "$D/echo.out" "$responder" udp-echo - "$SRV" 7007 ;;
	esac
	spid[$name]=$NS_LAST_PID
}

# stop_server NAME: ends it (and a daemon's children: its group in srv).
stop_server() {
	local p=${spid[$1]} c
	kill -TERM "$p" 2>/dev/null
	for c in $(ip netns pids "$(ns_name srv)"); do
		[ "$(ps -o ppid= -p "$c" 2>/dev/null | tr -d ' ')" = "$p" ] &&
		    kill -TERM "$c" 2>/dev/null
	done
	wait "$p" 2>/dev/null
	unset "spid[$1]"
}

# probe NAME TYPE PORT KEY=VALUE...: a check running every 0.5 s in ck.
probe() {
	local name=$1
	shift
	ns_spawn ck "$D/p-$name.out" "$probe" "$1" "$SRV" "$2" timeout=1500 \
	    interval=500 "${@:3}"
}

# seen NAME COUNT REGEX: COUNT lines of probe NAME match.
seen() {
	local n
	n=$(grep -Ec -- "$3" "$D/p-$1.out" 2>/dev/null)
	[ "${n:-0}" -ge "$2" ]
}

# expect NAME COUNT REGEX WHAT: waits (20 s at most) for it.
expect() {
	ns_wait_for 20 seen "$1" "$2" "$3" || {
		fail "$4: no line matching '$3' (last lines:"
		tail -5 "$D/p-$1.out" | sed 's/^/    /'
		echo "  )"
	}
}

# cycle NAME SERVER UP_RE DOWN_RE [OTHER [OTHER_DOWN_RE]]: up, the server
# stops: down (and OTHER, a second probe of the same server, sees it down
# too before it comes back: on a busy machine its probe may otherwise not run in
# between), back: up.
cycle() {
	local name=$1 srv=$2
	expect "$name" 1 "$3" "$name up"
	stop_server "$srv"
	expect "$name" 1 "$4" "$name down when $srv stops"
	[ -z "${5:-}" ] ||
		expect "$5" 1 "${6:-$4}" "$5 down when $srv stops"
	server "$srv"
	expect "$name" 2 "$3" "$name recovers"
}

for s in dnsmasq exim dovecot vsftpd slapd nntp echo; do
	server "$s"
done

CA="ca=$D/c.pem"
probe dns dns 53 udp=1 dnsname=www.shoal.test dnstype=A answer=10.9.9.9
probe dnstcp dns 53 udp=0 dnsname=www.shoal.test dnstype=A answer=10.9.9.9
probe dnsno dns 53 udp=1 dnsname=gone.shoal.test dnstype=A
probe dnssoa dns 53 udp=1 dnsname=shoal.test answer=ns1.shoal.test
probe smtp smtp 2525
probe smtps smtp 2525 starttls=1 verify=1 "$CA" tlsname=mx.shoal.test
probe smtpbad smtp 2525 starttls=1 verify=1
probe pop3 pop3 1110 starttls=1 verify=1 "$CA"
probe imap imap 1143 starttls=1 verify=1 "$CA"
probe imapplain imap 1143
probe ftp ftp 2121 starttls=1 verify=1 "$CA"
probe ldap ldap 3389 starttls=1 verify=1 "$CA"
probe ldapplain ldap 3389
probe nntp nntp 1119
probe udp udp 7007 udp=1 'send=ping\r\n' expect=ping

# ---- what the real servers say ----
expect dnsno 1 '^failure dns: rcode NXDOMAIN$' "dns: an absent name is NXDOMAIN"
expect dnssoa 1 '^success dns: rcode NOERROR, 1 answer, ns1.shoal.test$' \
    "dns: the zone's SOA (the default type)"
expect smtpbad 1 '^failure tls handshake: certificate not trusted: self-signed certificate$' \
    "smtp: certificate verification without the CA"
expect imapplain 1 '^success imap: \* OK ' "imap without TLS"
expect ldapplain 1 '^success ldap: anonymous bind accepted$' "ldap without TLS"

# ---- each sees its server stop and come back ----
cycle dns dnsmasq '^success dns: rcode NOERROR, 1 answer, 10.9.9.9$' \
    '^failure ICMP port unreachable$' \
    dnstcp '^failure connect: Connection refused$'
expect dnstcp 2 '^success dns: rcode NOERROR' "dns over tcp recovers"
cycle smtps exim '^success smtp with STARTTLS: 220 mx.shoal.test ESMTP Exim' \
    '^failure connect: Connection refused$'
expect smtp 2 '^success smtp: 220 mx.shoal.test ESMTP Exim' "smtp recovers"
cycle pop3 dovecot '^success pop3 with STARTTLS: \+OK Dovecot' \
    '^failure connect: Connection refused$' imap
expect imap 2 '^success imap with STARTTLS: \* OK ' "imap recovers"
cycle ftp vsftpd '^success ftp with STARTTLS: 220 \(vsFTPd' \
    '^failure connect: Connection refused$'
cycle ldap slapd '^success ldap with StartTLS: anonymous bind accepted$' \
    '^failure connect: Connection refused$'
cycle nntp nntp '^success nntp: 200 news.shoal.test ready$' \
    '^failure connect: Connection refused$'
cycle udp echo '^success expected reply$' '^failure ICMP port unreachable$'

# ---- a mail server that never greets ----
stop_server exim
server mute-smtp
expect smtp 1 '^timeout timeout in greeting$' "smtp: a server that never greets"
stop_server mute-smtp
server exim
expect smtp 3 '^success smtp: ' "smtp recovers after the mute server"

# ---- nanny itself on a UDP service (lvs.cf: protocol udp, send/expect) ----
cat >"$D/lvs.cf" <<EOC
primary = 10.200.0.1
service = lvs
virtual echo {
    address = 10.200.1.1
    active = 1
    port = 7007
    protocol = udp
    send = "ping\\r\\n"
    expect = "ping"
    check_interval = 0.2
    check_timeout = 1
    rise = 2
    server e1 {
        address = $SRV
        active = 1
    }
}
EOC
"$shoalctl" --db "$D/db" config import "$D/lvs.cf" >"$D/import.out" 2>&1 ||
    fail "import: $(cat "$D/import.out")"
ns_spawn ck "$D/p-nanny.out" "$nanny" --db "$D/db" --virtual echo -n
expect nanny 1 "^report echo e1 $SRV:7007 up 1 [0-9]+ expected reply$" "nanny: udp up"
stop_server echo
expect nanny 1 "^report echo e1 $SRV:7007 down 0 [0-9]+ ICMP port unreachable$" \
    "nanny: udp down with ICMP port unreachable"
server echo
expect nanny 2 "^report echo e1 $SRV:7007 up 1 " "nanny: udp recovers"

if [ "$failures" -gt 0 ]; then
	echo "nanny_proto: $failures failure(s)"
	exit 1
fi
echo "nanny_proto: all passed"
exit 0
