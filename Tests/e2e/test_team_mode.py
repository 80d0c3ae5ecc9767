"""Team mode (issue #16): several relanced nodes on one real PostgreSQL 15 (started by
Tests/harness/postgres-server), reminders set through any node fire exactly once, on
whichever node the database lets claim them, through kill -9 of random nodes; their
mail goes out from the shared outbox through the real loopback SMTP server
(Tests/channels/smtp_server.py), each job sent by the one node holding its lease."""

import json
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from test_delivery import SessionBus, SMTPServer, mail_config

HARNESS = Path(__file__).resolve().parent.parent / "harness" / "postgres-server"

# These start their own team nodes (and personal daemons to compare with) on a server of their own.
pytestmark = pytest.mark.personal_only("team-mode test: starts its own nodes and PostgreSQL")


class Postgres:
    def __init__(self, folder):
        self.folder = folder
        self.url = subprocess.run([str(HARNESS), "start", str(folder)], check=True, capture_output=True,
                                  text=True).stdout.strip()

    def sql(self, statement):
        run_as = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        return subprocess.run([*run_as, "psql", "-h", str(self.folder), "-U", "postgres", "-d", "relance", "-At",
                               "-v", "ON_ERROR_STOP=1", "-c", statement],
                              check=True, capture_output=True, text=True).stdout.strip()

    def stop(self):
        subprocess.run([str(HARNESS), "stop", str(self.folder)], check=False)


@pytest.fixture
def postgres():
    folder = Path(tempfile.mkdtemp(prefix="relance-pg-"))
    server = Postgres(folder)
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def team_node(daemon, url, name, store_extra="", extra=""):
    daemon.config.write_text(f'[store]\nurl = "{url}"\nnode = "{name}"\n{store_extra}[user]\ntime_zone = "Europe/Paris"\n'
                             + extra)
    daemon.env["NO_COLOR"] = "1"
    return daemon


@pytest.fixture
def nodes(postgres, bin_dir, workdir, stopped_daemon):
    daemons = []
    for index in range(3):
        root = workdir / f"n{index}"
        root.mkdir()
        daemons.append(team_node(type(stopped_daemon)(root, bin_dir), postgres.url, f"n{index}"))
    yield daemons
    for daemon in daemons:
        daemon.cleanup()


def test_a_reminder_set_on_one_node_fires_once_and_every_node_shows_it(postgres, nodes):
    for node in nodes:
        node.start()
    due = time.time() + 2
    set_on_first = nodes[0].ctl("remind", nodes[0].format_instant(due), "Call Ada about the intro")
    assert "Reminder #1 set" in set_on_first.stdout
    # The other nodes heard of it (LISTEN/NOTIFY) and show it as coming.
    assert "Call Ada about the intro" in nodes[2].ctl("upcoming").stdout
    nodes[0].wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "1", timeout=30,
                        what="the reminder in the shared inbox")
    time.sleep(1)  # every node's timer has gone off by now; none may add a second item
    assert postgres.sql("SELECT count(*), count(DISTINCT reminder_id) FROM inbox_item") == "1|1"
    for node in nodes:
        items = node.call("Inbox", filter="all")["items"]
        assert [item["text"] for item in items] == ["Call Ada about the intro"]
    fired_by = postgres.sql("SELECT fired_by FROM inbox_item")
    assert fired_by in {"n0", "n1", "n2"}
    # The node that fired says so in its log; no other does.
    said = [node for node in nodes if "reminder fired: Call Ada" in node.stderr()]
    assert [node.root.name for node in said] == [fired_by]


def test_what_a_team_store_cannot_serve_yet_is_refused_plainly(postgres, nodes):
    node = nodes[0].start()
    assert node.call("Status")["database"].startswith("postgresql://relance@")
    refused = node.ctl("snapshots", check=False)
    assert refused.code != 0
    assert "a team node does not serve ListSnapshots" in refused.stderr and "pg_dump" in refused.stderr, refused.stderr
    # A reminder tied to a contact the team does not have: told as the personal daemon tells.
    with_contact = node.ctl("remind", "tomorrow 9:00", "x", "--contact", "ada", check=False)
    assert with_contact.code != 0 and "no contact matches 'ada'" in with_contact.stderr, with_contact.stderr
    assert postgres.sql("SELECT count(*) FROM reminder") == "0"
    assert node.running()


def test_a_team_is_backed_up_with_pg_dump_and_comes_back_whole_with_pg_restore(postgres, nodes):
    """The README's way to back a team up: `relancectl backup` says to use PostgreSQL's
    tools; a `pg_dump -Fc` taken while a node runs, restored with `pg_restore` into a new
    database, gives a node on it the same contacts, outreach, reminders and inbox, and
    the reminder still due fires once from there."""
    me = f"[team.users]\nme = {os.getuid()}\n"
    first = team_node(nodes[0], postgres.url, "n0", extra=me).start()
    for command in [("backup", "-"), ("snapshots",), ("restore", "--snapshot", "x")]:
        refused = first.ctl(*command, check=False)
        assert refused.code != 0 and "a team node does not serve" in refused.stderr, refused.stderr
        assert "pg_dump -Fc" in refused.stderr and "pg_restore" in refused.stderr
    first.ctl("contact", "add", "Ada Lovelace", "--email", "ada@example.com")
    first.ctl("outreach", "log", "ada", "--ask", "a 20-minute coffee chat")
    first.ctl("remind", first.format_instant(time.time() + 2), "Say hello to Ada")
    first.wait_until(lambda: first.call("Inbox")["items"], timeout=30, what="the first reminder fired")
    first.ctl("remind", first.format_instant(time.time() + 8), "Call Ada about the intro")

    def views(node):
        return {method: node.call(method, **parameters) for method, parameters in [
            ("ListContacts", {}), ("ListOutreach", {}), ("Upcoming", {"limit": 100}), ("Inbox", {"filter": "all"})]}

    before = views(first)
    run_as = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    dump = postgres.folder / "team.dump"
    subprocess.run([*run_as, "pg_dump", "-Fc", "-h", str(postgres.folder), "-U", "relance", "-d", "relance",
                    "-f", str(dump)], check=True, capture_output=True, text=True, timeout=60)
    first.stop()
    postgres.sql("CREATE DATABASE restored OWNER relance")
    subprocess.run([*run_as, "pg_restore", "--exit-on-error", "-h", str(postgres.folder), "-U", "relance",
                    "-d", "restored", str(dump)], check=True, capture_output=True, text=True, timeout=60)
    second = team_node(nodes[1], postgres.url.replace("/relance?", "/restored?"), "n1", extra=me).start()
    assert views(second) == before
    second.wait_until(lambda: len(second.call("Inbox", filter="all")["items"]) == 2, timeout=30,
                      what="the reminder still due fired from the restored database")
    time.sleep(1)
    texts = [item["text"] for item in second.call("Inbox", filter="all")["items"]]
    assert sorted(texts) == ["Call Ada about the intro", "Say hello to Ada"]


LEA, SAM, STRANGER = 4001, 4002, 4003
TEAM_USERS = f"[team.users]\nlea = {LEA}\nsam = {SAM}\n"


def as_user(node, uid, *args, check=True):
    """relancectl ARGS run as another local user (SO_PEERCRED is what the node sees)."""
    argv = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", str(node.relancectl), *args,
            "--socket", str(node.socket)]
    return node.run_ctl(argv, check=check, timeout=15)


@pytest.fixture
def team(postgres, nodes, workdir):
    """Two nodes of one team whose sockets lea and sam (two local uids) can reach."""
    if os.getuid() != 0:
        pytest.skip("running relancectl as other uids needs root (setpriv)")
    for folder in [workdir, *(node.root for node in nodes)]:
        os.chmod(folder, 0o711)
    for node in nodes[:2]:
        node.config.write_text(node.config.read_text() + TEAM_USERS)
        node.start()
    return nodes[:2]


def test_contacts_and_outreach_are_shared_by_the_team_and_signed_by_who_logged_them(postgres, team):
    first, second = team
    added = as_user(first, LEA, "contact", "add", "Ada Lovelace", "--email", "ada@example.com", "--tz", "Europe/London")
    assert added.stdout.strip() == "Added Ada Lovelace (#1)."
    # Seen from the other node, by the other user, with its owner.
    listed = as_user(second, SAM, "contact", "list")
    assert re.search(r"^1\s+Ada Lovelace\s+ada@example.com\s+—\s+Europe/London\s+lea\s*$", listed.stdout, re.M), listed.stdout
    assert as_user(second, SAM, "contact", "list", "--json").json()["contacts"][0]["owner"] == "lea"
    # The same refusals as the personal daemon's.
    duplicate = as_user(second, SAM, "contact", "add", "A. Lovelace", "--email", "ADA@example.com", check=False)
    assert duplicate.code != 0 and "Ada Lovelace (#1) already has emails 'ADA@example.com'; nothing added" in duplicate.stderr
    unknown = as_user(second, SAM, "outreach", "log", "grce", "--ask", "x", check=False)
    assert unknown.code != 0 and "no contact matches 'grce'" in unknown.stderr

    # lea writes to Ada: the follow-up is planned with the personal store's rules and
    # fires once, on whichever node the database lets claim it.
    logged = as_user(first, LEA, "outreach", "log", "ada", "--ask", "a coffee chat", "--follow-up", "PT3S")
    assert logged.stdout.startswith("Logged outreach #1 to Ada Lovelace. First follow-up ")
    assert "3 seconds after" in logged.stdout
    assert postgres.sql("SELECT kind, outreach_id, contact_id FROM reminder") == "follow_up|1|1"

    status = second.call("Status")
    assert (status["contacts"], status["awaitingReply"]) == (1, 1)
    # sam is told before writing too, and nothing is written.
    refused = as_user(second, SAM, "outreach", "log", "ada", "--ask", "an intro", check=False)
    assert refused.code != 0
    sent_on = postgres.sql("SELECT to_char(sent_at AT TIME ZONE 'Europe/Paris', 'FMDD Mon YYYY') FROM outreach")
    assert f"Ada Lovelace was contacted by lea on {sent_on}, awaiting reply; nothing logged." in refused.stderr, refused.stderr
    assert "--anyway" in refused.stderr
    assert postgres.sql("SELECT count(*) FROM outreach") == "1"
    assert postgres.sql("SELECT count(*) FROM reminder") == "1"

    first.wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "1", timeout=30,
                     what="the follow-up in the shared inbox")
    time.sleep(1)  # every node's timer has gone off by now; none may add a second item
    assert postgres.sql("SELECT count(*) FROM inbox_item") == "1"
    for node in team:
        assert [item["text"] for item in node.call("Inbox", filter="all")["items"]] == [
            postgres.sql("SELECT text FROM reminder WHERE state = 'fired'")]
    assert postgres.sql("SELECT text FROM reminder WHERE state = 'fired'").startswith("Follow up with Ada Lovelace")
    # Its sequence goes on: the let-go is planned, once.
    assert postgres.sql("SELECT kind, step FROM reminder WHERE state = 'pending'") == "let_go|1"

    # sam logs it anyway; the list says who wrote what.
    anyway = as_user(second, SAM, "outreach", "log", "ada", "--ask", "an intro", "--anyway")
    assert anyway.stdout.startswith("Logged outreach #2 to Ada Lovelace. First follow-up ")
    by = {o["id"]: o["by"] for o in as_user(first, LEA, "outreach", "list", "--json").json()["outreach"]}
    assert by == {1: "lea", 2: "sam"}
    assert re.search(r"^2\s+Ada Lovelace\s+.+\s+sam\s+email\s+awaiting reply\s+an intro\s*$",
                     as_user(first, LEA, "outreach", "list").stdout, re.M)
    # A reply cancels that outreach's pending follow-up, for every node.
    replied = as_user(first, LEA, "reply", "2", "--declined")
    assert "Outreach #2 to Ada Lovelace: declined. Cancelled 1 pending follow-up." in replied.stdout
    assert "Follow up with Ada" not in second.ctl("upcoming").stdout
    shown = as_user(second, SAM, "contact", "show", "ada", "--json").json()
    assert [(o["id"], o["status"], o["by"]) for o in shown["outreach"]] == [(2, "declined", "sam"), (1, "awaiting_reply", "lea")]


