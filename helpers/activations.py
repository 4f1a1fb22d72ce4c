"""Intermediate activations: what each layer outputs, and the lecture's claims about them, measured.

Notebook 01 builds the activation model in plain sight; these are the reusable, tested forms:

* :func:`activation_model` / :func:`compute_activations` -- the outputs of chosen layers for any
  Keras 3 model kind (functional, never-called Sequential, nested, ``keras.applications``);
* :func:`blank_fraction` -- the share of channels that stay at zero (sparsity), optionally among chosen channels;
* :func:`dead_channels` / :func:`active_channels` -- channels that never fire on a set of images, and how many
  channels fire on each image;
* :func:`edge_and_colour_maps` / :func:`channel_tuning` -- what a first-layer channel responds to;
* :func:`probe_accuracy` -- how much class information a linear read-out finds in a layer;
  :func:`pca_features` -- the same number of features for every layer; :func:`helpers.uncertainty.proportion_interval` -- its uncertainty;
* :func:`edge_similarity` -- how much of the input's edges a layer still shows;
* :func:`zero_fraction` / :func:`equal_positions` -- sparsity per activation, and every layer's maps sampled on
  the same number of positions (so that blank maps compare across layers);
* :func:`trained_minus_twins` -- a measure on the trained model minus the same on its untrained twins
  (:func:`helpers.layers.untrained_twin`), with an interval over scenes and twin seeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from . import validate
from .layers import select_layers, tap_model

if TYPE_CHECKING:
    import keras

__all__ = [
    "activation_model", "compute_activations", "blank_fraction", "dead_channels", "active_channels", "EDGE_NAMES", "COLOUR_NAMES",
    "edge_and_colour_maps", "channel_tuning", "pooled_features", "pca_features", "probe_accuracy",
    "edge_similarity", "zero_fraction", "equal_positions", "trained_minus_twins",
]


def activation_model(model: "keras.Model", layers=None, *, input_shape: Sequence[int] | None = None):
    """A model returning the outputs of the chosen layers, and their names.

    Parameters
    ----------
    layers : None, str, list of str, int or layer type
        As in :func:`helpers.layers.select_layers` (default: every convolution/pooling layer).
    input_shape : (H, W, C), optional
        Needed only for a Sequential model that was never called.

    Returns
    -------
    (keras.Model, list of str)
    """
    chosen = select_layers(model, layers, input_shape=input_shape)
    return tap_model(model, chosen, input_shape=input_shape, include_output=False), [layer.name for layer in chosen]


def compute_activations(model: "keras.Model", images: np.ndarray, layers=None, *,
                        batch_size: int = 128, compiled: bool = False) -> dict[str, np.ndarray]:
    """Outputs of the chosen layers for a batch of preprocessed images, as ``{layer name: array}``.

    ``images`` are what the model takes (for the course model: ``preprocess(uint8 images)``).
    ``compiled=True`` runs the batches through one compiled graph (:func:`helpers.gradients.compiled`:
    ``tf.function`` or ``jax.jit``; about twice as fast on thousands of images, the same values to float rounding)
    -- used in 01 for the untrained twins; elsewhere the default, plain eager calls. On PyTorch both are eager.
    """
    validate.model(model)
    x = validate.images(images, "images", model=model)
    batch_size = validate.integer(batch_size, "batch_size", low=1, high=4096)
    if not isinstance(compiled, (bool, np.bool_)):
        validate.fail("compiled", "True or False", validate.describe(compiled), kind=validate.InputTypeError)
    extractor, names = activation_model(model, layers, input_shape=x.shape[1:])
    want = tuple(extractor.inputs[0].shape[1:])
    if tuple(x.shape[1:]) != tuple(d if d is not None else x.shape[1 + i] for i, d in enumerate(want)):
        validate.fail("images", f"images shaped {want}, as the model takes", f"{tuple(x.shape[1:])}",
                      "resize them with helpers.images.to_rgb_batch(..., size=..., resize=True)")
    run = extractor
    if compiled:
        from .gradients import compiled as compile_fn

        run = compile_fn(lambda batch: extractor(batch, training=False), extractor.weights)
    parts: list[list[np.ndarray]] = [[] for _ in names]
    from .gradients import to_numpy

    for start in range(0, len(x), batch_size):
        outs = run(x[start:start + batch_size], training=False) if run is extractor else run(x[start:start + batch_size])
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        for k, o in enumerate(outs):
            parts[k].append(to_numpy(o))
    return {n: np.concatenate(p) for n, p in zip(names, parts)}


def blank_fraction(activation: np.ndarray, tol: float = 0.0, channels: np.ndarray | None = None, *,
                   per_image: bool = False) -> float | np.ndarray:
    """Share of (image, channel) maps that are blank: every value <= ``tol``.

    A blank map means the channel gave nothing anywhere in the image: its pattern is not there, or the channel
    never fires at all (see :func:`dead_channels`). ``channels``, a boolean mask of the channels, counts only
    those (e.g. ``~dead_channels(a)``: the sparsity of the channels that are alive). ``per_image=True`` returns
    the ``(N,)`` share for each image (for a bootstrap over images; 01 compares it with the untrained twin).
    A map with more positions has more chances to fire somewhere: compare layers on :func:`equal_positions`.
    """
    a = _activation(activation)
    tol = validate.number(tol, "tol", low=0)
    blank = a.max(axis=(1, 2)) <= tol                  # (N, C)
    if channels is not None:
        keep = _channel_mask(channels, a.shape[-1])
        if not keep.any():
            validate.fail("channels", "a mask that keeps at least one channel", "a mask of all False")
        blank = blank[:, keep]
    if _flag(per_image, "per_image"):
        return blank.mean(axis=1)
    return float(blank.mean())


def dead_channels(activation: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """``(C,)`` booleans: True for a channel whose map is blank (every value <= ``tol``) on every image given.

    "Dead" is relative to the images: a channel dead on street scenes may still fire on a photo.
    """
    a = _activation(activation)
    tol = validate.number(tol, "tol", low=0)
    return (a.max(axis=(1, 2)) <= tol).all(axis=0)


def active_channels(activation: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """``(N,)`` integers: for each image, how many channels fire somewhere (some value > ``tol``)."""
    a = _activation(activation)
    tol = validate.number(tol, "tol", low=0)
    return (a.max(axis=(1, 2)) > tol).sum(axis=1)


def zero_fraction(activation: np.ndarray, tol: float = 0.0, channels: np.ndarray | None = None, *,
                  per_image: bool = False) -> float | np.ndarray:
    """Share of single activations (image, position, channel) that are zero: value <= ``tol``.

    Sparsity *per activation*, where :func:`blank_fraction` is sparsity *per map* (a map is blank when every one
    of its values is zero). ``channels`` (a boolean mask, e.g. ``~dead_channels(a)``) counts only those channels;
    ``per_image=True`` returns the ``(N,)`` share for each image. Used in 01 (section 6, sparsity, trained against
    the untrained twins).

    Parameters
    ----------
    activation : (N, h, w, C) array
        A layer's output.
    tol : float
        Values at or below it count as zero.
    channels : (C,) booleans, optional
        Count only these channels.
    per_image : bool
        Return one share per image instead of their mean.

    Returns
    -------
    float, or (N,) array when ``per_image``.
    """
    a = _activation(activation)
    tol = validate.number(tol, "tol", low=0)
    if channels is not None:
        keep = _channel_mask(channels, a.shape[-1])
        if not keep.any():
            validate.fail("channels", "a mask that keeps at least one channel", "a mask of all False")
        a = a[..., keep]
    zero = (a <= tol).mean(axis=(1, 2, 3))
    return zero if _flag(per_image, "per_image") else float(zero.mean())


def equal_positions(activation: np.ndarray, size: int = 8) -> np.ndarray:
    """The ``(N, size, size, C)`` values of a layer at ``size x size`` evenly spaced positions.

    A deeper map has fewer positions (64x64 in block 1 of the course model, 8x8 in block 4), and a map with more
    positions has more chances to fire somewhere, so it is blank less often at the same firing rate. Sampling
    every layer at the same number of positions (every ``h // size``-th row and column, starting half a step
    in, i.e. the centre of each cell of a ``size x size`` grid) removes that difference. Used in 01 (section 6).

    Parameters
    ----------
    activation : (N, h, w, C) array
        A layer's output.
    size : int
        Positions per side; must divide ``h`` and ``w``.

    Returns
    -------
    (N, size, size, C) array (a view of ``activation`` when it is float32).
    """
    a = _activation(activation)
    size = validate.integer(size, "size", low=1, high=4096)
    n, h, w, c = a.shape
    if h % size or w % size:
        validate.fail("size", f"a grid size that divides the map size {h}x{w}", str(size),
                      "use the smallest map's size, e.g. 8 for the course model")
    sy, sx = h // size, w // size
    return a[:, sy // 2::sy, sx // 2::sx, :]


def trained_minus_twins(trained, twins, *, n_boot: int = 2000, seed: int = 0) -> tuple[float, tuple[float, float]]:
    """A per-scene measure on the trained model minus the same on its untrained twins, with an interval.

    The course's control for a claim about what a network *learned* ("would an untrained network show this
    too?"). ``trained`` is ``(N,)`` values, one per scene; ``twins`` is one ``(N,)`` array per untrained twin
    (:func:`helpers.layers.untrained_twin` with seeds 0, 1, ...), measured on the **same** scenes.

    Returns ``(difference, (low, high))``: the difference is the trained mean minus the mean of the twins' means;
    the interval is the hull of the paired 95 % bootstrap intervals of ``trained - twin`` over scenes, one per
    twin -- so it covers the scenes' sampling noise *and* the spread between initialisations. Used in 01 (every
    depth claim: sparsity, edges, class information).

    Parameters
    ----------
    trained : (N,) array
        The measure per scene on the trained model (booleans count as 0 and 1).
    twins : list of (N,) arrays, or an (n_twins, N) array
        The same measure on each untrained twin, same scenes, same order.
    n_boot, seed : int
        Bootstrap resamples and their seed (see :func:`helpers.uncertainty.bootstrap_ci`).

    Returns
    -------
    (float, (float, float))
    """
    from . import uncertainty

    t = validate.array(trained, "trained", ndim=1)
    if isinstance(twins, np.ndarray) and twins.ndim == 2:
        twins = list(twins)
    if not isinstance(twins, (list, tuple)) or not twins:
        validate.fail("twins", "a list of per-scene arrays, one per untrained twin", validate.describe(twins),
                      "pass e.g. [measure(twin) for twin in twins]", kind=validate.InputTypeError)
    arrays = [validate.array(u, f"twins[{k}]", ndim=1) for k, u in enumerate(twins)]
    for k, u in enumerate(arrays):
        if u.shape != t.shape:
            validate.fail(f"twins[{k}]", f"one value per scene, as trained ({t.size})", f"{u.size} values",
                          "measure the twins on the same scenes as the trained model")
    n_boot = validate.integer(n_boot, "n_boot", low=100, high=100_000)
    seed = validate.integer(seed, "seed", low=0)
    difference = float(t.mean() - np.mean([u.mean() for u in arrays]))
    bounds = np.array([uncertainty.bootstrap_ci(t - u, n_boot=n_boot, seed=seed) for u in arrays])
    return difference, (float(bounds[:, 0].min()), float(bounds[:, 1].max()))


def _flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        validate.fail(name, "True or False", validate.describe(value), kind=validate.InputTypeError)
    return bool(value)


def _channel_mask(value, n: int) -> np.ndarray:
    m = np.asarray(value)
    if m.dtype != bool or m.shape != (n,):
        validate.fail("channels", f"a boolean mask with one entry per channel, shape ({n},)",
                      f"{m.dtype} shaped {m.shape}", "pass e.g. ~activations.dead_channels(activation)")
    return m


def _activation(value, name: str = "activation") -> np.ndarray:
    a = validate.array(value, name, dtype=np.float32, ndim=4)
    return a


def _unit_images(value, name: str = "images") -> np.ndarray:
    x = validate.images(value, name)
    if x.shape[-1] != 3:
        validate.fail(name, "RGB images (N, H, W, 3) in [0, 1]", f"shape {x.shape}",
                      "convert grayscale or RGBA pictures with helpers.images.to_rgb_batch")
    return x


def _same_count(a: np.ndarray, images: np.ndarray) -> None:
    if len(a) != len(images):
        validate.fail("activation", f"one map per image ({len(images)} images)", f"{len(a)} maps")
    if images.shape[1] % a.shape[1] or images.shape[2] % a.shape[2] or images.shape[1] // a.shape[1] != \
            images.shape[2] // a.shape[2]:
        validate.fail("activation", f"a map size that divides the image size {images.shape[1:3]}",
                      f"{a.shape[1:3]}", "pass the layer's output for these very images")


#: The rectified oriented luminance derivatives of :func:`edge_and_colour_maps`, in order: "lighter →" is an
#: edge where the image gets brighter towards the right.
EDGE_NAMES = ("lighter →", "lighter ←", "lighter ↓", "lighter ↑", "lighter ↘", "lighter ↖", "lighter ↙", "lighter ↗")
#: The colour maps of :func:`edge_and_colour_maps`, in order.
COLOUR_NAMES = ("brightness", "darkness", "red", "green", "blue", "yellow")


def edge_and_colour_maps(images: np.ndarray) -> np.ndarray:
    """Simple hand-made feature maps of images in [0, 1], to compare channels against.

    Returns ``(N, H, W, 14)``: 8 rectified oriented edge maps of the luminance (a 3x3
    derivative in each of 4 orientations, both polarities; see ``EDGE_NAMES``), then 6 colour
    maps (brightness, darkness, and how much more red/green/blue/yellow a pixel is than grey).
    """
    x = _unit_images(images)
    lum, (gx, gy, gd1, gd2) = _gradients(x)
    edges = [np.maximum(g, 0) for pair in ((gx, -gx), (gy, -gy), (gd1, -gd1), (gd2, -gd2)) for g in pair]
    grey = x.mean(axis=-1)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    colours = [lum, 1 - lum, np.maximum(r - grey, 0), np.maximum(g - grey, 0), np.maximum(b - grey, 0),
               np.maximum((r + g) / 2 - b, 0)]
    return np.stack(edges + colours, axis=-1)


def _gradients(x: np.ndarray):
    """Luminance of RGB images in [0, 1] and its 3x3 derivatives in 4 orientations (right, down, both diagonals)."""
    lum = x @ np.array([0.299, 0.587, 0.114], np.float32)
    p = np.pad(lum, ((0, 0), (1, 1), (1, 1)), mode="edge")

    def at(dy, dx):
        return p[:, 1 + dy:p.shape[1] - 1 + dy, 1 + dx:p.shape[2] - 1 + dx]

    gx = (at(-1, 1) + 2 * at(0, 1) + at(1, 1) - at(-1, -1) - 2 * at(0, -1) - at(1, -1)) / 8
    gy = (at(1, -1) + 2 * at(1, 0) + at(1, 1) - at(-1, -1) - 2 * at(-1, 0) - at(-1, 1)) / 8
    gd1 = (gx + gy) / np.sqrt(2)     # towards bottom-right
    gd2 = (-gx + gy) / np.sqrt(2)    # towards bottom-left
    return lum, (gx, gy, gd1, gd2)


_MAPS_CACHE: dict = {}


def _maps_of(x: np.ndarray) -> np.ndarray:
    """:func:`edge_and_colour_maps` of ``x``, remembered for the last images seen (keyed by their bytes), so that
    measuring several models on the same scenes (01: the trained model and its untrained twins) computes them
    once. Read-only: callers never change the array returned."""
    import hashlib

    key = (x.shape, hashlib.blake2b(np.ascontiguousarray(x).tobytes(), digest_size=16).hexdigest())
    if key not in _MAPS_CACHE:
        _MAPS_CACHE.clear()                          # one set of images at a time: bounded memory
        maps = edge_and_colour_maps(x)
        maps.setflags(write=False)
        _MAPS_CACHE[key] = maps
    return _MAPS_CACHE[key]


def _corr_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of every column of ``a`` (P, C) with every column of ``b`` (P, K) -> (C, K)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    na, nb = np.sqrt((a * a).sum(axis=0)), np.sqrt((b * b).sum(axis=0))
    c = np.clip((a.T @ b) / np.maximum(np.outer(na, nb), 1e-12), -1.0, 1.0)
    c[na < 1e-9] = 0.0  # a channel that never changes correlates with nothing
    return c


def channel_tuning(activation: np.ndarray, images: np.ndarray) -> np.ndarray:
    """Correlation of each channel with each edge and colour map, over all pixels of all images.

    ``activation`` is a layer's ``(N, h, w, C)`` output; the maps are average-pooled to its size.
    Returns ``(C, 14)``: columns follow ``EDGE_NAMES + COLOUR_NAMES``.
    """
    a, x = _activation(activation), _unit_images(images)
    _same_count(a, x)
    maps = _maps_of(x)
    f = maps.shape[1] // a.shape[1]
    if f > 1:
        n, h, w, k = maps.shape
        maps = maps.reshape(n, h // f, f, w // f, f, k).mean(axis=(2, 4))
    return _corr_columns(a.reshape(-1, a.shape[-1]), maps.reshape(-1, maps.shape[-1]))


def pooled_features(activation: np.ndarray, grid: int = 2) -> np.ndarray:
    """Average-pool a ``(N, h, w, C)`` activation to a ``grid x grid`` map and flatten -> ``(N, grid*grid*C)``."""
    a = _activation(activation)
    grid = validate.integer(grid, "grid", low=1, high=1024)
    n, h, w, c = a.shape
    if h % grid or w % grid:
        validate.fail("grid", f"a grid size that divides the map size {h}x{w}", str(grid))
    return a.reshape(n, grid, h // grid, grid, w // grid, c).mean(axis=(2, 4)).reshape(n, -1)


def pca_features(train_features: np.ndarray, test_features: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Both sets projected on the ``n`` first principal axes of the (standardised) training set.

    Gives every layer the same number of features, so that probes compare layers, not feature counts.
    Standardised with the training set's mean and spread; axes from the training set only.
    """
    xtr = validate.array(train_features, "train_features", ndim=2).astype(np.float64)
    xte = validate.array(test_features, "test_features", ndim=2).astype(np.float64)
    if xte.shape[1] != xtr.shape[1]:
        validate.fail("test_features", f"{xtr.shape[1]} columns, as train_features", f"{xte.shape[1]}")
    n = validate.integer(n, "n", low=1, high=min(xtr.shape))
    mu, sd = xtr.mean(axis=0), xtr.std(axis=0) + 1e-6
    xtr, xte = (xtr - mu) / sd, (xte - mu) / sd
    values, vectors = np.linalg.eigh(xtr.T @ xtr)
    axes = vectors[:, np.argsort(values)[::-1][:n]]
    return xtr @ axes, xte @ axes


