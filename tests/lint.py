#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Project rules a machine can check (STYLE.md):
- the README's test command is exactly the one .ci/run runs;
- banned C functions do not appear in src/;
- library headers are included only by the modules that own them
  (sqlite3.h: the store; microhttpd.h: the HTTP front end; libxml2: the
  importer, the renderers and main's one-time set-up);
- every `suivant <command> --help` is documented in the README;
- layers: src/<layer>/ and include/<layer>/ include only their own layer
  and the layers below it (LAYERS), in this order: util < model <
  request < import, store (neither includes the other) < answer <
  snapshot < dataset < http < cli < src/main.c (src/README.md);
- no circle between modules: a module is one source file (or one of the
  GROUPS), and it depends on the files defining the functions and
  objects it uses; the graph must be acyclic;
- every include/<layer>/X.h belongs to src/<layer>/X.c, or is a group
  header whose sections are headed by the files defining them
  (`/* ---- cli_write.c ---- */`, or a file the build generates), or
  holds no code at all (constants, types, inline functions); an
  X_internal.h is shared by several files of its own layer and included
  by nothing outside it.
Prints "lint: N passed, N failed"."""
import fnmatch
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.environ.get('SV_SOURCE_ROOT', os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BANNED = re.compile(r'\b(sprintf|vsprintf|strcpy|strcat|strncat|strncpy|'
                    r'gets|atoi|atol|atof|strtok|alloca|system|popen)\s*\(')
OWNERS = {
    'sqlite3.h': {'src/store/store.c', 'src/store/store_load.c', 'src/store/store_write.c',
                  'src/store/store_admin.c', 'src/store/store_query.c',
                  'src/store/store_account.c', 'src/store/store_audit.c',
                  'include/store/store_internal.h'},
    'ares.h': {'src/resolve/mx_resolver.c', 'src/resolve/dns_query.c',
               'include/resolve/resolve_internal.h'},
    'libpq-fe.h': {'src/source/sql_source_pg.c'},
    'mysql.h': {'src/source/sql_source_mysql.c'},
    'microhttpd.h': {'src/http/http.c', 'src/http/http_autoconfig.c',
                     'include/http/http_answer.h', 'include/http/http_client.h',
                     'include/http/http_connection.h',
                     'include/http/http_endpoints.h',
                     'include/http/http_framing.h', 'include/http/http_metrics.h',
                     'include/http/http_mx.h', 'include/http/http_request.h',
                     'include/http/http_response.h', 'include/http/http_route.h',
                     'include/http/http_shared.h',
                     'src/webadmin/webadmin.c', 'src/webadmin/admin_fields.c',
                     'include/webadmin/webadmin_internal.h'},
    'libxml/': {'src/answer/answer.c', 'include/answer/answer.h', 'src/import/import_mozilla.c',
                'src/import/import_repair.c', 'src/import/import_line.c',
                'src/import/import_value.c', 'src/import/import_server.c',
                'src/import/import_extras.c', 'src/import/import_common.c',
                'src/import/import_service.c',
                'include/import/import_internal.h',
                'src/util/xml_safe.c', 'include/util/xml_safe.h',
                'src/answer/render_autoconfig.c', 'src/main.c',
                'src/answer/render_mobileconfig.c', 'src/answer/render_mozilla.c',
                'include/answer/render_mozilla.h', 'src/answer/render_ispdb.c',
                'src/answer/render_autodiscover.c', 'src/request/autodiscover_request.c',
                'src/answer/render_wellknown.c', 'src/answer/render_util.c',
                'src/webadmin/admin_html.c', 'src/answer/render_page.c',
                'src/answer/render_settings.c'},
    'qrencode.h': {'src/answer/render_page.c'},
}


# The layers, lowest first; a layer includes only itself and those before
# it. Layers that share a rank (import and store) include neither the
# other. src/main.c is the layer "main". A new folder must be added here.
LAYERS = [['util'], ['model'], ['request'], ['import', 'store', 'source'],
          ['answer'], ['snapshot'], ['dataset', 'resolve'], ['http'],
          ['webadmin'], ['cli'], ['main']]
RANK = {layer: rank for rank, names in enumerate(LAYERS) for layer in names}

# Includes that break the layer order for now, each with why; an entry
# that no longer matches fails, so that it is removed with its cause.
LAYER_EXCEPTIONS = {}

# Files that form one module although they call each other (none today:
# any circle between modules fails). Patterns are matched against paths,
# so new files join by name.
GROUPS = {}


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


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


TOKENS = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"'
                    r"|'(?:\\.|[^'\\\n])*'", re.S)


def code_of(text):
    """text without comments, string and character literals (read in one
    pass, so that "https://" is a string) and preprocessor lines."""
    text = TOKENS.sub(lambda m: ' ' if m.group(0)[0] == '/' else '0', text)
    return re.sub(r'^[ \t]*#([^\n]*\\\n)*[^\n]*', '', text, flags=re.M)


def includes_of(path):
    """The project headers path includes ("layer/x.h"), with line numbers."""
    found = []
    for number, line in enumerate(read(path).splitlines(), 1):
        m = re.match(r'\s*#\s*include\s*"([^"]+)"', line)
        if m:
            found.append((number, m.group(1)))
    return found


def layer_of(path):
    parts = path.split('/')
    if path == 'src/main.c':
        return 'main'
    return parts[1] if len(parts) > 2 else None


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


def check_layers():
    problems = []
    used = set()
    for path in c_files():
        layer = layer_of(path)
        if layer not in RANK:
            problems.append('%s: %s is not a layer (LAYERS in tests/lint.py)'
                            % (path, os.path.dirname(path)))
            continue
        for number, header in includes_of(path):
            target = header.split('/')[0] if '/' in header else None
            if target not in RANK or not os.path.exists(
                    os.path.join(ROOT, 'include', header)):
                problems.append('%s:%d: "%s" is not include/<layer>/X.h'
                                % (path, number, header))
                continue
            if target == layer or RANK[target] < RANK[layer]:
                continue
            if (path, header) in LAYER_EXCEPTIONS:
                used.add((path, header))
                continue
            problems.append('%s:%d: layer %s includes "%s" of layer %s, '
                            'which is not below it' % (path, number, layer,
                                                       header, target))
    for (path, header), why in LAYER_EXCEPTIONS.items():
        if (path, header) not in used:
            problems.append('tests/lint.py: LAYER_EXCEPTIONS still lists '
                            '%s -> %s (%s): remove it' % (path, header, why))
    return problems


def top_level_names(code):
    """The functions (with a body) and initialized objects code defines at
    file scope, unless static."""
    names = []
    depth = 0
    head = ''
    after = ''  # what a "struct x { ... }" leaves for its declarators
    for ch in code:
        if depth == 0 and ch in ';{':
            words = head.split()
            after = ''
            if ch == '{' and '(' not in head and words and \
                    words[0] in ('static', 'typedef', 'extern'):
                after = words[0] + ' '
            m = None
            if not words or words[0] in ('static', 'extern', 'typedef'):
                pass
            elif '=' in head:       # an object with an initializer
                m = re.search(r'(\w+)\s*(\[[^]]*\]\s*)*=', head)
            elif '(' in head and ch == '{':     # a function
                m = re.search(r'(\w+)\s*\(', head)
            if m:
                names.append(m.group(1))
            head = ''
        if ch == '{':
            depth += 1
        elif ch == '}':
            depth -= 1
            head = after if depth == 0 else ''
        elif depth == 0 and ch != ';':
            head += ch
    return names


def module_of(path):
    for name, pattern in GROUPS.items():
        if fnmatch.fnmatch(path, pattern):
            return name
    return path


def circles(graph):
    """One circle (a list of nodes, the first one repeated at the end) for
    each strongly connected part of graph ({node: set of nodes})."""
    index, low, stack, on_stack, parts = {}, {}, [], set(), []

    def visit(node):  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                part.add(top)
                if top == node:
                    break
            if len(part) > 1:
                parts.append(part)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    found = []
    for part in parts:
        path = [min(part)]
        while path.count(path[-1]) < 2:  # walk inside the part until a node
            path.append(min(n for n in graph[path[-1]] if n in part))
        found.append(path[path.index(path[-1]):])
    return found


def check_module_cycles():
    sources = [p for p in c_files() if p.endswith('.c')]
    defined = {}
    words = {}
    for path in sources:
        code = code_of(read(path))
        for name in top_level_names(code):
            defined[name] = path
        words[path] = set(re.findall(r'[A-Za-z_]\w*', code))
    graph = {}
    why = {}
    for path in sources:
        for word in words[path]:
            owner = defined.get(word)
            if owner is None or module_of(owner) == module_of(path):
                continue
            edge = (module_of(path), module_of(owner))
            graph.setdefault(edge[0], set()).add(edge[1])
            why.setdefault(edge, word)
    problems = []
    for cycle in circles(graph):
        steps = ['%s (%s)' % (a, why[(a, b)])
                 for a, b in zip(cycle, cycle[1:])]
        problems.append('module circle: %s -> %s' % (' -> '.join(steps),
                                                     cycle[-1]))
    return problems


BANNER = re.compile(r'/\*\s*(?:-+\s*)?(?:src/(?:\w+/)?)?(\w+\.c)\b')


def declares_code(text):
    """Whether a header declares a function or an object that a source
    file must define (static inline functions and macros need none)."""
    code = code_of(text)
    depth = 0
    head = ''
    for ch in code:
        if ch == '{':
            depth += 1
        elif ch == '}':
            depth -= 1
            head = ''  # after a body, a struct's or an inline function's
        elif depth == 0 and ch == ';':
            words = head.split()
            if words and words[0] not in ('typedef', 'static') and (
                    '(' in head or words[0] == 'extern'):
                return True
            head = ''
        elif depth == 0:
            head += ch
    return False


def generated_sources():
    """The C files the build writes (custom_target outputs), which a
    section banner may name too: declarations of embedded data."""
    names = set()
    for top, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(('.', 'build'))]
        if 'meson.build' in files:
            text = read(os.path.relpath(os.path.join(top, 'meson.build'),
                                        ROOT))
            names.update(re.findall(r"output\s*:\s*'(\w+\.c)'", text))
    return names


def check_header_owners():
    problems = []
    sources = [p for p in c_files() if p.endswith('.c')]
    generated = generated_sources()
    included_by = {}
    for path in c_files():
        for _, header in includes_of(path):
            included_by.setdefault('include/' + header, []).append(path)
    for path in c_files():
        if not path.endswith('.h'):
            continue
        layer = layer_of(path)
        stem = os.path.basename(path)[:-2]
        text = read(path)
        banners = BANNER.findall(text)
        for name in banners:
            if 'src/%s/%s' % (layer, name) not in sources and \
                    name not in generated:
                problems.append('%s: a section is headed by %s, which is '
                                'not in src/%s/ nor generated by the '
                                'build' % (path, name, layer))
        own = 'src/%s/%s.c' % (layer, stem) in sources
        if not own and not banners and declares_code(text):
            problems.append('%s: no src/%s/%s.c, no section headed by the '
                            'file that defines it (/* ---- F.c ---- */)'
                            % (path, layer, stem))
        if stem.endswith('_internal'):
            users = included_by.get(path, [])
            outside = [u for u in users if layer_of(u) != layer]
            if outside:
                problems.append('%s: private to src/%s/, included by %s'
                                % (path, layer, ', '.join(outside)))
            if len([u for u in users if u.endswith('.c')]) < 2:
                problems.append('%s: an _internal.h is shared by several '
                                'files of one module' % path)
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


# A tree with one fault of each kind the structure checks look for: each
# check must name its fault there, or it could no longer fail.
SELF_TEST_TREE = {
    'include/util/orphan.h': 'int sv_orphan(void);\n',
    'include/util/consts.h': '#define SV_X 1\nstruct sv_y { int z; };\n'
                             'static inline int sv_w(void) { return 1; }\n',
    'include/util/late.h': 'static inline int sv_v(void) { return 1; }\n'
                           'int sv_late(void);\n',
    'src/util/up.c': '#include "model/a.h"\n',
    'include/model/a.h': '/* ---- gone.c ---- */\nint sv_a(void);\n',
    'src/model/a.c': 'int sv_a(void) { return sv_b(); }\n',
    'src/model/b.c': 'static int t[] = { 1 };\n'
                     'int sv_b(void) { return sv_a() + t[0]; }\n',
    'include/model/b_internal.h': 'struct b { int x; };\n',
}
SELF_TEST_FAULTS = [
    (check_layers, 'src/util/up.c:1: layer util includes "model/a.h"'),
    (check_module_cycles, 'module circle: src/model/a.c (sv_b) -> '
     'src/model/b.c (sv_a) -> src/model/a.c'),
    (check_header_owners, 'include/util/orphan.h: no src/util/orphan.c'),
    (check_header_owners, 'include/util/late.h: no src/util/late.c'),
    (check_header_owners, 'include/model/a.h: a section is headed by '
     'gone.c'),
    (check_header_owners, 'include/model/b_internal.h: an _internal.h is '
     'shared'),
]


def check_self():
    global ROOT
    saved = ROOT
    with tempfile.TemporaryDirectory(prefix='suivant-lint-') as tmp:
        for path, text in SELF_TEST_TREE.items():
            os.makedirs(os.path.join(tmp, os.path.dirname(path)),
                        exist_ok=True)
            with open(os.path.join(tmp, path), 'w') as f:
                f.write(text)
        ROOT = tmp
        try:
            problems = []
            for check, fault in SELF_TEST_FAULTS:
                found = check()
                if not any(p.startswith(fault) for p in found):
                    problems.append('self-test: no "%s" among %r'
                                    % (fault, found))
            found = check_header_owners()
            if any('consts.h' in p for p in found):
                problems.append('self-test: a header without code was '
                                'refused: %r' % found)
        finally:
            ROOT = saved
    return problems


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else None
    checks = [check_ci_command, check_banned, check_includes, check_layers,
              check_module_cycles, check_header_owners, check_self,
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
