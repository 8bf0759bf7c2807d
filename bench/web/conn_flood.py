#!/usr/bin/env python3
"""One hostile address against shoal-web's connection cap and deadlines.

    conn_flood.py PORT COOKIE [CONNECTIONS] [SECONDS]

Opens CONNECTIONS (default 10000) connections from one loopback address
(127.9.0.1), each sending the start of a request header and then a byte
every few seconds (a trickle), and meanwhile times GET /api/v1/status
from 127.0.0.1 with a session every 50 ms for SECONDS (default 20).
Prints how many of the flood's connections the server closed at once
(the per-address cap), how many it cut off later (the header deadline),
and the legitimate client's latency: median, p99, max (ms), failures.
Loopback only.
"""
import http.client
import resource
import selectors
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
COOKIE = sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
SECONDS = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, N + 1024), hard))


def flood(stop, counts):
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(N):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind(("127.9.0.1", 0))
            s.connect_ex(("127.0.0.1", PORT))
        except OSError:
            s.close()
            counts["refused"] += 1
            continue
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ)
    started = time.monotonic()
    sent_head = set()
    while not stop.is_set():
        for key, ev in sel.select(timeout=0.5):
            s = key.fileobj
            if ev & selectors.EVENT_READ:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    counts["early" if time.monotonic() - started < 2
                           else "cut"] += 1
                    sel.unregister(s)
                    s.close()
                    continue
            if ev & selectors.EVENT_WRITE and s not in sent_head:
                try:
                    s.send(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n")
                except OSError:
                    pass
                sent_head.add(s)
                sel.modify(s, selectors.EVENT_READ)
        # the trickle: one byte per connection every ~3 s
        if int(time.monotonic() - started) % 3 == 0:
            for key in list(sel.get_map().values()):
                try:
                    key.fileobj.send(b"X")
                except OSError:
                    pass
    for key in list(sel.get_map().values()):
        key.fileobj.close()


def get_status():
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    c.request("GET", "/api/v1/status", headers={"Cookie": COOKIE})
    r = c.getresponse()
    r.read()
    c.close()
    return (time.monotonic() - t0) * 1000, r.status


stop = threading.Event()
counts = {"refused": 0, "early": 0, "cut": 0}
t = threading.Thread(target=flood, args=(stop, counts))
t.start()
time.sleep(1)
lat, bad = [], 0
end = time.monotonic() + SECONDS
while time.monotonic() < end:
    try:
        ms, st = get_status()
        lat.append(ms)
        bad += st != 200
    except OSError:
        bad += 1
    time.sleep(0.05)
stop.set()
t.join()
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else -1
print("flood of %d connections from one address: %d closed at once, "
      "%d cut off later, %d not connected" % (N, counts["early"],
                                               counts["cut"], counts["refused"]))
print("GET /api/v1/status meanwhile: %d requests, median %.1f ms, p99 %.1f ms,"
      " max %.1f ms, %d failed" % (len(lat), p(0.5), p(0.99),
                                  lat[-1] if lat else -1, bad))
