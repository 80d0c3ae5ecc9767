"""A socket-activated service for the sandbox self-test.

Answers the first connection with one JSON line saying what systemd passed it (the
sd_listen_fds_with_names(3) protocol), then exits; the .socket unit keeps listening.
"""

import json
import os
import socket

SD_LISTEN_FDS_START = 3

listener = socket.socket(fileno=SD_LISTEN_FDS_START)
connection, _ = listener.accept()
facts = {
    "listen_pid_is_mine": os.environ.get("LISTEN_PID") == str(os.getpid()),
    "listen_fds": int(os.environ.get("LISTEN_FDS", "0")),
    "listen_fdnames": os.environ.get("LISTEN_FDNAMES", "").split(":"),
}
connection.sendall(json.dumps(facts).encode() + b"\n")
connection.close()
