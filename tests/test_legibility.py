"""The legibility standard (helpers.plotting): set once, applied by setup(), met by every stored figure.

The checker is tested on figures built to break one rule each (each must be caught, by the rule it breaks) and on
one that breaks none. The stored notebooks are read as a student's browser gets them: each PNG's own size and dpi
(its pHYs chunk), and no legibility warning in any output.
"""

from __future__ import annotations

import base64
import io
import struct

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_tools.run_notebooks import notebooks  # noqa: E402
from helpers import plotting  # noqa: E402
from helpers.plotting import MAX_WIDTH_PX, MIN_DPI, MIN_FONT_PT, legibility_problems  # noqa: E402


@pytest.fixture(autouse=True)
def style():
    with matplotlib.rc_context(plotting.FIGURE_STYLE):
        yield
    plt.close("all")


def test_the_standard_is_the_issues():
    assert MIN_DPI >= 110 and MIN_FONT_PT >= 10 and plotting.MIN_SCENE_PX >= 256
    assert 1000 <= MAX_WIDTH_PX <= 1200            # what fits a 1280-px screen or slide without shrinking
    sizes = [v for k, v in plotting.FIGURE_STYLE.items() if k.endswith(("size", "titlesize")) and k != "font.size"]
    assert plotting.FIGURE_STYLE["figure.dpi"] >= MIN_DPI and min(sizes) >= MIN_FONT_PT


def test_setup_applies_the_standard():
    from helpers.notebook import setup

    with matplotlib.rc_context():
        setup()
        assert matplotlib.rcParams["figure.dpi"] >= MIN_DPI
        for key in ("font.size", "axes.titlesize", "xtick.labelsize", "ytick.labelsize", "legend.fontsize"):
            size = matplotlib.font_manager.FontProperties(size=matplotlib.rcParams[key]).get_size_in_points()
            assert size >= MIN_FONT_PT, key


def _good():
    fig, ax = plt.subplots(figsize=(3.4, 3.4))
    ax.imshow(np.random.default_rng(0).random((64, 64)))
    ax.set_title("a scene")
    return fig


def test_a_legible_figure_has_no_problem():
    assert legibility_problems(_good()) == []


@pytest.mark.parametrize("break_it, expected", [
    (lambda fig: fig.set_dpi(80), "dpi"),
    (lambda fig: fig.axes[0].set_title("tiny", fontsize=7), "7 pt"),
    (lambda fig: fig.add_axes([0.0, 0.0, 1.0, 0.2]).plot([0, 1]) and fig.set_size_inches(12, 3.4), "px wide"),
    (lambda fig: fig.axes[0].text(5, 5, "one label", fontsize=11) and fig.axes[0].text(6, 6, "another", fontsize=11),
     "overlap"),
])
def test_each_rule_is_caught(break_it, expected):
    fig = _good()
    break_it(fig)
    problems = legibility_problems(fig)
    assert any(expected in p for p in problems), problems


def test_a_map_below_its_own_size_and_a_small_lone_scene_are_caught():
    fig, axes = plt.subplots(1, 8, figsize=(6, 1.2))         # 64x64 maps in ~0.6-inch tiles at 110 dpi: ~60 px
    for ax in axes:
        ax.imshow(np.zeros((64, 64)))
        ax.axis("off")
    assert any("below its own size" in p for p in legibility_problems(fig))
    fig, ax = plt.subplots(figsize=(2, 2))                    # one scene at ~170 px
    ax.imshow(np.zeros((64, 64, 3)))
    assert any("lone picture" in p for p in legibility_problems(fig))


def test_texts_of_several_lines_are_checked_for_overlaps_too():
    fig = _good()
    fig.axes[0].text(5, 5, "line one\nline two", fontsize=11)
    fig.axes[0].text(6, 6, "another", fontsize=11)
    assert any("overlap" in p for p in legibility_problems(fig))


def test_the_width_is_the_stored_pictures_with_its_padding():
    fig = plt.figure(figsize=(MAX_WIDTH_PX / MIN_DPI - 0.1, 2))      # a drawing just inside the limit ...
    fig.add_axes([0, 0, 1, 1]).plot([0, 1])
    fig.axes[0].axis("off")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")                 # ... is stored with the padding
    stored = _png_size_and_dpi(buf.getvalue())[0]
    assert (stored > MAX_WIDTH_PX) == any("px wide" in p for p in legibility_problems(fig)), stored


def test_texts_hidden_with_their_axes_do_not_count():
    fig = _good()
    ax = fig.add_axes([0.1, 0.1, 0.2, 0.2])
    ax.set_title("hidden", fontsize=5)
    ax.set_visible(False)
    assert legibility_problems(fig) == []


def test_a_wrong_argument_is_named():
    with pytest.raises(TypeError, match="fig"):
        legibility_problems("not a figure")


def _png_size_and_dpi(data: bytes) -> tuple[int, int, float | None]:
    """Width, height and dots per inch of a PNG, read from its IHDR and pHYs chunks (no imaging library)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, width, height, dpi = 8, 0, 0, None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"pHYs":
            ppx, _, unit = struct.unpack(">IIB", body)
            dpi = ppx * 0.0254 if unit == 1 else None
        pos += 12 + length
    return width, height, dpi


def test_the_png_reader_reads_what_matplotlib_wrote():
    buf = io.BytesIO()
    fig = plt.figure(figsize=(2, 1), dpi=120)
    fig.savefig(buf, format="png", dpi=120)
    w, h, dpi = _png_size_and_dpi(buf.getvalue())
    assert (w, h) == (240, 120) and dpi == pytest.approx(120, abs=0.1)


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_stored_figures_meet_the_standard(path):
    nb = nbformat.read(path, as_version=4)
    found, problems = 0, []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            text = out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
            if "LegibilityWarning" in text:
                problems.append(f"cell {i}: {text.strip()[:200]}")
            png = out.get("data", {}).get("image/png")
            if png is None:
                continue
            found += 1
            w, h, dpi = _png_size_and_dpi(base64.b64decode(png))
            if dpi is None or dpi < MIN_DPI - 0.5:
                problems.append(f"cell {i}: figure at {dpi} dpi")
            if w > MAX_WIDTH_PX + 2:
                problems.append(f"cell {i}: figure {w} px wide")
    assert found, "no stored figures: execute the notebook (make execute)"
    assert not problems, "\n".join(problems)
