"""What each domain of the taxonomy asks the sources for: terms, codes, arXiv categories."""

from __future__ import annotations

import re

from horizon.config.taxonomy import Domain, Taxonomy


def domain_terms(domain: Domain, language: str = "en") -> list[str]:
    """A domain's surface forms in one language (`en`, `ja`, `abbr`), first mention first."""
    return list(dict.fromkeys(term for _, term in domain.terms(language)))


def subtech_names(domain: Domain, language: str = "ja") -> list[tuple[str, str]]:
    """(sub-technology slug, its first term in one language): one query term per sub-technology."""
    firsts: dict[str, str] = {}
    for slug, term in domain.terms(language):
        if term.strip():
            firsts.setdefault(slug, term.strip())
    return list(firsts.items())


def openalex_ids(domain: Domain) -> dict[str, list[str]]:
    """OpenAlex topic/subfield/field ids named in the taxonomy (display names are skipped)."""

    def ids(values: tuple[str, ...], pattern: str) -> list[str]:
        out = []
        for value in values:
            short = value.rsplit("/", 1)[-1]
            if re.fullmatch(pattern, short):
                out.append(short)
        return out

    signals = domain.openalex
    return {
        "topics.id": ids(signals.topics, r"T\d+"),
        "topics.subfield.id": ids(signals.subfields, r"\d+"),
        "topics.field.id": ids(signals.fields, r"\d+"),
    }


def code_prefixes(domain: Domain) -> list[tuple[str, str]]:
    """(scheme, prefix) of the domain's patent classes; scheme is cpc, ipc or both."""
    return [(c.scheme, c.prefix) for c in domain.codes]


def arxiv_sets(taxonomy: Taxonomy) -> list[str]:
    """OAI-PMH sets covering every arXiv category the taxonomy names (`cs`, `physics:quant-ph`)."""
    physics = {"astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th",
               "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph"}  # fmt: skip
    sets = []
    for domain in taxonomy.domains:
        for category in domain.arxiv:
            archive = category.split(".", 1)[0]
            sets.append(f"physics:{archive}" if archive in physics else archive)
    return list(dict.fromkeys(sets))


class TermMatcher:
    """Finds whether a text mentions any taxonomy term (English folded, abbreviations exact, Japanese)."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        en = {t.lower() for d in taxonomy.domains for t in domain_terms(d, "en")}
        abbr = {t for d in taxonomy.domains for t in domain_terms(d, "abbr")}
        self.ja = sorted({t for d in taxonomy.domains for t in domain_terms(d, "ja")})
        self.en = _word_regex(en, flags=re.IGNORECASE, plural=True)
        self.abbr = _word_regex(abbr, flags=0, plural=True)

    def matches(self, text: str) -> bool:
        """Whether the text names a term."""
        if self.en is not None and self.en.search(text):
            return True
        if self.abbr is not None and self.abbr.search(text):
            return True
        return any(term in text for term in self.ja)


def _word_regex(terms: set[str], flags: int, plural: bool) -> re.Pattern[str] | None:
    if not terms:
        return None
    alternation = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    suffix = "(?:e?s)?" if plural else ""
    return re.compile(rf"(?<![\w-])(?:{alternation}){suffix}(?![\w-])", flags)
