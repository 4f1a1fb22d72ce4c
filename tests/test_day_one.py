"""A student's first day, in a real browser, on a fresh clone: ``git status`` stays clean and ``git pull`` works.

What a student does, against a temporary clone of the course (``origin.git``, a bare clone of this repository,
stands for GitHub; this repository itself is never changed):

1. clone the course, make the working copies in ``lab/`` (:mod:`course_tools.lab`, as ``make lab`` does) and
   start JupyterLab on ``lab/`` as ``make lab`` does (autosave every 3 s instead of 120 s, so the test sees it);
2. in headless Chromium, open every notebook's copy and run it -- notebook 00 (the one ``make lab`` opens) with
   *Run > Run All Cells*; the others, to keep CI short, only their first code cell -- then wait for JupyterLab's
   autosave and save with Ctrl+S. JupyterLab rewrites each notebook as it saves it (the test checks that it did);
3. ``git status --porcelain`` must be empty; then the course changes upstream (a maintainer pushes a change to
   notebook 00) and ``git pull`` must succeed, after which ``make lab``'s refresh brings the new notebook 00 into
   ``lab/`` (the copy was opened, run and saved, never edited).

Records ``teaching.day_one_git_clean`` (1 when all of this holds) and ``teaching.day_one_seconds``; screenshots go
to build/browser/. The same session also looks at the exercises' solutions as JupyterLab shows them: a solution
starts collapsed, source and output; once opened, its still-hidden output is previewed by JupyterLab as the
first line of its HTML, as text (``test_an_opened_solution_previews_its_output_without_markup``).

The kernels import the clone's ``helpers`` (PYTHONPATH), so the clone is run as committed; the copies are made
with this working tree's :mod:`course_tools.lab`, and its ``.gitignore`` rules apply to the clone (written to the
clone's ``.git/info/exclude``) until they are committed.
"""

from __future__ import annotations

import json
import subprocess
import time
import warnings
from pathlib import Path

import pytest

from browser_support import TOKEN, browser, chromium_path, jupyter_lab  # noqa: F401  (fixture)
from course_tools import lab as lab_copies
from course_tools import metrics
from helpers.paths import BUILD_DIR, ROOT

FIRST = lab_copies.FIRST_NOTEBOOK
SHOTS = BUILD_DIR / "browser"
#: Seconds between autosaves in the test's JupyterLab (JupyterLab's default is 120).
AUTOSAVE = 3

_CURRENT = """(path) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.context && w.context.path === path && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle' && w.content.widgets.length > 0; }"""
_ALL_RUN = """() => { const w = window.jupyterapp.shell.currentWidget;
  return w.sessionContext.session.kernel.status === 'idle'
    && ![...w.node.querySelectorAll('.jp-InputArea-prompt')].some(e => e.textContent.includes('*')); }"""
_ERRORS = """() => { const out = [];
  [...window.jupyterapp.shell.currentWidget.content.model.cells].forEach((c, i) => { if (c.type !== 'code') return;
    for (let j = 0; j < c.outputs.length; j++) { const o = c.outputs.get(j).toJSON();
      if (o.output_type === 'error') out.push(`cell ${i}: ${o.ename}: ${o.evalue}`); } });
  return out; }"""
#: JupyterLab's preview of each solution's hidden output (the text its output placeholder holds; "" for an empty
#: preview, null where the cell has no placeholder at all).
_SOLUTION_PREVIEWS = """() => window.jupyterapp.shell.currentWidget.content.widgets
  .filter(c => (c.model.getMetadata('tags') || []).includes('solution'))
  .map(c => { const p = c.node.querySelector('.jp-OutputPlaceholder');
              const t = p && p.querySelector('.jp-PlaceholderText');
              return p ? (t ? t.textContent : "") : null; })"""
_DIRTY = "() => window.jupyterapp.shell.currentWidget.context.model.dirty"
_SHUT_DOWN = "async () => { await window.jupyterapp.shell.currentWidget.sessionContext.shutdown(); }"


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-c", "user.name=Course test", "-c", "user.email=test@example.invalid",
                           "-c", "advice.detachedHead=false", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def _checked(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"git {result.args[7:]} failed: {result.stderr or result.stdout}"
    return result.stdout


#: How many notebooks the course has (each is opened and saved).
N_NOTEBOOKS = len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))


