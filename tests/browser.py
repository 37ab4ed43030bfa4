"""Headless Chromium screenshots for tests (Debian's chromium; .ci/run installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# flags that keep Chromium off the network it cannot reach here
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str:
    """Return the chromium binary, skipping the test (failing it under CI) when absent."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed: apt-get install chromium")
    return binary


def screenshot(page: Path, shot: Path, size: str = "1280,900") -> bytes:
    """Render a local HTML page to a PNG and return its bytes."""
    profile = shot.parent / f"{shot.stem}-chromium-profile"
    subprocess.run(
        [
            chromium(),
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size}",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return shot.read_bytes()


# flags that take the network away: no name resolves and every proxied request goes nowhere
OFFLINE_FLAGS = ("--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9")


def offline_dom(page: Path, profile: Path) -> str:
    """Return a local page's DOM after its scripts ran, rendered with networking disabled."""
    result = subprocess.run(
        [
            chromium(),
            *FLAGS,
            *OFFLINE_FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=10000",  # let the page's scripts run before the dump
            "--dump-dom",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout
