"""The README's tour is a test: it runs top to bottom on a fresh store with the time
fixed, and every command must print what the README shows (issue #10)."""
import os

import pytest
from readme_tour import REPO, replay


# It starts its own relanced with the tour's config (a personal daemon: events, snooze…).
@pytest.mark.personal_only("the README's tour: its own personal relanced, events and snooze included")
def test_the_readme_tour_runs_and_prints_what_the_readme_shows():
    bin_dir = os.environ.get("RELANCE_BIN_DIR", str(REPO / ".build/debug"))
    mismatches = replay(bin_dir)
    assert not mismatches, "\n\n".join(mismatches) + "\n\n(python3 Tests/e2e/readme_tour.py --write rewrites the README from a run)"
