#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""Hostile traffic at the web admin's listener (issue #21), as
tests/hostile does for the public one: raw-socket requests, each with its
exact expected status, each followed by a reference request (GET /login,
byte-identical but for Date), the whole set repeated for rounds while
the server's heap in use must not grow.

usage: hostile.py SUIVANT [NAME-SUBSTRING...]
env:   SV_HOSTILE_ROUNDS (default 5; 2 under AddressSanitizer)

`suivant serve --admin-listen 127.0.0.1:0 --timeout 1` on the bundled
data. Output: "ok NAME" / "FAIL NAME: reason", then "webadmin-hostile: N
passed, N failed".
"""
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import adminserve  # noqa: E402  (tests/webadmin/adminserve.py)
from adminserve import httpwire  # noqa: E402
from httpwire import Failure, check  # noqa: E402

TIMEOUT_S = 1
HEAP_BOUND_KIB = 64
SERVE_ENV = {"MALLOC_ARENA_MAX": "1",
             "GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"}


def connect(port, source="127.0.0.1"):
    return httpwire.connect(port, source, timeout=10)


def exchange(port, data, source="127.0.0.1"):
    with connect(port, source) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            return httpwire.read_response(s, bytearray())
        except ConnectionResetError:
            r = httpwire.Response()
            r.closed = True
            return r


def get(path, extra=b"", method="GET", version="HTTP/1.1"):
    if isinstance(path, str):
        path = path.encode()
    return (b"%s %s %s\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n"
            % (method.encode(), path, version.encode(), extra))


def post(path, body, ctype=b"application/x-www-form-urlencoded",
         extra=b""):
    return (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
            b"Content-Length: %d\r\n%sConnection: close\r\n\r\n%s"
            % (path, ctype, len(body), extra, body))


CASES = []


def simple(name, data, want, *checks):
    def fn(port):
        r = exchange(port, data)
        if want == "closed":
            check(r.closed, "got %s, want the connection closed" % r.status)
        else:
            check(r.status == want, "status %s, want %s" % (r.status, want))
        for c in checks:
            c(r)
    CASES.append((name, fn))


def lacks(text):
    return lambda r: check(text not in r.body and text not in r.head,
                           "echoes %r" % text)


def secure_headers(r):
    check(r.header("Content-Security-Policy") is not None and
          r.header("X-Frame-Options") == "DENY", "security headers missing")


LOGIN = b"name=alice&password=x"
MULTI = b"multipart/form-data; boundary=zz"

simple("url-over-cap-414", get("/login?pad=" + "x" * 2100), 414,
       secure_headers)
simple("header-over-memory-431",
       get("/login", extra=b"X-Pad: %s\r\n" % (b"p" * 40000)), 431)
simple("http09-400", b"GET /login\r\n\r\n", 400)
simple("http2-preface-505", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505)
simple("version-garbage-400", get("/login", version="HTTX/1.1"), 400)
simple("missing-host-400",
       b"GET /login HTTP/1.1\r\nConnection: close\r\n\r\n", 400)
simple("put-405", get("/", method="PUT"), 405,
       lambda r: check(r.header("Allow") == "GET, HEAD, POST", "Allow"))
simple("trace-405-no-echo",
       get("/", method="TRACE", extra=b"X-Secret: s3cr3t\r\n"), 405,
       lacks(b"s3cr3t"))
simple("get-on-post-route-405", get("/domain/add"), 405)
simple("post-on-get-route-405", post(b"/audit", b"a=b"), 405)
simple("duplicate-content-length-400",
       b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
       b"x-www-form-urlencoded\r\nContent-Length: 3\r\nContent-Length: 3\r\n"
       b"Connection: close\r\n\r\nabc", 400)
simple("te-and-cl-400",
       b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
       b"x-www-form-urlencoded\r\nContent-Length: 3\r\nTransfer-Encoding: "
       b"chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", 400)
simple("te-gzip-400",
       b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
       b"x-www-form-urlencoded\r\nTransfer-Encoding: gzip, chunked\r\n"
       b"Connection: close\r\n\r\n0\r\n\r\n", 400)
simple("bad-content-length-400",
       b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
       b"x-www-form-urlencoded\r\nContent-Length: -1\r\n"
       b"Connection: close\r\n\r\n", 400)
simple("text-plain-415", post(b"/login", LOGIN, b"text/plain"), 415)
simple("no-content-type-415", b"POST /login HTTP/1.1\r\nHost: x\r\n"
       b"Content-Length: 3\r\nConnection: close\r\n\r\nabc", 415)
simple("form-over-cap-413",
       post(b"/login", b"a=" + b"x" * (64 * 1024)), 413)
simple("upload-over-cap-413",
       post(b"/import", b"x" * (1024 * 1024 + 64 * 1024 + 1), MULTI), 413)
simple("multipart-without-boundary-415",
       post(b"/login", b"--zz--\r\n", b"multipart/form-data"), 415)
# bytes that hold no part are an empty form: without a session, 303
simple("multipart-garbage-303",
       post(b"/provider/rm", b"\x00\xff" * 50, MULTI), 303)
simple("multipart-truncated-400",
       post(b"/provider/rm", b"--zz\r\nContent-Disposition: form-data; "
            b"name=\"id\"\r\n\r\nfree.fr", MULTI), 400)
simple("multipart-nul-in-part-400",
       post(b"/provider/rm", b"--zz\r\nContent-Disposition: form-data; "
            b"name=\"id\"\r\n\r\nfree\x00.fr\r\n--zz--\r\n", MULTI), 400)
simple("form-nul-400", post(b"/login", b"name=al%00ice&password=x"), 400)
simple("form-bad-utf8-400", post(b"/login", b"name=%ff%fe&password=x"),
       400)
simple("form-control-400", post(b"/login", b"name=a%1bb&password=x"), 400)
simple("form-too-many-fields-400",
       post(b"/login", b"&".join(b"f%d=1" % i for i in range(100))), 400)
simple("form-long-name-400", post(b"/login", b"n" * 200 + b"=1"), 400)
simple("query-bad-utf8-400", get("/login?x=%c0%ae"), 400)
simple("query-nul-400", get("/provider?id=free%00.fr"), 400)



def login_failure(body_of):
    """A failing login, from a new address and for an account failed at
    most twice (accounts u0..u9), so that no back-off answers 429."""
    def fn(port):
        n = next(SEQ)
        r = exchange(port, post(b"/login", body_of(b"u%d" % (n % 10))),
                     source="127.0.4.%d" % (1 + n % 250))
        check(r.status == 401, "status %s, want 401" % r.status)
        secure_headers(r)
    return fn


SEQ = itertools.count()
CASES += [
    ("login-huge-password-401", login_failure(
        lambda u: b"name=" + u + b"&password=" + b"p" * 60000)),
    ("login-unknown-huge-name-401", login_failure(
        lambda u: b"name=" + b"%d" % next(SEQ) + b"n" * 5000 +
        b"&password=x")),
]
simple("cookie-garbage-303",
       get("/", extra=b"Cookie: suivant-session=' OR 1=1 --\r\n"), 303)
simple("cookie-long-303",
       get("/", extra=b"Cookie: suivant-session=%s\r\n" % (b"a" * 8000)),
       303)
simple("cookie-many-303",
       get("/", extra=b"Cookie: " + b"; ".join(
           b"suivant-session=%064d" % i for i in range(50)) + b"\r\n"), 303)
simple("post-without-session-303",
       post(b"/provider/rm", b"id=free.fr&version=1&confirm=free.fr"), 303)
for name, path in (("dot-dot", "/%2e%2e/login"), ("pct-nul", "/login%00"),
                   ("double-slash", "//login"), ("upper", "/LOGIN"),
                   ("traversal", "/../../etc/passwd"),
                   ("pct-slash", "/provider%2fadd"),
                   ("absolute-form", "http://127.0.0.1/login"),
                   ("trailing-slash", "/login/"), ("params", "/login;x")):
    simple("path-%s-404" % name, get(path), 404, lacks(b"root:"))
simple("crlf-in-path-no-injection",
       get("/login%0d%0aSet-Cookie:%20a=b"), 404,
       lambda r: check(r.header("Set-Cookie") is None, "header injected"))


def pipelined(port):
    with connect(port) as s:
        one = b"GET /login HTTP/1.1\r\nHost: x\r\n\r\n"
        s.sendall(one + one + get("/style.css"))
        buf = bytearray()
        for want in (200, 200, 200):
            r = httpwire.read_response(s, buf)
            check(r.status == want, "pipelined: %s" % r.status)


def slow_partial_closed(port):
    with connect(port) as s:
        s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        s.settimeout(TIMEOUT_S + 5)
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
        check(data == b"", "answered a partial request")
        check(time.monotonic() - t0 < TIMEOUT_S + 4, "not closed")


def flood(port):
    socks = []
    try:
        for i in range(200):
            try:
                socks.append(connect(port, "127.0.3.%d" % (1 + i % 50)))
            except OSError:
                break
    finally:
        for s in socks:
            s.close()


CASES += [("pipelined-three", pipelined),
          ("slow-partial-closed", slow_partial_closed),
          ("connection-flood", flood)]


def reference(port):
    r = exchange(port, get("/login"))
    return r


def same(ref, r):
    check(r.status == ref.status, "reference status %s" % r.status)
    mine = [(k.lower(), v) for k, v in r.headers if k.lower() != "date"]
    theirs = [(k.lower(), v) for k, v in ref.headers if k.lower() != "date"]
    check(mine == theirs and r.body == ref.body, "reference differs")


def heap_kib(public):
    r = exchange(public, get("/metrics"))
    m = re.search(rb"^suivant_heap_inuse_bytes (\d+)", r.body, re.M)
    check(m is not None, "no heap gauge")
    return int(m.group(1)) // 1024


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    binary = os.path.abspath(argv[1])
    cases = [(n, f) for n, f in CASES
             if not argv[2:] or any(w in n for w in argv[2:])]
    tmp = tempfile.mkdtemp(prefix="sv-admin-hostile-")
    failures = {}
    passed = failed = 0
    server = None
    try:
        db, _ = adminserve.make_db(binary, tmp, ["alice"] +
                                   ["u%d" % i for i in range(10)])
        server = adminserve.Server(binary, db, os.path.join(
            tmp, "serve.log"), ["--timeout", str(TIMEOUT_S)], SERVE_ENV)
        public, port, proc = server.public, server.admin, server.proc
        ref = reference(port)
        check(ref.status == 200, "reference: %s" % ref.status)
        with open("/proc/%d/maps" % proc.pid) as f:
            asan = "libasan" in f.read()
        rounds = int(os.environ.get("SV_HOSTILE_ROUNDS",
                                    "2" if asan else "5"))
        heap = []
        for rnd in range(rounds + 1):
            for name, fn in cases:
                try:
                    fn(port)
                    same(ref, reference(port))
                except (Failure, OSError, httpwire.WireError) as e:
                    if name not in failures:
                        failures[name] = str(e)
                        print("FAIL %s: %s" % (name, e), flush=True)
                else:
                    if rnd == 0:
                        print("ok %s" % name, flush=True)
            time.sleep(TIMEOUT_S + 0.5)  # idle connections close
            heap.append(heap_kib(public))
        grew = heap[-1] - heap[0]
        print("# heap in use (KiB) after each round: %s" %
              " ".join(map(str, heap)))
        if asan or grew < HEAP_BOUND_KIB:
            print("ok memory")
            passed += 1
        else:
            print("FAIL memory: +%d KiB over %d rounds" % (grew, rounds))
            failed += 1
        passed += len(cases) - len(failures)
        failed += len(failures)
    except (Failure, OSError, subprocess.SubprocessError,
            AttributeError) as e:
        print("FAIL setup: %s" % e)
        failed += 1
    finally:
        ok, bad = adminserve.stop_counted(server)
        passed, failed = passed + ok, failed + bad
        shutil.rmtree(tmp, ignore_errors=True)
    print("webadmin-hostile: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
