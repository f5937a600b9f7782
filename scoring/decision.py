"""Protect / nurture: each class its own score, and each class's probability over a Monte Carlo.

Strength is Japan's specialisation against its own all-field level (Balassa 1965 RTA; the Activity
Index on papers), so it does not move when another domain's data change. Probabilities: Poisson
bootstrap of documents (Efron & Tibshirani 1993; Hanley & MacGibbon 2006) × weights ×
normalisation × thresholds (JRC/OECD Handbook 2008, step 8; Saltelli et al. 2008).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from horizon.config.weights import Decision, Weights
from scoring.axes import aggregate, axis_weights, prepared_matrix
from scoring.citations import top_weights
from scoring.counting import assign_windows

CLASSES = ("protect", "nurture", "monitor")
#: The axes behind pressure (the first) and importance (both, with the composite weights).
PRESSURE_AXES = ("foreign_activity", "socioeconomic")
#: Per (record, domain): fractional paper, patent and top-10% output, all countries and home.
FEATURES = ("paper_all", "paper_home", "patent_all", "patent_home", "top_all", "top_home")
#: Strength measure → (its all-country feature, its home feature) in FEATURES.
MEASURES = {"activity_index": (0, 1), "rta_patents": (2, 3), "top10_relative": (4, 5)}
PROBABILITY_COLUMNS = [
    "domain", "strength_score", "pressure_score", "importance_score", "protect_score",
    "nurture_score", "p_protect", "p_nurture", "p_monitor", "stable_class", "home_papers",
    "home_patents", "home_top10", "small_counts",
]  # fmt: skip


@dataclass(frozen=True)
class Counts:
    """Record × domain × FEATURES output in the scored window (the bootstrap's unit: a record)."""

    domains: list[str]
    matrix: np.ndarray


def strength_counts(
    units: pd.DataFrame, credit: pd.DataFrame, table: pd.DataFrame, domains: list[str], cfg: Weights
) -> Counts:
    """Each record's fractional output per domain in the latest window, all countries and home."""
    latest = table["window"].iloc[0]
    c = credit[credit["kind"].isin(["paper", "patent"]) & credit["domain"].isin(domains)]
    c = assign_windows(c, table)
    c = c[c["window"] == latest]
    tops = top_weights(units, cfg.citations.top_share)[["record_id", "domain", "top_weight"]]
    c = c.merge(tops, on=["record_id", "domain"], how="left")
    v = (c["weight"] * c["share"]).to_numpy(dtype="float64")
    paper = (c["kind"] == "paper").to_numpy()
    home = (c["country"] == cfg.home_country).to_numpy()
    top = v * c["top_weight"].fillna(0.0).to_numpy(dtype="float64")
    feats = np.column_stack(
        [v * paper, v * paper * home, v * ~paper, v * ~paper * home, top, top * home]
    )
    rec, _ = pd.factorize(c["record_id"])
    dom = pd.Index(domains).get_indexer(c["domain"])
    matrix = np.zeros((rec.max() + 1 if len(rec) else 0, len(domains), len(FEATURES)))
    np.add.at(matrix, (rec, dom), feats)
    return Counts(domains=list(domains), matrix=matrix)


def strength(sums: np.ndarray, d: Decision) -> tuple[np.ndarray, np.ndarray]:
    """Japan's strength S ∈ [0, 1] (NaN: nothing to judge by) and which measures were capped.

    Per measure RTA = (home_f / all_f) / (home_total / all_total) (Balassa; Soete 1987), mapped to
    RTA/(1 + RTA); a home count below `min_count` is capped at the neutral RTA = 1 (a few documents
    can show weakness, not strength); a domain total below it is left out. `sums` is (..., D, F);
    returns S (..., D) and a boolean (..., D, measures) of capped or left-out measures.
    """
    total = sums.sum(axis=-2, keepdims=True)
    num = np.zeros(sums.shape[:-1])
    den = np.zeros(sums.shape[:-1])
    small = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, (a, h) in MEASURES.items():
            w = d.strength.get(name, 0.0)
            dom_all, dom_home = sums[..., a], sums[..., h]
            rta = (dom_home / dom_all) / (total[..., h] / total[..., a])
            usable = (dom_all >= d.min_count) & (total[..., h] > 0) & np.isfinite(rta)
            few = dom_home < d.min_count
            s = np.where(few, np.minimum(rta, 1.0), rta)
            s = s / (1.0 + s)
            num += np.where(usable, w * s, 0.0)
            den += np.where(usable, w, 0.0)
            small.append((few | ~usable) & (w > 0))
        out = np.where(den > 0, num / den, np.nan)
    return out, np.stack(small, axis=-1)


def decide(
    s: np.ndarray,
    pressure: np.ndarray,
    importance: np.ndarray,
    strong_min: np.ndarray | float,
    protect_min: np.ndarray | float,
    nurture_min: np.ndarray | float,
) -> np.ndarray:
    """Class index into CLASSES: protect if S > strong and S × pressure ≥ protect_min; nurture if
    S ≤ strong and importance × (1 − S) ≥ nurture_min; else (or S unknown) monitor."""
    with np.errstate(invalid="ignore"):
        strong = s > strong_min
        protect = strong & (s * pressure >= protect_min)
        nurture = (s <= strong_min) & (importance * (1.0 - s) >= nurture_min)
    return np.where(protect, 0, np.where(nurture, 1, 2))


def pressure_importance(fa: np.ndarray, se: np.ndarray, cw: np.ndarray) -> tuple:
    """Pressure = foreign activity; importance = foreign activity and socioeconomic, weighted."""
    total = cw[..., 0] + cw[..., 1]
    return fa, (cw[..., 0] * fa + cw[..., 1] * se) / np.where(total > 0, total, 1.0)


def _bootstrap(matrix: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n Poisson(1) resamples of the records' sums.

    Records with the same output vector are drawn together: a sum of m independent Poisson(1)
    counts is Poisson(m), so this is the same bootstrap with one draw per distinct vector.
    """
    flat = np.ascontiguousarray(matrix.reshape(len(matrix), matrix.shape[1] * matrix.shape[2]))
    rows = flat.view(np.dtype((np.void, flat.dtype.itemsize * flat.shape[1]))).ravel()
    _, first, size = np.unique(rows, return_index=True, return_counts=True)
    distinct = sparse.csr_matrix(flat[first])  # G × (D·F), a record sits in one to three domains
    k = rng.poisson(size.astype("float64"), size=(n, len(size))).astype("float64")
    return np.asarray((distinct.T @ k.T).T).reshape(n, *matrix.shape[1:])


def class_probabilities(
    counts: Counts, raw: pd.DataFrame, axes: pd.DataFrame, cfg: Weights
) -> pd.DataFrame:
    """Per domain: the class scores at the configured choices (`axes` as axis_scores gives them),
    and P(class) over the draws."""
    d = cfg.decision
    rng = np.random.default_rng(d.seed)
    n, domains = d.draws, counts.domains
    observed = counts.matrix.sum(axis=0)
    if d.bootstrap:
        sums = _bootstrap(counts.matrix, n, rng)
    else:
        sums = np.broadcast_to(observed, (n, *observed.shape))
    s_draw, _ = strength(sums, d)

    eff = axis_weights(raw, cfg)
    names = list(raw.columns)
    normed = np.stack([prepared_matrix(raw, cfg, m) for m in d.normalisations])
    values = normed[rng.integers(0, len(d.normalisations), size=n)]  # n × D × I
    jitter = d.weight_jitter
    drawn = {}
    for axis in PRESSURE_AXES:
        spec = eff[axis]
        w = np.array(list(spec.values())) * rng.uniform(1 - jitter, 1 + jitter, (n, len(spec)))
        v = values[:, :, [names.index(k) for k in spec]]
        drawn[axis] = aggregate(v, w, "arithmetic", cfg.geometric_floor)
    base_cw = np.array([cfg.composite.get(a, 0.0) for a in PRESSURE_AXES])
    cw = base_cw * rng.uniform(1 - jitter, 1 + jitter, (n, 2))
    p_draw, i_draw = pressure_importance(*drawn.values(), cw[:, None, :])
    t = np.array([d.strong_min, d.protect_min, d.nurture_min])
    t = t * rng.uniform(1 - d.threshold_jitter, 1 + d.threshold_jitter, (n, 3))
    codes = decide(s_draw, p_draw, i_draw, t[:, :1], t[:, 1:2], t[:, 2:])
    probs = np.stack([(codes == k).mean(axis=0) for k in range(len(CLASSES))], axis=-1)

    s_obs, small = strength(observed, d)
    fa, se = (axes[f"{a}_score"].to_numpy(dtype="float64") for a in PRESSURE_AXES)
    pressure, importance = pressure_importance(fa, se, base_cw)
    best = probs.argmax(axis=1)
    stable = np.where(probs.max(axis=1) >= d.stable_min, np.array(CLASSES)[best], "uncertain")
    measures = list(MEASURES)
    capped = [
        ", ".join(
            f"{m} ({observed[i, MEASURES[m][1]]:.1f})"
            for j, m in enumerate(measures)
            if small[i, j]
        )
        for i in range(len(domains))
    ]
    return pd.DataFrame(
        {
            "domain": domains,
            "strength_score": s_obs,
            "pressure_score": pressure,
            "importance_score": importance,
            "protect_score": s_obs * pressure,
            "nurture_score": importance * (1.0 - s_obs),
            "p_protect": probs[:, 0],
            "p_nurture": probs[:, 1],
            "p_monitor": probs[:, 2],
            "stable_class": stable,
            "home_papers": observed[:, 1],
            "home_patents": observed[:, 3],
            "home_top10": observed[:, 5],
            "small_counts": capped,
        },
        columns=PROBABILITY_COLUMNS,
    )


def classify(probabilities: pd.DataFrame, cfg: Weights) -> np.ndarray:
    """The class at the configured thresholds (no draws) from the scores class_probabilities gives."""
    d = cfg.decision
    p = probabilities
    return np.array(CLASSES)[
        decide(
            p["strength_score"].to_numpy(dtype="float64"),
            p["pressure_score"].to_numpy(dtype="float64"),
            p["importance_score"].to_numpy(dtype="float64"),
            d.strong_min,
            d.protect_min,
            d.nurture_min,
        )
    ]
