"""A real Radicale (CalDAV/CardDAV) server and a real vdirsyncer, for tests (issue #12,
"Live sync through vdirs").

Everything lives in one temporary directory the caller owns: Radicale's storage folder,
htpasswd file and log; vdirsyncer's config, status and the local vdirs it keeps. Radicale
listens on 127.0.0.1 only, on a free port, with basic auth from an htpasswd file (plain
text); nothing reads or writes /etc/radicale, ~/.config/radicale or ~/.config/vdirsyncer.

    with Radicale(root / "radicale") as server:
        server.put("work", "a.ics", text)
        Vdirsyncer(root / "vdirsyncer", server, vdirs).sync()

Only Python's standard library is used, so any python3 can run it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

#: Where Debian puts the programs.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])

#: Seconds Radicale may take to answer after start, and to exit after SIGTERM; a sync may
#: take (a loaded 2-core machine). Each returns as soon as done.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
SYNC_TIMEOUT = 120.0


def program(name: str) -> str | None:
    """The path of `name` (radicale, vdirsyncer), or None when it is not installed."""
    return shutil.which(name, path=SEARCH_PATH)


def missing_programs() -> list[str]:
    """Which of the programs these helpers drive are not installed (Debian packages
    radicale, vdirsyncer)."""
    return [name for name in ("radicale", "vdirsyncer") if program(name) is None]


def free_loopback_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Radicale:
    """One Radicale on 127.0.0.1:`port` with one htpasswd user and the collections named
    in `calendars` and `address_books`, run in the foreground and stopped by its PID."""

    USER = "sam"
    PASSWORD = "throwaway-password"

    def __init__(self, root: Path, calendars=("work", "relance"), address_books=("contacts",)):
        self.root = Path(root)
        self.storage = self.root / "storage"
        self.log_path = self.root / "radicale.log"
        self.calendars = tuple(calendars)
        self.address_books = tuple(address_books)
        self.port = None
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def collection_url(self, collection: str) -> str:
        return f"{self.url}{self.USER}/{collection}/"

    def prepare(self):
        """The htpasswd file and the collections, in Radicale's own storage layout (a
        folder with `.Radicale.props` saying VCALENDAR or VADDRESSBOOK)."""
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "htpasswd").write_text(f"{self.USER}:{self.PASSWORD}\n")
        home = self.storage / "collection-root" / self.USER
        for name in self.calendars + self.address_books:
            folder = home / name
            folder.mkdir(parents=True, exist_ok=True)
            tag = "VCALENDAR" if name in self.calendars else "VADDRESSBOOK"
            (folder / ".Radicale.props").write_text(json.dumps({"tag": tag, "D:displayname": name}))
        self.port = free_loopback_port()

    def start(self) -> "Radicale":
        """Starts Radicale and returns once it answers an authenticated PROPFIND."""
        self.prepare()
        argv = [program("radicale"), "--config", "",
                "--server-hosts", f"127.0.0.1:{self.port}",
                "--auth-type", "htpasswd",
                "--auth-htpasswd-filename", str(self.root / "htpasswd"),
                "--auth-htpasswd-encryption", "plain",
                "--storage-filesystem-folder", str(self.storage),
                "--logging-level", "info"]
        with open(self.log_path, "wb") as output:
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"radicale exited with {self.process.returncode} at start\n{self.diagnostics()}")
            try:
                self.request("PROPFIND", self.collection_url(self.calendars[0]), headers={"Depth": "0"})
                return self
            except (OSError, urllib.error.URLError):
                if time.monotonic() >= deadline:
                    self.process.kill()  # ours, by PID
                    self.process.wait()
                    raise RuntimeError(f"radicale did not answer on {self.url} within {START_TIMEOUT}s\n{self.diagnostics()}")
                time.sleep(0.05)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def diagnostics(self) -> str:
        return self.log_path.read_text(errors="replace")[-20000:] if self.log_path.exists() else "(no log)"

    # -- CalDAV / CardDAV, as a client would --------------------------------------------

    def request(self, method: str, url: str, body: str | None = None, headers=None) -> tuple[int, bytes]:
        token = base64.b64encode(f"{self.USER}:{self.PASSWORD}".encode()).decode()
        request = urllib.request.Request(url, data=body.encode() if body is not None else None, method=method,
                                         headers={"Authorization": f"Basic {token}", **(headers or {})})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()

    def put(self, collection: str, name: str, text: str) -> int:
        """Creates or replaces one item (`name` ends in .ics or .vcf)."""
        kind = "text/calendar" if name.endswith(".ics") else "text/vcard"
        status, _ = self.request("PUT", self.collection_url(collection) + name, text,
                                 {"Content-Type": f"{kind}; charset=utf-8"})
        return status

    def delete(self, collection: str, name: str) -> int:
        status, _ = self.request("DELETE", self.collection_url(collection) + name)
        return status

    def items(self, collection: str) -> dict[str, str]:
        """Every item of a collection: its name on the server → its text (read from
        Radicale's storage folder: one file per item)."""
        folder = self.storage / "collection-root" / self.USER / collection
        return {path.name: path.read_text() for path in sorted(folder.iterdir())
                if path.is_file() and not path.name.startswith(".")}


class Vdirsyncer:
    """vdirsyncer with a config of its own, syncing `server`'s collections with local
    vdirs under `vdirs`: `vdirs/calendars/<name>/` (.ics) and `vdirs/contacts/<name>/`
    (.vcf), as a user's ~/.local/share/vdirsyncer would be."""

    def __init__(self, root: Path, server: Radicale, vdirs: Path):
        self.root = Path(root)
        self.server = server
        self.vdirs = Path(vdirs)
        self.config = self.root / "config"
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "password").write_text(server.PASSWORD)
        calendars = json.dumps(list(server.calendars))
        books = json.dumps(list(server.address_books))
        self.config.write_text(f"""\
# Written by Tests/harness/dav_servers.py for one test.
[general]
status_path = "{self.root / 'status'}/"

[pair calendars]
a = "calendars_local"
b = "calendars_remote"
collections = {calendars}

[storage calendars_local]
type = "filesystem"
path = "{self.vdirs / 'calendars'}/"
fileext = ".ics"

[storage calendars_remote]
type = "caldav"
url = "{server.url}"
username = "{server.USER}"
password.fetch = ["command", "cat", "{self.root / 'password'}"]

[pair contacts]
a = "contacts_local"
b = "contacts_remote"
collections = {books}

[storage contacts_local]
type = "filesystem"
path = "{self.vdirs / 'contacts'}/"
fileext = ".vcf"

[storage contacts_remote]
type = "carddav"
url = "{server.url}"
username = "{server.USER}"
password.fetch = ["command", "cat", "{self.root / 'password'}"]
""")
        self.discovered = False

    def calendar(self, name: str) -> Path:
        return self.vdirs / "calendars" / name

    def address_book(self, name: str) -> Path:
        return self.vdirs / "contacts" / name

    def run(self, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "HOME": str(self.root), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        completed = subprocess.run([program("vdirsyncer"), "-c", str(self.config), *args], input=input_text,
                                   capture_output=True, text=True, timeout=SYNC_TIMEOUT, env=env)
        if completed.returncode != 0:
            raise RuntimeError(f"vdirsyncer {' '.join(args)} exited with {completed.returncode}:\n"
                               f"{completed.stdout}\n{completed.stderr}")
        return completed

    def discover(self):
        """`vdirsyncer discover`: it asks before creating each local collection; yes."""
        self.run("discover", input_text="y\n" * 20)
        self.discovered = True

    def sync(self, force_delete: bool = False):
        """`vdirsyncer sync` both ways (discovering first, the first time).

        `force_delete`: a collection emptied on one side is emptied on the other (without
        it, vdirsyncer refuses, fearing a server that lost everything)."""
        if not self.discovered:
            self.discover()
        return self.run("sync", *(["--force-delete"] if force_delete else []))
