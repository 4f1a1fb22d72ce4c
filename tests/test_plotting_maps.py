"""plotting.map_grid and plotting.randomisation_panels (notebook 07): legible, maps at their own size, clear errors."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from helpers import plotting  # noqa: E402
from helpers.notebook import setup  # noqa: E402

setup(seed=0)


def test_map_grid_is_legible_and_never_shrinks_a_map():
    import matplotlib.pyplot as plt
    imgs = np.random.default_rng(0).integers(0, 255, (3, 64, 64, 3), dtype=np.uint8)
    fig = plotting.map_grid(imgs, {"a\nb": np.random.rand(3, 64, 64), "signed": -np.random.rand(3, 8, 8)},
                            row_labels=["x", "y", "z"], tile=0.3)
    assert plotting.legibility_problems(fig) == []
    dpi = fig.dpi
    for ax in fig.axes:
        w = ax.get_position().width * fig.get_figwidth() * dpi
        assert w >= 63.5, "a 64-pixel map is never drawn below its size"
    # each map is shown by its size, scaled to its 99th percentile: a signed map's strongest pixels are bright
    shown = fig.axes[-1].images[0].get_array()
    assert shown.max() == 1 and shown.min() >= 0
    plt.close(fig)


@pytest.mark.parametrize("kwargs, name", [
    (dict(images=np.zeros((2, 8, 8, 3)), columns={"a": np.zeros((2, 8, 8))}), "images"),          # floats
    (dict(images=np.zeros((2, 8, 8, 3), np.uint8), columns={}), "columns"),
    (dict(images=np.zeros((2, 8, 8, 3), np.uint8), columns={"a": np.zeros((3, 8, 8))}), "columns['a']"),
    (dict(images=np.zeros((2, 8, 8, 3), np.uint8), columns={"a": np.zeros((2, 8, 8))}, row_labels=["x"]),
     "row_labels"),
    (dict(images=np.zeros((2, 8, 8, 3), np.uint8), columns={"a": np.full((2, 8, 8), np.nan)}), "columns['a']"),
])
def test_map_grid_bad_inputs_name_the_argument(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name.replace("[", r"\[").replace("]", r"\]")):
        plotting.map_grid(**kwargs)


def test_randomisation_panels_draw_every_method_and_reference():
    import matplotlib.pyplot as plt
    layers = ["logits", "dense", "block4_conv1"]
    methods = ["A", "B"]
    mean = {}
    for m in methods:
        for i, l in enumerate(layers):
            mean[f"cascade {l}", m] = 0.9 - 0.3 * i
        mean["only dense", m] = 0.5
        for ref in ("second seed", "another class", "shuffled labels"):
            mean[ref, m] = 0.4
    fig = plotting.randomisation_panels(mean, methods, layers, ["dense"], draws={"A": [0.9, 0.8, 0.7]})
    assert plotting.legibility_problems(fig) == []
    a = fig.axes[0]
    np.testing.assert_allclose(a.lines[0].get_ydata(), [0.9, 0.6, 0.3])      # the cascade, in order
    assert len(fig.axes[0].lines) == 1 + 1 + 3 + 1 and len(fig.axes[1].lines) == 1 + 1 + 3
    plt.close(fig)
