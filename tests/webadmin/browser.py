#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""The web admin (issue #21) in a real browser: Debian's chromium, driven
by chromium-driver through python3-selenium.

usage: browser.py SUIVANT
env:   SV_SOURCE_ROOT (repository root), SV_WEBADMIN_SCREENS=DIR (where
       the screenshots go; default tests/webadmin/screens, not committed)

`suivant serve --admin-listen` on the bundled data, an account made with
`suivant admin-user add`, then what an admin does, through the pages only
(clicks and typing, no request made by hand):
  1. logs in;
  2. adds a provider, a domain and two servers (IMAP, SMTP), and sees the
     provider served by the public listener at /mail/config-v1.1.xml
     within one second of the last click;
  3. edits the IMAP server's port and sees the new port served within one
     second;
  4. imports a provider file: the dry-run report, then the commit;
  5. logs out, and is sent back to the login page.
Every page visited is checked at 1280 and 390 CSS pixels wide (the latter
as a phone: device metrics emulated): no horizontal scroll
(documentElement.scrollWidth <= innerWidth), no script element, and the
browser's console reports no error (a Content-Security-Policy violation
would be one). Screenshots of each page at both widths go to the screens
directory. Prints "ok STEP" / "FAIL STEP: reason", then "browser: N
passed, N failed". Exits 77 (skipped) when chromium, chromedriver or
selenium is missing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import adminserve  # noqa: E402  (tests/webadmin/adminserve.py)
from httpwire import Failure, check  # noqa: E402
from adminserve import PASSWORD  # noqa: E402
WIDTHS = (1280, 390)
# A change must be served within a second of the click; under
# AddressSanitizer, which makes the reload (every answer of every
# provider rendered again) several times slower, within three.
BOUND_S = 1.0


def load_selenium():
    """Debian's python3-selenium lives in /usr/lib/python3/dist-packages,
    which another python3 on PATH (pyenv) may not search."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select
        from selenium.common.exceptions import WebDriverException
        return webdriver, Service, By, Select, WebDriverException
    except ImportError:
        return None


class Run:
    def __init__(self, driver, by, select, admin, public, screens):
        self.d = driver
        self.By = by
        self.Select = select
        self.admin = admin
        self.public = public
        self.screens = screens
        self.shot = 0

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.admin, path)

    def css(self, selector, root=None):
        return (root or self.d).find_element(self.By.CSS_SELECTOR, selector)

    def all(self, selector, root=None):
        return (root or self.d).find_elements(self.By.CSS_SELECTOR, selector)

    def width(self, w):
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": w, "height": 900 if w > 600 else 844,
            "deviceScaleFactor": 1, "mobile": w < 600})

    def page_facts(self, name, status=None):
        """Layout and script checks at both widths, with screenshots;
        status: the page's own status, when it is an error on purpose."""
        self.shot += 1
        for w in WIDTHS:
            self.width(w)
            time.sleep(0.05)
            scroll, inner = self.d.execute_script(
                "return [document.documentElement.scrollWidth,"
                " window.innerWidth]")
            self.d.save_screenshot(os.path.join(
                self.screens, "%02d-%s-%d.png" % (self.shot, name, w)))
            check(scroll <= inner, "%s at %d px: scrolls sideways "
                  "(scrollWidth %d > innerWidth %d)" % (name, w, scroll,
                                                        inner))
        self.width(WIDTHS[0])
        check(self.d.execute_script("return document.scripts.length") == 0,
              "%s has a script" % name)
        expected = "status of %s " % status
        errors = [e for e in self.d.get_log("browser")
                  if e.get("level") == "SEVERE" and not (
                      status is not None and e.get("source") == "network"
                      and expected in e.get("message", ""))]
        check(not errors, "%s: console errors %r" % (name, errors[:3]))

    def submit(self, form, button_text=None):
        buttons = self.all("button[type=submit]", form)
        if button_text is not None:
            buttons = [b for b in buttons if b.text == button_text]
        check(buttons, "no button %r" % button_text)
        # The next page replaces this one: wait until a marker set on
        # this page is gone and the new one has loaded. Asking an element
        # of the old page instead races the replacement: chromedriver may
        # then answer "Node with given id does not belong to the document"
        # rather than "stale element" (seen under load).
        self.d.execute_script("window.suivantOldPage = true")
        buttons[0].click()
        deadline = time.monotonic() + 15
        while True:
            try:
                if self.d.execute_script(
                        "return window.suivantOldPage === undefined"
                        " && document.readyState === 'complete'"):
                    break
            except self.driver_error:
                pass  # the old page is unloading
            if time.monotonic() > deadline:
                raise Failure("the form was not sent")
            time.sleep(0.01)

    def fill(self, form, name, value):
        field = self.css("[name=%s]" % name, form)
        if field.tag_name == "select":
            self.Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)

    def notice(self):
        found = self.all("p.notice")
        return found[0].text if found else None

    def watch(self, address, needle):
        """Starts polling the public listener for address's answer, in a
        thread, before the click that should change it; .took() is the
        seconds from the start until the answer held needle."""
        url = ("http://127.0.0.1:%d/mail/config-v1.1.xml?emailaddress=%s"
               % (self.public, address.replace("@", "%40")))
        return Watch(url, needle)