def test_a_team_sequence_goes_on_to_the_let_go_once_and_ends_as_on_a_personal_daemon(postgres, team, stopped_daemon):
    first, second = team
    personal = stopped_daemon.start()
    sequence = ["--follow-up", "PT2S,PT2S", "--let-go", "PT2S"]
    as_user(first, LEA, "contact", "add", "Ada Lovelace", "--tz", "Europe/London")
    as_user(first, LEA, "outreach", "log", "ada", "--ask", "a coffee chat", *sequence)
    personal.ctl("contact", "add", "Ada Lovelace", "--tz", "Europe/London")
    personal.ctl("outreach", "log", "ada", "--ask", "a coffee chat", *sequence)
    # Each fired step plans the next in the transaction that fires it, on whichever node.
    first.wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "3", timeout=60,
                     what="two nudges and the let-go in the shared inbox")
    personal.wait_until(lambda: len(personal.call("Inbox", filter="all")["items"]) == 3, timeout=60,
                        what="two nudges and the let-go in the personal inbox")
    time.sleep(1)  # every node's timer has gone off by now; none may add a fourth item
    assert postgres.sql("SELECT count(*), count(DISTINCT reminder_id) FROM inbox_item") == "3|3"
    assert postgres.sql("SELECT kind, step, state FROM reminder ORDER BY id").split("\n") == [
        "follow_up|0|fired", "follow_up|1|fired", "let_go|2|fired"]
    kinds = [item["kind"] for item in reversed(second.call("Inbox", filter="all")["items"])]
    assert kinds == [item["kind"] for item in reversed(personal.call("Inbox", filter="all")["items"])]
    # ListOutreach says the same on both stores: no reply, closed when the let-go came due.
    team_outreach = as_user(second, SAM, "outreach", "list", "--json").json()["outreach"][0]
    personal_outreach = personal.ctl("outreach", "list", "--json").json()["outreach"][0]
    assert team_outreach["status"] == "no_reply"
    for field in ["status", "followUpsSent", "steps", "letGo"]:
        assert team_outreach[field] == personal_outreach[field], field

    def waited(outreach):
        return datetime.fromisoformat(outreach["closedAt"]) - datetime.fromisoformat(outreach["sentAt"])
    assert waited(team_outreach) == waited(personal_outreach)


def test_only_the_author_logs_a_follow_up_or_withdraws_and_a_reply_stops_the_sequence(postgres, team):
    first, second = team
    as_user(first, LEA, "contact", "add", "Ada Lovelace")
    as_user(first, LEA, "contact", "add", "Grace Hopper")
    as_user(first, LEA, "outreach", "log", "ada", "--ask", "a coffee chat")
    # sam may not move lea's sequence; nothing changes.
    refused = as_user(second, SAM, "outreach", "follow-up", "1", check=False)
    assert refused.code != 0
    assert "#1 is lea's: only its author can log a follow-up to it; ask lea" in refused.stderr, refused.stderr
    assert postgres.sql("SELECT follow_ups_sent FROM outreach") == "0"
    # Nor correct it; lea may, from either node: the pending step is planned again.
    refused = as_user(second, SAM, "outreach", "edit", "1", "--ask", "a call", check=False)
    assert refused.code != 0 and "#1 is lea's: only its author can correct it" in refused.stderr, refused.stderr
    assert postgres.sql("SELECT ask FROM outreach WHERE id = 1") == "a coffee chat"
    before = postgres.sql("SELECT id FROM reminder WHERE outreach_id = 1 AND state = 'pending'")
    edited = as_user(second, LEA, "outreach", "edit", "1", "--ask", "a 20-minute call", "--follow-up", "3bd,5bd")
    assert "changed ask, follow-up sequence; cancelled 1 pending reminder; next follow-up" in edited.stdout, edited.stdout
    assert postgres.sql("SELECT ask FROM outreach WHERE id = 1") == "a 20-minute call"
    assert postgres.sql(f"SELECT state FROM reminder WHERE id = {before}") == "cancelled"
    assert postgres.sql("SELECT count(*) FROM reminder WHERE outreach_id = 1 AND state = 'pending' AND step = 0") == "1"
    nothing = as_user(second, LEA, "outreach", "edit", "1", check=False)
    assert nothing.code != 0 and "nothing to change" in nothing.stderr
    # lea, from either node: the sequence moves on from then.
    followed = as_user(second, LEA, "outreach", "follow-up", "1", "--note", "bumped")
    assert followed.stdout.startswith("Follow-up 1 to Ada Lovelace logged. Next: "), followed.stdout
    assert postgres.sql("SELECT state, step FROM reminder WHERE outreach_id = 1 ORDER BY id").split("\n") == [
        "cancelled|0", "cancelled|0", "pending|1"]
    assert "Follow up again with Ada Lovelace" in first.ctl("upcoming").stdout
    refused = as_user(first, SAM, "outreach", "cancel", "1", check=False)
    assert refused.code != 0 and "only its author can withdraw it" in refused.stderr, refused.stderr
    withdrawn = as_user(first, LEA, "outreach", "cancel", "1")
    assert withdrawn.stdout.strip() == "Outreach #1 to Ada Lovelace: withdrawn; cancelled 1 pending reminder."
    assert postgres.sql("SELECT count(*) FROM reminder WHERE state = 'pending'") == "0"
    again = as_user(second, LEA, "outreach", "cancel", "1", check=False)
    assert again.code != 0 and "#1 is withdrawn; only an outreach awaiting a reply can be withdrawn" in again.stderr
    late = as_user(second, LEA, "outreach", "follow-up", "1", check=False)
    assert late.code != 0 and "#1 is withdrawn; nothing to follow up" in late.stderr
    missing = as_user(second, LEA, "outreach", "follow-up", "9", check=False)
    assert missing.code != 0 and "no outreach with id 9" in missing.stderr
    # A reminder of one's own about a team contact, tied to it, seen from every node.
    reminded = as_user(second, SAM, "remind", "tomorrow 9:00", "Ask Ada about the talk", "--contact", "ada", "--json").json()
    assert reminded["reminder"]["contactId"] == 1
    assert postgres.sql(f"SELECT contact_id, kind FROM reminder WHERE id = {reminded['reminder']['id']}") == "1|custom"
    assert "Ask Ada about the talk" in first.ctl("upcoming").stdout

    # A reply recorded by anyone stops a running sequence: the fired nudge's successor
    # is cancelled on every node.
    as_user(first, LEA, "outreach", "log", "grace", "--ask", "an intro", "--follow-up", "PT2S,PT1H")
    first.wait_until(lambda: postgres.sql("SELECT count(*) FROM reminder WHERE outreach_id = 2") == "2", timeout=30,
                     what="the first nudge fired and the second planned")
    replied = as_user(second, SAM, "reply", "2", "--replied")
    assert "Outreach #2 to Grace Hopper: replied. Cancelled 1 pending follow-up." in replied.stdout, replied.stdout
    assert postgres.sql("SELECT count(*) FROM reminder WHERE state = 'pending' AND outreach_id IS NOT NULL") == "0"
    assert "Grace" not in first.ctl("upcoming").stdout


