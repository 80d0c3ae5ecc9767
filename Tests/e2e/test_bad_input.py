"""Hostile and careless input on the control socket, byte by byte (NUL-terminated JSON
frames over a plain Python socket): every bad frame gets an error reply that says what
was wrong, the connection stays usable where the protocol allows it, other clients are
still served, and nothing is written to the store."""

import json
import socket

import pytest

CONTROL = "io.relance.Control."
MIB = 1 << 20


@pytest.fixture
def seeded(daemon):
    """A store with a little of everything, and a snapshot of it to compare against."""
    daemon.call("AddContact", name="Ada Lovelace", emails=["ada@example.com"])
    daemon.call("LogOutreach", contact="ada", ask="a 20-minute coffee chat", followUp="P1D")
    return daemon.snapshot()


def assert_still_serving_and_unchanged(daemon, before):
    """A second client is answered, and the store is exactly as it was."""
    assert daemon.snapshot() == before


def call(method, parameters=None, **flags):
    message = {"method": method, **flags}
    if parameters is not None:
        message["parameters"] = parameters
    return json.dumps(message).encode()


# (frame without its NUL, error name, parameters the error must carry)
MALFORMED = {
    "malformed json": (b'{"method": ', "io.relance.Control.InvalidMessage", {}),
    "empty frame": (b"", "io.relance.Control.InvalidMessage", {}),
    "json array": (b"[1, 2]", "io.relance.Control.InvalidMessage", {}),
    "json string": (b'"Status"', "io.relance.Control.InvalidMessage", {}),
    "no method": (b'{"parameters": {}}', "io.relance.Control.InvalidMessage", {}),
    "method not a string": (b'{"method": 5}', "io.relance.Control.InvalidMessage", {}),
    "empty method": (b'{"method": ""}', "io.relance.Control.InvalidMessage", {}),
    "parameters not an object": (call(CONTROL + "Status", [1]), "io.relance.Control.InvalidMessage", {}),
    "more not a boolean": (call(CONTROL + "Status", more="yes"), "io.relance.Control.InvalidMessage", {}),
    "garbage bytes": (bytes(range(1, 256)) * 4, "io.relance.Control.InvalidMessage", {}),
    "invalid utf-8": (b'{"method": "io.relance.Control.\xff\xfe"}', "io.relance.Control.InvalidMessage", {}),
    "invalid utf-8 in a parameter": (b'{"method": "io.relance.Control.AddContact", "parameters": {"name": "A\xff"}}',
                                     "io.relance.Control.InvalidMessage", {}),
    "nested too deep": (b'{"method": "io.relance.Control.Status", "parameters": {"x": ' + b"[" * 2000 + b"]" * 2000 + b"}}",
                        "io.relance.Control.InvalidMessage", {}),
}

