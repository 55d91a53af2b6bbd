#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""Concurrent edits under load (issue #8): admin commands change the data
while clients keep asking, and no client may see a failure or a mix.

usage: run.py SUIVANT [SECONDS]
env:   SV_CONCURRENCY_SECONDS (default 15; SECONDS wins), SV_CONCURRENCY_KEEP=1
       keeps the temporary directory

`suivant serve` runs on a database made by `suivant init` (the bundled
providers). For SECONDS, client threads send, each on a new connection:
  - GET autoconfig for jean.dupont@free.fr (never edited): always 200 and
    byte-for-byte the first answer;
  - GET autoconfig and POST Autodiscover for jean@churn.example, and GET
    autoconfig for bob@alias.churn.example;
while the admin loop edits churn.example, each step one command (one
transaction): `import` of version K of its provider file (display name
"Churn vK", IMAP port 10000+K, SMTP port 20000+K, POP3 port 30000+K, all
at once: a mixed answer would show two K), `domain add`/`domain rm` of
alias.churn.example, `server set --port` of the SMTP server to 40000+K,
and every fifth round `provider rm` then a re-import.

Every answer must be complete (Content-Length bytes arrived) and either a
404 (the domain is not served in that state) or a 200 whose body parses
as XML and whose version facts (name, ports) all belong to one committed
state: one K for the display name, IMAP and POP3 ports; the SMTP port
20000+K, or 40000+K' for the K' of a `server set` (K' >= K). Every admin
command must exit 0. The server must not log a sanitizer report and must
exit 0 on SIGTERM. Prints counts, then "concurrency: N passed, N failed"
(one check per kind of request, one for the admin loop, one for the
server).
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import httpwire  # noqa: E402  (tests/httpwire.py)
import xml.etree.ElementTree as ET

CLIENTS = 4
SANITIZER_MARKS = (b'ERROR: AddressSanitizer', b'ERROR: LeakSanitizer',
                   b'runtime error:')
NS_REQ = ('http://schemas.microsoft.com/exchange/autodiscover/outlook/'
          'requestschema/2006')
NS_OUT = ('http://schemas.microsoft.com/exchange/autodiscover/outlook/'
          'responseschema/2006a')


def autodiscover_body(addr):
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<Autodiscover xmlns="%s"><Request><EMailAddress>%s'
            '</EMailAddress><AcceptableResponseSchema>%s'
            '</AcceptableResponseSchema></Request></Autodiscover>'
            % (NS_REQ, addr, NS_OUT)).encode()


