#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Thunderbird for Android's autoconfig rules against `suivant serve`.

usage: android.py SUIVANT
env:   SV_SOURCE_ROOT (repository root)

Thunderbird for Android (K-9) asks https://autoconfig.DOMAIN/mail/
config-v1.1.xml with no address (RealAutoDiscoveryRegistry.kt:
includeEmailAddress = false) and reads the answer with
RealAutoconfigParser.kt, whose rules are re-stated below (facts, not its
code): a clientConfig with an emailProvider whose id is host-name-like
and at least one valid <domain>; servers of other types skipped (POP3
included); the FIRST imap incomingServer and the FIRST smtp
outgoingServer kept; and every imap or smtp server, kept or not, must
have a host name, a port, a username, an authentication among OAuth2,
password-cleartext and password-encrypted, and socketType SSL or
STARTTLS: any other value throws the WHOLE document away.

Checked: every bundled exact domain's answer (Host form, no address) is
accepted, but for the providers db/README.md lists as known limitations
(POP3-only: no imap server; plaintext-only), which must be refused for
exactly that reason; what it keeps is the provider's preferred imap and
smtp server. Then the case the plaintext rule exists for: an admin gives
a provider a plain SMTP alternative (`server add`): still accepted, and
refused once the admin publishes plaintext on purpose. Prints
"android: N passed, N failed"."""

import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving import (Failure, Server, check, exact_domains,  # noqa: E402
                     known_limitations, run, run_tests)

ROOT = os.environ.get("SV_SOURCE_ROOT", os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
AUTH = ("OAuth2", "password-cleartext", "password-encrypted")
SOCKETS = ("SSL", "STARTTLS")
LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class Refused(Failure):
    """The parser's AutoconfigParserException: the reason."""


def hostname_like(s):
    s = s.rstrip(".")
    return 0 < len(s) <= 253 and all(LABEL.match(p) for p in s.split("."))


def replace_vars(text, local, domain):
    return (text.replace("%EMAILDOMAIN%", domain)
            .replace("%EMAILLOCALPART%", local)
            .replace("%EMAILADDRESS%", local + "@" + domain))


def text_of(el, name):
    child = el.find(name)
    return None if child is None else (child.text or "")


def parse_server(el, local, domain):
    """A kept server: (host, port, socket, username, auths). Like the
    parser, values are checked as they are read (a bad host name, port or
    socketType throws at once), then what is missing, in its order."""
    host = port = user = sock = None
    auths = []
    for child in el:
        text = child.text or ""
        if child.tag == "hostname":
            host = replace_vars(text, local, domain)
            if not hostname_like(host):
                raise Refused("Invalid 'hostname' value: '%s'" % text)
        elif child.tag == "port":
            if not text.isdigit() or int(text) > 65535:
                raise Refused("Invalid 'port' value: '%s'" % text)
            port = int(text)
        elif child.tag == "username":
            user = replace_vars(text, local, domain)
        elif child.tag == "authentication":
            if text in AUTH:
                auths.append(text)
        elif child.tag == "socketType":
            if text not in SOCKETS:
                raise Refused("Unknown 'socketType' value: '%s'" % text)
            sock = text
    if host is None:
        raise Refused("Missing 'hostname' element")
    if port is None:
        raise Refused("Missing 'port' element")
    if not user:
        raise Refused("Missing 'username' element")
    if not auths:
        raise Refused("No usable 'authentication' element found")
    if sock is None:
        raise Refused("Missing 'socketType' element")
    return (host, port, sock, user, auths)


