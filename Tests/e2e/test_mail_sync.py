"""Replies detected through the real programs a user has (issue #13, "Tests with the real
programs"): messages are APPENDed over IMAP (TLS) to a real Dovecot on loopback, a real
mbsync syncs that account into the Maildir a real relanced follows, and relancectl shows
what relanced made of them. The harness is Tests/harness/mail_servers.py.

Without dovecot, mbsync or openssl these tests skip, saying so; under CI (CI=true) that
is a failure instead, since scripts/install-deps installs them.
"""

import datetime
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Tests" / "harness"))

from mail_servers import Dovecot, Mbsync, missing_programs  # noqa: E402

BOUNCE = REPO / "Tests" / "RelanceCoreTests" / "Fixtures" / "mail" / "lhost-postfix-03.eml"
#: Seconds to wait for relanced to show what a synced message did: generous for a loaded
#: machine; every wait returns as soon as the answer is there.
NOTICE_TIMEOUT = 30


# -- fixtures --------------------------------------------------------------------------


@pytest.fixture
def dovecot():
    """A running Dovecot with one user and an empty mailbox, in its own temporary directory
    (not the daemon's: Dovecot's unprivileged processes must be able to reach it)."""
    missing = missing_programs()
    if missing:
        reason = f"{', '.join(missing)} not installed (scripts/install-deps test installs dovecot-imapd, isync, openssl)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI that is a failure", pytrace=False)
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="relance-dovecot-"))
    with Dovecot(root) as server:
        yield server
    if os.environ.get("RELANCE_E2E_KEEP") != "1":
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def maildir(workdir):
    """The local Maildir mbsync writes and relanced follows: INBOX and Sent."""
    root = workdir / "Maildir"
    for folder in ("INBOX", "Sent"):
        for sub in ("new", "cur", "tmp"):
            (root / folder / sub).mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def mbsync(workdir, dovecot, maildir):
    return Mbsync(workdir / "mbsync", dovecot, maildir)


@pytest.fixture
def relanced(stopped_daemon, maildir):
    """relanced following the Maildir's INBOX and Sent."""
    stopped_daemon.config.write_text(f'[mail_watch]\ninbox = "{maildir / "INBOX"}"\n'
                                     f'sent_folder = "{maildir / "Sent"}"\n[desktop]\nenabled = false\n')
    return stopped_daemon.start()


# -- helpers ---------------------------------------------------------------------------


def contact_with_outreach(daemon, name, email):
    """A contact and an outreach to them: its first nudge is pending."""
    contact = daemon.ctl("contact", "add", name, "--email", email, "--json").json()["contact"]
    return daemon.ctl("outreach", "log", str(contact["id"]), "--ask", "a 20-minute coffee chat", "--json").json()["outreach"]


def message(sender, to, subject, message_id, *extra_headers, body="Happy to meet! (body never stored)"):
    """An RFC 5322 message dated now (line feeds; imaplib sends CRLF)."""
    headers = [f"From: {sender}", f"To: {to}", f"Subject: {subject}",
               f"Date: {datetime.datetime.now(datetime.timezone.utc):%a, %d %b %Y %H:%M:%S +0000}",
               f"Message-ID: <{message_id}>", *extra_headers]
    return "\n".join(headers) + "\n\n" + body + "\n"


def upcoming(daemon):
    """`relancectl upcoming`, as the user sees it (JSON)."""
    return daemon.ctl("upcoming", "--json").json()["reminders"]


def nudges_for(daemon, outreach):
    return [r for r in upcoming(daemon) if r.get("outreachId") == outreach["id"] and r["kind"] in ("follow_up", "let_go")]


def inbox_texts(daemon):
    """`relancectl inbox --all`: every item's text."""
    return [item["text"] for item in daemon.ctl("inbox", "--all", "--json").json()["items"]]


def outreach_now(daemon, outreach):
    """The outreach as the daemon has it now."""
    return next(o for o in daemon.call("ListOutreach")["outreach"] if o["id"] == outreach["id"])


def wait_for_inbox_text(daemon, text):
    """Waits until an inbox item starts with `text`; returns every item's text."""
    return daemon.wait_until(lambda: (texts := inbox_texts(daemon)) and any(t.startswith(text) for t in texts) and texts,
                             timeout=NOTICE_TIMEOUT, what=f"an inbox item starting {text!r}")


