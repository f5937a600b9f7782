"""What each domain of the taxonomy asks the sources for: terms, codes, arXiv categories."""

from __future__ import annotations

import re

from horizon.config.taxonomy import Domain, Taxonomy


def domain_terms(domain: Domain, language: str = "en") -> list[str]:
    """A domain's surface forms in one language (`en`, `ja`, `abbr`), first mention first."""
    return list(dict.fromkeys(term for _, term in domain.terms(language)))


def query_terms(
    domain: Domain,
    language: str = "en",
    *,
    per_subtech: int = 1,
    abbreviations: frozenset[str] | None = None,
) -> list[str]:
    """Search terms that reach every sub-technology of a domain: the first `per_subtech` terms of
    each in `language`, then, where `abbreviations` is given (the unambiguous ones), each
    sub-technology's first abbreviation among them. Sub-technology order, no repeats."""
    picked: list[str] = []
    for sub in domain.subtechs:
        chosen: list[str] = []
        for term in getattr(sub.terms, language):
            if len(chosen) == per_subtech:
                break
            if not any(_variant(term, c) for c in chosen):  # "vaccine" reaches "vaccines"
                chosen.append(term)
        picked.extend(chosen)
    if abbreviations is not None:
        for sub in domain.subtechs:
            picked.extend([a for a in sub.terms.abbr if a in abbreviations][:1])
    return list(dict.fromkeys(t.strip() for t in picked if t and t.strip()))


def _variant(a: str, b: str) -> bool:
    """Whether two terms differ only by a plural ending or case (a search finds both)."""
    x, y = a.casefold(), b.casefold()
    return x == y or x in (y + "s", y + "es") or y in (x + "s", x + "es")


def unambiguous_abbreviations(taxonomy: Taxonomy) -> frozenset[str]:
    """Abbreviations safe to search for: every one but those with an everyday meaning in policy
    text (`context_terms`: PLC, HMI, GPS …), which would bring back unrelated documents."""
    everyday = set(taxonomy.context_terms)
    return frozenset(
        a for d in taxonomy.domains for a in domain_terms(d, "abbr") if a not in everyday
    )


def reached_subtechs(domain: Domain, terms: list[str]) -> set[str]:
    """Sub-technologies of `domain` one of whose terms (any language, abbreviations exactly,
    others case-folded) is among `terms`."""
    folded = {t.casefold() for t in terms}
    exact = set(terms)
    return {
        sub.slug
        for sub in domain.subtechs
        if any(t.casefold() in folded for t in (*sub.terms.en, *sub.terms.ja))
        or any(a in exact for a in sub.terms.abbr)
    }


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
