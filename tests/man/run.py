#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Manual pages (issue #14): every page renders without a warning, every
command has its page, and each page documents exactly the options its
--help prints, no more, no fewer.

usage: run.py SUIVANT MAN-BUILD-DIR
env:   SV_SOURCE_ROOT (repository root; default: two levels above this file)

Commands come from `suivant --help` (its "commands:" list), so a new
command fails this test until it has a page. An option is "printed by
--help" when it starts a line of the option list (two spaces, then
`--name` or `-x, --name`); "documented" when it starts a definition in
the page's scdoc source (`*--name*` or `*-x, --name*` at the start of a
line). suivant(1) is checked against `suivant --help`, suivant-CMD(1)
against `suivant CMD --help`. Pages are rendered with
`groff -man -Tutf8 -ww` (every warning on), and with `man -l` when man
is installed. Skips (exit 77) when groff is missing or the pages were
not built (scdoc missing). Prints "man: N passed, N failed"."""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get('SV_SOURCE_ROOT', os.path.dirname(os.path.dirname(HERE)))
SOURCES = os.path.join(ROOT, 'src', 'cli', 'man')
HELP_OPTION = re.compile(r'^  (?:(-[A-Za-z]), )?(--[a-z0-9][a-z0-9-]*)', re.M)
PAGE_OPTION = re.compile(r'^\*(?:(-[A-Za-z]), )?(--[a-z0-9][a-z0-9-]*)\*?',
                         re.M)
# pages that document no command
NOT_COMMANDS = {'suivant.1', 'suivant-data.5'}


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def commands(binary):
    out = run([binary, '--help']).stdout
    listing = out.split('\ncommands:\n', 1)[1].split('\n\n', 1)[0]
    return re.findall(r'^  ([a-z][a-z0-9-]*) ', listing, re.M)


def options(regex, text):
    found = set()
    for short, long in regex.findall(text):
        found.add(long)
        if short:
            found.add(short)
    return found


def render(page):
    """Problems found rendering the built page."""
    problems = []
    groff = run(['groff', '-man', '-Tutf8', '-ww', '-z', page])
    if groff.returncode != 0 or groff.stderr:
        problems.append('groff: %s' % (groff.stderr.strip() or
                                       'exit %d' % groff.returncode))
    if shutil.which('man'):
        env = dict(os.environ, MANWIDTH='80')
        man = subprocess.run(['man', '--warnings', '-l', page],
                             capture_output=True, text=True, env=env,
                             timeout=60)
        shown = re.sub('.\b', '', man.stdout)  # bold and underline
        if man.returncode != 0 or man.stderr:
            problems.append('man -l: %s' % (man.stderr.strip() or
                                            'exit %d' % man.returncode))
        elif not re.search(r'^NAME\n', shown, re.M):
            problems.append('man -l: no NAME section')
    return problems


def check_page(binary, built, page, help_args):
    problems = []
    source = os.path.join(SOURCES, page + '.scd')
    if not os.path.exists(source):
        return ['no source %s' % os.path.relpath(source, ROOT)]
    path = os.path.join(built, page)
    if not os.path.exists(path):
        return ['%s is not built: list it in src/cli/man/meson.build' % page]
    problems += render(path)
    with open(source, encoding='utf-8') as f:
        text = f.read()
    name, section = page.rsplit('.', 1)
    if not text.startswith('%s(%s)\n' % (name, section)):
        problems.append('the source does not start with %s(%s)'
                        % (name, section))
    if help_args is not None:
        proc = run([binary] + help_args)
        if proc.returncode != 0 or not proc.stdout.startswith('usage: '):
            problems.append('`suivant %s` failed' % ' '.join(help_args))
        printed = options(HELP_OPTION, proc.stdout)
        documented = options(PAGE_OPTION, text)
        for opt in sorted(printed - documented):
            problems.append('%s: --help prints %s, the page does not '
                            'document it' % (page, opt))
        for opt in sorted(documented - printed):
            problems.append('%s: the page documents %s, --help does not '
                            'print it' % (page, opt))
        if not printed:
            problems.append('`suivant %s` lists no option'
                            % ' '.join(help_args))
    return problems


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, built = os.path.abspath(sys.argv[1]), sys.argv[2]
    if shutil.which('groff') is None:
        print('man: skipped: groff is not installed (apt-get install man-db)')
        return 77
    if not os.path.isdir(built) or not os.listdir(built):
        print('man: skipped: the pages were not built (scdoc is not '
              'installed: apt-get install scdoc)')
        return 77
    checks = {'suivant.1': ['--help'], 'suivant-data.5': None}
    for cmd in commands(binary):
        checks['suivant-%s.1' % cmd] = [cmd, '--help']
    pages = set(f[:-4] for f in os.listdir(SOURCES) if f.endswith('.scd'))
    stale = pages - set(checks)
    passed = failed = 0
    for page in sorted(checks) + sorted(stale):
        if page in stale:
            problems = ['%s documents no command of `suivant --help`'
                        % page]
        else:
            problems = check_page(binary, built, page, checks[page])
        if problems:
            failed += 1
            print('FAIL %s: %s' % (page, '; '.join(problems)))
        else:
            passed += 1
            print('ok %s' % page)
    print('man: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
