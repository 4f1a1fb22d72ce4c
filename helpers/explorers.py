"""Interactive explorers (ipywidgets) for the notebooks. Everything is computed before the first
slider move; a move only picks precomputed arrays and encodes two small PNGs."""

from __future__ import annotations

import io
import re
import time
from typing import Mapping, Sequence

import numpy as np

from . import validate
from .cam import overlay, upsample
from .localization import encode_label, format_label
from .plotting import CLASS_COLORS
from .scenes import CLASS_NAMES, box_corners

__all__ = ["ActivationExplorer", "CamExplorer", "FilterExplorer", "LabelBuilder"]


#: The class of an empty street: an explorer never opens on an image named after it when another is there.
_EMPTY = "background"


def _words(name: str) -> set[str]:
    return set(re.findall(r"[a-z]+", str(name).lower()))


def _first_with_an_object(names: Sequence[str]) -> str:
    """The first name that does not say "background" (the notebooks name images like ``scene 3: car``), else the
    first name: an explorer opens on something to see, not an empty street."""
    return next((n for n in names if _EMPTY not in _words(n)), names[0])


def _most_active_channel(activation: np.ndarray) -> int:
    """The channel with the largest total (mean) activation: the first view shows a channel that responds."""
    a = np.asarray(activation, dtype=np.float64)
    return int(np.argmax(a.reshape(-1, a.shape[-1]).mean(axis=0)))


def _with_id(name: str) -> str:
    """A class name as students see it on the slides, with its id ("2 car"); other names as they are."""
    return f"{CLASS_NAMES.index(name) + 1} {name}" if name in CLASS_NAMES else name


def _png(rgb: np.ndarray, scale: int) -> bytes:
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(rgb))
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _colour(m: np.ndarray) -> np.ndarray:
    """A channel map -> viridis RGB uint8 (blank maps are grey)."""
    from matplotlib import colormaps

    lo, hi = float(m.min()), float(m.max())
    if hi <= 0 and lo >= 0:
        return np.full(m.shape + (3,), 208, np.uint8)
    t = (m - lo) / (hi - lo) if hi > lo else np.full_like(m, 0.5)
    return (colormaps["viridis"](t)[..., :3] * 255).astype(np.uint8)


class _View:
    """Displays as its widget; stores a short, stable text instead of the widget's long repr (nbval compares it)."""

    widget = None
    summary = "Interactive view (run the notebook to use it)"

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle or {})
        bundle["text/plain"] = self.summary
        return bundle


