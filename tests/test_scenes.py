import hashlib
import math

import numpy as np
import pytest

from helpers import scenes as sc
from helpers.scenes import drawing, generation
from helpers.scenes import CLASS_NAMES, LANDMARK_NAMES, generate_scenes


@pytest.fixture(scope="module")
def batch():
    return generate_scenes(400, seed=11)


def test_shapes_and_types(batch):
    assert batch.images.shape == (400, 64, 64, 3) and batch.images.dtype == np.uint8
    assert batch.class_ids.shape == (400,) and set(batch.class_ids) == {1, 2, 3, 4}
    assert batch.boxes.shape == (400, 4) and batch.boxes.dtype == np.float32
    assert np.array_equal(batch.labels, batch.class_ids - 1)
    # the four classes are drawn uniformly
    counts = np.bincount(batch.class_ids, minlength=5)[1:]
    assert counts.min() > 70, counts


def test_same_seed_same_pixels_in_any_batching():
    whole = generate_scenes(30, seed=5)
    again = generate_scenes(30, seed=5)
    part = generate_scenes(10, seed=5, start=20)
    assert np.array_equal(whole.images, again.images)
    assert np.array_equal(whole.images[20:], part.images)
    assert np.array_equal(whole.boxes[20:], part.boxes)
    assert not np.array_equal(whole.images, generate_scenes(30, seed=6).images)


def test_workers_do_not_change_the_result():
    a = generate_scenes(2100, seed=9, workers=1)
    b = generate_scenes(2100, seed=9, workers=2)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.class_ids, b.class_ids)


def test_golden_pixels():
    """The generator's output is pinned: the shipped model was trained on exactly these pixels.

    If you change the drawing on purpose, retrain (`make model`) and update the hash.
    """
    digest = hashlib.sha256(generate_scenes(64, seed=0).images.tobytes()).hexdigest()
    assert digest == GOLDEN, digest


GOLDEN = "26b585b22fb3577f5d9245834d5d70fdc60b63a068f3307e59d3a99ab2b06e3f"


def test_boxes_are_inside_the_image_and_hold_the_landmarks(batch):
    for objs in batch.objects:
        for o in objs:
            x0, y0, x1, y1 = o.corners()
            assert -1e-6 <= x0 < x1 <= 1 + 1e-6 and -1e-6 <= y0 < y1 <= 1 + 1e-6
            assert o.landmarks.shape == (len(LANDMARK_NAMES[o.class_name]), 2)
            lx, ly = o.landmarks[:, 0], o.landmarks[:, 1]
            assert np.all((lx >= x0 - 1e-6) & (lx <= x1 + 1e-6) & (ly >= y0 - 1e-6) & (ly <= y1 + 1e-6))
    background = batch.class_ids == 4
    assert all(not batch.objects[i] for i in np.flatnonzero(background))
    assert np.all(batch.boxes[background] == 0)


@pytest.mark.parametrize("cls", [1, 2, 3])
def test_box_is_exactly_the_drawn_object(cls):
    """Pixels change only inside the box, and they change right up to each of its edges."""
    size = 64
    for index in range(8):
        rng = np.random.default_rng([123, index])
        cv = drawing.Canvas(size)
        lay = drawing.draw_street(cv, rng)
        before = cv.img.copy()
        ground, x, s = generation._place(rng, cls, lay)
        cv.extent = [math.inf, math.inf, -math.inf, -math.inf]
        drawing.PAINTERS[cls](cv, rng, x * size, ground * size, s * size)
        x0, y0, x1, y1 = cv.extent
        changed = np.abs(cv.img - before).max(axis=0) > 1e-4  # the canvas is channels-first
        rows, cols = np.nonzero(changed)
        # pixel i covers [i, i + 1): everything that changed lies in the box ...
        assert cols.min() >= math.floor(x0) - 1 and cols.max() <= math.ceil(x1)
        assert rows.min() >= math.floor(y0) - 1 and rows.max() <= math.ceil(y1)
        # ... and the box is tight: changes reach within 1.5 px of every edge
        assert cols.min() + 0.5 - x0 < 1.5 and x1 - (cols.max() + 0.5) < 1.5
        assert rows.min() + 0.5 - y0 < 1.5 and y1 - (rows.max() + 0.5) < 1.5


