#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The QR code on the profile page (issue 17): phones from a laptop.

usage: qr.py SUIVANT
env:   SV_SOURCE_ROOT (repository root)

A person at a laptop types an address on the page at "/" and presses
"QR code for a phone": the page (GET /?email=ADDR, no script) shows the
address's profile URL as a QR code in inline SVG. Here, against `suivant
serve` on the bundled data: the page keeps its headers (strict CSP,
no-referrer, private cache); its <svg> is drawn to PNG by librsvg
(rsvg-convert) and decoded by zbar (zbarimg) as a phone's camera would;
the URL read is https://HOST/email.mobileconfig?email=ADDR (the Host the
person reached, the address percent-encoded), and that path served by
suivant is the profile of that address (plistlib). Addresses with
characters that need escaping, and one of the maximum length, are
checked the same way; a value that is not an address gets the page
without a QR code and without a trace of the value. Skips (exit 77)
without rsvg-convert (librsvg2-bin) or zbarimg (zbar-tools). Prints
"qr: N passed, N failed"."""

import html
import http.client
import os
import plistlib
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "clients"))
from serving import Failure, Server, check, run  # noqa: E402

HOST = "autoconfig.free.fr"


def decode(svg, tmp):
    """The text zbar reads from the SVG drawn by librsvg."""
    src = os.path.join(tmp, "qr.svg")
    png = os.path.join(tmp, "qr.png")
    with open(src, "w", encoding="utf-8") as f:
        f.write(svg)
    r = subprocess.run(["rsvg-convert", "--width", "800", "--output", png,
                        src], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "rsvg-convert: %s" % r.stderr)
    r = subprocess.run(["zbarimg", "--quiet", "--raw", png],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "zbarimg found no code: %s" % r.stderr)
    return r.stdout.strip()


def check_address(srv, tmp, address):
    query = urllib.parse.quote(address, safe="")
    status, body = srv.get("/?email=" + query, HOST)
    check(status == 200, "%r: status %d" % (address, status))
    page = body.decode("utf-8")
    check("<script" not in page, "a script")
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
    check(len(svgs) == 1, "%r: %d svg elements" % (address, len(svgs)))
    url = decode(svgs[0], tmp)
    want = "https://%s/email.mobileconfig?email=%s" % (
        HOST, urllib.parse.quote(address, safe="-._~"))
    check(url == want, "%r: the code reads %r, want %r" % (address, url,
                                                           want))
    # the address is on the page as text, escaped
    check(html.escape(address, quote=False) in page,
          "%r: not shown escaped" % address)
    # what a phone then fetches is that address's profile
    path = url[len("https://" + HOST):]
    status, profile = srv.get(path, HOST)
    check(status == 200, "%s: status %d" % (path, status))
    payload = plistlib.loads(profile)["PayloadContent"][0]
    check(payload["EmailAddress"] == address.split("@")[0] + "@free.fr",
          "%s: profile for %r" % (path, payload["EmailAddress"]))


def test_page_headers(suivant, srv, tmp):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    c.request("GET", "/?email=jean.dupont%40free.fr",
              headers={"Host": HOST})
    r = c.getresponse()
    r.read()
    c.close()
    check(r.status == 200, "status %d" % r.status)
    check(r.getheader("Content-Type") == "text/html; charset=utf-8",
          r.getheader("Content-Type"))
    check(r.getheader("Cache-Control") == "private, max-age=300",
          r.getheader("Cache-Control"))
    csp = r.getheader("Content-Security-Policy") or ""
    check(csp.startswith("default-src 'none';") and "script" not in csp,
          csp)
    check(r.getheader("Referrer-Policy") == "no-referrer", "referrer")


def test_plain_address(suivant, srv, tmp):
    check_address(srv, tmp, "jean.dupont@free.fr")


def test_escaped_address(suivant, srv, tmp):
    check_address(srv, tmp, "o'neil&co+tag=x@free.fr")
    check_address(srv, tmp, "élodie.müller@free.fr")


def test_longest_address(suivant, srv, tmp):
    local = "a" * 64
    check_address(srv, tmp, local + "@free.fr")
    # the longest local part, every byte of it percent-encoded
    check_address(srv, tmp, "é" * 32 + "@free.fr")


def test_not_an_address(suivant, srv, tmp):
    for value in ("<script>alert(1)</script>", "jean@@free.fr", ""):
        status, body = srv.get("/?email=" + urllib.parse.quote(value), HOST)
        page = body.decode("utf-8")
        check(status == 200 and "<svg" not in page and
              "alert" not in page and "%3C" not in page,
              "%r: %d %s" % (value, status, page[:200]))


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    for tool, package in (("rsvg-convert", "librsvg2-bin"),
                          ("zbarimg", "zbar-tools")):
        if shutil.which(tool) is None:
            print("qr: %s not installed (%s): skipped" % (tool, package))
            return 77
    suivant = os.path.abspath(argv[1])
    tmp = tempfile.mkdtemp(prefix="sv-qr-")
    passed = failed = 0
    try:
        db = os.path.join(tmp, "suivant.db")
        run(suivant, "init", "--db", db)
        srv = Server(suivant, db, tmp)
        try:
            for name, fn in sorted((n, f) for n, f in globals().items()
                                   if n.startswith("test_")):
                try:
                    fn(suivant, srv, tmp)
                    print("ok %s" % name[5:])
                    passed += 1
                except Failure as e:
                    print("FAIL %s: %s" % (name[5:], e))
                    failed += 1
                sys.stdout.flush()
        finally:
            srv.stop()
    except Failure as e:
        print("FAIL setup: %s" % e)
        failed += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("qr: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
