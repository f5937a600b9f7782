"""The notebook read API: the store opened read-only, its scans, list, indicators, evidence,
records, emerging terms, network and changes as DataFrames, plus the pure frame helpers behind them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from horizon.store import Store, StoreError
from horizon.workspace import Workspace

#: Statuses of a scan whose tables are complete enough to read (a running scan is never read).
DONE_STATUSES = ("completed", "partial")
#: Tables a newer store may hold; read when present, empty when not.
DIFF_TABLES = ("diffs", "scan_diffs")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Network:
    """A technology network: nodes (node_id, label, domain, weight) and edges (source, target, weight)."""

    nodes: pd.DataFrame
    edges: pd.DataFrame


def default_home(cwd: Path | None = None) -> Path:
    """`./data/workspace`, or `../data/workspace` when run from a subfolder such as `notebooks/`."""
    cwd = Path.cwd() if cwd is None else Path(cwd)
    candidates = [cwd / "data" / "workspace", cwd.parent / "data" / "workspace"]
    for home in candidates:
        if Workspace(home).warehouse.exists():
            return home
    return candidates[0]


def open_store(home: str | Path | None = None) -> Reader:
    """Open a workspace's store read-only (home defaults to `./data/workspace`)."""
    workspace = Workspace(Path(home) if home is not None else default_home())
    return Reader(workspace.store(read_only=True))


# --- pure helpers over frames ------------------------------------------------------------------


def parse_json(value: Any, default: Any = None) -> Any:
    """A JSON cell as Python (text, list or dict in, `default` for empty or broken text)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return default
    if isinstance(value, (list, dict)):
        return value
    if hasattr(value, "tolist"):
        return value.tolist()
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return default


def id_list(value: Any) -> list[str]:
    """Record ids held in a cell as a JSON list, an array or comma-separated text."""
    parsed = parse_json(value, None)
    if isinstance(parsed, list):
        return [str(v) for v in parsed if v is not None]
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return []


def format_countries(value: Any) -> str:
    """`[{country, weight}]` as `JP 0.50; US 0.50`."""
    items = parse_json(value, [])
    parts = [
        f"{c.get('country')} {float(c.get('weight') or 0):.2f}"
        for c in items
        if isinstance(c, dict) and c.get("country")
    ]
    return "; ".join(parts)


def join_evidence(evidence: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """Evidence rows with the title, url, date, kind, source and countries of their records."""
    cols = ["record_id", "title", "url", "published_date", "kind", "source", "countries"]
    recs = records.reindex(columns=cols).drop_duplicates("record_id")
    out = evidence.merge(recs, on="record_id", how="left")
    out["countries"] = out["countries"].map(format_countries)
    return out.sort_values(["domain", "axis", "rank"], na_position="last").reset_index(drop=True)


def record_shares(records: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """One row per (record, domain) with its share, date and countries."""
    cols = ["record_id", "published_date", "countries", "kind"]
    merged = assignments.reindex(columns=["record_id", "domain", "share"]).merge(
        records.reindex(columns=cols).drop_duplicates("record_id"), on="record_id", how="inner"
    )
    merged["share"] = pd.to_numeric(merged["share"], errors="coerce").fillna(0.0)
    return merged


def yearly_counts(records: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Fractional record counts per domain and publication year (domain, year, records)."""
    merged = record_shares(records, assignments)
    merged["year"] = pd.to_datetime(merged["published_date"], errors="coerce").dt.year
    return sum_by_year(merged.dropna(subset=["year"]))


def sum_by_year(rows: pd.DataFrame) -> pd.DataFrame:
    """`yearly_counts` of (domain, year, share) rows, one per record and domain with a year."""
    if rows.empty:
        return pd.DataFrame({"domain": [], "year": [], "records": []})
    out = rows.groupby(["domain", "year"], as_index=False)["share"].sum()
    out["year"] = out["year"].astype(int)
    return (
        out.rename(columns={"share": "records"})
        .sort_values(["domain", "year"])
        .reset_index(drop=True)
    )


