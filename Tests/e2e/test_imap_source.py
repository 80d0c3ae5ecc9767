"""relanced reading an IMAP account itself (issue #13, the IMAP source): a real Dovecot on
loopback (implicit TLS, a throwaway certificate trusted through imap_ca_file), the real
relanced connected with IDLE, messages APPENDed over IMAP by the test. Every wait polls
what relanced recorded, with a generous deadline; nothing asserts elapsed time.

Without dovecot or openssl these tests skip, saying so; under CI (CI=true) that is a
failure instead, since scripts/install-deps installs them.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Tests" / "harness"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mail_servers import Dovecot, program  # noqa: E402
from test_idle import wake_ups  # noqa: E402
from test_mail_sync import contact_with_outreach, message  # noqa: E402

#: Seconds to wait for relanced to show what an APPENDed message did, or to (re)connect:
#: generous for a loaded machine (a reconnection may wait out a back-off step); every
#: wait returns as soon as the answer is there. The IDLE renewal is 28 minutes, so a
#: message seen within this deadline was pushed by IDLE, not found by a re-check.
NOTICE_TIMEOUT = 60


# -- fixtures --------------------------------------------------------------------------


def running_dovecot(**options):
    """A Dovecot in its own temporary directory (not the daemon's: its unprivileged
    processes must reach it), or a skip (a failure under CI) when it is not installed."""
    missing = [name for name in ("dovecot", "doveadm", "openssl") if program(name) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed (scripts/install-deps test installs dovecot-imapd, openssl)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI that is a failure", pytrace=False)
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="relance-imap-"))
    with Dovecot(root, **options) as server:
        yield server
    if os.environ.get("RELANCE_E2E_KEEP") != "1":
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dovecot():
    yield from running_dovecot()


def configure(daemon, dovecot, password=Dovecot.PASSWORD, ca_file=True, url=None, extra=""):
    """[mail_watch] for the Dovecot account: INBOX and Sent, the password in a file."""
    secret = daemon.root / "imap-password"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    ca = f'imap_ca_file = "{dovecot.cert}"\n' if ca_file else ""
    url = url or f"imaps://{Dovecot.USER}@127.0.0.1:{dovecot.port}"
    daemon.config.write_text(f'[mail_watch]\nimap_url = "{url}"\n'
                             f'imap_password_file = "{secret}"\nimap_sent = "Sent"\n{ca}{extra}'
                             '[desktop]\nenabled = false\n')
    return secret


@pytest.fixture
def relanced(stopped_daemon, dovecot):
    """relanced reading the Dovecot account's INBOX and Sent, both in IDLE."""
    configure(stopped_daemon, dovecot)
    stopped_daemon.start()
    wait_watching(stopped_daemon)
    return stopped_daemon


# -- helpers ---------------------------------------------------------------------------


def sources(daemon):
    return daemon.call("Status").get("mailSources") or []


def wait_watching(daemon, count=2):
    """Waits until every folder is connected and idling; returns the sources."""
    return daemon.wait_until(lambda: (found := sources(daemon)) and len(found) == count
                             and all(s["state"] == "watching" for s in found) and found,
                             timeout=NOTICE_TIMEOUT, what="every IMAP folder watching")


def outreach_now(daemon, outreach):
    return next(o for o in daemon.call("ListOutreach")["outreach"] if o["id"] == outreach["id"])


def inbox_texts(daemon):
    return [item["text"] for item in daemon.ctl("inbox", "--all", "--json").json()["items"]]


def wait_replied(daemon, outreach):
    daemon.wait_until(lambda: outreach_now(daemon, outreach)["status"] == "replied", timeout=NOTICE_TIMEOUT,
                      what=f"outreach #{outreach['id']} marked replied from IMAP")


def read_again_count(daemon):
    """How often relanced handed over a message it had already recorded: the store
    answers "read before", which the daemon logs. Reading nothing twice means none."""
    return daemon.stderr().count("This message was read before")


# -- tests -----------------------------------------------------------------------------


