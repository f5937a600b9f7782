"""Sharing scope of a briefing: what an audience may see of a scan, and figures recomputed from it.

The information provider sets each document's TLP label; an export for audience X holds nothing
derived from documents labelled above X. Figures (scores, indicators, evidence, the network and the
emerging terms, with their minimums) are recomputed on the visible documents by a `rescore`
callable, or — only when asked and no rescoring is available — kept and marked as including
withheld material, the manifest naming what was kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from flows.briefing_corpus import (
    hidden_records,
    label_ok,
    visible_assignments,
    visible_labels,
    visible_records,
)
from horizon.api import id_list, read_tables
from horizon.schemas import Sharing
from horizon.store import Store

#: rescore(visible_records) -> an object (or mapping) with ScoreTables frames: scores, indicators,
#: evidence[, network_nodes, network_edges, emerging_terms], computed on those records only.
Rescore = Callable[[pd.DataFrame], Any]
FIGURE_TABLES = ("scores", "indicators", "evidence", "network_nodes", "network_edges")
WITHHELD_TEXT = "[withheld]"


class BriefingError(RuntimeError):
    """A briefing cannot be built; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class ScanFrames:
    """The tables of one scan a briefing reads."""

    scan: dict[str, Any]
    records: pd.DataFrame
    assignments: pd.DataFrame
    entities: pd.DataFrame
    scores: pd.DataFrame
    indicators: pd.DataFrame
    evidence: pd.DataFrame
    emerging_terms: pd.DataFrame
    network_nodes: pd.DataFrame
    network_edges: pd.DataFrame
    #: Set when read for one audience: records and assignments hold what it may see, `hidden`
    #: the id, title and label of every other record.
    hidden: pd.DataFrame | None = None
    audience: Sharing | None = None


@dataclass(frozen=True)
class Scoped:
    """A scan as one audience may see it."""

    frames: ScanFrames
    audience: Sharing
    withheld: dict[str, int]
    includes_withheld: bool
    withheld_ids: frozenset[str] = field(default_factory=frozenset)
    withheld_titles: frozenset[str] = field(default_factory=frozenset)
    #: Table → what of it was computed with withheld documents and kept (empty unless marked).
    kept: dict[str, str] = field(default_factory=dict)


#: What `--mark-withheld` keeps, per exported table, when no rescoring is available.
KEPT_WHEN_MARKED = {
    "priority_list": "scores, ranks, classes and rationales computed with withheld documents",
    "indicators": "computed with withheld documents",
    "emerging_terms": "terms, count, growth, burst_weight, weeks, sources and first_seen_date "
    "computed with withheld documents (examples: visible documents only)",
    "network": "edges and their weights computed with withheld documents",
}


#: The record columns scoring and briefings use: no body text, codes or raw-response hashes (at a
#: million records those are most of the memory a scan's frames take).
RECORD_COLUMNS = ", ".join(
    f'"{c}"'
    for c in (
        "record_id", "kind", "source", "title", "url", "published_date", "countries",
        "organizations", "cited_by_count", "sharing", "ids", "fetched_at",
        "content_sha256",
    )
)  # fmt: skip


#: What a briefing uses of assignments (counts, trends, the network) and of entities (what an
#: audience may see of the network, and how many entity rows were withheld).
ASSIGNMENT_COLUMNS = '"record_id", "domain", "share", "sharing"'
_IN_A = ", ".join(f"a.{c}" for c in ASSIGNMENT_COLUMNS.split(", "))
#: Entities are read counted by these and by their record's label (`record_sharing`, `n`): a
#: briefing needs how many rows an audience may see and which names, never the rows themselves.
ENTITY_KEYS = ["text", "term_id", "subtech", "domain", "sharing"]


