"""Windows, full and fractional counts per domain × country × window."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from horizon.config.weights import Windows


def window_table(as_of: date, windows: Windows) -> pd.DataFrame:
    """Consecutive windows ending with `as_of`'s year, latest first: window, start, end."""
    ends = [as_of.year - i * windows.years for i in range(windows.count)]
    return pd.DataFrame(
        {
            "window": [f"{e - windows.years + 1}-{e}" for e in ends],
            "start": [e - windows.years + 1 for e in ends],
            "end": ends,
            "order": range(windows.count),
        }
    )


def assign_windows(frame: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Rows of `frame` (with `year`) inside a window, with its label; other rows dropped."""
    years = int(table["end"].iloc[0] - table["start"].iloc[0] + 1)
    idx = (table["end"].iloc[0] - frame["year"]) // years
    keep = idx.between(0, len(table) - 1)
    out = frame[keep].copy()
    out["window"] = table["window"].to_numpy()[idx[keep].astype("int64").to_numpy()]
    return out


def is_incomplete(units: pd.DataFrame, as_of: date, ratio: float) -> tuple[bool, dict[str, float]]:
    """Whether the last year is still being indexed: its volume < ratio × the year before's."""
    counted = units.drop_duplicates("record_id")
    last = float((counted["year"] == as_of.year).sum())
    previous = float((counted["year"] == as_of.year - 1).sum())
    # methods.md § Growth: recent years are incomplete (indexing lag); report completeness.
    flag = previous > 0 and last < ratio * previous
    return flag, {"last_year_records": last, "previous_year_records": previous}


def count_outputs(credit: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Full and fractional counts per domain, country, window and kind, times the domain share."""
    inside = assign_windows(credit, table)
    # Full counting: 1 per record a country takes part in; fractional: the country's weight
    # (methods.md § Counting). Both times the assignment share, so split records add up to 1.
    inside = inside.assign(full=inside["share"], frac=inside["share"] * inside["weight"])
    out = inside.groupby(["domain", "country", "window", "kind"], as_index=False, observed=True)[
        ["full", "frac"]
    ].sum()
    return out


def annual_series(
    frame: pd.DataFrame, value: str, first: int, last: int, domains: list[str]
) -> pd.DataFrame:
    """Domain × year table of a summed value, zero-filled from `first` to `last`."""
    inside = frame[(frame["year"] >= first) & (frame["year"] <= last)]
    table = inside.pivot_table(
        index="domain", columns="year", values=value, aggfunc="sum", fill_value=0.0
    )
    years = np.arange(first, last + 1)
    table.columns = table.columns.astype("int64")
    return table.reindex(index=domains, columns=years, fill_value=0.0).astype("float64")
