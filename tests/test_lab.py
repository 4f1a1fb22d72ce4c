"""``make lab`` (course_tools.lab): working copies that a session never turns into tracked changes, refreshed
unless the student changed them; a quiet start; a running server reused instead of a second one."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_tools import lab
from helpers.paths import ROOT
from helpers.validate import InputError, InputTypeError


def _notebook(path: Path, sources: list[str], output: str = "42") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    for src in sources:
        cell = nbformat.v4.new_code_cell(src, execution_count=1)
        cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": output}, execution_count=1)]
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def _as_jupyterlab_saves_it(path: Path) -> None:
    """What opening, running and saving does to a notebook, without a student typing anything."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    for cell in nb.cells:
        cell.metadata["collapsed"] = True
        cell.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
        cell.execution_count = 7
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="run again\n")]
    nbformat.write(nb, path)


@pytest.fixture
def course(tmp_path):
    src = tmp_path / "notebooks"
    src.mkdir()
    files = [_notebook(src / "00_first.ipynb", ["x = 1", "x + 1"]), _notebook(src / "01_second.ipynb", ["y = 2"])]
    (src / "rise.css").write_text(".reveal { font-size: 20px; }\n")
    return files + [src / "rise.css"], tmp_path / "lab"


def test_copies_are_the_course_files_as_shipped_and_stamped(course):
    sources, folder = course
    report = lab.refresh_copies(sources, folder)
    assert [p.name for p in report.written] == ["00_first.ipynb", "01_second.ipynb", "rise.css"]
    for src in sources:   # byte for byte: stored outputs and solutions included
        assert (folder / src.name).read_bytes() == src.read_bytes()
    stamps = json.loads((folder / lab.STAMP_NAME).read_text())["copies"]
    assert stamps["00_first.ipynb"]["source_sha256"] == lab.file_digest(sources[0])
    assert stamps["00_first.ipynb"]["content_sha256"] == lab.cells_digest(sources[0])
    assert lab.report_lines(report, sources[0].parent) == [
        f"{folder}/: copied 00, 01, rise.css from the course's notebooks/ (your working copies; git ignores them)"]

    again = lab.refresh_copies(sources, folder)
    assert len(again.current) == 3 and not (again.written or again.updated or again.kept)
    assert lab.report_lines(again) == [], "nothing to say when every copy is current"


def test_opening_running_and_saving_a_copy_does_not_stop_its_updates(course):
    sources, folder = course
    lab.refresh_copies(sources, folder)
    _as_jupyterlab_saves_it(folder / "00_first.ipynb")
    assert lab.refresh_copies(sources, folder).current[0].name == "00_first.ipynb"

    _notebook(sources[0], ["x = 1", "x + 2"])          # the course changes
    report = lab.refresh_copies(sources, folder)
    assert [p.name for p in report.updated] == ["00_first.ipynb"]
    assert (folder / "00_first.ipynb").read_bytes() == sources[0].read_bytes()
    assert "updated 00" in lab.report_lines(report)[0]


def test_a_copy_the_student_changed_is_kept_and_the_message_says_how_to_get_a_fresh_one(course):
    sources, folder = course
    lab.refresh_copies(sources, folder)
    mine = folder / "00_first.ipynb"
    nb = nbformat.read(mine, as_version=4)
    nb.cells[1].source = "x + 100   # my answer"
    nbformat.write(nb, mine)
    work = mine.read_bytes()

    quiet = lab.refresh_copies(sources, folder)      # the course did not change: nothing newer, nothing said
    assert quiet.kept_current == [mine] and lab.report_lines(quiet) == []

    _notebook(sources[0], ["x = 1", "x + 2"])          # now it did
    report = lab.refresh_copies(sources, folder)
    assert report.kept == [mine] and mine.read_bytes() == work, "the student's work is never overwritten"
    (line,) = lab.report_lines(report, sources[0].parent)
    assert "kept" in line and "you changed it" in line and f"delete {mine}" in line

    mine.unlink()                                      # what the message says to do
    assert lab.refresh_copies(sources, folder).written == [mine]
    assert mine.read_bytes() == sources[0].read_bytes()


def test_copies_made_before_the_stamp_existed_are_judged_by_their_content(course):
    sources, folder = course
    folder.mkdir()
    (folder / "00_first.ipynb").write_bytes(sources[0].read_bytes())
    _notebook(folder / "01_second.ipynb", ["y = 3   # changed"])
    (folder / "rise.css").write_text("broken {")
    report = lab.refresh_copies(sources, folder)
    assert [p.name for p in report.updated] == ["00_first.ipynb"]
    assert sorted(p.name for p in report.kept) == ["01_second.ipynb", "rise.css"]


