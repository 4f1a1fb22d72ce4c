# The course's commands. Each one installs what it needs into .venv on first use.
#   make lab      the course in JupyterLab, your own copies      make test    run every test (what CI runs)
#   make lab TEACH=1  the instructor's copies (solutions, RISE)  make slides  offline decks -> build/slides/
#   make run      execute all notebooks -> build/                make model   retrain the shipped models
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TOOLS  := $(VENV)/.installed-tools
SLIDES := $(VENV)/.installed-slides
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0

.PHONY: help install lab test run model manifest execute clean imagenet slides student

help:
	@sed -n '2,4p' Makefile

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 13) else \
	  f"this course needs Python 3.11 to 3.13 (TensorFlow and a safe Keras need them; not {v[0]}.{v[1]}); run e.g. make PYTHON=python3.12 $(MAKECMDGOALS)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[backend]'
	@touch $@
	@echo "installed the course into $(VENV)"

# The course's own tools: only the commands that need them install them. make slides: the decks' reveal.js
# (the `slides` extra); make test and make run: that and the browser tests' Playwright (the `tools` extra).
$(SLIDES): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[backend,slides]'
	@touch $@

$(TOOLS): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[backend,tools]'
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
	$(BIN)/python -m course_tools.slides $(NB)

test: $(TOOLS)
	$(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder tests notebooks $(NBVAL)

run: $(TOOLS)
	$(BIN)/python -m course_tools.run_notebooks
	$(BIN)/python benchmarks/filters_speed.py
	$(BIN)/python benchmarks/featurevis_speed.py
	$(BIN)/python benchmarks/cam_speed.py
	$(BIN)/python benchmarks/explain_speed.py
	$(BIN)/python -m pytest -q tests/test_teaching.py tests/test_slides.py tests/test_browser.py tests/test_slides_fit.py \
	  tests/test_day_one.py tests/test_legibility.py  # teaching.*, decks, slides that fit

execute: $(STAMP)   ## re-execute the notebooks and store their outputs (before committing them)
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
