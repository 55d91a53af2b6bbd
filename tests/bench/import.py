#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Import benchmark (issue #4): how fast `suivant import` stores provider
files, on Thunderbird's ISP database and on synthetic providers.

usage: tests/bench/import.py SUIVANT [N]   (N synthetic providers,
                                           default 100000)
env:   SV_ISPDB (default ../shared/ispdb beside the checkout)

Writes N provider files into one directory under /tmp (each: 3 domains,
imap + pop3 + smtp servers, a documentation link; the same shape as a
typical ISPDB file, ~1.5 kB), then times, each on a fresh database made
by `suivant init --empty`:
  - `suivant import --repair` of the ISPDB corpus (it needs --repair),
    best of 5 runs;
  - `suivant import` of the N synthetic files, in one run (one
    transaction), and the same with --dry-run;
  - `suivant export --all` of the N providers.
Prints one line per measurement; wall-clock seconds, from this script
(process start to exit). Removes its files at the end. Use a release
build (meson setup --buildtype=release build-release) for numbers worth
recording in tests/bench/RESULTS.md.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ISPDB = os.environ.get('SV_ISPDB', os.path.join(os.path.dirname(ROOT),
                                                 'shared', 'ispdb'))

TEMPLATE = '''<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="p{i}.bench.example">
    <domain>p{i}.bench.example</domain>
    <domain>mail-p{i}.bench.example</domain>
    <domain>alt-p{i}.bench.example</domain>
    <displayName>Bench provider {i}</displayName>
    <displayShortName>Bench {i}</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.p{i}.bench.example</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.p{i}.bench.example</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
      <pop3>
        <leaveMessagesOnServer>true</leaveMessagesOnServer>
        <daysToLeaveMessagesOnServer>7</daysToLeaveMessagesOnServer>
      </pop3>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.p{i}.bench.example</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
    <documentation url="https://help.p{i}.bench.example/mail">
      <descr lang="en">Mail settings</descr>
    </documentation>
  </emailProvider>
</clientConfig>
'''


def timed(args):
    start = time.monotonic()
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    elapsed = time.monotonic() - start
    if r.returncode != 0:
        sys.exit('bench: %s exited %d:\n%s' % (' '.join(args), r.returncode,
                                               r.stderr[-2000:]))
    return elapsed, r.stdout.strip().splitlines()[-1] if r.stdout else ''


def fresh_db(binary, work, name):
    db = os.path.join(work, name)
    for suffix in ('', '-wal', '-shm'):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    timed([binary, 'init', '--empty', '--db', db])
    return db


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 100000
    work = tempfile.mkdtemp(prefix='suivant-bench-import-')
    try:
        if os.path.isdir(ISPDB):
            files = len([f for f in os.listdir(ISPDB) if f.endswith('.xml')])
            for flags in (['--repair'],):
                best = None
                for _ in range(5):
                    db = fresh_db(binary, work, 'ispdb.db')
                    t, summary = timed([binary, 'import'] + flags +
                                       ['--db', db, ISPDB])
                    best = t if best is None else min(best, t)
                print('ispdb corpus %s: %d files in %.3f s (best of 5): %s'
                      % (' '.join(['import'] + flags), files, best,
                         summary))
        else:
            print('ispdb corpus: skipped (%s is absent)' % ISPDB)

        src = os.path.join(work, 'providers')
        os.mkdir(src)
        start = time.monotonic()
        size = 0
        for i in range(n):
            text = TEMPLATE.format(i=i)
            size += len(text)
            with open(os.path.join(src, 'p%06d.xml' % i), 'w') as f:
                f.write(text)
        os.sync()  # their write-back must not slow the imports down
        print('synthetic: wrote %d files (%.1f MB) in %.1f s' % (
            n, size / 1e6, time.monotonic() - start))

        db = fresh_db(binary, work, 'synthetic.db')
        t, summary = timed([binary, 'import', '--dry-run', '--db', db, src])
        print('synthetic import --dry-run: %d providers in %.2f s '
              '(%.0f providers/s): %s' % (n, t, n / t, summary))
        t, summary = timed([binary, 'import', '--db', db, src])
        print('synthetic import: %d providers in %.2f s (%.0f providers/s, '
              'one transaction): %s' % (n, t, n / t, summary))
        print('synthetic database: %.1f MB' % (
            os.path.getsize(db) / 1e6))
        t, summary = timed([binary, 'import', '--db', db, src])
        print('synthetic re-import (every provider replaced in place): '
              '%.2f s: %s' % (t, summary))
        out = os.path.join(work, 'export')
        t, summary = timed([binary, 'export', '--db', db, '--all', '--out',
                            out])
        print('synthetic export --all: %d files in %.2f s: %s' % (
            n, t, summary))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
