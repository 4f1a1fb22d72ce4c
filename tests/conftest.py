import os

# Quiet TensorFlow in the test process. (Do not set MPLBACKEND here: nbval's kernels inherit the
# environment and would lose the inline backend, so their figures would silently vanish.)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: Seconds of work per scope (module or notebook) under `make test` on 2 cores, from `pytest --durations=0`
#: (session 7, notebooks 04-08 re-estimated in session 10 on a loaded machine): the scopes longer than 10 s. `make test` runs pytest-xdist's loadscope with
#: --no-loadscope-reorder, so scopes go to the workers in collection order; the hook below puts the longest
#: first (longest-processing-time scheduling), so that both workers end on short scopes. xdist's own reorder
#: sorts by *number* of tests, which put the two 100-second browser modules (2 and 3 tests) last.
SCOPE_SECONDS = {
    "tests/test_slides_fit.py": 110, "tests/test_day_one.py": 94,
    "notebooks/02_filter_patterns.ipynb": 59, "notebooks/08_explanations_under_test.ipynb": 55,
    "notebooks/07_trusting_explanations.ipynb": 52, "notebooks/04_localization_labels_and_loss.ipynb": 45,
    "notebooks/05_landmarks_and_pose.ipynb": 40, "notebooks/00_course_data_and_model.ipynb": 36,
    "notebooks/06_detection.ipynb": 32, "tests/test_browser.py": 31, "tests/test_train_models.py": 28,
    "notebooks/01_intermediate_activations.ipynb": 22, "tests/test_slides.py": 16,
    "notebooks/03_class_activation_heatmaps.ipynb": 12, "tests/test_cam_compiled.py": 12,
    "tests/test_model_untouched.py": 11,
    "tests/test_backend_parity.py": 60,    # issue 30: three backends' subprocesses at once (CPU seconds / 2 cores)
}


def pytest_collection_modifyitems(config, items):
    """Longest scopes first; a stable sort, so every scope stays whole and in its own order, and the others keep
    theirs. Only the order changes: every worker sorts the same collection the same way."""
    items.sort(key=lambda item: -SCOPE_SECONDS.get(item.nodeid.split("::")[0], 0))


#: The only reasons a test may skip (issue 28): the browser tests on a machine without Chromium or Playwright.
#: Every oracle (scipy.stats, pycocotools, TensorFlow's NMS) is a dependency `make test` installs, so a check that
#: skips is a check that cannot fail: any other skip makes the run fail, naming the test and its reason.
ALLOWED_SKIPS = ("no Chromium on this machine", "Playwright is not installed")
_UNEXPECTED_SKIPS: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not any(allowed in reason for allowed in ALLOWED_SKIPS):
            _UNEXPECTED_SKIPS.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    if _UNEXPECTED_SKIPS and not hasattr(session.config, "workerinput"):     # on the controller (or without xdist)
        print("\nUnexpected skips (only the browser tests may skip; install what the test needs):",
              *_UNEXPECTED_SKIPS, sep="\n  ")
        session.exitstatus = 1
