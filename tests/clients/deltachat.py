#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Delta Chat's (chatmail core) lookup order against `suivant serve`.

usage: deltachat.py SUIVANT

chatmail core's get_autoconfig (src/configure.rs) asks, in order, and
stops at the first answer its parsers accept: (1) https://autoconfig.D/
mail/config-v1.1.xml?emailaddress=A, (2) https://D/.well-known/
autoconfig/mail/config-v1.1.xml, (3) http://autoconfig.D/... as (1),
(4) GET https://D/autodiscover/autodiscover.xml, (5) GET
https://autodiscover.D/autodiscover/autodiscover.xml, (6) Thunderbird's
ISP database. Its Autodiscover parser (src/configure/auto_outlook.rs)
reads only Protocol Type, Server, Port and SSL, follows RedirectUrl, and
takes ANY 2xx document that parses as final, even one with no Protocol
(an Error document). Both parsers keep IMAP and SMTP servers only, in
document order (POP3 skipped); the first that connects is used.

Checked over every bundled exact domain: (1) answers 200 with the
servers every client gets; (4) and (5), the Autodiscover GET, answer 200
with the same IMAP and SMTP servers in the same order, TLS on; and for a
domain suivant does not serve, (1) to (5) all answer 404, so that Delta
Chat moves on to (6) instead of stopping at an empty answer. Prints
"deltachat: N passed, N failed"."""

import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving import (Server, check, exact_domains, run,  # noqa: E402
                     run_tests)

NS = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
    "responseschema/2006a}"


def mozilla_servers(body, address):
    """[(protocol, host, port, tls)] as auto_mozilla keeps them."""
    local, domain = address.split("@")
    ep = ET.fromstring(body).find("emailProvider")
    out = []
    for el in ep:
        kind = {("incomingServer", "imap"): "imap",
                ("outgoingServer", "smtp"): "smtp"}.get(
                    (el.tag, el.get("type")))
        if kind is None:
            continue
        host = (el.findtext("hostname") or "").replace(
            "%EMAILDOMAIN%", domain).replace("%EMAILLOCALPART%", local)
        out.append((kind, host, int(el.findtext("port")),
                    el.findtext("socketType") != "plain"))
    return out


def outlook_servers(body):
    """[(protocol, host, port, tls)] as auto_outlook keeps them, or the
    RedirectUrl it would follow."""
    root = ET.fromstring(body)
    check(root.find(".//%sRedirectUrl" % NS) is None, "a RedirectUrl")
    out = []
    for p in root.iter(NS + "Protocol"):
        kind = (p.findtext(NS + "Type") or "").strip().lower()
        if kind not in ("imap", "smtp"):
            continue
        out.append((kind, p.findtext(NS + "Server").strip(),
                    int(p.findtext(NS + "Port")),
                    (p.findtext(NS + "SSL") or "on").strip() != "off"))
    return out


def test_served_domains(suivant, tmp):
    db = os.path.join(tmp, "suivant.db")
    run(suivant, "init", "--db", db)
    srv = Server(suivant, db, tmp)
    n = 0
    try:
        for domain, _ in exact_domains(suivant, db):
            address = "user@" + domain
            status, body = srv.get("/mail/config-v1.1.xml?emailaddress="
                                   "user%40" + domain, "autoconfig." + domain)
            check(status == 200, "%s: step 1: %d" % (domain, status))
            first = mozilla_servers(body, address)
            for host in (domain, "autodiscover." + domain):
                status, body = srv.get("/autodiscover/autodiscover.xml",
                                       host)
                check(status == 200, "%s: GET with Host %s: %d"
                      % (domain, host, status))
                got = outlook_servers(body)
                check(got == first, "%s: Autodiscover GET keeps %r, "
                      "autoconfig %r" % (domain, got, first))
                check(b"%" not in body, "%s: a token left: %r"
                      % (domain, body[:200]))
            n += 1
    finally:
        srv.stop()
    check(n > 800, "only %d domains" % n)
    print("  %d domains: the same servers by autoconfig and by the "
          "Autodiscover GET" % n)


def test_unknown_domain_moves_on(suivant, tmp):
    db = os.path.join(tmp, "suivant.db")
    run(suivant, "init", "--db", db)
    srv = Server(suivant, db, tmp)
    d = "not-served.example"
    try:
        for path, host in (
                ("/mail/config-v1.1.xml?emailaddress=user%40" + d,
                 "autoconfig." + d),
                ("/.well-known/autoconfig/mail/config-v1.1.xml", d),
                ("/autodiscover/autodiscover.xml", d),
                ("/autodiscover/autodiscover.xml", "autodiscover." + d)):
            status, body = srv.get(path, host)
            check(status == 404, "%s %s: %d %r: Delta Chat would stop "
                  "here" % (host, path, status, body[:80]))
    finally:
        srv.stop()



if __name__ == "__main__":
    sys.exit(run_tests("deltachat", __doc__, globals(), sys.argv))
