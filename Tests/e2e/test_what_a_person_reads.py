"""What a person reads (issue "What a person reads"): on a host whose system zone is UTC
(TZ=UTC) with `[user] time_zone = "Europe/Paris"`, every human line shows Paris times,
durations in words, no internal names; `--json` stays UTC ISO 8601."""

import re
import pytest
from conftest import wait_until


def test_a_reminder_reads_the_same_paris_time_everywhere(paris):
    assert paris.ctl("remind", "tomorrow 9:30", "Call the bakery").stdout == "Reminder #1 set for Tue 1 Dec 09:30.\n"
    upcoming = paris.ctl("upcoming").stdout
    assert re.search(r"^1 +Tue 1 Dec 09:30  reminder  Call the bakery$", upcoming, re.M), upcoming
    agenda = paris.ctl("agenda").stdout
    assert agenda == "Tuesday 1 December\n  09:30  reminder          Call the bakery\n"
    # The scripts' form is unchanged: UTC ISO 8601.
    assert paris.ctl("upcoming", "--json").json()["reminders"][0]["fireAt"] == "2026-12-01T08:30:00.000Z"


def test_status_names_the_users_zone_and_its_times(paris):
    status = paris.ctl("status").stdout
    assert "  time zone:        Europe/Paris\n" in status
    assert "running since Mon 30 Nov 12:0" in status


def test_without_a_configured_zone_the_system_zone_has_its_iana_name(daemon):
    assert daemon.ctl("status", "--json").json()["timeZone"] == "Etc/UTC"
    assert "  time zone:        Etc/UTC\n" in daemon.ctl("status").stdout


def test_a_follow_up_sentence_reads_in_paris_with_the_wait_in_words(paris):
    paris.ctl("contact", "add", "Ada Lovelace")
    logged = paris.ctl("outreach", "log", "ada", "--ask", "a coffee chat", "--follow-up", "P2D").stdout
    assert logged == ("Logged outreach #1 to Ada Lovelace. First follow-up Wed 2 Dec 12:00 "
                      "(2 days after Mon 30 Nov 12:00).\n")
    why = paris.ctl("upcoming", "--why").stdout
    assert "Wed 2 Dec 12:00" in why and "why: 2 days after Mon 30 Nov 12:00" in why


def test_their_time_and_yours_are_both_named(paris):
    paris.ctl("contact", "add", "Kenji Sato", "--tz", "Asia/Tokyo")
    logged = paris.ctl("outreach", "log", "kenji", "--ask", "a short call").stdout
    # 7 business days from Tuesday 1 Dec in Tokyo (already evening there): Thu 10 Dec, 09:30 in Tokyo.
    assert "09:30 their time (Asia/Tokyo), 01:30 yours" in logged


def test_a_fired_reminder_says_how_long_in_words_and_the_inbox_looks_back(paris):
    paris.ctl("contact", "add", "Ada Lovelace")
    paris.ctl("outreach", "log", "ada", "--ask", "a coffee chat", "--follow-up", "PT2S")
    wait_until(lambda: paris.ctl("inbox", "--json").json()["items"], 10, what="the follow-up fired")
    inbox = paris.ctl("inbox").stdout
    assert "Mon 30 Nov 12:00" in inbox
    assert "a coffee chat on 30 Nov 2026; 2 seconds without reply" in inbox
    assert "PT2S" not in inbox
    for since in ("monday", "yesterday", "last week", "today", "1 day ago"):
        assert "2 seconds without reply" in paris.ctl("inbox", "--since", since).stdout, since
    # A word that looks the wrong way is refused with examples that look back.
    refused = paris.ctl("inbox", "--since", "tomorrow", check=False)
    assert refused.code == 64
    assert "'yesterday', 'monday' (the last Monday), 'last week'" in refused.stderr
    refused = paris.ctl("remind", "yesterday", "too late", check=False)
    assert "that is in the past; this command looks ahead" in refused.stderr


def test_a_cadence_reads_as_every(paris):
    paris.ctl("contact", "add", "Grace Hopper", "--keep-in-touch", "P90D")
    shown = paris.ctl("contact", "show", "grace").stdout
    assert "  keep in touch: every 90 days\n" in shown
    assert "P90D" not in shown
    assert paris.ctl("contact", "show", "grace", "--json").json()["contact"]["keepInTouch"] == "P90D"


def test_meeting_reminders_read_in_paris_and_say_before_in_words(paris):
    paris.ctl("contact", "add", "Ada Lovelace")
    added = paris.ctl("meeting", "add", "ada", "--at", "2026-12-03 10:00", "--place", "Café Olimpico").stdout
    assert added.startswith("Meeting #1 with Ada Lovelace at Café Olimpico, Thu 3 Dec 10:00.\n")
    why = paris.ctl("upcoming", "--why").stdout
    assert "why: 1 day before Thu 3 Dec 10:00, at the start of your day" in why
    assert "P1D" not in why


def test_a_failed_test_notification_names_the_channel_once(stopped_daemon):
    # No session bus in the sandbox: the desktop channel cannot deliver.
    stopped_daemon.config.write_text('[user]\ntime_zone = "Europe/Paris"\n')
    stopped_daemon.start()
    result = stopped_daemon.ctl("test-notify", "--channel", "desktop", check=False)
    assert result.code == 1
    assert result.stdout.startswith("desktop: not sent (failed) — ")
    assert "desktop: not sent (failed) — desktop:" not in result.stdout
    assert "FAILED" not in result.stdout


def test_cancelling_a_follow_up_names_its_kind_in_words(paris):
    paris.ctl("contact", "add", "Ada Lovelace")
    reminder = paris.ctl("outreach", "log", "ada", "--ask", "a coffee chat", "--json").json()["followUp"]["id"]
    reply = paris.call("CancelReminder", id=reminder)
    assert reply["summary"] == f"cancelled reminder {reminder} (follow-up)"
