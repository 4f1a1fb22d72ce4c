"""``make lab``: the course in JupyterLab, on working copies that ``git pull`` never collides with.

JupyterLab rewrites a notebook as soon as it is opened (the kernel's display name, ``collapsed`` on hidden
outputs) and autosaves it; done to the course's tracked notebooks, that makes the next ``git pull`` abort. So
``make lab`` never serves ``notebooks/``: it serves ``lab/`` (git-ignored), which holds a copy of every notebook
as the course ships it, with its stored outputs and solutions (instructors present them executed), and the
``rise.css`` beside them (the live slides' style).

A copy is refreshed from ``notebooks/`` when the course's version has changed and the student has not changed the
copy since it was written; a copy the student changed is kept, and one line says how to get a fresh one (delete
it). "Changed" means the cells' sources: what JupyterLab itself rewrites (metadata, outputs, execution counts)
does not count, so merely opening, running or saving a copy never stops it from being updated. Copies are
refreshed when ``make lab`` starts JupyterLab, never while a JupyterLab of this environment serves them (its next
save would clash). ``lab/.copies.json`` keeps, for every copy, the SHA-256 of the course's file it was made from and
of its content as written (a notebook's cell types and sources; any other file's bytes).

Then JupyterLab starts quietly on notebook 00's copy and this prints one line with its address: Jupyter logs
warnings and errors only, minus the few :data:`HARMLESS` ones every session prints, and the kernels' TensorFlow
logs C++ errors only (``TF_CPP_MIN_LOG_LEVEL=2``). When a JupyterLab of this environment already serves the folder,
it prints that server's address of notebook 00 instead of starting a second one.

By default (``make lab``, what a student types first) it serves ``student/``: the student's own copies
(:mod:`course_tools.student`: no outputs, no solutions, no maintainer cells, never overwritten). ``make lab
TEACH=1`` (``--instructor``) serves ``lab/``: the instructor's copies as described above. Each folder keeps its
own JupyterLab workspace, so the two never reopen each other's tabs; announcements and update checks are off.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from helpers.paths import ROOT
from helpers.validate import InputTypeError, describe, fail

from .run_notebooks import NOTEBOOK_DIR, notebooks
from .student import STUDENT_DIR, write_copies

__all__ = ["LAB_DIR", "FIRST_NOTEBOOK", "STAMP_NAME", "HARMLESS", "CopyReport", "course_files", "cells_digest",
           "file_digest", "refresh_copies", "report_lines", "running_servers", "course_server", "notebook_url",
           "jupyterlab_command", "quiet_settings", "quiet_lines", "hidden_output_preview", "serve", "main"]

#: Where ``make lab`` keeps its working copies (listed in .gitignore).
LAB_DIR = ROOT / "lab"
#: The notebook ``make lab`` opens.
FIRST_NOTEBOOK = "00_course_data_and_model.ipynb"
#: The stamp file in the copies' folder (hidden in JupyterLab's file browser).
STAMP_NAME = ".copies.json"

#: Each folder's JupyterLab keeps its open tabs (its workspace) in the folder itself: a second server (students'
#: copies beside the instructor's) never reopens the first one's tabs, nor starts a kernel for each of them.
WORKSPACES_NAME = ".workspaces"
#: No announcements fetched from the web, no update check: offline these fail, online they are noise.
NO_NEWS_FLAGS = ("--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate")
#: JupyterLab's settings the course overrides in its own environment (``overrides.json``, see :func:`quiet_settings`):
#: no "Would you like to get notified about official Jupyter news?" pop-up in every session.
SETTINGS_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                                      "checkForUpdates": False}}

#: Jupyter's own log: warnings and errors only (its start-up chatter is ~25 lines of INFO).
QUIET_FLAGS = ("--ServerApp.log_level=WARN", "--LabApp.log_level=WARN")

#: Warnings JupyterLab and its kernels print in every session that ask nothing of a student; ``make lab`` drops
#: them (with their indented continuation lines). Everything else reaches the terminal.
HARMLESS = (
    # every course notebook when opened: its outputs were made elsewhere, so JupyterLab shows them sanitised
    re.compile(r"^\[W [^\]]*\] Notebook .*\.ipynb is not trusted\s*$"),
    # ipykernel 7, at every kernel start: the kernel listens on this machine's loopback address only
    re.compile(r"^\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption\."),
    # jupyter_server's default ping timeout (3 pings) is longer than tornado 6.5 allows; tornado corrects it
    re.compile(r"^\[W [^\]]*\] The websocket_ping_timeout \(\d+\) cannot be longer than the websocket_ping_interval"),
    # a machine without a browser (SSH, a container): the address make lab prints is the way in
    re.compile(r"^\[W [^\]]*\] No web browser found"),
    # TensorFlow's C++ info and warnings (absl format, e.g. "I0000 00:00:17.5  42 port.cc:153] oneDNN custom
    # operations are on"), printed before TensorFlow reads TF_CPP_MIN_LOG_LEVEL; its errors (E...) still show
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"),
    re.compile(r"^[IW]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\] "),
    # jupyterlab-rise asks for an optional per-notebook style sheet (<notebook>.css) whenever it shows a deck
    re.compile(r"^\[W [^\]]*\] 404 GET /files/[^ ]*\.css\b"),
)


# ------------------------------------------------------------------------------------------
# the copies
# ------------------------------------------------------------------------------------------

def file_digest(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cells_digest(path: Path) -> str | None:
    """SHA-256 (hex) of a notebook's cells as a student writes them: each cell's type and source, in order.

    Metadata, outputs and execution counts are left out: JupyterLab rewrites those by itself when a notebook is
    opened or run. ``None`` when the file is not a notebook that can be read (a copy the student broke counts as
    changed, and is kept).
    """
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = [(c["cell_type"], c["source"] if isinstance(c["source"], str) else "".join(c["source"]))
                 for c in nb["cells"]]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass
class CopyReport:
    """What :func:`refresh_copies` did, copy by copy (paths of the copies)."""

    written: list[Path] = field(default_factory=list)     # new copies
    updated: list[Path] = field(default_factory=list)     # refreshed: the course changed, the student had not
    current: list[Path] = field(default_factory=list)     # already the course's version
    kept: list[Path] = field(default_factory=list)        # changed by the student; the course's version changed
    kept_current: list[Path] = field(default_factory=list)  # changed by the student; the course's version did not


def _read_stamps(folder: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((folder / STAMP_NAME).read_text(encoding="utf-8"))
        copies = data["copies"]
        return {k: v for k, v in copies.items() if isinstance(v, dict)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}   # no stamp yet, or a damaged one: every copy is judged by its content


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def course_files(selected: list[str] | None = None) -> list[Path]:
    """What ``lab/`` holds: the course's notebooks (optionally only those starting with ``selected``) and the
    files beside them that JupyterLab reads from a notebook's folder (``rise.css``: the live slides' style)."""
    return notebooks(selected) + sorted(NOTEBOOK_DIR.glob("*.css"))


def _content_digest(path: Path) -> str | None:
    """What counts as the student's change: the cells of a notebook, the bytes of any other file."""
    if path.suffix == ".ipynb":
        return cells_digest(path)
    try:
        return file_digest(path)
    except OSError:
        return None


