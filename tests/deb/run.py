#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Debian package (issue #14), built, checked, installed, served and
purged on this machine.

usage: run.py
env:   SV_SOURCE_ROOT (the checkout; default: two levels above this file)

deploy/build-deb builds the .deb (DEB_BUILD_OPTIONS=nocheck: the suites
run here already); lintian must report no error, and no warning that
deploy/debian/README does not accept; `dpkg -i` must install
/usr/bin/suivant, the manual pages, the unit (pointing at /usr/bin/suivant
and /var/lib/suivant/suivant.db), the user suivant and its database;
the unit's own ExecStart, run as the user suivant on a free loopback port,
must answer for free.fr; reinstalling must leave the database alone;
`dpkg --remove` keeps the data, `dpkg --purge` leaves nothing behind: no
file, no user, no group, no /var/lib/suivant.

It installs a package on this machine, so it needs root, and skips
(exit 77, with the reason) without dpkg-buildpackage, lintian, root, or
when a suivant package, user or /var/lib/suivant already exists (an
admin's installation is never touched). Prints "deb: N passed, N failed"."""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get('SV_SOURCE_ROOT', os.path.dirname(os.path.dirname(HERE)))
UNIT = '/lib/systemd/system/suivant.service'
DB = '/var/lib/suivant/suivant.db'
AREAS = ('/etc', '/usr', '/lib', '/var', '/opt', '/srv')


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def run(args, timeout=600, **kw):
    return subprocess.run(args, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, **kw)


def installed():
    return run(['dpkg-query', '-W', '-f=${Status}', 'suivant']).stdout \
        .endswith(' installed')


def known(name, db):
    return run(['getent', db, name]).returncode == 0


# man-db's cache of formatted pages, which `man` (and systemd-analyze
# verify, checking the unit's man: link) fills during the test: not the
# package's (man-db's daily job drops the pages of removed packages), but
# the test removes the ones it made.
NOT_OURS = ('/var/cache/man/',)


def cached_pages():
    found = set()
    for top, _, names in os.walk(NOT_OURS[0]):
        found.update(os.path.join(top, n) for n in names if 'suivant' in n)
    return found


def suivant_paths():
    """Every path under AREAS whose name says suivant."""
    found = set()
    for area in AREAS:
        for top, dirs, names in os.walk(area):
            for name in dirs + names:
                path = os.path.join(top, name)
                if 'suivant' in name and not path.startswith(NOT_OURS):
                    found.add(path)
    return found


def skip_reason():
    for tool in ('dpkg-buildpackage', 'lintian', 'dpkg', 'setpriv'):
        if shutil.which(tool) is None:
            return '%s is not installed (apt-get install dpkg-dev ' \
                   'debhelper lintian)' % tool
    if os.geteuid() != 0:
        return 'installing a package needs root'
    if run(['dpkg-query', '-W', 'suivant']).returncode == 0:
        return 'a suivant package is already on this machine: not touching it'
    if known('suivant', 'passwd') or known('suivant', 'group'):
        return 'a user or group suivant already exists: not touching it'
    if os.path.exists('/var/lib/suivant'):
        return '/var/lib/suivant already exists: not touching it'
    return None


def accepted_warnings():
    with open(os.path.join(ROOT, 'deploy', 'debian', 'README'),
              encoding='utf-8') as f:
        return set(re.findall(r'^- `([a-z0-9-]+)`', f.read(), re.M))


def build(out):
    env = dict(os.environ, DEB_BUILD_OPTIONS='nocheck')
    done = run([os.path.join(ROOT, 'deploy', 'build-deb'), out],
               timeout=1500, env=env)
    check(done.returncode == 0, 'deploy/build-deb: exit %d: %s' % (
        done.returncode, (done.stdout + done.stderr)[-2500:]))
    deb = done.stdout.strip().splitlines()[-1]
    check(re.fullmatch(r'.*/suivant_[0-9][^_/]*_[a-z0-9]+\.deb', deb) and
          os.path.isfile(deb), 'build-deb printed %r' % deb)
    return deb


def test_lintian(deb):
    done = run(['lintian', '--no-tag-display-limit', deb])
    tags = re.findall(r'^([EW]): suivant[^:]*: ([a-z0-9-]+)', done.stdout,
                      re.M)
    errors = [t for k, t in tags if k == 'E']
    check(not errors, 'lintian errors: %s\n%s' % (errors, done.stdout))
    unknown = sorted(set(t for k, t in tags if k == 'W') -
                     accepted_warnings())
    check(not unknown, 'lintian warnings not accepted in '
          'deploy/debian/README: %s\n%s' % (unknown, done.stdout))


def test_install(deb):
    done = run(['dpkg', '-i', deb])
    check(done.returncode == 0, 'dpkg -i: %s' % (done.stdout + done.stderr))
    check(installed(), 'not installed after dpkg -i')
    files = run(['dpkg', '-L', 'suivant']).stdout.split()
    for path in ('/usr/bin/suivant', UNIT,
                 '/usr/lib/sysusers.d/suivant.conf',
                 '/usr/lib/tmpfiles.d/suivant.conf',
                 '/usr/share/man/man1/suivant.1.gz',
                 '/usr/share/man/man1/suivant-serve.1.gz',
                 '/usr/share/man/man5/suivant-data.5.gz'):
        check(path in files and os.path.exists(path), 'no %s' % path)
    version = run(['/usr/bin/suivant', '--version']).stdout
    check(version.startswith('suivant '), '/usr/bin/suivant --version: %r'
          % version)
    if shutil.which('man'):
        page = run(['man', '-w', 'suivant-serve'])
        check(page.stdout.strip().startswith('/usr/share/man/man1/'),
              'man -w suivant-serve: %r' % (page.stdout + page.stderr))
    check(known('suivant', 'passwd') and known('suivant', 'group'),
          'no user or group suivant')
    st = os.stat('/var/lib/suivant')
    user = run(['id', '-u', 'suivant']).stdout.strip()
    check(str(st.st_uid) == user and oct(st.st_mode & 0o777) == '0o750',
          '/var/lib/suivant: uid %d mode %o' % (st.st_uid, st.st_mode))
    check(os.path.isfile(DB) and str(os.stat(DB).st_uid) == user,
          'the database was not created as the user suivant')
    with open(UNIT) as f:
        unit = f.read()
    check('ExecStart=/usr/bin/suivant serve --db %s ' % DB in unit,
          'the unit does not run /usr/bin/suivant on %s:\n%s' % (DB, unit))
    check('/usr/local' not in unit, 'the unit names /usr/local')
    check('Documentation=man:suivant-serve(1) ' in unit,
          'the unit does not name its manual page')
    if shutil.which('systemd-analyze'):
        done = run(['systemd-analyze', 'verify', UNIT])
        check(done.returncode == 0, 'systemd-analyze verify: %s'
              % (done.stdout + done.stderr))


def test_serve():
    """The unit's ExecStart, as the unit's user, on a free port."""
    with open(UNIT) as f:
        unit = f.read()
    execstart = re.search(r'^ExecStart=(.*)$', unit, re.M).group(1)
    argv = shlex.split(execstart)
    user = re.search(r'^User=(\S+)$', unit, re.M).group(1)
    i = argv.index('--listen')
    argv[i + 1] = '127.0.0.1:0'
    proc = subprocess.Popen(['setpriv', '--reuid=' + user, '--regid=' + user,
                             '--clear-groups'] + argv, cwd='/',
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        m = re.match(r'ready port=(\d+)$', line.strip())
        check(m, 'serve did not start: %r %s' % (line, proc.stderr.read()
                                                 if proc.poll() is not None
                                                 else ''))
        url = ('http://127.0.0.1:%s/mail/config-v1.1.xml?emailaddress='
               'jean.dupont%%40free.fr' % m.group(1))
        with urllib.request.urlopen(url, timeout=10) as r:
            body = r.read().decode('utf-8')
            check(r.status == 200 and
                  '<hostname>imap.free.fr</hostname>' in body,
                  'GET %s: %d %r' % (url, r.status, body[:300]))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_reinstall_keeps_data(deb):
    edit = run(['setpriv', '--reuid=suivant', '--regid=suivant',
                '--clear-groups', '/usr/bin/suivant', 'domain', 'add',
                'kept.example', '--provider', 'free.fr', '--db', DB])
    check(edit.returncode == 0, 'domain add as suivant: %s' % edit.stderr)
    with open(DB, 'rb') as f:
        before = f.read()
    done = run(['dpkg', '-i', deb])
    check(done.returncode == 0, 'dpkg -i again: %s' % done.stderr)
    with open(DB, 'rb') as f:
        check(f.read() == before, 'reinstalling changed the database')


def test_remove_keeps_data():
    done = run(['dpkg', '--remove', 'suivant'])
    check(done.returncode == 0, 'dpkg --remove: %s' % done.stderr)
    check(not os.path.exists('/usr/bin/suivant'), '/usr/bin/suivant left')
    check(os.path.isfile(DB) and known('suivant', 'passwd'),
          'dpkg --remove took the data or the user')


def test_purge_leaves_nothing(before):
    done = run(['dpkg', '--purge', 'suivant'])
    check(done.returncode == 0, 'dpkg --purge: %s' % done.stderr)
    left = []
    if run(['dpkg-query', '-W', 'suivant']).returncode == 0:
        left.append('the package in the dpkg database')
    for name, db in (('user', 'passwd'), ('group', 'group'),
                     ('shadow entry', 'shadow'), ('gshadow entry', 'gshadow')):
        if known('suivant', db):
            left.append('the %s suivant' % name)
    left += sorted(suivant_paths() - before)
    check(not left, 'left behind: %s' % ', '.join(left))


def main():
    reason = skip_reason()
    if reason:
        print('deb: skipped: %s' % reason)
        return 77
    before = suivant_paths()
    cached = cached_pages()
    out = tempfile.mkdtemp(prefix='suivant-deb-out-')
    passed = failed = 0
    deb = None
    try:
        steps = [('build', None), ('lintian', lambda: test_lintian(deb)),
                 ('install', lambda: test_install(deb)),
                 ('serve', test_serve),
                 ('reinstall-keeps-data',
                  lambda: test_reinstall_keeps_data(deb)),
                 ('remove-keeps-data', test_remove_keeps_data),
                 ('purge-leaves-nothing',
                  lambda: test_purge_leaves_nothing(before))]
        for name, step in steps:
            started = time.monotonic()
            try:
                if name == 'build':
                    deb = build(out)
                else:
                    step()
                passed += 1
                print('ok %s (%.0f s)' % (name, time.monotonic() - started))
            except (Failure, OSError, subprocess.SubprocessError,
                    AttributeError, ValueError) as e:
                failed += 1
                print('FAIL %s: %s' % (name, e))
                if name in ('build', 'install'):
                    break
            sys.stdout.flush()
    finally:
        # never leave the package behind, whatever failed
        if run(['dpkg-query', '-W', 'suivant']).returncode == 0:
            run(['dpkg', '--purge', 'suivant'])
        for page in cached_pages() - cached:
            os.unlink(page)
        shutil.rmtree(out, ignore_errors=True)
    print('deb: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