def _course_files(course: Path) -> list[Path]:
    return sorted((course / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted((course / "notebooks").glob("*.css"))


def _save(page) -> None:
    """Ctrl+S, as a student saves; JupyterLab's document is clean afterwards."""
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.activate(); }")
    page.keyboard.press("Control+s")
    page.wait_for_function(f"() => !({_DIRTY})()", timeout=30_000)


_STATE = """(path) => { const app = window.jupyterapp; if (!app) return 'JupyterLab not loaded';
  const w = app.shell.currentWidget; const d = [...document.querySelectorAll('.jp-Dialog')].map(e => e.innerText);
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return JSON.stringify({current: w && w.context && w.context.path, ready: !!(w && w.context && w.context.isReady),
    kernel: k ? {status: k.status, connection: k.connectionStatus} : null, dialogs: d}); }"""


def _diagnosis(page, url: str, path: str, log: Path) -> str:
    """What the page and the server say, for a failure message (CI keeps no screenshots)."""
    import urllib.request

    try:
        state = page.evaluate(_STATE, path)
    except Exception as exc:  # noqa: BLE001 -- a diagnosis never hides the failure it explains
        state = f"page not readable: {exc}"
    try:
        with urllib.request.urlopen(f"{url}/api/sessions?token={TOKEN}", timeout=10) as r:
            sessions = [(s["path"], s["kernel"]["execution_state"]) for s in json.load(r)]
    except Exception as exc:  # noqa: BLE001
        sessions = f"not readable: {exc}"
    tail = log.read_text(errors="replace")[-1500:] if log.is_file() else "(no log)"
    return f"{path}: page {state}; server sessions {sessions}; JupyterLab log ends:\n{tail}"


def _kernels(url: str) -> int:
    """How many kernels the server runs now."""
    import urllib.request

    with urllib.request.urlopen(f"{url}/api/kernels?token={TOKEN}", timeout=30) as r:
        return len(json.load(r))


def _open(page, url: str, path: str, log: Path, notes: list) -> None:
    """Open ``path`` in a freshly loaded JupyterLab (as notebook 00 is opened) and wait until its kernel is idle.

    On a loaded machine (CI runs nbval beside this test) a kernel can be slow to start, JupyterLab can ask which
    kernel to use, or the page can lose its kernel connection: accept a dialog's default, reload the page once
    and wait again. What was seen goes to ``notes``; a second failure fails with the page's and server's state."""
    from playwright.sync_api import TimeoutError as PageTimeout

    page.goto(f"{url}/lab/tree/{path}?token={TOKEN}&reset")           # reset: only this notebook opens
    try:
        page.wait_for_function(_CURRENT, arg=path, timeout=120_000, polling=500)
        return
    except PageTimeout:
        notes.append(_diagnosis(page, url, path, log))
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"day_one_slow_{path.removesuffix('.ipynb')}.png"))
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    if accept.count():
        accept.first.click()
    else:
        page.reload()
    try:
        page.wait_for_function(_CURRENT, arg=path, timeout=150_000, polling=500)
    except PageTimeout:
        raise AssertionError("a notebook's kernel never became ready, even after a reload:\n"
                             + _diagnosis(page, url, path, log) + "\nearlier: " + "\n".join(notes)) from None


def _the_first_solution_opened(page) -> tuple[str, str]:
    """Click the first solution open, as a student does; what its output row shows, and a screenshot."""
    index = page.evaluate("""() => { const w = window.jupyterapp.shell.currentWidget;
      const i = w.content.widgets.findIndex(c => (c.model.getMetadata('tags') || []).includes('solution'));
      w.content.activeCellIndex = i; w.content.widgets[i].node.scrollIntoView(); return i; }""")
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)
    cell.locator(".jp-InputPlaceholder .jp-Placeholder-content").click()
    page.wait_for_timeout(300)
    output_row = cell.locator(".jp-OutputPlaceholder, .jp-OutputArea-output").first.inner_text()
    cell.screenshot(path=str(SHOTS / "day_one_solution_opened.png"))
    return cell.locator(".jp-InputArea").inner_text(), output_row


