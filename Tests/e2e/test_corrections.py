"""Day two: everything can be corrected, cancelled or removed (issue #10). Each method
through relancectl and through the third-party Python varlink client, each declared
error, and the one-transaction guarantee: a refused call changes nothing a client can
see (the daemon's snapshot plus meetings and events, before and after)."""

from datetime import date, datetime, timedelta, timezone

import pytest
import varlink

INTERFACE = "io.relance.Control"
ERROR = INTERFACE + "."


def day(offset, clock="10:00"):
    """'YYYY-MM-DD HH:MM', `offset` days from today (the daemon runs in UTC)."""
    return f"{date.today() + timedelta(days=offset)} {clock}"


def instant(offset, clock="10:00"):
    """The protocol instant of day(offset, clock) in UTC."""
    local = datetime.fromisoformat(day(offset, clock)).replace(tzinfo=timezone.utc)
    return local.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def state(daemon):
    """Everything a client sees, meetings and events included."""
    seen = daemon.snapshot()
    seen["ListMeetings"] = daemon.call("ListMeetings")
    seen["ListEvents"] = daemon.call("ListEvents")
    return seen


def refused(daemon, method, error, **parameters):
    """Calls `method`, expects the declared `error`, and checks nothing changed; returns
    the error's parameters."""
    before = state(daemon)
    with pytest.raises(Exception) as raised:
        daemon.call(method, **parameters)
    assert raised.value.name == ERROR + error, raised.value
    assert state(daemon) == before
    return raised.value.parameters


@pytest.fixture
def control(daemon):
    with varlink.Client(address=f"unix:{daemon.socket}") as client:
        with client.open(INTERFACE) as connection:
            connection._connection.settimeout(10)
            yield connection


def varlink_error(call):
    with pytest.raises(varlink.VarlinkError) as raised:
        call()
    return raised.value.error(), raised.value.parameters()


# -- reminders ---------------------------------------------------------------------------


def test_reminder_move_and_cancel_at_the_command_line(daemon):
    added = daemon.ctl("remind", day(5, "08:00"), "Call the bakery", "--json").json()["reminder"]
    rid = str(added["id"])

    moved = daemon.ctl("reminder", "move", rid, day(6, "16:15"))
    assert f"Moved reminder {rid} to" in moved.stdout and "Call the bakery" in moved.stdout
    why = daemon.ctl("upcoming", "--why").stdout
    assert "why: moved by you from" in why
    assert daemon.ctl("upcoming", "--json").json()["reminders"][0]["fireAt"] == instant(6, "16:15")

    cancelled = daemon.ctl("reminder", "cancel", rid)
    assert f"Cancelled reminder {rid}" in cancelled.stdout
    assert daemon.ctl("upcoming").stdout.strip() == "Nothing pending."

    again = daemon.ctl("reminder", "cancel", rid, check=False)
    assert again.code == 1 and f"reminder #{rid} is cancelled, not pending" in again.stderr
    missing = daemon.ctl("reminder", "move", "999", day(7), check=False)
    assert missing.code == 1 and "no reminder with id 999" in missing.stderr


def test_reminder_methods_with_the_varlink_client(daemon, control):
    control.AddContact(name="Ada Lovelace")
    follow_up = control.LogOutreach(contact="ada", ask="advice", followUp="P3D")["followUp"]

    moved = control.MoveReminder(id=follow_up["id"], at=instant(9, "11:00"))
    assert moved["reminder"]["fireAt"] == instant(9, "11:00")
    assert moved["reminder"]["reason"].startswith("moved by you from")
    assert moved["summary"].startswith(f"moved reminder {follow_up['id']} to")
    # A reload re-plans computed reminders, but not one you moved by hand.
    control.Reload()
    assert control.Upcoming()["reminders"][0]["fireAt"] == instant(9, "11:00")

    assert varlink_error(lambda: control.MoveReminder(id=999, at=instant(9))) == (ERROR + "ReminderNotFound", {"id": 999})
    before = state(daemon)
    name, parameters = varlink_error(lambda: control.MoveReminder(id=follow_up["id"], at="2020-01-01T00:00:00Z"))
    assert name == ERROR + "InvalidParameter" and parameters["parameter"] == "at"
    assert state(daemon) == before

    cancelled = control.CancelReminder(id=follow_up["id"])
    assert cancelled["reminder"]["state"] == "cancelled"
    assert control.Upcoming()["reminders"] == []
    assert varlink_error(lambda: control.CancelReminder(id=follow_up["id"])) == (
        ERROR + "ReminderNotPending", {"id": follow_up["id"], "state": "cancelled"})
    refused(daemon, "CancelReminder", "ReminderNotFound", id=999)