WRONG_CALLS = {
    # the method does not exist
    "unknown interface": (call("com.example.Nope.Status", {}),
                          "org.varlink.service.InterfaceNotFound", {"interface": "com.example.Nope"}),
    "unqualified method": (call("Status", {}), "org.varlink.service.InterfaceNotFound", {}),
    "unknown method": (call(CONTROL + "Explode", {}),
                       "org.varlink.service.MethodNotFound", {"method": "io.relance.Control.Explode"}),
    "unknown service method": (call("org.varlink.service.Explode", {}),
                               "org.varlink.service.MethodNotFound", {"method": "org.varlink.service.Explode"}),
    "unknown interface description": (call("org.varlink.service.GetInterfaceDescription", {"interface": "com.example.Nope"}),
                                      "org.varlink.service.InterfaceNotFound", {"interface": "com.example.Nope"}),
    # missing parameters
    "AddContact without parameters": (call(CONTROL + "AddContact"), "io.relance.Control.InvalidParameter", {"parameter": "name"}),
    "AddContact without name": (call(CONTROL + "AddContact", {"emails": ["a@example.com"]}),
                                "io.relance.Control.InvalidParameter", {"parameter": "name"}),
    "LogOutreach without ask": (call(CONTROL + "LogOutreach", {"contact": "ada"}),
                                "io.relance.Control.InvalidParameter", {"parameter": "ask"}),
    "Remind without at": (call(CONTROL + "Remind", {"text": "x"}), "io.relance.Control.InvalidParameter", {"parameter": "at"}),
    "MarkRead without ids": (call(CONTROL + "MarkRead", {}), "io.relance.Control.InvalidParameter", {"parameter": "ids"}),
    "Snooze without duration or until": (call(CONTROL + "Snooze", {"id": 1}), "io.relance.Control.InvalidParameter", {}),
    "GetInterfaceDescription without interface": (call("org.varlink.service.GetInterfaceDescription", {}),
                                                  "org.varlink.service.InvalidParameter", {"parameter": "interface"}),
    # parameters the IDL does not declare (a misspelling must not be dropped silently)
    "misspelt parameter": (call(CONTROL + "AddContact", {"name": "Eve", "timezone": "Europe/Paris"}),
                           "io.relance.Control.InvalidParameter", {"parameter": "timezone"}),
    "parameter to a method without any": (call(CONTROL + "Status", {"verbose": True}),
                                          "io.relance.Control.InvalidParameter", {"parameter": "verbose"}),
    # wrong types
    "name is a number": (call(CONTROL + "AddContact", {"name": 5}), "io.relance.Control.InvalidParameter", {"parameter": "name"}),
    "name is null": (call(CONTROL + "AddContact", {"name": None}), "io.relance.Control.InvalidParameter", {"parameter": "name"}),
    "emails is a string": (call(CONTROL + "AddContact", {"name": "Eve", "emails": "eve@example.com"}),
                           "io.relance.Control.InvalidParameter", {"parameter": "emails"}),
    "handle is a number": (call(CONTROL + "AddContact", {"name": "Eve", "handles": {"x": 5}}),
                           "io.relance.Control.InvalidParameter", {"parameter": "handles.x"}),
    "id is a string": (call(CONTROL + "Done", {"id": "1"}), "io.relance.Control.InvalidParameter", {"parameter": "id"}),
    "id is a boolean": (call(CONTROL + "Dismiss", {"id": True}), "io.relance.Control.InvalidParameter", {"parameter": "id"}),
    "id is a fraction": (call(CONTROL + "Done", {"id": 1.5}), "io.relance.Control.InvalidParameter", {"parameter": "id"}),
    "ids hold a string": (call(CONTROL + "MarkRead", {"ids": ["a"]}), "io.relance.Control.InvalidParameter", {"parameter": "ids[0]"}),
    "limit is a string": (call(CONTROL + "Upcoming", {"limit": "5"}), "io.relance.Control.InvalidParameter", {"parameter": "limit"}),
    "followUp is a number": (call(CONTROL + "LogOutreach", {"contact": "ada", "ask": "x", "followUp": 3}),
                             "io.relance.Control.InvalidParameter", {"parameter": "followUp"}),
    # well-typed values that cannot be accepted
    "at is not a time": (call(CONTROL + "Remind", {"at": "someday", "text": "x"}),
                             "io.relance.Control.InvalidParameter", {"parameter": "at"}),
    "followUp is not a duration": (call(CONTROL + "LogOutreach", {"contact": "ada", "ask": "x", "followUp": "3 days"}),
                                   "io.relance.Control.InvalidParameter", {"parameter": "followUp"}),
    # waits are bounded (ten years) and checked at the door, before any calendar walk
    "followUp of a trillion business days": (call(CONTROL + "LogOutreach", {"contact": "ada", "ask": "x", "followUp": "999999999999bd"}),
                                             "io.relance.Control.InvalidParameter", {"parameter": "followUp"}),
    "steps of 2^62 business days": (call(CONTROL + "LogOutreach", {"contact": "ada", "ask": "x", "steps": [{"businessDays": 2 ** 62}]}),
                                    "io.relance.Control.InvalidParameter", {"parameter": "steps[0].businessDays"}),
    "letGo of eleven years": (call(CONTROL + "LogOutreach", {"contact": "ada", "ask": "x", "letGo": "P11Y"}),
                              "io.relance.Control.InvalidParameter", {"parameter": "letGo"}),
    "keepInTouch of a millisecond": (call(CONTROL + "AddContact", {"name": "Eve", "keepInTouch": "PT0.001S"}),
                                     "io.relance.Control.InvalidParameter", {"parameter": "keepInTouch"}),
    "empty ask": (call(CONTROL + "LogOutreach", {"contact": "ada", "ask": "  "}),
                  "io.relance.Control.InvalidParameter", {"parameter": "ask"}),
    "empty reminder text": (call(CONTROL + "Remind", {"at": "2030-01-01T09:00:00Z", "text": ""}),
                            "io.relance.Control.InvalidParameter", {"parameter": "text"}),
    "unknown outcome": (call(CONTROL + "RecordReply", {"outreach": 1, "outcome": "maybe"}),
                        "io.relance.Control.InvalidParameter", {"parameter": "outcome"}),
    "unknown inbox filter": (call(CONTROL + "Inbox", {"filter": "starred"}),
                             "io.relance.Control.InvalidParameter", {"parameter": "filter"}),
    "unknown outreach status": (call(CONTROL + "ListOutreach", {"status": "ghosted"}),
                                "io.relance.Control.InvalidParameter", {"parameter": "status"}),
    "zero limit": (call(CONTROL + "Upcoming", {"limit": 0}), "io.relance.Control.InvalidParameter", {"parameter": "limit"}),
    "name with CR LF (header injection)": (call(CONTROL + "AddContact", {"name": "Ada\r\nBcc: x@y"}),
                                           "io.relance.Control.InvalidParameter", {"parameter": "name"}),
    "tag with a newline": (call(CONTROL + "AddContact", {"name": "Eve", "tags": ["a\nb"]}),
                           "io.relance.Control.InvalidParameter", {"parameter": "tags[0]"}),
    "ask with ESC": (call(CONTROL + "LogOutreach", {"contact": "ada", "ask": "coffee\x1b[2J"}),
                     "io.relance.Control.InvalidParameter", {"parameter": "ask"}),
    "unknown time zone": (call(CONTROL + "AddContact", {"name": "Eve", "timeZone": "Mars/Olympus"}),
                          "io.relance.Control.InvalidParameter", {"parameter": "timeZone"}),
    "not an e-mail address": (call(CONTROL + "AddContact", {"name": "Eve", "emails": ["eve at example"]}),
                              "io.relance.Control.InvalidParameter", {"parameter": "emails[0]"}),
    # unknown ids
    "contact id": (call(CONTROL + "GetContact", {"contact": "999"}), "io.relance.Control.ContactNotFound", {"query": "999"}),
    "contact name": (call(CONTROL + "GetContact", {"contact": "Zelda"}), "io.relance.Control.ContactNotFound", {"query": "Zelda"}),
    "outreach to unknown contact": (call(CONTROL + "LogOutreach", {"contact": "Zelda", "ask": "x"}),
                                    "io.relance.Control.ContactNotFound", {"query": "Zelda"}),
    "reminder about unknown contact": (call(CONTROL + "Remind", {"at": "2030-01-01T09:00:00Z", "text": "x", "contact": "42"}),
                                       "io.relance.Control.ContactNotFound", {"query": "42"}),
    "outreach id": (call(CONTROL + "RecordReply", {"outreach": 999, "outcome": "replied"}),
                    "io.relance.Control.OutreachNotFound", {"id": 999}),
    "inbox id (Done)": (call(CONTROL + "Done", {"id": 999}), "io.relance.Control.InboxItemNotFound", {"id": 999}),
    "inbox id (Dismiss)": (call(CONTROL + "Dismiss", {"id": 999}), "io.relance.Control.InboxItemNotFound", {"id": 999}),
    "inbox id (Snooze)": (call(CONTROL + "Snooze", {"id": 999, "duration": "PT1H"}),
                          "io.relance.Control.InboxItemNotFound", {"id": 999}),
    "inbox id (MarkRead)": (call(CONTROL + "MarkRead", {"ids": [999]}), "io.relance.Control.InboxItemNotFound", {"id": 999}),
    # a streaming method called as a plain one
    "Watch without more": (call(CONTROL + "Watch", {}), "org.varlink.service.ExpectedMore", {}),
}


