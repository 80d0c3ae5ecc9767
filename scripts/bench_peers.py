#!/usr/bin/env python3
"""Creating reminders one process at a time: relancectl against its peers (issue #15).

Run by `scripts/bench --peers` inside Tests/harness/in-mount-namespace (root): a release
relanced on a temporary socket, `at` (Debian's at/atd: each job is a file in the spool,
atd is signalled), and `systemd-run --user --on-active=…` transient timers in a private
`systemd --user` manager (Tests/harness/systemd_sandbox.py). Each tool creates the same
N reminders, due in a day, one whole process each; the script prints each tool's p50 and
p90 wall time per process and reminders per second, and the ratios to relancectl.

Only the creation workload is here. Firing 1 000 due at one instant and idle wake-ups
through the peers are not measured yet (see BENCHMARKS.md).
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", required=True, help="where the release relanced and relancectl are")
    parser.add_argument("--count", type=int, default=100, help="reminders per tool (default 100)")
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
        at_jobs = [line.split()[0] for line in subprocess.run(["atq"], capture_output=True, text=True).stdout.split("\n")
                   if line and line not in before]

        # systemd-run: transient timers in a private user manager.
        with SystemdSandbox() as sandbox:
            env = sandbox.env
            timed([["systemd-run", "--user", "--quiet", "--on-active=1d", f"--unit=warm{i}", "true"] for i in range(5)], env=env)
            systemd = timed([["systemd-run", "--user", "--quiet", "--on-active=1d", f"--unit=peers{i}", "true"]
                             for i in range(n)], env=env)
            timers = sum(1 for line in sandbox.systemctl("list-timers", "--all", "--no-legend").stdout.splitlines()
                         if "peers" in line)

        reference = statistics.median(sorted(relance))
        print(f"\ncreating {n} reminders due in a day, one whole process each ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}):")
        print(summary("relancectl remind \"tomorrow 9:30\" …", relance, None))
        print(summary("at now + 1 day (atd)", at, reference) + f"   [{len(at_jobs)} jobs queued]")
        print(summary("systemd-run --user --on-active=1d", systemd, reference) + f"   [{timers} timers listed]")
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
