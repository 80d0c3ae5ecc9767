"""Reloading the configuration while running: the Reload method and SIGHUP (the same
thing, per the IDL and DESIGN.md). A good file takes effect for what comes next; a bad
one is refused with ConfigurationInvalid and the previous configuration stays."""

import signal

import pytest

ASK = "a 20-minute coffee chat"


def default_delay_now(daemon):
    """The follow-up delay the daemon applies right now to an ask without its own."""
    return daemon.call("LogOutreach", contact="ada", ask=ASK)["outreach"]["steps"][0]


def started_with_delay(daemon, delay):
    daemon.config.write_text(f'[follow_up]\ndelay = "{delay}"\n')
    daemon.start()
    daemon.call("AddContact", name="Ada Lovelace")
    assert default_delay_now(daemon) == delay


def test_reload_applies_a_changed_file(stopped_daemon):
    # Given a daemon started with a seven-day follow-up delay
    daemon = stopped_daemon
    started_with_delay(daemon, "P7D")

    # When the file says two days and Reload is called
    daemon.config.write_text('[follow_up]\ndelay = "P2D"\n')
    assert daemon.call("Reload") == {}

    # Then the next ask gets the new delay
    assert default_delay_now(daemon) == "P2D"


def test_reload_of_a_broken_file_answers_configuration_invalid_and_keeps_the_old_one(stopped_daemon):
    # Given a daemon started with a three-day follow-up delay
    daemon = stopped_daemon
    started_with_delay(daemon, "P3D")

    # When the file is broken and `relancectl reload` runs
    daemon.config.write_text('[follow_up]\ndelay = "P1D"\ncolour = "blue"\n')
    result = daemon.ctl("reload", check=False)

    # Then it fails, saying where the file is wrong, and the old delay stays
    assert result.code != 0, result
    assert "configuration rejected, the previous one stays in force" in result.stderr
    assert f"{daemon.config}:3:" in result.stderr
    assert default_delay_now(daemon) == "P3D"
    with pytest.raises(daemon.CallError) as raised:
        daemon.call("Reload")
    assert raised.value.name == "io.relance.Control.ConfigurationInvalid"


def test_sighup_reloads_the_configuration(stopped_daemon):
    # Given a daemon started with a seven-day follow-up delay
    daemon = stopped_daemon
    started_with_delay(daemon, "P7D")

    # When the file says one day and the daemon gets SIGHUP
    daemon.config.write_text('[follow_up]\ndelay = "P1D"\n')
    daemon.send_signal(signal.SIGHUP)

    # Then it keeps running and soon applies the new delay
    daemon.wait_until(lambda: default_delay_now(daemon) == "P1D", timeout=5, interval=0.1,
                      what="SIGHUP to apply the new follow-up delay")
    assert daemon.running()


def test_reload_of_a_file_the_toml_library_would_abort_on_keeps_the_daemon_and_the_old_file(stopped_daemon):
    # Given a daemon started with a three-day follow-up delay
    daemon = stopped_daemon
    started_with_delay(daemon, "P3D")

    # When the file becomes one TOMLKit's toml++ aborts on (found by fuzzing) and reload runs
    daemon.config.write_text('[follow_up]\ndelay = "P1D"\ns = [}\n')
    result = daemon.ctl("reload", check=False)

    # Then the reload is refused, the daemon still runs, and the old delay stays
    assert result.code != 0, result
    assert "configuration rejected, the previous one stays in force" in result.stderr
    assert "TOML reader gave up on this file" in result.stderr
    assert daemon.running()
    assert default_delay_now(daemon) == "P3D"
