#!/usr/bin/python3
"""A test notification server: owns org.freedesktop.Notifications on a (private) bus.

Run it with Debian's /usr/bin/python3 (python3-dbus and GLib); the pyenv python3 on
PATH has neither.

    notification_server.py --address ADDRESS [--capabilities actions,body]

Prints one JSON line per event on stdout:
    {"event": "ready", "unique_name": ":1.3"}              once the name is owned
    {"event": "notify", "id": 1, "sender": ":1.4", "app_name": ..., "replaces_id": ...,
     "app_icon": ..., "summary": ..., "body": ..., "actions": [...],
     "hints": {"urgency": 1, ...}, "expire_timeout": -1}
    {"event": "close_requested", "id": 1}
Reads commands on stdin, one per line:
    action ID KEY        emit ActionInvoked(ID, KEY)
    close ID REASON      emit NotificationClosed(ID, REASON)
Like real servers, it sends both signals only to the client that called Notify for
that id (a unicast signal, not a broadcast). It exits when stdin closes.
"""
import argparse
import json
import os
import sys

import dbus
import dbus.lowlevel
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


def emit(event):
    print(json.dumps(event), flush=True)


def plain(value):
    """dbus-python values as JSON-friendly Python values."""
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32, dbus.Int64, dbus.UInt64)):
        return int(value)
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(value)
    if isinstance(value, (dbus.Array, list)):
        return [plain(v) for v in value]
    if isinstance(value, (dbus.Dictionary, dict)):
        return {str(k): plain(v) for k, v in value.items()}
    return repr(value)


class Server(dbus.service.Object):
    def __init__(self, bus, capabilities):
        super().__init__(bus, PATH)
        self.bus = bus
        self.capabilities = capabilities
        self.next_id = 1
        self.client_of = {}  # notification id -> unique name of the client that asked

    @dbus.service.method(NAME, out_signature="as")
    def GetCapabilities(self):
        return self.capabilities

    @dbus.service.method(NAME, out_signature="ssss")
    def GetServerInformation(self):
        return ("relance-test-server", "relance", "1.0", "1.2")

    @dbus.service.method(NAME, in_signature="susssasa{sv}i", out_signature="u", sender_keyword="sender")
    def Notify(self, app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout, sender=None):
        if replaces_id:
            nid = int(replaces_id)  # the spec: replace in place, same id
        else:
            nid = self.next_id
            self.next_id += 1
        self.client_of[nid] = str(sender)
        emit({"event": "notify", "id": nid, "sender": str(sender), "app_name": str(app_name),
              "replaces_id": int(replaces_id), "app_icon": str(app_icon), "summary": str(summary),
              "body": str(body), "actions": plain(actions), "hints": plain(hints),
              "expire_timeout": int(expire_timeout)})
        return dbus.UInt32(nid)

    @dbus.service.method(NAME, in_signature="u")
    def CloseNotification(self, nid):
        emit({"event": "close_requested", "id": int(nid)})
        self.send_signal("NotificationClosed", int(nid), "uu", dbus.UInt32(nid), dbus.UInt32(3))

    def send_signal(self, member, nid, signature, *args):
        message = dbus.lowlevel.SignalMessage(PATH, NAME, member)
        destination = self.client_of.get(nid)
        if destination:
            message.set_destination(destination)
        message.append(*args, signature=signature)
        self.bus.send_message(message)
        emit({"event": "signal", "member": member, "id": nid, "destination": destination})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--capabilities", default="actions,body")
    args = parser.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(args.address)
    capabilities = [c for c in args.capabilities.split(",") if c]
    server = Server(bus, capabilities)
    name = dbus.service.BusName(NAME, bus, do_not_queue=True)
    loop = GLib.MainLoop()

    pending = b""

    def on_stdin(channel, condition):
        # os.read, not sys.stdin.readline(): Python's buffered stdin would swallow the
        # second of two commands that arrive together, and the fd would not wake us again.
        nonlocal pending
        data = os.read(sys.stdin.fileno(), 4096)
        if not data:
            loop.quit()
            return False
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            run_command(line.decode())
        return True

    def run_command(line):
        parts = line.split()
        if len(parts) == 3 and parts[0] == "action":
            nid = int(parts[1])
            server.send_signal("ActionInvoked", nid, "us", dbus.UInt32(nid), parts[2])
        elif len(parts) == 3 and parts[0] == "close":
            nid = int(parts[1])
            server.send_signal("NotificationClosed", nid, "uu", dbus.UInt32(nid), dbus.UInt32(int(parts[2])))
        elif parts:
            emit({"event": "error", "message": "unknown command: %s" % line.strip()})

    GLib.io_add_watch(sys.stdin, GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP, on_stdin)
    emit({"event": "ready", "unique_name": bus.get_unique_name(), "name": name.get_name()})
    loop.run()


if __name__ == "__main__":
    main()
