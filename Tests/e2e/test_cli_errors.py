"""Errors a person meets at the command line: relancectl with no daemon to talk to, and
`relanced --check-config` on good and bad configuration files (`path:line: message`,
the first problem only, like `nginx -t` or OpenBSD's `ntpd -n`)."""

import signal
import subprocess
from pathlib import Path

import pytest

from conftest import wait_until

REPO = Path(__file__).resolve().parents[2]
EX_UNAVAILABLE = 69
EX_TEMPFAIL = 75
EX_CONFIG = 78


def check_config(daemon, text):
    """Writes `text` as the daemon's config file and runs `relanced --check-config` on it."""
    daemon.config.write_bytes(text.encode() if isinstance(text, str) else text)
    return check_config_path(daemon, daemon.config)


def check_config_path(daemon, path):
    return subprocess.run([str(daemon.relanced), "--check-config", "--config", str(path)], env=daemon.env,
                          capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL)


def assert_one_line_at(result, path, line):
    """Non-zero exit, nothing on stdout, and exactly one stderr line `path:line: …`."""
    assert result.returncode != 0, result
    assert result.stdout == "", result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{path}:{line}: "), f"expected '{path}:{line}: …', got: {lines[0]}"
    return lines[0]


def test_check_config_refuses_a_file_the_toml_library_would_abort_on(stopped_daemon):
    # Given files TOMLKit's toml++ asserts on instead of reporting (found by fuzzing)
    for text, line in [("s = [}\n", None), ("[desktop]\n[<\n", 2)]:
        # When relanced checks it
        result = check_config(stopped_daemon, text)
        # Then it answers with one line and an exit code, never a crash
        assert result.returncode == 1, result
        assert result.stdout == "" and len(result.stderr.splitlines()) == 1, result
        where = f"{stopped_daemon.config}:{line}: " if line else f"{stopped_daemon.config}: "
        assert result.stderr.startswith(where), result.stderr


# -- relancectl without a daemon -------------------------------------------------------------


@pytest.mark.parametrize("args", [["status"], ["inbox"], ["contact", "list"], ["remind", "in 1h", "Call Ada"]],
                         ids=" ".join)
def test_ctl_without_daemon_says_where_it_looked_and_how_to_start_it(stopped_daemon, args):
    # Given no daemon on the socket. When a command runs
    result = stopped_daemon.ctl(*args, check=False)

    # Then one line on stderr names the socket and how to start relanced; exit EX_UNAVAILABLE
    assert result.code == EX_UNAVAILABLE, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert str(stopped_daemon.socket) in lines[0]
    assert "relanced is not running" in lines[0]
    assert "Start it with `relanced`" in lines[0] and "systemctl --user start relanced.socket" in lines[0]


def test_ctl_without_socket_option_looks_in_xdg_runtime_dir(stopped_daemon):
    result = stopped_daemon.ctl_bare("status")
    assert result.code == EX_UNAVAILABLE, result
    assert f"{stopped_daemon.env['XDG_RUNTIME_DIR']}/relance/io.relance.Control" in result.stderr


def test_ctl_with_stale_socket_file_after_kill_9_explains_too(daemon):
    # Given a daemon killed with -9: its socket file is left behind, refusing connections
    daemon.kill()
    assert daemon.socket.exists()

    # Then relancectl still says the daemon is not running, in one line
    result = daemon.ctl("status", check=False)
    assert result.code == EX_UNAVAILABLE, result
    assert len(result.stderr.splitlines()) == 1
    assert "relanced is not running" in result.stderr and str(daemon.socket) in result.stderr


def test_ctl_to_a_daemon_that_does_not_answer_gives_up_after_its_timeout_and_says_what_to_check(daemon):
    # Given a daemon that accepts connections but answers nothing (stopped, not dead)
    daemon.send_signal(signal.SIGSTOP)
    try:
        # When relancectl waits at most 2 s
        result = daemon.ctl("status", "--timeout", "2", check=False)
    finally:
        daemon.send_signal(signal.SIGCONT)

    # Then it gives up with EX_TEMPFAIL and one line naming the socket and what to check
    assert result.code == EX_TEMPFAIL, result
    assert len(result.stderr.splitlines()) == 1
    assert f"no answer from relanced at {daemon.socket} within 2 s" in result.stderr
    assert "journalctl --user -u relanced" in result.stderr
    # and the daemon, running again, answers the next command
    assert daemon.ctl("status").code == 0


# -- relanced --check-config ----------------------------------------------------------------


BROKEN_TOML = {
    "unclosed table header": ('[store]\ndatabase = "/tmp/x.sqlite"\n[control\nsocket = "/tmp/s"\n', 3),
    "unterminated string": ('[store]\ndatabase = "/tmp/x.sqlite\n', 2),
    "key without value": ("# user settings\n[user]\ntime_zone =\n", 3),
    "table defined twice": ('[user]\ntime_zone = "UTC"\n[user]\ntime_zone = "Europe/Paris"\n', 3),
}


