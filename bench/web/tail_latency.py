#!/usr/bin/env python3
"""Log tail latency of shoal-web: append a line to the log file, time until
the Server-Sent Event carrying it arrives.  Loopback only."""
import socket
import sys
import time

port, cookie, logpath, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(("GET /api/v1/logs/stream?lines=0 HTTP/1.1\r\nHost: x\r\nCookie: %s\r\n\r\n" % cookie).encode())
s.settimeout(5)
buf = b""
while b"retry:" not in buf:
    buf += s.recv(65536)
buf = b""
lat = []
with open(logpath, "a", buffering=1) as log:
    for i in range(count):
        marker = ("bench line %d" % i).encode()
        t0 = time.monotonic()
        log.write("bench line %d\n" % i)
        while marker + b"\n" not in buf:
            buf += s.recv(65536)
        lat.append((time.monotonic() - t0) * 1000)
        buf = buf[buf.index(marker):]
        time.sleep(0.002)
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print("log tail: %d lines, latency p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 < 250 ms)"
      % (len(lat), p(0.50), p(0.99), lat[-1]))
