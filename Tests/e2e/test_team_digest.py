"""The daily digest per team user (issue #16): two team nodes with `[mail] mode =
"digest"` on one real PostgreSQL 15, mailing through the real loopback SMTP server. lea
(the node's zone) and sam (a zone of his own) each get ONE digest a day, at the node's
digest_time in their own zone, to their own address, listing their items and the
team's, never the other's; kim, who set no address, gets none. Both nodes may send a
digest; the database lets one claim it."""

import os
import re
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from test_delivery import SMTPServer, mail_config, wait_for
from test_team_mode import LEA, SAM, TEAM_USERS, as_user, nodes, postgres, smtp  # noqa: F401 (fixtures)

pytestmark = pytest.mark.personal_only("team-mode test: starts its own nodes and PostgreSQL")

KIM = 4004

ZONES = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "America/Los_Angeles", "Asia/Kolkata", "Europe/Moscow",
         "Asia/Dubai", "America/Sao_Paulo", "Pacific/Honolulu", "Asia/Shanghai", "Europe/Helsinki", "Europe/London",
         "America/Chicago", "Australia/Brisbane", "Asia/Bangkok"]


def seconds_of_day(moment):
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def two_zones(now, ahead):
    """A zone whose clock now reads between 01:00 and 21:00 (the node's: lea's digest time
    is `ahead` seconds from now in it), and one whose clock is past that time of day
    (sam's: his digest of today is already due, missed while the nodes were down)."""
    for first in ZONES:
        local = now.astimezone(ZoneInfo(first))
        if not 3600 <= seconds_of_day(local) <= 21 * 3600:
            continue
        digest = seconds_of_day(local) + ahead
        for second in ZONES:
            if seconds_of_day(now.astimezone(ZoneInfo(second))) > digest + 600:
                return first, second
    pytest.skip("no pair of zones fits this moment")


def day_number(now, zone):
    return now.astimezone(ZoneInfo(zone)).strftime("%Y%m%d")


def node_config(node, postgres, zone, mail="", store='delivery_lease = "PT2M"\n'):
    """A team node in `zone`; `mail`: its [desktop] and [mail] sections (none by default)."""
    sections = mail or "[desktop]\nenabled = false\n"
    node.config.write_text(f'[store]\nurl = "{postgres.url}"\nnode = "{node.root.name}"\n{store}'
                           f'[user]\ntime_zone = "{zone}"\n{sections}'
                           + TEAM_USERS + f"kim = {KIM}\n")
    node.env["NO_COLOR"] = "1"


