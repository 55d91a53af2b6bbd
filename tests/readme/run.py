#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The README's commands, as a new user runs them (issue #14).

usage: run.py
env:   SV_SOURCE_ROOT (the checkout; default: two levels above this file)

1. "first command": takes the README's first shell block, drops its
   `apt-get ... &&` prefix (CI installed the packages already), and runs
   the rest verbatim with sh, in a fresh `git clone` of the checkout's
   committed HEAD in a temporary directory. The command builds and
   serves on 127.0.0.1:8080, as the README says, so the test skips (exit
   77) when that port is taken. Once `serve` prints "ready port=8080",
   GET /mail/config-v1.1.xml?emailaddress=jean.dupont%40free.fr must
   answer 200 with imap.free.fr, and `./build/suivant lookup` the same
   host offline; then the command's whole process group is stopped.
2. "commands parse": in that clone, every repository path a README code
   block names (./build/suivant, deploy/..., tests/...) exists, and every
   command line in a code block that runs the binary (./build/suivant,
   or `suivant` once installed) parses: run with --help appended, after
   every option it gives, it must exit 0 (an unknown option, a missing
   value or an unknown command or verb exits 64).
Prints "ok NAME" / "FAIL NAME: why", then "readme: N passed, N failed"."""
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get('SV_SOURCE_ROOT', os.path.dirname(os.path.dirname(HERE)))
PORT = 8080
ADDRESS = 'jean.dupont%40free.fr'
BUILD_TIMEOUT = 1500   # a first build on a slow 2-core machine
PATH_WORD = re.compile(r'(?<![\w./-])(?:\./)?((?:build|deploy|tests|db|src|'
                       r'schema|include)/[\w.+/-]*[\w+])')


def code_blocks(readme):
    """(language, text) of every fenced block, in order."""
    return re.findall(r'^```(\w*)\n(.*?)^```', readme, re.M | re.S)


def first_command(readme):
    blocks = [text for lang, text in code_blocks(readme) if lang == 'sh']
    if not blocks:
        raise ValueError('README.md has no ```sh block')
    command = blocks[0].strip()
    if '\n' in command:
        raise ValueError('the first shell block is not one line: %r'
                         % command)
    rest = re.sub(r'^(?:apt-get\b[^&]*&&\s*)+', '', command)
    if rest == command or 'apt-get' in rest:
        raise ValueError('the first shell block does not start with '
                         '"apt-get ... &&": %r' % command)
    return rest


def port_free(port):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def git(*args, cwd=None):
    return subprocess.run(['git'] + list(args), cwd=cwd, check=True,
                          capture_output=True, text=True).stdout.strip()


def fresh_clone(work):
    """A clone of ROOT's committed HEAD in work/suivant."""
    head = git('rev-parse', 'HEAD', cwd=ROOT)
    if git('status', '--porcelain', '--untracked-files=no', cwd=ROOT):
        print('note: the work tree has uncommitted changes; testing the '
              'committed HEAD %s' % head[:12])
    clone = os.path.join(work, 'suivant')
    git('clone', '--quiet', '--no-checkout', ROOT, clone)
    if subprocess.run(['git', 'cat-file', '-e', head + '^{commit}'],
                      cwd=clone, capture_output=True).returncode != 0:
        git('fetch', '--quiet', ROOT, head, cwd=clone)  # a detached HEAD
    git('checkout', '--quiet', head, cwd=clone)
    return clone


