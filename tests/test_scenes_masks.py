"""The scenes' pixel masks (``generate_scenes(..., masks=True)``), against what the painters actually changed.

Independent of the mask bookkeeping: every object painter is wrapped to record the canvas before and after it
paints, so "the pixels this object painted" is read off the pixels themselves; nearer objects painted later
remove what they paint over. The masks must agree with that, leave the pictures unchanged, and carry the
classes (``class_map``).
"""

import numpy as np
import pytest

from helpers.scenes import CLASS_IDS, generate_scenes
from helpers.scenes import generation as G
from helpers.validate import InputError


def _painted_by_hand(monkeypatch, n, seed, **kw):
    """Per scene: a list of (landmarks, visible-changed-pixels) for each object, from the canvas itself."""
    record: list[list] = []

    def wrap(painter):
        def painted(cv, rng, *args):
            before = cv.img.copy()
            pts, facing = painter(cv, rng, *args)
            changed = np.abs(cv.img - before).max(axis=0)                 # (size, size)
            for _, earlier in record[-1]:
                earlier[changed > 0.05] = False                           # painted over by a nearer object
            record[-1].append((pts / cv.size, changed > 0.2))
            return pts, facing
        return painted

    for cid in list(G.PAINTERS):
        monkeypatch.setitem(G.PAINTERS, cid, wrap(G.PAINTERS[cid]))
    original = G.Canvas.__init__

    def new_canvas(self, size):
        record.append([])
        original(self, size)

    monkeypatch.setattr(G.Canvas, "__init__", new_canvas)
    scenes = generate_scenes(n, seed, masks=True, workers=1, **kw)
    return scenes, record


@pytest.mark.parametrize("kw", [{}, {"n_objects": (2, 4)}])
def test_masks_hold_the_pixels_each_object_painted(monkeypatch, kw):
    scenes, record = _painted_by_hand(monkeypatch, 40, 7, **kw)
    assert len(record) == len(scenes)
    inside, covered = [], []
    for i, objs in enumerate(scenes.objects):
        assert len(record[i]) == len(objs)
        for k, o in enumerate(objs):
            strong = next(m for pts, m in record[i]
                          if pts.shape == o.landmarks.shape and np.allclose(np.clip(pts, 0, 1), o.landmarks, atol=1e-6))
            mine = scenes.masks[i] == k + 1
            if strong.sum() >= 5:
                inside.append((mine & strong).sum() / strong.sum())    # strongly painted -> in its mask
            if mine.sum():
                covered.append((mine & ~np.any([m for pts, m in record[i] if m is not strong] or
                                               [np.zeros_like(mine)], axis=0)).mean() / mine.mean())
    # anti-aliased edges blur both sides of the comparison: judged on the typical object and the 10 % worst
    assert np.median(inside) >= 0.95 and np.percentile(inside, 10) >= 0.85, (np.median(inside), min(inside))
    assert np.median(covered) >= 0.99 and np.percentile(covered, 10) >= 0.95, \
        "an object's mask should hardly hold another object's strongly painted pixels"


def test_masks_stay_inside_their_boxes_and_leave_the_pictures_unchanged():
    plain = generate_scenes(60, 3, n_objects=(1, 3))
    scenes = generate_scenes(60, 3, n_objects=(1, 3), masks=True)
    assert np.array_equal(plain.images, scenes.images), "asking for masks must not change a pixel"
    size = scenes.images.shape[1]
    centres = (np.arange(size) + 0.5) / size
    for i, objs in enumerate(scenes.objects):
        for k, o in enumerate(objs):
            ys, xs = np.nonzero(scenes.masks[i] == k + 1)
            x0, y0, x1, y1 = o.corners()
            assert ys.size > 0, f"scene {i} object {k} has no visible pixel"
            tol = 1 / size                                 # soft (anti-aliased) edges: within a pixel
            assert centres[xs].min() >= x0 - tol and centres[xs].max() <= x1 + tol and centres[ys].min() >= y0 - tol \
                and centres[ys].max() <= y1 + tol, f"scene {i}: object {k}'s mask leaves its box"
    assert scenes.masks.max() <= 3 and plain.masks is None


def test_class_map_and_subset_and_parallel():
    scenes = generate_scenes(30, 2, masks=True)
    cmap = scenes.class_map()
    for i, objs in enumerate(scenes.objects):
        want = {0} | ({objs[0].class_id} if objs else set())
        assert set(np.unique(cmap[i])) <= want
        if not objs:
            assert not scenes.masks[i].any(), "a background scene has no object pixels"
    sub = scenes.subset([3, 1])
    assert np.array_equal(sub.masks, scenes.masks[[3, 1]])
    assert (cmap[scenes.class_ids == CLASS_IDS["car"]] == CLASS_IDS["car"]).any()
    many = generate_scenes(1200, 4, masks=True, workers=2, start=3000)
    assert np.array_equal(many.masks[-5:], generate_scenes(5, 4, masks=True, start=4195).masks)


def test_bad_masks_argument_and_class_map_without_masks():
    with pytest.raises(InputError, match="^masks: expected True or False"):
        generate_scenes(2, 0, masks="yes")
    with pytest.raises(InputError, match="^masks: .*masks=True"):
        generate_scenes(2, 0).class_map()
