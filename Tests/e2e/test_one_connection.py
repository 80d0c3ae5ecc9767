"""Issue #15: every relancectl command opens ONE connection to relanced and never calls
`Status` to learn the zone: the daemon reads the times a person types in the user's zone
and its replies name that zone. Checked through a socket proxy between relancectl and
the real daemon that counts the connections it accepts and records each method called."""

import json
import os
import socket
import threading

import pytest
from conftest import start_in_paris


class CountingProxy:
    """A Unix socket at `path` that forwards every connection to `target` byte for byte,
    counting the connections and noting the method of every call the client sends."""

    def __init__(self, path, target):
        self.path, self.target = str(path), str(target)
        self.connections = 0
        self.methods = []
        self.lock = threading.Lock()
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        os.chmod(self.path, 0o600)
        self.server.listen(16)
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            threading.Thread(target=self.pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client, False), daemon=True).start()

    def pump(self, source, sink, calls):
        pending = b""
        try:
            while chunk := source.recv(65536):
                if calls:
                    pending += chunk
                    *frames, pending = pending.split(b"\0")
                    with self.lock:
                        self.methods += [json.loads(frame).get("method") for frame in frames]
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def take(self):
        """The connections and methods seen since the last take."""
        with self.lock:
            seen = (self.connections, self.methods)
            self.connections, self.methods = 0, []
        return seen

    def close(self):
        self.server.close()


@pytest.fixture
def paris(stopped_daemon):
    start_in_paris(stopped_daemon)
    proxy = CountingProxy(stopped_daemon.root / "proxy.sock", stopped_daemon.socket)
    yield stopped_daemon, proxy
    proxy.close()


def through(paris, *args, check=True):
    """Runs relancectl through the proxy; returns its result and what the proxy saw."""
    daemon, proxy = paris
    proxy.take()
    result = daemon.ctl(*args, socket_path=proxy.path, check=check)
    return result, proxy.take()


COMMANDS = [
    (["remind", "tomorrow 9:30", "Call the bakery"], ["Remind"]),
    (["upcoming"], ["Upcoming"]),
    (["agenda"], ["ListMeetings", "Upcoming", "ListEvents"]),
    (["meeting", "add", "ada", "--at", "wednesday 10:00", "--place", "Café Olimpico"], ["AddMeeting"]),
    (["meeting", "list"], ["ListMeetings"]),
    (["meeting", "move", "1", "--at", "thursday 10:00"], ["MoveMeeting"]),
    (["event", "add", "Startup drinks", "--at", "friday 19:00", "--tz", "America/New_York", "--rsvp-by", "thursday 18:00"],
     ["AddEvent"]),
    (["event", "edit", "1", "--at", "friday 19:30"], ["UpdateEvent"]),
    (["event", "list"], ["ListEvents"]),
    (["contact", "touch", "ada", "--at", "2026-11-30 10:00"], ["TouchContact"]),
    (["contact", "show", "ada"], ["GetContact"]),
    (["outreach", "log", "ada", "--ask", "a coffee chat", "--sent-at", "2026-11-30 09:00"], ["LogOutreach"]),
    (["outreach", "list"], ["ListOutreach"]),
    (["outreach", "edit", "1", "--sent", "2026-11-30 09:30"], ["UpdateOutreach"]),
    (["outreach", "follow-up", "1", "--at", "2026-11-30 11:00"], ["LogFollowUp"]),
    (["reminder", "move", "1", "tomorrow 10:00"], ["MoveReminder"]),
    (["inbox", "--since", "yesterday"], ["Inbox"]),
    (["snapshots"], ["ListSnapshots"]),
    (["status"], ["Status"]),
]


@pytest.mark.personal_only("its commands include snapshots: SQLite store only")
def test_every_command_makes_one_connection_and_asks_no_status_for_the_zone(paris):
    daemon, _ = paris
    daemon.ctl("contact", "add", "Ada Lovelace")
    for args, methods in COMMANDS:
        # When the command runs through the proxy
        result, (connections, called) = through(paris, *args)

        # Then it opened one connection and called exactly its methods (no Status first)
        assert connections == 1, f"relancectl {' '.join(args)}: {connections} connections\n{result!r}"
        assert called == ["io.relance.Control." + m for m in methods], f"relancectl {' '.join(args)}: {called}"


def test_times_typed_at_the_prompt_are_read_in_the_users_zone_not_the_shells(paris):
    # Given a shell in UTC and a daemon configured for Paris (Monday 30 Nov, 12:00 there)
    daemon, _ = paris
    assert daemon.env["TZ"] == "UTC"

    # When a reminder is set for "tomorrow 9:30"
    result, _ = through(paris, "remind", "tomorrow 9:30", "Call the bakery")

    # Then it is 09:30 in Paris (08:30 UTC), and said so in Paris time
    assert result.stdout == "Reminder #1 set for Tue 1 Dec 09:30.\n"
    stored = daemon.ctl("upcoming", "--json").json()["reminders"][0]
    assert stored["dueAt"] == "2026-12-01T08:30:00.000Z"


def test_a_time_that_cannot_be_read_says_what_where_and_what_to_write_in_one_call(paris):
    # When the time is not one relancectl or the daemon can read
    result, (connections, called) = through(paris, "remind", "someday", "Call Ada", check=False)

    # Then one line names the argument and gives examples, exit 64 (usage), nothing set
    assert result.code == 64, result
    assert result.stderr == ("relancectl: when: cannot read 'someday' as a time; write e.g. '2026-12-01 09:00', "
                             "'tomorrow 9:30', 'friday 14:00', 'in 2h' or 'PT2S'\n")
    assert (connections, called) == (1, ["io.relance.Control.Remind"])
    daemon, _ = paris
    assert daemon.ctl("upcoming", "--json").json()["reminders"] == []


def test_an_option_the_daemon_refuses_is_named_as_the_user_typed_it(paris):
    daemon, _ = paris
    daemon.ctl("contact", "add", "Ada Lovelace")
    result, _ = through(paris, "meeting", "add", "ada", "--at", "whenever", "--place", "Café", check=False)
    assert result.code == 64, result
    assert result.stderr.startswith("relancectl: --at: cannot read 'whenever' as a time;")
