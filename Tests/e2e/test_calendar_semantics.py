"""Calendar imports as a calendar client would (issue #12), through the real daemon and
relancectl: a changed occurrence (RECURRENCE-ID) is kept at its new time and title, a
newer version (SEQUENCE) moves the event and re-plans its reminders, STATUS:CANCELLED
removes it, and importing the same file again adds nothing.

The calendar is written the way Google Calendar exports one (PRODID, VTIMEZONE, DTSTAMP
at export time, a series and its changed occurrences sharing a UID, each change with its
RECURRENCE-ID); its dates are relative to today, since the daemon runs on the real clock.
"""

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

# Every test here imports or lists events (ImportEvents, ListEvents).

PARIS = ZoneInfo("Europe/Paris")
UID = "7kukuqrfedlm2f9t0vd1h2oahn@google.com"

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Paris
X-LIC-LOCATION:Europe/Paris
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def stamp(moment):
    return moment.strftime("%Y%m%dT%H%M%S")


def said(moment):
    """How a reminder names an occurrence, in the user's zone (UTC in these tests):
    "Founders meetup: Tue 9 Dec 19:00"."""
    moment = moment.astimezone(timezone.utc)
    return f"Founders meetup: {moment:%a} {moment.day} {moment:%b %H:%M}"


def calendar(first, *, sequence=0, at="19:00", status=None, exported="20260101T000000Z"):
    """A weekly series from `first` (a date) at `at` in Paris, with its first occurrence
    moved to the next day 20:00 at another place and its second one retitled (each
    change's RECURRENCE-ID is the occurrence it replaces, so it follows the series' time)."""
    hour, minute = map(int, at.split(":"))
    start = datetime(first.year, first.month, first.day, hour, minute, tzinfo=PARIS)
    original = start
    moved = datetime(first.year, first.month, first.day, 20, 0, tzinfo=PARIS) + timedelta(days=1)
    series = (f"BEGIN:VEVENT\nDTSTART;TZID=Europe/Paris:{stamp(start)}\nDTEND;TZID=Europe/Paris:{stamp(start + timedelta(hours=2))}\n"
              f"RRULE:FREQ=WEEKLY;COUNT=6\nDTSTAMP:{exported}\nUID:{UID}\nCREATED:20251201T100000Z\n"
              f"LAST-MODIFIED:20251201T100000Z\nLOCATION:Station F\\, Paris\nSEQUENCE:{sequence}\n"
              + (f"STATUS:{status}\n" if status else "STATUS:CONFIRMED\n")
              + "SUMMARY:Founders meetup\nTRANSP:OPAQUE\nEND:VEVENT\n")
    first_change = (f"BEGIN:VEVENT\nDTSTART;TZID=Europe/Paris:{stamp(moved)}\nDTEND;TZID=Europe/Paris:{stamp(moved + timedelta(hours=2))}\n"
                    f"DTSTAMP:{exported}\nUID:{UID}\nRECURRENCE-ID;TZID=Europe/Paris:{stamp(original)}\n"
                    "CREATED:20251201T100000Z\nLAST-MODIFIED:20251202T100000Z\nLOCATION:Le Wagon\\, Paris\nSEQUENCE:0\n"
                    "STATUS:CONFIRMED\nSUMMARY:Founders meetup\nTRANSP:OPAQUE\nEND:VEVENT\n")
    second = original + timedelta(days=7)
    second_change = (f"BEGIN:VEVENT\nDTSTART;TZID=Europe/Paris:{stamp(second)}\nDTEND;TZID=Europe/Paris:{stamp(second + timedelta(hours=2))}\n"
                     f"DTSTAMP:{exported}\nUID:{UID}\nRECURRENCE-ID;TZID=Europe/Paris:{stamp(second)}\n"
                     "CREATED:20251201T100000Z\nLAST-MODIFIED:20251202T100000Z\nLOCATION:Station F\\, Paris\nSEQUENCE:0\n"
                     "STATUS:CONFIRMED\nSUMMARY:Founders meetup: demo night\nTRANSP:OPAQUE\nEND:VEVENT\n")
    text = ("BEGIN:VCALENDAR\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\nVERSION:2.0\nCALSCALE:GREGORIAN\n"
            "METHOD:PUBLISH\nX-WR-CALNAME:Founders\nX-WR-TIMEZONE:Europe/Paris\n" + VTIMEZONE
            + series + first_change + second_change + "END:VCALENDAR\n")
    return text.replace("\n", "\r\n"), original, moved, second


