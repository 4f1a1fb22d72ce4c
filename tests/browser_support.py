"""Headless Chromium for the tests: the system's browser driven by Playwright (never a browser download).

Where no browser is installed, or Playwright is not, the tests that need one are *skipped with the reason*
(they never pass silently). `.ci/run` installs Debian's chromium; set COURSE_CHROMIUM to use another build.
"""

from __future__ import annotations

import os
import shutil

import pytest

#: As the machine's notes advise: no background network, no sandbox (tests run as root in CI).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """The Chromium executable to use, or None."""
    candidates = [os.environ.get("COURSE_CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"]
    for name in candidates:
        if name and (path := shutil.which(name) or (os.path.isfile(name) and name)):
            return path
    return None


def launch_chromium():
    """``(playwright, browser)``, or skip the calling test saying why."""
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium on this machine: browser tests skipped (install Debian's `chromium` "
                    "package, or set COURSE_CHROMIUM to a Chromium executable)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: browser tests skipped (run them with `make test`, which "
                    "installs the course's tools)")
    pw = sync_playwright().start()
    try:
        return pw, pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    except Exception as exc:  # a browser that cannot start is reported, not hidden
        pw.stop()
        raise RuntimeError(f"Chromium at {path} did not start: {exc}") from exc


@pytest.fixture(scope="module")
def browser():
    pw, b = launch_chromium()
    yield b
    b.close()
    pw.stop()
