"""EPO OPS CQL built from the taxonomy: every class term is a full CPC/IPC symbol OPS accepts,
with `/low` (CPC only) for a subtree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawlers.spiders.patents_epo_ops import class_query, ops_class_terms
from crawlers.spiders.terms import code_prefixes
from horizon.config.taxonomy import load_taxonomy

TAXONOMY = Path(__file__).parents[2] / "data/config/taxonomy.yaml"
SUBCLASS = r"[A-HY]\d{2}[A-Z]"
#: A CPC term: subclass, main group `/00` or subgroup of at least two digits, below which /low reaches.
CPC_TERM = re.compile(rf"cpc=/low {SUBCLASS}(?:\d{{1,4}}/\d{{2,6}})?")
#: An IPC term (no /low for IPC): subclass, main group without `/00`, or a full subgroup.
IPC_TERM = re.compile(rf"ic={SUBCLASS}(?:\d{{1,4}}(?:/\d{{2,6}})?)?")


def test_every_class_query_of_the_committed_taxonomy_is_valid_ops_cql() -> None:
    taxonomy = load_taxonomy(TAXONOMY)
    queries = [class_query(code_prefixes(d)) for d in taxonomy.domains if d.codes]
    assert len(queries) >= 10
    for query in queries:
        assert query.startswith("(") and query.endswith(")")
        for term in query[1:-1].split(" or "):
            assert CPC_TERM.fullmatch(term) or IPC_TERM.fullmatch(term), (term, query)


@pytest.mark.parametrize(
    ("scheme", "prefix", "terms"),
    [
        ("cpc", "B25J", ["cpc=/low B25J"]),  # a whole subclass
        ("both", "C12N15/", ["cpc=/low C12N15/00", "ic=C12N15"]),  # a main group, every subgroup
        ("cpc", "G06N3", ["cpc=/low G06N3/00"]),
        ("both", "A61B34/30", ["cpc=/low A61B34/30", "ic=A61B34/30"]),  # a subgroup
        ("cpc", "H04L9/0852", ["cpc=/low H04L9/0852"]),
        ("cpc", "G06F30/3", ["cpc=/low G06F30/00"]),  # cut short: widened to its main group
        ("ipc", "G06N10", ["ic=G06N10"]),
    ],
)
def test_code_patterns_map_to_full_symbols(scheme: str, prefix: str, terms: list[str]) -> None:
    assert ops_class_terms(scheme, prefix) == terms


def test_a_term_inside_another_terms_subtree_is_left_out_and_junk_is_refused() -> None:
    query = class_query([("cpc", "A61B"), ("cpc", "A61B34/30"), ("cpc", "H01L21/"),
                         ("cpc", "H01L21/02"), ("cpc", "H01L23/")])  # fmt: skip
    assert query == "(cpc=/low A61B or cpc=/low H01L21/00 or cpc=/low H01L23/00)"
    with pytest.raises(ValueError, match="not a CPC/IPC code pattern"):
        ops_class_terms("cpc", "quantum")
