#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Real clients judge our answers: for every bundled domain, a running
`suivant serve` is asked by Thunderbird's own account-setup code and by
KMail's account wizard (the oracles in ../shared/oracles, see their
READMEs), and the account each client would create must equal the one it
builds from our bundled provider file read from disk.

Coverage: every domain of our seed files (db/*.xml); for the providers
bundled from Thunderbird's ISP database (db/ispdb/*.xml, ~800 domains at
~1 s per 4 checks) the first domain of each file, and for those
Thunderbird must also build the same account from the original ISPDB file
(../shared/ispdb, named in the bundled file's header comment) as from our
answer. Only imap/pop3/smtp servers are compared that way: the public
answer leaves the legacy exchange server out (render_autoconfig.c). The
URL-based ones (ews, owa, graph, jmap, activeSync; issue 19) come after
them in a 1.2 answer, and for each ews server of the file Thunderbird
must build an EWS account with the same URL from our answer (office365.com
among the bundled providers, and tests/data/import/exchange.xml, an
on-premises-like provider with password logins, served beside them);
Thunderbird may skip only URL-based servers, never a mail server. The username of an outgoing
server without authentication is not compared either: our answer always
has one, the ISPDB file may not, and neither client ever sends it. Where
a file gives a server no username at all (two ISPDB files do, on their
outgoing server), Thunderbird logs in as the literal "undefined" and KMail
with an empty name; our answer gives the address instead
(render_autoconfig.c), so the file's side is compared as if it said
%EMAILADDRESS%. Never a downgrade (issue 17): an answer leaves out a
plain server of a type the provider also offers with SSL or STARTTLS,
unless the file says <publishPlaintext> in suivant's namespace; the
account built from a file (bundled or original) is compared with that
rule applied (without_withheld).

A provider file with calendar, contacts or file-share sections (root-level,
draft-ietf-mailmaint-autoconfig-06) is also compared in a copy without
them, as a 1.1 document: our 1.2 answer with those sections must give both
clients the very mail account that the plain 1.1 document gives (issue
#18; Thunderbird's ISPDB original, when there is one, is such a document
too).

usage: run.py SUIVANT_BINARY   (env SV_SOURCE_ROOT = repository root;
                               SV_ORACLE_ALL=1 checks every db/ispdb
                               domain, not only each file's first)
Exits 77 (skipped) when ../shared/oracles is absent, as on a user's clone.
"""
import glob
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

from oracle_serve import (EXCHANGE, ORACLES, ROOT, TB, exact_domains,
                          serve_and_check)

KMAIL = os.path.join(ORACLES, 'kmail')
ISPDB = os.path.join(os.path.dirname(ROOT), 'shared', 'ispdb')
LOCAL = 'jean.dupont'
FIELDS = ('type', 'hostname', 'port', 'socketTypeName', 'authName',
          'username')
PUBLIC_TYPES = ('imap', 'pop3', 'smtp')


def ispdb_source(path):
    """The original ISPDB file a db/ispdb file was generated from."""
    with open(path, encoding='utf-8') as f:
        m = re.search(r"ISP database \(thunderbird/autoconfig\), file "
                      r"([^:]+\.xml):", f.read(2000))
    if m is None:
        return None
    original = os.path.join(ISPDB, m.group(1))
    return original if os.path.isfile(original) else None


SERVICE_SECTIONS = ('calendar', 'addressbook', 'fileShare')


def without_services(path, work):
    """path itself when it has no service sections, else a copy without
    them that says version 1.1 (in work)."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    bare = re.sub(r'\n[ \t]*<(%s)\b.*?</\1>' % '|'.join(SERVICE_SECTIONS),
                  '', text, flags=re.S)
    if bare == text:
        return path
    bare = bare.replace('<clientConfig version="1.2">',
                        '<clientConfig version="1.1">')
    copy = os.path.join(work, 'no-services-' + os.path.basename(path))
    with open(copy, 'w', encoding='utf-8') as f:
        f.write(bare)
    return copy


def bundled_domains():
    """(domain, bundled file, original ISPDB file or None): every exact
    domain of the seed files, the first one of each db/ispdb file."""
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, 'db', '*.xml'))):
        out += [(name, path, None) for name in exact_domains(path)]
    for path in sorted(glob.glob(os.path.join(ROOT, 'db', 'ispdb',
                                              '*.xml'))):
        names = exact_domains(path)
        if os.environ.get('SV_ORACLE_ALL') != '1':
            names = names[:1]
        original = ispdb_source(path)
        out += [(name, path, original) for name in names]
    return out


SUIVANT_NS = 'https://github.com/suivant/suivant/ns/provider'
TLS = ('SSL', 'STARTTLS')


def publishes_plaintext(path):
    """Whether a provider file opts in to plain servers beside TLS ones."""
    el = ET.parse(path).getroot().find(
        'emailProvider/{%s}publishPlaintext' % SUIVANT_NS)
    return el is not None and (el.text or '').strip().lower() == 'true'


def without_withheld(servers, key):
    """servers (one client's parsed list, key naming its socket field)
    minus the plain ones of a type that has an SSL or STARTTLS one, as
    every answer leaves them out (include/model/model.h)."""
    tls = {s.get('type') for s in servers if s.get(key) in TLS}
    return [s for s in servers
            if not (s.get(key) == 'plain' and s.get('type') in tls)]


def servers(cfg, email, rule=False):
    """The account-relevant fields. Thunderbird substitutes placeholders in
    the incoming servers and the first outgoing one only, so a file read
    from disk keeps %EMAILADDRESS% in outgoing alternatives while our
    answer for an address arrives expanded: compare them expanded. With
    rule, the plain servers every answer leaves out are dropped first."""
    local, domain = email.split('@')
    tokens = {'%EMAILADDRESS%': email, '%EMAILLOCALPART%': local,
              '%EMAILDOMAIN%': domain}

    def expand(v):
        if isinstance(v, str):
            for k, t in tokens.items():
                v = v.replace(k, t)
        return v

    def fields(s):
        got = {k: expand(s.get(k)) for k in FIELDS}
        if got['username'] == 'undefined':
            got['username'] = email  # no username in the file (above)
        if got['authName'] == 'none':
            # Our answer always carries a username (render_autoconfig.c),
            # also where the file has none, but Thunderbird drops it from
            # a server without authentication when it creates the account
            # (CreateInBackend.sys.mjs: username only if auth != none).
            got['username'] = None
        return got

    def pick(servers):
        got = [fields(s) for s in servers
               if s and s.get('type') in PUBLIC_TYPES]
        return without_withheld(got, 'socketTypeName') if rule else got
    incoming = pick([cfg.get('incoming')] +
                    (cfg.get('incomingAlternatives') or []))
    outgoing = pick([cfg.get('outgoing')] +
                    (cfg.get('outgoingAlternatives') or []))
    return {
        'incoming': incoming[:1],
        'incomingAlternatives': incoming[1:],
        'outgoing': outgoing[:1],
        'outgoingAlternatives': outgoing[1:],
    }


URL_TYPES = ('ews', 'owa', 'graph', 'jmap', 'activeSync')


def url_servers(path, email):
    """The types of path's URL-based incoming servers (issue 19), and the
    EWS URLs among them, expanded for email, in file order: Thunderbird
    must build an EWS account from our answer for each of those."""
    local, domain = email.split('@')
    types, ews = [], []
    for s in ET.parse(path).getroot().iter('incomingServer'):
        if s.get('type') in URL_TYPES:
            types.append(s.get('type'))
            if s.get('type') == 'ews':
                ews.append((s.findtext('url') or '').strip()
                           .replace('%EMAILADDRESS%', email)
                           .replace('%EMAILLOCALPART%', local)
                           .replace('%EMAILDOMAIN%', domain))
    return types, ews


def thunderbird(args):
    r = subprocess.run(['node', os.path.join(TB, 'parse-autoconfig.mjs'),
                        '--compact'] + args, capture_output=True, text=True,
                       timeout=120)
    try:
        doc = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return r.returncode, None, r.stderr[-500:]
    return r.returncode, doc, ''


def check_thunderbird(domain, path, original, port):
    email = '%s@%s' % (LOCAL, domain)
    rc_file, from_file, err = thunderbird(['--email', email, path])
    if rc_file != 0 or from_file is None:
        return 'Thunderbird rejects the bundled file %s: %s' % (
            os.path.basename(path), err or from_file.get('error'))
    from_original = None
    if original is not None:
        rc_file, from_original, err = thunderbird(['--email', email,
                                                   original])
        if rc_file != 0 or from_original is None:
            return 'Thunderbird rejects the ISPDB file %s: %s' % (
                os.path.basename(original),
                err or from_original.get('error'))
    rc, served, err = thunderbird(
        ['--email', email, '--url',
         'http://127.0.0.1:%d/mail/config-v1.1.xml' % port])
    if rc != 0 or served is None:
        return 'Thunderbird rejects the served answer: %s' % (
            err or served.get('error'))
    # URL-based servers of types or methods Thunderbird does not take
    # (activeSync, jmap; graph behind a preference; OAuth2 for a host it
    # has no OAuth2 settings for) are skipped by it, as from the file;
    # a mail server never
    dropped = served.get('dropped') or {}
    url_types, ews_urls = url_servers(path, email)
    if dropped.get('outgoingServers') != 0 or \
            not 0 <= dropped.get('incomingServers', -1) <= len(url_types):
        return 'Thunderbird dropped servers: %s' % dropped
    cfg = served['config']
    built = [s.get('exchangeURL') for s in [cfg.get('incoming')] +
             (cfg.get('incomingAlternatives') or [])
             if s and s.get('type') == 'ews']
    if ews_urls != built[:len(ews_urls)]:
        return 'Thunderbird builds EWS accounts %s, the file has %s' % (
            built, ews_urls)
    want = servers(from_file['config'], email,
                   not publishes_plaintext(path))
    got = servers(served['config'], email)
    if want != got:
        return 'Thunderbird builds a different account:\n  file:   %s\n' \
            '  served: %s' % (json.dumps(want), json.dumps(got))
    if from_original is not None:
        want = servers(from_original['config'], email,
                       not publishes_plaintext(path))
        if want != got:
            return 'Thunderbird builds a different account from the ' \
                'ISPDB original:\n  original: %s\n  served:   %s' % (
                    json.dumps(want), json.dumps(got))
    return None


def check_kmail(domain, path, port):
    email = '%s@%s' % (LOCAL, domain)
    r = subprocess.run(['bash', os.path.join(KMAIL, 'kmail-lookup.sh'),
                        '--email', email, '--server',
                        'http://127.0.0.1:%d' % port, '--via', 'http'],
                       capture_output=True, text=True, timeout=120)
    if r.returncode == 2:
        return 'KMail harness error: %s' % r.stderr[-500:]
    try:
        got = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return 'KMail printed no result: %s' % r.stderr[-500:]
    if not got.get('usable'):
        return 'KMail finds nothing usable: %s %s' % (
            got.get('status'), got.get('notes'))
    r = subprocess.run(['bash', os.path.join(KMAIL, 'kmail-lookup.sh'),
                        '--email', email, '--file', path, '--via', 'http'],
                       capture_output=True, text=True, timeout=120)
    try:
        want = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return 'KMail cannot read the bundled file: %s' % r.stderr[-500:]
    keys = ('incoming', 'outgoing')
    if not publishes_plaintext(path):
        for k in keys:
            want[k] = without_withheld(want.get(k) or [], 'socketType')
    for side in (got, want):
        for server in side.get('outgoing') or []:
            if server.get('authentication') == 'NoAuth':
                server['username'] = ''  # never sent without auth
            elif side is want and server.get('username') == '':
                server['username'] = email  # none in the file (top)
    if [got.get(k) for k in keys] != [want.get(k) for k in keys]:
        return 'KMail builds a different account:\n  file:   %s\n' \
            '  served: %s' % (json.dumps([want.get(k) for k in keys]),
                              json.dumps([got.get(k) for k in keys]))
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)

    def submit(pool, port, work):
        jobs = []
        for domain, path, original in bundled_domains() + [
                ('exchange.example', EXCHANGE, None)]:
            jobs.append(('thunderbird %s' % domain, pool.submit(
                check_thunderbird, domain, path, original, port)))
            jobs.append(('kmail %s' % domain, pool.submit(
                check_kmail, domain, path, port)))
            bare = without_services(path, work)
            if bare != path:
                jobs.append(('thunderbird (1.1, no services) %s' % domain,
                             pool.submit(check_thunderbird, domain, bare,
                                         None, port)))
                jobs.append(('kmail (1.1, no services) %s' % domain,
                             pool.submit(check_kmail, domain, bare, port)))
        return jobs
    return serve_and_check('oracle', os.path.abspath(sys.argv[1]),
                           ['thunderbird', 'kmail'], submit)


if __name__ == '__main__':
    sys.exit(main())
