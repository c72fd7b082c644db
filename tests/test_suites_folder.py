"""Source suites come from ``IDGB_EXPECTATIONS`` when it is set, as the catalogue from ``IDGB_CATALOGUE``."""

from __future__ import annotations

import json
import shutil

import pytest

from idgb_pipeline import settings
from idgb_pipeline.errors import ValidationSetupError
from idgb_pipeline.validate.suites import load_suite


def test_suite_read_from_configured_folder(tmp_path, monkeypatch):
    shutil.copyfile(settings.PROJECT_ROOT / "expectations" / "bevolking_gemeente.json", tmp_path / "bevolking_gemeente.json")
    document = json.loads((tmp_path / "bevolking_gemeente.json").read_text(encoding="utf-8"))
    document["expectations"] = document["expectations"][:1]
    (tmp_path / "bevolking_gemeente.json").write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setenv("IDGB_EXPECTATIONS", str(tmp_path))

    suite = load_suite("bevolking_gemeente")

    assert suite.path == tmp_path / "bevolking_gemeente.json"
    assert len(suite.expectations) == 1


def test_missing_suite_in_configured_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("IDGB_EXPECTATIONS", str(tmp_path))

    with pytest.raises(ValidationSetupError, match="bevolking_gemeente.json ontbreekt"):
        load_suite("bevolking_gemeente")


def test_default_suite_folder(monkeypatch):
    monkeypatch.delenv("IDGB_EXPECTATIONS", raising=False)

    assert load_suite("bevolking_gemeente").path == settings.PROJECT_ROOT / "expectations" / "bevolking_gemeente.json"
