"""Briefings of one audience in both languages, and the next scan's comparison, score once."""

from pathlib import Path

import pandas as pd

import scoring
from flows import stages
from flows.stages import ScanContext
from horizon.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]


def test_rescore_is_kept_per_record_set_and_label(tmp_path, monkeypatch):
    store = Workspace(tmp_path).ensure().store()
    store.begin_scan("s1", demo=False, code_version="t", config_sha256={}, parameters={})
    calls = []

    def fake_score(records, assignments, entities, *args, **kwargs):
        calls.append(sorted(records["record_id"]))
        return {"scores": pd.DataFrame({"domain": ["quantum"], "n": [len(records)]})}

    monkeypatch.setattr(scoring, "score_domains", fake_score)
    ctx = ScanContext(home=str(tmp_path), config_dir=str(REPO / "data/config"), scan_id="s1",
                      as_of="2026-09-30")  # fmt: skip
    visible = pd.DataFrame({"record_id": ["doi:a", "doi:b"], "content_sha256": ["1", "2"],
                            "sharing": ["CLEAR", "GREEN"], "published_date": [None, None],
                            "cited_by_count": [1, 2]})  # fmt: skip
    first = stages.rescore_visible(ctx, visible)
    again = stages.rescore_visible(ctx, visible.iloc[::-1])  # same records, other order
    assert len(calls) == 1 and again["scores"].equals(first["scores"])
    later = ScanContext(home=str(tmp_path), config_dir=str(REPO / "data/config"), scan_id="s2",
                        as_of="2026-09-30")  # fmt: skip
    stages.rescore_visible(later, visible)  # next week's comparison with this scan
    assert len(calls) == 1
    stages.rescore_visible(ctx, visible.assign(sharing=["CLEAR", "AMBER"]))  # relabelled
    stages.rescore_visible(ctx, visible.assign(content_sha256=["1", "3"]))  # changed content
    stages.rescore_visible(ctx, visible.assign(cited_by_count=[3, 4]))  # new citation counts
    stages.rescore_visible(ctx, visible.iloc[:1])  # fewer records visible
    assert len(calls) == 5


def test_rescorings_unused_for_five_weeks_are_pruned(tmp_path, monkeypatch):
    import os
    import time

    Workspace(tmp_path).ensure()
    monkeypatch.setattr(scoring, "score_domains", lambda records, *a, **k: {"n": len(records)})
    ctx = ScanContext(home=str(tmp_path), config_dir=str(REPO / "data/config"), scan_id="s1",
                      as_of="2026-09-30")  # fmt: skip
    folder = tmp_path / "cache" / "rescore"
    old = pd.DataFrame({"record_id": ["doi:old"], "sharing": ["CLEAR"]})
    kept = pd.DataFrame({"record_id": ["doi:kept"], "sharing": ["CLEAR"]})
    stages.rescore_visible(ctx, old)
    stages.rescore_visible(ctx, kept)
    forty_days_ago = time.time() - 40 * 86_400
    for path in folder.glob("*.pkl"):
        os.utime(path, (forty_days_ago, forty_days_ago))
    stages.rescore_visible(ctx, kept)  # read: in use again
    stages.rescore_visible(ctx, pd.DataFrame({"record_id": ["doi:new"], "sharing": ["CLEAR"]}))
    assert len(list(folder.glob("*.pkl"))) == 2  # kept and new; old was pruned
