"""Procedurally generated "street scenes": the course's offline dataset.

Each scene is a small RGB picture of a street seen from the side -- sky, a row of
buildings with windows, a sidewalk, a road with lane markings, street furniture
(lamps, trees, signs, bins) -- with at most one *object* of the lecture's classes:

====  ============  ==========================================
 id   name          landmarks (fixed order, see LANDMARK_NAMES)
====  ============  ==========================================
 1    motorcycle    wheels, headlight, handlebar, seat, rider
 2    car           wheels, lights, roof corners
 3    pedestrian    14 body joints (pose)
 4    background    none (no object in the scene)
====  ============  ==========================================

Ground truth is exact because the scene is drawn from geometry:

* ``box`` follows the slides: ``(bx, by, bh, bw)`` = centre x, centre y, height,
  width, all as fractions of the image size (x to the right, y downwards).
* ``landmarks`` are ``(x, y)`` fractions of the image size, in the order of
  ``LANDMARK_NAMES[class_name]``. A pedestrian faces the camera, so the person's
  *right* joints are on the image's *left*.

Scenes are drawn with anti-aliased signed-distance shapes using only IEEE-exact
array operations (no vectorised transcendental functions), and every scene ``i`` of
seed ``s`` draws from its own generator ``default_rng([s, i])``: the same seed
gives the same pixels on any machine, in any batch size, in any order.

The package has three parts: :mod:`~helpers.scenes.schema` (classes, the box convention, landmark
order, the containers), :mod:`~helpers.scenes.drawing` (the painters) and
:mod:`~helpers.scenes.generation` (:func:`generate_scenes`). Import from ``helpers.scenes``.
"""

from .generation import generate_scenes
from .schema import (
                     CLASS_IDS,
                     CLASS_NAMES,
                     LANDMARK_NAMES,
                     SKELETON,
                     SceneObject,
                     StreetScenes,
                     box_corners,
                     box_from_corners,
                     class_id,
)

__all__ = ["CLASS_NAMES", "CLASS_IDS", "LANDMARK_NAMES", "SKELETON", "SceneObject", "StreetScenes", "generate_scenes",
           "class_id", "box_corners", "box_from_corners"]
