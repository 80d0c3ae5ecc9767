"""Proves the systemd sandbox with no Relance binary: notify, watchdog, journal, sockets.

If these fail, fix the harness (or the machine) before reading any Relance test failure.
"""

import json
import socket
import sys
import uuid
from pathlib import Path

SERVICES = Path(__file__).resolve().parent / "services"
# The interpreter running the tests surely exists; the manager's PATH may not find it.
PYTHON = sys.executable


def notify_unit(token: str, extra: str = "") -> str:
    return f"""\
[Service]
Type=notify
ExecStart={PYTHON} {SERVICES / "notify_service.py"} {token}
{extra}
"""


def test_notify_ready_status_and_journal(sandbox):
    token = uuid.uuid4().hex
    sandbox.install_unit("selftest.service", notify_unit(token))
    sandbox.systemctl("start", "selftest.service")  # returns once READY=1 arrived

    assert sandbox.systemctl("is-active", "selftest.service").stdout.strip() == "active"
    assert sandbox.show("selftest.service", "StatusText") == "hello"

    def logged():
        return [entry for entry in sandbox.journal("selftest.service")
                if entry.get("SELFTEST_TOKEN") == token]
    [entry] = sandbox.wait_for(logged, 10, "the service's journal entry")
    assert entry["MESSAGE"] == "selftest says hello"
    assert entry["_SYSTEMD_USER_UNIT"] == "selftest.service"
    assert sandbox.journal_match(SELFTEST_TOKEN=token) == [entry]

    sandbox.systemctl("stop", "selftest.service")


def test_watchdog_fails_a_silent_service(sandbox):
    sandbox.install_unit("selftest-watchdog.service",
                         notify_unit(uuid.uuid4().hex, "WatchdogSec=2"))
    sandbox.systemctl("start", "selftest-watchdog.service")

    sandbox.wait_for(lambda: sandbox.show("selftest-watchdog.service", "Result") == "watchdog",
                     15, "Result=watchdog")
    assert sandbox.show("selftest-watchdog.service", "ActiveState") == "failed"
    sandbox.systemctl("reset-failed", "selftest-watchdog.service")


def test_socket_activation_with_named_fd(sandbox):
    sandbox.install_unit("selftest-echo.socket", """\
[Socket]
ListenStream=%t/selftest.sock
FileDescriptorName=varlink
""")
    sandbox.install_unit("selftest-echo.service", f"""\
[Service]
ExecStart={PYTHON} {SERVICES / "socket_service.py"}
""")
    sandbox.systemctl("start", "selftest-echo.socket")
    assert sandbox.show("selftest-echo.service", "ActiveState") == "inactive"

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(10)
        client.connect(str(sandbox.runtime_dir / "selftest.sock"))
        reply = json.loads(client.makefile().readline())

    assert reply == {"listen_pid_is_mine": True, "listen_fds": 1,
                     "listen_fdnames": ["varlink"]}
    sandbox.systemctl("stop", "selftest-echo.socket", "selftest-echo.service")
