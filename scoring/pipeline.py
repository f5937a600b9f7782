"""score_domains: records + assignments + entities → indicators, scores, evidence, network."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from horizon.config.taxonomy import Taxonomy
from horizon.config.weights import AXES, Weights
from scoring.axes import axis_scores, composite_scores, indicator_matrix
from scoring.composite import competition_ranks, monte_carlo
from scoring.counting import count_outputs, is_incomplete, window_table
from scoring.decision import PROBABILITY_COLUMNS, class_probabilities, classify, strength_counts
from scoring.evidence import COLUMNS as EVIDENCE_COLUMNS
from scoring.evidence import select_evidence
from scoring.growth import burst_indicators, growth_indicators
from scoring.indicators import (
    WORLD,
    citation_indicators,
    concentration_indicators,
    volume_indicators,
)
from scoring.inputs import prepare
from scoring.judgements import JUDGEMENT_COLUMNS, Judgements, adjustments, summaries
from scoring.maturity import maturity_bands
from scoring.network import build_network
from scoring.rationale import write_rationale
from scoring.socio import policy_indicators

INDICATOR_COLUMNS = ["domain", "country", "window", "indicator", "value", "inputs", "incomplete"]
SCORE_COLUMNS = [
    "domain", "label_en", "label_ja", "japan_strength_score", "foreign_activity_score",
    "socioeconomic_score", "composite_score", "rank", "rank_low", "rank_high", "class",
    "maturity", "rationale_en", "rationale_ja", "n_records", "base_composite_score",
    "judgement_adjustment", "rank_median", "class_rank", "maturity_band", "maturity_confidence",
    "lifecycle_stage", "incomplete",
]  # fmt: skip
SENSITIVITY_COLUMNS = ["parameter", "domain", "first_order"]
#: Indicator values the rationale quotes, read from the home (JP) or domain (WORLD) rows.
QUOTED = {
    "home": ["paper_share", "patent_share", "top10_share", "fwci"],
    "world": [
        "foreign_volume", "foreign_cagr", "foreign_acceleration", "foreign_burst_active",
        "research_lead", "monopoly_risk", "policy_intensity_foreign", "policy_intensity_domestic",
        "policy_momentum", "policy_funding_usd",
    ],
}  # fmt: skip


@dataclass(frozen=True)
class ScoreTables:
    """The frames a scan writes (each the store table's columns without scan_id)."""

    indicators: pd.DataFrame
    scores: pd.DataFrame
    evidence: pd.DataFrame
    network_nodes: pd.DataFrame
    network_edges: pd.DataFrame
    judgements: pd.DataFrame
    sensitivity: pd.DataFrame
    class_probabilities: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        """Table name → frame."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, date):
        return v.isoformat()
    return v


def _none(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def to_json(v: Any) -> str:
    """Indicator inputs as JSON text (NaN → null)."""
    return json.dumps(_clean(v or {}), ensure_ascii=False, sort_keys=True)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


def score_domains(
    records: pd.DataFrame,
    assignments: pd.DataFrame,
    entities: pd.DataFrame | None,
    taxonomy: Taxonomy,
    weights: Weights,
    *,
    as_of: date,
    judgements: Judgements | None = None,
) -> ScoreTables:
    """Score every taxonomy domain on the records given (any subset: e.g. one audience's)."""
    cfg = weights
    domains = taxonomy.slugs
    for col in ("record_id", "domain", "share"):
        if col not in assignments:
            assignments = assignments.assign(**{col: pd.Series(dtype="object")})
    assignments = assignments[assignments["domain"].isin(domains)]
    prep = prepare(records, assignments, as_of=as_of)
    units, credit = prep.units, prep.credit
    table = window_table(as_of, cfg.windows)
    latest, start = str(table["window"].iloc[0]), int(table["start"].iloc[0])
    incomplete, completeness = is_incomplete(units, as_of, cfg.windows.incomplete_ratio)
    end_year = as_of.year - 1 if incomplete else as_of.year
    span = cfg.windows.years
    idx = (as_of.year - units["year"]) // span
    units["window"] = table["window"].reindex(idx.to_numpy()).to_numpy()

    counts = count_outputs(credit, table)
    parts = [volume_indicators(counts)] if len(counts) else []
    cit, tops = citation_indicators(units, credit, table, cfg.citations.top_share)
    parts.append(cit)
    if len(counts):
        parts.append(
            concentration_indicators(counts, tops, units, credit, prep.organizations, latest, cfg)
        )
    research = credit[
        credit["kind"].isin(["paper", "patent"]) & (credit["country"] != cfg.home_country)
    ]
    foreign = research.assign(value=research["share"] * research["weight"])
    parts.append(growth_indicators(foreign, domains, end_year, latest, cfg))
    first_year = int(foreign["year"].min()) if foreign["year"].notna().any() else end_year
    first_year = min(max(first_year, end_year - 29), end_year)
    parts.append(burst_indicators(foreign, domains, first_year, end_year, (latest, start), cfg))
    parts.append(
        policy_indicators(units, credit, entities, taxonomy, (latest, start), as_of=as_of, cfg=cfg)
    )
    mat, mat_rows = maturity_bands(units, domains, (latest, start), end_year, cfg)
    parts.append(mat_rows)
    n_records = units.groupby("domain")["record_id"].nunique().reindex(domains, fill_value=0)
    parts.append(
        pd.DataFrame(
            {
                "domain": domains,
                "country": WORLD,
                "window": latest,
                "indicator": "records",
                "value": n_records.to_numpy(dtype="float64"),
                "inputs": [{"dropped": prep.dropped, **completeness}] * len(domains),
            }
        )
    )
    ind = pd.concat([p for p in parts if len(p)], ignore_index=True)
    ind = ind.sort_values(
        ["domain", "indicator", "country", "window"], kind="stable", ignore_index=True
    )

    raw, imputed = indicator_matrix(ind, domains, latest, cfg)
    axes = axis_scores(raw, cfg)
    base = composite_scores(axes, cfg)
    adj = adjustments(judgements, domains)
    composite = np.clip(base + adj, 0.0, 1.0)
    mc = monte_carlo(raw, cfg, adj)
    probs = class_probabilities(strength_counts(units, credit, table, domains, cfg), raw, axes, cfg)
    classes = class_table(probs, composite, cfg)
    ranks = competition_ranks(composite)

    ind["incomplete"] = (ind["window"] == latest) & incomplete
    ind["inputs"] = [to_json(v) for v in ind["inputs"]]
    ind["value"] = ind["value"].astype("float64")

    quoted = _quoted(ind, latest, cfg.home_country)
    notes = summaries(judgements, domains)
    decided = probs.set_index("domain").to_dict("index")
    thresholds = cfg.decision.model_dump(include={"strong_min", "protect_min", "nurture_min"})
    rows = []
    for i, d in enumerate(domains):
        dom = taxonomy.domain(d)
        v = {
            "domain": d,
            "label_en": dom.label_en,
            "label_ja": dom.label_ja,
            **{f"{a}_score": float(axes.loc[d, f"{a}_score"]) for a in AXES},
            "composite_score": float(composite[i]),
            "rank": int(ranks[i]),
            "rank_low": float(mc.ranks.loc[d, "rank_low"]),
            "rank_high": float(mc.ranks.loc[d, "rank_high"]),
            "class": classes.loc[d, "class"],
            "maturity": _none(mat.loc[d, "maturity"]),
            "n_records": int(n_records[d]),
            "base_composite_score": float(base[i]),
            "judgement_adjustment": float(adj[i]),
            "rank_median": float(mc.ranks.loc[d, "rank_median"]),
            "class_rank": int(classes.loc[d, "class_rank"]),
            "maturity_band": _none(mat.loc[d, "maturity_band"]),
            "maturity_confidence": _none(mat.loc[d, "maturity_confidence"]),
            "lifecycle_stage": _none(mat.loc[d, "lifecycle_stage"]),
            "incomplete": bool(incomplete),
        }
        extra = {
            **decided.get(d, {}),
            "thresholds": thresholds,
            "home": cfg.home_country,
            "window": latest,
            "n_domains": len(domains),
            **quoted.get(d, {}),
        }
        v["rationale_en"], v["rationale_ja"] = write_rationale(
            {**v, **extra, "judgements": notes[d]}
        )
        rows.append(v)
    scores = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    scores = scores.sort_values(["rank", "domain"], kind="stable", ignore_index=True)

    evidence = (
        select_evidence(units, credit, window=latest, as_of=as_of, cfg=cfg)
        if len(units)
        else _empty(EVIDENCE_COLUMNS)
    )
    nodes, edges = build_network(entities, units, taxonomy, cfg)
    judged = judgements.frame() if judgements is not None else _empty(JUDGEMENT_COLUMNS)
    judged = judged[judged["domain"].isin(domains)].reset_index(drop=True)
    sens = mc.sensitivity.reindex(columns=SENSITIVITY_COLUMNS)
    _ = imputed  # imputed cells are visible as missing indicator rows
    return ScoreTables(
        indicators=ind[INDICATOR_COLUMNS],
        scores=scores,
        evidence=evidence.reset_index(drop=True),
        network_nodes=nodes,
        network_edges=edges,
        judgements=judged,
        sensitivity=sens,
        class_probabilities=probs[PROBABILITY_COLUMNS],
    )


def class_table(probs: pd.DataFrame, composite: np.ndarray, cfg: Weights) -> pd.DataFrame:
    """class at the configured thresholds, and class_rank: protect by protect_score, nurture by
    nurture_score (each class ordered by its own score), monitor by composite."""
    label = classify(probs, cfg)
    key = np.where(
        label == "protect",
        probs["protect_score"].to_numpy(),
        np.where(label == "nurture", probs["nurture_score"].to_numpy(), composite),
    )
    out = pd.DataFrame(
        {"class": label, "key": np.round(np.nan_to_num(key, nan=-1.0), 12)},
        index=probs["domain"].to_numpy(),
    )
    out["class_rank"] = out.groupby("class")["key"].rank(method="min", ascending=False)
    return out.astype({"class_rank": "int64"})[["class", "class_rank"]]


def _quoted(ind: pd.DataFrame, window: str, home: str) -> dict[str, dict[str, Any]]:
    """Per domain, the indicator values the rationale names."""
    latest = ind[ind["window"] == window]
    out: dict[str, dict[str, Any]] = {}
    for scope, names in QUOTED.items():
        country = home if scope == "home" else WORLD
        sel = latest[(latest["country"] == country) & latest["indicator"].isin(names)]
        for d, name, value in sel[["domain", "indicator", "value"]].itertuples(index=False):
            out.setdefault(d, {})[name] = None if pd.isna(value) else float(value)
    lead = latest[(latest["indicator"] == "research_lead") & (latest["country"] == WORLD)]
    for d, inputs in lead[["domain", "inputs"]].itertuples(index=False):
        out.setdefault(d, {})["lead_country"] = json.loads(inputs).get("first")
    for d in out:
        if out[d].get("monopoly_risk") is not None:
            out[d]["monopoly_risk"] = int(out[d]["monopoly_risk"])
    return out
