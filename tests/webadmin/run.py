#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""The web admin (issue #21) through HTTP, against the real binary.

usage: run.py SUIVANT [NAME-SUBSTRING...]
env:   SV_SOURCE_ROOT (repository root), SV_WEBADMIN_KEEP=1 keeps the
       temporary directory

One database made by `suivant init` (the bundled data), accounts made by
`suivant admin-user add --password-file`, then `suivant serve --listen
127.0.0.1:0 --admin-listen 127.0.0.1:0`. Every page and every refusal is
asked for over HTTP (http.client), each case with its exact expected
status: no session -> 303 to /login; a bad or missing CSRF token, another
Origin or Sec-Fetch-Site -> 403; a stale provider version -> 409 with the
current values; an invalid port -> 422 with the validator's message and
nothing stored (checked with the command line); failed logins back off
per address and per account (429 + Retry-After; each case uses its own
loopback source addresses, 127.0.0.N, so that the others are not slowed);
cookie flags (and over HTTPS: Secure, the __Host- prefix; skipped when
openssl is missing); the security headers on every answer; hostile
provider names escaped; body caps (413), content types (415), NUL and
non-UTF-8 fields (400); the public listener answers none of the admin's
paths, whatever the case or %-encoding; a change is served by the public
listener within a second. Sessions' idle and absolute ends are checked by
ageing the session row in the database (sqlite3).

Output: "ok NAME" / "FAIL NAME: reason" per case, "skip NAME: why", then
"webadmin: N passed, N failed, N skipped". Exit 1 when a case failed.
"""
import html
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import adminserve  # noqa: E402  (tests/webadmin/adminserve.py)
from adminserve import PASSWORD, httpwire, read_ready  # noqa: E402
from httpwire import Failure, check  # noqa: E402

ROOT = os.environ.get("SV_SOURCE_ROOT", os.path.dirname(os.path.dirname(HERE)))
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HOSTILE = "<script>alert('x')</script> & \"Hôte\" <b>"


class Skip(Exception):
    pass


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class Admin:
    """A client of the admin listener: its cookie, and the page it last
    read (for the CSRF token and the provider's version)."""

    def __init__(self, port, source="127.0.0.1", tls=False):
        self.port = port
        self.source = source
        self.tls = tls
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None, headers=None):
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=15, context=ctx,
                source_address=(self.source, 0))
        else:
            conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=15,
                source_address=(self.source, 0))
        h = {}
        if self.cookie is not None:
            h["Cookie"] = self.cookie
        h.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            resp = Resp(r.status, r.getheaders(), r.read())
        finally:
            conn.close()
        for k, v in resp.headers:
            if k.lower() == "set-cookie":
                value = v.split(";", 1)[0]
                self.cookie = value if value.split("=", 1)[1] else None
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', resp.text)
        if m:
            self.csrf = m.group(1)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields, csrf=True, headers=None):
        fields = dict(fields)
        if csrf and self.csrf is not None and "csrf" not in fields:
            fields["csrf"] = self.csrf
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path,
                            urllib.parse.urlencode(fields).encode(), h)

    def post_multipart(self, path, fields, files):
        boundary = "----suivant-test-boundary-7d3f"
        parts = []
        fields = dict(fields)
        if self.csrf is not None and "csrf" not in fields:
            fields["csrf"] = self.csrf
        for k, v in fields.items():
            parts.append(("--%s\r\nContent-Disposition: form-data; "
                          "name=\"%s\"\r\n\r\n" % (boundary, k)).encode()
                         + v.encode() + b"\r\n")
        for k, (name, data) in files.items():
            parts.append(("--%s\r\nContent-Disposition: form-data; "
                          "name=\"%s\"; filename=\"%s\"\r\nContent-Type: "
                          "text/xml\r\n\r\n" % (boundary, k, name)).encode()
                         + data + b"\r\n")
        body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
        return self.request("POST", path, body, {
            "Content-Type": "multipart/form-data; boundary=" + boundary})

    def login(self, name="alice", password=PASSWORD):
        r = self.post("/login", {"name": name, "password": password},
                      csrf=False)
        check(r.status == 303, "login: %d, want 303: %s"
              % (r.status, r.text[:300]))
        self.get("/")
        return r


def version_of(text, action=None):
    m = re.search(r'name="version" value="([0-9a-f]+|none)"', text)
    check(m is not None, "no version in the page")
    return m.group(1)


def notice(text):
    m = re.search(r'class="notice[^"]*"[^>]*>([^<]*)<', text)
    return m.group(1) if m else None


def suivant(env, *args, input_text=None):
    return subprocess.run([env.binary] + list(args), capture_output=True,
                          text=True, timeout=60, input=input_text)


def logged_in(env):
    """An Admin of env's admin port, logged in as alice."""
    a = Admin(env.admin)
    a.login()
    return a


def check_not_stored(env, domain, why):
    """domain must not be one of free.fr's domains in the database."""
    r = suivant(env, "domain", "list", "--provider", "free.fr", "--db",
                env.db)
    check(domain not in r.stdout, why)


