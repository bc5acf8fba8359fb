"""Load a local page in headless Chromium (Debian's ``chromium``) and collect console errors."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# Skipped (with this reason in the summary) where no browser is installed; CI (.ci/run) installs Chromium and
# sets SEGSTAT_REQUIRE_BROWSER=1, so there a missing browser fails the tests instead.
needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("SEGSTAT_REQUIRE_BROWSER"),
    reason="browser test skipped: headless Chromium is not installed (Debian: apt-get install chromium; "
           ".ci/run installs it)")


def load_in_chromium(page: Path, workdir: Path) -> tuple[list[str], Path]:
    """Render ``page`` to a screenshot; return the console/page-error lines Chromium logged and the PNG."""
    shot = workdir / "page.png"
    run = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         f"--user-data-dir={workdir / 'profile'}", "--window-size=1100,1500", "--enable-logging=stderr", "--v=0",
         f"--screenshot={shot}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    # console messages and uncaught page errors are logged as "CONSOLE(...)" and "Uncaught ..." lines
    return [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line], shot


def rendered_dom(page: Path, workdir: Path) -> str:
    """The page's DOM after its scripts have run (headless Chromium, no network)."""
    run = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         f"--user-data-dir={workdir / 'profile-dom'}", "--virtual-time-budget=10000", "--dump-dom",
         page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout
