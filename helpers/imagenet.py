"""Optional ImageNet models (VGG16, as on the slides): used only when the weights are already cached.

No package registry ships ImageNet weights and the course never downloads at run time, so the
optional sections call :func:`cached_vgg16`: it returns the model when its weights file is in the
Keras cache and otherwise prints one line saying how to get it (``make imagenet``, once, online).
"""

from __future__ import annotations

import os
from pathlib import Path

from . import datafiles
from .validate import InputTypeError, describe, fail

__all__ = ["WEIGHTS", "FILE_HASHES", "keras_cache_dir", "cached_vgg16", "fetch"]

#: Weight files as keras.applications names them in its cache.
WEIGHTS = {True: "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
           False: "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"}
#: Their published MD5 hashes: the ``file_hash`` values ``keras.applications.vgg16`` checks when it downloads them
#: (keras/src/applications/vgg16.py; a test checks that they are still the installed Keras's).
FILE_HASHES = {True: "64373286793e3c8b2b4e3219cbf3544b", False: "6d6bbae143d832006294945121d1f1fc"}
HINT = "run `make imagenet` once while online to add it (about 600 MB)"


def keras_cache_dir() -> Path:
    """Where keras.applications keeps downloaded weights (``$KERAS_HOME/models``, default ``~/.keras/models``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def cached_vgg16(include_top: bool = True, quiet: bool = False):
    """VGG16 with ImageNet weights from the local cache, or None (with one line saying how to get them).

    The cached file is used only when it matches its published hash (checked once per process); a damaged or
    partial download is not used, and the line says how to fetch it again.
    """
    for name, value in (("include_top", include_top), ("quiet", quiet)):
        if not isinstance(value, bool) and type(value).__name__ != "bool_":
            fail(name, "True or False", describe(value), kind=InputTypeError)
    include_top = bool(include_top)
    path = keras_cache_dir() / WEIGHTS[include_top]
    if not path.is_file():
        if not quiet:
            print(f"Optional section skipped: the VGG16 ImageNet weights are not in the Keras cache; {HINT}.")
        return None
    if datafiles.digest(path, "md5") != FILE_HASHES[include_top]:
        if not quiet:
            print(f"Optional section skipped: the cached VGG16 weights {path} do not match their published hash "
                  "(a damaged or partial download); run `make imagenet` once while online to fetch them again.")
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
