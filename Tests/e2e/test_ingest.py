"""Replies detected from the user's own mail (`relancectl ingest`, one RFC 5322 message on
stdin, as procmail, maildrop, a Sieve pipe or a notmuch hook would give it): a reply ends
the follow-ups and lands in the inbox, an out-of-office does not, a bounce is flagged, and
a message about no one known is not stored."""
import subprocess

import pytest

# Every test here gives the daemon mail to read (Ingest, or a watched Maildir), on either
# store; what only a personal store has (Backup, a SQLite file) is read in tests of its own.
# What is never kept is looked for in everything the store holds (`stored_text`: Backup,
# or a dump of the team database).
BACKUP_IS_PERSONAL = "reads Backup, the personal store's JSON (a team database is backed up as a database)"

ASK = "a 20-minute coffee chat"


def ingest(daemon, message):
    result = subprocess.run([str(daemon.relancectl), "ingest", "--json", "--socket", str(daemon.socket)],
                            input=message.replace("\n", "\r\n"), env=daemon.env, capture_output=True, text=True, timeout=15)
    assert result.returncode == 0, result.stderr
    import json
    return json.loads(result.stdout)


def ada_with_outreach(daemon, *extra):
    daemon.ctl("contact", "add", "Ada Lovelace", "--email", "ada@example.com")
    return daemon.ctl("outreach", "log", "ada", "--ask", ASK, *extra, "--json").json()["outreach"]


def reply_from(sender, subject="Re: coffee?", extra=""):
    return (f"From: \"Ada L.\" <{sender}>\nTo: sam@example.com\nSubject: {subject}\n"
            f"Message-ID: <{abs(hash((sender, subject, extra)))}@mail.example.com>\n{extra}\nHappy to meet! (body never stored)\n")


def test_a_reply_ends_the_follow_ups_and_lands_in_the_inbox_once(daemon):
    outreach = ada_with_outreach(daemon)
    assert [r["kind"] for r in daemon.call("Upcoming")["reminders"]] == ["follow_up"]

    message = reply_from("ADA@example.com", "=?UTF-8?Q?Re:_caf=C3=A9?=")
    answer = ingest(daemon, message)
    assert answer["outcome"] == "reply" and answer["outreach"] == outreach["id"]
    assert answer["contactName"] == "Ada Lovelace"

    assert daemon.call("ListOutreach")["outreach"][0]["status"] == "replied"
    assert [r for r in daemon.call("Upcoming")["reminders"] if r["kind"] == "follow_up"] == []
    item = daemon.wait_until(lambda: daemon.call("Inbox")["items"], timeout=10, what="the reply in the inbox")[0]
    assert item["text"] == "Ada Lovelace replied — Re: café"

    # the same message again changes nothing
    assert ingest(daemon, message)["outcome"] == "already_seen"
    assert len(daemon.call("Inbox", filter="all")["items"]) == 1


def test_the_body_of_a_reply_is_never_stored(daemon):
    ada_with_outreach(daemon)
    assert ingest(daemon, reply_from("ADA@example.com", "=?UTF-8?Q?Re:_caf=C3=A9?="))["outcome"] == "reply"
    stored = daemon.stored_text()
    assert "Ada Lovelace" in stored and "body never stored" not in stored


def test_a_reply_from_a_tagged_address_matches_but_a_display_name_alone_never_does(daemon):
    ada_with_outreach(daemon)
    before = daemon.snapshot()
    # "Ada Lovelace" as a display name on someone else's address is not Ada
    impostor = reply_from("someone@else.example").replace('"Ada L."', '"Ada Lovelace"')
    assert ingest(daemon, impostor)["outcome"] == "ignored"
    assert daemon.snapshot() == before
    # her address with a +tag is hers
    assert ingest(daemon, reply_from("ada+relance@example.com"))["outcome"] == "reply"


