"""io.relance.Control through a third-party client: the `varlink` package from PyPI, as a
library and as its command line (`python3 -m varlink.cli`). If these work, any Varlink
client does: the daemon is not only usable through our own relancectl."""

import json
import re
import subprocess
import sys
import time

import pytest
import varlink

INTERFACE = "io.relance.Control"

#: Every method this file calls. Compared with the IDL, so a method added to the
#: interface fails test_every_idl_method_is_exercised until it is exercised here.
EXERCISED = {
    "AddContact", "ListContacts", "GetContact", "LogOutreach", "ListOutreach", "RecordReply",
    "Remind", "RemindMany", "Upcoming", "Inbox", "MarkRead", "Done", "Dismiss", "Snooze", "Watch", "Status", "Reload",
    "UpdateContact", "TouchContact", "LogFollowUp", "AddMeeting", "ListMeetings", "AddEvent", "ListEvents",
    "TestNotify", "Draft", "Backup", "Restore", "ImportContacts", "ImportEvents", "Import", "Export", "ListHolidays",
    # test_contact_removal.py
    "RemoveContact", "ForgetContact", "MergeContacts", "ListSnapshots",
    # test_ingest.py
    "Ingest", "AcceptMeeting",
    # with this client, in test_corrections.py
    "UpdateOutreach", "CancelOutreach", "MoveMeeting", "CancelMeeting", "UpdateEvent", "RemoveEvent",
    "SkipOccurrence", "CancelReminder", "MoveReminder",
    # team-node methods, refused by the personal daemon here (served in test_team_mode.py)
    "GetMe", "SetMyMail", "SetMyZone", "SetMyWindow",
    # a personal daemon's refusal here; copying into a team store in test_team_migrate.py
    "MigrateFromSQLite",
}


@pytest.fixture
def client(daemon):
    with varlink.Client(address=f"unix:{daemon.socket}") as client:
        yield client


@pytest.fixture
def control(client):
    """A connection to io.relance.Control; a stuck call fails after 10 s instead of hanging."""
    with client.open(INTERFACE) as connection:
        connection._connection.settimeout(10)
        yield connection


