"""Entity extraction over the records table: TECH everywhere; ORG, GPE and MONEY in policy texts."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from spacy.language import Language

from horizon.config.taxonomy import Taxonomy
from nlp.normalize import detect_language, normalize_text
from nlp.pipeline import ORG_GPE_MATCHER, TECH_MATCHER, build_pipeline, sudachi_edges
from nlp.terms import TermIndex, build_term_index, match_ascii, match_terms, match_words

ENTITY_COLUMNS = [
    "record_id", "label", "text", "term_id", "subtech", "domain", "start_char", "end_char",
    "value", "currency", "sharing",
]  # fmt: skip

_INDEX: dict[int, tuple[Taxonomy, TermIndex]] = {}
_PIPES: dict[tuple[int, str], tuple[Taxonomy, Language]] = {}


def term_index_for(taxonomy: Taxonomy) -> TermIndex:
    """The term index of this taxonomy object (built once, reused across batches)."""
    cached = _INDEX.get(id(taxonomy))
    if cached is None or cached[0] is not taxonomy:
        if len(_INDEX) > 4:
            _INDEX.clear()
        cached = _INDEX[id(taxonomy)] = (taxonomy, build_term_index(taxonomy))
    return cached[1]


def pipeline_for(taxonomy: Taxonomy, language: str) -> Language:
    """The spaCy pipeline (blank en, or blank ja with Sudachi) for this taxonomy."""
    key = (id(taxonomy), language)
    cached = _PIPES.get(key)
    if cached is None or cached[0] is not taxonomy:
        if len(_PIPES) > 8:
            _PIPES.clear()
        cached = _PIPES[key] = (taxonomy, build_pipeline(language, term_index_for(taxonomy)))
    return cached[1]


def record_text(title: object, text: object) -> str:
    """The text entity offsets refer to: title, a newline, then the body."""
    title = "" if title is None or title != title else str(title)
    body = "" if text is None or text != text else str(text)
    return f"{title}\n{body}" if body else title


def text_language(text: str) -> str:
    """`ja` or `en`, the way a text's terms are matched.

    A title in kanji alone reads as Chinese by its script; it goes the CJK way (token edges from
    Sudachi), where Japanese terms are matched, and so does any text in Han script.
    """
    return "ja" if detect_language(text) in ("ja", "zh") else "en"


def _column(records: pd.DataFrame, name: str, default: object) -> list:
    """A column as a plain list (iterating Arrow-backed strings one by one is slow)."""
    if name in records:
        return records[name].tolist()
    return [default] * len(records)


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def extract_entities(
    records: pd.DataFrame, taxonomy: Taxonomy, *, batch_size: int = 1000
) -> pd.DataFrame:
    """Entities of the records (the `entities` table without scan_id).

    TECH: the Aho-Corasick matcher over normalised text (English: whole words by construction;
    Japanese: token edges from one Sudachi pass, only for texts with a CJK-edged candidate).
    Policy texts also go through the spaCy pipeline (`nlp.pipe`, as tuples) for ORG, GPE and
    MONEY: English ones only the parts around anchors (`OrgGpeMoneyMatcher.windows`), Japanese
    ones whole (TECH too, so they are tokenised once). GPE rows carry the ISO alpha-2 code in
    `term_id`.
    """
    index = term_index_for(taxonomy)
    rows: list[tuple] = []
    policy: dict[str, list[tuple[str, tuple[str, str, int]]]] = {"en": [], "ja": []}
    kinds = _column(records, "kind", "paper")
    sharing = _column(records, "sharing", "CLEAR")
    texts = _column(records, "text", "")

    for rid, kind, title, text, share in zip(
        records["record_id"].tolist(), kinds, records["title"].tolist(), texts, sharing,
        strict=False,
    ):  # fmt: skip
        full = record_text(title, text)
        lang = text_language(full)
        if kind == "policy" and lang == "ja":  # one Sudachi pass, inside the pipeline
            policy[lang].append((full, (rid, share, 0)))
            continue
        if lang == "en" and full.isascii():
            hits = match_ascii(index, full)
        elif lang == "ja":  # Sudachi runs only if a candidate hit has a CJK edge to check
            norm, offsets = normalize_text(full)
            hits = match_terms(
                index, norm, full, offsets, lambda full=full: set(sudachi_edges(full))
            )
        else:
            norm, offsets = normalize_text(full)
            hits = match_words(index, norm, full, offsets)
        rows.extend(
            (rid, "TECH", full[s:e], entry[0], entry[1], entry[2], s, e, None, None, share)
            for s, e, entry in hits
        )
        if kind == "policy":  # English: only the parts around ORG/GPE/MONEY anchors
            windows = pipeline_for(taxonomy, lang).get_pipe(ORG_GPE_MATCHER).windows(full)
            policy[lang].extend((part, (rid, share, base)) for base, part in windows)

    for lang, items in policy.items():
        if not items:
            continue
        nlp = pipeline_for(taxonomy, lang)
        for batch in _batches(items, batch_size):
            # English TECH hits came from the matcher above; Japanese ones come from the pipeline
            disabled = [TECH_MATCHER] if lang == "en" else []
            with nlp.select_pipes(disable=disabled):
                docs = nlp.pipe(batch, as_tuples=True, batch_size=batch_size)
                for doc, (rid, share, base) in docs:
                    for span in doc.spans.get("tech", []) if lang == "ja" else []:
                        rows.append((rid, "TECH", span.text, span._.term_id, span._.subtech,
                                     span._.domain, span.start_char, span.end_char, None, None,
                                     share))  # fmt: skip
                    for span in doc.ents:
                        gpe = span._.term_id if span.label_ == "GPE" else None
                        rows.append((rid, span.label_, span.text, gpe, None, None,
                                     base + span.start_char, base + span.end_char, span._.value,
                                     span._.currency, share))  # fmt: skip
    frame = pd.DataFrame(rows or None, columns=ENTITY_COLUMNS)
    frame["start_char"] = frame["start_char"].astype("int64")
    frame["end_char"] = frame["end_char"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    return frame