def probe_accuracy(train_features: np.ndarray, train_labels: np.ndarray, test_features: np.ndarray,
                   test_labels: np.ndarray, l2: float = 1.0, *, per_image: bool = False) -> float | np.ndarray:
    """Accuracy of a linear read-out (ridge regression on one-hot classes) trained on one set, tested on another.

    Features are standardised with the training set's mean and spread; the read-out is solved in
    closed form, so the result is exact and seed-free. ``per_image=True`` returns, for each test item, whether
    it was read out right (``(N,)`` booleans; for a paired comparison, e.g. with the untrained twin in 01).
    """
    xtr = validate.array(train_features, "train_features", ndim=2)
    xte = validate.array(test_features, "test_features", ndim=2)
    if xte.shape[1] != xtr.shape[1]:
        validate.fail("test_features", f"{xtr.shape[1]} columns, as train_features", f"{xte.shape[1]}")
    ytr = validate.class_index(validate.array(train_labels, "train_labels", dtype=None, ndim=1), "train_labels",
                               10_000, n=len(xtr))
    yte = validate.class_index(validate.array(test_labels, "test_labels", dtype=None, ndim=1), "test_labels",
                               10_000, n=len(xte))
    l2 = validate.number(l2, "l2", low=0, low_open=True)
    per_image = _flag(per_image, "per_image")
    mu, sd = xtr.mean(axis=0), xtr.std(axis=0) + 1e-6
    xtr, xte = (xtr - mu) / sd, (xte - mu) / sd
    xtr, xte = np.hstack([xtr, np.ones((len(xtr), 1))]), np.hstack([xte, np.ones((len(xte), 1))])
    k = int(max(ytr.max(), yte.max())) + 1
    onehot = np.eye(k)[ytr]
    w = np.linalg.solve(xtr.T @ xtr + l2 * np.eye(xtr.shape[1]), xtr.T @ onehot)
    right = (xte @ w).argmax(axis=1) == yte
    return right if per_image else float(right.mean())