def test_an_out_of_office_is_recorded_but_the_follow_ups_go_on(daemon):
    ada_with_outreach(daemon)
    answer = ingest(daemon, reply_from("ada@example.com", "Out of office: back on 14 December", "Auto-Submitted: auto-replied"))
    assert answer["outcome"] == "auto_reply"
    assert daemon.call("ListOutreach")["outreach"][0]["status"] == "awaiting_reply"
    assert [r["kind"] for r in daemon.call("Upcoming")["reminders"]] == ["follow_up"]


def test_a_reply_in_the_thread_from_an_unknown_address_counts(daemon):
    # An assistant answers for a busy person, in the thread of the logged message
    outreach = ada_with_outreach(daemon, "--message-id", "<ask-1@sam.example>")
    answer = ingest(daemon, reply_from("assistant@office.example", "Re: coffee?", "In-Reply-To: <ask-1@sam.example>"))
    assert answer["outcome"] == "reply" and answer["outreach"] == outreach["id"]


def test_a_bounce_in_the_thread_is_flagged_in_the_inbox(daemon):
    ada_with_outreach(daemon, "--message-id", "<ask-1@sam.example>")
    bounce = ("From: MAILER-DAEMON@mx.example.com\nTo: sam@example.com\nSubject: Undelivered Mail Returned to Sender\n"
              "Message-ID: <b1@mx.example.com>\nReferences: <ask-1@sam.example>\n"
              "Content-Type: multipart/report; report-type=delivery-status; boundary=x\n"
              "\n--x\n\nada@example.com: 550 5.1.1 user unknown\n--x--\n")
    answer = ingest(daemon, bounce)
    assert answer["outcome"] == "bounce"
    assert daemon.call("ListOutreach")["outreach"][0]["status"] == "awaiting_reply"
    item = daemon.wait_until(lambda: daemon.call("Inbox")["items"], timeout=10, what="the bounce in the inbox")[0]
    assert item["text"] == "Your mail to Ada Lovelace bounced — Undelivered Mail Returned to Sender"


def test_a_standard_bounce_names_the_address_and_the_reason(daemon):
    ada_with_outreach(daemon)
    bounce = ("From: MAILER-DAEMON@mx.example.com\nTo: sam@example.com\nSubject: Undelivered Mail Returned to Sender\n"
              "Message-ID: <b3@mx.example.com>\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\n"
              "\n--x\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; ada@example.com\nAction: failed\n"
              "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n--x--\n")
    answer = ingest(daemon, bounce)
    assert answer["outcome"] == "bounce", answer
    item = daemon.wait_until(lambda: daemon.call("Inbox")["items"], timeout=10, what="the bounce in the inbox")[0]
    assert item["text"] == "Your mail to Ada Lovelace bounced — ada@example.com: 550 5.1.1 user unknown"
    # And the address is marked bouncing on the contact, with the reason
    shown = daemon.ctl("contact", "show", "ada", "--json").json()
    assert [(b["address"], b["reason"]) for b in shown["bouncing"]] == [("ada@example.com", "550 5.1.1 user unknown")]
    assert "bouncing:     ada@example.com since" in daemon.ctl("contact", "show", "ada").stdout


@pytest.mark.personal_only(BACKUP_IS_PERSONAL)
def test_a_backup_keeps_a_bouncing_mark_with_the_contact(daemon):
    ada_with_outreach(daemon)
    bounce = ("From: MAILER-DAEMON@mx.example.com\nTo: sam@example.com\nSubject: Undelivered Mail Returned to Sender\n"
              "Message-ID: <b3@mx.example.com>\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\n"
              "\n--x\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; ada@example.com\nAction: failed\n"
              "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n--x--\n")
    assert ingest(daemon, bounce)["outcome"] == "bounce"
    # And a backup keeps the mark with the contact
    backup = daemon.root / "backup.json"
    daemon.ctl("backup", str(backup))
    import json
    rows = json.loads(backup.read_text())["tables"]["bouncingAddress"]
    assert [(r["address"], r["reason"]) for r in rows] == [("ada@example.com", "550 5.1.1 user unknown")]


