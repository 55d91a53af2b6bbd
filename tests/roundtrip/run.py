#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Round trip over Thunderbird's whole ISP database: every file of
../shared/ispdb, and of tests/data/roundtrip (files shaped like ISP
database entries that use what the corpus does not, e.g. t-online.de's
waitForRedirectionURLPrefix), is imported (one run, --repair) into an
empty database, every provider is exported again (`suivant export
--all`), and each exported document must be equivalent to its original.

usage: run.py SUIVANT   (env SV_SOURCE_ROOT = repository root;
                         SV_ISPDB = the corpus, default ../shared/ispdb)
When the corpus is absent, as on a user's clone, only tests/data/roundtrip
runs (and says so).

Equivalent means the same tree once comments and the white space around
text are set aside: the same elements with the same attributes and
texts; among siblings of one name the order counts (domains, servers of
one kind, authentication methods, descriptions), across names it does
not (the format gives it no meaning). Every element of the original is
compared, known to suivant or not, so anything the import loses shows.

The original is normalised only as documented (import_mozilla.h,
`suivant import --help`, render_ispdb.h):
  - the repairs: emailProvider id and domains lower-cased, a repeated
    domain dropped, a displayShortName over 20 characters dropped,
    <displayNameShort> read as <displayShortName>, known placeholders
    missing their closing '%' closed (hostname, username, webmail
    username); an id that clashes in the run with a provider listing it
    as a domain becomes the first domain (the five Zoho regions);
  - placement: an <enable> under <clientConfig> comes back inside
    <emailProvider>, its canonical place (the model has no placement);
  - version: a document with URL-based incoming servers (ews, owa,
    graph, jmap, activeSync) comes back as version="1.2".
