"""Live sync through vdirs, with the real programs a user has (issue #12): events and
contacts are PUT and DELETEd over CalDAV/CardDAV on a real Radicale on loopback, a real
vdirsyncer syncs them into the local vdirs a real relanced follows, and relancectl shows
what relanced made of them; the meetings and events Relance owns go the other way, into
the vdir `[sync] publish` names, and vdirsyncer pushes them to Radicale. The harness is
Tests/harness/dav_servers.py.

Without radicale or vdirsyncer these tests skip, saying so; under CI (CI=true) that is a
failure instead, since scripts/install-deps installs them.
"""

import os
import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Tests" / "harness"))

from dav_servers import Radicale, Vdirsyncer, missing_programs  # noqa: E402
from test_calendar_semantics import PARIS, UID, calendar, founders, said  # noqa: E402

#: Seconds to wait for relanced to show what a synced file did: generous for a loaded
#: machine; every wait returns as soon as the answer is there.
SYNC_TIMEOUT = 30


# -- fixtures --------------------------------------------------------------------------


@pytest.fixture
def radicale():
    """A running Radicale with one user, calendars `work` and `relance`, and the address
    book `contacts`, in its own temporary directory."""
    missing = missing_programs()
    if missing:
        reason = f"{', '.join(missing)} not installed (scripts/install-deps test installs radicale, vdirsyncer)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI that is a failure", pytrace=False)
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="relance-radicale-"))
    with Radicale(root) as server:
        yield server
    if os.environ.get("RELANCE_E2E_KEEP") != "1":
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def vdirsyncer(workdir, radicale):
    """vdirsyncer between Radicale and the vdirs under workdir/vdirs, discovered (the
    local folders exist) before relanced starts."""
    syncer = Vdirsyncer(workdir / "vdirsyncer", radicale, workdir / "vdirs")
    syncer.sync()
    return syncer


@pytest.fixture
def relanced(stopped_daemon, vdirsyncer):
    """relanced following the `work` calendar and the `contacts` address book, and
    publishing to the `relance` calendar."""
    write_config(stopped_daemon, vdirsyncer)
    return stopped_daemon.start()


def write_config(daemon, syncer):
    daemon.config.write_text(f'[sync]\ncalendars = ["{syncer.calendar("work")}"]\n'
                             f'contacts = ["{syncer.address_book("contacts")}"]\n'
                             f'publish = "{syncer.calendar("relance")}"\n[desktop]\nenabled = false\n')


# -- helpers ---------------------------------------------------------------------------


def events(daemon):
    return daemon.ctl("event", "list", "--json").json()["events"]


def wait_for(daemon, probe, what):
    """Polls `probe` (a function of nothing) until it returns something true; returns it."""
    return daemon.wait_until(probe, timeout=SYNC_TIMEOUT, what=what)


def contacts(daemon):
    return daemon.call("ListContacts")["contacts"]


def vcard(name, email, organization, uid="ada-lovelace-1", revision="20261201T100000Z"):
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\n"
            f"UID:{uid}\r\nFN:{name}\r\nN:{name.split()[-1]};{name.split()[0]};;;\r\n"
            f"EMAIL;TYPE=INTERNET:{email}\r\nORG:{organization}\r\nREV:{revision}\r\nEND:VCARD\r\n")


def series_only(text):
    """The calendar without its changed occurrences (the first VEVENT only)."""
    lines = text.split("\r\n")
    begins = [i for i, line in enumerate(lines) if line == "BEGIN:VEVENT"]
    return "\r\n".join(lines[:begins[1]] + ["END:VCALENDAR", ""])


def with_series_and_second_change(text):
    """The calendar with its series and its second change (retitled), not its first."""
    lines = text.split("\r\n")
    begins = [i for i, line in enumerate(lines) if line == "BEGIN:VEVENT"]
    return "\r\n".join(lines[:begins[1]] + lines[begins[2]:])


# -- tests -----------------------------------------------------------------------------


