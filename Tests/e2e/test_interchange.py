"""Contacts and events in and out, and the CLI's manners (issue #6), through the real
daemon and relancectl, with real-looking exports and third-party parsers (Python
`icalendar` to produce an .ics; `icalendar` and `vobject` to validate what we export)."""

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests/RelanceInterchangeTests/Fixtures"
VALIDATE = FIXTURES / "validate.py"


def validate(path):
    result = subprocess.run([sys.executable, str(VALIDATE), str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def names(daemon):
    return sorted(c["name"] for c in daemon.ctl("contact", "list", "--json").json()["contacts"])


def test_a_broken_record_stops_the_whole_import_and_names_its_line(daemon, tmp_path):
    # Given the Google export with, after it, a card with neither name nor address
    path = tmp_path / "contacts.vcf"
    path.write_bytes((FIXTURES / "google-contacts.vcf").read_bytes()
                     + b"BEGIN:VCARD\r\nVERSION:3.0\r\nORG:Mystery Inc\r\nEND:VCARD\r\n")
    lines = path.read_bytes().count(b"\n")
    result = daemon.ctl("import", str(path), check=False)
    assert result.code != 0
    assert f"contacts.vcf:{lines - 3}: no name" in result.stderr, result
    assert "--skip-invalid" in result.stderr
    assert names(daemon) == []


def test_an_email_only_card_is_named_after_its_address_and_said_so(daemon):
    # Given Google's export, whose card at line 51 has an address and no FN or N
    # When it is imported, Then that card is a contact named after the address, flagged
    report = daemon.ctl("import", str(FIXTURES / "google-contacts.vcf"), "--json").json()[0]
    assert report["rejected"] == 0 and "nobody@example.com" in names(daemon), report
    at = report["lines"].index("add nobody@example.com (google-contacts.vcf:51)")
    assert "named after its e-mail address" in report["lines"][at + 1], report


def test_empty_rows_of_a_linkedin_export_are_skipped_and_located(daemon, tmp_path):
    # Given a LinkedIn export with a row of only commas (line 5)
    path = tmp_path / "Connections.csv"
    path.write_text("Notes:\n\"When exporting your connection data...\"\n\n"
                    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n,,,,,,\n"
                    "Ada,Lovelace,https://www.linkedin.com/in/ada,ada@example.com,Analytical,Author,07 Dec 2025\n")
    # When it is imported, Then Ada is added and the empty row is counted and located
    result = daemon.ctl("import", str(path))
    assert "skip empty row (Connections.csv:5)" in result.stdout, result
    assert "Added 1, merged 0, skipped 1, rejected 0." in result.stdout, result
    assert names(daemon) == ["Ada Lovelace"]


def test_a_file_with_no_contact_in_it_is_an_error_not_added_0(daemon, tmp_path):
    # Given a garbage file named like a vCard export
    garbage = tmp_path / "contacts.vcf"
    garbage.write_bytes(bytes(range(1, 256)) * 8)
    # When it is imported, Then the import fails, names the file, and adds nobody
    result = daemon.ctl("import", str(garbage), check=False)
    assert result.code != 0
    assert "contacts.vcf:1: no contact found in it" in result.stderr, result.stderr
    assert names(daemon) == []


def test_an_event_with_thousands_of_alarms_keeps_ten_reminders(daemon, tmp_path):
    alarms = "".join(f"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT{minutes}M\r\nEND:VALARM\r\n"
                     for minutes in range(1, 3001))
    ics = tmp_path / "alarms.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:many@alarms\r\n"
                   "DTSTAMP:20260101T000000Z\r\nDTSTART:20301210T190000Z\r\nDTEND:20301210T210000Z\r\nSUMMARY:Drinks\r\n"
                   + alarms + "END:VEVENT\r\nEND:VCALENDAR\r\n", newline="")
    daemon.ctl("import", str(ics))
    events = daemon.ctl("event", "list", "--json").json()["events"]
    assert len(events) == 1 and len(events[0]["reminders"]) == 10
    # the ten longest leads: 3000 down to 2991 minutes before the start
    assert len(set(events[0]["reminders"])) == 10


def test_a_file_over_the_import_bound_is_refused_before_it_is_read(daemon, tmp_path):
    # Given a 65 MiB file (sparse: nothing is written) named like a contacts export
    huge = tmp_path / "everyone.csv"
    with open(huge, "wb") as f:
        f.truncate(65 << 20)
    # When it is imported, Then the call names the file, its size and the bound, and
    # nothing is added
    result = daemon.ctl("import", str(huge), check=False)
    assert result.code != 0
    assert "everyone.csv is 65 MiB; at most 64 MiB per file" in result.stderr, result.stderr
    assert names(daemon) == []


def test_more_contacts_than_one_import_takes_are_refused_whole(daemon, tmp_path):
    # Given a LinkedIn-style export one row over the bound of 50 000
    rows = "".join(f"P{i},Q,https://www.linkedin.com/in/p{i},p{i}@example.org,C,E,07 Dec 2025\n" for i in range(50_001))
    export = tmp_path / "Connections.csv"
    export.write_text("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n" + rows)
    # When it is imported, Then it is refused with the count and what to do, and nobody
    # is added (the store is untouched)
    result = daemon.ctl("import", str(export), check=False, timeout=120)
    assert result.code != 0
    assert "50001 contacts in one import; at most 50000" in result.stderr, result.stderr
    assert "split the file" in result.stderr
    assert names(daemon) == []


def test_more_events_than_one_import_takes_are_refused_whole(daemon, tmp_path):
    events = "".join(f"BEGIN:VEVENT\r\nUID:e{i}@bound\r\nDTSTART:20301210T190000Z\r\nSUMMARY:E{i}\r\nEND:VEVENT\r\n"
                     for i in range(20_001))
    ics = tmp_path / "decade.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + events + "END:VCALENDAR\r\n", newline="")
    result = daemon.ctl("import", str(ics), check=False, timeout=300)
    assert result.code != 0
    assert "20001 events in one import; at most 20000" in result.stderr, result.stderr
    assert daemon.ctl("event", "list", "--json").json()["events"] == []


def test_contacts_and_a_broken_calendar_together_import_nothing(daemon, tmp_path):
    # Given a good vCard and a calendar with a broken event, imported together
    cards = tmp_path / "ada.vcf"
    cards.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL:ada@example.com\r\nEND:VCARD\r\n")
    calendar = tmp_path / "broken.ics"
    calendar.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:b@x\r\nDTSTART:tomorrow\r\n"
                        "END:VEVENT\r\nEND:VCALENDAR\r\n")
    # When they are imported, Then it fails and nobody was added (all or nothing)
    result = daemon.ctl("import", str(cards), str(calendar), check=False)
    assert result.code != 0, result
    assert names(daemon) == []
    # and each alone behaves as before
    daemon.ctl("import", str(cards))
    assert names(daemon) == ["Ada Lovelace"]