def edge_similarity(activation: np.ndarray, images: np.ndarray, channels: int | None = None, draws: int = 10,
                    seed: int = 0, per_image: bool = False, grid: str = "image") -> float | np.ndarray:
    """How much a layer still looks like the input's edges.

    For each image: the best absolute correlation, over channels, between a channel (upsampled to
    the image size) and the image's edge strength; averaged over images. 1 = some channel is an
    edge map of this image, 0 = no channel resembles it.

    A best match over more channels has more chances to be high. ``channels=k`` compares layers on equal terms:
    the best over ``k`` channels drawn at random (without replacement), averaged over ``draws`` seeded draws.
    ``per_image=True`` returns the ``(N,)`` values instead of their mean (for a bootstrap over images).
    ``grid`` says where the two are compared: ``"image"`` (the channel enlarged to the image's pixels: a coarse
    map cannot follow a fine edge, whatever it learnt) or ``"layer"`` (the edge strength average-pooled to the
    layer's grid, as :func:`channel_tuning` does: each layer judged at its own resolution).
    Used in 01 (claim 3: "less about the visual contents", trained against the untrained twin).
    """
    a, x = _activation(activation), _unit_images(images)
    _same_count(a, x)
    n_ch = a.shape[-1]
    if channels is not None:
        channels = validate.integer(channels, "channels", low=1, high=n_ch)
    draws = validate.integer(draws, "draws", low=1, high=1000)
    rng = np.random.default_rng(validate.integer(seed, "seed", low=0))
    if not isinstance(per_image, bool):
        validate.fail("per_image", "True or False", validate.describe(per_image), kind=validate.InputTypeError)
    grid = validate.choice(grid, "grid", ["image", "layer"])
    # the 8 rectified edge maps of edge_and_colour_maps summed: max(g, 0) + max(-g, 0) = |g| per orientation
    strength = sum(np.abs(g) for g in _gradients(x)[1])          # (N, H, W)
    f = strength.shape[1] // a.shape[1]
    if grid == "layer" and f > 1:
        n, h, w = strength.shape
        strength = strength.reshape(n, h // f, f, w // f, f).mean(axis=(2, 4))
        f = 1
    subsets = [rng.permutation(n_ch)[:channels] for _ in range(draws)] if channels else [np.arange(n_ch)]
    n, h, w = a.shape[:3]
    best = np.empty(len(a))
    for start in range(0, len(a), 64):               # 64 images at a time: bounded memory
        part = slice(start, start + 64)
        s = strength[part].astype(np.float64)
        # the channel enlarged by f (each value repeated f x f times) against the pixels' edge strength equals,
        # exactly, the channel against the edge strength summed over each f x f cell, rescaled: no enlarging
        pooled = s.reshape(len(s), h, f, w, f).mean(axis=(2, 4)) if f > 1 else s
        ac = a[part].reshape(len(s), h * w, n_ch).astype(np.float64)
        ac = ac - ac.mean(axis=1, keepdims=True)
        pc = pooled.reshape(len(s), h * w)
        pc = pc - pc.mean(axis=1, keepdims=True)
        cov = np.einsum("npc,np->nc", ac, pc)
        na = np.sqrt((ac * ac).sum(axis=1))          # (n, C)
        if f > 1:                                    # norms of the enlarged channel and of the full-size map
            sc = s.reshape(len(s), -1)
            ns = np.sqrt(((sc - sc.mean(axis=1, keepdims=True)) ** 2).sum(axis=1))
            cov, na = cov * f * f, na * f
        else:
            ns = np.sqrt((pc * pc).sum(axis=1))
        c = np.clip(cov / np.maximum(na * ns[:, None], 1e-12), -1.0, 1.0)
        c[na < 1e-9] = 0.0                          # a channel that never changes correlates with nothing
        c = np.abs(c)
        best[part] = np.mean([c[:, sub].max(axis=1) for sub in subsets], axis=0)
    return best if per_image else float(best.mean())