class Watch(threading.Thread):
    def __init__(self, url, needle):
        super().__init__(daemon=True)
        self.url = url
        self.needle = needle
        self.seconds = None
        self.t0 = time.monotonic()
        self.start()

    def run(self):
        while time.monotonic() - self.t0 < 5:
            try:
                with urllib.request.urlopen(self.url, timeout=5) as r:
                    if self.needle in r.read():
                        self.seconds = time.monotonic() - self.t0
                        return
            except urllib.error.HTTPError:
                pass
            time.sleep(0.01)

    def took(self, what):
        self.join()
        check(self.seconds is not None and self.seconds <= BOUND_S,
              "%s: served %s after the click, not within %.0f s" % (
                  what, "%.2f s" % self.seconds if self.seconds else
                  "not even 5 s", BOUND_S))
        return self.seconds


def step_login(r):
    r.d.get(r.url("/"))
    check(r.d.current_url.endswith("/login"), "not sent to the login page")
    r.page_facts("login")
    form = r.css("form[action='/login']")
    r.fill(form, "name", "alice")
    r.fill(form, "password", PASSWORD)
    r.submit(form)
    check(r.d.current_url == r.url("/"), "after login: %s"
          % r.d.current_url)
    check("free.fr" in r.d.page_source, "the list lacks free.fr")
    r.page_facts("providers")


def step_add_provider(r):
    form = r.css("form[action='/provider/add']")
    r.fill(form, "id", "browser.example")
    r.fill(form, "display_name", "Browser <Mail> & Co")
    r.fill(form, "short_name", "Browser")
    r.submit(form)
    check(r.d.current_url == r.url("/provider?id=browser.example"),
          "after add: %s (%s)" % (r.d.current_url, r.notice()))
    check("Browser <Mail> & Co" in r.css("input[name=display_name]")
          .get_attribute("value"), "display name not shown")
    form = r.css("form[action='/domain/add']")
    r.fill(form, "domain", "mail.browser.example")
    r.submit(form)
    check("mail.browser.example" in r.css("section ul.plain").text,
          "domain not added: %s" % r.notice())
    for kind, host, port in (("imap", "imap.browser.example", "993"),
                             ("smtp", "smtp.browser.example", "465")):
        form = r.all("form[action='/server/add']")[-1]
        r.fill(form, "type", kind)
        r.fill(form, "host", host)
        r.fill(form, "port", port)
        r.fill(form, "socket", "SSL")
        if kind == "smtp":  # the provider is servable from this click
            watch = r.watch("jo@mail.browser.example",
                            b"<hostname>smtp.browser.example</hostname>")
        r.submit(form)
        check(r.notice() is None, "server %s: %s" % (kind, r.notice()))
    took = watch.took("the new provider")
    print("# served %.3f s after the click" % took)
    r.page_facts("provider")


def step_edit_port(r):
    forms = [f for f in r.all("form[action='/server/set']")
             if r.css("select[name=type]", f).get_attribute("value") ==
             "imap"]
    check(len(forms) == 1, "imap server forms: %d" % len(forms))
    r.fill(forms[0], "port", "143")
    r.fill(forms[0], "socket", "STARTTLS")
    watch = r.watch("jo@mail.browser.example", b"<port>143</port>")
    r.submit(forms[0], "Save server")
    check(r.notice() is None, "edit: %s" % r.notice())
    took = watch.took("the new port")
    print("# new port served %.3f s after the click" % took)
    # a port the validator refuses: its message, nothing stored
    forms = [f for f in r.all("form[action='/server/set']")
             if r.css("select[name=type]", f).get_attribute("value") ==
             "imap"]
    r.fill(forms[0], "port", "0")
    r.submit(forms[0], "Save server")
    check("port: 0 is not in 1..65535" in (r.notice() or ""),
          "validator message: %r" % r.notice())
    r.page_facts("provider-refused", 422)


