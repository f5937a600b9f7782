"""Input frames → the long credit frame every indicator is computed from."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from horizon.schemas import Sharing

#: Unknown or unreadable sharing labels are treated as the most restrictive.
_LEVELS = {s.value: s.level for s in Sharing}
_LABELS = {s.level: s.value for s in Sharing}


def decode_json(values: pd.Series, default: Any) -> list[Any]:
    """JSON text or already-decoded values → Python values; unreadable → `default`.

    Text is decoded once per distinct value (country lists repeat a lot).
    """

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

    items = values.tolist()
    if items and all(isinstance(v, str) for v in items):
        cache = {u: one(u) for u in dict.fromkeys(items)}
        return [cache[v] for v in items]
    return [one(v) for v in items]


_COUNTRY_TYPE = pa.list_(pa.struct([("country", pa.string()), ("weight", pa.float64())]))


def _ndjson(values: pd.Series) -> bytes | None:
    """Each JSON text wrapped as {"v": …}, one per line, built in Arrow; None if not all text."""
    try:
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.fill_null(arr, "null")
    blank = pc.equal(pc.utf8_trim_whitespace(arr), "")
    arr = pc.if_else(blank, pa.scalar("null", pa.large_string()), arr)
    lt = pa.large_string()
    wrapped = pc.binary_join_element_wise(
        pa.scalar('{"v":', lt), arr, pa.scalar("}", lt), pa.scalar("", lt)
    )
    one = pa.LargeListArray.from_arrays(pa.array([0, len(arr)], pa.int64()), wrapped)
    return pc.binary_join(one, pa.scalar("\n", lt))[0].as_py().encode()


def explode_countries(values: pd.Series) -> pd.DataFrame:
    """Country lists → pos (row position in `values`), country, weight; vectorised for JSON text."""
    text = _ndjson(values) if len(values) else None
    if text is not None:
        try:
            table = pa_json.read_json(
                io.BytesIO(text),
                parse_options=pa_json.ParseOptions(
                    explicit_schema=pa.schema([("v", _COUNTRY_TYPE)]),
                    unexpected_field_behavior="ignore",
                    newlines_in_values=False,
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            table = None
        if table is not None and table.num_rows == len(values):
            col = table.column("v").combine_chunks()
            flat = pc.list_flatten(col)
            return pd.DataFrame(
                {
                    "pos": pc.list_parent_indices(col).to_numpy(zero_copy_only=False),
                    "country": flat.field("country").to_pandas(),
                    "weight": flat.field("weight").to_pandas(),
                }
            )
    lists = decode_json(values, [])
    lens = [len(x) if isinstance(x, list) else 0 for x in lists]
    flat_items = list(chain.from_iterable(x for x in lists if isinstance(x, list)))
    return pd.DataFrame(
        {
            "pos": np.repeat(np.arange(len(lists)), lens),
            "country": [d.get("country") if isinstance(d, dict) else None for d in flat_items],
            "weight": [d.get("weight") if isinstance(d, dict) else None for d in flat_items],
        }
    )


def family_ids(ids: pd.Series | None, extra: pd.Series | None, n: int) -> pd.Series:
    """`family:<id>` per row from the `ids` list or `extra` (family_id or ids), else missing."""
    out = pd.Series([None] * n, dtype="string")
    for col in (ids, extra):
        if col is None:
            continue
        col = col.reset_index(drop=True)
        text = col.map(lambda v: v if isinstance(v, str) else json.dumps(v, default=str))
        text = text.astype("string")
        found = text.str.extract(r'"(family:[^"]+)"', expand=False)
        named = text.str.extract(r'"family_id"\s*:\s*"?([^",}\s]+)', expand=False)
        found = ("family:" + named).fillna(found)
        out = out.fillna(found)
    return out


def sharing_level(values: pd.Series) -> np.ndarray:
    """TLP label → level 0..4 (CLEAR..RED); unknown labels → RED."""
    text = values.astype("string").str.strip().str.upper().str.removeprefix("TLP:")
    text = text.str.replace("-", "+").str.replace("_", "+")
    red = Sharing.red.level
    return text.map(_LEVELS).fillna(red).astype("int64").to_numpy()


def sharing_label(levels: pd.Series | np.ndarray) -> list[str]:
    """Level 0..4 → TLP label."""
    return [_LABELS[int(v)] for v in np.asarray(levels)]


@dataclass(frozen=True)
class Prepared:
    """Scoring inputs, cleaned: one row per counted record × domain, and per × country."""

    #: record_id, domain, share, kind, date, year, month, cites, sharing_level, row.
    units: pd.DataFrame
    #: record_id, domain, kind, year, country, weight (fractional country weight), share.
    credit: pd.DataFrame
    #: Records dropped and why (future-dated, duplicate family members, unknown kind).
    dropped: dict[str, int]
    #: Raw organisations (JSON text or lists) by `row` of `units`; decoded only where needed.
    organizations: pd.Series | None = None


#: Issuers that are no country: their policy records carry no `countries` (the parsers give a
#: country to national governments only), so their issuer is read from `extra.issuer` instead.
SUPRANATIONAL = ("EU",)


def issuer_countries(extra: pd.Series, units: pd.DataFrame, cw: pd.DataFrame) -> pd.DataFrame:
    """row, country, weight 1 for policy records without a country whose issuer is supranational
    (the EU): they count as foreign policy announcements instead of being dropped."""
    rows = units.loc[units["kind"] == "policy", "row"].drop_duplicates()
    rows = rows[~rows.isin(cw["row"])].to_numpy()
    decoded = decode_json(extra.iloc[rows], {}) if len(rows) else []
    issuer = pd.Series(
        [str(e.get("issuer") or "").upper() if isinstance(e, dict) else "" for e in decoded],
        dtype="object",
    )
    keep = issuer.isin(SUPRANATIONAL).to_numpy()
    return pd.DataFrame({"row": rows[keep], "country": issuer[keep].to_numpy(), "weight": 1.0})


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
            "record_id": pd.array(recs["record_id"].astype("string"), dtype="string"),
            "kind": pd.array(kind, dtype="string"),
            "date": pd.to_datetime(pd.Series(dates.to_numpy()), errors="coerce").to_numpy(),
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
        fam = family_ids(
            recs["ids"].iloc[rows] if "ids" in recs else None,
            recs["extra"].iloc[rows] if "extra" in recs else None,
            len(rows),
        )
        key = units.loc[pat, "row"].map(pd.Series(fam.to_numpy(), index=rows))
        key = key.fillna("record:" + units.loc[pat, "record_id"])
        members = units.loc[pat, ["record_id", "date"]].assign(family=key.to_numpy())
        members = members.sort_values(["family", "date", "record_id"], na_position="last")
        rep = members.groupby("family", sort=False)["record_id"].transform("first")
        drop = pd.Series(False, index=units.index)
        drop[members.index] = (rep != members["record_id"]).to_numpy()
        dropped["patent_family_duplicates"] = int(units.loc[drop, "record_id"].nunique())
        units = units[~drop]
    units = units.reset_index(drop=True)
    units["year"] = units["date"].dt.year.astype("float64")
    units["month"] = units["date"].dt.month.astype("float64")

    # Fractional counting (Waltman & van Eck 2015): per-record country weights, summing to 1.
    rows = units["row"].drop_duplicates().to_numpy()
    if "countries" in recs:
        cw = explode_countries(recs["countries"].iloc[rows])
        cw["row"] = rows[cw["pos"].to_numpy()]
    else:
        cw = pd.DataFrame({"row": [], "country": [], "weight": []})
    if "extra" in recs:
        cw = pd.concat([cw, issuer_countries(recs["extra"], units, cw)], ignore_index=True)
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
        organizations = pd.Series(recs["organizations"].iloc[rows].to_numpy(), index=rows)
    return Prepared(
        units=units, credit=credit.drop(columns="row"), dropped=dropped, organizations=organizations
    )
