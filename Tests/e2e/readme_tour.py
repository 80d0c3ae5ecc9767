"""The README's tour, replayed: every `$ relancectl …` line of the tour's console blocks
runs, top to bottom, against a fresh relanced whose clock starts at a fixed instant
(RELANCE_TEST_NOW, honoured by debug builds), and must print what the README shows.

    python3 Tests/e2e/readme_tour.py --write   # rewrite the README's outputs from a run

The test (test_readme_tour.py) fails when the README and the product drift apart.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
#: Friday 27 November 2026, 09:30 in Paris: the tour's "now".
START = "2026-11-27T08:30:00Z"
CONFIG = """[user]
time_zone = "Europe/Paris"
name = "Sam Taylor"

[desktop]
enabled = false
"""
#: Commands that only read: compared again until they match (a reminder that came due
#: is fired by the daemon a moment after the write that made it due).
READS = {"inbox", "upcoming", "status", "agenda"}


def tour_section(text):
    start = text.index("## A five-minute tour")
    end = text.index("\n## ", start + 1)
    return start, end


def blocks(section):
    """Each console block as a list of (command line, expected output lines)."""
    found = []
    for match in re.finditer(r"```console\n(.*?)```", section, re.S):
        steps = []
        for line in match.group(1).splitlines():
            if line.startswith("$ "):
                steps.append([line[2:], []])
            elif steps:
                steps[-1][1].append(line)
        for step in steps:
            while step[1] and not step[1][-1].strip():
                step[1].pop()
        found.append((match, steps))
    return found


def normalize(text):
    # Box-drawing rules on a terminal, dashes elsewhere: the same table.
    return [line.rstrip().replace("─", "-") for line in text.rstrip("\n").splitlines()]


class Tour:
    def __init__(self, bin_dir):
        self.bin_dir = Path(bin_dir)
        self.root = Path(tempfile.mkdtemp(prefix="relance-tour-"))
        (self.root / "config.toml").write_text(CONFIG)
        # The default places under a home of its own, shown as ~ in the outputs.
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.root), "LANG": "C.UTF-8",
                    "TZ": "Europe/Paris", "RELANCE_TEST_NOW": START, "NO_COLOR": "1",
                    "XDG_RUNTIME_DIR": str(self.root / "run")}
        (self.root / "run").mkdir(mode=0o700)
        socket = self.root / "run/relance/io.relance.Control"
        self.daemon = subprocess.Popen(
            [str(self.bin_dir / "relanced"), "--config", str(self.root / "config.toml")],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(self.root / "log", "w"))
        deadline = time.monotonic() + 15
        while not socket.exists():
            assert self.daemon.poll() is None, (self.root / "log").read_text()
            assert time.monotonic() < deadline, "relanced did not start"
            time.sleep(0.02)

    def run(self, command):
        argv = shlex.split(command, comments=True)
        assert argv[0] == "relancectl", command
        result = subprocess.run([str(self.bin_dir / "relancectl"), *argv[1:]], env=self.env, capture_output=True,
                                text=True, timeout=30, stdin=subprocess.DEVNULL)
        result.stdout = result.stdout.replace(str(self.root), "~")
        result.stderr = result.stderr.replace(str(self.root), "~")
        return result

    def stop(self):
        self.daemon.terminate()
        self.daemon.wait(timeout=20)


def replay(bin_dir, write=False):
    """Runs the tour; returns the mismatches (or rewrites the README with --write)."""
    text = README.read_text()
    start, end = tour_section(text)
    section = text[start:end]
    tour = Tour(bin_dir)
    mismatches, rewritten = [], section
    try:
        for match, steps in blocks(section):
            lines = []
            for command, expected in steps:
                result = tour.run(command)
                actual = normalize(result.stdout + result.stderr)
                verb = shlex.split(command, comments=True)[1]
                deadline = time.monotonic() + 5
                while not write and verb in READS and actual != normalize("\n".join(expected)) and time.monotonic() < deadline:
                    time.sleep(0.1)
                    result = tour.run(command)
                    actual = normalize(result.stdout + result.stderr)
                if result.returncode != 0:
                    mismatches.append(f"$ {command}\nexited {result.returncode}: {result.stderr}")
                elif actual != normalize("\n".join(expected)):
                    mismatches.append(f"$ {command}\n--- README\n" + "\n".join(expected) + "\n--- relancectl\n" + "\n".join(actual))
                lines.append(f"$ {command}")
                lines.extend(line if line else "" for line in (result.stdout + result.stderr).rstrip("\n").splitlines())
                lines.append("")
            while lines and not lines[-1]:
                lines.pop()
            rewritten = rewritten.replace(match.group(0), "```console\n" + "\n".join(lines) + "\n```", 1)
    finally:
        tour.stop()
    if write:
        README.write_text(text[:start] + rewritten + text[end:])
    return mismatches


if __name__ == "__main__":
    bin_dir = os.environ.get("RELANCE_BIN_DIR", str(REPO / ".build/debug"))
    problems = replay(bin_dir, write="--write" in sys.argv)
    if "--write" in sys.argv:
        print("README tour rewritten from a run")
    else:
        print("\n\n".join(problems) or "the tour matches")
        sys.exit(1 if problems else 0)
