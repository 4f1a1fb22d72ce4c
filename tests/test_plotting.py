import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from helpers.plotting import draw_scene, plot_confusion, plot_history, show_gallery  # noqa: E402
from helpers.scenes import generate_scenes  # noqa: E402


def test_gallery_draws_one_box_per_object():
    s = generate_scenes(8, seed=3)
    fig = show_gallery(s, n=8, cols=4)
    rects = [p for ax in fig.axes for p in ax.patches if isinstance(p, Rectangle)]
    assert len(rects) == sum(len(o) for o in s.objects)
    # the box sits where the ground truth says, in pixel coordinates
    k = next(i for i, o in enumerate(s.objects) if o)
    x0, y0, x1, y1 = s.objects[k][0].corners()
    r = fig.axes[k].patches[0]
    assert r.get_x() == pytest.approx(x0 * 64 - 0.5) and r.get_width() == pytest.approx((x1 - x0) * 64)
    plt.close(fig)


def test_plot_helpers_check_their_input():
    with pytest.raises(ValueError, match="image: expected an array with 3 dimensions"):
        draw_scene(plt.gca(), np.zeros((4, 4)))
    with pytest.raises(ValueError, match="image: expected one RGB image"):
        draw_scene(plt.gca(), np.zeros((4, 4, 4)))
    with pytest.raises(ValueError, match="4x4"):
        plot_confusion(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="metrics: expected names the history has"):
        plot_history({"loss": [1.0]}, metrics=("accuracy",))
    plt.close("all")


def test_boxes_can_carry_their_class_names():
    s = generate_scenes(6, seed=3, n_objects=(2, 2))
    fig, ax = plt.subplots()
    draw_scene(ax, s.images[0], s.objects[0], names=True)
    assert sorted(t.get_text() for t in ax.texts) == sorted(o.class_name for o in s.objects[0])
    plt.close(fig)


def test_plot_examples_shows_each_pattern_and_its_patches_at_whole_multiples():
    from helpers.plotting import FIGURE_STYLE, legibility_problems, plot_examples

    rng = np.random.default_rng(0)
    pats = rng.integers(0, 255, (2, 64, 64, 3), dtype=np.uint8)
    pch = rng.integers(0, 255, (2, 5, 18, 18, 3), dtype=np.uint8)
    with plt.rc_context(FIGURE_STYLE):
        fig = plot_examples(pats, pch, ["block3 filter 26: car wheels, 100%", "block3 filter 9: street, 60%"],
                            n_patches=3, dead=np.array([False, True]))
        assert legibility_problems(fig) == []
        row = fig.axes[0].images[0].get_array()
        assert np.array_equal(row[:128:2, :128:2], pats[0]), "the pattern, at 2x"
        assert np.array_equal(row[:126:7, 138:138 + 126:7], pch[0, 0]), "then its first patch, at 7x"
        assert "never fires" in fig.axes[1].get_title(loc="left") and "never" not in fig.axes[0].get_title(loc="left")
        plt.close(fig)
    with pytest.raises(ValueError, match="^patches: "):
        plot_examples(pats, pch[:1], ["a", "b"])
    with pytest.raises(ValueError, match="^n_patches: "):
        plot_examples(pats, rng.integers(0, 255, (2, 12, 64, 64, 3), dtype=np.uint8), ["a", "b"], n_patches=12)


def test_plot_examples_takes_rows_of_different_sizes():
    from helpers.plotting import FIGURE_STYLE, legibility_problems, plot_examples

    rng = np.random.default_rng(1)
    pats = [rng.integers(0, 255, (s, s, 3), dtype=np.uint8) for s in (38, 3)]      # the shorter row first
    pch = [rng.integers(0, 255, (4, s, s, 3), dtype=np.uint8) for s in (38, 3)]
    with plt.rc_context(FIGURE_STYLE):
        fig = plot_examples(pats[::-1], pch[::-1], ["block 1", "block 4"], height=80, n_patches=2)
        plt.close(fig)
        fig = plot_examples(pats, pch, ["block 4", "block 1"], height=80, n_patches=2)
        assert legibility_problems(fig) == []
        large, small = (ax.images[0].get_array() for ax in fig.axes)
        pats, pch = pats[::-1], pch[::-1]
        assert small.shape == large.shape, "rows padded to one size"
        assert np.array_equal(small[:78:26, :78:26], pats[0]), "3 px at 26x (the largest whole factor <= 80)"
        assert np.array_equal(large[:76:2, :76:2], pats[1]), "38 px at 2x"
        assert np.array_equal(large[:76:2, 86:86 + 76:2], pch[1][0]), "then its first patch"
        assert (small[80:] == 255).all(), "padding below the shorter row is white"
        plt.close(fig)


def test_plot_pattern_grid_says_how_many_filters_and_dead_ones():
    from helpers.plotting import FIGURE_STYLE, plot_pattern_grid

    imgs = np.zeros((6, 8, 8, 3), np.uint8)
    dead = np.array([True, False, False, True, False, False])
    with plt.rc_context(FIGURE_STYLE):
        fig = plot_pattern_grid(imgs, "block1", dead=dead, cols=6)
        assert "6 filters  ·  2 dead" in fig.texts[0].get_text()
        assert sum(len(ax.lines) for ax in fig.axes) == 2 * 2, "two red strokes per crossed-out tile"
        plt.close(fig)
        fig = plot_pattern_grid(imgs, "block1", dead=dead, cols=3, counts="3 filters, each twice")
        assert fig.texts[0].get_text() == "block1  ·  3 filters, each twice"
        plt.close(fig)
    with pytest.raises(TypeError, match="^counts: "):
        plot_pattern_grid(imgs, "block1", counts=3)