def _check_sources(sources: Any) -> list[Path]:
    if isinstance(sources, (str, os.PathLike)) or not isinstance(sources, Iterable):
        fail("sources", "a list of notebook paths (e.g. course_tools.lab.course_files())", describe(sources),
             "pass a list, e.g. [Path('notebooks/00_course_data_and_model.ipynb')]", kind=InputTypeError)
    paths = []
    for s in sources:
        if not isinstance(s, (str, os.PathLike)):
            fail("sources", "notebook paths", f"an item that is {describe(s)}", "pass str or Path items",
                 kind=InputTypeError)
        p = Path(s)
        if not p.is_file():
            fail("sources", "existing files (the course's notebooks)", f"{str(p)!r}, which is not a file",
                 "pass files from notebooks/ (course_tools.lab.course_files() lists them)", kind=FileNotFoundError)
        paths.append(p)
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        fail("sources", "notebooks with distinct file names (they share one folder)", str(sorted(names)))
    return paths


def refresh_copies(sources: Iterable[Path] | None = None, folder: Path = LAB_DIR) -> CopyReport:
    """Bring the working copies in ``folder`` up to date with ``sources``, never overwriting a student's change.

    Parameters
    ----------
    sources : list of paths, optional
        The course's files (default: :func:`course_files`, every notebook in ``notebooks/`` and its ``rise.css``).
    folder : path
        Where the copies live (default ``lab/``); created when missing.

    Returns
    -------
    CopyReport
        Which copies were written, updated, already current, or kept because the student changed them.
    """
    sources = _check_sources(course_files() if sources is None else sources)
    if not isinstance(folder, (str, os.PathLike)):
        fail("folder", "a folder path", describe(folder), "pass e.g. course_tools.lab.LAB_DIR", kind=InputTypeError)
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        fail("folder", "a folder for the copies", f"{str(folder)!r}, which is a file", "remove it or pick another")
    folder.mkdir(parents=True, exist_ok=True)
    stamps = _read_stamps(folder)
    report = CopyReport()
    for src in sources:
        dest = folder / src.name
        data = src.read_bytes()
        source_sha = hashlib.sha256(data).hexdigest()
        stamp = stamps.get(src.name, {})
        if not dest.exists():
            bucket = report.written
        else:
            now = _content_digest(dest)
            as_written = stamp.get("content_sha256") or _content_digest(src)   # no stamp: compare with the course
            untouched = now is not None and now == as_written
            course_changed = stamp.get("source_sha256") != source_sha     # (always, without a stamp)
            if not course_changed:
                (report.current if untouched else report.kept_current).append(dest)
                continue
            if not untouched:
                report.kept.append(dest)
                continue
            bucket = report.updated
        _write_atomically(dest, data)
        stamps[src.name] = {"source_sha256": source_sha, "content_sha256": _content_digest(dest)}
        bucket.append(dest)
    _write_atomically(folder / STAMP_NAME,
                      (json.dumps({"copies": stamps}, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return report


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def report_lines(report: CopyReport, source_dir: Path = NOTEBOOK_DIR) -> list[str]:
    """The few lines ``make lab`` prints about the copies: new and updated ones in one line, one line per copy
    kept although the course has a newer version (nothing when all is current)."""
    lines = []
    fresh = report.written + report.updated
    if fresh:
        folder = _shown(fresh[0].parent)
        what = ", ".join(p.name[:2] if p.suffix == ".ipynb" and p.name[:2].isdigit() else p.name for p in fresh)
        verb = "updated" if report.updated and not report.written else "copied"
        lines.append(f"{folder}/: {verb} {what} from the course's notebooks/ (your working copies; git ignores "
                     "them)")
    for p in report.kept:
        lines.append(f"kept {_shown(p)}: you changed it, and the course's {_shown(source_dir / p.name)} changed "
                     f"since it was copied (for a fresh copy: delete {_shown(p)}, run make lab again)")
    return lines


#: The kinds of output data JupyterLab 4 previews a hidden output with, in its order of preference
#: (``CodeCell.getOutputPlaceholderText`` in @jupyterlab/cells).
_PREVIEWED = ("text/html", "image/svg+xml", "application/pdf", "text/markdown", "text/plain",
              "application/vnd.jupyter.stderr", "application/vnd.jupyter.stdout", "text")


def hidden_output_preview(cell: dict[str, Any]) -> str | None:
    """The text JupyterLab shows in place of a code cell's hidden output (``outputs_hidden``, e.g. a solution's):
    the first non-empty line of the first output's preferred data, *as plain text*. A text/html output therefore
    shows its markup (``<div style=...``) until the student clicks it open.

    Parameters
    ----------
    cell : dict
        A code cell of a notebook (nbformat 4; a ``NotebookNode`` is a dict).

    Returns
    -------
    str or None
        The preview text; ``None`` when the cell has no output JupyterLab previews.
    """
    if not isinstance(cell, dict):
        fail("cell", "a notebook cell (a dict with 'outputs')", describe(cell), "pass nb.cells[i]",
             kind=InputTypeError)
    outputs = cell.get("outputs") or []
    if not outputs:
        return None
    first = outputs[0]
    if first.get("output_type") == "stream":
        data = {f"application/vnd.jupyter.{first.get('name', 'stdout')}": first.get("text", "")}
    else:
        data = first.get("data") or {}
    for kind in _PREVIEWED:
        value = data.get(kind)
        text = "".join(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else value
        if isinstance(text, str):
            return next((line for line in text.split("\n") if line != ""), "")
    return None


# ------------------------------------------------------------------------------------------
# the server
# ------------------------------------------------------------------------------------------

def _command_line(pid: int) -> list[str] | None:
    """A process's command line, or None when it cannot be read."""
    proc = Path(f"/proc/{pid}/cmdline")
    try:
        if proc.exists():
            return [a for a in proc.read_bytes().decode(errors="replace").split("\0") if a]
        out = subprocess.run(["ps", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, timeout=5,
                             check=False)
        return out.stdout.split() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _from_this_environment(pid: int) -> bool:
    """Whether the server process runs this environment's Python (a server of another environment would run
    the notebooks with another set of packages)."""
    args = _command_line(pid)
    if not args:
        return False
    try:
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))   # Linux: relative paths (.venv/bin/python) resolved
    except OSError:
        cwd = Path.cwd()
    prefixes = {Path(sys.prefix).absolute(), Path(sys.prefix).resolve()}
    for arg in args[:2]:   # the interpreter, or the script it runs
        path = Path(arg) if os.path.isabs(arg) else cwd / arg
        if any(path == p or p in path.parents for p in prefixes) or \
                any(p in path.resolve().parents for p in prefixes):
            return True
    return False


def running_servers(runtime_dir: str | os.PathLike | None = None) -> Iterator[dict[str, Any]]:
    """Jupyter servers of this user that are running (their ``jpserver-*.json`` files in the runtime folder)."""
    from jupyter_server.serverapp import list_running_servers

    yield from list_running_servers(None if runtime_dir is None else str(runtime_dir))


def _responds(info: dict[str, Any]) -> bool:
    url = f"{info['url'].rstrip('/')}/api/status"
    if info.get("token"):
        url += "?token=" + urllib.parse.quote(info["token"])
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


def course_server(folder: Path, runtime_dir: str | os.PathLike | None = None,
                  servers: Iterable[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """A running JupyterLab of this environment that serves ``folder`` (its root is ``folder`` or a folder above
    it) and answers; ``None`` when there is none.

    Parameters
    ----------
    folder : path
        The folder of the notebook to open.
    runtime_dir : path, optional
        Jupyter's runtime folder (default: Jupyter's own, ``jupyter --runtime-dir``).
    servers : iterable of dict, optional
        Server descriptions to choose from instead of the running ones (tests).
    """
    folder = Path(folder).resolve()
    for info in (running_servers(runtime_dir) if servers is None else servers):
        try:
            root = Path(info["root_dir"]).expanduser().resolve()
            pid = int(info["pid"])
        except (KeyError, TypeError, ValueError):
            continue
        if info.get("sock") or not info.get("url"):
            continue   # a server on a Unix socket has no address to print
        if (folder == root or root in folder.parents) and _from_this_environment(pid) and _responds(info):
            return info
    return None


def notebook_url(info: dict[str, Any], notebook: Path) -> str:
    """The address of ``notebook`` in the JupyterLab described by ``info`` (a ``jpserver-*.json`` record)."""
    root = Path(info["root_dir"]).expanduser().resolve()
    try:
        relative = Path(notebook).resolve().relative_to(root)
    except ValueError:
        fail("notebook", f"a notebook under the server's folder {root}", repr(str(notebook)),
             "start JupyterLab in a folder that contains it")
    url = f"{info['url'].rstrip('/')}/lab/tree/{urllib.parse.quote(relative.as_posix())}"
    return url + (f"?token={urllib.parse.quote(info['token'])}" if info.get("token") else "")


def jupyterlab_command(folder: Path, notebook: Path, *, allow_root: bool | None = None,
                       extra: Iterable[str] = ()) -> list[str]:
    """The command that starts JupyterLab quietly on ``folder``, opening ``notebook`` in the browser.

    ``allow_root`` defaults to "running as root" (in containers Jupyter refuses root without ``--allow-root``).
    """
    if allow_root is None:
        allow_root = hasattr(os, "geteuid") and os.geteuid() == 0
    folder = Path(folder).resolve()
    return [sys.executable, "-m", "jupyterlab", *QUIET_FLAGS, f"--ServerApp.root_dir={folder}",
            f"--LabApp.workspaces_dir={folder / WORKSPACES_NAME}", *NO_NEWS_FLAGS,
            *(["--allow-root"] if allow_root else []), *extra, str(Path(notebook).resolve())]


def quiet_lines(lines: Iterable[str]) -> Iterator[str]:
    """``lines`` without the :data:`HARMLESS` warnings (and the indented lines that continue them)."""
    dropping = False
    for line in lines:
        if dropping and line[:1] in (" ", "\t") and line.strip():
            continue
        dropping = any(p.search(line) for p in HARMLESS)
        if not dropping:
            yield line


def _relay(source: IO[str], sink: IO[str]) -> None:
    for line in quiet_lines(source):
        try:
            sink.write(line)
            sink.flush()
        except (OSError, ValueError):   # the terminal went away: keep draining so JupyterLab never blocks
            pass


def _runtime_dir() -> Path:
    from jupyter_core.paths import jupyter_runtime_dir

    return Path(jupyter_runtime_dir())


def quiet_settings(app_dir: Path | None = None) -> Path:
    """Merge :data:`SETTINGS_OVERRIDES` into this environment's JupyterLab ``settings/overrides.json`` (the
    environment's own defaults; a student's own settings still win) and return its path. Called by :func:`serve`."""
    if app_dir is None:
        from jupyterlab.commands import get_app_dir

        app_dir = Path(get_app_dir())
    path = Path(app_dir) / "settings" / "overrides.json"
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(current, dict):
            current = {}
    except (OSError, ValueError):
        current = {}
    merged = dict(current)
    for plugin, values in SETTINGS_OVERRIDES.items():
        merged[plugin] = {**(current.get(plugin) if isinstance(current.get(plugin), dict) else {}), **values}
    if merged != current:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    return path


def serve(folder: Path, notebook: Path, *, extra: Iterable[str] = (), wait: float = 120.0) -> int:
    """Open ``notebook`` in JupyterLab and print its address.

    Parameters
    ----------
    folder : path
        The folder JupyterLab serves (its file browser shows nothing above it).
    notebook : path
        The notebook to open, inside ``folder``.
    extra : iterable of str
        More options for ``jupyter lab`` (e.g. ``--no-browser``).
    wait : float
        Seconds to wait for a new server to say where it listens.

    Returns
    -------
    int
        0 at once when a running JupyterLab of this environment already serves ``folder`` (its address is
        printed, nothing is started); else the exit status of the new JupyterLab when it stops.
    """
    import secrets

    folder, notebook = Path(folder), Path(notebook)
    running = course_server(folder)
    if running is not None:
        print(f"JupyterLab is already running (process {running['pid']}): {notebook_url(running, notebook)}")
        return 0

    quiet_settings()
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # the kernels' TensorFlow: C++ errors only
    # A token chosen here rather than generated by Jupyter: Jupyter then skips its 7-line "To access the
    # server ..." banner, and this process prints the one address that matters.
    env.setdefault("JUPYTER_TOKEN", secrets.token_hex(24))
    # JupyterLab's stderr (and its kernels', which inherit it) reaches the terminal through quiet_lines.
    proc = subprocess.Popen(jupyterlab_command(folder, notebook, extra=extra), env=env, stderr=subprocess.PIPE,
                            text=True, errors="replace", bufsize=1)
    relay = threading.Thread(target=_relay, args=(proc.stderr, sys.stderr), daemon=True)
    relay.start()
    # Ctrl+C reaches JupyterLab directly (same terminal), which asks before stopping; this process only waits.
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        handlers = {signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
                    signal.SIGTERM: signal.signal(signal.SIGTERM, lambda *_: proc.terminate())}
    try:
        info, info_file = None, _runtime_dir() / f"jpserver-{proc.pid}.json"
        deadline = time.monotonic() + wait
        while info is None and proc.poll() is None and time.monotonic() < deadline:
            try:
                info = json.loads(info_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                time.sleep(0.2)
        if info is not None:
            print(f"JupyterLab: {notebook_url(info, notebook)}   (Ctrl+C stops it)", flush=True)
        elif proc.poll() is None:
            print(f"JupyterLab has not said where it listens after {wait:.0f} s; it may still be starting "
                  f"(`{Path(sys.executable).parent / 'jupyter'} server list` shows it once it is up)", flush=True)
        status = proc.wait()
        relay.join(timeout=5)
        return status
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instructor", action="store_true",
                    help="open the instructor's copies in lab/ (stored outputs, solutions, maintainer cells) "
                         "instead of your own in student/")
    ap.add_argument("--student", action="store_true", help="your own copies in student/ (the default)")
    ap.add_argument("--folder", type=Path, default=None,
                    help="where the copies are (default: student/, or lab/ with --instructor)")
    ap.add_argument("jupyter_args", nargs="*", help="options for jupyter lab, after -- (e.g. -- --no-browser)")
    args = ap.parse_args(argv)

    if args.student and args.instructor:
        ap.error("choose one: --student (your own copies, the default) or --instructor")
    if not args.instructor:
        folder = args.folder or STUDENT_DIR
        written, _ = write_copies(notebooks(), folder)
        if written:
            print(f"{_shown(folder)}/: wrote your copies of notebooks {', '.join(p.name[:2] for p in written)} "
                  "(no outputs, no solutions; git ignores them)")
    else:
        folder = args.folder or LAB_DIR
        if course_server(folder) is None:   # never under an open session: its next save would clash
            for line in report_lines(refresh_copies(course_files(), folder)):
                print(line)
    sys.stdout.flush()
    return serve(folder, folder / FIRST_NOTEBOOK, extra=args.jupyter_args)


if __name__ == "__main__":
    sys.exit(main())
