#!/usr/bin/env python3
"""Creating reminders one process at a time: relancectl against its peers (issue #15).

Run by `scripts/bench --peers` inside Tests/harness/in-mount-namespace (root): a release
relanced on a temporary socket, `at` (Debian's at/atd: each job is a file in the spool,
atd is signalled), and `systemd-run --user --on-active=…` transient timers in a private
`systemd --user` manager (Tests/harness/systemd_sandbox.py). Each tool creates the same
N reminders, due in a day, one whole process each; the script prints each tool's p50 and
p90 wall time per process and reminders per second, and the ratios to relancectl.

Then `--due` (1 000) reminders due at one instant through each (relanced: one RemindMany;
at: `at -t` jobs, minute resolution; systemd: `--on-calendar` timers with AccuracySec=1ms,
each job touching a file): seconds from the instant until all are done; and, while all of
them are pending, each daemon's idle wake-ups (context switches of its threads).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Tests/harness"))
from systemd_sandbox import SystemdSandbox  # noqa: E402


def timed(runs: list[list[str]], env: dict[str, str] | None = None, stdin: bytes | None = None) -> list[float]:
    """Wall time in ms of each command, run one after the other; any failure stops the bench."""
    times = []
    for args in runs:
        started = time.perf_counter()
        result = subprocess.run(args, env=env, input=stdin, capture_output=True)
        elapsed = (time.perf_counter() - started) * 1000
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(args)} exited {result.returncode}: {result.stderr.decode(errors='replace')}")
        times.append(elapsed)
    return times


def summary(label: str, times: list[float], reference: float | None) -> str:
    ordered = sorted(times)
    p50 = statistics.median(ordered)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    rate = len(times) / (sum(times) / 1000)
    ratio = f"{p50 / reference:5.2f}×" if reference else "   1×"
    return f"  {label:<40} p50 {p50:7.1f} ms   p90 {p90:7.1f} ms   {rate:7.1f} / s   {ratio} relancectl's p50"


def varlink(socket: Path, method: str, parameters: dict) -> dict:
    """One call on a fresh connection; its reply's parameters."""
    import json
    import socket as sockets
    with sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM) as connection:
        connection.connect(str(socket))
        connection.sendall(json.dumps({"method": f"io.relance.Control.{method}", "parameters": parameters}).encode() + b"\0")
        data = b""
        while not data.endswith(b"\0"):
            chunk = connection.recv(1 << 16)
            if not chunk:
                break
            data += chunk
    reply = json.loads(data.rstrip(b"\0"))
    if "error" in reply:
        raise SystemExit(f"{method}: {reply}")
    return reply.get("parameters", {})