def android_parse(body, local, domain):
    """(imap, smtp) as Thunderbird for Android keeps them, or Refused."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise Refused("Error parsing Autoconfig XML: %s" % e)
    if root.tag != "clientConfig":
        raise Refused("Missing 'clientConfig' element")
    ep = root.find("emailProvider")
    if ep is None:
        raise Refused("Missing 'emailProvider' element")
    pid = ep.get("id")
    if pid is None or not hostname_like(pid):
        raise Refused("Invalid 'emailProvider.id' attribute")
    if not any(hostname_like(replace_vars(d.text or "", local, domain))
               for d in ep.findall("domain")):
        raise Refused("Valid 'domain' element required")
    imap = smtp = None
    for el in ep:
        if el.tag == "incomingServer" and el.get("type") == "imap":
            s = parse_server(el, local, domain)
            imap = imap or s
        elif el.tag == "outgoingServer" and el.get("type") == "smtp":
            s = parse_server(el, local, domain)
            smtp = smtp or s
    if imap is None:
        raise Refused("Missing 'incomingServer' element")
    if smtp is None:
        raise Refused("Missing 'outgoingServer' element")
    return imap, smtp


def preferred(body, kind, type_):
    """The first server of type_ in the document: (host, port, socket)."""
    ep = ET.fromstring(body).find("emailProvider")
    for el in ep.findall(kind):
        if el.get("type") == type_:
            return (text_of(el, "hostname"), int(text_of(el, "port")),
                    text_of(el, "socketType"))
    return None


def ask(srv, domain):
    status, body = srv.get("/mail/config-v1.1.xml", "autoconfig." + domain)
    check(status == 200, "%s: status %d" % (domain, status))
    return body


def test_every_bundled_domain(suivant, tmp):
    db = os.path.join(tmp, "suivant.db")
    run(suivant, "init", "--db", db)
    limits = known_limitations(ROOT)
    check(limits, "no known limitations listed")
    domains = exact_domains(suivant, db)
    srv = Server(suivant, db, tmp)
    accepted = refused = 0
    refused_providers = set()
    try:
        for domain, pid in domains:
            body = ask(srv, domain)
            try:
                imap, smtp = android_parse(body, "user", domain)
            except Refused as e:
                why = limits.get(pid)
                check(why is not None, "%s (provider %s): refused, and not "
                      "a listed limitation: %s" % (domain, pid, e))
                # the parser stops at the first reason in document order
                want = set()
                if "POP3 only" in why:
                    want.add("Missing 'incomingServer' element")
                if "plaintext only" in why:
                    want.add("Unknown 'socketType' value: 'plain'")
                check(str(e) in want, "%s: refused for '%s', listed as %s"
                      % (domain, e, why))
                refused += 1
                refused_providers.add(pid)
                continue
            check(pid not in limits, "%s: accepted, but provider %s is "
                  "listed as a limitation (%s): update db/README.md"
                  % (domain, pid, limits.get(pid)))
            # what it keeps is what every client is offered first
            want = preferred(body, "incomingServer", "imap")
            check(imap[:2] == (replace_vars(want[0], "user", domain),
                               want[1]), "%s: kept imap %r" % (domain, imap))
            want = preferred(body, "outgoingServer", "smtp")
            check(smtp[:2] == (replace_vars(want[0], "user", domain),
                               want[1]), "%s: kept smtp %r" % (domain, smtp))
            accepted += 1
    finally:
        srv.stop()
    missing = set(limits) - refused_providers
    check(not missing, "listed but not refused: %s" % sorted(missing))
    check(accepted > 700, "only %d domains accepted" % accepted)
    print("  %d domains accepted, %d refused (%d listed providers)"
          % (accepted, refused, len(limits)))


def test_plain_alternative(suivant, tmp):
    db = os.path.join(tmp, "suivant.db")
    run(suivant, "init", "--db", db)
    for pid, host in (("free.fr", "smtp.free.fr"),
                      ("mail.com", "smtp.mail.com")):
        run(suivant, "server", "add", "--provider", pid, "--type", "smtp",
            "--host", host, "--port", "25", "--socket", "plain", "--db", db)
    run(suivant, "server", "add", "--provider", "gmx.net", "--type", "imap",
        "--host", "imap.gmx.net", "--port", "143", "--socket", "plain",
        "--priority", "-1", "--db", db)
    srv = Server(suivant, db, tmp)
    try:
        for domain, want in (("free.fr", ("smtp.free.fr", 465, "SSL")),
                             ("mail.com", ("smtp.mail.com", 465, "SSL")),
                             ("gmx.de", ("mail.gmx.net", 465, "SSL"))):
            imap, smtp = android_parse(ask(srv, domain), "user", domain)
            check(smtp[:3] == want, "%s: kept %r" % (domain, smtp))
            check(imap[2] in SOCKETS, "%s: imap %r" % (domain, imap))
    finally:
        srv.stop()
    # published on purpose: the plain one is in the answer, and Android
    # throws the whole document away, as the warning of `check` says
    run(suivant, "provider", "set", "free.fr", "--publish-plaintext",
        "--db", db)
    srv = Server(suivant, db, tmp)
    try:
        try:
            android_parse(ask(srv, "free.fr"), "user", "free.fr")
            raise Failure("free.fr: accepted with a plain smtp server")
        except Refused as e:
            check("plain" in str(e), "free.fr: refused for %s" % e)
    finally:
        srv.stop()



if __name__ == "__main__":
    sys.exit(run_tests("android", __doc__, globals(), sys.argv))