def founders(daemon):
    return [r for r in daemon.ctl("upcoming", "--json").json()["reminders"] if r["text"].startswith("Founders meetup")]


def test_changed_occurrences_a_newer_version_and_a_cancellation_as_a_calendar_client_would(daemon, tmp_path):
    # Given a Google-style export: a weekly meetup from ten days on, its first evening
    # moved to the next day at another place, its second one retitled
    first = (datetime.now(PARIS) + timedelta(days=10)).date()
    text, original, moved, second = calendar(first)
    path = tmp_path / "founders.ics"
    path.write_text(text, newline="")

    # When it is imported
    report = daemon.ctl("import", str(path), "--json").json()[0]

    # Then the series and both changes are added, and the report says what each change is
    assert (report["added"], report["skipped"], report["rejected"]) == (3, 0, 0), report
    assert any(f"moved to {moved:%Y-%m-%d %H:%M}, at Le Wagon, Paris: kept as its own event" in line for line in report["lines"]), report
    assert any("retitled 'Founders meetup: demo night'" in line for line in report["lines"]), report
    events = daemon.ctl("event", "list", "--json").json()["events"]
    assert sorted(e["title"] for e in events) == ["Founders meetup", "Founders meetup", "Founders meetup: demo night"]
    series = next(e for e in events if e.get("rrule"))
    assert sorted(series["exdates"]) == [f"{original:%Y-%m-%dT%H:%M:%S}", f"{second:%Y-%m-%dT%H:%M:%S}"]
    moved_event = next(e for e in events if not e.get("rrule") and e["title"] == "Founders meetup")
    assert (moved_event["start"], moved_event["place"]) == (f"{moved:%Y-%m-%dT%H:%M:%S}", "Le Wagon, Paris")
    # ... the moved evening is reminded at its new time, never at the old one
    texts = [r["text"] for r in founders(daemon)]
    assert f"{said(moved)} at Le Wagon, Paris" in texts, texts
    assert not any(t.startswith(said(original)) for t in texts), texts
    assert any(t.startswith("Founders meetup: demo night") for t in texts), texts

    # When the same file is imported again, Then nothing changes
    reminders_before = founders(daemon)
    again = daemon.ctl("import", str(path), "--json").json()[0]
    assert (again["added"], again["merged"], again["skipped"]) == (0, 0, 3), again
    assert all("already imported (up to date)" in line for line in again["lines"]), again
    assert len(daemon.ctl("event", "list", "--json").json()["events"]) == 3
    assert founders(daemon) == reminders_before

    # When the organiser moves the series to 19:30 (SEQUENCE bumped, a later export)
    text, *_ = calendar(first, sequence=1, at="19:30", exported="20260102T000000Z")
    path.write_text(text, newline="")
    update = daemon.ctl("import", str(path), "--json").json()[0]

    # Then the series is updated, its pending reminders re-planned at the new time, and
    # its changes (re-keyed to the new time) replace the old ones
    assert (update["added"], update["merged"]) == (2, 1), update
    assert any(line.startswith("update Founders meetup") and "19:00 → " in line and "19:30" in line
               and "removed 2 changed occurrences the calendar no longer lists" in line for line in update["lines"]), update
    events = daemon.ctl("event", "list", "--json").json()["events"]
    assert len(events) == 3
    series = next(e for e in events if e.get("rrule"))
    assert series["start"].endswith("T19:30:00")
    third = original + timedelta(days=14)
    texts = [r["text"] for r in founders(daemon)]
    assert any(t.startswith(said(third + timedelta(minutes=30))) for t in texts), texts
    assert not any(t.startswith(said(third)) for t in texts), texts
    assert f"{said(moved)} at Le Wagon, Paris" in texts, texts  # the changed evening keeps its own time

    # When the organiser cancels it
    text, *_ = calendar(first, sequence=2, at="19:30", status="CANCELLED", exported="20260103T000000Z")
    path.write_text(text, newline="")
    cancel = daemon.ctl("import", str(path), "--json").json()[0]

    # Then the series and its changed evenings are gone, with their pending reminders
    assert cancel["merged"] == 1 and any("cancelled (SEQUENCE 2" in line for line in cancel["lines"]), cancel
    assert daemon.ctl("event", "list", "--json").json()["events"] == []
    assert founders(daemon) == []
    # ... and importing the cancellation again changes nothing
    assert daemon.ctl("import", str(path), "--json").json()[0]["added"] == 0


