"""Protect / nurture / monitor by the rule stated in weights.yaml, ordered by composite."""

from __future__ import annotations

import numpy as np
import pandas as pd

from horizon.config.weights import ClassRule, Weights

CLASSES = ("protect", "nurture", "monitor")


def matches(axes: pd.DataFrame, rule: ClassRule) -> np.ndarray:
    """Domains whose axis scores satisfy every threshold the rule sets (bounds inclusive)."""
    ok = np.ones(len(axes), dtype=bool)
    js = axes["japan_strength_score"].to_numpy()
    fa = axes["foreign_activity_score"].to_numpy()
    se = axes["socioeconomic_score"].to_numpy()
    if rule.japan_strength_min is not None:
        ok &= js >= rule.japan_strength_min
    if rule.japan_strength_max is not None:
        ok &= js <= rule.japan_strength_max
    if rule.foreign_activity_min is not None:
        ok &= fa >= rule.foreign_activity_min
    if rule.socioeconomic_min is not None:
        ok &= se >= rule.socioeconomic_min
    if rule.pressure_min is not None:
        ok &= (fa >= rule.pressure_min) | (se >= rule.pressure_min)
    return ok


def classify(axes: pd.DataFrame, composite: np.ndarray, cfg: Weights) -> pd.DataFrame:
    """class (protect first, then nurture, else monitor) and class_rank by composite within it."""
    label = np.full(len(axes), "monitor", dtype=object)
    for name in ("protect", "nurture"):
        rule = cfg.classes.get(name)
        if rule is not None:
            label = np.where((label == "monitor") & matches(axes, rule), name, label)
    out = pd.DataFrame({"class": label, "composite": np.round(composite, 12)}, index=axes.index)
    out["class_rank"] = (
        out.groupby("class")["composite"].rank(method="min", ascending=False).astype("int64")
    )
    return out[["class", "class_rank"]]
