"""The briefing's HTML report: one self-contained file, readable offline (inline CSS and SVG; no
script, font or stylesheet is fetched, and the page's CSP forbids it), read in ten minutes and
printed in a few A4 pages: a summary page (the list, what changed, the caveats), the priority map,
one section per domain, emerging terms, the technology network and the calibration check.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pandas as pd

from flows.briefing_charts import (
    CLASS_COLOURS,
    anchor,
    esc,
    network_svg,
    quadrant_svg,
    sparkline_svg,
    trend_svg,
)
from flows.briefing_excel import safe_link
from flows.briefing_tables import AXIS_LABELS, CLASS_LABELS, MATURITY_LABELS, WITHHELD_NOTE
from flows.briefing_text import AXIS_SHORT, DEMO_NOTE, INDICATOR_LABELS, KIND_LABELS, TEXT
from horizon.api import Network

__all__ = ["CLASS_COLOURS", "CSP", "anchor", "render_report"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
#: The indicators of each axis shown as its deciding figures (weights.yaml's axes, weight > 0).
AXIS_INDICATORS = {
    "japan_strength": ("paper_share", "patent_share", "top10_share", "indispensability"),
    "foreign_activity": ("foreign_volume", "foreign_cagr", "foreign_acceleration",
                         "foreign_burst_weight", "n_countries_specialised", "exposure"),
    "socioeconomic": ("policy_intensity_foreign", "policy_intensity_domestic", "policy_momentum",
                      "policy_funding_usd", "jp_policy_alignment"),
}  # fmt: skip
PERCENT = {"paper_share", "patent_share", "top10_share", "foreign_cagr", "exposure"}
EVIDENCE_PER_AXIS = 2
TERMS_SHOWN = 15
SPARK_WEEKS = 26
STYLE = """
body{font-family:system-ui,'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',sans-serif;margin:24px auto;color:#222;max-width:1000px;font-size:14px;line-height:1.45}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;border-bottom:2px solid #345;padding-bottom:3px;margin-top:28px}
h3{font-size:15px;margin:0 0 4px}p{margin:4px 0}ul{margin:4px 0;padding-left:20px}
table{border-collapse:collapse;font-size:12px;margin:6px 0}th,td{border:1px solid #ccc;padding:2px 5px;vertical-align:top}
th{background:#dde4ee;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.banner{background:#fff3cd;border:1px solid #e0c060;padding:6px 8px;margin:6px 0}
.banner.demo{background:#fde2e1;border-color:#c0392b;font-weight:bold}
.tlp{font-weight:bold;padding:1px 6px;background:#000;color:#fff}
.meta{color:#444;font-size:13px}.note{color:#555;font-size:12px}
.cls{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px}
.domain{border-top:1px solid #bbb;padding:8px 0;break-inside:avoid;page-break-inside:avoid}
.cols{display:flex;gap:16px;align-items:flex-start}.cols>div:first-child{flex:1}
.domain p.why{font-size:12px;color:#333}
table.axes td:last-child{font-size:11px}table.docs{width:100%}
td.title{max-width:520px}.spark{vertical-align:middle}
svg{max-width:100%;height:auto}svg text{font-family:inherit}
@page{size:A4;margin:12mm 10mm}
@media print{body{margin:0;max-width:none;font-size:10px;line-height:1.35}.domain p.why{font-size:9.5px}h2{break-before:page;page-break-before:always;margin-top:0}
#summary{break-before:avoid;page-break-before:avoid}a{color:inherit;text-decoration:none}
table{font-size:9px}table.axes td:last-child{font-size:9px}.banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.cls,th,svg{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _num(value: Any, digits: int = 2) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else f"{v:.{digits}f}"


def _int(value: Any) -> str:
    """A rank or count as an integer ("15", never "15.000")."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else str(round(v))


def _pct(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else f"{v:.0%}"


def _indicator(name: str, value: Any) -> str:
    if name in PERCENT:
        return _pct(value) if name != "foreign_cagr" else _signed_pct(value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def _signed_pct(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else f"{v:+.0%}"


def _class_badge(cls: Any, language: str) -> str:
    label = CLASS_LABELS[language].get(str(cls), str(cls))
    colour = CLASS_COLOURS.get(str(cls), "#555")
    return f'<span class="cls" style="background:{colour}">{esc(label)}</span>'


def _probability(prob: dict[str, Any] | None, cls: Any) -> str:
    if not prob:
        return ""
    return _pct(prob.get(f"p_{cls}"))


def summary_html(
    priority: pd.DataFrame, probs: dict[str, dict[str, Any]], language: str, t: dict[str, Any]
) -> str:
    """The list on one page: rank, domain, class with its probability, composite, axes."""
    heads = t["list_cols"]
    rows = []
    for row in priority.to_dict("records"):
        p = probs.get(row["domain"])
        uncertain = bool(p) and p.get("stable_class") == "uncertain"
        rows.append(
            f'<tr><td class="n">{_int(row["rank"])}</td>'
            f'<td><a href="#{anchor(row["domain"])}">{esc(row["domain_label"])}</a></td>'
            f"<td>{_class_badge(row['class'], language)}</td>"
            f'<td class="n">{_probability(p, row["class"])}{" ?" if uncertain else ""}</td>'
            f'<td class="n">{_num(row["composite_score"])}</td>'
            f'<td class="n">{esc(row["rank_band"])}</td>'
            f'<td class="n">{_num(row["japan_strength_score"])}</td>'
            f'<td class="n">{_num(row["foreign_activity_score"])}</td>'
            f'<td class="n">{_num(row["socioeconomic_score"])}</td>'
            f"<td>{esc(row['maturity_label'])}</td></tr>"
        )
    head = "".join(f"<th>{esc(h)}</th>" for h in heads)
    return f'<table id="list"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def changes_html(changes: pd.DataFrame, language: str, t: dict[str, Any]) -> str:
    """What moved since the previous scan, one line each; unchanged domains are counted only."""
    if changes.empty or changes["previous_scan_id"].isna().all():
        return f"<p>{esc(t['first_scan'])}</p>"
    moved = changes[changes["status"] != "unchanged"]
    items = []
    for row in moved.to_dict("records"):
        before, after = _int(row["rank_before"]), _int(row["rank"])
        ranks = f"#{before} → #{after}" if before and after else (f"#{after}" if after else "")
        classes = ""
        if row["status"] == "class_changed":
            old = CLASS_LABELS[language].get(str(row["class_before"]), row["class_before"])
            new = CLASS_LABELS[language].get(str(row["class"]), row["class"])
            classes = f"; {esc(old)} → {esc(new)}"
        items.append(
            f'<li><a href="#{anchor(row["domain"])}">{esc(row["domain_label"])}</a>: '
            f"{esc(row['status_label'])} ({esc(ranks)}{classes})</li>"
        )
    unchanged = int((changes["status"] == "unchanged").sum())
    items.append(f"<li>{esc(t['unchanged'].format(n=unchanged))}</li>")
    scan = changes["previous_scan_id"].dropna().iloc[0]
    return f"<p>{esc(t['compared'].format(scan=scan))}</p><ul>{''.join(items)}</ul>"


def caveats_html(
    meta: dict[str, Any],
    priority: pd.DataFrame,
    probs: dict[str, dict[str, Any]],
    language: str,
    t: dict[str, Any],
) -> str:
    """What the reader must keep in mind: demo or recorded data, a partial scan, withheld
    documents, classes the Monte Carlo does not settle, strengths judged on few documents."""
    items = []
    if meta.get("data") == "demo":
        items.append(DEMO_NOTE[language])
    if meta.get("data_note"):
        items.append(meta["data_note"])
    if meta.get("partial_sources"):
        items.append(t["partial"].format(names=", ".join(meta["partial_sources"])))
    elif meta.get("status") in ("partial", "failed"):
        items.append(t["partial"].format(names=meta["status"]))
    withheld = int(meta.get("withheld", {}).get("documents", 0) or 0)
    if meta.get("includes_withheld"):
        items.append(WITHHELD_NOTE[language])
    elif withheld:
        items.append(t["withheld_note"].format(n=withheld))
    labels = dict(zip(priority["domain"], priority["domain_label"], strict=True))
    if not probs:
        items.append(t["no_probabilities"])
    else:
        unsure = [
            f"{labels.get(d, d)} ({' / '.join(_pct(p.get(k)) for k in ('p_protect', 'p_nurture', 'p_monitor'))})"
            for d, p in probs.items()
            if p.get("stable_class") == "uncertain" and d in labels
        ]
        if unsure:
            items.append(t["uncertain"].format(n=len(unsure), names="; ".join(unsure)))
        small = [  # a missing value may be NaN (pandas' string dtype), which is truthy
            labels[d] for d, p in probs.items() if _text(p.get("small_counts")) and d in labels
        ]
        if small:
            items.append(t["small_counts"].format(n=len(small)))
    return f'<ul id="caveats">{"".join(f"<li>{esc(i)}</li>" for i in items)}</ul>'


def _text(value: Any) -> str:
    """A text cell, or "" where it is missing."""
    return value if isinstance(value, str) else ""


def _latest(indicators: pd.DataFrame) -> pd.DataFrame:
    """Each (domain, indicator, country)'s value in the latest window."""
    if indicators.empty:
        return indicators
    return indicators.sort_values("window").drop_duplicates(
        ["domain", "indicator", "country"], keep="last"
    )


def axes_html(row: dict[str, Any], latest: pd.DataFrame, language: str) -> str:
    """The three axis scores with the indicators that decide them."""
    names = INDICATOR_LABELS[language]
    mine = latest[latest["domain"] == row["domain"]] if not latest.empty else latest
    body = []
    for axis, inds in AXIS_INDICATORS.items():
        figures = []
        for ind in inds:
            hit = mine[mine["indicator"] == ind] if not mine.empty else mine
            if hit.empty:
                continue
            home = hit[hit["country"] == "JP"]
            value = (home if not home.empty else hit).iloc[0]["value"]
            text = _indicator(ind, value)
            if text:
                figures.append(f"{esc(names.get(ind, ind))} {esc(text)}")
        body.append(
            f'<tr><td title="{esc(AXIS_LABELS[language][axis])}">{esc(AXIS_SHORT[language][axis])}</td>'
            f'<td class="n">{_num(row[f"{axis}_score"])}</td><td>{" · ".join(figures)}</td></tr>'
        )
    return f'<table class="axes"><tbody>{"".join(body)}</tbody></table>'


def _countries(countries: pd.DataFrame, domain: str, t: dict[str, Any]) -> str:
    if countries.empty:
        return ""
    mine = countries[countries["domain"] == domain].sort_values("records", ascending=False)
    total = float(mine["records"].sum()) or 1.0
    lead = [f"{esc(c)} {float(r) / total:.0%}" for c, r in zip(mine["country"], mine["records"], strict=True)][:4]  # fmt: skip
    return f'<p class="note">{esc(t["leaders"])}: {", ".join(lead)}</p>' if lead else ""


def evidence_html(docs: pd.DataFrame, language: str, t: dict[str, Any]) -> str:
    """The first documents behind each axis, titles linked to their sources."""
    if docs.empty:
        return f'<p class="note">{esc(t["no_evidence"])}</p>'
    docs = docs.sort_values(["axis", "rank"]).groupby("axis", sort=False).head(EVIDENCE_PER_AXIS)
    rows = []
    for d in docs.to_dict("records"):
        link = safe_link(d.get("url"))
        title = esc(d.get("title"))
        title = f'<a href="{esc(link)}" rel="noreferrer noopener">{title}</a>' if link else title
        if not link and isinstance(d.get("url"), str) and d["url"].strip():
            title += f'<br><span class="note">{esc(d["url"])}</span>'  # shown, never a link
        date = str(d.get("published_date") or "")[:10]
        rows.append(
            f"<tr><td>{esc(AXIS_SHORT[language].get(str(d.get('axis')), d.get('axis_label')))}</td>"
            f'<td class="title">{title}</td>'
            f"<td>{esc(KIND_LABELS[language].get(str(d.get('kind')), d.get('kind')))}</td>"
            f'<td class="n">{esc(date)}</td><td>{esc(d.get("countries"))}</td></tr>'
        )
    head = "".join(f"<th>{esc(h)}</th>" for h in t["evidence_cols"])
    return (
        f'<table class="docs"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def domain_html(
    row: dict[str, Any],
    context: dict[str, Any],
    language: str,
    t: dict[str, Any],
) -> str:
    """One domain: class and probability, the axes and their indicators, the yearly trend, the
    leading countries and the evidence."""
    p = context["probs"].get(row["domain"])
    prob = f" {esc(t['probability'])} {_probability(p, row['class'])}" if p else ""
    trends = context["trends"]
    mine = trends[trends["domain"] == row["domain"]].sort_values("year")
    chart = trend_svg(
        [int(y) for y in mine["year"]], [float(v) for v in mine["records"]], context["span"],
        t["trend_unit"],
    )  # fmt: skip
    maturity = MATURITY_LABELS[language].get(str(row.get("maturity")), row.get("maturity"))
    docs = context["evidence"][context["evidence"]["domain"] == row["domain"]]
    return (
        f'<section class="domain" id="{anchor(row["domain"])}">'
        f"<h3>#{_int(row['rank'])} {esc(row['domain_label'])} {_class_badge(row['class'], language)}"
        f"{prob}</h3>"
        f'<p class="note">{esc(t["composite"])} {_num(row["composite_score"])} · '
        f"{esc(t['band'])} {esc(row['rank_band'])} · {esc(t['maturity'])} {esc(maturity)} · "
        f"{esc(t['records'])} {_int(row.get('n_records'))}</p>"
        f'<div class="cols"><div>{axes_html(row, context["latest"], language)}'
        f"{_countries(context['countries'], row['domain'], t)}</div>"
        f'<div><figure style="margin:0">{chart}<figcaption class="note">{esc(t["trend_caption"])}'
        f"</figcaption></figure></div></div>"
        f'<p class="why">{esc(row["rationale"])}</p>'
        + evidence_html(docs, language, t)
        + "</section>"
    )


def _weeks(value: Any) -> dict[str, float]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return {str(k): float(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _monday(week: str) -> dt.date | None:
    try:
        year, num = week.split("-W")
        return dt.date.fromisocalendar(int(year), int(num), 1)
    except ValueError:
        return None


def terms_html(terms: pd.DataFrame, language: str, t: dict[str, Any]) -> str:
    """The strongest emerging terms with a sparkline of their last weeks (no raw counts)."""
    if terms.empty:
        return f"<p>{esc(t['none'])}</p>"
    top = terms.sort_values(
        ["burst_weight", "growth", "count"], ascending=False, na_position="last"
    ).head(TERMS_SHOWN)
    weeks = [_weeks(v) for v in top["weeks"]]
    mondays = [m for w in weeks for m in map(_monday, w) if m is not None]
    end = max(mondays) if mondays else None
    span = [end - dt.timedelta(weeks=i) for i in range(SPARK_WEEKS - 1, -1, -1)] if end else []
    rows = []
    for row, counts in zip(top.to_dict("records"), weeks, strict=True):
        by_day = {_monday(k): v for k, v in counts.items()}
        spark = sparkline_svg([by_day.get(d, 0.0) for d in span]) if counts and span else ""
        rows.append(
            f"<tr><td>{esc(row['term'])}</td><td>{esc(row.get('domain_label'))}</td>"
            f'<td class="n">{esc(str(row.get("first_seen_date") or "")[:10])}</td>'
            f'<td class="n">{_int(row.get("count"))}</td><td class="n">{_signed_pct(row.get("growth"))}</td>'
            f'<td class="n">{_num(row.get("burst_weight"), 1)}</td><td>{spark}</td></tr>'
        )
    head = "".join(f"<th>{esc(h)}</th>" for h in t["terms_cols"])
    note = t["terms_note"].format(shown=len(top), total=len(terms), weeks=SPARK_WEEKS)
    return (
        f'<p class="note">{esc(note)}</p><table id="terms"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def calibration_html(check: dict[str, Any] | None, language: str) -> str:
    """Japan's share per field in the scan next to NSF SEI's published share, with the verdict."""
    t = TEXT[language]
    if not check or not check.get("fields"):
        return f"<p>{esc(t['none'])}</p>"
    ja = language == "ja"
    head = "".join(f"<th>{esc(c)}</th>" for c in t["calibration_cols"])
    body = []
    for row in check["fields"]:
        share = "" if row["scan_share"] is None else f"{row['scan_share']:.1%}"
        ratio = "" if row["ratio"] is None else f"×{row['ratio']:.2f}"
        body.append(
            f'<tr><td>{esc(row.get("label_ja" if ja else "label", row["label"]))}</td><td class="n">{esc(row["with_country"])}</td>'
            f'<td class="n">{share}</td><td>{row["published_share"]:.1%} ({esc(row["published"])})</td>'
            f'<td class="n">{ratio}</td><td>{esc(row.get("verdict_ja" if ja else "verdict", row["verdict"]))}</td></tr>'
        )
    note = check.get("note_ja" if ja else "note", check.get("note", ""))
    return (f'<p class="note">{esc(note)}</p><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")  # fmt: skip


def coverage_html(report: dict[str, Any] | None, language: str) -> str:
    """Per source: finished or why not, date windows complete of planned, hits fetched of those
    the source announced (the scan's coverage report as the audience may see it)."""
    t = TEXT[language]
    if not isinstance(report, dict) or not report.get("sources"):
        return f"<p>{esc(t['none'])}</p>"
    head = "".join(f"<th>{esc(c)}</th>" for c in t["coverage_cols"])
    body = []
    for name, row in report["sources"].items():
        done = t["yes"] if row["finished"] else f"{t['no']} ({row['reason'] or '?'})"
        windows = "—" if row["windows"] is None else f"{row['windows_complete']} / {row['windows']}"
        hits = (
            "—"
            if row["hits_announced"] is None
            else f"{row['hits_fetched']:,} / {row['hits_announced']:,}"
        )
        cells = [name, done, windows, row["windows_split"], row["windows_failed"],
                 row["windows_over_cap"], hits]  # fmt: skip
        body.append(
            "<tr>" + "".join(f"<td>{esc('—' if c is None else c)}</td>" for c in cells) + "</tr>"
        )
    note = report.get("note", "")
    kind = (
        "demo" if note.startswith("demo") else "recorded" if note.startswith("recorded") else "live"
    )
    return (
        f'<p class="note">{esc(t["coverage_notes"][kind])}</p><table id="coverage"><thead>'
        f"<tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def render_report(
    tables: dict[str, pd.DataFrame],
    network: Network,
    meta: dict[str, Any],
    language: str,
    *,
    calibration: dict[str, Any] | None = None,
    coverage: dict[str, Any] | None = None,
    probabilities: pd.DataFrame | None = None,
    countries: pd.DataFrame | None = None,
) -> str:
    """The whole report as one HTML document."""
    t = TEXT[language]
    priority = tables["priority_list"]
    probs = (
        {r["domain"]: r for r in probabilities.to_dict("records")}
        if probabilities is not None and not probabilities.empty
        else {}
    )
    trends = tables["trends"]
    years = trends["year"].dropna().astype(int) if not trends.empty else pd.Series([], dtype=int)
    context = {
        "probs": probs,
        "trends": trends,
        "span": (int(years.min()), int(years.max())) if len(years) else (0, 0),
        "latest": _latest(tables["indicators"]),
        "countries": countries if countries is not None else pd.DataFrame(),
        "evidence": tables["evidence"],
    }
    sections = "".join(domain_html(r, context, language, t) for r in priority.to_dict("records"))
    notes = [meta.get("data_note"), meta.get("includes_withheld") and WITHHELD_NOTE[language]]
    banner = (
        f'<div class="banner demo">{esc(DEMO_NOTE[language])}</div>'
        if meta.get("data") == "demo"
        else ""
    ) + "".join(f'<div class="banner">{esc(n)}</div>' for n in notes if n)
    classes = CLASS_LABELS[language]
    return f"""<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(t["title"])} {esc(meta["scan_id"])}</title><style>{STYLE}</style></head>
<body>
<h1>{esc(t["title"])}</h1>
<p class="meta">{esc(t["scan"])}: <b>{esc(meta["scan_id"])}</b> · {esc(t["audience"])}: <span class="tlp">TLP:{esc(meta["audience"])}</span>
 · {esc(t["created"])}: {esc(meta["created_at"])} · {esc(t["withheld"])}: {esc(meta["withheld"].get("documents", 0))}</p>
{banner}
<h2 id="summary">{esc(t["summary"])}</h2>
{summary_html(priority, probs, language, t)}
<p class="note">{esc(t["list_note"])}</p>
<h3>{esc(t["changes"])}</h3>{changes_html(tables["changes"], language, t)}
<h3>{esc(t["caveats"])}</h3>{caveats_html(meta, priority, probs, language, t)}
<h2>{esc(t["quadrant"])}</h2><p class="note">{esc(t["quadrant_note"])}</p>
{quadrant_svg(priority, AXIS_LABELS[language], classes, t["size_note"])}
<h2>{esc(t["domains"])}</h2>{sections}
<h2>{esc(t["terms"])}</h2>{terms_html(tables["emerging_terms"], language, t)}
<h2>{esc(t["network"])}</h2><p class="note">{esc(t["network_note"])}</p>{network_svg(network, size_note=t["network_size"])}
<h2>{esc(t["calibration"])}</h2>{calibration_html(calibration, language)}
<h2>{esc(t["coverage"])}</h2>{coverage_html(coverage, language)}
<p class="note">{esc(t["files"])}</p>
</body></html>
"""