def test_a_reply_from_a_bouncing_address_clears_its_mark(daemon):
    # Given Ada's address marked bouncing by a report
    ada_with_outreach(daemon)
    ingest(daemon, "From: MAILER-DAEMON@mx.example.com\nSubject: failure\nMessage-ID: <b4@mx.example.com>\n"
                   "Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x\n"
                   "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; ADA@example.com\nAction: failed\n"
                   "Status: 5.2.2\nDiagnostic-Code: smtp; 552 mailbox full\n--x--\n")
    assert [b["address"] for b in daemon.call("GetContact", contact="ada")["bouncing"]] == ["ada@example.com"]
    # When a reply comes from that address, Then the mark is gone (the address works)
    assert ingest(daemon, reply_from("ada@example.com"))["outcome"] == "reply"
    assert daemon.call("GetContact", contact="ada")["bouncing"] == []


def test_a_bounce_that_names_nothing_known_is_not_stored(daemon):
    ada_with_outreach(daemon)
    before = daemon.snapshot()
    bounce = ("From: MAILER-DAEMON@mx.example.com\nSubject: Undelivered Mail Returned to Sender\n"
              "Message-ID: <b2@mx.example.com>\n\nsomeone@else.example: 550 user unknown\n")
    assert ingest(daemon, bounce)["outcome"] == "ignored"
    assert daemon.snapshot() == before


def test_a_message_about_no_one_known_is_not_stored(daemon):
    ada_with_outreach(daemon)
    before = daemon.snapshot()
    answer = ingest(daemon, reply_from("newsletter@shop.example", "Our December deals"))
    assert answer["outcome"] == "ignored"
    assert daemon.snapshot() == before


def test_a_message_with_no_header_is_refused_by_name_and_changes_nothing(daemon):
    ada_with_outreach(daemon)
    before = daemon.snapshot()
    result = subprocess.run([str(daemon.relancectl), "ingest", "--socket", str(daemon.socket)],
                            input="Happy to meet!\r\nno header at all\r\n", env=daemon.env, capture_output=True, text=True,
                            timeout=15)
    assert result.returncode != 0
    assert "message" in result.stderr and "no header found" in result.stderr, result.stderr
    assert daemon.snapshot() == before


def test_ingest_through_the_third_party_varlink_client(daemon):
    import json
    ada_with_outreach(daemon)
    out = subprocess.run(["python3", "-m", "varlink.cli", "call", f"unix:{daemon.socket}/io.relance.Control.Ingest",
                          json.dumps({"message": reply_from("ada@example.com").replace("\n", "\r\n")})],
                         capture_output=True, text=True, timeout=30, env=daemon.env)
    assert json.loads(out.stdout)["outcome"] == "reply", out.stderr


def test_an_out_of_office_with_a_return_date_moves_the_next_nudge_after_it(daemon):
    import datetime
    ada_with_outreach(daemon)
    nudge = daemon.call("Upcoming")["reminders"][0]
    # Away for six weeks from today, whatever today is
    last_day = datetime.date.today() + datetime.timedelta(days=42)
    answer = ingest(daemon, reply_from("ada@example.com", f"Out of office until {last_day.isoformat()}",
                                       "Auto-Submitted: auto-replied"))
    assert answer["outcome"] == "auto_reply"
    assert "the next nudge waits until" in answer["summary"], answer
    moved = daemon.call("Upcoming")["reminders"][0]
    assert moved["id"] == nudge["id"]
    assert daemon.parse_instant(moved["fireAt"]) > daemon.parse_instant(nudge["fireAt"])
    assert datetime.datetime.fromtimestamp(daemon.parse_instant(moved["dueAt"]), datetime.timezone.utc).date() > last_day
    assert "after they are back" in moved["reason"]
    # A reload keeps it there (it was moved on purpose)
    daemon.call("Reload")
    assert daemon.call("Upcoming")["reminders"][0]["fireAt"] == moved["fireAt"]


