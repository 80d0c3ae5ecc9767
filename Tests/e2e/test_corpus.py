"""Real files from public calendar and vCard projects' test suites (issue #12), each
imported through `relancectl import`, what Relance stored compared with a reference
parse (Python `icalendar` for .ics, `vobject` for .vcf), and each round-tripped through
`relancectl export`. Where each file comes from, and its licence: corpus/SOURCES.md.

A file with records Relance rightly refuses is imported with --skip-invalid, and its
rejections are listed below, each with why; any other rejection fails the test."""

from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject


CORPUS = Path(__file__).resolve().parent / "corpus"
PARIS = ZoneInfo("Europe/Paris")

# file -> the rejections expected in Relance's report, in order: (the start of its
# message, why Relance is right to refuse it). Any other rejection fails the test.
ICS_REJECTIONS = {
    'icalendar-big_bad_calendar.ics': [
        ('this is not an iCalendar file: expected BEGIN:VCAL',
         "no END:VCALENDAR, and empty VEVENTs: icalendar's deliberately broken calendar"),
    ],
    'icalendar-broken_dtstart.ics': [
        ("the DTSTART value cannot be read (libical: Can't p",
         'DTSTART is not a date-time (INVALID-DATE): no start to remind of'),
    ],
    'icalendar-created_calendar_with_unicode_fields.ics': [
        ('the VEVENT has no DTSTART; add its start, e.g. DTS',
         'a VEVENT without DTSTART: no start to remind of (RFC 5545 allows it only with METHOD)'),
    ],
    'icalendar-invalid_duration.ics': [
        ("'P1410065407W' is not an ISO 8601 duration ('14100",
         'a DURATION of 1 410 065 407 weeks: past any calendar'),
    ],
    'icalendar-issue_1081_invalid_rrule_freq.ics': [
        ("'FREQ=INVALID_TYPE_CAUSES_ERROR' is not a valid RR",
         'an RRULE FREQ that RFC 5545 does not define'),
    ],
    'icalendar-issue_1081_invalid_start_and_end.ics': [
        ("the DTSTART value cannot be read (libical: Can't p",
         'DTSTART is not a date-time (INVALID-DATE): no start to remind of'),
    ],
    'icalendar-issue_1081_invalid_start_valid_end.ics': [
        ("the DTSTART value cannot be read (libical: Can't p",
         'DTSTART is not a date-time (INVALID-DATE): no start to remind of'),
    ],
    'icalendar-issue_237_fail_to_parse_timezone_with_non_ascii_tzid.ics': [
        ("DTSTART has TZID '(UTC-03:00) Brasília', which is",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
    ],
    'icalendar-issue_526_calendar_with_different_events.ics': [
        ("DTSTART has TZID 'Western/Central Europe', which i",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
        ("DTSTART has TZID 'Western/Central Europe', which i",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
    ],
    'icalendar-issue_526_calendar_with_event_subset.ics': [
        ("DTSTART has TZID 'Western/Central Europe', which i",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
    ],
    'icalendar-issue_526_calendar_with_shuffeled_events.ics': [
        ("DTSTART has TZID 'Western/Central Europe', which i",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
        ("DTSTART has TZID 'Western/Central Europe', which i",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
    ],
    'icalendar-issue_722_missing_VTIMEZONE_custom.ics': [
        ("DTSTART has TZID 'CUSTOM_tzid', which is not an IA",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
    ],
    'icalendar-issue_722_missing_timezones.ics': [
        ('the VEVENT has no DTSTART; add its start, e.g. DTS',
         'a VEVENT without DTSTART: no start to remind of (RFC 5545 allows it only with METHOD)'),
        ('the VEVENT has no DTSTART; add its start, e.g. DTS',
         'a VEVENT without DTSTART: no start to remind of (RFC 5545 allows it only with METHOD)'),
    ],
    'icalendar-issue_722_timezone_transition_ambiguity.ics': [
        ("DTSTART has TZID 'MyTimezone', which is not an IAN",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
        ("DTSTART has TZID 'MyTimezone', which is not an IAN",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
        ("DTSTART has TZID 'MyTimezone', which is not an IAN",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
        ("DTSTART has TZID 'MyTimezone', which is not an IAN",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
    ],
    'icalendar-multiple_timezones.ics': [
        ("the RDATE value cannot be read (libical: Can't par",
         'an RDATE that is not a DATE or DATE-TIME (VALUE=TIME, or a DATE with Z)'),
        ("the RDATE value cannot be read (libical: Can't par",
         'an RDATE that is not a DATE or DATE-TIME (VALUE=TIME, or a DATE with Z)'),
        ("the RDATE value cannot be read (libical: Can't par",
         'an RDATE that is not a DATE or DATE-TIME (VALUE=TIME, or a DATE with Z)'),
    ],
    'icalendar-rfc_7529.ics': [
        ("'RSCALE=CHINESE;FREQ=YEARLY' is not a valid RRULE:",
         'RFC 7529 non-Gregorian rules (RSCALE): Relance expands Gregorian rules only'),
        ("'RSCALE=ETHIOPIC;FREQ=MONTHLY;BYMONTH=13' is not a",
         'RFC 7529 non-Gregorian rules (RSCALE): Relance expands Gregorian rules only'),
        ("'RSCALE=HEBREW;FREQ=YEARLY;BYMONTHDAY=8;BYMONTH=5L",
         'RFC 7529 non-Gregorian rules (RSCALE): Relance expands Gregorian rules only'),
        ("'RSCALE=GREGORIAN;FREQ=YEARLY;SKIP=FORWARD' is not",
         'RFC 7529 non-Gregorian rules (RSCALE): Relance expands Gregorian rules only'),
    ],
    'icalendar-small_bad_calendar.ics': [
        ('this is not an iCalendar file: expected BEGIN:VCAL',
         "no END:VCALENDAR, and empty VEVENTs: icalendar's deliberately broken calendar"),
    ],
    'icaljs-google_birthday.ics': [
        ("the RDATE value cannot be read (libical: Can't par",
         'an RDATE that is not a DATE or DATE-TIME (VALUE=TIME, or a DATE with Z)'),
    ],
    'icaljs-multiple_rrules.ics': [
        ('the event has 2 RRULEs (RFC 5545 deprecates more t',
         'two RRULEs in one VEVENT, which RFC 5545 deprecates'),
    ],
    'vobject-badstream.ics': [
        ("the TRIGGER value cannot be read (libical: Can't p",
         "a TRIGGER that is neither a duration nor a date-time (the file is vobject's bad-stream test)"),
    ],
    'vobject-ms_tzid.ics': [
        ("DTSTART has TZID 'Canberra, Melbourne, Sydney', wh",
         "a TZID that names no IANA/Windows zone, without a VTIMEZONE matching an IANA zone's rules: the instant is unknowable"),
    ],
}

VCF_REJECTIONS = {
    'kcontacts-vcard10.vcf': [
        ('no name (the card has neither FN nor N)',
         'a card with no FN, no N and no e-mail: nothing to call the contact by'),
    ],
    'kcontacts-vcard7.vcf': [
        ('no name (the card has neither FN nor N)',
         'a card with no FN, no N and no e-mail: nothing to call the contact by'),
    ],
    'sabre-issue64.vcf': [
        ('no name (the card has neither FN nor N)',
         'a card with no FN, no N and no e-mail: nothing to call the contact by'),
    ],
}


# Python icalendar cannot read these (its error): imported and round-tripped, not compared.
ICALENDAR_UNREADABLE = {
    # A stray line "X" after the VEVENT: Relance, like libical, ignores it and reads the event.
    "icalendar-issue_104_broken_calendar.ics": "Content line could not be parsed into parts: 'X'",
    "vobject-badstream.ics": "Wrong datetime format: a20021028120000 (a TRIGGER)",
}


# file -> (how many VEVENTs are one event to Relance, why).
ICS_COLLAPSED = {
    "icalendar-parsing_error.ics": (1, "two VEVENTs without UID or SUMMARY starting the same day: the UID made of start "
                                       "and title is the same, so the second is the first again (as a re-import would be)"),
}


def is_synthetic(uid):
    return uid.startswith("synthetic-") and uid.endswith("@relance")


def ics_files():
    return sorted(p.name for p in (CORPUS / "ics").glob("*.ics"))


def vcf_files():
    return sorted(p.name for p in (CORPUS / "vcf").glob("*.vcf"))


def instant(value):
    """A DTSTART's instant (UTC), floating times in the user's zone (Paris)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=PARIS)).astimezone(timezone.utc)
    return None


def reference_events(path):
    """What icalendar reads: (uid, recurrence-id or None) -> the VEVENT, cancelled ones
    and those without DTSTART left out, the last copy of a UID winning."""
    calendar = icalendar.Calendar.from_ical(path.read_bytes(), multiple=True)
    events = {}
    for cal in calendar:
        for index, event in enumerate(cal.walk("VEVENT")):
            if str(event.get("STATUS", "")).upper() == "CANCELLED":
                continue
            rid = event.get("RECURRENCE-ID")
            # Events without UID are each their own ("None", their place in the file).
            key = (str(event.get("UID")), rid.dt if rid else None) if event.get("UID") else ("None", index)
            events[key] = event
    return events


def stored_start(event):
    """A stored event's first start: its instant (UTC), or its day when all day."""
    local = datetime.fromisoformat(event["start"])
    if event.get("allDay"):
        return local.date()
    return local.replace(tzinfo=ZoneInfo(event["timeZone"])).astimezone(timezone.utc)


def import_expecting(daemon, path, format, expected):
    """Imports `path` through relancectl (with --skip-invalid when some records are rightly
    refused) and checks the rejections are exactly `expected` ((reason, why) pairs, in
    order); returns the import's report."""
    args = ["import", str(path), "--format", format, "--json"] + (["--skip-invalid"] if expected else [])
    result = daemon.ctl(*args, check=False)
    assert result.code == 0, result
    [report] = result.json()
    assert len(report["rejections"]) == len(expected), (report["rejections"], expected)
    for (why, _), line in zip(expected, report["rejections"]):
        assert why in line, (why, line)
    return report


@pytest.mark.parametrize("name", ics_files())
def test_each_real_calendar_imports_as_icalendar_reads_it_and_round_trips(paris, tmp_path, name):
    path = CORPUS / "ics" / name
    expected = ICS_REJECTIONS.get(name, [])
    # When it is imported, the rejections are exactly the expected ones
    report = import_expecting(paris, path, "ics", expected)
    events = paris.ctl("event", "list", "--json").json()["events"]
    reference = {} if name in ICALENDAR_UNREADABLE else reference_events(path)
    rejected_uids = {line.split("(UID ")[-1].rstrip(")") for line in report["rejections"] if "(UID " in line}
    # ... every event icalendar reads is stored, once per UID and changed occurrence
    # (an event without UID gets one made of its start and title: synthetic-…@relance)
    stored_uids = sorted({"None" if is_synthetic(e["uid"]) else e["uid"] for e in events})
    reference_uids = sorted({uid for uid, _ in reference} - rejected_uids)
    if name in ICALENDAR_UNREADABLE:
        pass  # no reference to compare with
    elif not expected:
        assert stored_uids == reference_uids, (stored_uids, reference_uids)
        collapsed = ICS_COLLAPSED.get(name, (0, ""))[0]
        assert len(events) == len(reference) - collapsed, ([e["uid"] for e in events], list(reference))
    else:
        assert set(stored_uids) <= set(reference_uids), (stored_uids, reference_uids)
    for event in events if reference else []:
        uid = "None" if is_synthetic(event["uid"]) else event["uid"]
        matches = [v for (ref, _), v in reference.items() if ref == uid]
        assert matches, event
        # ... with its summary
        summaries = {str(v.get("SUMMARY", "")).strip() or "(untitled)" for v in matches}
        assert " ".join(event["title"].split()) in {" ".join(s.split()) for s in summaries}, (event, summaries)
        # ... and, when it is not a series, its start instant (or day, all day)
        if len(matches) == 1 and not event.get("rrule") and not event["rdates"]:
            dtstart = matches[0].get("DTSTART")
            if dtstart is None or isinstance(dtstart, list):
                continue  # no DTSTART (so rejected, and listed) or several: nothing to compare
            dtstart = dtstart.dt
            want = instant(dtstart) if isinstance(dtstart, datetime) else dtstart
            assert stored_start(event) == want, (event, dtstart)

    if not events:
        return  # every event rightly rejected: no calendar to export
    # When what Relance holds is exported and imported again, Then nothing changes
    out = tmp_path / "export.ics"
    paris.ctl("export", "--ics", str(out))
    exported = icalendar.Calendar.from_ical(out.read_bytes())
    assert {str(e.get("UID")) for e in exported.walk("VEVENT")} >= {e["uid"] for e in events}
    again = paris.ctl("import", str(out), "--json").json()[0]
    assert (again["added"], again["merged"], again["rejected"]) == (0, 0, 0), again
    assert paris.ctl("event", "list", "--json").json()["events"] == events


# vobject cannot read these (its error); they are imported and round-tripped all the same.
VOBJECT_UNREADABLE = {
    "ezvcard-John_Doe_ANDROID.vcf": "binascii.Error: a PHOTO's base64 is cut short (1169 characters)",
    "ezvcard-John_Doe_LOTUS_NOTES.vcf": "VObjectError: 'This component already has a PROFILE or uses BEGIN.'",
}


def same_name(reference, stored):
    """vobject ends FN at its first comma, escaped or not ("Mustermann, Heiko" reads as
    'Mustermann'); RFC 6350 FN is one text value, which Relance keeps whole."""
    reference, stored = " ".join(reference.split()), " ".join(stored.split())
    return stored == reference or stored.startswith(reference + ",")


def reference_cards(path):
    """What vobject reads: each card's name (FN) and e-mail addresses."""
    cards = []
    for card in vobject.readComponents(path.read_text(encoding="utf-8", errors="replace"), ignoreUnreadable=True):
        if card.name.upper() != "VCARD":
            continue
        name = card.fn.value.strip() if hasattr(card, "fn") else ""
        emails = [e.value.strip().lower() for e in card.contents.get("email", []) if e.value.strip()]
        cards.append((name, emails))
    return cards


@pytest.mark.parametrize("name", vcf_files())
def test_each_real_address_book_imports_as_vobject_reads_it_and_round_trips(daemon, tmp_path, name):
    path = CORPUS / "vcf" / name
    expected = VCF_REJECTIONS.get(name, [])
    report = import_expecting(daemon, path, "vcard", expected)
    contacts = daemon.ctl("contact", "list", "--json").json()["contacts"]
    # Then every address vobject reads is stored, and each card's name is a contact's
    stored_emails = {e.lower() for c in contacts for e in c["emails"]}
    if not expected and name not in VOBJECT_UNREADABLE:
        reference = reference_cards(path)
        assert stored_emails == {e for _, emails in reference for e in emails}, (stored_emails, reference)
        for name_, emails in reference:
            if name_:
                assert any(same_name(name_, c["name"]) for c in contacts), (name_, [c["name"] for c in contacts])
        assert report["added"] == len(contacts) and 1 <= len(contacts) <= len(reference), (contacts, reference)
    if not contacts:
        return  # an empty address book exports nothing to import again

    # When the address book is exported and imported again, Then nothing is added
    out = tmp_path / "export.vcf"
    daemon.ctl("export", "--vcf", str(out))
    assert len(list(vobject.readComponents(out.read_text()))) == len(contacts)
    again = daemon.ctl("import", str(out), "--json").json()[0]
    assert (again["added"], again["rejected"]) == (0, 0), again
    assert len(daemon.ctl("contact", "list", "--json").json()["contacts"]) == len(contacts)