class ActivationExplorer(_View):
    """Pick an image, a layer and a channel; see the image and that channel's activation side by side.

    It opens on an informative view: the image ``start`` (default: the first whose name does not say
    "background"), the first layer, and that image's most active channel there (largest mean activation).

    Parameters
    ----------
    images : mapping name -> (H, W, 3) uint8 image
    activations : mapping name -> {layer name: (h, w, C) activation of that image}
    size : int
        Displayed side of each picture in pixels.
    start : str, optional
        The image to open on (one of ``images``' names).
    """

    summary = "Activation explorer (run the notebook to use it)"

    def __init__(self, images: Mapping[str, np.ndarray], activations: Mapping[str, Mapping[str, np.ndarray]],
                 size: int = 256, *, start: str | None = None):
        import ipywidgets as w

        if not isinstance(images, Mapping) or not isinstance(activations, Mapping):
            validate.fail("images", "a dict {name: image} and activations {name: {layer: map}}",
                          validate.describe(images), kind=validate.InputTypeError)
        if not images or set(images) != set(activations):
            validate.fail("activations", "the same, non-empty set of image names as images",
                          f"{sorted(activations)[:4]} for images {sorted(images)[:4]}")
        size = validate.integer(size, "size", low=32, high=2048)
        self.images = dict(images)
        self.activations = {k: dict(v) for k, v in activations.items()}
        first = next(iter(self.images))
        self.layers = list(self.activations[first])
        self.size = size
        names = list(self.images)
        start = _first_with_an_object(names) if start is None else validate.choice(start, "start", names)
        opening = _most_active_channel(self.activations[start][self.layers[0]])
        self.image_box = w.Dropdown(options=names, value=start, description="image")
        self.layer_box = w.Dropdown(options=self.layers, description="layer")
        self.channel = w.IntSlider(opening, 0, self._channels(self.layers[0]) - 1, description="channel",
                                   continuous_update=True)
        self.picture = w.Image(format="png", width=size, height=size)
        self.map = w.Image(format="png", width=size, height=size)
        self.caption = w.HTML()
        for control in (self.image_box, self.layer_box, self.channel):
            control.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([w.HBox([self.image_box, self.layer_box, self.channel]),
                              w.HBox([self.picture, self.map]), self.caption])
        self.update()

    def _channels(self, layer: str) -> int:
        return next(iter(self.activations.values()))[layer].shape[-1]

    def update(self) -> None:
        """Redraw for the current choices (called on every control change)."""
        name, layer = self.image_box.value, self.layer_box.value
        n = self._channels(layer)
        if self.channel.max != n - 1:
            self.channel.max = n - 1
        k = min(self.channel.value, n - 1)
        img = self.images[name]
        m = self.activations[name][layer][..., k]
        self.picture.value = _png(img, max(1, self.size // img.shape[0]))
        self.map.value = _png(_colour(m), max(1, self.size // m.shape[0]))
        state = "blank: the pattern is not in this image" if m.max() <= 0 else f"max {m.max():.2f}"
        self.caption.value = f"<code>{layer}</code>, channel {k} of {n} — {m.shape[0]}x{m.shape[1]} — {state}"

    def time_update(self, repeats: int = 20) -> float:
        """Median milliseconds from a control change to the updated view (layers and channels in turn)."""
        times = []
        for r in range(repeats):
            layer = self.layers[r % len(self.layers)]
            for control, value in ((self.layer_box, layer), (self.channel, (7 * r + 3) % self._channels(layer))):
                t0 = time.perf_counter()
                control.value = value
                times.append((time.perf_counter() - t0) * 1000)
        return float(np.median(times))


class CamExplorer(_View):
    """Pick a scene, a class and a layer; slide the overlay's intensity. Heatmaps are precomputed.

    It opens on an informative view: the scene ``start`` (default: the first whose name does not say
    "background"), with the heatmap of the class its name says (``scene 3: car`` -> car; else the first class),
    at the first layer.

    Parameters
    ----------
    images : mapping name -> (H, W, 3) uint8 image
    heatmaps : mapping (image name, class name, layer name) -> (h, w) heatmap in [0, 1]
    size : int
        Displayed side of the picture in pixels.
    start : str, optional
        The scene to open on (one of the heatmaps' image names).
    """

    summary = "Class activation explorer (run the notebook to use it)"

    def __init__(self, images: Mapping[str, np.ndarray], heatmaps: Mapping[tuple[str, str, str], np.ndarray],
                 size: int = 256, *, start: str | None = None):
        import ipywidgets as w

        self._overlay = overlay
        if not isinstance(images, Mapping) or not isinstance(heatmaps, Mapping):
            validate.fail("heatmaps", "a dict {(image name, class name, layer name): heatmap}",
                          validate.describe(heatmaps), kind=validate.InputTypeError)
        size = validate.integer(size, "size", low=32, high=2048)
        self.images = dict(images)
        keys = list(heatmaps)
        if not keys or any(not isinstance(k, tuple) or len(k) != 3 or k[0] not in self.images for k in keys):
            validate.fail("heatmaps", "keys (image name, class name, layer name) of the given images",
                          f"keys such as {keys[:2]}")
        # upsample once, up front
        self.heatmaps = {k: upsample(v, self.images[k[0]].shape[:2]) for k, v in heatmaps.items()}
        self.size = size
        scenes = list(dict.fromkeys(k[0] for k in keys))
        start = _first_with_an_object(scenes) if start is None else validate.choice(start, "start", scenes)
        of_start = [k for k in keys if k[0] == start]
        opening = next((k for k in of_start if _words(k[1]) and _words(k[1]) <= _words(start)), of_start[0])
        self.image_box = w.Dropdown(options=scenes, value=start, description="scene")
        self.class_box = w.Dropdown(options=[(_with_id(c), c) for c in dict.fromkeys(k[1] for k in keys)],
                                    value=opening[1],
                                    description="class")
        self.layer_box = w.Dropdown(options=list(dict.fromkeys(k[2] for k in keys)), value=opening[2],
                                    description="layer")
        self.intensity = w.FloatSlider(0.4, min=0.0, max=1.0, step=0.05, description="intensity")
        self.picture = w.Image(format="png", width=size, height=size)
        for control in (self.image_box, self.class_box, self.layer_box, self.intensity):
            control.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([w.HBox([self.image_box, self.class_box]), w.HBox([self.layer_box, self.intensity]),
                              self.picture])
        self.update()

    def update(self) -> None:
        """Redraw the overlay for the current choices."""
        key = (self.image_box.value, self.class_box.value, self.layer_box.value)
        img = self.images[key[0]]
        pic = self._overlay(img, self.heatmaps[key], self.intensity.value)
        self.picture.value = _png(pic, max(1, self.size // img.shape[0]))



class LabelBuilder(_View):
    """Sliders for ``bx, by, bh, bw`` and a class: the label vector and the drawn box follow live."""

    summary = "Label builder (run the notebook to use it)"

    def __init__(self, image: np.ndarray, size: int = 256):
        import ipywidgets as w

        self.image = validate.uint8_images(image, "image")[0]
        self.size = validate.integer(size, "size", low=32, high=2048)
        self.sliders = {n: w.FloatSlider(v, min=0.0, max=1.0, step=0.01, description=n)
                        for n, v in (("bx", 0.5), ("by", 0.6), ("bh", 0.3), ("bw", 0.4))}
        # shown with the slides' class ids ("2 car"); the value stays the name
        self.kind = w.Dropdown(options=[(f"{i} {n}", n) for i, n in enumerate(CLASS_NAMES, start=1)], value="car",
                               description="class")
        self.text = w.HTML()
        self.picture = w.Image(format="png", width=size, height=size)
        for c in (self.kind, *self.sliders.values()):
            c.observe(lambda change: self.update(), names="value")
        s = self.sliders
        self.widget = w.VBox([w.HBox([self.kind, s["bx"], s["by"]]), w.HBox([s["bh"], s["bw"]]), self.text,
                              self.picture])
        self.update()

    def update(self) -> None:
        from PIL import Image, ImageDraw


        box = tuple(self.sliders[n].value for n in ("bx", "by", "bh", "bw"))
        img = Image.fromarray(self.image).resize((self.size, self.size), Image.Resampling.NEAREST)
        try:
            y = encode_label(self.kind.value, box)
            self.text.value = f"<code>y = {format_label(y)}</code>"
            if self.kind.value != "background":
                ImageDraw.Draw(img).rectangle((box_corners(box) * self.size).tolist(),
                                              outline=CLASS_COLORS[self.kind.value], width=3)
        except ValueError as err:  # e.g. a box that leaves the image
            self.text.value = f"<b>not a valid label:</b> {err}"
        buf = io.BytesIO()
        img.save(buf, format="PNG", compress_level=1)
        self.picture.value = buf.getvalue()



class FilterExplorer(_View):
    """Pick a block and one of its filters; see the filter's pattern beside its dataset examples (the held-out
    patches that excite it most) and what the scenes' ground truth says they show.

    Opens on the first block's first filter; choosing a block opens its first filter.

    Parameters
    ----------
    patterns : mapping block -> (F, H, W, 3) uint8 patterns, one per filter of ``channels[block]``
    patches : mapping block -> (F, k, s, s, 3) uint8 dataset examples, strongest first
    channels : mapping block -> (F,) the filter numbers
    labels : mapping block -> list of F strings, e.g. ``"car wheels, 90 % of its top 20"``
    size : int
        Displayed side of the pattern in pixels (patches are drawn at the same scale per pixel or larger).
    """

    summary = "Filter explorer (run the notebook to use it)"

    def __init__(self, patterns: Mapping[str, np.ndarray], patches: Mapping[str, np.ndarray],
                 channels: Mapping[str, Sequence[int]], labels: Mapping[str, Sequence[str]], size: int = 192):
        import ipywidgets as w

        for name, value in (("patterns", patterns), ("patches", patches), ("channels", channels), ("labels", labels)):
            if not isinstance(value, Mapping) or not value:
                validate.fail(name, "a non-empty dict {block: ...}", validate.describe(value),
                              kind=validate.InputTypeError)
        blocks = list(patterns)
        for name, value in (("patches", patches), ("channels", channels), ("labels", labels)):
            if list(value) != blocks:
                validate.fail(name, f"the same blocks as patterns ({blocks})", f"{list(value)}")
        for b in blocks:
            n = len(channels[b])
            for name, value in (("patterns", patterns[b]), ("patches", patches[b]), ("labels", labels[b])):
                if len(value) != n:
                    validate.fail(name, f"one entry per filter of {b} ({n})", f"{len(value)}")
        self.size = validate.integer(size, "size", low=32, high=2048)
        self.patterns = {b: validate.uint8_images(patterns[b], "patterns") for b in blocks}
        self.patches = {b: np.asarray(patches[b], np.uint8) for b in blocks}
        self.channels = {b: [int(c) for c in channels[b]] for b in blocks}
        self.labels = {b: list(labels[b]) for b in blocks}
        self.block = w.Dropdown(options=blocks, value=blocks[0], description="block")
        self.filter = w.Dropdown(options=self.channels[blocks[0]], description="filter")
        self.pattern = w.Image(format="png", width=self.size, height=self.size)
        self.examples = w.Image(format="png")
        self.caption = w.HTML()
        self.block.observe(lambda change: self._new_block(), names="value")
        self.filter.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([w.HBox([self.block, self.filter]), w.HBox([self.pattern, self.examples]),
                              self.caption])
        self._new_block()

    def _new_block(self) -> None:
        b = self.block.value
        self.filter.options = self.channels[b]
        self.filter.value = self.channels[b][0]
        self.update()

    def update(self) -> None:
        """Redraw for the current block and filter."""
        b = self.block.value
        i = self.channels[b].index(self.filter.value)
        pattern = self.patterns[b][i]
        self.pattern.value = _png(pattern, max(1, self.size // pattern.shape[0]))
        tiles = self.patches[b][i]                                        # (k, s, s, 3)
        k, s = tiles.shape[0], tiles.shape[1]
        cols = min(k, 5)
        rows = -(-k // cols)
        gap = 1
        sheet = np.full((rows * (s + gap) - gap, cols * (s + gap) - gap, 3), 255, np.uint8)
        for j in range(k):
            r, c = divmod(j, cols)
            sheet[r * (s + gap):r * (s + gap) + s, c * (s + gap):c * (s + gap) + s] = tiles[j]
        scale = max(1, self.size // (2 * s))
        self.examples.value = _png(sheet, scale)
        self.examples.width, self.examples.height = sheet.shape[1] * scale, sheet.shape[0] * scale
        self.caption.value = f"<code>{b}</code>, filter {self.filter.value}: {self.labels[b][i]}"

    def time_update(self, repeats: int = 10) -> float:
        """Median milliseconds from choosing a filter to the updated view."""
        times = []
        for r in range(repeats):
            b = self.block.options[r % len(self.block.options)]
            self.block.value = b
            t0 = time.perf_counter()
            self.filter.value = self.channels[b][(3 * r + 1) % len(self.channels[b])]
            times.append((time.perf_counter() - t0) * 1000)
        return float(np.median(times))