def stop(proc):
    """Stops the command's whole process group (sh, ninja, suivant)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def tail(path, n=2500):
    with open(path, errors='replace') as f:
        return f.read()[-n:]


def check_first_command(clone, command, log):
    db = re.search(r'--db (\S+)', command)  # the database it serves
    if db and os.path.isabs(db.group(1)):  # outside the fresh clone: an
        for suffix in ('', '-wal', '-shm'):  # earlier run's goes first
            if os.path.exists(db.group(1) + suffix):
                os.remove(db.group(1) + suffix)
    proc = subprocess.Popen(['sh', '-c', command], cwd=clone,
                            stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + BUILD_TIMEOUT
        while 'ready port=%d' % PORT not in tail(log.name, 10 ** 6):
            if proc.poll() is not None:
                raise AssertionError('the command exited %d before serving:'
                                     '\n%s' % (proc.returncode,
                                               tail(log.name)))
            if time.monotonic() > deadline:
                raise AssertionError('not serving after %d s:\n%s'
                                     % (BUILD_TIMEOUT, tail(log.name)))
            time.sleep(0.5)
        url = ('http://127.0.0.1:%d/mail/config-v1.1.xml?emailaddress=%s'
               % (PORT, ADDRESS))
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                status, body = r.status, r.read().decode('utf-8')
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode('utf-8', 'replace')
        if status != 200 or '<hostname>imap.free.fr</hostname>' not in body:
            raise AssertionError('GET %s: %d %r' % (url, status, body[:300]))
        offline = subprocess.run(['./build/suivant', 'lookup'] +
                                 (['--db', db.group(1)] if db else []) +
                                 ['jean.dupont@free.fr'], cwd=clone,
                                 capture_output=True, text=True, timeout=60)
        if offline.returncode != 0 or offline.stdout != body:
            raise AssertionError('./build/suivant lookup differs from the '
                                 'HTTP answer (exit %d): %s'
                                 % (offline.returncode, offline.stderr))
    finally:
        stop(proc)


def binary_commands(readme, known):
    """Every command line of the README's code blocks that runs suivant
    (a command of `known` after ./build/suivant or suivant), as (line,
    argv after the binary), the block's shell variables expanded. In a
    block with "$ " prompts only those lines are commands; usage
    synopses ("[--db FILE]", "...") are not."""
    found = []
    for _, text in code_blocks(readme):
        variables = {}
        lines = re.sub(r'\\\n\s*', ' ', text).splitlines()
        prompts = any(line.startswith('$ ') for line in lines)
        for line in lines:
            if prompts and not line.startswith('$ '):
                continue
            line = re.sub(r'^\$ ', '', line.strip())
            m = re.match(r'^(\w+)="([^"$]*)"$', line)
            if m:
                variables[m.group(1)] = m.group(2)
                continue
            if re.search(r'\[--|\.\.\.', line):
                continue
            code = re.sub(r'\s#.*$', '', line)
            # $(./build/suivant ...) as a value: the inner command
            inner = re.search(r'\$\((.*)\)', code)
            if inner:
                code = inner.group(1)
            for part in re.split(r'\s*(?:&&|\|\||;|\|)\s*', code):
                for m in re.finditer(r'(?:^|\s)(?:\./build/)?suivant\s+'
                                     r'([a-z][\w-]*)(.*)$', part):
                    if m.group(1) not in known:
                        continue
                    args = m.group(1) + m.group(2)
                    for name, value in variables.items():
                        args = args.replace('$' + name, value)
                    args = re.sub(r'"\$\w+"', '1', args)  # a server id
                    found.append((line, shlex.split(args)))
                    break
    return found


def known_commands(binary):
    out = subprocess.run([binary, '--help'], capture_output=True,
                         text=True, timeout=60).stdout
    listing = out.split('\ncommands:\n', 1)[-1].split('\n\n', 1)[0]
    return set(re.findall(r'^  ([a-z][a-z0-9-]*) ', listing, re.M))


def check_commands_parse(clone, readme):
    problems = []
    for _, text in code_blocks(readme):
        for path in PATH_WORD.findall(text):
            if not os.path.exists(os.path.join(clone, path)):
                problems.append('%s does not exist' % path)
    binary = os.path.join(clone, 'build', 'suivant')
    commands = binary_commands(readme, known_commands(binary))
    if len(commands) < 10:
        problems.append('only %d suivant command lines found in the '
                        'README: the parser missed some' % len(commands))
    for line, args in commands:
        proc = subprocess.run([binary] + args + ['--help'], cwd=clone,
                              capture_output=True, text=True, timeout=60)
        if proc.returncode != 0 or not proc.stdout.startswith('usage: '):
            problems.append('`%s` does not parse (exit %d): %s' % (
                line, proc.returncode, proc.stderr.strip()[:300]))
    if problems:
        raise AssertionError('\n  '.join(problems))


def main():
    for tool in ('git', 'sh'):
        if shutil.which(tool) is None:
            print('readme: skipped: %s is not installed' % tool)
            return 77
    if not port_free(PORT):
        print('readme: skipped: 127.0.0.1:%d is in use, and the README\'s '
              'first command serves there' % PORT)
        return 77
    work = tempfile.mkdtemp(prefix='suivant-readme-')
    passed = failed = 0
    try:
        clone = fresh_clone(work)
        with open(os.path.join(clone, 'README.md'), encoding='utf-8') as f:
            readme = f.read()
        tests = [('first-command', lambda log: check_first_command(
                      clone, first_command(readme), log)),
                 ('commands-parse', lambda log: check_commands_parse(
                      clone, readme))]
        for name, test in tests:
            with open(os.path.join(work, name + '.log'), 'w+') as log:
                try:
                    test(log)
                    passed += 1
                    print('ok %s' % name)
                except (AssertionError, ValueError, OSError,
                        subprocess.SubprocessError) as e:
                    failed += 1
                    print('FAIL %s: %s' % (name, e))
            sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print('readme: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