def test_an_event_created_moved_retitled_and_cancelled_in_radicale_follows_in_relance(radicale, vdirsyncer, relanced):
    first = (datetime.now(PARIS) + timedelta(days=10)).date()

    # Given a weekly meetup created on the server, and synced
    text, original, _, second = calendar(first)
    assert radicale.put("work", "founders.ics", series_only(text)) in (200, 201, 204)
    vdirsyncer.sync()

    # Then relanced has it, with the reminders of its next evenings
    wait_for(relanced, lambda: [e for e in events(relanced) if e["title"] == "Founders meetup"], "the synced event")
    assert any(t.startswith(said(original)) for t in (r["text"] for r in founders(relanced)))

    # When the organiser moves the series to 19:30 (SEQUENCE 1), and it is synced
    moved_text, *_ = calendar(first, sequence=1, at="19:30", exported="20260102T000000Z")
    radicale.put("work", "founders.ics", series_only(moved_text))
    vdirsyncer.sync()

    # Then the event starts at 19:30 and its pending reminders follow
    [series] = wait_for(relanced, lambda: [e for e in events(relanced) if e["start"].endswith("T19:30:00")] or None,
                        "the moved series")
    texts = [r["text"] for r in founders(relanced)]
    assert any(t.startswith(said(original + timedelta(minutes=30))) for t in texts), texts
    assert not any(t.startswith(said(original)) for t in texts), texts

    # When one evening is retitled on the server (a RECURRENCE-ID in the same item)
    moved_text, *_ = calendar(first, sequence=1, at="19:30", exported="20260103T000000Z")
    radicale.put("work", "founders.ics", with_series_and_second_change(moved_text))
    vdirsyncer.sync()

    # Then that evening is an event of its own, left out of its series
    demo = wait_for(relanced, lambda: [e for e in events(relanced) if e["title"] == "Founders meetup: demo night"],
                    "the retitled occurrence")
    assert len(demo) == 1
    series = next(e for e in events(relanced) if e.get("rrule"))
    assert f"{second + timedelta(minutes=30):%Y-%m-%dT%H:%M:%S}" in series["exdates"], series
    assert any(r["text"].startswith("Founders meetup: demo night") for r in founders(relanced))

    # When it is deleted on the server, and synced
    assert radicale.delete("work", "founders.ics") in (200, 204)
    vdirsyncer.sync(force_delete=True)  # the calendar's last item

    # Then the series and its changed evening are gone, with their pending reminders
    wait_for(relanced, lambda: events(relanced) == [], "the events of the deleted item removed")
    assert founders(relanced) == []


def test_a_cancellation_on_the_server_cancels_the_event(radicale, vdirsyncer, relanced):
    first = (datetime.now(PARIS) + timedelta(days=12)).date()
    text, *_ = calendar(first)
    radicale.put("work", "founders.ics", series_only(text))
    vdirsyncer.sync()
    wait_for(relanced, lambda: events(relanced), "the synced event")

    # When the organiser cancels it (STATUS:CANCELLED, SEQUENCE 2): the item stays on the server
    cancelled, *_ = calendar(first, sequence=2, status="CANCELLED", exported="20260103T000000Z")
    radicale.put("work", "founders.ics", series_only(cancelled))
    vdirsyncer.sync()

    # Then Relance removes it and its reminders
    wait_for(relanced, lambda: events(relanced) == [], "the cancelled event removed")
    assert founders(relanced) == []


def test_a_meeting_added_in_relance_reaches_radicale_and_its_cancellation_too(radicale, vdirsyncer, relanced):
    # Given a meeting added in Relance
    ada = relanced.ctl("contact", "add", "Ada Lovelace", "--email", "ada@example.com", "--json").json()["contact"]
    at = (datetime.now(PARIS) + timedelta(days=5)).strftime("%Y-%m-%d 10:00")
    meeting = relanced.ctl("meeting", "add", str(ada["id"]), "--at", at, "--place", "Café Olimpico", "--json").json()["meeting"]
    published = vdirsyncer.calendar("relance")

    # When relanced has written it to the published vdir and vdirsyncer syncs
    wait_for(relanced, lambda: list(published.glob("relance-meeting-*.ics")), "the meeting's file in the published vdir")
    vdirsyncer.sync()

    # Then Radicale has it
    items = radicale.items("relance")
    assert any("SUMMARY:Meeting with Ada Lovelace" in text and "Café Olimpico" in text for text in items.values()), items

    # When it is cancelled in Relance, Then its file goes, and after a sync Radicale's item too
    relanced.ctl("meeting", "cancel", str(meeting["id"]))
    wait_for(relanced, lambda: not list(published.glob("relance-meeting-*.ics")), "the meeting's file removed")
    vdirsyncer.sync(force_delete=True)  # the calendar's last item
    assert not any("Meeting with Ada Lovelace" in text for text in radicale.items("relance").values())