def test_a_meeting_is_planned_for_the_team_and_only_who_goes_moves_or_cancels_it(postgres, team):
    first, second = team
    as_user(first, LEA, "contact", "add", "Ada Lovelace")
    as_user(first, LEA, "outreach", "log", "ada", "--ask", "a coffee chat")
    added = as_user(first, LEA, "meeting", "add", "ada", "--at", "2030-03-05 15:00", "--place", "Café Olimpico",
                    "--duration", "PT45M", "--outreach", "1", "--json").json()
    assert added["meeting"]["by"] == "lea" and added["meeting"]["place"] == "Café Olimpico"
    assert [r["kind"] for r in added["reminders"]] == ["meeting_prep", "meeting_leave", "thank_you"]
    # Seen from the other node, with who goes.
    listed = as_user(second, SAM, "meeting", "list").stdout
    assert "BY" in listed and "lea" in listed and "Café Olimpico" in listed, listed
    assert postgres.sql("SELECT count(*) FROM reminder WHERE meeting_id = 1 AND state = 'pending'") == "3"
    # The same meeting again is refused on either node; nothing is written.
    twice = as_user(second, SAM, "meeting", "add", "ada", "--at", "2030-03-05 15:00", "--place", "Café Olimpico", check=False)
    assert twice.code != 0 and "meeting #1 with them starts at that time already" in twice.stderr, twice.stderr
    nowhere = as_user(second, SAM, "meeting", "add", "ada", "--at", "2030-03-06 15:00", "--place", " ", check=False)
    assert nowhere.code != 0 and "say where" in nowhere.stderr, nowhere.stderr
    assert postgres.sql("SELECT count(*) FROM meeting") == "1"
    # sam may not move or cancel lea's meeting.
    for args, action in [(["move", "1", "--at", "2030-03-06 15:00"], "move it"), (["cancel", "1"], "cancel it")]:
        refused = as_user(second, SAM, "meeting", *args, check=False)
        assert refused.code != 0 and f"#1 is lea's: only who goes can {action}; ask lea" in refused.stderr, refused.stderr
    assert postgres.sql("SELECT starts_at FROM meeting") == "2030-03-05 14:00:00+00"
    # lea moves it from the other node: its three pending reminders are planned again.
    moved = as_user(second, LEA, "meeting", "move", "1", "--at", "2030-03-06 15:00")
    assert "cancelled 3 pending reminders, planned 3 reminders" in moved.stdout, moved.stdout
    assert postgres.sql("SELECT starts_at, ends_at FROM meeting") == "2030-03-06 14:00:00+00|2030-03-06 14:45:00+00"
    assert postgres.sql("SELECT state, count(*) FROM reminder WHERE meeting_id = 1 GROUP BY state ORDER BY state") \
        == "cancelled|3\npending|3"
    cancelled = as_user(first, LEA, "meeting", "cancel", "1")
    assert "cancelled 3 pending reminders" in cancelled.stdout, cancelled.stdout
    assert postgres.sql("SELECT count(*) FROM meeting") == "0"
    assert postgres.sql("SELECT count(*) FROM reminder WHERE state = 'pending' AND kind LIKE 'meeting%'") == "0"
    assert "No meetings ahead." in as_user(second, SAM, "meeting", "list").stdout
    # A meeting is someone's: the node's own unmapped user cannot add one.
    own = first.ctl("meeting", "add", "ada", "--at", "2030-03-05 15:00", "--place", "x", check=False)
    assert own.code != 0 and "serves no team user" in own.stderr
    # A reply that agrees to meet adds the meeting in the same transaction, the one who
    # recorded it going; the sequence stops.
    replied = as_user(second, SAM, "reply", "1", "--meeting", "--at", "2030-03-07 10:00", "--place", "Station F",
                      "--json").json()
    assert replied["outreach"]["status"] == "meeting_agreed" and replied["cancelledReminders"] == 1
    assert replied["meeting"]["by"] == "sam" and replied["meeting"]["outreachId"] == 1
    assert postgres.sql("SELECT created_by, place, outreach_id FROM meeting") == "sam|Station F|1"
    assert postgres.sql("SELECT count(*) FROM reminder WHERE state = 'pending' AND outreach_id = 1") == "3"


def test_an_event_is_the_teams_to_see_and_only_who_goes_changes_skips_or_removes_it(postgres, team):
    first, second = team
    added = as_user(first, LEA, "event", "add", "Startup drinks", "--at", "2030-03-21 19:00", "--until", "2030-03-21 22:00",
                    "--where", "Station F", "--repeat", "FREQ=WEEKLY;BYDAY=TH", "--tz", "Europe/Paris", "--remind", "PT2H",
                    "--json").json()
    # 19:00 Paris across the DST change, as on a personal daemon; two occurrences planned, lea's.
    assert added["event"]["nextOccurrences"] == ["2030-03-21T18:00:00.000Z", "2030-03-28T18:00:00.000Z",
                                                 "2030-04-04T17:00:00.000Z"]
    assert len(added["reminders"]) == 4
    assert postgres.sql("SELECT owner, count(*) FROM reminder WHERE event_id = 1 AND state = 'pending' GROUP BY owner") == "lea|4"
    # Seen from the other node, in its list, its upcoming reminders and its agenda.
    assert [e["title"] for e in as_user(second, SAM, "event", "list", "--json").json()["events"]] == ["Startup drinks"]
    assert "Startup drinks" in as_user(second, SAM, "upcoming").stdout
    # sam may not change, skip or remove lea's event; nothing changes.
    for args, action in [(["edit", "1", "--title", "Other"], "change it"),
                         (["skip", "1", "--at", "2030-03-21 19:00"], "skip an occurrence"), (["remove", "1"], "remove it")]:
        refused = as_user(second, SAM, "event", *args, check=False)
        assert refused.code != 0 and f"#1 is lea's: only who goes can {action}; ask lea" in refused.stderr, refused.stderr
    # Bad input: the personal daemon's errors, nothing written.
    bad = as_user(second, LEA, "event", "edit", "1", "--repeat", "FREQ=SOMETIMES", check=False)
    assert bad.code != 0 and "rrule" in bad.stderr, bad.stderr
    assert postgres.sql("SELECT title, recurrence FROM event") == 'Startup drinks|{"exdates":[],"rdates":[],"rrule":"FREQ=WEEKLY;BYDAY=TH"}'
    # lea skips the first from the other node: its reminders cancelled, the third occurrence planned.
    skipped = as_user(second, LEA, "event", "skip", "1", "--at", "2030-03-21 19:00")
    assert "cancelled 2 pending reminders" in skipped.stdout, skipped.stdout
    assert postgres.sql("SELECT count(*) FROM reminder WHERE event_id = 1 AND state = 'pending'") == "4"
    edited = as_user(first, LEA, "event", "edit", "1", "--title", "Founders' drinks")
    assert "changed title; cancelled 4 pending reminders, planned 4 reminders" in edited.stdout, edited.stdout
    removed = as_user(second, LEA, "event", "remove", "1")
    assert "removed; cancelled 4 pending reminders" in removed.stdout, removed.stdout
    assert postgres.sql("SELECT count(*) FROM event") == "0"
    assert postgres.sql("SELECT count(*) FROM reminder WHERE state = 'pending'") == "0"
    # An event is someone's: the node's own unmapped user cannot add one.
    own = first.ctl("event", "add", "x", "--at", "2030-03-21 19:00", check=False)
    assert own.code != 0 and "serves no team user" in own.stderr


def test_each_occurrence_of_an_event_is_planned_and_fired_once_as_two_nodes_fire_its_reminders(postgres, team):
    from conftest import wait_until
    from datetime import timedelta, timezone
    first, second = team
    # Five occurrences two seconds apart, a reminder a second before each: only the next two
    # are planned at a time, so the three later ones are planned by whichever node fired
    # the reminder before them.
    start = (datetime.now(timezone.utc) + timedelta(seconds=4)).replace(microsecond=0)
    at = lambda k: (start + timedelta(seconds=2 * k)).strftime("%Y-%m-%d %H:%M:%S")
    also = [arg for k in range(1, 5) for arg in ("--also", at(k))]
    as_user(first, LEA, "event", "add", "Stand-up", "--at", at(0), "--tz", "UTC", *also, "--remind", "PT1S")
    assert postgres.sql("SELECT count(DISTINCT anchor_at) FROM reminder WHERE event_id = 1") == "2"
    fired = lambda: postgres.sql("SELECT count(*) FROM reminder WHERE kind = 'event_soon' AND state = 'fired'")
    wait_until(lambda: fired() == "5", 20, interval=0.2, what="the five occurrences' reminders fired")
    # Each occurrence and lead planned once, fired once (by either node), one inbox item each.
    assert postgres.sql("SELECT count(*) FROM (SELECT anchor_at, kind, lead_offset FROM reminder WHERE event_id = 1 "
                        "GROUP BY 1, 2, 3 HAVING count(*) > 1) AS twice") == "0"
    assert postgres.sql("SELECT count(*) FROM inbox_item i JOIN reminder r ON r.id = i.reminder_id "
                        "WHERE r.kind = 'event_soon'") == "5"
    assert postgres.sql("SELECT DISTINCT owner FROM reminder WHERE event_id = 1") == "lea"


def test_anyone_in_the_team_corrects_a_contact_and_a_new_zone_replans_its_follow_up(postgres, team):
    first, second = team
    as_user(first, LEA, "contact", "add", "Ada Lovelace", "--email", "ada@example.org")
    as_user(first, LEA, "outreach", "log", "ada", "--ask", "a coffee chat")
    before = postgres.sql("SELECT fire_at FROM reminder WHERE state = 'pending'")
    # sam fixes the zone lea left out, from the other node; the follow-up moves to Ada's
    # morning; lea still owns her.
    updated = as_user(second, SAM, "contact", "update", "ada", "--tz", "America/New_York", "--org", "Analytical Engines")
    assert updated.stdout.strip() == "Updated Ada Lovelace (#1)."
    assert postgres.sql("SELECT owner, time_zone, organization FROM contact") == "lea|America/New_York|Analytical Engines"
    after = postgres.sql("SELECT fire_at FROM reminder WHERE state = 'pending'")
    assert after != before and after.endswith("+00"), (before, after)
    # Bad input changes nothing: a zone that is none, a cadence shorter than a day.
    for args, says in [(["--tz", "Mars/Olympus"], "Mars/Olympus"), (["--keep-in-touch", "PT1H"], "shorter than a day")]:
        refused = as_user(second, SAM, "contact", "update", "ada", *args, check=False)
        assert refused.code != 0 and says in refused.stderr, refused.stderr
    assert postgres.sql("SELECT time_zone, keep_in_touch IS NULL FROM contact") == "America/New_York|t"
    assert postgres.sql("SELECT fire_at FROM reminder WHERE state = 'pending'") == after

    # A cadence sam sets plans a keep-in-touch reminder, lea's as Ada is; "never" drops it.
    as_user(second, SAM, "contact", "update", "ada", "--keep-in-touch", "20bd")
    assert postgres.sql("SELECT owner FROM reminder WHERE kind = 'keep_in_touch' AND state = 'pending'") == "lea"
    as_user(first, LEA, "contact", "update", "ada", "--keep-in-touch", "never")
    assert postgres.sql("SELECT count(*) FROM reminder WHERE kind = 'keep_in_touch' AND state = 'pending'") == "0"
    as_user(first, LEA, "contact", "update", "ada", "--keep-in-touch", "P90D")

    # Removing takes the team's history with it: the owner only, and not while an outreach
    # awaits a reply unless --force; then everything about Ada goes, on every node.
    refused = as_user(second, SAM, "contact", "remove", "ada", check=False)
    assert refused.code != 0 and "Ada Lovelace is lea's: only their owner can remove them; ask lea" in refused.stderr
    refused = as_user(first, LEA, "contact", "remove", "ada", check=False)
    assert refused.code != 0 and "has outreach awaiting a reply (#1); nothing removed" in refused.stderr, refused.stderr
    assert postgres.sql("SELECT count(*) FROM contact") == "1"
    as_user(first, LEA, "meeting", "add", "ada", "--at", "2030-03-05 15:00", "--place", "Station F")
    # An item about Ada in the inbox, snoozed: its comeback goes with her too.
    as_user(first, LEA, "remind", "PT1S", "Send Ada the paper", "--contact", "ada")
    first.wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "1", timeout=30, what="the item about Ada")
    as_user(first, LEA, "snooze", postgres.sql("SELECT id FROM inbox_item"), "1h")
    assert postgres.sql("SELECT count(*) FROM reminder WHERE resurfaces_inbox_id IS NOT NULL AND state = 'pending'") == "1"
    removed = as_user(second, LEA, "contact", "remove", "ada", "--force")
    assert removed.stdout.startswith("Removed Ada Lovelace, 1 outreach, 2 interactions, 1 meeting"), removed.stdout
    assert "1 inbox item" in removed.stdout, removed.stdout
    assert postgres.sql("SELECT (SELECT count(*) FROM contact) + (SELECT count(*) FROM outreach) + "
                        "(SELECT count(*) FROM meeting) + (SELECT count(*) FROM reminder) + "
                        "(SELECT count(*) FROM inbox_item) + (SELECT count(*) FROM interaction)") == "0"
    assert "Ada" not in first.ctl("upcoming").stdout


