"""Every registered data file: present, hashed, credited; tampering is caught."""
import json
import shutil

import pytest

from scalecheck.core import data


def test_registry_is_valid():
    assert data.validate_registry() == []


def test_every_entry_has_provenance():
    for name, entry in data.registry().items():
        assert entry.citation and entry.licence and entry.source, name
        assert entry.kind in data.KINDS
        assert "Data:" in entry.credit()


def test_load_verifies_hash(tmp_path, monkeypatch):
    shutil.copytree(data.data_dir(), tmp_path / "data")
    monkeypatch.setenv("SCALECHECK_DATA_DIR", str(tmp_path / "data"))
    assert len(data.load("gpu_specs")) > 0
    with open(tmp_path / "data" / "gpu_specs.csv", "a", encoding="utf-8") as handle:
        handle.write("Fake GPU,x,1,2,3,4,5,6,7,8,9,10\n")
    with pytest.raises(data.DataIntegrityError, match="sha256"):
        data.load("gpu_specs")
    assert any("sha256" in p for p in data.validate_registry())


def test_validation_catches_missing_and_unregistered_files(tmp_path, monkeypatch):
    shutil.copytree(data.data_dir(), tmp_path / "data")
    monkeypatch.setenv("SCALECHECK_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data" / "stray.csv").write_text("a\n1\n")
    (tmp_path / "data" / "gpu_specs.csv").unlink()
    problems = data.validate_registry()
    assert any("stray.csv" in p and "not registered" in p for p in problems)
    assert any("gpu_specs" in p and "missing" in p for p in problems)
    with pytest.raises(data.DataIntegrityError, match="missing"):
        data.load("gpu_specs")


def test_validation_catches_incomplete_entries(tmp_path, monkeypatch):
    shutil.copytree(data.data_dir(), tmp_path / "data")
    monkeypatch.setenv("SCALECHECK_DATA_DIR", str(tmp_path / "data"))
    registry = json.loads((tmp_path / "data" / "registry.json").read_text())
    registry["files"][0]["licence"] = ""
    registry["files"][0]["kind"] = "rumour"
    registry["files"].append(dict(registry["files"][0]))
    (tmp_path / "data" / "registry.json").write_text(json.dumps(registry))
    problems = data.validate_registry()
    assert any("licence" in p for p in problems)
    assert any("kind" in p for p in problems)
    assert any("twice" in p for p in problems)
    with pytest.raises(KeyError, match="known"):
        data.entry("nonexistent")
