"""Where things are: the repository's folders, found from this file (never a machine path)."""

from __future__ import annotations

from pathlib import Path

#: The repository's top folder.
ROOT = Path(__file__).resolve().parent.parent
#: Shipped data: models and photos, listed in data/MANIFEST.
DATA_DIR = ROOT / "data"
#: Generated files (metrics, executed notebooks, saved pictures); git-ignored.
BUILD_DIR = ROOT / "build"
