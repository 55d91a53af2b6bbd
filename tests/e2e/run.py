#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""End-to-end tests: the real `suivant serve` spoken to over raw sockets.

usage: run.py SUIVANT [NAME-SUBSTRING...]
env:   SV_SOURCE_ROOT (repository root; default: two levels above this file)
       SV_E2E_KEEP=1 keeps each case's temporary directory

Each tests/e2e/cases/NNNN-<slug>.case runs, in name order, in a fresh
temporary directory: setup commands, then `suivant serve --db $DB --listen
127.0.0.1:0` (its "ready port=N" line is awaited for 10 s), then each
request on a new connection, then SIGTERM. A case fails when an expectation
fails, when a setup command fails, when the server dies or exits non-zero,
or when its stderr holds a sanitizer report. A case that could not fail
is refused (counted as failed): a request without an expectation, or a
case without any. Output: one line per case,
"ok NAME" or "FAIL NAME: reason", then "e2e: N passed, N failed"; the exit
status is 1 if anything failed.

Case file format (line based; lines starting with '#' are comments, blank
lines are ignored):

  Setup, before the server starts
    run ARGS...       runs `suivant ARGS` (shell quoting; $DB, $SRC, $TMP
                      are replaced by the database path, the repository
                      root and the case's directory); it must exit 0.
                      Unless a case has a `run` line, it first runs
                      `run init --db $DB` (`run-exit` lines do not count).
    run-exit N ARGS...  like run, but `suivant ARGS` must exit with status N
                      (within 10 s: for commands that must refuse to start).
    sql-file PATH     runs the SQL file PATH ($SRC...) on $DB with Python's
                      sqlite3, bypassing suivant (a database an older
                      release made, from schema/0001_init.sql);
    sql STATEMENTS    the same with the statements given. A case with sql
                      lines gets no automatic `init`.
    serve ARGS...     extra arguments for `suivant serve`.

  Steps while the server runs, in order with the requests
    exec ARGS...      runs `suivant ARGS` (as `run`); it must exit 0.
    exec-exit N ARGS...  the same, but it must exit with status N.
    sleep SECONDS     waits (for the server to notice a change).
    write PATH TEXT   writes TEXT (escapes as for '>') to PATH ($TMP...).
    rename SRC DST    renames SRC over DST (os.replace), e.g. to put
                      another file in place of $DB.

  A request (sent byte for byte, each request on a new connection)
    > TEXT            one line of the request. The harness ends each line
                      with CRLF; consecutive '>' lines form one request
                      (any other line, even blank, ends it), and if none
                      of them is empty, an empty line (the end of the
                      headers) is appended. Escapes: \r \n \t \\ \xHH;
                      a line ending in \c gets no CRLF (bodies);
                      {{TEXT*N}} stands for TEXT repeated N times.

  Expectations about the request just above
    status N                  the status code; `status closed`: the server
                              closed the connection without answering
    header NAME: VALUE        header NAME present, value exactly VALUE
    header~ NAME: REGEX       header NAME present, value matches REGEX
    no-header NAME            header NAME absent
    body TEXT                 body is exactly TEXT (escapes as above;
                              `body` alone: empty body)
    body-contains TEXT        body contains TEXT (escapes as above)
    body-lacks TEXT           body does not contain TEXT
    body~ REGEX               body (UTF-8) matches REGEX (search, DOTALL)
    body-file PATH            body is exactly the bytes of file PATH ($SRC:
                              the repository root): golden pages;
                              SV_E2E_UPDATE=1 rewrites PATH instead
    body-file PATH in FRAME [in FRAME2...]
                              body is exactly FRAME with its holes filled
                              by the lines of PATH (then FRAME2 with its
                              holes filled by that, and so on): the lines
                              every golden page repeats are stored once.
                              A frame line `@line` is replaced by the next
                              line, the one line `@rest` (after every
                              `@line`) by all the lines left; every other
                              line stays as it is. The whole body is still
                              compared byte for byte. SV_E2E_UPDATE=1
                              rewrites PATH with the lines of the body that
                              fill the holes (frames are edited by hand: a
                              body that does not fit them fails)
    body-file PATH with TEMPLATE [with T2...] in FRAME...
                              the same, once each line `@NAME V1 | V2...`
                              of PATH (NAME: TEMPLATE's file name up to its
                              first dot) is replaced by TEMPLATE's lines,
                              their `@value` marks replaced by V1, V2... in
                              order: a block a page repeats with other
                              values (a server's card) is one line per
                              block. SV_E2E_UPDATE=1 writes such a line for
                              each run of body lines that fits TEMPLATE
    same-body-as N            body identical to response N of this case
    same-headers-as N         status and headers (but Date) identical to
                              response N's
    xml-valid                 body is a config-v1.1 document (1.2 when it
                              has root-level calendar, addressbook or
                              fileShare sections, or URL-based incoming
                              servers (ews, owa, graph, jmap, activeSync),
                              each with an https url, authentication and
                              username) that
                              Thunderbird accepts (PROTOCOLS.md 8, items
                              5-24: declaration, no BOM, one provider,
                              domains, complete servers, no password...)
    xml PATH = V1 | V2 ...    the texts of findall(PATH) from the root
                              <clientConfig> are exactly V1, V2... in order
                              ({{TEXT*N}} allowed, no other escapes);
                              PATH may end in /@ATTR for attribute values;
                              `xml PATH =` with nothing: no match at all

  Expectations about the server's stderr, checked after it stopped
    log-contains TEXT / log-lacks TEXT    (escapes as above)
    log~ REGEX                            (re.search, multi-line)

Responses are read by their Content-Length (or chunked encoding); for HEAD,
whatever arrives before the server closes or goes quiet for 0.5 s is taken
as the body, so that `body` (empty) proves there is none.
"""

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import httpwire  # noqa: E402  (tests/httpwire.py)
from httpwire import Response  # noqa: E402

IO_TIMEOUT = 5.0
SOURCE_ROOT = "."  # the repository root, set by main ($SRC of body-file)
HEAD_QUIET = 0.5


class CaseError(Exception):
    """A failed expectation or a broken case; the message is the reason."""


# ---------------------------------------------------------------- parsing

ESCAPE_RE = re.compile(r"\\(x[0-9A-Fa-f]{2}|[rnt\\])")
REPEAT_RE = re.compile(r"\{\{(.*?)\*(\d+)\}\}")


def unescape(text):
    """Case-file text to bytes: UTF-8, then the escapes and repeats."""
    text = REPEAT_RE.sub(lambda m: m.group(1) * int(m.group(2)), text)
    out = bytearray()
    pos = 0
    for m in ESCAPE_RE.finditer(text):
        out += text[pos:m.start()].encode("utf-8")
        e = m.group(1)
        if e[0] == "x":
            out.append(int(e[1:], 16))
        else:
            out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}[e]
        pos = m.end()
    out += text[pos:].encode("utf-8")
    return bytes(out)


class Request:
    def __init__(self, lineno):
        self.lineno = lineno
        self.lines = []       # raw '>' lines, without the marker
        self.expect = []      # (lineno, keyword, argument)

    def wire(self):
        """The bytes to send."""
        data = bytearray()
        for line in self.lines:
            if line.endswith("\\c"):
                data += unescape(line[:-2])
            else:
                data += unescape(line) + b"\r\n"
        if all(line != "" for line in self.lines):
            data += b"\r\n"
        return bytes(data)

    def method(self):
        first = self.lines[0] if self.lines else ""
        return first.split(" ", 1)[0]


class Case:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-len(".case")]
        self.runs = []        # (exit status wanted, arguments for suivant)
        self.serve = []       # extra serve arguments
        self.steps = []       # Request, or (lineno, "exec"|"sleep", arg)
        self.log_expect = []  # (lineno, keyword, argument)


EXPECT_WORDS = ("status", "header", "header~", "no-header", "body",
                "body-contains", "body-lacks", "body~", "body-file",
                "same-body-as",
                "same-headers-as", "xml-valid", "xml")
LOG_WORDS = ("log-contains", "log-lacks", "log~")


def parse_case(path):
    case = Case(path)
    current = None            # the last request
    reading = False           # its '>' lines are being read
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith(">"):
                text = line[2:] if line.startswith("> ") else line[1:]
                if not reading:
                    current = Request(lineno)
                    case.steps.append(current)
                    reading = True
                current.lines.append(text)
                continue
            reading = False
            stripped = line.strip()
            if stripped == "" or stripped.startswith("#"):
                continue
            word, _, arg = stripped.partition(" ")
            if word == "run":
                case.runs.append((0, arg))
            elif word == "run-exit":
                status, _, rest = arg.partition(" ")
                if not status.isdigit():
                    raise CaseError("line %d: run-exit needs a status"
                                    % lineno)
                case.runs.append((int(status), rest))
            elif word in ("sql", "sql-file"):
                case.runs.append((word, arg))
            elif word == "serve":
                case.serve.extend(shlex.split(arg))
            elif word in ("exec", "exec-exit", "sleep", "write", "rename"):
                if word == "sleep":
                    try:
                        float(arg)
                    except ValueError:
                        raise CaseError("line %d: sleep needs seconds"
                                        % lineno)
                if word == "exec-exit" and not arg.partition(" ")[0] \
                        .isdigit():
                    raise CaseError("line %d: exec-exit needs a status"
                                    % lineno)
                if word in ("write", "rename") and " " not in arg:
                    raise CaseError("line %d: %s needs two arguments"
                                    % (lineno, word))
                case.steps.append((lineno, word, arg))
            elif word in LOG_WORDS:
                case.log_expect.append((lineno, word, arg))
            elif word in EXPECT_WORDS:
                if current is None:
                    raise CaseError("line %d: '%s' before any request"
                                    % (lineno, word))
                current.expect.append((lineno, word, arg))
            else:
                raise CaseError("line %d: unknown directive '%s'"
                                % (lineno, word))
    check_has_expectations(case)
    if not any(status in (0, "sql", "sql-file") for status, _ in case.runs):
        case.runs.insert(0, (0, "init --db $DB"))
    return case


def check_has_expectations(case):
    """A case must be able to fail: every request has an expectation, and
    the case has at least one (a request's, a log line, or an exit status
    of run-exit, exec or exec-exit). Plain `run` lines are set-up."""
    requests = [s for s in case.steps if isinstance(s, Request)]
    for req in requests:
        if not req.expect:
            raise CaseError("line %d: request without an expectation "
                            "(status, header, body...): it checks nothing"
                            % req.lineno)
    exits = [s for s in case.steps if isinstance(s, tuple)
             and s[1] in ("exec", "exec-exit")]
    if not (requests or case.log_expect or exits
            or any(isinstance(status, int) and status != 0
                   for status, _ in case.runs)):
        raise CaseError("no expectation: the case checks nothing")


# ------------------------------------------------------------------- HTTP

def exchange(port, req):
    """Sends one request, returns the parsed Response."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
    try:
        try:
            sock.sendall(req.wire())
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413, 414) before reading it all
        try:
            return httpwire.read_response(sock, bytearray(),
                                          req.method() == "HEAD",
                                          HEAD_QUIET)
        except httpwire.WireError as e:
            raise CaseError(str(e))
    except socket.timeout:
        raise CaseError("response timed out after %.0f s" % IO_TIMEOUT)
    finally:
        sock.close()


# ----------------------------------------------------------- expectations

HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
                         r")(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
HOST_TEMPLATE_RE = re.compile(r"^[A-Za-z0-9.-]*(%[A-Z0-9]+%[A-Za-z0-9.-]*)+$")
TOKENS = ("%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%",
          "%REALNAME%")
AUTH_ANY = {"password-cleartext", "password-encrypted", "plain", "secure",
            "NTLM", "GSSAPI", "OAuth2", "TLS-client-cert"}
AUTH_OUT_ONLY = {"none", "client-IP-address", "smtp-after-pop"}


def check_placeholders(text, where):
    rest = text
    for t in TOKENS:
        rest = rest.replace(t, "")
    if re.search(r"%[A-Z0-9]+%", rest):
        raise CaseError("xml: %s: unknown placeholder in %r" % (where, text))


def xml_root(body):
    try:
        return ET.fromstring(body)
    except ET.ParseError as e:
        raise CaseError("xml: not well-formed: %s" % e)


URL_TYPES = ("ews", "owa", "graph", "jmap", "activeSync")
URL_AUTH = {(None, "OAuth2"), (None, "password-cleartext"),
            ("http", "Basic"), ("http", "Digest")}


def check_xml_valid(body):
    if body.startswith(b"\xef\xbb\xbf"):
        raise CaseError("xml: body starts with a BOM")
    if not re.match(rb'<\?xml version="1.0" encoding="UTF-8"\?>', body):
        raise CaseError("xml: no UTF-8 XML declaration first")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise CaseError("xml: body is not UTF-8")
    root = xml_root(body)
    # 1.2 exactly when the document has the draft's root-level services
    # or URL-based servers
    services = [c for c in root
                if c.tag in ("calendar", "addressbook", "fileShare")]
    url_servers = [s for s in root.iter("incomingServer")
                   if s.get("type") in URL_TYPES]
    version = "1.2" if services or url_servers else "1.1"
    if root.tag != "clientConfig" or root.get("version") != version:
        raise CaseError("xml: root is not <clientConfig version=\"%s\">"
                        % version)
    for sec in services:
        if not (sec.findtext("url") or "").lower().startswith("https://") \
                or not sec.findall("authentication") \
                or not sec.findtext("username"):
            raise CaseError("xml: incomplete <%s>" % sec.tag)
    providers = root.findall("emailProvider")
    if len(providers) != 1:
        raise CaseError("xml: %d emailProvider elements" % len(providers))
    pv = providers[0]
    if not HOSTNAME_RE.match(pv.get("id") or ""):
        raise CaseError("xml: emailProvider id %r" % pv.get("id"))
    domains = [d.text or "" for d in pv.findall("domain")]
    if not domains or not all(HOSTNAME_RE.match(d) for d in domains):
        raise CaseError("xml: bad or no <domain>: %r" % domains)
    name = pv.findtext("displayName") or ""
    if not name or len(name) > 60:
        raise CaseError("xml: displayName %r" % name)
    if len(pv.findtext("displayShortName") or "") > 20:
        raise CaseError("xml: displayShortName too long")
    for i, s in enumerate(url_servers, 1):
        auths = [(a.get("system"), a.text) for a in s.findall("authentication")]
        if not (s.findtext("url") or "").startswith("https://") \
                or not s.findtext("username") or not auths \
                or not all(a in URL_AUTH for a in auths) \
                or s.find("hostname") is not None \
                or s.find("password") is not None:
            raise CaseError("xml: URL server %d (%s): %r" % (
                i, s.get("type"), auths))
        # Thunderbird reads no system attribute: Basic needs its fallback
        if (("http", "Basic") in auths
                and (None, "password-cleartext") not in auths):
            raise CaseError("xml: URL server %d: Basic without "
                            "password-cleartext" % i)
    incoming = [s for s in pv.findall("incomingServer")
                if s.get("type") not in URL_TYPES]
    outgoing = pv.findall("outgoingServer")
    if not incoming or not outgoing:
        raise CaseError("xml: needs incoming and outgoing servers")
    for kind, servers, types in (("incoming", incoming, ("imap", "pop3")),
                                 ("outgoing", outgoing, ("smtp",))):
        for i, s in enumerate(servers, 1):
            where = "%s server %d" % (kind, i)
            if s.get("type") not in types:
                raise CaseError("xml: %s: type %r" % (where, s.get("type")))
            host = s.findtext("hostname") or ""
            if not (HOSTNAME_RE.match(host) or HOST_TEMPLATE_RE.match(host)):
                raise CaseError("xml: %s: hostname %r" % (where, host))
            check_placeholders(host, where)
            port = s.findtext("port") or ""
            if not port.isdigit() or not 1 <= int(port) <= 65535:
                raise CaseError("xml: %s: port %r" % (where, port))
            if s.findtext("socketType") not in ("plain", "SSL", "STARTTLS"):
                raise CaseError("xml: %s: socketType" % where)
            user = s.findtext("username")
            if user is None:
                raise CaseError("xml: %s: no username" % where)
            check_placeholders(user, where)
            auths = [a.text for a in s.findall("authentication")]
            allowed = AUTH_ANY | (AUTH_OUT_ONLY if kind == "outgoing"
                                  else set())
            if not auths or not all(a in allowed for a in auths):
                raise CaseError("xml: %s: authentication %r" % (where, auths))
            if s.find("password") is not None:
                raise CaseError("xml: %s: has a password" % where)
            if s.find("pop3") is not None and s.get("type") != "pop3":
                raise CaseError("xml: %s: pop3 options on non-pop3" % where)
    for el in root.iter():
        if el.text and el.text.strip() and el.text != el.text.strip():
            raise CaseError("xml: <%s> text has outer whitespace" % el.tag)


def check_xml_path(body, arg):
    path, sep, want = arg.partition("=")
    path = path.strip()
    if not sep or not path:
        raise CaseError("xml: expected 'xml PATH = VALUES'")
    want = REPEAT_RE.sub(lambda m: m.group(1) * int(m.group(2)), want)
    want = [v.strip() for v in want.split("|")] if want.strip() else []
    root = xml_root(body)
    attr = None
    if "/@" in path:
        path, attr = path.rsplit("/@", 1)
    elif path.startswith("@"):
        path, attr = ".", path[1:]
    found = root.findall(path)
    if attr is not None:
        got = [el.get(attr) for el in found if el.get(attr) is not None]
    else:
        got = [el.text or "" for el in found]
    if got != want:
        raise CaseError("xml %s: got %r, want %r" % (arg.split("=")[0]
                                                     .strip(), got, want))


# A golden page is stored as the lines its frames do not hold; the frames
# (tests/e2e/golden/frames/) hold what every page of a kind repeats.
HOLE = b"@line"
REST = b"@rest"


def file_lines(data, name):
    """The lines of a golden file or body, without their newlines."""
    if data and not data.endswith(b"\n"):
        raise CaseError("%s does not end in a newline" % name)
    return data.split(b"\n")[:-1]


def join_lines(lines):
    return b"".join(line + b"\n" for line in lines)


def frame_parts(frame, name):
    """The frame's lines before its `@rest` line and after it (those
    after it hold no hole); after is None without `@rest`."""
    lines = file_lines(frame, name)
    if REST not in lines:
        return lines, None
    at = lines.index(REST)
    after = lines[at + 1:]
    if HOLE in after or REST in after:
        raise CaseError("%s: a hole after @rest" % name)
    return lines[:at], after


def fill_frame(frame, name, page):
    """The frame with its holes filled by the page's lines."""
    before, after = frame_parts(frame, name)
    fills = file_lines(page, "the page inside %s" % name)
    holes = before.count(HOLE)
    if len(fills) < holes or (after is None and len(fills) != holes):
        raise CaseError("%d lines to fill the %d holes of %s"
                        % (len(fills), holes, name))
    fills.reverse()
    out = [fills.pop() if line == HOLE else line for line in before]
    if after is not None:
        out += reversed(fills)
        out += after
    return join_lines(out)


def unfill_frame(frame, name, body):
    """The inverse of fill_frame, for SV_E2E_UPDATE: the lines of body
    that fill the frame's holes; fails where body does not fit it."""
    before, after = frame_parts(frame, name)
    lines = file_lines(body, "the body")
    if after is None:
        after = []
        if len(lines) != len(before):
            raise CaseError("the body has %d lines, %s %d"
                            % (len(lines), name, len(before)))
    end = len(lines) - len(after)
    if end < len(before) or lines[end:] != after:
        raise CaseError("the body does not end as %s" % name)
    for n, (line, want) in enumerate(zip(lines, before), 1):
        if want != HOLE and line != want:
            raise CaseError("the body's line %d is not %s's: %r"
                            % (n, name, line))
    return join_lines([line for line, want in zip(lines, before)
                       if want == HOLE] + lines[len(before):end])


# A template (body-file ... with TEMPLATE) is a block a page repeats with
# other values; a golden line `@NAME V1 | V2 ...` stands for one.
VALUE = b"@value"
VALUES_SEP = b" | "


class Template:
    def __init__(self, data, name):
        self.name = name
        self.lines = file_lines(data, name)
        self.tag = b"@" + os.path.basename(name).split(".")[0].encode()
        self.holes = sum(line.count(VALUE) for line in self.lines)
        if not self.lines or not self.holes:
            raise CaseError("%s: a template without @value" % name)
        self.pattern = re.compile(b"\n".join(
            b"(.*?)".join(re.escape(piece) for piece in line.split(VALUE))
            for line in self.lines))

    def fill(self, line):
        """The lines a golden line `@NAME V1 | V2...` stands for."""
        values = line[len(self.tag) + 1:].split(VALUES_SEP)
        if len(values) != self.holes:
            raise CaseError("%d values for the %d holes of %s: %r"
                            % (len(values), self.holes, self.name, line))
        values.reverse()
        out = []
        for template in self.lines:
            pieces = template.split(VALUE)
            out.append(pieces[0] + b"".join(values.pop() + piece
                                            for piece in pieces[1:]))
        return out

    def unfill(self, lines):
        """The golden line for the first len(self.lines) of lines, or
        None where they do not fit the template."""
        block = lines[:len(self.lines)]
        m = self.pattern.fullmatch(b"\n".join(block))
        if not m:
            return None
        golden = self.tag + b" " + VALUES_SEP.join(m.groups())
        # a value holding " | " would not split back: that block stays
        return golden if self.fill(golden) == block else None


def fill_templates(templates, page):
    """The page with each template line replaced by its block."""
    out = []
    for line in file_lines(page, "the page"):
        found = [t for t in templates if line.startswith(t.tag + b" ")]
        out += found[0].fill(line) if found else [line]
    return join_lines(out)


def unfill_templates(templates, body):
    """The inverse of fill_templates, for SV_E2E_UPDATE."""
    lines, out = file_lines(body, "the body"), []
    while lines:
        for t in templates:
            if lines[0].startswith(t.tag + b" "):
                raise CaseError("the body's line %r looks like a template's"
                                % lines[0])
            golden = t.unfill(lines)
            if golden is not None:
                out.append(golden)
                lines = lines[len(t.lines):]
                break
        else:
            out.append(lines.pop(0))
    return join_lines(out)


def first_difference(got, want):
    """Where two bodies part, for the failure message."""
    got_lines, want_lines = got.split(b"\n"), want.split(b"\n")
    for n, (g, w) in enumerate(zip(got_lines, want_lines), 1):
        if g != w:
            return "line %d is %r, want %r" % (n, g[:200], w[:200])
    return "%d lines, want %d" % (len(got_lines), len(want_lines))


def read_src(name):
    with open(name.replace("$SRC", SOURCE_ROOT), "rb") as f:
        return f.read()


def body_file_parts(arg):
    """body-file PATH [with TEMPLATE]... [in FRAME]...: PATH, the templates
    and the frames, as (data, name) pairs."""
    words = arg.split()
    keys = words[1::2]
    if not words or len(words) % 2 == 0 or any(
            k not in ("with", "in") for k in keys) or keys != sorted(
            keys, key=lambda k: k == "in"):
        raise CaseError("expected 'body-file PATH [with TEMPLATE]..."
                        " [in FRAME]...'")
    templates = [Template(read_src(name), name)
                 for key, name in zip(keys, words[2::2]) if key == "with"]
    tags = [t.tag for t in templates]
    if len(set(tags)) != len(tags):
        raise CaseError("two templates named alike in %r" % arg)
    frames = [(read_src(name), name)
              for key, name in zip(keys, words[2::2]) if key == "in"]
    return words[0].replace("$SRC", SOURCE_ROOT), templates, frames


def expected_body(arg):
    """The body body-file ARG stands for: PATH's lines in its templates,
    then in its frames."""
    path, templates, frames = body_file_parts(arg)
    with open(path, "rb") as f:
        want = fill_templates(templates, f.read())
    for frame, name in frames:
        want = fill_frame(frame, name, want)
    return want


def check_body_file(body, arg):
    """body-file PATH [with TEMPLATE]... [in FRAME]...: body is the file,
    in its templates and frames."""
    if os.environ.get("SV_E2E_UPDATE") == "1":
        path, templates, frames = body_file_parts(arg)
        page = body
        for frame, name in reversed(frames):
            page = unfill_frame(frame, name, page)
        with open(path, "wb") as f:
            f.write(unfill_templates(templates, page))
    want = expected_body(arg)
    if body != want:
        raise CaseError("body differs from %s: %s"
                        % (arg, first_difference(body, want)))


def split_header_arg(arg):
    name, sep, value = arg.partition(":")
    if not sep:
        raise CaseError("expected 'NAME: VALUE', got %r" % arg)
    return name.strip(), value.strip()


def check(resp, word, arg, previous):
    """One expectation about resp; previous holds the earlier responses."""
    if word == "status":
        if arg == "closed":
            if not resp.closed:
                raise CaseError("status %s, want closed" % resp.status)
            return
        if resp.closed:
            raise CaseError("connection closed without a response, "
                            "want status %s" % arg)
        if str(resp.status) != arg:
            raise CaseError("status %s, want %s (body %r)"
                            % (resp.status, arg, resp.body[:120]))
        return
    if resp.closed:
        raise CaseError("connection closed without a response")
    if word == "header":
        name, value = split_header_arg(arg)
        got = resp.header(name)
        if got != value:
            raise CaseError("header %s: %r, want %r" % (name, got, value))
    elif word == "header~":
        name, regex = split_header_arg(arg)
        got = resp.header(name)
        if got is None or not re.search(regex, got):
            raise CaseError("header %s: %r does not match %r"
                            % (name, got, regex))
    elif word == "no-header":
        if resp.header(arg) is not None:
            raise CaseError("header %s present: %r" % (arg, resp.header(arg)))
    elif word == "body":
        if resp.body != unescape(arg):
            raise CaseError("body %r, want %r" % (resp.body[:200],
                                                  unescape(arg)))
    elif word == "body-contains":
        if unescape(arg) not in resp.body:
            raise CaseError("body lacks %r" % arg)
    elif word == "body-lacks":
        if unescape(arg) in resp.body:
            raise CaseError("body contains %r" % arg)
    elif word == "body~":
        text = resp.body.decode("utf-8", "replace")
        if not re.search(arg, text, re.S):
            raise CaseError("body does not match %r" % arg)
    elif word == "body-file":
        check_body_file(resp.body, arg)
    elif word in ("same-body-as", "same-headers-as"):
        n = int(arg)
        if not 1 <= n <= len(previous):
            raise CaseError("%s %d: no such earlier response" % (word, n))
        other = previous[n - 1]
        if word == "same-body-as":
            if resp.body != other.body:
                raise CaseError("body differs from response %d" % n)
        else:
            mine = [(k.lower(), v) for k, v in resp.headers
                    if k.lower() != "date"]
            theirs = [(k.lower(), v) for k, v in other.headers
                      if k.lower() != "date"]
            if resp.status != other.status or mine != theirs:
                raise CaseError("headers differ from response %d: %r vs %r"
                                % (n, mine, theirs))
    elif word == "xml-valid":
        check_xml_valid(resp.body)
    elif word == "xml":
        check_xml_path(resp.body, arg)


def check_log(log, word, arg):
    """log is the server's stderr as bytes."""
    if word == "log-contains" and unescape(arg) not in log:
        raise CaseError("log lacks %r" % arg)
    if word == "log-lacks" and unescape(arg) in log:
        raise CaseError("log contains %r" % arg)
    if word == "log~" and not re.search(arg, log.decode("utf-8", "replace"),
                                        re.M):
        raise CaseError("log does not match %r" % arg)


# ----------------------------------------------------------------- server

def substitute(text, env):
    for key in ("DB", "SRC", "TMP"):
        text = text.replace("$" + key, env[key])
    return text


def start_server(suivant, case, env, stderr):
    try:
        return httpwire.start_server(suivant, env["DB"], [
            substitute(a, env) for a in case.serve], stderr)
    except httpwire.WireError as e:
        raise CaseError(str(e))


stop_server = httpwire.stop_server


def run_step(suivant, env, step):
    """A step between requests while the server runs; returns a failure."""
    lineno, word, arg = step
    if word == "sleep":
        time.sleep(float(arg))
        return None
    if word == "write":
        path, _, text = arg.partition(" ")
        with open(substitute(path, env), "wb") as f:
            f.write(unescape(text))
        return None
    if word == "rename":
        src, _, dst = arg.partition(" ")
        os.replace(substitute(src, env), substitute(dst.strip(), env))
        return None
    want = 0
    if word == "exec-exit":
        status, _, arg = arg.partition(" ")
        want = int(status)
    args = [substitute(a, env) for a in shlex.split(arg)]
    done = subprocess.run([suivant] + args, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=60)
    if done.returncode != want:
        return "line %d: 'suivant %s' exited %d, want %d: %s" % (
            lineno, arg, done.returncode, want,
            done.stderr.decode("utf-8", "replace").strip()[-300:])
    return None


def run_case(suivant, src, case):
    tmp = tempfile.mkdtemp(prefix="sv-e2e-%s-" % case.name)
    env = {"DB": os.path.join(tmp, "suivant.db"), "SRC": src, "TMP": tmp}
    try:
        for want, run in case.runs:
            if want in ("sql", "sql-file"):
                httpwire.run_sql(env["DB"], substitute(run, env),
                                 want == "sql-file")
                continue
            args = [substitute(a, env) for a in shlex.split(run)]
            try:
                done = subprocess.run([suivant] + args, capture_output=True,
                                      stdin=subprocess.DEVNULL,
                                      timeout=60 if want == 0 else 10)
            except subprocess.TimeoutExpired:
                raise CaseError("'suivant %s' did not exit" % run)
            if done.returncode != want:
                raise CaseError("'suivant %s' exited %d, want %d: %s" % (
                    run, done.returncode, want,
                    done.stderr.decode("utf-8", "replace").strip()[-300:]))
        log_path = os.path.join(tmp, "serve.stderr")
        with open(log_path, "wb") as log_file:
            proc, port = start_server(suivant, case, env, log_file)
            failure = None
            try:
                previous = []
                for req in case.steps:
                    if isinstance(req, tuple):
                        failure = failure or run_step(suivant, env, req)
                        continue
                    try:
                        resp = exchange(port, req)
                        for lineno, word, arg in req.expect:
                            try:
                                check(resp, word, arg, previous)
                            except CaseError as e:
                                raise CaseError("line %d: %s" % (lineno, e))
                    except (CaseError, OSError) as e:
                        failure = failure or "request at line %d: %s" % (
                            req.lineno, e)
                        resp = Response()
                        resp.closed = True
                    previous.append(resp)
            finally:
                status, died = stop_server(proc)
        with open(log_path, "rb") as f:
            log = f.read()
        text = log.decode("utf-8", "replace")
        report = httpwire.sanitizer_report(text)
        if report:
            raise CaseError("sanitizer: %s" % report)
        if died:
            raise CaseError("server died during the case (status %s): %s"
                            % (status, text.strip()[-300:]))
        if status is None:
            raise CaseError("server did not stop on SIGTERM")
        if status != 0:
            raise CaseError("server exited %d after SIGTERM: %s"
                            % (status, text.strip()[-300:]))
        if failure:
            raise CaseError(failure)
        for lineno, word, arg in case.log_expect:
            try:
                check_log(log, word, arg)
            except CaseError as e:
                raise CaseError("line %d: %s" % (lineno, e))
    finally:
        if os.environ.get("SV_E2E_KEEP"):
            print("# kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    if len(argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    suivant = os.path.abspath(argv[1])
    src = os.environ.get("SV_SOURCE_ROOT") or os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    src = os.path.abspath(src)
    global SOURCE_ROOT
    SOURCE_ROOT = src
    cases_dir = os.path.join(src, "tests", "e2e", "cases")
    if not os.access(suivant, os.X_OK):
        print("e2e: %s is not executable" % suivant, file=sys.stderr)
        return 1
    names = sorted(n for n in os.listdir(cases_dir) if n.endswith(".case"))
    if argv[2:]:
        names = [n for n in names if any(s in n for s in argv[2:])]
    passed = failed = 0
    started = time.monotonic()
    for n in names:
        path = os.path.join(cases_dir, n)
        name = n[:-len(".case")]
        try:
            run_case(suivant, src, parse_case(path))
        except (CaseError, httpwire.Failure, OSError,
                subprocess.SubprocessError) as e:
            failed += 1
            print("FAIL %s: %s" % (name, e), flush=True)
        else:
            passed += 1
            print("ok %s" % name, flush=True)
    print("# %d cases in %.1f s" % (len(names), time.monotonic() - started))
    print("e2e: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
