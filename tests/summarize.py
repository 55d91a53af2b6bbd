#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Counts test cases across meson test logs: each cmocka binary and each
harness reports its own cases, so the total is per case, not per binary.
"--failed NAME" (repeatable, first) counts a failure that has no log;
"--text FILE" (repeatable, next) counts a harness's plain output (its last
"NAME: N passed, N failed" line; none is one failure), e.g. tests/fuzz/run.sh.
A harness line may end ", N skipped" (cases whose tool is missing); a
harness skipped whole (exit 77) counts at least one skip.
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
    while args[:1] == ['--failed']:
        print('failed: %s' % args[1], file=sys.stderr)
        failed += 1
        args = args[2:]
    while args[:1] == ['--text']:
        try:
            with open(args[1]) as f:
                h = HARNESS.findall(f.read())
        except OSError as e:
            print('summarize: %s' % e, file=sys.stderr)
            h = []
        p, f, s = h[-1] if h else (0, 1, 0)
        passed += int(p)
        failed += int(f)
        skipped += int(s or 0)
        if not h or int(f):
            print('failed: %s' % args[1], file=sys.stderr)
        args = args[2:]
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
