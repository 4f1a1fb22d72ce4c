"""helpers: the tested code behind the course's notebooks -- only what the notebooks import.

One module per lesson, imported on use (``from helpers import scenes``); importing the
package itself does no work and does not import TensorFlow.

- :mod:`helpers.scenes` -- the offline street scenes with exact boxes and landmarks
  (``schema``: classes, box convention, landmark order; ``drawing``; ``generation``)
- :mod:`helpers.course_model` -- the course convnet: build, preprocess, train, load (00)
- :mod:`helpers.activations` -- intermediate activations and what they measure (01)
- :mod:`helpers.filters` -- filter patterns by gradient ascent (02)
- :mod:`helpers.featurevis`, :mod:`helpers.atlas` -- patterns that read; dataset examples and what they fall on (02)
- :mod:`helpers.cam` -- Grad-CAM, LayerCAM and whether a heatmap finds the object (03)
- :mod:`helpers.localization` -- the slides' label vector ``[p_d, bx, by, bh, bw, c1, c2, c3]`` and losses (04)
- :mod:`helpers.landmarks` -- landmarks, flips, pose models and PCK (05)
- :mod:`helpers.detection` -- the grid of label vectors, its loss, IoU, NMS, AP/mAP, the grid detector (06)
- :mod:`helpers.explain` -- saliency methods and how to judge them against exact ground truth (07)
- :mod:`helpers.shortcut` -- a coloured marker that gives the class away: the model that cheats on purpose (08)
- :mod:`helpers.uncertainty` -- bootstrap, Student-t and Wilson intervals: how sure each figure is
- :mod:`helpers.shipped` -- the registry of shipped models: name -> file, builder, safe-mode loader
- :mod:`helpers.layers`, :mod:`helpers.gradients` -- layer outputs of any Keras model; gradients, in one place
- :mod:`helpers.images`, :mod:`helpers.plotting`, :mod:`helpers.explorers` -- photos, figures, widgets
- :mod:`helpers.imagenet` -- the optional VGG16 sections
- :mod:`helpers.notebook` -- ``setup()`` at the top of every notebook
- :mod:`helpers.exercises` -- instant feedback on the exercises at the end of every notebook

The course's own tooling (training every shipped model, the manifest, slides, students' copies, badges,
running notebooks, metrics) lives in the separate package ``course_tools``.
"""

__version__ = "0.1.0"
