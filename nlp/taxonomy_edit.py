"""Checking the taxonomy file, promoting a reviewed term into it and remembering rejected phrases.

A promotion edits the YAML text line by line (the list that gains the term, one comment line with
who/when/why, the version line), so its diff shows only what was added.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from horizon.config.loader import ConfigError
from horizon.config.taxonomy import Taxonomy, load_taxonomy
from nlp.normalize import normalize_term
from nlp.terms import collisions

#: Terms that need no quotes inside a YAML flow sequence.
_PLAIN = re.compile(r"[^\s,\[\]{}#&*!|>'\"%@`:?-][^,\[\]{}#\"']*")
_VERSION = re.compile(r"^(version:[ \t]*)(\S+)(.*)$", re.M)


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
    force: bool = False,
) -> str:
    """Add a reviewed term to the taxonomy file, noting who/when/why, and bump its version.

    Returns the sub-technology slug it went to. A term another domain already has is refused
    unless `force` (a collision makes the term count for both). The result must still load, else
    nothing is written (ConfigError).
    """
    if lang not in ("en", "ja", "abbr"):
        raise ConfigError(f"--lang must be en, ja or abbr, got {lang!r}")
    term = " ".join(term.split())
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
    owners = {
        (d.slug, s.slug)
        for d in taxonomy.domains
        for s in d.subtechs
        if key in {normalize_term(t) for t in (*s.terms.en, *s.terms.ja, *s.terms.abbr)}
    }
    if any(d == domain for d, _ in owners):
        where = ", ".join(sorted(s for d, s in owners if d == domain))
        raise ConfigError(f"{term!r} is already a term of {where}")
    if owners and not force:
        where = ", ".join(sorted(f"{d}/{s}" for d, s in owners))
        raise ConfigError(
            f"{term!r} is already a term of {where}; promoting it to {domain} too makes it "
            "count for both (--force to do so anyway)"
        )
    text = Path(path).read_text(encoding="utf-8")
    yaml = YAML()
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise ConfigError(
            f"{path}: cannot edit as YAML ({exc.__class__.__name__}: {first})"
        ) from None
    when = (today or dt.date.today()).isoformat()
    version = _bump_version(taxonomy.version)
    note = (
        f"promoted {when} by {' '.join(by.split())}: {term}"
        + (f" ({' '.join(why.split())})" if why else "")
        + (f"; also in {', '.join(sorted(d for d, _ in owners))}" if owners else "")
    )
    edited = _insert_term(text, data, domain, sub.slug, lang, term, note)
    edited, n = _VERSION.subn(lambda m: m.group(1) + version + m.group(3), edited, count=1)
    if n != 1:
        raise ConfigError(f"{path}: no top-level version line to bump")
    tmp = Path(path).with_suffix(".yaml.tmp")
    tmp.write_text(edited, encoding="utf-8")
    try:
        load_taxonomy(tmp, require_japan_20=False)
    except ConfigError:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return sub.slug


def rejected_terms(path: Path) -> set[str]:
    """Normalised phrases an analyst rejected (one JSON object a line), so they stay out."""
    if not Path(path).exists():
        return set()
    out = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.add(normalize_term(json.loads(line)["term"]))
    return out


def reject_term(
    path: Path, term: str, *, by: str = "analyst", why: str = "", today: dt.date | None = None
) -> bool:
    """Remember a rejected candidate phrase (appended with who/when/why); False if it already was."""
    if normalize_term(term) in rejected_terms(path):
        return False
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    row = {"term": " ".join(term.split()), "by": by, "why": " ".join(why.split()),
           "rejected_date": (today or dt.date.today()).isoformat()}  # fmt: skip
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return True


def _quote(term: str) -> str:
    """The term as a YAML flow-sequence item: plain when safe, else double-quoted."""
    if _PLAIN.fullmatch(term) and term == term.strip():
        return term
    return json.dumps(term, ensure_ascii=False)


def _bump_version(version: str) -> str:
    """`2026.12.1` → `2026.12.2` (year.month.release: a promoted term is a minor release within
    the month); any version's trailing number goes up by one, one without gets `.1`."""
    match = re.search(r"(\d+)$", str(version))
    if match is None:
        return f"{version}.1"
    return f"{version[: match.start()]}{int(match.group(1)) + 1}"


def _flow_end(lines: list[str], row: int, col: int) -> tuple[int, int] | None:
    """Line and column of the `]` closing the flow sequence that opens at or after (row, col)."""
    depth, quote = 0, ""
    for r in range(row, len(lines)):
        line = lines[r]
        for c in range(col if r == row else 0, len(line)):
            ch = line[c]
            if quote:
                quote = "" if ch == quote and line[c - 1] != "\\" else quote
            elif ch in "\"'":
                quote = ch
            elif ch == "#" and (c == 0 or line[c - 1] in " \t"):
                break
            elif ch == "[":
                depth += 1
            elif ch == "]":
                depth -= 1
                if depth == 0:
                    return r, c
    return None


def _insert_term(text: str, data, domain: str, slug: str, lang: str, term: str, note: str) -> str:
    """`text` with `term` added to domain/slug's `lang` list and the note on a comment line below.

    Only the line holding the list changes (or one line is added), plus the comment line; the rest
    of the file is byte-for-byte what it was.
    """
    lines = text.splitlines(keepends=True)
    node = next(d for d in data["domains"] if d["slug"] == domain)
    snode = next(s for s in node["subtechs"] if s["slug"] == slug)
    terms = snode["terms"]
    item = _quote(term)
    if lang in terms and terms[lang] is not None:
        key_row, key_col = terms.lc.key(lang)
        indent = " " * key_col
        seq = terms[lang]
        if seq.fa.flow_style() or not len(seq):
            end = _flow_end(lines, key_row, key_col)
            if end is None:
                raise ConfigError(f"{domain}/{slug} terms.{lang}: cannot find the end of the list")
            row, col = end
            line = lines[row]
            before = line[:col].rstrip()
            sep = "" if before.endswith("[") else ", "
            lines[row] = line[:col].rstrip() + sep + item + line[col:]
        else:
            row, col = seq.lc.item(len(seq) - 1)
            row = _last_line_of_item(lines, row, col)
            lines.insert(row + 1, " " * (col - 2) + "- " + item + "\n")
            row += 1
    else:
        key_row, key_col = terms.lc.key(next(reversed(list(terms))))
        indent = " " * key_col
        row = key_row
        lines.insert(row + 1, f"{indent}{lang}: [{item}]\n")
        row += 1
    lines.insert(row + 1, f"{indent}# {note}\n")
    return "".join(lines)


def _last_line_of_item(lines: list[str], row: int, col: int) -> int:
    """The last line of a block-sequence item starting at `row` (continuation lines are deeper)."""
    while row + 1 < len(lines):
        nxt = lines[row + 1]
        if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= col - 2:
            break
        row += 1
    return row
