#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Project rules a machine can check (STYLE.md):
- the README's test command is exactly the one .ci/run runs;
- banned C functions do not appear in src/;
- library headers are included only by the modules that own them
  (sqlite3.h: the store; microhttpd.h: the HTTP front end; libxml2: the
  importer, the renderers and main's one-time set-up);
- every `suivant <command> --help` is documented in the README.
Prints "lint: N passed, N failed"."""
import os
import re
import subprocess
import sys

ROOT = os.environ.get('SV_SOURCE_ROOT', os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BANNED = re.compile(r'\b(sprintf|vsprintf|strcpy|strcat|strncat|strncpy|'
                    r'gets|atoi|atol|atof|strtok|alloca|system|popen)\s*\(')
OWNERS = {
    'sqlite3.h': {'src/store/store.c', 'src/store/store_load.c', 'src/store/store_write.c',
                  'src/store/store_admin.c', 'src/store/store_query.c',
                  'include/store/store_internal.h'},
    'microhttpd.h': {'src/http/http.c', 'src/http/http_autoconfig.c',
                     'include/http/http_internal.h'},
    'libxml/': {'src/answer/answer.c', 'include/answer/answer.h', 'src/import/import_mozilla.c',
                'src/import/import_repair.c', 'src/import/import_line.c',
                'src/import/import_value.c', 'src/import/import_server.c',
                'src/import/import_extras.c', 'src/import/import_common.c',
                'include/import/import_internal.h',
                'src/util/xml_safe.c', 'include/util/xml_safe.h',
                'src/answer/render_autoconfig.c', 'src/main.c',
                'src/answer/render_mobileconfig.c', 'src/answer/render_mozilla.c',
                'include/answer/render_mozilla.h', 'src/answer/render_ispdb.c',
                'src/answer/render_autodiscover.c', 'src/request/autodiscover_request.c'},
}


def c_files():
    for d in ('src', 'include'):
        for top, dirs, names in os.walk(os.path.join(ROOT, d)):
            dirs.sort()
            for name in sorted(names):
                if name.endswith(('.c', '.h')):
                    yield os.path.relpath(os.path.join(top, name), ROOT)


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    return re.sub(r'"(\\.|[^"\\])*"', '""', text)


def check_ci_command():
    with open(os.path.join(ROOT, '.ci', 'run')) as f:
        ci = [l for l in f.read().splitlines() if l.startswith('apt-get')]
    with open(os.path.join(ROOT, 'README.md')) as f:
        readme = f.read().splitlines()
    if len(ci) != 1:
        return ['.ci/run should have one apt-get ... && tests/run-all line']
    if ci[0] not in readme:
        return ['README.md does not show the test command .ci/run runs: %s'
                % ci[0]]
    return []


def check_banned():
    problems = []
    for path in c_files():
        with open(os.path.join(ROOT, path)) as f:
            code = strip_comments(f.read())
        for m in BANNED.finditer(code):
            problems.append('%s: banned function %s()' % (path, m.group(1)))
    return problems


def check_includes():
    problems = []
    for path in c_files():
        with open(os.path.join(ROOT, path)) as f:
            for line in f:
                m = re.match(r'\s*#\s*include\s*[<"]([^>"]+)[>"]', line)
                if not m:
                    continue
                for header, owners in OWNERS.items():
                    if m.group(1).startswith(header) and path not in owners:
                        problems.append('%s includes %s (only %s may)' % (
                            path, m.group(1), ', '.join(sorted(owners))))
    return problems


def check_help_documented(binary):
    if binary is None:
        return []
    with open(os.path.join(ROOT, 'README.md')) as f:
        readme = f.read()
    out = subprocess.run([binary, '--help'], capture_output=True,
                         text=True).stdout
    problems = []
    for command in re.findall(r'^  (\w+) ', out, re.M):
        usage = subprocess.run([binary, command, '--help'],
                               capture_output=True, text=True).stdout
        first = usage.splitlines()[0] if usage else ''
        if not first.startswith('usage: ') or first[7:] not in readme:
            problems.append('README.md lacks "%s" (suivant %s --help)'
                            % (first[7:], command))
    return problems


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else None
    checks = [check_ci_command, check_banned, check_includes,
              lambda: check_help_documented(binary)]
    passed = failed = 0
    for check in checks:
        problems = check()
        for p in problems:
            print('FAIL %s' % p)
        failed += len(problems)
        passed += not problems
    print('lint: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