def ingest_sent(daemon, message):
    import json
    result = subprocess.run([str(daemon.relancectl), "ingest", "--sent", "--json", "--socket", str(daemon.socket)],
                            input=message.replace("\n", "\r\n"), env=daemon.env, capture_output=True, text=True, timeout=15)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def sent_to(address, subject, message_id, date="Mon, 30 Nov 2026 10:00:00 +0100"):
    return (f"From: Sam <sam@example.com>\nTo: \"Ada\" <{address}>\nSubject: {subject}\nDate: {date}\n"
            f"Message-ID: <{message_id}>\n\nJust following up.\n")


def test_a_mail_you_sent_to_a_contact_with_an_outreach_open_is_a_follow_up(daemon):
    outreach = ada_with_outreach(daemon)
    answer = ingest_sent(daemon, sent_to("ada@example.com", "Re: coffee?", "nudge-1@sam.example"))
    assert answer["outcome"] == "follow_up" and answer["outreach"] == outreach["id"]
    assert daemon.call("ListOutreach")["outreach"][0]["followUpsSent"] == 1
    # the same mail again changes nothing
    assert ingest_sent(daemon, sent_to("ada@example.com", "Re: coffee?", "nudge-1@sam.example"))["outcome"] == "already_seen"
    assert daemon.call("ListOutreach")["outreach"][0]["followUpsSent"] == 1


def test_a_mail_you_sent_with_no_outreach_is_suggested_then_logged_when_configured(stopped_daemon):
    daemon = stopped_daemon
    daemon.start()
    daemon.ctl("contact", "add", "Ada Lovelace", "--email", "ada@example.com")
    answer = ingest_sent(daemon, sent_to("ada@example.com", "A question about notation", "ask-7@sam.example"))
    assert answer["outcome"] == "suggested"
    item = daemon.wait_until(lambda: daemon.call("Inbox")["items"], timeout=10, what="the suggestion")[0]
    assert item["text"].startswith("You wrote to Ada Lovelace — A question about notation; track it as outreach?")
    assert daemon.call("ListOutreach")["outreach"] == []

    daemon.stop()
    daemon.config.write_text('[mail_watch]\nsent = "log"\n[desktop]\nenabled = false\n')
    daemon.start()
    answer = ingest_sent(daemon, sent_to("ada@example.com", "Fwd: A question about notation", "ask-8@sam.example"))
    assert answer["outcome"] == "outreach"
    logged = daemon.call("ListOutreach")["outreach"][0]
    assert logged["ask"] == "A question about notation" and logged["messageId"] == "ask-8@sam.example"
    # a reply in that thread, from any address, ends it
    reply = reply_from("assistant@office.example", "Re: A question about notation", "In-Reply-To: <ask-8@sam.example>")
    assert ingest(daemon, reply)["outcome"] == "reply"


def deliver(maildir, name, message):
    """As an MDA does: write into tmp/, then rename into new/."""
    tmp = maildir / "tmp" / name
    tmp.write_text(message.replace("\n", "\r\n"))
    tmp.rename(maildir / "new" / name)