def read_scan(
    store: Store,
    scan_id: str,
    *,
    documents: bool = True,
    audience: Sharing | None = None,
    columns: str = RECORD_COLUMNS,
) -> ScanFrames:
    """Read every table of a scan a briefing needs (absent optional tables come back empty).

    `documents=False` leaves the assignments and entities out (empty, with their columns): what
    a briefing takes of the previous scan is its figures, scoped by its records. With `audience`,
    the records are chosen by label in DuckDB (the others' ids and titles apart) and the
    assignments left out too: `read_assignments` reads the audience's when they are needed.
    `columns`: the record columns read (`record_id`, `title` and `sharing` at least).
    """
    if audience is not None:
        labels = visible_labels(store, audience)
        records = visible_records(store, scan_id, labels, columns)
        hidden = hidden_records(store, scan_id, labels)
    else:
        records = store.corpus("records", scan_id, columns)
        hidden = None
    assignments = store.corpus(
        "assignments", scan_id, ASSIGNMENT_COLUMNS, "" if documents and not audience else "false"
    )
    entities = (
        store.corpus_counts("entities", scan_id, ENTITY_KEYS)
        if documents
        else pd.DataFrame(columns=["record_sharing", *ENTITY_KEYS, "n"])
    )
    tables = (
        "scores",
        "indicators",
        "evidence",
        "emerging_terms",
        "network_nodes",
        "network_edges",
    )
    return ScanFrames(
        scan=store.scan(scan_id),
        records=records,
        assignments=assignments,
        entities=entities,
        **read_tables(store, list(tables), scan_id),
        hidden=hidden,
        audience=audience,
    )


def read_assignments(store: Store, scan_id: str, audience: Sharing) -> pd.DataFrame:
    """The assignments `scope_scan` keeps for the audience, chosen by label in DuckDB."""
    return visible_assignments(store, scan_id, visible_labels(store, audience), _IN_A)


def visible_mask(labels: pd.Series, audience: Sharing) -> pd.Series:
    """True where a label is at or below the audience; unknown or missing labels are withheld."""
    if not len(labels):
        return pd.Series([], dtype=bool)
    ok = [v for v in labels.dropna().unique() if label_ok(v, audience)]  # a few distinct labels
    return pd.Series(member(labels, ok), index=labels.index)


def member(values: pd.Series, allowed: Iterable[Any]) -> np.ndarray:
    """`values.isin(allowed)` as a bool array, through Arrow's hash lookup for strings (pandas'
    Arrow-string `isin` converts the allowed values one Python object at a time)."""
    allowed = list(allowed)
    if not len(values):
        return np.zeros(0, dtype=bool)
    if not all(isinstance(v, str) for v in allowed):
        return values.isin(allowed).to_numpy(dtype=bool)
    arr = pa.array(values.astype("string[pyarrow]"))
    found = pc.is_in(arr, value_set=pa.array(allowed, type=arr.type))
    return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def _own_label_ok(frame: pd.DataFrame, audience: Sharing) -> pd.Series:
    """Rows whose own `sharing` cell (where the table has one and it is set) is visible."""
    if "sharing" not in frame.columns or frame.empty:
        return pd.Series(True, index=frame.index)
    return frame["sharing"].isna() | visible_mask(frame["sharing"], audience)


def _by_record(frame: pd.DataFrame, visible_ids: pd.Series, audience: Sharing) -> pd.DataFrame:
    """Rows of a per-record table whose record is visible and whose own label is too."""
    if frame.empty or "record_id" not in frame.columns:
        return frame
    # the visible ids among the frame's: one hash lookup each way, no set of the whole corpus
    known = visible_ids[member(visible_ids, frame["record_id"].dropna().unique())]
    keep = member(frame["record_id"], known) & _own_label_ok(frame, audience).to_numpy()
    return frame[keep].reset_index(drop=True)