The exported document of an original is found by its first domain
(domains are unique in a database). Prints "ok FILE" / "FAIL FILE:
difference", then "roundtrip: N passed, N failed".
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.environ.get('SV_SOURCE_ROOT', os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
ISPDB = os.environ.get('SV_ISPDB', os.path.join(os.path.dirname(ROOT),
                                                 'shared', 'ispdb'))
OWN = os.path.join(ROOT, 'tests', 'data', 'roundtrip')
SHORT_NAME_MAX = 20
TOKENS = ('EMAILADDRESS', 'EMAILLOCALPART', 'EMAILDOMAIN', 'REALNAME')
TEMPLATES = {'hostname', 'username'}
URL_TYPES = ('ews', 'owa', 'graph', 'jmap', 'activeSync')


def close_placeholders(text):
    """'%EMAILADDRESS' -> '%EMAILADDRESS%': a known token name after '%',
    not followed by its '%' nor by more of a token name."""
    out, i = [], 0
    while i < len(text):
        if text[i] == '%':
            whole = next((t for t in TOKENS
                          if text.startswith('%' + t + '%', i)), None)
            if whole:
                out.append('%' + whole + '%')
                i += len(whole) + 2
                continue
            cut = next((t for t in TOKENS if text.startswith('%' + t, i)
                        and not re.match(r'[A-Z0-9_%]',
                                         text[i + 1 + len(t):i + 2 + len(t)])),
                       None)
            if cut:
                out.append('%' + cut + '%')
                i += len(cut) + 1
                continue
        out.append(text[i])
        i += 1
    return ''.join(out)


def normalise(root, rename_to):
    """The documented repairs and the enable placement, in place."""
    ep = root.find('emailProvider')
    ep.set('id', rename_to or ep.get('id').lower())
    seen = set()
    for d in list(ep.findall('domain')):
        name = (d.text or '').strip().lower()
        if name in seen:
            ep.remove(d)
        else:
            seen.add(name)
            d.text = name
    typo = ep.find('displayNameShort')
    if typo is not None:
        ep.remove(typo)
        if ep.find('displayShortName') is None:
            typo.tag = 'displayShortName'
            ep.append(typo)
    short = ep.find('displayShortName')
    if short is not None and len((short.text or '').strip()) > SHORT_NAME_MAX:
        ep.remove(short)
    for el in root.iter():
        if el.tag in TEMPLATES and el.text:
            el.text = close_placeholders(el.text)
    for en in root.findall('enable'):
        root.remove(en)
        ep.append(en)
    # a document with URL-based servers (ews, owa, graph, jmap,
    # activeSync: services in the model) is autoconfig 1.2
    # (render_mozilla.h)
    if any(s.get('type') in URL_TYPES for s in ep.findall('incomingServer')):
        root.set('version', '1.2')


def canon(el):
    """(tag, attributes, text, {child tag: [children in order]})."""
    kids = {}
    for c in el:
        if isinstance(c.tag, str):  # comments and PIs are not elements
            kids.setdefault(c.tag, []).append(canon(c))
    return (el.tag, tuple(sorted(el.attrib.items())),
            (el.text or '').strip(), tuple(sorted(kids.items())))


def diff(a, b, here):
    """A short description of the first difference, or None; here names
    a (and b) as a path."""
    _, attr_a, text_a, kids_a = a
    _, attr_b, text_b, kids_b = b
    if attr_a != attr_b:
        return '%s: attributes %s became %s' % (here, attr_a, attr_b)
    if text_a != text_b:
        return '%s: text %r became %r' % (here, text_a, text_b)
    ka, kb = dict(kids_a), dict(kids_b)
    for tag in sorted(set(ka) | set(kb)):
        la, lb = ka.get(tag, []), kb.get(tag, [])
        if len(la) != len(lb):
            return '%s: %d <%s> became %d' % (here, len(la), tag, len(lb))
        for i, (x, y) in enumerate(zip(la, lb)):
            problem = diff(x, y, '%s/%s[%d]' % (here, tag, i + 1))
            if problem:
                return problem
    return None


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    corpora = [OWN]
    if os.path.isdir(ISPDB):
        corpora.insert(0, ISPDB)
    else:
        print('roundtrip: %s is absent (it sits beside the checkout in '
              'CI): only %s' % (ISPDB, OWN))
    work = tempfile.mkdtemp(prefix='suivant-roundtrip-')
    try:
        db = os.path.join(work, 'suivant.db')
        out = os.path.join(work, 'export')
        r = run([binary, 'init', '--empty', '--db', db])
        if r.returncode != 0:
            print('FAIL init --empty: %s' % r.stderr)
            return 1
        r = run([binary, 'import', '--repair', '--db', db] + corpora)
        print(r.stderr, end='')  # every repair, listed
        print(r.stdout.splitlines()[-1] if r.stdout else '')
        if r.returncode != 0:
            print('FAIL import --repair %s exited %d'
                  % (' '.join(corpora), r.returncode))
            return 1
        # the run-level id repair names the file and the new id
        renamed = {}
        for m in re.finditer(r"^suivant: import: (.*?): repaired "
                             r"emailProvider id '[^']*', .*-> '([^']*)' "
                             r"\(its first domain\)$", r.stderr, re.M):
            renamed[os.path.basename(m.group(1))] = m.group(2)
        r = run([binary, 'export', '--db', db, '--all', '--out', out])
        if r.returncode != 0:
            print('FAIL export --all exited %d: %s' % (r.returncode,
                                                       r.stderr))
            return 1
        exported = {}
        for name in os.listdir(out):
            root = ET.parse(os.path.join(out, name)).getroot()
            first = root.find('emailProvider').find('domain').text
            exported[first] = (name, root)
        originals = sorted((f, d) for d in corpora for f in os.listdir(d)
                           if f.endswith('.xml'))
        passed = failed = 0
        for name, where in originals:
            orig = ET.parse(os.path.join(where, name)).getroot()
            normalise(orig, renamed.get(name))
            first = orig.find('emailProvider').find('domain').text
            if first not in exported:
                problem = 'no exported provider has domain %s' % first
            else:
                problem = diff(canon(orig), canon(exported.pop(first)[1]),
                               '/clientConfig')
            if problem:
                failed += 1
                print('FAIL %s: %s' % (name, problem))
            else:
                passed += 1
                print('ok %s' % name)
        for first, (name, _) in sorted(exported.items()):
            failed += 1
            print('FAIL %s: exported, but from no original file' % name)
        print('roundtrip: %d passed, %d failed' % (passed, failed))
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