def test_a_copy_that_is_no_longer_a_notebook_is_kept(course):
    sources, folder = course
    lab.refresh_copies(sources, folder)
    (folder / "01_second.ipynb").write_text("{ not json")
    _notebook(sources[1], ["y = 5"])
    assert [p.name for p in lab.refresh_copies(sources, folder).kept] == ["01_second.ipynb"]
    assert lab.cells_digest(folder / "01_second.ipynb") is None


def test_a_damaged_stamp_file_loses_nothing(course):
    sources, folder = course
    lab.refresh_copies(sources, folder)
    (folder / lab.STAMP_NAME).write_text("[1, 2")
    assert len(lab.refresh_copies(sources, folder).updated) == 3   # identical content: rewritten, stamped again
    assert "copies" in json.loads((folder / lab.STAMP_NAME).read_text())


@pytest.mark.parametrize("sources, kind, words", [
    ("notebooks/00.ipynb", InputTypeError, "sources: expected a list of notebook paths"),
    ([3], InputTypeError, "sources: expected notebook paths, got an item that is int 3"),
    (["no/such.ipynb"], FileNotFoundError, "sources: expected existing files"),
])
def test_wrong_sources_are_named_with_the_fix(tmp_path, sources, kind, words):
    with pytest.raises(kind, match="fix: ") as err:
        lab.refresh_copies(sources, tmp_path / "lab")
    assert str(err.value).startswith(words)


def test_a_file_where_the_folder_belongs_is_named(course):
    sources, folder = course
    folder.write_text("")
    with pytest.raises(InputError, match=r"^folder: expected a folder for the copies, got .*which is a file; fix"):
        lab.refresh_copies(sources, folder)


def test_the_course_files_are_the_notebooks_and_their_slide_style():
    names = [p.name for p in lab.course_files()]
    assert lab.FIRST_NOTEBOOK == names[0] and all(n.endswith(".ipynb") for n in names[:-1])
    if (ROOT / "notebooks" / "rise.css").exists():
        assert names[-1] == "rise.css"


def test_lab_is_ignored_by_git_and_make_lab_uses_the_copies():
    ignored = subprocess.run(["git", "check-ignore", "-q", "lab/00_course_data_and_model.ipynb"], cwd=ROOT,
                             check=False)
    assert ignored.returncode == 0, "lab/ must be in .gitignore"
    recipe = (ROOT / "Makefile").read_text().split("\nlab:")[1].split("\n\n")[0]
    assert "course_tools.lab" in recipe and "notebooks/" not in recipe


# ------------------------------------------------------------------------------------------
# quiet output
# ------------------------------------------------------------------------------------------

def test_only_the_known_harmless_warnings_are_dropped():
    lines = [
        "[W 2026-11-27 09:45:59.936 ServerApp] Notebook 00_course_data_and_model.ipynb is not trusted\n",
        "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication ...\n",
        ("[W 2026-11-27 09:46:02.091 ServerApp] The websocket_ping_timeout (90000) cannot be longer than the "
         "websocket_ping_interval (30000).\n"),
        "    Setting websocket_ping_timeout=30000\n",
        "[W 2026-11-27 09:52:14.424 ServerApp] No web browser found: Error('could not locate runnable browser').\n",
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
        ("I0000 00:00:1795773921.651836    5031 port.cc:153] oneDNN custom operations are on. You may see slightly "
         "different numerical results\n"),
        ("[W 2026-12-06 06:40:12.345 ServerApp] 404 GET /files/03_class_activation_heatmaps.css?1733467212 "
         "(127.0.0.1) 1.20ms referer=http://127.0.0.1:8888/lab/tree/03_class_activation_heatmaps.ipynb\n"),
        "[E 2026-11-27 09:50:00.000 ServerApp] Uncaught exception GET /api/contents\n",
        "    Traceback (most recent call last):\n",
        "[W 2026-11-27 09:50:01.000 ServerApp] Notebook 01.ipynb is not trusted, and more\n",
        "2026-11-27 09:50:02.000000: E tensorflow/core/framework/op_kernel.cc:1830] OP_REQUIRES failed\n",
        "E0000 00:00:1795773921.651836    5031 cuda_executor.cc:1228] a C++ error\n",
    ]
    assert list(lab.quiet_lines(lines)) == lines[8:]


