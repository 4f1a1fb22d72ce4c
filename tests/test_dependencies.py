"""pyproject.toml (pip) and environment.yml (conda, Binder) must name the same packages and bounds."""

import re
import sys

import yaml

from helpers.paths import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# pip-only names and their conda-forge equivalents
SAME = {"tensorflow-cpu": "tensorflow"}
PIP_ONLY = {"tomli"}  # a backport for Python 3.10; conda has it in the standard library's place


def _split(req: str) -> tuple[str, str]:
    req = req.split(";")[0].strip()
    m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    name = m.group(1).lower().replace("_", "-")
    return SAME.get(name, name), m.group(2).replace(" ", "")


def pip_requirements() -> dict[str, set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    out: dict[str, set[str]] = {}
    for req in project["dependencies"] + project["optional-dependencies"]["backend"]:
        name, spec = _split(req)
        if name not in PIP_ONLY:
            out.setdefault(name, set()).add(spec)
    out["python"] = {project["requires-python"].replace(" ", "")}
    return out


def conda_requirements() -> dict[str, set[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out: dict[str, set[str]] = {}
    for dep in env["dependencies"]:
        for item in dep.get("pip", []) if isinstance(dep, dict) else [dep]:
            if item not in ("pip", "-e ."):   # conda packages, and those its pip section takes from PyPI
                name, spec = _split(item)
                out.setdefault(name, set()).add(spec)
    return out


def test_same_packages_and_bounds():
    pip, conda = pip_requirements(), conda_requirements()
    assert sorted(pip) == sorted(conda), set(pip) ^ set(conda)
    for name in pip:
        assert pip[name] == conda[name], f"{name}: pyproject {pip[name]} vs environment.yml {conda[name]}"


def test_required_packages_are_there():
    assert {"jupyterlab", "jupyterlab-rise", "keras", "tensorflow", "matplotlib", "ipywidgets", "nbval"} \
        <= set(pip_requirements())
    assert pip_requirements()["keras"] == {">=3.15.1,<4"}


#: Keras releases with a published load_model flaw (safe-mode bypass, file read, denial of service), each the last
#: one before its fix: CVE-2025-1550 (3.9), CVE-2025-8747/-9906 (3.11.0), CVE-2025-9905/-49655 (3.11.3),
#: CVE-2026-1462 and CVE-2026-1669 (3.13.2), CVE-2026-12480 (3.14.1), CVE-2026-12570 (3.15.0); 3.15.0 lacks the
#: .keras extraction hardening of 3.15.1.
VULNERABLE_KERAS = ("3.8.0", "3.10.0", "3.11.2", "3.13.1", "3.14.0", "3.15.0")


def test_keras_floor_excludes_every_release_with_a_known_load_model_flaw():
    from packaging.specifiers import SpecifierSet

    (spec,) = pip_requirements()["keras"]
    for version in VULNERABLE_KERAS:
        assert version not in SpecifierSet(spec), f"keras {spec} still allows {version}"
    assert "3.15.1" in SpecifierSet(spec)


def test_colab_cell_installs_the_same_bounds():
    """The Colab cell takes its bounds from pyproject.toml; the notebooks hold that very cell (test_teaching)."""
    from course_tools import open_anywhere

    cell = open_anywhere.colab_cell_source()
    for name, req in open_anywhere.colab_requirements().items():
        assert pip_requirements()[name] == {req.removeprefix(name)}, f"{name}: Colab {req} vs pyproject"
        assert f'"{name}": "{req}"' in cell


def test_pip_install_in_conda_adds_no_second_tensorflow():
    """environment.yml's `-e .` installs the base dependencies only: TensorFlow comes from conda-forge."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(_split(r)[0] == "tensorflow" for r in project["dependencies"])
    assert "-e '.[backend]'" in (ROOT / "Makefile").read_text(), "make installs TensorFlow through the extra"


def test_environment_installs_the_helpers():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section


def test_constraints_pin_versions_inside_the_bounds():
    from packaging.requirements import Requirement
    from packaging.version import Version

    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            n, v = line.split("==")
            pins[n.lower().replace("_", "-")] = Version(v)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for group in project.get("optional-dependencies", {}).values() for r in group]
    for req in map(Requirement, project["dependencies"] + extras):
        name = req.name.lower().replace("_", "-")
        if name in pins:
            assert req.specifier.contains(pins[name]), f"constraints.txt pins {name}=={pins[name]} outside {req}"


def test_make_slides_installs_only_what_the_decks_need():
    """`make slides` installs the `slides` extra (reveal.js, inside sphinx-revealjs) and no browser driver;
    `make test` and `make run` install `tools`: the same, Playwright for the browser tests and pycocotools, the mAP
    oracle (it must run in CI, never skip)."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = {k: [Requirement(r) for r in v] for k, v in project["optional-dependencies"].items()}
    assert [r.name for r in extras["slides"]] == ["sphinx-revealjs"]
    tools = {r.name: r for r in extras["tools"]}
    assert set(tools) == {project["name"], "playwright", "pycocotools"}
    assert tools[project["name"]].extras == {"slides", "jax", "torch"}       # the parity suite runs both
    assert [r.name for r in extras["jax"]] == ["jax"] and [r.name for r in extras["torch"]] == ["torch"]

    rules = {}   # Makefile: target -> (prerequisites, recipe)
    for block in re.split(r"\n(?=\S)", (ROOT / "Makefile").read_text()):
        head, _, recipe = block.partition("\n")
        if ":" in head and not head.startswith(("#", ".", "export")) and ":=" not in head:
            target, _, prereqs = head.partition(":")
            rules[target.strip()] = (prereqs.split("#")[0].split(), recipe)
    assert rules["slides"][0] == ["$(SLIDES)"] and "-e '.[backend,slides]'" in rules["$(SLIDES)"][1]
    for target in ("test", "run"):
        assert rules[target][0] == ["$(TOOLS)"], target
    assert "-e '.[backend,tools]'" in rules["$(TOOLS)"][1]
    # make lab BACKEND=jax|torch: that backend's extra alone, in its own venv (no TensorFlow)
    make = (ROOT / "Makefile").read_text()
    jax_or_torch = make.split(".venv-%/.installed:")[1].split("\n\n")[0]
    assert "-e '.[$*]'" in jax_or_torch and "[backend" not in jax_or_torch
    assert "-e '.[backend]'" in make.split(".venv/.installed:")[1].split("\n\n")[0]
