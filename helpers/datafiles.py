"""The shipped data's manifest (``data/MANIFEST``): read it, hash files, and check a shipped file before it is used.

Format: one tab-separated line per file -- ``path  bytes  sha256  licence  source`` -- with paths relative to
``data/``; lines starting with ``#`` are comments. The course's tooling (``course_tools.manifest``) writes and
audits the manifest with these same functions; the lessons only check what they load (:func:`verify`).

Each file is hashed once per process: the digest is kept per path, modification time and size, so notebooks that
load the same model twice pay once, and a file changed on disk is hashed again.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .paths import DATA_DIR

__all__ = ["MANIFEST", "Entry", "IntegrityError", "read", "sha256", "digest", "verify", "restore_hint"]

#: The manifest of everything the course ships in ``data/``.
MANIFEST = DATA_DIR / "MANIFEST"


class IntegrityError(ValueError):
    """A shipped file differs from the one listed in ``data/MANIFEST`` (damaged, incomplete or changed)."""


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    sha256: str
    licence: str
    source: str


def sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file, as hex (read in 1 MB blocks)."""
    return _hash(Path(path), "sha256")


def _hash(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_DIGESTS: dict[tuple, str] = {}


def digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Like :func:`sha256` (or another ``hashlib`` algorithm), computed once per file version in this process."""
    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_mtime_ns, st.st_size, algorithm)
    if key not in _DIGESTS:
        _DIGESTS[key] = _hash(p, algorithm)
    return _DIGESTS[key]


def read(manifest: str | os.PathLike = MANIFEST) -> dict[str, Entry]:
    """Parse the manifest into ``{path: Entry}`` (paths relative to ``data/``)."""
    manifest = Path(manifest)
    entries = {}
    for n, line in enumerate(manifest.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 5:
            raise ValueError(f"{manifest}:{n}: expected 5 tab-separated fields (path, bytes, sha256, licence, "
                             f"source), got {len(parts)}")
        entries[parts[0]] = Entry(parts[0], int(parts[1]), parts[2], parts[3], parts[4])
    return entries


_ENTRIES: dict[tuple, dict[str, Entry]] = {}


def _entries(manifest: Path) -> dict[str, Entry]:
    st = manifest.stat()
    key = (str(manifest.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _ENTRIES:
        _ENTRIES[key] = read(manifest)
    return _ENTRIES[key]


def restore_hint(relative: str) -> str:
    """How to get a shipped file back, e.g. for ``models/localizer.keras``."""
    hint = f"restore it with `git checkout data/{relative}`"
    return hint + " or rebuild it with `make model`" if relative.startswith("models/") else hint


def verify(path: str | os.PathLike, data_dir: str | os.PathLike | None = None) -> bool:
    """Check a file against ``data/MANIFEST`` when it is one the course ships; True when it was checked.

    A file outside ``data/``, or one the manifest does not list (a student's own photo), is not checked
    (returns False). A listed file whose size or SHA-256 differs raises :class:`IntegrityError` saying which file
    and how to restore it.
    """
    data = Path(data_dir if data_dir is not None else DATA_DIR).resolve()
    p = Path(path).resolve()
    try:
        relative = p.relative_to(data).as_posix()
    except ValueError:
        return False
    manifest = data / "MANIFEST"
    if not manifest.is_file():
        return False
    entry = _entries(manifest).get(relative)
    if entry is None:
        return False
    size = p.stat().st_size
    if size != entry.size or digest(p) != entry.sha256:
        what = (f"{size} bytes instead of {entry.size}" if size != entry.size else
                f"SHA-256 {digest(p)[:12]}... instead of {entry.sha256[:12]}...")
        lfs = " (a Git LFS pointer?)" if size < 1024 < entry.size else ""
        raise IntegrityError(f"data/{relative} is not the file the course ships: {what} (see data/MANIFEST); it is "
                             f"damaged, incomplete{lfs} or was changed -- {restore_hint(relative)}")
    return True