@pytest.mark.personal_only("a trigger in the SQLite file: SQLite store only")
def test_contacts_and_a_calendar_whose_write_fails_import_nothing_in_one_transaction(daemon, tmp_path):
    # Given a good vCard and a good calendar, and a store that refuses every event write
    # (a trigger: the failure comes after the contacts were written, in the same call)
    import sqlite3
    cards = tmp_path / "ada.vcf"
    cards.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL:ada@example.com\r\nEND:VCARD\r\n")
    calendar = tmp_path / "meetup.ics"
    calendar.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nBEGIN:VEVENT\r\nUID:meetup@x\r\n"
                        "DTSTAMP:20260101T000000Z\r\nDTSTART:20990110T180000Z\r\nDTEND:20990110T200000Z\r\n"
                        "SUMMARY:Founders meetup\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    with sqlite3.connect(daemon.database) as db:
        db.execute("CREATE TRIGGER refuse_events BEFORE INSERT ON event BEGIN SELECT RAISE(ABORT, 'no events today'); END")
    # When both are imported, Then it fails, saying why, and no contact was added
    result = daemon.ctl("import", str(cards), str(calendar), check=False)
    assert result.code != 0, result
    assert "no events today" in result.stderr, result
    assert names(daemon) == []
    assert daemon.ctl("event", "list", "--json").json()["events"] == []
    # and once the store takes events again, both land in the one call
    with sqlite3.connect(daemon.database) as db:
        db.execute("DROP TRIGGER refuse_events")
    report = daemon.ctl("import", str(cards), str(calendar), "--json").json()
    assert [r["added"] for r in report] == [1, 1]
    assert names(daemon) == ["Ada Lovelace"]


