"""``data/MANIFEST``: every file the course ships in ``data/``, with size, SHA-256 and licence.

Format: one tab-separated line per file -- ``path  bytes  sha256  licence  source`` -- with
paths relative to ``data/``; lines starting with ``#`` are comments.
``python -m course_tools.manifest`` checks it; ``--write`` refreshes sizes and hashes (keeping
licences and sources, which a person must fill in for a new file).
"""

from __future__ import annotations

import sys
from pathlib import Path

from helpers.datafiles import (  # one reader and hasher, shared with the lessons
    MANIFEST,
    Entry,
    read,
    sha256,
)
from helpers.paths import DATA_DIR

__all__ = ["MANIFEST", "MAX_BYTES", "FORBIDDEN_SUFFIXES", "Entry", "read", "sha256", "problems", "write"]

#: No shipped file may be larger than this.
MAX_BYTES = 20 * 1024 * 1024
#: Pickle-based or code-carrying formats never ship.
FORBIDDEN_SUFFIXES = (".pkl", ".pickle", ".joblib", ".h5", ".hdf5", ".npy", ".npz", ".pt", ".pth")
HEADER = "# path\tbytes\tsha256\tlicence\tsource\n"


def _shipped(data_dir: Path) -> list[str]:
    return sorted(p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*")
                  if p.is_file() and p.name != "MANIFEST" and not p.name.startswith("."))


def problems(data_dir: Path = DATA_DIR) -> list[str]:
    """Everything wrong between ``data/`` and its manifest (an empty list when all is well)."""
    manifest = data_dir / "MANIFEST"
    if not manifest.is_file():
        return [f"{manifest} is missing: run `make manifest`"]
    entries = read(manifest)
    found = _shipped(data_dir)
    out = [f"{p}: in data/ but not in MANIFEST (add it with its licence)" for p in found if p not in entries]
    out += [f"{p}: listed in MANIFEST but missing from data/" for p in entries if p not in found]
    for p in found:
        f = data_dir / p
        if f.stat().st_size > MAX_BYTES:
            out.append(f"{p}: {f.stat().st_size} bytes, over the {MAX_BYTES // 2**20} MB limit")
        if f.suffix.lower() in FORBIDDEN_SUFFIXES:
            out.append(f"{p}: {f.suffix} files may hold pickles or code; ship .keras / .png instead")
        if p in entries:
            e = entries[p]
            if e.size != f.stat().st_size or e.sha256 != sha256(f):
                out.append(f"{p}: size or SHA-256 differs from MANIFEST (run `make manifest` if the change is "
                           "intended)")
            if not e.licence.strip() or not e.source.strip():
                out.append(f"{p}: licence and source must be filled in")
    return out


def write(data_dir: Path = DATA_DIR) -> Path:
    """Refresh sizes and hashes; keep known licences and sources, mark new files for a person to fill in."""
    manifest = data_dir / "MANIFEST"
    old = read(manifest) if manifest.is_file() else {}
    lines = [HEADER]
    for p in _shipped(data_dir):
        f = data_dir / p
        e = old.get(p)
        if e is None and p.startswith("models/") and p.endswith(".keras"):  # the course's own models
            e = Entry(p, 0, "", "MIT", "trained by this course: `make model`")
        lines.append("\t".join([p, str(f.stat().st_size), sha256(f), e.licence if e else "",
                                e.source if e else ""]) + "\n")
    manifest.write_text("".join(lines))
    return manifest


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        print(f"wrote {write()}")
    issues = problems()
    print("\n".join(issues) if issues else "data/MANIFEST matches data/")
    sys.exit(1 if issues else 0)
