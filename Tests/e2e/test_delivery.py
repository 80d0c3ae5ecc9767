"""Delivery end to end (issue #5): the real relanced sends fired reminders to a real
SMTP server on loopback (aiosmtpd, STARTTLS + AUTH, Tests/channels/smtp_server.py), to
msmtp as the sendmail command, and to a notification server on a private dbus-daemon
(Tests/channels/notification_server.py), and survives them being down, hung or gone."""

import base64
import re
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import wait_until

REPO = Path(__file__).resolve().parents[2]
SMTP_SERVER = REPO / "Tests/channels/smtp_server.py"
NOTIFICATION_SERVER = REPO / "Tests/channels/notification_server.py"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout, what):
    return wait_until(predicate, timeout, interval=0.05, what=what)


class SMTPServer:
    """smtp_server.py in a directory of its own; stopped by PID."""

    def __init__(self, directory, mode="starttls", port=0):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["python3", str(SMTP_SERVER), "--dir", str(self.directory), "--mode", mode, "--port", str(port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        ready = json.loads(self.process.stdout.readline())
        self.port, self.cert, self.sink = ready["port"], ready["cert"], Path(ready["sink"])

    def messages(self):
        if not self.sink.exists():
            return []
        return [json.loads(p.read_text()) for p in sorted(self.sink.glob("*.json"))]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def smtp_dir(tmp_path):
    return tmp_path / "smtp"


def mail_config(daemon, port, cert, password="secret", extra=""):
    password_file = daemon.root / "smtp-password"
    password_file.write_text(password)
    os.chmod(password_file, 0o600)
    return f"""
[desktop]
enabled = false
[mail]
transport = "smtp"
url = "smtp://127.0.0.1:{port}"
username = "relance"
password_file = "{password_file}"
ca_file = "{cert}"
from = "Relance <relance@example.com>"
to = ["me@example.com"]
{extra}
"""


def mail_a_follow_up(daemon, server):
    """Starts `daemon` mailing through `server`, logs an outreach whose follow-up is
    due in a second, and returns its mail."""
    daemon.config.write_text(mail_config(daemon, server.port, server.cert))
    daemon.start()
    daemon.ctl("contact", "add", "Émilie du Châtelet")
    daemon.ctl("outreach", "log", "emilie", "--ask", "a 20-minute coffee chat", "--follow-up", "PT1S")
    return wait_for(server.messages, 20, "the mail")[0]


def sent_item(daemon):
    """The first inbox item whose first delivery is recorded as sent (waits for it)."""
    return wait_for(lambda: [i for i in daemon.ctl("inbox", "--json").json()["items"] if i["deliveries"]
                             and i["deliveries"][0]["state"] == "sent"], 10, "the delivery recorded")[0]


def test_a_fired_follow_up_arrives_by_mail_with_correct_headers(stopped_daemon, smtp_dir):
    server = SMTPServer(smtp_dir)
    try:
        daemon = stopped_daemon
        mail = mail_a_follow_up(daemon, server)
        headers = mail["headers"]
        assert headers["Subject"] == "Follow up with Émilie du Châtelet"
        assert mail["body"].startswith("You asked for a 20-minute coffee chat on ")
        assert headers["From"] == "Relance <relance@example.com>"
        assert headers["To"] == "me@example.com"
        # Globally unique: the store's random namespace, then the item.
        assert re.match(r"<relance\.[0-9a-f]{16}\.inbox-1\.mail@", headers["Message-ID"]), headers["Message-ID"]
        assert headers["Date"]
        raw = base64.b64decode(mail["raw_base64"])
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
        assert mail["tls"] is True and mail["auth_user"] == "relance"
        assert "relancectl done 1" in mail["body"]
        # It says which number is which, and names no internal kind.
        assert "They replied? relancectl reply 1 --replied (outreach #1)." in mail["body"]
        assert "A Relance follow-up reminder, due " in mail["body"] and "follow_up" not in mail["body"]
        item = sent_item(daemon)
        assert item["deliveries"][0]["channel"] == "mail"
        assert daemon.ctl("status", "--json").json()["channels"] == [{"name": "mail", "available": True}]
    finally:
        server.stop()


def test_a_snoozed_item_comes_back_as_a_new_mail_that_refers_to_the_first(stopped_daemon, smtp_dir):
    server = SMTPServer(smtp_dir)
    try:
        daemon = stopped_daemon
        headers = mail_a_follow_up(daemon, server)["headers"]
        daemon.ctl("snooze", "1", "PT1S")
        again = wait_for(lambda: server.messages()[1:], 20, "the mail of the comeback")[0]["headers"]
        assert again["Message-ID"] != headers["Message-ID"]
        assert again["Message-ID"].startswith(headers["Message-ID"].split(".mail@")[0] + ".r-")
        assert again["References"] == headers["Message-ID"]
        item = sent_item(daemon)
        assert item["deliveries"][0]["channel"] == "mail"
    finally:
        server.stop()


def test_a_wrong_password_is_reported_on_the_item_and_in_status(stopped_daemon, smtp_dir):
    server = SMTPServer(smtp_dir)
    try:
        daemon = stopped_daemon
        daemon.config.write_text(mail_config(daemon, server.port, server.cert, password="wrong"))
        daemon.start()
        daemon.ctl("remind", "in 1s", "Call the bakery")
        item = wait_for(lambda: [i for i in daemon.ctl("inbox", "--json").json()["items"]
                                 if i["deliveries"] and i["deliveries"][0]["attempts"] >= 1], 20, "a failed attempt")[0]
        delivery = item["deliveries"][0]
        assert delivery["state"] == "pending" and "auth" in delivery["lastError"].lower()
        status = daemon.ctl("status", "--json").json()["channels"][0]
        assert status["available"] is False
        assert server.messages() == []
    finally:
        server.stop()


def test_smtp_down_then_up_delivers_exactly_once(stopped_daemon, smtp_dir):
    port = free_port()
    daemon = stopped_daemon
    cert = smtp_dir / "cert.pem"  # the server writes it here when it starts
    daemon.config.write_text(mail_config(daemon, port, cert))
    daemon.start()
    daemon.ctl("remind", "in 1s", "Call the bakery")
    wait_for(lambda: [i for i in daemon.ctl("inbox", "--json").json()["items"]
                      if i["deliveries"] and i["deliveries"][0]["attempts"] >= 1], 20, "a failed attempt")

    server = SMTPServer(smtp_dir, port=port)
    try:
        wait_for(server.messages, 30, "the retried mail")
        time.sleep(6)  # longer than the first back-off: a duplicate would have come by now
        assert len(server.messages()) == 1
        assert daemon.ctl("inbox", "--json").json()["items"][0]["deliveries"][0]["state"] == "sent"
    finally:
        server.stop()


def test_a_hung_smtp_server_times_out_and_the_scheduler_keeps_firing(stopped_daemon, smtp_dir):
    server = SMTPServer(smtp_dir, mode="stall")
    try:
        daemon = stopped_daemon
        daemon.config.write_text(mail_config(daemon, server.port, server.cert, extra='timeout = "PT3S"'))
        daemon.start()
        daemon.ctl("remind", "in 1s", "First")
        daemon.ctl("remind", "in 2s", "Second")
        # Both fire on time while the first mail hangs.
        wait_for(lambda: len(daemon.ctl("inbox", "--json").json()["items"]) == 2, 10, "both reminders fired")
        item = wait_for(lambda: [i for i in daemon.ctl("inbox", "--json").json()["items"]
                                 if i["deliveries"] and i["deliveries"][0]["attempts"] >= 1], 20, "a timed-out attempt")[0]
        assert "time" in item["deliveries"][0]["lastError"].lower()
    finally:
        server.stop()


def test_kill_9_between_firing_and_delivery_delivers_once_after_restart(stopped_daemon, smtp_dir):
    port = free_port()
    daemon = stopped_daemon
    daemon.config.write_text(mail_config(daemon, port, smtp_dir / "cert.pem"))
    daemon.start()
    daemon.ctl("remind", "in 1s", "Call the bakery")
    wait_for(lambda: daemon.ctl("inbox", "--json").json()["items"], 10, "the reminder fired")
    daemon.kill()  # fired and committed, not delivered (no server yet)

    server = SMTPServer(smtp_dir, port=port)
    try:
        daemon.start()
        mail = wait_for(server.messages, 20, "the mail after restart")[0]
        assert re.match(r"<relance\.[0-9a-f]{16}\.inbox-1\.mail@", mail["headers"]["Message-ID"])
        daemon.restart()
        time.sleep(2)
        assert len(server.messages()) == 1
        assert len(daemon.ctl("inbox", "--all", "--json").json()["items"]) == 1
    finally:
        server.stop()


def start_mailing_through_msmtp(daemon, server):
    """Starts `daemon` mailing with msmtp as its sendmail, through `server`."""
    msmtprc = daemon.root / "msmtprc"
    msmtprc.write_text(f"""account default
host 127.0.0.1
port {server.port}
tls on
tls_starttls on
tls_trust_file {server.cert}
auth on
user relance
password secret
from relance@example.com
""")
    os.chmod(msmtprc, 0o600)
    msmtp = shutil.which("msmtp")
    daemon.config.write_text(f"""
[desktop]
enabled = false
[mail]
transport = "sendmail"
sendmail = ["{msmtp}", "-C", "{msmtprc}", "-t", "-i"]
from = "Relance <relance@example.com>"
to = ["me@example.com"]
""")
    daemon.start()


def test_the_sendmail_path_through_msmtp(stopped_daemon, smtp_dir):
    server = SMTPServer(smtp_dir)
    try:
        daemon = stopped_daemon
        start_mailing_through_msmtp(daemon, server)
        daemon.ctl("remind", "in 1s", "Call the bakery")
        mail = wait_for(server.messages, 20, "the mail via msmtp")[0]
        assert mail["headers"]["Subject"] == "Call the bakery"
    finally:
        server.stop()


def test_a_test_notification_goes_through_msmtp(stopped_daemon, smtp_dir):
    server = SMTPServer(smtp_dir)
    try:
        daemon = stopped_daemon
        start_mailing_through_msmtp(daemon, server)
        assert daemon.ctl("test-notify", "--channel", "mail").code == 0
        wait_for(lambda: len(server.messages()) == 1, 10, "the test mail")
    finally:
        server.stop()


# -- desktop ---------------------------------------------------------------------------------


class SessionBus:
    """A private dbus-daemon and the recording notification server on it."""

    def __init__(self, directory, address=None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.address = address or f"unix:path={self.directory}/bus"
        self.bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1",
                                     f"--address={self.address}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.bus.stdout.readline()
        self.server = subprocess.Popen(["/usr/bin/python3", str(NOTIFICATION_SERVER), "--address", self.address],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert json.loads(self.server.stdout.readline())["event"] == "ready"

    def next_event(self):
        return json.loads(self.server.stdout.readline())

    def command(self, line):
        self.server.stdin.write((line + "\n").encode())
        self.server.stdin.flush()

    def stop(self):
        for process in (self.server, self.bus):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def desktop_config(daemon, address):
    daemon.env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon.config.write_text("[desktop]\nenabled = true\n")


@pytest.mark.personal_only("backup: the closed popup is read from the personal store's snapshot (a team database is backed up as a database)")
def test_a_popup_with_actions_and_done_from_the_desktop_marks_the_item_done(stopped_daemon, tmp_path):
    bus = SessionBus(tmp_path / "bus")
    try:
        daemon = stopped_daemon
        desktop_config(daemon, bus.address)
        daemon.start()
        daemon.ctl("contact", "add", "Ada Lovelace")
        daemon.ctl("outreach", "log", "ada", "--ask", "a 20-minute coffee chat", "--follow-up", "PT1S")

        notify = bus.next_event()
        while notify.get("event") != "notify":
            notify = bus.next_event()
        assert notify["app_name"] == "Relance"
        assert notify["summary"] == "Follow up with Ada Lovelace"
        assert notify["body"].startswith("You asked for a 20-minute coffee chat")
        assert notify["actions"][::2] == ["done", "snooze", "open"]
        assert notify["hints"]["desktop-entry"] == "relance"

        bus.command(f"action {notify['id']} done")
        item = wait_for(lambda: [i for i in daemon.ctl("inbox", "--all", "--json").json()["items"] if i["state"] == "done"],
                        1.5, "the item marked done from the desktop")[0]
        assert item["kind"] == "follow_up"

        # Closing the popup is recorded with the delivery.
        bus.command(f"close {notify['id']} 2")
        def closed():
            snapshot = json.loads(daemon.ctl("backup", "-").stdout)
            return [a for a in snapshot["tables"]["deliveryAttempt"] if (a["detail"] or "").startswith("popup closed")]
        assert "dismissed" in wait_for(closed, 5, "the close recorded")[0]["detail"]
    finally:
        bus.stop()


def test_done_from_the_cli_withdraws_the_popup(stopped_daemon, tmp_path):
    # Given a popup on a real session bus for a fired reminder
    bus = SessionBus(tmp_path / "bus")
    try:
        daemon = stopped_daemon
        desktop_config(daemon, bus.address)
        daemon.start()
        reminder = daemon.ctl("remind", "in 1s", "Call the bakery", "--json").json()["reminder"]
        notify = bus.next_event()
        while notify.get("event") != "notify":
            notify = bus.next_event()
        item = wait_for(lambda: [i for i in daemon.ctl("inbox", "--json").json()["items"]
                                 if i["reminderId"] == reminder["id"] and i["deliveries"]
                                 and i["deliveries"][0]["state"] == "sent"], 5, "the popup recorded as sent")[0]

        # When the item is marked done in the CLI
        daemon.ctl("done", str(item["id"]))

        # Then the notification server is asked to close that popup
        closed = bus.next_event()
        while closed.get("event") != "close_requested":
            closed = bus.next_event()
        assert closed["id"] == notify["id"]
    finally:
        bus.stop()


def test_no_bus_then_a_bus_delivers_once_it_is_there(stopped_daemon, tmp_path):
    address = f"unix:path={tmp_path}/later-bus"
    daemon = stopped_daemon
    desktop_config(daemon, address)
    daemon.start()
    status = daemon.ctl("status", "--json").json()["channels"][0]
    assert status["name"] == "desktop" and status["available"] is False
    daemon.ctl("remind", "in 1s", "Call the bakery")
    wait_for(lambda: [i for i in daemon.ctl("inbox", "--json").json()["items"]
                      if i["deliveries"] and i["deliveries"][0]["attempts"] >= 1], 20, "a failed attempt")

    bus = SessionBus(tmp_path / "bus", address=address)
    try:
        notify = bus.next_event()
        while notify.get("event") != "notify":
            notify = bus.next_event()
        assert notify["summary"] == "Call the bakery"
        wait_for(lambda: daemon.ctl("status", "--json").json()["channels"][0]["available"], 10, "desktop available")
    finally:
        bus.stop()


@pytest.mark.personal_only("daily digest: a team node digests each team user's items to their own address, not [mail] to "
                            "(test_team_digest.py)")
def test_the_daily_digest_groups_everything_unread_in_one_mail(stopped_daemon, smtp_dir):
    daemon = stopped_daemon
    # Two reminders fire with no channel configured, and stay unread.
    daemon.config.write_text("[desktop]\nenabled = false\n")
    daemon.start()
    daemon.ctl("contact", "add", "Ada Lovelace")
    daemon.ctl("outreach", "log", "ada", "--ask", "a 20-minute coffee chat", "--follow-up", "PT1S")
    daemon.ctl("remind", "in 1s", "Call the bakery")
    wait_for(lambda: len(daemon.ctl("inbox", "--json").json()["items"]) == 2, 10, "two unread items")
    daemon.stop()

    # With a digest whose time has passed today, it goes out when the daemon starts.
    server = SMTPServer(smtp_dir)
    try:
        daemon.config.write_text(mail_config(daemon, server.port, server.cert,
                                             extra='mode = "digest"\ndigest_time = "00:00"'))
        daemon.start()
        mail = wait_for(server.messages, 20, "the digest")[0]
        assert mail["headers"]["Subject"] == "Relance: 2 reminders waiting"
        body = mail["body"]
        assert "Follow-ups due:" in body and "Follow up with Ada Lovelace" in body
        assert "Your reminders:" in body and "Call the bakery" in body
        # Once a day: a restart does not send it again.
        daemon.restart()
        time.sleep(2)
        assert len(server.messages()) == 1
    finally:
        server.stop()
