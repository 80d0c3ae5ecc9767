"""Day two: a contact can be removed, forgotten or merged, a duplicate is refused, and
every destructive or bulk command stands on an automatic snapshot that can be restored
(issue "Day two: everything can be corrected, cancelled or removed"). Through relancectl
and through the third-party `varlink` client."""

import json
import re
import time

import pytest
import varlink

INTERFACE = "io.relance.Control"


@pytest.fixture
def daemon(stopped_daemon):
    """A running daemon without delivery channels: a desktop channel with no session bus
    would retry in the background and change what `daemon.snapshot()` sees (Status'
    channel health) while a test compares before and after."""
    stopped_daemon.config.write_text("[desktop]\nenabled = false\n")
    return stopped_daemon.start()


@pytest.fixture
def control(daemon):
    """A third-party varlink connection to io.relance.Control."""
    with varlink.Client(address=f"unix:{daemon.socket}") as client:
        with client.open(INTERFACE) as connection:
            connection._connection.settimeout(10)
            yield connection


def soon(daemon, seconds):
    return daemon.format_instant(time.time() + seconds)


def with_history(daemon):
    """Ada with an open outreach (and its follow-up), a replied one with a meeting, a
    pending reminder and one fired into the inbox; Grace with an outreach of her own."""
    daemon.ctl("contact", "add", "Ada Lovelace", "--email", "ada@example.com",
               "--handle", "linkedin=https://www.linkedin.com/in/ada-lovelace", "--keep-in-touch", "P90D")
    daemon.ctl("contact", "add", "Grace Hopper", "--email", "grace@example.com")
    daemon.ctl("outreach", "log", "ada", "--ask", "a coffee chat", "--follow-up", "P7D")
    replied = daemon.ctl("outreach", "log", "ada", "--ask", "feedback", "--follow-up", "P7D", "--json").json()["outreach"]
    daemon.call("RecordReply", outreach=replied["id"], outcome="meeting", meetingAt=soon(daemon, 3 * 86400), place="Café")
    daemon.ctl("outreach", "log", "grace", "--ask", "a talk", "--follow-up", "P7D")
    daemon.call("Remind", at=soon(daemon, 0.2), text="Call Ada", contact="ada")
    daemon.call("Remind", at=soon(daemon, 86400), text="Send Ada the paper", contact="ada")
    daemon.wait_until(lambda: daemon.call("Inbox", filter="all")["items"], 10, what="the reminder to fire")


def error_of(daemon, *args):
    """Runs a relancectl command expected to fail; returns its one stderr line."""
    result = daemon.ctl(*args, check=False)
    assert result.code != 0, result
    assert result.stdout == "", result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- RemoveContact ---------------------------------------------------------------------------


def test_remove_refuses_an_open_outreach_and_changes_nothing_then_force_removes_everything(daemon, control):
    with_history(daemon)
    before = daemon.snapshot()
    # Snapshots are the SQLite store's (the team database is backed up as a database).
    snapshots_before = None if daemon.team_node else control.ListSnapshots()["snapshots"]

    # Refused through relancectl: the line names the open outreach and the way out
    line = error_of(daemon, "contact", "remove", "ada")
    assert "Ada Lovelace has outreach awaiting a reply (#1)" in line and "--force" in line, line
    # ... and through the varlink client, as the declared error
    with pytest.raises(varlink.VarlinkError) as raised:
        control.RemoveContact(contact="ada")
    assert raised.value.error() == "io.relance.Control.ContactHasOpenOutreach"
    assert raised.value.parameters() == {"contact": "Ada Lovelace", "outreach": [1]}
    assert daemon.snapshot() == before
    if not daemon.team_node:
        assert control.ListSnapshots()["snapshots"] == snapshots_before, "a refusal takes no snapshot"

    # With --force: the reply says what went with her
    result = daemon.ctl("contact", "remove", "ada", "--force")
    first = result.stdout.splitlines()[0]
    assert re.fullmatch(r"Removed Ada Lovelace, 2 outreach, \d+ interactions, 1 meeting, \d+ reminders, 1 inbox item\.", first), first
    if daemon.team_node:
        assert len(result.stdout.splitlines()) == 1, result.stdout
    else:
        assert result.stdout.splitlines()[1].startswith("Undo: relancectl restore --snapshot ")

    # Nothing about Ada is left; Grace and her follow-up are untouched
    after = daemon.snapshot()
    assert [c["name"] for c in after["ListContacts"]["contacts"]] == ["Grace Hopper"]
    assert [o["contactName"] for o in after["ListOutreach"]["outreach"]] == ["Grace Hopper"]
    assert all(r["contactId"] == 2 for r in after["Upcoming"]["reminders"]), after["Upcoming"]
    assert len(after["Upcoming"]["reminders"]) == 1
    assert after["Inbox"]["items"] == []
    assert after["Status"]["pendingReminders"] == 1