# -- outreach ----------------------------------------------------------------------------


def test_outreach_edit_and_cancel_at_the_command_line(daemon):
    daemon.ctl("contact", "add", "Ada Lovelace")
    logged = daemon.ctl("outreach", "log", "ada", "--ask", "advice", "--follow-up", "P3D", "--json").json()
    oid = str(logged["outreach"]["id"])

    edited = daemon.ctl("outreach", "edit", oid, "--ask", "a 20-minute coffee chat", "--sent", day(1, "09:00"),
                        "--follow-up", "P5D", "--let-go", "P2D")
    assert f"Outreach #{oid} to Ada Lovelace: changed ask, sent time, follow-up sequence; cancelled 1 pending reminder; next follow-up" in edited.stdout
    why = daemon.ctl("upcoming", "--why").stdout
    assert "a 20-minute coffee chat" in why and "why: 5 days after" in why
    listed = daemon.ctl("outreach", "list", "--json").json()["outreach"][0]
    assert listed["ask"] == "a 20-minute coffee chat" and listed["steps"] == ["P5D"] and listed["letGo"] == "P2D"

    cancelled = daemon.ctl("outreach", "cancel", oid)
    assert f"Outreach #{oid} to Ada Lovelace: withdrawn; cancelled 1 pending reminder." in cancelled.stdout
    assert daemon.ctl("upcoming").stdout.strip() == "Nothing pending."
    withdrawn = daemon.ctl("outreach", "list", "--status", "withdrawn", "--json").json()["outreach"]
    assert [o["id"] for o in withdrawn] == [int(oid)]

    again = daemon.ctl("outreach", "cancel", oid, check=False)
    assert again.code == 1 and "only an outreach awaiting a reply can be withdrawn" in again.stderr
    missing = daemon.ctl("outreach", "edit", "42", "--ask", "x", check=False)
    assert missing.code == 1 and "no outreach with id 42" in missing.stderr


def test_outreach_methods_with_the_varlink_client(daemon, control):
    control.AddContact(name="Ada Lovelace")
    logged = control.LogOutreach(contact="ada", ask="advice", followUp="P3D")
    oid, first = logged["outreach"]["id"], logged["followUp"]

    updated = control.UpdateOutreach(outreach=oid, steps=[{"duration": "P4D"}, {"businessDays": 5}],
                                     letGo={"duration": "P7D"}, channel="linkedin")
    assert updated["outreach"]["steps"] == ["P4D", "5bd"] and updated["outreach"]["channel"] == "linkedin"
    assert updated["cancelledReminders"] == 1
    assert updated["next"]["id"] != first["id"] and updated["next"]["kind"] == "follow_up"
    assert [r["id"] for r in control.Upcoming()["reminders"]] == [updated["next"]["id"]]

    # A bad field refuses the whole edit: the good ones are not applied either.
    params = refused(daemon, "UpdateOutreach", "InvalidParameter", outreach=oid, ask="two\nlines", sentAt=instant(-1))
    assert params["parameter"] == "ask"
    refused(daemon, "UpdateOutreach", "InvalidParameter", outreach=oid, followUp="soon")
    refused(daemon, "UpdateOutreach", "InvalidParameter", outreach=oid)  # nothing to change
    refused(daemon, "UpdateOutreach", "OutreachNotFound", outreach=42, ask="x")

    cancelled = control.CancelOutreach(outreach=oid)
    assert cancelled["outreach"]["status"] == "withdrawn" and cancelled["outreach"]["closedAt"]
    assert cancelled["cancelledReminders"] == 1 and cancelled["summary"] == "withdrawn; cancelled 1 pending reminder"
    assert control.ListOutreach(status="withdrawn")["outreach"] == [cancelled["outreach"]]
    assert control.Status()["awaitingReply"] == 0
    refused(daemon, "CancelOutreach", "InvalidParameter", outreach=oid)
    refused(daemon, "CancelOutreach", "OutreachNotFound", outreach=42)


