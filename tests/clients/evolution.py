#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Evolution's own account-setup code against `suivant serve`.

usage: evolution.py SUIVANT
env:   SV_SOURCE_ROOT (repository root)

Drives e_mail_autoconfig, the lookup Evolution 3.46 runs when a user
types an address (Debian 12's libevolution, /usr/lib/evolution/
libevolution-mail.so.0), through ctypes: Evolution builds the URLs,
fetches them with libsoup, parses with its own GMarkup parser and fills
its results, exactly as in its assistant. Only its ESourceRegistry (a
D-Bus service, used for proxy settings) is left out: the object is
created with g_initable_new without one, which logs GLib criticals and
means "no proxy".

Evolution asks http(s)://autoconfig.DOMAIN/mail/config-v1.1.xml?
emailaddress=EVOLUTIONUSER%40DOMAIN&emailmd5=..., so the test runs in its
own network and mount namespaces (unshare): loopback up, /etc/hosts
replaced (bind mount) to send those names to 127.0.0.1, and suivant serve
on port 80 (https on 443 is refused at once, and Evolution falls back to
http, as it does). Its results are read from the object's private
struct (layout of 3.46, cross-checked against e_mail_autoconfig_
dump_results' own lines) and must be each provider's preferred server of
each type, with the real address in the username, never EVOLUTIONUSER.

Skips (exit 77) without libevolution (apt-get install libevolution), on
another Evolution than 3.46, or where namespaces cannot be made (unshare
refused, as in some containers). Prints "evolution: N passed, N failed"."""

import ctypes
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving import Failure, Server, check, run  # noqa: E402

ROOT = os.environ.get("SV_SOURCE_ROOT", os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
LIB = "/usr/lib/evolution/libevolution-mail.so.0"
INNER = "SV_EVOLUTION_INNER"

# CamelNetworkSecurityMethod
NONE, SSL, STARTTLS = 0, 1, 2

# address -> {type: (user, host, port, security)}: the preferred server
# of each type, the one Thunderbird desktop and every other client get
# first; None: Evolution must have none of that type.
CASES = {
    # SSL first, then STARTTLS for each type (Evolution alone took 143,
    # 110 and 587)
    "Jean.Dupont@mail.com": {
        "imap": ("Jean.Dupont@mail.com", "imap.mail.com", 993, SSL),
        "pop3": ("Jean.Dupont@mail.com", "pop.mail.com", 995, SSL),
        "smtp": ("Jean.Dupont@mail.com", "smtp.mail.com", 465, SSL),
    },
    "hans@gmx.de": {
        "imap": ("hans@gmx.de", "imap.gmx.net", 993, SSL),
        "pop3": ("hans@gmx.de", "pop.gmx.net", 995, SSL),
        "smtp": ("hans@gmx.de", "mail.gmx.net", 465, SSL),
    },
    # POP3 995 SSL, then 110 plain (Evolution alone took the plain one)
    "anna@rediffmail.com": {
        "imap": None,
        "pop3": ("anna@rediffmail.com", "pop.rediffmail.com", 995, SSL),
        "smtp": ("anna@rediffmail.com", "smtp.rediffmail.com", 586, SSL),
    },
    "bob@hotmail.com": {
        "imap": ("bob@hotmail.com", "outlook.office365.com", 993, SSL),
        "pop3": ("bob@hotmail.com", "outlook.office365.com", 995, SSL),
        "smtp": ("bob@hotmail.com", "smtp-mail.outlook.com", 587,
                 STARTTLS),
    },
    # %EMAILLOCALPART% logins
    "jean.dupont@free.fr": {
        "imap": ("jean.dupont", "imap.free.fr", 993, SSL),
        "pop3": ("jean.dupont", "pop.free.fr", 995, SSL),
        "smtp": ("jean.dupont", "smtp.free.fr", 465, SSL),
    },
    # a hoster's %EMAILDOMAIN% host names, which Evolution itself would
    # empty; its plain smtp alternative (server add) withheld
    "bob@shop.hoster-customers.example": {
        "imap": ("bob@shop.hoster-customers.example",
                 "mail.shop.hoster-customers.example", 993, SSL),
        "pop3": None,
        "smtp": ("bob@shop.hoster-customers.example",
                 "mail.shop.hoster-customers.example", 465, SSL),
    },
}


def skip(why):
    print("evolution: skipped: %s" % why)
    sys.exit(77)


def evolution_version():
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}",
                        "libevolution"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else ""


def loopback_up():
    """ip link set lo up, without iproute2: SIOCSIFFLAGS on "lo"."""
    SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        req = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS,
                                                     req))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo",
                                                 flags | IFF_UP))
    finally:
        s.close()


class Evolution:
    """e_mail_autoconfig in this process, through ctypes."""

    def __init__(self):
        self.gio = ctypes.CDLL("libgio-2.0.so.0")
        self.gobj = ctypes.CDLL("libgobject-2.0.so.0")
        self.mail = ctypes.CDLL(LIB)
        self.mail.e_mail_autoconfig_get_type.restype = ctypes.c_size_t
        self.mail.e_mail_autoconfig_dump_results.argtypes = [
            ctypes.c_void_p]
        self.gio.g_initable_new.restype = ctypes.c_void_p
        self.gio.g_initable_new.argtypes = [
            ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p,
            ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p]
        self.gobj.g_object_unref.argtypes = [ctypes.c_void_p]

    @staticmethod
    def _string(address):
        p = ctypes.c_void_p.from_address(address).value
        return ctypes.string_at(p).decode() if p else None

    def lookup(self, email):
        """({type: (user, host, port, security) or None}, dump text)."""
        err = ctypes.c_void_p()
        sys.stdout.flush()
        saved = os.dup(1)
        with tempfile.TemporaryFile() as out:
            os.dup2(out.fileno(), 1)
            try:
                obj = self.gio.g_initable_new(
                    self.mail.e_mail_autoconfig_get_type(), None,
                    ctypes.byref(err), b"email-address", email.encode(),
                    None)
                if obj:
                    self.mail.e_mail_autoconfig_dump_results(obj)
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            out.seek(0)
            dump = out.read().decode("utf-8", "replace")
        check(obj, "%s: e_mail_autoconfig failed (no answer it could "
              "use)" % email)
        # struct _EMailAutoconfig { GObject parent; priv }; priv: the
        # registry, four strings, then EMailAutoconfigResult imap, pop3,
        # smtp { gboolean set; user; host; guint16 port; auth_mechanism;
        # CamelNetworkSecurityMethod security_method } (evolution 3.46,
        # src/mail/e-mail-autoconfig.c)
        priv = ctypes.c_void_p.from_address(obj + 24).value
        check(self._string(priv + 8) == email, "%s: layout: email-address "
              "not where 3.46 keeps it" % email)
        found = {}
        for name, off in (("imap", 40), ("pop3", 88), ("smtp", 136)):
            base = priv + off
            if not ctypes.c_int.from_address(base).value:
                found[name] = None
                continue
            found[name] = (self._string(base + 8), self._string(base + 16),
                           ctypes.c_uint16.from_address(base + 24).value,
                           ctypes.c_int.from_address(base + 40).value)
        self.gobj.g_object_unref(obj)
        return found, dump


def inner(suivant):
    loopback_up()
    tmp = tempfile.mkdtemp(prefix="sv-evolution-")
    try:
        hosts = os.path.join(tmp, "hosts")
        with open(hosts, "w") as f:
            f.write("127.0.0.1 localhost\n")
            for email in CASES:
                d = email.split("@")[1]
                f.write("127.0.0.1 %s autoconfig.%s\n" % (d, d))
        subprocess.run(["mount", "--bind", hosts, "/etc/hosts"],
                       check=True)
        db = os.path.join(tmp, "suivant.db")
        run(suivant, "init", "--db", db)
        run(suivant, "import", "--db", db,
            os.path.join(ROOT, "tests", "data", "providers", "hoster.xml"))
        run(suivant, "server", "add", "--provider", "hoster.example",
            "--type", "smtp", "--host", "mail.%EMAILDOMAIN%", "--port", "25",
            "--socket", "plain", "--priority", "-1", "--db", db)
        srv = Server(suivant, db, tmp, "127.0.0.1:80")
        evo = Evolution()
        passed = failed = 0
        try:
            for email, want in CASES.items():
                try:
                    got, dump = evo.lookup(email)
                    for kind, w in want.items():
                        g = got[kind]
                        check(g == w, "%s: %s: Evolution configures %r, "
                              "want %r" % (email, kind, g, w))
                        if g is not None:
                            # the layout read above is the one Evolution
                            # prints itself
                            line = "%s: %s@%s:%d" % (kind.upper(), g[0],
                                                      g[1], g[2])
                            check(line in dump, "%s: %r not in Evolution's "
                                  "dump: %s" % (email, line, dump))
                            check("EVOLUTIONUSER" not in g[0], email)
                    print("ok %s" % email)
                    passed += 1
                except Failure as e:
                    print("FAIL %s" % e)
                    failed += 1
                sys.stdout.flush()
        finally:
            srv.stop()
        print("evolution: %d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    suivant = os.path.abspath(argv[1])
    if os.environ.get(INNER) == "1":
        try:
            return inner(suivant)
        except Failure as e:
            print("FAIL %s" % e)
            print("evolution: 0 passed, 1 failed")
            return 1
    if not os.path.exists(LIB):
        skip("%s not installed (apt-get install libevolution)" % LIB)
    version = evolution_version()
    if not version.startswith("3.46."):
        skip("libevolution %s: the test knows Evolution 3.46's layout"
             % (version or "of unknown version"))
    unshare = shutil.which("unshare")
    if unshare is None:
        skip("unshare (util-linux) not found")
    args = [unshare, "--net", "--mount"]
    if os.geteuid() != 0:
        args.insert(1, "--map-root-user")
    probe = subprocess.run(args + ["true"], capture_output=True, text=True)
    if probe.returncode != 0:
        skip("cannot make network and mount namespaces here: %s"
             % probe.stderr.strip())
    env = dict(os.environ, **{INNER: "1", "G_DEBUG": ""})
    return subprocess.run(args + [sys.executable, os.path.abspath(__file__),
                                  suivant], env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