def test_a_hidden_output_is_previewed_by_the_first_line_of_its_preferred_data():
    feedback = {"text/html": '<div style="border-left: 4px solid">\u2714 Right.</div>', "text/plain": "\u2714 Right."}
    result = {"output_type": "execute_result", "data": feedback, "metadata": {}, "execution_count": 1}
    assert lab.hidden_output_preview({"outputs": [result]}).startswith("<div style=")   # what students saw
    plain_first = dict(result, data=dict(feedback, **{"text/html": [" \n", feedback["text/html"]]}))
    assert lab.hidden_output_preview({"outputs": [plain_first]}) == " "
    stream = {"output_type": "stream", "name": "stdout", "text": "\nchecked\nmore\n"}
    assert lab.hidden_output_preview({"outputs": [stream, result]}) == "checked"
    assert lab.hidden_output_preview({"outputs": []}) is None
    assert lab.hidden_output_preview({"outputs": [dict(result, data={"image/png": "iVBOR"})]}) is None
    with pytest.raises(InputTypeError, match="^cell: expected a notebook cell"):
        lab.hidden_output_preview("cell 3")


# ------------------------------------------------------------------------------------------
# the server: found, addressed, started
# ------------------------------------------------------------------------------------------

def _info(root: Path, pid: int = 0, **more) -> dict:
    return {"root_dir": str(root), "pid": pid, "url": "http://localhost:8890/", "token": "abc", "sock": "", **more}


def _started(cmd: list[str]) -> subprocess.Popen:
    proc = subprocess.Popen(cmd)
    for _ in range(100):                 # until the new process shows its own command line (exec done)
        if lab._command_line(proc.pid) == cmd:
            break
        time.sleep(0.05)
    return proc