def test_a_changed_occurrence_without_its_series_becomes_a_one_off_event(daemon, tmp_path):
    # Given a file that holds only the moved evening (its series is in another calendar)
    first = (datetime.now(PARIS) + timedelta(days=10)).date()
    text, original, moved, _ = calendar(first)
    lines = text.split("\r\n")
    begin = [i for i, line in enumerate(lines) if line == "BEGIN:VEVENT"]
    only_change = "\r\n".join(lines[:begin[0]] + lines[begin[1]:begin[2]] + ["END:VCALENDAR", ""])
    path = tmp_path / "one-evening.ics"
    path.write_text(only_change, newline="")

    # When it is imported, twice
    report = daemon.ctl("import", str(path), "--json").json()[0]
    again = daemon.ctl("import", str(path), "--json").json()[0]

    # Then it is one event at its own time, said so, and only once
    assert report["added"] == 1 and "its series is neither in this import nor in Relance, so a one-off event" in report["lines"][0]
    assert (again["added"], again["skipped"]) == (0, 1)
    [event] = daemon.ctl("event", "list", "--json").json()["events"]
    assert event["start"] == f"{moved:%Y-%m-%dT%H:%M:%S}" and event.get("rrule") is None
    assert f"{said(moved)} at Le Wagon, Paris" in [r["text"] for r in founders(daemon)]


def test_windows_and_file_defined_zone_names_import_in_their_iana_zone(daemon, tmp_path):
    # Given an Outlook-style file: a Windows zone name, and a zone the file defines itself
    # under a custom TZID (no X-LIC-LOCATION), with Berlin's rules
    day = (datetime.now(PARIS) + timedelta(days=20)).strftime("%Y%m%d")
    berlin = ("BEGIN:VTIMEZONE\nTZID:Europe_Berlin\nBEGIN:STANDARD\nDTSTART:16011028T030000\n"
              "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\n"
              "BEGIN:DAYLIGHT\nDTSTART:16010325T020000\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\n"
              "TZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nEND:DAYLIGHT\nEND:VTIMEZONE\n")
    text = ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\n" + berlin
            + f"BEGIN:VEVENT\nUID:wellington@example.org\nDTSTAMP:20260101T000000Z\nSUMMARY:Wellington founders\n"
            f"DTSTART;TZID=\"New Zealand Standard Time\":{day}T180000\nDTEND;TZID=\"New Zealand Standard Time\":{day}T200000\nEND:VEVENT\n"
            f"BEGIN:VEVENT\nUID:berlin@example.org\nDTSTAMP:20260101T000000Z\nSUMMARY:Berlin founders\n"
            f"DTSTART;TZID=Europe_Berlin:{day}T190000\nDTEND;TZID=Europe_Berlin:{day}T210000\nEND:VEVENT\nEND:VCALENDAR\n")
    path = tmp_path / "outlook.ics"
    path.write_text(text.replace("\n", "\r\n"), newline="")

    # When it is imported, Then both events keep their wall-clock time in an IANA zone
    report = daemon.ctl("import", str(path), "--json").json()[0]
    assert (report["added"], report["rejected"]) == (2, 0), report
    zones = {e["title"]: (e["timeZone"], e["start"][11:16]) for e in daemon.ctl("event", "list", "--json").json()["events"]}
    assert zones == {"Wellington founders": ("Pacific/Auckland", "18:00"), "Berlin founders": ("Europe/Berlin", "19:00")}


def test_a_third_party_file_with_a_lone_changed_occurrence_imports_it_once(daemon):
    # Given Python icalendar's own test file: one RECURRENCE-ID event, no series
    path = Path(__file__).resolve().parents[1] / "RelanceCalendarTests/Fixtures/icalendar-issue-1231-recurrence.ics"
    # When it is imported twice, Then it is one one-off event, said so, and only once
    first = daemon.ctl("import", str(path), "--json").json()[0]
    again = daemon.ctl("import", str(path), "--json").json()[0]
    assert first["added"] == 1 and "so a one-off event" in first["lines"][0], first
    assert (again["added"], again["skipped"]) == (0, 1), again
    [event] = daemon.ctl("event", "list", "--json").json()["events"]
    assert (event["uid"], event["start"]) == ("test-uid", "2025-04-28T16:05:00")