# -- meetings ----------------------------------------------------------------------------


def test_meeting_duplicate_move_and_cancel_at_the_command_line(daemon):
    daemon.ctl("contact", "add", "Ada Lovelace")
    added = daemon.ctl("meeting", "add", "ada", "--at", day(10), "--place", "Café Olimpico", "--json").json()
    mid = str(added["meeting"]["id"])

    twin = daemon.ctl("meeting", "add", "ada", "--at", day(10), "--place", "Café Olimpico", check=False)
    assert twin.code == 1 and f"meeting #{mid} with them starts at that time already" in twin.stderr and "--force" in twin.stderr
    forced = daemon.ctl("meeting", "add", "ada", "--at", day(10), "--place", "Elsewhere", "--force", "--json").json()
    assert forced["meeting"]["id"] != int(mid)
    daemon.ctl("meeting", "cancel", str(forced["meeting"]["id"]))

    moved = daemon.ctl("meeting", "move", mid, "--at", day(11, "15:00"), "--place", "Café Kitsuné")
    assert f"Meeting #{mid} with Ada Lovelace: moved to" in moved.stdout
    assert "at Café Kitsuné; cancelled 3 pending reminders, planned 3 reminders" in moved.stdout
    assert "Leave for Café Kitsuné: meeting with Ada Lovelace at 15:00" in daemon.ctl("upcoming").stdout

    cancelled = daemon.ctl("meeting", "cancel", mid, "--draft")
    assert "removed; cancelled 3 pending reminders" in cancelled.stdout
    assert "Hi Ada, I'm sorry, I have to cancel our meeting at Café Kitsuné" in cancelled.stdout
    assert daemon.ctl("meeting", "list").stdout.strip() == "No meetings ahead."
    assert daemon.ctl("upcoming").stdout.strip() == "Nothing pending."

    missing = daemon.ctl("meeting", "move", mid, "--at", day(12), check=False)
    assert missing.code == 1 and f"no meeting with id {mid}" in missing.stderr


def test_meeting_methods_with_the_varlink_client(daemon, control):
    control.AddContact(name="Ada Lovelace")
    meeting = control.AddMeeting(contact="ada", at=instant(10), place="Café Olimpico")["meeting"]

    params = refused(daemon, "AddMeeting", "DuplicateMeeting", contact="ada", at=instant(10), place="Café Olimpico")
    assert params == {"id": meeting["id"], "startsAt": instant(10)}

    moved = control.MoveMeeting(meeting=meeting["id"], at=instant(12, "18:00"), duration="PT30M")
    assert moved["meeting"]["startsAt"] == instant(12, "18:00") and moved["meeting"]["endsAt"] == instant(12, "18:30")
    assert moved["cancelledReminders"] == 3 and len(moved["reminders"]) == 3
    assert {r["id"] for r in control.Upcoming()["reminders"]} == {r["id"] for r in moved["reminders"]}

    refused(daemon, "MoveMeeting", "InvalidParameter", meeting=meeting["id"], at=instant(13), place="  ")
    refused(daemon, "MoveMeeting", "InvalidParameter", meeting=meeting["id"], duration="an hour")
    refused(daemon, "MoveMeeting", "MeetingNotFound", meeting=99, at=instant(13))

    cancelled = control.CancelMeeting(meeting=meeting["id"])
    assert cancelled["meeting"]["id"] == meeting["id"] and cancelled["cancelledReminders"] == 3
    assert cancelled.get("draft") is None
    assert control.ListMeetings()["meetings"] == [] and control.Upcoming()["reminders"] == []
    refused(daemon, "CancelMeeting", "MeetingNotFound", meeting=meeting["id"])
    again = control.AddMeeting(contact="ada", at=instant(10), place="Café Olimpico")  # the slot is free again
    assert control.CancelMeeting(meeting=again["meeting"]["id"], draft=True)["draft"].startswith("Hi Ada, I'm sorry")


# -- events ------------------------------------------------------------------------------