def test_an_event_added_in_relance_reaches_radicale_and_synced_events_are_not_sent_back(radicale, vdirsyncer, relanced):
    # Given an event synced from the work calendar, and one added in Relance
    first = (datetime.now(PARIS) + timedelta(days=10)).date()
    text, *_ = calendar(first)
    radicale.put("work", "founders.ics", series_only(text))
    vdirsyncer.sync()
    wait_for(relanced, lambda: events(relanced), "the synced event")
    when = (datetime.now(PARIS) + timedelta(days=8)).strftime("%Y-%m-%d 19:00")
    relanced.ctl("event", "add", "Relance drinks", "--at", when, "--where", "Station F")

    # When relanced has published and vdirsyncer syncs
    published = vdirsyncer.calendar("relance")
    wait_for(relanced, lambda: list(published.glob("relance-event-*.ics")), "the event's file in the published vdir")
    vdirsyncer.sync()

    # Then Radicale's relance calendar has Relance's own event, and not the synced one
    texts = list(radicale.items("relance").values())
    assert any("SUMMARY:Relance drinks" in t for t in texts), texts
    assert not any(UID in t for t in texts), texts


def test_a_contact_edited_on_the_server_updates_in_relance(radicale, vdirsyncer, relanced):
    # Given a card on the server, synced
    radicale.put("contacts", "ada.vcf", vcard("Ada Lovelace", "ada@example.com", "Analytical Engines"))
    vdirsyncer.sync()
    [ada] = wait_for(relanced, lambda: contacts(relanced), "the synced contact")
    assert (ada["name"], ada["organization"]) == ("Ada Lovelace", "Analytical Engines")
    # ... with what only Relance knows about her
    relanced.ctl("contact", "update", str(ada["id"]), "--why", "first programmer")

    # When it is edited on the server (new organization and address), and synced
    radicale.put("contacts", "ada.vcf", vcard("Ada King", "ada@king.example", "Royal Society",
                                               revision="20261202T100000Z"))
    vdirsyncer.sync()

    # Then the same contact says what the card says now, and keeps Relance's own fields
    wait_for(relanced, lambda: contacts(relanced)[0]["organization"] == "Royal Society", "the edited contact")
    [edited] = contacts(relanced)
    assert (edited["id"], edited["name"], edited["emails"]) == (ada["id"], "Ada King", ["ada@king.example"])
    assert edited["why"] == "first programmer"


def test_changes_made_while_relanced_was_down_are_applied_at_start(radicale, vdirsyncer, stopped_daemon):
    # Given relanced following the vdirs, with one event synced
    write_config(stopped_daemon, vdirsyncer)
    daemon = stopped_daemon.start()
    first = (datetime.now(PARIS) + timedelta(days=10)).date()
    text, *_ = calendar(first)
    radicale.put("work", "founders.ics", series_only(text))
    vdirsyncer.sync()
    wait_for(daemon, lambda: events(daemon), "the synced event")

    # When, while it is stopped, the event is deleted and another created on the server, and synced
    daemon.stop()
    radicale.delete("work", "founders.ics")
    other, *_ = calendar(first + timedelta(days=1))
    radicale.put("work", "other.ics", series_only(other).replace(UID, "other-uid@example.com")
                 .replace("SUMMARY:Founders meetup", "SUMMARY:Angels breakfast"))
    vdirsyncer.sync()
    daemon.start()

    # Then at start the deleted one is gone and the new one is there
    wait_for(daemon, lambda: [e["title"] for e in events(daemon)] == ["Angels breakfast"], "the catch-up")