def test_a_keep_in_touch_cadence_counts_from_whoever_in_the_team_was_last_in_touch(postgres, team):
    first, second = team
    as_user(first, LEA, "contact", "add", "Grace Hopper", "--keep-in-touch", "P90D")
    shown = as_user(second, SAM, "contact", "show", "grace").stdout
    assert "  keep in touch: every 90 days\n" in shown, shown
    planned = postgres.sql("SELECT id, fire_at FROM reminder WHERE kind = 'keep_in_touch' AND state = 'pending'")
    assert postgres.sql("SELECT owner FROM reminder WHERE kind = 'keep_in_touch'") == "lea"

    # sam met her, on the other node: the reminder moves to 90 days after that, still lea's.
    touched = as_user(second, SAM, "contact", "touch", "grace", "--at", "2030-01-10 11:00", "--note", "met at the meetup")
    assert touched.code == 0, touched.stderr
    moved = postgres.sql("SELECT id, fire_at FROM reminder WHERE kind = 'keep_in_touch' AND state = 'pending'")
    assert moved != planned and moved.split("|")[1].startswith("2030-04-10"), moved
    assert postgres.sql("SELECT kind, by_user, note FROM interaction") == "touch|sam|met at the meetup"
    assert postgres.sql("SELECT owner FROM reminder WHERE state = 'pending'") == "lea"
    assert "Keep in touch with Grace Hopper" in as_user(first, LEA, "upcoming").stdout

    # A note on two lines, or nobody the team knows: refused, nothing changed.
    for args, says in [(["grace", "--note", "two\nlines"], "note"), (["alan"], "no contact matches 'alan'")]:
        refused = as_user(first, LEA, "contact", "touch", *args, check=False)
        assert refused.code != 0 and says in refused.stderr, refused.stderr
    assert postgres.sql("SELECT id, fire_at FROM reminder WHERE kind = 'keep_in_touch' AND state = 'pending'") == moved
    assert postgres.sql("SELECT count(*) FROM interaction") == "1"


def test_only_its_owner_merges_a_duplicate_away_or_forgets_a_person_and_only_its_author_drafts_a_follow_up(postgres, team):
    first, second = team
    as_user(first, LEA, "contact", "add", "Ada Lovelace", "--email", "ada@example.org", "--keep-in-touch", "P90D")
    as_user(second, SAM, "contact", "add", "Ada King", "--email", "countess@example.org", "--tz", "Europe/London",
            "--keep-in-touch", "P30D")
    as_user(second, SAM, "outreach", "log", "king", "--ask", "her notes")
    as_user(first, LEA, "contact", "touch", "king", "--note", "met at the meetup")
    rows = ("SELECT 'c', id, owner || array_to_string(emails, ',') FROM contact UNION ALL "
            "SELECT 'o', id, contact_id::text FROM outreach UNION ALL SELECT 'n', id, contact_id::text FROM interaction "
            "UNION ALL SELECT 'r', id, state || coalesce(contact_id, 0) || fire_at FROM reminder ORDER BY 1, 2")
    before = postgres.sql(rows)

    # Ada King is sam's: lea may not merge her away, nor forget her; nothing changes.
    refused = as_user(first, LEA, "contact", "merge", "lovelace", "king", check=False)
    assert refused.code != 0 and "Ada King is sam's: only their owner can merge them away; ask sam" in refused.stderr, refused.stderr
    refused = as_user(first, LEA, "contact", "forget", "king", check=False)
    assert refused.code != 0 and "Ada King is sam's: only their owner can forget them; ask sam" in refused.stderr, refused.stderr
    assert postgres.sql(rows) == before

    # sam merges her into lea's Ada Lovelace, from the other node: lea still owns the one
    # left; its own fields win; the outreach and both interactions follow; one
    # keep-in-touch (lea's), counted from lea's touch; sam's follow-up stays his. No snapshot.
    merged = as_user(second, SAM, "contact", "merge", "lovelace", "king")
    assert merged.stdout == "Merged Ada King into Ada Lovelace (#1): moved 1 outreach, 2 interactions, 4 reminders.\n", merged.stdout
    assert postgres.sql("SELECT owner, time_zone, keep_in_touch, array_to_string(emails, ',') FROM contact") == \
        "lea|Europe/London|P90D|ada@example.org,countess@example.org"
    assert postgres.sql("SELECT DISTINCT contact_id FROM outreach UNION SELECT DISTINCT contact_id FROM interaction") == "1"
    assert postgres.sql("SELECT kind, owner FROM reminder WHERE state = 'pending' ORDER BY kind") == "follow_up|sam\nkeep_in_touch|lea"
    # Every node's scheduler holds what the database holds: nothing replaced comes back.
    for node in team:
        node.wait_until(lambda: node.call("Status")["pendingReminders"] == 2 or None, 10, what="both nodes to hold 2 reminders")

    # The follow-up draft is its author's: sam's, signed and sent from his address, in his
    # thread; lea is refused (her own outreach she may draft).
    as_user(first, SAM, "me", "--mail", "Sam Okafor <sam@example.org>")
    outreach = postgres.sql("SELECT id FROM outreach")
    drafted = as_user(first, SAM, "draft", outreach, "--json").json()
    assert drafted["subject"] == "Following up: her notes" and drafted["body"].startswith("Hello Ada,"), drafted
    assert (drafted["fromAddress"], drafted["fromName"], drafted["toAddress"]) == \
        ("sam@example.org", "Sam Okafor", "ada@example.org"), drafted
    assert "Sam Okafor" in drafted["body"], drafted["body"]
    refused = as_user(second, LEA, "draft", outreach, check=False)
    assert refused.code != 0 and f"#{outreach} is sam's: only its author can draft its follow-up; ask sam" in refused.stderr, \
        refused.stderr

    # Forgetting Ada is now lea's alone: everything about her goes, open outreach too.
    refused = as_user(second, SAM, "contact", "forget", "ada", check=False)
    assert refused.code != 0 and "Ada Lovelace is lea's: only their owner can forget them; ask lea" in refused.stderr
    forgot = as_user(second, LEA, "contact", "forget", "ada")
    assert forgot.stdout.startswith("Forgot Ada Lovelace, 1 outreach, 2 interactions"), forgot.stdout
    assert postgres.sql("SELECT (SELECT count(*) FROM contact) + (SELECT count(*) FROM outreach) + "
                        "(SELECT count(*) FROM interaction) + (SELECT count(*) FROM reminder) + "
                        "(SELECT count(*) FROM inbox_item) + (SELECT count(*) FROM outbox)") == "0"
    for node in team:
        node.wait_until(lambda: node.call("Status")["pendingReminders"] == 0 or None, 10, what="both nodes to hold none")
    journal = [line for line in second.stderr().splitlines() if "forgot contact" in line]
    assert len(journal) == 1 and "Ada" not in journal[0] and "#1" in journal[0], journal


def test_contacts_imported_by_a_team_user_are_theirs_and_only_their_own_files_are_read(postgres, team, workdir):
    first, second = team
    # A Latin-1 address book (an old Outlook export): relancectl sends its path, not its
    # text, so the node reads the file itself.
    cards = workdir / "outlook.vcf"
    cards.write_bytes("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Martin\r\nEMAIL:zoe@example.org\r\nEND:VCARD\r\n"
                      .encode("latin-1"))
    os.chmod(cards, 0o644)
    # Root's file, though lea may read it: refused, nothing added.
    refused = as_user(first, LEA, "import", str(cards), check=False)
    assert refused.code != 0 and "belongs to uid 0, not to you (uid 4001)" in refused.stderr, refused.stderr
    assert postgres.sql("SELECT count(*) FROM contact") == "0"
    # Her own: imported, hers, on every node; exported by sam from the other node.
    os.chown(cards, LEA, LEA)
    imported = as_user(first, LEA, "import", str(cards), "--json").json()[0]
    assert (imported["added"], imported["applied"]) == (1, True), imported
    assert postgres.sql("SELECT name, owner FROM contact") == "Zoë Martin|lea"
    listing = as_user(second, SAM, "export", "--vcf").stdout
    assert "FN:Zoë Martin" in listing and "zoe@example.org" in listing, listing
    # sam imports that export again: the same person, nothing added.
    exported = workdir / "team.vcf"
    exported.write_text(listing)
    os.chown(exported, SAM, SAM)
    again = as_user(second, SAM, "import", str(exported), "--json").json()[0]
    assert again["added"] == 0, again
    assert postgres.sql("SELECT count(*), min(owner) FROM contact") == "1|lea"


