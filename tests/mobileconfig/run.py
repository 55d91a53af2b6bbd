#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""Apple profiles (issue #6) checked with tools that are not ours.

usage: run.py SUIVANT
env:   SV_SOURCE_ROOT (repository root; default: two levels above this file)

Starts `suivant serve` on the bundled data (a fresh database in a
temporary directory, port chosen by the kernel) and, for every domain of
every bundled provider (db/*.xml, exact names), fetches
/email.mobileconfig?email=ADDR and checks it:
  - it parses with Python's plistlib (and with plistutil from Debian's
    libplist-utils when installed), has every key PROTOCOLS.md 5 and the
    checklist (items 53-59) require, with the right types, no password
    key, unique UUIDs, and identifiers and UUIDs that are the same on a
    second request and differ for another address;
  - its host names, ports, TLS and usernames are those of the Mozilla
    answer the same server gives for the same address (first imap server
    else first pop3, first smtp; parsed with ElementTree), so the two
    formats cannot drift apart;
  - `suivant lookup --format mobileconfig` prints the same bytes.
A provider with calendars and address books (tests/data/import/dav.xml,
imported beside the bundled data) gets the same checks plus one
com.apple.caldav.account and one com.apple.carddav.account payload, each
with the keys Apple's schema names (apple/device-management), no
password, its own name-based UUID, and the host, port, TLS and URL of the
preferred <calendar> / <addressbook> of the Mozilla answer.
Then it makes a throw-away CA, intermediate and signing certificate with
openssl, starts a second server with --sign-cert/--sign-key/--sign-chain,
and checks that each profile is DER CMS SignedData that `openssl cms
-verify` accepts with only the root as trust anchor (so the chain is in
the signature), and that the signed content is byte for byte the unsigned
profile (checklist item 60); a tampered signature must fail.

Prints "ok NAME" / "FAIL NAME: reason" per check, then
"mobileconfig: N passed, N failed"; exits 1 if any failed, 77 (skipped)
when openssl is missing.
"""
import glob
import http.client
import os
import plistlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import httpwire  # noqa: E402  (tests/httpwire.py)
from httpwire import Failure  # noqa: E402

READY_TIMEOUT = 10.0
APPLE_AUTH = {"EmailAuthNone", "EmailAuthPassword", "EmailAuthCRAMMD5",
              "EmailAuthNTLM", "EmailAuthHTTPMD5"}
UUID_RE = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-"
                     r"[0-9A-F]{12}$")
NAMESPACE = uuid.UUID("3f0b7c52-8d1e-4a6b-9c2f-5e7a1d4b8c60")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:")


class Server:
    """`suivant serve` on a free loopback port; stop() returns its log."""

    def __init__(self, suivant, db, tmp, extra=()):
        self.log_path = os.path.join(tmp, "serve-%d.log" % time.monotonic_ns())
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [suivant, "serve", "--db", db, "--listen", "127.0.0.1:0"]
            + httpwire.unprivileged(extra, os.path.dirname(db)),
            stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL)
        try:
            self.port = httpwire.wait_ready(self.proc, READY_TIMEOUT)
        except httpwire.WireError as e:
            self.stop()
            raise Failure(str(e))

    def get(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers={"Host": "suivant.example"})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def stop(self):
        httpwire.stop_server(self.proc)
        self.log.close()
        with open(self.log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        for mark in SANITIZER_MARKS:
            if mark in text:
                raise Failure("sanitizer: %s" % text[text.index(mark):][:400])
        if self.proc.returncode != 0:
            raise Failure("server exited %d: %s" % (self.proc.returncode,
                                                    text[-400:]))
        return text


def bundled_domains(src):
    """(provider id, exact domain) for every bundled provider file."""
    out = []
    for path in sorted(glob.glob(os.path.join(src, "db", "*.xml"))):
        root = ET.parse(path).getroot()
        for pv in root.findall("emailProvider"):
            for d in pv.findall("domain"):
                name = (d.text or "").strip()
                if name and "*" not in name:
                    out.append((pv.get("id"), name))
    return out


def quote(addr):
    return addr.replace("%", "%25").replace("@", "%40").replace("+", "%2B")


def mozilla_choice(body):
    """First imap else pop3 incoming server and first smtp, as dicts."""
    pv = ET.fromstring(body).find("emailProvider")

    def info(s):
        return {"type": s.get("type"), "host": s.findtext("hostname"),
                "port": int(s.findtext("port")),
                "ssl": s.findtext("socketType") == "SSL",
                "user": s.findtext("username"),
                "auth": [a.text for a in s.findall("authentication")]}
    incoming = pv.findall("incomingServer")
    imap = [s for s in incoming if s.get("type") == "imap"]
    pop = [s for s in incoming if s.get("type") == "pop3"]
    smtp = pv.findall("outgoingServer")
    chosen_in = imap[0] if imap else pop[0]
    return info(chosen_in), info(smtp[0])


def check_plist_shape(p, addr):
    """Checklist items 53-59 on a parsed profile; returns the payload."""
    for k, t in (("PayloadType", str), ("PayloadVersion", int),
                 ("PayloadIdentifier", str), ("PayloadUUID", str),
                 ("PayloadContent", list), ("PayloadDisplayName", str)):
        if not isinstance(p.get(k), t) or isinstance(p.get(k), bool) \
                and t is int:
            raise Failure("top-level %s: %r" % (k, p.get(k)))
    if p["PayloadType"] != "Configuration" or p["PayloadVersion"] != 1:
        raise Failure("top-level type/version %r/%r" % (
            p["PayloadType"], p["PayloadVersion"]))
    mails = [c for c in p["PayloadContent"]
             if c.get("PayloadType") == "com.apple.mail.managed"]
    if len(p["PayloadContent"]) != 1 or len(mails) != 1:
        raise Failure("want exactly one com.apple.mail.managed payload")
    m = mails[0]
    required = {"PayloadType": str, "PayloadVersion": int,
                "PayloadIdentifier": str, "PayloadUUID": str,
                "EmailAccountType": str, "EmailAddress": str,
                "IncomingMailServerHostName": str,
                "IncomingMailServerAuthentication": str,
                "IncomingMailServerPortNumber": int,
                "IncomingMailServerUseSSL": bool,
                "OutgoingMailServerHostName": str,
                "OutgoingMailServerAuthentication": str,
                "OutgoingMailServerPortNumber": int,
                "OutgoingMailServerUseSSL": bool}
    for k, t in required.items():
        v = m.get(k)
        if not isinstance(v, t) or (t is int and isinstance(v, bool)):
            raise Failure("payload %s: %r is not %s" % (k, v, t.__name__))
    if m["PayloadVersion"] != 1:
        raise Failure("payload version %r" % m["PayloadVersion"])
    if m["EmailAccountType"] not in ("EmailTypeIMAP", "EmailTypePOP"):
        raise Failure("EmailAccountType %r" % m["EmailAccountType"])
    for k in ("IncomingMailServerAuthentication",
              "OutgoingMailServerAuthentication"):
        if m[k] not in APPLE_AUTH:
            raise Failure("%s %r" % (k, m[k]))
    for k in list(m) + list(p):
        if "Password" in k and k != "OutgoingPasswordSameAsIncomingPassword":
            raise Failure("password key %s" % k)
    if m["EmailAddress"] != addr:
        raise Failure("EmailAddress %r" % m["EmailAddress"])
    for v in (m.get("IncomingMailServerUsername", ""),
              m.get("OutgoingMailServerUsername", ""),
              m["IncomingMailServerHostName"],
              m["OutgoingMailServerHostName"]):
        if "%" in v:
            raise Failure("unexpanded placeholder in %r" % v)
    uuids = [p["PayloadUUID"], m["PayloadUUID"]]
    ids = [p["PayloadIdentifier"], m["PayloadIdentifier"]]
    if len(set(uuids)) != 2 or len(set(ids)) != 2:
        raise Failure("UUIDs or identifiers not unique: %r %r" % (uuids, ids))
    for u in uuids:
        if not UUID_RE.match(u) or uuid.UUID(u).version != 5:
            raise Failure("not a name-based UUID: %r" % u)
    lower = addr.split("@")[0].lower() + "@" + addr.split("@")[1]
    want = [str(uuid.uuid5(NAMESPACE, "profile:" + lower)).upper(),
            str(uuid.uuid5(NAMESPACE, "mail:" + lower)).upper()]
    if uuids != want:
        raise Failure("UUIDs %r, uuid5 gives %r" % (uuids, want))
    domain = addr.split("@")[1]
    rev = ".".join(reversed(domain.split(".")))
    if ids != ["%s.mobileconfig.%s" % (rev, u) for u in uuids]:
        raise Failure("identifiers %r" % ids)
    return m


DAV_KINDS = (("CalDAV", "com.apple.caldav.account", "calendar", "caldav"),
             ("CardDAV", "com.apple.carddav.account", "addressbook",
              "carddav"))


def check_dav_profile(p, addr, moz):
    """The calendar and contacts payloads of a profile (beside its mail
    payload) against the Mozilla answer's first <calendar> and
    <addressbook>."""
    root = ET.fromstring(moz)
    if root.get("version") != "1.2":
        raise Failure("Mozilla answer version %r" % root.get("version"))
    content = p["PayloadContent"]
    if [c.get("PayloadType") for c in content] != [
            "com.apple.mail.managed", DAV_KINDS[0][1], DAV_KINDS[1][1]]:
        raise Failure("payloads %r" % [c.get("PayloadType")
                                       for c in content])
    lower = addr.split("@")[0].lower() + "@" + addr.split("@")[1]
    rev = ".".join(reversed(addr.split("@")[1].split(".")))
    for (prefix, ptype, element, role), c in zip(DAV_KINDS, content[1:]):
        types = {"HostName": str, "Port": int, "PrincipalURL": str,
                 "UseSSL": bool, "Username": str, "AccountDescription": str}
        for k, t in types.items():
            v = c.get(prefix + k)
            if not isinstance(v, t) or (t is int and isinstance(v, bool)):
                raise Failure("%s%s: %r" % (prefix, k, v))
        if any("Password" in k for k in c):
            raise Failure("password key in %s" % ptype)
        want = str(uuid.uuid5(NAMESPACE, role + ":" + lower)).upper()
        if c.get("PayloadUUID") != want or c.get("PayloadIdentifier") != \
                "%s.mobileconfig.%s" % (rev, want) or \
                c.get("PayloadVersion") != 1:
            raise Failure("%s UUID/identifier %r %r" % (
                ptype, c.get("PayloadUUID"), c.get("PayloadIdentifier")))
        sec = root.find(element)
        url = sec.findtext("url")
        scheme, _, rest = url.partition("://")
        hostport = rest.split("/", 1)[0]
        host, _, port = hostport.partition(":")
        https = scheme.lower() == "https"
        got = (c[prefix + "HostName"], c[prefix + "Port"],
               c[prefix + "UseSSL"], c[prefix + "PrincipalURL"],
               c[prefix + "Username"])
        wanted = (host, int(port) if port else 443 if https else 80, https,
                  url, sec.findtext("username"))
        if got != wanted:
            raise Failure("%s %r, Mozilla says %r" % (ptype, got, wanted))


def compare_with_mozilla(m, incoming, outgoing):
    want_type = "EmailTypeIMAP" if incoming["type"] == "imap" \
        else "EmailTypePOP"
    if m["EmailAccountType"] != want_type:
        raise Failure("EmailAccountType %r, Mozilla's first is %s" % (
            m["EmailAccountType"], incoming["type"]))
    for prefix, s in (("Incoming", incoming), ("Outgoing", outgoing)):
        got = (m[prefix + "MailServerHostName"],
               m[prefix + "MailServerPortNumber"],
               m[prefix + "MailServerUseSSL"])
        want = (s["host"], s["port"], s["ssl"])
        if got != want:
            raise Failure("%s host/port/TLS %r, Mozilla says %r" % (
                prefix, got, want))
        user = m.get(prefix + "MailServerUsername")
        no_login = m[prefix + "MailServerAuthentication"] == "EmailAuthNone"
        if no_login or "%REALNAME%" in (s["user"] or ""):
            if user is not None:
                raise Failure("%s username %r should be absent" % (
                    prefix, user))
        elif user != s["user"]:
            raise Failure("%s username %r, Mozilla says %r" % (
                prefix, user, s["user"]))


def plistutil_check(data, tmp):
    """An independent C parser (libplist), when installed."""
    tool = shutil.which("plistutil")
    if tool is None:
        return
    src = os.path.join(tmp, "p.plist")
    out = os.path.join(tmp, "p.bin")
    with open(src, "wb") as f:
        f.write(data)
    done = subprocess.run([tool, "-i", src, "-o", out, "-f", "bin"],
                          capture_output=True)
    if done.returncode != 0:
        raise Failure("plistutil refused the profile: %r" % done.stderr)
    with open(out, "rb") as f:
        if plistlib.load(f) != plistlib.loads(data):
            raise Failure("plistutil read something else")


def make_pki(tmp):
    """Root CA -> intermediate -> signing certificate, all throw-away."""
    cnf = os.path.join(tmp, "pki.cnf")
    with open(cnf, "w") as f:
        f.write("[req]\ndistinguished_name=dn\n[dn]\n"
                "[ca]\nbasicConstraints=critical,CA:true\n"
                "keyUsage=critical,keyCertSign,cRLSign\n"
                "[leaf]\nbasicConstraints=CA:false\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=emailProtection\n")

    def run(*args):
        done = subprocess.run(["openssl"] + list(args), cwd=tmp,
                              capture_output=True)
        if done.returncode != 0:
            raise Failure("openssl %s: %s" % (args[0], done.stderr[-300:]))

    def issue(name, subject, issuer, extensions):
        """name.key and name.pem, signed by issuer's."""
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout",
            name + ".key", "-out", name + ".csr", "-subj", subject,
            "-config", cnf)
        run("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem",
            "-CAkey", issuer + ".key", "-CAcreateserial", "-out",
            name + ".pem", "-days", "2", "-extfile", cnf, "-extensions",
            extensions)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
        "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=suivant "
        "test root", "-config", cnf, "-extensions", "ca")
    issue("int", "/CN=suivant test intermediate", "ca", "ca")
    issue("sign", "/CN=suivant profile signer", "int", "leaf")
    return {k: os.path.join(tmp, k + ".pem") for k in ("ca", "int", "sign")}


def cms_verify(der, ca, tmp):
    """The content openssl verified, or a Failure."""
    src = os.path.join(tmp, "signed.der")
    out = os.path.join(tmp, "content.plist")
    with open(src, "wb") as f:
        f.write(der)
    done = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER",
                           "-in", src, "-CAfile", ca, "-out", out,
                           "-binary"], capture_output=True)
    if done.returncode != 0:
        raise Failure("openssl cms -verify: %s" % done.stderr[-400:])
    with open(out, "rb") as f:
        return f.read()


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    suivant = os.path.abspath(argv[1])
    src = os.path.abspath(os.environ.get("SV_SOURCE_ROOT") or os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    if shutil.which("openssl") is None:
        print("mobileconfig: openssl not found: skipped")
        return 77
    passed = failed = 0

    def report(name, fn):
        nonlocal passed, failed
        try:
            fn()
        except (Failure, OSError, ValueError, KeyError, ET.ParseError,
                plistlib.InvalidFileException, subprocess.SubprocessError) \
                as e:
            failed += 1
            print("FAIL %s: %s" % (name, e), flush=True)
        else:
            passed += 1
            print("ok %s" % name, flush=True)

    tmp = tempfile.mkdtemp(prefix="sv-mobileconfig-")
    db = os.path.join(tmp, "suivant.db")
    unsigned = {}  # address -> profile bytes
    servers = []
    try:
        subprocess.run([suivant, "init", "--db", db], check=True,
                       capture_output=True)
        subprocess.run([suivant, "import", "--db", db, os.path.join(
            src, "tests", "data", "import", "dav.xml")], check=True,
            capture_output=True)
        srv = Server(suivant, db, tmp)
        servers.append(srv)
        domains = bundled_domains(src)
        if len(domains) < 10:
            raise Failure("only %d bundled domains found" % len(domains))
        domains.append(("dav.example", "dav.example"))
        for pid, domain in domains:
            addr = "Jean.Dupont+test@%s" % domain

            def one(addr=addr):
                st, hdr, body = srv.get("/email.mobileconfig?email="
                                        + quote(addr))
                if st != 200:
                    raise Failure("status %d" % st)
                if hdr.get("Content-Type") != \
                        "application/x-apple-aspen-config":
                    raise Failure("Content-Type %r" % hdr.get("Content-Type"))
                want_cd = 'attachment; filename="%s.mobileconfig"' % \
                    addr.split("@")[1]
                if hdr.get("Content-Disposition") != want_cd:
                    raise Failure("Content-Disposition %r"
                                  % hdr.get("Content-Disposition"))
                if not body.startswith(b'<?xml version="1.0" encoding="UTF-8"'
                                       b'?>\n<!DOCTYPE plist PUBLIC '
                                       b'"-//Apple//DTD PLIST 1.0//EN" '
                                       b'"http://www.apple.com/DTDs/'
                                       b'PropertyList-1.0.dtd">\n'):
                    raise Failure("no XML declaration + plist DOCTYPE")
                p = plistlib.loads(body)
                dav = len(p["PayloadContent"]) > 1
                m = check_plist_shape(dict(p, PayloadContent=p[
                    "PayloadContent"][:1]) if dav else p, addr)
                plistutil_check(body, tmp)
                st, _, moz = srv.get("/mail/config-v1.1.xml?emailaddress="
                                     + quote(addr))
                if st != 200:
                    raise Failure("Mozilla answer: status %d" % st)
                compare_with_mozilla(m, *mozilla_choice(moz))
                if dav or pid == "dav.example":
                    check_dav_profile(p, addr, moz)
                st, _, again = srv.get("/mobileconfig?emailaddress="
                                       + quote(addr))
                if again != body:
                    raise Failure("second request differs")
                other = "paul@%s" % addr.split("@")[1]
                _, _, body2 = srv.get("/email.mobileconfig?email="
                                      + quote(other))
                p2 = plistlib.loads(body2)
                mine = {p["PayloadUUID"], m["PayloadUUID"],
                        p["PayloadIdentifier"], m["PayloadIdentifier"]}
                theirs = {p2["PayloadUUID"],
                          p2["PayloadContent"][0]["PayloadUUID"],
                          p2["PayloadIdentifier"],
                          p2["PayloadContent"][0]["PayloadIdentifier"]}
                if mine & theirs:
                    raise Failure("another address shares UUIDs or ids")
                done = subprocess.run([suivant, "lookup", "--db", db,
                                       "--format", "mobileconfig", addr],
                                      capture_output=True)
                if done.returncode != 0 or done.stdout != body:
                    raise Failure("lookup --format mobileconfig differs "
                                  "(exit %d)" % done.returncode)
                unsigned[addr] = body
            report("profile %s (%s)" % (domain, pid), one)

        pki = None

        def signed_setup():
            nonlocal pki
            pki = make_pki(tmp)
        report("throw-away CA and signing certificate", signed_setup)
        if pki is not None:
            ssrv = Server(suivant, db, tmp, [
                "--sign-cert", pki["sign"], "--sign-key",
                os.path.join(tmp, "sign.key"), "--sign-chain", pki["int"]])
            servers.append(ssrv)
            for addr, body in sorted(unsigned.items()):
                def signed(addr=addr, body=body):
                    st, hdr, der = ssrv.get("/email.mobileconfig?email="
                                            + quote(addr))
                    if st != 200 or hdr.get("Content-Type") != \
                            "application/x-apple-aspen-config":
                        raise Failure("status %d, %r" % (
                            st, hdr.get("Content-Type")))
                    if der[:1] != b"\x30":
                        raise Failure("not DER")
                    content = cms_verify(der, pki["ca"], tmp)
                    if content != body:
                        raise Failure("signed content is not the profile")
                report("signed %s verifies" % addr.split("@")[1], signed)

            def tampered():
                addr = sorted(unsigned)[0]
                _, _, der = ssrv.get("/email.mobileconfig?email="
                                     + quote(addr))
                i = der.find(b"imap")
                if i < 0:
                    i = der.find(b"pop")
                bad = der[:i] + b"X" + der[i + 1:]
                try:
                    cms_verify(bad, pki["ca"], tmp)
                except Failure:
                    return
                raise Failure("a tampered profile verified")
            report("tampered signature fails", tampered)

            def other_ca():
                addr = sorted(unsigned)[0]
                _, _, der = ssrv.get("/email.mobileconfig?email="
                                     + quote(addr))
                try:
                    cms_verify(der, os.path.join(tmp, "sign.pem"), tmp)
                except Failure:
                    return
                raise Failure("verified without its root")
            report("signature needs its root", other_ca)
    except Failure as e:
        failed += 1
        print("FAIL setup: %s" % e)
    finally:
        for s in servers:
            try:
                s.stop()
            except Failure as e:
                failed += 1
                print("FAIL server: %s" % e)
        shutil.rmtree(tmp, ignore_errors=True)
    print("mobileconfig: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
