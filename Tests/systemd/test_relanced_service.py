"""relanced as a systemd user service, under a real `systemd --user` and journald.

Installed the way a user installs it (scripts/install, with the debug binaries), then
driven through the same doors: relancectl, systemctl --user, journalctl.
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("RELANCE_BIN_DIR", REPO / ".build/debug"))
SERVICE = "relanced.service"
SOCKET = "relanced.socket"

# Fixed MESSAGE_IDs (Sources/RelanceDaemon/MessageID.swift).
REMINDER_FIRED = "48e91f1dd54b467c9728d6f91fd641ed"
CATCH_UP = "1ab1771840a44ee08b3fa1567f05c4c0"
CONFIG_REJECTED = "a507f3e8bc4740c4abefd1648cca188e"


class Relance:
    """The installed relance in one sandbox: relancectl, config, drop-ins."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.home = sandbox.home
        self.ctl_path = self.home / ".local/bin/relancectl"
        self.config = self.home / ".config/relance/config.toml"
        self.state_dir = self.home / ".local/state/relance"
        self.dropin = sandbox.unit_dir / f"{SERVICE}.d/test.conf"

    def ctl(self, *args, check=True):
        result = self.sandbox.run([str(self.ctl_path), *args], check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"relancectl {' '.join(args)} exited {result.returncode}: {result.stderr}")
        return result

    def ctl_json(self, *args):
        return json.loads(self.ctl(*args, "--json").stdout)

    def write_config(self, text):
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text(text)

    def show(self, prop, unit=SERVICE):
        return self.sandbox.show(unit, prop)

    def wait_active(self, timeout=20):
        self.sandbox.wait_for(lambda: self.show("ActiveState") == "active", timeout, "relanced active")

    def fired_entries(self, message_id):
        return [e for e in self.sandbox.journal(SERVICE) if e.get("MESSAGE_ID") == message_id]

    def reset(self):
        """Stops the service and forgets its state, so each test starts from scratch."""
        self.sandbox.systemctl("stop", SERVICE, check=False)
        self.sandbox.systemctl("reset-failed", SERVICE, check=False)
        if self.dropin.exists():
            self.dropin.unlink()
            self.sandbox.systemctl("daemon-reload")
        if self.config.exists():
            self.config.unlink()
        for path in self.state_dir.glob("*"):
            if path.is_dir():
                shutil.rmtree(path)  # the snapshots the daemon keeps
            else:
                path.unlink()


