"""The setup cell's helpers: the training progress line, and plotting helpers added for legibility."""

from __future__ import annotations

import base64
import struct

import keras
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_tools import slides  # noqa: E402
from helpers import plotting  # noqa: E402
from helpers.notebook import progress  # noqa: E402


def _tiny():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_progress_prints_one_step_per_epoch_and_nothing_that_varies(capsys):
    x, y = np.zeros((8, 3), np.float32), np.zeros((8, 1), np.float32)
    _tiny().fit(x, y, epochs=3, verbose=0, callbacks=[progress("slide loss")])
    assert capsys.readouterr().out == "slide loss: epoch 1/3 · 2/3 · 3/3\n"
    _tiny().fit(x, y, epochs=1, verbose=0, callbacks=[progress()])
    assert capsys.readouterr().out == "epoch 1/1\n"


def test_progress_names_a_wrong_label():
    with pytest.raises(TypeError, match="label: expected a short text"):
        progress(3)


def test_zoom_to_box_shows_the_box_and_its_margin():
    fig, ax = plt.subplots()
    ax.imshow(np.zeros((100, 100, 3)))
    plotting.zoom_to_box(ax, (0.5, 0.4, 0.2, 0.1), 100, margin=0.5)     # side 0.2 * (1 + 2 * 0.5) = 0.4
    assert ax.get_xlim() == pytest.approx((29.5, 69.5)) and ax.get_ylim() == pytest.approx((59.5, 19.5))
    plotting.zoom_to_box(ax, (0.05, 0.5, 0.4, 0.1), 100, margin=0.0)     # clipped at the left edge
    assert ax.get_xlim()[0] == pytest.approx(-0.5)
    plt.close(fig)


def _overlaps(ax, fig) -> int:
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts]
    return int(sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]))


def test_landmark_numbers_never_cover_each_other():
    from helpers.scenes import generate_scenes

    s = generate_scenes(1, seed=7, classes=["pedestrian"], size=192)
    obj = s.objects[0][0]
    with matplotlib.rc_context(plotting.FIGURE_STYLE):
        fig, ax = plt.subplots(figsize=(3.4, 3.4))           # small enough for the first choices to collide
        plotting.draw_scene(ax, s.images[0], s.objects[0], boxes=False)
        naive = [ax.text(x * 192 + (4.8 if x >= obj.box[0] else -4.8), y * 192, str(k), fontsize=10,
                         ha="left" if x >= obj.box[0] else "right", va="center",
                         bbox=dict(pad=0.6)) for k, (x, y) in enumerate(obj.landmarks)]
        assert _overlaps(ax, fig) > 0, "the test needs a figure where the first choice of side collides"
        for t in naive:
            t.remove()
        plotting.label_landmarks(ax, obj, 192)
        assert len(ax.texts) == 14 and _overlaps(ax, fig) == 0
        assert sorted(int(t.get_text()) for t in ax.texts) == list(range(1, 15)), "the slides' l1 ... l14, 1-based"
        head = next(t for t in ax.texts if t.get_text() == "1")              # l1 is the head (index 0), the highest
        assert head.get_position()[1] == min(t.get_position()[1] for t in ax.texts)
        plt.close(fig)


def _png(height: int) -> str:
    raw = b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 100, height) + b"\x08\x06\x00\x00\x00"
    return base64.b64encode(raw + b"\x00" * 40).decode()


def test_a_cell_that_would_not_fit_starts_a_sub_slide():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    short, tall = code("x = 1"), code("plt.show()")
    tall.outputs = [nbformat.v4.new_output("display_data", {"image/png": _png(500)})]
    nb = nbformat.v4.new_notebook(cells=[md("## 1 · A section\n\nSome words."), short, tall, code("y = 2")])
    slides.assign_slide_types(nb)
    assert [c.metadata["slideshow"]["slide_type"] for c in nb.cells] == ["slide", "-", "subslide", "-"]
    assert slides.estimate_height(tall) >= 500
    tall.outputs[0]["data"]["image/png"] = _png(200)                       # now it fits below the words
    slides.assign_slide_types(nb, overwrite=True)
    assert nb.cells[2].metadata["slideshow"]["slide_type"] == "-"


def test_every_figure_a_notebook_shows_is_checked_as_it_is_shown():
    """The setup cell's display hook: a figure that breaks the standard warns and is logged, whether pyplot made it
    or not (IPython's own display machinery, as in a notebook)."""
    import warnings

    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure

    from helpers import notebook

    shell = InteractiveShell.instance()
    try:
        notebook._figures_without_text()
        notebook.legibility_log.clear()
        bad = plt.figure(figsize=(2, 2), dpi=80)
        bad.gca().set_title("small", fontsize=6)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            shell.display_formatter.format(bad)
            shell.display_formatter.format(Figure(figsize=(2, 2), dpi=80))       # not pyplot's: no number
        assert [w.category for w in caught] == [notebook.LegibilityWarning] * 2, [str(w.message) for w in caught]
        assert any("6 pt" in p for _, p in notebook.legibility_log)
        assert {n for n, _ in notebook.legibility_log} == {bad.number, -1}
    finally:
        notebook.legibility_log.clear()
        plt.close("all")
        InteractiveShell.clear_instance()
