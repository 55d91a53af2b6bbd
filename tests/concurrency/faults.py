#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""Database faults (issue #8): each has a defined outcome, tested here.

usage: faults.py SUIVANT [NAME-SUBSTRING...]

Each case runs in a fresh temporary directory:
  missing        every command family on a missing file: exit 66,
                 "no such database", no file created; serve creates it
                 from the bundled data and serves it.
  not-a-db       a text file, a truncated database and one with damaged
                 pages: every command family (serve, lookup, dns,
                 export, export-static, check, provider/domain/server
                 add, import) refuses it with exit 74 (EX_IOERR: the
                 file is there but not a usable database) and a message
                 naming the file and what is wrong ("not a database" /
                 "malformed"); the file stays byte-for-byte as it was.
  unreadable     a directory where the file should be (and, when not
                 root, a file without read permission): refused with a
                 message, nothing created.
  locked         a writer holds the database (BEGIN EXCLUSIVE) for 8 s:
                 an admin command exits 75 after the 5 s busy timeout
                 and changes nothing; lookups and a running server keep
                 answering from the old data meanwhile; once the lock is
                 gone the same command succeeds and is served.
  replaced       the file is replaced (rename) by another valid database
                 while serve runs: the new data is served within 2 s.
  disk-full      an import into a database whose files may not grow
                 (RLIMIT_FSIZE, as on a full disk) fails with exit 74 and
                 a message; no provider is half-written (the provider
                 list and `check` are what they were) and a running
                 server keeps serving.
