"""A Type=notify service for the sandbox self-test.

Logs one structured journal entry (with the token given as its argument), tells the
manager READY=1 with STATUS=hello, then idles and never pings the watchdog.

It speaks both protocols itself rather than calling logger or systemd-notify: the manager
accepts notifications only from the unit's main process (NotifyAccess=main), and journald
names the unit of a sender by reading its /proc entry, which a short-lived helper may have
left by then.
"""

import os
import signal
import socket
import sys


def send_datagram(address: str, payload: bytes) -> None:
    if address.startswith("@"):  # an abstract socket, as sd_notify(3) allows
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.send(payload)


token = sys.argv[1]
# journald's native protocol: one datagram of newline-separated KEY=VALUE fields.
send_datagram("/run/systemd/journal/socket",
              f"MESSAGE=selftest says hello\nPRIORITY=6\nSELFTEST_TOKEN={token}\n".encode())
send_datagram(os.environ["NOTIFY_SOCKET"], b"READY=1\nSTATUS=hello")
while True:
    signal.pause()