@pytest.mark.personal_only("the reply names the snapshot taken: snapshots are the SQLite store's")
def test_remove_without_open_outreach_needs_no_force_and_json_prints_the_reply(daemon):
    daemon.ctl("contact", "add", "Lin Qiao")
    reply = daemon.ctl("contact", "remove", "lin", "--json").json()
    assert reply["name"] == "Lin Qiao"
    assert reply["removed"] == {"outreach": 0, "interactions": 0, "meetings": 0, "reminders": 0, "inboxItems": 0,
                                "deliveries": 0}
    assert re.fullmatch(r"\d{8}-\d{6}-remove-contact", reply["snapshotId"])
    assert daemon.call("ListContacts")["contacts"] == []


@pytest.mark.parametrize("command", [["contact", "remove"], ["contact", "forget"]], ids=" ".join)
def test_a_missing_or_ambiguous_contact_is_a_clear_error_and_changes_nothing(daemon, command):
    daemon.ctl("contact", "add", "Ada Lovelace")
    daemon.ctl("contact", "add", "Ada Yonath")
    before = daemon.snapshot()

    assert error_of(daemon, *command, "nobody").startswith("relancectl: no contact matches 'nobody'")
    line = error_of(daemon, *command, "ada")
    assert "'ada' matches several contacts: Ada Lovelace (#1), Ada Yonath (#2)" in line
    assert daemon.snapshot() == before
    if not daemon.team_node:  # a team store takes no snapshots
        assert daemon.call("ListSnapshots")["snapshots"][0]["reason"] == "daily", "only the one taken at start"


def test_errors_through_the_varlink_client(daemon, control):
    control.AddContact(name="Ada Lovelace", emails=["ada@example.com"])
    control.AddContact(name="Ada Yonath")
    before = daemon.snapshot()
    cases = [
        (lambda: control.RemoveContact(contact="nobody"), "ContactNotFound"),
        (lambda: control.ForgetContact(contact="ada"), "AmbiguousContact"),
        (lambda: control.MergeContacts(into="lovelace", **{"from": "nobody"}), "ContactNotFound"),
        (lambda: control.MergeContacts(into="lovelace", **{"from": "lovelace"}), "InvalidParameter"),
        (lambda: control.AddContact(name="A. L.", emails=["ADA@example.com"]), "DuplicateContact"),
    ]
    if not daemon.team_node:  # snapshots are the SQLite store's
        cases += [
            (lambda: control.Restore(snapshotId="20200101-000000-daily"), "SnapshotNotFound"),
            (lambda: control.Restore(snapshotId="../db"), "SnapshotNotFound"),
        ]
    for call, name in cases:
        with pytest.raises(varlink.VarlinkError) as raised:
            call()
        assert raised.value.error() == f"{INTERFACE}.{name}", raised.value
    # A misspelt parameter is refused, not dropped (the python client drops unknown
    # keywords itself, so this one goes over the raw wire)
    with pytest.raises(daemon.CallError) as raised:
        daemon.call("RemoveContact", contact="lovelace", forse=True)
    assert "forse" in str(raised.value)
    assert daemon.snapshot() == before


# -- ForgetContact ---------------------------------------------------------------------------


def test_forget_removes_everything_about_a_person_even_with_open_outreach_and_logs_no_name(daemon, control):
    with_history(daemon)
    reply = control.ForgetContact(contact="lovelace")
    assert reply["name"] == "Ada Lovelace"
    assert reply["removed"]["outreach"] == 2 and reply["removed"]["meetings"] == 1
    assert reply["removed"]["inboxItems"] == 1 and reply["removed"]["reminders"] >= 4

    seen = daemon.snapshot()
    assert [c["name"] for c in seen["ListContacts"]["contacts"]] == ["Grace Hopper"]
    assert not any("Ada" in json.dumps(v) for v in seen.values()), "nothing mentions her any more"
    assert control.ListMeetings()["meetings"] == []
    forgot = [line for line in daemon.stderr().splitlines() if "forgot contact" in line]
    assert len(forgot) == 1 and "Ada" not in forgot[0] and "#1" in forgot[0], forgot

    result = daemon.ctl("contact", "forget", "grace")
    assert result.stdout.startswith("Forgot Grace Hopper, 1 outreach"), result.stdout


# -- duplicates ------------------------------------------------------------------------------


