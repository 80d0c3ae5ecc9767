"""What survives the daemon going away: reminders that come due while it is down fire
once at the next start (marked late), acknowledged writes survive kill -9, and a stop
signal is a clean exit."""

import socket
import subprocess
import signal
import time

import pytest


def remind_soon(daemon, seconds, text):
    """A reminder due `seconds` from now, set over Varlink; returns it and its due time."""
    at = daemon.format_instant(time.time() + seconds)
    reminder = daemon.call("Remind", at=at, text=text)["reminder"]
    return reminder, daemon.parse_instant(reminder["dueAt"])


def inbox_for(daemon, reminder_id):
    items = daemon.call("Inbox", filter="all", limit=1000)["items"]
    return [item for item in items if item["reminderId"] == reminder_id]


@pytest.mark.parametrize("how", ["sigterm", "kill -9"])
def test_reminder_due_while_daemon_is_down_fires_once_late_after_restart(daemon, how):
    # Given a reminder due in 4 s (room for a stop on a loaded machine), and the daemon
    # going down before that
    reminder, due = remind_soon(daemon, 4, "Send the thank-you note to Grace")
    if how == "sigterm":
        daemon.stop()
    else:
        daemon.kill()
    assert time.time() < due, "the daemon took too long to go down: the reminder was due before it stopped"

    # When it starts again after the reminder came due
    time.sleep(max(due - time.time(), 0) + 0.05)
    daemon.start()

    # Then the reminder has fired exactly once, marked late
    items = inbox_for(daemon, reminder["id"])
    assert len(items) == 1, items
    first = items[0]
    assert first["late"] is True
    assert first["state"] == "unread"
    # Within a millisecond, not string-equal: see test_instants_round_trip_to_the_millisecond.
    assert abs(daemon.parse_instant(first["dueAt"]) - due) < 0.0015
    assert daemon.parse_instant(first["firedAt"]) >= due
    status = daemon.call("Status")
    assert (status["pendingReminders"], status["unread"]) == (0, 1)

    # When it restarts once more, Then nothing fires a second time
    daemon.restart()
    assert inbox_for(daemon, reminder["id"]) == [first]
    assert daemon.call("Upcoming")["reminders"] == []


def test_reminder_not_yet_due_at_restart_fires_on_time_not_late(daemon):
    # Given a reminder due in 6 s, and a restart well before that (room for a loaded machine)
    reminder, due = remind_soon(daemon, 6, "Prepare questions for the meetup")
    daemon.restart()
    assert time.time() < due - 0.2, "restart too slow for this test to mean anything"
    assert inbox_for(daemon, reminder["id"]) == []

    # When it comes due, Then it fires once, on time, not late
    items = daemon.wait_until(lambda: inbox_for(daemon, reminder["id"]), timeout=due - time.time() + 5,
                              what="the reminder to fire after the restart")
    assert len(items) == 1 and items[0]["late"] is False


def test_acknowledged_writes_survive_kill_9(daemon):
    # Given a burst of acknowledged writes on one connection
    added = []
    with daemon.connect() as wire:
        for n in range(20):
            reply = wire.call("io.relance.Control.AddContact",
                              {"name": f"Contact {n:02}", "emails": [f"c{n}@example.com"], "tags": ["burst"]})
            added.append(reply["parameters"]["contact"])
        logged = wire.call("io.relance.Control.LogOutreach",
                           {"contact": "Contact 19", "ask": "an intro to her team", "followUp": "P2D"})["parameters"]
        last = wire.call("io.relance.Control.AddContact", {"name": "Grace Hopper", "timeZone": "America/New_York"})
        added.append(last["parameters"]["contact"])

        # When the daemon is killed right after the last acknowledgement
        daemon.kill()

    # Then after a restart every acknowledged write is there, unchanged
    daemon.start()
    assert daemon.call("ListContacts")["contacts"] == sorted(added, key=lambda c: (c["name"].lower(), c["id"]))
    assert daemon.call("ListOutreach")["outreach"] == [logged["outreach"]]
    assert daemon.call("Upcoming")["reminders"] == [logged["followUp"]]


def test_kill_9_right_after_cli_add_contact_loses_nothing(daemon):
    # Given `relancectl contact add` has answered
    daemon.ctl("contact", "add", "Katherine Johnson", "--email", "kj@example.com", "--org", "NASA")

    # When the daemon is killed at once and restarted
    daemon.kill()
    daemon.start()

    # Then the contact is listed
    contacts = daemon.ctl("contact", "list", "--json").json()["contacts"]
    assert [(c["name"], c["emails"], c.get("organization")) for c in contacts] == [
        ("Katherine Johnson", ["kj@example.com"], "NASA")]


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_signal_exits_0_and_removes_the_socket(daemon, number):
    # Given a running daemon with some data. When it gets the signal
    daemon.call("AddContact", name="Ada Lovelace")
    daemon.stop(number)  # asserts exit code 0

    # Then its socket file is gone and its last words say so
    assert not daemon.socket.exists()
    assert "stopped" in daemon.logs[-1].read_text()


def test_sigterm_with_clients_connected_still_exits_0_promptly(daemon):
    # Given a Watch subscriber, an idle connection, and one stuck mid-frame
    watcher = daemon.connect()
    watcher.send({"method": "io.relance.Control.Watch", "more": True})
    idle = daemon.connect()
    partial = daemon.connect()
    partial.send_bytes(b'{"method": "io.relance.Control.Sta')
    daemon.call("Status")  # the Watch call has certainly been read by now

    # When it gets SIGTERM, Then it exits 0 without waiting for its clients (that would be
    # their 300 s idle timeout, far beyond stop's 60) and the subscriber sees the end
    daemon.stop(timeout=60)
    assert watcher.closed_by_peer(timeout=30)
    for wire in (watcher, idle, partial):
        wire.close()


def test_sigterm_during_a_burst_of_new_connections_still_exits_0(stopped_daemon):
    # Connections the listener accepted but the daemon had not taken up yet when it was
    # told to stop once made it trap (swift-nio#2637): exit -4 instead of 0.
    for _ in range(20):
        daemon = stopped_daemon.start()
        wires = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(64)]
        for wire in wires:
            wire.connect(str(daemon.socket))
        daemon.stop(timeout=5)
        for wire in wires:
            wire.close()


def test_a_second_daemon_on_the_same_socket_refuses_to_start_and_the_first_keeps_serving(daemon):
    second = subprocess.run([str(daemon.relanced), "--socket", str(daemon.socket), "--database", str(daemon.database),
                             "--config", str(daemon.config)], env=daemon.env, capture_output=True, text=True, timeout=30)
    assert second.returncode != 0
    assert "already running" in second.stderr
    assert daemon.ctl("status", "--json").json()["version"]