@pytest.mark.parametrize("text, line", BROKEN_TOML.values(), ids=BROKEN_TOML.keys())
def test_check_config_on_broken_toml_prints_path_line_message(stopped_daemon, text, line):
    assert_one_line_at(check_config(stopped_daemon, text), stopped_daemon.config, line)


UNKNOWN_KEYS = {
    "key in a section": ('# comment\n[user]\ntime_zone = "Europe/Paris"\ncolour = "blue"\n', 4, "colour"),
    "indented key": ('[user]\n  colour = "blue"\n', 2, "colour"),
    "key known in another section": ('[store]\ndatabase = "/tmp/a"\n\n[user]\ndatabase = "/tmp/b"\n', 5, "database"),
    "unknown section": ('# comment\n\n[users]\ntime_zone = "Europe/Paris"\n', 3, "users"),
    "top-level key": ('# where I live\ntime_zone = "Europe/Paris"\n', 2, "time_zone"),
    "dotted key": ('# where I live\nuser.colour = "blue"\n', 2, "colour"),
    "sub-table header": ('[user]\ntime_zone = "UTC"\n[user.extra]\ncolour = "blue"\n', 3, "extra"),
    "inline table": ('user = { time_zone = "UTC", colour = "blue" }\n', 1, "colour"),
}


@pytest.mark.parametrize("text, line, key", UNKNOWN_KEYS.values(), ids=UNKNOWN_KEYS.keys())
def test_check_config_on_unknown_key_prints_the_line_of_that_key(stopped_daemon, text, line, key):
    message = assert_one_line_at(check_config(stopped_daemon, text), stopped_daemon.config, line)
    assert key in message


BAD_VALUES = {
    "unknown time zone": ('[user]\n\ntime_zone = "Mars/Olympus"\n', 3, "Mars/Olympus"),
    "delay not ISO 8601": ('[follow_up]\ndelay = "3 days"\n', 2, "3 days"),
    "delay not a string": ("[follow_up]\ndelay = 3\n", 2, "delay"),
}


