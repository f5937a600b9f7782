"""Checking the taxonomy file and promoting a reviewed term into it (YAML edited in place)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from horizon.config.loader import ConfigError
from horizon.config.taxonomy import Taxonomy, load_taxonomy
from nlp.normalize import normalize_term
from nlp.terms import collisions


@dataclass
class TaxonomyCheck:
    """Counts and cross-domain collisions of a taxonomy."""

    version: str
    domains: int
    subtechs: int
    terms: dict[str, int]
    collisions: dict[str, list[str]] = field(default_factory=dict)
    codes: int = 0
    arxiv_mapped: int = 0


def check_taxonomy(taxonomy: Taxonomy) -> TaxonomyCheck:
    """Term counts per language and the terms that name more than one domain."""
    counts = {"en": 0, "ja": 0, "abbr": 0}
    for d in taxonomy.domains:
        for s in d.subtechs:
            for lang in counts:
                counts[lang] += len(getattr(s.terms, lang))
    return TaxonomyCheck(
        version=taxonomy.version,
        domains=len(taxonomy.domains),
        subtechs=sum(len(d.subtechs) for d in taxonomy.domains),
        terms=counts,
        collisions=collisions(taxonomy),
        codes=sum(len(d.codes) for d in taxonomy.domains),
        arxiv_mapped=len(taxonomy.arxiv_gold_mapping.categories),
    )


#: Longest term, reviewer name and reason a promotion takes (characters).
TERM_LIMIT, NAME_LIMIT, WHY_LIMIT = 200, 100, 500
#: Characters a term, name or reason may not hold: line breaks and other control characters
#: (they would end the YAML comment or the list item and write keys of their own), and the
#: line and paragraph separators YAML also reads as breaks.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def check_text(what: str, value: str, *, limit: int, empty: bool = False) -> str:
    """A one-line, printable value of at most `limit` characters, else a one-line ConfigError."""
    if not empty and not value.strip():
        raise ConfigError(f"{what} is empty")
    bad = _UNSAFE.search(value)
    if bad:
        raise ConfigError(
            f"{what} holds a control character or line break ({bad.group(0)!r} at "
            f"{bad.start()}); give it on one line"
        )
    if len(value) > limit:
        raise ConfigError(f"{what} is {len(value)} characters long; at most {limit}")
    if value != value.strip():
        raise ConfigError(f"{what} begins or ends with spaces: {value!r}"[:300])
    return value


def promote_term(
    path: Path,
    term: str,
    *,
    domain: str,
    subtech: str | None = None,
    lang: str = "en",
    by: str = "analyst",
    why: str = "",
    today: dt.date | None = None,
) -> str:
    """Add a reviewed term to the taxonomy file, noting who/when/why in a YAML comment.

    Returns the sub-technology slug it went to. The rest of the file (order, comments) is kept;
    the result must still load, else nothing is written (ConfigError).
    """
    if lang not in ("en", "ja", "abbr"):
        raise ConfigError(f"--lang must be en, ja or abbr, got {lang!r}")
    check_text("term", term, limit=TERM_LIMIT)
    check_text("--by", by, limit=NAME_LIMIT)
    check_text("--why", why, limit=WHY_LIMIT, empty=True)
    taxonomy = load_taxonomy(path)
    target = taxonomy.domain(domain)
    sub = (
        next((s for s in target.subtechs if s.slug == subtech), None)
        if subtech
        else target.subtechs[0]
    )
    if sub is None:
        known = ", ".join(s.slug for s in target.subtechs)
        raise ConfigError(f"{domain} has no sub-technology {subtech!r}; known: {known}")
    key = normalize_term(term)
    existing = {normalize_term(t) for t in (*sub.terms.en, *sub.terms.ja, *sub.terms.abbr)}
    if key in existing:
        raise ConfigError(f"{term!r} is already a term of {sub.slug}")
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"))
    except YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise ConfigError(
            f"{path}: cannot edit as YAML ({exc.__class__.__name__}: {first})"
        ) from None
    node = next(d for d in data["domains"] if d["slug"] == domain)
    snode = next(s for s in node["subtechs"] if s["slug"] == sub.slug)
    terms = snode.setdefault("terms", {})
    if lang not in terms or terms[lang] is None:
        terms[lang] = []
    terms[lang].append(term)
    when = (today or dt.date.today()).isoformat()
    note = f"promoted {when} by {by}" + (f": {' '.join(why.split())}" if why else "")
    terms[lang].yaml_add_eol_comment(note, len(terms[lang]) - 1)
    tmp = Path(path).with_suffix(".yaml.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    try:
        written = load_taxonomy(tmp, require_japan_20=False).domain(domain)
        kept = next(s for s in written.subtechs if s.slug == sub.slug)
        if term not in getattr(kept.terms, lang):  # the YAML must give back the very term
            raise ConfigError(f"{term!r} does not read back from the YAML as written")
    except ConfigError:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return sub.slug
