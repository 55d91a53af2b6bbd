#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""Load through the documented proxy (issue 16): nginx, configured by
deploy/nginx.conf itself, in front of `suivant serve`, driven by wrk at 256
connections while the admin edits the data every 100 ms.

usage: proxy_load.py SUIVANT [SECONDS]   (default 60)
env:   SV_SOURCE_ROOT = repository root
Exits 77 (skipped) when nginx (package nginx-light), wrk or openssl is
missing.

Everything listens on loopback ports picked free. deploy/nginx.conf is
copied with only its listen lines, its upstream port and its certificate
paths changed (a self-signed certificate made here); its locations and
proxy settings are the file's own. `suivant serve` runs on a database made
by `suivant init` (the bundled providers) plus load.example, with
--max-per-ip raised (every request comes through nginx from one address).

wrk (2 threads, 256 connections, HTTPS to nginx, Host autoconfig.*) asks in
turn for the Mozilla autoconfig of user@load.example (query and
.well-known forms), its ISPDB document (/v1.1/load.example) and free.fr's
(never edited). Meanwhile an admin loop starts `suivant import` of version
K of load.example's provider file every 100 ms (K = 0..6 in turn; display
name, both host names and both ports change together, in one
transaction); an import that takes longer than 100 ms under the load
overlaps the next one (two at most, as two admins would; the edits that
could not start on time are counted).
Before the load, each version's answer to each request is fetched once
through nginx: those are the valid documents. During the load, wrk's Lua
checks every answer: a status other than 200, or a body equal to none of
the valid documents (a mixed or damaged document), is a failure, and so is
any socket error or timeout wrk counts.

