"""End-to-end harness: the real `relanced` on a temporary socket and database.

Run from the repository root (binaries from `swift build`, or point RELANCE_BIN_DIR
at another build directory):

    python3 -m pytest -q -p no:cacheprovider Tests/e2e

Every test gets its own daemon in its own temporary directory. HOME and every XDG_*
variable point into that directory, and the daemon and the CLI run with a clean
environment, so nothing reads or touches the real home, a running user's daemon, or a
systemd NOTIFY_SOCKET. Processes are stopped by PID, never by name. Set
RELANCE_E2E_KEEP=1 to keep the temporary directories for a post-mortem.

The same suite runs against the team store (issue #16: the two stores cannot drift):

    RELANCE_E2E_STORE=team python3 -m pytest -q -p no:cacheprovider Tests/e2e -m "not personal_only"

Then every daemon a test starts is a team node on one real PostgreSQL 15 for the
session (Tests/harness/postgres-server), each daemon on a database of its own, created
for it and dropped after the test; its config gets `[store] url`/`node` and
`[team.users] me = <the test's uid>` whatever the test writes into it. A test that needs
what a team node does not serve yet is marked `@pytest.mark.personal_only("why")` and
skipped there, saying why.
"""

import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("RELANCE_BIN_DIR", REPO / ".build" / "debug"))
IDL_PATH = REPO / "Sources" / "RelanceAPI" / "io.relance.Control.varlink"

#: Seconds to wait for the daemon to answer after start, and to exit after a signal. Generous
#: because a debug build on a 2-core machine that is also compiling can be slow to start.
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

#: "personal" (SQLite, the default) or "team" (every daemon a team node on PostgreSQL).
STORE = os.environ.get("RELANCE_E2E_STORE", "personal")
if STORE not in ("personal", "team"):
    raise RuntimeError(f"RELANCE_E2E_STORE={STORE!r}: use personal (the default) or team")
TEAM_MODE = STORE == "team"
POSTGRES_HARNESS = REPO / "Tests" / "harness" / "postgres-server"


# ---------------------------------------------------------------------------------------
# Small helpers shared by every test (exposed as static methods on Daemon, so test files
# import nothing from here).
# ---------------------------------------------------------------------------------------


def wait_until(probe, timeout, interval=0.01, what="condition"):
    """Calls `probe` every `interval` seconds until it returns something truthy, and
    returns that. Fails with the last value seen when `timeout` seconds pass. Polling
    with a deadline instead of a fixed sleep keeps the suite fast and still tolerant of a
    loaded machine."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


def parse_instant(text):
    """Seconds since the epoch (UTC) of a protocol instant like 2026-12-01T09:00:00.000Z."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def format_instant(seconds):
    """The protocol form of `seconds` since the epoch: ISO 8601, UTC, milliseconds."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class VarlinkWire:
    """A raw Varlink connection: JSON objects terminated by NUL, byte for byte, so tests
    can send what no well-behaved client library would (garbage, huge frames, missing
    parameters) and see exactly what comes back."""

    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buffer = b""

    def send_bytes(self, data):
        self.sock.sendall(data)

    def send(self, message):
        self.sock.sendall(json.dumps(message).encode() + b"\0")

    def receive(self, timeout=None):
        """The next message as a dict; EOFError when the daemon closed the connection,
        socket.timeout when nothing came in time."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        while b"\0" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(f"connection closed; {len(self.buffer)} unterminated bytes pending")
            self.buffer += chunk
        frame, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(frame)

    def call(self, method, parameters=None, **flags):
        """Sends one call (`more=True`, `oneway=True` as flags) and returns the whole
        reply message: {"parameters": …} or {"error": …, "parameters": …}."""
        message = {"method": method}
        if parameters is not None:
            message["parameters"] = parameters
        message.update(flags)
        self.send(message)
        return self.receive()

    def closed_by_peer(self, timeout):
        """True when the daemon closes the connection within `timeout` seconds (what is
        still in flight is read and discarded); False when it stays open."""
        self.sock.settimeout(timeout)
        try:
            while self.sock.recv(65536):
                pass
            return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class VarlinkCallError(Exception):
    """A call answered with a Varlink error (from `Daemon.call`)."""

    def __init__(self, reply):
        super().__init__(f"{reply.get('error')} {reply.get('parameters')}")
        self.name = reply.get("error")
        self.parameters = reply.get("parameters", {})


class CtlResult:
    """What one `relancectl` run did."""

    def __init__(self, args, completed, seconds):
        self.args = args
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.seconds = seconds

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return f"relancectl {' '.join(self.args)} -> {self.code}\nstdout: {self.stdout}\nstderr: {self.stderr}"


