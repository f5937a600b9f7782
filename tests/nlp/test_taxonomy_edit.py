"""Promoting a term edits only its lines of the committed taxonomy; rejected phrases are kept."""

import datetime as dt
import difflib
import shutil
from pathlib import Path

import pytest

from horizon.config.loader import ConfigError
from horizon.config.taxonomy import load_taxonomy
from nlp.taxonomy_edit import promote_term, reject_term, rejected_terms

REPO = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 12, 7)


@pytest.fixture
def committed(tmp_path: Path) -> Path:
    path = tmp_path / "taxonomy.yaml"
    shutil.copyfile(REPO / "data/config/taxonomy.yaml", path)
    return path


def _diff(before: str, after: str) -> tuple[list[str], list[str]]:
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm=""))
    removed = [x[1:] for x in lines if x.startswith("-") and not x.startswith("---")]
    added = [x[1:] for x in lines if x.startswith("+") and not x.startswith("+++")]
    return removed, added


def test_promote_changes_only_the_list_line_the_note_and_the_version(committed):
    before = committed.read_text(encoding="utf-8")
    old = load_taxonomy(committed)
    slug = promote_term(committed, "movable antenna", domain="ict_networks", by="A. Tanaka",
                        why="bursting in eess.SP", today=DAY)  # fmt: skip
    after = committed.read_text(encoding="utf-8")
    removed, added = _diff(before, after)
    assert len(removed) == 2 and len(added) == 3
    assert removed[0] == f"version: {old.version}"
    major, month, release = old.version.split(".")
    assert added[0] == f"version: {major}.{month}.{int(release) + 1}"
    assert added[1] == removed[1][: removed[1].rindex("]")] + ", movable antenna]"
    assert added[2].strip() == (
        "# promoted 2026-12-07 by A. Tanaka: movable antenna (bursting in eess.SP)"
    )
    new = load_taxonomy(committed)
    sub = next(s for s in new.domain("ict_networks").subtechs if s.slug == slug)
    assert "movable antenna" in sub.terms.en
    assert new.version != old.version


def test_promote_refuses_a_term_of_another_domain_unless_forced(committed):
    taxonomy = load_taxonomy(committed)
    owner = taxonomy.domain("quantum").subtechs[0]
    term = owner.terms.en[0]
    before = committed.read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match="already a term of quantum/"):
        promote_term(committed, term.upper(), domain="ai_ml", today=DAY)
    assert committed.read_text(encoding="utf-8") == before
    with pytest.raises(ConfigError, match="already a term"):
        promote_term(committed, term, domain="quantum", subtech=owner.slug, today=DAY)
    promote_term(committed, term, domain="ai_ml", today=DAY, force=True)
    after = committed.read_text(encoding="utf-8")
    assert "also in quantum" in after
    assert len(_diff(before, after)[1]) == 3


def test_promote_quotes_a_term_with_a_comma(committed):
    promote_term(committed, "sensing, communication and computing", domain="ict_networks",
                 today=DAY)  # fmt: skip
    sub = load_taxonomy(committed).domain("ict_networks").subtechs[0]
    assert "sensing, communication and computing" in sub.terms.en


def test_rejected_phrases_are_remembered_once(tmp_path):
    path = tmp_path / "rejected_terms.jsonl"
    assert rejected_terms(path) == set()
    assert reject_term(path, "Real  World", by="K. Sato", why="boilerplate", today=DAY)
    assert not reject_term(path, "real world")
    assert rejected_terms(path) == {"real world"}
    assert path.read_text(encoding="utf-8").count("\n") == 1
