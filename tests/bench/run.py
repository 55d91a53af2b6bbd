#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""suivant's benchmark: one command, from a fresh clone (as root on Debian 12):

    python3 tests/bench/run.py [--rounds 3] [--seconds 10] [--scale]

It installs what it needs (wrk, nginx-light), builds a release binary
(build-release/), starts `suivant serve` on the bundled data, Debian's nginx
serving the byte-identical autoconfig answer as a static file, and a bare
libmicrohttpd program answering one constant buffer (the stack's ceiling),
then drives them with wrk in alternation (A B C, A B C, ...) and prints
requests/s, p50/p99 latency and the ratios to nginx for each scenario, plus
suivant's peak RSS and CPU time. --scale also generates databases of 1k,
100k and 1M domains and reports snapshot build time, RSS, GET throughput
and p99 during a live reload. Absolute numbers drift on shared machines:
read the ratios, which are measured in one run.
"""
import argparse
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
HERE = os.path.join(ROOT, 'tests', 'bench')
HOST = 'autoconfig.free.fr'
GET_PATH = '/mail/config-v1.1.xml'
POST_PATH = '/autodiscover/autodiscover.xml'
POST_BODY = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns='
             '"http://schemas.microsoft.com/exchange/autodiscover/outlook/'
             'requestschema/2006"><Request><EMailAddress>jean.dupont@free.fr'
             '</EMailAddress><AcceptableResponseSchema>http://schemas.'
             'microsoft.com/exchange/autodiscover/outlook/responseschema/'
             '2006a</AcceptableResponseSchema></Request></Autodiscover>')


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def ensure_tools():
    missing = [p for p, exe in (('wrk', 'wrk'), ('nginx-light', 'nginx'))
               if shutil.which(exe) is None and
               not os.path.exists('/usr/sbin/' + exe)]
    if missing:
        sh(['apt-get', 'install', '-y', '-qq'] + missing,
           stdout=subprocess.DEVNULL)


def build(work):
    bdir = os.path.join(ROOT, 'build-release')
    if not os.path.exists(os.path.join(bdir, 'build.ninja')):
        sh(['meson', 'setup', '--buildtype=release', bdir, ROOT],
           stdout=subprocess.DEVNULL)
    sh(['meson', 'compile', '-C', bdir], stdout=subprocess.DEVNULL)
    mhd = os.path.join(work, 'mhd_constant')
    cflags = subprocess.run(['pkg-config', '--cflags', '--libs',
                             'libmicrohttpd'], capture_output=True,
                            text=True, check=True).stdout.split()
    sh(['cc', '-O2', '-o', mhd, os.path.join(HERE, 'mhd_constant.c')] +
       cflags)
    return os.path.join(bdir, 'src', 'suivant'), mhd


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def http_get(port, path, host, extra=''):
    with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
        s.sendall(('GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n'
                   '%s\r\n' % (path, host, extra)).encode())
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b'\r\n\r\n')
    return int(head.split()[1]), body


class Server:
    def __init__(self, name, argv, port, ready='ready', cwd=None):
        self.name, self.port = name, port
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True,
                                     cwd=cwd)
        self.ready_line = ''
        if ready:
            line = self.proc.stdout.readline()
            if ready not in line:
                raise SystemExit('%s did not start: %r' % (name, line))
            self.ready_line = line
            m = re.search(r'port=(\d+)', line)
            if m:
                self.port = int(m.group(1))
        else:
            for _ in range(100):
                try:
                    socket.create_connection(('127.0.0.1', port), 0.1).close()
                    break
                except OSError:
                    time.sleep(0.05)
        self.startup = time.monotonic() - self.t0

    def stats(self):
        with open('/proc/%d/status' % self.proc.pid) as f:
            hwm = re.search(r'VmHWM:\s+(\d+) kB', f.read())
        with open('/proc/%d/stat' % self.proc.pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        tick = os.sysconf('SC_CLK_TCK')
        cpu = (int(fields[11]) + int(fields[12])) / tick
        return int(hwm.group(1)) / 1024, cpu

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_nginx(work, answer, port):
    root = os.path.join(work, 'www')
    os.makedirs(os.path.join(root, 'mail'), exist_ok=True)
    with open(os.path.join(root, 'mail', 'config-v1.1.xml'), 'wb') as f:
        f.write(answer)
    conf = os.path.join(work, 'nginx.conf')
    with open(conf, 'w') as f:
        f.write('''worker_processes 2;
pid %(w)s/nginx.pid;
error_log %(w)s/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    types { text/xml xml; }
    default_type text/xml;
    charset utf-8;
    client_body_temp_path %(w)s/tmp;
    server {
        listen 127.0.0.1:%(p)d;
        root %(w)s/www;
        keepalive_requests 100000;
    }
}
''' % {'w': work, 'p': port})
    return Server('nginx', ['nginx', '-c', conf, '-g', 'daemon off;'], port,
                  ready=None)


WRK_RPS = re.compile(r'Requests/sec:\s+([\d.]+)')
WRK_LAT = re.compile(r'^\s+(50|99)\.000%\s+([\d.]+)(us|ms|s)\s*$', re.M)
WRK_ERR = re.compile(r'Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)')


def wrk(port, seconds, conns, threads, extra=(), script=None, path=GET_PATH,
        host=HOST):
    argv = ['wrk', '--latency', '-t%d' % threads, '-c%d' % conns,
            '-d%ds' % seconds, '-H', 'Host: ' + host] + list(extra)
    if script:
        argv += ['-s', script]
    argv.append('http://127.0.0.1:%d%s' % (port, path))
    out = subprocess.run(argv, capture_output=True, text=True).stdout
    rps = float(WRK_RPS.search(out).group(1))
    lat = {}
    for pct, value, unit in WRK_LAT.findall(out):
        lat[pct] = float(value) * {'us': 0.001, 'ms': 1, 's': 1000}[unit]
    errors = WRK_ERR.search(out)
    return {'rps': rps, 'p50': lat.get('50'), 'p99': lat.get('99'),
            'errors': errors.group(0) if errors else ''}


def post_script(work):
    path = os.path.join(work, 'post.lua')
    with open(path, 'w') as f:
        f.write('wrk.method = "POST"\nwrk.body = [[%s]]\n'
                'wrk.headers["Content-Type"] = "text/xml"\n' % POST_BODY)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--seconds', type=int, default=10)
    ap.add_argument('--scale', action='store_true')
    ap.add_argument('--scale-only', action='store_true')
    args = ap.parse_args()
    ensure_tools()
    work = tempfile.mkdtemp(prefix='suivant-bench-')
    suivant, mhd = build(work)
    try:
        if not args.scale_only:
            compare(work, suivant, mhd, args)
        if args.scale or args.scale_only:
            scale(work, suivant, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def row(name, results, base):
    rps = statistics.median(r['rps'] for r in results)
    p50 = statistics.median(r['p50'] for r in results)
    p99 = statistics.median(r['p99'] for r in results)
    errors = sorted({r['errors'] for r in results if r['errors']})
    line = '  %-14s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms' % (
        name, rps, p50, p99)
    if base is not None:
        line += '  x%.2f rps, x%.2f p50, x%.2f p99 vs nginx' % (
            rps / base[0], p50 / base[1], p99 / base[2])
    if errors:
        line += '  ERRORS: ' + '; '.join(errors)
    print(line)
    return rps, p50, p99


def compare(work, suivant, mhd, args):
    db = os.path.join(work, 'suivant.db')
    sv = Server('suivant', [suivant, 'serve', '--db', db, '--listen',
                            '127.0.0.1:0', '--threads', '2'], 0,
                ready='ready port=')
    status, answer = http_get(sv.port, GET_PATH, HOST)
    if status != 200:
        raise SystemExit('suivant answered %d' % status)
    answer_file = os.path.join(work, 'answer.xml')
    with open(answer_file, 'wb') as f:
        f.write(answer)
    ng = start_nginx(work, answer, free_port())
    _, ng_answer = http_get(ng.port, GET_PATH, HOST)
    if ng_answer != answer:
        raise SystemExit('nginx does not serve the byte-identical answer')
    mhd_port = free_port()
    mh = Server('mhd', [mhd, str(mhd_port), '2', answer_file], mhd_port)
    post_ok = False
    with socket.create_connection(('127.0.0.1', sv.port), timeout=5) as s:
        s.sendall(('POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/xml'
                   '\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s'
                   % (POST_PATH, HOST, len(POST_BODY), POST_BODY)).encode())
        post_ok = s.recv(64).startswith(b'HTTP/1.1 200')
    scenarios = [
        ('GET keep-alive -c64', dict(conns=64, threads=2)),
        ('GET keep-alive -c1', dict(conns=1, threads=1)),
        ('GET Connection: close -c64',
         dict(conns=64, threads=2, extra=('-H', 'Connection: close'))),
    ]
    script = post_script(work)
    print('suivant %s, %d rounds of %d s per server and scenario, '
          'order A B C' % (suivant, args.rounds, args.seconds))
    print('answer: %d bytes (%s%s)' % (len(answer), HOST, GET_PATH))
    try:
        for title, kw in scenarios:
            res = {'nginx': [], 'suivant': [], 'mhd-constant': []}
            for _ in range(args.rounds):
                for name, srv in (('nginx', ng), ('suivant', sv),
                                  ('mhd-constant', mh)):
                    res[name].append(wrk(srv.port, args.seconds, **kw))
            print(title)
            base = row('nginx-static', res['nginx'], None)
            mine = row('suivant', res['suivant'], base)
            ceil = row('mhd-constant', res['mhd-constant'], base)
            print('  suivant / mhd-constant: x%.2f' % (mine[0] / ceil[0]))
        if post_ok:
            res = {'nginx': [], 'suivant': []}
            for _ in range(args.rounds):
                res['nginx'].append(wrk(ng.port, args.seconds, 64, 2))
                res['suivant'].append(wrk(sv.port, args.seconds, 64, 2,
                                          script=script, path=POST_PATH))
            print('Autodiscover POST keep-alive -c64 (vs nginx static GET)')
            base = row('nginx-static', res['nginx'], None)
            row('suivant POST', res['suivant'], base)
        else:
            print('Autodiscover POST: not served by this build, skipped')
        rss, cpu = sv.stats()
        print('suivant peak RSS %.1f MB, CPU time %.1f s' % (rss, cpu))
    finally:
        for srv in (sv, ng, mh):
            srv.stop()


def generate(path, n_domains, seed=1):
    """A database of about n_domains domains, written straight through
    SQLite into the schema that `suivant init --empty` would create:
    per-domain providers (1-3 domains each, 60% of domains), hosting
    providers with mail.%EMAILDOMAIN% templates (40%), and *.suffix rows."""
    rnd = random.Random(seed)
    db = sqlite3.connect(path)
    db.execute('PRAGMA foreign_keys=ON')
    db.execute('PRAGMA journal_mode=WAL')
    db.execute('BEGIN')
    made = 0
    p = 0
    while made < n_domains:
        p += 1
        hosting = rnd.random() < 0.02
        pid = 'p%d.example' % p
        db.execute('INSERT INTO providers (id, display_name, short_name) '
                   'VALUES (?, ?, ?)', (pid, 'Provider %d' % p, 'P%d' % p))
        count = rnd.randint(100, 2000) if hosting else rnd.randint(1, 3)
        count = min(count, n_domains - made)
        for i in range(count):
            name = ('*.c%d.p%d.example' % (i, p) if hosting and i % 50 == 0
                    else 'd%d-%d.example' % (p, i))
            db.execute('INSERT INTO domains (name, provider_id, position) '
                       'VALUES (?, ?, ?)', (name, pid, i))
        made += count
        host = 'mail.%EMAILDOMAIN%' if hosting else 'mail.' + pid
        for prio, (typ, port, sock) in enumerate(
                (('imap', 993, 'SSL'), ('pop3', 995, 'SSL'),
                 ('smtp', 465, 'SSL'))):
            cur = db.execute(
                'INSERT INTO servers (provider_id, type, hostname, port, '
                'socket, username, priority) VALUES (?, ?, ?, ?, ?, ?, ?)',
                (pid, typ, host, port, sock, '%EMAILADDRESS%', prio * 10))
            db.execute('INSERT INTO server_auth (server_id, position, method)'
                       ' VALUES (?, 0, ?)', (cur.lastrowid,
                                             'password-cleartext'))
    db.execute('COMMIT')
    db.close()
    return p


def scale(work, suivant, args):
    print('Scale with data (GET keep-alive -c64, %d s)' % args.seconds)
    results = {}
    for n in (1000, 100000, 1000000):
        db = os.path.join(work, 'scale-%d.db' % n)
        sh([suivant, 'init', '--empty', '--db', db],
           stdout=subprocess.DEVNULL)
        providers = generate(db, n)
        sv = Server('suivant', [suivant, 'serve', '--db', db, '--listen',
                                '127.0.0.1:0', '--threads', '2'], 0,
                    ready='ready port=')
        try:
            host = 'autoconfig.d%d-0.example' % (providers // 2)
            status, _ = http_get(sv.port, GET_PATH, host)
            r = wrk(sv.port, args.seconds, 64, 2, host=host)
            rss, _ = sv.stats()
            # a live reload under load: one committed change while wrk runs
            loader = subprocess.Popen(
                ['wrk', '--latency', '-t2', '-c64', '-d%ds' % args.seconds,
                 '-H', 'Host: ' + host,
                 'http://127.0.0.1:%d%s' % (sv.port, GET_PATH)],
                stdout=subprocess.PIPE, text=True)
            time.sleep(args.seconds / 3)
            con = sqlite3.connect(db)
            con.execute("UPDATE providers SET display_name = 'changed' "
                        "WHERE id = 'p1.example'")
            con.commit()
            con.close()
            out = loader.communicate()[0]
            lat = dict((pct, float(v) * {'us': 0.001, 'ms': 1, 's': 1000}[u])
                       for pct, v, u in WRK_LAT.findall(out))
            results[n] = r['rps']
            print('  %8d domains (%d providers): snapshot+start %.2f s, RSS '
                  '%.0f MB, %.0f req/s (status %d), p99 during reload '
                  '%.2f ms' % (n, providers, sv.startup, rss, r['rps'],
                               status, lat.get('99', float('nan'))))
        finally:
            sv.stop()
    print('  1M / 1k throughput: x%.2f' % (results[1000000] / results[1000]))


if __name__ == '__main__':
    sys.exit(main())
