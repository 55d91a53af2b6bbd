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
  replaced-after-edit
                 as replaced, right after an admin edit went through the
                 WAL: nothing of the old file's WAL is replayed onto it.
  rewritten-in-place-cp, -dd, -rsync
                 another database written over the live file in place
                 (same inode: cp, dd conv=notrunc, rsync --inplace),
                 right after an admin edit went through the WAL: only
                 the new data is served within 3 s (nothing of the old
                 file's WAL mixed in). rsync is skipped when missing.
  garbage-in-place
                 random bytes written over the live file in place: the
                 old data stays served, one warning naming the file,
                 suivant_reloads_total{result="failed"} 1; the next start
                 refuses it with exit 74 and a message that says what it
                 means.
  failing-logged-once
                 the file removed, then replaced by another
                 application's database: one warning each (naming the
                 file), however many checks see it, each counted as one
                 failed reload; a good file back is served.
  failed-import-wal
                 a large import that fails (one bad file after 2,000
                 good ones), and one that succeeds, while serve runs:
                 the -wal file is back to small after each, and the
                 server serves what was committed.
Prints "ok NAME" / "skip NAME: why" / "FAIL NAME: reason", then
"faults: N passed, N failed, N skipped".
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


class Skip(Exception):
    """A case whose tool is missing here."""


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
             '127.0.0.1:0'] + httpwire.unprivileged(
                 [], os.path.dirname(os.path.abspath(db or self.db))),
            stdout=subprocess.PIPE,
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


def exchange(port, req):
    """Everything the server sends back for req, until it closes."""
    with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
        s.sendall(req)
        data = httpwire.recv_all(s)
    return data


def http_get(port, path):
    """(status, body) of GET path from 127.0.0.1."""
    data = exchange(port, ('GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                           'Connection: close\r\n\r\n' % path).encode())
    head, _, body = data.partition(b'\r\n\r\n')
    return int(head.split()[1]), body.decode('utf-8', 'replace')


def failed_reloads(port):
    """suivant_reloads_total{result="failed"} from /metrics."""
    status, body = http_get(port, '/metrics')
    m = re.search(r'^suivant_reloads_total\{result="failed"\} (\d+)$', body,
                  re.M)
    if status != 200 or not m:
        raise CaseError('/metrics: %d %r' % (status, body[:200]))
    return int(m.group(1))


def log_lines(c, pattern):
    """Lines of serve's log (access lines aside) matching pattern."""
    with open(os.path.join(c.tmp, 'serve.log'), errors='replace') as f:
        return [l for l in f.read().splitlines()
                if ' access: ' not in l and re.search(pattern, l)]


def get_status(port, domain):
    """Status of the autoconfig answer for someone@domain."""
    data = exchange(port, (
        'GET /mail/config-v1.1.xml?emailaddress=someone%%40%s HTTP/1.1'
        '\r\nHost: autoconfig.%s\r\nConnection: close\r\n\r\n'
        % (domain, domain)).encode())
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
                            '127.0.0.1:0'] + httpwire.unprivileged(
                                [], os.path.dirname(path)),
                           capture_output=True, text=True, timeout=20)
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


def rewrite_in_place(c, port, other, tool):
    """Writes other over the served file with tool, after an admin edit
    committed while serve runs (its pages went through the WAL): only
    other's data is served after."""
    add_provider(c, 'edit.example')
    expect_status(port, 'edit.example', 200, within=3)
    ino = os.stat(c.db).st_ino
    subprocess.run(tool + [other, c.db] if tool[0] != 'dd' else
                   ['dd', 'if=' + other, 'of=' + c.db, 'conv=notrunc',
                    'status=none'], check=True, timeout=30)
    if os.stat(c.db).st_ino != ino:
        raise CaseError('%s replaced the file instead of writing it in '
                        'place' % tool[0])
    expect_status(port, 'new.example', 200, within=3)
    expect_status(port, 'old.example', 404)
    expect_status(port, 'edit.example', 404)
    c.run('check')  # and the file itself is whole


def case_replaced_after_edit(c):
    """A rename over the file right after an edit went through the WAL:
    the old file's frames, left in the -wal file, would be replayed onto
    the new file when SQLite rebuilds its WAL index."""
    other = old_and_new(c)
    port = c.serve()
    add_provider(c, 'edit.example')
    expect_status(port, 'edit.example', 200, within=3)
    swap_in(c, port, other)
    expect_status(port, 'edit.example', 404)
    c.run('check')


def in_place_case(tool):
    def case(c):
        if shutil.which(tool[0]) is None:
            raise Skip('%s not installed (package %s)' % (tool[0], tool[0]))
        other = old_and_new(c)
        port = c.serve()
        expect_status(port, 'old.example', 200)
        rewrite_in_place(c, port, other, tool)
    return case


