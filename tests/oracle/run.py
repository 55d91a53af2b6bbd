#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Real clients judge our answers: for every bundled domain, a running
`suivant serve` is asked by Thunderbird's own account-setup code and by
KMail's account wizard (the oracles in ../shared/oracles, see their
READMEs), and the account each client would create must equal the one it
builds from our bundled provider file read from disk.

usage: run.py SUIVANT_BINARY   (env SV_SOURCE_ROOT = repository root)
Exits 77 (skipped) when ../shared/oracles is absent, as on a user's clone.
"""
import concurrent.futures
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.environ.get('SV_SOURCE_ROOT',
                      os.path.dirname(os.path.dirname(os.path.dirname(
                          os.path.abspath(__file__)))))
ORACLES = os.path.join(os.path.dirname(ROOT), 'shared', 'oracles')
TB = os.path.join(ORACLES, 'thunderbird')
KMAIL = os.path.join(ORACLES, 'kmail')
LOCAL = 'jean.dupont'
FIELDS = ('type', 'hostname', 'port', 'socketTypeName', 'authName',
          'username')


def setup():
    for script in (os.path.join(TB, 'setup.sh'), os.path.join(KMAIL, 'setup.sh')):
        r = subprocess.run(['bash', script], capture_output=True, text=True,
                           timeout=1800)
        if r.returncode != 0:
            sys.exit('oracle setup failed: %s\n%s' % (script, r.stderr[-2000:]))


def bundled_domains():
    """(domain, file) for every exact domain of the bundled data."""
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, 'db', '*.xml'))):
        root = ET.parse(path).getroot()
        for d in root.iter('domain'):
            name = (d.text or '').strip()
            if name and not name.startswith('*'):
                out.append((name, path))
    return out


def servers(cfg, email):
    """The account-relevant fields. Thunderbird substitutes placeholders in
    the incoming servers and the first outgoing one only, so a file read
    from disk keeps %EMAILADDRESS% in outgoing alternatives while our
    answer for an address arrives expanded: compare them expanded."""
    local, domain = email.split('@')
    tokens = {'%EMAILADDRESS%': email, '%EMAILLOCALPART%': local,
              '%EMAILDOMAIN%': domain}

    def expand(v):
        if isinstance(v, str):
            for k, t in tokens.items():
                v = v.replace(k, t)
        return v

    def pick(s):
        return {k: expand(s.get(k)) for k in FIELDS} if s else None
    return {
        'incoming': pick(cfg.get('incoming')),
        'incomingAlternatives': [pick(s) for s in
                                 cfg.get('incomingAlternatives') or []],
        'outgoing': pick(cfg.get('outgoing')),
        'outgoingAlternatives': [pick(s) for s in
                                 cfg.get('outgoingAlternatives') or []],
    }


def thunderbird(args):
    r = subprocess.run(['node', os.path.join(TB, 'parse-autoconfig.mjs'),
                        '--compact'] + args, capture_output=True, text=True,
                       timeout=120)
    try:
        doc = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return r.returncode, None, r.stderr[-500:]
    return r.returncode, doc, ''


def check_thunderbird(domain, path, port):
    email = '%s@%s' % (LOCAL, domain)
    rc_file, from_file, err = thunderbird(['--email', email, path])
    if rc_file != 0 or from_file is None:
        return 'Thunderbird rejects the bundled file %s: %s' % (
            os.path.basename(path), err or from_file.get('error'))
    rc, served, err = thunderbird(
        ['--email', email, '--url',
         'http://127.0.0.1:%d/mail/config-v1.1.xml' % port])
    if rc != 0 or served is None:
        return 'Thunderbird rejects the served answer: %s' % (
            err or served.get('error'))
    if served.get('dropped') != {'incomingServers': 0, 'outgoingServers': 0}:
        return 'Thunderbird dropped servers: %s' % served.get('dropped')
    want = servers(from_file['config'], email)
    got = servers(served['config'], email)
    if want != got:
        return 'Thunderbird builds a different account:\n  file:   %s\n' \
            '  served: %s' % (json.dumps(want), json.dumps(got))
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
    if [got.get(k) for k in keys] != [want.get(k) for k in keys]:
        return 'KMail builds a different account:\n  file:   %s\n' \
            '  served: %s' % (json.dumps([want.get(k) for k in keys]),
                              json.dumps([got.get(k) for k in keys]))
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    if not os.path.isdir(ORACLES):
        print('oracle: skipped: %s is absent (it sits beside the checkout '
              'in CI)' % ORACLES)
        return 77
    if shutil.which('node') is None:
        print('oracle: skipped: node is not installed')
        return 77
    setup()
    work = tempfile.mkdtemp(prefix='suivant-oracle-')
    db = os.path.join(work, 'suivant.db')
    server = subprocess.Popen([binary, 'serve', '--db', db, '--listen',
                               '127.0.0.1:0'], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith('ready port='):
            print('oracle: server did not start')
            return 1
        port = int(line.split('=')[1])
        jobs = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for domain, path in bundled_domains():
                jobs.append(('thunderbird', domain, pool.submit(
                    check_thunderbird, domain, path, port)))
                jobs.append(('kmail', domain, pool.submit(
                    check_kmail, domain, path, port)))
            passed = failed = 0
            for client, domain, job in jobs:
                problem = job.result()
                if problem is None:
                    passed += 1
                    print('ok %s %s' % (client, domain))
                else:
                    failed += 1
                    print('FAIL %s %s: %s' % (client, domain, problem))
        print('oracle: %d passed, %d failed' % (passed, failed))
        return 1 if failed else 0
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
