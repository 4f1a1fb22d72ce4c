"""Optional ImageNet models (VGG16, as on the slides): used only when the weights are already cached.

No package registry ships ImageNet weights and the course never downloads at run time, so the
optional sections call :func:`cached_vgg16`: it returns the model when its weights file is in the
Keras cache and otherwise prints one line saying how to get it (``make imagenet``, once, online).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["WEIGHTS", "keras_cache_dir", "cached_vgg16", "fetch"]

#: Weight files as keras.applications names them in its cache.
WEIGHTS = {True: "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
           False: "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"}
HINT = "run `make imagenet` once while online to add it (about 600 MB)"


def keras_cache_dir() -> Path:
    """Where keras.applications keeps downloaded weights (``$KERAS_HOME/models``, default ``~/.keras/models``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def cached_vgg16(include_top: bool = True, quiet: bool = False):
    """VGG16 with ImageNet weights from the local cache, or None (with one line saying how to get them)."""
    path = keras_cache_dir() / WEIGHTS[include_top]
    if not path.is_file():
        if not quiet:
            print(f"Optional section skipped: the VGG16 ImageNet weights are not in the Keras cache; {HINT}.")
        return None
    import keras

    return keras.applications.VGG16(weights=str(path), include_top=include_top)


def fetch() -> None:
    """``make imagenet``: download both VGG16 weight files into the Keras cache (needs the network)."""
    import keras

    for top in (True, False):
        keras.applications.VGG16(weights="imagenet", include_top=top)
        print(f"cached {keras_cache_dir() / WEIGHTS[top]}")


if __name__ == "__main__":
    fetch()
