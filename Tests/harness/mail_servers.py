"""A real Dovecot IMAP server and a real mbsync, for tests (issue #13, "Tests with the
real programs").

Everything lives in one temporary directory the caller owns: Dovecot's own dovecot.conf,
run directory (`base_dir`), state, log, passwd-file, mail and a throwaway self-signed
certificate; mbsync's own mbsyncrc and sync state. Dovecot listens on 127.0.0.1 only, on
a free port, with implicit TLS; nothing reads or writes /etc/dovecot, ~/.mbsyncrc or
~/.mbsync.

    with Dovecot(root / "dovecot") as dovecot:
        dovecot.append("INBOX", message)
        Mbsync(root / "mbsync", dovecot, maildir).sync()

Only Python's standard library is used, so any python3 can run it.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

#: Where Debian puts the programs (/usr/sbin is not on every user's PATH).
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])

#: Seconds Dovecot may take to greet after start, and to exit after SIGTERM (it waits
#: for its children). Generous for a loaded 2-core machine; both return as soon as done.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


def program(name: str) -> str | None:
    """The path of `name` (dovecot, mbsync, openssl), or None when it is not installed."""
    return shutil.which(name, path=SEARCH_PATH)


def missing_programs() -> list[str]:
    """Which of the programs these helpers drive are not installed (Debian packages
    dovecot-imapd, isync, openssl)."""
    return [name for name in ("dovecot", "mbsync", "openssl") if program(name) is None]


def free_loopback_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def throwaway_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate and its key for 127.0.0.1, valid one day.

    The address is both an IP and a DNS subjectAltName: Python checks the IP entry, while
    mbsync 1.4 compares the host name only with DNS names and the CN ("certificate owner
    does not match hostname 127.0.0.1" otherwise)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run([program("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class Dovecot:
    """One Dovecot (IMAP over implicit TLS on 127.0.0.1:`port`) with one passwd-file user,
    run in the foreground (`dovecot -F`) and stopped by its PID."""

    USER = "sam"
    PASSWORD = "throwaway-password"

    def __init__(self, root: Path, starttls: bool = False, idle: bool = True, still_here: str | None = None):
        """`starttls`: also listen for plain IMAP on `starttls_port`, where clients must
        STARTTLS before logging in (ssl = required). `idle`: announce IDLE (without it the
        capability list leaves IDLE out, as on a server that lacks it). `still_here`: how
        often Dovecot tells idling clients "* OK Still here" (imap_idle_notify_interval,
        "2 mins" by default, at a moment of the minute aligned per user and address)."""
        self.starttls = starttls
        self.idle = idle
        self.still_here = still_here
        self.starttls_port = None
        self.root = Path(root)
        self.config = self.root / "dovecot.conf"
        self.log_path = self.root / "dovecot.log"
        self.port = None
        self.cert = None
        self.key = None
        self.process = None

    # -- configuration ---------------------------------------------------------------

    def accounts(self) -> dict[str, str]:
        """The system users Dovecot runs as. As root: unprivileged ones (it refuses mail
        owned by uid 0 — "userdb returned 0 as uid" — whatever first_valid_uid says),
        `nobody` for the mail, Debian's `dovenull`/`dovecot` for login and internal
        processes. Not as root: the current user and group for everything (Dovecot
        then cannot switch users, nor hand sockets to the `dovecot` group)."""
        if os.geteuid() != 0:
            me = pwd.getpwuid(os.geteuid())
            return {"mail": me.pw_name, "login": me.pw_name, "internal": me.pw_name,
                    "internal_group": grp.getgrgid(me.pw_gid).gr_name}
        return {"mail": "nobody", "login": "dovenull", "internal": "dovecot", "internal_group": "dovecot"}

    def config_text(self) -> str:
        accounts = self.accounts()
        mail_user = pwd.getpwnam(accounts["mail"])
        # Only root may chroot: as anyone else, the login and anvil processes must not.
        chroot = "" if os.geteuid() == 0 else "  chroot =\n"
        plain_listener = (f"    address = 127.0.0.1\n    port = {self.starttls_port}\n" if self.starttls
                          else "    port = 0\n")
        # Dovecot announces what imap_capability says, instead of its full list with IDLE.
        capability = "" if self.idle else (
            "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE SORT UIDPLUS UNSELECT NAMESPACE\n")
        still_here = f"imap_idle_notify_interval = {self.still_here}\n" if self.still_here else ""
        return f"""\