@pytest.mark.parametrize("frame, error, parameters", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_frame_gets_invalid_message_and_connection_stays_usable(daemon, seeded, frame, error, parameters):
    with daemon.connect() as wire:
        # When a frame that is not a call arrives
        wire.send_bytes(frame + b"\0")

        # Then the reply names the problem, and the same connection still answers
        reply = wire.receive()
        assert reply.get("error") == error, reply
        assert reply["parameters"].get("reason"), reply
        status = wire.call(CONTROL + "Status")
        assert "error" not in status and status["parameters"]["contacts"] == 1
    assert_still_serving_and_unchanged(daemon, seeded)


@pytest.mark.parametrize("frame, error, parameters", [pytest.param(*case, id=name) for name, case in WRONG_CALLS.items()])
def test_bad_call_gets_a_precise_error_and_changes_nothing(daemon, seeded, frame, error, parameters):
    with daemon.connect() as wire:
        # When the call is made
        wire.send_bytes(frame + b"\0")

        # Then the error names what was wrong
        reply = wire.receive()
        assert reply.get("error") == error, reply
        assert {key: reply["parameters"].get(key) for key in parameters} == parameters, reply
        if error.endswith("InvalidParameter") and error.startswith("io.relance"):
            assert reply["parameters"].get("reason"), reply

        # and the connection is still usable
        assert "error" not in wire.call(CONTROL + "Status")
    assert_still_serving_and_unchanged(daemon, seeded)


def test_oversized_message_gets_message_too_large_then_connection_closes(daemon, seeded):
    with daemon.connect() as wire:
        # When 1 MiB + 1 bytes arrive without a NUL
        try:
            wire.send_bytes(b"x" * (MIB + 1))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the daemon may hang up while we are still sending

        # Then one MessageTooLarge reply names the limit, and the connection is closed
        reply = wire.receive()
        assert reply == {"error": "io.relance.Control.MessageTooLarge", "parameters": {"limit": MIB}}
        assert wire.closed_by_peer(timeout=30), "connection still open 30 s after MessageTooLarge"
    assert_still_serving_and_unchanged(daemon, seeded)


def test_oversized_terminated_message_is_refused_too(daemon, seeded):
    with daemon.connect() as wire:
        wire.send_bytes(b" " * MIB + b'{"method": "io.relance.Control.Status"}\0')
        assert wire.receive().get("error") == "io.relance.Control.MessageTooLarge"
    assert_still_serving_and_unchanged(daemon, seeded)


def test_message_of_exactly_1_mib_is_answered(daemon, seeded):
    # Given a valid call padded with spaces to exactly the limit (NUL excluded)
    head, tail = b'{"method": "io.relance.Control.Status"', b"}"
    frame = head + b" " * (MIB - len(head) - len(tail)) + tail
    assert len(frame) == MIB

    with daemon.connect(timeout=10) as wire:
        wire.send_bytes(frame + b"\0")
        assert "error" not in wire.receive()


def test_calls_pipelined_in_one_write_are_answered_in_order(daemon, seeded):
    with daemon.connect() as wire:
        wire.send_bytes(call(CONTROL + "ListContacts", {}) + b"\0" + b"garbage\0" + call(CONTROL + "Status") + b"\0")
        first, second, third = wire.receive(), wire.receive(), wire.receive()
    assert [c["name"] for c in first["parameters"]["contacts"]] == ["Ada Lovelace"]
    assert second["error"] == "io.relance.Control.InvalidMessage"
    assert third["parameters"]["contacts"] == 1


def test_oneway_call_gets_no_reply(daemon, seeded):
    with daemon.connect() as wire:
        wire.send_bytes(call(CONTROL + "Status", oneway=True) + b"\0")
        reply = wire.call(CONTROL + "ListContacts", {})  # the first reply is this call's
        assert "contacts" in reply["parameters"]
        with pytest.raises(socket.timeout):
            wire.receive(timeout=0.3)


def test_client_hanging_up_mid_frame_does_not_disturb_the_daemon(daemon, seeded):
    # Given clients that send half a call, or garbage, and hang up
    for junk in (b'{"method": "io.relance.Control.AddContact", "parameters": {"name": "Eve"', bytes(range(1, 256))):
        with daemon.connect() as wire:
            wire.send_bytes(junk)
    # Then nothing was written and others are still served
    assert_still_serving_and_unchanged(daemon, seeded)


def test_misspelt_parameter_is_refused_with_the_right_name_and_no_contact_is_created(daemon):
    # Given an empty store
    # When a client spells timeZone as timezone
    with daemon.connect() as wire:
        reply = wire.call(CONTROL + "AddContact", {"name": "Ada", "timezone": "Europe/Paris"})
    # Then the error names the field, the one meant and the known ones
    assert reply["error"] == "io.relance.Control.InvalidParameter"
    assert reply["parameters"]["parameter"] == "timezone"
    reason = reply["parameters"]["reason"]
    assert reason.startswith("unknown parameter 'timezone' for AddContact; did you mean 'timeZone'? Known: name, emails")
    # And no contact without a zone was created
    assert daemon.call("ListContacts")["contacts"] == []


@pytest.mark.parametrize("frame, words", [
    (b'{"method": "io.relance.Control.AddContact", "parameters": {"name": "A\xff"}}', "not valid UTF-8"),
    (b'{"method": "io.relance.Control.Status", "parameters": {"x": ' + b"[" * 2000 + b"]" * 2000 + b"}}",
     "nested 2002 levels deep; at most 512"),
    (b'{"method": "io.relance.Control.Done", "parameters": {"id": 9223372036854775807}}', "is too large"),
], ids=["utf-8", "depth", "2^63-1"])
def test_the_reason_says_what_is_really_wrong(daemon, frame, words):
    # When a frame has invalid UTF-8 in a string, nests too deep, or an integer too large
    with daemon.connect() as wire:
        wire.send_bytes(frame + b"\0")
        reply = wire.receive()
    # Then the reason says so, not "should be an object" or "not valid JSON"
    assert words in reply["parameters"]["reason"], reply
