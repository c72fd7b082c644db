"""Asset check results for the Dagster UI, built from the findings of an extraction."""

from collections import Counter

import dagster as dg

from idgb_pipeline.validate.outcome import describe_rule

CHECK_NAME = "gx_validatie"
MAX_MESSAGES = 30


def check_name(source_id: str) -> str:
    """Return the check name of a source's suite (one suite per source, so one name)."""
    return CHECK_NAME


def markdown_list(lines: list[str]) -> str:
    """Format messages as a Markdown list for check metadata, at most ``MAX_MESSAGES`` of them."""
    if not lines:
        return "Geen."
    shown = [f"- {line}" for line in lines[:MAX_MESSAGES]]
    if len(lines) > MAX_MESSAGES:
        shown.append(f"- … en nog {len(lines) - MAX_MESSAGES} meldingen")
    return "\n".join(shown)


def check_result(source_id: str, result) -> dg.AssetCheckResult:
    """Summarise the validation of all files of a source as one asset check result.

    A failed critical expectation gives severity ERROR, which blocks downstream
    assets. Failed warnings give severity WARN and let the accepted rows continue.
    Files skipped as unchanged keep the outcome of their earlier validation: their
    quarantined rows still make the check a warning.
    """
    failed = [expectation for findings in result.findings for expectation in findings.failed]
    critical = [expectation for expectation in failed if expectation.is_critical]
    total = sum(len(findings.results) for findings in result.findings)
    unexpected = Counter()
    for expectation in failed:
        unexpected[describe_rule(expectation)] += len(expectation.unexpected_index) or 1

    row_messages = [message for message in result.messages if ", rij " in message]
    table_messages = [message for message in result.messages if ", rij " not in message]

    metadata = {
        "verwachtingen": total,
        "mislukte_verwachtingen": len(failed),
        "kritieke_fouten": len(critical),
        "onverwachte_aantallen": dg.MetadataValue.json(dict(unexpected)),
        "rijen_in_quarantaine": result.quarantined_count,
        "afgewezen_bestanden": dg.MetadataValue.json(result.rejected_files),
        "ongewijzigde_bestanden_niet_opnieuw_gevalideerd": dg.MetadataValue.json(result.unchanged_files),
        "meldingen": dg.MetadataValue.md(markdown_list(table_messages)),
        "voorbeeld_afgekeurde_rijen": dg.MetadataValue.md(markdown_list(row_messages)),
    }
    if result.data_docs is not None:
        metadata["data_docs"] = dg.MetadataValue.url(result.data_docs.as_uri())

    earlier_quarantined = result.unchanged_quarantined_count
    if critical:
        description = "Bestandsversie afgewezen: de vorige versie blijft in gebruik."
    elif failed:
        description = "Waarschuwingen: afgekeurde rijen staan in quarantaine."
    elif earlier_quarantined:
        description = (
            f"Waarschuwingen uit de eerdere validatie van ongewijzigde bestanden: {earlier_quarantined} "
            "rijen staan in quarantaine."
        )
    else:
        description = "Geslaagd."

    severity = dg.AssetCheckSeverity.ERROR if critical else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        check_name=check_name(source_id),
        passed=not failed and not earlier_quarantined,
        severity=severity,
        metadata=metadata,
        description=description,
    )
