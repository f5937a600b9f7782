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


def write_rationale(v: dict[str, Any]) -> tuple[str, str]:
    """(English, Japanese) paragraphs from one domain's values (keys as built by score_domains)."""
    home = v["home"]
    band = f"{v['rank_low']:.0f}–{v['rank_high']:.0f}"
    en = [
        f"{v['label_en']}: class {CLASS_EN[v['class']]}, composite {_num(v['composite_score'])} "
        f"(rank {v['rank']} of {v['n_domains']}, 90% band {band}).",
        f"Japan strength {_num(v['japan_strength_score'])}: {home} holds {_pct(v.get('paper_share'))} "
        f"of papers, {_pct(v.get('patent_share'))} of patent families and {_pct(v.get('top10_share'))} "
        f"of the top-10% cited papers (FWCI {_num(v.get('fwci'))}) in {v['window']}.",
        f"Foreign activity {_num(v['foreign_activity_score'])}: foreign output "
        f"{_num(v.get('foreign_volume'), 1)} (fractional), growth {_pct(v.get('foreign_cagr'))}/yr, "
        f"acceleration {_pct(v.get('foreign_acceleration'))}"
        + (", in a burst" if v.get("foreign_burst_active") == 1 else "")
        + f"; lead {v.get('lead_country') or 'n/a'} at {_num(v.get('research_lead'), 1)}× the second, "
        f"monopoly risk {LIGHT_EN.get(v.get('monopoly_risk'), 'n/a')}.",
        f"Socioeconomic {_num(v['socioeconomic_score'])}: policy intensity foreign "
        f"{_num(v.get('policy_intensity_foreign'), 1)}, domestic {_num(v.get('policy_intensity_domestic'), 1)}, "
        f"momentum {_num(v.get('policy_momentum'))}, announced funding "
        f"USD {_num((v.get('policy_funding_usd') or 0) / 1e6, 1)}M.",
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
        f"（{v['n_domains']}領域中{v['rank']}位、90%区間{band}位）。",
        f"日本の技術的強み{_num(v['japan_strength_score'])}：{v['window']}の論文の{_pct(v.get('paper_share'))}、"
        f"特許ファミリーの{_pct(v.get('patent_share'))}、被引用数上位10%論文の{_pct(v.get('top10_share'))}を"
        f"{home}が占める（FWCI {_num(v.get('fwci'))}）。",
        f"諸外国の研究開発状況{_num(v['foreign_activity_score'])}：海外の成果{_num(v.get('foreign_volume'), 1)}件（分数計数）、"
        f"年平均成長率{_pct(v.get('foreign_cagr'))}、加速度{_pct(v.get('foreign_acceleration'))}"
        + ("、バースト中" if v.get("foreign_burst_active") == 1 else "")
        + f"。首位{v.get('lead_country') or '不明'}は2位の{_num(v.get('research_lead'), 1)}倍、"
        f"独占リスク{LIGHT_JA.get(v.get('monopoly_risk'), '不明')}。",
        f"内外の社会経済動向{_num(v['socioeconomic_score'])}：政策発表の強度は海外{_num(v.get('policy_intensity_foreign'), 1)}、"
        f"国内{_num(v.get('policy_intensity_domestic'), 1)}、勢い{_num(v.get('policy_momentum'))}、"
        f"公表された予算額{_num((v.get('policy_funding_usd') or 0) / 1e6, 1)}百万米ドル。",
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
