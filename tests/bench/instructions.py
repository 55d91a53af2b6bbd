#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instructions per request, counted by callgrind: a figure that does not
move with the machine's load, unlike the benchmark's rates (run.py).

    python3 tests/bench/instructions.py [--suivant BINARY]
        [--baseline OLD-BINARY] [--few N] [--many M] [--only WORDS]

Builds nothing (default binary: build-release/suivant, made by
`meson setup --buildtype=release build-release && ninja -C build-release`).
Each binary gets its own database made by its own `init` (an older
binary cannot open a newer schema) and runs as

    valgrind --tool=callgrind --separate-threads=yes \\
        suivant serve --db D --listen 127.0.0.1:0 --threads 1

(as nobody when run as root), asked over one kept-alive connection per
scenario, each answer checked (status 200, the same bytes every time):

  - Host-form GET: GET /mail/config-v1.1.xml, Host: autoconfig.free.fr;
  - gmail GET: the same with ?emailaddress=a@gmail.com,
    Host: autoconfig.gmail.com;
  - Autodiscover POST: run.py's body to /autodiscover/autodiscover.xml.

Start-up, loading and the timer threads cancel out in a difference: one
server is asked N (--few) requests of every scenario, then, per scenario,
another server is asked the same but M (--many) of that scenario; the
figure is (total(M) - total(N)) / (M - N) for the whole process and for
the request thread (the one worker: the thread whose count grew most).
The whole-process figure moves by a few percent between two runs (the
reload poll, the log flusher and the deadline janitor run by wall time,
and valgrind is slow); the request thread's is stable to a few dozen.

Exit status 77 ("skipped") when valgrind is not installed.
"""
import argparse
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import httpwire  # noqa: E402  (tests/httpwire.py)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from run import HOST, POST_BODY, POST_PATH  # noqa: E402  (the benchmark's)

SCENARIOS = [
    ('Host-form GET', 'GET /mail/config-v1.1.xml HTTP/1.1\r\n'
     'Host: autoconfig.free.fr\r\n\r\n'),
    ('gmail GET ?emailaddress=', 'GET /mail/config-v1.1.xml?emailaddress='
     'a%40gmail.com HTTP/1.1\r\nHost: autoconfig.gmail.com\r\n\r\n'),
    ('Autodiscover POST', 'POST %s HTTP/1.1\r\nHost: %s\r\n'
     'Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s'
     % (POST_PATH, HOST, len(POST_BODY), POST_BODY)),
]
# valgrind runs the server some 50 times slower than natively
VALGRIND_READY_S = 300


def ask(port, request, count):
    """count identical requests over one kept-alive connection; each
    answer must be a 200 with the first one's bytes."""
    sock = httpwire.connect(port, timeout=60)
    buf = bytearray()
    first = None
    try:
        for _ in range(count):
            sock.sendall(request.encode())
            resp = httpwire.read_response(sock, buf)
            if resp.status != 200:
                raise SystemExit('%r: status %r' % (request[:40],
                                                    resp.status))
            if first is None:
                first = resp.body
            elif resp.body != first:
                raise SystemExit('%r: the answer changed' % request[:40])
    finally:
        sock.close()


def run_server(suivant, work, counts):
    """One server under callgrind, asked counts[i] requests of scenario
    i in turn: {thread number: instructions} (0: the whole process)."""
    out = os.path.join(work, 'callgrind.out')
    for old in glob.glob(out + '*'):
        os.unlink(old)
    args = httpwire.unprivileged(['--listen', '127.0.0.1:0', '--threads',
                                  '1'], work)
    with open(os.path.join(work, 'serve.stderr'), 'ab') as err:
        proc = subprocess.Popen(
            ['valgrind', '--tool=callgrind', '--separate-threads=yes',
             '--dump-instr=no', '--vgdb=no', '--callgrind-out-file=' + out,
             suivant, 'serve', '--db', os.path.join(work, 'suivant.db')]
            + args, stdout=subprocess.PIPE, stderr=err,
            stdin=subprocess.DEVNULL)
        try:
            port = httpwire.wait_ready(proc, VALGRIND_READY_S)
            for (_, request), count in zip(SCENARIOS, counts):
                ask(port, request, count)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            proc.wait(VALGRIND_READY_S)
    totals = {}
    for path in glob.glob(out + '*'):
        m = re.search(r'-(\d+)$', path)
        thread = int(m.group(1)) if m else 1
        with open(path) as f:
            for line in f:
                if line.startswith('summary:') or line.startswith('totals:'):
                    totals[thread] = int(line.split()[1])
                    break
    if not totals:
        raise SystemExit('no callgrind output in %s' % work)
    totals[0] = sum(totals.values())
    return totals


def measure(suivant, work, few, many, only):
    """{scenario: (whole process, request thread)} per request."""
    os.makedirs(work)
    subprocess.run([suivant, 'init', '--db', os.path.join(work,
                                                         'suivant.db')],
                   check=True, capture_output=True, timeout=120)
    base = run_server(suivant, work, [few] * len(SCENARIOS))
    result = {}
    for i, (name, _) in enumerate(SCENARIOS):
        if only and not any(w.lower() in name.lower() for w in only):
            continue
        counts = [few] * len(SCENARIOS)
        counts[i] = many
        more = run_server(suivant, work, counts)
        grew = {t: (more.get(t, 0) - base.get(t, 0)) / (many - few)
                for t in more if t != 0}
        result[name] = ((more[0] - base[0]) / (many - few),
                        max(grew.values()))
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--suivant', default=os.path.join(ROOT, 'build-release',
                                                      'suivant'))
    ap.add_argument('--baseline', help='a second binary, side by side')
    ap.add_argument('--few', type=int, default=200)
    ap.add_argument('--many', type=int, default=1200)
    ap.add_argument('--only', default='',
                    help='comma-separated words picking scenarios '
                    '(e.g. "Host-form")')
    a = ap.parse_args()
    if shutil.which('valgrind') is None:
        print('instructions: valgrind not installed: skipped')
        return 77
    if a.many <= a.few:
        ap.error('--many must exceed --few')
    only = [w for w in a.only.split(',') if w]
    binaries = [('suivant', os.path.abspath(a.suivant))]
    if a.baseline:
        binaries.append(('baseline', os.path.abspath(a.baseline)))
    for label, path in binaries:
        if not os.access(path, os.X_OK):
            raise SystemExit('%s: no binary %s (build it first)'
                             % (label, path))
    work = tempfile.mkdtemp(prefix='sv-instructions-')
    os.chmod(work, 0o755)  # a server started as root runs as nobody
    try:
        results = {label: measure(path, os.path.join(work, label), a.few,
                                  a.many, only)
                   for label, path in binaries}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print('instructions per request (callgrind; N=%d then M=%d requests, '
          'difference / %d)' % (a.few, a.many, a.many - a.few))
    for label, path in binaries:
        print('  %-8s %s' % (label, path))
    for name in results['suivant']:
        print(name)
        for label, _ in binaries:
            whole, thread = results[label][name]
            line = '  %-8s request thread %9.0f   whole process %9.0f' % (
                label, thread, whole)
            if label != 'suivant':
                mine = results['suivant'][name]
                line += '   suivant / %s: thread x%.3f, process x%.3f' % (
                    label, mine[1] / thread, mine[0] / whole)
            print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