def public_get(env, path, host="autoconfig.example"):
    conn = http.client.HTTPConnection("127.0.0.1", env.public, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        r = conn.getresponse()
        return Resp(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


class Env:
    pass


CASES = []


def case(fn):
    CASES.append((fn.__name__.replace("_", "-"), fn))
    return fn


# ------------------------------------------------------------- accounts

@case
def admin_user_commands(env):
    r = suivant(env, "admin-user", "list", "--json", "--db", env.db)
    check(r.returncode == 0, "list: %s" % r.stderr)
    names = [a["account"] for a in json.loads(r.stdout)]
    check(names == ["alice", "bob"], "accounts %r" % names)
    short = os.path.join(env.tmp, "short")
    with open(short, "w") as f:
        f.write("tooshort\n")
    r = suivant(env, "admin-user", "add", "carol", "--password-file",
                short, "--db", env.db)
    check(r.returncode == 65 and "password" in r.stderr,
          "short password: %d %s" % (r.returncode, r.stderr))
    r = suivant(env, "admin-user", "add", "bad name", "--password-file",
                env.pwfile, "--db", env.db)
    check(r.returncode == 65, "bad name: exit %d" % r.returncode)
    r = suivant(env, "admin-user", "add", "alice", "--password-file",
                env.pwfile, "--db", env.db)
    check(r.returncode == 65 and "exists" in r.stderr,
          "existing account: %d %s" % (r.returncode, r.stderr))
    # the password is never an argument: there is no option for it
    for opt in (["--password", PASSWORD], ["--password=" + PASSWORD],
                ["--pass", PASSWORD]):
        r = suivant(env, "admin-user", "add", "dave", *opt, "--db", env.db)
        check(r.returncode == 64 and PASSWORD not in r.stderr,
              "%s accepted: exit %d %s" % (opt[0][:10], r.returncode,
                                          r.stderr))
    # standard input, and no terminal
    r = suivant(env, "admin-user", "add", "erin", "--password-file", "-",
                "--db", env.db, input_text=PASSWORD + "\n")
    check(r.returncode == 0, "stdin: %s" % r.stderr)
    r = subprocess.run([env.binary, "admin-user", "add", "frank", "--db",
                        env.db], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL,
                       start_new_session=True)
    check(r.returncode == 74 and "terminal" in r.stderr,
          "no terminal: %d %s" % (r.returncode, r.stderr))
    r = suivant(env, "admin-user", "rm", "erin", "--db", env.db)
    check(r.returncode == 0, "rm: %s" % r.stderr)
    r = suivant(env, "admin-user", "rm", "erin", "--db", env.db)
    check(r.returncode == 66, "rm again: exit %d" % r.returncode)
    with sqlite3.connect(env.db) as db:
        row = db.execute("SELECT password_hash FROM admin_users "
                         "WHERE name = 'alice'").fetchone()
    check(row[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$"),
          "stored hash %r" % row[0][:40])
    check(PASSWORD not in open(env.db, "rb").read().decode("latin-1"),
          "the password is in the database file")


# ------------------------------------------------------------- refusals

@case
def no_session_303(env):
    a = Admin(env.admin)
    for path in ("/", "/provider?id=free.fr", "/audit", "/check",
                 "/import", "/lookup?address=a%40free.fr",
                 "/export?id=free.fr"):
        r = a.get(path)
        check(r.status == 303 and r.header("Location") == "/login",
              "GET %s: %d %s" % (path, r.status, r.header("Location")))
    r = a.post("/domain/add", {"id": "free.fr", "version": "1",
                               "domain": "nosession.example",
                               "csrf": "0" * 64})
    check(r.status == 303 and r.header("Location") == "/login",
          "POST without a session: %d" % r.status)
    check_not_stored(env, "nosession.example", "stored without a session")


@case
def security_headers_everywhere(env):
    a = Admin(env.admin)
    answers = [a.get("/login"), a.get("/"), a.get("/nope"),
               a.get("/style.css"), a.request("PUT", "/")]
    a.login()
    answers += [a.get("/"), a.get("/provider?id=free.fr"),
                a.post("/domain/add", {"id": "free.fr", "version": "1",
                                       "domain": "x.example",
                                       "csrf": "1" * 64})]
    for r in answers:
        check(r.header("Content-Security-Policy") == CSP,
              "CSP %r" % r.header("Content-Security-Policy"))
        check(r.header("X-Frame-Options") == "DENY", "X-Frame-Options")
        check(r.header("X-Content-Type-Options") == "nosniff", "nosniff")
        check(r.header("Cache-Control") == "no-store", "Cache-Control")
    check(answers[2].status == 404, "unknown path: %d" % answers[2].status)
    check(answers[3].status == 200 and answers[3].header(
        "Content-Type").startswith("text/css"), "style.css")
    check(answers[4].status == 405 and answers[4].header("Allow") ==
          "GET, HEAD, POST", "PUT: %d" % answers[4].status)
    for r in answers[:2] + answers[5:7]:
        check("<script" not in r.text.lower() and " style=" not in r.text
              and "onclick" not in r.text.lower(),
              "a page has script or inline style")


@case
def login_cookie_flags(env):
    a = Admin(env.admin)
    r = a.post("/login", {"name": "alice", "password": PASSWORD},
               csrf=False)
    check(r.status == 303 and r.header("Location") == "/",
          "login: %d" % r.status)
    c = r.header("Set-Cookie")
    check(c is not None, "no cookie")
    m = re.fullmatch(r"suivant-session=([0-9a-f]{64}); Path=/; "
                     r"Max-Age=43200; HttpOnly; SameSite=Strict", c)
    check(m is not None, "cookie %r" % c)
    r = a.get("/")
    check(r.status == 200 and "free.fr" in r.text and "served" in r.text,
          "list after login: %d" % r.status)


@case
def wrong_password_logged_without_it(env):
    a = Admin(env.admin, source="127.0.0.20")
    secret = "Wrong-Passw0rd-Sentinel"
    r = a.post("/login", {"name": "alice", "password": secret},
               csrf=False)
    check(r.status == 401 and a.cookie is None, "wrong password: %d"
          % r.status)
    check("Wrong account name or password" in r.text, "no message")
    r = a.post("/login", {"name": "nobody", "password": secret},
               csrf=False)
    check(r.status == 401, "unknown account: %d" % r.status)
    time.sleep(0.3)
    log = open(env.log_path, encoding="utf-8", errors="replace").read()
    check('login failed for account "alice" from 127.0.0.20' in log,
          "failure not logged")
    check(secret not in log, "the password is in the log")


@case
def session_fixation(env):
    planted = "ab" * 32
    a = Admin(env.admin)
    a.cookie = "suivant-session=" + planted
    check(a.get("/").status == 303, "a planted cookie opened a session")
    a.login()
    check(a.cookie is not None and planted not in a.cookie,
          "the login kept the planted token")
    b = Admin(env.admin)
    b.cookie = "suivant-session=" + planted
    check(b.get("/").status == 303, "the planted token works after login")
    check(a.get("/").status == 200, "the new session does not work")


@case
def logout_ends_session(env):
    a = logged_in(env)
    old = a.cookie
    r = a.post("/logout", {})
    check(r.status == 303 and r.header("Location") == "/login",
          "logout: %d" % r.status)
    check(re.search(r"Max-Age=0", r.header("Set-Cookie") or ""),
          "cookie not cleared: %r" % r.header("Set-Cookie"))
    b = Admin(env.admin)
    b.cookie = old
    check(b.get("/").status == 303, "the session survived logout")


@case
def session_idle_and_absolute_end(env):
    for column, age in (("last_seen", 30 * 60 + 5),
                        ("created_at", 12 * 3600 + 5)):
        a = logged_in(env)
        with sqlite3.connect(env.db) as db:
            db.execute("UPDATE admin_sessions SET %s = %s - ?"
                       % (column, column), (age,))
        check(a.get("/").status == 303, "%s aged %d s: still open"
              % (column, age))
    a = logged_in(env)
    with sqlite3.connect(env.db) as db:
        db.execute("UPDATE admin_sessions SET last_seen = last_seen - ?",
                   (29 * 60,))
    check(a.get("/").status == 200, "29 min idle ended the session")


@case
def csrf_refused(env):
    a = logged_in(env)
    page = a.get("/provider?id=free.fr").text
    v = version_of(page)
    for token in ("0" * 64, "", None, a.csrf[:-1] + "x"):
        fields = {"id": "free.fr", "version": v, "domain":
                  "csrf.example"}
        if token is not None:
            fields["csrf"] = token
        r = a.post("/domain/add", fields, csrf=False)
        check(r.status == 403, "csrf %r: %d" % (token, r.status))
    check_not_stored(env, "csrf.example", "stored with a bad token")


@case
def cross_origin_post_refused(env):
    a = logged_in(env)
    v = version_of(a.get("/provider?id=free.fr").text)
    fields = {"id": "free.fr", "version": v, "domain": "origin.example"}
    for headers in ({"Origin": "http://evil.example"},
                    {"Origin": "null"},
                    {"Origin": "http://127.0.0.1:%d" % (env.admin + 1)},
                    {"Sec-Fetch-Site": "cross-site"},
                    {"Sec-Fetch-Site": "same-site"}):
        r = a.post("/domain/add", fields, headers=headers)
        check(r.status == 403, "%r: %d" % (headers, r.status))
    r = a.post("/login", {"name": "alice", "password": PASSWORD},
               csrf=False, headers={"Origin": "http://evil.example"})
    check(r.status == 403, "cross-origin login: %d" % r.status)
    check_not_stored(env, "origin.example", "stored from another origin")
    r = a.post("/domain/add", fields, headers={
        "Origin": "http://127.0.0.1:%d" % env.admin,
        "Sec-Fetch-Site": "same-origin"})
    check(r.status == 303, "same origin: %d %s" % (r.status,
                                                    notice(r.text)))


# ------------------------------------------------------------- writes

@case
def hostile_names_escaped_and_served(env):
    a = logged_in(env)
    r = a.post("/provider/add", {"id": "Hostile.Example",
                                 "display_name": HOSTILE[:60],
                                 "short_name": "<i>x</i>"})
    check(r.status == 303 and r.header("Location") ==
          "/provider?id=hostile.example", "add: %d %s %s"
          % (r.status, r.header("Location"), notice(r.text)))
    page = a.get("/provider?id=hostile.example").text
    check("<script>" not in page and "<b>" not in page and
          "<i>x" not in page, "raw markup in the page")
    check("&lt;script&gt;alert(&apos;x&apos;)" in page or
          "&lt;script&gt;alert('x')" in page, "name not shown escaped")
    check("Hôte" in html.unescape(page), "UTF-8 lost")
    check(version_of(page) != "0", "no version")
    steps = [
        ("/domain/add", {"domain": "Mail.Hostile.Example."}),
        ("/server/add", {"type": "imap", "host": "imap.hostile.example",
                         "port": "993", "socket": "SSL",
                         "username": "%EMAILADDRESS%",
                         "auth": "password-cleartext", "priority": "0",
                         "domain": ""}),
        ("/server/add", {"type": "smtp", "host": "smtp.hostile.example",
                         "port": "465", "socket": "SSL",
                         "username": "%EMAILADDRESS%",
                         "auth": "password-cleartext", "priority": "0",
                         "domain": ""}),
    ]
    for path, fields in steps:
        v = version_of(a.get("/provider?id=hostile.example").text)
        fields = dict(fields, id="hostile.example", version=v)
        t0 = time.monotonic()
        r = a.post(path, fields)
        check(r.status == 303, "%s: %d %s" % (path, r.status,
                                               notice(r.text)))
    # served by the public listener within a second of the last write
    deadline = t0 + 1.0
    while True:
        p = public_get(env, "/mail/config-v1.1.xml?emailaddress="
                       "jo%40mail.hostile.example")
        if p.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    took = time.monotonic() - t0
    check(p.status == 200, "not served %.2f s after the write: %d"
          % (took, p.status))
    check(b"<hostname>smtp.hostile.example</hostname>" in p.body and
          b"&lt;script&gt;" in p.body, "the answer lacks the servers")
    env.served_after = took
    listing = a.get("/?q=hostile").text
    check("hostile.example" in listing and "free.fr" not in listing,
          "search by domain")
    check("<script>" not in listing, "raw markup in the list")


@case
def stale_version_409(env):
    a = logged_in(env)
    v = version_of(a.get("/provider?id=free.fr").text)
    r = a.post("/domain/add", {"id": "free.fr", "version": v,
                               "domain": "first.example"})
    check(r.status == 303, "first write: %d %s" % (r.status,
                                                    notice(r.text)))
    r = a.post("/domain/add", {"id": "free.fr", "version": v,
                               "domain": "second.example"})
    check(r.status == 409, "stale form: %d" % r.status)
    check("changed since" in (notice(r.text) or ""), "no notice")
    check("first.example" in r.text and version_of(r.text) != v,
          "409 does not show the current values")
    # a change from the command line counts too
    v = version_of(r.text)
    c = suivant(env, "domain", "add", "cli.example", "--provider",
                "free.fr", "--db", env.db)
    check(c.returncode == 0, c.stderr)
    r = a.post("/domain/add", {"id": "free.fr", "version": v,
                               "domain": "second.example"})
    check(r.status == 409, "after a CLI write: %d" % r.status)
    # a field the provider file does not show (a server's priority) too
    v = version_of(r.text)
    sid = re.search(r'name="server" value="(\d+)"', r.text).group(1)
    c = suivant(env, "server", "set", sid, "--priority", "7", "--db",
                env.db)
    check(c.returncode == 0, c.stderr)
    r = a.post("/domain/add", {"id": "free.fr", "version": v,
                               "domain": "second.example"})
    check(r.status == 409, "after a priority change: %d" % r.status)
    check_not_stored(env, "second.example", "stored with a stale version")


@case
def invalid_port_validator_message(env):
    a = logged_in(env)
    page = a.get("/provider?id=free.fr").text
    v = version_of(page)
    m = re.search(r'name="server" value="(\d+)"', page)
    check(m is not None, "no server form")
    sid = m.group(1)
    before = suivant(env, "server", "list", "--provider", "free.fr",
                     "--json", "--db", env.db).stdout
    base = {"id": "free.fr", "version": v, "server": sid, "type": "imap",
            "host": "imap.free.fr", "socket": "SSL",
            "username": "%EMAILADDRESS%", "auth": "password-cleartext",
            "priority": "0", "domain": ""}
    for port, want in (("0", "port: 0 is not in 1..65535"),
                       ("70000", "port: 70000 is not in 1..65535"),
                       ("abc", "port: not a number")):
        r = a.post("/server/set", dict(base, port=port))
        check(r.status == 422, "port %s: %d" % (port, r.status))
        check(want in (notice(r.text) or ""), "port %s: notice %r"
              % (port, notice(r.text)))
    r = a.post("/server/set", dict(base, port="993", auth="bogus"))
    check(r.status == 422 and "bogus" in (notice(r.text) or ""),
          "bad auth: %d" % r.status)
    after = suivant(env, "server", "list", "--provider", "free.fr",
                    "--json", "--db", env.db).stdout
    check(before == after, "something was stored")


@case
def edit_names_domains_servers(env):
    a = logged_in(env)
    page = a.get("/provider?id=hostile.example").text
    r = a.post("/provider/set", {"id": "hostile.example",
                                 "version": version_of(page),
                                 "display_name": "Hostile Mail",
                                 "short_name": "Hostile",
                                 "webmail": "https://webmail.hostile.example/",
                                 "oauth2_issuer": "", "oauth2_scope": "",
                                 "oauth2_auth_url": "",
                                 "oauth2_token_url": ""})
    check(r.status == 303, "provider set: %d %s" % (r.status,
                                                     notice(r.text)))
    page = a.get("/provider?id=hostile.example").text
    sids = re.findall(r'name="server" value="(\d+)"', page)
    check(len(sids) == 4, "servers in the page: %r" % sids)  # 2 x 2 forms
    r = a.post("/server/set", {"id": "hostile.example",
                               "version": version_of(page),
                               "server": sids[0], "type": "imap",
                               "host": "imap.hostile.example",
                               "port": "143", "socket": "STARTTLS",
                               "username": "%EMAILLOCALPART%",
                               "auth": "password-cleartext, OAuth2",
                               "priority": "5", "domain": ""})
    check(r.status == 303, "server set: %d %s" % (r.status,
                                                   notice(r.text)))
    shown = json.loads(suivant(env, "server", "list", "--provider",
                               "hostile.example", "--json", "--db",
                               env.db).stdout)
    imap = [s for s in shown if s["type"] == "imap"][0]
    check(imap["port"] == 143 and imap["socket"] == "STARTTLS" and
          imap["auth"] == ["password-cleartext", "OAuth2"] and
          str(imap["id"]) == sids[0], "stored %r" % imap)
    shown = json.loads(suivant(env, "provider", "show", "hostile.example",
                               "--json", "--db", env.db).stdout)
    check("Hostile Mail" in json.dumps(shown), "names not stored")
    # another provider's domain is refused with the store's message
    v = version_of(a.get("/provider?id=hostile.example").text)
    r = a.post("/domain/add", {"id": "hostile.example", "version": v,
                               "domain": "free.fr"})
    check(r.status == 409 and "free.fr" in (notice(r.text) or ""),
          "taken domain: %d %r" % (r.status, notice(r.text)))
    r = a.post("/domain/rm", {"id": "hostile.example", "version": v,
                              "domain": "free.fr"})
    check(r.status == 422, "removing another's domain: %d" % r.status)


@case
def webmail_redirect_prefix_kept(env):
    """t-online.de's loginPageInfo waitForRedirectionURLPrefix (issue 16)
    survives an edit of the names, and goes with the webmail when it is
    cleared (the form has no field for it)."""
    c = suivant(env, "import", os.path.join(ROOT, "tests", "data",
                                            "roundtrip", "t-online.de.xml"),
                "--db", env.db)
    check(c.returncode == 0, c.stderr)
    a = logged_in(env)

    def webmail():
        return json.loads(suivant(env, "provider", "show", "t-online.de",
                                  "--json", "--db", env.db).stdout)["webmail"]

    form = {"id": "t-online.de", "display_name": "Telekom",
            "short_name": "T-Online", "webmail": "https://email.t-online.de/em",
            "oauth2_issuer": "", "oauth2_scope": "", "oauth2_auth_url": "",
            "oauth2_token_url": ""}
    page = a.get("/provider?id=t-online.de").text
    r = a.post("/provider/set", dict(form, version=version_of(page)))
    check(r.status == 303, "names: %d %s" % (r.status, notice(r.text)))
    check(webmail().get("wait_redirect_prefix") ==
          "https://email.t-online.de/em", "prefix lost: %r" % webmail())
    page = a.get("/provider?id=t-online.de").text
    r = a.post("/provider/set", dict(form, webmail="",
                                     version=version_of(page)))
    check(r.status == 303, "no webmail: %d %s" % (r.status, notice(r.text)))
    check(webmail() is None, "webmail left: %r" % webmail())


@case
def import_dry_run_then_commit(env):
    a = logged_in(env)
    with open(os.path.join(ROOT, "tests", "data", "import",
                           "minimal.xml"), "rb") as f:
        data = f.read()
    pid = re.search(rb'emailProvider id="([^"]+)"', data).group(1).decode()
    r = a.get("/import")
    check(r.status == 200 and 'type="file"' in r.text, "import page")
    r = a.post_multipart("/import", {}, {"file": ("minimal.xml", data)})
    check(r.status == 200 and "Dry run" in r.text, "dry run: %d %s"
          % (r.status, notice(r.text)))
    c = suivant(env, "provider", "show", pid, "--db", env.db)
    check(c.returncode == 66, "the dry run stored the provider")
    m = re.search(r'name="version" value="([0-9a-f]+|none)"', r.text)
    check(m is not None and 'action="/import/commit"' in r.text,
          "no commit form")
    # the file travels back in the commit form, as a browser sends it
    hidden = re.search(r'name="file" value="([^"]*)"', r.text)
    check(hidden is not None, "no file in the commit form")
    sent = html.unescape(hidden.group(1)).encode()
    r = a.post_multipart("/import/commit", {"version": m.group(1),
                                            "repair": ""},
                         {"file": ("minimal.xml", sent)})
    check(r.status == 303 and pid in (r.header("Location") or ""),
          "commit: %d %s" % (r.status, notice(r.text)))
    c = suivant(env, "provider", "show", pid, "--db", env.db)
    check(c.returncode == 0, "not stored")
    bad = a.post_multipart("/import", {}, {"file": ("bad.xml",
                                                    b"<clientConfig>")})
    check(bad.status == 422 and "upload" in (notice(bad.text) or ""),
          "bad file: %d %r" % (bad.status, notice(bad.text)))
    # committing over a provider changed since the dry run
    r = a.post_multipart("/import", {}, {"file": ("minimal.xml", data)})
    v = re.search(r'name="version" value="([0-9a-f]+|none)"', r.text).group(1)
    c = suivant(env, "domain", "add", "late.example", "--provider", pid,
                "--db", env.db)
    check(c.returncode == 0, c.stderr)
    r = a.post_multipart("/import/commit", {"version": v},
                         {"file": ("minimal.xml", data)})
    check(r.status == 409, "stale import: %d" % r.status)


@case
def export_lookup_check_audit(env):
    a = logged_in(env)
    r = a.get("/export?id=hostile.example")
    check(r.status == 200 and r.header("Content-Disposition") ==
          'attachment; filename="hostile.example.xml"' and
          b"<emailProvider" in r.body, "export: %d" % r.status)
    check(a.get("/export?id=nope.example").status == 404, "export 404")
    r = a.get("/lookup?address=jean.dupont%40free.fr")
    check(r.status == 200 and "&lt;emailProvider" in r.text and
          "jean.dupont@free.fr" in r.text, "lookup: %d" % r.status)
    for fmt in ("autoconfig", "mobileconfig", "autodiscover"):
        check(fmt in r.text, "lookup lacks %s" % fmt)
    cli = suivant(env, "lookup", "jean.dupont@free.fr", "--db", env.db)
    shown = html.unescape(re.search(r"<pre>(.*?)</pre>", r.text,
                                    re.S).group(1))
    check(shown == cli.stdout, "lookup differs from suivant lookup")
    check(a.get("/lookup?address=nobody%40nowhere.invalid").status == 404,
          "lookup of an unknown domain")
    check(a.get("/lookup?address=not-an-address").status == 400,
          "lookup of a bad address")
    r = a.get("/check")
    check(r.status == 200 and "providers:" in r.text, "check page")
    r = a.get("/audit")
    check(r.status == 200 and "server set" in r.text and
          "provider add" in r.text and "alice" in r.text, "audit page")
    check("<script>" not in r.text, "raw markup in the audit page")
    c = suivant(env, "audit", "--json", "--db", env.db)
    entries = json.loads(c.stdout)
    actions = [e["action"] for e in entries]
    for want in ("provider add", "domain add", "server add", "server set",
                 "provider set", "import"):
        check(want in actions, "audit --json lacks %s: %r"
              % (want, actions))
    e = [e for e in entries if e["action"] == "server set"][0]
    check(e["account"] == "alice" and e["before"]["port"] == 993 and
          e["after"]["port"] == 143, "server set entry %r" % e)
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["time"]),
          "time %r" % e["time"])


@case
def provider_rm_confirmed(env):
    a = logged_in(env)
    r = a.post("/provider/add", {"id": "gone.example"})
    check(r.status == 303, "add: %d" % r.status)
    v = version_of(a.get("/provider?id=gone.example").text)
    r = a.post("/provider/rm", {"id": "gone.example", "version": v,
                                "confirm": "wrong"})
    check(r.status == 422, "unconfirmed rm: %d" % r.status)
    r = a.post("/provider/rm", {"id": "gone.example", "version": v,
                                "confirm": "gone.example"})
    check(r.status == 303 and r.header("Location") == "/",
          "rm: %d %s" % (r.status, notice(r.text)))
    check(a.get("/provider?id=gone.example").status == 404, "still there")


# ------------------------------------------------------------- bodies

@case
def bodies_bounded_and_checked(env):
    a = logged_in(env)
    v = version_of(a.get("/provider?id=free.fr").text)
    for ctype, size in (("application/x-www-form-urlencoded",
                         64 * 1024 + 1),
                        ("multipart/form-data; boundary=b",
                         1024 * 1024 + 64 * 1024 + 1)):
        r = raw_post(env, "/import", ctype, b"x" * size, a.cookie)
        check(r.status == 413, "%s, %d bytes: %s" % (ctype, size,
                                                     r.status))
    r = raw_post(env, "/domain/add", "application/x-www-form-urlencoded",
                 b"domain=" + b"a" * (64 * 1024 - 7), a.cookie)
    check(r.status == 403, "a form at the cap is read: %s" % r.status)
    for ctype in ("text/plain", "application/json", "text/xml"):
        r = a.request("POST", "/domain/add", b"domain=x", {
            "Content-Type": ctype})
        check(r.status == 415, "%s: %d" % (ctype, r.status))
    base = "csrf=%s&id=free.fr&version=%s&domain=" % (a.csrf, v)
    for value in ("a%00b.example", "%ff%fe.example", "a%01b.example",
                  "%c0%ae.example"):
        r = a.request("POST", "/domain/add", (base + value).encode(), {
            "Content-Type": "application/x-www-form-urlencoded"})
        check(r.status == 400, "%s: %d" % (value, r.status))
    r = a.get("/provider?id=free%00.fr")
    check(r.status == 400, "NUL in the query: %d" % r.status)
    # a chunked body that outgrows the cap: the connection is dropped
    s = socket.create_connection(("127.0.0.1", env.admin), timeout=10)
    try:
        s.sendall(b"POST /domain/add HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  b"application/x-www-form-urlencoded\r\nTransfer-Encoding:"
                  b" chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (8192, b"a" * 8192)
        try:
            for _ in range(10):
                s.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = httpwire.read_response(s, bytearray())
        check(resp.closed or resp.status == 413, "chunked over the cap: "
              "%s" % resp.status)
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()


def raw_post(env, path, ctype, body, cookie):
    """A POST over a raw socket, read even when the server answers before
    taking the whole body (413)."""
    s = socket.create_connection(("127.0.0.1", env.admin), timeout=10)
    try:
        head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
                "Content-Length: %d\r\nCookie: %s\r\nConnection: close"
                "\r\n\r\n" % (path, ctype, len(body), cookie)).encode()
        try:
            s.sendall(head + body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return httpwire.read_response(s, bytearray())
    finally:
        s.close()


@case
def public_listener_never_routes_admin(env):
    paths = ["/login", "/LOGIN", "/Login", "/%6cogin", "/%6C%6F%67%69%6E",
             "/style.css", "/provider?id=free.fr", "/PROVIDER?id=free.fr",
             "/audit", "/check", "/import", "/export?id=free.fr",
             "/lookup?address=a%40free.fr", "/admin", "/admin/",
             "/logout", "//login", "/./login", "/%2flogin",
             "/provider/add", "/domain%2fadd"]
    for path in paths:
        r = public_get(env, path)
        check(r.status == 404, "public GET %s: %d" % (path, r.status))
        check(r.header("Set-Cookie") is None and b"<form" not in r.body,
              "public GET %s looks like the admin" % path)
    conn = http.client.HTTPConnection("127.0.0.1", env.public, timeout=10)
    try:
        conn.request("POST", "/login", body=urllib.parse.urlencode(
            {"name": "alice", "password": PASSWORD}), headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        body = r.read()
        check(r.status in (404, 405) and r.getheader("Set-Cookie") is None
              and b"<form" not in body, "public POST /login: %d"
              % r.status)
    finally:
        conn.close()
    a = Admin(env.admin)
    for path in ("/LOGIN", "/%6cogin", "/login/", "//login", "/Style.css"):
        r = a.get(path)
        check(r.status == 404, "admin GET %s: %d" % (path, r.status))


# ------------------------------------------------------------- back-off

@case
def login_backoff_per_account(env):
    # three failures for bob from three addresses: the fourth attempt,
    # from a fourth address, waits; so does the right password
    for i in range(3):
        a = Admin(env.admin, source="127.0.1.%d" % (i + 1))
        r = a.post("/login", {"name": "bob", "password": "wrong-%d" % i},
                   csrf=False)
        check(r.status == 401, "failure %d: %d" % (i + 1, r.status))
    a = Admin(env.admin, source="127.0.1.9")
    r = a.post("/login", {"name": "bob", "password": PASSWORD},
               csrf=False)
    check(r.status == 429 and r.header("Retry-After") == "1",
          "during the back-off: %d %s" % (r.status,
                                          r.header("Retry-After")))
    check(a.cookie is None, "a session during the back-off")
    time.sleep(1.2)
    r = a.post("/login", {"name": "bob", "password": "wrong-again"},
               csrf=False)
    check(r.status == 401, "after the wait: %d" % r.status)
    r = a.post("/login", {"name": "bob", "password": PASSWORD},
               csrf=False)
    check(r.status == 429 and r.header("Retry-After") == "2",
          "second back-off: %d %s" % (r.status, r.header("Retry-After")))
    time.sleep(2.2)
    r = a.post("/login", {"name": "bob", "password": PASSWORD},
               csrf=False)
    check(r.status == 303, "right password after the wait: %d" % r.status)
    # a success clears the count
    b = Admin(env.admin, source="127.0.1.10")
    r = b.post("/login", {"name": "bob", "password": "wrong"}, csrf=False)
    check(r.status == 401, "first failure after a success: %d" % r.status)


@case
def login_backoff_per_address(env):
    a = Admin(env.admin, source="127.0.2.1")
    for i in range(3):
        r = a.post("/login", {"name": "guess%d" % i, "password": "x" * 12},
                   csrf=False)
        check(r.status == 401, "failure %d: %d" % (i + 1, r.status))
    r = a.post("/login", {"name": "alice", "password": PASSWORD},
               csrf=False)
    check(r.status == 429 and int(r.header("Retry-After")) >= 1,
          "same address, other account: %d" % r.status)
    b = Admin(env.admin, source="127.0.2.2")
    b.login()  # other addresses are not slowed


# ------------------------------------------------------------- HTTPS

@case
def https_cookie_and_refusals(env):
    if shutil.which("openssl") is None:
        raise Skip("openssl is not installed")
    cert = os.path.join(env.tmp, "cert.pem")
    key = os.path.join(env.tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    key, "-out", cert, "-days", "2", "-subj",
                    "/CN=127.0.0.1"], check=True, capture_output=True,
                   timeout=60)
    # a non-loopback address needs HTTPS
    r = subprocess.run([env.binary, "serve", "--db", env.db, "--listen",
                        "127.0.0.1:0", "--admin-listen", "0.0.0.0:0"],
                       capture_output=True, text=True, timeout=20,
                       stdin=subprocess.DEVNULL)
    check(r.returncode == 64 and "loopback" in r.stderr,
          "plain admin on 0.0.0.0: %d %s" % (r.returncode, r.stderr))
    log = open(os.path.join(env.tmp, "tls.log"), "wb")
    proc = subprocess.Popen([env.binary, "serve", "--db", env.db,
                             "--listen", "127.0.0.1:0", "--admin-listen",
                             "127.0.0.1:0", "--tls-cert", cert,
                             "--tls-key", key] + httpwire.unprivileged(
                                 [], os.path.dirname(env.db)),
                            stdout=subprocess.PIPE,
                            stderr=log, stdin=subprocess.DEVNULL)
    try:
        lines = read_ready(proc, 2)
        m = re.fullmatch(r"ready admin port=(\d+) tls", lines[1])
        check(m is not None, "ready lines %r" % lines)
        a = Admin(int(m.group(1)), tls=True)
        r = a.post("/login", {"name": "alice", "password": PASSWORD},
                   csrf=False)
        check(r.status == 303, "login over HTTPS: %d" % r.status)
        c = r.header("Set-Cookie")
        check(re.fullmatch(r"__Host-suivant=[0-9a-f]{64}; Path=/; "
                           r"Max-Age=43200; HttpOnly; SameSite=Strict; "
                           r"Secure", c or ""), "cookie %r" % c)
        check(a.get("/").status == 200, "page over HTTPS")
        r = a.post("/logout", {}, headers={
            "Origin": "http://127.0.0.1:%s" % m.group(1)})
        check(r.status == 403, "http origin for an https page: %d"
              % r.status)
    finally:
        code, died = httpwire.stop_server(proc)
        log.close()
    check(code == 0 and not died, "the HTTPS server exited %s" % code)


# ------------------------------------------------------------- main

def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    env = Env()
    env.binary = os.path.abspath(argv[1])
    wanted = argv[2:]
    env.tmp = tempfile.mkdtemp(prefix="sv-webadmin-")
    env.log_path = os.path.join(env.tmp, "serve.log")
    passed = failed = skipped = 0
    server = None
    try:
        env.db, env.pwfile = adminserve.make_db(env.binary, env.tmp,
                                                ["alice", "bob"])
        server = adminserve.Server(env.binary, env.db, env.log_path)
        env.public, env.admin = server.public, server.admin
        for name, fn in CASES:
            if wanted and not any(w in name for w in wanted):
                continue
            try:
                fn(env)
            except Skip as e:
                print("skip %s: %s" % (name, e))
                skipped += 1
            except (Failure, OSError, http.client.HTTPException,
                    httpwire.WireError, ValueError, KeyError,
                    subprocess.SubprocessError) as e:
                print("FAIL %s: %s: %s" % (name, type(e).__name__, e),
                      flush=True)
                failed += 1
            else:
                print("ok %s" % name, flush=True)
                passed += 1
        if hasattr(env, "served_after"):
            print("# a change was served by the public listener %.3f s "
                  "after the admin's POST" % env.served_after)
    except (Failure, OSError, subprocess.SubprocessError) as e:
        print("FAIL setup: %s" % e)
        failed += 1
    finally:
        ok, bad = adminserve.stop_counted(server)
        passed, failed = passed + ok, failed + bad
        if os.environ.get("SV_WEBADMIN_KEEP"):
            print("# kept %s" % env.tmp)
        else:
            shutil.rmtree(env.tmp, ignore_errors=True)
    print("webadmin: %d passed, %d failed, %d skipped"
          % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
