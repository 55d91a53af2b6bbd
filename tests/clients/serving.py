# SPDX-License-Identifier: MIT
"""What the client tests (tests/clients/*.py) share: a database made by
`suivant init`, `suivant serve` on a free loopback port, GET requests with
a chosen Host, and the bundled exact domains with their providers."""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import httpwire  # noqa: E402  (tests/httpwire.py)


class Failure(Exception):
    """A failed expectation; the message says what."""


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def run(suivant, *args):
    """`suivant ARGS`; its stdout, or Failure."""
    r = subprocess.run([suivant] + list(args), capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL)
    check(r.returncode == 0, "suivant %s: exit %d: %s"
          % (" ".join(args), r.returncode, r.stderr.strip()))
    return r.stdout


class Server:
    """`suivant serve --db DB --listen LISTEN` until stop(), started and
    stopped with tests/httpwire.py's helpers."""

    def __init__(self, suivant, db, tmp, listen="127.0.0.1:0"):
        self.log_path = os.path.join(tmp, "serve.stderr")
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [suivant, "serve", "--db", db, "--listen", listen]
            + httpwire.unprivileged([], os.path.dirname(
                os.path.abspath(db))),
            stdout=subprocess.PIPE, stderr=self.log_file,
            stdin=subprocess.DEVNULL, cwd=tmp)
        try:
            self.port = httpwire.wait_ready(self.proc)
        except httpwire.WireError as e:
            self.log_file.close()
            raise Failure("suivant serve: %s: %s" % (e, self.log()))

    def log(self):
        if not self.log_file.closed:
            self.log_file.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def get(self, path, host, method="GET"):
        """(status, body bytes) of one request on a new connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=10)
        try:
            conn.request(method, path, headers={"Host": host})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def stop(self):
        """Stops the server; Failure if it exited badly or a sanitizer
        spoke."""
        status, _ = httpwire.stop_server(self.proc)
        self.log_file.close()
        text = self.log()
        check(status == 0, "suivant serve exited %s: %s"
              % (status, text[-2000:]))
        report = httpwire.sanitizer_report(text)
        check(report is None, report)


def exact_domains(suivant, db):
    """[(domain, provider id)] for every exact domain row, in order."""
    rows = json.loads(run(suivant, "domain", "list", "--json", "--db", db))
    return [(r["domain"], r["provider"]) for r in rows
            if not r["domain"].startswith("*")]


def known_limitations(source_root):
    """{provider id: reason} from db/README.md's generated "Known
    limitations" list (db/regenerate-ispdb.py)."""
    with open(os.path.join(source_root, "db", "README.md"),
              encoding="utf-8") as f:
        text = f.read()
    part = text.split("**Known limitations**", 1)
    check(len(part) == 2, "db/README.md has no Known limitations list")
    body = part[1].split("<!-- END ispdb-merge -->", 1)[0]
    return dict(re.findall(r"^- `([^`]+)`: (.+)$", body, re.M))


def run_tests(label, doc, tests, argv):
    """The harness of android.py and deltachat.py: each test_NAME(suivant,
    tmp) in tests (a module's globals) in a fresh temporary directory;
    "ok NAME" / "FAIL NAME: reason", then "LABEL: N passed, N failed".
    Returns the exit status."""
    if len(argv) != 2:
        print(doc, file=sys.stderr)
        return 64
    suivant = os.path.abspath(argv[1])
    passed = failed = 0
    for name, fn in sorted((n, f) for n, f in tests.items()
                           if n.startswith("test_")):
        tmp = tempfile.mkdtemp(prefix="sv-%s-" % label)
        try:
            fn(suivant, tmp)
            print("ok %s" % name[5:])
            passed += 1
        except Failure as e:
            print("FAIL %s: %s" % (name[5:], e))
            failed += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        sys.stdout.flush()
    print("%s: %d passed, %d failed" % (label, passed, failed))
    return 1 if failed else 0
