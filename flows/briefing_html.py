"""The briefing's HTML report: one self-contained file, readable offline (inline CSS and SVG drawn
here; no script, font or stylesheet is fetched, and the page's CSP forbids it), every figure linked
to the evidence behind it.
"""

from __future__ import annotations

import math
import re
from html import escape
from typing import Any

import networkx as nx
import pandas as pd

from flows.briefing_excel import safe_link
from flows.briefing_tables import AXIS_LABELS, EXPORT_TABLES, WITHHELD_NOTE
from horizon.api import Network

CLASS_COLOURS = {"protect": "#c0392b", "nurture": "#1f77b4", "monitor": "#7f8c8d"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
TEXT = {
    "ja": {
        "title": "技術ホライズンスキャン ブリーフィング", "scan": "スキャン", "audience": "提供先",
        "created": "作成", "withheld": "共有範囲により非開示の文書", "quadrant": "優先度マップ",
        "quadrant_note": "横軸: 諸外国の研究開発状況、縦軸: 日本の技術的強み、円の大きさ: 内外の社会経済の動向。[ ] は順位帯(5–95%)。",
        "trends": "領域別の年次推移（分数計数）", "network": "技術ネットワーク", "list": "優先リスト",
        "evidence": "根拠文書", "terms": "新興用語", "changes": "前回からの変化", "none": "該当なし",
        "files": "このフォルダのExcel・CSV・Parquetに同じ表があります。",
        "calibration": "公表統計との照合（日本のシェア）",
        "calibration_cols": ("分野", "国のある文書数", "本スキャン", "公表値", "比", "判定"),
    },
    "en": {
        "title": "Technology horizon scan briefing", "scan": "Scan", "audience": "Audience",
        "created": "Created", "withheld": "Documents withheld by sharing scope", "quadrant": "Priority map",
        "quadrant_note": "x: foreign R&D activity, y: Japan's technological strength, circle size: socioeconomic trends. [ ] is the 5–95% rank band.",
        "trends": "Yearly records per domain (fractional counts)", "network": "Technology network",
        "list": "Priority list", "evidence": "Evidence documents", "terms": "Emerging terms",
        "changes": "What changed since the previous scan", "none": "None",
        "files": "The same tables are in this folder's Excel, CSV and Parquet files.",
        "calibration": "Calibration against published statistics (Japan's share)",
        "calibration_cols": ("field", "records with a country", "this scan", "published", "ratio", "verdict"),
    },
}  # fmt: skip
STYLE = """
body{font-family:system-ui,'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top}
th{background:#dde4ee;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.banner{background:#fff3cd;border:1px solid #e0c060;padding:8px;margin:8px 0}
.tlp{font-weight:bold;padding:2px 6px;background:#000;color:#fff}
.grid{display:flex;flex-wrap:wrap;gap:8px}.grid figure{margin:0}.grid figcaption{font-size:11px}
svg text{font-family:inherit}
"""


def _e(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return escape(str(value))


def anchor(domain: Any) -> str:
    """The id of a domain's evidence section."""
    return "d-" + re.sub(r"[^a-z0-9_-]", "-", str(domain).lower())


def _num(value: Any, digits: int = 3) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else f"{v:.{digits}f}"


def quadrant_svg(priority: pd.DataFrame, language: str) -> str:
    """Japan strength (y) × foreign activity (x); size = socioeconomic trend; labels carry rank bands."""
    w, h, m = 720, 520, 60
    sx = lambda v: m + float(v) * (w - 2 * m)  # noqa: E731
    sy = lambda v: h - m - float(v) * (h - 2 * m)  # noqa: E731
    axes = AXIS_LABELS[language]
    parts = [
        f'<svg id="quadrant" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">',
        f'<rect x="{m}" y="{m}" width="{w - 2 * m}" height="{h - 2 * m}" fill="#fafafa" stroke="#999"/>',
        f'<line x1="{sx(0.5)}" y1="{m}" x2="{sx(0.5)}" y2="{h - m}" stroke="#bbb" stroke-dasharray="4 4"/>',
        f'<line x1="{m}" y1="{sy(0.5)}" x2="{w - m}" y2="{sy(0.5)}" stroke="#bbb" stroke-dasharray="4 4"/>',
        f'<text x="{w / 2}" y="{h - 18}" text-anchor="middle" font-size="13">{_e(axes["foreign_activity"])} →</text>',
        f'<text x="18" y="{h / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 18 {h / 2})">{_e(axes["japan_strength"])} →</text>',
    ]
    for t in (0, 0.5, 1):
        parts.append(
            f'<text x="{sx(t)}" y="{h - m + 16}" text-anchor="middle" font-size="10">{t}</text>'
        )
        parts.append(
            f'<text x="{m - 6}" y="{sy(t) + 4}" text-anchor="end" font-size="10">{t}</text>'
        )
    rows = priority.dropna(subset=["japan_strength_score", "foreign_activity_score"])
    ordered = rows.sort_values("socioeconomic_score", ascending=False, na_position="last")
    for row in ordered.to_dict("records"):
        x, y = sx(row["foreign_activity_score"]), sy(row["japan_strength_score"])
        socio = row["socioeconomic_score"]
        socio = 0.0 if socio is None or pd.isna(socio) else float(socio)
        r = 5 + 18 * max(0.0, min(1.0, socio))
        colour = CLASS_COLOURS.get(str(row["class"]), "#555")
        band = f" [{row['rank_band']}]" if isinstance(row["rank_band"], str) else ""
        tip = (
            f"{row['domain_label']} · {row['class_label']} · #{row['rank']}{band} · "
            f"{axes['japan_strength']} {_num(row['japan_strength_score'])} · "
            f"{axes['foreign_activity']} {_num(row['foreign_activity_score'])} · "
            f"{axes['socioeconomic']} {_num(socio)}"
        )
        parts.append(
            f'<a href="#{anchor(row["domain"])}"><circle class="point" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{r:.1f}" fill="{colour}" fill-opacity="0.55" stroke="{colour}">'
            f"<title>{_e(tip)}</title></circle>"
            f'<text x="{x + r + 3:.1f}" y="{y + 4:.1f}" font-size="11">'
            f"#{_e(row['rank'])} {_e(row['domain_label'])}{_e(band)}</text></a>"
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_svgs(trends: pd.DataFrame) -> str:
    """One small line chart per domain of its yearly fractional record counts."""
    if trends.empty:
        return ""
    years = trends["year"].dropna().astype(int)
    y0, y1 = int(years.min()), int(years.max())
    out = []
    w, h, m = 200, 90, 18
    for domain, grp in trends.groupby("domain", sort=True):
        grp = grp.sort_values("year")
        top = float(grp["records"].max()) or 1.0
        span = max(y1 - y0, 1)
        pts = [
            (m + (int(y) - y0) / span * (w - 2 * m), h - m - float(v) / top * (h - 2 * m))
            for y, v in zip(grp["year"], grp["records"], strict=True)
        ]
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#1f77b4"/>' for x, y in pts)
        label = grp["domain_label"].iloc[0] if "domain_label" in grp else domain
        out.append(
            f'<figure><svg class="trend" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
            f'<rect x="0" y="0" width="{w}" height="{h}" fill="#fafafa" stroke="#ddd"/>'
            f'<polyline points="{line}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>{dots}'
            f'<text x="{m}" y="{h - 4}" font-size="9">{y0}</text><text x="{w - m}" y="{h - 4}" font-size="9" text-anchor="end">{y1}</text>'
            f'<text x="{m}" y="12" font-size="9">max {top:.1f}</text></svg>'
            f'<figcaption><a href="#{anchor(domain)}">{_e(label)}</a></figcaption></figure>'
        )
    return '<div class="grid">' + "".join(out) + "</div>"


def network_svg(network: Network, *, seed: int = 7, max_nodes: int = 60) -> str:
    """The technology network laid out by networkx's spring layout (seeded, so reproducible)."""
    nodes = network.nodes.sort_values("weight", ascending=False).head(max_nodes)
    if nodes.empty:
        return ""
    keep = set(nodes["node_id"])
    edges = network.edges[network.edges["source"].isin(keep) & network.edges["target"].isin(keep)]
    g = nx.Graph()
    g.add_nodes_from(nodes["node_id"])
    g.add_weighted_edges_from(
        edges[["source", "target", "weight"]].itertuples(index=False, name=None)
    )
    pos = nx.spring_layout(g, seed=seed, weight="weight")
    w, h, m = 720, 480, 50
    sx = lambda v: m + (v + 1) / 2 * (w - 2 * m)  # noqa: E731
    sy = lambda v: m + (v + 1) / 2 * (h - 2 * m)  # noqa: E731
    top_w = float(edges["weight"].max()) if not edges.empty else 1.0
    top_n = float(nodes["weight"].max()) or 1.0
    parts = [
        f'<svg id="network" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
    ]
    parts.append(f'<rect x="0" y="0" width="{w}" height="{h}" fill="#fafafa" stroke="#ddd"/>')
    for e in edges.itertuples(index=False):
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        sw = 0.5 + 3.5 * float(e.weight) / (top_w or 1.0)
        parts.append(
            f'<line x1="{sx(x1):.1f}" y1="{sy(y1):.1f}" x2="{sx(x2):.1f}" y2="{sy(y2):.1f}" stroke="#999" '
            f'stroke-width="{sw:.2f}"><title>{_e(e.source)} – {_e(e.target)}: {_num(e.weight, 1)}</title></line>'
        )
    for n in nodes.itertuples(index=False):
        x, y = pos[n.node_id]
        r = 4 + 10 * math.sqrt(max(float(n.weight), 0.0) / top_n)
        target = f"#{anchor(n.domain)}" if isinstance(n.domain, str) else "#list"
        parts.append(
            f'<a href="{target}"><circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="{r:.1f}" fill="#2e86c1" fill-opacity="0.7">'
            f"<title>{_e(n.label)}: {_num(n.weight, 1)}</title></circle>"
            f'<text x="{sx(x) + r + 2:.1f}" y="{sy(y) + 4:.1f}" font-size="10">{_e(n.label)}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)


def html_table(frame: pd.DataFrame, table: str, language: str, *, link_domain: bool = False) -> str:
    """A briefing table as HTML with its localised headers; titles link to their documents."""
    spec = EXPORT_TABLES[table]
    if frame.empty:
        return f"<p>{TEXT[language]['none']}</p>"
    cols = [c for c in spec.columns if c.name not in ("includes_withheld",)]
    head = "".join(f"<th>{_e(c.header(language))}</th>" for c in cols)
    body = []
    for row in frame.to_dict("records"):
        cells = []
        for c in cols:
            value = row.get(c.name)
            numeric = c.column.type in ("DOUBLE", "BIGINT", "INTEGER")
            text = _num(value) if c.column.type == "DOUBLE" else _e(value)
            if c.name == "title" and safe_link(row.get("url")):
                text = f'<a href="{_e(safe_link(row.get("url")))}" rel="noreferrer noopener">{text}</a>'
            elif c.name == "url":
                text = (
                    _e(value)
                    if not safe_link(value)
                    else f'<a href="{_e(value)}" rel="noreferrer noopener">link</a>'
                )
            elif c.name == "domain_label" and link_domain:
                text = f'<a href="#{anchor(row.get("domain"))}">{text}</a>'
            cells.append(f'<td class="n">{text}</td>' if numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def calibration_html(check: dict[str, Any] | None, language: str) -> str:
    """Japan's share per field in the scan next to NSF SEI's published share, with the verdict."""
    t = TEXT[language]
    if not check or not check.get("fields"):
        return f"<p>{_e(t['none'])}</p>"
    ja = language == "ja"
    head = "".join(f"<th>{_e(c)}</th>" for c in t["calibration_cols"])
    body = []
    for row in check["fields"]:
        share = "" if row["scan_share"] is None else f"{row['scan_share']:.1%}"
        ratio = "" if row["ratio"] is None else f"×{row['ratio']:.2f}"
        body.append(
            f'<tr><td>{_e(row.get("label_ja" if ja else "label", row["label"]))}</td><td class="n">{_e(row["with_country"])}</td>'
            f'<td class="n">{share}</td><td>{row["published_share"]:.1%} ({_e(row["published"])})</td>'
            f'<td class="n">{ratio}</td><td>{_e(row.get("verdict_ja" if ja else "verdict", row["verdict"]))}</td></tr>'
        )
    note = check.get("note_ja" if ja else "note", check.get("note", ""))
    return (f"<p>{_e(note)}</p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")  # fmt: skip


def render_report(
    tables: dict[str, pd.DataFrame],
    network: Network,
    meta: dict[str, Any],
    language: str,
    *,
    calibration: dict[str, Any] | None = None,
) -> str:
    """The whole report as one HTML document."""
    t = TEXT[language]
    evidence = tables["evidence"]
    sections = []
    for row in tables["priority_list"].to_dict("records"):
        docs = evidence[evidence["domain"] == row["domain"]]
        sections.append(
            f'<h3 id="{anchor(row["domain"])}">#{_e(row["rank"])} {_e(row["domain_label"])} — '
            f"{_e(row['class_label'])}</h3><p>{_e(row['rationale'])}</p>"
            + html_table(docs, "evidence", language)
        )
    notes = [meta.get("data_note"), meta.get("includes_withheld") and WITHHELD_NOTE[language]]
    banner = "".join(f'<div class="banner">{_e(n)}</div>' for n in notes if n)
    return f"""<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(t["title"])} {_e(meta["scan_id"])}</title><style>{STYLE}</style></head>
<body>
<h1>{_e(t["title"])}</h1>
<p>{_e(t["scan"])}: <b>{_e(meta["scan_id"])}</b> · {_e(t["audience"])}: <span class="tlp">TLP:{_e(meta["audience"])}</span>
 · {_e(t["created"])}: {_e(meta["created_at"])} · {_e(t["withheld"])}: {_e(meta["withheld"].get("documents", 0))}</p>
{banner}<p>{_e(t["files"])}</p>
<h2>{_e(t["quadrant"])}</h2><p>{_e(t["quadrant_note"])}</p>
{quadrant_svg(tables["priority_list"], language)}
<h2 id="list">{_e(t["list"])}</h2>{html_table(tables["priority_list"], "priority_list", language, link_domain=True)}
<h2>{_e(t["trends"])}</h2>{trend_svgs(tables["trends"])}
<h2>{_e(t["network"])}</h2>{network_svg(network)}
<h2>{_e(t["changes"])}</h2>{html_table(tables["changes"], "changes", language, link_domain=True)}
<h2>{_e(t["terms"])}</h2>{html_table(tables["emerging_terms"], "emerging_terms", language)}
<h2>{_e(t["evidence"])}</h2>{"".join(sections)}
<h2>{_e(t["calibration"])}</h2>{calibration_html(calibration, language)}
</body></html>
"""