def meetup_ics(sequence, title="Founders meetup", method=""):
    """A calendar client's export of one weekly meetup (19:00 Paris), at a SEQUENCE."""
    status = "STATUS:CANCELLED\r\n" if method == "CANCEL" else ""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\n" + (f"METHOD:{method}\r\n" if method else "")
            + "BEGIN:VEVENT\r\nUID:meetup@example.org\r\nDTSTAMP:20300101T000000Z\r\n"
            + f"SEQUENCE:{sequence}\r\nDTSTART;TZID=Europe/Paris:20300321T190000\r\nDURATION:PT2H\r\n"
            + f"RRULE:FREQ=WEEKLY;BYDAY=TH\r\nSUMMARY:{title}\r\n{status}END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_a_calendar_imported_by_a_team_user_is_theirs_and_only_they_update_or_cancel_it(postgres, team, workdir):
    first, second = team

    def owned(name, text, uid):
        path = workdir / name
        path.write_text(text, newline="")
        os.chown(path, uid, uid)
        return str(path)

    # A Latin-1 calendar: relancectl sends its path, not its text, so the node reads it.
    # Root's, though lea may read it: refused, nothing added.
    latin = meetup_ics(0).replace("SUMMARY:", "LOCATION:Café Olimpico\r\nSUMMARY:").encode("latin-1")
    rootfile = workdir / "root.ics"
    rootfile.write_bytes(latin)
    os.chmod(rootfile, 0o644)
    refused = as_user(first, LEA, "import", str(rootfile), check=False)
    assert refused.code != 0 and "belongs to uid 0, not to you (uid 4001)" in refused.stderr, refused.stderr
    assert postgres.sql("SELECT count(*) FROM event") == "0"
    # Her own: the personal daemon's report; lea goes, the reminders are hers, on every node.
    os.chown(rootfile, LEA, LEA)
    report = as_user(first, LEA, "import", str(rootfile), "--json").json()[0]
    assert (report["added"], report["applied"]) == (1, True), report
    assert report["lines"] == ["add Founders meetup (root.ics:4)"], report["lines"]
    assert postgres.sql("SELECT created_by, title, start_local, time_zone, place FROM event") == \
        "lea|Founders meetup|2030-03-21T19:00:00|Europe/Paris|Café Olimpico"
    assert postgres.sql("SELECT DISTINCT owner FROM reminder WHERE event_id = 1 AND state = 'pending'") == "lea"
    assert [e["title"] for e in as_user(second, SAM, "event", "list", "--json").json()["events"]] == ["Founders meetup"]
    pending = postgres.sql("SELECT id, state, fire_at FROM reminder ORDER BY id")
    # sam imports the same copy: skipped, nothing written.
    same = as_user(second, SAM, "import", owned("sam.ics", meetup_ics(0), SAM), "--json").json()[0]
    assert (same["added"], same["skipped"]) == (0, 1), same
    # sam imports a newer version (renamed), with a contact in the same call: refused,
    # naming whose the event is, and nothing of either is written.
    cards = owned("ada.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL:ada@example.com\r\nEND:VCARD\r\n", SAM)
    newer = owned("newer.ics", meetup_ics(1, "Founders drinks"), SAM)
    for args in ([newer], [cards, newer]):
        refused = as_user(second, SAM, "import", *args, check=False)
        assert refused.code != 0 and "#1 is lea's: only who goes can change it; ask lea" in refused.stderr, refused.stderr
    assert postgres.sql("SELECT title, sequence FROM event") == "Founders meetup|0"
    assert postgres.sql("SELECT count(*) FROM contact") == "0"
    assert postgres.sql("SELECT id, state, fire_at FROM reminder ORDER BY id") == pending
    # lea imports the newer version, then the cancellation: renamed and re-planned, then
    # removed and remembered, so the old copy does not bring it back.
    update = as_user(first, LEA, "import", owned("newer-lea.ics", meetup_ics(1, "Founders drinks"), LEA), "--json").json()[0]
    assert update["merged"] == 1 and update["applied"], update
    assert postgres.sql("SELECT title, sequence FROM event") == "Founders drinks|1"
    assert postgres.sql("SELECT count(*) FROM reminder WHERE event_id = 1 AND state = 'pending' AND text LIKE '%Founders drinks%'") != "0"
    cancel = as_user(second, LEA, "import", owned("cancel.ics", meetup_ics(2, method="CANCEL"), LEA), "--json").json()[0]
    assert cancel["merged"] == 1, cancel
    assert postgres.sql("SELECT count(*) FROM event") == "0"
    assert postgres.sql("SELECT count(*) FROM reminder WHERE state = 'pending'") == "0"
    assert postgres.sql("SELECT uid, sequence FROM cancelled_event") == "meetup@example.org|2"
    old = as_user(first, SAM, "import", owned("old.ics", meetup_ics(0), SAM), "--json").json()[0]
    assert (old["added"], old["skipped"]) == (0, 1), old
    # sam's contacts and another calendar together: one call, both his.
    other = owned("fair.ics", meetup_ics(0, "Job fair").replace("meetup@example.org", "fair@example.org"), SAM)
    both = as_user(second, SAM, "import", cards, other, "--json").json()
    assert [r["added"] for r in both] == [1, 1], both
    assert postgres.sql("SELECT owner FROM contact") == "sam"
    assert postgres.sql("SELECT created_by, title FROM event") == "sam|Job fair"


def test_a_uid_the_team_does_not_map_is_told_so_and_changes_nothing(postgres, team):
    first, _ = team
    stranger = as_user(first, STRANGER, "contact", "list", check=False)
    assert stranger.code != 0
    assert f"serves no team user with uid {STRANGER}" in stranger.stderr and "[team.users]" in stranger.stderr
    # The node's own user (root here) still runs it, but is nobody's team user: it cannot
    # own a contact.
    assert first.call("Status")["database"].startswith("postgresql://")
    own = first.ctl("contact", "add", "Grace Hopper", check=False)
    assert own.code != 0 and f"serves no team user with uid {os.getuid()}" in own.stderr
    assert postgres.sql("SELECT count(*) FROM contact") == "0"
    assert first.running()
    assert "refused a control connection from another user" in first.stderr()


def test_a_reload_adds_and_removes_team_users_and_a_bad_file_changes_nothing(postgres, team):
    first, _ = team
    assert as_user(first, STRANGER, "contact", "list", check=False).code != 0
    config = first.config.read_text()
    # SIGHUP, as `systemctl reload` sends it: the node keeps running and serves the new
    # user from the next connection on.
    first.config.write_text(config + f"ada = {STRANGER}\n")
    first.process.send_signal(signal.SIGHUP)
    first.wait_until(lambda: "team users now: ada (4003), lea (4001), sam (4002)" in first.stderr(), timeout=30,
                     what="the reload in the journal")
    assert first.running()
    added = as_user(first, STRANGER, "contact", "add", "Grace Hopper", "--email", "grace@example.org")
    assert added.code == 0, added.stderr
    assert postgres.sql("SELECT owner FROM contact") == "ada"
    # A wrong file is refused whole (`relancectl reload` says where and what): ada stays.
    first.config.write_text(config + f"ada = {STRANGER}\nbob = {LEA}\n")
    refused = first.ctl("reload", check=False)
    assert refused.code != 0 and f"uid {LEA} is given to both" in refused.stderr, refused.stderr
    assert as_user(first, STRANGER, "contact", "list").code == 0
    # New timing rules re-plan the team's pending reminders, as on a personal daemon:
    # leaving two hours before a meeting instead of one.
    as_user(first, LEA, "meeting", "add", "grace", "--at", "2030-03-05 15:00", "--place", "Station F")
    leave = "SELECT fire_at FROM reminder WHERE kind = 'meeting_leave' AND state = 'pending'"
    assert postgres.sql(leave) == "2030-03-05 13:00:00+00"
    first.config.write_text(config + f"ada = {STRANGER}\n[meetings]\nleave_before = \"PT2H\"\n")
    assert first.ctl("reload").code == 0
    assert postgres.sql(leave) == "2030-03-05 12:00:00+00"
    assert "re-planned 1 pending reminder(s) under the new rules" in first.stderr()
    # Removed again: ada is told, as any uid the team does not map.
    first.config.write_text(config)
    assert first.ctl("reload").code == 0
    gone = as_user(first, STRANGER, "contact", "list", check=False)
    assert gone.code != 0 and f"serves no team user with uid {STRANGER}" in gone.stderr
    assert as_user(first, LEA, "contact", "list").code == 0
    assert first.running()


def test_days_off_imported_on_one_node_are_planned_around_by_every_node(postgres, nodes, tmp_path):
    for node in nodes[:2]:
        node.config.write_text(node.config.read_text() + f"[team.users]\nme = {os.getuid()}\n")  # contacts are someone's
        node.start()
    first, second = nodes[:2]
    second.ctl("contact", "add", "Ada Lovelace", "--email", "ada@example.com")
    second.ctl("outreach", "log", "ada", "--ask", "a coffee chat")
    [planned] = [r for r in second.call("Upcoming")["reminders"] if r["kind"] == "follow_up"]
    day = planned["fireAt"][:10]
    compact = day.replace("-", "")
    path = tmp_path / "days-off.ics"
    path.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:off@t\r\n"
                    f"DTSTART;VALUE=DATE:{compact}\r\nSUMMARY:Team day off\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", newline="")

    # Imported through the first node: the pending follow-up moves off it in the same transaction.
    report = first.ctl("import", "--holidays", str(path), "--json").json()[0]
    assert report["applied"] and report["added"] == 1, report
    [moved] = [r for r in first.call("Upcoming")["reminders"] if r["kind"] == "follow_up"]
    assert moved["fireAt"][:10] > day, (moved, day)
    # The other node hears of it through the database, lists it, and plans around it.
    second.wait_until(lambda: "the team's days off changed" in second.stderr(), timeout=15, what="the other node told")
    assert {"date": day, "name": "Team day off", "source": "days-off.ics"} in second.call("ListHolidays")["holidays"]
    second.ctl("contact", "add", "Grace Hopper", "--email", "grace@example.com")
    second.ctl("outreach", "log", "grace", "--ask", "an introduction")
    assert not any(r["fireAt"].startswith(day) for r in second.call("Upcoming")["reminders"]), second.call("Upcoming")
    # A bad file imports no day, on any node.
    path.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@x\r\nSUMMARY:No date\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                    newline="")
    refused = second.ctl("import", "--holidays", str(path), check=False)
    assert refused.code != 0 and "days-off.ics:3: the holiday has no DTSTART" in refused.stderr, refused.stderr
    assert postgres.sql("SELECT count(*) FROM holiday") == "1"


