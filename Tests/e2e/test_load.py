"""The control socket under load (issue "Hardened against load, faults and hostile
peers"): a client that sends without reading is held back instead of buffered, the
number of connections is capped with a reply that says why, and idle connections are
closed while a Watch stays open."""

import threading
import time

GET_INFO = "org.varlink.service.GetInfo"
DESCRIBE = "org.varlink.service.GetInterfaceDescription"
MIB = 1 << 20


def rss_bytes(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_a_client_that_pipelines_without_reading_keeps_the_daemon_memory_bounded(daemon):
    # Given a daemon at rest, and 20 000 calls (alternating two methods, each padded to
    # 2 KiB) that a client sends without reading a single reply
    calls = 20_000
    padding = "x" * 2048
    frames = [
        (b'{"method":"%s","parameters":{"interface":"org.varlink.service","pad":"%s"}}\0'
         % ((GET_INFO if i % 2 == 0 else DESCRIBE).encode(), padding.encode()))
        for i in range(calls)]
    wire = daemon.connect(timeout=60)
    before = rss_bytes(daemon.process.pid)
    sent = [0]

    def send_all():
        for frame in frames:
            wire.sock.sendall(frame)
            sent[0] += 1

    sender = threading.Thread(target=send_all, daemon=True)
    sender.start()

    # When the sender stalls (the daemon stopped reading) or is done
    last, still_since = -1, time.monotonic()
    while sender.is_alive() and time.monotonic() - still_since < 2:
        time.sleep(0.2)
        if sent[0] != last:
            last, still_since = sent[0], time.monotonic()
    peak = rss_bytes(daemon.process.pid)

    # Then the daemon holds back the sender rather than buffering 40 MB of calls and replies
    assert sender.is_alive(), "all 20 000 calls were accepted without a reply being read"
    assert peak - before < 200 * MIB, f"RSS grew by {(peak - before) // MIB} MiB"

    # And once the client reads, every call is answered, in order
    for i in range(calls):
        reply = wire.receive(timeout=30)
        if i % 2 == 0:
            assert reply["parameters"]["product"], reply
        else:
            assert reply["parameters"]["description"].count("interface org.varlink.service") == 1, reply
    sender.join(timeout=10)
    assert not sender.is_alive()
    assert rss_bytes(daemon.process.pid) - before < 200 * MIB
    wire.close()


def served_connection(daemon, timeout=5):
    """A connection the daemon serves. The connection `start()` made to see the daemon
    answer is closed, but the daemon counts it until it has read that close: a
    connection opened in between may be the one over the cap. Try again until served."""
    deadline = time.monotonic() + timeout
    while True:
        wire = daemon.connect()
        try:
            if "parameters" in wire.call(GET_INFO):
                return wire
        except (OSError, EOFError, ValueError):
            pass
        wire.close()
        assert time.monotonic() < deadline, "no connection served within the cap"
        time.sleep(0.05)


def test_a_connection_beyond_the_cap_is_told_why_and_closed_while_the_others_work(stopped_daemon):
    # Given a daemon serving at most 3 connections, and 3 open
    daemon = stopped_daemon
    daemon.config.write_text("[control]\nmax_connections = 3\n")
    daemon.start()
    wires = [served_connection(daemon) for _ in range(3)]

    # When a fourth connects
    extra = daemon.connect()

    # Then it gets one TooManyConnections reply naming the limit and is closed
    assert extra.receive() == {"error": "io.relance.Control.TooManyConnections", "parameters": {"limit": 3}}
    assert extra.closed_by_peer(timeout=30)
    extra.close()

    # And the three others are still served
    for wire in wires:
        assert "parameters" in wire.call(GET_INFO)

    # And once one closes, a new connection is served again
    wires.pop().close()
    deadline = time.monotonic() + 30  # a generous bound; returns as soon as served
    while True:
        # Until the daemon has seen the close, a new connection is still refused: its
        # TooManyConnections reply, or our call meeting the closed socket.
        try:
            with daemon.connect() as wire:
                reply = wire.call(GET_INFO)
        except (BrokenPipeError, ConnectionResetError) as error:
            reply = {"error": repr(error)}
        if "parameters" in reply or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert "parameters" in reply, reply
    for wire in wires:
        wire.close()


def test_an_idle_connection_is_closed_while_a_watch_stays_open(stopped_daemon):
    # Given a daemon closing connections idle for 1 s
    daemon = stopped_daemon
    daemon.config.write_text("[control]\nidle_timeout_seconds = 1\n")
    daemon.start()
    watcher = daemon.connect()
    watcher.send({"method": "io.relance.Control.Watch", "more": True})
    idle = daemon.connect()
    assert "parameters" in idle.call(GET_INFO)

    # When nothing is called on them, Then the idle one is closed (the bound is only how
    # long to wait for it: it returns as soon as the daemon closes)
    assert idle.closed_by_peer(timeout=30)
    idle.close()

    # And the Watch stays open, and a new connection is served
    assert not watcher.closed_by_peer(timeout=3)
    assert daemon.call("Status")
    watcher.close()
