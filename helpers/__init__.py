"""helpers: the tested code behind the course's notebooks.

One module per lesson, imported on use (``from helpers import scenes``); importing the
package itself does no work and does not import TensorFlow.

- :mod:`helpers.scenes` -- the offline street-scenes dataset with exact boxes and landmarks
- :mod:`helpers.course_model` -- the course convnet: build, preprocess, train, load (safe mode)
- :mod:`helpers.localization` -- the slides' label vector ``[p_d, bx, by, bh, bw, c1, c2, c3]``
- :mod:`helpers.plotting` -- galleries with boxes/landmarks, training curves, confusion matrices
- :mod:`helpers.metrics` -- the measured figures in ``build/metrics.json``
- :mod:`helpers.notebook` -- ``setup()`` at the top of every notebook
- :mod:`course_tools.manifest` -- ``data/MANIFEST``: what ships, with SHA-256 and licence
- :mod:`helpers.exercises` -- instant feedback on the exercises at the end of every notebook
- :mod:`course_tools.slides` -- slide metadata (live, with jupyterlab-rise) and offline reveal.js decks
- :mod:`course_tools.student` -- students' own copies (no outputs, no solutions, never overwritten)
- :mod:`course_tools.open_anywhere` -- Colab/Binder badges and the Colab set-up cell
"""

__version__ = "0.1.0"
