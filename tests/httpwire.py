# SPDX-License-Identifier: MIT
"""Raw HTTP/1.1 over sockets, the `suivant serve` process and a harness's
command line, and the Failure a harness's check raises, shared by the
harnesses that speak to the real server byte for byte (tests/e2e,
tests/hostile, tests/prod, tests/concurrency, tests/bench,
tests/mobileconfig, tests/webadmin); also the set-up SQL of a case file
(tests/e2e, tests/cli). Import with the tests directory on sys.path.

Reading is strict on purpose: a response is a status line, headers and
exactly Content-Length bytes (or a chunked body), so a pipelined answer
that is cut short or carries extra bytes is seen."""

import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

READY_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:")


class WireError(Exception):
    """A response that cannot be read; the message says why."""


class Failure(Exception):
    """A harness's check failed; the message says what was wrong."""


def check(cond, what):
    if not cond:
        raise Failure(what)


def connect(port, source="127.0.0.1", timeout=5):
    """A TCP connection to 127.0.0.1:port from source (any port)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


class Response:
    def __init__(self):
        self.closed = False   # nothing at all came back
        self.status = None
        self.headers = []     # (name, value) in order
        self.head = b""       # the status line and headers, raw
        self.body = b""

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def header_names(self):
        return [n.lower() for n, _ in self.headers]


def recv_until(sock, buf, pred):
    """Reads into buf until pred(buf) or EOF; returns False on EOF."""
    while not pred(buf):
        chunk = sock.recv(65536)
        if not chunk:
            return False
        buf += chunk
    return True


def recv_all(sock, until=None):
    """Reads until the server closes the connection, or until the bytes
    until have arrived; returns all that came."""
    data = b""
    while until is None or until not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def harness_args(argv, doc, usage_status=64):
    """(the suivant binary as an absolute path, the other arguments) of a
    harness run as `run.py SUIVANT [ARGS...]`; without SUIVANT, prints doc
    and exits with usage_status."""
    if len(argv) < 2:
        print(doc, file=sys.stderr)
        sys.exit(usage_status)
    return os.path.abspath(argv[1]), argv[2:]


def read_chunked(sock, buf):
    body = bytearray()
    while True:
        if not recv_until(sock, buf, lambda b: b"\r\n" in b):
            raise WireError("chunked body cut short")
        line, _, rest = bytes(buf).partition(b"\r\n")
        buf[:] = rest
        size = int(line.split(b";")[0], 16)
        if not recv_until(sock, buf, lambda b: len(b) >= size + 2):
            raise WireError("chunked body cut short")
        body += buf[:size]
        buf[:] = buf[size + 2:]
        if size == 0:
            return bytes(body)


def read_response(sock, buf, head_request=False, quiet=None):
    """Reads one response from sock; buf (a bytearray) holds bytes already
    received and keeps what follows the response (pipelining). A response
    to HEAD (head_request) has no body; with quiet set, whatever arrives
    before the server closes or goes quiet that long is taken as its body
    instead (to prove there is none). A Response with closed set: the
    server closed (or reset) the connection before sending anything."""
    resp = Response()
    try:
        complete = recv_until(sock, buf, lambda b: b"\r\n\r\n" in b)
    except ConnectionResetError:
        complete = False
    if not complete:
        if not buf:
            resp.closed = True
            return resp
        raise WireError("response cut short: %r" % bytes(buf[:80]))
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    buf[:] = rest
    resp.head = head
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or \
            not parts[1].isdigit():
        raise WireError("bad status line %r" % lines[0])
    resp.status = int(parts[1])
    for line in lines[1:]:
        name, _, value = line.partition(":")
        resp.headers.append((name.strip(), value.strip()))
    if head_request or resp.status in (204, 304) or resp.status < 200:
        if quiet is not None:
            timeout = sock.gettimeout()
            sock.settimeout(quiet)
            try:
                recv_until(sock, buf, lambda b: False)
            except (socket.timeout, ConnectionResetError):
                pass
            sock.settimeout(timeout)
            resp.body = bytes(buf)
            buf[:] = b""
    elif (resp.header("Transfer-Encoding") or "").lower() == "chunked":
        resp.body = read_chunked(sock, buf)
    elif resp.header("Content-Length") is not None:
        n = int(resp.header("Content-Length"))
        if not recv_until(sock, buf, lambda b: len(b) >= n):
            raise WireError("body shorter than Content-Length")
        resp.body = bytes(buf[:n])
        buf[:] = buf[n:]
    else:
        recv_until(sock, buf, lambda b: False)
        resp.body = bytes(buf)
        buf[:] = b""
    return resp


def sbin(name):
    """The path of the tool name: on PATH, else in /usr/sbin (which a
    user's PATH may leave out); None when it is not installed."""
    path = os.path.join("/usr/sbin", name)
    return shutil.which(name) or (path if os.path.exists(path) else None)


def wait_listening(ports, seconds, proc, name, connect_timeout=1.0):
    """Waits until each of ports accepts on 127.0.0.1. Raises Failure
    "NAME exited: STDERR" when proc (its stderr a pipe) ends first, or
    "NAME not listening" once seconds have passed."""
    deadline = time.monotonic() + seconds
    for port in ports:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port),
                                         connect_timeout).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise Failure("%s exited: %s"
                                  % (name, proc.stderr.read().decode()))
                check(time.monotonic() < deadline,
                      "%s not listening" % name)
                time.sleep(0.1)