def test_add_refuses_an_email_or_profile_url_another_contact_has_unless_allowed(daemon):
    daemon.ctl("contact", "add", "Ada Lovelace", "--email", "ada@example.com",
               "--handle", "linkedin=https://www.linkedin.com/in/ada-lovelace/")
    before = daemon.snapshot()

    line = error_of(daemon, "contact", "add", "A. Lovelace", "--email", "Ada@Example.com")
    assert line == ("relancectl: Ada Lovelace (#1) already has emails 'Ada@Example.com'; nothing added. "
                    "Add it anyway with --allow-duplicate, or merge them with `relancectl contact merge`"), line
    line = error_of(daemon, "contact", "add", "Augusta", "--handle", "li=http://linkedin.com/in/ada-lovelace?trk=x")
    assert "Ada Lovelace (#1) already has handles.li 'http://linkedin.com/in/ada-lovelace?trk=x'" in line, line
    assert daemon.snapshot() == before

    # A namesake without a shared address is someone else; --allow-duplicate insists
    daemon.ctl("contact", "add", "Ada Lovelace", "--handle", "mastodon=@ada@example.social")
    added = daemon.ctl("contact", "add", "A. Lovelace", "--email", "ada@example.com", "--allow-duplicate", "--json").json()
    assert added["contact"]["emails"] == ["ada@example.com"]
    assert len(daemon.call("ListContacts")["contacts"]) == 3


# -- MergeContacts ---------------------------------------------------------------------------


def test_merge_keeps_both_histories_and_replans_keep_in_touch(daemon, control):
    with_history(daemon)
    daemon.ctl("contact", "add", "Ada King", "--email", "countess@example.com", "--org", "Analytical Engines",
               "--tz", "Europe/London", "--keep-in-touch", "P30D")
    daemon.ctl("outreach", "log", "king", "--ask", "her notes", "--follow-up", "P7D")
    before_upcoming = len(daemon.call("Upcoming")["reminders"])

    result = daemon.ctl("contact", "merge", "lovelace", "king")
    assert result.stdout.startswith("Merged Ada King into Ada Lovelace (#1): moved 1 outreach"), result.stdout

    shown = control.GetContact(contact="lovelace")
    contact = shown["contact"]
    assert contact["emails"] == ["ada@example.com", "countess@example.com"]
    assert contact["organization"] == "Analytical Engines" and contact["timeZone"] == "Europe/London"
    assert contact["keepInTouch"] == "P90D", "the kept contact's own fields win"
    assert len(shown["outreach"]) == 3
    names = [c["name"] for c in control.ListContacts()["contacts"]]
    assert names == ["Ada Lovelace", "Grace Hopper"]
    upcoming = control.Upcoming()["reminders"]
    keep_in_touch = [r for r in upcoming if r["kind"] == "keep_in_touch"]
    assert len(keep_in_touch) == 1 and keep_in_touch[0]["contactId"] == 1
    assert len(upcoming) == before_upcoming - 1, "one keep-in-touch instead of two, nothing else lost"
    assert all(r["contactId"] in (1, 2) for r in upcoming)

    # Through the varlink client: the reply names the merged contact and the snapshot
    control.AddContact(name="Grace B. Hopper", emails=["amazing.grace@example.com"])
    reply = control.MergeContacts(into="grace hopper", **{"from": "grace b"})
    assert reply["merged"] == "Grace B. Hopper"
    assert reply["contact"]["emails"] == ["grace@example.com", "amazing.grace@example.com"]
    if daemon.team_node:  # the team database is backed up as a database
        assert reply.get("snapshotId") is None
    else:
        assert reply["snapshotId"].endswith("-merge-contacts")


# -- snapshots -------------------------------------------------------------------------------


@pytest.mark.personal_only("snapshots and restore: SQLite store only")
def test_the_daemon_takes_a_daily_snapshot_at_start_and_one_before_each_bulk_command(daemon, control):
    listed = control.ListSnapshots()
    assert listed["directory"] == str(daemon.database.parent / "snapshots")
    assert listed["keepDays"] == 14
    assert [s["reason"] for s in listed["snapshots"]] == ["daily"]

    # A restart within the day takes no second daily one
    daemon.restart()
    assert [s["reason"] for s in daemon.call("ListSnapshots")["snapshots"]] == ["daily"]

    vcard = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL:ada@example.com\r\nEND:VCARD\r\n"
    files = [{"name": "ada.vcf", "content": vcard}]
    daemon.call("ImportContacts", files=files, dryRun=True)
    assert len(daemon.call("ListSnapshots")["snapshots"]) == 1, "a dry run takes none"
    daemon.call("ImportContacts", files=files)
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:a@b\r\nDTSTAMP:20260101T000000Z\r\n"
           "DTSTART:20301210T190000Z\r\nDTEND:20301210T210000Z\r\nSUMMARY:Drinks\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    daemon.call("ImportEvents", files=[{"name": "e.ics", "content": ics}])
    shown = daemon.ctl("snapshots").stdout
    assert "Kept 14 days in " in shown
    reasons = [s["reason"] for s in daemon.ctl("snapshots", "--json").json()["snapshots"]]
    assert reasons == ["import-events", "import-contacts", "daily"]
    assert all(s["size"] > 0 for s in daemon.call("ListSnapshots")["snapshots"])


