"""A private systemd user manager and journald for tests.

This follows DESIGN.md, "Real parts in tests: what works on these machines": systemd is
not PID 1 on our machines, yet as root, inside a private mount namespace, a test can run
its own journald and its own `systemd --user`, and drive real units (Type=notify,
WatchdogSec=, socket activation, the journal) through them.

    with SystemdSandbox() as sandbox:
        sandbox.install_unit("x.service", "...")
        sandbox.systemctl("start", "x.service")
        sandbox.journal("x.service")

Run the test process under Tests/harness/in-mount-namespace: the sandbox mounts over
/run/systemd, /run/log, /run/user and /etc/systemd/journald.conf, and those mounts must
stay invisible to the rest of the machine. Several sandboxes may run at once, each in its
own namespace (each its own run of the wrapper); within one namespace, one at a time.

Only Python's standard library is used, so any python3 can run it.
"""

from __future__ import annotations

import json
import os
import signal
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")

WRAPPER = Path(__file__).with_name("in-mount-namespace")
MOUNT_NS_ENV = "RELANCE_MOUNT_NS"

SYSTEMD = "/lib/systemd/systemd"
JOURNALD = "/lib/systemd/systemd-journald"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Not under /tmp: a unit with PrivateTmp=yes would not see its notify socket there.
RUNTIME_DIR = Path("/run/user/0")
JOURNAL_SOCKET = Path("/run/systemd/journal/socket")

# Volatile so nothing outlives the tmpfs; no rate limit so a chatty test loses nothing;
# no kmsg/syslog/wall so the sandbox neither reads nor writes the host's logs.
JOURNALD_CONF = """\
[Journal]
Storage=volatile
RateLimitBurst=0
ReadKMsg=no
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToWall=no
"""


class SandboxError(RuntimeError):
    """The sandbox could not start, a command in it failed, or clean-up was incomplete."""


def mount_namespace_problem() -> str | None:
    """Why this process may not mount a sandbox here, or None when it may."""
    if os.geteuid() != 0:
        return "needs root (mounts tmpfs and makes cgroups for a systemd sandbox)"
    if os.environ.get(MOUNT_NS_ENV) != os.readlink("/proc/self/ns/mnt"):
        return (
            "not inside the private mount namespace made by Tests/harness/in-mount-namespace; "
            f"its mounts would leak to the whole machine. Run: {WRAPPER} python3 -m pytest ..."
        )
    return None


def _cgroup_roots() -> list[Path]:
    """The hierarchies systemd tracks processes in: both on hybrid, one on pure v2.

    On hybrid (these machines) journald reads a sender's unit from the name=systemd v1
    hierarchy while the manager watches the unified one, so the manager must sit in the
    same place in both.
    """
    base = Path("/sys/fs/cgroup")
    if (base / "cgroup.controllers").exists():
        return [base]
    hybrid = [base / "systemd", base / "unified"]
    if all((root / "cgroup.procs").exists() for root in hybrid):
        return hybrid
    raise SandboxError(f"no cgroup v2 nor hybrid hierarchy under {base}")


def _run(args: list[str]) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True)