def wait_ready(proc, timeout=READY_TIMEOUT):
    """The port of the server's first "ready port=N" line on its stdout;
    kills the server and raises WireError when none comes in time."""
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
            proc.kill()
            proc.wait()
            raise WireError("no 'ready port=N' within %.0f s" % timeout)
        ch = os.read(proc.stdout.fileno(), 1)  # unbuffered, for select
        if not ch:
            proc.wait()
            raise WireError("server exited (%s) before ready"
                            % proc.returncode)
        line += ch
    m = re.fullmatch(rb"ready port=(\d+)( tls)?\n", line)
    if not m:
        proc.kill()
        proc.wait()
        raise WireError("unexpected first line %r" % line)
    return int(m.group(1))


def unprivileged(args, *dirs):
    """`serve` started as root drops to --user and refuses to run without
    one (issue #16): as root, ARGS plus --user nobody, and nobody let into
    DIRS (the database's directory: SQLite creates the -wal and -shm
    files beside it) and given the files already there (the web admin
    writes the database). ARGS unchanged otherwise, or when they name a
    user."""
    if os.geteuid() != 0 or "--user" in args:
        return list(args)
    import pwd
    nobody = pwd.getpwnam("nobody")
    for d in dirs:
        os.chmod(d, 0o777)
        for name in os.listdir(d):
            path = os.path.join(d, name)
            if os.path.isfile(path) and not os.path.islink(path):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
    return list(args) + ["--user", "nobody"]


def start_server(suivant, db, args, stderr, env=None):
    """`suivant serve --db DB --listen 127.0.0.1:0 ARGS`: (process, port),
    unprivileged (above) when run as root. env: variables to add to the
    server's environment."""
    args = unprivileged(args, os.path.dirname(os.path.abspath(db)))
    proc = subprocess.Popen([suivant, "serve", "--db", db, "--listen",
                             "127.0.0.1:0"] + list(args),
                            stdout=subprocess.PIPE, stderr=stderr,
                            stdin=subprocess.DEVNULL,
                            env=dict(os.environ, **(env or {})))
    return proc, wait_ready(proc)


def stop_server(proc):
    """SIGTERM, then (exit status or None if it had to be killed, whether
    it had already exited before the signal)."""
    if proc.poll() is not None:
        return proc.returncode, True
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None, False
    return proc.returncode, False


def run_sql(db, statements, is_file=False):
    """Runs STATEMENTS (with is_file: the SQL file at that path) on DB with
    Python's sqlite3, bypassing suivant, as another tool (or an older
    release) would. Raises Failure "sql: WHY" when SQLite refuses them."""
    if is_file:
        with open(statements, encoding="utf-8") as f:
            statements = f.read()
    con = sqlite3.connect(db)
    try:
        con.executescript(statements)
    except sqlite3.Error as e:
        raise Failure("sql: %s" % e)
    finally:
        con.close()


def sanitizer_report(log_text):
    """The first sanitizer report in a server's stderr, or None."""
    for mark in SANITIZER_MARKS:
        if mark in log_text:
            i = log_text.index(mark)
            return log_text[i:i + 300].strip()
    return None


def ispdb_xml(pid, display, servers):
    """An ISPDB (Mozilla autoconfig) document: provider pid, also its one
    domain, named display, and servers, (type, hostname, port) tuples in
    order, each over SSL with the address as username and a cleartext
    password ("smtp" outgoing, the others incoming)."""
    root = ET.Element('clientConfig', version='1.1')
    provider = ET.SubElement(root, 'emailProvider', id=pid)
    ET.SubElement(provider, 'domain').text = pid
    ET.SubElement(provider, 'displayName').text = display
    for kind, host, port in servers:
        server = ET.SubElement(provider, 'outgoingServer' if kind == 'smtp'
                               else 'incomingServer', type=kind)
        for tag, text in (('hostname', host), ('port', str(port)),
                          ('socketType', 'SSL'),
                          ('username', '%EMAILADDRESS%'),
                          ('authentication', 'password-cleartext')):
            ET.SubElement(server, tag).text = text
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' +
            ET.tostring(root, encoding='unicode') + '\n')
