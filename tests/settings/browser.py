#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""The settings page (issue 23) in a real browser: headless Chromium.

usage: browser.py SUIVANT
env:   SV_SOURCE_ROOT (repository root), SV_SETTINGS_SCREENSHOTS=DIR (also
       keeps the screenshots there: settings-390.png, settings-1280.png)

Starts `suivant serve` on the bundled data and drives Debian's chromium
through the DevTools protocol (the pipe client of tests/mobileconfig/
page.py). What it proves:
  1. at 390 px (a phone) and at 1280 px (a laptop), for Free and for
     Gmail (long links, two SMTP servers): the page loads in UTF-8, runs
     no script, has no horizontal scroll (the document is no wider than
     the window), and its text, as the browser renders it, holds the host
     names, ports and the username for the typed address; a screenshot
     of each width is taken, a PNG of that width;
  2. the browser reports no console error or CSP violation, and the
     page's one stylesheet, linked as settings.css, is applied;
  3. a person's way there: on "/", typing an address and pressing the
     "settings" button lands on the settings page for that address;
  4. the link to the other language gives the English page for the same
     address;
  5. printed (print media), the language link and the home link are
     hidden and the cards stay.
Prints "ok STEP" / "FAIL STEP: reason", then "settings-browser: N passed,
N failed". Exits 77 (skipped) when chromium is not installed.
"""
import base64
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "mobileconfig"))
from httpwire import Failure  # noqa: E402  (tests/httpwire.py)
from page import (TIMEOUT, attach, browser_main,  # noqa: E402
                  check_no_errors, evaluate)

WIDTHS = (390, 1280)
# address, then what its page must show: hosts, ports, the username
CASES = (
    ("jean.dupont@free.fr", ("imap.free.fr", "smtp.free.fr", "993", "465",
                             "jean.dupont")),
    ("someone@gmail.com", ("imap.gmail.com", "smtp.gmail.com", "587",
                           "someone@gmail.com", "OAuth2")),
)


def png_size(data):
    """(width, height) of a PNG, or Failure."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise Failure("not a PNG")
    return struct.unpack(">II", data[16:24])


def browser_steps(step, b, base, tmp):
    """The steps of main, in the browser b on the server at base."""
    shots = os.environ.get("SV_SETTINGS_SCREENSHOTS") or tmp
    session = attach(b)

    def js(expr):
        return evaluate(b, session, expr)

    # a French browser: the page follows its Accept-Language
    b.call("Emulation.setUserAgentOverride", {
        "userAgent": js("navigator.userAgent"),
        "acceptLanguage": "fr-FR,fr;q=0.9,en;q=0.5"}, session=session)

    def loaded(action):
        """Runs action (a navigation) and waits for the new page."""
        b.events = [e for e in b.events
                    if e.get("method") != "Page.loadEventFired"]
        action()
        if b.wait_event(lambda e: e.get("method") ==
                        "Page.loadEventFired", TIMEOUT) is None:
            raise Failure("the page did not load")

    def goto(url):
        loaded(lambda: b.call("Page.navigate", {"url": url},
                              session=session))

    def width(w):
        b.call("Emulation.setDeviceMetricsOverride", {
            "width": w, "height": 900, "deviceScaleFactor": 1,
            "mobile": w < 600}, session=session)

    def page_facts():
        return js("""({
            charset: document.characterSet,
            lang: document.documentElement.lang,
            scripts: document.scripts.length,
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            text: document.body.innerText,
            href: location.href})""")

    for w in WIDTHS:
        for address, wanted in CASES:
            def at_width(w=w, address=address, wanted=wanted):
                width(w)
                goto(base + "/settings?email=" +
                     address.replace("@", "%40"))
                f = page_facts()
                if (f["charset"], f["lang"], f["scripts"]) != \
                        ("UTF-8", "fr", 0):
                    raise Failure("charset/lang/scripts: %r" % (
                        (f["charset"], f["lang"], f["scripts"]),))
                if f["innerWidth"] != w:
                    raise Failure("window is %d px" % f["innerWidth"])
                if f["scrollWidth"] > f["innerWidth"]:
                    raise Failure("horizontal scroll: document %d px "
                                  "in %d" % (f["scrollWidth"], w))
                for text in wanted:
                    if text not in f["text"]:
                        raise Failure("page text lacks %r" % text)
                png = base64.b64decode(b.call(
                    "Page.captureScreenshot", {"format": "png"},
                    session=session)["data"])
                if png_size(png)[0] != w:
                    raise Failure("screenshot is %r" % (png_size(png),))
                name = address.split("@")[1].split(".")[0]
                with open(os.path.join(shots, "settings-%s-%d.png"
                                       % (name, w)), "wb") as fh:
                    fh.write(png)
            step("%s at %d px: no horizontal scroll, host, port and "
                 "username shown" % (address, w), at_width)

    step("no console error or CSP violation",
         lambda: check_no_errors(b))

    def stylesheet():
        got = js("""[Array.from(document.styleSheets).map(
                s => s.href),
            getComputedStyle(document.querySelector('.cards')).display]
            """)
        if got != [[base + "/settings.css"], "grid"]:
            raise Failure("stylesheets, .cards display: %r" % (got,))
    step("the page's one stylesheet is /settings.css, applied",
         stylesheet)

    def from_home():
        width(390)
        goto(base + "/")
        js("document.getElementById('email').focus()")
        b.call("Input.insertText", {"text": "Marie.Curie@free.fr"},
               session=session)
        loaded(lambda: js("document.querySelector("
                          "'button[formaction=settings]').click()"))
        f = page_facts()
        if f["href"] != base + "/settings?email=Marie.Curie%40free.fr":
            raise Failure("landed on %r" % f["href"])
        if "Marie.Curie" not in f["text"] or \
                "imap.free.fr" not in f["text"]:
            raise Failure("page text: %r" % f["text"][:300])
    step("the form on / leads to the settings of the typed address",
         from_home)

    def other_language():
        loaded(lambda: js("document.querySelector('.lang a').click()"))
        f = page_facts()
        if f["lang"] != "en" or "Username" not in f["text"] or \
                "Marie.Curie" not in f["text"]:
            raise Failure("lang %r, text %r" % (f["lang"],
                                                f["text"][:300]))
    step("the language link gives the English page, same address",
         other_language)

    def printed():
        b.call("Emulation.setEmulatedMedia", {"media": "print"},
               session=session)
        shown = js("""[document.querySelector('.lang'),
            document.querySelector('.back'),
            document.querySelector('.card')].map(
                e => getComputedStyle(e).display)""")
        b.call("Emulation.setEmulatedMedia", {"media": ""},
               session=session)
        if shown[0] != "none" or shown[1] != "none" or \
                shown[2] == "none":
            raise Failure("print display: %r" % shown)
    step("printed: navigation hidden, cards kept", printed)


def main(argv):
    return browser_main(argv, __doc__, "settings-browser", "sv-settings-",
                        (Failure, OSError, ValueError, KeyError),
                        browser_steps)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