def test_an_empty_file_or_a_format_matching_nothing_is_an_error(daemon, tmp_path):
    empty = tmp_path / "empty.vcf"
    empty.write_text("")
    cards = tmp_path / "ada.vcf"
    cards.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL:ada@example.com\r\nEND:VCARD\r\n")
    blank = tmp_path / "blank.ics"
    blank.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    for args in ([str(empty)], [str(cards), "--format", "linkedin-csv"], [str(blank)], [str(cards), str(blank)]):
        result = daemon.ctl("import", *args, check=False)
        assert result.code != 0, (args, result)
        assert "nothing imported" in result.stderr, (args, result)
    assert names(daemon) == []


def test_real_looking_exports_merge_as_expected_and_a_second_import_changes_nothing(daemon):
    files = [str(FIXTURES / f) for f in ("google-contacts.vcf", "apple-contacts.vcf", "linkedin-connections.csv")]

    dry = daemon.ctl("import", *files, "--skip-invalid", "--dry-run", "--json").json()
    assert daemon.ctl("contact", "list", "--json").json()["contacts"] == []
    real = daemon.ctl("import", *files, "--skip-invalid", "--json").json()

    # The dry run said exactly what the real run did.
    assert [r["lines"] for r in dry] == [r["lines"] for r in real]
    report = real[0]
    assert report["applied"] is True and report["added"] > 0
    assert report["rejections"] and all(":" in line for line in report["rejections"])
    # Same-name people with no shared key stay two people.
    assert names(daemon).count("Jean Martin") == 2
    assert "Émilie du Châtelet" in names(daemon) and "Łukasz Wiśniewski" in names(daemon)

    again = daemon.ctl("import", *files, "--skip-invalid", "--json").json()[0]
    assert (again["added"], again["merged"]) == (0, 0)
    assert again["skipped"] == report["added"] + report["merged"] + report["skipped"]


def test_a_recurring_event_from_a_third_party_ics_imports_once_and_shows_in_the_agenda(daemon, tmp_path):
    # Made by Python's icalendar: weekly on the day after tomorrow, 19:00 in Paris.
    start = (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=18, minute=0, second=0, microsecond=0)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//test//relance//EN")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", "weekly-drinks@example.org")
    event.add("summary", "Startup drinks")
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=3))
    event.add("rrule", {"freq": "weekly"})
    event.add("location", "Station F")
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", timedelta(hours=-2))
    event.add_component(alarm)
    calendar.add_component(event)
    path = tmp_path / "drinks.ics"
    path.write_bytes(calendar.to_ical())

    first = daemon.ctl("import", str(path), "--json").json()[0]
    second = daemon.ctl("import", str(path), "--json").json()[0]
    agenda = daemon.ctl("agenda", "--days", "9", "--json").json()

    assert (first["added"], second["added"], second["skipped"]) == (1, 0, 1)
    entries = [e for day in agenda for e in day["entries"]]
    occurrences = [e for e in entries if e["kind"] == "event" and e["text"].startswith("Startup drinks")]
    assert len(occurrences) >= 1
    assert any(e["kind"] == "event_soon" for e in entries)  # the VALARM: 2 hours before


