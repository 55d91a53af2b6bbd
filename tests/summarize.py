#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Counts test cases across meson test logs: each cmocka binary and each
harness reports its own cases, so the total is per case, not per binary.
Options, before the logs, in any order and repeatable: "--failed NAME"
counts a failure that has no log (a build that failed); "--skipped NAME"
counts a run that could not happen here (build-tsan without clang);
"--text FILE" counts a harness's plain output (its last "NAME: N passed,
N failed" line; none is one failure), e.g. tests/fuzz/run.sh. A harness
line may end ", N skipped" (cases whose tool is missing); a harness
skipped whole (exit 77) counts at least one skip. Each log is one build's
meson-logs/testlog.json (build, build-asan, build-asan-clang, build-tsan).
Prints one line "N passed, N failed, N skipped"; exits 1 on any failure."""
import json
import re
import sys

CMOCKA_PASSED = re.compile(r'^\[  PASSED  \] (\d+) test', re.M)
CMOCKA_FAILED = re.compile(r'^\[  FAILED  \] (\d+) test', re.M)
CMOCKA_SKIPPED = re.compile(r'^\[  SKIPPED \] (\d+) test', re.M)
HARNESS = re.compile(r'^\w+: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$',
                     re.M)


def count(entry):
    out = entry.get('stdout') or ''
    result = entry.get('result')
    h = HARNESS.findall(out)
    if h:
        p, f, s = (int(x or 0) for x in h[-1])
        failed = f or (1 if result not in ('OK', 'SKIP') else 0)
        if result == 'SKIP' and not (p or failed or s):
            s = 1  # skipped whole (exit 77) without counting its cases
        return p, failed, s
    # cmocka prints its summary lines on stderr, which meson logs apart
    out += entry.get('stderr') or ''
    if CMOCKA_PASSED.search(out) or CMOCKA_FAILED.search(out):
        p = sum(int(x) for x in CMOCKA_PASSED.findall(out))
        f = sum(int(x) for x in CMOCKA_FAILED.findall(out))
        s = sum(int(x) for x in CMOCKA_SKIPPED.findall(out))
        if result not in ('OK', 'SKIP') and f == 0:
            f = 1
        return p, f, s
    if result == 'OK':
        return 1, 0, 0
    if result == 'SKIP':
        return 0, 0, 1
    return 0, 1, 0


def main():
    passed = failed = skipped = 0
    args = sys.argv[1:]
    while args[:1] in (['--failed'], ['--skipped'], ['--text']):
        flag, name, args = args[0], args[1], args[2:]
        if flag == '--failed':
            print('failed: %s' % name, file=sys.stderr)
            failed += 1
            continue
        if flag == '--skipped':
            print('skipped: %s' % name, file=sys.stderr)
            skipped += 1
            continue
        try:
            with open(name) as f:
                h = HARNESS.findall(f.read())
        except OSError as e:
            print('summarize: %s' % e, file=sys.stderr)
            h = []
        p, f, s = h[-1] if h else (0, 1, 0)
        passed += int(p)
        failed += int(f)
        skipped += int(s or 0)
        if not h or int(f):
            print('failed: %s' % name, file=sys.stderr)
    for path in args:
        try:
            with open(path) as f:
                lines = f.readlines()
        except OSError as e:
            print('summarize: %s' % e, file=sys.stderr)
            failed += 1
            continue
        for line in lines:
            entry = json.loads(line)
            p, f, s = count(entry)
            passed += p
            failed += f
            skipped += s
            if f:
                print('failed: %s (%s)' % (entry.get('name'), path),
                      file=sys.stderr)
    print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
