"""Candidate phrases of a record: English noun-phrase-like windows and Japanese compound nouns.

A pure function of the record's title and text (`record_candidates`), so a scan keeps its result by
content hash; `nlp.emerging` counts and ranks them.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sudachipy import Dictionary, SplitMode

from nlp.extract import record_text
from nlp.normalize import detect_language, normalize_text

CANDIDATE_COLUMNS = ["record_id", "content_sha256", "term", "language", "keyphrase", "countable"]
WORD = re.compile(r"[a-zà-öø-ÿ][a-zà-öø-ÿ0-9+]*(?:'[a-z]+)?|[0-9]+[a-z][a-z0-9]*")
#: Title and body are separate clauses: a phrase never runs from a title's end into the body.
_CLAUSE = re.compile(r"[.,;:!?()\[\]{}\"/\n]+")
#: The demo corpus marks every title and text ("[DEMO]", "Demo study of …", "【デモ】",
#: "デモデータ"); the mark names no technology, so no candidate phrase holds it.
DEMO_WORDS = frozenset({"demo", "デモ"})
_STOP = ENGLISH_STOP_WORDS | DEMO_WORDS | {
    "using", "based", "new", "paper", "propose", "proposed", "method", "methods", "results",
    "approach", "study", "show", "shows", "use", "used", "novel", "models",
    "different", "various", "performance", "present", "work",
    "achieve", "achieves", "demonstrate", "demonstrates", "outperform", "outperforms", "enable",
    "enables", "introduce", "introduces", "allow", "allows", "provide", "provides", "leverage",
    "leverages", "improve", "improves", "significantly", "via", "respectively", "existing",
    "framework", "task", "tasks", "problem", "problems", "effective", "efficient", "key", "e.g",
    "i.e", "et", "al", "state", "art", "recent", "recently", "specific", "given", "make",
}  # fmt: skip
#: Modifiers that may open or sit inside a term ("low density parity check", "high entropy
#: alloy") but never end one, alone or opening a hyphenated compound ("multi-agent",
#: "high-resolution", "non-convex"): such a compound is a premodifier ("hierarchical multi-agent
#: reinforcement learning"), the same modifier with its complement.
_MODIFIER = {
    "high", "low", "large", "small", "multi", "non", "self", "ultra", "semi", "model", "data",
}  # fmt: skip
#: LaTeX accents in abstracts (moir\'e, Cram\'er): the letter is kept, the command dropped.
_LATEX_ACCENT = re.compile(r"\\[`'^\"~=.]\{?([a-z])\}?")
#: Word endings that mark a verb or adverb form rather than a noun-phrase word (the boundary rule
#: of a linguistic filter, here without a tagger): "-ly" adverbs anywhere, "-ed" participles as
#: the head (last word) of a phrase.
_ADVERB = re.compile(r".{3,}ly$")
_PARTICIPLE = re.compile(r".{3,}ed$")
JA_CHARS = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fffa-z]")
#: A hyphen inside a word ("non-convex", "multi-turn", "token-level"): the compound is one word of
#: the text, kept whole as words joined by "_" (the normaliser would split it at the hyphen).
#: English hyphenates compounds mostly as premodifiers, so a candidate never holds part of one and
#: is never one alone (the (Adj|Noun)+ Noun pattern of Justeson & Katz 1995 counts it as one token).
_HYPHEN = re.compile(r"(?<=[^\W_])[-\u2010\u2011](?=[^\W_])")
_TOKEN = re.compile(rf"(?:{WORD.pattern})(?:_(?:{WORD.pattern}))*")


@lru_cache(maxsize=1)
def _sudachi_pos():
    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


def english_candidates(norm: str, max_n: int = 4) -> set[str]:
    """Windows of 2+ tokens and 2-4 words, noun-phrase-like: no stop word, adverb or bare number
    inside, no participle as the head (the candidate extraction of C-value, Frantzi et al. 2000,
    with word lists and endings standing in for the part-of-speech filter). A hyphenated compound
    (words joined by "_" in `norm`) is one token, stopped by any stop word in it."""
    return set(english_windows(norm, max_n)[0])


def english_windows(norm: str, max_n: int = 4) -> tuple[dict[str, int], set[str]]:
    """`english_candidates` with the number of times each occurs in `norm`, and those that occur
    right after an indefinite article ("a", "an")."""
    out: dict[str, int] = {}
    countable: set[str] = set()
    for clause in _CLAUSE.split(_LATEX_ACCENT.sub(r"\1", norm)):
        tokens = _TOKEN.findall(clause)
        kinds = [_token_kind(t) for t in tokens]
        for i in range(len(tokens)):
            if kinds[i] is None:
                continue
            words = kinds[i][0]
            article = i > 0 and tokens[i - 1] in ("a", "an")
            for j in range(i + 1, min(i + max_n, len(tokens))):
                if kinds[j] is None or (words := words + kinds[j][0]) > max_n:
                    break
                if kinds[j][1]:
                    term = " ".join(tokens[i : j + 1]).replace("_", " ")
                    out[term] = out.get(term, 0) + 1
                    if article:
                        countable.add(term)
    return out, countable


@lru_cache(maxsize=65536)
def _token_kind(token: str) -> tuple[int, bool] | None:
    """None for a token (a word, or a hyphenated compound's words joined by "_") no candidate
    holds; else its number of words and whether it may end a candidate (head)."""
    words = token.split("_")
    if any(w in _STOP for w in words) or _ADVERB.match(words[-1]) or sum(map(len, words)) < 2:
        return None
    head = not _PARTICIPLE.match(words[-1]) and words[-1] not in _MODIFIER
    return len(words), head and (len(words) == 1 or words[0] not in _MODIFIER)


def _english_marks(text: str) -> tuple[dict[str, int], set[str]]:
    """`english_windows` of a raw text (a hyphen inside a word kept as "_")."""
    return english_windows(normalize_text(_HYPHEN.sub("_", text))[0])


def japanese_candidates(norm: str) -> set[str]:
    """Compound nouns from one Sudachi pass: runs of 2+ nouns (numbers excluded), 3+ characters."""
    out = set()
    run: list[str] = []
    for m in [*_sudachi_pos().tokenize(norm[:8000]), None]:
        pos = m.part_of_speech() if m is not None else ("",)
        surface = m.surface() if m is not None else ""
        noun = pos[0] in ("名詞", "接頭辞") and pos[1] != "数詞" and surface not in DEMO_WORDS
        if noun and JA_CHARS.search(surface):
            run.append(m.surface())
            continue
        if len(run) >= 2 and len("".join(run)) >= 3:
            out.add("".join(run))
        run = []
    return out


def record_candidates(records: pd.DataFrame) -> pd.DataFrame:
    """Candidate phrases of each record (`CANDIDATE_COLUMNS`), taxonomy terms included.

    Depends on the record's title and text only, so it can be kept by content hash; whether a
    phrase is already a taxonomy term is decided when counting (the taxonomy changes, texts do not).
    `keyphrase`: the English record is about the phrase, which is in its title or occurs twice or
    more; `countable`: "a" or "an" stands right before it (`nlp.termhood`'s keyphraseness and
    countability); both False for Japanese, whose compounds are not weighed so.
    """
    n = len(records)
    shas = records["content_sha256"] if "content_sha256" in records else [""] * n
    texts = records["text"] if "text" in records else [""] * n
    ids, hashes, terms, langs, about, count = [], [], [], [], [], []
    for rid, sha, title, text in zip(
        records["record_id"], shas, records["title"], texts, strict=False
    ):
        full = record_text(title, text)
        lang = "ja" if detect_language(full) == "ja" else "en"
        if lang == "ja":
            cands = sorted(japanese_candidates(normalize_text(full)[0]))
            about += [False] * len(cands)
            count += [False] * len(cands)
        else:
            # title and body apart: the normaliser turns the newline between them into a space
            titled, countable = _english_marks(record_text(title, ""))
            counts, in_body = _english_marks(record_text(text, ""))
            for term, times in titled.items():
                counts[term] = counts.get(term, 0) + times
            countable |= in_body
            cands = sorted(counts)
            about += [counts[t] > 1 or t in titled for t in cands]
            count += [t in countable for t in cands]
        ids += [rid] * len(cands)
        hashes += [sha or ""] * len(cands)
        terms += cands
        langs += [lang] * len(cands)
    return pd.DataFrame(
        {"record_id": ids, "content_sha256": hashes, "term": terms, "language": langs,
         "keyphrase": np.array(about, dtype=bool), "countable": np.array(count, dtype=bool)},
        columns=CANDIDATE_COLUMNS,
    )  # fmt: skip