def test_exported_ics_and_vcf_parse_in_third_party_tools(daemon, tmp_path):
    daemon.ctl("import", str(FIXTURES / "apple-contacts.vcf"), "--skip-invalid")
    daemon.ctl("contact", "add", "Mary Somerville", "--email", "mary@example.com")
    daemon.ctl("outreach", "log", "somerville", "--ask", "a 20-minute coffee chat")
    daemon.ctl("meeting", "add", "somerville", "--at", "2030-12-03 10:00", "--place", "Café Olimpico")
    daemon.ctl("event", "add", "Startup drinks", "--at", "2030-12-10 19:00", "--until", "2030-12-10 22:00",
               "--repeat", "FREQ=MONTHLY;BYDAY=2TH", "--tz", "Europe/Paris")

    daemon.ctl("export", "--ics", str(tmp_path / "relance.ics"))
    daemon.ctl("export", "--vcf", str(tmp_path / "contacts.vcf"))

    ics = validate(tmp_path / "relance.ics")
    summaries = [e["summary"] for e in ics["events"]]
    assert any(s.startswith("Meeting with Mary Somerville") for s in summaries)
    assert "Startup drinks" in summaries
    vcf = validate(tmp_path / "contacts.vcf")
    assert "Mary Somerville" in [c["fn"] for c in vcf["cards"]]
    # Stable UIDs: exporting again gives the same ones.
    daemon.ctl("export", "--ics", str(tmp_path / "again.ics"))
    assert [e["uid"] for e in validate(tmp_path / "again.ics")["events"]] == [e["uid"] for e in ics["events"]]


@pytest.mark.personal_only("backup and restore: SQLite store only")
def test_a_backup_restored_on_a_fresh_store_backs_up_the_same(daemon, stopped_daemon, tmp_path, bin_dir):
    daemon.ctl("import", str(FIXTURES / "linkedin-connections.csv"), "--skip-invalid")
    daemon.ctl("contact", "add", "Ada Lovelace", "--keep-in-touch", "P90D")
    daemon.ctl("outreach", "log", "ada", "--ask", "advice")
    daemon.ctl("backup", str(tmp_path / "first.json"))

    from conftest import Daemon
    fresh = Daemon(tmp_path / "fresh", bin_dir).start()
    try:
        assert "restored" in fresh.ctl("restore", str(tmp_path / "first.json")).stdout.lower()
        refused = fresh.ctl("restore", str(tmp_path / "first.json"), check=False)
        assert refused.code != 0 and "--force" in refused.stderr
        fresh.ctl("backup", str(tmp_path / "second.json"))
    finally:
        fresh.cleanup()
    first = json.loads((tmp_path / "first.json").read_text())
    second = json.loads((tmp_path / "second.json").read_text())
    first.pop("createdAt"), second.pop("createdAt")
    assert first == second


def test_draft_prints_a_polite_follow_up_to_send_yourself(daemon):
    daemon.ctl("contact", "add", "Ada Lovelace", "--why", "Your notes on the Analytical Engine")
    outreach = daemon.ctl("outreach", "log", "ada", "--ask", "a 20-minute coffee chat", "--json").json()["outreach"]
    draft = daemon.ctl("draft", str(outreach["id"]), "--json").json()
    assert draft["subject"] == "Following up: a 20-minute coffee chat"
    assert draft["body"].startswith("Hello Ada,")
    assert "a 20-minute coffee chat" in draft["body"] and "your notes on the Analytical Engine" in draft["body"]


def test_an_imported_card_keeps_its_fields_and_its_draft_greets_by_given_name(daemon, tmp_path):
    card = tmp_path / "grace.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:google-7f3a\r\nFN:Dr. Grace Hopper\r\n"
                    "N:Hopper;Grace;;Dr.;\r\nORG:US Navy;NDAC\r\nTITLE:Rear Admiral\r\nTEL:+1 202 555 0100\r\n"
                    "URL:https://grace.example/\r\nBDAY:1906-12-09\r\nEMAIL:grace@navy.example\r\n"
                    "X-RELANCE-WHY:she wrote the first compiler\r\nEND:VCARD\r\n")
    daemon.ctl("import", str(card))
    shown = daemon.ctl("contact", "show", "grace").stdout
    for line in ("given name:   Grace", "title:        Rear Admiral", "department:   NDAC",
                 "phone:        +1 202 555 0100", "web:          https://grace.example/", "birthday:     1906-12-09"):
        assert line in shown, shown
    assert [c["name"] for c in daemon.ctl("contact", "list", "admiral", "--json").json()["contacts"]] == ["Dr. Grace Hopper"]

    outreach = daemon.ctl("outreach", "log", "grace", "--ask", "advice on compilers", "--json").json()["outreach"]
    draft = daemon.ctl("draft", str(outreach["id"]), "--json").json()
    assert draft["body"].startswith("Hello Grace,\n")
    assert "I reached out to you because you wrote the first compiler." in draft["body"]

    daemon.ctl("export", "--vcf", str(tmp_path / "out.vcf"))
    exported = (tmp_path / "out.vcf").read_bytes().decode()
    assert "UID:google-7f3a\r\n" in exported and "TITLE:Rear Admiral\r\n" in exported
    assert "ORG:US Navy;NDAC\r\n" in exported and "BDAY:1906-12-09\r\n" in exported


