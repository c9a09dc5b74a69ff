"""The watch tests pass however long after import they run: records are stamped per test, not at import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Import the record helpers, then let the clock run an hour ahead (as on a slow, busy suite run) and
# run the store tests that make records: a stamp taken at import would now be "before the watcher".
LATE_RUN = """
import sys, time
import tests.watch.watch_records
real = time.time
time.time = lambda: real() + 3600
import pytest
sys.exit(pytest.main(["-q", "-x", "-p", "no:cacheprovider", "-p", "no:randomly", *sys.argv[1:]]))
"""


def test_store_tests_pass_an_hour_after_their_modules_were_imported(tmp_path: Path) -> None:
    # SQLite only: what is checked is how the tests stamp records, the same for either store.
    modules = ["tests/watch/test_store_take.py", "tests/watch/test_store_filters.py", "-k", "sqlite"]
    done = subprocess.run(
        [sys.executable, "-c", LATE_RUN, *modules, "--basetemp", str(tmp_path / "late")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "[100%]" in done.stdout and "F" not in done.stdout.split("[100%]")[0]
