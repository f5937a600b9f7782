"""The scan and the previous one as an audience sees them, with its checks and the counts over
its visible corpus: what a scan's briefings in every language share, computed once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from flows.briefing_checks import scoped_checks
from flows.briefing_corpus import country_counts, source_snapshots, visible_labels, yearly_counts
from flows.briefing_scope import (
    Rescore,
    Scoped,
    member,
    read_assignments,
    read_scan,
    scope_scan,
)
from horizon.api import Reader
from horizon.schemas import Sharing
from horizon.store import Store


def previous_scan_id(store: Store, scan_id: str) -> str | None:
    """The newest completed scan that started before `scan_id`."""
    return Reader(store).previous_scan(scan_id)


def scope_both(
    store: Store,
    scan_id: str,
    audience: Sharing,
    rescore: Rescore | None,
    taxonomy: Any,
    weights: Any,
    mark_withheld: bool,
    restricted: set[str] | None,
) -> tuple[Scoped, Scoped | None, str | None, dict[str, Any] | None, list[Any], Counts]:
    """The scan and the previous one as the audience sees them, the scan's checks for it, the
    re-scorings made, and the counts over the visible corpus (the report's map, the trends, the
    sources); the scan's documents are then dropped but for the evidence's."""
    rescored: list[Any] = []
    labels = visible_labels(store, audience)
    scoped = scope_scan(
        read_scan(store, scan_id, audience=audience),
        audience,
        rescore=keeping(_named(rescore, store, scan_id, labels), rescored)
        if rescore is not None
        else None,
        taxonomy=taxonomy,
        weights=weights,
        mark_withheld=mark_withheld,
    )
    # read once the re-scoring is done with its memory: the rows of 4-5 per record
    assignments = read_assignments(store, scan_id, audience)
    scoped = replace(scoped, frames=replace(scoped.frames, assignments=assignments))
    checks = scoped_checks(store, scoped, restricted, taxonomy, weights)
    documents = len(scoped.frames.records)
    scoped = _slim(scoped)  # before the counts' rows and the previous scan are read beside it
    counts = Counts(
        documents=documents,
        countries=country_counts(store, scan_id, labels),
        trends=yearly_counts(store, scan_id, labels),
        snapshots=source_snapshots(store, scan_id, labels),
    )
    prev_id = previous_scan_id(store, scan_id)
    previous = (
        _scope_previous(store, prev_id, audience, rescore, labels, taxonomy, weights, mark_withheld)
        if prev_id
        else None
    )
    if previous is not None:  # its figures are what the briefing takes of it
        previous = replace(previous, frames=replace(previous.frames, records=_no_rows(previous)))
    return scoped, previous, prev_id, checks, rescored, counts


def _scope_previous(
    store: Store,
    prev_id: str,
    audience: Sharing,
    rescore: Rescore | None,
    labels: list[str],
    taxonomy: Any,
    weights: Any,
    mark_withheld: bool,
) -> Scoped:
    """The previous scan as the audience sees it: its figures and its withheld ids and titles.
    Where its re-scoring was kept and named (`flows.rescore_seen`), it is found by the digest of
    its visible records, and of those only the ids, titles and labels are read."""
    known = getattr(rescore, "known", None)
    found = known(store, prev_id, labels) if known is not None else None
    if found is not None:
        frames = read_scan(store, prev_id, documents=False, audience=audience, columns=_LIGHT)
        return scope_scan(frames, audience, rescore=lambda _records: found, taxonomy=taxonomy,
                          weights=weights, mark_withheld=mark_withheld)  # fmt: skip
    return scope_scan(
        read_scan(store, prev_id, documents=False, audience=audience),  # its scores, as seen
        audience,
        rescore=_named(rescore, store, prev_id, labels) if rescore is not None else None,
        taxonomy=taxonomy,
        weights=weights,
        mark_withheld=mark_withheld,
    )


#: What `scope_scan` reads of the previous scan's records when its figures were kept.
_LIGHT = '"record_id", "title", "sharing"'


def _named(rescore: Rescore, store: Store, scan_id: str, labels: list[str]) -> Rescore:
    """`rescore` for the records `labels` allow in a scan, named by their digest where it can
    be (a KeptRescore), so a later briefing finds it without reading them."""
    for_scan = getattr(rescore, "for_scan", None)
    return for_scan(store, scan_id, labels) if for_scan is not None else rescore


@dataclass(frozen=True)
class Counts:
    """What a briefing counts over the visible corpus, computed once for every language."""

    documents: int
    countries: pd.DataFrame
    trends: pd.DataFrame
    snapshots: dict[str, dict[str, Any]]


def _no_rows(scoped: Scoped) -> pd.DataFrame:
    return scoped.frames.records.iloc[:0]


def _slim(scoped: Scoped) -> Scoped:
    """The scoped scan with only the documents the tables still read: the evidence's records, and
    the assignments where the network is drawn from them (no stored network)."""
    f = scoped.frames
    ids = f.evidence["record_id"].dropna().unique() if "record_id" in f.evidence else []
    records = f.records[member(f.records["record_id"], ids)] if len(f.records) else f.records
    drawn = f.network_nodes.empty and f.network_edges.empty
    assignments = f.assignments if drawn else f.assignments.iloc[:0]
    return replace(scoped, frames=replace(f, records=records, assignments=assignments))


def keeping(rescore: Rescore, results: list[Any]) -> Rescore:
    """`rescore`, keeping each result (its class probabilities go to the report)."""

    def run(records: pd.DataFrame) -> Any:
        results.append(rescore(records))
        return results[-1]

    return run
