"""Emerging terms: candidate technology phrases not in the taxonomy, per ISO week, with bursts."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sudachipy import Dictionary, SplitMode

from horizon.config.taxonomy import Taxonomy
from horizon.schemas import Sharing
from nlp.burst import burst_weights
from nlp.extract import record_text, term_index_for
from nlp.normalize import detect_language, normalize_text

#: Candidate terms per burst computation (terms × weeks float matrices stay a few hundred MB).
BURST_CHUNK = 2000
EMERGING_COLUMNS = [
    "term", "language", "domain_hint", "first_seen_date", "weeks", "sources", "count", "growth",
    "burst_weight", "record_ids", "sharing",
]  # fmt: skip
_WORD = re.compile(r"[a-z][a-z0-9+]*(?:'[a-z]+)?|[0-9]+[a-z][a-z0-9]*")
_CLAUSE = re.compile(r"[.,;:!?()\[\]{}\"/]+")
_STOP = ENGLISH_STOP_WORDS | {
    "using", "based", "new", "paper", "propose", "proposed", "method", "methods", "results",
    "approach", "study", "show", "shows", "use", "used", "novel", "model", "models", "data",
    "different", "various", "high", "low", "large", "small", "performance", "present", "work",
}  # fmt: skip
_JA_OK = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fffa-z]")


@lru_cache(maxsize=1)
def _sudachi_pos():
    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


def english_candidates(norm: str, max_n: int = 4) -> set[str]:
    """2- to 4-word phrases without stop words or bare numbers (noun-phrase-ish n-grams)."""
    out = set()
    for clause in _CLAUSE.split(norm):
        words = _WORD.findall(clause)
        for i in range(len(words)):
            if words[i] in _STOP:
                continue
            for n in range(2, max_n + 1):
                if i + n > len(words) or words[i + n - 1] in _STOP:
                    break
                out.add(" ".join(words[i : i + n]))
    return out


def japanese_candidates(norm: str) -> set[str]:
    """Compound nouns from one Sudachi pass: runs of 2+ nouns (numbers excluded), 3+ characters."""
    out = set()
    run: list[str] = []
    for m in [*_sudachi_pos().tokenize(norm[:8000]), None]:
        pos = m.part_of_speech() if m is not None else ("",)
        if pos[0] in ("名詞", "接頭辞") and pos[1] != "数詞" and _JA_OK.search(m.surface()):
            run.append(m.surface())
            continue
        if len(run) >= 2 and len("".join(run)) >= 3:
            out.add("".join(run))
        run = []
    return out


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _most_restrictive(labels: set[str]) -> str:
    parsed = []
    for label in labels:
        try:
            parsed.append(Sharing.parse(str(label)))
        except ValueError:
            parsed.append(Sharing.red)
    return max(parsed, key=lambda s: s.level).value if parsed else Sharing.clear.value


def find_emerging_terms(
    records: pd.DataFrame,
    entities: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    as_of: dt.date,
    min_records: int = 3,
    recent_weeks: int = 4,
    limit: int = 500,
) -> pd.DataFrame:
    """Candidate phrases not in the taxonomy, with weekly counts, growth and Kleinberg burst weight.

    `growth` = (documents in the last `recent_weeks` ISO weeks up to `as_of` − the weeks before
    them) / max(the weeks before, 1). Records after `as_of` or without a date are ignored.
    """
    known = set(term_index_for(taxonomy).keys)
    hint_of: dict[str, str] = {}
    if len(entities):
        tech = entities[entities["label"] == "TECH"].dropna(subset=["domain"])
        for rid, group in tech.groupby("record_id")["domain"]:
            hint_of[rid] = group.mode().iat[0]
    per_term: dict[tuple[str, str], list[int]] = defaultdict(list)
    meta: list[tuple[str, dt.date, str, str]] = []
    texts = records["text"] if "text" in records else [""] * len(records)
    sources = records["source"] if "source" in records else ["unknown"] * len(records)
    sharing = records["sharing"] if "sharing" in records else ["CLEAR"] * len(records)
    for rid, title, text, published, source, share in zip(
        records["record_id"],
        records["title"],
        texts,
        records["published_date"],
        sources,
        sharing,
        strict=False,
    ):
        day = pd.to_datetime(published, errors="coerce")
        if pd.isna(day) or day.date() > as_of:
            continue
        full = record_text(title, text)
        norm, _ = normalize_text(full)
        lang = "ja" if detect_language(full) == "ja" else "en"
        cands = japanese_candidates(norm) if lang == "ja" else english_candidates(norm)
        k = len(meta)
        meta.append((rid, day.date(), str(source), str(share)))
        for cand in cands:
            if cand not in known:
                per_term[(cand, lang)].append(k)
    if not meta:
        return pd.DataFrame(columns=EMERGING_COLUMNS)
    first_week = _week_start(min(m[1] for m in meta))
    last_week = _week_start(as_of)
    bins = [
        first_week + dt.timedelta(weeks=i) for i in range((last_week - first_week).days // 7 + 1)
    ]
    totals = Counter(_week_start(m[1]) for m in meta)
    d_t = [totals.get(b, 0) for b in bins]
    recent_start = last_week - dt.timedelta(weeks=recent_weeks - 1)
    before_start = recent_start - dt.timedelta(weeks=recent_weeks)
    rows = []
    eligible = [(key, idx) for key, idx in per_term.items() if len(idx) >= min_records]
    week_of = {b: i for i, b in enumerate(bins)}
    weights = np.zeros(len(eligible))
    for start in range(0, len(eligible), BURST_CHUNK):  # bounded memory: terms × weeks per chunk
        chunk = eligible[start : start + BURST_CHUNK]
        counts = np.zeros((len(chunk), len(bins)))
        for row, (_, idx) in enumerate(chunk):
            for k in idx:
                counts[row, week_of[_week_start(meta[k][1])]] += 1
        weights[start : start + len(chunk)] = burst_weights(counts, np.asarray(d_t))
    for ((term, lang), idx), weight in zip(eligible, weights, strict=True):
        weeks = Counter(_week_start(meta[k][1]) for k in idx)
        recent = sum(n for w, n in weeks.items() if w >= recent_start)
        before = sum(n for w, n in weeks.items() if before_start <= w < recent_start)
        hints = Counter(hint_of[meta[k][0]] for k in idx if meta[k][0] in hint_of)
        rows.append(
            {
                "term": term,
                "language": lang,
                "domain_hint": hints.most_common(1)[0][0] if hints else None,
                "first_seen_date": min(meta[k][1] for k in idx),
                "weeks": json.dumps({_iso_week(w): n for w, n in sorted(weeks.items())}),
                "sources": json.dumps(dict(Counter(meta[k][2] for k in idx).most_common())),
                "count": len(idx),
                "growth": (recent - before) / max(before, 1),
                "burst_weight": float(weight),
                "record_ids": json.dumps([meta[k][0] for k in idx[:5]]),
                "sharing": _most_restrictive({meta[k][3] for k in idx}),
            }
        )
    frame = pd.DataFrame(rows, columns=EMERGING_COLUMNS)
    if frame.empty:
        return frame
    frame = frame.sort_values(["burst_weight", "count", "term"], ascending=[False, False, True])
    return frame.head(limit).reset_index(drop=True)