def country_counts(records: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Fractional record counts per domain and country, with each country's share of the domain."""
    merged = record_shares(records, assignments)
    # each record's countries parsed once (a record has a row per domain), rows in the same order
    parsed: dict[Any, list[tuple[Any, float]]] = {}
    for rid, value in zip(merged["record_id"], merged["countries"], strict=True):
        if rid not in parsed:
            parsed[rid] = [
                (item["country"], float(item.get("weight") or 0.0))
                for item in parse_json(value, [])
                if isinstance(item, dict) and item.get("country")
            ]
    found = [parsed[rid] for rid in merged["record_id"]]
    lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    weights = np.fromiter((w for items in found for _, w in items), dtype=float)
    shares = np.repeat(merged["share"].to_numpy(dtype=float), lengths)
    out = (
        pd.DataFrame([], columns=["domain", "country", "records"])
        if not len(weights)
        else pd.DataFrame(
            {
                "domain": np.repeat(merged["domain"].to_numpy(dtype=object), lengths).tolist(),
                "country": [c for items in found for c, _ in items],
                "records": (weights * shares).tolist(),
            },
            columns=["domain", "country", "records"],
        )
    )
    return sum_by_country(out)


def sum_by_country(rows: pd.DataFrame) -> pd.DataFrame:
    """`country_counts` of (domain, country, records) rows, one per record, domain and country."""
    if rows.empty:
        return rows.assign(share=pd.Series(dtype=float))
    out = rows.groupby(["domain", "country"], as_index=False)["records"].sum()
    out["share"] = out["records"] / out.groupby("domain")["records"].transform("sum")
    return out.sort_values(["domain", "records"], ascending=[True, False]).reset_index(drop=True)


def diff_scores(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per domain: rank, class and composite before and after; moves beyond the rank band flagged."""
    keep = [
        "domain",
        "label_en",
        "label_ja",
        "rank",
        "rank_low",
        "rank_high",
        "class",
        "composite_score",
    ]
    b = before.reindex(columns=keep).drop(columns=["label_en", "label_ja", "rank_low", "rank_high"])
    out = after.reindex(columns=keep).merge(
        b, on="domain", how="outer", suffixes=("", "_before"), indicator=True
    )
    out["rank_change"] = out["rank_before"] - out["rank"]
    out["composite_change"] = out["composite_score"] - out["composite_score_before"]
    out["class_changed"] = (out["_merge"] == "both") & (out["class"] != out["class_before"])
    outside = (out["rank_before"] < out["rank_low"]) | (out["rank_before"] > out["rank_high"])
    out["beyond_band"] = (out["_merge"] == "both") & outside.fillna(False).astype(bool)
    out["status"] = "unchanged"
    out.loc[out["rank_change"].fillna(0) != 0, "status"] = "moved"
    out.loc[out["beyond_band"], "status"] = "moved_beyond_band"
    out.loc[out["class_changed"], "status"] = "class_changed"
    out.loc[out["_merge"] == "right_only", "status"] = "dropped"
    out.loc[out["_merge"] == "left_only", "status"] = "new"
    out = out.drop(columns="_merge")
    return out.sort_values(["rank", "rank_before"], na_position="last").reset_index(drop=True)


def normalise_network(nodes: pd.DataFrame, edges: pd.DataFrame) -> Network:
    """Network frames as (node_id, label, domain, weight) and (source, target, weight)."""

    def pick(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
        return next((n for n in names if n in frame.columns), None)

    src, dst = (
        pick(edges, ("source", "source_id", "node_a", "u")),
        pick(edges, ("target", "target_id", "node_b", "v")),
    )
    if src and dst:
        ew = pick(edges, ("weight", "count", "n"))
        e = pd.DataFrame({"source": edges[src].astype(str), "target": edges[dst].astype(str)})
        e["weight"] = (
            pd.to_numeric(edges[ew], errors="coerce").fillna(1.0).to_numpy() if ew else 1.0
        )
    else:
        e = pd.DataFrame({"source": [], "target": [], "weight": []})
    nid = pick(nodes, ("node_id", "node", "id", "term_id", "name", "label"))
    if nid is None:
        ids = sorted(set(e["source"]) | set(e["target"]))
        n = pd.DataFrame({"node_id": ids, "label": ids, "domain": None, "weight": 1.0})
    else:
        label = pick(nodes, ("label", "label_en", "text", "name")) or nid
        nw = pick(nodes, ("weight", "size", "count", "n_records", "degree"))
        n = pd.DataFrame({"node_id": nodes[nid].astype(str), "label": nodes[label].astype(str)})
        n["domain"] = nodes["domain"].to_numpy() if "domain" in nodes.columns else None
        n["weight"] = (
            pd.to_numeric(nodes[nw], errors="coerce").fillna(1.0).to_numpy() if nw else 1.0
        )
    n = n.drop_duplicates("node_id").reset_index(drop=True)
    e = e[e["source"].isin(n["node_id"]) & e["target"].isin(n["node_id"])].reset_index(drop=True)
    return Network(nodes=n, edges=e)


def network_from_assignments(
    assignments: pd.DataFrame, labels: dict[str, str] | None = None
) -> Network:
    """Domains linked by the records assigned to both (nodes weighted by fractional records)."""
    a = assignments.reindex(columns=["record_id", "domain", "share"]).dropna(
        subset=["record_id", "domain"]
    )
    weights = (
        a.assign(share=pd.to_numeric(a["share"], errors="coerce").fillna(0.0))
        .groupby("domain")["share"]
        .sum()
    )
    labels = labels or {}
    nodes = pd.DataFrame(
        {
            "node_id": weights.index.astype(str),
            "label": [labels.get(d, d) for d in weights.index],
            "domain": weights.index.astype(str),
            "weight": weights.to_numpy(),
        }
    )
    pairs = a.merge(a, on="record_id")
    pairs = pairs[pairs["domain_x"] < pairs["domain_y"]]
    edges = pairs.groupby(["domain_x", "domain_y"]).size().reset_index(name="weight")
    edges = edges.rename(columns={"domain_x": "source", "domain_y": "target"})
    edges["weight"] = edges["weight"].astype(float)
    return Network(nodes=nodes, edges=edges)


def neighbourhood(network: Network, domain: str) -> Network:
    """The nodes of a domain (by `domain` column or id) with their direct neighbours."""
    nodes, edges = network.nodes, network.edges
    seeds = set(nodes.loc[(nodes["domain"] == domain) | (nodes["node_id"] == domain), "node_id"])
    touching = edges[edges["source"].isin(seeds) | edges["target"].isin(seeds)]
    keep = seeds | set(touching["source"]) | set(touching["target"])
    return Network(
        nodes=nodes[nodes["node_id"].isin(keep)].reset_index(drop=True),
        edges=touching.reset_index(drop=True),
    )


def read_tables(
    store: Store, names: list[str], scan_id: str | None = None
) -> dict[str, pd.DataFrame]:
    """Several tables in one connection, of one scan where they have scan_id; absent ones empty."""
    with store.connect() as con:
        cols = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE table_name IN (SELECT unnest(?))",
            [list(names)],
        ).df()
        out: dict[str, pd.DataFrame] = {}
        for name in names:
            have = set(cols.loc[cols["table_name"] == name, "column_name"])
            if not have or not _IDENT.match(name):
                out[name] = pd.DataFrame()
            elif scan_id is not None and "scan_id" in have:
                out[name] = con.execute(f'SELECT * FROM "{name}" WHERE scan_id = ?', [scan_id]).df()
            else:
                out[name] = con.execute(f'SELECT * FROM "{name}"').df()
    return out


# --- the reader ------------------------------------------------------------------------------


class Reader:
    """Read-only access to a store for notebooks; every method returns a DataFrame (or Network)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def has_table(self, name: str) -> bool:
        """Whether the store holds a table of this name."""
        rows = self.store.query("SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [name])
        return not rows.empty

    def table(self, name: str, scan_id: str | None = None) -> pd.DataFrame:
        """Any table's rows (of one scan when it has a scan_id column); empty when absent."""
        return read_tables(self.store, [name], scan_id)[name]

    def corpus(self, table: str, scan_id: str | None = None) -> pd.DataFrame:
        """A record-keyed table (records, entities, assignments) as of a scan: newest versions."""
        return self.store.corpus(table, self.resolve(scan_id))

    def scans(self) -> pd.DataFrame:
        """Every scan, newest first (running ones included, with their status)."""
        return self.store.scans()

    def latest_scan(self) -> str | None:
        """The newest completed (or partial) scan; a scan still writing is skipped."""
        return self.store.latest_scan(DONE_STATUSES)

    def previous_scan(self, scan_id: str | None = None) -> str | None:
        """The newest completed scan that started before `scan_id` (before the latest by default)."""
        scan_id = self.resolve(scan_id)
        marks = ", ".join("?" for _ in DONE_STATUSES)
        rows = self.store.query(
            f"SELECT scan_id FROM scans WHERE status IN ({marks}) AND started_at <"
            " (SELECT started_at FROM scans WHERE scan_id = ?)"
            " ORDER BY started_at DESC, scan_id DESC LIMIT 1",
            [*DONE_STATUSES, scan_id],
        )
        return None if rows.empty else str(rows.iloc[0, 0])

    def resolve(self, scan_id: str | None) -> str:
        """The scan asked for, or the latest completed one; one-line StoreError when there is none."""
        if scan_id is not None:
            self.store.scan(scan_id)
            return scan_id
        latest = self.latest_scan()
        if latest is None:
            raise StoreError(f"{self.store.path}: no completed scan yet; run `horizon scan` first")
        return latest

    def priority_list(self, scan_id: str | None = None) -> pd.DataFrame:
        """The protect/nurture list of a scan, by rank."""
        scores = self.store.read("scores", self.resolve(scan_id))
        return scores.sort_values(["rank", "domain"], na_position="last").reset_index(drop=True)

    def indicators(self, domain: str | None = None, scan_id: str | None = None) -> pd.DataFrame:
        """Indicator rows of a scan (of one domain when given)."""
        where, params = ("domain = ?", [domain]) if domain else ("", None)
        out = self.store.read("indicators", self.resolve(scan_id), where, params)
        return out.sort_values(["domain", "indicator", "country", "window"]).reset_index(drop=True)

    def records(self, domain: str | None = None, scan_id: str | None = None) -> pd.DataFrame:
        """Records of a scan; for a domain, those assigned to it with share and confidence."""
        scan = self.resolve(scan_id)
        records = self.corpus("records", scan)
        if domain is None:
            return records
        a = self.corpus("assignments", scan)
        a = a.loc[a["domain"] == domain, ["record_id", "domain", "share", "confidence", "reason"]]
        return a.merge(records, on="record_id", how="inner").reset_index(drop=True)

    def evidence(self, domain: str | None = None, scan_id: str | None = None) -> pd.DataFrame:
        """Evidence rows of a domain (all domains with None) with their records' titles and links."""
        scan = self.resolve(scan_id)
        where, params = ("domain = ?", [domain]) if domain else ("", None)
        evidence = self.store.read("evidence", scan, where, params)
        ids = evidence["record_id"].unique().tolist()
        records = (
            self.store.read("records", scan, "record_id IN (SELECT unnest(?))", [ids])
            if ids
            else pd.DataFrame()
        )
        return join_evidence(evidence, records)

    def countries(self, domain: str | None = None, scan_id: str | None = None) -> pd.DataFrame:
        """Which countries lead: fractional record counts and shares per domain and country."""
        scan = self.resolve(scan_id)
        out = country_counts(self.corpus("records", scan), self.corpus("assignments", scan))
        return out[out["domain"] == domain].reset_index(drop=True) if domain else out

    def trends(self, domain: str | None = None, scan_id: str | None = None) -> pd.DataFrame:
        """Fractional record counts per domain and publication year."""
        scan = self.resolve(scan_id)
        out = yearly_counts(self.corpus("records", scan), self.corpus("assignments", scan))
        return out[out["domain"] == domain].reset_index(drop=True) if domain else out

    def score_history(self, domain: str | None = None) -> pd.DataFrame:
        """Axis and composite scores across every completed scan, oldest first."""
        done = self.scans()
        done = done[done["status"].isin(DONE_STATUSES)][["scan_id", "started_at"]]
        scores = (
            self.store.read("scores", None, "domain = ?", [domain])
            if domain
            else self.store.read("scores")
        )
        out = scores.merge(done, on="scan_id", how="inner")
        return out.sort_values(["started_at", "rank"]).reset_index(drop=True)

    def emerging_terms(
        self, domain: str | None = None, scan_id: str | None = None, language: str | None = None
    ) -> pd.DataFrame:
        """Emerging terms of a scan (empty where the store has none yet), strongest burst first."""
        terms = self.table("emerging_terms", self.resolve(scan_id))
        if terms.empty:
            return terms
        if domain and "domain_hint" in terms.columns:
            terms = terms[terms["domain_hint"] == domain]
        if language and "language" in terms.columns:
            terms = terms[terms["language"] == language]
        order = [c for c in ("burst_weight", "growth", "count") if c in terms.columns]
        return terms.sort_values(order, ascending=False).reset_index(drop=True) if order else terms

    def network(self, domain: str | None = None, scan_id: str | None = None) -> Network:
        """The technology network of a scan (domain co-assignment where none is stored)."""
        scan = self.resolve(scan_id)
        nodes, edges = self.table("network_nodes", scan), self.table("network_edges", scan)
        if nodes.empty and edges.empty:
            labels = dict(
                self.priority_list(scan)[["domain", "label_en"]].dropna().itertuples(index=False)
            )
            network = network_from_assignments(self.corpus("assignments", scan), labels)
        else:
            network = normalise_network(nodes, edges)
        return neighbourhood(network, domain) if domain else network

    def diff(self, from_scan: str, to_scan: str) -> pd.DataFrame:
        """What changed between two scans: a stored diff when there is one, else from the scores."""
        for name in DIFF_TABLES:
            stored = self.table(name)
            if not stored.empty and {"from_scan_id", "to_scan_id"} <= set(stored.columns):
                hit = stored[
                    (stored["from_scan_id"] == from_scan) & (stored["to_scan_id"] == to_scan)
                ]
                if not hit.empty:
                    return hit.reset_index(drop=True)
        return diff_scores(self.priority_list(from_scan), self.priority_list(to_scan))