def case_garbage_in_place(c):
    c.run('init', '--empty')
    add_provider(c, 'old.example')
    port = c.serve()
    expect_status(port, 'old.example', 200)
    with open(c.db, 'r+b') as f:  # dd conv=notrunc, from /dev/urandom
        f.write(os.urandom(64 * 1024))
    deadline = time.monotonic() + 5
    while failed_reloads(port) < 1:
        if time.monotonic() > deadline:
            raise CaseError('garbage in place: no failed reload counted')
        time.sleep(0.1)
    time.sleep(1.5)  # six checks more: still one line, one count
    expect_status(port, 'old.example', 200)
    if failed_reloads(port) != 1:
        raise CaseError('failed reloads %d, want 1' % failed_reloads(port))
    warnings = log_lines(c, r'warning:')
    if len(warnings) != 1 or 'suivant.db' not in warnings[0] or \
            'not a database' not in warnings[0]:
        raise CaseError('warnings: %r' % warnings)
    c.stop()
    c.servers = []
    p = subprocess.run([c.suivant, 'serve', '--db', c.db, '--listen',
                        '127.0.0.1:0'] + httpwire.unprivileged(
                            [], c.tmp), capture_output=True, text=True,
                       timeout=20, cwd=c.tmp)
    if p.returncode != 74 or not re.search(
            r'suivant\.db: file is not a database \(.*overwritten\)',
            p.stderr) or 'PRAGMA' in p.stderr:
        raise CaseError('serve on garbage: exit %d: %r'
                        % (p.returncode, p.stderr))


def case_failing_logged_once(c):
    other = old_and_new(c)
    port = c.serve()
    expect_status(port, 'old.example', 200)
    saved = os.path.join(c.tmp, 'saved.db')
    os.rename(c.db, saved)
    time.sleep(2)  # eight checks
    expect_status(port, 'old.example', 200)
    foreign = os.path.join(c.tmp, 'foreign.db')
    con = sqlite3.connect(foreign)
    con.execute('CREATE TABLE t (x)')
    con.commit()
    con.close()
    os.rename(foreign, c.db)
    time.sleep(2)
    expect_status(port, 'old.example', 200)
    warnings = log_lines(c, r'warning:')
    if len(warnings) != 2 or not all('suivant.db' in w for w in warnings) \
            or 'no such database' not in warnings[0] \
            or 'not a suivant database' not in warnings[1]:
        raise CaseError('warnings: %r' % warnings)
    if failed_reloads(port) != 2:
        raise CaseError('failed reloads %d, want 2' % failed_reloads(port))
    os.replace(other, c.db)
    expect_status(port, 'new.example', 200, within=3)
    if not log_lines(c, r'reloaded: generation 2 of .*suivant\.db'):
        raise CaseError('no "reloaded" line naming the file')


def wal_size(c):
    try:
        return os.path.getsize(c.db + '-wal')
    except FileNotFoundError:
        return 0


def case_failed_import_wal(c):
    c.run('init', '--empty')
    add_provider(c, 'old.example')
    port = c.serve()
    expect_status(port, 'old.example', 200)
    big = os.path.join(c.tmp, 'big')
    os.mkdir(big)
    for i in range(2000):
        domains = ''.join('<domain>d%d.p%d.example</domain>' % (j, i)
                          for j in range(20))
        with open(os.path.join(big, 'p%04d.xml' % i), 'w') as f:
            f.write('<clientConfig version="1.1"><emailProvider '
                    'id="p%d.example">%s<incomingServer type="imap">'
                    '<hostname>imap.example.net</hostname><port>993</port>'
                    '<socketType>SSL</socketType><authentication>'
                    'password-cleartext</authentication><username>'
                    '%%EMAILADDRESS%%</username></incomingServer>'
                    '<outgoingServer type="smtp"><hostname>smtp.example.net'
                    '</hostname><port>465</port><socketType>SSL</socketType>'
                    '<authentication>password-cleartext</authentication>'
                    '</outgoingServer></emailProvider></clientConfig>\n'
                    % (i, domains))
    with open(os.path.join(big, 'zzzz.xml'), 'w') as f:
        f.write('<clientConfig version="1.1"><emailProvider id="bad.example">'
                '</emailProvider></clientConfig>\n')
    peak = []

    def watch_wal(stop):
        while not stop.is_set():
            peak.append(wal_size(c))
            time.sleep(0.02)

    stop = threading.Event()
    t = threading.Thread(target=watch_wal, args=(stop,))
    t.start()
    try:
        c.run('import', big, exit=65, timeout=300)
    finally:
        stop.set()
        t.join()
    # The import spilled into the WAL (that is what this case is about)...
    if max(peak) < 1024 * 1024:
        raise CaseError('the failed import never grew the WAL (peak %d)'
                        % max(peak))
    # ...and left it small, with serve still running and serving.
    if wal_size(c) > 64 * 1024:
        raise CaseError('-wal is %d bytes after the failed import (peak %d)'
                        % (wal_size(c), max(peak)))
    expect_status(port, 'old.example', 200)
    expect_status(port, 'd0.p1.example', 404)
    os.remove(os.path.join(big, 'zzzz.xml'))
    c.run('import', big, timeout=300)
    if wal_size(c) > 64 * 1024:
        raise CaseError('-wal is %d bytes after the import' % wal_size(c))
    expect_status(port, 'd19.p1999.example', 200, within=10)
    expect_status(port, 'old.example', 200)


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
         ('disk-full', case_disk_full),
         ('replaced-after-edit', case_replaced_after_edit),
         ('rewritten-in-place-cp', in_place_case(['cp'])),
         ('rewritten-in-place-dd', in_place_case(['dd'])),
         # -I: both files may share size and mtime second (quick check)
         ('rewritten-in-place-rsync', in_place_case(['rsync', '--inplace',
                                                     '-I'])),
         ('garbage-in-place', case_garbage_in_place),
         ('failing-logged-once', case_failing_logged_once),
         ('failed-import-wal', case_failed_import_wal)]


def main(argv):
    suivant, only = httpwire.harness_args(argv, __doc__, 2)
    passed = failed = skipped = 0
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
        except Skip as e:
            print('skip %s: %s' % (name, e))
            skipped += 1
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
    print('faults: %d passed, %d failed, %d skipped'
          % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
