"""Small literal corpora for the scoring tests (written here, in the store's formats)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from horizon.config import Taxonomy, Weights, load_weights

REPO = Path(__file__).resolve().parents[2]


def taxonomy(slugs: tuple[str, ...] = ("alpha", "beta", "gamma")) -> Taxonomy:
    """A taxonomy with one sub-technology per domain."""
    return Taxonomy.model_validate(
        {
            "version": "test",
            "domains": [
                {
                    "slug": s,
                    "label_en": s.title(),
                    "label_ja": f"{s}領域",
                    "subtechs": [{"slug": f"{s}_core", "label_en": s, "label_ja": s}],
                }
                for s in slugs
            ],
        }
    )


def weights(**update: object) -> Weights:
    """The repository's weights.yaml, optionally with top-level fields replaced."""
    w = load_weights(REPO / "data/config/weights.yaml")
    return w.model_copy(update=update) if update else w


def records(rows: list[dict]) -> pd.DataFrame:
    """Records frame; `countries` given as {country: weight}, stored as JSON text."""
    out = []
    for r in rows:
        r = dict(r)
        cs = r.pop("countries", {})
        out.append(
            {
                "record_id": r.pop("record_id"),
                "kind": r.pop("kind", "paper"),
                "source": "test",
                "title": "t",
                "published_date": r.pop("date", "2024-06-01"),
                "countries": json.dumps([{"country": c, "weight": w} for c, w in cs.items()]),
                "organizations": json.dumps(r.pop("orgs", [])),
                "cited_by_count": r.pop("cites", None),
                "sharing": r.pop("sharing", "CLEAR"),
                "ids": json.dumps(r.pop("ids", [])),
                **r,
            }
        )
    return pd.DataFrame(out)


def assignments(pairs: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Assignments frame from (record_id, domain, share)."""
    return pd.DataFrame(
        [
            {
                "record_id": r,
                "domain": d,
                "confidence": 1.0,
                "share": s,
                "reason": "code",
                "sharing": "CLEAR",
            }
            for r, d, s in pairs
        ]
    )


def value(
    ind: pd.DataFrame, domain: str, country: str, indicator: str, window: str | None = None
) -> float:
    """One indicator value (latest window unless named)."""
    sel = ind[
        (ind["domain"] == domain) & (ind["country"] == country) & (ind["indicator"] == indicator)
    ]
    if window is not None:
        sel = sel[sel["window"] == window]
    else:
        sel = sel[sel["window"] == sel["window"].max()]
    assert len(sel) == 1, (domain, country, indicator, sel)
    return float(sel["value"].iloc[0])