class SystemdSandbox:
    """journald + `systemd --user` in a fresh tmpfs world, stopped by PID on exit."""

    def __init__(self, start_timeout: float = 60.0) -> None:
        problem = mount_namespace_problem()
        if problem:
            raise SandboxError(problem)
        # No dashes: in unit names a dash means a parent slice.
        self.slice = f"relancetest{uuid.uuid4().hex[:12]}.slice"
        self.cgroups = [root / self.slice for root in _cgroup_roots()]
        self.start_timeout = start_timeout
        # Not under /tmp or /var/tmp: units with PrivateTmp=yes would see neither HOME
        # nor what is installed in it.
        self.tmp = Path(tempfile.mkdtemp(prefix="relance-sandbox-", dir="/run"))
        self.home = self.tmp / "home"
        self.runtime_dir = RUNTIME_DIR
        self.unit_dir = self.home / ".config/systemd/user"
        self.journald_log = self.tmp / "journald.log"
        self.manager_log = self.tmp / "manager.log"
        # The manager's whole environment (it passes it on to every unit).
        self._manager_env = {
            "PATH": PATH,
            "HOME": str(self.home),
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "LANG": "C.UTF-8",
        }
        # What a client run from the test needs (systemctl, relancectl, ...). systemctl
        # --user as root only needs XDG_RUNTIME_DIR: it talks to the manager through
        # $XDG_RUNTIME_DIR/systemd/private. sd-bus and libdbus also find the session bus
        # (socket-activated by the manager) from it, but jeepney needs the address.
        self.env = {
            **self._manager_env,
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={self.runtime_dir}/bus",
        }
        self._mounts: list[Path] = []
        self._journald: subprocess.Popen | None = None
        self._manager: subprocess.Popen | None = None

    # ---- context manager ----

    def __enter__(self) -> SystemdSandbox:
        try:
            self._start()
        except BaseException:
            self._report_failure()
            self.close()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._report_failure()
        self.close()

    # ---- start ----

    def _start(self) -> None:
        self._mount_run_dirs()
        self._start_journald()
        self._start_manager()

    def _mount(self, args: list[str], target: Path) -> None:
        _run(["mount", *args, str(target)])
        self._mounts.append(target)

    def _mount_run_dirs(self) -> None:
        targets = [Path("/run/systemd"), Path("/run/log"), Path("/run/user")]
        if Path("/var/log/journal").is_dir():
            targets.append(Path("/var/log/journal"))
        for target in targets:
            target.mkdir(exist_ok=True)
            self._mount(["-t", "tmpfs", "-o", "mode=0755,nosuid,nodev", "tmpfs"], target)
        # /run/systemd/system is what sd_booted() looks for.
        for directory in ["/run/systemd/system", "/run/systemd/journal", "/run/log/journal"]:
            Path(directory).mkdir(parents=True)
        self.runtime_dir.mkdir(mode=0o700)
        conf = self.tmp / "journald.conf"
        conf.write_text(JOURNALD_CONF)
        self._mount(["--bind", str(conf)], Path("/etc/systemd/journald.conf"))

    def _start_journald(self) -> None:
        with self.journald_log.open("wb") as log:
            self._journald = subprocess.Popen(
                [JOURNALD],
                env={"PATH": PATH, "SYSTEMD_LOG_TARGET": "console"},
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                # Out of the terminal's process group: a Ctrl-C must reach only pytest,
                # whose teardown then stops the manager before journald, in order.
                start_new_session=True,
            )
        self._wait_while_running(self._journald, "journald", JOURNAL_SOCKET.exists,
                                 "its socket")

    def _start_manager(self) -> None:
        user_service = Path("user-0.slice/user@0.service")
        for cgroup in self.cgroups:
            (cgroup / user_service).mkdir(parents=True)
        procs = " ".join(str(cgroup / user_service / "cgroup.procs") for cgroup in self.cgroups)
        self.home.mkdir()
        self.unit_dir.mkdir(parents=True)
        # The shell joins the cgroups, then becomes the manager: so the manager never
        # runs, even briefly, in the test's cgroup, and everything it starts is ours.
        move_then_exec = 'for procs in $SANDBOX_PROCS; do echo $$ >"$procs"; done; exec "$@"'
        # --log-target=journal: left to itself the manager picks the console (its stderr
        # is no journal stream) and says nothing there; in the journal its lines about a
        # unit ("Failed with result 'watchdog'") come out with journal(unit).
        command = ["env", "-i", *(f"{key}={value}" for key, value in self._manager_env.items()),
                   SYSTEMD, "--user", "--log-target=journal"]
        with self.manager_log.open("wb") as log:
            self._manager = subprocess.Popen(
                ["sh", "-c", move_then_exec, "sh", *command],
                env={"PATH": PATH, "SANDBOX_PROCS": procs},
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        private = self.runtime_dir / "systemd/private"
        self._wait_while_running(self._manager, "the user manager", private.exists,
                                 "its private socket")
        state = self.systemctl("is-system-running", "--wait", check=False,
                               timeout=self.start_timeout)
        # "degraded" only means some unit of the host's user preset failed; ours are fine.
        if state.stdout.strip() not in ("running", "degraded"):
            raise SandboxError(f"user manager did not come up: {state.stdout.strip()!r}")

    def _wait_while_running(self, process: subprocess.Popen, name: str,
                            ready: Callable[[], bool], what: str) -> None:
        def ready_or_dead() -> bool:
            if process.poll() is not None:
                raise SandboxError(f"{name} exited ({process.returncode}) "
                                   f"before {what} appeared")
            return ready()
        self.wait_for(ready_or_dead, self.start_timeout, f"{what} ({name})")

    # ---- driving the manager ----

    def systemctl(self, *args: str, check: bool = True,
                  timeout: float = 60.0) -> subprocess.CompletedProcess:
        """`systemctl --user ARGS` against this sandbox's manager."""
        return self.run(["systemctl", "--user", *args], check=check, timeout=timeout)

    def run(self, args: list[str], check: bool = True,
            timeout: float = 60.0) -> subprocess.CompletedProcess:
        """Runs a client command with the sandbox's environment; text output captured."""
        result = subprocess.run(args, env=self.env, capture_output=True, text=True,
                                timeout=timeout, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise SandboxError(f"{' '.join(args)} exited {result.returncode}\n"
                               f"stdout: {result.stdout}\nstderr: {result.stderr}")
        return result

    def install_unit(self, name: str, text: str) -> Path:
        """Writes a user unit and reloads the manager so it sees it."""
        path = self.unit_dir / name
        path.write_text(text)
        self.systemctl("daemon-reload")
        return path

    def show(self, unit: str, prop: str) -> str:
        """The value of one property, e.g. show("x.service", "StatusText")."""
        return self.systemctl("show", "--value", f"--property={prop}", unit).stdout.rstrip("\n")

    def journal(self, unit: str) -> list[dict]:
        """Journal entries of a user unit, as journalctl's JSON objects.

        As root `journalctl --user` shows nothing (it reads only per-user journal files,
        and journald keeps root's lines in the system one); --user-unit= matches the
        unit's own lines and the manager's lines about it.
        """
        return self._journalctl(f"--user-unit={unit}")

    def journal_match(self, **fields: str) -> list[dict]:
        """Journal entries whose fields equal all of the given ones (ANDed)."""
        return self._journalctl(*(f"{key}={value}" for key, value in fields.items()))

    def _journalctl(self, *matches: str) -> list[dict]:
        output = self.run(["journalctl", "--no-pager", "-o", "json", *matches]).stdout
        return [json.loads(line) for line in output.splitlines() if line]

    @staticmethod
    def wait_for(predicate: Callable[[], T], timeout: float = 10.0, what: str = "condition",
                 interval: float = 0.05) -> T:
        """Polls until predicate returns something truthy, and returns it."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(interval)

    # ---- diagnostics ----

    def diagnostics(self) -> str:
        """journald's and the manager's own output, then the journal's last lines."""
        parts = []
        for log in (self.journald_log, self.manager_log):
            if log.exists():
                text = log.read_text(errors="replace") or "(empty)\n"
                parts.append(f"--- {log.name} ---\n{text}")
        if self._journald is not None and self._journald.poll() is None:
            tail = self.run(["journalctl", "--no-pager", "-o", "short-monotonic", "-n", "200"],
                            check=False)
            parts.append(f"--- journal (last 200) ---\n{tail.stdout}{tail.stderr}")
        return "\n".join(parts)

    def _report_failure(self) -> None:
        # stderr, so pytest shows it with the failing test's captured output.
        print(self.diagnostics(), file=sys.stderr)

    # ---- clean-up (DESIGN.md step 7) ----

    def close(self) -> None:
        """Stops the manager, then journald, empties our cgroups, unmounts, deletes.

        Every step runs even if an earlier one failed; failures are raised together.
        """
        errors: list[str] = []
        # TERM makes the manager stop its units (exit.target) before it exits.
        for process, name in ((self._manager, "the user manager"), (self._journald, "journald")):
            if process is not None:
                errors += self._terminate(process, name)
        self._manager = self._journald = None
        for cgroup in self.cgroups:
            errors += self._remove_cgroup(cgroup)
        for target in reversed(self._mounts):
            try:
                _run(["umount", str(target)])
            except subprocess.CalledProcessError as error:
                errors.append(f"umount {target}: {error.stderr.strip()}")
        self._mounts.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if errors:
            raise SandboxError("incomplete clean-up:\n" + "\n".join(errors))

    @staticmethod
    def _terminate(process: subprocess.Popen, name: str, timeout: float = 30.0) -> list[str]:
        if process.poll() is not None:
            return []
        process.terminate()
        try:
            process.wait(timeout)
            return []
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return [f"{name} ignored SIGTERM for {timeout}s; killed"]

    @staticmethod
    def _remove_cgroup(cgroup: Path, timeout: float = 10.0) -> list[str]:
        """Kills what is left in this cgroup (only this one: sandboxes run side by side)
        and removes it, deepest first."""
        if not cgroup.exists():
            return []
        errors = []
        for directory, _, _ in os.walk(cgroup, topdown=False):
            procs = Path(directory) / "cgroup.procs"
            deadline = time.monotonic() + timeout
            while pids := procs.read_text().split():
                for pid in pids:
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                if time.monotonic() > deadline:
                    errors.append(f"{directory}: pids {pids} survived SIGKILL")
                    break
                time.sleep(0.05)
            else:
                try:
                    os.rmdir(directory)
                except OSError as error:
                    errors.append(f"rmdir {directory}: {error}")
        return errors
