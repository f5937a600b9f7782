"""What changed between two scans: rank moves beyond the band, class changes, new bursts,
new emerging terms, new foreign announcements per domain."""

from __future__ import annotations

from typing import Any

import pandas as pd

from scoring.inputs import decode_json

COLUMNS = ["domain", "change", "old_value", "new_value", "detail"]


def _frame(tables: Any, name: str) -> pd.DataFrame | None:
    if tables is None:
        return None
    if isinstance(tables, dict):
        return tables.get(name)
    return getattr(tables, name, None)


def _active_bursts(ind: pd.DataFrame | None) -> set[str]:
    if ind is None or ind.empty:
        return set()
    rows = ind[(ind["indicator"] == "foreign_burst_active") & (pd.to_numeric(ind["value"]) >= 1)]
    return set(rows["domain"])


def _terms(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["term", "domain"])
    col = "term" if "term" in frame else "text"
    out = pd.DataFrame({"term": frame[col].astype(str).str.strip().str.lower()})
    out["domain"] = frame["domain"].to_numpy() if "domain" in frame else None
    return out.drop_duplicates()


def diff_scans(
    old: Any,
    new: Any,
    *,
    old_emerging: pd.DataFrame | None = None,
    new_emerging: pd.DataFrame | None = None,
    old_records: pd.DataFrame | None = None,
    new_records: pd.DataFrame | None = None,
    home_country: str = "JP",
) -> pd.DataFrame:
    """Changes from `old` to `new` (ScoreTables or {"scores": …, "indicators": …} frames).

    Records frames may carry a `domain` column (records joined to assignments) so that new
    foreign announcements are reported per domain; otherwise their domain is left empty.
    """
    rows: list[tuple] = []
    so, sn = _frame(old, "scores"), _frame(new, "scores")
    if so is not None and sn is not None:
        both = so.merge(sn, on="domain", suffixes=("_old", "_new"))
        for r in both.itertuples(index=False):
            d = r._asdict()
            if not d["rank_low_old"] <= d["rank_new"] <= d["rank_high_old"]:
                rows.append((r.domain, "rank_move", float(d["rank_old"]), float(d["rank_new"]),
                             f"rank {d['rank_old']} → {d['rank_new']}, outside the previous band "
                             f"{d['rank_low_old']:.0f}–{d['rank_high_old']:.0f}"))  # fmt: skip
            if d["class_old"] != d["class_new"]:
                rows.append((r.domain, "class_change", d["class_old"], d["class_new"],
                             f"{d['class_old']} → {d['class_new']}"))  # fmt: skip
    for d in sorted(
        _active_bursts(_frame(new, "indicators")) - _active_bursts(_frame(old, "indicators"))
    ):
        rows.append((d, "new_burst", 0.0, 1.0, "foreign output entered a Kleinberg burst"))
    to, tn = _terms(old_emerging), _terms(new_emerging)
    fresh = tn[~tn["term"].isin(set(to["term"]))]
    for term, domain in fresh[["term", "domain"]].itertuples(index=False):
        rows.append((domain, "new_emerging_term", None, term, f"new emerging term {term!r}"))
    if old_records is not None and new_records is not None:
        rows += _announcements(old_records, new_records, home_country)
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(
        ["change", "domain"], kind="stable", na_position="last", ignore_index=True
    )


def _announcements(old: pd.DataFrame, new: pd.DataFrame, home: str) -> list[tuple]:
    """Foreign policy records in `new` that `old` did not have, counted per domain."""
    pol = new[(new["kind"].astype(str) == "policy") & ~new["record_id"].isin(set(old["record_id"]))]
    if pol.empty:
        return []
    countries = decode_json(pol["countries"], []) if "countries" in pol else [[]] * len(pol)
    foreign = [
        sorted({c.get("country") for c in cs if isinstance(c, dict) and c.get("country") != home})
        for cs in countries
    ]
    pol = pol.assign(foreign=[", ".join(f) for f in foreign])
    pol = pol[pol["foreign"] != ""]
    if "domain" not in pol:
        pol = pol.assign(domain=None)
    rows = []
    for domain, g in pol.groupby("domain", dropna=False, sort=True):
        ids = g["record_id"].drop_duplicates().astype(str).tolist()
        domain = None if pd.isna(domain) else domain
        who = sorted({c for f in g["foreign"] for c in f.split(", ")})
        rows.append((domain, "new_foreign_announcements", None, float(len(ids)),
                     f"{len(ids)} new from {', '.join(who)}: {', '.join(ids[:5])}"))  # fmt: skip
    return rows