def test_a_reply_appended_to_dovecot_is_pushed_by_idle_and_ends_the_nudges(dovecot, relanced):
    # Given an outreach to Ada, and relanced idling on INBOX and Sent
    ada = contact_with_outreach(relanced, "Ada Lovelace", "ada@example.com")
    assert all(s["detail"] == "IDLE" for s in sources(relanced))

    # When her reply is delivered to the IMAP server
    dovecot.append("INBOX", message('"Ada L." <ada@example.com>', "sam@example.com", "Re: coffee?", "imap-reply-1@example.com"))

    # Then the outreach is replied, with one inbox item, and the body is not stored
    wait_replied(relanced, ada)
    relanced.wait_until(lambda: inbox_texts(relanced) == ["Ada Lovelace replied — Re: coffee?"], timeout=NOTICE_TIMEOUT,
                        what="one inbox item for the reply")
    stored = relanced.stored_text()
    assert "Ada Lovelace" in stored and "body never stored" not in stored
    # and `relancectl status` shows both folders watched
    status = relanced.ctl("status").stdout
    assert f"imaps://sam@127.0.0.1:{dovecot.port} INBOX: watching — IDLE" in status
    assert f"imaps://sam@127.0.0.1:{dovecot.port} Sent: watching — IDLE" in status


def test_a_mail_in_the_sent_folder_is_logged_as_a_follow_up(dovecot, relanced):
    # Given an outreach to Grace
    grace = contact_with_outreach(relanced, "Grace Hopper", "grace@example.com")
    before = outreach_now(relanced, grace)["followUpsSent"]

    # When your follow-up lands in Sent (as your mail client saves it)
    dovecot.append("Sent", message("sam@example.com", "Grace Hopper <grace@example.com>", "Re: coffee?",
                                   "imap-sent-1@example.com"), flags="(\\Seen)")

    # Then it is logged as a follow-up
    relanced.wait_until(lambda: outreach_now(relanced, grace)["followUpsSent"] == before + 1, timeout=NOTICE_TIMEOUT,
                        what="the follow-up read from Sent")


def test_messages_are_read_once_across_a_restart_of_relanced(dovecot, relanced):
    # Given a reply read while relanced ran
    ada = contact_with_outreach(relanced, "Ada Lovelace", "ada@example.com")
    grace = contact_with_outreach(relanced, "Grace Hopper", "grace@example.com")
    dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Re: coffee?", "imap-once-1@example.com"))
    wait_replied(relanced, ada)

    # When relanced stops, a reply arrives meanwhile, and it starts again
    relanced.stop()
    dovecot.append("INBOX", message("grace@example.com", "sam@example.com", "Re: tea?", "imap-once-2@example.com"))
    relanced.start()

    # Then the reply that came meanwhile is read, and nothing is read twice
    wait_replied(relanced, grace)
    wait_watching(relanced)
    relanced.restart()
    wait_watching(relanced)
    texts = inbox_texts(relanced)
    assert sorted(texts) == ["Ada Lovelace replied — Re: coffee?", "Grace Hopper replied — Re: tea?"]
    assert read_again_count(relanced) == 0, relanced.stderr()


def test_the_first_start_reads_from_now_on_not_the_folders_history(dovecot, stopped_daemon):
    # Given an old message from Ada already in the INBOX before relanced ever watched it
    dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Old thread", "imap-history-1@example.com"))
    configure(stopped_daemon, dovecot)
    stopped_daemon.start()
    ada = contact_with_outreach(stopped_daemon, "Ada Lovelace", "ada@example.com")
    wait_watching(stopped_daemon)

    # When a new reply arrives
    dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Re: coffee?", "imap-history-2@example.com"))

    # Then only the new one is read
    wait_replied(stopped_daemon, ada)
    assert inbox_texts(stopped_daemon) == ["Ada Lovelace replied — Re: coffee?"]


def test_a_renumbered_folder_is_read_again_and_changes_nothing_twice(dovecot, relanced):
    # Given a reply read under the folder's first numbering
    ada = contact_with_outreach(relanced, "Ada Lovelace", "ada@example.com")
    grace = contact_with_outreach(relanced, "Grace Hopper", "grace@example.com")
    dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Re: coffee?", "imap-renumber-1@example.com"))
    wait_replied(relanced, ada)

    # When the server renumbers INBOX (a new UIDVALIDITY) while relanced is down
    relanced.stop()
    dovecot.renumber("INBOX", 4242)
    relanced.start()

    # Then relanced reads the folder again, and the reply it had read changes nothing
    relanced.wait_until(lambda: read_again_count(relanced) >= 1, timeout=NOTICE_TIMEOUT,
                        what="the reply read again under the new numbering")
    assert "was renumbered (UIDVALIDITY" in relanced.stderr()
    wait_watching(relanced)
    assert inbox_texts(relanced) == ["Ada Lovelace replied — Re: coffee?"]
    # and a new message under the new numbering is read
    dovecot.append("INBOX", message("grace@example.com", "sam@example.com", "Re: tea?", "imap-renumber-2@example.com"))
    wait_replied(relanced, grace)


