"""Issue #15: the batch door. `RemindMany` sets many reminders in ONE transaction, all or
none, at most 5 000 per call; `relancectl remind --from FILE` (or `-` for standard input)
reads one JSON object per line. The real relanced and relancectl."""

import json
import subprocess

import pytest

LIMIT = 5000


def lines(*items):
    return "".join(json.dumps(item) + "\n" for item in items)


def test_remind_from_a_file_sets_every_reminder_and_they_survive_kill_9(paris):
    # Given a file of reminders, one JSON object per line, a blank line among them
    paris.ctl("contact", "add", "Ada Lovelace")
    batch = paris.root / "reminders.jsonl"
    batch.write_text(lines({"at": "tomorrow 9:30", "text": "Call the bakery"},
                           {"at": "2026-12-03 17:00", "text": "Send Ada the deck", "contact": "ada"})
                     + "\n" + lines({"at": "18:00", "text": "Stretch"}))

    # When relancectl reads it
    result = paris.ctl("remind", "--from", str(batch))

    # Then all three are set in one call, in order, read in Paris time
    assert result.stdout == "Set 3 reminders (#1–#3) in one transaction.\n"
    upcoming = paris.ctl("upcoming", "--json").json()["reminders"]
    assert [(r["text"], r["dueAt"]) for r in upcoming] == [
        ("Stretch", "2026-11-30T17:00:00.000Z"),
        ("Call the bakery", "2026-12-01T08:30:00.000Z"),
        ("Send Ada the deck", "2026-12-03T16:00:00.000Z"),
    ]
    assert upcoming[2]["contactId"] == 1

    # And the reply meant committed: they are there after kill -9 and a restart
    paris.kill()
    paris.start()
    assert len(paris.ctl("upcoming", "--json").json()["reminders"]) == 3


def test_remind_from_standard_input(paris):
    argv = [str(paris.relancectl), "remind", "--from", "-", "--json", "--socket", str(paris.socket)]
    completed = subprocess.run(argv, env=paris.env, input=lines({"at": "tomorrow 9:00", "text": "One"},
                                                                {"at": "tomorrow 10:00", "text": "Two"}),
                               capture_output=True, text=True, timeout=15)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {"ids": [1, 2]}


def test_one_bad_line_is_named_by_file_and_line_and_nothing_is_set(paris):
    # Given a file whose third reminder (on line 4, after a blank line) has a time no one can read
    batch = paris.root / "reminders.jsonl"
    batch.write_text(lines({"at": "tomorrow 9:30", "text": "Fine"}, {"at": "tomorrow 10:00", "text": "Fine too"})
                     + "\n" + lines({"at": "someday", "text": "Bad time"}))

    # When relancectl reads it
    result = paris.ctl("remind", "--from", str(batch), check=False)

    # Then one line says which line and field, and what to write; nothing is set
    assert result.code == 64, result
    assert result.stderr == (f"relancectl: {batch}:4: at: cannot read 'someday' as a time; write e.g. "
                             "'2026-12-01 09:00', 'tomorrow 9:30', 'friday 14:00', 'in 2h' or 'PT2S'\n")
    assert paris.ctl("upcoming", "--json").json()["reminders"] == []


def test_a_line_that_is_not_a_reminder_is_refused_before_any_call(paris):
    batch = paris.root / "reminders.jsonl"
    batch.write_text(lines({"at": "tomorrow 9:30", "text": "Fine"}) + "tomorrow 10:00 Call Ada\n")
    result = paris.ctl("remind", "--from", str(batch), check=False)
    assert result.code == 65, result
    assert result.stderr.startswith(f"relancectl: {batch}:2: not a reminder; write one JSON object per line")


def test_the_door_refuses_a_batch_over_its_bound_and_names_the_bad_item(paris):
    # A third-party client calls the method itself.
    item = {"at": "2026-12-01T09:00:00Z", "text": "x"}
    with pytest.raises(paris.CallError) as refused:
        paris.call("RemindMany", reminders=[item] * (LIMIT + 1))
    assert refused.value.name == "io.relance.Control.InvalidParameter"
    assert refused.value.parameters == {"parameter": "reminders",
                                        "reason": f"{LIMIT + 1} reminders in one call; at most {LIMIT}: split the list into several calls"}

    with pytest.raises(paris.CallError) as refused:
        paris.call("RemindMany", reminders=[item, item, {"at": "2026-12-01T09:00:00Z", "text": "two\nlines"}])
    assert refused.value.parameters["parameter"] == "reminders[2].text"
    assert paris.call("Upcoming")["reminders"] == []

    # At the bound it is accepted, in one transaction.
    assert len(paris.call("RemindMany", reminders=[item] * LIMIT)["ids"]) == LIMIT
    assert paris.call("Status")["pendingReminders"] == LIMIT


def test_relancectl_refuses_a_file_over_the_bound_without_calling(paris):
    batch = paris.root / "many.jsonl"
    batch.write_text(lines(*[{"at": "tomorrow 9:00", "text": f"r{i}"} for i in range(LIMIT + 1)]))
    result = paris.ctl("remind", "--from", str(batch), check=False)
    assert result.code == 65, result
    assert result.stderr == f"relancectl: {batch}: {LIMIT + 1} reminders in one call; at most {LIMIT}: split the list into several calls\n"
