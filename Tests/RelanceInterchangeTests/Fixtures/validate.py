#!/usr/bin/env python3
"""Validates a .vcf or .ics written by Relance with third-party parsers.

Usage: validate.py FILE

vCard: every card must parse and validate with vobject.
iCalendar: the file must parse with icalendar (no component errors) and parse and
validate with vobject; each VEVENT's DTSTART must be the same instant in both (vobject
builds the zone from the file's VTIMEZONE, icalendar from its IANA name, so a wrong
VTIMEZONE shows up as a mismatch).

Prints a JSON summary on stdout for the Swift tests; exits 1 with a message on stderr
when anything is wrong.

Usage: validate.py --serve
reads one FILE per line on stdin and answers each with one JSON line
{"status": 0|1, "output": <the summary as text>, "errors": <the message>}: the tests
share one interpreter instead of starting one (and importing both parsers) per file.
"""
import datetime
import json
import sys

import icalendar
import vobject

UTC = datetime.timezone.utc


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def utc_text(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            fail(f"floating date-time {value!r}: expected UTC or a TZID")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def validate_vcard(text):
    cards = []
    for card in vobject.readComponents(text, validate=True):
        if card.name != "VCARD":
            fail(f"unexpected component {card.name}")
        card.validate(raiseException=True)
        def values(name):
            return [line.value for line in card.contents.get(name, [])]
        cards.append({
            "fn": card.fn.value,
            "uid": card.uid.value if hasattr(card, "uid") else None,
            "version": card.version.value,
            "emails": values("email"),
            "org": [part for line in card.contents.get("org", []) for part in line.value],
            "tz": values("tz"),
            "categories": [tag for line in card.contents.get("categories", []) for tag in line.value],
            "socialprofiles": {line.params.get("TYPE", ["?"])[0]: line.value
                               for line in card.contents.get("x-socialprofile", [])},
            "note": values("note"),
            "why": values("x-relance-why"),
            "tel": values("tel"),
            "title": values("title"),
            "url": values("url"),
            "bday": values("bday"),
            "photo": values("photo"),
            "n": [{"family": line.value.family, "given": line.value.given} for line in card.contents.get("n", [])],
        })
    if not cards:
        fail("no VCARD in the file")
    return {"cards": cards}


def validate_icalendar(text):
    calendar = icalendar.Calendar.from_ical(text)
    for component in calendar.walk():
        if getattr(component, "errors", None):
            fail(f"icalendar: {component.name}: {component.errors}")
    if str(calendar.get("VERSION")) != "2.0":
        fail("VERSION is not 2.0")
    ical_starts = {}
    ical_tzids = {}
    # A series and its changed occurrences share a UID: RECURRENCE-ID tells them apart.
    for event in calendar.walk("VEVENT"):
        key = (str(event["UID"]), utc_text(event.decoded("RECURRENCE-ID")) if "RECURRENCE-ID" in event else None)
        ical_starts[key] = utc_text(event.decoded("DTSTART"))
        ical_tzids[key] = event["DTSTART"].params.get("TZID")

    parsed = vobject.readOne(text, validate=True)
    parsed.validate(raiseException=True)
    events = []
    for event in parsed.contents.get("vevent", []):
        uid = event.uid.value
        key = (uid, utc_text(event.recurrence_id.value) if hasattr(event, "recurrence_id") else None)
        start = event.dtstart.value
        start_text = utc_text(start)
        if ical_starts.get(key) != start_text:
            fail(f"{uid}: DTSTART is {start_text} for vobject but {ical_starts.get(key)} for icalendar")
        occurrences = []
        if hasattr(event, "rrule") or hasattr(event, "rdate"):
            for index, occurrence in enumerate(event.getrruleset(addRDate=True)):
                if index >= 6:
                    break
                occurrences.append(utc_text(occurrence))
        alarms = []
        for alarm in event.contents.get("valarm", []):
            trigger = alarm.trigger.value
            alarms.append(utc_text(trigger) if isinstance(trigger, datetime.datetime) else str(trigger))
        events.append({
            "uid": uid,
            "summary": event.summary.value,
            "start": start_text,
            "tzid": ical_tzids.get(key),
            "location": event.location.value if hasattr(event, "location") else None,
            "categories": [c for line in event.contents.get("categories", []) for c in line.value],
            "alarms": alarms,
            "occurrences": occurrences,
        })
    timezones = [tz.tzid.value for tz in parsed.contents.get("vtimezone", [])]
    return {"prodid": parsed.prodid.value, "events": events, "timezones": timezones}


def main():
    if sys.argv[1:] == ["--serve"]:
        return serve()
    if len(sys.argv) != 2:
        fail("usage: validate.py FILE.vcf|FILE.ics")
    validate(sys.argv[1])


def serve():
    import contextlib
    import io
    for line in sys.stdin:
        output, errors, status = io.StringIO(), io.StringIO(), 0
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(errors):
            try:
                validate(line.rstrip("\n"))
            except SystemExit as exit:
                status = exit.code if isinstance(exit.code, int) else 1
            except Exception as error:  # an unreadable file: say so, keep serving
                print(f"{type(error).__name__}: {error}", file=sys.stderr)
                status = 1
        print(json.dumps({"status": status, "output": output.getvalue(), "errors": errors.getvalue()}), flush=True)


def validate(path):
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    for number, line in enumerate(text.split("\r\n")[:-1], start=1):
        if len(line.encode("utf-8")) > 75:
            fail(f"line {number} is longer than 75 octets")
    if "\n" in text.replace("\r\n", ""):
        fail("a line ends without CR")
    try:
        if path.endswith(".vcf"):
            summary = validate_vcard(text)
        elif path.endswith(".ics"):
            summary = validate_icalendar(text)
        else:
            fail("expected a .vcf or .ics file")
    except SystemExit:
        raise
    except Exception as error:  # report any parser's complaint, then fail
        fail(f"{type(error).__name__}: {error}")
    json.dump(summary, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