def test_relanced_survives_a_dovecot_restart_and_catches_up(dovecot, relanced):
    # Given relanced idling
    ada = contact_with_outreach(relanced, "Ada Lovelace", "ada@example.com")

    # When the server stops (relanced sees it fail), then starts again
    dovecot.stop()
    relanced.wait_until(lambda: any(s["state"] == "failing" for s in sources(relanced)), timeout=NOTICE_TIMEOUT,
                        what="a source failing while Dovecot is down")
    # and retries in vain at least once (a connection that never opened is closed too:
    # libetpan's LOGOUT on it dereferenced a null stream and ended the process)
    relanced.wait_until(lambda: "next attempt in 2 s" in relanced.stderr(), timeout=NOTICE_TIMEOUT,
                        what="a second attempt failing while Dovecot is down")
    assert relanced.running()
    dovecot.start()
    dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Re: coffee?", "imap-restart-1@example.com"))

    # Then relanced reconnects and reads the reply (by catching up, or pushed by IDLE)
    wait_replied(relanced, ada)
    wait_watching(relanced)
    assert relanced.running()


def test_a_connection_dropped_mid_idle_reconnects_and_catches_up(dovecot, relanced):
    # Given relanced idling on both folders
    ada = contact_with_outreach(relanced, "Ada Lovelace", "ada@example.com")
    assert len(dovecot.imap_sessions()) >= 2

    # When the server's session processes die mid-IDLE and a reply arrives
    assert dovecot.drop_sessions() >= 2
    dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Re: coffee?", "imap-drop-1@example.com"))

    # Then relanced reconnects and reads it, once
    wait_replied(relanced, ada)
    wait_watching(relanced)
    assert relanced.running()
    assert inbox_texts(relanced) == ["Ada Lovelace replied — Re: coffee?"]
    assert "next attempt in" in relanced.stderr()  # the failure was logged, with its retry


def test_a_wrong_password_shows_in_status_is_retried_and_does_not_crash(dovecot, stopped_daemon):
    # Given a wrong password in the password file
    secret = configure(stopped_daemon, dovecot, password="not-the-password")
    stopped_daemon.start()

    # Then status says the login was refused, with the next attempt, and relanced runs on
    failing = stopped_daemon.wait_until(
        lambda: (found := sources(stopped_daemon)) and all(s["state"] == "failing" for s in found) and found,
        timeout=NOTICE_TIMEOUT, what="the sources failing on the wrong password")
    assert all("login refused" in s["detail"] and s["nextAttemptAt"] for s in failing), failing
    assert "login refused" in stopped_daemon.ctl("status").stdout
    assert "login refused" in stopped_daemon.stderr()
    assert stopped_daemon.running()

    # When the password is corrected, the next attempt (back-off, no restart) logs in
    secret.write_text(Dovecot.PASSWORD + "\n")
    wait_watching(stopped_daemon)
    assert stopped_daemon.running()


def test_an_untrusted_certificate_is_refused_before_logging_in(dovecot, stopped_daemon):
    # Given no imap_ca_file: the throwaway certificate is not one the system trusts
    configure(stopped_daemon, dovecot, ca_file=False)
    stopped_daemon.start()

    # Then the sources fail on TLS, saying why, and the password was never sent
    failing = stopped_daemon.wait_until(
        lambda: (found := sources(stopped_daemon)) and all(s["state"] == "failing" for s in found) and found,
        timeout=NOTICE_TIMEOUT, what="the sources failing on the certificate")
    assert all(s["detail"].startswith("TLS:") and "not trusted" in s["detail"] for s in failing), failing
    log = Path(dovecot.log_path).read_text(errors="replace")
    assert "Login: user=<sam>" not in log


