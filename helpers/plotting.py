"""Pictures: scenes with boxes, landmarks and skeletons; training curves; confusion matrices.

Every function draws on a new (or given) Matplotlib figure and returns it; notebooks end
their plotting cells with ``plt.show()`` so no ``<Figure ...>`` text is stored.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from . import validate
from .scenes import (
    CLASS_NAMES,
    SKELETON,
    SceneObject,
    StreetScenes,
    box_corners,
    generate_scenes,
)

__all__ = ["plot_examples", "FIGURE_STYLE", "MIN_DPI", "MIN_FONT_PT", "MAX_WIDTH_PX", "MIN_SCENE_PX", "legibility_problems",
           "CLASS_COLORS", "draw_scene", "draw_box", "show_gallery", "show_by_class", "annotate_box", "zoom_to_box",
           "label_landmarks",
           "plot_history", "plot_confusion", "channel_mosaic", "plot_channel_grid", "plot_pattern_grid", "map_grid",
           "randomisation_panels"]

#: The course's legibility standard, read from the back of a room (:func:`helpers.notebook.setup` applies it and
#: checks every figure a notebook shows against it with :func:`legibility_problems`).
MIN_DPI = 110            # pixels per inch of every figure
MIN_FONT_PT = 10         # every text, at display size
MAX_WIDTH_PX = 1150      # wider figures are shrunk by JupyterLab and slides at 1280 px, and their text with them
MIN_SCENE_PX = 256       # a figure of one picture shows it at least this big
#: Matplotlib settings for the standard (fonts at or above MIN_FONT_PT, figures at MIN_DPI).
FIGURE_STYLE = {"figure.dpi": MIN_DPI, "savefig.dpi": "figure", "font.size": 11, "axes.titlesize": 11,
                "axes.labelsize": 11, "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10,
                "figure.titlesize": 12, "image.interpolation": "nearest", "figure.max_open_warning": 0}


def legibility_problems(fig) -> list[str]:
    """What in ``fig`` breaks the course's legibility standard; an empty list when nothing does.

    Draws the figure once and looks at what was drawn: the figure's dpi; its width (cropped as JupyterLab
    shows it); every text drawn (size in points, overlaps with another text); every image (a map or pattern
    drawn smaller than its own pixel size; a lone picture smaller than ``MIN_SCENE_PX``).

    Used by :func:`helpers.notebook.setup` on every figure a notebook shows, and by ``tests/test_legibility.py``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    list of str
        One sentence per problem.
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.figure import Figure
    from matplotlib.image import AxesImage
    from matplotlib.text import Text

    if not isinstance(fig, Figure):
        validate.fail("fig", "a matplotlib Figure", validate.describe(fig), kind=validate.InputTypeError)
    drawn: list = []
    drawing: list = []          # the Text being drawn (a text of several lines reaches draw_text without it)

    class _Spy(RendererAgg):
        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
            if s.strip():
                drawn.append((s, float(prop.get_size_in_points()), mtext or (drawing[-1] if drawing else None)))
            return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    original = Text.draw

    def draw(self, renderer):
        drawing.append(self)
        try:
            return original(self, renderer)
        finally:
            drawing.pop()

    dpi = float(fig.dpi)
    w, h = fig.get_size_inches() * dpi
    renderer = _Spy(int(max(w, 1)), int(max(h, 1)), dpi)
    Text.draw = draw
    try:
        fig.draw(renderer)
    finally:
        Text.draw = original
    problems = []
    if dpi < MIN_DPI:
        problems.append(f"drawn at {dpi:g} dpi, below {MIN_DPI}")
    # as the notebook stores it: cropped to what is drawn, plus the inline backend's padding
    width = fig.get_tightbbox(renderer).width * dpi + 2 * float(mpl.rcParams["savefig.pad_inches"]) * dpi
    if width > MAX_WIDTH_PX + 0.5:
        problems.append(f"{width:.0f} px wide: shrunk to fit {MAX_WIDTH_PX} px, its text shrinks too")
    for s, size, _ in drawn:
        if size < MIN_FONT_PT - 1e-6:
            problems.append(f"text {s[:30]!r} at {size:g} pt, below {MIN_FONT_PT} pt")
    texts = list({id(t): t for _, _, t in drawn if t is not None}.values())     # each Text once, all its lines
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i][1], boxes[j][1]
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            if dx > 1 and dy > 1:
                problems.append(f"texts {boxes[i][0][:25]!r} and {boxes[j][0][:25]!r} overlap")
    images = [im for im in fig.findobj(AxesImage) if im.get_visible() and im.axes.get_visible()]
    for im in images:
        rows, cols = im.get_array().shape[:2]
        ext = im.get_window_extent(renderer)
        if ext.width < cols - 0.5 or ext.height < rows - 0.5:
            problems.append(f"a {rows}x{cols} image drawn at {ext.height:.0f}x{ext.width:.0f} px, below its own size")
    if len(images) == 1 and images[0].get_array().ndim == 3:          # one colour picture: a scene, a photo
        ext = images[0].get_window_extent(renderer)
        if min(ext.width, ext.height) < MIN_SCENE_PX - 0.5:
            problems.append(f"a lone picture drawn at {ext.height:.0f}x{ext.width:.0f} px, below {MIN_SCENE_PX} px")
    return problems


