#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""Hosting at scale (issue #20), against real components:

- MX rows with Knot DNS (knotd) serving a test zone on a loopback port:
  MX hosts inside and outside the hoster's suffix, a name without MX, and
  a sub-zone whose server never answers (Knot's dnsproxy module forwards
  it to a UDP socket nobody reads), through `serve --resolver`,
  `lookup` and `dns`;
- PACC's digest (issue 19): the document `serve` sends hashes to the TXT
  record `dns` prints; `dns check` against Knot serving zones written
  from `dns` (correct, a wrong SRV port, a stale digest, none, a
  rollover with two digests, tags in another order), and against a UDP
  socket that never answers (exit 69 within one query's timeout);
- `sync` from PostgreSQL 15 (initdb + pg_ctl in a temporary directory,
  as the user nobody, on a Unix socket) and from MariaDB
  (mariadb-install-db + mariadbd, the same way), each with a
  PostfixAdmin-style `domain` table;
- /tls/ask behind Debian's caddy with deploy/Caddyfile (its internal CA
  instead of ACME, loopback ports): caddy asks before it gets a
  certificate and proxies to suivant;
- `publish`: two `serve` processes on one published file switch to a new
  publication within 2 s.

usage: run.py SUIVANT [NAME-SUBSTRING...]
env:   SV_PROD_KEEP=1 keeps each test's temporary directory

Each test skips (never passes) with a message when its server is not
installed. Prints "ok NAME", "skip NAME: reason" or "FAIL NAME: reason",
then "hosting: N passed, N failed, N skipped"; exit 1 on a failure, 77
when every test skipped.
"""

import concurrent.futures
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "prod"))
from run import (Failure, Server, Skip, check, curl, free_port,  # noqa
                 run_tests)
import httpwire  # noqa: E402  (tests/httpwire.py, on the path prod set)

ROOT = os.environ.get("SV_SOURCE_ROOT", os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
PG_BIN = "/usr/lib/postgresql/15/bin"
UNPRIVILEGED = "nobody"


def run(suivant, *args, ok=True, env=None, timeout=120):
    done = subprocess.run([suivant] + list(args), capture_output=True,
                          text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))
    if ok:
        check(done.returncode == 0, "suivant %s: exit %d: %s"
              % (" ".join(args), done.returncode, done.stderr[-800:]))
    return done


def get(port, path, host="localhost", method="GET", body=None,
        headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    h = {"Host": host}
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict(r.getheaders()), data.decode("utf-8", "replace")


def metric(port, name):
    _, _, text = get(port, "/metrics")
    m = re.search(r"^%s (\d+)$" % re.escape(name), text, re.M)
    check(m, "no metric %s" % name)
    return int(m.group(1))


def hoster_db(suivant, tmp, db="suivant.db"):
    """An empty database with two servable providers and no domain."""
    path = os.path.join(tmp, db)
    if os.path.exists(path):
        os.unlink(path)
    run(suivant, "init", "--empty", "--db", path)
    for pid, host in (("hoster.test", "mail.hoster.test"),
                      ("other.test", "mail.other.test")):
        run(suivant, "provider", "add", pid, "--name", pid, "--db", path)
        run(suivant, "server", "add", "--provider", pid, "--type", "imap",
            "--host", host, "--port", "993", "--socket", "SSL",
            "--db", path)
        run(suivant, "server", "add", "--provider", pid, "--type", "smtp",
            "--host", host, "--port", "465", "--socket", "SSL",
            "--db", path)
    return path


def provider_of(text):
    m = re.search(r'<emailProvider id="([^"]+)"', text)
    return m.group(1) if m else None


# ---------------------------------------------------------------- DNS --

class Knot:
    """knotd on a loopback port with the zone test. (ZONE, or zone: its
    text after the SOA and NS); slow.test goes to a UDP socket that never
    answers. Also used by tests/bench/run.py."""

    ZONE = """$ORIGIN test.
$TTL 300
@ SOA ns.test. admin.test. 1 3600 600 86400 60
@ NS ns.test.
ns A 127.0.0.1
cust1 MX 10 mx1.mx.hoster.test.
cust1 MX 20 backup.elsewhere.test.
cust2 MX 10 mail.elsewhere.test.
cust3 MX 10 mx.exact.test.
backup MX 10 mail.elsewhere.test.
backup MX 20 mx2.mx.hoster.test.
exactwins MX 10 mx1.mx.hoster.test.
nomx A 192.0.2.1
"""

    def __init__(self, tmp, zone=None):
        knotd = httpwire.sbin("knotd")
        if knotd is None:
            raise Skip("knotd not installed (package knot): MX rows not "
                       "tested against a DNS server")
        d = os.path.join(tmp, "knot")
        os.makedirs(d)
        self.blackhole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.blackhole.bind(("127.0.0.1", 0))
        self.port = free_port()
        with open(os.path.join(d, "test.zone"), "w") as f:
            f.write(self.ZONE if zone is None else
                    "\n".join(self.ZONE.split("\n")[:5]) + "\n" + zone)
        with open(os.path.join(d, "slow.zone"), "w") as f:
            f.write("$ORIGIN slow.test.\n$TTL 300\n@ SOA ns.test. "
                    "admin.test. 1 3600 600 86400 60\n@ NS ns.test.\n")
        conf = os.path.join(d, "knot.conf")
        with open(conf, "w") as f:
            f.write("""server:
    rundir: "%(d)s"
    listen: 127.0.0.1@%(port)d
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "%(d)s"
remote:
  - id: blackhole
    address: 127.0.0.1@%(bport)d
