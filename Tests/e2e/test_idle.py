"""An idle daemon sleeps: nothing due, nothing to deliver, no wake-ups at all.

"No polling" is checked where it shows: the context switches of every relanced thread
while it is idle, after it has served calls and fired a reminder. A periodic timer
anywhere (a poll, a heartbeat, libdispatch's 1 Hz worker-pool monitor, which Task.sleep
or a concurrent queue starts on Linux) shows as one switch per period. Counts, not
durations: the assertion does not depend on how fast the machine is.
"""

import os
import time


def thread_switches(pid):
    """Voluntary plus involuntary context switches of each thread of `pid`."""
    switches = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except FileNotFoundError:
            continue  # the thread ended while we read
        switches[tid] = int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])
    return switches


def wake_ups(pid, seconds):
    before = thread_switches(pid)
    time.sleep(seconds)
    after = thread_switches(pid)
    # Threads alive throughout: a periodic timer needs a thread that stays. (Dispatch
    # worker threads end once, 5 s after their last work; that is not a period.)
    return {tid: after[tid] - count for tid, count in before.items() if tid in after and after[tid] != count}


def test_an_idle_daemon_makes_no_wake_ups(daemon):
    # Given a daemon without channels that served calls and fired a reminder
    daemon.config.write_text("[desktop]\nenabled = false\n")
    daemon.restart()
    daemon.call("AddContact", name="Grace Hopper", emails=["grace@example.com"])
    reminder = daemon.call("Remind", at=daemon.format_instant(time.time() + 1), text="Send the thank-you note")["reminder"]
    daemon.wait_until(lambda: any(item["reminderId"] == reminder["id"]
                                  for item in daemon.call("Inbox", filter="all", limit=10)["items"]),
                      timeout=30, what="the reminder in the inbox")
    # and has settled (the last connection closed): a quiet second, or 10 s at most
    for _ in range(10):
        if not wake_ups(daemon.pid, 1):
            break

    # When nothing is due for a while
    woken = wake_ups(daemon.pid, 6)

    # Then no thread woke up (a 1 Hz timer would show 6 times)
    assert woken == {}, f"threads woke while idle (tid: switches): {woken}"