# Written by Tests/harness/mail_servers.py: a throwaway Dovecot for one test.
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log_path}
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{self.cert}
ssl_key = <{self.key}
default_login_user = {accounts["login"]}
default_internal_user = {accounts["internal"]}
default_internal_group = {accounts["internal_group"]}
mail_location = maildir:{self.root}/mail/%u
auth_mechanisms = plain
{capability}{still_here}# A Sent folder from the start, as on any real account (mbsync's Patterns name it).
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    auto = subscribe
    special_use = \\Sent
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={self.root}/mail/%u
}}
service anvil {{
{chroot}}}
service imap-login {{
{chroot}  inet_listener imap {{
{plain_listener}  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.port}
    ssl = yes
  }}
}}
"""

    def prepare(self):
        """Writes the certificate, passwd-file, mail directory and dovecot.conf, and
        checks the configuration with `dovecot -n` (its error names the line)."""
        self.root.mkdir(parents=True, exist_ok=True)
        # The auth process (the internal user) reads the passwd-file, and the mail user
        # writes under mail/: both must get through this directory and its parents
        # ("Temporary authentication failure" at login otherwise).
        self.root.chmod(0o755)
        for parent in self.root.parents:
            if not parent.stat().st_mode & 0o001:
                raise RuntimeError(f"{parent} is not searchable by other users: Dovecot's unprivileged "
                                   f"processes could not reach {self.root}: chmod o+x it, or give a directory elsewhere")
        self.cert, self.key = throwaway_certificate(self.root)
        (self.root / "passwd").write_text(f"{self.USER}:{{PLAIN}}{self.PASSWORD}\n")
        (self.root / "passwd").chmod(0o644)
        mail = self.root / "mail"
        mail.mkdir(exist_ok=True)
        mail_user = pwd.getpwnam(self.accounts()["mail"])
        os.chown(mail, mail_user.pw_uid, mail_user.pw_gid)
        self.port = free_loopback_port()
        if self.starttls:
            # Two probes can hand back the same free port ("duplicate listener" in CI).
            self.starttls_port = free_loopback_port()
            while self.starttls_port == self.port:
                self.starttls_port = free_loopback_port()
        self.config.write_text(self.config_text())
        check = subprocess.run([program("dovecot"), "-c", str(self.config), "-n"],
                               capture_output=True, text=True, timeout=60)
        if check.returncode != 0:
            raise RuntimeError(f"dovecot -n rejects {self.config}:\n{check.stderr}")

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> "Dovecot":
        """Starts Dovecot in the foreground and returns once it greets over TLS. Started
        again after `stop`, it keeps its port, certificate and mail (a server restart)."""
        if self.port is None:
            self.prepare()
        with open(self.root / "dovecot.stderr", "wb") as output:
            self.process = subprocess.Popen([program("dovecot"), "-c", str(self.config), "-F"],
                                            stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited with {self.process.returncode} at start\n{self.diagnostics()}")
            try:
                self.connect().logout()
                return self
            except OSError:
                if time.monotonic() >= deadline:
                    failure = f"dovecot did not greet on 127.0.0.1:{self.port} within {START_TIMEOUT}s"
                    self.process.kill()  # ours, by PID; no __exit__ runs when __enter__ fails
                    self.process.wait()
                    raise RuntimeError(f"{failure}\n{self.diagnostics()}")
                time.sleep(0.05)

    def stop(self):
        """SIGTERM to the master by PID; it stops its children and exits. SIGKILL (and a
        failure) only if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"dovecot did not exit within {STOP_TIMEOUT}s of SIGTERM\n{self.diagnostics()}")

    def imap_sessions(self) -> list[int]:
        """The PIDs of the `imap` processes serving logged-in clients (children of this
        Dovecot's master only)."""
        if self.process is None:
            return []
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{entry}/comm") as comm:
                    name = comm.read().strip()
            except OSError:
                continue  # ended while we looked
            if int(fields[1]) == self.process.pid and name == "imap":
                found.append(int(entry))
        return found

    def renumber(self, folder: str, uid_validity: int):
        """Gives `folder` a new UIDVALIDITY (`doveadm mailbox update`), as a server whose
        mailbox was rebuilt or restored would: every UID a client kept means nothing now."""
        result = subprocess.run([program("doveadm"), "-c", str(self.config), "mailbox", "update", "-u", self.USER,
                                 "--uid-validity", str(uid_validity), folder], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"doveadm mailbox update exited with {result.returncode}\n{result.stderr}")

    def drop_sessions(self) -> int:
        """SIGKILLs every `imap` session process (a server that drops its clients
        mid-IDLE); returns how many there were."""
        pids = self.imap_sessions()
        for pid in pids:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        return len(pids)

    def freeze_sessions(self) -> int:
        """SIGSTOPs every `imap` session process: a server that still holds the connection
        (the kernel acknowledges, the TLS proxy stays) but never answers a command.
        `thaw_sessions` undoes it; returns how many there were."""
        pids = self.imap_sessions()
        for pid in pids:
            os.kill(pid, 19)  # SIGSTOP
        self.frozen = pids
        return len(pids)

    def thaw_sessions(self):
        for pid in getattr(self, "frozen", []):
            try:
                os.kill(pid, 18)  # SIGCONT
            except ProcessLookupError:
                pass
        self.frozen = []

    def __enter__(self) -> "Dovecot":
        return self.start()

    def __exit__(self, *exc):
        self.thaw_sessions()
        self.stop()

    def diagnostics(self) -> str:
        """Dovecot's log and its own stderr, for a failed test's report."""
        parts = []
        for path in (self.log_path, self.root / "dovecot.stderr"):
            text = path.read_text(errors="replace") if path.exists() else "(none)"
            parts.append(f"--- {path.name} ---\n{text}")
        return "\n".join(parts)

    # -- IMAP ------------------------------------------------------------------------

    def connect(self) -> imaplib.IMAP4_SSL:
        """An IMAP connection over TLS that trusts only the throwaway certificate."""
        context = ssl.create_default_context(cafile=str(self.cert))
        return imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=30)

    def append(self, folder: str, message: str, flags: str | None = None):
        """APPENDs one RFC 5322 message to `folder` (INBOX or Sent: both exist from the
        start) as the user; `flags` like "(\\Seen)". imaplib turns bare line feeds into
        CRLF, as IMAP wants."""
        imap = self.connect()
        try:
            imap.login(self.USER, self.PASSWORD)
            status, answer = imap.append(folder, flags, None, message.encode())
            if status != "OK":
                raise RuntimeError(f"APPEND to {folder} refused: {answer}")
        finally:
            imap.logout()

    def mark_all_seen(self, folder: str):
        """Sets \\Seen on every message of `folder` (as reading them in a mail client
        would): mbsync then renames the local copies from new/ to cur/ with the S flag."""
        imap = self.connect()
        try:
            imap.login(self.USER, self.PASSWORD)
            imap.select(folder)
            imap.store("1:*", "+FLAGS", "\\Seen")
        finally:
            imap.logout()


