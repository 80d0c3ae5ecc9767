"""`relancectl migrate --from sqlite FILE` (issue #16): a personal store, fed through
relancectl and stopped, copied into a team store by a team user, through the team node's
socket; all or nothing, once; refusals name the file and change nothing."""

import os
import time

import pytest
from test_team_mode import LEA, SAM, as_user, nodes, postgres, team  # noqa: F401 (fixtures)

# A personal daemon's SQLite file migrated into team nodes this test starts itself.
pytestmark = pytest.mark.personal_only("team-mode test: starts its own nodes and PostgreSQL")


def team_rows(postgres):
    return postgres.sql("SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM outreach), "
                        "(SELECT count(*) FROM reminder), (SELECT count(*) FROM migrated_row)")


def personal_store_of(personal, uid):
    """The stopped personal daemon's file, handed to `uid` (as if it were theirs)."""
    for suffix in ["", "-wal", "-shm"]:
        path = f"{personal.database}{suffix}"
        if os.path.exists(path):
            os.chown(path, uid, uid)
    return str(personal.database)


@pytest.fixture
def personal(stopped_daemon):
    """A personal daemon on SQLite, fed with relancectl, then stopped: two contacts, an
    outreach awaiting its first nudge, a reminder due in 25 s, one tied to Ada; Ada has a
    keep-in-touch cadence; a weekly event, its next two occurrences planned."""
    stopped_daemon.config.write_text('[user]\ntime_zone = "Europe/Paris"\n[desktop]\nenabled = false\n')
    daemon = stopped_daemon.start()
    daemon.ctl("contact", "add", "Ada Lovelace", "--email", "ada@example.com", "--tz", "Europe/London",
               "--keep-in-touch", "P90D")
    daemon.ctl("contact", "add", "Grace Hopper", "--email", "grace@example.com")
    daemon.ctl("outreach", "log", "ada", "--ask", "a coffee chat")
    daemon.due = time.time() + 25
    daemon.ctl("remind", daemon.format_instant(daemon.due), "Renew the domain")
    daemon.ctl("remind", "tomorrow 9:00", "Send Ada the paper", "--contact", "ada")
    daemon.ctl("meeting", "add", "ada", "--at", "2030-03-05 15:00", "--place", "Café Olimpico")
    daemon.ctl("event", "add", "Founders meetup", "--at", "2030-03-21 19:00", "--until", "2030-03-21 21:00",
               "--repeat", "FREQ=WEEKLY;BYDAY=TH", "--tz", "Europe/Paris")
    # A migrate sent to a personal daemon is refused, saying where to send it.
    refused = daemon.ctl("migrate", "--from", "sqlite", str(daemon.database), check=False)
    assert refused.code != 0 and "run it against a team node" in refused.stderr, refused.stderr
    daemon.stop()
    return daemon


