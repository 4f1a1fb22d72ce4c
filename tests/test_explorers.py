import numpy as np
import pytest

from helpers.explorers import ActivationExplorer


def test_explorer_updates_on_every_control():
    rng = np.random.default_rng(0)
    imgs = {"a": rng.integers(0, 255, (8, 8, 3), dtype=np.uint8), "b": rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)}
    acts = {k: {"l1": rng.random((8, 8, 4)).astype(np.float32), "l2": np.zeros((4, 4, 2), np.float32)} for k in imgs}
    ex = ActivationExplorer(imgs, acts, size=64)
    before = ex.map.value
    ex.channel.value = 3
    assert ex.map.value != before and "channel 3" in ex.caption.value
    ex.layer_box.value = "l2"
    assert ex.channel.max == 1 and "blank" in ex.caption.value
    ex.image_box.value = "b"
    assert ex.picture.value != b""
    ms = ex.time_update(repeats=4)
    # it really drove the controls: the view ends on the last layer and channel it set
    last = ex.layers[3 % len(ex.layers)]
    assert ex.layer_box.value == last and ex.channel.value == (7 * 3 + 3) % (ex.channel.max + 1)
    assert 0 <= ms < 10_000
    assert ex._repr_mimebundle_()["text/plain"].startswith("Activation explorer")


def test_explorer_needs_matching_names():
    with pytest.raises(ValueError, match="same"):
        ActivationExplorer({"a": np.zeros((8, 8, 3), np.uint8)}, {"b": {}})


def test_cam_explorer_updates_on_every_control():
    from helpers.explorers import CamExplorer

    rng = np.random.default_rng(0)
    imgs = {"s": rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)}
    maps = {("s", c, l): rng.random((4, 4)).astype(np.float32) for c in ("car", "pedestrian") for l in ("a", "b")}
    ex = CamExplorer(imgs, maps, size=32)
    first = ex.picture.value
    ex.class_box.value = "pedestrian"
    second = ex.picture.value
    ex.intensity.value = 0.0
    assert first != second != ex.picture.value
    with pytest.raises(ValueError, match="heatmaps: expected keys"):
        CamExplorer(imgs, {("other", "car", "a"): np.zeros((4, 4))})


def test_label_builder_follows_the_sliders():
    from helpers.explorers import LabelBuilder

    lb = LabelBuilder(np.zeros((8, 8, 3), np.uint8), size=64)
    assert lb.text.value == "<code>y = [1, 0.5, 0.6, 0.3, 0.4, 0, 1, 0]</code>"
    lb.kind.value = "pedestrian"
    assert "[1, 0.5, 0.6, 0.3, 0.4, 1, 0, 0]" in lb.text.value
    lb.sliders["bx"].value = 0.95  # the box now leaves the image
    assert "not a valid label" in lb.text.value
    lb.kind.value = "background"
    assert "[0, ?, ?, ?, ?, ?, ?, ?]" in lb.text.value