@pytest.fixture(scope="module")
def installed(sandbox):
    """scripts/install for the sandbox's user, with the already-built binaries."""
    assert (BIN_DIR / "relanced").exists(), f"build first: no relanced in {BIN_DIR}"
    env = {**sandbox.env, "RELANCE_BIN_DIR": str(BIN_DIR)}
    result = subprocess.run([str(REPO / "scripts/install")], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return Relance(sandbox)


@pytest.fixture
def relance(installed):
    installed.reset()
    yield installed
    installed.reset()


def test_install_enables_the_socket_and_the_first_call_starts_the_daemon(relance):
    share = relance.home / ".local/share"
    assert "relancectl" in (share / "bash-completion/completions/relancectl").read_text()
    assert (share / "zsh/site-functions/_relancectl").read_text().startswith("#compdef relancectl")
    assert "complete -c 'relancectl'" in (share / "fish/vendor_completions.d/relancectl.fish").read_text()
    assert relance.show("ActiveState", SOCKET) == "active"
    assert relance.show("ActiveState") == "inactive"

    status = relance.ctl_json("status")

    assert status["pendingReminders"] == 0
    assert relance.show("ActiveState") == "active"
    assert relance.show("SubState") == "running"
    assert relance.sandbox.systemctl("is-active", SERVICE).stdout.strip() == "active"


def test_the_service_recreates_its_state_directory_after_it_was_deleted(relance):
    # Given a running service, and its state directory deleted ("start over")
    relance.ctl_json("status")
    relance.sandbox.systemctl("stop", SERVICE)
    import shutil
    shutil.rmtree(relance.state_dir)

    # When the next call starts it again (socket activation)
    status = relance.ctl_json("status")

    # Then it runs on a fresh store in a re-created private directory
    assert status["contacts"] == 0
    assert relance.show("ActiveState") == "active"
    assert (relance.state_dir / "relance.sqlite").exists()
    assert relance.state_dir.stat().st_mode & 0o777 == 0o700


def test_status_text_shows_pending_next_and_unread(relance):
    relance.ctl("contact", "add", "Ada Lovelace", "--email", "ada@example.com")
    relance.ctl("outreach", "log", "ada", "--ask", "a 20-minute coffee chat", "--follow-up", "PT1H")

    text = relance.sandbox.wait_for(
        lambda: (t := relance.show("StatusText")).startswith("1 pending") and t, 10, "StatusText update")

    assert "next: Follow up with Ada Lovelace at " in text
    assert text.endswith("0 unread")


def test_reload_applies_a_good_config_and_keeps_the_old_one_when_broken(relance):
    relance.ctl("contact", "add", "Ada Lovelace")
    relance.ctl("status")
    relance.write_config('[follow_up]\ndelay = "P3D"\n')

    relance.sandbox.systemctl("reload", SERVICE)
    relance.sandbox.wait_for(lambda: any("configuration reloaded" in e.get("MESSAGE", "")
                                         for e in relance.sandbox.journal(SERVICE)), 10, "reload logged")
    logged = relance.ctl_json("outreach", "log", "ada", "--ask", "advice")
    assert logged["followUp"]["dueAt"] > logged["outreach"]["sentAt"]
    delay = _seconds_between(logged["outreach"]["sentAt"], logged["followUp"]["dueAt"])
    assert abs(delay - 3 * 86400) < 3700  # three days (DST aside)

    relance.write_config('[follow_up]\ndelay = "three days"\n')
    relance.sandbox.systemctl("reload", SERVICE)
    rejected = relance.sandbox.wait_for(lambda: relance.fired_entries(CONFIG_REJECTED), 10, "rejection logged")
    assert "config.toml:2:" in rejected[-1]["MESSAGE"]
    assert relance.show("ActiveState") == "active"
    assert "configuration rejected" in relance.sandbox.wait_for(
        lambda: (t := relance.show("StatusText")).startswith("configuration rejected") and t, 10, "status says why")

    # The old configuration stays in force, and the Varlink Reload says why too.
    again = relance.ctl_json("outreach", "log", "ada", "--ask", "advice again")
    assert abs(_seconds_between(again["outreach"]["sentAt"], again["followUp"]["dueAt"]) - 3 * 86400) < 3700
    failed = relance.ctl("reload", check=False)
    assert failed.returncode != 0
    assert "config.toml:2:" in failed.stderr


def test_reload_with_a_changed_delivery_window_replans_pending_reminders(relance):
    relance.write_config('[user]\ntime_zone = "UTC"\n[follow_up]\nsteps = ["P3D"]\n')
    relance.ctl("contact", "add", "Ada Lovelace")
    # Sent Monday 7 Jan 2030 10:00 UTC: due Thursday 10 Jan 10:00, inside 09:00-18:00.
    before = relance.ctl_json("outreach", "log", "ada", "--ask", "advice", "--sent-at", "2030-01-07T10:00:00Z")["followUp"]
    assert before["fireAt"] == "2030-01-10T10:00:00.000Z"

    relance.write_config('[user]\ntime_zone = "UTC"\n[follow_up]\nsteps = ["P3D"]\n[window]\nhours = ["14:00-18:00"]\n')
    relance.sandbox.systemctl("reload", SERVICE)

    after = relance.sandbox.wait_for(
        lambda: (r := relance.ctl_json("upcoming")["reminders"][0])["fireAt"] != before["fireAt"] and r, 10, "re-plan")
    assert after["id"] == before["id"]
    assert after["fireAt"] == "2030-01-10T14:00:00.000Z"
    assert "delivery window" in after["reason"]


def test_fired_reminder_is_in_the_journal_with_relance_fields(relance):
    reminder = relance.ctl_json("remind", "in 1s", "Call the bakery")["reminder"]

    entries = relance.sandbox.wait_for(lambda: relance.fired_entries(REMINDER_FIRED), 10, "fired entry")

    entry = entries[-1]
    assert entry["MESSAGE"] == "reminder fired: Call the bakery"
    assert entry["RELANCE_REMINDER_ID"] == str(reminder["id"])
    assert entry["RELANCE_INBOX_ID"] == str(relance.ctl_json("inbox")["items"][0]["id"])
    assert entry["PRIORITY"] == "5"
    assert entry["SYSLOG_IDENTIFIER"] == "relanced"
    assert entry["CODE_FILE"].endswith("Daemon.swift")
    assert entry["CODE_FUNC"]
    assert entry["_SYSTEMD_USER_UNIT"] == SERVICE


def test_stop_is_clean_and_a_reminder_due_meanwhile_fires_once_on_the_next_call(relance):
    relance.ctl("remind", "in 2s", "Due while stopped")
    main_pid = relance.show("MainPID")

    relance.sandbox.systemctl("stop", SERVICE)

    assert relance.show("Result") == "success"
    assert relance.show("ExecMainStatus") == "0"
    assert any(e.get("MESSAGE") == "stopped" and e.get("_PID") == main_pid for e in relance.sandbox.journal(SERVICE))
    time.sleep(2.5)
    items = relance.ctl_json("inbox", "--all")["items"]  # socket activation starts it again
    assert [(i["text"], i["late"]) for i in items] == [("Due while stopped", True)]
    assert relance.fired_entries(CATCH_UP)
    relance.sandbox.systemctl("restart", SERVICE)
    assert len(relance.ctl_json("inbox", "--all")["items"]) == 1


def test_watchdog_restarts_a_wedged_daemon_and_its_reminders_still_fire_once(relance):
    flag = relance.state_dir / "wedge-once"
    relance.dropin.parent.mkdir(parents=True, exist_ok=True)
    relance.dropin.write_text(f"[Service]\nWatchdogSec=2s\nRestartSec=1s\n"
                              f"Environment=RELANCE_TEST_WEDGE_SCHEDULER_ONCE={flag}\n")
    relance.sandbox.systemctl("daemon-reload")
    relance.ctl("status")
    first_pid = relance.show("MainPID")
    relance.ctl("remind", "in 8s", "Survives the watchdog")
    flag.touch()
    relance.sandbox.systemctl("restart", SERVICE)  # the new process wedges itself once

    relance.sandbox.wait_for(lambda: int(relance.show("NRestarts")) >= 1, 20, "a watchdog restart")
    relance.wait_active()
    assert relance.show("MainPID") != first_pid
    assert any("Watchdog timeout" in e.get("MESSAGE", "") for e in relance.sandbox.journal(SERVICE))
    assert not flag.exists()

    items = relance.sandbox.wait_for(lambda: relance.ctl_json("inbox", "--all")["items"], 20, "the reminder")
    time.sleep(1)
    items = relance.ctl_json("inbox", "--all")["items"]
    assert [i["text"] for i in items] == ["Survives the watchdog"]


def test_user_units_verify_and_their_exposure_is_recorded(relance):
    units = [str(relance.sandbox.unit_dir / u) for u in (SERVICE, SOCKET)]
    verify = relance.sandbox.run(["systemd-analyze", "--user", "verify", *units], check=False)
    assert verify.returncode == 0, verify.stderr
    assert verify.stderr.strip() == "", verify.stderr

    security = relance.sandbox.run(["systemd-analyze", "--user", "security", SERVICE], check=False)
    exposure = [line for line in security.stdout.splitlines() if "Overall exposure level" in line]
    assert exposure, security.stdout + security.stderr
    print(exposure[0])


def test_system_units_verify_and_expose_at_most_2_0(tmp_path):
    service = (REPO / "systemd/system/relanced.service").read_text().replace("@BINDIR@", str(BIN_DIR))
    (tmp_path / SERVICE).write_text(service)
    (tmp_path / SOCKET).write_text((REPO / "systemd/system/relanced.socket").read_text())

    verify = subprocess.run(["systemd-analyze", "verify", str(tmp_path / SERVICE), str(tmp_path / SOCKET)],
                            capture_output=True, text=True)
    assert verify.returncode == 0 and verify.stderr.strip() == "", verify.stderr

    security = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=20", str(tmp_path / SERVICE)],
                              capture_output=True, text=True)
    assert security.returncode == 0, security.stdout[-2000:] + security.stderr
    print([line for line in security.stdout.splitlines() if "Overall exposure" in line][0])


def _seconds_between(start, end):
    from datetime import datetime
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()
