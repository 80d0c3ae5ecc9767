"""A full disk at start (issue #14): the daemon starts all the same, serves reads, keeps
the reminders that came due pending and retries with back-off, and fires them once,
marked late, when space returns. Run on a small tmpfs in a private mount namespace
(root, as in CI)."""
import os
import subprocess
import time

import pytest

from conftest import format_instant


@pytest.mark.personal_only("a full disk under the SQLite store: SQLite store only")
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root for a private mount namespace (CI runs as root)")
def test_a_full_disk_at_start_keeps_due_reminders_pending_and_fires_them_when_space_returns(stopped_daemon, tmp_path):
    holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sleep", "600"])
    daemon = stopped_daemon
    try:
        time.sleep(0.2)
        ns = ["nsenter", "-t", str(holder.pid), "-m", "--"]
        small = tmp_path / "small"
        small.mkdir()
        subprocess.run([*ns, "mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(small)], check=True)
        daemon.database = small / "db.sqlite"
        daemon.config.write_text("[desktop]\nenabled = false\n")

        # Given a reminder due in a moment, and the daemon stopped before it
        daemon.start(prefix=ns)
        reminder = daemon.call("Remind", at=format_instant(time.time() + 1.5), text="Call the bakery")["reminder"]
        daemon.stop()
        # and the disk full when it comes back
        subprocess.run([*ns, "sh", "-c", f"dd if=/dev/zero of={small}/fill bs=16k 2>/dev/null; true"], check=True)
        time.sleep(max(0, daemon.parse_instant(reminder["dueAt"]) - time.time()) + 0.2)

        # When it starts, Then it serves, with the reminder still pending, nothing fired
        daemon.start(prefix=ns)
        assert daemon.call("Status")["pendingReminders"] == 1
        assert daemon.call("Inbox", filter="all")["items"] == []

        # When space returns, Then the reminder fires once, late
        subprocess.run([*ns, "rm", f"{small}/fill"], check=True)
        items = daemon.wait_until(lambda: daemon.call("Inbox", filter="all")["items"], timeout=60,
                                  what="the reminder fired once space returned")
        assert [i["reminderId"] for i in items] == [reminder["id"]]
        assert items[0]["late"] is True
        # (and it did meet the full disk: the journal says so)
        assert "could not record fired reminders" in daemon.logs[-1].read_text()
    finally:
        if daemon.running():
            daemon.stop()
        holder.kill()
        holder.wait()
