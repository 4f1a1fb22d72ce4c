# The course's commands. Each one installs what it needs into .venv on first use.
#   make lab      the course in JupyterLab, your own copies      make test    run every test (what CI runs)
#   make lab TEACH=1  the instructor's copies (solutions, RISE)  make slides  offline decks -> build/slides/
#   make run      execute all notebooks -> build/                make model   retrain the shipped models
#   BACKEND=jax or BACKEND=torch (lab, model): Keras on that backend, in .venv-<backend>, no TensorFlow
PYTHON ?= python3
# The Keras backend: tensorflow (the default, in .venv), or jax / torch, each in its own .venv-jax / .venv-torch
# with no TensorFlow in it. KERAS_BACKEND set in your shell is taken when BACKEND is not given.
BACKEND ?= $(or $(KERAS_BACKEND),tensorflow)
ifeq ($(filter $(BACKEND),tensorflow jax torch),)
$(error BACKEND must be tensorflow, jax or torch, not "$(BACKEND)")
endif
VENV   := $(if $(filter tensorflow,$(BACKEND)),.venv,.venv-$(BACKEND))
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# make test and make slides always use .venv (TensorFlow): the full suite runs on TensorFlow, and the parity suite
# (tests/test_backend_parity.py) runs JAX and PyTorch beside it, both installed by the `tools` extra.
TFBIN  := .venv/bin
TOOLS  := .venv/.installed-tools
SLIDES := .venv/.installed-slides
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# PyTorch from PyPI is a CUDA build of several GB on Linux x86_64; for BACKEND=torch its CPU build comes from
# PyTorch's own index (TORCH_INDEX= to use only PyPI and pip's configured sources).
TORCH_INDEX ?= $(if $(filter Linux-x86_64,$(shell uname -s)-$(shell uname -m)),https://download.pytorch.org/whl/cpu,)
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0
export KERAS_BACKEND := $(BACKEND)

.PHONY: help install lab test run model manifest execute clean imagenet slides student backends

help:
	@sed -n '2,5p' Makefile

PYCHECK = @$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 13) else \
	  f"this course needs Python 3.11 to 3.13 (TensorFlow and a safe Keras need them; not {v[0]}.{v[1]}); run e.g. make PYTHON=python3.12 $(MAKECMDGOALS)")'

.venv/.installed: pyproject.toml constraints.txt
	$(PYCHECK)
	@test -x .venv/bin/python || $(PYTHON) -m venv .venv
	.venv/bin/python -m pip install --quiet --upgrade pip
	.venv/bin/python -m pip install --quiet -c constraints.txt -e '.[backend]'
	@touch $@
	@echo "installed the course into .venv (Keras backend: tensorflow)"

.venv-%/.installed: pyproject.toml constraints.txt
	$(PYCHECK)
	@test -x .venv-$*/bin/python || $(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --upgrade pip
	.venv-$*/bin/python -m pip install --quiet $(if $(and $(filter torch,$*),$(TORCH_INDEX)),--extra-index-url $(TORCH_INDEX),) \
	  -c constraints.txt -e '.[$*]'
	@touch $@
	@echo "installed the course into .venv-$* (Keras backend: $*, no TensorFlow)"

# The course's own tools: only the commands that need them install them. make slides: the decks' reveal.js
# (the `slides` extra); make test and make run: that, the browser tests' Playwright, pycocotools, and JAX and
# PyTorch for the parity suite (the `tools` extra).
$(SLIDES): .venv/.installed
	$(TFBIN)/python -m pip install --quiet -c constraints.txt -e '.[backend,slides]'
	@touch $@

$(TOOLS): .venv/.installed
	$(TFBIN)/python -m pip install --quiet -c constraints.txt -e '.[backend,tools]'
	@touch $@ $(SLIDES)

install: $(STAMP)

# lab: your own copies in student/ (no solutions; git-ignored, so git pull never collides with them), a running
# server reused; as root (e.g. in a container) it passes --allow-root. TEACH=1: the instructor's copies in lab/
# (stored outputs and solutions) instead.
lab: $(STAMP)
	@$(BIN)/python -m course_tools.lab $(if $(TEACH),--instructor,)

student: $(STAMP)   ## clean copies without outputs or solutions; never overwrites one you have
	$(BIN)/python -m course_tools.student $(NB)

slides: $(SLIDES)   ## self-contained reveal.js decks, open offline (make slides NB=03 for one)
	$(TFBIN)/python -m course_tools.slides $(NB)

test: export KERAS_BACKEND := tensorflow
test: $(TOOLS)
	$(TFBIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder tests notebooks $(NBVAL)

run: export KERAS_BACKEND := tensorflow
run: $(TOOLS)
	$(TFBIN)/python -m course_tools.run_notebooks
	$(TFBIN)/python benchmarks/filters_speed.py
	$(TFBIN)/python benchmarks/featurevis_speed.py
	$(TFBIN)/python benchmarks/cam_speed.py
	$(TFBIN)/python benchmarks/explain_speed.py
	$(TFBIN)/python benchmarks/backends.py      # the same work on TensorFlow, JAX and PyTorch, side by side
	$(TFBIN)/python -m pytest -q tests/test_teaching.py tests/test_slides.py tests/test_browser.py tests/test_slides_fit.py \
	  tests/test_day_one.py tests/test_legibility.py  # teaching.*, decks, slides that fit

# backends: every notebook executed on JAX and on PyTorch (build/metrics-<backend>.json), each figure compared with
# TensorFlow's (build/metrics.json, from make run) to its printed precision -> build/backends.md
backends: export KERAS_BACKEND := tensorflow
backends: $(TOOLS)
	$(TFBIN)/python -m course_tools.backend_notebooks $(NB)

execute: $(STAMP)   ## re-execute the notebooks and store their outputs (before committing them)
	@test "$(BACKEND)" = tensorflow || { echo "the committed outputs are TensorFlow's: make execute runs without BACKEND"; exit 2; }
	$(BIN)/python -m course_tools.run_notebooks --inplace $(NB)

model: $(STAMP)   ## every shipped model, then data/MANIFEST; SMOKE=1: tiny, seconds each; QUICK=1; OUT=dir
	$(BIN)/python -m course_tools.train_models $(if $(SMOKE),--smoke,) $(if $(QUICK),--quick,) \
	  $(if $(OUT),--out $(OUT),)

manifest: $(STAMP)
	$(BIN)/python -m course_tools.manifest --write

clean:
	rm -rf build

imagenet: $(STAMP)   ## optional, online once: VGG16 ImageNet weights for the optional sections
	$(BIN)/python -m helpers.imagenet