def test_pedestrian_faces_the_camera(batch):
    pts, present = batch.landmarks("pedestrian")
    names = LANDMARK_NAMES["pedestrian"]
    r, l = names.index("right_shoulder"), names.index("left_shoulder")
    assert present.sum() > 50
    # the person's right shoulder is on the image's left
    assert np.all(pts[present, r, 0] < pts[present, l, 0])
    # the head is above the neck, which is above the hips
    assert np.all(pts[present, 0, 1] < pts[present, 1, 1])
    assert np.all(pts[present, 1, 1] < pts[present, names.index("right_hip"), 1])


def test_vehicles_face_both_ways(batch):
    facing = [o.facing for objs in batch.objects for o in objs if o.class_name in ("car", "motorcycle")]
    assert set(facing) == {-1, 1}
    for objs in batch.objects:
        for o in objs:
            if o.class_name == "car":  # the headlight is on the side the car faces
                head, tail = o.landmarks[2, 0], o.landmarks[3, 0]
                assert (head - tail) * o.facing > 0


def test_scenes_vary(batch):
    imgs = batch.images.astype(np.float32)
    # backgrounds differ from scene to scene (not one template)
    assert imgs[:50].std(axis=0).mean() > 20
    sizes = batch.boxes[batch.class_ids != 4, 2]
    assert sizes.max() - sizes.min() > 0.2
    xs = batch.boxes[batch.class_ids != 4, 0]
    assert xs.min() < 0.35 and xs.max() > 0.65


def test_several_objects():
    multi = generate_scenes(40, seed=2, n_objects=(2, 3))
    counts = [len(o) for o in multi.objects]
    assert min(counts) >= 2 and max(counts) == 3
    for objs in multi.objects:
        areas = [o.box[2] * o.box[3] for o in objs]
        assert areas == sorted(areas, reverse=True)  # biggest object first: it names the scene
    only = generate_scenes(20, seed=2, classes=["car"], n_objects=(2, 2))
    assert {o.class_name for objs in only.objects for o in objs} == {"car"}


def test_class_subset_and_size():
    cars = generate_scenes(10, seed=1, classes=["car", 4])
    assert set(cars.class_ids) <= {2, 4}
    big = generate_scenes(2, seed=1, size=128)
    small = generate_scenes(2, seed=1)
    assert big.images.shape[1:] == (128, 128, 3)
    assert np.allclose(big.boxes, small.boxes, atol=1e-6)  # same scene, sharper


def test_subset(batch):
    sub = batch.subset(batch.class_ids == 2)
    assert len(sub) == int((batch.class_ids == 2).sum()) and set(sub.class_names) == {"car"}


@pytest.mark.parametrize("kwargs, message", [
    (dict(n=-1), "n: expected a whole number"),
    (dict(n=2.5), "n: expected a whole number"),
    (dict(n=2, seed=-3), "seed: expected a whole number >= 0"),
    (dict(n=2, size=8), "size: expected a whole number in 16..512"),
    (dict(n=2, classes=["bicycle"]), "unknown class 'bicycle'"),
    (dict(n=2, classes=[7]), "out of range"),
    (dict(n=2, n_objects=(3, 1)), "n_objects"),
])
def test_bad_input_says_what_to_do(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_scenes(**kwargs)


def test_class_names_match_the_slides():
    # the lecture's "Classes" slides: 1 motorcycle (c1), 2 car (c2), 3 pedestrian (c3), 4 background
    assert CLASS_NAMES == ("motorcycle", "car", "pedestrian", "background")
    assert sc.class_id("Car") == 2 and sc.class_id(4) == 4
    assert sc.class_id("motorcycle") == 1 and sc.class_id("pedestrian") == 3