ALL_DAY = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20261216\r
DTEND;VALUE=DATE:20261217\r
DTSTAMP:20261101T000000Z\r
UID:founders-day@example.org\r
SUMMARY:Founders Day\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_an_all_day_event_stays_all_day_in_lists_reminders_and_export(paris, tmp_path):
    # Given a Google-style all-day event (DTSTART;VALUE=DATE) on Wednesday 16 December,
    # for a user in Paris whose day starts at 09:00 (the clock: Monday 30 November)
    path = tmp_path / "founders-day.ics"
    path.write_text(ALL_DAY, newline="")

    # When it is imported
    report = paris.ctl("import", str(path), "--json").json()[0]
    assert (report["added"], report["rejected"]) == (1, 0), report

    # Then it is listed as all day, never at 00:00
    [event] = paris.ctl("event", "list", "--json").json()["events"]
    assert event["allDay"] is True and event["start"] == "2026-12-16T00:00:00", event
    listed = paris.ctl("event", "list").stdout
    assert "Wed 16 Dec, all day" in listed and "00:00" not in listed, listed
    agenda = paris.ctl("agenda", "--days", "30").stdout
    assert "all day" in agenda and "00:00" not in agenda, agenda
    # ... its reminders come at the start of the day (09:00 in Paris, 08:00 UTC): a week
    # before, the day before and the morning of the day, never at 22:00 the evening before
    reminders = [r for r in paris.ctl("upcoming", "--json").json()["reminders"] if "Founders Day" in r["text"]]
    fire = sorted((r["kind"], r["fireAt"][:16]) for r in reminders if r["kind"] != "event_log_people")
    assert fire == [("event_rsvp", "2026-12-09T08:00"), ("event_soon", "2026-12-15T08:00"),
                    ("event_soon", "2026-12-16T08:00")], reminders
    assert all("Wed 16 Dec, all day" in r["text"] for r in reminders if r["kind"] != "event_log_people"), reminders
    upcoming = paris.ctl("upcoming").stdout
    assert "22:00" not in upcoming and "00:00" not in upcoming, upcoming

    # When it is exported, Then it is written back as a DATE with its own UID
    paris.ctl("export", "--ics", str(tmp_path / "out.ics"))
    exported = (tmp_path / "out.ics").read_bytes().decode()
    assert "DTSTART;VALUE=DATE:20261216\r\n" in exported and "UID:founders-day@example.org\r\n" in exported, exported

    # ... and importing the export adds nothing and keeps it all day
    again = paris.ctl("import", str(tmp_path / "out.ics"), "--json").json()[0]
    assert (again["added"], again["merged"], again["rejected"]) == (0, 0, 0), again
    assert paris.ctl("event", "list", "--json").json()["events"][0]["allDay"] is True

    # When its place is corrected, Then it stays all day, and so do its reminders
    paris.ctl("event", "edit", str(event["id"]), "--where", "Station F")
    assert paris.ctl("event", "list", "--json").json()["events"][0]["allDay"] is True
    upcoming = paris.ctl("upcoming").stdout
    assert "Wed 16 Dec, all day at Station F" in upcoming and "22:00" not in upcoming, upcoming


