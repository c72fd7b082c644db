"""``idgb krb check`` and ``idgb krb template`` through the real command-line entry point."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from idgb_pipeline import settings
from idgb_pipeline.cli import main

SEEDS_KRB = settings.SEEDS_DIR / "krb"


@pytest.fixture
def no_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(tmp_path / "geen_warehouse.duckdb"))


def test_check_valid_with_warehouse(full_run, monkeypatch, capsys):
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(full_run["warehouse"]))

    exit_code = main(["krb", "check"])
    output = capsys.readouterr().out

    assert exit_code == 0
    assert "Kruiscontroles tegen het warehouse" in output
    assert "Taakvelden gecontroleerd tegen staging.stg_cbs__iv3_taakvelden" in output
    assert "Resultaat: geldig — 3 thema's, 6 documenten" in output
    assert "Overgeslagen" not in output


def test_check_without_warehouse_names_skipped_checks(no_warehouse, capsys):
    exit_code = main(["krb", "check", str(SEEDS_KRB)])
    output = capsys.readouterr().out

    assert exit_code == 0
    assert "Overgeslagen kruiscontroles:" in output
    assert "indicatoren (marts.dim_indicator) en regio's (marts.dim_region) zijn niet gecontroleerd" in output
    assert "bestaat nog niet" in output
    assert "Taakvelden gecontroleerd tegen de meegeleverde Iv3-taakveldenlijst" in output


def test_check_with_locked_warehouse(tmp_path, monkeypatch, capsys):
    locked = tmp_path / "in_gebruik.duckdb"
    # Another process holds the write lock, as a running `idgb run` would.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('klaar', flush=True); time.sleep(60)", str(locked)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "klaar"
        monkeypatch.setenv(settings.WAREHOUSE_ENV, str(locked))

        exit_code = main(["krb", "check", str(SEEDS_KRB)])
        output = capsys.readouterr().out
    finally:
        holder.terminate()
        holder.wait(timeout=10)

    assert exit_code == 0
    assert "kan niet worden geopend" in output
    assert "Wacht tot een lopende run klaar is" in output


def test_check_invalid_folder_exits_1(tmp_path, no_warehouse, capsys):
    folder = tmp_path / "krb"
    shutil.copytree(SEEDS_KRB, folder)
    path = folder / "wonen.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("taakvelden: [8.3, 8.1]", "taakvelden: [8.9]"),
        encoding="utf-8",
    )
    taakveld_line = next(
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "taakvelden" in line
    )

    exit_code = main(["krb", "check", str(folder)])
    output = capsys.readouterr().out

    assert exit_code == 1
    assert f"wonen.yaml, regel {taakveld_line}, veld thema.taakvelden[1], waarde '8.9'" in output
    assert "Resultaat: ONGELDIG — 1 fout(en) in 1 bestand(en)." in output


def test_check_single_file_resolves_other_files(tmp_path, no_warehouse, capsys):
    # The new file implements a Rijk document that lives in seeds/krb/veiligheid.yaml.
    path = tmp_path / "sport.yaml"
    path.write_text(
        "thema: {id: sport, naam: Sport, taakvelden: [5.1]}\n"
        "documenten:\n"
        "  - {id: sportnota, titel: Sportnota, type: beleidsnota, bestuurslaag: gemeente,\n"
        "     eigenaar: Gemeente, vastgesteld_op: 2024-01-01, geldig_van: 2024-01-01,\n"
        "     implementeert: rijk-veiligheidsagenda-voorbeeld}\n",
        encoding="utf-8",
    )

    exit_code = main(["krb", "check", str(path)])
    output = capsys.readouterr().out

    assert exit_code == 0, output
    assert "Verwijzingen naar andere bestanden opgezocht in" in output
    assert "Resultaat: geldig. Samen met de andere bestanden: 4 thema's" in output


def test_check_single_file_hides_other_files_errors(tmp_path, no_warehouse, monkeypatch, capsys):
    registry = tmp_path / "krb"
    shutil.copytree(SEEDS_KRB, registry)
    broken = registry / "wonen.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("type: visie", "type: droom"))
    monkeypatch.setenv(settings.KRB_DIR_ENV, str(registry))

    exit_code = main(["krb", "check", str(registry / "veiligheid.yaml")])
    output = capsys.readouterr().out

    assert exit_code == 0, output
    assert "droom" not in output
    assert "Let op: 1 fout(en) in andere KRB-bestanden zijn niet getoond." in output


def test_check_missing_path_exits_1(tmp_path, capsys):
    exit_code = main(["krb", "check", str(tmp_path / "bestaat_niet.yaml")])

    assert exit_code == 1
    assert "bestaat niet" in capsys.readouterr().out


def test_check_empty_folder_exits_1(tmp_path, capsys):
    exit_code = main(["krb", "check", str(tmp_path)])

    assert exit_code == 1
    assert "geen KRB-bestanden" in capsys.readouterr().out


def test_template_prints_to_stdout(capsys):
    exit_code = main(["krb", "template", "Zorg en welzijn"])
    output = capsys.readouterr().out

    assert exit_code == 0
    assert output.startswith("# Kernregistratie Beleid (KRB) — beleidsthema Zorg en welzijn")
    assert "  id: zorg-en-welzijn\n" in output


def test_template_writes_new_file(tmp_path, capsys):
    destination = tmp_path / "onderwijs.yaml"

    exit_code = main(["krb", "template", "Onderwijs", "--uit", str(destination)])

    assert exit_code == 0
    assert "  id: onderwijs\n" in destination.read_text(encoding="utf-8")
    assert f"idgb krb check {destination}" in capsys.readouterr().out


def test_template_into_folder_uses_theme_id(tmp_path):
    exit_code = main(["krb", "template", "Sport en recreatie", "--uit", str(tmp_path)])

    assert exit_code == 0
    assert (tmp_path / "sport-en-recreatie.yaml").is_file()


def test_template_never_overwrites(tmp_path, capsys):
    destination = tmp_path / "onderwijs.yaml"
    destination.write_text("# eigen werk\n", encoding="utf-8")

    exit_code = main(["krb", "template", "Onderwijs", "--uit", str(destination)])

    assert exit_code == 1
    assert destination.read_text(encoding="utf-8") == "# eigen werk\n"
    assert "bestaat al en wordt niet overschreven" in capsys.readouterr().err


def test_template_then_check(tmp_path, no_warehouse, monkeypatch, capsys):
    monkeypatch.setenv(settings.KRB_DIR_ENV, str(tmp_path))
    destination = tmp_path / "onderwijs.yaml"
    main(["krb", "template", "Onderwijs", "--uit", str(destination)])

    unfilled = main(["krb", "check", str(destination)])
    unfilled_output = capsys.readouterr().out
    destination.write_text(
        destination.read_text(encoding="utf-8").replace("taakvelden: []", "taakvelden: [4.3]"),
        encoding="utf-8",
    )
    filled = main(["krb", "check", str(destination)])

    assert unfilled == 1
    assert "veld thema.taakvelden, waarde []: de lijst is leeg." in unfilled_output
    assert filled == 0