def test_a_daemon_idling_on_imap_makes_no_wake_ups(stopped_daemon):
    # Given relanced connected and in IDLE on two folders, each on a thread of its own
    # (not an event loop, not the Dispatch pool), settled. Dovecot's own keep-alive to
    # idling clients ("* OK Still here", every 2 minutes at a moment aligned per user, so
    # possibly within seconds) is put off: it would wake the session threads, and it is
    # the server's wake-up, not relanced's (test_keep_alives_during_idle_… covers it).
    for dovecot in running_dovecot(still_here="29 mins"):
        configure(stopped_daemon, dovecot)
        stopped_daemon.start()
        wait_watching(stopped_daemon)
        assert_no_wake_ups(stopped_daemon)


def assert_no_wake_ups(relanced):
    threads = {Path(f"/proc/{relanced.pid}/task/{tid}/comm").read_text().strip()
               for tid in os.listdir(f"/proc/{relanced.pid}/task")}
    assert {"imap INBOX", "imap Sent"} <= threads, threads
    for _ in range(10):
        if not wake_ups(relanced.pid, 1):
            break

    # When nothing arrives for a while
    woken = wake_ups(relanced.pid, 6)

    # Then no thread woke up (the IDLE renewal is 28 minutes away)
    assert woken == {}, f"threads woke while idling on IMAP (tid name: switches): {named(relanced.pid, woken)}"


def named(pid, switches):
    """`switches` keyed by "tid (thread name)", for a failure message."""
    def name(tid):
        try:
            return Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
        except OSError:
            return "?"
    return {f"{tid} ({name(tid)})": count for tid, count in switches.items()}


def test_starttls_on_the_plain_port_is_required_and_works(stopped_daemon):
    # Given a Dovecot that takes plain IMAP connections only to upgrade them (STARTTLS)
    for dovecot in running_dovecot(starttls=True):
        configure(stopped_daemon, dovecot, url=f"imap://{Dovecot.USER}@127.0.0.1:{dovecot.starttls_port}")
        stopped_daemon.start()
        ada = contact_with_outreach(stopped_daemon, "Ada Lovelace", "ada@example.com")
        wait_watching(stopped_daemon)

        # When a reply arrives
        dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Re: coffee?", "imap-starttls-1@example.com"))

        # Then it is read over the upgraded connection
        wait_replied(stopped_daemon, ada)
        assert "TLS" in Path(dovecot.log_path).read_text(errors="replace").split("Login: user=<sam>")[1].split("\n")[0]


def test_a_server_without_idle_is_checked_at_the_configured_interval(stopped_daemon):
    # Given a Dovecot that does not announce IDLE, and a re-check every 60 s (the least)
    for dovecot in running_dovecot(idle=False):
        configure(stopped_daemon, dovecot, extra="imap_recheck_seconds = 60\n")
        stopped_daemon.start()
        ada = contact_with_outreach(stopped_daemon, "Ada Lovelace", "ada@example.com")
        found = wait_watching(stopped_daemon)
        assert all(s["detail"] == "checked every 60 s (the server has no IDLE)" for s in found), found

        # When a reply arrives
        dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Re: coffee?", "imap-noidle-1@example.com"))

        # Then the next check reads it (within the interval, plus slack for a loaded machine)
        stopped_daemon.wait_until(lambda: outreach_now(stopped_daemon, ada)["status"] == "replied", timeout=60 + NOTICE_TIMEOUT,
                                  what="the reply found by a re-check")


def test_keep_alives_during_idle_are_passed_over_and_replies_still_read(stopped_daemon):
    # Given a Dovecot that says "* OK Still here" to idling clients every second
    for dovecot in running_dovecot(still_here="1 secs"):
        configure(stopped_daemon, dovecot)
        stopped_daemon.start()
        ada = contact_with_outreach(stopped_daemon, "Ada Lovelace", "ada@example.com")
        wait_watching(stopped_daemon)

        # When keep-alives come for a while, then a reply
        time.sleep(3)  # lets keep-alives arrive; nothing is asserted about time
        dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Re: coffee?", "imap-keepalive-1@example.com"))

        # Then the keep-alives were read and passed over (the session never broke: no
        # failure logged) and the reply is read
        wait_replied(stopped_daemon, ada)
        assert "next attempt in" not in stopped_daemon.stderr(), stopped_daemon.stderr()
        assert stopped_daemon.running()
        assert all(s["state"] == "watching" for s in sources(stopped_daemon))


