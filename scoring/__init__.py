"""Indicators, axes, composite with uncertainty, protect/nurture list, network, checks and diffs."""

from scoring.checks import check_invariants
from scoring.diff import diff_scans
from scoring.judgements import Judgement, Judgements, load_judgements
from scoring.pipeline import ScoreTables, score_domains

__all__ = [
    "Judgement",
    "Judgements",
    "ScoreTables",
    "check_invariants",
    "diff_scans",
    "load_judgements",
    "score_domains",
]
