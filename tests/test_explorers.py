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
    lb.kind.value = "pedestrian"                  # class 3: c3, as on the slides
    assert "[1, 0.5, 0.6, 0.3, 0.4, 0, 0, 1]" in lb.text.value
    lb.sliders["bx"].value = 0.95  # the box now leaves the image
    assert "not a valid label" in lb.text.value
    lb.kind.value = "background"
    assert "[0, ?, ?, ?, ?, ?, ?, ?]" in lb.text.value


def _gallery(rng):
    """Images named as the notebooks name them; the empty street first, as in notebooks 01 and 03."""
    names = ["scene 0: background", "scene 1: motorcycle", "scene 2: background", "scene 3: car"]
    return {n: rng.integers(0, 255, (8, 8, 3), dtype=np.uint8) for n in names}


def test_activation_explorer_opens_on_an_object_and_its_most_active_channel():
    rng = np.random.default_rng(1)
    imgs = _gallery(rng)
    acts = {}
    for name in imgs:
        first = rng.random((8, 8, 6)).astype(np.float32) * np.array([0, 0.2, 0.1, 0.9, 0.3, 0.5], np.float32)
        first[..., 0] = 0.0                                  # channel 0: dead, where the explorer used to open
        acts[name] = {"l1": first, "l2": rng.random((4, 4, 3)).astype(np.float32)}
    ex = ActivationExplorer(imgs, acts, size=64)

    assert ex.image_box.value == "scene 1: motorcycle", "the first image with an object, not the empty street"
    totals = [sum(float(v) for v in acts["scene 1: motorcycle"]["l1"][..., c].ravel()) for c in range(6)]
    best = max(range(6), key=lambda c: totals[c])            # by hand: the channel with the largest sum
    assert best == 3 and ex.layer_box.value == "l1" and ex.channel.value == best
    assert f"channel {best} of 6" in ex.caption.value and "blank" not in ex.caption.value

    chosen = ActivationExplorer(imgs, acts, size=64, start="scene 3: car")
    assert chosen.image_box.value == "scene 3: car"
    with pytest.raises(ValueError, match="^start: expected one of 'scene 0: background'"):
        ActivationExplorer(imgs, acts, start="scene 9")
    only_empty = {"scene 0: background": imgs["scene 0: background"]}
    assert ActivationExplorer(only_empty, {k: acts[k] for k in only_empty}).image_box.value == "scene 0: background"


def test_cam_explorer_opens_on_an_object_with_its_own_class():
    from helpers.explorers import CamExplorer

    rng = np.random.default_rng(2)
    imgs = _gallery(rng)
    maps = {(n, c, l): rng.random((4, 4)).astype(np.float32)
            for l in ("block2", "block4") for c in ("car", "pedestrian", "motorcycle") for n in imgs}
    ex = CamExplorer(imgs, maps, size=32)
    assert (ex.image_box.value, ex.class_box.value, ex.layer_box.value) == ("scene 1: motorcycle", "motorcycle",
                                                                              "block2")
    car = CamExplorer(imgs, maps, size=32, start="scene 3: car")
    assert (car.image_box.value, car.class_box.value) == ("scene 3: car", "car")
    unnamed = CamExplorer({"photo: cat": imgs["scene 3: car"]},
                          {("photo: cat", c, "block4"): np.ones((4, 4)) for c in ("car", "pedestrian")}, size=32)
    assert unnamed.class_box.value == "car", "no class in the name: the first class"
    with pytest.raises(ValueError, match="^start: expected one of"):
        CamExplorer(imgs, maps, start="scene 9: car")


def test_class_menus_show_the_slides_class_ids():
    from helpers.explorers import CamExplorer, LabelBuilder

    lb = LabelBuilder(np.zeros((64, 64, 3), np.uint8))
    assert [label for label, _ in lb.kind.options] == ["1 motorcycle", "2 car", "3 pedestrian", "4 background"]
    rng = np.random.default_rng(0)
    maps = {("scene 1: car", c, "b"): rng.random((4, 4)).astype(np.float32) for c in ("car", "pedestrian", "cat")}
    ex = CamExplorer({"scene 1: car": np.zeros((8, 8, 3), np.uint8)}, maps, size=32)
    assert [label for label, _ in ex.class_box.options] == ["2 car", "3 pedestrian", "cat"]
    assert ex.class_box.value == "car"


def test_filter_explorer_shows_the_chosen_filter_and_its_examples():
    from helpers.explorers import FilterExplorer

    rng = np.random.default_rng(0)
    pats = {"b1": rng.integers(0, 255, (3, 16, 16, 3), dtype=np.uint8), "b2": rng.integers(0, 255, (2, 16, 16, 3),
                                                                                          dtype=np.uint8)}
    pch = {"b1": rng.integers(0, 255, (3, 7, 4, 4, 3), dtype=np.uint8), "b2": rng.integers(0, 255, (2, 7, 6, 6, 3),
                                                                                         dtype=np.uint8)}
    ex = FilterExplorer(pats, pch, {"b1": [4, 9, 11], "b2": [0, 5]}, {"b1": ["a", "car wheels", "c"], "b2": ["d", "e"]},
                        size=64)
    ex.filter.value = 9
    assert "filter 9: car wheels" in ex.caption.value
    import io

    from PIL import Image
    shown = np.asarray(Image.open(io.BytesIO(ex.pattern.value)))
    assert np.array_equal(shown[::4, ::4], pats["b1"][1]), "the pattern of filter 9, at 4x"
    sheet = np.asarray(Image.open(io.BytesIO(ex.examples.value)))
    scale = max(1, 64 // 8)
    assert np.array_equal(sheet[:4 * scale:scale, :4 * scale:scale], pch["b1"][1][0]), "its strongest example first"
    ex.block.value = "b2"
    assert ex.filter.options == (0, 5) and "b2" in ex.caption.value
    assert ex.time_update(repeats=4) < 200
    with pytest.raises(ValueError, match="^labels: "):
        FilterExplorer(pats, pch, {"b1": [4, 9, 11], "b2": [0, 5]}, {"b1": ["a"], "b2": ["d", "e"]})