def relanced_connections(daemon, port):
    """`ss -tnop` lines of relanced's established TCP connections to `port`."""
    out = subprocess.run(["ss", "-tnopH", "state", "established", "dport", "=", f":{port}"],
                         capture_output=True, text=True, timeout=10).stdout
    return [line for line in out.splitlines() if f"pid={daemon.pid}," in line]


def test_each_imap_connection_has_tcp_keepalive_so_a_vanished_server_is_noticed(dovecot, relanced):
    # A server gone without a word (no FIN, no RST) is noticed by TCP keepalive (60 s
    # idle, 3 probes 10 s apart) rather than at the IDLE renewal 28 minutes later: the
    # production values, seen by the kernel on relanced's sockets, a keepalive timer of at
    # most 60 s on each (the system's default is 2 hours). The next test makes a server
    # vanish, with the values shortened.
    import re
    lines = relanced.wait_until(lambda: (found := relanced_connections(relanced, dovecot.port)) and len(found) >= 2 and found,
                                timeout=NOTICE_TIMEOUT, what="relanced's two IMAP connections in ss")
    for line in lines:
        timer = re.search(r"timer:\(keepalive,(?:(\d+)min)?(\d+(?:\.\d+)?)sec", line)
        assert timer, line
        assert int(timer.group(1) or 0) * 60 + float(timer.group(2)) <= 60, line


def test_stopping_while_the_server_does_not_answer_cuts_the_connection_and_exits(dovecot, relanced):
    # Given relanced idling, and a server that then stops answering (its session
    # processes frozen: the connection stays up, the DONE and LOGOUT of a clean stop would
    # wait out libetpan's 60 s network timeout)
    assert dovecot.freeze_sessions() >= 2
    try:
        # When relanced is asked to stop, it exits (0) within the generous bound, each
        # folder's thread ended by cutting its connection, none left behind
        relanced.stop(timeout=20)
    finally:
        dovecot.thaw_sessions()
    assert relanced.stderr().count("the server does not answer; closing the connection") == 2
    assert "left behind" not in relanced.stderr()


@pytest.fixture
def private_network():
    """This test's thread (and every process it starts: Dovecot, relanced) in a network
    namespace of its own, with its own loopback, so taking that loopback down drops
    packets for this test alone. Back to the machine's namespace at the end. Root only."""
    import ctypes
    if os.geteuid() != 0 or program("ip") is None:
        reason = "needs root and ip(8) (iproute2) for a private network namespace"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI that is a failure", pytrace=False)
        pytest.skip(reason)
    clone_newnet = 0x40000000
    libc = ctypes.CDLL(None, use_errno=True)
    original = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    if libc.unshare(clone_newnet) != 0:
        os.close(original)
        pytest.fail(f"unshare(CLONE_NEWNET): errno {ctypes.get_errno()}")
    try:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
        yield lambda state: subprocess.run(["ip", "link", "set", "lo", state], check=True, timeout=10)
    finally:
        libc.setns(original, clone_newnet)
        os.close(original)


def test_a_server_that_vanishes_without_a_word_is_noticed_by_keepalive_and_read_again(private_network, stopped_daemon):
    # Given relanced idling on a Dovecot reached over a loopback of this test's own, with
    # keepalive shortened (a debug build's test knob: 2 s idle, 2 probes 1 s apart)
    import contextlib
    with contextlib.contextmanager(running_dovecot)() as dovecot:
        configure(stopped_daemon, dovecot)
        stopped_daemon.env["RELANCE_TEST_IMAP_KEEPALIVE"] = "2,1,2"
        stopped_daemon.start()
        ada = contact_with_outreach(stopped_daemon, "Ada Lovelace", "ada@example.com")
        wait_watching(stopped_daemon)

        # When the network goes away under both ends without a FIN or an RST (nothing
        # reaches anyone any more; IDLE's own renewal is 28 minutes away)
        private_network("down")
        try:
            # Then relanced notices, the folders failing and retried
            stopped_daemon.wait_until(lambda: all(s["state"] != "watching" for s in sources(stopped_daemon)),
                                      timeout=NOTICE_TIMEOUT, what="the dead connections noticed")
        finally:
            private_network("up")
        # and once the network is back it reconnects and reads what came meanwhile
        dovecot.append("INBOX", message("ada@example.com", "sam@example.com", "Re: coffee?", "imap-vanish-1@example.com"))
        wait_replied(stopped_daemon, ada)
        wait_watching(stopped_daemon)
        stopped_daemon.stop()