def test_a_nodes_calendar_file_follows_what_other_nodes_plan(postgres, nodes):
    # The calendar file of one node ([export] calendar_file) shows what the team plans
    # through any node: heard through the reminder feed, not polled.
    calendar = nodes[0].root / "team.ics"
    nodes[0].config.write_text(nodes[0].config.read_text() + f'[export]\ncalendar_file = "{calendar}"\n')
    for node in nodes[:2]:
        node.config.write_text(node.config.read_text() + f"[team.users]\nme = {os.getuid()}\n")  # events are someone's
        node.start()
    nodes[1].ctl("event", "add", "Startup drinks", "--at", "2030-12-10 19:00", "--until", "2030-12-10 22:00")
    nodes[1].ctl("remind", "2030-12-09 09:00", "Buy a ticket")
    nodes[0].wait_until(lambda: calendar.exists() and "Buy a ticket" in calendar.read_text(), timeout=15,
                        what="the other node's plans in the calendar file")
    text = calendar.read_text()
    assert "SUMMARY:Startup drinks" in text and text.startswith("BEGIN:VCALENDAR"), text
    # Cancelled elsewhere: gone from the file too.
    reminder = nodes[1].call("Upcoming")["reminders"]
    [ticket] = [r for r in reminder if r["text"] == "Buy a ticket"]
    nodes[1].ctl("reminder", "cancel", str(ticket["id"]))
    nodes[0].wait_until(lambda: "Buy a ticket" not in calendar.read_text(), timeout=15,
                        what="the cancelled reminder out of the calendar file")


@pytest.mark.parametrize("users, says", [
    ("[team.users]\nlea = -1\n", "'lea' must be a local uid"),
    ("[team.users]\nlea = 4001\nsam = 4001\n", "uid 4001 is given to both lea and sam"),
    ('[team.users]\n"léa" = 4001\n', "is not a team user name"),
    ("[team]\nusers = 4\n", "write the users as a table"),
    ('[team.users]\nlea = 4001\n[desktop]\nuser = "leah"\n', "'leah' is no team user ([team.users] names lea)"),
])
def test_a_wrong_team_user_stops_the_start_with_where_and_what(stopped_daemon, workdir, users, says):
    team_node(stopped_daemon, f"postgresql://relance@/relance?host={workdir}/nowhere", "n0", extra=users)
    stopped_daemon.start(wait=False)
    code = stopped_daemon.process.wait(timeout=30)
    assert code == 78, stopped_daemon.stderr()
    assert "config.toml:" in stopped_daemon.stderr() and says in stopped_daemon.stderr()


def test_team_users_on_a_personal_daemon_stop_the_start(stopped_daemon):
    stopped_daemon.config.write_text("[team.users]\nlea = 4001\n")
    stopped_daemon.start(wait=False)
    assert stopped_daemon.process.wait(timeout=30) == 78
    assert "config.toml:1" in stopped_daemon.stderr() and "is for team mode" in stopped_daemon.stderr()


@pytest.mark.parametrize("setting, says", [
    ('url = "postgresql://relance:secret@db/relance"', "password_file"),
    ('url = "mysql://relance@db/relance"', "must start with postgresql://"),
    ('url = "postgresql://relance@db/relance"\ndatabase = "/tmp/x.sqlite"', "not both"),
    ('node = "n1"', "is for team mode"),
])
def test_a_wrong_store_setting_stops_the_start_with_where_and_what(stopped_daemon, setting, says):
    stopped_daemon.config.write_text(f"[store]\n{setting}\n")
    stopped_daemon.start(wait=False)
    code = stopped_daemon.process.wait(timeout=30)
    assert code == 78, stopped_daemon.stderr()
    assert "config.toml:" in stopped_daemon.stderr() and says in stopped_daemon.stderr()


def test_a_node_under_a_running_nodes_name_is_refused_and_a_killed_node_takes_its_name_back(postgres, nodes):
    # Given n0 running, with a reminder set
    nodes[0].start()
    nodes[0].ctl("remind", "in 1h", "Write to Ada")

    # When another node starts under the same name (n1's config naming it n0)
    team_node(nodes[1], postgres.url, "n0")
    nodes[1].start(wait=False)

    # Then it stops (configuration, 78) saying which name and what to do, having changed nothing
    assert nodes[1].process.wait(timeout=60) == 78, nodes[1].stderr()
    said = nodes[1].stderr()
    assert "config.toml: [store] node:" in said and 'running as "n0"' in said and "its own [store] node" in said
    assert postgres.sql("SELECT count(*) FROM reminder") == "1"
    assert "Write to Ada" in nodes[0].ctl("upcoming").stdout

    # And n0, killed with -9, starts again at once under its name (its session's end freed it)
    nodes[0].kill()
    nodes[0].start()
    assert "Write to Ada" in nodes[0].ctl("upcoming").stdout


def test_an_unreachable_team_database_is_named_at_start(stopped_daemon, workdir):
    team_node(stopped_daemon, f"postgresql://relance@/relance?host={workdir}/nowhere", "n0")
    stopped_daemon.start(wait=False)
    code = stopped_daemon.process.wait(timeout=60)
    assert code != 0
    assert "team database is unavailable" in stopped_daemon.stderr()


CYCLES = int(os.environ.get("RELANCE_TEAM_KILL_CYCLES", "200"))


def test_kill_9_of_a_random_node_every_second_loses_nothing_and_fires_nothing_twice(postgres, nodes):
    """Three nodes under a steady stream of reminders coming due a few hundred ms after
    they are set; every cycle one random node is killed with SIGKILL and restarted.
    Afterwards: every acknowledged reminder is in the database, every one has fired, and
    none has more than one inbox item."""
    for node in nodes:
        node.start()
    acknowledged = []
    failures = []
    stop = threading.Event()
    lock = threading.Lock()
    live = set(range(3))

    def writer(seed):
        rng = random.Random(seed)
        while not stop.is_set():
            with lock:
                choices = sorted(live)
            if not choices:
                time.sleep(0.01)
                continue
            node = nodes[rng.choice(choices)]
            due = time.time() + rng.uniform(0.2, 0.8)
            try:
                reply = node.call("Remind", at=node.format_instant(due), text=f"r{seed}-{len(acknowledged)}")
            except Exception as error:  # a node killed mid-call: not acknowledged, not counted
                failures.append(type(error).__name__)
                continue
            with lock:
                acknowledged.append(reply["reminder"]["id"])
            time.sleep(rng.uniform(0.0, 0.05))

    writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(2)]
    for thread in writers:
        thread.start()
    rng = random.Random(16)
    try:
        for _ in range(CYCLES):
            victim = rng.randrange(3)
            with lock:
                live.discard(victim)
            nodes[victim].kill()
            nodes[victim].start()
            with lock:
                live.add(victim)
            time.sleep(rng.uniform(0.3, 1.0))
    finally:
        stop.set()
        for thread in writers:
            thread.join()

    ids = sorted(set(acknowledged))
    assert len(ids) > CYCLES  # the load was real
    id_list = ",".join(map(str, ids))
    # Every acknowledged write is there; every one fires (a node is always up to do it).
    assert postgres.sql(f"SELECT count(*) FROM reminder WHERE id IN ({id_list})") == str(len(ids))
    nodes[0].wait_until(lambda: postgres.sql("SELECT count(*) FROM reminder WHERE state = 'pending'") == "0",
                        timeout=60, what="every reminder fired")
    # Exactly once: one inbox item per fired reminder, none for anything else.
    assert postgres.sql("SELECT count(*) FROM reminder WHERE state = 'fired'") == \
        postgres.sql("SELECT count(*) FROM inbox_item")
    assert postgres.sql("SELECT count(*) FROM (SELECT reminder_id FROM inbox_item GROUP BY reminder_id "
                        "HAVING count(*) > 1) AS twice") == "0"
    assert postgres.sql(f"SELECT count(DISTINCT reminder_id) FROM inbox_item WHERE reminder_id IN ({id_list})") \
        == str(len(ids))
    # The killing was real too: several nodes fired.
    assert int(postgres.sql("SELECT count(DISTINCT fired_by) FROM inbox_item")) >= 2


def test_a_database_outage_is_reported_then_caught_up_once_it_is_back(postgres, nodes):
    """PostgreSQL stops mid-run (fast shutdown: every connection cut) and comes back on
    the same data: calls during the outage get StoreUnavailable naming the database, the
    nodes keep running, and a reminder that came due meanwhile fires once, marked late."""
    for node in nodes[:2]:
        node.start()
    due = time.time() + 3
    nodes[0].ctl("remind", nodes[0].format_instant(due), "Send the deck to Léa")
    postgres.stop()
    refused = nodes[1].ctl("remind", "tomorrow 9:00", "during the outage", check=False)
    assert refused.code != 0 and "team database is unavailable" in refused.stderr, refused
    # Status still answers, and says so; the node still knows what it has to fire.
    status = nodes[1].call("Status")
    assert "UNAVAILABLE" in status["database"] and status["pendingReminders"] == 1, status
    time.sleep(max(0.0, due - time.time()) + 1)  # the reminder comes due while the database is down
    assert all(node.running() for node in nodes[:2])
    subprocess.run([str(HARNESS), "restart", str(postgres.folder)], check=True)
    nodes[0].wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "1", timeout=90,
                        what="the missed reminder fired after the database came back")
    assert postgres.sql("SELECT text FROM inbox_item") == "Send the deck to Léa"
    assert postgres.sql("SELECT count(*) FROM reminder WHERE text = 'during the outage'") == "0"
    assert "UNAVAILABLE" not in nodes[1].call("Status")["database"]
    # Both nodes serve again, and say what happened in their logs.
    for node in nodes[:2]:
        assert "Send the deck to Léa" in node.ctl("inbox").stdout
    assert any("unavailable" in node.stderr() or "lost the connection" in node.stderr() for node in nodes[:2])


