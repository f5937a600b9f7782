"""Candidates against the taxonomy and each other: known-term variants folded, C-value nesting."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import pandas as pd

from horizon.config.taxonomy import Taxonomy
from nlp.candidates import JA_CHARS, WORD
from nlp.extract import term_index_for
from nlp.normalize import normalize_term
from nlp.termhood import ends_with_known, head_word, modifiers_of
from nlp.termhood import singular as _singular


def _known_phrases(taxonomy: Taxonomy) -> tuple[set[str], set[str]]:
    """Taxonomy terms as candidate strings (English as words, Japanese as written; abbreviations
    as "abbr:" + lower case), and every contiguous part of them: a candidate equal to a part is a
    sub-phrase of a known term."""
    whole, parts = set(), set()
    for domain in taxonomy.domains:
        for sub in domain.subtechs:
            whole.update("abbr:" + a.lower() for a in sub.terms.abbr if len(a) >= 3)
    for key in term_index_for(taxonomy).keys:
        key = normalize_term(key)
        if JA_CHARS.search(key) and re.search(r"[\u3040-\u9fff]", key):
            whole.add(key)
            parts.update(key[i:j] for i in range(len(key)) for j in range(i + 2, len(key) + 1))
            continue
        words = WORD.findall(key.lower())
        whole.add(" ".join(words))
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                parts.add(" ".join(words[i:j]))
                parts.add(" ".join(_singular(w) for w in words[i:j]))
    return whole, parts


def _pieces(term: str, japanese: bool) -> list[str]:
    """Contiguous parts of a candidate shorter than it (words, or characters for Japanese)."""
    if japanese:
        return [term[i:j] for i in range(len(term)) for j in range(i + 2, len(term) + 1)
                if j - i < len(term)]  # fmt: skip
    words = term.split()
    return [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)
            if j - i < len(words)]  # fmt: skip


def _elided(taxonomy: Taxonomy) -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """English taxonomy terms of 3+ words (singular) by their first and last word."""
    out: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for key in term_index_for(taxonomy).keys:
        words = tuple(_singular(w) for w in WORD.findall(normalize_term(key).lower()))
        if len(words) >= 3:
            out.setdefault((words[0], words[-1]), []).append(words)
    return out


def _is_elision(words: tuple[str, ...], known: list[tuple[str, ...]]) -> bool:
    """The candidate is a known term with inner words left out ("adversarial learning" of
    "adversarial machine learning", "dna storage" of "dna data storage"): an elision variant
    (Jacquemin 2001, FASTR's insertion and elision variants of a term)."""
    for term in known:
        if len(term) <= len(words):
            continue
        it = iter(term)
        if all(w in it for w in words):  # an ordered subsequence
            return True
    return False


def term_pieces(terms: pd.Series, languages: pd.Series) -> list[list[str]]:
    """Each candidate's distinct contiguous parts shorter than it (`c_values` looks them up)."""
    return [
        sorted(set(_pieces(t, lang == "ja"))) for t, lang in zip(terms, languages, strict=False)
    ]


def fold_known(terms: pd.Series, languages: pd.Series, taxonomy: Taxonomy) -> np.ndarray:
    """True where a candidate is a taxonomy term, a variant (plural, elision), a sub-phrase or a
    super-phrase of one (so not a new technology)."""
    whole, parts = _known_phrases(taxonomy)
    elided = _elided(taxonomy)
    out = np.zeros(len(terms), dtype=bool)
    for i, (term, lang) in enumerate(zip(terms, languages, strict=False)):
        japanese = lang == "ja"
        variant = term if japanese else " ".join(_singular(w) for w in term.split())
        singular = tuple(variant.split())
        elision = (
            not japanese
            and len(singular) >= 2
            and _is_elision(singular, elided.get((singular[0], singular[-1]), []))
        )
        if term in parts or variant in parts or elision:
            out[i] = True
        elif not japanese and len(words := term.split()) >= 3:
            # an abbreviation's spelled-out form: "multiple input multiple output" for MIMO
            initials = "".join(w[0] for w in words)
            out[i] = "abbr:" + initials in whole or any(
                p in whole for p in _pieces(term, False) + _pieces(variant, False)
            )
        elif japanese:
            out[i] = any(p in whole for p in _pieces(term, True))
        else:
            out[i] = any(p in whole for p in _pieces(term, False) + _pieces(variant, False))
    return out


def term_lengths(terms: pd.Series, languages: pd.Series) -> np.ndarray:
    """Words of each candidate; for Japanese characters / 2, at least 2."""
    return np.array(
        [
            max(len(t) / 2, 2) if lang == "ja" else len(t.split())
            for t, lang in zip(terms, languages, strict=False)
        ]
    )


def c_values(
    terms: pd.Series,
    languages: pd.Series,
    freqs: np.ndarray,
    pieces: Sequence[Iterable[str]] | None = None,
    lengths: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """C-value (Frantzi, Ananiadou & Mima 2000): log2|a| · (f(a) − mean f(b) over the longer
    candidates b that contain a), f = documents. Japanese length |a| is characters / 2 (about
    one word per two characters in compound nouns). Also returns, per candidate, the frequency of
    the most frequent longer candidate containing it. `pieces`: each candidate's distinct
    `term_pieces`, `lengths` its `term_lengths`, where already known."""
    if pieces is None:
        pieces = term_pieces(terms, languages)
    # (longer candidate i, candidate j among its pieces) pairs, by a join on the pieces' text
    sizes = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(terms))
    outer = pd.DataFrame(
        {
            "term": list(chain.from_iterable(pieces)),
            "language": np.repeat(np.asarray(languages, dtype=object), sizes),
            "i": np.repeat(np.arange(len(terms)), sizes),
        }
    )
    inner = pd.DataFrame(
        {"term": np.asarray(terms, dtype=object), "language": np.asarray(languages, dtype=object),
         "j": np.arange(len(terms))}
    )  # fmt: skip
    pairs = outer.merge(inner, on=["term", "language"])
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    nested_sum = np.zeros(len(terms))
    nested_n = np.zeros(len(terms))
    nested_max = np.zeros(len(terms))
    np.add.at(nested_sum, j, freqs[i])  # whole counts: exact in any order
    np.add.at(nested_n, j, 1)
    np.maximum.at(nested_max, j, freqs[i])
    length = term_lengths(terms, languages) if lengths is None else lengths
    own = freqs - np.where(nested_n > 0, nested_sum / np.maximum(nested_n, 1), 0.0)
    return np.log2(length) * own, nested_max


def known_words(taxonomy: Taxonomy) -> set[tuple[str, ...]]:
    """The taxonomy's non-Japanese terms as tuples of singular words."""
    out = set()
    for key in term_index_for(taxonomy).keys:
        key = normalize_term(key)
        if not re.search(r"[\u3040-\u9fff]", key) and (words := WORD.findall(key.lower())):
            out.add(tuple(_singular(w) for w in words))
    return out


def term_marks(terms: pd.Series, languages: pd.Series, taxonomy: Taxonomy) -> pd.DataFrame:
    """What the ranking reads of each candidate alone (a function of the phrase and the taxonomy,
    so it can be kept per phrase): known (`fold_known`), length (`term_lengths`), pieces
    (`term_pieces`), and for English head (`termhood.head_word`), labelled
    (`termhood.ends_with_known`: its last words are a known term's) and mods
    (`termhood.modifiers_of`), and variant (`plural_variant`)."""
    english = (languages == "en").to_numpy()
    en_terms = terms[english]
    head = np.full(len(terms), None, dtype=object)
    labelled = np.zeros(len(terms), dtype=bool)
    mods = np.full(len(terms), None, dtype=object)
    if english.any():
        head[english] = en_terms.map(head_word).to_numpy()
        labelled[english] = ends_with_known(en_terms, known_words(taxonomy))
        mods[english] = modifiers_of(en_terms).to_numpy()
    return pd.DataFrame(
        {
            "known": fold_known(terms, languages, taxonomy),
            "length": term_lengths(terms, languages),
            "pieces": term_pieces(terms, languages),
            "head": head,
            "labelled": labelled,
            "mods": mods,
            "variant": plural_variant(terms, languages),
        }
    )


def plural_variant(terms: pd.Series, languages: pd.Series) -> list[str]:
    """Each candidate with its English words singular (Japanese as written): a plural and its
    singular share it."""
    return [
        t if lang == "ja" else " ".join(_singular(w) for w in t.split())
        for t, lang in zip(terms, languages, strict=False)
    ]