@pytest.fixture
def this_python():
    """A process of this environment's Python, started as make lab starts JupyterLab (sys.executable)."""
    proc = _started([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc.pid
    proc.kill()
    proc.wait()


def test_a_running_server_of_this_environment_over_the_folder_is_reused(tmp_path, monkeypatch, this_python):
    monkeypatch.setattr(lab, "_responds", lambda info: True)
    folder = tmp_path / "lab"
    folder.mkdir()

    def found(root, pid=this_python, **more):
        return lab.course_server(folder, servers=[_info(root, pid, **more)])

    assert found(folder)["url"] == "http://localhost:8890/"
    assert found(tmp_path) is not None, "a server above the folder serves it too"
    assert found(tmp_path / "student") is None, "a folder beside it is out of reach"
    assert found(folder, sock="/tmp/jupyter.sock") is None, "a socket has no address to print"
    foreign = _started(["sleep", "30"])             # a process of another program
    try:
        assert found(folder, pid=foreign.pid) is None, "not this environment's Python"
    finally:
        foreign.kill()
        foreign.wait()
    monkeypatch.setattr(lab, "_responds", lambda info: False)
    assert found(folder) is None, "a server that does not answer is not used"


def test_notebook_addresses():
    info = _info(ROOT)
    url = lab.notebook_url(info, ROOT / "lab" / "00 a.ipynb")
    assert url == "http://localhost:8890/lab/tree/lab/00%20a.ipynb?token=abc"
    assert lab.notebook_url(dict(info, token=""), ROOT / "x.ipynb") == "http://localhost:8890/lab/tree/x.ipynb"
    with pytest.raises(InputError, match="^notebook: expected a notebook under the server's folder"):
        lab.notebook_url(_info(ROOT / "lab"), ROOT / "notebooks" / "00.ipynb")


def test_the_command_is_quiet_serves_the_folder_and_allows_root_only_when_needed(tmp_path):
    cmd = lab.jupyterlab_command(tmp_path, tmp_path / "00.ipynb", allow_root=False, extra=["--no-browser"])
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--ServerApp.log_level=WARN" in cmd and f"--ServerApp.root_dir={tmp_path.resolve()}" in cmd
    assert "--allow-root" not in cmd and cmd[-2:] == ["--no-browser", str((tmp_path / "00.ipynb").resolve())]
    assert "--allow-root" in lab.jupyterlab_command(tmp_path, tmp_path / "00.ipynb", allow_root=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_prints_the_address_and_a_second_one_reuses_the_server(tmp_path):
    """The real command, twice: the first starts JupyterLab and prints two lines (the copies, the address) and
    nothing on stderr; the second prints the same server's address and exits 0 without starting another."""
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    env.pop("JUPYTER_TOKEN", None)
    cmd = [sys.executable, "-m", "course_tools.lab", "--instructor", "--folder", str(tmp_path / "lab"), "--",
           "--no-browser", "--ip=127.0.0.1", f"--port={_free_port()}"]
    first = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    second = None
    try:
        copies = first.stdout.readline()
        address = first.stdout.readline()       # printed once the server listens
        assert copies.startswith(f"{tmp_path / 'lab'}/: copied 00, ") and address.startswith("JupyterLab: http://")
        url = address.split()[1]
        assert f"/lab/tree/{lab.FIRST_NOTEBOOK}?token=" in url
        second = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  start_new_session=True)
        try:
            out2, err2 = second.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("a second make lab did not return: it started a second server")
        assert second.returncode == 0 and err2 == ""
        (server,) = [json.loads(p.read_text()) for p in (tmp_path / "runtime").glob("jpserver-*.json")]
        assert out2.splitlines() == [f"JupyterLab is already running (process {server['pid']}): {url}"]
    finally:
        for proc in (second, first):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)   # the launcher and its JupyterLab
        out, err = first.communicate(timeout=30)
    # Jupyter says it stops (one [C] line); nothing else reached the terminal
    assert [line for line in err.splitlines() if "received signal 15" not in line] == []
    assert out == ""


def test_make_lab_opens_the_students_own_copies_by_default(tmp_path, monkeypatch, capsys):
    """``make lab`` (what a student types first): copies without outputs, solutions or maintainer cells
    (course_tools.student), never overwritten, and JupyterLab on student/'s notebook 00."""
    opened = []
    monkeypatch.setattr(lab, "serve", lambda folder, notebook, extra=(): opened.append((folder, notebook)) or 0)
    folder = tmp_path / "student"
    assert lab.main(["--folder", str(folder)]) == 0
    assert opened == [(folder, folder / lab.FIRST_NOTEBOOK)]
    nb = nbformat.read(folder / lab.FIRST_NOTEBOOK, as_version=4)
    assert not any({"solution", "maintainer"} & set(c.metadata.get("tags", [])) for c in nb.cells)
    assert all(not c.get("outputs") for c in nb.cells)
    assert "no outputs, no solutions" in capsys.readouterr().out

    mine = folder / lab.FIRST_NOTEBOOK
    mine.write_bytes(mine.read_bytes() + b" ")   # the student's work
    work = mine.read_bytes()
    assert lab.main(["--student", "--folder", str(folder)]) == 0      # the flag says the same
    assert mine.read_bytes() == work and capsys.readouterr().out == ""


def test_the_makefile_gives_students_their_copies_and_instructors_theirs_one_flag_away():
    recipe = (ROOT / "Makefile").read_text().split("\nlab:")[1].split("\n\n")[0]
    assert "--student" not in recipe and "$(if $(TEACH),--instructor,)" in recipe
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```bash")[1].split("```")[0].strip().splitlines()
    assert block[0].startswith("make lab ") and "student" in block[0], "the README's first command is the students'"
    assert any(line.startswith("make lab TEACH=1 ") for line in block), "the instructor's copy is one flag away"


def test_each_folder_keeps_its_own_workspace_and_no_news(tmp_path):
    cmd = lab.jupyterlab_command(tmp_path, tmp_path / "00.ipynb", allow_root=False)
    assert f"--LabApp.workspaces_dir={tmp_path.resolve() / lab.WORKSPACES_NAME}" in cmd
    assert "--LabApp.news_url=None" in cmd
    path = lab.quiet_settings(tmp_path / "app")
    (path.parent / "keep.json").write_text("{}")
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:notification": {"doNotDisturbMode": True},
                                "other": {"a": 1}}))
    assert lab.quiet_settings(tmp_path / "app") == path
    got = json.loads(path.read_text())
    assert got["other"] == {"a": 1}, "other overrides are kept"
    assert got["@jupyterlab/apputils-extension:notification"] == {"doNotDisturbMode": True, "fetchNews": "false",
                                                                  "checkForUpdates": False}
    path.write_text("not json")
    assert json.loads(lab.quiet_settings(tmp_path / "app").read_text()) == lab.SETTINGS_OVERRIDES


def test_make_lab_refreshes_the_copies_only_when_no_jupyterlab_serves_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lab, "serve", lambda folder, notebook, extra=(): 0)
    folder = tmp_path / "lab"
    monkeypatch.setattr(lab, "course_server", lambda folder: {"pid": 1})    # one is running
    assert lab.main(["--instructor", "--folder", str(folder)]) == 0
    assert not folder.exists() and capsys.readouterr().out == ""
    monkeypatch.setattr(lab, "course_server", lambda folder: None)
    assert lab.main(["--instructor", "--folder", str(folder)]) == 0
    assert (folder / lab.FIRST_NOTEBOOK).read_bytes() == (ROOT / "notebooks" / lab.FIRST_NOTEBOOK).read_bytes()
    assert "copied 00, " in capsys.readouterr().out
