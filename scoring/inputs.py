"""Input frames → the long credit frame every indicator is computed from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from horizon.schemas import Sharing

#: Unknown or unreadable sharing labels are treated as the most restrictive.
_LEVELS = {s.value: s.level for s in Sharing}
_LABELS = {s.level: s.value for s in Sharing}


def decode_json(values: pd.Series, default: Any) -> list[Any]:
    """JSON text or already-decoded values → Python values; unreadable → `default`."""

    def one(v: Any) -> Any:
        if isinstance(v, str):
            try:
                v = json.loads(v)
            except ValueError:
                return default
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return default
        if isinstance(v, np.ndarray):
            return v.tolist()
        return v

    return [one(v) for v in values.tolist()]


def sharing_level(values: pd.Series) -> np.ndarray:
    """TLP label → level 0..4 (CLEAR..RED); unknown labels → RED."""
    text = values.astype("string").str.strip().str.upper().str.removeprefix("TLP:")
    text = text.str.replace("-", "+").str.replace("_", "+")
    red = Sharing.red.level
    return text.map(_LEVELS).fillna(red).astype("int64").to_numpy()


def sharing_label(levels: pd.Series | np.ndarray) -> list[str]:
    """Level 0..4 → TLP label."""
    return [_LABELS[int(v)] for v in np.asarray(levels)]


def _family(ids: Any, extra: Any) -> str | None:
    pool: list[Any] = list(ids) if isinstance(ids, list) else []
    if isinstance(extra, dict):
        if extra.get("family_id"):
            return f"family:{extra['family_id']}"
        if isinstance(extra.get("ids"), list):
            pool += extra["ids"]
    for i in pool:
        if isinstance(i, str) and i.startswith("family:"):
            return i
    return None


@dataclass(frozen=True)
class Prepared:
    """Scoring inputs, cleaned: one row per counted record × domain, and per × country."""

    #: record_id, domain, share, kind, date, year, cites, sharing_level, organizations.
    units: pd.DataFrame
    #: record_id, domain, kind, year, country, weight (fractional country weight), share.
    credit: pd.DataFrame
    #: Records dropped and why (future-dated, duplicate family members, unknown kind).
    dropped: dict[str, int]


def prepare(records: pd.DataFrame, assignments: pd.DataFrame, *, as_of: date) -> Prepared:
    """Join records to assignments, count patent families once, explode fractional countries."""
    recs = records.reset_index(drop=True)
    n = len(recs)
    kind = recs["kind"].astype("string").str.lower() if n else pd.Series([], dtype="string")
    dates = pd.to_datetime(
        recs["published_date"] if "published_date" in recs else pd.Series([None] * n),
        errors="coerce",
    )
    cites = pd.to_numeric(
        recs["cited_by_count"] if "cited_by_count" in recs else pd.Series([np.nan] * n),
        errors="coerce",
    )
    sharing = recs["sharing"] if "sharing" in recs else pd.Series(["CLEAR"] * n)
    base = pd.DataFrame(
        {
            "record_id": recs["record_id"].astype("string").to_numpy() if n else [],
            "kind": kind.to_numpy(),
            "date": dates.to_numpy(),
            "cites": cites.astype("float64").to_numpy(),
            "sharing_level": sharing_level(sharing) if n else np.array([], dtype="int64"),
            "row": np.arange(n),
        }
    )
    dropped: dict[str, int] = {}
    known = base["kind"].isin(["paper", "patent", "policy"])
    dropped["unknown_kind"] = int((~known).sum())
    future = base["date"] > pd.Timestamp(as_of)
    dropped["after_as_of"] = int((future & known).sum())
    base = base[known & ~future.fillna(False)]
    base = base.drop_duplicates("record_id", keep="first")

    asg = assignments[["record_id", "domain", "share"]].copy()
    asg["record_id"] = asg["record_id"].astype("string")
    asg["domain"] = asg["domain"].astype("string")
    asg["share"] = pd.to_numeric(asg["share"], errors="coerce").fillna(0.0).astype("float64")
    asg = asg[asg["share"] > 0]
    units = asg.merge(base, on="record_id", how="inner")

    # OECD/WIPO: the unit of invention is the patent family, counted once (earliest member).
    pat = units["kind"] == "patent"
    if pat.any():
        rows = units.loc[pat, "row"].unique()
        ids = decode_json(recs["ids"].iloc[rows], []) if "ids" in recs else [[]] * len(rows)
        extra = decode_json(recs["extra"].iloc[rows], {}) if "extra" in recs else [{}] * len(rows)
        fam = pd.Series([_family(i, e) for i, e in zip(ids, extra, strict=True)], index=rows)
        key = units.loc[pat, "row"].map(fam)
        key = key.fillna("record:" + units.loc[pat, "record_id"])
        members = units.loc[pat, ["record_id", "date"]].assign(family=key.to_numpy())
        members = members.drop_duplicates("record_id")
        rep = members.sort_values(["family", "date", "record_id"], na_position="last")
        rep = rep.drop_duplicates("family", keep="first")["record_id"]
        drop = pat & ~units["record_id"].isin(rep)
        dropped["patent_family_duplicates"] = int(units.loc[drop, "record_id"].nunique())
        units = units[~drop]
    units = units.reset_index(drop=True)
    units["year"] = units["date"].dt.year.astype("float64")
    units["month"] = units["date"].dt.month.astype("float64")

    # Fractional counting (Waltman & van Eck 2015): per-record country weights, summing to 1.
    rows = units["row"].drop_duplicates().to_numpy()
    lists = decode_json(recs["countries"].iloc[rows], []) if "countries" in recs else []
    lens = [len(x) if isinstance(x, list) else 0 for x in lists]
    flat = list(chain.from_iterable(x for x in lists if isinstance(x, list)))
    cw = pd.DataFrame(
        {
            "row": np.repeat(rows, lens),
            "country": [d.get("country") if isinstance(d, dict) else None for d in flat],
            "weight": [d.get("weight") if isinstance(d, dict) else None for d in flat],
        }
    )
    cw["country"] = cw["country"].astype("string").str.upper().str.strip()
    cw["weight"] = pd.to_numeric(cw["weight"], errors="coerce").fillna(0.0)
    cw = cw[cw["country"].str.fullmatch(r"[A-Z]{2}").fillna(False) & (cw["weight"] > 0)]
    cw = cw.groupby(["row", "country"], as_index=False)["weight"].sum()
    cw["weight"] = cw["weight"] / cw.groupby("row")["weight"].transform("sum")
    credit = units[["row", "record_id", "domain", "kind", "year", "month", "share", "cites"]].merge(
        cw, on="row", how="inner"
    )
    organizations = None
    if "organizations" in recs:
        organizations = pd.Series(decode_json(recs["organizations"].iloc[rows], []), index=rows)
    units["organizations"] = units["row"].map(organizations) if organizations is not None else None
    return Prepared(
        units=units.drop(columns="row"), credit=credit.drop(columns="row"), dropped=dropped
    )
