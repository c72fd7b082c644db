"""Small hand-written SVG charts for the Dagster UI, because matplotlib is not installed.

Each function returns SVG text; ``as_markdown_image`` embeds it as a base64 data URI.
"""

from __future__ import annotations

import base64
import json
from html import escape

import numpy as np
import pandas as pd

FONT = 'font-family="sans-serif" font-size="11"'
# Colour-blind-safe qualitative palette (Okabe–Ito).
PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999", "#000000"]


def as_markdown_image(svg: str, alt: str) -> str:
    """Return a Markdown image with the SVG as a base64 data URI."""
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"![{alt}](data:image/svg+xml;base64,{encoded})"


def coefficient_plot(table: pd.DataFrame, title: str) -> str:
    """Draw standardised coefficients as dots with 95% interval bars, one row per factor."""
    row_height, left, width = 22, 190, 300
    height = 40 + row_height * len(table) + 30
    low = min(float(table["ci_low"].min()), 0.0)
    high = max(float(table["ci_high"].max()), 0.0)
    span = (high - low) or 1.0

    def x(value: float) -> float:
        return left + (value - low) / span * width

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 20}" height="{height}" {FONT}>',
        f'<text x="10" y="16" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{x(0):.1f}" y1="28" x2="{x(0):.1f}" y2="{height - 28}" stroke="#888" stroke-dasharray="3,3"/>',
    ]
    for i, row in enumerate(table.itertuples()):
        y = 40 + i * row_height
        colour = "#0072B2" if row.ci_low > 0 or row.ci_high < 0 else "#999999"
        parts += [
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{escape(str(row.label))}</text>',
            f'<line x1="{x(row.ci_low):.1f}" y1="{y}" x2="{x(row.ci_high):.1f}" y2="{y}" stroke="{colour}" stroke-width="2"/>',
            f'<circle cx="{x(row.coefficient_std):.1f}" cy="{y}" r="4" fill="{colour}"/>',
        ]
    axis_y = height - 14
    parts += [
        f'<text x="{x(low):.1f}" y="{axis_y}" text-anchor="start">{low:.2f}</text>',
        f'<text x="{x(high):.1f}" y="{axis_y}" text-anchor="end">{high:.2f}</text>',
        f'<text x="{x(0):.1f}" y="{axis_y}" text-anchor="middle">0 (sd per sd)</text>',
        "</svg>",
    ]
    return "\n".join(parts)


def _diverging_colour(value: float, limit: float) -> str:
    if not np.isfinite(value):
        return "#eeeeee"
    t = max(-1.0, min(1.0, value / limit))
    # Blue for below the median, red for above, white at the median.
    if t >= 0:
        return f"rgb(255,{int(255 * (1 - t))},{int(255 * (1 - t))})"
    return f"rgb({int(255 * (1 + t))},{int(255 * (1 + t))},255)"