def make_maildir(path):
    for sub in ("new", "cur", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def test_a_watched_maildir_stops_the_follow_ups_when_the_reply_arrives_even_while_down(stopped_daemon, tmp_path):
    daemon = stopped_daemon
    inbox = make_maildir(tmp_path / "Maildir")
    daemon.config.write_text(f'[mail_watch]\ninbox = "{inbox}"\n[desktop]\nenabled = false\n')
    daemon.start()
    outreach = ada_with_outreach(daemon)

    # When her reply is delivered into the Maildir (no call to the daemon at all)
    deliver(inbox, "1700000000.1.host", reply_from("ada@example.com", "Re: coffee"))
    # Then the outreach is replied and its nudges are gone
    daemon.wait_until(lambda: daemon.call("ListOutreach")["outreach"][0]["status"] == "replied", timeout=10,
                      what="the reply noticed in the Maildir")
    assert [r for r in daemon.call("Upcoming")["reminders"] if r["kind"] == "follow_up"] == []

    # A second outreach; its reply arrives while the daemon is down: read once at start
    daemon.ctl("contact", "add", "Grace Hopper", "--email", "grace@example.com")
    daemon.ctl("outreach", "log", "grace", "--ask", "advice")
    daemon.stop()
    deliver(inbox, "1700000001.1.host", reply_from("grace@example.com", "Re: advice"))
    daemon.start()
    daemon.wait_until(lambda: [o["status"] for o in daemon.call("ListOutreach")["outreach"]] == ["replied", "replied"],
                      timeout=10, what="the reply that came while down")
    # and moving a read message to cur/ (a mail client marking it seen) changes nothing
    (inbox / "new" / "1700000001.1.host").rename(inbox / "cur" / "1700000001.1.host:2,S")
    items = daemon.wait_until(lambda: daemon.call("Inbox", filter="all")["items"] if len(daemon.call("Inbox", filter="all")["items"]) >= 2 else None,
                              timeout=10, what="two reply items")
    assert sorted(i["text"] for i in items) == ["Ada Lovelace replied — Re: coffee", "Grace Hopper replied — Re: advice"]


def test_a_return_date_in_the_body_of_an_out_of_office_is_read_but_not_kept(daemon):
    import datetime
    ada_with_outreach(daemon)
    nudge = daemon.call("Upcoming")["reminders"][0]
    back = datetime.date.today() + datetime.timedelta(days=50)
    message = (f"From: ada@example.com\nTo: sam@example.com\nSubject: Automatic reply\nAuto-Submitted: auto-replied\n"
               f"Message-ID: <ooo-body@example.com>\n\nI am away with no access to mail. Back on {back.isoformat()}.\n"
               f"Secret body words.\n")
    assert ingest(daemon, message)["outcome"] == "auto_reply"
    moved = daemon.call("Upcoming")["reminders"][0]
    assert daemon.parse_instant(moved["fireAt"]) > daemon.parse_instant(nudge["fireAt"])


def test_the_body_of_an_out_of_office_is_not_kept(daemon):
    import datetime
    ada_with_outreach(daemon)
    back = datetime.date.today() + datetime.timedelta(days=50)
    message = (f"From: ada@example.com\nTo: sam@example.com\nSubject: Automatic reply\nAuto-Submitted: auto-replied\n"
               f"Message-ID: <ooo-body@example.com>\n\nI am away with no access to mail. Back on {back.isoformat()}.\n"
               f"Secret body words.\n")
    assert ingest(daemon, message)["outcome"] == "auto_reply"
    stored = daemon.stored_text()
    assert "Ada Lovelace" in stored and "Secret body words" not in stored


def test_a_meeting_offered_by_mail_is_accepted_in_one_step(daemon, tmp_path):
    import base64
    import datetime
    import json
    outreach = ada_with_outreach(daemon)
    start = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=10)).replace(
        hour=9, minute=0, second=0, microsecond=0)
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Cal//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
           "UID:coffee-42@example.com\r\nDTSTAMP:20261130T090000Z\r\n"
           f"DTSTART:{start.strftime('%Y%m%dT%H%M%SZ')}\r\nDTEND:{(start + datetime.timedelta(minutes=45)).strftime('%Y%m%dT%H%M%SZ')}\r\n"
           "SUMMARY:Coffee\r\nLOCATION:Café Olimpico\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    # An invitation as a mail client sends it: a base64 text/calendar part
    message = ("From: Ada Lovelace <ada@example.com>\nTo: sam@example.com\nSubject: Re: coffee?\n"
               "Message-ID: <offer-1@example.com>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
               "--b\nContent-Type: text/plain\n\nHow about this?\n"
               "--b\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
               + base64.encodebytes(ics.encode()).decode() + "--b--\n")
    answer = ingest(daemon, message)
    assert answer["outcome"] == "reply" and "offers a meeting" in answer["summary"], answer
    item = daemon.wait_until(lambda: daemon.call("Inbox")["items"], timeout=10, what="the offer in the inbox")[0]
    assert "Ada Lovelace offers" in item["text"] and "Café Olimpico" in item["text"]

    # When the user accepts it
    reply_file = tmp_path / "reply.ics"
    accepted = daemon.ctl("meeting", "accept", str(item["id"]), "--calendar-reply", str(reply_file), "--json").json()
    meeting = accepted["meeting"]
    # Then the meeting is theirs, with its reminders, the outreach agreed, an answer drafted
    assert meeting["place"] == "Café Olimpico"
    assert daemon.parse_instant(meeting["startsAt"]) == start.timestamp()
    assert {r["kind"] for r in daemon.call("Upcoming")["reminders"]} >= {"meeting_prep", "meeting_leave"}
    assert daemon.call("ListOutreach")["outreach"][0]["status"] == "meeting_agreed"
    assert accepted["draft"].startswith("Hello Ada,")
    reply_text = reply_file.read_text()
    assert "METHOD:REPLY" in reply_text and "UID:coffee-42@example.com" in reply_text
    # and a second accept is refused, changing nothing
    again = daemon.ctl("meeting", "accept", str(item["id"]), check=False)
    assert again.code != 0 and "accepted already" in again.stderr
    # (the same through the third-party varlink client)
    out = subprocess.run(["python3", "-m", "varlink.cli", "call", f"unix:{daemon.socket}/io.relance.Control.AcceptMeeting",
                          json.dumps({"item": item["id"]})], capture_output=True, text=True, timeout=30, env=daemon.env)
    assert "io.relance.Control.InvalidParameter" in out.stderr and "accepted already" in out.stderr, out
    assert len(daemon.call("ListMeetings")["meetings"]) == 1


