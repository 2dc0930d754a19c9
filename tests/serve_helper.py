#!/usr/bin/env python3
"""Raw-socket and load helpers for tests/serve_http.sh (not a test itself).

  serve_helper.py raw PORT HEX_BYTES [WAIT]   send bytes, print the reply's status line
  serve_helper.py idle PORT SECONDS           open, send half a request line, report when closed
  serve_helper.py slowbody PORT SECONDS       dribble a body byte by byte, report when closed
  serve_helper.py drain PORT PIDFILE          start a request, SIGTERM the server, finish it
  serve_helper.py load PORT SECONDS THREADS BODYFILE OUTFILE
                                              keep-alive POST /v1/decide load; writes
                                              "requests failures versions" to OUTFILE
"""
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, wait):
    s.settimeout(wait)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except socket.timeout:
        out += b"<still open>"
    except ConnectionResetError:
        out += b"<reset>"
    return out


def raw(port, data, wait):
    s = connect(port)
    s.sendall(data)
    out = read_all(s, wait)
    first = out.split(b"\r\n", 1)[0]
    print(first.decode("latin-1") if first else "<closed>")


def closed_within(s, seconds, feed=None):
    """Seconds until the peer closes s (feeding bytes meanwhile), or -1."""
    start = time.time()
    s.settimeout(0.25)
    while time.time() - start < seconds:
        try:
            if feed:
                feed(s)
            d = s.recv(4096)
            if not d:
                return time.time() - start
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.time() - start
    return -1


def idle(port, seconds):
    s = connect(port)
    s.sendall(b"GET /healthz HT")
    print("%.1f" % closed_within(s, seconds))


def slowbody(port, seconds):
    s = connect(port)
    s.sendall(b"POST /v1/decide HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n")

    def feed(sock):
        sock.sendall(b" ")

    print("%.1f" % closed_within(s, seconds, feed))


def drain(port, pidfile, body):
    pid = int(open(pidfile).read().strip())
    s = connect(port)
    head = ("POST /v1/decide HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n"
            "Content-Type: application/json\r\n\r\n" % len(body)).encode()
    s.sendall(head + body[: len(body) // 2])
    time.sleep(0.3)
    os.kill(pid, signal.SIGTERM)
    time.sleep(0.5)
    # a new connection must now be refused
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=2)
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        c.settimeout(2)
        got = c.recv(100)
        refused = not got.startswith(b"HTTP/1.1 200")
    except OSError:
        refused = True
    s.sendall(body[len(body) // 2:])
    out = read_all(s, 5)
    status = out.split(b"\r\n", 1)[0].decode("latin-1")
    close = b"\r\nConnection: close\r\n" in out
    decided = b'"decision"' in out
    print("%s|close=%d|decided=%d|new_refused=%d" % (status, close, decided, refused))


def load(port, seconds, threads, bodyfile, outfile):
    bodies = [l for l in open(bodyfile, "rb").read().split(b"\n") if l.strip()]
    stats = {"requests": 0, "failures": 0, "versions": set()}
    lock = threading.Lock()
    stop = time.time() + seconds

    def worker(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = f = 0
        versions = set()
        k = i
        while time.time() < stop:
            body = bodies[k % len(bodies)]
            k += 1
            try:
                conn.request("POST", "/v1/decide", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
                n += 1
                if r.status != 200:
                    f += 1
                else:
                    versions.add(json.loads(data)["rules_version"])
            except Exception as e:  # a dropped connection is a failure too
                f += 1
                sys.stderr.write("load: %r\n" % e)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with lock:
            stats["requests"] += n
            stats["failures"] += f
            stats["versions"] |= versions

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with open(outfile, "w") as f:
        f.write("%d %d %d\n" % (stats["requests"], stats["failures"], len(stats["versions"])))


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "raw":
        raw(port, bytes.fromhex(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 3)
    elif cmd == "idle":
        idle(port, float(sys.argv[3]))
    elif cmd == "slowbody":
        slowbody(port, float(sys.argv[3]))
    elif cmd == "drain":
        drain(port, sys.argv[3], open(sys.argv[4], "rb").read())
    elif cmd == "load":
        load(port, float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
