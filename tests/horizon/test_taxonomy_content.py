"""Content checks on data/config/taxonomy.yaml: order, depth, term hygiene, codes, mappings."""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from horizon.config import load_taxonomy
from horizon.config.taxonomy import DOMAIN_SLUGS, Taxonomy

#: A CPC/IPC prefix: class (`G21`), subclass (`B64G`), main group (`G06N3/`) or subgroup.
CODE_RE = re.compile(r"^(?:[A-HY]\d{2}(?:[A-Z](?:\d{1,4}/\d{0,6})?)?)$")
ARXIV_RE = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z-]+)?$")
#: Words that fire on non-technology text; they must never be a term on their own.
GENERIC = {
    "network", "networks", "model", "models", "system", "systems", "data", "energy", "security",
    "space", "technology", "platform", "intelligence", "innovation", "digital", "smart",
    "ネット", "データ", "システム", "ネットワーク", "エネルギー", "セキュリティ", "宇宙", "技術",
    "AI技術", "衛星", "レベル4",
}  # fmt: skip


@pytest.fixture(scope="module")
def taxonomy(repo_root: Path) -> Taxonomy:
    return load_taxonomy(repo_root / "data" / "config" / "taxonomy.yaml")


def normalise(term: str) -> str:
    """Key under which two surface forms count as the same term (NFKC, case-folded)."""
    return unicodedata.normalize("NFKC", term).casefold().strip()


def term_keys(taxonomy: Taxonomy, slug: str) -> list[tuple[str, str]]:
    """(key, surface) pairs of one domain; abbreviations keep their case (GaN is not GAN)."""
    domain = taxonomy.domain(slug)
    keys = [(normalise(t), t) for lang in ("en", "ja") for _, t in domain.terms(lang)]
    keys += [("abbr:" + t, t) for _, t in domain.terms("abbr")]
    return keys


def cross_domain_collisions(taxonomy: Taxonomy) -> dict[str, list[str]]:
    """Terms (normalised) that name sub-technologies in more than one domain."""
    where: dict[str, set[str]] = defaultdict(set)
    for slug in taxonomy.slugs:
        for key, _ in term_keys(taxonomy, slug):
            where[key].add(slug)
    return {k: sorted(v) for k, v in sorted(where.items()) if len(v) > 1}


def small_taxonomy(terms_by_domain: dict[str, dict[str, list[str]]]) -> Taxonomy:
    """A taxonomy built in memory from {domain: {language: terms}}."""
    domains = [
        {
            "slug": slug,
            "label_en": slug,
            "label_ja": slug,
            "subtechs": [{"slug": f"{slug}_core", "label_en": "x", "label_ja": "x", "terms": t}],
        }
        for slug, t in terms_by_domain.items()
    ]
    return Taxonomy.model_validate({"version": "0", "domains": domains})


def read_lines(path: Path) -> list[str]:
    """Lines of a UTF-8 text file."""
    return path.read_text(encoding="utf-8").splitlines()


def ipc_group_code(prefix: str) -> str:
    """`G01R33/035` -> `G01R0033035000`, the 14-character form of the WIPO titles file."""
    subclass, group = prefix[:4], prefix[4:]
    main, _, sub = group.partition("/")
    return f"{subclass}{int(main):04d}{sub.ljust(6, '0')}"


def test_twenty_official_domains_in_order(taxonomy):
    assert tuple(taxonomy.slugs) == DOMAIN_SLUGS
    assert re.match(r"^\d{4}\.\d{1,2}\.\d+$", taxonomy.version)
    assert taxonomy.version != "2026.11.0"


def test_term_totals(taxonomy):
    ja = sum(len(d.terms("ja")) for d in taxonomy.domains)
    assert taxonomy.term_count() >= 2000
    assert ja >= 600


def test_every_domain_has_depth(taxonomy):
    for domain in taxonomy.domains:
        assert len(domain.subtechs) >= 4, domain.slug
        assert len(domain.subtechs) <= 10, domain.slug
        assert domain.codes, domain.slug
        assert len(domain.terms("en")) >= 40, domain.slug
        assert len(domain.terms("ja")) >= 25, domain.slug
        assert domain.label_ja and domain.description, domain.slug
        assert any(domain.crosswalk.model_dump().values()), domain.slug
        for sub in domain.subtechs:
            assert sub.terms.en and sub.terms.ja, sub.slug
            assert sub.slug.islower(), sub.slug