class Child:
    """A long-running client process (relancectl watch, varlink call -m) whose stdout
    the test reads with deadlines."""

    def __init__(self, argv, env):
        self.argv = [str(a) for a in argv]
        self.process = subprocess.Popen(self.argv, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pending = b""
        self.result = None

    def read_until(self, complete, timeout):
        """Reads stdout until `complete(bytes)` returns an end offset (or None to keep
        reading); returns the bytes up to that offset, or None when `timeout` seconds
        pass or stdout closes first. Reads the raw descriptor, so a silent producer
        cannot block the test past its deadline."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while (end := complete(self.pending)) is None:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    return None
                self.pending += chunk
        taken, self.pending = self.pending[:end], self.pending[end:]
        return taken

    def read_line(self, timeout):
        """The next stdout line (without its newline), or None after `timeout` seconds."""
        line = self.read_until(lambda data: data.index(b"\n") + 1 if b"\n" in data else None, timeout)
        return None if line is None else line.decode().rstrip("\n")

    def stop(self):
        """SIGTERM by PID (SIGKILL if it lingers); returns the exit code and stderr."""
        if self.result is not None:
            return self.result
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        stderr = self.process.stderr.read().decode(errors="replace")
        self.process.stderr.close()
        self.result = (self.process.returncode, stderr)
        return self.result


# ---------------------------------------------------------------------------------------
# Team mode (RELANCE_E2E_STORE=team): one PostgreSQL for the session, a database per
# daemon, and the config of every daemon made a team node's.
# ---------------------------------------------------------------------------------------


class TeamServer:
    """The session's PostgreSQL 15 (Tests/harness/postgres-server); `new_database()`
    gives each daemon an empty database of its own (much faster than an initdb each),
    and `drop_created()` drops them after the test."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="relance-pg-e2e-"))
        subprocess.run([str(POSTGRES_HARNESS), "start", str(self.folder)], check=True, capture_output=True, text=True)
        self.count = 0
        self.created = []

    def psql(self, statement):
        run_as = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        subprocess.run([*run_as, "psql", "-h", str(self.folder), "-U", "postgres", "-d", "postgres", "-q",
                        "-v", "ON_ERROR_STOP=1", "-c", statement], check=True, capture_output=True, text=True)

    def new_database(self):
        self.count += 1
        name = f"e2e_{self.count}"
        self.psql(f"CREATE DATABASE {name} OWNER relance")
        self.created.append(name)
        return name, f"postgresql://relance@/{name}?host={self.folder}"

    def dump(self, name):
        """Every row of database `name`, as `pg_dump --data-only` writes it."""
        run_as = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        return subprocess.run([*run_as, "pg_dump", "--data-only", "-h", str(self.folder), "-U", "postgres", "-d", name],
                              check=True, capture_output=True, text=True, timeout=60).stdout

    def location(self, name, node):
        """How `Status` names database `name` (its `database` field)."""
        return f"postgresql://relance@{self.folder}/.s.PGSQL.5432/{name} (team node {node})"

    def drop_created(self):
        # FORCE: a node killed with -9 may leave its connections for a moment.
        for name in self.created:
            self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.created = []

    def stop(self):
        subprocess.run([str(POSTGRES_HARNESS), "stop", str(self.folder)], check=False)
        if os.environ.get("RELANCE_E2E_KEEP") != "1":
            shutil.rmtree(self.folder, ignore_errors=True)


#: The session's TeamServer in team mode (started by the `team_server` fixture).
TEAM_SERVER = None

TEAM_BEGIN = "# >>> e2e team store (added by Tests/e2e/conftest.py, RELANCE_E2E_STORE=team)"
TEAM_END = "# <<< e2e team store"


def without_team_sections(text):
    """`text` without what `with_team_sections` added (so a test that reads the config,
    appends to it and writes it back gets its own text back, plus the sections once)."""
    kept, inside = [], False
    for line in text.splitlines(keepends=True):
        if line.rstrip("\n") == TEAM_BEGIN:
            inside = True
        elif line.rstrip("\n") == TEAM_END:
            inside = False
        elif not inside:
            kept.append(line)
    return "".join(kept)


def with_team_sections(text, url, node):
    """The test's config plus `[store] url`/`node` and `[team.users] me = <uid>`. A
    file that is not TOML is left as it is: the daemon refuses it before any store."""
    text = without_team_sections(text)
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return text
    store_keys = f'url = "{url}"\nnode = "{node}"\n'
    users = f"[team.users]\nme = {os.getuid()}\n" if "team" not in parsed else ""
    if "store" in parsed:
        # The test's own [store] table: the keys go right under its header (a table
        # written otherwise, with dotted keys, is left as it is: no team store then).
        lines = text.splitlines(keepends=True)
        at = next((i for i, line in enumerate(lines) if line.split("#")[0].strip() == "[store]"), None)
        if at is not None:
            lines.insert(at + 1, f"{TEAM_BEGIN}\n{store_keys}{TEAM_END}\n")
            text = "".join(lines)
        store_keys = ""
    if text and not text.endswith("\n"):
        text += "\n"
    added = (f"[store]\n{store_keys}" if store_keys else "") + users
    return text + (f"{TEAM_BEGIN}\n{added}{TEAM_END}\n" if added else "")


class TeamConfigPath(type(Path())):
    """A daemon's config file in team mode: whatever a test writes into it gets the
    team store's sections (`with_team_sections`), so they survive every rewrite."""

    def write_text(self, data, *args, **kwargs):
        url, node = TEAM_CONFIGS[str(self)]
        return super().write_text(with_team_sections(data, url, node), *args, **kwargs)


#: config path -> (store URL, node name) of each team-mode daemon.
TEAM_CONFIGS = {}


class Daemon:
    """One `relanced` process (at a time) on a private socket, database and config.

    `start()` returns once the socket answers a Varlink call; `stop()` sends SIGTERM and
    asserts exit code 0; `kill()` is kill -9; `restart()` is stop + start on the same
    database. Every start writes stderr to its own log file; failed tests get all of them
    in their report.
    """

    wait_until = staticmethod(wait_until)
    parse_instant = staticmethod(parse_instant)
    format_instant = staticmethod(format_instant)
    CallError = VarlinkCallError

    def __init__(self, root, bin_dir=BIN_DIR):
        self.root = Path(root)
        self.relanced = Path(bin_dir) / "relanced"
        self.relancectl = Path(bin_dir) / "relancectl"
        self.socket = self.root / "ctl.sock"
        self.database = self.root / "db.sqlite"
        self.config = self.root / "config.toml"
        #: Where the daemon keeps its store, as `Status` names it (its `database`): the
        #: SQLite file, or in team mode (RELANCE_E2E_STORE=team) the team database.
        self.store_location = None
        #: In team mode, the name of the daemon's team database.
        self.team_database = None
        if TEAM_MODE:
            assert TEAM_SERVER is not None, "team mode: the team_server fixture starts PostgreSQL first"
            name, url = TEAM_SERVER.new_database()
            self.team_database = name
            self.store_location = TEAM_SERVER.location(name, "e2e")
            self.config = TeamConfigPath(self.config)
            TEAM_CONFIGS[str(self.config)] = (url, "e2e")
        self.home = self.root / "home"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.root / "xdg" / "config"),
            "XDG_STATE_HOME": str(self.root / "xdg" / "state"),
            "XDG_DATA_HOME": str(self.root / "xdg" / "data"),
            "XDG_CACHE_HOME": str(self.root / "xdg" / "cache"),
            "XDG_RUNTIME_DIR": str(self.root / "xdg" / "runtime"),
            "LANG": "C.UTF-8",
            # Human output shows local times; UTC keeps it the same on every machine.
            "TZ": "UTC",
        }
        if "LD_LIBRARY_PATH" in os.environ:
            self.env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
        self.home.mkdir(parents=True, exist_ok=True)
        self.process = None
        self.logs = []
        self.children = []  # helper processes a test started (watch clients), stopped at teardown

    # -- lifecycle -------------------------------------------------------------------

    @property
    def pid(self):
        return self.process.pid if self.process else None

    @property
    def team_node(self):
        """True in team mode: this daemon is a team node (RELANCE_E2E_STORE=team)."""
        return self.store_location is not None

    def store(self):
        """What `Status` says of where the store is (its `database` field)."""
        return self.store_location or str(self.database)

    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self, extra_args=(), wait=True, prefix=()):
        """Starts relanced and (by default) waits until it answers on its socket.

        An explicit --config must name an existing file (relanced exits 78 otherwise), so
        an empty file, meaning "all defaults", is written unless the test wrote one. Set
        `config = None` to pass no --config (relanced then reads the XDG default, which
        may be absent).
        """
        assert not self.running(), "relanced is already running"
        argv = [str(self.relanced), "--socket", str(self.socket), "--database", str(self.database)]
        if self.config is not None:
            if not self.config.exists():
                self.config.write_text("")
            argv += ["--config", str(self.config)]
        log = self.root / f"relanced.{len(self.logs) + 1}.log"
        self.logs.append(log)
        with open(log, "wb") as stderr:
            # `prefix`: e.g. nsenter into a private mount namespace (exec keeps the PID).
            self.process = subprocess.Popen([*prefix, *argv, *extra_args], env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=stderr, stderr=stderr, cwd=self.root)
        if wait:
            self.wait_ready()
            if self.team_node and self.config is not None:
                self.mail_me_where_the_config_says()
        return self

    def mail_me_where_the_config_says(self):
        """Team mode: a team user's reminders are mailed to the address they set
        (`relancectl me --mail`), not to `[mail] to`; so the test's `[mail] to` (its first
        address) becomes the address of the team user the test runs as."""
        try:
            to = tomllib.loads(self.config.read_text()).get("mail", {}).get("to")
        except (OSError, tomllib.TOMLDecodeError):
            return
        if isinstance(to, str):
            to = [to]
        if to:
            self.call("SetMyMail", mail=to[0])

    def wait_ready(self, timeout=START_TIMEOUT):
        """Waits until a GetInfo call on the socket is answered (a stale socket file from
        a killed daemon refuses connections, so it cannot fool this)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"relanced exited with {self.process.returncode} before answering\n{self.stderr()}")
            try:
                with VarlinkWire(self.socket, timeout=2) as wire:
                    if "parameters" in wire.call("org.varlink.service.GetInfo"):
                        return
            except (OSError, EOFError, ValueError):
                pass
            if time.monotonic() >= deadline:
                raise AssertionError(f"relanced did not answer on {self.socket} within {timeout}s\n{self.stderr()}")
            time.sleep(0.01)

    def send_signal(self, number):
        """Sends `number` to the daemon we started (by PID)."""
        os.kill(self.process.pid, number)

    def stop(self, number=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Asks the daemon to stop and asserts it exits 0 within `timeout` seconds."""
        self.send_signal(number)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"relanced did not exit within {timeout}s of signal {number}\n{self.stderr()}")
        assert code == 0, f"relanced exited with {code} after signal {number}\n{self.stderr()}"
        return code

    def kill(self):
        """kill -9: no chance to clean up, as in a power cut."""
        self.process.kill()
        return self.process.wait(timeout=STOP_TIMEOUT)

    def restart(self):
        self.stop()
        return self.start()

    def stderr(self):
        """Everything every start of the daemon wrote, for failure messages."""
        parts = []
        for log in self.logs:
            text = log.read_text(errors="replace") if log.exists() else "(missing)"
            parts.append(f"--- {log.name} ---\n{text}")
        return "\n".join(parts)

    # -- clients ---------------------------------------------------------------------

    def ctl(self, *args, check=True, socket_path=None, timeout=15):
        """Runs `relancectl ARGS --socket SOCKET` and returns a CtlResult. The socket
        option goes last: it belongs to each subcommand, not to relancectl itself.
        With check=True a non-zero exit fails the test with both outputs."""
        argv = [str(self.relancectl), *args, "--socket", str(socket_path or self.socket)]
        return self.run_ctl(argv, check=check, timeout=timeout)

    def ctl_bare(self, *args, check=False, timeout=15):
        """Runs relancectl without --socket (it then uses the XDG default, inside root)."""
        return self.run_ctl([str(self.relancectl), *args], check=check, timeout=timeout)

    def run_ctl(self, argv, check, timeout):
        began = time.monotonic()
        completed = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout,
                                   stdin=subprocess.DEVNULL)
        result = CtlResult([str(a) for a in argv[1:]], completed, time.monotonic() - began)
        if check and result.code != 0:
            raise AssertionError(f"{result!r}\n{self.stderr()}")
        return result

    def spawn(self, argv, **extra_env):
        """Starts a long-running client (a watcher) with the daemon's environment (plus
        `extra_env`); stopped at teardown."""
        child = Child(argv, {**self.env, **extra_env})
        self.children.append(child)
        return child

    def connect(self, timeout=5.0):
        return VarlinkWire(self.socket, timeout=timeout)

    def call(self, method, **parameters):
        """One call on a fresh connection; returns the reply parameters or raises
        VarlinkCallError. `method` may omit the `io.relance.Control.` prefix."""
        if "." not in method:
            method = "io.relance.Control." + method
        with self.connect() as wire:
            reply = wire.call(method, parameters)
        if reply.get("error"):
            raise VarlinkCallError(reply)
        return reply.get("parameters", {})

    def stored_text(self):
        """Everything the store holds, as text (to check what is never kept): the
        personal daemon's `Backup`, or in team mode a dump of its team database."""
        if self.team_database is not None:
            return TEAM_SERVER.dump(self.team_database)
        return str(self.call("Backup"))

    def snapshot(self):
        """Everything a client can see of the store, read on a fresh connection (a
        "second client"): equal before and after means nothing was written."""
        with self.connect() as wire:
            seen = {}
            for method, parameters in [
                ("Status", {}), ("ListContacts", {}), ("ListOutreach", {}),
                ("Upcoming", {"limit": 1000}), ("Inbox", {"filter": "all", "limit": 1000}),
            ]:
                reply = wire.call("io.relance.Control." + method, parameters)
                assert "error" not in reply, reply
                seen[method] = reply["parameters"]
            return seen

    # -- teardown --------------------------------------------------------------------

    def cleanup(self):
        """Stops what this test started, by PID: helper clients first, then the daemon
        (SIGTERM, and it must still exit 0: every test checks a clean shutdown)."""
        for child in self.children:
            child.stop()
        if self.running():
            self.stop()