def _split(frames: ScanFrames, audience: Sharing) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The records the audience may see, and the id, title and label of the others."""
    if frames.audience is not None:
        if frames.audience != audience:
            raise ValueError(f"frames read for TLP:{frames.audience.value}, not {audience.value}")
        return frames.records, frames.hidden
    records = frames.records
    if records.empty:
        return records, records
    visible = visible_mask(records["sharing"], audience).to_numpy(dtype=bool)
    return records[visible].reset_index(drop=True), records.loc[~visible, ["record_id", "title"]]


def _withheld_titles(records: pd.DataFrame, hidden: pd.DataFrame) -> set[Any]:
    """Titles of withheld records that no visible record has."""
    if hidden.empty:
        return set()
    titles = set(hidden["title"])
    named = [t for t in titles if isinstance(t, str)]
    shown = set(records["title"][member(records["title"], named)]) if len(records) else set()
    if len(records) and records["title"].isna().any():  # a missing title is shown as well
        shown |= {t for t in titles if not isinstance(t, str)}
    return titles - shown


def _term_labels(records: pd.DataFrame, terms: pd.DataFrame) -> dict[str, str]:
    """Visible record id → its label, for the records the terms name."""
    if terms.empty or records.empty or "record_ids" not in terms.columns:
        return {}
    named = {i for cell in terms["record_ids"] for i in id_list(cell)}
    rows = records[member(records["record_id"], named)]
    return dict(zip(rows["record_id"], rows["sharing"], strict=True))


def _scope_entities(frame: pd.DataFrame, visible_ids: pd.Series, audience: Sharing) -> pd.DataFrame:
    """Entity rows the audience may see: by record (rows), or by record label (counted rows, as
    `read_scan` reads them: a record is visible exactly when its label is)."""
    if "record_sharing" not in frame.columns:
        return _by_record(frame, visible_ids, audience)
    if frame.empty:
        return frame
    keep = visible_mask(frame["record_sharing"], audience).to_numpy(dtype=bool) & _own_label_ok(
        frame, audience
    ).to_numpy(dtype=bool)
    return frame[keep].reset_index(drop=True)


def _entity_rows(frame: pd.DataFrame) -> int:
    """Entity rows a frame stands for (counted rows carry their count in `n`)."""
    return int(frame["n"].sum()) if "n" in frame.columns else len(frame)


def _frame(result: Any, name: str) -> pd.DataFrame:
    value = result.get(name) if isinstance(result, Mapping) else getattr(result, name, None)
    return value.copy() if isinstance(value, pd.DataFrame) else pd.DataFrame()


def _has(result: Any, name: str) -> bool:
    value = result.get(name) if isinstance(result, Mapping) else getattr(result, name, None)
    return isinstance(value, pd.DataFrame)


def scope_terms(
    terms: pd.DataFrame, labels: dict[str, str], audience: Sharing, *, mark_withheld: bool
) -> pd.DataFrame:
    """Stored terms the audience may see, given the labels of the visible records, where the terms
    could not be found again on the visible records alone.

    A term labelled above the audience rests on withheld records (they may be what brought it to
    the minimum of records, or into the list at all): it is dropped, unless figures are marked,
    when it stays with its visible examples alone. A term at or below the audience came from
    visible records only, but its burst weight was measured against every record of the scan's
    weeks, so unmarked it goes without it.
    """
    if terms.empty:
        return terms
    rows = []
    for row in terms.to_dict("records"):
        if label_ok(row.get("sharing"), audience):
            if not mark_withheld and "burst_weight" in row:
                row["burst_weight"] = None
            rows.append(row)
            continue
        ids = [i for i in id_list(row.get("record_ids")) if i in labels]
        if not ids or not mark_withheld:
            continue
        row["record_ids"] = ids
        row["sharing"] = max((Sharing.parse(labels[i]) for i in ids), key=lambda s: s.level).value
        rows.append(row)
    return pd.DataFrame(rows, columns=terms.columns)


def _public_nodes(
    nodes: pd.DataFrame, entities: pd.DataFrame, domains: set[str], audience: Sharing
) -> pd.Series:
    """Nodes that are domains of the list or name an entity of a visible document."""
    if nodes.empty:
        return pd.Series([], dtype=bool)
    seen = set(domains)
    for col in ("term_id", "text", "subtech", "domain"):
        if col in entities.columns:
            seen |= set(entities[col].dropna().astype(str))
    cols = [
        c
        for c in ("node_id", "node", "id", "term_id", "label", "text", "name")
        if c in nodes.columns
    ]
    named = pd.Series(False, index=nodes.index)
    for col in cols:
        named |= nodes[col].astype(str).isin(seen)
    return named & _own_label_ok(nodes, audience)


def scope_scan(
    frames: ScanFrames,
    audience: Sharing,
    *,
    rescore: Rescore | None,
    taxonomy: Any,
    weights: Any,
    mark_withheld: bool = False,
) -> Scoped:
    """The scan as `audience` may see it: documents filtered, figures recomputed or marked."""
    records, hidden = _split(frames, audience)
    visible_ids = records["record_id"] if not records.empty else pd.Series([], dtype=object)
    withheld_ids = set(hidden["record_id"]) if not hidden.empty else set()
    withheld_titles = _withheld_titles(records, hidden)
    out = replace(
        frames,
        records=records,
        assignments=frames.assignments
        if frames.audience is not None  # left to read_assignments
        else _by_record(frames.assignments, visible_ids, audience),
        entities=_scope_entities(frames.entities, visible_ids, audience),
        emerging_terms=frames.emerging_terms[_own_label_ok(frames.emerging_terms, audience)]
        if withheld_ids
        else frames.emerging_terms,
        hidden=None,
    )
    kept: dict[str, str] = {}
    if withheld_ids:
        if rescore is not None:  # recomputed: nothing computed with withheld documents is kept
            try:
                result = rescore(out.records)
            # a failure of scoring must never fall back to figures that include withheld documents
            except Exception as exc:
                text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise BriefingError(
                    f"scan {frames.scan['scan_id']}: re-scoring the documents visible to "
                    f"TLP:{audience.value} failed ({type(exc).__name__}: {text})"
                ) from exc
            figures = {name: _frame(result, name) for name in FIGURE_TABLES}
            if _has(result, "emerging_terms"):  # found again on the visible records (maybe none)
                terms = _frame(result, "emerging_terms")
                figures["emerging_terms"] = terms[_own_label_ok(terms, audience)]
            else:
                figures["emerging_terms"] = scope_terms(
                    frames.emerging_terms,
                    _term_labels(records, frames.emerging_terms),
                    audience,
                    mark_withheld=False,
                )
            figures["scores"] = _with_labels(figures["scores"], frames.scores, taxonomy)
            out = replace(out, **figures)
        elif mark_withheld:
            kept = dict(KEPT_WHEN_MARKED)
            domains = set(frames.scores["domain"]) if "domain" in frames.scores.columns else set()
            keep = _public_nodes(frames.network_nodes, out.entities, domains, audience)
            out = replace(
                out,
                network_nodes=frames.network_nodes[keep].reset_index(drop=True),
                emerging_terms=scope_terms(
                    frames.emerging_terms,
                    _term_labels(records, frames.emerging_terms),
                    audience,
                    mark_withheld=True,
                ),
            )
        else:
            raise BriefingError(
                f"scan {frames.scan['scan_id']}: {len(withheld_ids)} documents are above "
                f"TLP:{audience.value}; figures must be recomputed without them (no rescoring is "
                "available) or marked as including withheld material (--mark-withheld)"
            )
    evidence = _by_record(out.evidence, visible_ids, audience)
    out = replace(out, evidence=evidence)
    withheld = {
        "documents": len(withheld_ids),
        "evidence_rows": int(
            len(frames.evidence) - len(_by_record(frames.evidence, visible_ids, audience))
        ),
        # the scan's terms that rest on withheld documents (the audience's are found again)
        "emerging_terms": int((~_own_label_ok(frames.emerging_terms, audience)).sum()),
        "entities": _entity_rows(frames.entities) - _entity_rows(out.entities),
    }
    return Scoped(
        frames=out,
        audience=audience,
        withheld=withheld,
        includes_withheld=bool(kept),
        withheld_ids=frozenset(str(i) for i in withheld_ids),
        withheld_titles=frozenset(str(t) for t in withheld_titles),
        kept=kept,
    )


def _with_labels(scores: pd.DataFrame, stored: pd.DataFrame, taxonomy: Any) -> pd.DataFrame:
    """Rescored rows keep the domain labels (configuration, never document-derived)."""
    if scores.empty:
        return scores
    labels = {d.slug: (d.label_en, d.label_ja) for d in getattr(taxonomy, "domains", ())}
    if not stored.empty:
        for row in stored[["domain", "label_en", "label_ja"]].itertuples(index=False):
            labels.setdefault(row.domain, (row.label_en, row.label_ja))
    for i, name in enumerate(("label_en", "label_ja")):
        have = scores[name] if name in scores.columns else pd.Series(None, index=scores.index)
        scores[name] = have.where(
            have.notna(), scores["domain"].map(lambda d, i=i: labels.get(d, (d, d))[i])
        )
    return scores
