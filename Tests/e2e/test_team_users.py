"""Team users, each with their own inbox, zone and screen (issue #16): two local uids,
lea and sam, drive relancectl against team nodes on one real PostgreSQL 15. Each sees
their own items and the team's, cannot touch the other's, reads their times in the zone
they set, known to every node through the shared database, and gets their popups on
their own screen (a real dbus-daemon each, with the recording notification server)."""

import json
import os
import threading
import time
from datetime import datetime, timezone

import pytest
from test_delivery import SessionBus
from test_team_mode import LEA, SAM, STRANGER, TEAM_USERS, as_user, nodes, postgres, team  # noqa: F401 (fixtures)

pytestmark = pytest.mark.personal_only("team-mode test: starts its own nodes and PostgreSQL")


def watch_as(node, uid):
    """`relancectl watch --json` run as another local user."""
    return node.spawn(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", str(node.relancectl),
                       "watch", "--json", "--socket", str(node.socket)])


def texts(result):
    return sorted(item["text"] for item in result.json()["items"])


def test_each_user_sees_their_items_and_the_teams_and_cannot_touch_anothers(postgres, team):
    first, second = team
    # lea watches from one node, sam from the other; root (no team user) from the first.
    lea_watch, sam_watch = watch_as(first, LEA), watch_as(second, SAM)
    root_watch = first.spawn([first.relancectl, "watch", "--json", "--socket", first.socket])
    time.sleep(0.5)  # the watchers have subscribed
    due = first.format_instant(time.time() + 2)
    as_user(first, LEA, "remind", due, "Lea's call")
    as_user(second, SAM, "remind", due, "Sam's call")
    first.ctl("remind", due, "The team's call")
    first.wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "3", timeout=30,
                     what="three items in the shared inbox")

    # Each watcher sees what is theirs to see, once.
    for watcher, expected in [(lea_watch, ["Lea's call", "The team's call"]),
                              (sam_watch, ["Sam's call", "The team's call"]),
                              (root_watch, ["Lea's call", "Sam's call", "The team's call"])]:
        seen = sorted(json.loads(watcher.read_line(timeout=30))["text"] for _ in expected)
        assert seen == expected
        assert watcher.read_line(timeout=1.5) is None, expected  # nothing else, nothing twice

    # The inbox and the unread count, on either node: theirs and the team's.
    for node in team:
        assert texts(as_user(node, LEA, "inbox", "--json")) == ["Lea's call", "The team's call"]
        assert texts(as_user(node, SAM, "inbox", "--json")) == ["Sam's call", "The team's call"]
        assert as_user(node, LEA, "status", "--json").json()["unread"] == 2
    assert texts(first.ctl("inbox", "--json")) == ["Lea's call", "Sam's call", "The team's call"]
    assert first.ctl("status", "--json").json()["unread"] == 3
    assert "Sam's call" not in as_user(first, LEA, "inbox").stdout

    # lea may not read, close or snooze sam's item: refused, saying whose it is; nothing changes.
    sams = postgres.sql("SELECT i.id FROM inbox_item i JOIN reminder r ON r.id = i.reminder_id WHERE r.owner = 'sam'")
    before = postgres.sql("SELECT id, state, coalesce(snoozed_until::text, '-') FROM inbox_item ORDER BY id")
    for args, action in [(["read", sams], "mark it read"), (["done", sams], "mark it done"),
                         (["dismiss", sams], "dismiss it"), (["snooze", sams, "1h"], "snooze it")]:
        refused = as_user(second, LEA, *args, check=False)
        assert refused.code != 0, refused
        assert f"inbox: #{sams} is sam's: only sam can {action}; yours are in `relancectl inbox`" in refused.stderr, \
            refused.stderr
    assert postgres.sql("SELECT count(*) FROM reminder WHERE resurfaces_inbox_id IS NOT NULL") == "0"
    assert postgres.sql("SELECT id, state, coalesce(snoozed_until::text, '-') FROM inbox_item ORDER BY id") == before

    # Her own and the team's she may; sam his own.
    team_item = postgres.sql("SELECT i.id FROM inbox_item i JOIN reminder r ON r.id = i.reminder_id WHERE r.owner IS NULL")
    as_user(second, LEA, "done", team_item)
    as_user(first, SAM, "snooze", sams, "1h")
    assert texts(as_user(first, LEA, "inbox", "--json")) == ["Lea's call"]
    assert as_user(first, SAM, "inbox", "--json").json()["items"] == []
    assert as_user(first, SAM, "status", "--json").json()["unread"] == 0