def test_a_stop_during_a_long_catch_up_loses_nothing_the_next_start_reads_the_rest(stopped_daemon, tmp_path):
    # Given a daemon that followed the Maildir before, and thousands of messages that came
    # while it was down (a first mbsync of a whole mailbox), her reply the newest
    daemon = stopped_daemon
    inbox = make_maildir(tmp_path / "Maildir")
    daemon.config.write_text(f'[mail_watch]\ninbox = "{inbox}"\n[desktop]\nenabled = false\n')
    daemon.start()
    ada_with_outreach(daemon)
    daemon.stop()
    for index in range(5000):
        (inbox / "cur" / f"1700000000.{index}.host:2,S").write_text(
            f"From: list@lists.example\r\nTo: sam@example.com\r\nSubject: Digest {index}\r\n"
            f"Message-ID: <digest-{index}@lists.example>\r\n\r\nNews.\r\n")
    deliver(inbox, "1700000001.1.host", reply_from("ada@example.com", "Re: coffee"))

    # When it starts (it answers while it reads them) and is stopped at once, likely mid-way
    daemon.start()
    assert daemon.call("ListOutreach")["outreach"][0]["status"] in ("awaiting_reply", "replied")
    daemon.stop()  # exits 0, without reading the rest first

    # Then the next start reads what was left, her reply included, once
    daemon.start()
    daemon.wait_until(lambda: daemon.call("ListOutreach")["outreach"][0]["status"] == "replied", timeout=120,
                      what="the reply read at the next start")
    items = daemon.wait_until(lambda: daemon.call("Inbox", filter="all")["items"], timeout=10, what="the reply item")
    assert [item["text"] for item in items] == ["Ada Lovelace replied — Re: coffee"]