class Mbsync:
    """mbsync with its own mbsyncrc: the Dovecot account's INBOX and Sent synced into a
    local Maildir (`maildir`/INBOX and `maildir`/Sent), sync state beside the rc."""

    def __init__(self, root: Path, dovecot: Dovecot, maildir: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.rc = self.root / "mbsyncrc"
        (self.root / "state").mkdir(exist_ok=True)
        Path(maildir).mkdir(parents=True, exist_ok=True)  # mbsync creates folders, not the store
        self.rc.write_text(f"""\
# Written by Tests/harness/mail_servers.py.
IMAPAccount dovecot
Host 127.0.0.1
Port {dovecot.port}
User {dovecot.USER}
Pass {dovecot.PASSWORD}
SSLType IMAPS
SystemCertificates no
CertificateFile {dovecot.cert}

IMAPStore remote
Account dovecot

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel mail
Far :remote:
Near :local:
Patterns INBOX Sent
Create Near
SyncState {self.root}/state/
""")

    def sync(self) -> subprocess.CompletedProcess:
        """`mbsync -a` once; fails with mbsync's output when it does."""
        result = subprocess.run([program("mbsync"), "-c", str(self.rc), "-a"], capture_output=True, text=True,
                                timeout=120, stdin=subprocess.DEVNULL, env={**os.environ, "HOME": str(self.root)})
        if result.returncode != 0:
            raise RuntimeError(f"mbsync -a exited with {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result