Passes when there is no failed request and no mixed document, every admin
import exited 0 and at least one a second was applied (how many of the ten
a second could start depends on the machine, not on the server), more
than one version was seen under load (the edits were live), one more edit
after the load is served, nginx logged no upstream error, and serve logged
no sanitizer report and exited 0 on SIGTERM. Prints the counts (requests, rate, edits applied, reloads,
versions seen), then "proxy_load: N passed, N failed".
"""
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.environ.get('SV_SOURCE_ROOT', os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
import httpwire  # noqa: E402  (tests/httpwire.py)
VERSIONS = 7
EDIT_EVERY = 0.1  # seconds
MAX_EDITS_RUNNING = 2
CONNECTIONS = 256
PATHS = ('/mail/config-v1.1.xml?emailaddress=user%40load.example',
         '/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress='
         'user%40load.example',
         '/v1.1/load.example',
         '/v1.1/free.fr')
HOST = 'autoconfig.load.example'


# wrk's Lua side: every answer checked against the valid documents (a
# table keyed by body: LuaJIT interns strings, so a lookup is a hash).
WRK_LUA = r"""
valid = {}
seen = {}
mixed = 0
non200 = 0
threads = {}
local reqs = {}
local n = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local name, path = line:match("^(%S+) (.+)$")
    local f = assert(io.open(path, "rb"))
    valid[f:read("*a")] = name
    f:close()
  end
  for path in io.lines(args[2]) do
    reqs[#reqs + 1] = wrk.format("GET", path)
  end
end

function request()
  n = n % #reqs + 1
  return reqs[n]
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    return
  end
  local name = valid[body]
  if name == nil then
    mixed = mixed + 1
  else
    seen[name] = (seen[name] or 0) + 1
  end
end

function done(summary, latency, requests)
  local out = {requests = summary.requests, duration_us = summary.duration,
    connect = summary.errors.connect, read = summary.errors.read,
    write = summary.errors.write, status = summary.errors.status,
    timeout = summary.errors.timeout, non200 = 0, mixed = 0,
    p50_us = latency:percentile(50), p99_us = latency:percentile(99),
    max_us = latency.max, seen = {}}
  for _, t in ipairs(threads) do
    out.non200 = out.non200 + t:get("non200")
    out.mixed = out.mixed + t:get("mixed")
    for name, c in pairs(t:get("seen")) do
      out.seen[name] = (out.seen[name] or 0) + c
    end
  end
  local parts = {}
  for k, v in pairs(out) do
    if type(v) == "table" then
      local s = {}
      for name, c in pairs(v) do
        s[#s + 1] = string.format("%q: %d", name, c)
      end
      parts[#parts + 1] = string.format("%q: {%s}", k, table.concat(s, ", "))
    else
      parts[#parts + 1] = string.format("%q: %d", k, v)
    end
  end
  io.write("WRK-RESULT {" .. table.concat(parts, ", ") .. "}\n")
end
"""


Failure = httpwire.Failure


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def which(name, *fallback):
    return shutil.which(name) or next(
        (p for p in fallback if os.path.exists(p)), None)


def run(argv, timeout=60, **kw):
    return subprocess.run(argv, capture_output=True, text=True,
                          timeout=timeout, **kw)


def nginx_conf(tmp, https, plain, upstream, cert, key):
    """deploy/nginx.conf with only its listen lines, upstream port and
    certificate paths changed, inside a main context of our own."""
    with open(os.path.join(ROOT, 'deploy', 'nginx.conf')) as f:
        site = f.read()
    site, n = re.subn(r'listen \[::\]:\d+[^;]*;', '', site)
    site, m = re.subn(r'listen 443 ssl;', 'listen 127.0.0.1:%d ssl;' % https,
                      site)
    site, k = re.subn(r'listen 80;', 'listen 127.0.0.1:%d;' % plain, site)
    site, u = re.subn(r'127\.0\.0\.1:8080', '127.0.0.1:%d' % upstream, site)
    if not (m and k and u):
        raise Failure('deploy/nginx.conf: no listen 443/80 or upstream '
                      '127.0.0.1:8080 to point at the test\'s ports')
    # the customer site's RFC 6764 snippet, pointed at the same upstream
    with open(os.path.join(ROOT, 'deploy', 'nginx-dav.conf')) as f:
        snippet = f.read().replace('127.0.0.1:8080', '127.0.0.1:%d' % upstream)
    dav_conf = os.path.join(tmp, 'suivant-dav.conf')
    with open(dav_conf, 'w') as f:
        f.write(snippet)
    site = (site.replace('/etc/ssl/suivant/fullchain.pem', cert)
            .replace('/etc/ssl/suivant/privkey.pem', key)
            .replace('/etc/nginx/snippets/suivant-dav.conf', dav_conf))
    conf = os.path.join(tmp, 'nginx.conf')
    with open(conf, 'w') as f:
        f.write('daemon off;\nworker_processes auto;\npid %s/nginx.pid;\n'
                'error_log %s/nginx-error.log;\n'
                'events { worker_connections 2048; }\n'
                'http {\naccess_log off;\nclient_body_temp_path %s;\n'
                'proxy_temp_path %s;\n%s\n}\n' % (tmp, tmp, tmp, tmp, site))
    return conf


def fetch(port, path):
    """(status, body) of GET path through nginx's HTTPS listener."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = ('GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n'
           % (path, HOST)).encode()
    with socket.create_connection(('127.0.0.1', port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=HOST) as s:
            s.sendall(req)
            resp = httpwire.read_response(s, bytearray())
    if resp.closed:
        raise Failure('%s: no answer through nginx' % path)
    return resp.status, resp.body


def import_version(suivant, db, tmp, k):
    path = os.path.join(tmp, 'load-v%d.xml' % k)
    if not os.path.exists(path):
        with open(path, 'w') as f:
            f.write(httpwire.ispdb_xml('load.example', 'Load version %d' % k, (
                ('imap', 'imap%d.load.example' % k, 993 + 1000 * k),
                ('smtp', 'smtp%d.load.example' % k, 465 + 1000 * k))))
    return run([suivant, 'import', '--db', db, path])


def wait_version(port, k):
    """Until every load.example answer is version k's; returns them."""
    deadline = time.monotonic() + 10
    while True:
        bodies = {p: fetch(port, p) for p in PATHS}
        if all(st == 200 and (b'Load version %d' % k in b or
                              'free.fr' in p)
               for p, (st, b) in bodies.items()):
            return {p: b for p, (st, b) in bodies.items()}
        if time.monotonic() > deadline:
            raise Failure('version %d not served through nginx: %r'
                          % (k, {p: st for p, (st, b) in bodies.items()}))
        time.sleep(0.1)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    suivant = os.path.abspath(sys.argv[1])
    seconds = int(sys.argv[2]) if len(sys.argv) == 3 else 60
    nginx = which('nginx', '/usr/sbin/nginx')
    wrk = which('wrk')
    openssl = which('openssl')
    for name, path in (('nginx (package nginx-light)', nginx),
                       ('wrk', wrk), ('openssl', openssl)):
        if path is None:
            print('proxy_load: skipped: %s is not installed' % name)
            return 77
    tmp = tempfile.mkdtemp(prefix='suivant-proxy-load-')
    checks = []
    serve = nginx_proc = None
    log = os.path.join(tmp, 'serve.log')
    try:
        db = os.path.join(tmp, 'suivant.db')
        r = run([suivant, 'init', '--db', db])
        if r.returncode != 0:
            raise Failure('init: %s' % r.stderr)
        r = import_version(suivant, db, tmp, 0)
        if r.returncode != 0:
            raise Failure('import: %s' % r.stderr)
        cert, key = os.path.join(tmp, 'cert.pem'), os.path.join(tmp,
                                                                'key.pem')
        r = run([openssl, 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
                 '-subj', '/CN=' + HOST, '-keyout', key, '-out', cert])
        if r.returncode != 0:
            raise Failure('openssl: %s' % r.stderr)
        with open(log, 'wb') as err:
            serve, port = httpwire.start_server(suivant, db, [
                '--max-per-ip', '4096'], err)
        https, plain = free_port(), free_port()
        conf = nginx_conf(tmp, https, plain, port, cert, key)
        nginx_proc = subprocess.Popen([nginx, '-p', tmp, '-c', conf],
                                      stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
        httpwire.wait_listening([https], 10, nginx_proc, 'nginx')

        # The valid documents: each version's answer to each request.
        valid = os.path.join(tmp, 'valid.txt')
        with open(valid, 'w') as lst:
            for k in range(VERSIONS):
                if k:
                    r = import_version(suivant, db, tmp, k)
                    if r.returncode != 0:
                        raise Failure('import v%d: %s' % (k, r.stderr))
                for i, (path, body) in enumerate(
                        sorted(wait_version(https, k).items())):
                    name = 'free.fr' if 'free.fr' in path else \
                        'v%d-%d' % (k, i)
                    f = os.path.join(tmp, 'valid-%s.body' % name)
                    with open(f, 'wb') as out:
                        out.write(body)
                    lst.write('%s %s\n' % (name, f))
        paths = os.path.join(tmp, 'paths.txt')
        with open(paths, 'w') as f:
            f.write(''.join(p + '\n' for p in PATHS))
        script = os.path.join(tmp, 'check.lua')
        with open(script, 'w') as f:
            f.write(WRK_LUA)

        # The admin: an import of version K every EDIT_EVERY seconds, on
        # a schedule; one that takes longer (the CPU is busy with the
        # load) overlaps the next, as two admins would.
        edits = {'ok': 0, 'failed': 0, 'late': 0, 'errors': []}
        lock = threading.Lock()
        stop = threading.Event()

        def edit(k):
            r = import_version(suivant, db, tmp, k)
            with lock:
                if r.returncode == 0:
                    edits['ok'] += 1
                else:
                    edits['failed'] += 1
                    edits['errors'].append(r.stderr.strip()[-300:])

        def admin():
            t0 = time.monotonic()
            n = 0
            running = []
            while not stop.is_set():
                running = [t for t in running if t.is_alive()]
                if len(running) < MAX_EDITS_RUNNING:
                    t = threading.Thread(target=edit, args=(n % VERSIONS,))
                    t.start()
                    running.append(t)
                else:
                    edits['late'] += 1
                n += 1
                stop.wait(max(0.0, t0 + n * EDIT_EVERY - time.monotonic()))
            for t in running:
                t.join()

        editor = threading.Thread(target=admin)
        reloads0 = count_reloads(log)
        editor.start()
        try:
            w = run([wrk, '-t2', '-c%d' % CONNECTIONS, '-d%ds' % seconds,
                     '--timeout', '10s', '-H', 'Host: ' + HOST, '-s', script,
                     'https://127.0.0.1:%d/' % https, '--', valid, paths],
                    timeout=seconds + 120)
        finally:
            stop.set()
            editor.join()
        m = re.search(r'^WRK-RESULT (\{.*\})$', w.stdout, re.M)
        if w.returncode != 0 or not m:
            raise Failure('wrk exited %d: %s %s' % (w.returncode,
                                                    w.stdout[-1000:],
                                                    w.stderr[-1000:]))
        res = json.loads(m.group(1))
        reloads = count_reloads(log) - reloads0
        socket_errors = sum(res[k] for k in ('connect', 'read', 'write',
                                             'timeout'))
        versions = sorted(k for k in res['seen'] if k != 'free.fr')
        secs = res['duration_us'] / 1e6
        print('proxy_load: %d requests in %.1f s (%.0f/s) at %d '
              'connections through nginx; latency p50 %.1f ms, p99 %.1f '
              'ms, max %.1f ms' % (res['requests'], secs,
                                   res['requests'] / secs, CONNECTIONS,
                                   res['p50_us'] / 1e3, res['p99_us'] / 1e3,
                                   res['max_us'] / 1e3))
        print('proxy_load: %d edits applied (%.1f/s), %d failed, %d not '
              'started; %d reloads; %d of %d valid documents seen; non-200 '
              '%d, mixed %d, socket errors %d (status errors %d)'
              % (edits['ok'], edits['ok'] / secs, edits['failed'],
                 edits['late'], reloads,
                 len(res['seen']), VERSIONS * (len(PATHS) - 1) + 1,
                 res['non200'], res['mixed'], socket_errors, res['status']))
        checks.append(('no failed request', res['non200'] == 0 and
                       socket_errors == 0 and res['status'] == 0,
                       'non-200 %d, socket errors %d' % (res['non200'],
                                                         socket_errors)))
        checks.append(('no mixed document', res['mixed'] == 0,
                       '%d answers match no committed version'
                       % res['mixed']))
        checks.append(('every edit applied', edits['failed'] == 0 and
                       edits['ok'] >= seconds,
                       '%d ok, %d failed, %d not started (%d running): %s'
                       % (edits['ok'], edits['failed'], edits['late'],
                          MAX_EDITS_RUNNING, edits['errors'][:3])))
        checks.append(('edits live under load', len(versions) >= 2 * 3,
                       'versions seen: %s' % versions))
        # The last word: one more edit, served once it is committed.
        k = (edits['ok'] + 1) % VERSIONS
        r = import_version(suivant, db, tmp, k)
        checks.append(('last edit served', r.returncode == 0 and all(
            b'Load version %d' % k in b for p, b in
            wait_version(https, k).items() if 'free.fr' not in p),
            'version %d: %s' % (k, r.stderr)))
        with open(os.path.join(tmp, 'nginx-error.log'), errors='replace') as f:
            upstream = [l for l in f if 'upstream' in l]
        checks.append(('nginx: no upstream error', not upstream,
                       ''.join(upstream[:3])))
    except (Failure, httpwire.WireError, OSError,
            subprocess.SubprocessError) as e:
        checks.append(('run', False, str(e)))
    finally:
        if nginx_proc is not None and nginx_proc.poll() is None:
            nginx_proc.terminate()
            nginx_proc.wait(10)
        if serve is not None:
            rc, _ = httpwire.stop_server(serve)
            with open(log, errors='replace') as f:
                report = httpwire.sanitizer_report(f.read())
            checks.append(('serve: clean exit', rc == 0 and not report,
                           'exit %s, %s' % (rc, report)))
        if os.environ.get('SV_PROXY_LOAD_KEEP'):
            print('proxy_load: kept %s' % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    passed = failed = 0
    for name, ok, why in checks:
        print('%s %s%s' % ('ok' if ok else 'FAIL', name,
                           '' if ok else ': ' + why))
        passed += ok
        failed += not ok
    print('proxy_load: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


def count_reloads(log):
    with open(log, 'rb') as f:
        return len(re.findall(rb'info: reloaded: generation', f.read()))


if __name__ == '__main__':
    sys.exit(main())
