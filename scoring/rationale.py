"""One-paragraph rationale per domain in English and Japanese, generated from the indicator values.

Templates only: every sentence states a computed number; nothing is written that the data do not say.
"""

from __future__ import annotations

import math
from typing import Any

CLASS_EN = {"protect": "protect", "nurture": "nurture", "monitor": "monitor"}
CLASS_JA = {"protect": "守るべき技術", "nurture": "育成すべき技術", "monitor": "注視"}
BAND_JA = {"basic_research": "基礎研究", "applied": "応用研究", "implementation": "社会実装"}
STAGE_JA = {"emerging": "萌芽期", "growth": "成長期", "maturity": "成熟期", "saturation": "飽和期"}
LIGHT_EN = {0: "low", 1: "medium", 2: "high"}
LIGHT_JA = {0: "低", 1: "中", 2: "高"}
STABLE_JA = {"protect": "守る", "nurture": "育てる", "monitor": "注視", "uncertain": "不確定"}
#: Country names in the Japanese text (ISO code → 日本語); a code not listed is printed as it is.
COUNTRY_JA = {
    "JP": "日本", "US": "米国", "CN": "中国", "EU": "欧州連合", "KR": "韓国", "TW": "台湾",
    "DE": "ドイツ", "GB": "英国", "FR": "フランス", "IT": "イタリア", "NL": "オランダ",
    "CH": "スイス", "IN": "インド", "CA": "カナダ", "AU": "豪州", "SG": "シンガポール",
    "RU": "ロシア", "IL": "イスラエル", "SE": "スウェーデン", "ES": "スペイン", "BR": "ブラジル",
}  # fmt: skip


