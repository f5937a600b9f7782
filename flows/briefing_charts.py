"""The report's charts as inline SVG, each with its legend: the priority map, small trend charts,
sparklines and the technology network. Pure functions of frames; labels are placed so that none
overlaps another.
"""

from __future__ import annotations

import math
import re
import unicodedata
from html import escape
from typing import Any

import networkx as nx
import pandas as pd

from horizon.api import Network

CLASS_COLOURS = {"protect": "#c0392b", "nurture": "#1f77b4", "monitor": "#7f8c8d"}
Box = tuple[float, float, float, float]


def esc(value: Any) -> str:
    """Text for HTML/SVG: escaped, blank for missing values."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return escape(str(value))


def anchor(domain: Any) -> str:
    """The id of a domain's section."""
    return "d-" + re.sub(r"[^a-z0-9_-]", "-", str(domain).lower())


def text_width(text: str, size: float) -> float:
    """Approximate rendered width: wide (CJK) characters take a full em, others about 0.6."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size for ch in str(text))


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_label(
    x: float, y: float, r: float, width: float, height: float, taken: list[Box], frame: Box
) -> tuple[float, float, str] | None:
    """The first spot around a point (right, left, above, below, then further out) where a label
    overlaps no placed label or point and stays inside `frame`; None where there is none."""
    for step in (0, 1, 2, 3):
        d = r + 3 + step * (height + 2)
        for tx, ty, anchor_ in (
            (x + d, y + height / 3, "start"),
            (x - d, y + height / 3, "end"),
            (x, y - d, "middle"),
            (x, y + d + height * 0.7, "middle"),
            (x + d, y - d, "start"),
            (x + d, y + d + height * 0.7, "start"),
            (x - d, y - d, "end"),
            (x - d, y + d + height * 0.7, "end"),
        ):
            left = {"start": tx, "end": tx - width, "middle": tx - width / 2}[anchor_]
            box = (left, ty - height * 0.8, left + width, ty + height * 0.2)
            inside = (
                box[0] >= frame[0]
                and box[2] <= frame[2]
                and box[1] >= frame[1]
                and box[3] <= frame[3]
            )
            if inside and not any(_overlaps(box, t) for t in taken):
                taken.append(box)
                return tx, ty, anchor_
    return None


def legend_svg(items: list[tuple[str, str]], *, x: float, y: float, size: int = 11) -> str:
    """A row of coloured swatches with their names."""
    parts, cx = [], x
    for colour, name in items:
        parts.append(
            f'<rect x="{cx:.1f}" y="{y - size + 2:.1f}" width="{size}" height="{size}" '
            f'fill="{colour}" fill-opacity="0.7"/>'
            f'<text x="{cx + size + 4:.1f}" y="{y + 1:.1f}" font-size="{size}">{esc(name)}</text>'
        )
        cx += size + 14 + text_width(name, size)
    return f'<g class="legend">{"".join(parts)}</g>'


def quadrant_svg(
    priority: pd.DataFrame, axes: dict[str, str], classes: dict[str, str], size_note: str
) -> str:
    """Japan's strength (y) × foreign activity (x); circle size: socioeconomic trends; colour:
    class. Each point is labelled with its rank (and name where there is room)."""
    w, h, m, top = 720, 560, 60, 40
    sx = lambda v: m + float(v) * (w - 2 * m)  # noqa: E731
    sy = lambda v: h - m - float(v) * (h - m - top)  # noqa: E731
    parts = [
        f'<svg id="quadrant" class="chart" xmlns="http://www.w3.org/2000/svg" width="{w}" '
        f'height="{h}" viewBox="0 0 {w} {h}" role="img">',
        f'<rect x="{m}" y="{top}" width="{w - 2 * m}" height="{h - m - top}" fill="#fafafa" stroke="#999"/>',
        f'<line x1="{sx(0.5)}" y1="{top}" x2="{sx(0.5)}" y2="{h - m}" stroke="#bbb" stroke-dasharray="4 4"/>',
        f'<line x1="{m}" y1="{sy(0.5)}" x2="{w - m}" y2="{sy(0.5)}" stroke="#bbb" stroke-dasharray="4 4"/>',
        f'<text x="{w / 2}" y="{h - 18}" text-anchor="middle" font-size="13">{esc(axes["foreign_activity"])} →</text>',
        f'<text x="18" y="{(h + top) / 2}" text-anchor="middle" font-size="13" '
        f'transform="rotate(-90 18 {(h + top) / 2})">{esc(axes["japan_strength"])} →</text>',
    ]  # fmt: skip
    for t in (0, 0.5, 1):
        parts.append(
            f'<text x="{sx(t)}" y="{h - m + 16}" text-anchor="middle" font-size="10">{t}</text>'
        )
        parts.append(
            f'<text x="{m - 6}" y="{sy(t) + 4}" text-anchor="end" font-size="10">{t}</text>'
        )
    legend = [(CLASS_COLOURS[c], classes[c]) for c in CLASS_COLOURS]
    parts.append(legend_svg(legend, x=m, y=22))
    parts.append(
        f'<text x="{w - m}" y="22" text-anchor="end" font-size="11">{esc(size_note)}</text>'
    )
    rows = priority.dropna(subset=["japan_strength_score", "foreign_activity_score"])
    points = []
    for row in rows.to_dict("records"):
        socio = row.get("socioeconomic_score")
        socio = 0.0 if socio is None or pd.isna(socio) else float(socio)
        r = 4 + 12 * max(0.0, min(1.0, socio))
        points.append((sx(row["foreign_activity_score"]), sy(row["japan_strength_score"]), r, row))
    taken: list[Box] = [(x - r, y - r, x + r, y + r) for x, y, r, _ in points]
    frame = (m + 1, top + 1, w - m - 1, h - m - 1)
    labels = []
    for x, y, r, row in sorted(points, key=lambda p: _rank_key(p[3].get("rank"))):
        colour = CLASS_COLOURS.get(str(row["class"]), "#555")
        rank = _rank_text(row.get("rank"))
        parts.append(
            f'<a href="#{anchor(row["domain"])}"><circle class="point" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{r:.1f}" fill="{colour}" fill-opacity="0.55" stroke="{colour}">'
            f"<title>{esc(row['domain_label'])} · {esc(row['class_label'])} · {rank}</title></circle></a>"
        )
        for text in (f"{rank} {row['domain_label']}", rank):
            spot = place_label(x, y, r, text_width(text, 11), 11, taken, frame)
            if spot:
                tx, ty, anc = spot
                labels.append(
                    f'<text class="label" x="{tx:.1f}" y="{ty:.1f}" font-size="11" '
                    f'text-anchor="{anc}">{esc(text)}</text>'
                )
                break
    parts.extend(labels)
    parts.append("</svg>")
    return "".join(parts)


def _rank_key(rank: Any) -> float:
    try:
        return float(rank)
    except (TypeError, ValueError):
        return math.inf


def _rank_text(rank: Any) -> str:
    """A rank as an integer ("#3"); blank where there is none."""
    try:
        return f"#{round(float(rank))}"
    except (TypeError, ValueError):
        return ""


def trend_svg(years: list[int], values: list[float], span: tuple[int, int], unit: str) -> str:
    """A small line chart of one domain's yearly records, first and last year and peak marked."""
    w, h, m = 220, 70, 14
    y0, y1 = span
    if not years:
        return ""
    top = max(values) or 1.0
    width = max(y1 - y0, 1)
    pts = [
        (m + (yr - y0) / width * (w - 2 * m), h - m - v / top * (h - 2 * m - 6))
        for yr, v in zip(years, values, strict=True)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    return (
        f'<svg class="trend chart" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}"><rect x="0" y="0" width="{w}" height="{h}" fill="#fafafa" stroke="#ddd"/>'
        f'<polyline points="{line}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>'
        + "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.8" fill="#1f77b4"/>' for x, y in pts)
        + f'<text x="{m}" y="{h - 2}" font-size="9">{y0}</text>'
        f'<text x="{w - m}" y="{h - 2}" font-size="9" text-anchor="end">{y1}</text>'
        f'<text x="{m}" y="10" font-size="9">{esc(unit)} max {top:.1f}</text></svg>'
    )


def sparkline_svg(values: list[float], *, w: int = 120, h: int = 22) -> str:
    """An inline sparkline of weekly counts (last point marked)."""
    if not values:
        return ""
    top = max(values) or 1.0
    step = (w - 4) / max(len(values) - 1, 1)
    pts = [(2 + i * step, h - 2 - v / top * (h - 4)) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    lx, ly = pts[-1]
    return (
        f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}"><polyline points="{line}" fill="none" stroke="#1f77b4" '
        f'stroke-width="1.2"/><circle cx="{lx:.1f}" cy="{ly:.1f}" r="2" fill="#c0392b"/></svg>'
    )


def network_svg(network: Network, *, max_nodes: int = 24, size_note: str = "") -> str:
    """The strongest `max_nodes` nodes on a circle, grouped by domain, labels outside the circle
    (so none overlaps another); edges between them, width by co-occurrence."""
    nodes = network.nodes.sort_values(["weight", "node_id"], ascending=[False, True])
    nodes = nodes.head(max_nodes)
    if nodes.empty:
        return ""
    nodes = nodes.assign(group=nodes["domain"].fillna("").astype(str)).sort_values(
        ["group", "weight"], ascending=[True, False]
    )
    keep = set(nodes["node_id"])
    edges = network.edges[network.edges["source"].isin(keep) & network.edges["target"].isin(keep)]
    g = nx.Graph()
    g.add_nodes_from(nodes["node_id"])
    g.add_weighted_edges_from(
        edges[["source", "target", "weight"]].itertuples(index=False, name=None)
    )
    pos = nx.circular_layout(list(nodes["node_id"]))
    w, h, radius = 760, 640, 170
    cx, cy = w / 2, h / 2 + 8
    xy = {n: (cx + radius * p[0], cy + radius * p[1]) for n, p in pos.items()}
    top_w = float(edges["weight"].max()) if not edges.empty else 1.0
    top_n = float(nodes["weight"].max()) or 1.0
    parts = [
        f'<svg id="network" class="chart" xmlns="http://www.w3.org/2000/svg" width="{w}" '
        f'height="{h}" viewBox="0 0 {w} {h}"><rect x="0" y="0" width="{w}" height="{h}" '
        f'fill="#fafafa" stroke="#ddd"/>'
    ]
    if size_note:
        parts.append(f'<text x="10" y="18" font-size="11">{esc(size_note)}</text>')
    for e in edges.itertuples(index=False):
        (x1, y1), (x2, y2) = xy[e.source], xy[e.target]
        sw = 0.5 + 3.5 * float(e.weight) / (top_w or 1.0)
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#999" '
            f'stroke-opacity="0.6" stroke-width="{sw:.2f}"/>'
        )
    for n in nodes.itertuples(index=False):
        x, y = xy[n.node_id]
        r = 3 + 9 * math.sqrt(max(float(n.weight), 0.0) / top_n)
        # labels run along the radius, so neighbours on the circle never overlap
        angle = math.degrees(math.atan2(y - cy, x - cx))
        lx = x + math.cos(math.radians(angle)) * (r + 4)
        ly = y + math.sin(math.radians(angle)) * (r + 4)
        right = -90 < angle <= 90
        turn, anc = (angle, "start") if right else (angle - 180, "end")
        target = f"#{anchor(n.domain)}" if isinstance(n.domain, str) and n.domain else "#list"
        parts.append(
            f'<a href="{target}"><circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#2e86c1" '
            f'fill-opacity="0.75"><title>{esc(n.label)}</title></circle>'
            f'<text class="label" x="{lx:.1f}" y="{ly:.1f}" font-size="10.5" text-anchor="{anc}" '
            f'dominant-baseline="middle" transform="rotate({turn:.1f} {lx:.1f} {ly:.1f})">'
            f"{esc(_short(n.label, 22))}</text></a>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(text: Any, width: int) -> str:
    """At most `width` columns (wide characters count twice), with an ellipsis when cut."""
    text, out, used = str(text), [], 0
    for ch in text:
        used += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used > width:
            return "".join(out).rstrip() + "…"
        out.append(ch)
    return text
