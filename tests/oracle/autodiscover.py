#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Thunderbird judges our Autodiscover (POX) answers (issue #5): for every
bundled domain, a running `suivant serve` is asked by Thunderbird's own
Exchange AutoDiscover code (parse-autodiscover.mjs --server: it POSTs to
autodiscover.D, D and http://autodiscover.D, all forwarded to us), which
must accept the answer; and the account it builds must have the same
servers, in the same order, with the same host, port, TLS mode and login
as the account Thunderbird builds from our Mozilla autoconfig answer from
the same server.

Authentication is compared only where POX can say it: POX has no OAuth2,
so a server whose Mozilla answer prefers OAuth2 arrives as a password
login; a password login must arrive as a password login.

Thunderbird reads a POX TLS mode from the port (PROTOCOLS.md 3.5): any
encryption on 25/110/143/587 is STARTTLS to it, elsewhere implicit TLS.
So implicit TLS on one of those ports, or STARTTLS on another, cannot
reach Thunderbird through POX; for such a server the TLS mode is checked
in our document itself (Encryption SSL/TLS/None, which Outlook reads),
and every other field through Thunderbird. Our document is also read
directly for every server: Type, Server, Port, LoginName, Encryption.
Calendars and address books (issue #18) follow the mail protocols as
CalDAV and CardDAV entries, which Thunderbird skips: they are checked in
the document against the Mozilla answer's <calendar> and <addressbook>
sections (URL and login, in order), and the mail protocols alone against
its servers.

Exchange (issue 19): EXCH and EXPR protocols carry the EWS URL of the
Mozilla answer's ews server, and Thunderbird makes an Exchange account
of them (its mail servers then alternatives, compared as above).

Coverage: every exact domain of the seed files (db/*.xml), the first
one of each provider file bundled from Thunderbird's ISP database
(db/ispdb/*.xml), and exchange.example (tests/data/import/exchange.xml:
EWS, OWA and ActiveSync with password logins).

usage: autodiscover.py SUIVANT_BINARY   (env SV_SOURCE_ROOT = repository root)
Exits 77 (skipped) when ../shared/oracles or node is absent.
"""
import glob
import json
import os
import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ET

from oracle_serve import ROOT, TB, exact_domains, serve_and_check

LOCAL = 'jean.dupont'
STARTTLS_PORTS = (25, 110, 143, 587)
ENCRYPTION = {'SSL': 'SSL', 'alwaysSTARTTLS': 'TLS', 'plain': 'None'}
REQUEST = '''<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/\
outlook/requestschema/2006"><Request><EMailAddress>%s</EMailAddress>
<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/\
autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
</Request></Autodiscover>'''
FIELDS = ('type', 'hostname', 'port', 'socketTypeName', 'username')


def bundled_domains():
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, 'db', '*.xml'))):
        out += exact_domains(path)
    for path in sorted(glob.glob(os.path.join(ROOT, 'db', 'ispdb',
                                              '*.xml'))):
        out += exact_domains(path)[:1]
    return sorted(set(out))


def node(script, args):
    r = subprocess.run(['node', os.path.join(TB, script), '--compact']
                       + args, capture_output=True, text=True, timeout=120)
    try:
        doc = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return r.returncode, None, r.stderr[-500:]
    return r.returncode, doc, ''


def servers(cfg):
    """The account's servers in Thunderbird's order, as comparable dicts."""
    out = []
    for key in ('incoming', 'incomingAlternatives', 'outgoing',
                'outgoingAlternatives'):
        value = cfg.get(key)
        for s in (value if isinstance(value, list) else [value]):
            if s:
                out.append(s)
    return out


def pox_protocols(base, email):
    """Our document's Protocols, read directly: a list of dicts."""
    req = urllib.request.Request(
        base + '/autodiscover/autodiscover.xml', method='POST',
        data=(REQUEST % email).encode(),
        headers={'Content-Type': 'text/xml; charset=utf-8'})
    with urllib.request.urlopen(req, timeout=30) as r:
        root = ET.fromstring(r.read())
    out = []
    for p in root.findall('{*}Response/{*}Account/{*}Protocol'):
        out.append({c.tag.split('}')[1]: c.text for c in p})
    return out


def dav_sections(base, email):
    """The Mozilla answer's calendars and address books, as the CalDAV and
    CardDAV protocols of our POX answer must give them."""
    with urllib.request.urlopen(base + '/mail/config-v1.1.xml?emailaddress='
                                + email.replace('@', '%40'),
                                timeout=30) as r:
        root = ET.fromstring(r.read())
    kinds = {'calendar': 'CalDAV', 'addressbook': 'CardDAV'}
    return [(kinds[c.tag], c.findtext('url'), c.findtext('username'))
            for c in root if c.tag in kinds]


def expressible(server):
    """Whether Thunderbird can read this TLS mode from POX."""
    mode = server.get('socketTypeName')
    starttls_port = server.get('port') in STARTTLS_PORTS
    return mode == 'plain' or (mode == 'alwaysSTARTTLS') == starttls_port


MAIL = ('imap', 'pop3', 'smtp')


def check_exchange(doc, want_all, got_all):
    """Issue 19: our EXCH and EXPR protocols carry the EWS URL of the
    ews server Thunderbird reads from our Mozilla answer (both or none),
    and Thunderbird turns them into an Exchange account with that URL,
    the mail servers then its alternatives."""
    ews = [s.get('exchangeURL') for s in want_all if s.get('type') == 'ews']
    exch = [(p.get('Type'), p.get('EwsUrl')) for p in doc
            if p.get('Type') in ('EXCH', 'EXPR')]
    if exch != [(t, u) for t in ('EXCH', 'EXPR') for u in ews[:1]]:
        return 'our EXCH/EXPR protocols %s, the Mozilla answer has EWS %s' \
            % (exch, ews)
    built = [s.get('exchangeURL') for s in got_all
             if s.get('type') == 'exchange']
    if built != ews[:1]:
        return 'Thunderbird builds Exchange accounts %s from our ' \
            'Autodiscover answer, want %s' % (built, ews[:1])
    return None


def check(domain, port):
    email = '%s@%s' % (LOCAL, domain)
    base = 'http://127.0.0.1:%d' % port
    rc, mozilla, err = node('parse-autoconfig.mjs', [
        '--email', email, '--url', base + '/mail/config-v1.1.xml'])
    if rc != 0 or mozilla is None:
        return 'Thunderbird rejects the Mozilla answer: %s' % (
            err or mozilla.get('error'))
    rc, pox, err = node('parse-autodiscover.mjs', [
        '--email', email, '--server', base])
    if rc != 0 or pox is None or not pox.get('ok'):
        return 'Thunderbird rejects the Autodiscover answer: %s' % (
            err or (pox or {}).get('error'))
    if pox.get('config', {}).get('source') != 'exchange':
        return 'not read as an Autodiscover answer: %s' % pox.get('config')
    for req in pox.get('requests', []):
        if req.get('method') != 'POST' or req.get('status') not in (
                None, 200):
            return 'request not answered as expected: %s' % req
    want_all = servers(mozilla['config'])
    got_all = servers(pox['config'])
    want = [s for s in want_all if s.get('type') in MAIL]
    got = [s for s in got_all if s.get('type') in MAIL]
    problem = check_exchange(pox_protocols(base, email), want_all, got_all)
    if problem is not None:
        return problem
    kinds = {s['type'] for s in want}
    if not ({'imap', 'pop3'} & kinds and 'smtp' in kinds):
        return None  # not an IMAP/POP3 + SMTP provider: nothing to match
    doc = pox_protocols(base, email)
    dav = [(p.get('Type'), p.get('Server'), p.get('LoginName'))
           for p in doc if p.get('Type') in ('CalDAV', 'CardDAV')]
    want_dav = dav_sections(base, email)
    if dav != want_dav:
        return 'our CalDAV/CardDAV protocols differ:\n  autoconfig:   ' \
            '%s\n  autodiscover: %s' % (json.dumps(want_dav), json.dumps(dav))
    doc = [p for p in doc if p.get('Type') in ('IMAP', 'POP3', 'SMTP')]
    d = [{'type': p.get('Type', '').lower(), 'hostname': p.get('Server'),
          'port': int(p.get('Port', '0')), 'socketTypeName':
          p.get('Encryption'), 'username': p.get('LoginName')} for p in doc]
    w = [{k: (ENCRYPTION.get(s.get(k)) if k == 'socketTypeName'
              else s.get(k)) for k in FIELDS} for s in want]
    if w != d:
        return 'our document differs:\n  autoconfig:   %s\n' \
            '  autodiscover: %s' % (json.dumps(w), json.dumps(d))
    w = [{k: s.get(k) for k in FIELDS
          if k != 'socketTypeName' or expressible(s)} for s in want]
    g = [{k: s.get(k) for k in FIELDS
          if k != 'socketTypeName' or expressible(a)}
         for s, a in zip(got, want)] + [{} for _ in got[len(want):]]
    if w != g:
        return 'different servers:\n  autoconfig:   %s\n' \
            '  autodiscover: %s' % (json.dumps(w), json.dumps(g))
    for a, b in zip(want, got):
        if a.get('authName') == 'passwordCleartext' and \
                b.get('authName') != 'passwordCleartext':
            return '%s %s: password login became %s' % (
                a['type'], a['hostname'], b.get('authName'))
        if b.get('authName') not in ('passwordCleartext', 'secure'):
            return '%s %s: unexpected authentication %s' % (
                b['type'], b['hostname'], b.get('authName'))
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)

    def submit(pool, port, work):
        return [('thunderbird-autodiscover %s' % d, pool.submit(check, d, port))
                for d in bundled_domains() + ['exchange.example']]
    return serve_and_check('oracle-autodiscover',
                           os.path.abspath(sys.argv[1]), ['thunderbird'],
                           submit)


if __name__ == '__main__':
    sys.exit(main())
