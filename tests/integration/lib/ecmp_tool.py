#!/usr/bin/python3
"""ecmp_tool.py - traffic for the scale-out tests (tests/integration/ecmp*.sh)
and bench/ecmp.  Talks only to the addresses it is given (inside the test's
namespaces).  Every loop is bounded in count and time.

  serve NAME PORT...        a real server: each PORT answers every line it
                            reads with "NAME\\n" (HTTP-ish requests too: the
                            first line of "GET / ..." gets "NAME\\n" and the
                            connection is closed); runs until killed
  spread VIP PORT N SRC...  N short connections, one after the other, from
                            the SRC addresses in turn; prints one line per
                            connection: "SRC SPORT NAME" (NAME "-" = failed)
  hold VIP PORT N SECS DIR SRC...
                            N long-lived connections from the SRC addresses
                            in turn; each sends a line every 100 ms and
                            expects its server's name back within 2 s.
                            Writes DIR/ready when all are open; stops 4 s
                            after DIR/mark appears, at DIR/stop, or after
                            SECS; then prints one line per connection:
                            "SRC SPORT first-NAME ok|broken WHY"
  rate VIP PORT SECS SRC... connections per second for SECS (each: connect,
                            one line, answer, close); prints "N failed"
"""

import os
import selectors
import socket
import socketserver
import sys
import threading
import time


def serve(name, ports):
    reply = (name + "\n").encode()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            self.connection.settimeout(120)
            try:
                for _ in range(1000000):
                    line = self.rfile.readline(4096)
                    if not line:
                        return
                    self.wfile.write(reply)
                    self.wfile.flush()
                    if line.startswith(b"GET ") or line.startswith(b"HEAD "):
                        return
            except OSError:
                return

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 512

    servers = [Server(("0.0.0.0", int(p)), Handler) for p in ports]
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[0].serve_forever()


def one(vip, port, src, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(timeout)
    sport = 0
    try:
        s.bind((src, 0))
        sport = s.getsockname()[1]
        s.connect((vip, port))
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while not data.endswith(b"\n") and len(data) < 256:
            chunk = s.recv(256)
            if not chunk:
                break
            data += chunk
        name = data.decode(errors="replace").strip() or "-"
    except OSError:
        name = "-"
    finally:
        s.close()
    return sport, name


SPREAD_BOUND_S = 180     # a black-holed VIP costs 2 s per try: bound it


def spread(vip, port, n, srcs):
    deadline = time.time() + SPREAD_BOUND_S
    for i in range(n):
        src = srcs[i % len(srcs)]
        if time.time() < deadline:
            sport, name = one(vip, port, src)
        else:
            sport, name = 0, "-"    # counted as no answer
        print(src, sport, name, flush=True)


class Conn:
    def __init__(self, sock, src, sport):
        self.sock, self.src, self.sport = sock, src, sport
        self.buf = b""
        self.first = None
        self.why = None
        self.waiting = None     # when the unanswered line was sent
        self.next = 0.0


def hold_open(vip, port, n, srcs, deadline):
    conns = []
    for i in range(n):
        src = srcs[i % len(srcs)]
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(max(0.1, min(3.0, deadline - time.time())))
        s.bind((src, 0))
        s.connect((vip, port))
        s.setblocking(False)
        conns.append(Conn(s, src, s.getsockname()[1]))
    return conns


def hold_step(c, now):
    if c.why is not None:
        return
    if c.waiting is not None and now - c.waiting > 2.0:
        c.why = "no answer in 2 s"
    elif c.waiting is None and now >= c.next:
        try:
            c.sock.send(b"ping\n")
            c.waiting = now
            c.next = now + 0.1
        except OSError as e:
            c.why = "send: " + e.strerror


def hold_read(c):
    try:
        data = c.sock.recv(4096)
    except BlockingIOError:
        return
    except OSError as e:
        c.why = "recv: " + (e.strerror or str(e))
        return
    if not data:
        c.why = "closed by the server"
        return
    c.buf += data
    while b"\n" in c.buf:
        line, c.buf = c.buf.split(b"\n", 1)
        name = line.decode(errors="replace")
        if c.first is None:
            c.first = name
        elif name != c.first:
            c.why = "answered by %s, was %s" % (name, c.first)
        c.waiting = None


def hold(vip, port, n, secs, d, srcs):
    deadline = time.time() + secs
    conns = hold_open(vip, port, n, srcs, deadline)
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c.sock, selectors.EVENT_READ, c)
    ready = False
    while time.time() < deadline and not os.path.exists(d + "/stop"):
        now = time.time()
        if os.path.exists(d + "/mark"):
            deadline = min(deadline, now + 4.0)
        for c in conns:
            hold_step(c, now)
        for key, _ in sel.select(timeout=0.02):
            hold_read(key.data)
        if not ready and all(c.first is not None or c.why for c in conns):
            open(d + "/ready", "w").close()
            ready = True
    for c in conns:
        print(c.src, c.sport, c.first or "-",
              "ok" if c.why is None else "broken", c.why or "", flush=True)
        c.sock.close()


def rate(vip, port, secs, srcs):
    end = time.time() + secs
    n = failed = 0
    while time.time() < end:
        _, name = one(vip, port, srcs[n % len(srcs)], timeout=1.0)
        n += 1
        failed += name == "-"
    print(n, failed, flush=True)


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "serve" and len(argv) >= 4:
        serve(argv[2], argv[3:])
    elif cmd == "spread" and len(argv) >= 6:
        spread(argv[2], int(argv[3]), int(argv[4]), argv[5:])
    elif cmd == "hold" and len(argv) >= 8:
        hold(argv[2], int(argv[3]), int(argv[4]), float(argv[5]), argv[6],
             argv[7:])
    elif cmd == "rate" and len(argv) >= 6:
        rate(argv[2], int(argv[3]), float(argv[4]), argv[5:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
