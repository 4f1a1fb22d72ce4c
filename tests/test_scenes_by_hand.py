"""Scene generation: boxes that agree with the object's shape and landmarks, and the generator's parameters."""

import numpy as np
import pytest

from helpers.scenes import CLASS_NAMES, generate_scenes


@pytest.fixture(scope="module")
def objects_only():
    return generate_scenes(150, seed=21, classes=["pedestrian", "car", "motorcycle"])


def test_box_height_and_width_follow_the_object(objects_only):
    """(bx, by, bh, bw): a standing person is taller than wide, a car seen from the side wider than tall."""
    ratios = {1: [], 2: [], 3: []}
    for objs in objects_only.objects:
        _, _, bh, bw = objs[0].box
        ratios[objs[0].class_id].append(bh / bw)
    assert all(len(r) > 30 for r in ratios.values())
    assert min(ratios[3]) > 1.2          # class 3: pedestrian
    assert max(ratios[2]) < 0.7          # class 2: car
    assert min(ratios[1]) > 1.1          # class 1: motorcycle with its rider


def test_box_agrees_with_the_extent_of_the_landmarks(objects_only):
    for objs in objects_only.objects:
        o = objs[0]
        bx, by, bh, bw = o.box
        x, y = o.landmarks[:, 0], o.landmarks[:, 1]
        assert 0 <= bx - bw / 2 and bx + bw / 2 <= 1 + 1e-6 and 0 <= by - bh / 2 and by + bh / 2 <= 1 + 1e-6
        # the landmarks span most of the box (the joints, wheels, head ... lie near its edges) ...
        assert x.max() - x.min() >= 0.55 * bw and y.max() - y.min() >= 0.7 * bh, (o.class_name, o.box)
        # ... and sit around its centre
        assert abs(x.mean() - bx) <= 0.2 * bw and abs(y.mean() - by) <= 0.2 * bh, (o.class_name, o.box)


def test_batch_arrays_describe_the_first_object(objects_only):
    s = objects_only
    for i, objs in enumerate(s.objects):
        assert s.class_ids[i] == objs[0].class_id and np.allclose(s.boxes[i], objs[0].box)
    assert s.class_names[:3] == [CLASS_NAMES[c - 1] for c in s.class_ids[:3]]


@pytest.mark.parametrize("classes, ids", [(["motorcycle"], {1}), ([4], {4}), (["pedestrian", 2], {3, 2}),
                                          (["Pedestrian"], {3})])
def test_classes_are_honoured(classes, ids):
    s = generate_scenes(24, seed=8, classes=classes)
    assert set(s.class_ids) == ids
    background = s.class_ids == 4
    assert np.all(s.boxes[background] == 0) and all(not s.objects[i] for i in np.flatnonzero(background))
    assert np.array_equal(s.has_object(), ~background)


def test_each_scene_depends_only_on_seed_and_index():
    batch = generate_scenes(6, seed=13)
    for i in (0, 4):
        one = generate_scenes(1, seed=13, start=i)
        assert np.array_equal(one.images[0], batch.images[i]) and np.allclose(one.boxes[0], batch.boxes[i])
        assert one.start == i and one.seed == 13
    assert not np.array_equal(batch.images[0], batch.images[1])


def test_landmarks_take_the_first_object_of_the_class():
    s = generate_scenes(30, seed=2, n_objects=(2, 3))
    pts, present = s.landmarks("car")
    for i, objs in enumerate(s.objects):
        cars = [o for o in objs if o.class_name == "car"]
        assert present[i] == bool(cars)
        assert np.allclose(pts[i], cars[0].landmarks if cars else 0)
    assert present.any() and not present.all()
