"""dbt steps after the first in a run start from the parse state the previous step left."""

from __future__ import annotations

from idgb_pipeline import settings
from idgb_pipeline.warehouse.dbt_assets import keep_partial_parse

PROFILE_CHANGED = "Unable to do partial parsing because profile has changed"


def test_parse_state_copied_back(tmp_path):
    (tmp_path / "target" / "dbt_marts-1234567-abcdef0").mkdir(parents=True)
    (tmp_path / "target" / "dbt_marts-1234567-abcdef0" / "partial_parse.msgpack").write_bytes(b"nieuw")
    (tmp_path / "target" / "partial_parse.msgpack").write_bytes(b"oud")

    keep_partial_parse(tmp_path / "target" / "dbt_marts-1234567-abcdef0", tmp_path)

    assert (tmp_path / "target" / "partial_parse.msgpack").read_bytes() == b"nieuw"
    assert sorted(path.name for path in (tmp_path / "target").iterdir()) == [
        "dbt_marts-1234567-abcdef0",
        "partial_parse.msgpack",
    ]


def test_missing_parse_state_left_alone(tmp_path):
    (tmp_path / "target" / "dbt_krb-1234567-abcdef0").mkdir(parents=True)

    keep_partial_parse(tmp_path / "target" / "dbt_krb-1234567-abcdef0", tmp_path)

    assert not (tmp_path / "target" / "partial_parse.msgpack").exists()


def test_last_dbt_step_parses_partially(full_run):
    assert full_run["success"], "\n".join(full_run["progress"])
    folders = sorted(
        (settings.DBT_PROJECT_DIR / "target").glob("dbt_analysis-*"), key=lambda folder: folder.stat().st_mtime
    )
    log = (folders[-1] / "dbt.log").read_text(encoding="utf-8")

    assert "partial pars" in log.lower()
    assert PROFILE_CHANGED not in log