@pytest.mark.parametrize("text, line, quoted", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_check_config_on_bad_value_prints_its_line(stopped_daemon, text, line, quoted):
    message = assert_one_line_at(check_config(stopped_daemon, text), stopped_daemon.config, line)
    assert quoted in message


VALID = {
    "every key": ('# Relance\n[store]\ndatabase = "~/relance.sqlite"\n\n[control]\nsocket = "/tmp/relance.sock"\n\n'
                  '[user]\ntime_zone = "Europe/Paris"\n\n[follow_up]\ndelay = "P5D"\n'),
    "empty file": "",
    "comments only": "# nothing to change\n\n",
}


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_check_config_on_valid_file_prints_ok(stopped_daemon, text):
    result = check_config(stopped_daemon, text)
    assert result.returncode == 0, result
    assert result.stdout.strip() == f"{stopped_daemon.config}: OK"
    assert result.stderr == ""


def test_check_config_on_missing_file_says_it_cannot_read_it(stopped_daemon):
    missing = stopped_daemon.root / "nope.toml"
    result = check_config_path(stopped_daemon, missing)
    assert result.returncode != 0
    assert result.stderr.startswith(f"{missing}: cannot read the file")


def test_check_config_on_non_utf8_file(stopped_daemon):
    result = check_config(stopped_daemon, b"\xff\xfe[user]\n")
    assert result.returncode != 0
    assert result.stderr.strip() == f"{stopped_daemon.config}: not UTF-8 text"


def test_shipped_example_config_passes_check_config(stopped_daemon):
    example = REPO / "etc" / "relance" / "config.toml"
    if not example.exists():
        pytest.skip(f"{example.relative_to(REPO)} is not written yet")
    result = check_config_path(stopped_daemon, example)
    assert result.returncode == 0, result.stderr


# -- relanced refuses to start on a bad configuration ----------------------------------------


def test_daemon_refuses_to_start_on_a_bad_config_and_says_where(stopped_daemon):
    stopped_daemon.config.write_text('[user]\ntime_zone = "Mars/Olympus"\n')
    stopped_daemon.start(wait=False)
    code = stopped_daemon.process.wait(timeout=15)
    assert code == EX_CONFIG
    assert f"{stopped_daemon.config}:2: " in stopped_daemon.stderr()
    assert not stopped_daemon.socket.exists()


def test_daemon_refuses_to_start_when_the_explicit_config_is_missing(stopped_daemon):
    # An explicit --config is a promise that the file exists; only the default may be absent.
    missing = stopped_daemon.root / "nope.toml"
    result = subprocess.run([str(stopped_daemon.relanced), "--config", str(missing),
                             "--socket", str(stopped_daemon.socket), "--database", str(stopped_daemon.database)],
                            env=stopped_daemon.env, capture_output=True, text=True, timeout=15,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == EX_CONFIG
    assert f"{missing}: cannot read the file" in result.stderr
    assert not stopped_daemon.socket.exists()


@pytest.mark.personal_only("no config file at all: the personal daemon's defaults (a team node needs [store] url)")
def test_daemon_starts_with_defaults_when_the_default_config_is_absent(stopped_daemon):
    # Given no --config and nothing at $XDG_CONFIG_HOME/relance/config.toml
    stopped_daemon.config = None
    assert not Path(stopped_daemon.env["XDG_CONFIG_HOME"], "relance", "config.toml").exists()

    # When it starts, Then it answers, with the default seven-day follow-up
    stopped_daemon.start()
    stopped_daemon.call("AddContact", name="Ada Lovelace")
    logged = stopped_daemon.call("LogOutreach", contact="ada", ask="a 20-minute coffee chat")
    assert logged["outreach"]["steps"] == ["7bd", "10bd"]


def test_the_system_mode_has_no_desktop_channel_unless_configured(stopped_daemon):
    # A headless host: no session bus, so the desktop channel is off by default.
    stopped_daemon.start(extra_args=["--system"])
    assert stopped_daemon.ctl("status", "--json").json()["channels"] == []


@pytest.mark.personal_only("Restore: a team node answers NotOnTeamNode (a team is backed up with pg_dump)")
def test_the_system_service_reads_no_file_for_a_client(stopped_daemon, tmp_path):
    # Given the system service, and a file only root may read (a credential, say)
    stopped_daemon.start(extra_args=["--system"])
    secret = tmp_path / "secret.vcf"
    secret.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Secret Agent\r\nEND:VCARD\r\n")
    secret.chmod(0o600)
    before = stopped_daemon.snapshot()
    # When a client names it in a call, Then the daemon refuses to read it, names why,
    # and nothing changes
    for method, parameters, parameter in [
        ("ImportContacts", {"files": [{"name": "secret.vcf", "path": str(secret)}]}, "files[0].path"),
        ("Restore", {"path": str(secret), "force": True}, "path"),
    ]:
        with pytest.raises(stopped_daemon.CallError) as refused:
            stopped_daemon.call(method, **parameters)
        assert refused.value.name == "io.relance.Control.InvalidParameter"
        assert refused.value.parameters["parameter"] == parameter
        assert "reads no file for a client" in refused.value.parameters["reason"]
    assert stopped_daemon.snapshot() == before
    # while content sent in the call is fine
    added = stopped_daemon.call("ImportContacts", files=[{"name": "mine.vcf", "content": secret.read_text()}])
    assert added["report"]["added"] == 1


def test_relancectl_refuses_a_fallback_socket_directory_someone_else_could_have_made(daemon, tmp_path):
    # Given no runtime directory (so relancectl would use /tmp/relance-UID) and that name
    # taken by a symlink to a directory holding an impostor's socket
    import os
    fallback = Path(f"/tmp/relance-{os.getuid()}")
    if fallback.exists() or fallback.is_symlink():
        pytest.skip(f"{fallback} exists on this machine; not touching it")
    impostor = tmp_path / "impostor"
    impostor.mkdir(mode=0o755)
    fallback.symlink_to(impostor)
    try:
        env = {key: value for key, value in daemon.env.items() if key not in ("XDG_RUNTIME_DIR", "RELANCE_SOCKET")}
        # When relancectl looks for the daemon there
        result = subprocess.run([str(daemon.relancectl), "status"], env=env, capture_output=True, text=True,
                                timeout=15, stdin=subprocess.DEVNULL)
        # Then it refuses, says why and what to do, and never connects
        assert result.returncode == 77, result
        assert f"{fallback} is a symbolic link" in result.stderr
        assert "XDG_RUNTIME_DIR" in result.stderr
    finally:
        fallback.unlink()


def test_relative_socket_and_database_paths_work_from_the_current_directory(stopped_daemon, tmp_path):
    # Given relanced started in a folder with bare relative names (a one-letter socket
    # crashed relancectl in Foundation's path code; a socket without a folder stopped
    # relanced with "The file doesn't exist")
    (tmp_path / "c.toml").write_text("[desktop]\nenabled = false\n")
    daemon = subprocess.Popen([str(stopped_daemon.relanced), "--socket", "s", "--database", "d", "--config", "c.toml"],
                              cwd=tmp_path, env=stopped_daemon.env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def status():
            result = subprocess.run([str(stopped_daemon.relancectl), "status", "--socket", "s"], cwd=tmp_path,
                                    env=stopped_daemon.env, capture_output=True, text=True, timeout=15)
            assert "crashed" not in result.stderr, result.stderr
            assert daemon.poll() is None, daemon.stderr.read()
            return result.returncode == 0 and result
        # When relancectl is pointed at the same relative socket, Then it is answered
        result = wait_until(status, timeout=30, what="relancectl status through ./s")
        assert "relanced" in result.stdout.lower() or result.stdout
        assert (tmp_path / "d").exists()
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