def heatmap(profile: pd.DataFrame, labels: dict[str, str], title: str) -> str:
    """Draw robust z-scores of cluster medians: clusters as columns, indicators as rows."""
    clusters = sorted(profile["cluster"].unique())
    indicators = list(dict.fromkeys(profile["indicator"]))
    cell_w, cell_h, left, top = 46, 18, 190, 44
    values = profile.set_index(["indicator", "cluster"])["robust_z"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + cell_w * len(clusters) + 20}" '
        f'height="{top + cell_h * len(indicators) + 34}" {FONT}>',
        f'<text x="10" y="16" font-weight="bold">{escape(title)}</text>',
    ]
    for j, cluster in enumerate(clusters):
        parts.append(f'<text x="{left + j * cell_w + cell_w / 2}" y="{top - 6}" text-anchor="middle">cluster {cluster}</text>')
    for i, indicator in enumerate(indicators):
        y = top + i * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{escape(labels.get(indicator, indicator))}</text>')
        for j, cluster in enumerate(clusters):
            value = float(values.get((indicator, cluster), np.nan))
            parts.append(
                f'<rect x="{left + j * cell_w}" y="{y}" width="{cell_w - 1}" height="{cell_h - 1}" fill="{_diverging_colour(value, 2.0)}"/>'
                f'<text x="{left + j * cell_w + cell_w / 2}" y="{y + 13}" text-anchor="middle" font-size="9">{value:+.1f}</text>'
            )
    parts.append(
        f'<text x="10" y="{top + cell_h * len(indicators) + 24}">robuuste z-score van de clustermediaan (verschil met mediaan / IQR)</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def _ring_path(ring: list[list[float]], scale_x: float, min_x: float, max_y: float, factor: float) -> str:
    # Whole pixels keep the map small; points that round onto the previous one are dropped.
    points: list[tuple[int, int]] = []
    for lon, lat in ring:
        point = (round(10 + (lon * scale_x - min_x) * factor), round(28 + (max_y - lat) * factor))
        if not points or point != points[-1]:
            points.append(point)
    return "M" + "L".join(f"{x},{y}" for x, y in points) + "Z"


def cluster_map(geometries: pd.DataFrame, clusters: dict[str, int], descriptions: dict[int, str], title: str) -> str:
    """Draw gemeenten (GeoJSON in WGS84) coloured by cluster, with a legend.

    ``geometries`` has ``region_code`` and ``geometry_geojson``. Longitude is scaled by
    cos(52°) so the Netherlands keeps its shape in this equirectangular projection.
    """
    shapes = {row.region_code: _rings(json.loads(row.geometry_geojson)) for row in geometries.itertuples()}
    points = np.array([point for rings in shapes.values() for ring in rings for point in ring])
    scale_x = np.cos(np.radians(52.0))
    min_x, max_x = points[:, 0].min() * scale_x, points[:, 0].max() * scale_x
    min_y, max_y = points[:, 1].min(), points[:, 1].max()
    width = 360
    factor = width / (max_x - min_x)
    height = (max_y - min_y) * factor
    legend_height = 18 * len(descriptions) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 20}" height="{height + 40 + legend_height:.0f}" {FONT}>',
        f'<text x="10" y="16" font-weight="bold">{escape(title)}</text>',
    ]
    for code, rings in shapes.items():
        cluster = clusters.get(code)
        colour = PALETTE[cluster % len(PALETTE)] if cluster is not None else "#ffffff"
        path = " ".join(_ring_path(ring, scale_x, min_x, max_y, factor) for ring in rings)
        parts.append(f'<path d="{path}" fill="{colour}" stroke="#555" stroke-width="0.3"><title>{escape(code)}</title></path>')
    for i, (cluster, text) in enumerate(sorted(descriptions.items())):
        y = height + 40 + i * 18
        parts.append(
            f'<rect x="10" y="{y - 10:.0f}" width="12" height="12" fill="{PALETTE[cluster % len(PALETTE)]}"/>'
            f'<text x="28" y="{y:.0f}">cluster {cluster}: {escape(text)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def fan_chart(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    title: str,
    target: tuple[int, float] | None = None,
) -> str:
    """Draw a fan chart: the observed series, the point forecast and its 80% and 95% bands.

    ``history`` has ``year`` and ``value``. ``forecast`` has ``year``, ``point``,
    ``lo80``, ``hi80``, ``lo95`` and ``hi95``. ``target`` is an optional norm as
    (target year, target value), drawn as a dashed line with a marker in that year.
    """
    width, height, left, top, bottom = 460, 240, 56, 28, 36
    plot_w, plot_h = width - left - 16, height - top - bottom
    years = np.concatenate([history["year"].to_numpy(), forecast["year"].to_numpy()]).astype(float)
    values = [history["value"].to_numpy(), forecast["lo95"].to_numpy(), forecast["hi95"].to_numpy()]
    if target is not None:
        years = np.append(years, target[0])
        values.append(np.array([target[1]]))
    low = min(0.0, float(np.nanmin(np.concatenate(values))))
    high = float(np.nanmax(np.concatenate(values))) or 1.0
    first, last = float(years.min()), float(years.max())

    def x(year: float) -> float:
        return left + (year - first) / ((last - first) or 1.0) * plot_w

    def y(value: float) -> float:
        return top + (high - value) / ((high - low) or 1.0) * plot_h

    def band(lower: str, upper: str) -> str:
        outward = [f"{x(row.year):.1f},{y(getattr(row, upper)):.1f}" for row in forecast.itertuples()]
        back = [f"{x(row.year):.1f},{y(getattr(row, lower)):.1f}" for row in forecast[::-1].itertuples()]
        return " ".join(outward + back)

    def line(frame: pd.DataFrame, column: str) -> str:
        return " ".join(f"{x(row.year):.1f},{y(getattr(row, column)):.1f}" for row in frame.itertuples())

    # The point line starts at the last observed value, so history and forecast join.
    joined = pd.concat([history.tail(1).rename(columns={"value": "point"})[["year", "point"]], forecast[["year", "point"]]])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" {FONT}>',
        f'<text x="10" y="16" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{y(low):.1f}" x2="{left + plot_w}" y2="{y(low):.1f}" stroke="#888"/>',
        f'<polygon points="{band("lo95", "hi95")}" fill="#56B4E9" fill-opacity="0.3"/>',
        f'<polygon points="{band("lo80", "hi80")}" fill="#0072B2" fill-opacity="0.35"/>',
        f'<polyline points="{line(history, "value")}" fill="none" stroke="#000" stroke-width="1.5"/>',
        f'<polyline points="{line(joined, "point")}" fill="none" stroke="#0072B2" stroke-width="1.5" stroke-dasharray="4,2"/>',
    ]
    if target is not None:
        parts += [
            f'<line x1="{left}" y1="{y(target[1]):.1f}" x2="{left + plot_w}" y2="{y(target[1]):.1f}" stroke="#D55E00" stroke-dasharray="5,3"/>',
            f'<circle cx="{x(target[0]):.1f}" cy="{y(target[1]):.1f}" r="4" fill="#D55E00"/>',
            f'<text x="{left + plot_w}" y="{y(target[1]) - 4:.1f}" text-anchor="end" fill="#D55E00">norm {target[1]:g} in {target[0]}</text>',
        ]
    for value in (low, (low + high) / 2, high):
        parts.append(f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end">{value:.3g}</text>')
    for year in sorted({int(first), int(history["year"].max()), int(last)}):
        parts.append(f'<text x="{x(year):.1f}" y="{height - bottom + 14}" text-anchor="middle">{year}</text>')
    parts += [
        f'<text x="10" y="{height - 6}">zwart: waarneming, blauw: prognose, banden: 80%- en 95%-interval</text>',
        "</svg>",
    ]
    return "\n".join(parts)


def markdown_table(table: pd.DataFrame, digits: int = 3) -> str:
    """Return a Markdown table of a frame, with floats rounded to ``digits`` decimals."""
    header = "| " + " | ".join(str(column) for column in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = []
    for record in table.itertuples(index=False):
        cells = [f"{value:.{digits}f}" if isinstance(value, float) else str(value) for value in record]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join([header, rule, *rows])


def dutch_number(value: float, decimals: int) -> str:
    """Format a number with a dot between thousands and a decimal comma, as Dutch readers expect."""
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def outlier_series_plot(
    years: np.ndarray, values: np.ndarray, expected: np.ndarray, is_outlier: np.ndarray, is_provisional: np.ndarray, title: str
) -> str:
    """Draw one series with its expected values, outlier years in red and provisional years hollow.

    ``expected`` may contain NaN for years without a one-step forecast, and those years
    are left out of the dashed line.
    """
    left, top, width, height = 60, 30, 420, 180
    finite = np.concatenate([values[np.isfinite(values)], expected[np.isfinite(expected)]])
    low, high = min(float(finite.min()), 0.0), float(finite.max()) or 1.0
    first, last = int(years.min()), int(years.max())

    def x(year: float) -> float:
        return left + (year - first) / max(last - first, 1) * width

    def y(value: float) -> float:
        return top + height - (value - low) / (high - low or 1.0) * height

    def polyline(series: np.ndarray, style: str) -> str:
        points = " ".join(f"{x(year):.1f},{y(value):.1f}" for year, value in zip(years, series, strict=True) if np.isfinite(value))
        return f'<polyline points="{points}" fill="none" {style}/>'

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 30}" height="{top + height + 60}" {FONT}>',
        f'<text x="10" y="16" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" stroke="#888"/>',
        f'<text x="{left - 6}" y="{y(high) + 4:.1f}" text-anchor="end">{dutch_number(high, 0)}</text>',
        f'<text x="{left - 6}" y="{y(low) + 4:.1f}" text-anchor="end">{dutch_number(low, 0)}</text>',
        polyline(expected, 'stroke="#999999" stroke-dasharray="4,3"'),
        polyline(values, 'stroke="#0072B2" stroke-width="1.5"'),
    ]
    for year, value, outlier, provisional in zip(years, values, is_outlier, is_provisional, strict=True):
        colour = "#D55E00" if outlier else "#0072B2"
        fill = "#ffffff" if provisional else colour
        radius = 5 if outlier else 3
        parts.append(f'<circle cx="{x(year):.1f}" cy="{y(value):.1f}" r="{radius}" fill="{fill}" stroke="{colour}" stroke-width="1.5"><title>{int(year)}: {dutch_number(value, 1)}</title></circle>')
    for year in (first, last):
        parts.append(f'<text x="{x(year):.1f}" y="{top + height + 16}" text-anchor="middle">{year}</text>')
    legend_y = top + height + 38
    parts += [
        f'<line x1="{left}" y1="{legend_y - 4}" x2="{left + 20}" y2="{legend_y - 4}" stroke="#0072B2" stroke-width="1.5"/>',
        f'<text x="{left + 24}" y="{legend_y}">waarde</text>',
        f'<line x1="{left + 80}" y1="{legend_y - 4}" x2="{left + 100}" y2="{legend_y - 4}" stroke="#999999" stroke-dasharray="4,3"/>',
        f'<text x="{left + 104}" y="{legend_y}">verwacht uit eerdere jaren</text>',
        f'<circle cx="{left + 270}" cy="{legend_y - 4}" r="5" fill="#D55E00"/>',
        f'<text x="{left + 280}" y="{legend_y}">uitschieter</text>',
        f'<circle cx="{left + 350}" cy="{legend_y - 4}" r="3" fill="#ffffff" stroke="#0072B2"/>',
        f'<text x="{left + 358}" y="{legend_y}">voorlopig</text>',
        "</svg>",
    ]
    return "\n".join(parts)