def _ok(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _pct(v: Any) -> str:
    return f"{100 * v:.1f}%" if _ok(v) else "n/a"


def _num(v: Any, digits: int = 2) -> str:
    return f"{v:.{digits}f}" if _ok(v) else "n/a"


def _band_ja(band: str | None) -> str:
    if not band:
        return "判定不能"
    return "〜".join(BAND_JA.get(b, b) for b in band.split("–"))


def _ja(country: str | None) -> str:
    return COUNTRY_JA.get(country or "", country or "不明")


def _points(v: Any) -> str:
    """A difference of two growth rates, in percentage points."""
    return f"{100 * v:+.1f} pts" if _ok(v) else "n/a"


def _funding(v: dict[str, Any]) -> tuple[str, str]:
    usd = v.get("policy_funding_usd")
    if not _ok(usd) or usd <= 0:
        return "no announced amounts found", "公表された予算額は見つからない"
    return f"announced funding USD {usd / 1e6:.1f}M", f"公表された予算額{usd / 1e6:.1f}百万米ドル"


def _rule(v: dict[str, Any]) -> tuple[str, str]:
    """The rule that fired, with the numbers it compared, and the class probabilities."""
    if not _ok(v.get("strength_score")):
        return (
            "Rule: monitor — Japan's strength cannot be read (too few documents).",
            "判定規則：注視 — 日本の強みを判断できる件数がない。",
        )
    s, t = v["strength_score"], v["thresholds"]
    ps, ns = v["protect_score"], v["nurture_score"]
    if v["class"] == "protect":
        en = (
            f"Rule: protect — Japan's strength {s:.2f} > {t['strong_min']:.2f} (RTA above 1) and "
            f"strength × pressure {ps:.2f} ≥ {t['protect_min']:.2f}"
        )
        ja = (
            f"判定規則：守る — 日本の強み{s:.2f}＞{t['strong_min']:.2f}（RTAが1超）かつ"
            f"強み×圧力{ps:.2f}≥{t['protect_min']:.2f}"
        )
    elif v["class"] == "nurture":
        en = (
            f"Rule: nurture — Japan's strength {s:.2f} ≤ {t['strong_min']:.2f} and "
            f"importance × (1 − strength) {ns:.2f} ≥ {t['nurture_min']:.2f}"
        )
        ja = (
            f"判定規則：育てる — 日本の強み{s:.2f}≤{t['strong_min']:.2f}かつ"
            f"重要度×(1−強み){ns:.2f}≥{t['nurture_min']:.2f}"
        )
    elif s > t["strong_min"]:
        en = (
            f"Rule: monitor — Japan is strong ({s:.2f}) but strength × pressure {ps:.2f} < "
            f"{t['protect_min']:.2f}"
        )
        ja = f"判定規則：注視 — 日本は強い（{s:.2f}）が強み×圧力{ps:.2f}＜{t['protect_min']:.2f}"
    else:
        en = (
            f"Rule: monitor — Japan is not strong ({s:.2f}) and importance × (1 − strength) "
            f"{ns:.2f} < {t['nurture_min']:.2f}"
        )
        ja = f"判定規則：注視 — 日本の強み{s:.2f}、重要度×(1−強み){ns:.2f}＜{t['nurture_min']:.2f}"
    p = [v.get(k) for k in ("p_protect", "p_nurture", "p_monitor")]
    stable = v.get("stable_class") or "uncertain"
    en += f"; P(protect) {_pct(p[0])}, P(nurture) {_pct(p[1])}, P(monitor) {_pct(p[2])}: {stable}."
    ja += f"。確率は守る{_pct(p[0])}、育てる{_pct(p[1])}、注視{_pct(p[2])}（安定区分：{STABLE_JA.get(stable, stable)}）。"
    if v.get("small_counts"):
        en += f" Small counts (capped at neutral): {v['small_counts']}."
        small = str(v["small_counts"])
        for code, name in MEASURES_JA.items():
            small = small.replace(code, name)
        ja += f"少数件数のため中立とした指標：{small}。"
    return en, ja


#: The strength measures' names in the Japanese rationale (their codes are in scoring.decision).
MEASURES_JA = {
    "activity_index": "論文の特化係数",
    "rta_patents": "特許の顕示比較優位",
    "top10_relative": "Top10%論文の相対シェア",
}


def write_rationale(v: dict[str, Any]) -> tuple[str, str]:
    """(English, Japanese) paragraphs from one domain's values (keys as built by score_domains)."""
    home = v["home"]
    fund_en, fund_ja = _funding(v)
    rule_en, rule_ja = _rule(v) if "thresholds" in v else ("", "")
    band = f"{v['rank_low']:.0f}–{v['rank_high']:.0f}"
    en = [
        f"{v['label_en']}: class {CLASS_EN[v['class']]}, composite {_num(v['composite_score'])} "
        f"(rank {v['rank']} of {v['n_domains']}, 90% band {band})."
        + (f" {rule_en}" if rule_en else ""),
        f"Japan strength {_num(v['japan_strength_score'])}: {home} holds {_pct(v.get('paper_share'))} "
        f"of papers, {_pct(v.get('patent_share'))} of patent families and {_pct(v.get('top10_share'))} "
        f"of the top-10% cited papers (FWCI {_num(v.get('fwci'))}) in {v['window']}.",
        f"Foreign activity {_num(v['foreign_activity_score'])}: foreign output "
        f"{_num(v.get('foreign_volume'), 1)} (fractional), growth {_pct(v.get('foreign_cagr'))}/yr, "
        f"acceleration {_points(v.get('foreign_acceleration'))}"
        + (", in a burst" if v.get("foreign_burst_active") == 1 else "")
        + f"; lead {v.get('lead_country') or 'n/a'} at {_num(v.get('research_lead'), 1)}× the second, "
        f"monopoly risk {LIGHT_EN.get(v.get('monopoly_risk'), 'n/a')}.",
        f"Socioeconomic {_num(v['socioeconomic_score'])}: policy intensity foreign "
        f"{_num(v.get('policy_intensity_foreign'), 1)}, domestic {_num(v.get('policy_intensity_domestic'), 1)}, "
        f"momentum {_num(v.get('policy_momentum'))}, {fund_en}.",
        f"Maturity {v.get('maturity_band') or 'undetermined'}"
        + (
            f" (confidence {_pct(v.get('maturity_confidence'))})"
            if _ok(v.get("maturity_confidence"))
            else ""
        )
        + (f", life cycle {v['lifecycle_stage']}" if v.get("lifecycle_stage") else "")
        + ".",
    ]
    ja = [
        f"{v['label_ja']}：区分は「{CLASS_JA[v['class']]}」、総合優先度{_num(v['composite_score'])}"
        f"（{v['n_domains']}領域中{v['rank']}位、90%区間{band}位）。" + rule_ja,
        f"日本の技術的強み{_num(v['japan_strength_score'])}：{v['window']}の論文の{_pct(v.get('paper_share'))}、"
        f"特許ファミリーの{_pct(v.get('patent_share'))}、被引用数上位10%論文の{_pct(v.get('top10_share'))}を"
        f"{_ja(home)}が占める（FWCI {_num(v.get('fwci'))}）。",
        f"諸外国の研究開発状況{_num(v['foreign_activity_score'])}：海外の成果{_num(v.get('foreign_volume'), 1)}件（分数計数）、"
        f"年平均成長率{_pct(v.get('foreign_cagr'))}、加速度{_points(v.get('foreign_acceleration')).replace(' pts', 'ポイント')}"
        + ("、バースト中" if v.get("foreign_burst_active") == 1 else "")
        + f"。首位{_ja(v.get('lead_country'))}は2位の{_num(v.get('research_lead'), 1)}倍、"
        f"独占リスク{LIGHT_JA.get(v.get('monopoly_risk'), '不明')}。",
        f"内外の社会経済動向{_num(v['socioeconomic_score'])}：政策発表の強度は海外{_num(v.get('policy_intensity_foreign'), 1)}、"
        f"国内{_num(v.get('policy_intensity_domestic'), 1)}、勢い{_num(v.get('policy_momentum'))}、"
        f"{fund_ja}。",
        f"成熟度は{_band_ja(v.get('maturity_band'))}"
        + (
            f"（確度{_pct(v.get('maturity_confidence'))}）"
            if _ok(v.get("maturity_confidence"))
            else ""
        )
        + (
            f"、ライフサイクルは{STAGE_JA.get(v['lifecycle_stage'], v['lifecycle_stage'])}"
            if v.get("lifecycle_stage")
            else ""
        )
        + "。",
    ]
    for j in v.get("judgements", []):
        rating = f" {j.rating}" if j.rating else ""
        adj = f", adjustment {j.adjustment:+.2f}" if j.adjustment else ""
        adj_ja = f"、調整{j.adjustment:+.2f}" if j.adjustment else ""
        en.append(
            f"Analyst judgement ({j.analyst}, {j.date.isoformat()}){rating}{adj}: {j.note}".rstrip(
                ": "
            )
            + "."
        )
        ja.append(
            f"専門家の判断（{j.analyst}、{j.date.isoformat()}）{rating}{adj_ja}：{j.note}".rstrip(
                "："
            )
            + "。"
        )
    return " ".join(en), "".join(ja)
