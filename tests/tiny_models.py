"""Tiny 8x8 models of every kind the helpers must handle (no downloads)."""

import keras
import numpy as np

L = keras.layers
SHAPE = (8, 8, 3)


def functional():
    keras.utils.set_random_seed(0)  # tiny models are seeded: every test run sees the same weights
    i = keras.Input(SHAPE)
    h = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(i)
    h = L.MaxPooling2D(name="p1")(h)
    h = L.Conv2D(5, 3, padding="same", activation="relu", name="c2")(h)
    h = L.GlobalAveragePooling2D(name="gap")(h)
    return keras.Model(i, L.Dense(3, name="scores")(h), name="functional")


def sequential_never_called():
    keras.utils.set_random_seed(0)
    return keras.Sequential([L.Conv2D(4, 3, padding="same", activation="relu", name="c1"), L.MaxPooling2D(name="p1"),
                             L.Conv2D(5, 3, padding="same", activation="relu", name="c2"),
                             L.GlobalAveragePooling2D(name="gap"), L.Dense(3, name="scores")], name="sequential")


def nested_in_functional():
    base = functional()
    base = keras.Model(base.inputs, base.get_layer("c2").output, name="base")
    i = keras.Input(SHAPE)
    h = L.GlobalAveragePooling2D(name="gap_outer")(base(i))
    return keras.Model(i, L.Dense(3, name="head")(h), name="outer")


def nested_in_sequential():
    base = functional()
    base = keras.Model(base.inputs, base.get_layer("c2").output, name="base")
    return keras.Sequential([keras.Input(SHAPE), base, L.GlobalAveragePooling2D(name="gap_outer"),
                             L.Dense(3, name="head")], name="outer_seq")


KINDS = {"functional": functional, "sequential_never_called": sequential_never_called,
         "nested_in_functional": nested_in_functional, "nested_in_sequential": nested_in_sequential}


def images(n=4, seed=0):
    return np.random.default_rng(seed).random((n, *SHAPE)).astype("float32")


def any_size(width: int = 2):
    """Fully convolutional: takes images of any size (for the caps on large inputs in the bad-input tables)."""
    import keras
    from keras import layers as L

    keras.utils.set_random_seed(0)
    i = keras.Input((None, None, 3))
    h = L.Conv2D(width, 3, padding="same", name="c1")(i)
    return keras.Model(i, L.Dense(3, name="scores")(L.GlobalAveragePooling2D()(h)), name="any_size")

