"""Polite timing end to end (issue #3): the rules seen through the socket, as a user
would, with a daemon whose user zone and window come from its configuration."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from conftest import wait_until

PARIS_CONFIG = """
[user]
time_zone = "Europe/Paris"
[window]
days = ["monday", "tuesday", "wednesday", "thursday", "friday"]
hours = ["09:00-18:00"]
"""


def wait_for(predicate, timeout, what):
    return wait_until(predicate, timeout, interval=0.05, what=what)


def utc(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def paris(stopped_daemon):
    stopped_daemon.config.write_text(PARIS_CONFIG)
    stopped_daemon.start()
    return stopped_daemon


def test_a_friday_evening_outreach_to_tokyo_follows_up_on_their_business_morning(paris):
    # Given a contact in Tokyo and an ask sent on Friday 4 Dec 2026 at 19:00 in Paris
    paris.ctl("contact", "add", "Kenji Sato", "--tz", "Asia/Tokyo")
    paris.ctl("outreach", "log", "kenji", "--ask", "a short call", "--sent-at", "2026-12-04T18:00:00Z")

    # When we look at what is coming
    upcoming = paris.ctl("upcoming", "--json").json()["reminders"]
    table = paris.ctl("upcoming", "--why").stdout

    # Then the first nudge is due 7 business days later on his calendar (Saturday 5 Dec in
    # Tokyo + 7 = Tuesday 15 Dec) at 09:30 Tokyo, which is 01:30 in Paris: so it reaches
    # me when my window opens, Tuesday 15 Dec 09:00 Paris.
    first = upcoming[0]
    assert first["kind"] == "follow_up"
    assert first["dueAt"] == "2026-12-15T00:30:00.000Z"
    assert first["fireAt"] == "2026-12-15T08:00:00.000Z"
    assert "09:30 their time (Asia/Tokyo)" in first["reason"]
    assert "moved to Tue 15 Dec 09:00: delivery window" in first["reason"]
    assert "delivery window" in table


def test_a_reply_by_meeting_schedules_prep_leave_and_thank_you(paris):
    paris.ctl("contact", "add", "Ada Lovelace")
    outreach = paris.ctl("outreach", "log", "ada", "--ask", "coffee", "--json").json()["outreach"]

    reply = paris.ctl("reply", str(outreach["id"]), "--meeting", "--at", "2030-12-03 10:00",
                      "--place", "Café Olimpico", "--duration", "PT45M", "--json").json()

    assert reply["outreach"]["status"] == "meeting_agreed"
    assert reply["meeting"]["place"] == "Café Olimpico"
    kinds = {r["kind"]: r for r in paris.ctl("upcoming", "--json").json()["reminders"]}
    assert set(kinds) == {"meeting_prep", "meeting_leave", "thank_you"}
    # The day before at 09:00 Paris; an hour before (08:00 UTC is 09:00 Paris); the next morning.
    assert kinds["meeting_prep"]["fireAt"] == "2030-12-02T08:00:00.000Z"
    assert kinds["meeting_leave"]["fireAt"] == "2030-12-03T08:00:00.000Z"
    assert kinds["thank_you"]["fireAt"] == "2030-12-04T08:00:00.000Z"


def test_a_weekly_event_keeps_19h_across_dst_and_costs_o1_rows(paris):
    # Weekly on Thursdays at 19:00 Paris from 21 Mar 2030, across the 31 Mar change.
    added = paris.ctl("event", "add", "Startup drinks", "--at", "2030-03-21 19:00", "--until", "2030-03-21 22:00",
                      "--where", "Station F", "--repeat", "FREQ=WEEKLY;BYDAY=TH", "--tz", "Europe/Paris", "--json").json()
    nxt = added["event"]["nextOccurrences"]
    # 21 Mar (CET, 18:00 UTC), then 28 Mar (CET), then 4 Apr (CEST, 17:00 UTC): still 19:00 local.
    assert nxt == ["2030-03-21T18:00:00.000Z", "2030-03-28T18:00:00.000Z", "2030-04-04T17:00:00.000Z"]
    # Only two occurrences are materialised: 2 × (RSVP, day before, 2 h before, log people).
    reminders = paris.ctl("upcoming", "--limit", "100", "--json").json()["reminders"]
    assert len(reminders) == 8
    assert {r["kind"] for r in reminders} == {"event_rsvp", "event_soon", "event_log_people"}


def test_snooze_to_the_next_window(paris):
    paris.ctl("remind", "in 1s", "Call the bakery")
    item = wait_for(lambda: paris.ctl("inbox", "--json").json()["items"], 10, "the reminder")[0]

    snoozed = paris.ctl("snooze", str(item["id"]), "next-window", "--json").json()["item"]

    assert snoozed["state"] == "snoozed"
    until = utc(snoozed["snoozedUntil"])
    local = until.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (9, 0) and local.weekday() < 5


def test_a_clock_time_follow_up_fires_on_time_even_outside_the_window(paris):
    paris.ctl("contact", "add", "Ada Lovelace")
    logged = paris.ctl("outreach", "log", "ada", "--ask", "advice", "--follow-up", "PT1S", "--json").json()
    assert logged["followUp"]["fireAt"] == logged["followUp"]["dueAt"]
    items = wait_for(lambda: paris.ctl("inbox", "--json").json()["items"], 10, "the follow-up")
    assert items[0]["kind"] == "follow_up"


def test_reload_with_a_new_window_replans_pending_follow_ups(paris):
    paris.ctl("contact", "add", "Ada Lovelace")
    before = paris.ctl("outreach", "log", "ada", "--ask", "advice", "--sent-at", "2030-01-07T10:00:00Z", "--json").json()["followUp"]
    assert before["fireAt"] == "2030-01-16T08:30:00.000Z"  # Wed 16 Jan 09:30 Paris

    paris.config.write_text(PARIS_CONFIG.replace('"09:00-18:00"', '"14:00-18:00"'))
    paris.ctl("reload")

    after = paris.ctl("upcoming", "--json").json()["reminders"][0]
    assert after["id"] == before["id"]
    assert after["fireAt"] == "2030-01-16T13:00:00.000Z"  # 14:00 Paris
