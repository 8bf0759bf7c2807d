#!/usr/bin/python3
"""hbtool.py - capture, edit and send pulse heartbeats (doc/protocol.md)
for the integration tests.

    hbtool.py capture IFACE SRC          one UDP/539 payload from SRC seen
                                         on IFACE, as hex (5 s at most)
    hbtool.py edit HEX [state=N] [flags=N] [prio=N] [seq=N|max|+N]
                                         the packet with fields changed
    hbtool.py send SRC DST HEX           a raw IPv4/UDP datagram from SRC
                                         (spoofed: no address is added
                                         anywhere) to DST:539
"""
import socket
import sys
import time


def capture(iface, src):
    # ETH_P_ALL: frames leaving a bridge port reach only ETH_P_ALL taps
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((iface, 0))
    s.settimeout(0.2)
    end = time.time() + 5
    while time.time() < end:
        try:
            f = s.recv(2048)
        except socket.timeout:
            continue
        ip = f[14:]
        if f[12:14] != b'\x08\x00' or ip[9] != 17 or \
                socket.inet_ntoa(ip[12:16]) != src:
            continue
        udp = ip[(ip[0] & 15) * 4:]
        if int.from_bytes(udp[2:4], 'big') != 539:
            continue
        print(udp[8:].hex())
        return 0
    return 1


def edit(hexpkt, changes):
    p = bytearray(bytes.fromhex(hexpkt))
    for c in changes:
        k, v = c.split("=", 1)
        if k == "seq":
            cur = int.from_bytes(p[32:40], 'big')
            n = (1 << 64) - 1 if v == "max" else \
                cur + int(v[1:]) if v.startswith("+") else int(v)
            p[32:40] = n.to_bytes(8, 'big')
        else:
            p[{"state": 5, "flags": 6, "prio": 7}[k]] = int(v, 0)
    print(p.hex())
    return 0


def send(src, dst, hexpkt):
    payload = bytes.fromhex(hexpkt)
    udp = (40000).to_bytes(2, 'big') + (539).to_bytes(2, 'big') + \
        (8 + len(payload)).to_bytes(2, 'big') + b'\0\0' + payload
    ip = bytes([0x45, 0]) + (20 + len(udp)).to_bytes(2, 'big') + \
        b'\0\0\0\0' + bytes([64, 17]) + b'\0\0' + socket.inet_aton(src) + \
        socket.inet_aton(dst)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip + udp, (dst, 0))
    return 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if a and a[0] == "capture" and len(a) == 3:
        sys.exit(capture(a[1], a[2]))
    if a and a[0] == "edit" and len(a) >= 2:
        sys.exit(edit(a[1], a[2:]))
    if a and a[0] == "send" and len(a) == 4:
        sys.exit(send(a[1], a[2], a[3]))
    sys.stderr.write(__doc__)
    sys.exit(2)
