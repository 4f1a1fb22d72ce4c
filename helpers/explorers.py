"""Interactive explorers (ipywidgets) for the notebooks. Everything is computed before the first
slider move; a move only picks precomputed arrays and encodes two small PNGs."""

from __future__ import annotations

import io
import time
from typing import Mapping

import numpy as np

__all__ = ["ActivationExplorer"]


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


class ActivationExplorer:
    """Pick an image, a layer and a channel; see the image and that channel's activation side by side.

    Parameters
    ----------
    images : mapping name -> (H, W, 3) uint8 image
    activations : mapping name -> {layer name: (h, w, C) activation of that image}
    size : int
        Displayed side of each picture in pixels.
    """

    def __init__(self, images: Mapping[str, np.ndarray], activations: Mapping[str, Mapping[str, np.ndarray]],
                 size: int = 256):
        import ipywidgets as w

        if not images or set(images) != set(activations):
            raise ValueError("give the same, non-empty set of image names to images and activations")
        self.images = dict(images)
        self.activations = {k: dict(v) for k, v in activations.items()}
        first = next(iter(self.images))
        self.layers = list(self.activations[first])
        self.size = size
        self.image_box = w.Dropdown(options=list(self.images), description="image")
        self.layer_box = w.Dropdown(options=self.layers, description="layer")
        self.channel = w.IntSlider(0, 0, self._channels(self.layers[0]) - 1, description="channel",
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

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle or {})
        bundle["text/plain"] = "Activation explorer (run the notebook to use it)"
        return bundle
