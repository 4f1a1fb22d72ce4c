"""Wrong inputs to helpers.course_model and helpers.shipped are refused with a clear message (see bad_input_support).

Every case names the argument, what was expected and what came; tiny models and scenes keep them fast.
"""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path

import numpy as np
import pytest
from bad_input_support import Case, ids, outcome, scratch_folder

from helpers import course_model as cm
from helpers import shipped
from helpers.paths import ROOT
from helpers.scenes import generate_scenes

U8 = np.uint8


@functools.cache
def tiny(compiled: bool = True, n_classes: int = 4):
    """A 16x16 course convnet with two narrow blocks."""
    model = cm.build_course_convnet(image_size=16, n_classes=n_classes, widths=(2, 2), dense=2)
    return cm.compile_for_training(model) if compiled else model


@functools.cache
def scenes(n: int = 4, size: int = 16, background: bool = False):
    return generate_scenes(n, 0, size=size, classes=["background"] if background else None)


def empty_scenes():
    s = scenes()
    return s.subset(np.zeros(len(s), bool))


@functools.cache
def broken_model():
    """A model whose weights are NaN: it answers NaN for finite input."""
    model = cm.build_course_convnet(image_size=16, widths=(2, 2), dense=2)
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    return model


def folder() -> Path:
    return scratch_folder("bad_inputs_")


@functools.cache
def bad_file(kind: str) -> Path:
    """Files a student might hand the loader by mistake."""
    p = folder() / {"h5": "model.h5", "text": "notes.keras", "truncated": "half.keras", "lambda": "doubler.keras",
                    "empty zip": "hollow.keras"}[kind]
    if kind in ("h5", "text"):
        p.write_text("not a model")
    elif kind == "truncated":
        good = folder() / "good.keras"
        tiny(compiled=False).save(good)
        p.write_bytes(good.read_bytes()[:2000])
    elif kind == "lambda":
        import keras

        i = keras.Input((4,))
        keras.Model(i, keras.layers.Lambda(lambda x: x + 1, name="plus_one")(i)).save(p)
    else:
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("metadata.json", "{}")
    return p