def test_event_edit_skip_and_remove_at_the_command_line(daemon):
    first = date.today() + timedelta(days=7)
    added = daemon.ctl("event", "add", "Startup drinks", "--at", f"{first} 19:00", "--until", f"{first} 21:00",
                       "--where", "Station F", "--repeat", "FREQ=WEEKLY", "--remind", "P1D", "--json").json()
    eid = str(added["event"]["id"])

    skipped = daemon.ctl("event", "skip", eid, "--at", f"{first} 19:00")
    assert f"Event #{eid} Startup drinks: skipped" in skipped.stdout and "cancelled 2 pending reminders" in skipped.stdout
    listed = daemon.ctl("event", "list", "--json").json()["events"][0]
    assert listed["exdates"] == [f"{first}T19:00:00"]
    assert listed["nextOccurrences"][0] == f"{first + timedelta(days=7)}T19:00:00.000Z"

    wrong = daemon.ctl("event", "skip", eid, "--at", f"{first} 18:00", check=False)
    assert wrong.code == 1 and "has no occurrence starting at" in wrong.stderr and "the next one starts at" in wrong.stderr

    edited = daemon.ctl("event", "edit", eid, "--title", "Founders' drinks", "--where", "Station F, hall 2")
    assert "changed title, place; cancelled 4 pending reminders, planned 4 reminders" in edited.stdout
    upcoming = daemon.ctl("upcoming").stdout
    assert "Founders' drinks" in upcoming and "hall 2" in upcoming and "Startup drinks:" not in upcoming

    removed = daemon.ctl("event", "remove", eid)
    assert "removed; cancelled 4 pending reminders" in removed.stdout
    assert daemon.ctl("event", "list").stdout.strip() == "No events."
    assert daemon.ctl("upcoming").stdout.strip() == "Nothing pending."
    missing = daemon.ctl("event", "remove", eid, check=False)
    assert missing.code == 1 and f"no event with id {eid}" in missing.stderr


def test_event_methods_with_the_varlink_client(daemon, control):
    first = date.today() + timedelta(days=7)
    event = control.AddEvent(title="Startup drinks", start=f"{first}T19:00", timeZone="UTC", rrule="FREQ=WEEKLY",
                             reminders=["P1D"])["event"]

    updated = control.UpdateEvent(event=event["id"], start=f"{first}T19:30", duration="PT90M", reminders=["PT2H"])
    assert updated["event"]["start"] == f"{first}T19:30:00" and updated["event"]["duration"] == "PT1H30M"
    assert updated["cancelledReminders"] == 4 and len(updated["reminders"]) == 4
    assert updated["summary"] == "changed start, duration, reminders; cancelled 4 pending reminders, planned 4 reminders"

    refused(daemon, "UpdateEvent", "InvalidParameter", event=event["id"], title="Renamed", rrule="FREQ=SOMETIMES")
    refused(daemon, "UpdateEvent", "InvalidParameter", event=event["id"], title=" ")
    refused(daemon, "UpdateEvent", "EventNotFound", event=99, title="x")

    params = refused(daemon, "SkipOccurrence", "OccurrenceNotFound", event=event["id"], at=f"{first}T19:00")
    assert params == {"event": event["id"], "at": f"{first}T19:00:00", "next": f"{first}T19:30:00"}
    refused(daemon, "SkipOccurrence", "EventNotFound", event=99, at=f"{first}T19:30")
    refused(daemon, "SkipOccurrence", "InvalidParameter", event=event["id"], at="next thursday")

    skipped = control.SkipOccurrence(event=event["id"], at=f"{first + timedelta(days=7)}T19:30")
    assert skipped["cancelledReminders"] == 2 and len(skipped["reminders"]) == 2
    assert skipped["event"]["exdates"] == [f"{first + timedelta(days=7)}T19:30:00"]
    anchors = {r["text"] for r in control.Upcoming()["reminders"] if r["kind"] == "event_soon"}
    assert len(anchors) == 2

    removed = control.RemoveEvent(event=event["id"])
    assert removed["event"]["id"] == event["id"] and removed["cancelledReminders"] == 4
    assert control.ListEvents()["events"] == [] and control.Upcoming()["reminders"] == []
    refused(daemon, "RemoveEvent", "EventNotFound", event=event["id"])
