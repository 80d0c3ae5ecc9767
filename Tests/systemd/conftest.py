"""Tests that drive a real systemd user manager and journald (Tests/harness/systemd_sandbox.py).

Run them as root inside a private mount namespace:

    Tests/harness/in-mount-namespace python3 -m pytest -q Tests/systemd

As an ordinary user they skip with one line. As root outside the namespace they stop the
run with an error instead: CI runs as root, and a silent skip there would hide them.
"""

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "harness"))

from systemd_sandbox import SystemdSandbox, mount_namespace_problem  # noqa: E402


def pytest_collection_modifyitems(config, items):
    ours = [item for item in items if HERE in item.path.parents]
    problem = mount_namespace_problem() if ours else None
    if problem is None:
        return
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason=f"systemd sandbox {problem}")
        for item in ours:
            item.add_marker(skip)
    else:
        raise pytest.UsageError(f"systemd sandbox tests: {problem}")


@pytest.fixture(scope="session")
def sandbox():
    """One journald + user manager for the whole run; tests use distinct unit names.

    One per run because one per mount namespace: pytest-xdist workers would share the
    wrapper's namespace and mount over each other.
    """
    with SystemdSandbox() as running:
        yield running


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attaches journald's and the manager's logs and the journal to a failed test."""
    report = (yield).get_result()
    running = getattr(item, "funcargs", {}).get("sandbox")
    if report.failed and running is not None:
        report.sections.append(("systemd sandbox", running.diagnostics()))