Prints "ok NAME" / "FAIL NAME: reason", then "faults: N passed, N failed".
"""
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import httpwire  # noqa: E402  (tests/httpwire.py)

SANITIZER_MARKS = ('ERROR: AddressSanitizer', 'ERROR: LeakSanitizer',
                   'runtime error:')
ROOT = os.environ.get('SV_SOURCE_ROOT', os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


class CaseError(Exception):
    pass


class Ctx:
    def __init__(self, suivant, tmp):
        self.suivant = suivant
        self.tmp = tmp
        self.db = os.path.join(tmp, 'suivant.db')
        self.servers = []

    def run(self, *args, exit=0, db=None, preexec=None, timeout=60):
        argv = [self.suivant] + list(args) + ['--db', db or self.db]
        t0 = time.monotonic()
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout, preexec_fn=preexec,
                           cwd=self.tmp)
        p.elapsed = time.monotonic() - t0
        for m in SANITIZER_MARKS:
            if m in p.stderr:
                raise CaseError('%s: sanitizer report:\n%s'
                                % (' '.join(args), p.stderr[-2000:]))
        ok = p.returncode in exit if isinstance(exit, tuple) \
            else p.returncode == exit
        if not ok:
            raise CaseError('%s: exit %d, want %s: %s' % (
                ' '.join(args), p.returncode, exit, p.stderr.strip()))
        return p

    def serve(self, db=None):
        proc = subprocess.Popen(
            [self.suivant, 'serve', '--db', db or self.db, '--listen',
             '127.0.0.1:0'], stdout=subprocess.PIPE,
            stderr=open(os.path.join(self.tmp, 'serve.log'), 'ab'),
            stdin=subprocess.DEVNULL, cwd=self.tmp)
        self.servers.append(proc)
        try:
            return httpwire.wait_ready(proc)
        except httpwire.WireError as e:
            raise CaseError('serve: %s' % e)

    def stop(self):
        for proc in self.servers:
            status, _ = httpwire.stop_server(proc)
            if status is None:
                raise CaseError('serve did not stop on SIGTERM')
            if status != 0:
                raise CaseError('serve exited %d' % status)
        log = os.path.join(self.tmp, 'serve.log')
        if os.path.exists(log):
            with open(log, errors='replace') as f:
                text = f.read()
            for m in SANITIZER_MARKS:
                if m in text:
                    raise CaseError('serve: sanitizer report:\n%s'
                                    % text[-2000:])


def get_status(port, domain):
    """Status of the autoconfig answer for someone@domain."""
    req = ('GET /mail/config-v1.1.xml?emailaddress=someone%%40%s HTTP/1.1'
           '\r\nHost: autoconfig.%s\r\nConnection: close\r\n\r\n'
           % (domain, domain)).encode()
    with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
        s.sendall(req)
        data = httpwire.recv_all(s)
    if not data.startswith(b'HTTP/1.1 '):
        raise CaseError('no HTTP answer for %s' % domain)
    return int(data.split()[1])


def expect_status(port, domain, want, within=0.0):
    deadline = time.monotonic() + within
    while True:
        st = get_status(port, domain)
        if st == want or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    if st != want:
        raise CaseError('%s: status %d, want %d' % (domain, st, want))


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def add_provider(c, pid, db=None):
    c.run('provider', 'add', pid, '--name', pid, db=db)
    c.run('domain', 'add', pid, '--provider', pid, db=db)
    c.run('server', 'add', '--provider', pid, '--type', 'imap', '--host',
          'imap.' + pid, '--port', '993', '--socket', 'SSL', db=db)
    c.run('server', 'add', '--provider', pid, '--type', 'smtp', '--host',
          'smtp.' + pid, '--port', '465', '--socket', 'SSL', db=db)


# One command of each family that opens the database (serve apart: it
# creates a missing database, and it does not exit when all goes well).
FAMILIES = (('lookup', 'jean@free.fr'), ('dns', 'free.fr'),
            ('export', '--all', '--out', 'out'),
            ('export-static', 'static'), ('check',),
            ('provider', 'add', 'p.example', '--name', 'P'),
            ('domain', 'add', 'x.example', '--provider', 'free.fr'),
            ('server', 'add', '--provider', 'free.fr', '--type', 'imap',
             '--host', 'imap.x.example', '--port', '993', '--socket',
             'SSL'),
            ('domain', 'list'),
            ('import', os.path.join(ROOT, 'tests', 'data', 'providers')))


def case_missing(c):
    for args in FAMILIES:
        p = c.run(*args, exit=66)
        if 'no such database' not in p.stderr:
            raise CaseError('%s: message %r' % (args[0], p.stderr))
        # export-static makes its output directory before it opens the
        # database; no database file may appear.
        made = [f for f in os.listdir(c.tmp) if f != 'static']
        if made:
            raise CaseError('%s created %r' % (args[0], made))
    port = c.serve()
    expect_status(port, 'free.fr', 200)


def damaged_files(c):
    c.run('init')
    good = read(c.db)
    with open(os.path.join(c.tmp, 'text.db'), 'w') as f:
        f.write('this is not a database, whatever its name says\n')
    with open(os.path.join(c.tmp, 'truncated.db'), 'wb') as f:
        f.write(good[:100])
    damaged = bytearray(good)
    page = int.from_bytes(good[16:18], 'big') or 65536
    # Pages 2.. hold the schema's tables: damage a few of them.
    for off in range(page, min(len(damaged), page * 6)):
        damaged[off] = 0xff
    with open(os.path.join(c.tmp, 'damaged.db'), 'wb') as f:
        f.write(damaged)
    return {'text.db': 'not a database', 'truncated.db': 'malformed',
            'damaged.db': 'malformed'}


def case_not_a_db(c):
    for name, what in damaged_files(c).items():
        path = os.path.join(c.tmp, name)
        before = read(path)
        # There but unusable: 74 from every command (README, exit codes).
        for args in FAMILIES:
            p = c.run(*args, exit=74, db=path)
            if name not in p.stderr or what not in p.stderr:
                raise CaseError('%s on %s: message %r'
                                % (args[0], name, p.stderr))
            if read(path) != before:
                raise CaseError('%s changed %s' % (args[0], name))
        p = subprocess.run([c.suivant, 'serve', '--db', path, '--listen',
                            '127.0.0.1:0'], capture_output=True, text=True,
                           timeout=20)
        if p.returncode != 74 or what not in p.stderr:
            raise CaseError('serve on %s: exit %d: %r'
                            % (name, p.returncode, p.stderr))
        if read(path) != before:
            raise CaseError('serve changed %s' % name)


def case_unreadable(c):
    d = os.path.join(c.tmp, 'dir.db')
    os.mkdir(d)
    for args in (('lookup', 'jean@free.fr'), ('check',)):
        p = c.run(*args, exit=(66, 74), db=d)
        if 'dir.db' not in p.stderr:
            raise CaseError('%s: message %r' % (args[0], p.stderr))
    if os.listdir(d):
        raise CaseError('files created in dir.db: %r' % os.listdir(d))
    if os.geteuid() != 0:  # root reads anything: skip this part as root
        c.run('init')
        os.chmod(c.db, 0)
        try:
            c.run('lookup', 'jean@free.fr', exit=(66, 74))
            c.run('provider', 'add', 'p.example', '--name', 'P',
                  exit=(66, 74))
        finally:
            os.chmod(c.db, 0o644)


def case_locked(c):
    c.run('init', '--empty')
    add_provider(c, 'old.example')
    port = c.serve()
    expect_status(port, 'old.example', 200)
    locked = threading.Event()
    release = threading.Event()

    def writer():
        con = sqlite3.connect(c.db, isolation_level=None, timeout=10)
        con.execute('BEGIN EXCLUSIVE')
        locked.set()
        release.wait(20)
        con.execute('ROLLBACK')
        con.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        if not locked.wait(10):
            raise CaseError('could not lock the database')
        t0 = time.monotonic()
        p = c.run('provider', 'add', 'new.example', '--name', 'N', exit=75)
        if not re.search(r'busy|locked', p.stderr):
            raise CaseError('provider add: message %r' % p.stderr)
        if p.elapsed < 4:
            raise CaseError('gave up after %.1f s, before the busy '
                            'timeout' % p.elapsed)
        c.run('lookup', 'someone@old.example')
        expect_status(port, 'old.example', 200)
        if time.monotonic() - t0 > 7.5:
            raise CaseError('too slow to test under the 8 s lock')
    finally:
        release.set()
        t.join()
    add_provider(c, 'new.example')
    expect_status(port, 'new.example', 200, within=3)
    expect_status(port, 'old.example', 200)


def old_and_new(c):
    """The served database with old.example, and the path of another one
    with new.example, to be swapped in."""
    c.run('init', '--empty')
    add_provider(c, 'old.example')
    other = os.path.join(c.tmp, 'other.db')
    c.run('init', '--empty', db=other)
    add_provider(c, 'new.example', db=other)
    return other


def swap_in(c, port, other):
    """Replaces the served file by other; only its data is served after."""
    os.replace(other, c.db)
    expect_status(port, 'new.example', 200, within=2)
    expect_status(port, 'old.example', 404)


def case_replaced(c):
    other = old_and_new(c)
    port = c.serve()
    expect_status(port, 'old.example', 200)
    expect_status(port, 'new.example', 404)
    for suffix in ('-wal', '-shm'):  # other's WAL was checkpointed on close
        if os.path.exists(other + suffix):
            raise CaseError('other.db%s left behind' % suffix)
    swap_in(c, port, other)


def case_replaced_at_start(c):
    """The file swapped right after "ready": serve's watcher once took its
    baseline only then, so a swap between the first load and that moment
    was never noticed (CI, under ASan)."""
    other = old_and_new(c)
    swap_in(c, c.serve(), other)


def case_disk_full(c):
    c.run('init', '--empty')
    add_provider(c, 'old.example')
    port = c.serve()
    before = c.run('provider', 'list', '--json').stdout
    # The WAL may not grow past 32 KiB: the bundled providers need more.
    limit = 32 * 1024

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    p = c.run('import', os.path.join(ROOT, 'db'), exit=74,
              preexec=small_disk, timeout=120)
    if not re.search(r'disk|full|I/O|write', p.stderr, re.I):
        raise CaseError('import: message %r' % p.stderr[-500:])
    # A directory larger than the room left: the first store error stops
    # the run (it used to blame every following file, and exit 65).
    p = c.run('import', '--repair', os.path.join(ROOT, 'db', 'ispdb'),
              exit=74, preexec=small_disk, timeout=120)
    if len(re.findall(r'I/O error', p.stderr)) != 1:
        raise CaseError('import kept going after a disk error: %r'
                        % p.stderr[-500:])
    if c.run('provider', 'list', '--json').stdout != before:
        raise CaseError('provider list changed after the failed import')
    c.run('check')
    expect_status(port, 'old.example', 200)
    expect_status(port, 'free.fr', 404)
    c.run('import', os.path.join(ROOT, 'db'))
    expect_status(port, 'free.fr', 200, within=3)


CASES = [('missing', case_missing), ('not-a-db', case_not_a_db),
         ('unreadable', case_unreadable), ('locked', case_locked),
         ('replaced', case_replaced),
         ('replaced-at-start', case_replaced_at_start),
         ('disk-full', case_disk_full)]


def main(argv):
    suivant, only = httpwire.harness_args(argv, __doc__, 2)
    passed = failed = 0
    for name, fn in CASES:
        if only and not any(s in name for s in only):
            continue
        tmp = tempfile.mkdtemp(prefix='suivant-fault-')
        c = Ctx(suivant, tmp)
        try:
            try:
                fn(c)
            finally:
                c.stop()
            print('ok %s' % name)
            passed += 1
        except (CaseError, OSError, subprocess.SubprocessError,
                sqlite3.Error) as e:
            print('FAIL %s: %s' % (name, e))
            log = os.path.join(tmp, 'serve.log')
            if os.path.exists(log):
                lines = read(log).decode('utf-8', 'replace').splitlines()
                print('\n'.join(l for l in lines
                                if ' access: ' not in l)[-2000:])
            failed += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print('faults: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