def varlink_cli(*args, timeout=15):
    """`python3 -m varlink.cli ARGS`. It exits 0 even when the call failed (the error goes
    to stderr), so callers check the output, never only the exit code."""
    return subprocess.run([sys.executable, "-m", "varlink.cli", *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def idl_methods(text):
    return set(re.findall(r"^method (\w+)\(", text, flags=re.MULTILINE))


def soon(daemon, seconds):
    return daemon.format_instant(time.time() + seconds)


# -- org.varlink.service ------------------------------------------------------------------


def test_get_info_lists_the_control_interface(daemon, client):
    with client.open("org.varlink.service") as service:
        info = service.GetInfo()
    assert info["interfaces"] == ["org.varlink.service", INTERFACE]
    assert info["product"] == ("relanced (team)" if daemon.team_node else "relanced")
    assert info["vendor"] and info["version"] and info["url"]


def test_interface_description_is_the_repo_idl_file(client, idl_text):
    with client.open("org.varlink.service") as service:
        description = service.GetInterfaceDescription(interface=INTERFACE)["description"]
    assert description == idl_text
    # and the library parses it: every method of the file is a member it knows
    parsed = client.get_interface(INTERFACE)
    assert parsed.name == INTERFACE
    assert idl_methods(idl_text) <= set(parsed.members)


def test_every_idl_method_is_exercised(idl_text):
    assert idl_methods(idl_text) == EXERCISED


# -- every io.relance.Control method ---------------------------------------------------------


def test_contact_methods(control):
    # AddContact with every field, then read it back three ways
    added = control.AddContact(
        name="Ada Lovelace", emails=["ada@example.com", "ada@analytical.engine"],
        handles={"mastodon": "@ada@example.social"}, organization="Analytical Society",
        timeZone="Europe/London", why="Notes on the Analytical Engine", tags=["math", "history"],
        notes="Prefers letters.")["contact"]
    assert added["id"] == 1
    assert added["emails"] == ["ada@example.com", "ada@analytical.engine"]
    assert added["handles"] == {"mastodon": "@ada@example.social"}
    assert (added["organization"], added["timeZone"], added["why"], added["notes"]) == (
        "Analytical Society", "Europe/London", "Notes on the Analytical Engine", "Prefers letters.")
    assert added["tags"] == ["math", "history"]
    control.AddContact(name="Grace Hopper")

    assert [c["name"] for c in control.ListContacts()["contacts"]] == ["Ada Lovelace", "Grace Hopper"]
    assert control.ListContacts(query="LOVELACE")["contacts"] == [added]
    shown = control.GetContact(contact="ada")
    # with the daemon's zone (its configuration's), to show the instants in
    assert shown == {"contact": added, "outreach": [], "bouncing": [], "timeZone": "Etc/UTC"}


def test_outreach_methods(control):
    control.AddContact(name="Ada Lovelace")
    # LogOutreach, ListOutreach and GetContact's history
    logged = control.LogOutreach(contact="ada", ask="a 20-minute coffee chat", channel="linkedin",
                                 followUp="P3D")
    outreach, follow_up = logged["outreach"], logged["followUp"]
    assert outreach["channel"] == "linkedin" and outreach["status"] == "awaiting_reply"
    assert follow_up["outreachId"] == outreach["id"] and follow_up["state"] == "pending"
    assert control.ListOutreach(contact="ada", status="awaiting_reply")["outreach"] == [outreach]
    assert control.ListOutreach(status="replied")["outreach"] == []
    assert control.GetContact(contact="1")["outreach"] == [outreach]
    assert [r["id"] for r in control.Upcoming(limit=10)["reminders"]] == [follow_up["id"]]

    # RecordReply closes it and cancels the follow-up
    replied = control.RecordReply(outreach=outreach["id"], outcome="meeting")
    assert replied["outreach"]["status"] == "meeting_agreed"
    assert replied["outreach"]["closedAt"]
    assert replied["cancelledReminders"] == 1
    assert control.Upcoming()["reminders"] == []


def test_inbox_methods(daemon, control):
    # Given three reminders already due: they fire at once
    past = daemon.format_instant(time.time() - 60)
    ids = [control.Remind(at=past, text=text)["reminder"]["id"] for text in ("Read", "Done", "Dismiss")]
    items = daemon.wait_until(lambda: len(control.Inbox(filter="unread")["items"]) == 3 and
                              control.Inbox(filter="unread")["items"], timeout=5, what="three unread items")
    by_text = {item["text"]: item for item in items}
    assert sorted(item["reminderId"] for item in items) == sorted(ids)

    # MarkRead, Done, Snooze then Dismiss (which cancels the snooze)
    read = control.MarkRead(ids=[by_text["Read"]["id"]])["items"]
    assert [(i["id"], i["state"]) for i in read] == [(by_text["Read"]["id"], "read")]
    assert control.Done(id=by_text["Done"]["id"])["item"]["state"] == "done"
    snoozed = control.Snooze(id=by_text["Dismiss"]["id"], duration="PT1H")["item"]
    assert snoozed["state"] == "snoozed" and snoozed["snoozedUntil"]
    assert len(control.Upcoming()["reminders"]) == 1  # the snooze's comeback
    assert control.Dismiss(id=by_text["Dismiss"]["id"])["item"]["state"] == "dismissed"
    assert control.Upcoming()["reminders"] == []

    until = daemon.format_instant(time.time() + 3600)
    assert control.Snooze(id=by_text["Read"]["id"], until=until)["item"]["state"] == "snoozed"

    assert [i["state"] for i in control.Inbox()["items"]] == []
    states = sorted(i["state"] for i in control.Inbox(filter="all", limit=10)["items"])
    assert states == ["dismissed", "done", "snoozed"]


def test_watch_streams_with_more(daemon, client, control):
    # Given a reminder due in 1.5 s. The generator sends the call on its first next(),
    # which then blocks until an item fires: the lead time covers the subscription.
    reminder = control.Remind(at=soon(daemon, 1.5), text="Call the bakery")["reminder"]
    with client.open(INTERFACE) as watching:
        watching._connection.settimeout(10)
        stream = watching.Watch(_more=True)

        # When it fires, Then Watch yields it
        item = next(stream)["item"]
        assert item["reminderId"] == reminder["id"]
        assert item["text"] == "Call the bakery" and item["state"] == "unread"


def test_status_and_reload(daemon, control):
    control.AddContact(name="Ada Lovelace")
    status = control.Status()
    assert (status["contacts"], status["awaitingReply"], status["pendingReminders"], status["unread"]) == (1, 0, 0, 0)
    assert status["database"] == daemon.store()
    assert status["startedAt"] and status["version"]
    assert control.Reload() == {}


def test_errors_arrive_as_varlink_errors(control):
    with pytest.raises(varlink.VarlinkError) as raised:
        control.GetContact(contact="nobody")
    assert raised.value.error() == "io.relance.Control.ContactNotFound"
    assert raised.value.parameters() == {"query": "nobody", "suggestions": []}


@pytest.mark.personal_only("about the personal daemon: its refusals of team-only methods")
def test_a_personal_daemon_refuses_the_team_user_methods(control):
    # A personal daemon has one user, mailed at [mail] to, in [user] time_zone, in
    # [window]: no address, zone or window of one's own.
    for call in (lambda: control.GetMe(), lambda: control.SetMyMail(mail="lea@example.org"),
                 lambda: control.SetMyZone(zone="Europe/Paris"), lambda: control.SetMyWindow(hours=["09:00-12:00"])):
        with pytest.raises(varlink.VarlinkError) as raised:
            call()
        assert raised.value.error() == "io.relance.Control.InvalidParameter"
        assert "this daemon is personal" in raised.value.parameters()["reason"]


@pytest.mark.personal_only("about the personal daemon: its refusals of team-only methods")
def test_a_personal_daemon_refuses_a_migrate_and_says_where_to_send_it(daemon, control):
    with pytest.raises(varlink.VarlinkError) as raised:
        control.MigrateFromSQLite(path=str(daemon.database))
    assert raised.value.error() == "io.relance.Control.InvalidParameter"
    assert raised.value.parameters()["parameter"] == "path"
    assert "run it against a team node" in raised.value.parameters()["reason"]


def test_instants_round_trip_to_the_millisecond(control):
    # Given instants with millisecond precision, as the IDL writes them
    sent = [f"2030-01-01T09:00:00.{ms:03}Z" for ms in (1, 2, 3, 5, 10, 100, 745)]

    # When reminders are set for them and read back
    echoed = [control.Remind(at=at, text=f"at {at}")["reminder"]["dueAt"] for at in sent]
    stored = [r["dueAt"] for r in control.Upcoming(limit=100)["reminders"]]

    # Then the daemon reports the very instants it was given
    assert echoed == sent
    assert stored == sent


def test_remind_many_sets_all_or_none_and_names_the_bad_item(control):
    # Given a batch whose last item cannot be read
    batch = [{"at": "2030-01-01T09:00:00.000Z", "text": "One"}, {"at": "2030-01-02T09:00:00.000Z", "text": "Two"},
             {"at": "not a time", "text": "Three"}]

    # Then the call is refused naming that item, and nothing was set
    with pytest.raises(varlink.VarlinkError) as raised:
        control.RemindMany(reminders=batch)
    assert raised.value.error() == "io.relance.Control.InvalidParameter"
    assert raised.value.parameters()["parameter"] == "reminders[2].at"
    assert control.Upcoming()["reminders"] == []

    # And without it, both are set in one call, their ids in order
    ids = control.RemindMany(reminders=batch[:2])["ids"]
    assert [r["id"] for r in control.Upcoming()["reminders"]] == ids
    assert [r["text"] for r in control.Upcoming()["reminders"]] == ["One", "Two"]


# -- the command line ------------------------------------------------------------------------


def test_cli_info_lists_the_control_interface(daemon):
    result = varlink_cli("info", f"unix:{daemon.socket}")
    assert result.returncode == 0, result.stderr
    assert "Product: relanced" in result.stdout
    assert re.search(rf"^\s+{re.escape(INTERFACE)}$", result.stdout, flags=re.MULTILINE), result.stdout


def test_cli_help_prints_the_idl(daemon, idl_text):
    result = varlink_cli("help", f"unix:{daemon.socket}/{INTERFACE}")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout == idl_text + "\n"  # print() adds one newline


def test_cli_call_status_and_add_contact(daemon):
    added = varlink_cli("call", f"unix:{daemon.socket}/{INTERFACE}.AddContact",
                        json.dumps({"name": "Ada Lovelace", "emails": ["ada@example.com"]}))
    assert added.stderr == "", added.stderr
    assert json.loads(added.stdout)["contact"]["name"] == "Ada Lovelace"

    status = varlink_cli("call", f"unix:{daemon.socket}/{INTERFACE}.Status", "{}")
    assert status.stderr == "", status.stderr
    assert json.loads(status.stdout)["contacts"] == 1


def test_cli_call_error_goes_to_stderr(daemon):
    result = varlink_cli("call", f"unix:{daemon.socket}/{INTERFACE}.GetContact", '{"contact": "nobody"}')
    assert result.stdout == ""
    assert "io.relance.Control.ContactNotFound" in result.stderr
    assert "nobody" in result.stderr


def test_cli_call_more_streams_watch(daemon):
    # Given `varlink call -m ….Watch` running, and a reminder due in 2 s
    watcher = daemon.spawn([sys.executable, "-m", "varlink.cli", "call", "-m",
                            f"unix:{daemon.socket}/{INTERFACE}.Watch", "{}"],
                           PYTHONUNBUFFERED="1")  # print() to a pipe is block-buffered otherwise
    daemon.call("Remind", at=soon(daemon, 2), text="Call the bakery")

    # When it fires, Then the CLI prints it (indented JSON, one object per reply)
    decoder = json.JSONDecoder()

    def one_object(data):
        try:
            _, end = decoder.raw_decode(data.decode().lstrip())
        except ValueError:
            return None
        return len(data) - len(data.decode().lstrip()) + end

    printed = watcher.read_until(one_object, timeout=7)
    assert printed is not None, f"nothing printed; stderr: {watcher.stop()[1]}"
    assert json.loads(printed)["item"]["text"] == "Call the bakery"


def test_polite_timing_methods(control):
    # UpdateContact and TouchContact
    control.AddContact(name="Ada Lovelace")
    updated = control.UpdateContact(contact="ada", timeZone="Asia/Tokyo", keepInTouch="P90D")["contact"]
    assert (updated["timeZone"], updated["keepInTouch"]) == ("Asia/Tokyo", "P90D")
    assert control.TouchContact(contact="ada", note="met at the meetup")["contact"]["name"] == "Ada Lovelace"

    # LogOutreach with explicit steps, then LogFollowUp moves to the next one
    logged = control.LogOutreach(contact="ada", ask="advice", steps=[{"businessDays": 5}, {"duration": "P14D"}],
                                 letGo={"businessDays": 10})
    assert logged["outreach"]["steps"] == ["5bd", "P14D"] and logged["outreach"]["letGo"] == "10bd"
    assert logged["followUp"]["reason"].startswith("5 business days after")
    followed = control.LogFollowUp(outreach=logged["outreach"]["id"])
    assert followed["outreach"]["followUpsSent"] == 1
    assert followed["next"]["kind"] == "follow_up" and followed["next"]["reason"].startswith("14 days after")

    # AddMeeting / ListMeetings
    meeting = control.AddMeeting(contact="ada", at="2030-12-03T09:00:00Z", place="Café Olimpico", duration="PT45M")
    assert [r["kind"] for r in meeting["reminders"]] == ["meeting_prep", "meeting_leave", "thank_you"]
    assert [m["place"] for m in control.ListMeetings()["meetings"]] == ["Café Olimpico"]

    # AddEvent / ListEvents: weekly, with libical expansion
    event = control.AddEvent(title="Startup drinks", start="2030-01-10T19:00", timeZone="Europe/Paris",
                             duration="PT3H", place="Station F", rrule="FREQ=WEEKLY;BYDAY=TH")
    assert event["event"]["rrule"] == "FREQ=WEEKLY;BYDAY=TH"
    listed = control.ListEvents()["events"]
    assert listed[0]["nextOccurrences"][:2] == ["2030-01-10T18:00:00.000Z", "2030-01-17T18:00:00.000Z"]


def test_test_notify_reports_each_channel(control):
    # The e2e daemon has the desktop channel on and no session bus: it says so.
    results = control.TestNotify()["results"]
    assert [r["name"] for r in results] == ["desktop"]
    assert results[0]["available"] is False and results[0]["reason"]
    channels = control.Status()["channels"]
    assert channels == [{"name": "desktop", "available": False, "reason": channels[0]["reason"]}]


@pytest.mark.personal_only("backup and restore: not served by a team node (the database is backed up as a database)")
def test_interchange_methods(control):
    control.AddContact(name="Ada Lovelace", emails=["ada@example.com"])
    outreach = control.LogOutreach(contact="ada", ask="advice")["outreach"]
    assert control.Draft(outreach=outreach["id"])["subject"] == "Following up: advice"

    vcard = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Hopper\r\nEMAIL:grace@example.com\r\nEND:VCARD\r\n"
    dry = control.ImportContacts(files=[{"name": "g.vcf", "content": vcard}], dryRun=True)["report"]
    assert (dry["added"], dry["applied"]) == (1, False)
    done = control.ImportContacts(files=[{"name": "g.vcf", "content": vcard}])["report"]
    assert (done["added"], done["applied"]) == (1, True)

    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:x@t\r\n"
           "DTSTAMP:20300101T000000Z\r\nDTSTART:20301210T180000Z\r\nDTEND:20301210T200000Z\r\n"
           "SUMMARY:Drinks\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    assert control.ImportEvents(files=[{"name": "d.ics", "content": ics}])["report"]["added"] == 1
    assert "BEGIN:VCALENDAR" in control.Export(format="ics")["text"]
    assert "Grace Hopper" in control.Export(format="vcf")["text"]

    # Import: contacts and calendars in one transaction (issue #12), a report for each
    linus = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Linus Pauling\r\nEMAIL:linus@example.com\r\nEND:VCARD\r\n"
    both = control.Import(contacts=[{"name": "l.vcf", "content": linus}],
                          calendars=[{"name": "e.ics", "content": ics.replace("UID:x@t", "UID:y@t")}])
    assert (both["contacts"]["added"], both["events"]["added"]) == (1, 1), both
    assert both["contacts"]["applied"] and both["events"]["applied"], both

    # A holiday calendar's dates become days off (issue #12), listed with their names
    holidays = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:h@t\r\n"
                "DTSTAMP:20300101T000000Z\r\nDTSTART;VALUE=DATE:20301225\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    report = control.ImportEvents(files=[{"name": "h.ics", "content": holidays}], holidays=True)["report"]
    assert (report["added"], report["applied"]) == (1, True), report
    assert control.ListHolidays()["holidays"] == [{"date": "2030-12-25", "name": "Christmas", "source": "h.ics"}]

    snapshot = control.Backup()["snapshot"]
    assert json.loads(snapshot)["format"] == "relance-backup"
    restored = control.Restore(snapshot=snapshot, force=True)
    assert restored["contacts"] == 3