def test_draft_mail_is_a_ready_message_on_stdout_or_in_a_maildir(daemon, tmp_path):
    import email
    import email.policy
    daemon.ctl("contact", "add", "Émilie du Châtelet", "--email", "emilie@example.com", "--why", "wrote on kinetic energy")
    sent = daemon.ctl("outreach", "log", "emilie", "--ask", "a 20-minute coffee chat",
                      "--message-id", "<CAF3x.42@mail.example.com>", "--json").json()["outreach"]
    assert sent["messageId"] == "CAF3x.42@mail.example.com"
    text = daemon.ctl("draft", str(sent["id"]), "--mail").stdout
    message = email.message_from_bytes(text.encode(), policy=email.policy.default)
    assert str(message["To"]) == "Émilie du Châtelet <emilie@example.com>"
    assert str(message["Subject"]) == "Re: a 20-minute coffee chat"
    assert message["In-Reply-To"] == "<CAF3x.42@mail.example.com>"
    assert message["References"] == "<CAF3x.42@mail.example.com>"
    assert message["Message-ID"].startswith("<relance-draft.") and message["Date"]
    body = message.get_content()
    assert body.startswith("Hello Émilie,\n") and "because you wrote on kinetic energy." in body

    drafts = tmp_path / "Drafts"
    for sub in ("cur", "new", "tmp"):
        (drafts / sub).mkdir(parents=True)
    saved = daemon.ctl("draft", str(sent["id"]), "--maildir", str(drafts), "--json").json()["file"]
    assert saved.startswith(str(drafts / "cur")) and saved.endswith(":2,D")
    assert list((drafts / "tmp").iterdir()) == []
    stored = email.message_from_bytes(Path(saved).read_bytes(), policy=email.policy.default)
    assert str(stored["Subject"]) == "Re: a 20-minute coffee chat"

    refused = daemon.ctl("draft", str(sent["id"]), "--maildir", str(tmp_path), check=False)
    assert refused.code != 0 and "not a Maildir folder" in refused.stderr

    plain = daemon.ctl("outreach", "log", "emilie", "--ask", "advice", "--json").json()["outreach"]
    no_thread = email.message_from_string(daemon.ctl("draft", str(plain["id"]), "--mail").stdout, policy=email.policy.default)
    assert str(no_thread["Subject"]) == "Following up: advice" and no_thread["In-Reply-To"] is None


def test_did_you_mean_for_commands_and_contact_names(daemon):
    typo = daemon.ctl("inbx", check=False)
    assert typo.code == 64 and "did you mean 'inbox'" in typo.stderr
    daemon.ctl("contact", "add", "Ada Lovelace")
    name = daemon.ctl("contact", "show", "lovelce", check=False)
    assert name.code != 0 and "did you mean 'Ada Lovelace'" in name.stderr


def test_no_colour_when_not_a_terminal(daemon):
    daemon.ctl("contact", "add", "Ada Lovelace")
    assert "\x1b[" not in daemon.ctl("contact", "list").stdout


def test_the_daemon_keeps_a_calendar_file_up_to_date(stopped_daemon):
    calendar = stopped_daemon.root / "calendar.ics"
    stopped_daemon.config.write_text(f'[export]\ncalendar_file = "{calendar}"\n')
    stopped_daemon.start()
    stopped_daemon.ctl("event", "add", "Startup drinks", "--at", "2030-12-10 19:00", "--until", "2030-12-10 22:00")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "Startup drinks" not in (calendar.read_text() if calendar.exists() else ""):
        time.sleep(0.1)
    assert "Startup drinks" in calendar.read_text()
    validate(calendar)