#: One colour per class for boxes and landmarks.
CLASS_COLORS = {"pedestrian": "#00e5ff", "car": "#ffea00", "motorcycle": "#ff4081", "background": "#ffffff"}


def _ax(ax) -> None:
    """A Matplotlib axis to draw on (``fig, ax = plt.subplots()``)."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        validate.fail("ax", "a Matplotlib axis, e.g. fig, ax = plt.subplots()", validate.describe(ax),
                      "the axis comes first: fig, ax = plt.subplots(), then pass ax", kind=validate.InputTypeError)


def draw_box(ax, box: Sequence[float], image_size: int | tuple[int, int], *, label: str | None = None,
             color: str = "red", linestyle: str = "-") -> None:
    """Draw one box ``(bx, by, bh, bw)`` (fractions, the slides' convention) on an image axis, with an optional label.

    For predicted or hand-made boxes: no :class:`~helpers.scenes.SceneObject` needed. Used in notebook 04
    (the slide's box, a decoded label, the localizer's guesses) and by :func:`draw_scene`.
    """
    _ax(ax)
    if isinstance(image_size, (int, np.integer)):
        image_size = (image_size, image_size)
    h, w = (validate.integer(v, "image_size", low=1, high=100_000) for v in image_size)
    x0, y0, x1, y1 = box_corners(validate.boxes(box, "box", single=True))
    ax.add_patch(_rectangle((x0 * w - 0.5, y0 * h - 0.5), (x1 - x0) * w, (y1 - y0) * h, color, linestyle))
    if label:
        ax.text(x0 * w - 0.5, y0 * h - 1, label, color="black", fontsize=MIN_FONT_PT, va="bottom",
                bbox=dict(facecolor=color, lw=0, pad=1))


def draw_scene(ax, image: np.ndarray, objects: Sequence[SceneObject] = (), *, boxes: bool = True,
               landmarks: bool = True, skeleton: bool = True, title: str | None = None,
               box_color: str | None = None, linestyle: str = "-", names: bool = False):
    """Show one image with its objects' boxes (with their class names if ``names``), landmarks and skeleton.

    Coordinates are fractions of the image (the slides' convention); pixel ``i`` covers
    ``[i - 0.5, i + 0.5]`` in Matplotlib's image coordinates.
    """
    _ax(ax)
    img = validate.array(image, "image", dtype=None, ndim=3)
    if img.shape[-1] != 3:
        validate.fail("image", "one RGB image (H, W, 3)", f"shape {img.shape}",
                      "show one scene, e.g. scenes.images[0]")
    if objects is None or isinstance(objects, (SceneObject, str)):
        validate.fail("objects", "a list of SceneObjects (e.g. scenes.objects[i])", validate.describe(objects),
                      "wrap one object in a list: [obj]", kind=validate.InputTypeError)
    h, w = img.shape[:2]
    ax.imshow(img)
    for o in objects:
        color = box_color or CLASS_COLORS[o.class_name]
        if boxes:
            draw_box(ax, o.box, (h, w), label=o.class_name if names else None, color=color, linestyle=linestyle)
        if landmarks and len(o.landmarks):
            px, py = o.landmarks[:, 0] * w - 0.5, o.landmarks[:, 1] * h - 0.5
            if skeleton:
                index = {n: k for k, n in enumerate(o.landmark_names)}
                for a, b in SKELETON[o.class_name]:
                    ax.plot([px[index[a]], px[index[b]]], [py[index[a]], py[index[b]]],
                            color="white", lw=0.8, alpha=0.8)
            ax.scatter(px, py, s=6, c=color, edgecolors="black", linewidths=0.3, zorder=3)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    return ax


def _rectangle(xy, width, height, color, linestyle):
    from matplotlib.patches import Rectangle

    return Rectangle(xy, width, height, fill=False, edgecolor=color, lw=1.3, linestyle=linestyle)


def _fit_width(size: float, cols: int, extra_inches: float = 0.15) -> float:
    """A tile size (inches) no bigger than ``size`` that keeps ``cols`` tiles within ``MAX_WIDTH_PX``."""
    import matplotlib as mpl

    dpi = float(mpl.rcParams["figure.dpi"])
    return min(size, (MAX_WIDTH_PX / dpi - extra_inches) / cols)


def _grid_axes(rows: int, cols: int, tile: tuple[int, int], *, top: int, left: int = 0, gap: int = 4,
               bottom: int = 4, right: int = 4, header: int = 0):
    """A figure of ``rows x cols`` axes, each exactly ``tile = (height, width)`` pixels, placed in pixels.

    ``top`` leaves room above each row (a title per tile), ``header`` above the whole grid (the figure's
    title), ``left`` for row labels: no layout engine can shrink a map below its own size.
    """
    import matplotlib.pyplot as plt

    dpi = float(plt.rcParams["figure.dpi"])
    th, tw = tile
    width = left + cols * tw + (cols - 1) * gap + right
    row_h = th + top
    height = rows * row_h + bottom + header
    fig = plt.figure(figsize=(width / dpi, height / dpi))
    axes = np.empty((rows, cols), object)
    for r in range(rows):
        for c in range(cols):
            x0 = left + c * (tw + gap)
            y0 = height - header - (r + 1) * row_h
            axes[r, c] = fig.add_axes((x0 / width, y0 / height, tw / width, th / height))
    return fig, axes


def map_grid(images: np.ndarray, columns: dict, *, row_labels: Sequence[str] | None = None, tile: float = 0.9,
             clip: float = 99.0, cmap: str = "magma"):
    """Saliency maps side by side: one row per image (the image first), one column per entry of ``columns``.

    Used in 07 (six maps of one decision; the sanity-check gallery, a row per method) and its going further
    (SmoothGrad's four forms). Each map is shown by its size ``|m|``, scaled to its own ``clip`` percentile (so a
    gradient map's few strong pixels do not leave the rest black), never below its own pixel size.

    Parameters
    ----------
    images : (R, H, W, 3) uint8
        The image of each row.
    columns : dict
        Column title -> maps ``(R, h, w)`` (any real values), one per row.
    row_labels : sequence of str, optional
        A label left of each row.
    tile, clip, cmap
        Tile size in inches (enlarged to the maps' own pixel size if needed), the percentile each map is scaled
        to (0 < clip <= 100), the colour map.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    imgs = validate.uint8_images(images, "images", channels=3)
    if not isinstance(columns, dict) or not columns:
        validate.fail("columns", "a dict: column title -> maps (R, h, w)", validate.describe(columns),
                      kind=validate.InputTypeError)
    maps = {}
    for title, m in columns.items():
        arr = validate.array(m, f"columns[{title!r}]", ndim=3)
        if len(arr) != len(imgs):
            validate.fail(f"columns[{title!r}]", f"one map per row ({len(imgs)})", f"{len(arr)} maps")
        maps[str(title)] = arr
    if row_labels is not None and len(row_labels) != len(imgs):
        validate.fail("row_labels", f"one label per row ({len(imgs)})", f"{len(row_labels)} labels")
    tile = validate.number(tile, "tile", low=0.3, high=5)
    clip = validate.number(clip, "clip", low=1e-6, high=100)
    dpi = float(plt.rcParams["figure.dpi"])
    side = int(max(tile * dpi, imgs.shape[1], *(m.shape[1] for m in maps.values())))
    titles_lines = max(t.count("\n") + 1 for t in maps)
    top = int(MIN_FONT_PT * 1.6 * titles_lines / 72 * dpi) + 6
    left = int(MIN_FONT_PT * 7 / 72 * dpi) if row_labels is not None else 4
    fig, axes = _grid_axes(len(imgs), len(maps) + 1, (side, side), top=4, left=left, gap=4, header=top)
    for r in range(len(imgs)):
        axes[r, 0].imshow(imgs[r])
        if row_labels is not None:
            axes[r, 0].text(-0.08, 0.5, row_labels[r], transform=axes[r, 0].transAxes, ha="right", va="center",
                            fontsize=MIN_FONT_PT)
        for c, (title, m) in enumerate(maps.items(), start=1):
            a = np.abs(m[r])
            top_value = np.percentile(a, clip)
            shown = np.clip(a / top_value, 0, 1) if top_value > 0 else a / max(a.max(), 1e-30)
            axes[r, c].imshow(shown, cmap=cmap, vmin=0, vmax=1)
            if r == 0:
                axes[r, c].set_title(title, fontsize=MIN_FONT_PT)
    if row_labels is None:
        axes[0, 0].set_title("scene", fontsize=MIN_FONT_PT)
    for ax in axes.flat:
        ax.axis("off")
    return fig


def randomisation_panels(mean: dict, methods: Sequence[str], layers: Sequence[str], alone: Sequence[str] = (),
                         references: Sequence[str] = ("second seed", "another class", "shuffled labels"),
                         draws: dict | None = None, cols: int = 3):
    """The sanity check's numbers, one panel per method (notebook 07): the rank correlation with the trained map
    along the cascade (``mean["cascade <layer>", method]``), one layer alone (``mean["only <layer>", method]``),
    other random draws of the top layer (``draws[method]``: the cascade's first, then the others), and the
    references as horizontal lines (``mean[reference, method]``). Returns the figure."""
    import matplotlib.pyplot as plt

    methods, layers = list(methods), list(layers)
    rows = -(-len(methods) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(10, 2.1 * rows + 0.8), sharex=True, sharey=True, squeeze=False)
    styles = {"second seed": ("-", "tab:green"), "another class": ("--", "tab:blue"), "shuffled labels": (":", "gray")}
    for ax, name in zip(axes.flat, methods):
        ax.plot(range(len(layers)), [mean[f"cascade {l}", name] for l in layers], "o-", color="tab:red", label="cascade")
        ax.plot([layers.index(l) for l in alone], [mean[f"only {l}", name] for l in alone], "s", mfc="none",
                color="tab:purple", label="this layer only")
        for ref in references:
            ls, colour = styles.get(ref, ("-.", "black"))
            ax.axhline(mean[ref, name], ls=ls, color=colour, lw=2, label=ref)
        if draws and name in draws:
            ax.plot(np.zeros(len(draws[name]) - 1), draws[name][1:], "x", color="tab:red", label="other draws")
        ax.set_title(name, fontsize=MIN_FONT_PT + 1)
        ax.set_ylim(-0.2, 1)
    for ax in axes.flat[len(methods):]:
        ax.axis("off")
    short = [l.replace("_conv1", "").replace("block", "block ") for l in layers]
    for ax in axes[-1]:
        ax.set_xticks(range(len(layers)), short, rotation=90, fontsize=MIN_FONT_PT)
    for ax in axes[:, 0]:
        ax.set_ylabel("rank correlation", fontsize=MIN_FONT_PT)
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="upper left", bbox_to_anchor=(0.8, 0.9), frameon=False,
               fontsize=MIN_FONT_PT)
    fig.supxlabel("layers randomised from the top (circles: cumulative; squares: that layer alone)",
                  fontsize=MIN_FONT_PT, y=0.02)
    fig.subplots_adjust(right=0.79, bottom=1.1 / fig.get_figheight(), hspace=0.35)   # room for the labels
    return fig


def show_gallery(scenes: StreetScenes, n: int = 12, cols: int = 6, *, titles: Sequence[str] | None = None,
                 boxes: bool = True, landmarks: bool = True, size: float = 2.0):
    """A grid of the first ``n`` scenes with their ground truth drawn; returns the figure."""
    import matplotlib.pyplot as plt

    if not isinstance(scenes, StreetScenes):
        validate.fail("scenes", "StreetScenes (from generate_scenes)", validate.describe(scenes),
                      kind=validate.InputTypeError)
    n = min(validate.integer(n, "n", low=1, high=1000), len(scenes))
    if n < 1:
        validate.fail("scenes", "at least one scene to show", "an empty batch")
    cols = max(1, min(validate.integer(cols, "cols", low=1, high=100), n))
    rows = -(-n // cols)
    size = _fit_width(validate.number(size, "size", low=0.2, high=10), cols)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows + 0.3), squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.axis("off")
            continue
        title = titles[k] if titles is not None else scenes.class_names[k]
        draw_scene(ax, scenes.images[k], scenes.objects[k], boxes=boxes, landmarks=landmarks, title=title)
    fig.tight_layout()
    return fig


def plot_history(history, metrics: Sequence[str] = ("loss", "accuracy")):
    """Training curves (train and validation) of a Keras ``History`` or its ``.history`` dict."""
    import matplotlib.pyplot as plt

    hist = getattr(history, "history", history)
    if not isinstance(hist, dict):
        validate.fail("history", "a Keras History or its .history dict", validate.describe(history),
                      "pass what model.fit returned", kind=validate.InputTypeError)
    if isinstance(metrics, str):
        metrics = (metrics,)
    missing = [m for m in metrics if m not in hist]
    if missing:
        validate.fail("metrics", f"names the history has: {sorted(hist)}", f"{missing}")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3), squeeze=False)
    for ax, m in zip(axes.flat, metrics):
        epochs = np.arange(1, len(hist[m]) + 1)
        ax.plot(epochs, hist[m], "o-", label="training")
        if f"val_{m}" in hist:
            ax.plot(epochs, hist[f"val_{m}"], "s--", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(m)
        ax.set_xticks(epochs)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_confusion(cm: np.ndarray, class_names: Sequence[str] = CLASS_NAMES, title: str | None = None):
    """A confusion matrix with counts in the cells (rows = true class, columns = predicted)."""
    import matplotlib.pyplot as plt

    cm = validate.array(cm, "cm", dtype=None, ndim=2)
    k = len(class_names)
    if cm.shape != (k, k):
        validate.fail("cm", f"a {k}x{k} matrix for classes {list(class_names)}", f"shape {cm.shape}",
                      "pass course_model.confusion_matrix(true, pred)")
    fig, ax = plt.subplots(figsize=(5, 4.6))
    ax.imshow(cm, cmap="Blues")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(int(cm[i, j])), ha="center", va="center",
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    named = tuple(class_names) == tuple(CLASS_NAMES[:k])                # the course's classes: show their ids
    names = [f"{i + 1} {n}" for i, n in enumerate(class_names)] if named else list(class_names)
    ax.set_xticks(range(k), names, rotation=90)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def annotate_box(ax, box: Sequence[float] | SceneObject, image_size: int) -> None:
    """Mark the box centre and write ``bx, by, bh, bw`` beside the box (the slides' convention).

    ``box`` is ``(bx, by, bh, bw)`` in fractions, or a scene object (its box).
    """
    _ax(ax)
    bx, by, bh, bw = (float(v) for v in validate.boxes(box.box if isinstance(box, SceneObject) else box, "box",
                                                       single=True))
    s = validate.integer(image_size, "image_size", low=1, high=100_000)
    x0, y0, x1, y1 = box_corners((bx, by, bh, bw))
    ax.plot(bx * s - 0.5, by * s - 0.5, "+", color="red", ms=10, mew=2)
    ax.annotate("", xy=(x1 * s - 0.5, y1 * s + 0.03 * s), xytext=(x0 * s - 0.5, y1 * s + 0.03 * s),
                arrowprops=dict(arrowstyle="<->", color="white"))
    ax.annotate("", xy=(x1 * s + 0.03 * s, y1 * s - 0.5), xytext=(x1 * s + 0.03 * s, y0 * s - 0.5),
                arrowprops=dict(arrowstyle="<->", color="white"))
    ax.text(0.02 * s, 0.05 * s, f"bx = {bx:.2f}   by = {by:.2f}\nbh = {bh:.2f}   bw = {bw:.2f}",
            color="black", va="top", fontsize=MIN_FONT_PT, bbox=dict(facecolor="white", alpha=0.85, lw=0))


def zoom_to_box(ax, box: Sequence[float] | SceneObject, image_size: int, margin: float = 0.1) -> None:
    """Show only the part of the picture around ``box`` (``(bx, by, bh, bw)`` fractions, or a scene object),
    with ``margin`` (a fraction of the box's larger side) around it: a small object's details become readable.
    Used in notebook 00 before :func:`label_landmarks`."""
    _ax(ax)
    if isinstance(box, SceneObject):
        box = box.box
    bx, by, bh, bw = (float(v) for v in validate.boxes(box, "box", single=True))
    if bh <= 0 or bw <= 0:
        validate.fail("box", "an object's box, with a height and a width", f"the empty box {tuple(box)}",
                      "a background scene has no box: pick a scene with an object")
    s = validate.integer(image_size, "image_size", low=1, high=100_000)
    margin = validate.number(margin, "margin", low=0, high=10)
    half = 0.5 * max(bh, bw) * (1 + 2 * margin)
    x0, x1 = max(bx - half, 0.0) * s - 0.5, min(bx + half, 1.0) * s - 0.5
    y0, y1 = max(by - half, 0.0) * s - 0.5, min(by + half, 1.0) * s - 0.5
    ax.set_xlim(x0, x1)
    ax.set_ylim(y1, y0)


def label_landmarks(ax, obj: SceneObject, image_size: int, fontsize: float = MIN_FONT_PT) -> None:
    """Write each landmark's number next to it, 1-based as the slides' l1, l2, ... (the order of
    ``obj.landmark_names``: label 1 is index 0).

    Each number goes on the side away from the body's middle, or on the other side (or just above or below)
    when it would cover a number already written. Call it last (after :func:`zoom_to_box`): the places are
    measured where the picture is drawn at that moment. Used in notebooks 00 and 05.
    """
    _ax(ax)
    if not isinstance(obj, SceneObject):
        validate.fail("obj", "a SceneObject (e.g. scenes.objects[i][0])", validate.describe(obj),
                      kind=validate.InputTypeError)
    s = validate.integer(image_size, "image_size", low=1, high=100_000)
    fontsize = validate.number(fontsize, "fontsize", low=1, high=100)
    renderer = ax.figure._get_renderer()          # any figure, pyplot's or not
    ax.apply_aspect()                             # where the picture will be drawn: overlaps measured there
    centre = obj.box[0]
    placed = []
    for k, (x, y) in enumerate(obj.landmarks):
        right = x >= centre  # numbers point away from the body's middle
        for side, dy in ((right, 0.0), (not right, 0.0), (right, -0.035), (right, 0.035), (not right, -0.035),
                         (not right, 0.035)):
            t = ax.text(x * s + (0.025 if side else -0.025) * s, (y + dy) * s, str(k + 1), fontsize=fontsize,
                        color="white", ha="left" if side else "right", va="center",
                        bbox=dict(facecolor="black", alpha=0.55, lw=0, pad=0.6))
            box = t.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
            t.remove()
        else:
            ax.add_artist(t)                      # nowhere free: keep the last place tried
        placed.append(box)


def show_by_class(seed: int = 0, per_class: int = 6, size: float = 1.6):
    """One row of scenes per class (variety at a glance); returns the figure."""
    import matplotlib.pyplot as plt

    per_class = validate.integer(per_class, "per_class", low=1, high=50)
    size = validate.number(size, "size", low=0.2, high=10)

    size = _fit_width(size, per_class, extra_inches=0.4)
    fig, axes = plt.subplots(len(CLASS_NAMES), per_class, figsize=(size * per_class, size * len(CLASS_NAMES)),
                             squeeze=False)
    for row, name in enumerate(CLASS_NAMES):
        batch = generate_scenes(per_class, seed, classes=[name])
        for col, ax in enumerate(axes[row]):
            draw_scene(ax, batch.images[col], batch.objects[col], landmarks=False)
        axes[row, 0].set_ylabel(f"{row + 1} {name}")
    fig.tight_layout()
    return fig


def channel_mosaic(maps: np.ndarray, cols: int = 16, gap: int = 1) -> np.ndarray:
    """Tile the channels of one activation ``(h, w, C)`` into a 2-D mosaic, each channel scaled to [0, 1].

    Blank channels (all zero: the pattern was not found) become NaN, drawn in the "bad" colour.
    Gaps between tiles are NaN too.
    """
    a = validate.array(maps, "maps", dtype=np.float32, ndim=3)
    cols = validate.integer(cols, "cols", low=1, high=1024)
    gap = validate.integer(gap, "gap", low=0, high=64)
    h, w, c = a.shape
    cols = max(1, min(cols, c))
    rows = -(-c // cols)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan, np.float32)
    for k in range(c):
        m = a[..., k]
        lo, hi = float(m.min()), float(m.max())
        if hi <= 0 and lo >= 0:
            continue  # blank
        tile = (m - lo) / (hi - lo) if hi > lo else np.full_like(m, 0.5)
        r, q = divmod(k, cols)
        out[r * (h + gap):r * (h + gap) + h, q * (w + gap):q * (w + gap) + w] = tile
    return out


def plot_channel_grid(maps: np.ndarray, title: str, cols: int = 16, tile_inches: float | None = None,
                      dead: np.ndarray | None = None):
    """Every channel of one layer's activation for one image, as a labelled grid; returns the figure.

    Blank channels (all zero in this image) are grey. ``dead``, optional ``(C,)`` booleans (e.g.
    ``activations.dead_channels`` over many images), marks channels that never fire at all with a red cross, so that
    a grey tile can be read: crossed = the channel is dead, plain grey = its pattern is not in this image. Each map
    is drawn at a whole multiple of its own pixel size (never below it), as big as ``MAX_WIDTH_PX`` allows;
    ``tile_inches`` asks for a smaller tile (still never below the map's own size). Used in notebook 01.
    """
    import matplotlib.pyplot as plt

    a = validate.array(maps, "maps", dtype=np.float32, ndim=3)
    h, w, c = a.shape
    if dead is not None:
        dead = np.asarray(dead)
        if dead.dtype != bool or dead.shape != (c,):
            validate.fail("dead", f"a boolean mask with one entry per channel, shape ({c},)",
                          f"{dead.dtype} shaped {dead.shape}", "pass activations.dead_channels(...) of this layer")
    cols = max(1, min(validate.integer(cols, "cols", low=1, high=1024), c))
    rows = -(-c // cols)
    mosaic = channel_mosaic(a, cols)
    dpi = float(plt.rcParams["figure.dpi"])
    left, top = 44, 34
    scale = max(1, int((MAX_WIDTH_PX - left - 8) // mosaic.shape[1]))
    if tile_inches is not None:
        tile_inches = validate.number(tile_inches, "tile_inches", low=0.05, high=5)
        scale = max(1, min(scale, int(tile_inches * dpi // max(h, w))))
    blank = int(sum(1 for k in range(c) if a[..., k].max() <= 0 and a[..., k].min() >= 0))
    fig, axes = _grid_axes(1, 1, (mosaic.shape[0] * scale, mosaic.shape[1] * scale), top=top, left=left)
    ax = axes[0, 0]
    cmap = plt.get_cmap("viridis").with_extremes(bad="#d0d0d0")
    ax.imshow(mosaic, cmap=cmap, vmin=0, vmax=1, interpolation="nearest", aspect="auto")
    label = f"{title}  ·  {c} channels of {h}×{w}  ·  {blank} blank (grey)"
    if dead is not None:
        for k in np.flatnonzero(dead):
            r, q = divmod(int(k), cols)
            x0, y0 = q * (w + 1) - 0.5, r * (h + 1) - 0.5
            ax.plot([x0, x0 + w, np.nan, x0, x0 + w], [y0, y0 + h, np.nan, y0 + h, y0], color="#d62728", lw=1.5,
                    scalex=False, scaley=False)
        label += f", {int(dead.sum())} dead (red ×)"
    step = 1 if w * scale >= 24 else 2            # column numbers never touch
    ax.set_xticks([q * (w + 1) + w / 2 - 0.5 for q in range(0, cols, step)], [str(q) for q in range(0, cols, step)])
    ax.set_yticks([r * (h + 1) + h / 2 - 0.5 for r in range(rows)], [str(r * cols) for r in range(rows)])
    ax.tick_params(length=0, labeltop=False)
    ax.set_title(label, loc="left")
    return fig


def plot_pattern_grid(images: np.ndarray, title: str, labels: Sequence[int] | None = None,
                      dead: np.ndarray | None = None, cols: int = 16, tile_inches: float | None = None,
                      counts: str | None = None):
    """Filter patterns as a labelled grid; dead filters (no gradient to follow) are crossed out in red.

    Each pattern is drawn at a whole multiple of its own pixel size (never below it); ``cols`` shrinks when the
    row would be wider than ``MAX_WIDTH_PX``. The title ends with the count of tiles and crossed-out tiles, or
    with ``counts`` when given (e.g. when each filter is shown twice). Used in notebook 02.
    """
    import matplotlib.pyplot as plt

    imgs = validate.array(images, "images", dtype=None, ndim=4)
    n = len(imgs)
    labels = list(range(n)) if labels is None else list(labels)
    if len(labels) != n:
        validate.fail("labels", f"one label per pattern ({n})", f"{len(labels)} labels")
    dead = np.zeros(n, bool) if dead is None else validate.array(dead, "dead", dtype=bool, ndim=1)
    if len(dead) != n:
        validate.fail("dead", f"one flag per pattern ({n})", f"{len(dead)} flags", "pass result.dead")
    h, w = imgs.shape[1:3]
    dpi = float(plt.rcParams["figure.dpi"])
    gap = 6
    scale = 1 if tile_inches is None else max(1, int(validate.number(tile_inches, "tile_inches", low=0.05,
                                                                     high=5) * dpi // max(h, w)))
    tw = max(w * scale, 40)                          # room for a three-digit label above each tile
    cols = max(1, min(validate.integer(cols, "cols", low=1, high=1024), n, (MAX_WIDTH_PX - 8) // (tw + gap)))
    rows = -(-n // cols)
    fig, axes = _grid_axes(rows, cols, (h * scale, tw), top=22, gap=gap, header=28)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.axis("off")
            continue
        ax.imshow(imgs[k], aspect="auto" if tw == w * scale else "equal")
        ax.set_title(str(labels[k]), pad=2)
        if dead[k]:
            ax.plot([0, w - 1], [0, h - 1], color="red", lw=1.5)
            ax.plot([0, w - 1], [h - 1, 0], color="red", lw=1.5)
        for side in ax.spines.values():
            side.set_visible(False)
    if counts is None:
        counts = f"{n} filters  ·  {int(dead.sum())} dead (crossed out)"
    elif not isinstance(counts, str):
        validate.fail("counts", "a str or None", validate.describe(counts), kind=validate.InputTypeError)
    fig.text(0.0, 1.0, f"{title}  ·  {counts}", ha="left", va="top",
             fontsize=plt.rcParams["axes.titlesize"])
    return fig


def _upscaled(img: np.ndarray, height: int) -> np.ndarray:
    """``img`` enlarged by the largest whole factor that keeps it within ``height`` pixels (never below 1x)."""
    f = max(1, height // img.shape[0])
    return np.repeat(np.repeat(img, f, axis=0), f, axis=1)


def plot_examples(patterns: np.ndarray, patches: np.ndarray, titles: Sequence[str], height: int = 128,
                  n_patches: int = 6, dead: np.ndarray | None = None):
    """One row per filter: its pattern, then its strongest dataset examples (receptive-field crops), each enlarged
    by a whole factor to about ``height`` pixels (never below its own size), a title above each row.

    ``patterns`` ``(F, H, W, 3)`` uint8; ``patches`` ``(F, k, s, s, 3)`` uint8; ``titles`` one per filter;
    ``dead`` marks filters that never fire on held-out scenes (their row says so instead of showing a pattern).
    Rows of different sizes (one filter per block, each with its own window) come as lists: ``patterns`` a list
    of ``(H, W, 3)`` and ``patches`` a list of ``(k, s, s, 3)`` arrays. Used in notebook 02 (dataset examples,
    the filter atlas, the four blocks side by side).
    """
    if isinstance(patterns, (list, tuple)) and isinstance(patches, (list, tuple)):
        pats = [validate.array(p, "patterns", dtype=None, ndim=3) for p in patterns]
        pch = [validate.array(p, "patches", dtype=None, ndim=4) for p in patches]
    else:
        pats = validate.array(patterns, "patterns", dtype=None, ndim=4)
        pch = validate.array(patches, "patches", dtype=None, ndim=5)
    if len(pch) != len(pats) or len(titles) != len(pats):
        validate.fail("patches", f"one row of patches and one title per pattern ({len(pats)})",
                      f"{len(pch)} rows, {len(titles)} titles")
    height = validate.integer(height, "height", low=max(max(p.shape[0] for p in pats),
                                                        max(p.shape[1] for p in pch)), high=512)
    dead = np.zeros(len(pats), bool) if dead is None else validate.array(dead, "dead", dtype=bool, ndim=1)
    k = min(validate.integer(n_patches, "n_patches", low=1, high=64), min(p.shape[0] for p in pch))
    rows = []
    for f in range(len(pats)):
        tiles = [_upscaled(pats[f], height)] + [_upscaled(pch[f][j], height) for j in range(k)]
        h = max(t.shape[0] for t in tiles)
        gap = np.full((h, 10, 3), 255, np.uint8)
        padded = [np.pad(t, ((0, h - t.shape[0]), (0, 0), (0, 0)), constant_values=255) for t in tiles]
        row = np.concatenate([padded[0], gap] + [x for t in padded[1:] for x in (t, gap[:, :3])], axis=1)[:, :-3]
        if dead[f]:
            row[:, : tiles[0].shape[1]] = 235
        rows.append(row)
    width = max(r.shape[1] for r in rows)
    if width > MAX_WIDTH_PX:
        validate.fail("n_patches", f"a row of at most {MAX_WIDTH_PX} px", f"{width} px", "show fewer patches")
    tallest = max(r.shape[0] for r in rows)
    rows = [np.pad(r, ((0, tallest - r.shape[0]), (0, width - r.shape[1]), (0, 0)), constant_values=255)
            for r in rows]
    fig, axes = _grid_axes(len(rows), 1, (tallest, width), top=24)
    for ax, row, title, is_dead in zip(axes[:, 0], rows, titles, dead):
        ax.imshow(row, interpolation="nearest")
        ax.set_axis_off()
        ax.set_title(title + ("  ·  never fires on held-out scenes: no pattern" if is_dead else ""), loc="left",
                     pad=3)
    return fig
