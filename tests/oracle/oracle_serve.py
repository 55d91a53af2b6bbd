# SPDX-License-Identifier: MIT
"""What the two oracle runners share (run.py: Thunderbird's and KMail's
autoconfig readers; autodiscover.py: Thunderbird's Autodiscover reader):
the paths of ../shared, the exact domains of a provider file, and one
`suivant serve` of the bundled data plus tests/data/import/exchange.xml
whose answers the checks judge, four at a time.
"""
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import httpwire  # noqa: E402  (tests/httpwire.py)

ROOT = os.environ.get('SV_SOURCE_ROOT',
                      os.path.dirname(os.path.dirname(os.path.dirname(
                          os.path.abspath(__file__)))))
ORACLES = os.path.join(os.path.dirname(ROOT), 'shared', 'oracles')
TB = os.path.join(ORACLES, 'thunderbird')
EXCHANGE = os.path.join(ROOT, 'tests', 'data', 'import', 'exchange.xml')


def exact_domains(path):
    root = ET.parse(path).getroot()
    names = [(d.text or '').strip() for d in root.iter('domain')]
    return [n for n in names if n and not n.startswith('*')]


def serve_and_check(name, binary, oracles, submit):
    """Skips (77) when ../shared/oracles or node is absent; else runs the
    setup.sh of each of the oracles (folders of ../shared/oracles),
    serves a database of the bundled data and EXCHANGE, and calls
    submit(pool, port, work), which returns (label, future) pairs whose
    result is None when the check passed, else the problem. Prints a line
    a check and the counts; returns 0 when every check passed, else 1."""
    if not os.path.isdir(ORACLES):
        print('%s: skipped: %s is absent (it sits beside the checkout in '
              'CI)' % (name, ORACLES))
        return 77
    if shutil.which('node') is None:
        print('%s: skipped: node is not installed' % name)
        return 77
    for oracle in oracles:
        script = os.path.join(ORACLES, oracle, 'setup.sh')
        r = subprocess.run(['bash', script], capture_output=True, text=True,
                           timeout=1800)
        if r.returncode != 0:
            sys.exit('oracle setup failed: %s\n%s' % (script,
                                                      r.stderr[-2000:]))
    work = tempfile.mkdtemp(prefix='suivant-%s-' % name)
    db = os.path.join(work, 'suivant.db')
    for args in (['init', '--db', db], ['import', '--db', db, EXCHANGE]):
        r = subprocess.run([binary] + args, capture_output=True, text=True)
        if r.returncode != 0:
            print('%s: %s failed: %s' % (name, args[0], r.stderr))
            return 1
    server = subprocess.Popen([binary, 'serve', '--db', db, '--listen',
                               '127.0.0.1:0'] + httpwire.unprivileged(
                                   [], work), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith('ready port='):
            print('%s: server did not start' % name)
            return 1
        port = int(line.split('=')[1])
        passed = failed = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for label, job in submit(pool, port, work):
                problem = job.result()
                if problem is None:
                    passed += 1
                    print('ok %s' % label)
                else:
                    failed += 1
                    print('FAIL %s: %s' % (label, problem))
        print('%s: %d passed, %d failed' % (name, passed, failed))
        return 1 if failed else 0
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
