#!/usr/bin/env python3
"""GET /api/v1/status latency of shoal-web while clients flood the login.

    login_flood.py PORT COOKIE [SECONDS] [CLIENTS]

First GET /api/v1/status is timed alone (idle), then again while CLIENTS
threads (default 8) post wrong passwords to POST /api/v1/login as fast as
they are answered.  Each flooding client spreads its attempts over its own
loopback source addresses (127.1.C.x, at most 4 tries per address), like
a flood from many addresses.  The per-address bound does not hold them,
but the per-user and global bounds of the login throttle (doc/api.md)
answer most with 429 before any hash: the figures are the loop's latency
under such a flood.  Every request is a new connection.  Loopback only.

Prints one line per phase: GETs, median, p99, max (ms); logins answered
by status code.
"""
import http.client
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
COOKIE = sys.argv[2]
SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
CLIENTS = int(sys.argv[4]) if len(sys.argv) > 4 else 8
BODY = b'{"user":"admin","password":"not-the-password"}'


class SourceConnection(http.client.HTTPConnection):
    """An HTTP connection from a chosen loopback source address."""

    def __init__(self, src):
        super().__init__("127.0.0.1", PORT, timeout=30,
                         source_address=(src, 0))


def get_status():
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    c.request("GET", "/api/v1/status", headers={"Cookie": COOKIE})
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 200:
        raise SystemExit("GET /api/v1/status: %d" % r.status)
    return (time.monotonic() - t0) * 1000


def measure(seconds):
    lat = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        lat.append(get_status())
        time.sleep(0.02)
    lat.sort()
    return lat


def flood(n, stop, counts, lock):
    tries = 0
    while not stop.is_set():
        src = "127.1.%d.%d" % (n + 1, 1 + (tries // 4) % 250)
        tries += 1
        try:
            c = SourceConnection(src)
            c.request("POST", "/api/v1/login", body=BODY,
                      headers={"Content-Type": "application/json"})
            status = c.getresponse().status
            c.close()
        except (OSError, http.client.HTTPException):
            status = "error"
        with lock:
            counts[status] = counts.get(status, 0) + 1


def line(name, lat):
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    return ("%s: %d GETs, median %.1f ms, p99 %.1f ms, max %.1f ms"
            % (name, len(lat), p(0.5), p(0.99), lat[-1]))


def main():
    print(line("status idle", measure(min(SECONDS, 5))))
    stop = threading.Event()
    lock = threading.Lock()
    counts = {}
    threads = [threading.Thread(target=flood, args=(i, stop, counts, lock))
               for i in range(CLIENTS)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(1)           # let the flood build up
    lat = measure(SECONDS)
    stop.set()
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    print(line("status during a %d-client login flood" % CLIENTS, lat))
    print("logins answered in %.1f s: %s" % (took, ", ".join(
        "%s: %d" % (k, v) for k, v in sorted(counts.items(),
                                             key=lambda kv: str(kv[0])))))


if __name__ == "__main__":
    main()