def test_each_user_gets_one_digest_at_their_time_with_their_items_and_the_teams(postgres, nodes, smtp, workdir):
    if os.getuid() != 0:
        pytest.skip("running relancectl as other uids needs root (setpriv)")
    for folder in [workdir, *(node.root for node in nodes)]:
        os.chmod(folder, 0o711)
    first, second = nodes[:2]
    ahead = 40
    now = datetime.now(timezone.utc)
    node_zone, sams_zone = two_zones(now, ahead)

    # The day's reminders fire on nodes without mail: they wait in the shared inbox.
    for node in (first, second):
        node_config(node, postgres, node_zone)
        node.start()
    as_user(first, LEA, "me", "--mail", "Lea Martin <lea@example.org>")
    as_user(second, SAM, "me", "--mail", "sam@example.org")
    as_user(second, SAM, "me", "--zone", sams_zone)
    due = first.format_instant(time.time() + 1)
    as_user(first, LEA, "remind", due, "Lea's call")
    as_user(second, SAM, "remind", due, "Sam's call")
    as_user(first, KIM, "remind", due, "Kim's call")
    first.ctl("remind", due, "The team's call")
    first.wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "4", timeout=30,
                     what="four items in the shared inbox")
    for node in (first, second):
        node.stop()

    # Both nodes come back sending digests at a time of day `ahead` seconds from now in the
    # node's zone (lea's); in sam's zone that time has passed today: his is sent at once.
    start = datetime.now(timezone.utc)
    digest_time = (start.astimezone(ZoneInfo(node_zone)) + timedelta(seconds=ahead)).strftime("%H:%M:%S")
    for node in (first, second):
        node_config(node, postgres, node_zone,
                    mail_config(node, smtp.port, smtp.cert,
                                extra=f'timeout = "PT60S"\nmode = "digest"\ndigest_time = "{digest_time}"'))
        node.start()
    sams = wait_for(smtp.messages, 30, "sam's digest, missed while the nodes were down")
    # lea's is not due yet: her node's timer is armed for it.
    assert [mail["rcpt_tos"] for mail in sams] == [["sam@example.org"]], sams
    mails = wait_for(lambda: len(smtp.messages()) >= 2 and smtp.messages(), ahead + 30, "lea's digest at her time")
    time.sleep(2)  # the other node's timer went off too; it may not send a second
    mails = smtp.messages()
    assert len(mails) == 2, [mail["rcpt_tos"] for mail in mails]
    by_rcpt = {tuple(mail["rcpt_tos"]): mail for mail in mails}
    assert set(by_rcpt) == {("lea@example.org",), ("sam@example.org",)}
    leas, sams = by_rcpt[("lea@example.org",)], by_rcpt[("sam@example.org",)]
    assert leas["headers"]["To"] == "Lea Martin <lea@example.org>"
    for mail, own, others in [(leas, "Lea's call", ["Sam's call", "Kim's call"]),
                              (sams, "Sam's call", ["Lea's call", "Kim's call"])]:
        assert mail["headers"]["Subject"] == "Relance: 2 reminders waiting"
        body = mail["body"]
        assert "Your reminders:" in body and own in body and "The team's call" in body, body
        assert not any(other in body for other in others), body
    # One Message-ID per user and day.
    assert leas["headers"]["Message-ID"] != sams["headers"]["Message-ID"]
    for mail, user in [(leas, "lea"), (sams, "sam")]:
        assert re.fullmatch(rf"<relance\.[0-9a-f]{{16}}\.digest-\d{{8}}\.{user}\.mail@[^>]+>", mail["headers"]["Message-ID"]), \
            mail["headers"]["Message-ID"]
    # Each on the day of their own zone, sent by one node; kim has none.
    assert postgres.sql("SELECT user_name, day, state, items FROM digest ORDER BY user_name").split("\n") == [
        f"lea|{day_number(start + timedelta(seconds=ahead), node_zone)}|sent|2",
        f"sam|{day_number(start, sams_zone)}|sent|2"]
    assert set(postgres.sql("SELECT sent_by FROM digest").split("\n")) <= {"n0", "n1"}
    # lea's and sam's own mail jobs went out in their digests (digest mode mails no item alone).
    assert postgres.sql("SELECT count(*) FROM outbox WHERE state = 'pending'") == "0"
    leas_item = [item for item in as_user(first, LEA, "inbox", "--json").json()["items"] if item["text"] == "Lea's call"][0]
    assert [(d["channel"], d["state"], d["digest"]) for d in leas_item["deliveries"]] == [("mail", "sent", True)]
    assert "(digest)" in as_user(second, LEA, "inbox").stdout

    # Once a day: nodes restarted the same day send nothing more.
    for node in (first, second):
        node.restart()
    time.sleep(2)
    assert len(smtp.messages()) == 2


def test_a_digest_whose_node_died_mid_send_is_sent_by_another_once_its_claim_runs_out(postgres, nodes, smtp, workdir,
                                                                                     tmp_path):
    """At least once across a crash, as the outbox: n0 claims lea's digest and dies (kill -9)
    while its SMTP server says nothing; n1 takes the digest over once n0's claim has run out
    and sends it, once."""
    if os.getuid() != 0:
        pytest.skip("running relancectl as other uids needs root (setpriv)")
    for folder in [workdir, *(node.root for node in nodes)]:
        os.chmod(folder, 0o711)
    first, second = nodes[:2]
    node_config(first, postgres, "Europe/Paris")
    first.start()
    as_user(first, LEA, "me", "--mail", "lea@example.org")
    first.ctl("remind", first.format_instant(time.time() + 1), "The team's call")
    first.wait_until(lambda: postgres.sql("SELECT count(*) FROM inbox_item") == "1", timeout=30, what="the team's item")
    first.stop()

    # Today's digest (00:00) is due: n0 claims it and hangs on a server that never answers.
    lease, digest = 'delivery_lease = "PT12S"\n', 'timeout = "PT10S"\nmode = "digest"\ndigest_time = "00:00"'
    stall = SMTPServer(tmp_path / "stall", mode="stall")
    try:
        node_config(first, postgres, "Europe/Paris", mail_config(first, stall.port, stall.cert, extra=digest), store=lease)
        first.start()
        first.wait_until(lambda: postgres.sql("SELECT coalesce(claimed_by, '-') FROM digest") == "n0", timeout=30,
                         what="n0's claim on lea's digest")
        first.kill()
    finally:
        stall.stop()
    assert postgres.sql("SELECT state, claims FROM digest") == "pending|1"

    # n1 finds it held, arms its timer for the claim's end, then takes it over.
    node_config(second, postgres, "Europe/Paris", mail_config(second, smtp.port, smtp.cert, extra=digest), store=lease)
    second.start()
    mails = wait_for(smtp.messages, 60, "lea's digest, from n1")
    assert [mail["rcpt_tos"] for mail in mails] == [["lea@example.org"]]
    assert "The team's call" in mails[0]["body"]
    assert postgres.sql("SELECT state, claims, sent_by FROM digest") == "sent|2|n1"
    second.restart()
    time.sleep(1)
    assert len(smtp.messages()) == 1
