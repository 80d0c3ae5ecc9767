#!/usr/bin/env python3
"""Writes the .ics fixtures of RelanceCalendarTests with a third-party generator.

The fixtures come from the `icalendar` package (PyPI), not from libical, so the tests
read files that another implementation wrote: its folding, escaping, TZID and VTIMEZONE
habits. Re-run after changing this script and commit the output:

    python3 Tests/RelanceCalendarTests/Fixtures/make_fixtures.py

Everything is fixed (DTSTAMP included), so the output only changes with the script, the
icalendar version, or the tz database behind the generated VTIMEZONE blocks.
"""
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

HERE = Path(__file__).resolve().parent
STAMP = datetime(2026, 1, 1, tzinfo=timezone.utc)
PARIS = ZoneInfo("Europe/Paris")
TORONTO = ZoneInfo("America/Toronto")


def calendar(name):
    cal = Calendar()
    cal.add("prodid", "-//Relance//fixtures//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    return cal


def event(uid, summary, **props):
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", STAMP)
    ev.add("summary", summary)
    for key, value in props.items():
        ev.add(key.replace("_", "-"), value)
    return ev


def alarm(trigger, **params):
    al = Alarm()
    al.add("action", "DISPLAY")
    al.add("description", "Reminder")
    al.add("trigger", trigger, parameters=params or None)
    return al


def holidays():
    """French public holidays as an all-day, yearly-recurring calendar."""
    cal = calendar("Holidays (test)")
    cal.add_component(event("new-year@relance.test", "Jour de l'an", dtstart=date(2026, 1, 1),
                            rrule={"freq": "yearly"}))
    cal.add_component(event("labour-day@relance.test", "Fête du Travail", dtstart=date(2026, 5, 1),
                            rrule={"freq": "yearly"}))
    cal.add_component(event("bastille-day@relance.test", "Fête nationale", dtstart=date(2026, 7, 14),
                            rrule={"freq": "yearly", "count": 3}))
    cal.add_component(event("christmas@relance.test", "Noël", dtstart=date(2026, 12, 25),
                            rrule={"freq": "yearly"}, exdate=date(2030, 12, 25)))
    # Easter moves: one event with the other years as RDATEs.
    easter = event("easter-monday@relance.test", "Lundi de Pâques", dtstart=date(2026, 4, 6))
    easter.add("rdate", [date(2027, 3, 29), date(2028, 4, 17)])
    cal.add_component(easter)
    # A multi-day closure: DTEND is exclusive.
    cal.add_component(event("shutdown-2026@relance.test", "Fermeture annuelle", dtstart=date(2026, 12, 28),
                            dtend=date(2027, 1, 1)))
    return cal


def meetups():
    """Networking events: TZIDs with a generated VTIMEZONE, UTC, all-day, alarms, an override."""
    cal = calendar("Meetups (test)")
    monthly = event(
        "founders-paris@relance.test", "Founders meetup, Paris",
        dtstart=datetime(2026, 1, 6, 19, 0, tzinfo=PARIS),
        duration=timedelta(hours=2),
        rrule={"freq": "monthly", "byday": "1TU", "until": datetime(2026, 12, 31, 22, 59, 59, tzinfo=timezone.utc)},
        exdate=datetime(2026, 8, 4, 19, 0, tzinfo=PARIS),
        location="Station F, 5 Parvis Alan Turing, Paris",
        description="Pitches, then drinks.\nBring cards; say hi to Ada.",
        url="https://example.com/founders",
    )
    monthly.add_component(alarm(timedelta(minutes=-15)))
    monthly.add_component(alarm(timedelta(days=-1)))
    cal.add_component(monthly)
    # The March meetup moved to Wednesday: an override of the 2026-03-03 occurrence.
    cal.add_component(event(
        "founders-paris@relance.test", "Founders meetup, Paris (moved)",
        recurrence_id=datetime(2026, 3, 3, 19, 0, tzinfo=PARIS),
        dtstart=datetime(2026, 3, 4, 19, 0, tzinfo=PARIS),
        duration=timedelta(hours=2),
    ))
    coffee = event(
        "coffee-ada@relance.test", "Coffee with Ada",
        dtstart=datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc),
        dtend=datetime(2026, 3, 10, 15, 30, tzinfo=timezone.utc),
    )
    coffee.add_component(alarm(datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)))
    coffee.add_component(alarm(timedelta(minutes=-5), RELATED="END"))
    cal.add_component(coffee)
    cal.add_component(event("conf-2026@relance.test", "Web Summit (all days)",
                            dtstart=date(2026, 5, 20), dtend=date(2026, 5, 22)))
    toronto = event(
        "toronto-weekly@relance.test", "Toronto tech breakfast",
        dtstart=datetime(2026, 3, 5, 8, 0, tzinfo=TORONTO),
        dtend=datetime(2026, 3, 5, 9, 0, tzinfo=TORONTO),
        rrule={"freq": "weekly", "byday": "TH", "count": 4},
    )
    toronto.add("rdate", datetime(2026, 3, 14, 10, 0, tzinfo=TORONTO))
    cal.add_component(toronto)
    cal.add_missing_timezones()
    return cal


def main():
    for name, cal in {"holidays.ics": holidays(), "meetups.ics": meetups()}.items():
        (HERE / name).write_bytes(cal.to_ical())
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