def test_reminders_cancelled_or_moved_on_one_node_and_items_closed_on_another_hold_for_all(postgres, nodes):
    for node in nodes:
        node.start()
    now = time.time()
    soon = nodes[0].call("Remind", at=nodes[0].format_instant(now + 2), text="Thank Léa for the intro")["reminder"]["id"]
    cancelled = nodes[0].call("Remind", at=nodes[0].format_instant(now + 2), text="cancelled")["reminder"]["id"]
    moved = nodes[0].call("Remind", at=nodes[0].format_instant(now + 2), text="moved")["reminder"]["id"]
    # Through relancectl on the other nodes, as a teammate would.
    assert f"Cancelled reminder {cancelled}" in nodes[1].ctl("reminder", "cancel", str(cancelled)).stdout
    assert f"moved reminder {moved}" in nodes[2].ctl("reminder", "move", str(moved), "in 3 days").stdout.lower()
    again = nodes[2].ctl("reminder", "cancel", str(cancelled), check=False)
    assert again.code != 0 and "not pending" in again.stderr.lower(), again
    nodes[0].wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "1", timeout=30,
                        what="the one reminder still due fired")
    time.sleep(1)  # every node's timer for the cancelled and moved ones has gone off
    assert postgres.sql("SELECT text FROM inbox_item") == "Thank Léa for the intro"
    upcoming = nodes[1].call("Upcoming")["reminders"]
    assert [(r["id"], r["text"]) for r in upcoming] == [(moved, "moved")]
    # An item read on one node is read for every node; done on another, it leaves the open inbox.
    [item] = nodes[0].call("Inbox")["items"]
    assert (item["reminderId"], item["text"], item["state"]) == (soon, "Thank Léa for the intro", "unread")
    nodes[1].ctl("read", str(item["id"]))
    assert [i["state"] for i in nodes[2].call("Inbox", filter="all")["items"]] == ["read"]
    nodes[2].ctl("done", str(item["id"]))
    assert nodes[0].call("Inbox")["items"] == []
    assert [i["state"] for i in nodes[0].call("Inbox", filter="all")["items"]] == ["done"]
    missing = nodes[0].ctl("done", "999", check=False)
    assert missing.code != 0 and "999" in missing.stderr


def test_watch_on_every_node_sees_each_item_once_whichever_node_fired_it(postgres, nodes):
    for node in nodes:
        node.start()
    watchers = [node.spawn([node.relancectl, "watch", "--json", "--socket", node.socket]) for node in nodes]
    time.sleep(0.5)  # the watchers have subscribed
    due = time.time() + 2
    ids = [nodes[index].call("Remind", at=nodes[index].format_instant(due), text=f"from n{index}")["reminder"]["id"]
           for index in range(3)]
    for watcher in watchers:
        seen = [json.loads(watcher.read_line(timeout=30)) for _ in range(3)]
        assert sorted(item["reminderId"] for item in seen) == sorted(ids), seen
        assert watcher.read_line(timeout=1.5) is None  # nothing twice
    assert postgres.sql("SELECT count(*) FROM inbox_item") == "3"


def test_an_item_snoozed_on_one_node_comes_back_once_the_same_item_on_every_node(postgres, nodes):
    for node in nodes:
        node.start()
    nodes[0].call("Remind", at=nodes[0].format_instant(time.time() + 1), text="Send Ada the notes")
    [item] = nodes[0].wait_until(lambda: nodes[0].call("Inbox")["items"], timeout=30, what="the reminder fired")
    watchers = [node.spawn([node.relancectl, "watch", "--json", "--socket", node.socket]) for node in nodes]
    time.sleep(0.5)  # the watchers have subscribed

    # When a teammate snoozes it for three seconds through relancectl on another node
    snoozed = nodes[1].ctl("snooze", str(item["id"]), "3s", "--json").json()["item"]
    until = nodes[1].parse_instant(snoozed["snoozedUntil"])

    # Then it leaves every node's open inbox until then, its comeback coming for all…
    assert (snoozed["id"], snoozed["state"]) == (item["id"], "snoozed")
    for node in nodes:
        assert node.call("Inbox")["items"] == []
        assert [i["state"] for i in node.call("Inbox", filter="all")["items"]] == ["snoozed"]
    assert "Send Ada the notes" in nodes[2].ctl("upcoming").stdout
    # …and comes back once, the same item, unread, seen by every node's Watch once.
    for watcher in watchers:
        seen = json.loads(watcher.read_line(timeout=30))
        assert (seen["id"], seen["state"]) == (item["id"], "unread"), seen
        assert watcher.read_line(timeout=1.5) is None  # nothing twice
    for node in nodes:
        [back] = node.call("Inbox")["items"]
        assert (back["id"], back["state"], back.get("snoozedUntil")) == (item["id"], "unread", None)
        assert node.parse_instant(back["firedAt"]) >= until - 0.002
    assert postgres.sql("SELECT count(*) FROM inbox_item") == "1"
    assert postgres.sql("SELECT state, count(*) FROM reminder WHERE resurfaces_inbox_id IS NOT NULL GROUP BY state") == \
        "fired|1"
    assert nodes[0].call("Upcoming")["reminders"] == []


def test_a_snooze_refused_changes_nothing_a_move_moves_it_and_done_elsewhere_cancels_it(postgres, nodes):
    for node in nodes[:2]:
        node.start()
    for text in ("open", "closed"):
        nodes[0].call("Remind", at=nodes[0].format_instant(time.time() + 1), text=text)
    items = nodes[0].wait_until(lambda: len(nodes[0].call("Inbox")["items"]) == 2 and nodes[0].call("Inbox")["items"],
                                timeout=30, what="both reminders fired")
    by_text = {item["text"]: item["id"] for item in items}
    nodes[1].ctl("done", str(by_text["closed"]))
    rows = "SELECT (SELECT json_agg(r ORDER BY id) FROM reminder r)::text || (SELECT json_agg(i ORDER BY id) FROM inbox_item i)::text"
    before = postgres.sql(rows)

    # A time in the past, an unknown item, an item already done: the personal daemon's refusals.
    past = nodes[1].ctl("snooze", str(by_text["open"]), "2020-01-01T00:00:00Z", check=False)
    assert past.code != 0 and "when: must be in the future" in past.stderr, past.stderr
    unknown = nodes[1].ctl("snooze", "999", "1h", check=False)
    assert unknown.code != 0 and "no inbox item with id 999" in unknown.stderr, unknown.stderr
    closed = nodes[1].ctl("snooze", str(by_text["closed"]), "1h", check=False)
    assert closed.code != 0 and f"inbox item {by_text['closed']} is done" in closed.stderr, closed.stderr
    assert postgres.sql(rows) == before

    # Snoozed for an hour on one node; its comeback moved on the other moves when it comes
    # back, and cancelling it by hand is refused (done or dismiss the item instead).
    nodes[0].ctl("snooze", str(by_text["open"]), "1h")
    [comeback] = nodes[1].call("Upcoming")["reminders"]
    soon = time.time() + 5
    nodes[1].ctl("reminder", "move", str(comeback["id"]), nodes[1].format_instant(soon))
    [moved] = [i for i in nodes[0].call("Inbox", filter="all")["items"] if i["id"] == by_text["open"]]
    assert abs(nodes[0].parse_instant(moved["snoozedUntil"]) - soon) < 0.002, moved
    refused = nodes[1].ctl("reminder", "cancel", str(comeback["id"]), check=False)
    assert refused.code != 0 and f"brings back snoozed inbox item {by_text['open']}" in refused.stderr, refused.stderr
    # Done on the other node before it comes back: it stays done.
    nodes[1].ctl("done", str(by_text["open"]))
    assert nodes[0].call("Upcoming")["reminders"] == []
    time.sleep(max(soon - time.time(), 0) + 1)
    assert [i["state"] for i in nodes[0].call("Inbox", filter="all")["items"]] == ["done", "done"]
    assert postgres.sql("SELECT state FROM reminder WHERE resurfaces_inbox_id IS NOT NULL") == "cancelled"


def test_done_and_snooze_pressed_on_a_team_nodes_popup_act_for_every_node(postgres, nodes, tmp_path):
    # Two nodes showing popups on one session bus (the notification server answers each
    # button to the node that showed that popup), a third without a desktop.
    bus = SessionBus(tmp_path / "bus")
    try:
        for node in nodes[:2]:
            node.env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
            node.config.write_text(node.config.read_text() + "[desktop]\nenabled = true\n")
            node.start()
        due = nodes[0].format_instant(time.time() + 1)
        for text in ("Press done", "Press snooze"):
            nodes[0].call("Remind", at=due, text=text)
        shown = {}
        while len(shown) < 2:
            event = bus.next_event()
            if event.get("event") == "notify":
                shown[event["summary"]] = event
        assert shown["Press done"]["actions"][::2] == ["done", "snooze", "open"]

        # When done is pressed on one popup and snooze on the other
        bus.command(f"action {shown['Press done']['id']} done")
        bus.command(f"action {shown['Press snooze']['id']} snooze")

        # Then, seen from a third node: one item done, the other snoozed for a day.
        nodes[2].config.write_text(nodes[2].config.read_text() + "[desktop]\nenabled = false\n")
        nodes[2].start()
        def acted():
            items = {i["text"]: i for i in nodes[2].call("Inbox", filter="all")["items"]}
            return items if [items[t]["state"] for t in ("Press done", "Press snooze")] == ["done", "snoozed"] else None
        items = nodes[2].wait_until(acted, timeout=10, what="the buttons' actions in the shared inbox")
        assert 23 * 3600 < nodes[2].parse_instant(items["Press snooze"]["snoozedUntil"]) - time.time() <= 25 * 3600
        assert [r["text"] for r in nodes[1].call("Upcoming")["reminders"]] == ["Press snooze"]
        pressed = [node.root.name for node in nodes[:2] if "(desktop)" in node.stderr()]
        shown_by = postgres.sql("SELECT DISTINCT sent_by FROM outbox WHERE channel = 'desktop' AND state = 'sent' ORDER BY 1")
        assert sorted(pressed) == shown_by.split("\n"), (pressed, shown_by)
    finally:
        bus.stop()


# Delivery from every node.

def mailing_nodes(nodes, postgres, server, lease="PT2M", timeout="PT60S"):
    """The three nodes with the same [mail] channel (the loopback SMTP server)."""
    for node in nodes:
        team_node(node, postgres.url, node.root.name, store_extra=f'delivery_lease = "{lease}"\n',
                  extra=mail_config(node, server.port, server.cert, extra=f'timeout = "{timeout}"'))
    return nodes


def mailed_items(server):
    """How many times each inbox item was mailed, by the item number in its Message-ID."""
    counts = {}
    for mail in server.messages():
        message_id = mail["headers"]["Message-ID"]
        item = int(message_id.split(".inbox-")[1].split(".")[0])
        counts[item] = counts.get(item, 0) + 1
    return counts


@pytest.fixture
def smtp(tmp_path):
    server = SMTPServer(tmp_path / "smtp")
    yield server
    server.stop()


