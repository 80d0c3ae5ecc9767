#!/usr/bin/env python3
"""Team mode on PostgreSQL (issue #16): three release relanced nodes on one real
PostgreSQL 15 (Tests/harness/postgres-server, Unix socket, fsync on).

Run by `scripts/bench --team`. Prints:
- reminders created per second through the 3 nodes (one client connection per node,
  calls one after the other on each, `--create-seconds`);
- `--due` reminders due at one instant, set through all nodes: seconds from the instant
  until the last one is in the shared inbox (each exactly once, checked);
- fail-over: two of the three nodes killed with SIGKILL just before an instant at which
  `--due` reminders come due: seconds from the instant until the survivor has fired them all;
- with `--mail`: every node has the same [mail] channel (the loopback SMTP server of the
  tests, Tests/channels/smtp_server.py, STARTTLS + AUTH), and the burst is also timed
  until its last job is recorded sent (each mailed exactly once, checked by Message-ID).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket as sockets
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "Tests/harness/postgres-server"
SMTP_SERVER = ROOT / "Tests/channels/smtp_server.py"


class Wire:
    """One Varlink connection (NUL-framed JSON)."""

    def __init__(self, path: Path):
        self.connection = sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM)
        self.connection.connect(str(path))
        self.buffer = b""

    def call(self, method: str, parameters: dict) -> dict:
        self.connection.sendall(json.dumps({"method": "io.relance.Control." + method,
                                            "parameters": parameters}).encode() + b"\0")
        while b"\0" not in self.buffer:
            chunk = self.connection.recv(65536)
            if not chunk:
                raise SystemExit(f"{method}: the node closed the connection")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        reply = json.loads(message)
        if "error" in reply:
            raise SystemExit(f"{method}: {reply}")
        return reply.get("parameters", {})

    def close(self) -> None:
        self.connection.close()


def instant(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def sql(folder: Path, statement: str) -> str:
    run_as = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    return subprocess.run([*run_as, "psql", "-h", str(folder), "-U", "postgres", "-d", "relance", "-At", "-c", statement],
                          check=True, capture_output=True, text=True).stdout.strip()


class Node:
    def __init__(self, bin_dir: Path, root: Path, url: str, name: str, smtp: dict | None = None, pool_size: int = 4):
        self.bin_dir, self.root, self.name = bin_dir, root / name, name
        self.root.mkdir()
        self.socket = self.root / "ctl.sock"
        mail = ""
        if smtp:
            (self.root / "smtp-password").write_text("secret")
            mail = (f'[desktop]\nenabled = false\n[mail]\ntransport = "smtp"\nurl = "smtp://127.0.0.1:{smtp["port"]}"\n'
                    f'username = "relance"\npassword_file = "{self.root / "smtp-password"}"\nca_file = "{smtp["cert"]}"\n'
                    f'from = "Relance <relance@example.com>"\nto = ["me@example.com"]\n')
        (self.root / "config.toml").write_text(f'[store]\nurl = "{url}"\nnode = "{name}"\npool_size = {pool_size}\n' + mail)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.root / "relanced.log", "ab")
        self.process = subprocess.Popen([str(self.bin_dir / "relanced"), "--config", str(self.root / "config.toml"),
                                         "--socket", str(self.socket)], stdout=log, stderr=log,
                                        env={**os.environ, "HOME": str(self.root)})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                wire = Wire(self.socket)
                wire.call("Upcoming", {"limit": 1})
                wire.close()
                return
            except (OSError, SystemExit):
                time.sleep(0.02)
        raise SystemExit(f"{self.name} did not start; see {self.root / 'relanced.log'}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def inbox_count(folder: Path) -> int:
    return int(sql(folder, "SELECT count(*) FROM inbox_item"))


def wait_for_inbox(folder: Path, target: int, timeout: float = 120) -> float:
    """The monotonic time at which the shared inbox first held `target` items (polled
    every 5 ms with a cheap query: an upper bound on the last commit by ≤ one poll)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if inbox_count(folder) >= target:
            return time.time()
        time.sleep(0.005)
    raise SystemExit(f"the inbox did not reach {target} items within {timeout} s")


