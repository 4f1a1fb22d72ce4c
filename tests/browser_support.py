"""Headless Chromium for the tests: the system's browser driven by Playwright (never a browser download),
and JupyterLab from this environment on a free loopback port (:func:`jupyter_lab`).

Where no browser is installed, or Playwright is not, the tests that need one are *skipped with the reason*
(they never pass silently). `.ci/run` installs Debian's chromium; set COURSE_CHROMIUM to use another build.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


#: The token of the test's JupyterLab (loopback only, a throwaway server).
TOKEN = "course-browser-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_lab(root: Path, logs: Path):
    """JupyterLab serving ``root`` (put copies of the notebooks there: the browser's edits never touch the
    course's files), with its own settings, runtime and workspaces; yields its address. Stopped on exit."""
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".config"), JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(root / ".settings"), JUPYTERLAB_WORKSPACES_DIR=str(root / ".workspaces"))
    port = _free_port()
    log = open(logs / "lab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
                             "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={TOKEN}",
                             f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
                             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"JupyterLab did not start: {(logs / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