def test_a_personal_store_is_copied_once_for_its_owner_and_its_reminder_fires_once_from_the_team(postgres, team, personal):
    first, second = team
    as_user(first, SAM, "contact", "add", "Grace B. Hopper", "--email", "GRACE@example.com")
    path = personal_store_of(personal, LEA)

    copied = as_user(first, LEA, "migrate", "--from", "sqlite", path)
    assert copied.stdout.strip() == (f"copied 1 contact, 1 outreach, 1 meeting, 1 event, 15 pending reminders from {path} "
                                     "(1 contact matched by e-mail; 0 already copied)"), copied.stdout
    # Another node shows the copies: Ada is lea's, Grace stays sam's (linked, not doubled).
    contacts = as_user(second, SAM, "contact", "list").stdout
    assert "Ada Lovelace" in contacts and "Grace B. Hopper" in contacts and contacts.count("Grace") == 1, contacts
    owners = {c["name"]: c["owner"] for c in as_user(second, SAM, "contact", "list", "--json").json()["contacts"]}
    assert owners == {"Ada Lovelace": "lea", "Grace B. Hopper": "sam"}
    outreach = as_user(second, SAM, "outreach", "list").stdout
    assert "Ada Lovelace" in outreach and "a coffee chat" in outreach and "lea" in outreach
    upcoming = as_user(second, SAM, "upcoming").stdout
    for text in ["Renew the domain", "Send Ada the paper", "Follow up with Ada Lovelace", "Keep in touch with Ada Lovelace"]:
        assert text in upcoming, upcoming
    assert postgres.sql("SELECT kind, step FROM reminder WHERE outreach_id IS NOT NULL") == "follow_up|0"
    # Ada's cadence came with her, and its reminder, hers.
    assert postgres.sql("SELECT keep_in_touch FROM contact WHERE name = 'Ada Lovelace'") == "P90D"
    assert postgres.sql("SELECT owner FROM reminder WHERE kind = 'keep_in_touch'") == "lea"
    # The meeting is lea's to go to, its three reminders with it (mailed to her).
    meetings = as_user(second, SAM, "meeting", "list").stdout
    assert "Ada Lovelace" in meetings and "lea" in meetings and "Café Olimpico" in meetings, meetings
    assert postgres.sql("SELECT count(*), min(owner) FROM reminder WHERE meeting_id IS NOT NULL") == "3|lea"
    # The event is lea's to go to, its next two occurrences' reminders with it (their
    # leads kept, so the team plans the third once), and lea alone may change it.
    [event] = as_user(second, SAM, "event", "list", "--json").json()["events"]
    assert (event["title"], event["start"][:16], event["timeZone"]) == ("Founders meetup", "2030-03-21T19:00", "Europe/Paris")
    assert postgres.sql("SELECT created_by FROM event") == "lea"
    assert postgres.sql("SELECT count(*), count(DISTINCT anchor_at), min(owner) FROM reminder WHERE event_id IS NOT NULL") \
        == "8|2|lea"
    assert postgres.sql("SELECT count(*) FROM reminder WHERE event_id IS NOT NULL AND kind = 'event_soon' AND lead_offset IS NULL") == "0"
    refused = as_user(second, SAM, "event", "remove", str(event["id"]), check=False)
    assert refused.code != 0 and "is lea's: only who goes can remove it" in refused.stderr, refused.stderr

    # Again: nothing copied, everything known.
    before = team_rows(postgres)
    again = as_user(first, LEA, "migrate", "--from", "sqlite", path, "--json").json()
    assert (again["contacts"], again["outreach"], again["meetings"], again["events"], again["reminders"],
            again["alreadyCopied"]) == (0, 0, 0, 0, 0, 2 + 1 + 1 + 1 + 15)
    assert team_rows(postgres) == before

    # The reminder due shortly fires once, from the team, into the shared inbox.
    first.wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "1", timeout=60,
                     what="the migrated reminder in the shared inbox")
    time.sleep(1)  # both nodes' timers have gone off; neither may add a second item
    assert postgres.sql("SELECT count(*), min(text) FROM inbox_item") == "1|Renew the domain"
    # lea's (she migrated it): in her inbox, on either node, and not in sam's.
    assert "Renew the domain" in as_user(second, LEA, "inbox").stdout
    assert "Renew the domain" not in as_user(second, SAM, "inbox").stdout

    # lea forgets Ada in the team; her personal store goes on with Ada. A later run
    # leaves Ada and what was added about her out: the team's removal stands.
    as_user(first, LEA, "contact", "forget", "Ada Lovelace")
    personal.start()
    personal.ctl("outreach", "log", "ada", "--ask", "a second chat")
    personal.ctl("remind", "tomorrow 10:00", "Ask Ada again", "--contact", "ada")
    personal.stop()
    before = team_rows(postgres)
    later = as_user(first, LEA, "migrate", "--from", "sqlite", personal_store_of(personal, LEA), "--json").json()
    assert (later["contacts"], later["outreach"], later["reminders"]) == (0, 0, 0), later
    # Ada, the outreach, its follow-up, the reminder about her, her keep-in-touch re-planned.
    assert later["removedInTeam"] == 5, later
    assert "not copied again: contacts the team removed since" in later["summary"], later["summary"]
    assert team_rows(postgres) == before
    assert "Ada" not in as_user(second, SAM, "contact", "list").stdout


def test_a_missing_foreign_or_not_sqlite_file_or_a_refused_row_changes_nothing(postgres, team, personal, workdir,
                                                                              monkeypatch):
    first, _ = team
    before = team_rows(postgres)
    missing = str(workdir / "nowhere.sqlite")
    not_sqlite = workdir / "notes.sqlite"
    not_sqlite.write_text("these are my notes, not a database\n" * 50)
    os.chown(not_sqlite, LEA, LEA)
    sams = personal_store_of(personal, SAM)
    for path, says in [(missing, "no such file"),
                       (str(not_sqlite), "is not a SQLite database"),
                       (sams, f"belongs to uid {SAM}, not to you (uid {LEA})")]:
        refused = as_user(first, LEA, "migrate", "--from", "sqlite", path, check=False)
        assert refused.code != 0, refused
        assert path in refused.stderr and says in refused.stderr, refused.stderr
    # The node's own user (root here) is no team user: nobody to own the contacts.
    refused = first.ctl("migrate", "--from", "sqlite", sams, check=False)
    assert refused.code != 0 and "serves no team user with uid 0" in refused.stderr, refused.stderr
    assert team_rows(postgres) == before == "0|0|0|0"
    # A row the team database refuses halfway (a rule a DBA added): all of it rolled back.
    postgres.sql("ALTER TABLE outreach ADD CONSTRAINT polite_ask CHECK (ask LIKE 'please%')")
    refused = as_user(first, SAM, "migrate", "--from", "sqlite", sams, check=False)
    assert refused.code != 0 and "nothing was copied" in refused.stderr and "polite_ask" in refused.stderr, refused.stderr
    assert team_rows(postgres) == "0|0|0|0"
    postgres.sql("ALTER TABLE outreach DROP CONSTRAINT polite_ask")
    # Not while the personal daemon has it open: its reminders would fire twice.
    personal.start()
    refused = as_user(first, SAM, "migrate", "--from", "sqlite", sams, check=False)
    assert refused.code != 0 and f"is open in a running program (pid {personal.pid}" in refused.stderr, refused.stderr
    assert "stop it first" in refused.stderr and team_rows(postgres) == "0|0|0|0"
    personal.stop()
    # The owner may; a relative path is resolved by relancectl.
    monkeypatch.chdir(workdir)
    copied = as_user(first, SAM, "migrate", "--from", "sqlite", "db.sqlite")
    assert copied.stdout.startswith("copied 2 contacts, 1 outreach, 1 meeting, 1 event, 15 pending reminders from " + sams), copied.stdout
