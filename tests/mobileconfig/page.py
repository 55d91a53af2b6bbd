#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""The profile page at "/" (issue #6) in a real browser: headless Chromium.

usage: page.py SUIVANT
env:   SV_SOURCE_ROOT (repository root), SV_PAGE_SCREENSHOT=FILE (also
       saves a PNG of the page as the browser drew it)

Starts `suivant serve` on the bundled data and drives Debian's chromium
through the DevTools protocol over --remote-debugging-pipe (NUL-separated
JSON on file descriptors 3 and 4, so the Python standard library is
enough). What it proves, step by step:
  1. the page loads as a document in UTF-8 with its French and English
     text, one GET form whose action resolves to /email.mobileconfig and
     one field named "email" (read from the browser's DOM, after parsing);
  2. the page runs no script and the browser reports no console error or
     CSP violation;
  3. a person's way of using it works: the field is focused, an address
     is typed (Input.insertText) and Enter is pressed; the browser builds
     the URL itself (form encoding: "+" and "@" percent-encoded), gets
     the profile and saves it as a download named <domain>.mobileconfig,
     whose content parses with plistlib and is the profile of the typed
     address;
  4. typing something that is not an address and pressing Enter downloads
     nothing (the browser's own type="email" validation).
Prints "ok STEP" / "FAIL STEP: reason", then "page: N passed, N failed".
Exits 77 (skipped) when chromium is not installed.
"""
import json
import os
import plistlib
import select
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import httpwire  # noqa: E402  (tests/httpwire.py)
from httpwire import Failure  # noqa: E402

TIMEOUT = 30.0
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def start_server(suivant, db, log):
    proc = subprocess.Popen([suivant, "serve", "--db", db, "--listen",
                             "127.0.0.1:0"] + httpwire.unprivileged(
                                 [], os.path.dirname(db)),
                            stdout=subprocess.PIPE,
                            stderr=log, stdin=subprocess.DEVNULL)
    try:
        return proc, httpwire.wait_ready(proc)
    except httpwire.WireError as e:
        raise Failure(str(e))


class Steps:
    """Named steps: each prints "ok NAME" or "FAIL NAME: reason" and is
    counted; errors are the exceptions that fail a step."""

    def __init__(self, errors):
        self.errors = errors
        self.passed = self.failed = 0

    def __call__(self, name, fn):
        try:
            fn()
        except self.errors as e:
            self.failed += 1
            print("FAIL %s: %s" % (name, e), flush=True)
            return False
        self.passed += 1
        print("ok %s" % name, flush=True)
        return True


def serve_bundled(suivant, tmp, log):
    """`suivant serve` on a new database of the bundled data in tmp, its
    messages to log: (server process, base URL)."""
    db = os.path.join(tmp, "suivant.db")
    subprocess.run([suivant, "init", "--db", db], check=True,
                   capture_output=True)
    server, port = start_server(suivant, db, log)
    return server, "http://127.0.0.1:%d" % port


def browser_main(argv, doc, name, prefix, errors, steps):
    """The main of a browser test: its usage (doc) and exit status 2 on
    bad arguments, 77 (skipped) without chromium. Serves the bundled data
    from a new directory /tmp/<prefix>..., opens a browser and calls
    steps(step, b, base, tmp), step a Steps failing on errors (a Failure
    out of steps fails "setup"); prints "<name>: N passed, N failed" and
    returns 1 when something failed, else 0."""
    if len(argv) != 2:
        print(doc.split("\n\n")[1], file=sys.stderr)
        return 2
    exe = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if exe is None:
        print("%s: chromium not installed: skipped" % name)
        return 77
    suivant = os.path.abspath(argv[1])
    tmp = tempfile.mkdtemp(prefix=prefix)
    step = Steps(errors)
    server = browser = None
    log = open(os.path.join(tmp, "serve.log"), "wb")
    try:
        server, base = serve_bundled(suivant, tmp, log)
        browser = Browser(exe, os.path.join(tmp, "profile"))
        steps(step, browser, base, tmp)
    except Failure as e:
        step.failed += 1
        print("FAIL setup: %s" % e)
    finally:
        log.close()
        step.failed += finish(browser, server, tmp)
    print("%s: %d passed, %d failed" % (name, step.passed, step.failed))
    return 1 if step.failed else 0


class Browser:
    """Chromium with the DevTools protocol on a pipe."""

    def __init__(self, exe, profile_dir):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile_dir,
                "--remote-debugging-pipe", "--window-size=900,900",
                "about:blank"]
        # fd 3: commands to the browser, fd 4: its answers and events
        script = 'exec "$0" "$@" 3<&%d 4>&%d' % (to_browser_r,
                                                  from_browser_w)
        self.proc = subprocess.Popen(["sh", "-c", script] + args,
                                     pass_fds=(to_browser_r, from_browser_w),
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.next_id = 0
        self.buf = b""
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("browser: timed out")
            if not select.select([self.from_browser], [], [], left)[0]:
                raise Failure("browser: timed out")
            chunk = os.read(self.from_browser, 65536)
            if not chunk:
                raise Failure("browser: pipe closed (did it start?)")
            self.buf += chunk
        raw, _, self.buf = self.buf.partition(b"\0")
        return json.loads(raw)

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session is not None:
            msg["sessionId"] = session
        os.write(self.to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise Failure("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, pred, seconds):
        """The first event (already received or coming) matching pred."""
        deadline = time.monotonic() + seconds
        while True:
            for i, e in enumerate(self.events):
                if pred(e):
                    return self.events.pop(i)
            try:
                m = self._read_message(deadline)
            except Failure:
                return None
            self.events.append(m)

    def close(self):
        try:
            self.call("Browser.close")
        except Failure:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_browser)
        os.close(self.from_browser)


def attach(b):
    """A new tab's DevTools session, its Page, Runtime and Log events on."""
    target = b.call("Target.createTarget", {"url": "about:blank"})
    session = b.call("Target.attachToTarget", {
        "targetId": target["targetId"], "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        b.call(domain + ".enable", session=session)
    return session


def evaluate(b, session, expr):
    """The value of a JavaScript expression in the tab, or Failure."""
    r = b.call("Runtime.evaluate", {"expression": expr,
                                    "returnByValue": True}, session=session)
    if "exceptionDetails" in r:
        raise Failure("script error: %s" % r["exceptionDetails"])
    return r["result"].get("value")


def check_no_errors(b):
    """Failure when the browser logged an error (a CSP violation is one)
    or a script threw."""
    bad = [e for e in b.events if e.get("method") in (
        "Log.entryAdded", "Runtime.exceptionThrown") and
        (e["params"].get("entry", {}).get("level") == "error" or
         e.get("method") == "Runtime.exceptionThrown")]
    if bad:
        raise Failure("browser errors: %r" % bad[:3])


def finish(browser, server, tmp):
    """Closes the browser, stops the server and removes tmp; prints and
    returns the failures seen: the server's exit status, sanitizer
    reports in tmp/serve.log."""
    failed = 0
    if browser is not None:
        browser.close()
    if server is not None:
        httpwire.stop_server(server)  # a killed server fails below
        if server.returncode != 0:
            failed += 1
            print("FAIL server exited %d" % server.returncode)
    with open(os.path.join(tmp, "serve.log"), "rb") as f:
        text = f.read().decode("utf-8", "replace")
    for mark in ("ERROR: AddressSanitizer", "runtime error:"):
        if mark in text:
            failed += 1
            print("FAIL sanitizer: %s" % text[text.index(mark):][:300])
    shutil.rmtree(tmp, ignore_errors=True)
    return failed


def page_steps(step, b, base, tmp):
    """The steps of main, in the browser b on the server at base."""
    downloads = os.path.join(tmp, "downloads")
    os.mkdir(downloads)
    b.call("Browser.setDownloadBehavior", {
        "behavior": "allowAndName", "downloadPath": downloads,
        "eventsEnabled": True})
    session = attach(b)

    def js(expr):
        return evaluate(b, session, expr)

    def load_page():
        b.call("Page.navigate", {"url": base + "/"}, session=session)
        if b.wait_event(lambda e: e.get("method") ==
                        "Page.loadEventFired", TIMEOUT) is None:
            raise Failure("the page did not load")
        facts = js("""({
            charset: document.characterSet,
            lang: document.documentElement.lang,
            forms: document.forms.length,
            method: document.forms[0] && document.forms[0].method,
            action: document.forms[0] && document.forms[0].action,
            fields: Array.from(document.forms[0].elements)
                .filter(e => e.name).map(e => e.name + ':' + e.type),
            text: document.body.innerText,
            scripts: document.scripts.length})""")
        want = {"charset": "UTF-8", "lang": "fr", "forms": 1,
                "method": "get", "action": base + "/email.mobileconfig",
                "fields": ["email:email"], "scripts": 0}
        for k, v in want.items():
            if facts[k] != v:
                raise Failure("%s is %r, want %r" % (k, facts[k], v))
        for text in ("Configurer la messagerie", "Set up mail",
                     "Adresse e-mail", "E-mail address",
                     "Télécharger le profil", "Download the profile",
                     "mot de passe", "password"):
            if text not in facts["text"]:
                raise Failure("page text lacks %r" % text)
        shot = os.environ.get("SV_PAGE_SCREENSHOT")
        if shot:
            png = b.call("Page.captureScreenshot", {"format": "png"},
                         session=session)
            import base64
            with open(shot, "wb") as f:
                f.write(base64.b64decode(png["data"]))
    if not step("page loads with its form, in French and English",
                load_page):
        raise Failure("no page, no more steps")

    step("no console error or CSP violation",
         lambda: check_no_errors(b))

    def type_and_submit(text):
        js("document.getElementById('email').value = '';"
           "document.getElementById('email').focus()")
        b.call("Input.insertText", {"text": text}, session=session)
        for kind in ("keyDown", "keyUp"):
            params = {"type": kind, "key": "Enter", "code": "Enter",
                      "windowsVirtualKeyCode": 13}
            if kind == "keyDown":
                params["text"] = "\r"
            b.call("Input.dispatchKeyEvent", params, session=session)

    typed = "jean.dupont+ios@free.fr"

    def download():
        type_and_submit(typed)
        begin = b.wait_event(lambda e: e.get("method") ==
                             "Browser.downloadWillBegin", TIMEOUT)
        if begin is None:
            raise Failure("no download began")
        p = begin["params"]
        want_url = base + "/email.mobileconfig?email=" \
            "jean.dupont%2Bios%40free.fr"
        if p["url"] != want_url:
            raise Failure("URL %r, want %r" % (p["url"], want_url))
        if p["suggestedFilename"] != "free.fr.mobileconfig":
            raise Failure("file name %r" % p["suggestedFilename"])
        done = b.wait_event(lambda e: e.get("method") ==
                            "Browser.downloadProgress" and
                            e["params"]["guid"] == p["guid"] and
                            e["params"]["state"] != "inProgress", TIMEOUT)
        if done is None or done["params"]["state"] != "completed":
            raise Failure("download did not complete: %r" % done)
        with open(os.path.join(downloads, p["guid"]), "rb") as f:
            profile = plistlib.load(f)
        mail = profile["PayloadContent"][0]
        if mail["EmailAddress"] != typed or \
                mail["IncomingMailServerHostName"] != "imap.free.fr" or \
                mail["IncomingMailServerUsername"] != "jean.dupont+ios":
            raise Failure("downloaded profile: %r" % mail)
    step("typing an address and Enter downloads its profile", download)

    def refused():
        before = js("location.href")
        type_and_submit("pas une adresse")
        if b.wait_event(lambda e: e.get("method") ==
                        "Browser.downloadWillBegin", 2.0) is not None:
            raise Failure("something was downloaded")
        if js("location.href") != before:
            raise Failure("the page went away")
        if js("document.getElementById('email').validity.valid"):
            raise Failure("the field accepts a non-address")
    step("a non-address is refused by the browser", refused)


def main(argv):
    return browser_main(argv, __doc__, "page", "sv-page-",
                        (Failure, OSError, ValueError, KeyError,
                         plistlib.InvalidFileException), page_steps)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