@pytest.mark.personal_only("snapshots and restore: SQLite store only")
def test_remove_by_mistake_then_restore_the_snapshot_and_everything_is_back(daemon):
    # Given a contact with history, pending reminders included
    with_history(daemon)
    before = daemon.snapshot()
    assert any(r["text"] == "Send Ada the paper" for r in before["Upcoming"]["reminders"])

    # When she is removed by mistake
    daemon.ctl("contact", "remove", "ada", "--force")
    assert [c["name"] for c in daemon.call("ListContacts")["contacts"]] == ["Grace Hopper"]

    # Then `relancectl snapshots` shows the one taken just before, and restoring it brings everything back
    listing = daemon.ctl("snapshots").stdout
    assert "remove-contact" in listing, listing
    snapshot_id = next(s["id"] for s in daemon.ctl("snapshots", "--json").json()["snapshots"] if s["reason"] == "remove-contact")
    restored = daemon.ctl("restore", "--snapshot", snapshot_id)
    assert restored.stdout.startswith("Restored 2 contacts and "), restored.stdout
    assert "The state it replaced is snapshot " in restored.stdout

    after = daemon.snapshot()
    assert after == before
    upcoming = daemon.ctl("upcoming").stdout
    assert "Send Ada the paper" in upcoming, upcoming
    # ... and the state it replaced is itself a snapshot
    assert [s["reason"] for s in daemon.call("ListSnapshots")["snapshots"]][0] == "restore"

    # The restored reminders are live: the scheduler knows them (it fires one that comes due)
    daemon.call("Remind", at=soon(daemon, 0.2), text="after the restore", contact="ada")
    daemon.wait_until(lambda: any(i["text"] == "after the restore" for i in daemon.call("Inbox")["items"]), 10,
                      what="a reminder to fire after the restore")


@pytest.mark.personal_only("snapshots and restore: SQLite store only")
def test_restore_errors_change_nothing(daemon):
    daemon.ctl("contact", "add", "Ada Lovelace")
    before = daemon.snapshot()
    line = error_of(daemon, "restore", "--snapshot", "20200101-000000-daily")
    assert line == "relancectl: no snapshot '20200101-000000-daily'; see `relancectl snapshots`", line
    result = daemon.ctl("restore", check=False)
    assert result.code != 0 and "give a backup file or --snapshot ID" in result.stderr
    assert daemon.snapshot() == before
    assert len(daemon.call("ListSnapshots")["snapshots"]) == 1


@pytest.mark.personal_only("snapshots and restore: SQLite store only")
def test_keep_snapshots_days_is_checked_and_applied(stopped_daemon):
    import subprocess
    stopped_daemon.config.write_text("[store]\nkeep_snapshots_days = 0\n")
    result = subprocess.run([str(stopped_daemon.relanced), "--check-config", "--config", str(stopped_daemon.config)],
                            env=stopped_daemon.env, capture_output=True, text=True, timeout=15)
    assert result.returncode != 0
    assert result.stderr.startswith(f"{stopped_daemon.config}:2: ") and "keep_snapshots_days" in result.stderr, result.stderr

    # An old snapshot beyond the retention is deleted when the daemon takes its daily
    # snapshot, just after it starts serving
    stopped_daemon.config.write_text("[store]\nkeep_snapshots_days = 3\n[desktop]\nenabled = false\n")
    shelf = stopped_daemon.database.parent / "snapshots"
    shelf.mkdir()
    (shelf / "20200101-000000-daily.sqlite").write_bytes(b"old")
    stopped_daemon.start()
    old = shelf / "20200101-000000-daily.sqlite"
    listed = stopped_daemon.wait_until(
        lambda: (lambda reply: reply if not old.exists() and [s["reason"] for s in reply["snapshots"]] == ["daily"] else None)(
            stopped_daemon.call("ListSnapshots")),
        timeout=15, what="the daily snapshot taken and the old one pruned")
    assert listed["keepDays"] == 3
