"""course_tools: the course's own tooling -- what maintainers and instructors run, never what a notebook imports.

- :mod:`course_tools.train_models` -- ``make model``: retrain every shipped model (``SMOKE=1``: tiny, seconds)
- :mod:`course_tools.manifest` -- ``data/MANIFEST``: what ships, with SHA-256 and licence
- :mod:`course_tools.run_notebooks` -- ``make run`` / ``make execute``: run the notebooks headless
- :mod:`course_tools.slides` -- slide metadata (live, with jupyterlab-rise) and offline reveal.js decks
- :mod:`course_tools.lab` -- ``make lab``: working copies in lab/ (git pull never collides with them), quietly
- :mod:`course_tools.student` -- students' own copies (no outputs, no solutions, never overwritten)
- :mod:`course_tools.open_anywhere` -- Colab/Binder badges and the Colab set-up cell

Students never need to open this package: the lessons' code is in :mod:`helpers`.
"""