def test_subtech_slugs_are_stable_snake_case(taxonomy):
    slugs = [s.slug for d in taxonomy.domains for s in d.subtechs]
    assert len(slugs) == len(set(slugs))
    assert all(re.match(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$", s) for s in slugs)


def test_terms_are_clean_and_not_generic(taxonomy):
    for domain in taxonomy.domains:
        for lang in ("en", "ja", "abbr"):
            for sub, term in domain.terms(lang):
                assert term and term == term.strip() and "  " not in term, (sub, term)
                assert term not in GENERIC and normalise(term) not in GENERIC, (sub, term)
        for sub, term in domain.terms("ja"):
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", term), (sub, term)


def test_abbreviations_are_short_forms(taxonomy):
    for domain in taxonomy.domains:
        for sub, term in domain.terms("abbr"):
            assert len(term) <= 10, (sub, term)
            assert any(c.isupper() or c.isdigit() for c in term), (sub, term)


def test_no_term_listed_twice_within_a_domain(taxonomy):
    for slug in taxonomy.slugs:
        keys = term_keys(taxonomy, slug)
        seen: dict[str, str] = {}
        for key, surface in keys:
            assert key not in seen, f"{slug}: {surface!r} repeats {seen[key]!r}"
            seen[key] = surface
        # An abbreviation that is also an English term differs only in case: redundant.
        english = {k for k, _ in keys if not k.startswith("abbr:")}
        for key, surface in keys:
            if key.startswith("abbr:"):
                assert normalise(surface) not in english, f"{slug}: {surface!r}"


def test_exclusions_never_name_a_term_of_their_own_subtech(taxonomy):
    for domain in taxonomy.domains:
        for sub in domain.subtechs:
            own = {normalise(t) for t in (*sub.terms.en, *sub.terms.ja, *sub.terms.abbr)}
            for phrase in sub.exclude:
                assert normalise(phrase) not in own, (sub.slug, phrase)


def test_collision_finder_reports_identical_terms_only():
    tax = small_taxonomy(
        {
            "alpha": {"en": ["Quantum Sensor", "radar"], "abbr": ["GaN"]},
            "beta": {"en": ["quantum sensor"], "ja": ["レーダー"], "abbr": ["GAN"]},
        }
    )
    assert cross_domain_collisions(tax) == {"quantum sensor": ["alpha", "beta"]}


def test_report_cross_domain_collisions(taxonomy):
    collisions = cross_domain_collisions(taxonomy)
    if collisions:
        listing = "; ".join(f"{k} -> {', '.join(v)}" for k, v in collisions.items())
        warnings.warn(f"{len(collisions)} terms shared across domains: {listing}", stacklevel=1)
    assert all(len(domains) >= 2 for domains in collisions.values())


def test_code_prefixes_are_well_formed_and_dated(taxonomy):
    for domain in taxonomy.domains:
        for code in domain.codes:
            assert CODE_RE.match(code.prefix), (domain.slug, code.prefix)
            assert code.scheme in {"cpc", "ipc", "both"}, (domain.slug, code)
            if code.prefix.startswith("Y"):
                assert code.scheme == "cpc", code.prefix
            start = date.fromisoformat(code.valid_from) if code.valid_from else date.min
            end = date.fromisoformat(code.valid_to) if code.valid_to else date.max
            assert start < end, (domain.slug, code)


def test_h01l_to_h10_move_is_date_aware(taxonomy):
    codes = [c for d in taxonomy.domains for c in d.codes]
    for code in codes:
        if code.prefix.startswith("H10"):
            assert code.valid_from and code.valid_from >= "2023-01-01", code.prefix
        if re.match(r"^H01L(27|29|31|33|35|39|45|51)/", code.prefix):
            assert code.valid_to and code.valid_to <= "2024-12-31", code.prefix
    semis = taxonomy.domain("semiconductors").codes
    assert any(c.prefix.startswith("H01L") and c.valid_to for c in semis)
    assert any(c.prefix.startswith("H10") and c.valid_from for c in semis)


def test_code_subclasses_exist_in_ipc_titles(taxonomy, shared_data):
    concordance = shared_data / "concordance"
    subclasses = {
        line.split("\t", 1)[0]
        for line in read_lines(concordance / "ipc_section_class_subclass_titles.tsv")
    }
    groups = {
        line.split("\t", 1)[0]
        for line in read_lines(concordance / "ipc_scheme_titles_all_levels.tsv")
    }
    for domain in taxonomy.domains:
        for code in domain.codes:
            if code.prefix.startswith("Y") or code.valid_from:
                continue  # CPC-only section, or newer than the titles file (IPC ≈ 2019)
            head = code.prefix[:4] if len(code.prefix) >= 4 else code.prefix
            assert head in subclasses, (domain.slug, code.prefix)
            if "/" in code.prefix and code.scheme != "cpc" and not code.valid_to:
                assert ipc_group_code(code.prefix) in groups, (domain.slug, code.prefix)


def test_arxiv_gold_mapping_is_documented_and_consistent(taxonomy):
    gold = taxonomy.arxiv_gold_mapping
    assert len(gold.note.splitlines()) >= 10
    assert gold.categories
    for category, domains in gold.categories.items():
        assert ARXIV_RE.match(category), category
        assert domains and len(domains) == len(set(domains)), category
        assert category in gold.note, category
    # General categories stay unmapped, so their records count as negatives.
    for general in ("math.CO", "cs.GT", "cs.GR", "hep-th", "cond-mat.stat-mech", "cs.ET"):
        assert general not in gold.categories
    # A domain's arXiv signals are exactly the gold categories that map to it.
    for domain in taxonomy.domains:
        expected = {c for c, ds in gold.categories.items() if domain.slug in ds}
        assert set(domain.arxiv) == expected, domain.slug


def test_arxiv_categories_exist(taxonomy, shared_data):
    path = shared_data / "concordance" / "arxiv_taxonomy" / "arxiv_taxonomy_definitions.json"
    known = json.loads(path.read_text(encoding="utf-8"))["CATEGORIES"]
    for category in taxonomy.arxiv_gold_mapping.categories:
        assert category in known and known[category]["is_active"], category
    for domain in taxonomy.domains:
        assert set(domain.arxiv) <= set(known), domain.slug


def test_crosswalk_names_are_the_official_ones(taxonomy, shared_data):
    reference = shared_data.parent / "reference" / "taxonomies.md"
    if not reference.exists():
        pytest.skip(f"{reference} not found")
    text = re.sub(r"\s+", " ", reference.read_text(encoding="utf-8"))
    for domain in taxonomy.domains:
        walk = domain.crosswalk
        for name in (*walk.us_cet_2024, *walk.eu_2023, *walk.aspi, *walk.jp_basic_plan_7):
            assert name in text, (domain.slug, name)
