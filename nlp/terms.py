"""The taxonomy's terms as one Aho-Corasick automaton over normalised text, with boundary checks."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

import ahocorasick

from horizon.config.taxonomy import Taxonomy
from nlp.normalize import _SPACES, Offsets, normalize_term, to_original


class Entry(NamedTuple):
    """What a matched key means for one sub-technology."""

    term_id: str
    subtech: str
    domain: str
    #: NFKC surface that must match case-sensitively (abbreviations), else None.
    exact: str | None


class Hit(NamedTuple):
    """A technology term found in a text (offsets into the original text)."""

    start: int
    end: int
    entry: Entry


@dataclass
class TermIndex:
    """An automaton over normalised taxonomy terms; values are (length, entries, excluded subtechs)."""

    automaton: ahocorasick.Automaton
    keys: dict[str, tuple[Entry, ...]] = field(default_factory=dict)
    #: Space-padded keys over punctuation-free text: word boundaries checked inside the automaton.
    words: ahocorasick.Automaton | None = None
    version: str = ""

    def __len__(self) -> int:
        return len(self.keys)


def term_id(subtech: str, term: str) -> str:
    """Stable id of a term: `subtech/normalised-term`."""
    return f"{subtech}/{normalize_term(term)}"


def build_term_index(taxonomy: Taxonomy) -> TermIndex:
    """Index every en/ja/abbr term (normalised, lowercased); exclusions are indexed to veto."""
    entries: dict[str, list[Entry]] = {}
    vetoes: dict[str, set[str]] = {}
    for domain in taxonomy.domains:
        for sub in domain.subtechs:
            for kind in ("en", "ja", "abbr"):
                for term in getattr(sub.terms, kind):
                    key = normalize_term(term)
                    if not key:
                        continue
                    exact = unicodedata.normalize("NFKC", term.strip()) if kind == "abbr" else None
                    entry = Entry(term_id(sub.slug, term), sub.slug, domain.slug, exact)
                    bucket = entries.setdefault(key, [])
                    if all(e.subtech != sub.slug or e.exact != exact for e in bucket):
                        bucket.append(entry)
            for phrase in sub.exclude:
                key = normalize_term(phrase)
                if key:
                    vetoes.setdefault(key, set()).add(sub.slug)
    automaton = ahocorasick.Automaton()
    keys: dict[str, tuple[Entry, ...]] = {}
    for key in set(entries) | set(vetoes):
        veto = frozenset(vetoes.get(key, ()))
        kept = tuple(e for e in entries.get(key, ()) if e.subtech not in veto)
        keys[key] = kept
        automaton.add_word(key, (len(key), kept, veto))
    words = ahocorasick.Automaton()
    plains = {key: " ".join(key.translate(_PUNCT).split()) for key in keys}
    # Keys that differ only by punctuation ("crispr-cas9", "crispr/cas9") share one padded key:
    # the one already written without punctuation wins, else the first in sorted order.
    ordered = [
        k
        for k in sorted(keys, key=lambda k: (k != plains[k], k))
        if plains[k] and _is_word_char(plains[k][0]) and _is_word_char(plains[k][-1])
    ]
    for plural in (0, 1):  # every term first, then English plurals where no term is spelt so
        for key in ordered:
            plain = plains[key] + "s" * plural
            if f" {plain} " in words or (plural and (not plain[-2].isalpha() or plain in keys)):
                continue
            value = (len(plain), keys[key], frozenset(vetoes.get(key, ())))
            words.add_word(f" {plain} ", value)
            # punctuation followed by a space leaves two in the text ("positioning, navigation"):
            # the term as written, punctuation blanked but not folded, matches that too
            spaced = key.translate(_PUNCT).strip() + "s" * plural
            if spaced != plain and f" {spaced} " not in words:
                words.add_word(f" {spaced} ", (len(spaced), *value[1:]))
    if keys:
        automaton.make_automaton()
    if len(words):
        words.make_automaton()
    return TermIndex(automaton=automaton, keys=keys, words=words if len(words) else None,
                     version=taxonomy.version)  # fmt: skip


#: ASCII punctuation (and typographic quotes) → space, same length; `+` and `#` stay (C++, C#).
_PUNCT = str.maketrans(
    dict.fromkeys("!\"$%&'()*,./:;<=>?@[\\]^_`{|}~\u2018\u2019\u201c\u201d\u2022\u00b7", " ")
)


#: For ASCII text: what `normalize_text` and then `_PUNCT` do, as one byte table (lowercasing too).
_ASCII_WORDS = {**_SPACES, **_PUNCT}
_ASCII_BYTES = bytes(
    ord(_ASCII_WORDS.get(ord(chr(b).lower()), chr(b).lower())) if b < 128 else b for b in range(256)
)


def match_words(index: TermIndex, norm: str, original: str, offsets: Offsets = None) -> list[Hit]:
    """Term hits in space-delimited text: the padded automaton only reports whole-word matches."""
    if index.words is None:
        return []
    return _padded_hits(index.words, f" {norm.translate(_PUNCT)} ", original, offsets)


def match_ascii(index: TermIndex, text: str) -> list[Hit]:
    """`match_words` for `text.isascii()` text, normalised here (offsets are then the identity)."""
    if index.words is None:
        return []
    plain = text.encode("ascii").translate(_ASCII_BYTES).decode("ascii")
    return _padded_hits(index.words, f" {plain} ", text, None)


_SPAN = itemgetter(0, 1)


def _padded_hits(words: ahocorasick.Automaton, padded: str, original: str, offsets: Offsets):
    # (start, -end, ...): leftmost-longest first, by a C-level key (ties keep the automaton's order)
    found = [
        (end - 1 - length, 1 - end, entries, veto)
        for end, (length, entries, veto) in words.iter(padded)
    ]
    if not found:
        return []
    if len(found) > 1:
        found.sort(key=_SPAN)
    return _resolve_sorted(found, original, offsets)


def _is_word_char(ch: str) -> bool:
    """Latin letters and digits glue words together; CJK characters do not (no spaces in Japanese)."""
    return ch.isalnum() and ord(ch) < 0x2E80


def _is_katakana(ch: str) -> bool:
    """Katakana letters and the long-vowel mark; the middle dot 「・」 separates words."""
    return "\u30a1" <= ch <= "\u30fc" and ch != "\u30fb"


def _edge_ok(prev: str, first: str, tokens: bool = False) -> bool:
    """Whether a term may start (or end) beside `prev`. With token edges to check (`tokens`), a
    katakana term inside a katakana run is left to them: Sudachi splits インフルエンザ|ワクチン but
    not エクセル."""
    if _is_word_char(first):
        return not _is_word_char(prev)
    if _is_katakana(first):
        return tokens or not _is_katakana(prev)
    return True


def match_terms(
    index: TermIndex,
    norm: str,
    original: str,
    offsets: Offsets = None,
    boundaries: Collection[int] | Callable[[], Collection[int]] | None = None,
) -> list[Hit]:
    """Longest non-overlapping term hits in `norm` (normalised `original`), offsets in `original`.

    Latin-edged terms need non-alphanumeric neighbours ("GaN" not inside "organ"); katakana-edged
    terms must not sit inside a longer katakana word; with `boundaries` (token edges from Sudachi,
    as offsets in `original`, or a function computing them, called only if a candidate needs them),
    CJK-edged terms must start and end on a token edge. Abbreviations must match case-sensitively.
    """
    if not index.keys:
        return []
    found: list[tuple[int, int, tuple[Entry, ...], frozenset]] = []
    n = len(norm)
    tokens = boundaries is not None
    for end_idx, (length, entries, veto) in index.automaton.iter(norm):
        end = end_idx + 1
        start = end - length
        first, last = norm[start], norm[end_idx]
        if start > 0 and not _edge_ok(norm[start - 1], first, tokens):
            continue
        plural = 0
        if end < n and not _edge_ok(norm[end], last, tokens):
            # English plural: "semiconductors", "LLMs" count as the term
            if (
                norm[end] != "s"
                or not _is_word_char(last)
                or (end + 1 < n and _is_word_char(norm[end + 1]))
            ):
                continue
            plural = 1
        if boundaries is not None and not (_is_word_char(first) and _is_word_char(last)):
            if callable(boundaries):
                boundaries = boundaries()
            if (not _is_word_char(first) and to_original(offsets, start) not in boundaries) or (
                not _is_word_char(last) and to_original(offsets, end) not in boundaries
            ):
                continue
        found.append((start, end + plural, entries, veto))
    return _resolve(found, original, offsets)


def _resolve(found: list, original: str, offsets: Offsets) -> list[Hit]:
    """Leftmost-longest non-overlapping hits; exclusions veto, abbreviations must match case."""
    if not found:
        return []
    found = sorted(((s, -e, entries, veto) for s, e, entries, veto in found), key=_SPAN)
    return _resolve_sorted(found, original, offsets)


def _resolve_sorted(found: list, original: str, offsets: Offsets) -> list[Hit]:
    """`_resolve` over (start, -end, entries, veto), sorted."""
    vetoed: list[tuple[int, int, frozenset]] = [(s, -e, v) for s, e, _, v in found if v]
    hits: list[Hit] = []
    taken_end = -1
    for start, neg_end, entries, _ in found:
        if start < taken_end or not entries:
            continue
        end = -neg_end
        o_start, o_end = (start, end) if offsets is None else (offsets[start], offsets[end])
        if not vetoed and len(entries) == 1 and entries[0].exact is None:
            taken_end = end
            hits.append(Hit(o_start, o_end, entries[0]))
            continue
        forms = None
        kept = []
        for entry in entries:
            if entry.exact is not None:
                if forms is None:
                    forms = _surface_forms(original[o_start:o_end])
                if entry.exact not in forms:
                    continue
            if vetoed and any(
                vs <= start and end <= ve and entry.subtech in v for vs, ve, v in vetoed
            ):
                continue
            kept.append(entry)
        if not kept:
            continue
        taken_end = end
        hits.extend(Hit(o_start, o_end, entry) for entry in kept)
    return hits


def _surface_forms(surface: str) -> tuple[str, str]:
    """NFKC forms of a matched surface and of it without a plural `s` (abbreviations: "LLMs")."""
    singular = surface[:-1] if surface.endswith("s") else surface
    if surface.isascii():
        return surface, singular
    return unicodedata.normalize("NFKC", surface), unicodedata.normalize("NFKC", singular)


def collisions(taxonomy: Taxonomy) -> dict[str, list[str]]:
    """Normalised terms that name sub-technologies of more than one domain → those domains."""
    seen: dict[str, set[str]] = {}
    for domain in taxonomy.domains:
        for sub in domain.subtechs:
            for term in (*sub.terms.en, *sub.terms.ja, *sub.terms.abbr):
                seen.setdefault(normalize_term(term), set()).add(domain.slug)
    return {k: sorted(v) for k, v in sorted(seen.items()) if len(v) > 1}