def broken_calendar(valid=3):
    """`valid` readable events and two that are not: one with no DTSTART, one ending
    before it starts."""
    good = "".join(f"BEGIN:VEVENT\r\nUID:ok-{n}@example.org\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Meetup {n}\r\n"
                   f"DTSTART:2026121{n}T180000Z\r\nDTEND:2026121{n}T200000Z\r\nEND:VEVENT\r\n" for n in range(valid))
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\n" + good
            + "BEGIN:VEVENT\r\nUID:no-start@example.org\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:No start\r\nEND:VEVENT\r\n"
            + "BEGIN:VEVENT\r\nUID:backwards@example.org\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Backwards\r\n"
              "DTSTART:20261220T180000Z\r\nDTEND:20261220T170000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_every_rejected_event_is_listed_and_skip_invalid_imports_the_others(paris, tmp_path):
    # Given a calendar with three readable events and two broken ones (lines 25 and 30)
    path = tmp_path / "team.ics"
    path.write_text(broken_calendar(), newline="")

    # When it is imported, Then nothing is, and each rejected event is named by file:line
    # with its reason, and the valid ones are counted
    result = paris.ctl("import", str(path), check=False)
    assert result.code != 0 and paris.ctl("event", "list", "--json").json()["events"] == []
    assert "2 rejected, 3 valid not imported" in result.stderr, result
    assert "team.ics:25: the VEVENT has no DTSTART" in result.stderr, result
    assert "team.ics:30" in result.stderr and "ends before it starts" in result.stderr, result
    assert "--skip-invalid" in result.stderr, result

    # When it is imported with --skip-invalid, Then the three are added and the two listed
    report = paris.ctl("import", str(path), "--skip-invalid", "--json").json()[0]
    assert (report["added"], report["rejected"], report["applied"]) == (3, 2, True), report
    assert sorted(e["title"] for e in paris.ctl("event", "list", "--json").json()["events"]) == [
        "Meetup 0", "Meetup 1", "Meetup 2"]
    # ... and again, nothing more
    again = paris.ctl("import", str(path), "--skip-invalid", "--json").json()[0]
    assert (again["added"], again["skipped"]) == (0, 3), again


def test_a_calendar_with_no_event_is_an_error_naming_the_file_not_added_0(paris, tmp_path):
    # Given an empty file and a calendar of tasks only
    empty = tmp_path / "empty.ics"
    empty.write_text("")
    tasks = tmp_path / "tasks.ics"
    tasks.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VTODO\r\nUID:t@x\r\n"
                     "DTSTAMP:20261101T000000Z\r\nSUMMARY:Call Ada\r\nEND:VTODO\r\nEND:VCALENDAR\r\n", newline="")
    for path, why in [(empty, "not an iCalendar file"), (tasks, "no VEVENT in it")]:
        # When it is imported, Then the import fails naming the file and why
        result = paris.ctl("import", str(path), "--format", "ics", check=False)
        assert result.code != 0 and "Added 0" not in result.stdout, result
        assert f"{path.name}" in result.stderr and why in result.stderr, result
    assert paris.ctl("event", "list", "--json").json()["events"] == []


def test_importing_an_export_adds_nothing_over_the_whole_fixture_corpus(paris, tmp_path):
    # Given every .ics fixture of the repository (the broken ones with --skip-invalid;
    # several are Python icalendar's own test calendars, see Fixtures/SOURCES.md),
    # and a meeting and a reminder of Relance's own (exported as VEVENTs too)
    fixtures = sorted(Path(__file__).resolve().parents[1].rglob("Fixtures/*.ics"))
    assert len(fixtures) >= 4, fixtures
    paris.ctl("contact", "add", "Ada Lovelace", "--email", "ada@example.com")
    paris.ctl("meeting", "add", "ada", "--at", "2026-12-10 15:00", "--place", "Café Olimpico")
    paris.ctl("remind", "2026-12-04 10:00", "Call the venue")
    for fixture in fixtures:
        paris.ctl("import", str(fixture), "--skip-invalid", "--json", check=False)
        before = paris.ctl("event", "list", "--json").json()["events"]
        out = tmp_path / f"export-{fixture.name}"
        # When what Relance holds is exported and the export imported again
        paris.ctl("export", "--ics", str(out))
        report = paris.ctl("import", str(out), "--json").json()[0]
        # Then nothing is added or changed, and the events are the same
        assert (report["added"], report["merged"], report["rejected"]) == (0, 0, 0), (fixture.name, report)
        assert paris.ctl("event", "list", "--json").json()["events"] == before, fixture.name
        # ... Relance's own meeting and reminder are recognised, not made events
        assert any("Relance's own meeting" in line for line in report["lines"]), report
        assert any("Relance's own reminder" in line for line in report["lines"]), report
    # ... and the corpus did give events to export (all day ones among them)
    events = paris.ctl("event", "list", "--json").json()["events"]
    assert len(events) >= 12 and sum(1 for e in events if e.get("allDay")) >= 4, events


