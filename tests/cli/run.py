#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""Command-line tests: the real `suivant` binary run as an admin would.

usage: run.py SUIVANT [NAME-SUBSTRING...]
env:   SV_SOURCE_ROOT (repository root; default: two levels above this file)

Each tests/cli/cases/NNNN-<slug>.case runs in a fresh temporary directory
(also the working directory). Lines starting with '#' are comments.

  $ ARGS...            runs `suivant ARGS` (shell quoting; $DB, $SRC, $TMP
                       stand for $TMP/suivant.db, the repository root and
                       the case's directory). The lines below it, up to the
                       next '$', are its expectations; without an `exit`
                       line it must exit 0.
  sql STATEMENTS       runs SQL on $DB with Python's sqlite3, bypassing
                       suivant: a database as an older version or another
                       tool left it (no expectations follow it)
  sql-file PATH        the same with the SQL file PATH ($SRC...), e.g.
                       schema/0001_init.sql for an older release's
                       database; $DB need not exist yet
  exit N               exit status N
  stdout TEXT          stdout is exactly TEXT plus a newline
  stdout-contains TEXT / stdout-lacks TEXT / stdout~ REGEX
  stderr-contains TEXT / stderr-lacks TEXT / stderr~ REGEX
  stdout-empty / stderr-empty
  db-unchanged         the database file is byte-for-byte what it was
                       before the command (or still absent)
  file-absent PATH     PATH (with the variables above) does not exist
  stdout-json PATH = JSON
                       stdout parses as JSON and the value at PATH equals
                       JSON (a JSON literal: "text", 3, null, [1, 2]...).
                       PATH is dot-separated object keys and array
                       indexes (0-based, negative from the end); `.` is
                       the whole document; a final `#` takes the length
                       of the array or object reached (`problems.#`)
  stderr-json PATH = JSON
                       the same for stderr, which must hold one JSON
                       document and nothing else
  stdout-var NAME      stdout, stripped, becomes $NAME in later steps
                       (e.g. the id `server add` prints)
  zone-valid ORIGIN    stdout, after a minimal SOA and NS, loads as zone
                       ORIGIN in `named-checkzone` (bind9-utils); when the
                       tool is absent the case's other expectations still
                       run, and the case counts as skipped, not passed

TEXT may use the escapes \t \n \\ and the variables ($DB... and those
set by stdout-var); regexes (~) take neither. Prints "ok NAME",
"skip NAME: reason" or "FAIL NAME: reason" per case, then "cli: N passed,
N failed, N skipped"; exits 1 if any failed, 77 if every case skipped.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import httpwire  # noqa: E402  (tests/httpwire.py)
from httpwire import SANITIZER_MARKS  # noqa: E402

TIMEOUT = 60


class CaseError(Exception):
    pass


def unescape(text):
    return re.sub(r'\\([tn\\])', lambda m: {'t': '\t', 'n': '\n',
                                            '\\': '\\'}[m.group(1)], text)


def parse(path):
    steps = []
    with open(path, encoding='utf-8') as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip('\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            if line.startswith('$ '):
                steps.append({'args': line[2:], 'line': number,
                              'expect': []})
            elif line.startswith('sql '):
                steps.append({'sql': line[4:], 'line': number})
            elif line.startswith('sql-file '):
                steps.append({'sql': line[9:], 'line': number,
                              'file': True})
            elif not steps or 'sql' in steps[-1]:
                raise CaseError('line %d: expectation without a $ step'
                                % number)
            else:
                word, _, rest = line.partition(' ')
                steps[-1]['expect'].append((word, rest, number))
    return steps


def read_db(path):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except FileNotFoundError:
        return None


def json_at(doc, path):
    """The value at a dot-separated PATH (see the docstring)."""
    if path == '.':
        return doc
    value = doc
    for part in path.split('.'):
        if part == '#':
            if not isinstance(value, (list, dict)):
                raise CaseError('%s: # of a %s' % (path, type(value)))
            value = len(value)
        elif isinstance(value, list):
            try:
                value = value[int(part)]
            except (ValueError, IndexError):
                raise CaseError('%s: no index %r' % (path, part))
        elif isinstance(value, dict):
            if part not in value:
                raise CaseError('%s: no key %r in %r' % (
                    path, part, sorted(value)))
            value = value[part]
        else:
            raise CaseError('%s: %r is not a container' % (path, value))
    return value


ZONE_HEAD = ('$TTL 300\n@ IN SOA ns.invalid. hostmaster.invalid. '
             '1 3600 600 86400 300\n@ IN NS ns.invalid.\n')


def zone_valid(origin, text, tmp):
    """None once checked, or why it could not be (the case is skipped)."""
    tool = shutil.which('named-checkzone')
    if tool is None:
        return 'named-checkzone not installed (package bind9-utils): ' \
            'zone-valid not checked'
    path = os.path.join(tmp, 'zone-valid.db')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(ZONE_HEAD + text)
    proc = subprocess.run([tool, origin, path], capture_output=True,
                          text=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        raise CaseError('named-checkzone %s: %s' % (
            origin, (proc.stdout + proc.stderr)[-800:]))
    return None


def check(step, proc, before, variables, unchecked):
    """Raises CaseError for a failed expectation; appends to unchecked the
    reason an expectation could not be checked here."""
    out, err = proc.stdout, proc.stderr
    for mark in SANITIZER_MARKS:
        if mark in err:
            raise CaseError('sanitizer report: %s' % err[-1500:])
    want_exit = 0
    for word, rest, number in step['expect']:
        text = unescape(expand(rest, variables))
        where = 'line %d: ' % number
        if word == 'exit':
            want_exit = int(rest)
        elif word == 'stdout':
            if out != text + '\n':
                raise CaseError(where + 'stdout is %r' % out[:500])
        elif word in ('stdout-contains', 'stderr-contains'):
            stream = out if word.startswith('stdout') else err
            if text not in stream:
                raise CaseError(where + '%r not in %s: %r' % (
                    text, word[:6], stream[:800]))
        elif word in ('stdout-lacks', 'stderr-lacks'):
            stream = out if word.startswith('stdout') else err
            if text in stream:
                raise CaseError(where + '%r found in %s' % (text, word[:6]))
        elif word in ('stdout~', 'stderr~'):
            stream = out if word.startswith('stdout') else err
            if not re.search(rest, stream, re.S | re.M):
                raise CaseError(where + '%s does not match %r: %r' % (
                    word[:6], rest, stream[:800]))
        elif word == 'stdout-empty':
            if out:
                raise CaseError(where + 'stdout is %r' % out[:300])
        elif word == 'stderr-empty':
            if err:
                raise CaseError(where + 'stderr is %r' % err[:300])
        elif word == 'db-unchanged':
            if read_db(variables['DB']) != before:
                raise CaseError(where + 'the database changed')
        elif word == 'file-absent':
            path = expand(rest, variables)
            if os.path.exists(path):
                raise CaseError(where + '%s exists' % path)
        elif word in ('stdout-json', 'stderr-json'):
            path, sep, want = rest.partition(' = ')
            if not sep:
                raise CaseError(where + "expected '%s PATH = JSON'" % word)
            stream = out if word == 'stdout-json' else err
            try:
                doc = json.loads(stream)
            except ValueError as e:
                raise CaseError(where + '%s is not JSON (%s): %r' % (
                    word[:6], e, stream[:300]))
            try:
                want_value = json.loads(expand(want, variables))
            except ValueError as e:
                raise CaseError(where + 'bad JSON literal %r: %s' % (want, e))
            got = json_at(doc, path.strip())
            if got != want_value:
                raise CaseError(where + '%s is %r, want %r' % (
                    path.strip(), got, want_value))
        elif word == 'stdout-var':
            if not re.fullmatch(r'[A-Z][A-Z0-9_]*', rest):
                raise CaseError(where + 'stdout-var needs an upper-case '
                                'NAME')
            variables[rest] = out.strip()
        elif word == 'zone-valid':
            why = zone_valid(rest.strip(), out, variables['TMP'])
            if why is not None and why not in unchecked:
                unchecked.append(why)
        else:
            raise CaseError(where + 'unknown expectation %r' % word)
    if proc.returncode != want_exit:
        raise CaseError('line %d: `suivant %s` exited %d, expected %d; '
                        'stderr: %s' % (step['line'], step['args'],
                                        proc.returncode, want_exit,
                                        err[-800:]))


def expand(text, variables):
    # longest names first, so that $DB2 is not read as $DB then "2"
    for k in sorted(variables, key=len, reverse=True):
        text = text.replace('$' + k, variables[k])
    return text


def run_sql(db, statements, is_file=False):
    if not is_file and not os.path.exists(db):
        raise CaseError('sql: no database at %s yet' % db)
    httpwire.run_sql(db, statements, is_file)


def run_case(binary, path, root):
    """Raises CaseError on a failure; returns the reasons some
    expectations could not be checked (empty: all were)."""
    tmp = tempfile.mkdtemp(prefix='suivant-cli-')
    variables = {'DB': os.path.join(tmp, 'suivant.db'), 'SRC': root,
                 'TMP': tmp}
    unchecked = []
    try:
        for step in parse(path):
            if 'sql' in step:
                run_sql(variables['DB'], expand(step['sql'], variables),
                        step.get('file', False))
                continue
            args = [expand(a, variables) for a in shlex.split(step['args'])]
            before = read_db(variables['DB'])
            proc = subprocess.run([binary] + args, cwd=tmp, text=True,
                                  errors='replace', capture_output=True,
                                  timeout=TIMEOUT, stdin=subprocess.DEVNULL)
            check(step, proc, before, variables, unchecked)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return unchecked


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.environ.get('SV_SOURCE_ROOT',
                          os.path.dirname(os.path.dirname(here)))
    cases = sorted(f for f in os.listdir(os.path.join(here, 'cases'))
                   if f.endswith('.case'))
    if len(sys.argv) > 2:
        cases = [c for c in cases if any(s in c for s in sys.argv[2:])]
    passed = failed = skipped = 0
    for name in cases:
        try:
            unchecked = run_case(binary, os.path.join(here, 'cases', name),
                                 root)
        except (CaseError, httpwire.Failure, subprocess.TimeoutExpired,
                ValueError) as e:
            failed += 1
            print('FAIL %s: %s' % (name[:-5], e))
        else:
            if unchecked:
                skipped += 1
                print('skip %s: %s' % (name[:-5], '; '.join(unchecked)))
            else:
                passed += 1
                print('ok %s' % name[:-5])
        sys.stdout.flush()
    print('cli: %d passed, %d failed, %d skipped' % (passed, failed, skipped))
    if failed:
        return 1
    return 77 if skipped and not passed else 0


if __name__ == '__main__':
    sys.exit(main())