def out_of_office_from(sender, back):
    """An out-of-office as an auto-responder writes it, back on `back` ("back on 14 January")."""
    return message(sender, "sam@example.com", f"Out of office: back on {back.day} {back:%B}", f"ooo-{back}@example.com",
                   "Auto-Submitted: auto-replied", body="I am away with limited access to mail.")


# -- tests -----------------------------------------------------------------------------


def test_a_reply_synced_from_dovecot_by_mbsync_ends_the_nudges_with_one_inbox_item(dovecot, mbsync, relanced):
    # Given an outreach to Ada, with its nudges pending
    ada = contact_with_outreach(relanced, "Ada Lovelace", "ada@example.com")
    assert nudges_for(relanced, ada) != []

    # When her reply reaches the IMAP server and mbsync brings it into the Maildir
    dovecot.append("INBOX", message('"Ada L." <ada@example.com>', "sam@example.com", "Re: coffee?", "reply-1@example.com"))
    mbsync.sync()

    # Then the outreach is replied, its nudges are gone, and the inbox says so once
    relanced.wait_until(lambda: outreach_now(relanced, ada)["status"] == "replied", timeout=NOTICE_TIMEOUT,
                        what="the reply read from the Maildir")
    assert nudges_for(relanced, ada) == []
    texts = wait_for_inbox_text(relanced, "Ada Lovelace replied")
    assert texts == ["Ada Lovelace replied — Re: coffee?"]


def test_the_body_of_a_reply_synced_by_mbsync_is_never_stored(dovecot, mbsync, relanced):
    ada = contact_with_outreach(relanced, "Ada Lovelace", "ada@example.com")
    dovecot.append("INBOX", message('"Ada L." <ada@example.com>', "sam@example.com", "Re: coffee?", "reply-1@example.com"))
    mbsync.sync()
    relanced.wait_until(lambda: outreach_now(relanced, ada)["status"] == "replied", timeout=NOTICE_TIMEOUT,
                        what="the reply read from the Maildir")
    stored = relanced.stored_text()
    assert "Ada Lovelace" in stored and "body never stored" not in stored


def test_an_out_of_office_synced_by_mbsync_moves_the_next_nudge_after_the_return_date(dovecot, mbsync, relanced):
    ada = contact_with_outreach(relanced, "Ada Lovelace", "ada@example.com")
    [nudge] = nudges_for(relanced, ada)
    back = datetime.date.today() + datetime.timedelta(days=42)

    dovecot.append("INBOX", out_of_office_from("Ada Lovelace <ada@example.com>", back))
    mbsync.sync()

    # The same nudge, later: a few business days after she is back
    moved = relanced.wait_until(lambda: [r for r in nudges_for(relanced, ada) if r["fireAt"] != nudge["fireAt"]],
                                timeout=NOTICE_TIMEOUT, what="the nudge moved after the return date")[0]
    assert moved["id"] == nudge["id"]
    assert datetime.datetime.fromisoformat(moved["dueAt"].replace("Z", "+00:00")).date() > back
    assert "after they are back" in relanced.ctl("upcoming", "--why").stdout
    # An out-of-office is no reply
    assert outreach_now(relanced, ada)["status"] == "awaiting_reply"
    assert not any("replied" in text for text in inbox_texts(relanced))


def test_a_real_bounce_synced_by_mbsync_flags_the_address_in_the_inbox(dovecot, mbsync, relanced):
    # A Postfix bounce from the Sisimai corpus: mail to kijitora@example.net, "550 Unknown user"
    kijitora = contact_with_outreach(relanced, "Kijitora", "kijitora@example.net")

    dovecot.append("INBOX", BOUNCE.read_text())
    mbsync.sync()

    texts = wait_for_inbox_text(relanced, "Your mail to Kijitora bounced")
    assert texts == ["Your mail to Kijitora bounced — kijitora@example.net: 550 Unknown user kijitora@example.net"]
    # A bounce is no reply: the nudges stay
    assert outreach_now(relanced, kijitora)["status"] == "awaiting_reply"
    assert nudges_for(relanced, kijitora) != []


