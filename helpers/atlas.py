"""What each filter fires on: dataset examples and the scenes' ground truth (notebook 02, "a filter atlas").

A pattern found by gradient ascent shows what *could* excite a filter; **dataset examples** show what does: the
held-out scene patches where the filter responds most (Olah et al. 2017 pair every pattern with them). The course
can go one step further than photos allow: every pixel of its scenes is known -- which object, which class, and
how close to which landmark -- so the share of a filter's top activations that fall on each class and each part
is *measured*, not guessed ("block 4 filter 37: car wheels, 91 %").

- :func:`receptive_field` -- the input window one unit of a layer sees: size, step between units, first centre;
- :func:`dataset_examples` -- each filter's top-``k`` activations over a set of images (at most one per image);
- :meth:`DatasetExamples.patches` -- the receptive-field crops around them;
- :func:`ground_truth_shares` -- where those activations fall: street or class, and which part (:data:`PARTS`);
- :func:`name_filters` -- the most selective filters, named by what they fire on;
- :func:`centre_window` -- the window of a pattern that the map's middle unit sees (its whole world);
- :func:`resemblance` -- how much each pattern looks like the average of its filter's dataset examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from . import validate
from .scenes import CLASS_NAMES, LANDMARK_NAMES

if TYPE_CHECKING:
    import keras

    from .scenes import StreetScenes

#: Bounded work (issue 29), checked before anything is allocated: most uint8 values the crops of
#: :meth:`DatasetExamples.patches` or :func:`centre_window` may hold (2**28: 256 MB), and most top activations
#: :func:`ground_truth_shares` looks up one by one (2**20).
MAX_PATCH_VALUES = 2 ** 28
MAX_LOOKUPS = 2 ** 20

__all__ = ["ReceptiveField", "receptive_field", "DatasetExamples", "dataset_examples", "PARTS", "part_labels",
           "ground_truth_shares", "name_filters", "centre_window", "resemblance"]

#: Landmarks grouped into the parts the atlas names ("car wheels"); a landmark in no group is not a part.
PARTS: dict[str, dict[str, tuple[str, ...]]] = {
    "motorcycle": {"wheels": ("front_wheel", "rear_wheel"), "headlight": ("headlight",),
                   "handlebar": ("handlebar",), "seat": ("seat",), "rider's head": ("rider_head",)},
    "car": {"wheels": ("front_wheel", "rear_wheel"), "lights": ("headlight", "taillight"),
            "roof": ("roof_front", "roof_rear")},
    "pedestrian": {"head": ("head",), "shoulders": ("neck", "right_shoulder", "left_shoulder"),
                   "elbows": ("right_elbow", "left_elbow"), "hands": ("right_wrist", "left_wrist"),
                   "hips": ("right_hip", "left_hip"), "knees": ("right_knee", "left_knee"),
                   "feet": ("right_ankle", "left_ankle")},
}


@dataclass(frozen=True)
class ReceptiveField:
    """The input window of one unit: ``size`` pixels wide; unit ``i`` is centred at ``start + i * jump`` (pixel
    coordinates, pixel ``p`` spanning ``[p, p + 1)``)."""

    size: int
    jump: int
    start: float

    def centre(self, index: np.ndarray) -> np.ndarray:
        """Centre of unit ``index`` (along one axis) in input pixel coordinates."""
        return self.start + np.asarray(index) * self.jump


#: Layers that do not move or widen the window.
_PASS = {"InputLayer", "Activation", "ReLU", "BatchNormalization", "Dropout", "Rescaling", "Normalization",
         "LayerNormalization", "GaussianNoise"}


def _pair(v, layer: str = "?") -> int:
    v = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    if v[0] != v[1]:
        validate.fail("model", "square kernels, pools and strides on the way to the layer",
                      f"{layer} with {v[0]}x{v[1]}", "pick a layer before it, or a model of square kernels")
    return int(v[0])


def receptive_field(model: "keras.Model", layer: str) -> ReceptiveField:
    """The receptive field of one unit of ``layer``, from the layers before it (a chain of convolutions and
    poolings, as in the course convnet: block 4's units see 38x38 pixels, 8 apart).

    Each convolution or pooling of kernel ``k``, stride ``s`` and padding ``p`` (``"same"``: ``(k - 1) / 2``)
    widens the window by ``(k - 1) * jump``, multiplies the jump by ``s`` and moves the first centre by
    ``((k - 1) / 2 - p) * jump``.
    """
    validate.model(model, "model")
    names = [ly.name for ly in model.layers]
    if not isinstance(layer, str) or layer not in names:
        validate.fail("layer", "the name of one of the model's layers: " + ", ".join(names[:12]),
                      validate.describe(layer))
    size, jump, start = 1, 1, 0.5
    for ly in model.layers[: names.index(layer) + 1]:
        kind, cfg = type(ly).__name__, ly.get_config()
        if kind in _PASS:
            continue
        if kind in ("Conv2D", "MaxPooling2D", "AveragePooling2D", "DepthwiseConv2D"):
            k = _pair(cfg.get("kernel_size", cfg.get("pool_size")), ly.name)
            s = _pair(cfg.get("strides") or k, ly.name)
            pad = (k - 1) / 2 if cfg.get("padding") == "same" else 0.0
            if _pair(cfg.get("dilation_rate", 1), ly.name) != 1:
                validate.fail("model", "convolutions without dilation", f"{ly.name} is dilated")
            start += ((k - 1) / 2 - pad) * jump
            size += (k - 1) * jump
            jump *= s
        else:
            validate.fail("model", "a chain of convolutions and poolings up to the layer",
                          f"{ly.name} ({kind}) on the way", "pick a layer before it")
    return ReceptiveField(int(size), int(jump), float(start))


@dataclass
class DatasetExamples:
    """Each filter's strongest responses over a set of images (at most one per image).

    Attributes
    ----------
    channels : (F,) filter indices; ``scene``, ``row``, ``col``, ``value`` : (F, k) where each top activation is
    (image index, unit row and column in the layer's map, its value), strongest first; ``field`` : the layer's
    :class:`ReceptiveField`.
    """

    channels: np.ndarray
    scene: np.ndarray
    row: np.ndarray
    col: np.ndarray
    value: np.ndarray
    field: ReceptiveField

    def centres(self) -> np.ndarray:
        """``(F, k, 2)`` the receptive fields' centres ``(x, y)`` in input pixels."""
        return np.stack([self.field.centre(self.col), self.field.centre(self.row)], axis=-1)

    def patches(self, images: np.ndarray, fill: int = 128) -> np.ndarray:
        """``(F, k, size, size, 3)`` uint8 crops of ``images`` (uint8) around each top activation: what the unit
        saw. Parts outside the image are ``fill`` (grey)."""
        imgs = validate.uint8_images(images, "images")
        fill = validate.integer(fill, "fill", low=0, high=255)
        f_n, k_n, s_n = self.scene.shape[0], self.scene.shape[1], self.field.size
        validate.at_most(f_n * k_n * s_n * s_n * 3, MAX_PATCH_VALUES, "examples", "crop values",
                         f"{f_n} filters x {k_n} examples x {s_n}x{s_n}x3",
                         "crop fewer filters or examples at a time (dataset_examples(..., k=..., channels=...))")
        if self.scene.size and self.scene.max() >= len(imgs):
            validate.fail("images", f"the images the activations came from (at least {self.scene.max() + 1})",
                          f"{len(imgs)} images")
        s, pad = self.field.size, self.field.size
        padded = np.pad(imgs, ((0, 0), (pad, pad), (pad, pad), (0, 0)), constant_values=fill)
        centre = self.centres()
        x0 = np.round(centre[..., 0] - s / 2).astype(int) + pad          # top-left corner in the padded image
        y0 = np.round(centre[..., 1] - s / 2).astype(int) + pad
        out = np.empty(self.scene.shape + (s, s, 3), np.uint8)
        for f in range(self.scene.shape[0]):
            for j in range(self.scene.shape[1]):
                out[f, j] = padded[self.scene[f, j], y0[f, j]:y0[f, j] + s, x0[f, j]:x0[f, j] + s]
        return out


def dataset_examples(activation: np.ndarray, field: ReceptiveField, k: int = 9,
                     channels: Sequence[int] | None = None) -> DatasetExamples:
    """The ``k`` strongest responses of each channel over the images of ``activation`` ``(N, h, w, C)``: for each
    image the channel's maximum, then the ``k`` images with the largest maxima (so one image cannot fill a
    filter's row), strongest first. Used in 02 (dataset examples beside each pattern)."""
    a = validate.array(activation, "activation", dtype=np.float32, ndim=4)
    if not isinstance(field, ReceptiveField):
        validate.fail("field", "a ReceptiveField (atlas.receptive_field(model, layer))", validate.describe(field),
                      kind=validate.InputTypeError)
    n, h, w, c = a.shape
    k = validate.integer(k, "k", low=1, high=n)
    if channels is not None and (isinstance(channels, (str, bytes, dict)) or not (
            hasattr(channels, "__iter__") or isinstance(channels, (int, np.integer)))):
        validate.fail("channels", "channel indices, e.g. range(8) or np.flatnonzero(live)", validate.describe(channels),
                      kind=validate.InputTypeError)
    listed = None if channels is None else (list(np.ravel(channels)) if hasattr(channels, "__iter__") else [channels])
    if listed is not None and not listed:
        validate.fail("channels", "at least one channel index", "an empty list", "pass None for all channels")
    idx = np.arange(c) if listed is None else np.asarray(
        [validate.integer(v, "channels", low=0, high=c - 1) for v in listed], dtype=int)
    flat = a[..., idx].reshape(n, h * w, len(idx))
    where = flat.argmax(axis=1)                                  # (N, F) best position in each image
    best = np.take_along_axis(flat, where[:, None, :], axis=1)[:, 0]   # (N, F)
    order = np.argsort(-best, axis=0, kind="stable")[:k].T       # (F, k) images, strongest first
    pos = np.take_along_axis(where.T, order, axis=1)
    value = np.take_along_axis(best.T, order, axis=1)
    return DatasetExamples(idx, order, pos // w, pos % w, value, field)


def part_labels() -> list[str]:
    """Every label :func:`ground_truth_shares` counts: ``"street"``, then per class its parts and ``"<class> other"``
    (on the object, near none of its named parts)."""
    out = ["street"]
    for cls in CLASS_NAMES[:3]:
        out += [f"{cls} {p}" for p in PARTS[cls]] + [f"{cls} other"]
    return out


def ground_truth_shares(examples: DatasetExamples, scenes: "StreetScenes", radius: float = 0.08) -> dict:
    """Where each filter's top activations fall, from the scenes' exact ground truth.

    The centre of each top activation's receptive field is looked up in the scene's masks (which object, or the
    street) and against that object's landmarks: within ``radius`` (a fraction of the image) of a landmark of one
    of :data:`PARTS`, it counts for that part ("car wheels"), else for ``"<class> other"``.

    Returns
    -------
    dict with ``"classes"`` ``(F, 4)`` shares on street, motorcycle, car, pedestrian (rows sum to 1);
    ``"parts"`` ``(F, P)`` shares on each of :func:`part_labels` (rows sum to 1); ``"labels"`` the part labels.
    """
    if not isinstance(examples, DatasetExamples):
        validate.fail("examples", "DatasetExamples (atlas.dataset_examples)", validate.describe(examples),
                      kind=validate.InputTypeError)
    masks = getattr(scenes, "masks", None)
    if masks is None:
        validate.fail("scenes", "scenes with masks", "scenes without", "generate_scenes(..., masks=True)")
    if examples.scene.size and examples.scene.max() >= len(scenes):
        validate.fail("scenes", f"the scenes the activations came from (at least {examples.scene.max() + 1})",
                      f"{len(scenes)} scenes")
    radius = validate.number(radius, "radius", low=0, high=1, low_open=True)
    validate.at_most(examples.scene.size, MAX_LOOKUPS, "examples", "top activations looked up",
                     f"{examples.scene.shape[0]} filters x {examples.scene.shape[1]} examples",
                     "fewer filters or examples at a time (dataset_examples(..., k=..., channels=...))")
    size = masks.shape[1]
    labels = part_labels()
    where = {lab: i for i, lab in enumerate(labels)}
    centre = examples.centres()
    cx = np.clip(np.floor(centre[..., 0]).astype(int), 0, size - 1)
    cy = np.clip(np.floor(centre[..., 1]).astype(int), 0, size - 1)
    f_n, k_n = examples.scene.shape
    classes = np.zeros((f_n, 4))
    parts = np.zeros((f_n, len(labels)))
    for f in range(f_n):
        for j in range(k_n):
            i = examples.scene[f, j]
            obj = int(masks[i, cy[f, j], cx[f, j]])
            if obj == 0:
                classes[f, 0] += 1
                parts[f, where["street"]] += 1
                continue
            o = scenes.objects[i][obj - 1]
            cls = o.class_name
            classes[f, o.class_id] += 1
            point = centre[f, j] / size
            d = np.linalg.norm(o.landmarks - point, axis=1)
            names = LANDMARK_NAMES[cls]
            label = f"{cls} other"
            if d.size and d.min() <= radius:
                near = names[int(d.argmin())]
                label = next((f"{cls} {p}" for p, group in PARTS[cls].items() if near in group), label)
            parts[f, where[label]] += 1
    return {"classes": classes / k_n, "parts": parts / k_n, "labels": labels}


def name_filters(shares: dict, channels: Sequence[int], threshold: float = 0.5) -> list[tuple[int, str, float]]:
    """``(channel, label, share)`` for every filter with at least ``threshold`` of its top activations on one part
    label (street included), most selective first. Used in 02's atlas and its exercise."""
    if not isinstance(shares, dict) or "parts" not in shares or "labels" not in shares:
        validate.fail("shares", "the dict ground_truth_shares returns (with 'parts' and 'labels')",
                      validate.describe(shares), kind=validate.InputTypeError)
    parts = validate.array(shares["parts"], "shares['parts']", ndim=2)
    validate.in_unit_range(parts, "shares['parts']", "shares of the top activations", "pass ground_truth_shares's "
                           "'parts' (fractions, each row summing to 1), not counts or percentages")
    labels = shares["labels"]
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__") or len(labels) != parts.shape[1]:
        validate.fail("shares['labels']", f"one label per column of shares['parts'] ({parts.shape[1]})",
                      validate.describe(labels), "pass the dict ground_truth_shares returns")
    if isinstance(channels, (str, bytes, dict)) or not hasattr(channels, "__iter__"):
        validate.fail("channels", "the channel index of each row of shares, e.g. examples.channels",
                      validate.describe(channels), kind=validate.InputTypeError)
    channels = [validate.integer(v, "channels", low=0) for v in np.ravel(list(channels))]
    if len(channels) != len(parts):
        validate.fail("channels", f"one channel per row of shares ({len(parts)})", f"{len(channels)}")
    threshold = validate.number(threshold, "threshold", low=0, high=1)
    best = parts.argmax(axis=1)
    top = parts.max(axis=1)
    out = [(int(channels[f]), shares["labels"][best[f]], float(top[f])) for f in range(len(parts))
           if top[f] >= threshold]
    return sorted(out, key=lambda t: (-t[2], t[0]))


def centre_window(images: np.ndarray, field: ReceptiveField) -> np.ndarray:
    """The receptive field of the middle unit of a layer's map, cut out of each image: ``(N, size, size, C)``.

    The middle unit is the one at row and column ``map_size // 2``, with ``map_size = image_size // jump`` (as
    ``featurevis.regularised_patterns(..., spatial="centre")`` maximises it). The window is cut as
    :meth:`DatasetExamples.patches` cuts the dataset examples, so a middle-unit pattern and its filter's scene
    patches show the same extent; parts outside the image are grey (128, or 0.5 for float images). Used in 02
    (the four blocks side by side, and the patterns' complexity).
    """
    x = validate.array(images, "images", dtype=None, ndim=4)
    if not isinstance(field, ReceptiveField):
        validate.fail("field", "a ReceptiveField (atlas.receptive_field(model, layer))", validate.describe(field),
                      kind=validate.InputTypeError)
    n, h, w, c = x.shape
    if h != w:
        validate.fail("images", "square images (N, S, S, C)", f"shape {x.shape}")
    middle = (h // field.jump) // 2
    centre = field.centre(middle)
    s = field.size
    validate.at_most(n * (h + 2 * s) * (w + 2 * s) * c, MAX_PATCH_VALUES, "images", "padded values",
                     f"{n} images of {h}x{w}x{c} padded by the {s}-pixel field on each side",
                     "pass fewer images at a time")
    lo = int(np.round(centre - s / 2))
    fill = 128 if x.dtype == np.uint8 else 0.5
    padded = np.pad(x, ((0, 0), (s, s), (s, s), (0, 0)), constant_values=fill)
    return padded[:, lo + s: lo + 2 * s, lo + s: lo + 2 * s].copy()


def resemblance(patterns: np.ndarray, patches: np.ndarray) -> np.ndarray:
    """How much each pattern looks like what its filter fires on: the Pearson correlation, over every pixel and
    colour, between pattern ``f`` and the pixel-wise mean of its ``k`` dataset-example patches.

    1 = the same picture up to brightness and contrast; 0 = no linear relation; negative = a negative image.
    A pattern or a mean patch with no variation at all has no correlation; it gets 0 (never NaN). Not used by a
    notebook since issue 25: never calibrated (shown to find a resemblance where one is known to exist), so it may
    not judge a slide's claim; kept, tested, for whoever calibrates it.

    Parameters
    ----------
    patterns : numpy.ndarray
        ``(F, S, S, C)``: one window per filter, e.g. :func:`centre_window` of middle-unit patterns. Any
        scale (uint8 0..255 or float 0..1 alike): r ignores brightness and contrast.
    patches : numpy.ndarray
        ``(F, k, S, S, C)``: each filter's dataset examples, e.g. :meth:`DatasetExamples.patches`, any scale.

    Returns
    -------
    numpy.ndarray
        ``(F,)`` float64 in [-1, 1].
    """
    pat = validate.array(patterns, "patterns", dtype=None, ndim=4)
    pch = validate.array(patches, "patches", dtype=None, ndim=5)
    if pch.shape[0] != pat.shape[0] or pch.shape[2:] != pat.shape[1:]:
        validate.fail("patches", f"(F, k, S, S, C) = ({pat.shape[0]}, k, {', '.join(map(str, pat.shape[1:]))}) "
                      "to match patterns", f"shape {pch.shape}",
                      "give each pattern its own filter's patches, cut to the same window (centre_window)")
    a = pat.astype(np.float64).reshape(len(pat), -1)
    b = pch.astype(np.float64).mean(axis=1).reshape(len(pat), -1)
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    norm = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    r = np.divide((a * b).sum(axis=1), norm, out=np.zeros(len(a)), where=norm > 1e-12)
    return np.clip(r, -1.0, 1.0)