mod-dnsproxy:
  - id: slow
    remote: blackhole
    timeout: 20000
    fallback: off
template:
  - id: default
    storage: "%(d)s"
zone:
  - domain: test
    file: test.zone
  - domain: slow.test
    file: slow.zone
    module: mod-dnsproxy/slow
""" % {"d": d, "port": self.port,
       "bport": self.blackhole.getsockname()[1]})
        self.log = open(os.path.join(d, "knotd.log"), "wb")
        self.proc = subprocess.Popen([knotd, "-c", conf], stderr=self.log,
                                     stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.answers():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise Failure("knotd did not start")
            time.sleep(0.1)
        self.resolver = "127.0.0.1:%d" % self.port

    def answers(self):
        """Whether knotd answers an SOA query yet (a hand-made one)."""
        q = (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
             b"\x04test\x00\x00\x06\x00\x01")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(q, ("127.0.0.1", self.port))
                return s.recv(512)[:2] == b"\x12\x34"
            except OSError:
                return False

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.blackhole.close()
        self.log.close()


def mx_db(suivant, tmp):
    db = hoster_db(suivant, tmp)
    run(suivant, "domain", "add", "mx:*.MX.hoster.test.", "--provider",
        "hoster.test", "--db", db)
    run(suivant, "domain", "add", "mx:mx.exact.test", "--provider",
        "other.test", "--db", db)
    run(suivant, "domain", "add", "exactwins.test", "--provider",
        "other.test", "--db", db)
    return db


def autoconfig(port, domain):
    return get(port, "/mail/config-v1.1.xml?emailaddress=a%40" + domain)


def test_mx_rows(suivant, tmp):
    """Resolution order, caching, metrics and the access line."""
    knot = Knot(tmp)
    try:
        mx_db(suivant, tmp)
        srv = Server(suivant, tmp, ["--listen", "127.0.0.1:0", "--resolver",
                                    knot.resolver], 1)
        try:
            p = srv.plain[0]
            for domain, want in (("cust1.test", "hoster.test"),
                                 ("cust3.test", "other.test"),
                                 ("backup.test", "hoster.test"),
                                 ("exactwins.test", "other.test"),
                                 ("cust2.test", None), ("nomx.test", None),
                                 ("unknown.test", None)):
                st, _, body = autoconfig(p, domain)
                check(st == (200 if want else 404) and
                      provider_of(body) == want,
                      "%s: %d %s, expected %s" % (domain, st,
                                                  provider_of(body), want))
            queries = metric(p, "suivant_mx_queries_total")
            # exactwins.test has its own row: no query for it
            check(queries == 6, "%d MX queries, expected 6" % queries)
            for domain in ("cust1.test", "cust2.test", "nomx.test"):
                autoconfig(p, domain)
            check(metric(p, "suivant_mx_queries_total") == 6,
                  "cached answers asked again")
            check(metric(p, "suivant_mx_cache_size") == 6, "cache size")
            check(re.search(r'suivant_mx_cache_lookups_total\{result="hit"\}'
                            r' 3$', get(p, "/metrics")[2], re.M),
                  "3 cache hits")
            # the other endpoints through the same stage (the v2 path form
            # and a POST: routed again, body kept, after the DNS wait)
            st, _, body = get(p, "/autodiscover/autodiscover.json/v1.0/"
                              "a@backup.test?Protocol=AutodiscoverV1")
            check(st == 200 and "autodiscover.backup.test" in body,
                  "v2 path form: %d %s" % (st, body[:200]))
            post = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover '
                    'xmlns="http://schemas.microsoft.com/exchange/'
                    'autodiscover/outlook/requestschema/2006"><Request>'
                    '<EMailAddress>b@cust3.test</EMailAddress>'
                    '<AcceptableResponseSchema>http://schemas.microsoft.com'
                    '/exchange/autodiscover/outlook/responseschema/2006a'
                    '</AcceptableResponseSchema></Request></Autodiscover>')
            st, _, body = get(p, "/autodiscover/autodiscover.xml",
                              method="POST", body=post.encode(), headers={
                                  "Content-Type": "text/xml"})
            check(st == 200 and "mail.other.test" in body,
                  "POX after DNS: %d %s" % (st, body[:300]))
            # a catch-all comes after the MX rows, never before
            run(suivant, "domain", "add", "*", "--provider", "other.test",
                "--db", os.path.join(tmp, "suivant.db"))
            time.sleep(1.5)
            check(provider_of(autoconfig(p, "cust1.test")[2]) ==
                  "hoster.test", "catch-all before an MX row")
            check(provider_of(autoconfig(p, "cust2.test")[2]) ==
                  "other.test", "catch-all not after a non-matching MX")
        finally:
            srv.stop()
        log = srv.log()
        for domain, note in (("cust1.test", "match"),
                             ("cust2.test", "nomatch"),
                             ("nomx.test", "none")):
            check(re.search(r"domain=%s .*mx=%s" % (re.escape(domain), note),
                            log), "no access line mx=%s for %s"
                  % (note, domain))
        check(not re.search(r"domain=exactwins\.test .*mx=", log),
              "an exact row went through the MX stage")
    finally:
        knot.stop()


def test_mx_timeout_blocks_no_worker(suivant, tmp):
    """A DNS server that never answers: 404 after about 2 s, logged
    mx=timeout, while a single worker thread keeps answering others;
    concurrent asks share one query; over --mx-max-inflight, 503."""
    knot = Knot(tmp)
    try:
        mx_db(suivant, tmp)
        run(suivant, "domain", "add", "plain.test", "--provider",
            "other.test", "--db", os.path.join(tmp, "suivant.db"))
        srv = Server(suivant, tmp, ["--listen", "127.0.0.1:0", "--resolver",
                                    knot.resolver, "--threads", "1",
                                    "--mx-max-inflight", "1"], 1)
        try:
            p = srv.plain[0]
            pool = concurrent.futures.ThreadPoolExecutor(8)
            t0 = time.monotonic()
            slow = [pool.submit(autoconfig, p, "a.slow.test")
                    for _ in range(5)]
            time.sleep(0.3)
            t1 = time.monotonic()
            st, _, _ = autoconfig(p, "plain.test")
            plain_s = time.monotonic() - t1
            check(st == 200 and plain_s < 0.5, "a plain request waited "
                  "%.2f s behind a DNS wait (status %d)" % (plain_s, st))
            st, h, _ = autoconfig(p, "cust1.test")  # a second query: over 1
            check(st == 503 and h.get("Retry-After") == "1",
                  "over --mx-max-inflight: %d %s" % (st, h))
            results = [f.result() for f in slow]
            took = time.monotonic() - t0
            check(all(r[0] == 404 for r in results),
                  "timeout: %s" % [r[0] for r in results])
            check(1.5 < took < 4.0, "timeout after %.2f s, not ~2 s" % took)
            check(metric(p, "suivant_mx_queries_total") == 1,
                  "5 asks for one domain: not one query")
            check(metric(p, "suivant_mx_timeouts_total") == 1, "timeouts")
            t1 = time.monotonic()
            st, _, _ = autoconfig(p, "a.slow.test")  # cached failure
            check(st == 404 and time.monotonic() - t1 < 0.5,
                  "a timed-out domain waited again at once")
        finally:
            srv.stop()
        check(len(re.findall(r"domain=a\.slow\.test .*mx=timeout",
                             srv.log())) == 6, "mx=timeout access lines")
        check(re.search(r"domain=cust1\.test .*mx=busy", srv.log()),
              "mx=busy access line")
    finally:
        knot.stop()


def test_mx_command_line(suivant, tmp):
    """`lookup` and `dns` resolve MX rows as serve does and say which MX
    host matched."""
    knot = Knot(tmp)
    try:
        db = mx_db(suivant, tmp)
        done = run(suivant, "lookup", "--db", db, "--resolver",
                   knot.resolver, "x@cust1.test")
        check(provider_of(done.stdout) == "hoster.test" and
              "MX host mx1.mx.hoster.test matches row mx:*.mx.hoster.test"
              in done.stderr, "lookup: %s" % done.stderr)
        done = run(suivant, "dns", "--db", db, "--resolver", knot.resolver,
                   "--json", "cust3.test")
        doc = json.loads(done.stdout)
        check(doc["mx_host"] == "mx.exact.test" and
              doc["pattern"] == "mx:mx.exact.test", "dns: %s" % doc)
        done = run(suivant, "dns", "--db", db, "--resolver", knot.resolver,
                   "backup.test")
        check(done.stdout.startswith("; backup.test is served through its "
                                     "MX host mx2.mx.hoster.test\n"),
              "dns text: %s" % done.stdout[:200])
        done = run(suivant, "lookup", "--db", db, "--resolver",
                   knot.resolver, "x@nomx.test", ok=False)
        check(done.returncode == 66 and "(MX look-up: none)" in
              done.stderr, "lookup nomx: %s" % done.stderr)
    finally:
        knot.stop()


# ---------------------------------------------------- PACC, dns check --

def zone_lines(suivant, db, domain, target):
    """The records `suivant dns` prints for domain, as zone-file lines."""
    done = run(suivant, "dns", "--db", db, "--target", target, domain)
    return [line for line in done.stdout.splitlines()
            if line and not line.startswith(";")]


def test_pacc_digest_and_dns_check(suivant, tmp):
    """Issue 19: the PACC document `serve` sends hashes to the digest
    `dns` prints; `dns check` against Knot finds a correct zone correct,
    a wrong SRV port and a stale PACC digest different, a zone without
    the records missing."""
    import base64
    import hashlib
    db = hoster_db(suivant, tmp)
    target = "suivant.hoster.test"
    for d in ("good.test", "badsrv.test", "stale.test", "absent.test"):
        run(suivant, "domain", "add", d, "--provider", "hoster.test",
            "--db", db)
    # stale.test's zone was written before the provider's name changed
    stale = zone_lines(suivant, db, "stale.test", target)
    run(suivant, "provider", "set", "hoster.test", "--name", "Hoster Test",
        "--db", db)
    good = zone_lines(suivant, db, "good.test", target)
    badsrv = [re.sub(r"( SRV\s+\d+ \d+ )993 ", r"\g<1>994 ", line)
              for line in zone_lines(suivant, db, "badsrv.test", target)]
    check(badsrv != zone_lines(suivant, db, "badsrv.test", target),
          "no _imaps SRV record to break: %s" % badsrv)
    srv = Server(suivant, tmp, ["--listen", "127.0.0.1:0"], 1)
    try:
        for d in ("good.test", "stale.test"):
            for host in ("ua-auto-config." + d, d):
                c = http.client.HTTPConnection("127.0.0.1", srv.plain[0],
                                               timeout=15)
                c.request("GET", "/.well-known/user-agent-configuration"
                          ".json", headers={"Host": host})
                r = c.getresponse()
                body = r.read()
                c.close()
                check(r.status == 200 and r.getheader("Content-Type") ==
                      "application/json", "%s: %d" % (host, r.status))
                check(json.loads(body)["info"]["provider"]["name"] ==
                      "Hoster Test", "document: %r" % body)
                digest = base64.b64encode(
                    hashlib.sha256(body).digest()).decode()
                doc = json.loads(run(suivant, "dns", "--db", db, "--json",
                                     d).stdout)
                txt = [rec["text"] for rec in doc["records"]
                       if rec["name"] == "_ua-auto-config.%s." % d]
                check(txt == ["v=UAAC1; a=sha256; d=" + digest],
                      "%s: dns prints %r, the served bytes hash to %s"
                      % (d, txt, digest))
    finally:
        srv.stop()
    knot = Knot(tmp, zone="\n".join(good + badsrv + stale) + "\n")
    try:
        done = run(suivant, "dns", "check", "good.test", "--db", db,
                   "--resolver", knot.resolver, "--target", target)
        lines = done.stdout.splitlines()
        check(len(lines) == len(good) + 2 and
              all(line.startswith("ok ") for line in lines[1:-1]) and
              lines[-1] == "%d record(s): %d ok, 0 missing, 0 different, "
              "0 unanswered" % (len(good), len(good)),
              "good.test: %s" % done.stdout)
        check(any("_ua-auto-config.good.test." in line for line in lines),
              "PACC TXT not checked: %s" % done.stdout)
        done = run(suivant, "dns", "check", "badsrv.test", "--db", db,
                   "--resolver", knot.resolver, "--target", target,
                   ok=False)
        check(done.returncode == 65 and re.search(
            r"(?m)^differs\s+_imaps\._tcp\.badsrv\.test\.\s+SRV\s+"
            r"0 1 993 mail\.hoster\.test\. \(published: 0 1 994 "
            r"mail\.hoster\.test\.\)$", done.stdout) and
            done.stdout.endswith("0 missing, 1 different, 0 unanswered\n"),
            "badsrv.test: %d %s" % (done.returncode, done.stdout))
        done = run(suivant, "dns", "check", "stale.test", "--db", db,
                   "--resolver", knot.resolver, "--target", target,
                   "--json", ok=False)
        doc = json.loads(done.stdout)
        bad = [rec for rec in doc["records"] if rec["status"] != "ok"]
        check(done.returncode == 65 and doc["different"] == 1 and
              len(bad) == 1 and bad[0]["name"] ==
              "_ua-auto-config.stale.test." and bad[0]["type"] == "TXT" and
              bad[0]["published"].startswith("\"v=UAAC1; ") and
              bad[0]["expected"] != bad[0]["published"],
              "stale.test: %d %s" % (done.returncode, done.stdout))
        done = run(suivant, "dns", "check", "absent.test", "--db", db,
                   "--resolver", knot.resolver, "--target", target,
                   ok=False)
        check(done.returncode == 65 and "0 ok, " in done.stdout and
              re.search(r"(?m)^missing\s+ua-auto-config\.absent\.test\.",
                        done.stdout), "absent.test: %d %s"
              % (done.returncode, done.stdout))
    finally:
        knot.stop()


# --------------------------------------------------------- TLS / caddy --

def test_dns_check_pacc_rollover(suivant, tmp):
    """Issue 19: during a PACC rollover `_ua-auto-config` holds the
    previous digest beside the current one (the draft allows several
    records): `dns check` accepts the current one, exit 0, and names the
    previous one as a notice; tags in another order with an unknown one
    match too, as clients read them; the previous digest alone differs."""
    db = hoster_db(suivant, tmp)
    target = "suivant.hoster.test"
    for d in ("roll.test", "reorder.test", "old.test"):
        run(suivant, "domain", "add", d, "--provider", "hoster.test",
            "--db", db)
    before = {d: zone_lines(suivant, db, d, target)
              for d in ("roll.test", "old.test")}
    run(suivant, "provider", "set", "hoster.test", "--name", "Hoster Test",
        "--db", db)
    txt_re = re.compile(r'^(_ua-auto-config\.\S+\s.*TXT\s+)"v=UAAC1; '
                        r'a=sha256; d=([^"]+)"$')
    roll = zone_lines(suivant, db, "roll.test", target)
    old_txt = [line for line in before["roll.test"] if txt_re.match(line)]
    check(len(old_txt) == 1 and old_txt[0] not in roll,
          "no previous digest to keep: %s / %s" % (old_txt, roll))
    reorder = [txt_re.sub(r'\1"a=sha256;v=UAAC1 ; x=1;d=\2"', line)
               for line in zone_lines(suivant, db, "reorder.test", target)]
    check(any('"a=sha256;v=UAAC1 ; x=1;d=' in line for line in reorder),
          "no TXT record to rewrite: %s" % reorder)
    knot = Knot(tmp, zone="\n".join(roll + old_txt + reorder +
                                     before["old.test"]) + "\n")
    try:
        done = run(suivant, "dns", "check", "roll.test", "--db", db,
                   "--resolver", knot.resolver, "--target", target)
        lines = done.stdout.splitlines()
        old_value = txt_re.match(old_txt[0]).group(2)
        notices = [line for line in lines if line.startswith("notice ")]
        check(len(notices) == 1 and re.match(
            r'notice\s+_ua-auto-config\.roll\.test\.\s+TXT\s+"v=UAAC1; '
            r'a=sha256; d=%s" \(another digest: the previous document\'s, '
            r'remove it once caches have the new one\)$'
            % re.escape(old_value), notices[0]) and
            lines[-1] == "%d record(s): %d ok, 0 missing, 0 different, "
            "0 unanswered, 1 notice(s)" % (len(roll), len(roll)),
            "roll.test: %s" % done.stdout)
        done = run(suivant, "dns", "check", "roll.test", "--db", db,
                   "--resolver", knot.resolver, "--target", target,
                   "--json")
        doc = json.loads(done.stdout)
        notes = [rec for rec in doc["records"] if rec["status"] == "notice"]
        check(doc["notices"] == 1 and doc["different"] == 0 and
              len(notes) == 1 and notes[0]["published"] ==
              '"v=UAAC1; a=sha256; d=%s"' % old_value and
              notes[0]["note"].startswith("another digest"),
              "roll.test --json: %s" % done.stdout)
        done = run(suivant, "dns", "check", "reorder.test", "--db", db,
                   "--resolver", knot.resolver, "--target", target)
        check(done.stdout.endswith("0 missing, 0 different, 0 unanswered\n")
              and re.search(r"(?m)^ok\s+_ua-auto-config\.reorder\.test\.",
                            done.stdout), "reorder.test: %s" % done.stdout)
        done = run(suivant, "dns", "check", "old.test", "--db", db,
                   "--resolver", knot.resolver, "--target", target,
                   ok=False)
        check(done.returncode == 65 and re.search(
            r"(?m)^differs\s+_ua-auto-config\.old\.test\.\s+TXT",
            done.stdout) and "notice" not in done.stdout,
            "old.test: %d %s" % (done.returncode, done.stdout))
    finally:
        knot.stop()


def test_dns_check_resolver_timeout(suivant, tmp):
    """Issue 19: a resolver that never answers (a UDP socket this test
    binds and never reads): `dns check` exits 69 within one query's
    timeout (the rest are not asked, each would wait as long again),
    names every record unanswered and says why on stderr."""
    db = hoster_db(suivant, tmp)
    run(suivant, "domain", "add", "quiet.test", "--provider",
        "hoster.test", "--db", db)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hole:
        hole.bind(("127.0.0.1", 0))
        resolver = "127.0.0.1:%d" % hole.getsockname()[1]
        expected = zone_lines(suivant, db, "quiet.test", "s.hoster.test")
        t0 = time.monotonic()
        done = run(suivant, "dns", "check", "quiet.test", "--db", db,
                   "--resolver", resolver, "--target", "s.hoster.test",
                   ok=False, timeout=60)
        took = time.monotonic() - t0
    lines = done.stdout.splitlines()
    check(done.returncode == 69, "exit %d, not 69: %s %s" % (
        done.returncode, done.stdout, done.stderr))
    check(2.5 < took < 8, "%d records answered in %.1f s, not one 3 s wait"
          % (len(expected), took))
    check(len(expected) > 5 and len(lines) == len(expected) + 2 and
          lines[1].endswith("(no answer in time)") and
          all(line.startswith("error ") and line.endswith(
              "(not asked: an earlier query had no answer in time)")
              for line in lines[2:-1]) and
          lines[-1] == "%d record(s): 0 ok, 0 missing, 0 different, "
          "%d unanswered" % (len(expected), len(expected)),
          "stdout: %s" % done.stdout)
    check(done.stderr.endswith("\nsuivant: dns check: %s did not answer "
                               "in time (3 s): %d record(s) not checked\n"
                               % (resolver, len(expected))),
          "stderr: %r" % done.stderr)


def test_tls_ask_behind_caddy(suivant, tmp):
    """deploy/Caddyfile with caddy's internal CA: a certificate only for
    the names /tls/ask accepts, then the request proxied to suivant."""
    caddy = shutil.which("caddy")
    if caddy is None:
        raise Skip("caddy not installed (package caddy): deploy/Caddyfile "
                   "not tested")
    db = hoster_db(suivant, tmp)
    run(suivant, "domain", "add", "cust.test", "--provider", "hoster.test",
        "--db", db)
    run(suivant, "domain", "add", "*.wild.test", "--provider", "other.test",
        "--db", db)
    run(suivant, "domain", "add", "*", "--provider", "other.test", "--db",
        db)
    srv = Server(suivant, tmp, ["--listen", "127.0.0.1:0"], 1)
    proc = None
    try:
        p = srv.plain[0]
        for name, want in (("autoconfig.cust.test", 200),
                           ("AUTODISCOVER.cust.test.", 200),
                           ("ua-auto-config.a.wild.test", 200),
                           ("www.cust.test", 404),
                           ("autoconfig.anything.test", 404),  # only '*'
                           ("autoconfig.a..b", 400)):
            st, _, _ = get(p, "/tls/ask?domain=" + name)
            check(st == want, "/tls/ask %s: %d, expected %d" % (name, st,
                                                                 want))
        https, http_port = free_port(), free_port()
        env = dict(os.environ, HOME=tmp, XDG_DATA_HOME=tmp,
                   XDG_CONFIG_HOME=tmp, SUIVANT_ADDRESS="127.0.0.1:%d" % p,
                   CADDY_HTTP_PORT=str(http_port),
                   CADDY_HTTPS_PORT=str(https), CADDY_ISSUER="internal",
                   CADDY_ADMIN="off")
        log = open(os.path.join(tmp, "caddy.log"), "wb")
        proc = subprocess.Popen([caddy, "run", "--adapter", "caddyfile",
                                 "--config",
                                 os.path.join(ROOT, "deploy", "Caddyfile")],
                                env=env, stdout=log, stderr=log, cwd=tmp)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", https), 0.2).close()
                break
            except OSError:
                check(time.monotonic() < deadline and proc.poll() is None,
                      "caddy did not start: %s" % open(
                          os.path.join(tmp, "caddy.log")).read()[-1500:])
                time.sleep(0.2)
        root = os.path.join(tmp, "caddy", "pki", "authorities", "local",
                            "root.crt")

        def fetch(host):
            return curl("--resolve", "%s:%d:127.0.0.1" % (host, https),
                        "--cacert", root, "-o", "-", "-w", "\n%{http_code}",
                        "https://%s:%d/mail/config-v1.1.xml"
                        "?emailaddress=me%%40cust.test" % (host, https))

        rc, out, err = fetch("autoconfig.cust.test")
        check(rc == 0 and out.endswith("\n200") and
              provider_of(out) == "hoster.test",
              "through caddy: rc %d %s %s" % (rc, out[-200:], err))
        rc, out, err = fetch("autoconfig.anything.test")
        check(rc != 0, "caddy got a certificate for a name /tls/ask "
              "refused: %s" % out[-200:])
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()
        srv.stop()
    log = srv.log()
    check(re.search(r'"/tls/ask" 200 .*domain=autoconfig\.cust\.test', log)
          and re.search(r'"/tls/ask" 404 .*domain=autoconfig\.anything\.'
                        r'test', log), "caddy did not ask /tls/ask")
    check(re.search(r'"/mail/config-v1\.1\.xml" 200 .*domain=cust\.test',
                    log), "caddy did not proxy")


# ---------------------------------------------------------------- SQL --

def as_nobody(tmp):
    pw = pwd.getpwnam(UNPRIVILEGED)
    os.chown(tmp, pw.pw_uid, pw.pw_gid)
    return pw


class Postgres:
    def __init__(self, tmp):
        if not os.path.exists(os.path.join(PG_BIN, "initdb")):
            raise Skip("PostgreSQL 15 not installed (package postgresql): "
                       "sync from PostgreSQL not tested")
        self.dir = os.path.join(tmp, "pg")
        os.makedirs(self.dir)
        self.kw = {}
        if os.geteuid() == 0:  # initdb refuses root
            pw = as_nobody(self.dir)
            as_nobody(tmp)
            self.kw = {"user": pw.pw_uid, "group": pw.pw_gid}
        data = os.path.join(self.dir, "data")
        self.sh([os.path.join(PG_BIN, "initdb"), "-D", data, "-A", "trust",
                 "-U", "pg", "-E", "UTF8"])
        self.sh([os.path.join(PG_BIN, "pg_ctl"), "-D", data, "-l",
                 os.path.join(self.dir, "log"), "-w", "-o",
                 "-k %s -c listen_addresses= -c fsync=off" % self.dir,
                 "start"])
        self.data = data
        self.url = "postgresql:///postgres?host=%s&user=pg" % self.dir

    def sh(self, cmd, stdin=None):
        done = subprocess.run(cmd, capture_output=True, text=True,
                              input=stdin, cwd=self.dir, timeout=120,
                              **self.kw)
        check(done.returncode == 0, "%s: %s" % (cmd[0], done.stderr[-800:]))
        return done.stdout

    def sql(self, text):
        return self.sh(["psql", "-h", self.dir, "-U", "pg", "-d",
                        "postgres", "-v", "ON_ERROR_STOP=1", "-q"], text)

    def stop(self):
        subprocess.run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data,
                        "-m", "immediate", "stop"], capture_output=True,
                       cwd=self.dir, **self.kw)


class MariaDB:
    def __init__(self, tmp):
        mariadbd = httpwire.sbin("mariadbd")
        if mariadbd is None or shutil.which("mariadb-install-db") is None:
            raise Skip("MariaDB not installed (package mariadb-server): "
                       "sync from MariaDB not tested")
        self.dir = os.path.join(tmp, "my")
        os.makedirs(self.dir)
        user = []
        if os.geteuid() == 0:
            as_nobody(self.dir)
            as_nobody(tmp)
            user = ["--user=" + UNPRIVILEGED]
        data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        done = subprocess.run(["mariadb-install-db", "--no-defaults",
                               "--datadir=" + data, "--auth-root-"
                               "authentication-method=normal",
                               "--skip-test-db"] + user,
                              capture_output=True, text=True, timeout=300)
        check(done.returncode == 0, "mariadb-install-db: %s"
              % done.stderr[-800:])
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.proc = subprocess.Popen(
            [mariadbd, "--no-defaults", "--datadir=" + data,
             "--socket=" + self.sock, "--skip-networking",
             "--pid-file=" + os.path.join(self.dir, "pid"),
             "--innodb-buffer-pool-size=16M", "--skip-log-bin"] + user,
            stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while not os.path.exists(self.sock):
            check(time.monotonic() < deadline and self.proc.poll() is None,
                  "mariadbd did not start")
            time.sleep(0.2)
        self.url = "mysql://root@localhost/mail?socket=" + self.sock

    def sql(self, text, db=None):
        done = subprocess.run(["mariadb", "--no-defaults", "-S", self.sock,
                               "-u", "root"] + ([db] if db else []),
                              input=text, capture_output=True, text=True,
                              timeout=60)
        check(done.returncode == 0, "mariadb: %s" % done.stderr[-500:])

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


POSTFIXADMIN = """CREATE TABLE domain (
  domain varchar(255) NOT NULL PRIMARY KEY,
  description varchar(255) NOT NULL DEFAULT '',
  transport varchar(255) DEFAULT NULL,
  active %(bool)s NOT NULL DEFAULT %(true)s
);
INSERT INTO domain (domain, active) VALUES
  ('Cust1.Example.', %(true)s), ('cust2.example', %(true)s),
  ('bad_name', %(true)s), ('*.wild.example', %(true)s),
  ('Exämple.fr', %(true)s), ('taken.example', %(true)s),
  ('byhand.example', %(true)s), ('off.example', %(false)s);