def test_a_mail_in_the_sent_folder_synced_by_mbsync_becomes_a_follow_up(dovecot, mbsync, relanced):
    ada = contact_with_outreach(relanced, "Ada Lovelace", "ada@example.com")
    [before] = nudges_for(relanced, ada)

    # A mail client saves what you send in Sent, already read: mbsync puts it in cur/
    dovecot.append("Sent", message("Sam <sam@example.com>", '"Ada" <ada@example.com>', "Re: coffee?", "nudge-1@sam.example",
                                   body="Just following up."), flags="(\\Seen)")
    mbsync.sync()

    relanced.wait_until(lambda: outreach_now(relanced, ada)["followUpsSent"] == 1, timeout=NOTICE_TIMEOUT,
                        what="the sent mail logged as a follow-up")
    # The sequence counts from it: the nudge pending now is the next one
    [after] = nudges_for(relanced, ada)
    assert after["id"] != before["id"]
    assert outreach_now(relanced, ada)["status"] == "awaiting_reply"


def test_syncing_again_and_restarting_relanced_records_nothing_twice(dovecot, mbsync, relanced):
    # Given one of each kind of message, synced and read
    ada = contact_with_outreach(relanced, "Ada Lovelace", "ada@example.com")
    grace = contact_with_outreach(relanced, "Grace Hopper", "grace@example.com")
    contact_with_outreach(relanced, "Kijitora", "kijitora@example.net")
    linus = contact_with_outreach(relanced, "Linus Pauling", "linus@example.com")
    [grace_nudge] = nudges_for(relanced, grace)
    dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Re: coffee?", "reply-1@example.com"))
    dovecot.append("INBOX", out_of_office_from("grace@example.com", datetime.date.today() + datetime.timedelta(days=42)))
    dovecot.append("INBOX", BOUNCE.read_text())
    dovecot.append("Sent", message("sam@example.com", "linus@example.com", "Re: coffee?", "nudge-1@sam.example"), flags="(\\Seen)")
    mbsync.sync()
    relanced.wait_until(lambda: outreach_now(relanced, ada)["status"] == "replied"
                        and outreach_now(relanced, linus)["followUpsSent"] == 1
                        and len(inbox_texts(relanced)) == 2
                        and nudges_for(relanced, grace)[0]["fireAt"] != grace_nudge["fireAt"], timeout=NOTICE_TIMEOUT,
                        what="all four messages read")
    recorded = what_was_recorded(relanced)

    # When the messages are read on the server (mbsync renames them new/ → cur/ with the S
    # flag), mbsync runs again, the same reply is delivered a second time (a new file with
    # the same Message-ID), and then a new reply arrives (relanced reads in order, so once
    # that one is in, everything before it was read too)
    dovecot.mark_all_seen("INBOX")
    mbsync.sync()
    mbsync.sync()
    dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Re: coffee?", "reply-1@example.com"))
    mbsync.sync()
    hedy = contact_with_outreach(relanced, "Hedy Lamarr", "hedy@example.com")
    dovecot.append("INBOX", message("hedy@example.com", "sam@example.com", "Re: coffee?", "reply-2@example.com"))
    mbsync.sync()
    wait_for_inbox_text(relanced, "Hedy Lamarr replied")
    # Then nothing was recorded twice
    assert without(what_was_recorded(relanced), hedy) == recorded

    # And across a restart, with a reply synced while relanced was down: that one is read
    # once at start, and nothing else again
    ida = contact_with_outreach(relanced, "Ida Noddack", "ida@example.com")
    relanced.stop()
    dovecot.append("INBOX", message("ida@example.com", "sam@example.com", "Re: coffee?", "reply-3@example.com"))
    mbsync.sync()
    relanced.start()
    wait_for_inbox_text(relanced, "Ida Noddack replied")
    mbsync.sync()
    assert without(without(what_was_recorded(relanced), hedy), ida) == recorded
    assert len([text for text in inbox_texts(relanced) if "replied" in text]) == 3


def what_was_recorded(daemon):
    """Everything a client can see of what mail did: outreach, pending reminders, inbox."""
    return {
        "outreach": daemon.call("ListOutreach")["outreach"],
        "upcoming": daemon.call("Upcoming", limit=1000)["reminders"],
        "inbox": sorted(daemon.call("Inbox", filter="all", limit=1000)["items"], key=lambda item: item["id"]),
    }


def without(recorded, outreach):
    """`recorded` minus what concerns `outreach`'s contact."""
    contact = outreach["contactId"]
    return {key: [entry for entry in entries if entry.get("contactId") != contact] for key, entries in recorded.items()}