def test_a_users_zone_reads_their_times_on_every_node_and_a_bad_one_changes_nothing(postgres, team, stopped_daemon):
    first, second = team
    me = as_user(first, LEA, "me").stdout.strip().split("\n")
    assert me[1] == "lea: your times are read in the node's zone (Europe/Paris) (set yours with relancectl me --zone Europe/Paris)"
    assert as_user(first, LEA, "me", "--zone", "America/New_York").stdout.strip() == \
        "lea: your times are read in America/New_York"
    # Known to the other node, through the shared database.
    assert as_user(second, LEA, "me", "--json").json() == \
        {"user": "lea", "zone": "America/New_York", "timeZone": "America/New_York"}
    # A zone that is none is refused, saying what to give; nothing changes.
    for bad in ["Mars/Olympus", "CET-ish", ""]:
        refused = as_user(second, LEA, "me", "--zone", bad, check=False)
        assert refused.code == 64 and f"--zone: '{bad}' is no IANA time zone; give a name such as Europe/Paris" \
            in refused.stderr, refused.stderr
    assert postgres.sql("SELECT name, coalesce(time_zone, '-') FROM team_user") == "lea|America/New_York"

    # The same words, two people: lea's 09:30 is New York's, sam's the node's (Paris).
    leas = as_user(second, LEA, "remind", "2030-03-05 09:30", "Call Ada", "--json").json()
    sams = as_user(second, SAM, "remind", "2030-03-05 09:30", "Call Grace", "--json").json()
    assert (leas["reminder"]["dueAt"], leas["timeZone"]) == ("2030-03-05T14:30:00.000Z", "America/New_York")
    assert (sams["reminder"]["dueAt"], sams["timeZone"]) == ("2030-03-05T08:30:00.000Z", "Europe/Paris")
    assert as_user(first, LEA, "inbox", "--json").json()["timeZone"] == "America/New_York"
    assert as_user(first, LEA, "status", "--json").json()["timeZone"] == "America/New_York"
    # Her listing shows New York's clock, sam's Paris'.
    assert "09:30" in as_user(first, LEA, "upcoming").stdout.split("Call Ada")[0].split("\n")[-1]
    assert "09:30" in as_user(first, SAM, "upcoming").stdout.split("Call Grace")[0].split("\n")[-1]

    # --no-zone: the node's again.
    assert as_user(first, LEA, "me", "--no-zone").stdout.strip().startswith("lea: your times are read in the node's zone")
    again = as_user(first, LEA, "remind", "2030-03-05 09:30", "Call Ada again", "--json").json()
    assert again["reminder"]["dueAt"] == "2030-03-05T08:30:00.000Z"
    assert postgres.sql("SELECT name, coalesce(time_zone, '-') FROM team_user") == "lea|-"

    stranger = as_user(first, STRANGER, "me", "--zone", "Europe/Paris", check=False)
    assert stranger.code != 0 and f"serves no team user with uid {STRANGER}" in stranger.stderr
    personal = stopped_daemon.start().ctl("me", "--zone", "Europe/Paris", check=False)
    assert personal.code != 0 and "this daemon is personal" in personal.stderr, personal.stderr


def local_clock(instant, zone):
    from zoneinfo import ZoneInfo
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(ZoneInfo(zone)).strftime("%H:%M")


def test_a_users_window_is_theirs_on_every_node_and_a_bad_one_changes_nothing(postgres, team):
    first, second = team
    every_day = "mon,tue,wed,thu,fri,sat,sun"
    assert as_user(first, LEA, "me", "--window-days", every_day, "--window-hours", "06:15-07:00").stdout.strip() == \
        "lea: your delivery window is mon, tue, wed, thu, fri, sat, sun 06:15-07:00, in your zone"
    assert as_user(second, LEA, "me").stdout.strip().split("\n")[2] == \
        "lea: your delivery window is mon, tue, wed, thu, fri, sat, sun 06:15-07:00, in your zone"
    assert as_user(second, SAM, "me").stdout.strip().split("\n")[2].startswith("sam: your delivery window is the node's [window]")
    # Mistakes are named by the option they came from, and change nothing.
    stored = postgres.sql("SELECT delivery_window FROM team_user WHERE name = 'lea'")
    for args, says in [(["--window-hours", "6-7"], "--window-hours: '6-7' is not a range of hours like \"09:00-18:00\""),
                       (["--window-days", "mon,funday"], "--window-days: 'funday' is not a day of the week"),
                       (["--window-hours", "06:00-08:00,07:00-09:00"], "--window-hours: 06:00-08:00 and 07:00-09:00 overlap"),
                       (["--window-off", "--window-hours", "06:00-08:00"], "--window-off: a window that is off has no days or hours")]:
        refused = as_user(second, LEA, "me", *args, check=False)
        assert refused.code == 64 and says in refused.stderr, refused.stderr
    assert postgres.sql("SELECT delivery_window FROM team_user WHERE name = 'lea'") == stored

    # Her next window opens at 06:15 her time (the node's zone, Paris); sam's at the node's 09:00.
    as_user(first, LEA, "remind", "PT1S", "Lea's note")
    as_user(first, SAM, "remind", "PT1S", "Sam's note")
    first.wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "2", timeout=30, what="both items")
    leas = as_user(second, LEA, "inbox", "--json").json()["items"][0]["id"]
    sams = as_user(second, SAM, "inbox", "--json").json()["items"][0]["id"]
    lea_until = as_user(second, LEA, "snooze", str(leas), "next-window", "--json").json()["item"]["snoozedUntil"]
    sam_until = as_user(second, SAM, "snooze", str(sams), "next-window", "--json").json()["item"]["snoozedUntil"]
    assert local_clock(lea_until, "Europe/Paris") == "06:15", lea_until
    assert local_clock(sam_until, "Europe/Paris") == "09:00", sam_until
    # In her own zone, her window's hours are that zone's.
    as_user(first, LEA, "me", "--zone", "Asia/Tokyo")
    as_user(first, LEA, "snooze", str(leas), "next-window")
    lea_until = as_user(first, LEA, "inbox", "--all", "--json").json()["items"][0]["snoozedUntil"]
    assert local_clock(lea_until, "Asia/Tokyo") == "06:15", lea_until

    assert as_user(first, LEA, "me", "--window-off").stdout.strip() == \
        "lea: you have no delivery window: your reminders fire when they come due"
    assert as_user(first, LEA, "me", "--no-window").stdout.strip().startswith("lea: your delivery window is the node's")
    assert postgres.sql("SELECT coalesce(delivery_window, '-') FROM team_user WHERE name = 'lea'") == "-"