def wake_ups(processes: dict[str, int], seconds: float) -> dict[str, int]:
    """Voluntary + involuntary context switches of every thread of each process over
    the same `seconds` (a thread that ended in between counts once)."""
    def switches(pid: int) -> dict[str, int]:
        counts = {}
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                text = Path(f"/proc/{pid}/task/{task}/status").read_text()
            except OSError:
                continue
            counts[task] = sum(int(line.split(":")[1]) for line in text.splitlines()
                               if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")))
        return counts
    before = {name: switches(pid) for name, pid in processes.items()}
    time.sleep(seconds)
    result = {}
    for name, pid in processes.items():
        after = switches(pid)
        result[name] = (sum(value - before[name].get(key, 0) for key, value in after.items())
                        + sum(1 for key in before[name] if key not in after))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", required=True, help="where the release relanced and relancectl are")
    parser.add_argument("--count", type=int, default=100, help="reminders per tool (default 100)")
    parser.add_argument("--due", type=int, default=1000, help="reminders due at one instant (default 1000)")
    parser.add_argument("--idle-seconds", type=float, default=30, help="idle wake-ups counted over (default 30)")
    options = parser.parse_args()
    bin_dir = Path(options.bin_dir)
    for tool in ("at", "atd", "atrm", "systemd-run"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed: run scripts/install-deps bench")

    temp = Path(tempfile.mkdtemp(prefix="relance-peers-"))
    daemon = atd = None
    at_jobs: list[str] = []
    try:
        # relanced, as scripts/bench runs it (WAL file, synchronous=NORMAL, no channel).
        socket = temp / "peers.sock"
        (temp / "peers.toml").write_text("[desktop]\nenabled = false\n")
        daemon = subprocess.Popen([str(bin_dir / "relanced"), "--database", str(temp / "peers.sqlite"),
                                   "--socket", str(socket), "--config", str(temp / "peers.toml"),
                                   "--log-level", "error"])
        for _ in range(500):
            if socket.exists():
                break
            time.sleep(0.01)
        ctl = str(bin_dir / "relancectl")
        n = options.count
        warm = [[ctl, "remind", "tomorrow 9:30", f"warm {i}", "--socket", str(socket)] for i in range(5)]
        timed(warm)
        relance = timed([[ctl, "remind", "tomorrow 9:30", f"peers {i}", "--socket", str(socket)] for i in range(n)])

        # at: atd in the foreground, ours, stopped by PID; the jobs we queued are removed.
        atd = subprocess.Popen(["atd", "-f"])
        before = set(subprocess.run(["atq"], capture_output=True, text=True).stdout.split("\n"))
        at = timed([["at", "-M", "now + 1 day"] for _ in range(n)], stdin=b"true\n")
        at_created = at_jobs = [line.split()[0] for line in subprocess.run(["atq"], capture_output=True, text=True).stdout.split("\n")
                   if line and line not in before]

        # `--due` due at one instant: at fires on minute boundaries, so the instant is the
        # next minute at least 25 s away; each job touches a file; relanced commits its
        # inbox items (no channel). Seconds from the instant until all are done.
        due = options.due
        instant = (int(time.time()) // 60 + 1) * 60
        while instant - time.time() < 75:  # room to create them all through the three
            instant += 60
        stamp = time.strftime("%Y%m%d%H%M", time.localtime(instant))
        fired_dir = temp / "fired"
        fired_dir.mkdir()
        instant_iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(instant))
        varlink(socket, "RemindMany", {"reminders": [{"at": instant_iso, "text": f"due {i}"} for i in range(due)]})
        before = set(subprocess.run(["atq"], capture_output=True, text=True).stdout.split("\n"))
        for i in range(due):
            subprocess.run(["at", "-M", "-t", stamp], input=f"touch {fired_dir}/at{i}\n".encode(), capture_output=True, check=True)
        at_jobs = at_jobs + [line.split()[0] for line in subprocess.run(["atq"], capture_output=True, text=True).stdout.split("\n")
                    if line and line not in before]

        # systemd-run: transient timers in a private user manager.
        with SystemdSandbox() as sandbox:
            env = sandbox.env
            timed([["systemd-run", "--user", "--quiet", "--on-active=1d", f"--unit=warm{i}", "true"] for i in range(5)], env=env)
            systemd = timed([["systemd-run", "--user", "--quiet", "--on-active=1d", f"--unit=peers{i}", "true"]
                             for i in range(n)], env=env)
            timers = sum(1 for line in sandbox.systemctl("list-timers", "--all", "--no-legend").stdout.splitlines()
                         if "peers" in line)
            calendar = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(instant))
            for i in range(due):
                sandbox.run(["systemd-run", "--user", "--quiet", f"--on-calendar={calendar}", "--timer-property=AccuracySec=1ms",
                             f"--unit=due{i}", "touch", str(fired_dir / f"sd{i}")])
            if time.time() > instant - 2:
                raise SystemExit("creating the due reminders took past their instant; lower --due")

            # Idle wake-ups before the instant, everything pending (at least 2 s before it).
            time.sleep(min(5, max(0, instant - time.time() - 3)))  # the manager settles after 1 000 new units
            idle = min(options.idle_seconds, instant - time.time() - 2)
            idle_counts = wake_ups({"relanced": daemon.pid, "atd": atd.pid, "systemd --user": sandbox._manager.pid}, idle)

            def count(prefix: str) -> int:
                return sum(1 for name in os.listdir(fired_dir) if name.startswith(prefix))
            # All three polled in one loop (every 5 ms), so none waits behind another.
            done: dict[str, float] = {}
            # relanced still holds the 105 created "tomorrow 9:30" above.
            checks = {"relanced": lambda: varlink(socket, "Status", {}).get("pendingReminders") == n + 5,
                      "systemd": lambda: count("sd") >= due, "at": lambda: count("at") >= due}
            while len(done) < len(checks) and time.time() < instant + 120:
                for name, check in checks.items():
                    if name not in done and check():
                        done[name] = time.time()
                time.sleep(0.005)
            done_relanced, done_systemd, done_at = done.get("relanced"), done.get("systemd"), done.get("at")

        reference = statistics.median(sorted(relance))
        print(f"\ncreating {n} reminders due in a day, one whole process each ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}):")
        print(summary("relancectl remind \"tomorrow 9:30\" …", relance, None))
        print(summary("at now + 1 day (atd)", at, reference) + f"   [{len(at_created)} jobs queued]")
        print(summary("systemd-run --user --on-active=1d", systemd, reference) + f"   [{timers} timers listed]")

        def after(done: float | None) -> str:
            return f"{done - instant:7.2f} s" if done else "  not all within 120 s"
        print(f"\n{due} due at one instant ({instant_iso}) → all done (relanced: inbox items committed; peers: each job's process ran):")
        print(f"  relanced                                 {after(done_relanced)}")
        print(f"  systemd --user timers (AccuracySec=1ms)  {after(done_systemd)}")
        print(f"  atd (minute resolution)                  {after(done_at)}")
        print(f"\nidle wake-ups over {idle:.0f} s with everything pending (context switches of all threads):")
        for name, value in idle_counts.items():
            print(f"  {name:<40} {value:5d}  ({value * 60 / idle:.1f} per minute)")
    finally:
        if at_jobs:
            subprocess.run(["atrm", *at_jobs], capture_output=True)
        for process in (atd, daemon):
            if process and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