@pytest.fixture(scope="module")
def first_day(browser, tmp_path_factory):  # noqa: F811
    """The whole first day, once; the tests below judge what it observed."""
    if chromium_path() is None:
        pytest.skip("no Chromium on this machine: browser test skipped (install Debian's `chromium`)")
    t0 = time.perf_counter()
    tmp = tmp_path_factory.mktemp("day-one")
    origin, course = tmp / "origin.git", tmp / "course"
    _checked(_git(tmp, "clone", "-q", "--bare", str(ROOT), str(origin)))
    # CI may check out a commit no branch points to: give the stand-in for GitHub a branch at this commit
    head = _checked(_git(ROOT, "rev-parse", "HEAD")).strip()
    _checked(_git(origin, "branch", "-f", "course", head))
    _checked(_git(origin, "symbolic-ref", "HEAD", "refs/heads/course"))
    _checked(_git(tmp, "clone", "-q", str(origin), str(course)))
    with open(course / ".git" / "info" / "exclude", "a") as exclude:   # this working tree's ignore rules
        exclude.write("\n" + (ROOT / ".gitignore").read_text())

    # make lab: the copies, then JupyterLab on lab/
    folder = course / "lab"
    made = lab_copies.refresh_copies(_course_files(course), folder)
    names = [p.name for p in made.written if p.suffix == ".ipynb"]
    assert names and names[0] == FIRST, f"no working copies were made: {made}"
    docmanager = folder / ".settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": True,
                                                                        "autosaveInterval": AUTOSAVE}))
    SHOTS.mkdir(parents=True, exist_ok=True)
    seen: dict = {"previews": {}, "errors": [], "autosaved": False, "notes": [], "kernels": []}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", str(course))         # the kernels run the clone's helpers, as committed
        logs = tmp_path_factory.mktemp("day-one-log")
        with jupyter_lab(folder, logs) as url:
            mp.undo()
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/{FIRST}?token={TOKEN}")
            page.wait_for_function(_CURRENT, arg=FIRST, timeout=90_000)
            seen["previews"][FIRST] = page.evaluate(_SOLUTION_PREVIEWS)
            seen["opened_solution"] = _the_first_solution_opened(page)

            page.click(".lm-MenuBar-itemLabel:text-is('Run')")          # Run > Run All Cells
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
            page.wait_for_timeout(1000)
            page.wait_for_function(_ALL_RUN, timeout=300_000, polling=500)
            seen["errors"] = page.evaluate(_ERRORS)
            try:                                                       # JupyterLab's autosave, untouched
                page.wait_for_function(f"() => !({_DIRTY})()", timeout=(AUTOSAVE + 15) * 1000)
                seen["autosaved"] = True
            except Exception:  # noqa: BLE001 -- judged by the test, with the rest
                seen["autosaved"] = False
            _save(page)
            page.screenshot(path=str(SHOTS / "day_one_00_run.png"))
            page.evaluate(_SHUT_DOWN)

            for name in names[1:]:   # open, run the first code cell, save
                _open(page, url, name, logs / "lab.log", seen["notes"])
                seen["previews"][name] = page.evaluate(_SOLUTION_PREVIEWS)
                page.evaluate("""async () => { const w = window.jupyterapp.shell.currentWidget;
                  w.content.activeCellIndex = w.content.widgets.findIndex(c => c.model.type === 'code');
                  await window.jupyterapp.commands.execute('notebook:run-cell'); }""")
                page.wait_for_function(_ALL_RUN, timeout=180_000, polling=500)
                seen["kernels"].append(_kernels(url))
                _save(page)
                page.evaluate(_SHUT_DOWN)
            page.wait_for_timeout((AUTOSAVE + 1) * 1000)               # any autosave still pending lands
            page.close()

    seen["rewritten"] = [n for n in names if (folder / n).read_bytes() != (course / "notebooks" / n).read_bytes()]
    seen["status"] = _checked(_git(course, "status", "--porcelain"))

    # Upstream, the course changes notebook 00; the student pulls, and make lab refreshes the copy.
    maintainer = tmp / "maintainer"
    _checked(_git(tmp, "clone", "-q", str(origin), str(maintainer)))
    changed = maintainer / "notebooks" / FIRST
    nb = json.loads(changed.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "markdown", "id": "day-one-update", "metadata": {},
                        "source": ["A course update.\n"]})
    changed.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    _checked(_git(maintainer, "commit", "-q", "-am", "A course update"))
    _checked(_git(maintainer, "push", "-q"))
    pull = _git(course, "pull")
    seen["pull"] = (pull.returncode, (pull.stderr or pull.stdout).strip())
    seen["pulled"] = (course / "notebooks" / FIRST).read_bytes() == changed.read_bytes()
    seen["refreshed"] = lab_copies.refresh_copies(_course_files(course), folder)
    seen["copy_is_new"] = (folder / FIRST).read_bytes() == changed.read_bytes()
    seen["seconds"] = round(time.perf_counter() - t0, 1)
    return seen