def step_import(r, source_root):
    path = os.path.join(source_root, "tests", "data", "import", "full.xml")
    with open(path, "rb") as f:
        pid = re.search(rb'emailProvider id="([^"]+)"', f.read()).group(1)
    r.d.get(r.url("/import"))
    r.page_facts("import")
    form = r.css("form[action='/import']")
    r.css("input[type=file]", form).send_keys(path)
    r.submit(form)
    check("Dry run" in (r.notice() or ""), "dry run: %r" % r.notice())
    r.page_facts("import-dry-run")
    r.submit(r.css("form[action='/import/commit']"))
    check(r.d.current_url.endswith("/provider?id=" + pid.decode()),
          "after commit: %s (%s)" % (r.d.current_url, r.notice()))
    for path in ("/lookup?address=jo%40mail.browser.example", "/check",
                 "/audit"):
        r.d.get(r.url(path))
        r.page_facts(path.strip("/").split("?")[0])
    check("import" in r.d.page_source and "server set" in
          r.d.page_source, "the audit page lacks the changes")


def step_logout(r):
    r.d.get(r.url("/"))
    r.submit(r.css("form[action='/logout']"))
    check(r.d.current_url.endswith("/login"), "after logout: %s"
          % r.d.current_url)
    r.d.get(r.url("/audit"))
    check(r.d.current_url.endswith("/login"), "a page after logout")


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    binary = os.path.abspath(argv[1])
    root = os.environ.get("SV_SOURCE_ROOT",
                          os.path.dirname(os.path.dirname(HERE)))
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_exe = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver")
        else None)
    sel = load_selenium()
    if chromium is None or driver_exe is None or sel is None:
        print("browser: skipped: needs chromium, chromium-driver and "
              "python3-selenium (apt-get install chromium "
              "chromium-driver python3-selenium)")
        return 77
    webdriver, Service, By, Select, driver_error = sel
    screens = os.environ.get("SV_WEBADMIN_SCREENS",
                             os.path.join(HERE, "screens"))
    os.makedirs(screens, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="sv-browser-")
    passed = failed = 0
    server = driver = None
    try:
        db, _ = adminserve.make_db(binary, tmp, ["alice"])
        server = adminserve.Server(binary, db, os.path.join(tmp,
                                                            "serve.log"))
        public, admin = server.public, server.admin
        with open("/proc/%d/maps" % server.proc.pid) as f:
            if "libasan" in f.read():
                global BOUND_S
                BOUND_S = 3.0
                print("# AddressSanitizer: changes must be served within "
                      "%.0f s" % BOUND_S)
        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
                  "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-sync",
                  "--disable-component-update", "--window-size=1280,900",
                  "--user-data-dir=" + os.path.join(tmp, "profile")):
            opts.add_argument(a)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(driver_exe),
                                  options=opts)
        driver.set_page_load_timeout(30)
        run = Run(driver, By, Select, admin, public, screens)
        run.driver_error = driver_error
        steps = [("login", step_login),
                 ("add-provider-domain-servers", step_add_provider),
                 ("edit-port", step_edit_port),
                 ("import", lambda r: step_import(r, root)),
                 ("logout", step_logout)]
        for name, fn in steps:
            try:
                fn(run)
            except Exception as e:  # selenium's errors are many kinds
                print("FAIL %s: %s: %s" % (name, type(e).__name__,
                                           str(e).splitlines()[0]
                                           if str(e) else ""), flush=True)
                failed += 1
                break  # the next steps build on this one
            print("ok %s" % name, flush=True)
            passed += 1
    except (Failure, OSError, subprocess.SubprocessError,
            AttributeError) as e:
        print("FAIL setup: %s" % e)
        failed += 1
    finally:
        if driver is not None:
            driver.quit()
        problem = server.stop() if server is not None else None
        if problem:
            print("FAIL server: %s" % problem)
            failed += 1
        shutil.rmtree(tmp, ignore_errors=True)
    print("# screenshots in %s" % screens)
    print("browser: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
