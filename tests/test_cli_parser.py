"""The idgb command reports usage errors and help in Dutch."""

import pytest

from idgb_pipeline.cli import main


def _usage_error(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    return capsys.readouterr().err


def test_missing_option_is_dutch(capsys):
    error = _usage_error(capsys, ["snapshot"])

    assert "deze argumenten ontbreken: --peildatum" in error
    assert "gebruik: idgb snapshot" in error
    assert "required" not in error


def test_unknown_command_is_dutch(capsys):
    error = _usage_error(capsys, ["bestaatniet"])

    assert "opdracht: ongeldige keuze: 'bestaatniet'" in error
    assert "kies uit" in error


def test_unknown_option_is_dutch(capsys):
    error = _usage_error(capsys, ["krb", "check", "--onbekend"])

    assert "onbekende argumenten: --onbekend" in error


def test_help_headings_are_dutch(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["snapshot", "--help"])
    output = capsys.readouterr().out

    assert stopped.value.code == 0
    assert output.startswith("gebruik: idgb snapshot")
    assert "toon deze hulp en stop" in output
    assert "options:" not in output