def test_reminders_due_across_three_nodes_are_each_mailed_exactly_once(postgres, nodes, smtp):
    for node in mailing_nodes(nodes, postgres, smtp):
        node.start()
    due = time.time() + 3
    count = 240
    for index in range(count):
        node = nodes[index % 3]
        node.call("Remind", at=node.format_instant(due + (index % 4) * 0.5), text=f"Call contact {index}")
    nodes[0].wait_until(lambda: postgres.sql("SELECT count(*) FROM outbox WHERE state = 'sent'") == str(count),
                        timeout=120, what="every job sent")
    time.sleep(1)  # nothing more may arrive
    counts = mailed_items(smtp)
    item_ids = {int(i) for i in postgres.sql("SELECT id FROM inbox_item").split()}
    assert set(counts) == item_ids and len(item_ids) == count
    assert set(counts.values()) == {1}, {item: n for item, n in counts.items() if n != 1}
    # Each mail is the item's: its text as the subject, one Message-ID namespace for the team.
    texts = dict(line.split("|") for line in postgres.sql("SELECT id, text FROM inbox_item").splitlines())
    namespaces = set()
    for mail in smtp.messages():
        message_id = mail["headers"]["Message-ID"]
        item = message_id.split(".inbox-")[1].split(".")[0]
        assert mail["headers"]["Subject"] == texts[item]
        assert f"relancectl done {item}" in mail["body"]
        namespaces.add(message_id.split(".inbox-")[0])
    assert len(namespaces) == 1
    # The sending was shared: jobs were claimed and sent by several nodes, each once.
    assert postgres.sql("SELECT max(claims) FROM outbox") == "1"
    assert int(postgres.sql("SELECT count(DISTINCT sent_by) FROM outbox")) >= 2
    said = sum(node.stderr().count("delivered by mail") for node in nodes)
    assert said == count


BURST_KILLS = int(os.environ.get("RELANCE_TEAM_DELIVERY_KILLS", "12"))


def test_kill_9_of_nodes_during_a_burst_mails_everything_and_repeats_only_retaken_jobs(postgres, nodes, smtp):
    """A burst of reminders comes due while nodes are killed with SIGKILL and restarted.
    Afterwards every item has been mailed at least once, and an item was mailed more than
    once only if its job was claimed again after a lease ran out (a node died holding it,
    after the server took the mail, before the node recorded it): never by two holders
    of the same claim."""
    for node in mailing_nodes(nodes, postgres, smtp, lease="PT4S", timeout="PT3S"):
        node.start()
    count = 300
    start = time.time() + 2
    for index in range(count):
        node = nodes[index % 3]
        node.call("Remind", at=node.format_instant(start + (index % 30) * 0.2), text=f"Burst {index}")
    rng = random.Random(1616)
    for _ in range(BURST_KILLS):
        time.sleep(rng.uniform(0.1, 0.6))
        victim = nodes[rng.randrange(3)]
        victim.kill()
        victim.start()
    nodes[0].wait_until(lambda: postgres.sql("SELECT count(*) FROM outbox WHERE state <> 'sent'") == "0"
                        and postgres.sql("SELECT count(*) FROM reminder WHERE state = 'pending'") == "0",
                        timeout=180, what="every reminder fired and every job sent")
    time.sleep(1)
    counts = mailed_items(smtp)
    claims = {int(item): int(n) for item, n in
              (line.split("|") for line in postgres.sql("SELECT inbox_item_id, claims FROM outbox").splitlines())}
    assert len(claims) == count
    missing = set(claims) - set(counts)
    assert not missing, f"never mailed: {sorted(missing)}"
    # At most one send per claim: a repeat only for a job retaken after its lease.
    over = {item: (counts[item], claims[item]) for item in claims if counts[item] > claims[item]}
    assert not over, over
    assert set(counts) == set(claims)
    assert any(n > 1 for n in claims.values())  # the killing was real: leases ran out and were retaken
    print(f"burst: {count} items, {sum(counts.values())} mails, {sum(n > 1 for n in counts.values())} mailed twice or more, "
          f"{sum(n > 1 for n in claims.values())} jobs claimed more than once")


@pytest.mark.parametrize("extra, store_extra, says", [
    ('[mail]\ntransport = "pigeon"\nfrom = "a@example.com"\nto = ["b@example.com"]\n', "", "not sendmail or smtp"),
    ('[mail]\ntransport = "sendmail"\nfrom = "a@example.com"\nto = ["b@example.com"]\nmode = "weekly"\n', "",
     "'weekly' is not one of each, digest, both"),
    ('[mail]\ntransport = "sendmail"\nfrom = "a@example.com"\nto = ["b@example.com"]\ntimeout = "PT60S"\n',
     'delivery_lease = "PT30S"\n', "longer than [mail] timeout"),
    ("", 'delivery_lease = "soon"\n', "'soon' is not an ISO 8601 duration"),
    # A Maildir or an IMAP account with no team user to read it as is refused, not read as
    # no one's.
    ('[mail_watch]\ninbox = "/tmp/Maildir"\n', "", "a team node reads a Maildir as its team user, and uid"),
    ('[mail_watch]\nimap_url = "imaps://relance@127.0.0.1:9/"\nimap_password_file = "/tmp/p"\n', "",
     "a team node reads an IMAP account as its team user, and uid"),
    # A followed folder's events and contacts must be someone's: a node that runs as no
    # team user and names none is refused.
    ('[sync]\ncalendars = ["/tmp/calendars"]\n', "", "a team node follows vdir folders as its team user, and uid"),
])
def test_a_mail_channel_wrong_on_a_team_node_stops_the_start_with_where_and_what(stopped_daemon, workdir, extra,
                                                                                 store_extra, says):
    team_node(stopped_daemon, f"postgresql://relance@/relance?host={workdir}/nowhere", "n0", store_extra=store_extra,
              extra=extra)
    stopped_daemon.start(wait=False)
    code = stopped_daemon.process.wait(timeout=30)
    assert code == 78, stopped_daemon.stderr()
    assert re.search(r"config\.toml:\d+: ", stopped_daemon.stderr()), stopped_daemon.stderr()
    assert says in stopped_daemon.stderr()


# Per-user mail: the owner's channels only.

KIM = 4004


def test_each_users_reminders_are_mailed_to_the_address_they_set_and_nowhere_else(postgres, nodes, smtp, workdir,
                                                                                  stopped_daemon):
    """lea and sam set their own addresses through the socket; kim sets none. Each one's
    reminder (and the follow-up of lea's contact, logged by sam) is mailed once, to its
    owner's address only; kim's reaches the inbox and no mailbox; a reminder set by the
    node's own user (no team user) still goes to the node's [mail] to."""
    if os.getuid() != 0:
        pytest.skip("running relancectl as other uids needs root (setpriv)")
    for folder in [workdir, *(node.root for node in nodes)]:
        os.chmod(folder, 0o711)
    first, second = mailing_nodes(nodes, postgres, smtp)[:2]
    for node in (first, second):
        node.config.write_text(node.config.read_text() + TEAM_USERS + f"kim = {KIM}\n")
        node.start()
    assert as_user(first, LEA, "me").stdout.splitlines()[0] == \
        "lea: your reminders are not mailed (set an address with relancectl me --mail ADDRESS)"
    assert as_user(first, LEA, "me", "--mail", "Lea Martin <lea@example.org>").stdout.strip() == \
        "lea: your reminders are mailed to Lea Martin <lea@example.org>"
    # A quoted name is kept as written: re-rendered, '"Sam" Smith <…>' would not parse again.
    sams = '"\\"Sam\\" Smith" <sam@example.org>'
    as_user(second, SAM, "me", "--mail", sams)
    # Known to every node, through the shared database.
    assert as_user(second, LEA, "me", "--json").json() == {"user": "lea", "mail": "Lea Martin <lea@example.org>",
                                                           "timeZone": "Europe/Paris"}
    # A bad address is refused, saying why, and changes nothing.
    bad = as_user(first, SAM, "me", "--mail", "sam at example.org", check=False)
    assert bad.code == 64 and "--mail: 'sam at example.org' is not a usable mail address: it has no '@'" in bad.stderr, \
        bad.stderr
    long = as_user(first, SAM, "me", "--mail", "x" * 310 + " <sam@example.org>", check=False)
    assert long.code == 64 and "--mail: at most 320 characters" in long.stderr, long.stderr
    assert postgres.sql("SELECT name, mail FROM team_user ORDER BY name").split("\n") == [
        "lea|Lea Martin <lea@example.org>", f"sam|{sams}"]
    stranger = as_user(first, STRANGER, "me", check=False)
    assert stranger.code != 0 and f"serves no team user with uid {STRANGER}" in stranger.stderr
    personal = stopped_daemon.start().ctl("me", "--mail", "me@example.org", check=False)
    assert personal.code != 0 and "this daemon is personal" in personal.stderr, personal.stderr

    as_user(first, LEA, "contact", "add", "Ada Lovelace")
    due = first.format_instant(time.time() + 3)
    as_user(first, LEA, "remind", due, "Lea's call")
    as_user(second, SAM, "remind", due, "Sam's call")
    as_user(first, KIM, "remind", due, "Kim's call")
    first.ctl("remind", due, "The team's call")
    as_user(second, SAM, "outreach", "log", "ada", "--ask", "a coffee chat", "--follow-up", "PT3S", "--let-go", "never")
    first.wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "5", timeout=60,
                     what="four reminders and a nudge in the shared inbox")
    first.wait_until(lambda: postgres.sql("SELECT count(*) FROM outbox WHERE state = 'sent'") == "4", timeout=60,
                     what="four mails sent")
    time.sleep(1)  # nothing more may arrive
    assert postgres.sql("SELECT count(*) FROM outbox WHERE state <> 'sent'") == "0"
    sent = sorted((mail["headers"]["Subject"], tuple(mail["rcpt_tos"]), mail["headers"]["To"]) for mail in smtp.messages())
    assert sent == [
        ("Follow up with Ada Lovelace", ("lea@example.org",), "Lea Martin <lea@example.org>"),
        ("Lea's call", ("lea@example.org",), "Lea Martin <lea@example.org>"),
        ("Sam's call", ("sam@example.org",), sams),
        ("The team's call", ("me@example.com",), "me@example.com"),
    ], sent
    # kim's is in everyone's inbox, mailed nowhere.
    assert "Kim's call" in [item["text"] for item in first.call("Inbox", filter="all")["items"]]