"""


def sync_case(suivant, tmp, url, fill, env=None):
    """The same steps against either database: fill(sql) runs SQL."""
    db = hoster_db(suivant, tmp)
    run(suivant, "domain", "add", "taken.example", "--provider",
        "other.test", "--db", db)
    run(suivant, "domain", "add", "byhand.example", "--provider",
        "hoster.test", "--db", db)
    q = "SELECT domain FROM domain WHERE active"
    args = ["sync", "--db", db, "--provider", "hoster.test", "--from", url,
            "--query"]
    srv = Server(suivant, tmp, ["--listen", "127.0.0.1:0"], 1)
    try:
        done = run(suivant, *(args + [q, "--json"]), env=env)
        doc = json.loads(done.stdout)
        check(doc["read"] == 7 and doc["invalid"] == 2 and
              doc["added"] == 3 and doc["by_hand"] == 1 and
              doc["conflicts"] == 1 and doc["conflict_examples"] ==
              [{"domain": "taken.example", "provider": "other.test"}],
              "first sync: %s" % doc)
        check(sorted(doc["invalid_examples"]) == ["'*.wild.example'",
                                                  "'bad_name'"],
              "examples: %s" % doc)
        # serve picks it up (live reload)
        deadline = time.monotonic() + 3
        while provider_of(autoconfig(srv.plain[0], "xn--exmple-cua.fr")[2]
                          ) != "hoster.test":
            check(time.monotonic() < deadline, "serve did not reload")
            time.sleep(0.1)
        check(provider_of(autoconfig(srv.plain[0], "taken.example")[2]) ==
              "other.test", "a conflict was moved")
        # more bulk rows, then a shrink over 10%: refused, nothing changes
        fill("INSERT INTO domain (domain) VALUES %s;" % ", ".join(
            "('d%d.bulk.example')" % i for i in range(30)))
        run(suivant, *(args + [q]), env=env)
        before = open(db, "rb").read()
        fill("DELETE FROM domain WHERE domain LIKE 'd1%';")
        done = run(suivant, *(args + [q]), ok=False, env=env)
        check(done.returncode == 65 and "more than 10%" in done.stderr,
              "shrink: %d %s" % (done.returncode, done.stderr))
        check(open(db, "rb").read() == before, "a refused sync wrote")
        done = run(suivant, *(args + [q + " AND false"]), ok=False, env=env)
        check(done.returncode == 65 and "no domain" in done.stderr,
              "empty: %d %s" % (done.returncode, done.stderr))
        done = run(suivant, *(args + ["SELECT nope FROM domain"]), ok=False,
                   env=env)
        check(done.returncode == 74, "query error: %d %s"
              % (done.returncode, done.stderr))
        check(open(db, "rb").read() == before, "a failed sync wrote")
        done = run(suivant, *(args + [q, "--allow-shrink"]), env=env)
        check(re.search(r"0 added, 11 removed, 22 unchanged, 1 kept as "
                        r"added by hand, 1 owned by another provider: "
                        r"taken\.example \(other\.test\)", done.stdout),
              "shrink allowed: %s" % done.stdout)
        listed = run(suivant, "domain", "list", "--db", db, "--provider",
                     "hoster.test").stdout
        check("byhand.example" in listed and "d10.bulk.example" not in
              listed and "d20.bulk.example" in listed, "rows: %s" % listed)
    finally:
        srv.stop()
    return db, args


def test_sync_postgresql(suivant, tmp):
    pg = Postgres(tmp)
    try:
        pg.sql(POSTFIXADMIN % {"bool": "boolean", "true": "true",
                               "false": "false"})
        db, args = sync_case(suivant, tmp, pg.url, pg.sql)
        # passwords: from a file, never from the URL
        pg.sql("CREATE ROLE reader LOGIN PASSWORD 's3cret-pw';"
               "GRANT SELECT ON domain TO reader;")
        pwfile = os.path.join(tmp, "pw")
        with open(pwfile, "w") as f:
            f.write("s3cret-pw\n")
        os.chmod(pwfile, 0o600)
        hba = os.path.join(pg.data, "pg_hba.conf")
        with open(hba, "w") as f:
            f.write("local all pg trust\nlocal all reader "
                    "scram-sha-256\n")
        pg.sh([os.path.join(PG_BIN, "pg_ctl"), "-D", pg.data, "reload"])
        time.sleep(0.5)
        url = "postgresql:///postgres?host=%s&user=reader" % pg.dir
        a = ["sync", "--db", db, "--provider", "hoster.test", "--query",
             "SELECT domain FROM domain WHERE active"]
        done = run(suivant, *(a + ["--from", url]), ok=False,
                   env={"PGPASSFILE": "/nonexistent"})
        check(done.returncode == 69 and "s3cret" not in done.stderr,
              "no password: %d %s" % (done.returncode, done.stderr))
        run(suivant, *(a + ["--from", url, "--password-file", pwfile]))
        run(suivant, *(a + ["--from", url]), env={"PGPASSWORD": "s3cret-pw"})
        done = run(suivant, *(a + ["--from", "postgresql://reader:s3cret-pw@"
                                   "localhost/postgres"]), ok=False)
        check(done.returncode == 64 and "s3cret" not in done.stderr,
              "password in URL: %s" % done.stderr)
        done = run(suivant, *(a + ["--from", "postgresql://pg@127.0.0.1:%d"
                                   "/postgres" % free_port()]), ok=False)
        check(done.returncode == 69, "unreachable: %d" % done.returncode)
    finally:
        pg.stop()


def test_sync_mariadb(suivant, tmp):
    my = MariaDB(tmp)
    try:
        my.sql("CREATE DATABASE mail;")
        my.sql(POSTFIXADMIN % {"bool": "tinyint(1)", "true": "1",
                               "false": "0"}, "mail")
        sync_case(suivant, tmp, my.url, lambda s: my.sql(s, "mail"))
    finally:
        my.stop()


# ------------------------------------------------------------ publish --

def test_publish_two_nodes(suivant, tmp):
    """Two `serve` on one published file switch to a new publication
    (rename) within 2 s; the checksum file matches."""
    db = hoster_db(suivant, tmp)
    run(suivant, "domain", "add", "first.test", "--provider", "hoster.test",
        "--db", db)
    pub = os.path.join(tmp, "node", "pub.db")
    os.makedirs(os.path.dirname(pub))
    done = run(suivant, "publish", "--db", db, "--json", pub)
    doc = json.loads(done.stdout)
    check(open(pub + ".sha256").read() == "%s  pub.db\n" % doc["sha256"],
          "sha256 file")
    check(subprocess.run(["sha256sum", "-c", "pub.db.sha256"],
                         cwd=os.path.dirname(pub),
                         capture_output=True).returncode == 0,
          "sha256sum -c")
    nodes = [Server(suivant, tmp, ["--listen", "127.0.0.1:0", "--db", pub],
                    1) for _ in range(2)]
    try:
        for n in nodes:
            check(autoconfig(n.plain[0], "first.test")[0] == 200 and
                  autoconfig(n.plain[0], "second.test")[0] == 404,
                  "first publication")
        run(suivant, "domain", "add", "second.test", "--provider",
            "hoster.test", "--db", db)
        run(suivant, "publish", "--db", db, pub)
        t0 = time.monotonic()
        pending = set(range(len(nodes)))
        while pending:
            for i in list(pending):
                if autoconfig(nodes[i].plain[0], "second.test")[0] == 200:
                    pending.discard(i)
            check(time.monotonic() - t0 < 2.0, "nodes %s still serve the "
                  "old publication after 2 s" % sorted(pending))
            time.sleep(0.05)
        check(not [f for f in os.listdir(os.path.dirname(pub))
                   if ".tmp-" in f], "temporary files left")
        done = run(suivant, "publish", "--db", db, os.path.join(
            tmp, "nodir", "x.db"), ok=False)
        check(done.returncode == 73, "unwritable: %d" % done.returncode)
    finally:
        for n in nodes:
            n.stop()


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    tests = sorted((name, fn) for name, fn in globals().items()
                   if name.startswith("test_") and callable(fn))
    return run_tests("hosting", tests, os.path.abspath(argv[1]), argv[2:])


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main(sys.argv))
