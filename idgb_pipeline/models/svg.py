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