def test_a_first_day_leaves_git_status_clean_and_git_pull_working(first_day):
    seen = first_day
    if seen["notes"]:   # passed, but only after a reload: say what was seen (the warnings summary shows it)
        warnings.warn("day one needed a second wait: " + "\n".join(seen["notes"]), stacklevel=1)
    clean = (seen["status"] == "" and seen["pull"][0] == 0 and seen["pulled"] and seen["copy_is_new"])
    metrics.record({"teaching.day_one_git_clean": int(clean), "teaching.day_one_seconds": seen["seconds"]})

    assert seen["status"] == "", f"the student's session changed tracked files:\n{seen['status']}"
    assert seen["pull"][0] == 0 and seen["pulled"], f"git pull failed after the session: {seen['pull'][1]}"
    assert max(seen["kernels"]) == 1, f"kernels running while one notebook was open: {seen['kernels']}"
    assert seen["errors"] == [], f"notebook 00 shows errors after Run All Cells: {seen['errors']}"
    assert seen["autosaved"], "JupyterLab's autosave did not save the run notebook (the test could not see it)"
    assert len(seen["rewritten"]) == N_NOTEBOOKS, \
        f"JupyterLab saved only {seen['rewritten']}: the test did not save them all"
    assert [p.name for p in seen["refreshed"].updated] == [FIRST] and seen["copy_is_new"], \
        f"make lab did not bring the pulled notebook into lab/: {seen['refreshed']}"


def test_an_opened_solution_previews_its_output_without_markup(first_day):
    previews = first_day["previews"]
    assert all(previews.values()) and len(previews) == N_NOTEBOOKS, \
        f"solutions not found in every notebook: {previews}"
    source, output_row = first_day["opened_solution"]
    assert "Solution" in source, source
    # "" or None: JupyterLab shows no preview text at all (what the blank first line gives)
    raw = {name: [p for p in shown if p and "<" in p] for name, shown in previews.items()}
    assert "<" not in output_row, f"an opened solution shows raw HTML under its code: {output_row[:120]!r}"
    assert not any(raw.values()), f"solutions whose hidden output JupyterLab previews as raw HTML: {raw}"


def test_stored_solutions_preview_their_output_without_markup():
    """The same, without a browser: JupyterLab's preview of every solution's stored output
    (:func:`course_tools.lab.hidden_output_preview` does what JupyterLab does)."""
    import nbformat

    from course_tools.run_notebooks import notebooks

    raw = {}
    for path in notebooks():
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if "solution" in cell.metadata.get("tags", []):
                assert cell.metadata.get("jupyter", {}).get("outputs_hidden"), f"{path.name} cell {i}: output shown"
                preview = lab_copies.hidden_output_preview(cell)
                if preview is None or "<" in preview:
                    raw[f"{path.name} cell {i}"] = preview
    assert not raw, f"solutions whose hidden output JupyterLab previews as raw HTML: {raw}"