# ---------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def team_server():
    """In team mode, the session's PostgreSQL (stopped at the end); else None."""
    global TEAM_SERVER
    if not TEAM_MODE:
        yield None
        return
    TEAM_SERVER = TeamServer()
    yield TEAM_SERVER
    TEAM_SERVER.stop()
    TEAM_SERVER = None


@pytest.fixture(autouse=True)
def team_databases(team_server):
    """Drops the databases this test's daemons used (after they stopped: an autouse
    fixture is set up first, so it is torn down last)."""
    yield
    if team_server is not None:
        team_server.drop_created()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "personal_only(reason): needs what a team node does not serve yet (or is about the personal "
        "store itself); skipped with RELANCE_E2E_STORE=team, saying why")


def pytest_collection_modifyitems(config, items):
    if not TEAM_MODE:
        return
    for item in items:
        marker = item.get_closest_marker("personal_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"personal store only: {reason}"))


@pytest.fixture(scope="session")
def bin_dir():
    """The build directory; the suite cannot run without both binaries."""
    missing = [name for name in ("relanced", "relancectl") if not (BIN_DIR / name).is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found in {BIN_DIR}: run `swift build` first, "
                    f"or set RELANCE_BIN_DIR to the directory holding the binaries", pytrace=False)
    return BIN_DIR


@pytest.fixture
def workdir():
    """A short private temporary directory. Not pytest's tmp_path: a Unix socket path
    must fit in 108 bytes, and tmp_path grows with the test's name."""
    path = Path(tempfile.mkdtemp(prefix="relance-e2e-"))
    yield path
    if os.environ.get("RELANCE_E2E_KEEP") != "1":
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def stopped_daemon(bin_dir, workdir):
    """A Daemon configured but not started (for tests that write a config or start it
    themselves)."""
    daemon = Daemon(workdir, bin_dir)
    yield daemon
    daemon.cleanup()


# Monday 30 November 2026, 12:00 in Paris (11:00 UTC); the clock runs on from there.
PARIS_NOW = "2026-11-30T11:00:00Z"

IN_PARIS = """
[user]
time_zone = "Europe/Paris"
[desktop]
enabled = false
"""


def start_in_paris(daemon):
    """Starts `daemon` for a user in Paris on a UTC host, no desktop channel, no colour,
    its clock set to PARIS_NOW."""
    daemon.env["RELANCE_TEST_NOW"] = PARIS_NOW
    daemon.env["NO_COLOR"] = "1"
    assert daemon.env["TZ"] == "UTC"
    daemon.config.write_text(IN_PARIS)
    return daemon.start()


@pytest.fixture
def paris(stopped_daemon):
    return start_in_paris(stopped_daemon)


@pytest.fixture
def daemon(stopped_daemon):
    """A running daemon on an empty database."""
    return stopped_daemon.start()


@pytest.fixture
def idl_text():
    return IDL_PATH.read_text()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attaches the daemon's stderr (every start), and Dovecot's log when the test ran one,
    to a failed test's report."""
    report = (yield).get_result()
    if not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    running = funcargs.get("daemon") or funcargs.get("stopped_daemon")
    if isinstance(running, Daemon) and running.logs:
        report.sections.append(("relanced stderr", running.stderr()))
    dovecot = funcargs.get("dovecot")  # Tests/harness/mail_servers.py
    if dovecot is not None and hasattr(dovecot, "diagnostics"):
        report.sections.append(("dovecot log", dovecot.diagnostics()))
