import shutil

from course_tools import manifest
from helpers.paths import DATA_DIR


def test_shipped_data_matches_its_manifest():
    assert manifest.problems() == []
    entries = manifest.read()
    assert "models/course_convnet.keras" in entries
    assert all(e.licence and e.source for e in entries.values())


def test_every_shipped_model_is_listed_with_its_hash_and_licence():
    from helpers import shipped

    entries = manifest.read()
    for name, m in shipped.MODELS.items():
        e = entries[f"models/{m.filename}"]
        assert len(e.sha256) == 64 and e.licence == "MIT" and "make model" in e.source, name
    random, real = entries["models/course_convnet_random_labels.keras"], entries["models/course_convnet.keras"]
    assert random.sha256 != real.sha256, "the random-label model is a model of its own, not a copy"


def test_manifest_catches_changes(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    assert manifest.problems(data) == []
    photo = next(p for p in (data / "photos").iterdir())
    photo.write_bytes(photo.read_bytes() + b"x")
    (data / "extra.pkl").write_bytes(b"\x80\x04")
    found = "\n".join(manifest.problems(data))
    assert "size or SHA-256 differs" in found
    assert "extra.pkl: in data/ but not in MANIFEST" in found and "pickles" in found