def next_popup(bus, timeout=30):
    """The next notification shown on this session bus (failing, not hanging, if none)."""
    shown = []

    def read():
        while (event := bus.next_event()).get("event") != "notify":
            pass
        shown.append(event)
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    assert shown, f"no popup within {timeout} s"
    return shown[0]


def test_a_users_reminders_pop_up_on_their_own_screen_and_wait_while_it_is_off(postgres, nodes, workdir, tmp_path):
    if os.getuid() != 0:
        pytest.skip("running relancectl as other uids needs root (setpriv)")
    for folder in [workdir, *(node.root for node in nodes)]:
        os.chmod(folder, 0o711)
    # lea's laptop and sam's desk show their screens; a third node has none (it fires too).
    laptop, desk, headless = nodes
    leas_screen, sams_screen = SessionBus(tmp_path / "lea-bus"), SessionBus(tmp_path / "sam-bus")
    try:
        for node, bus, user in [(laptop, leas_screen, "lea"), (desk, sams_screen, "sam")]:
            node.env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
            node.config.write_text(node.config.read_text() + TEAM_USERS + f'[desktop]\nuser = "{user}"\n')
        headless.config.write_text(headless.config.read_text() + TEAM_USERS + "[desktop]\nenabled = false\n")
        for node in nodes:
            node.start()
        assert "desktop: this node shows lea's reminders and the team's" in laptop.stderr()

        # Each reminder on its owner's screen, whichever node fired it, and nowhere else.
        due = headless.format_instant(time.time() + 1)
        as_user(headless, LEA, "remind", due, "Lea's call")
        as_user(headless, SAM, "remind", due, "Sam's call")
        assert next_popup(leas_screen)["summary"] == "Lea's call"
        assert next_popup(sams_screen)["summary"] == "Sam's call"
        desktop_jobs = """SELECT r.text, o.recipient, o.state, coalesce(o.sent_by, '-'), coalesce(o.last_error, '-')
                          FROM outbox o JOIN reminder r ON r.id = o.reminder_id WHERE o.channel = 'desktop' ORDER BY r.id"""
        assert postgres.sql(desktop_jobs) == "Lea's call|lea|sent|n0|-\nSam's call|sam|sent|n1|-"

        # Her laptop is off: her next reminder fires elsewhere and waits for her screen.
        laptop.stop()
        as_user(headless, LEA, "remind", headless.format_instant(time.time() + 1), "While you were away")
        headless.wait_until(lambda: postgres.sql(desktop_jobs).endswith("While you were away|lea|pending|-|-"),
                            timeout=30, what="her popup waiting for her screen")
        laptop.start()
        assert next_popup(leas_screen)["summary"] == "While you were away"
        assert postgres.sql(desktop_jobs).endswith("While you were away|lea|sent|n0|-")

        # Her laptop comes back without a desktop: what waited for a screen nobody shows
        # any more is dropped, saying why, and nothing new is queued for it.
        laptop.stop()
        as_user(headless, LEA, "remind", headless.format_instant(time.time() + 1), "Never shown")
        headless.wait_until(lambda: postgres.sql(desktop_jobs).endswith("Never shown|lea|pending|-|-"),
                            timeout=30, what="a popup waiting for her screen")
        laptop.config.write_text(laptop.config.read_text().replace('[desktop]\nuser = "lea"\n', "[desktop]\nenabled = false\n"))
        laptop.start()
        assert postgres.sql(desktop_jobs).endswith("Never shown|lea|cancelled|-|no node shows lea's desktop notifications any more")
        assert "1 popup(s) waiting for a screen no node shows any more were dropped" in laptop.stderr()
        as_user(headless, LEA, "remind", headless.format_instant(time.time() + 1), "After")
        headless.wait_until(lambda: "After" in texts(as_user(headless, LEA, "inbox", "--json")), timeout=30,
                            what="her last reminder fired")
        assert "After" not in postgres.sql(desktop_jobs)
        assert all(node.running() for node in nodes)
    finally:
        leas_screen.stop()
        sams_screen.stop()