CASES = [
    # preprocess
    Case("preprocess/None", lambda: cm.preprocess(None), TypeError, ["images", "None"]),
    Case("preprocess/a path", lambda: cm.preprocess("cat.png"), TypeError, ["images", "array"]),
    Case("preprocess/empty batch", lambda: cm.preprocess(np.zeros((0, 64, 64, 3), U8)), ValueError,
         ["images", "non-empty"]),
    Case("preprocess/grayscale", lambda: cm.preprocess(np.zeros((64, 64), U8)), ValueError,
         ["images", "RGB", "grayscale", "to_rgb_batch"]),
    Case("preprocess/RGBA", lambda: cm.preprocess(np.zeros((1, 64, 64, 4), U8)), ValueError,
         ["images", "3 channels", "to_rgb_batch"]),
    Case("preprocess/already scaled", lambda: cm.preprocess(np.full((64, 64, 3), 0.5, np.float32)), ValueError,
         ["images", "uint8", "already scaled"]),
    Case("preprocess/16-bit", lambda: cm.preprocess(np.full((64, 64, 3), 4000, np.uint16)), ValueError,
         ["images", "16-bit", "257"]),
    Case("preprocess/NaN", lambda: cm.preprocess(np.full((64, 64, 3), np.nan)), ValueError, ["images", "finite"]),
    Case("preprocess/rank 5", lambda: cm.preprocess(np.zeros((1, 1, 8, 8, 3), U8)), ValueError,
         ["images", "3 or 4 dimensions"]),
    # build_course_convnet
    Case("build/image_size 0", lambda: cm.build_course_convnet(image_size=0), ValueError, ["image_size", "1..512"]),
    Case("build/too small for its pools", lambda: cm.build_course_convnet(image_size=4), ValueError,
         ["image_size", "at least 8", "poolings"]),
    Case("build/huge image_size", lambda: cm.build_course_convnet(image_size=100_000), ValueError,
         ["image_size", "1..512"]),
    Case("build/fractional image_size", lambda: cm.build_course_convnet(image_size=64.5), TypeError,
         ["image_size", "whole number"]),
    Case("build/a zero width", lambda: cm.build_course_convnet(widths=(16, 0)), ValueError, ["widths[1]", "0"]),
    Case("build/no blocks", lambda: cm.build_course_convnet(widths=()), ValueError, ["widths", "blocks"]),
    Case("build/widths as text", lambda: cm.build_course_convnet(widths="16,32"), TypeError, ["widths", "tuple"]),
    Case("build/one class", lambda: cm.build_course_convnet(n_classes=1), ValueError, ["n_classes", "2..1000"]),
    Case("build/negative dense", lambda: cm.build_course_convnet(dense=-5), ValueError, ["dense", "-5"]),
    Case("build/dropout 1", lambda: cm.build_course_convnet(dropout=1.0), ValueError, ["dropout", "[0, 1)"]),
    Case("build/dropout NaN", lambda: cm.build_course_convnet(dropout=float("nan")), ValueError,
         ["dropout", "finite"]),
    # compile_for_training
    Case("compile/a path", lambda: cm.compile_for_training("course_convnet.keras"), TypeError,
         ["model", "path", "load_course_model"]),
    Case("compile/learning rate 0", lambda: cm.compile_for_training(tiny(False), 0), ValueError,
         ["learning_rate", "> 0"]),
    Case("compile/huge learning rate", lambda: cm.compile_for_training(tiny(False), 10), ValueError,
         ["learning_rate", "<= 1"]),
    # train
    Case("train/not compiled", lambda: cm.train(tiny(compiled=False), scenes()), ValueError,
         ["model", "not compiled", "compile_for_training"]),
    Case("train/zero epochs", lambda: cm.train(tiny(), scenes(), epochs=0), ValueError, ["epochs", "1..200"]),
    Case("train/a million epochs", lambda: cm.train(tiny(), scenes(), epochs=10**6), ValueError,
         ["epochs", "1..200"]),
    Case("train/fractional epochs", lambda: cm.train(tiny(), scenes(), epochs=2.5), TypeError,
         ["epochs", "whole number"]),
    Case("train/batch_size 0", lambda: cm.train(tiny(), scenes(), batch_size=0), ValueError,
         ["batch_size", "1..4096"]),
    Case("train/huge batch", lambda: cm.train(tiny(), scenes(), batch_size=10**7), ValueError,
         ["batch_size", "4096"]),
    Case("train/an array for scenes", lambda: cm.train(tiny(), scenes().images), TypeError,
         ["train_scenes", "StreetScenes", "preprocess"]),
    Case("train/no scenes", lambda: cm.train(tiny(), empty_scenes()), ValueError, ["train_scenes", "at least one"]),
    Case("train/scenes of another size", lambda: cm.train(tiny(), scenes(size=32)), ValueError,
         ["train_scenes", "16x16", "32x32", "size=16"]),
    Case("train/bad validation scenes", lambda: cm.train(tiny(), scenes(), val_scenes=[1, 2]), TypeError,
         ["val_scenes", "StreetScenes"]),
    Case("train/verbose", lambda: cm.train(tiny(), scenes(), verbose="loud"), ValueError, ["verbose", "'auto'"]),
    Case("train/negative seed", lambda: cm.train(tiny(), scenes(), seed=-1), ValueError, ["seed", "-1"]),
    # evaluate
    Case("evaluate/zero scenes (no NaN accuracy)", lambda: cm.evaluate(tiny(), empty_scenes()), ValueError,
         ["scenes", "at least one", "undefined"]),
    Case("evaluate/a path for the model", lambda: cm.evaluate("data/models/course_convnet.keras", scenes()),
         TypeError, ["model", "path", "load_course_model"]),
    Case("evaluate/not a model", lambda: cm.evaluate(42, scenes()), TypeError, ["model", "keras.Model", "int"]),
    Case("evaluate/fewer classes than labels", lambda: cm.evaluate(tiny(n_classes=3), scenes(background=True)),
         ValueError, ["model", "3 outputs", "n_classes"]),
    Case("evaluate/NaN weights", lambda: cm.evaluate(broken_model(), scenes()), ValueError,
         ["model", "finite", "NaN", "load_course_model"]),
    Case("evaluate/batch_size 0", lambda: cm.evaluate(tiny(), scenes(), batch_size=0), ValueError, ["batch_size"]),
    # confusion_matrix
    Case("confusion/label out of range", lambda: cm.confusion_matrix([0, 7], [0, 1]), ValueError,
         ["true", "0..3", "7"]),
    Case("confusion/negative prediction", lambda: cm.confusion_matrix([0, 1], [0, -1]), ValueError,
         ["pred", "0..3", "-1"]),
    Case("confusion/probabilities for pred", lambda: cm.confusion_matrix([0, 1], np.eye(4)[:2]), ValueError,
         ["pred", "1-D", "argmax"]),
    Case("confusion/fractional labels", lambda: cm.confusion_matrix([0.5, 1], [0, 1]), TypeError,
         ["true", "whole-number"]),
    Case("confusion/None", lambda: cm.confusion_matrix(None, [0]), TypeError, ["true", "None"]),
    Case("confusion/lengths differ", lambda: cm.confusion_matrix([0, 1], [0]), ValueError, ["same shape"]),
    Case("confusion/NaN label", lambda: cm.confusion_matrix([0, np.nan], [0, 1]), ValueError, ["true", "finite"]),
    Case("confusion/n_classes 0", lambda: cm.confusion_matrix([0], [0], n_classes=0), ValueError, ["n_classes"]),
    # summary_table
    Case("summary/a path", lambda: cm.summary_table("course_convnet.keras"), TypeError, ["model", "path"]),
    Case("summary/None", lambda: cm.summary_table(None), TypeError, ["model", "None"]),
    # load_course_model and helpers.shipped
    Case("load/an .h5 file", lambda: cm.load_course_model(bad_file("h5")), ValueError, ["path", ".keras", "model.h5"]),
    Case("load/missing file", lambda: cm.load_course_model(folder() / "nope.keras"), FileNotFoundError,
         ["nope.keras", "make model"]),
    Case("load/a model for the path", lambda: cm.load_course_model(tiny()), TypeError, ["path", "already a model"]),
    Case("load/text renamed .keras", lambda: cm.load_course_model(bad_file("text")), ValueError,
         ["path", "notes.keras", "not a zip"]),
    Case("load/truncated", lambda: cm.load_course_model(bad_file("truncated")), ValueError,
         ["path", "half.keras", "damaged"]),
    Case("load/zip without a model", lambda: cm.load_course_model(bad_file("empty zip")), ValueError,
         ["path", "hollow.keras", "no config.json"]),
    Case("load/a Lambda layer", lambda: cm.load_course_model(bad_file("lambda")), ValueError,
         ["path", "doubler.keras", "Lambda layer 'plus_one'", "only standard Keras layers"]),
    Case("load/a folder", lambda: cm.load_course_model(ROOT / "data"), ValueError, ["path", ".keras"]),
    Case("shipped/unknown name", lambda: shipped.load("resnet"), ValueError, ["name", "'resnet'", "course_convnet"]),
    Case("shipped/name not a string", lambda: shipped.load(3), TypeError, ["name", "int 3"]),
    Case("shipped/base for a model without one", lambda: shipped.build("course_convnet", base=tiny()), ValueError,
         ["base", "None"]),
    Case("shipped/base is a path", lambda: shipped.build("localizer", base="course_convnet.keras"), TypeError,
         ["base", "path"]),
    Case("shipped/models_dir a number", lambda: shipped.path("localizer", models_dir=5), TypeError,
         ["models_dir", "folder"]),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_bad_input_is_refused_clearly(case):
    assert outcome(case) is None


def test_evaluate_and_train_still_take_good_input():
    model = tiny()
    history = cm.train(model, scenes(), val_scenes=scenes(), epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    acc, pred = cm.evaluate(model, scenes())
    assert 0 <= acc <= 1 and pred.shape == (4,)
    assert cm.confusion_matrix(np.array([], int), np.array([], int)).sum() == 0      # nothing to count: zeros