def wait_for_sent(folder: Path, target: int, timeout: float = 300) -> float:
    """When the outbox first held `target` jobs recorded sent (polled every 5 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if int(sql(folder, "SELECT count(*) FROM outbox WHERE state = 'sent'")) >= target:
            return time.time()
        time.sleep(0.005)
    raise SystemExit(f"the outbox did not reach {target} sent jobs within {timeout} s")


def set_due(nodes: list[Node], count: int, at: float, prefix: str) -> None:
    """`count` reminders due at `at`, set through the nodes in turn (one connection each)."""
    wires = [Wire(node.socket) for node in nodes]
    for index in range(count):
        wires[index % len(wires)].call("Remind", {"at": instant(at), "text": f"{prefix} {index}"})
    for wire in wires:
        wire.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", type=Path, required=True)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--create-seconds", type=float, default=3)
    parser.add_argument("--mail", action="store_true", help="deliver by mail through a loopback SMTP server")
    parser.add_argument("--clients", type=int, default=1, help="connections per node for the creation rate, calling at once")
    parser.add_argument("--pool-size", type=int, default=4, help="each node's [store] pool_size")
    arguments = parser.parse_args()
    temp = Path(tempfile.mkdtemp(prefix="relance-team-bench-"))
    temp.chmod(0o755)  # the server runs as the postgres user when this runs as root
    database = temp / "pg"
    url = subprocess.run([str(HARNESS), "start", str(database)], check=True, capture_output=True, text=True).stdout.strip()
    smtp_process, smtp = None, None
    if arguments.mail:
        (temp / "smtp").mkdir()
        smtp_process = subprocess.Popen(["python3", str(SMTP_SERVER), "--dir", str(temp / "smtp"), "--mode", "starttls"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        smtp = json.loads(smtp_process.stdout.readline())
    nodes = [Node(arguments.bin_dir, temp, url, f"n{index}", smtp, arguments.pool_size) for index in range(3)]
    try:
        for node in nodes:
            node.start()
        print(f"team mode: 3 relanced nodes ({arguments.bin_dir.name} build) on PostgreSQL 15, Unix socket, fsync on; {os.cpu_count()} cores")

        # Creation rate: --clients connections per node, calls one after the other on each.
        counts = [0, 0, 0]
        stop_at = time.monotonic() + arguments.create_seconds
        lock = threading.Lock()

        def create(index: int) -> None:
            wire = Wire(nodes[index].socket)
            made = 0
            while time.monotonic() < stop_at:
                wire.call("Remind", {"at": instant(time.time() + 86_400), "text": "rate"})
                made += 1
            wire.close()
            with lock:
                counts[index] += made

        threads = [threading.Thread(target=create, args=(index,)) for index in range(3) for _ in range(arguments.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(f"  Remind through 3 nodes, {arguments.clients} connection(s) each, pool_size {arguments.pool_size}: "
              f"{sum(counts) / arguments.create_seconds:8.0f} / s "
              f"({', '.join(str(c) for c in counts)} in {arguments.create_seconds:g} s)")

        # A burst: --due reminders due at one instant, set through all three nodes.
        due_at = time.time() + 3 + arguments.due / 500
        set_due(nodes, arguments.due, due_at, "burst")
        if time.time() >= due_at:
            raise SystemExit("setting the burst took longer than its lead time; lower --due")
        done = wait_for_inbox(database, arguments.due)
        twice = sql(database, "SELECT count(*) FROM (SELECT reminder_id FROM inbox_item GROUP BY reminder_id HAVING count(*) > 1) t")
        by_node = sql(database, "SELECT string_agg(fired_by || ' ' || n, ', ') FROM (SELECT fired_by, count(*) n FROM inbox_item GROUP BY 1 ORDER BY 1) t")
        print(f"  {arguments.due} due at one instant → all in the inbox after {done - due_at:6.3f} s "
              f"(fired by {by_node}; fired twice: {twice})")
        if smtp:
            sent = wait_for_sent(database, arguments.due)
            ids = [json.loads(f.read_text())["headers"]["Message-ID"] for f in Path(smtp["sink"]).glob("*.json")]
            by_sender = sql(database, "SELECT string_agg(sent_by || ' ' || n, ', ') FROM (SELECT sent_by, count(*) n FROM outbox WHERE state = 'sent' GROUP BY 1 ORDER BY 1) t")
            print(f"  … and all {arguments.due} mailed (recorded sent) after {sent - due_at:6.3f} s "
                  f"(sent by {by_sender}; mails received {len(ids)}, distinct Message-IDs {len(set(ids))})")

        # Fail-over: two nodes die just before the instant; the survivor fires everything.
        before = inbox_count(database)
        due_at = time.time() + 3 + arguments.due / 500
        set_due(nodes, arguments.due, due_at, "failover")
        time.sleep(max(0.0, due_at - time.time() - 0.2))
        nodes[0].kill()
        nodes[1].kill()
        done = wait_for_inbox(database, before + arguments.due)
        print(f"  2 of 3 nodes killed 0.2 s before {arguments.due} came due → the survivor fired them all after "
              f"{done - due_at:6.3f} s")
    finally:
        for node in nodes:
            node.stop() if node.process and node.process.poll() is None else None
        subprocess.run([str(HARNESS), "stop", str(database)], check=False)
        if smtp_process:
            smtp_process.terminate()
            smtp_process.wait(timeout=10)
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