def test_a_file_that_does_not_parse_is_a_warning_and_is_read_again_when_it_changes(vdirsyncer, relanced):
    folder = vdirsyncer.calendar("work")
    first = (datetime.now(PARIS) + timedelta(days=10)).date()
    text, *_ = calendar(first)

    # When a file is written half (by a tool that writes in place), then closed broken
    path = folder / "half.ics"
    path.write_text(series_only(text)[:200], newline="")

    # Then relanced warns, names the file, and keeps serving
    wait_for(relanced, lambda: "cannot apply" in relanced.stderr() and "half.ics" in relanced.stderr(), "the warning")
    assert relanced.running() and events(relanced) == []

    # When the file is completed, Then it is applied
    path.write_text(series_only(text), newline="")
    wait_for(relanced, lambda: events(relanced), "the completed file applied")


def test_a_followed_folder_deleted_and_recreated_is_followed_again_without_a_restart(vdirsyncer, relanced, tmp_path):
    folder = vdirsyncer.calendar("work")
    first = (datetime.now(PARIS) + timedelta(days=10)).date()
    text, *_ = calendar(first)
    (folder / "founders.ics").write_text(series_only(text), newline="")
    wait_for(relanced, lambda: events(relanced), "the event applied")
    pid = relanced.pid

    # When the folder is deleted (its event goes with it)
    shutil.rmtree(folder)
    wait_for(relanced, lambda: events(relanced) == [], "the deletion applied")
    # and created again with its file (as `vdirsyncer sync` would after a reset)
    folder.mkdir()
    (folder / "founders.ics").write_text(series_only(text), newline="")
    # Then the event is back, without a restart
    wait_for(relanced, lambda: events(relanced), "the re-created folder followed")
    assert "is back; following it again" in relanced.stderr()

    # When it is moved away, Then its event goes; moved back, the event comes back
    aside = tmp_path / "aside"
    folder.rename(aside)
    wait_for(relanced, lambda: events(relanced) == [], "the folder moved away")
    aside.rename(folder)
    wait_for(relanced, lambda: events(relanced), "the folder moved back")
    # ... and files written there later are followed too
    (folder / "founders.ics").unlink()
    wait_for(relanced, lambda: events(relanced) == [], "a later deletion in the folder")
    assert relanced.pid == pid and relanced.running()


# -- relanced --check-config on [sync] (no server needed) --------------------------------

BAD_SYNC = {
    "relative folder": ('[sync]\ncalendars = ["calendars/work"]\n', 2, "is not an absolute path"),
    "folder twice": ('[sync]\ncalendars = ["/srv/cal"]\ncontacts = ["/srv/cal/"]\n', 3, "/srv/cal is listed twice"),
    "publish inside a followed folder": ('[sync]\ncalendars = ["/srv/cal"]\n\npublish = "/srv/cal/relance"\n', 4,
                                         "inside one another"),
}


@pytest.mark.parametrize("text, line, words", BAD_SYNC.values(), ids=BAD_SYNC.keys())
def test_check_config_refuses_bad_sync_folders_with_their_line(stopped_daemon, text, line, words):
    from test_cli_errors import assert_one_line_at, check_config
    message = assert_one_line_at(check_config(stopped_daemon, text), stopped_daemon.config, line)
    assert words in message


def test_check_config_accepts_the_sync_folders(stopped_daemon, workdir):
    from test_cli_errors import check_config
    result = check_config(stopped_daemon, f'[sync]\ncalendars = ["{workdir}/cal"]\ncontacts = ["~/contacts"]\n'
                                          f'publish = "{workdir}/relance"\n')
    assert result.returncode == 0, result


def test_a_reload_that_changes_the_folders_says_they_change_at_restart(stopped_daemon, workdir):
    # Given relanced following one calendar folder
    stopped_daemon.config.write_text(f'[sync]\ncalendars = ["{workdir}/cal"]\n[desktop]\nenabled = false\n')
    daemon = stopped_daemon.start()

    # When the configuration names another folder and is reloaded, twice
    daemon.config.write_text(f'[sync]\ncalendars = ["{workdir}/other"]\n[desktop]\nenabled = false\n')
    daemon.ctl("reload")
    daemon.ctl("reload")

    # Then each reload says the folders change at restart (still the first folder followed)
    warning = "followed folders ([sync], [mail_watch]) change at restart"
    wait_for(daemon, lambda: daemon.stderr().count(warning) == 2, "the warning at each reload")