def test_a_holiday_calendar_imported_as_events_is_refused_with_a_hint(paris):
    # Given a calendar of public holidays (all day, yearly, no attendees)
    path = Path(__file__).resolve().parents[1] / "RelanceCalendarTests/Fixtures/holidays.ics"
    # When it is imported as events, Then nothing is, and the answer says where it belongs
    result = paris.ctl("import", str(path), check=False)
    assert result.code != 0, result
    assert "holidays.ics: looks like a calendar of public holidays (6 all-day, yearly events" in result.stderr, result
    assert "relancectl import --holidays holidays.ics" in result.stderr, result
    assert paris.ctl("event", "list", "--json").json()["events"] == []
    assert paris.ctl("upcoming", "--json").json()["reminders"] == []


HOLIDAYS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r
BEGIN:VEVENT\r
UID:company-day@example.org\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Company day\r
DTSTART;VALUE=DATE:20261209\r
DTEND;VALUE=DATE:20261210\r
RRULE:FREQ=YEARLY\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:christmas@example.org\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Christmas\r
DTSTART;VALUE=DATE:20261225\r
RRULE:FREQ=YEARLY\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:new-year@example.org\r
DTSTAMP:20260101T000000Z\r
SUMMARY:New Year\r
DTSTART;VALUE=DATE:19900101\r
RRULE:FREQ=YEARLY\r
END:VEVENT\r
END:VCALENDAR\r
"""


def follow_up(daemon):
    return [r for r in daemon.ctl("upcoming", "--json").json()["reminders"] if r["kind"] == "follow_up"]


def test_import_holidays_makes_days_off_that_follow_ups_avoid_listed_and_kept(paris, tmp_path):
    # Given an outreach logged on Monday 30 November whose follow-up, 7 business days
    # later, is due on Wednesday 9 December, and a holiday calendar that has that day
    paris.ctl("contact", "add", "Ada Lovelace", "--email", "ada@example.com")
    paris.ctl("outreach", "log", "ada", "--ask", "a coffee chat")
    [before] = follow_up(paris)
    assert before["fireAt"].startswith("2026-12-09"), before
    path = tmp_path / "holidays.ics"
    path.write_text(HOLIDAYS, newline="")

    # When it is imported as holidays
    report = paris.ctl("import", "--holidays", str(path), "--json").json()[0]

    # Then its days are days off, not events, and the follow-up moved off the holiday
    assert report["applied"] and report["rejected"] == 0 and report["added"] >= 3, report
    assert "holiday 2026-12-09 Company day (holidays.ics)" in report["lines"], report
    assert paris.ctl("event", "list", "--json").json()["events"] == []
    [after] = follow_up(paris)
    assert after["fireAt"].startswith("2026-12-10"), after
    # ... they are listed with their names
    listed = paris.ctl("holidays").stdout
    assert "2026-12-25" in listed and "Christmas" in listed and "holidays.ics" in listed, listed
    # ... a yearly rule from long ago still gives the coming years' dates
    assert "2027-01-01" in listed and "2036-01-01" in listed and "2025-01-01" not in listed, listed
    # ... importing the file again adds nothing
    again = paris.ctl("import", "--holidays", str(path), "--json").json()[0]
    assert (again["added"], again["skipped"]) == (0, report["added"]), again

    # When the daemon restarts and its configuration adds a holiday of its own
    paris.config.write_text(paris.config.read_text() + '[calendar]\nholidays = ["2026-12-24"]\n')
    paris.restart()

    # Then the imported days are still off, beside the configured one
    holidays = {h["date"]: h for h in paris.ctl("holidays", "--json").json()["holidays"]}
    assert holidays["2026-12-09"]["name"] == "Company day" and holidays["2026-12-24"]["source"] == "config", holidays
    [kept] = follow_up(paris)
    assert kept["fireAt"].startswith("2026-12-10"), kept
    # ... and a reload of the configuration (which knows only its own) keeps them too
    paris.ctl("reload")
    [kept] = follow_up(paris)
    assert kept["fireAt"].startswith("2026-12-10"), kept
    # ... and a new outreach's follow-up skips them too
    paris.ctl("outreach", "log", "ada", "--ask", "an introduction")
    assert not any(r["fireAt"].startswith("2026-12-09") for r in follow_up(paris)), follow_up(paris)


@pytest.mark.personal_only("backup and restore: a team database is backed up as a database")
def test_imported_holidays_survive_a_backup_restored(paris, tmp_path):
    path = tmp_path / "holidays.ics"
    path.write_text(HOLIDAYS, newline="")
    paris.ctl("import", "--holidays", str(path))
    # A backup carries them: restored over the state, they are days off again
    paris.ctl("backup", str(tmp_path / "backup.json"))
    paris.ctl("restore", str(tmp_path / "backup.json"), "--force")
    assert "Company day" in paris.ctl("holidays").stdout


def test_a_holiday_file_that_cannot_be_read_imports_no_day(paris, tmp_path):
    path = tmp_path / "broken.ics"
    path.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@x\r\nSUMMARY:No date\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                    newline="")
    result = paris.ctl("import", "--holidays", str(path), check=False)
    assert result.code != 0 and "broken.ics:3: the holiday has no DTSTART" in result.stderr, result
    assert paris.ctl("holidays", "--json").json()["holidays"] == []


def test_a_cancelled_series_does_not_come_back_from_an_older_copy(paris, tmp_path):
    # Given a series imported, then cancelled by the organiser (SEQUENCE 2)
    first = (datetime.now(PARIS) + timedelta(days=10)).date()
    old, *_ = calendar(first)
    cancelled, *_ = calendar(first, sequence=2, status="CANCELLED", exported="20260103T000000Z")
    path = tmp_path / "founders.ics"
    path.write_text(old, newline="")
    assert paris.ctl("import", str(path), "--json").json()[0]["added"] == 3
    path.write_text(cancelled, newline="")
    paris.ctl("import", str(path))
    assert paris.ctl("event", "list", "--json").json()["events"] == []

    # When the older, uncancelled copy is imported again (another export, a backup)
    path.write_text(old, newline="")
    report = paris.ctl("import", str(path), "--json").json()[0]

    # Then nothing comes back, and the report says why
    assert (report["added"], report["skipped"]) == (0, 3), report
    assert "cancelled by the calendar in an earlier import (SEQUENCE 2" in report["lines"][0], report
    assert paris.ctl("event", "list", "--json").json()["events"] == [] and founders(paris) == []

    # When the organiser re-instates it (SEQUENCE 3), Then it is back
    newer, *_ = calendar(first, sequence=3, exported="20260104T000000Z")
    path.write_text(newer, newline="")
    back = paris.ctl("import", str(path), "--json").json()[0]
    assert back["added"] == 3, back
    assert len(paris.ctl("event", "list", "--json").json()["events"]) == 3


def test_event_add_all_day_makes_a_whole_day_event_that_exports_as_dates(paris, tmp_path):
    # Given a user in Paris on Monday 30 November 2026
    # When a three-day fair is added as a whole-day event (--until: its last day)
    reply = paris.ctl("event", "add", "Salon VivaTech", "--at", "2026-12-10", "--until", "2026-12-12",
                      "--all-day", "--json").json()
    event = reply["event"]
    # Then it is all day, from midnight of its first day, three days long
    assert (event["allDay"], event["start"], event["duration"]) == (True, "2026-12-10T00:00:00", "PT72H"), event
    # ... its reminders speak of the day, at the start of the user's day
    assert any(r["text"] == "Salon VivaTech: Thu 10 Dec, all day" for r in reply["reminders"]), reply["reminders"]
    # ... a time given with a day is left out, and one day is the default
    one = paris.ctl("event", "add", "Open day", "--at", "2026-12-04 15:00", "--all-day", "--json").json()["event"]
    assert (one["allDay"], one["start"], one["duration"]) == (True, "2026-12-04T00:00:00", "PT24H"), one
    # ... and the export writes both as dates, as Python icalendar reads them
    out = tmp_path / "export.ics"
    paris.ctl("export", "--ics", str(out))
    exported = {str(e["SUMMARY"]): e for e in icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")}
    fair = exported["Salon VivaTech"]
    assert fair["DTSTART"].dt == date(2026, 12, 10) and fair["DURATION"].dt == timedelta(days=3), fair
    assert exported["Open day"]["DTSTART"].dt == date(2026, 12, 4)
    # When the last day is before the first, Then nothing is added, and it says why
    result = paris.ctl("event", "add", "Backwards", "--at", "2026-12-10", "--until", "2026-12-09", "--all-day", check=False)
    assert result.code != 0 and "--until: must be the first day or after it" in result.stderr, result
    # ... and without --all-day an event is timed, as before
    timed = paris.ctl("event", "add", "Drinks", "--at", "2026-12-10 19:00", "--json").json()["event"]
    assert not timed.get("allDay") and timed["duration"] == "PT2H", timed
