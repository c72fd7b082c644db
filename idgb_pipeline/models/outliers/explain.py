"""Dutch explanations of outlier scores, one sentence group per scored point."""

from __future__ import annotations

import math

from idgb_pipeline.models.svg import dutch_number

METHOD_NAMES = {"naive": "naïeve methode", "drift": "driftmethode", "holt_damped": "Holt met gedempte trend"}
PROVISIONAL_NOTE = " Het jaar is voorlopig: CBS kan het cijfer nog bijstellen."


def format_number(value: float, decimals: int = 1) -> str:
    """Format a number the Dutch way: a dot between thousands and a decimal comma."""
    if value is None or not math.isfinite(value):
        return "onbekend"
    return dutch_number(value, decimals)


def short_label(indicator_name: str) -> str:
    """Return the offence part of a CBS indicator name ("…: moord, doodslag" → "moord, doodslag")."""
    return indicator_name.split(": ", 1)[-1]


def _verdict(is_outlier: bool) -> str:
    return "Uitschieter" if is_outlier else "Geen uitschieter"


def explain_over_time(
    *, label: str, year: int, value: float, expected: float, score: float, threshold: float,
    method: str, is_outlier: bool, is_provisional: bool, is_level_shift: bool = False,
) -> str:
    """Explain a year against the forecast from the region's own earlier years."""
    direction = "hoger" if score > 0 else "lager"
    text = (
        f"{_verdict(is_outlier)} in de eigen reeks: {label} {year} is {format_number(value, 0)}, "
        f"verwacht was {format_number(expected, 0)} ({METHOD_NAMES.get(method, method)} op de jaren ervoor). "
        f"Dat is {format_number(abs(score), 1)} keer de gebruikelijke voorspelfout {direction} (drempel {format_number(threshold, 1)})."
    )
    if is_level_shift:
        text += " Het jaar erna bleef op dit niveau: een blijvende verschuiving, geen eenmalige piek."
    return text + (PROVISIONAL_NOTE if is_provisional else "")


def explain_peer(
    *, label: str, year: int, value: float, peer_median: float, peer_count: int, score: float, threshold: float,
    cluster: int, cluster_description: str, is_outlier: bool, is_provisional: bool,
) -> str:
    """Explain a rate against the median of the other gemeenten in the same cluster."""
    if not math.isfinite(score):
        return (
            f"Niet beoordeeld: {label} {year} heeft te weinig vergelijkbare gemeenten met een waarde, "
            f"of die hebben allemaal dezelfde waarde (cluster {cluster})."
        )
    direction = "boven" if score > 0 else "onder"
    text = (
        f"{_verdict(is_outlier)} tegenover vergelijkbare gemeenten: {label} {year} is {format_number(value, 2)} per 1.000 inwoners, "
        f"de mediaan van de {peer_count} andere gemeenten in cluster {cluster} ({cluster_description}) is "
        f"{format_number(peer_median, 2)}. Robuuste z-score {format_number(abs(score), 1)} {direction} de mediaan "
        f"(drempel {format_number(threshold, 1)})."
    )
    return text + (PROVISIONAL_NOTE if is_provisional else "")


def explain_profile(
    *, year: int, score: float, threshold: float, contributions: list[tuple[str, float]], is_outlier: bool, is_provisional: bool,
) -> str:
    """Explain an isolation-forest score by the indicators that deviate most."""
    parts = [
        f"{label} {format_number(abs(deviation), 1)} IQR {'boven' if deviation > 0 else 'onder'} de mediaan"
        for label, deviation in contributions
    ]
    text = (
        f"{_verdict(is_outlier)} in het misdrijfprofiel als geheel in {year}: score {format_number(score, 3)} "
        f"(drempel {format_number(threshold, 3)}). Grootste afwijkingen van alle gemeenten: {'; '.join(parts)}."
    )
    return text + (PROVISIONAL_NOTE if is_provisional else "")