def exchange(port, req):
    """Sends req; returns (status, body) or raises ValueError."""
    with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
        s.sendall(req)
        data = b''
        while b'\r\n\r\n' not in data:
            chunk = s.recv(65536)
            if not chunk:
                raise ValueError('connection closed in the headers')
            data += chunk
        head, _, body = data.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        status = int(lines[0].split()[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(':')
            if name.strip().lower() == 'content-length':
                length = int(value.strip())
        if length is None:
            raise ValueError('no Content-Length')
        while len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                raise ValueError('body cut at %d of %d bytes'
                                 % (len(body), length))
            body += chunk
        if len(body) != length:
            raise ValueError('%d bytes after a %d-byte body'
                             % (len(body) - length, length))
        return status, body


def get(port, path, host):
    return exchange(port, ('GET %s HTTP/1.1\r\nHost: %s\r\n'
                           'Connection: close\r\n\r\n'
                           % (path, host)).encode())


def post_autodiscover(port, addr):
    body = autodiscover_body(addr)
    return exchange(port, ('POST /autodiscover/autodiscover.xml HTTP/1.1\r\n'
                           'Host: autodiscover.churn.example\r\n'
                           'Content-Type: text/xml\r\n'
                           'Content-Length: %d\r\nConnection: close\r\n\r\n'
                           % len(body)).encode() + body)


def local(tag):
    return tag.rpartition('}')[2]


def version_of(name, imap, pop, smtp):
    """The version K the facts belong to; raises ValueError on a mix."""
    ks = set()
    if name is not None:
        m = re.fullmatch(r'Churn v(\d+)', name)
        if not m:
            raise ValueError('display name %r' % name)
        ks.add(int(m.group(1)))
    ks.add(imap - 10000)
    ks.add(pop - 30000)
    if len(ks) != 1:
        raise ValueError('mixed versions: name %r, imap %d, pop3 %d'
                         % (name, imap, pop))
    k = ks.pop()
    if smtp not in (20000 + k, 40000 + k):
        raise ValueError('smtp port %d with version %d' % (smtp, k))
    return k


def check_autoconfig(body, domain):
    root = ET.fromstring(body)
    prov = root.find('emailProvider')
    if prov is None or prov.get('id') != 'churn.example':
        raise ValueError('no emailProvider churn.example')
    if [d.text for d in prov.findall('domain')] != [domain]:
        raise ValueError('domains %r' % [d.text for d in
                                         prov.findall('domain')])
    ports = {}
    for srv in prov.findall('incomingServer') + prov.findall(
            'outgoingServer'):
        ports[srv.get('type')] = int(srv.findtext('port'))
    if set(ports) != {'imap', 'pop3', 'smtp'}:
        raise ValueError('servers %r' % sorted(ports))
    return version_of(prov.findtext('displayName'), ports['imap'],
                      ports['pop3'], ports['smtp'])


def check_autodiscover(body):
    root = ET.fromstring(body)
    ports = {}
    for proto in root.iter():
        if local(proto.tag) != 'Protocol':
            continue
        kind = port = None
        for child in proto:
            if local(child.tag) == 'Type':
                kind = child.text
            elif local(child.tag) == 'Port':
                port = int(child.text)
        ports[kind] = port
    if set(ports) != {'IMAP', 'POP3', 'SMTP'}:
        raise ValueError('protocols %r' % sorted(ports, key=str))
    return version_of(None, ports['IMAP'], ports['POP3'], ports['SMTP'])


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.failures = {}
        self.versions = {}

    def add(self, kind, status, error=None, version=None):
        with self.lock:
            c = self.counts.setdefault(kind, {})
            c[status] = c.get(status, 0) + 1
            if version is not None:
                self.versions.setdefault(kind, set()).add(version)
            if error is not None:
                f = self.failures.setdefault(kind, [])
                if len(f) < 5:
                    f.append(error)
                else:
                    f.append(None)


def client(port, stop, stats, free_body, n):
    i = n
    while not stop.is_set():
        i += 1
        kind = ('free', 'autoconfig', 'autodiscover', 'alias')[i % 4]
        try:
            if kind == 'free':
                st, body = get(port, '/mail/config-v1.1.xml?emailaddress='
                               'jean.dupont%40free.fr', 'autoconfig.free.fr')
                if st != 200 or body != free_body:
                    raise ValueError('free.fr: %d, body changed' % st)
                stats.add(kind, st)
            elif kind == 'autoconfig':
                st, body = get(port, '/mail/config-v1.1.xml?emailaddress='
                               'jean%40churn.example', 'autoconfig.churn.example')
                k = check_autoconfig(body, 'churn.example') \
                    if st == 200 else None
                if st not in (200, 404):
                    raise ValueError('status %d' % st)
                stats.add(kind, st, version=k)
            elif kind == 'alias':
                st, body = get(port, '/mail/config-v1.1.xml?emailaddress='
                               'bob%40alias.churn.example',
                               'autoconfig.alias.churn.example')
                k = check_autoconfig(body, 'alias.churn.example') \
                    if st == 200 else None
                if st not in (200, 404):
                    raise ValueError('status %d' % st)
                stats.add(kind, st, version=k)
            else:
                st, body = post_autodiscover(port, 'jean@churn.example')
                if st == 200:
                    k = check_autodiscover(body)
                elif st == 404 and b'<ErrorCode>500</ErrorCode>' in body:
                    k = None
                else:
                    raise ValueError('status %d: %r' % (st, body[:200]))
                stats.add(kind, st, version=k)
        except (OSError, ValueError, ET.ParseError) as e:
            stats.add(kind, 'error', '%s: %s' % (type(e).__name__, e))


def admin_loop(suivant, db, tmp, stop, result):
    """Edits churn.example until stop; result gets counts and failures."""
    def run(*args):
        p = subprocess.run([suivant] + list(args) + ['--db', db],
                           capture_output=True, text=True, timeout=60)
        result['commands'] += 1
        if p.returncode != 0:
            result['failures'].append('%s: exit %d: %s' % (
                ' '.join(args), p.returncode, p.stderr.strip()[:300]))
        if any(m.decode() in p.stderr for m in SANITIZER_MARKS):
            result['failures'].append('%s: sanitizer report' % args[0])
        return p.stdout.strip()

    path = os.path.join(tmp, 'churn.example.xml')

    def import_version(k):
        with open(path, 'w') as f:
            f.write(httpwire.ispdb_xml('churn.example', 'Churn v%d' % k, (
                ('imap', 'imap.churn.example', 10000 + k),
                ('pop3', 'pop.churn.example', 30000 + k),
                ('smtp', 'smtp.churn.example', 20000 + k))))
        run('import', path)

    k = 0
    while not stop.is_set():
        k += 1
        import_version(k)
        run('domain', 'add', 'alias.churn.example', '--provider',
            'churn.example')
        out = run('server', 'list', '--provider', 'churn.example', '--json')
        smtp = re.search(r'"id":\s*(\d+)[^}]*"type":\s*"smtp"', out)
        if smtp:
            run('server', 'set', smtp.group(1), '--port', str(40000 + k))
        else:
            result['failures'].append('no smtp id in %r' % out[:200])
        run('domain', 'rm', 'alias.churn.example')
        if k % 5 == 0:
            run('provider', 'rm', 'churn.example')
        result['rounds'] = k


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    suivant = os.path.abspath(argv[1])
    seconds = float(argv[2] if len(argv) > 2 else
                    os.environ.get('SV_CONCURRENCY_SECONDS', '15'))
    tmp = tempfile.mkdtemp(prefix='suivant-concurrency-')
    db = os.path.join(tmp, 'suivant.db')
    passed = failed = 0
    proc = None
    try:
        subprocess.run([suivant, 'init', '--db', db], check=True,
                       capture_output=True, timeout=60)
        errlog = open(os.path.join(tmp, 'serve.log'), 'wb')
        proc = subprocess.Popen([suivant, 'serve', '--db', db, '--listen',
                                 '127.0.0.1:0'] + httpwire.unprivileged(
                                     [], tmp), stdout=subprocess.PIPE,
                                stderr=errlog, stdin=subprocess.DEVNULL)
        try:
            port = httpwire.wait_ready(proc)
        except httpwire.WireError as e:
            raise RuntimeError(str(e))
        st, free_body = get(port, '/mail/config-v1.1.xml?emailaddress='
                            'jean.dupont%40free.fr', 'autoconfig.free.fr')
        if st != 200:
            raise RuntimeError('free.fr: %d before the load' % st)

        stop = threading.Event()
        stats = Stats()
        admin = {'commands': 0, 'rounds': 0, 'failures': []}
        threads = [threading.Thread(target=client,
                                    args=(port, stop, stats, free_body, n))
                   for n in range(CLIENTS)]
        threads.append(threading.Thread(target=admin_loop,
                                        args=(suivant, db, tmp, stop, admin)))
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()

        total = 0
        for kind in ('free', 'autoconfig', 'autodiscover', 'alias'):
            c = stats.counts.get(kind, {})
            n = sum(c.values())
            total += n
            vs = stats.versions.get(kind, set())
            f = stats.failures.get(kind, [])
            print('%-12s %6d requests: %s; %d versions seen'
                  % (kind, n, ', '.join('%s %d' % (s, c[s]) for s in
                                        sorted(c, key=str)), len(vs)))
            # Both states must have been seen for the churned domains.
            want = {200} if kind == 'free' else {200, 404}
            if f or not want <= set(c):
                failed += 1
                print('FAIL %s: %s' % (kind, '; '.join(
                    x for x in f if x) or 'saw only %r' % sorted(
                        c, key=str)))
            else:
                passed += 1
        print('admin        %6d commands in %d rounds'
              % (admin['commands'], admin['rounds']))
        if admin['failures'] or admin['rounds'] < 2:
            failed += 1
            print('FAIL admin: %s' % '; '.join(admin['failures'][:5]
                                               or ['fewer than 2 rounds']))
        else:
            passed += 1
        print('total        %6d requests in %.0f s (%.0f/s)'
              % (total, seconds, total / seconds))
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        print('FAIL setup: %s' % e)
        failed += 1
    finally:
        if proc is not None:
            httpwire.stop_server(proc)  # a killed server fails below
            with open(os.path.join(tmp, 'serve.log'), 'rb') as f:
                log = f.read()
            if proc.returncode != 0 or any(m in log
                                           for m in SANITIZER_MARKS):
                failed += 1
                print('FAIL server: exit %s\n%s' % (
                    proc.returncode, log[-3000:].decode(errors='replace')))
            else:
                passed += 1
        if os.environ.get('SV_CONCURRENCY_KEEP'):
            print('kept %s' % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print('concurrency: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
