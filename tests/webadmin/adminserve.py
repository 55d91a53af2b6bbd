# SPDX-License-Identifier: MIT
"""What the web admin's harnesses share (run.py, hostile.py,
browser.py): a database with accounts, `suivant serve` with its public
and admin listeners, and its stop with the checks every harness makes
(exit status 0 on SIGTERM, no sanitizer report). Import with
tests/webadmin on sys.path."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import httpwire  # noqa: E402  (tests/httpwire.py)

PASSWORD = "correct horse battery staple"


def make_db(binary, tmp, accounts):
    """`suivant init` (the bundled data) in tmp, then each account with
    PASSWORD; (database path, password file)."""
    db = os.path.join(tmp, "suivant.db")
    pwfile = os.path.join(tmp, "pw")
    with open(pwfile, "w") as f:
        f.write(PASSWORD + "\n")
    subprocess.run([binary, "init", "--db", db], check=True,
                   capture_output=True, timeout=60)
    for name in accounts:
        subprocess.run([binary, "admin-user", "add", name,
                        "--password-file", pwfile, "--db", db],
                       check=True, capture_output=True, timeout=60)
    return db, pwfile


def read_ready(proc, n):
    """The first n lines the server prints (its "ready ..." lines)."""
    lines = []
    deadline = time.monotonic() + 15
    while len(lines) < n:
        line = proc.stdout.readline()
        if not line or time.monotonic() > deadline:
            raise OSError("server not ready: %r" % lines)
        lines.append(line.decode().strip())
    return lines


class Server:
    """`suivant serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0
    ARGS` on db, its stderr in log_path."""

    def __init__(self, binary, db, log_path, args=(), env=None):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "serve", "--db", db, "--listen", "127.0.0.1:0",
             "--admin-listen", "127.0.0.1:0"]
            + httpwire.unprivileged(args, os.path.dirname(db)),
            stdout=subprocess.PIPE, stderr=self.log,
            stdin=subprocess.DEVNULL, env=dict(os.environ, **(env or {})))
        public, admin = read_ready(self.proc, 2)
        self.public = int(re.fullmatch(r"ready port=(\d+)", public).group(1))
        self.admin = int(re.fullmatch(r"ready admin port=(\d+)",
                                      admin).group(1))

    def stop(self):
        """SIGTERM; a problem (str) when it died, exited non-zero or
        reported a sanitizer error, else None; the log's tail follows
        the problem."""
        code, died = httpwire.stop_server(self.proc)
        self.log.close()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        report = httpwire.sanitizer_report(text)
        if died or code != 0 or report:
            return "%s\n%s" % (report or "exit %s" % code, text[-3000:])
        return None


def stop_counted(server):
    """Stops server (None: it never started) as one more case of the
    run: prints "ok server-exit" or "FAIL server: ..." and returns what
    to add to (passed, failed)."""
    if server is None:
        return 0, 0
    problem = server.stop()
    if problem:
        print("FAIL server: %s" % problem)
        return 0, 1
    print("ok server-exit")
    return 1, 0
