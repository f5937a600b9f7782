"""spaCy pipelines built from the taxonomy: registered components and a one-pass Sudachi tokenizer."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from functools import lru_cache

import ahocorasick
import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from sudachipy import Dictionary, MorphemeList, SplitMode

from nlp.gazetteer import COUNTRIES, ORG_ACRONYMS, ORG_SUFFIXES_EN, ORG_SUFFIXES_JA
from nlp.money import MONEY_ANCHORS, MONEY_PATTERNS, parse_money
from nlp.normalize import normalize_text
from nlp.terms import TermIndex, match_terms, match_words

TECH_MATCHER = "horizon_tech_matcher_v1"
ORG_GPE_MATCHER = "horizon_org_gpe_matcher_v1"
SUDACHI_TOKENIZER = "horizon_sudachi_tokenizer_v1"
#: Context kept around each anchor, in whitespace-delimited chunks (each holds ≥ 1 spaCy token).
ORG_WINDOW, MONEY_WINDOW_EN = (8, 12), (4, 4)
_CHUNK_RUNS: dict[int, re.Pattern] = {}


def _chunks_from(text: str, pos: int, count: int) -> int:
    """End of the whitespace-delimited chunk at `pos` and of `count` more chunks after it."""
    pattern = _CHUNK_RUNS.get(count)
    if pattern is None:
        pattern = _CHUNK_RUNS[count] = re.compile(rf"\S*(?:\s+\S+){{0,{count}}}")
    return pattern.match(text, pos).end()


#: Sudachi refuses inputs over ~49 kB; texts are cut at sentence ends below this many characters.
SUDACHI_CHUNK = 8000

for _name in ("term_id", "subtech", "domain", "value", "currency"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)


@lru_cache(maxsize=1)
def sudachi_tokenizer():
    """The Sudachi tokenizer (core dictionary, split mode A: every word edge is a match boundary)."""
    return Dictionary(dict="core").tokenizer(mode=SplitMode.A, fields=set())


@lru_cache(maxsize=1)
def _morphemes() -> MorphemeList:
    """One reusable result list (Sudachi writes into it instead of allocating per text)."""
    return sudachi_tokenizer().tokenize("")


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    start = 0
    while len(text) - start > SUDACHI_CHUNK:
        cut = max(text.rfind(sep, start, start + SUDACHI_CHUNK) for sep in ("。", "\n", "．", " "))
        cut = cut + 1 if cut > start else start + SUDACHI_CHUNK
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]


def sudachi_edges(text: str) -> list[int]:
    """Start offsets of Sudachi morphemes plus the end of the text; one tokenisation per text."""
    tok = sudachi_tokenizer()
    edges: list[int] = []
    out = _morphemes()
    for base, chunk in _chunks(text):
        out = tok.tokenize(chunk, out=out)
        edges.extend([base + m.begin() for m in out] if base else [m.begin() for m in out])
    edges.append(len(text))
    return edges


class SudachiLiteTokenizer:
    """Blank `ja` tokenizer: one Sudachi pass, tokens only (no readings or inflections)."""

    def __init__(self, vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        edges = sudachi_edges(text)
        words = [text[b:e] for b, e in itertools.pairwise(edges) if e > b]
        return Doc(self.vocab, words=words, spaces=[False] * len(words))


@spacy.registry.tokenizers(SUDACHI_TOKENIZER)
def create_sudachi_tokenizer():
    """Registered factory of the Sudachi tokenizer."""
    return lambda nlp: SudachiLiteTokenizer(nlp.vocab)


class TechMatcher:
    """Marks taxonomy terms as TECH spans (doc.spans["tech"]) with the Aho-Corasick term index."""

    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.index: TermIndex | None = None
        self.japanese = nlp.lang == "ja"

    def set_index(self, index: TermIndex) -> None:
        """Attach the term index built from the taxonomy."""
        self.index = index

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        if self.index is not None:
            norm, offsets = normalize_text(doc.text)
            bounds = None
            if self.japanese:
                bounds = {t.idx for t in doc} | {len(doc.text)}
            hits = (
                match_terms(self.index, norm, doc.text, offsets, bounds)
                if self.japanese
                else match_words(self.index, norm, doc.text, offsets)
            )
            for hit in hits:
                span = doc.char_span(hit.start, hit.end, label="TECH", alignment_mode="expand")
                if span is None:
                    continue
                span._.term_id, span._.subtech, span._.domain = hit.entry[:3]
                spans.append(span)
        doc.spans["tech"] = spans
        return doc


class OrgGpeMoneyMatcher:
    """ORG, GPE and MONEY entities in policy texts (Matcher and PhraseMatcher patterns)."""

    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.gpe = PhraseMatcher(nlp.vocab, attr="ORTH")
        for code, names in COUNTRIES.items():
            self.gpe.add(code, [nlp.make_doc(n) for n in names])
        self.japanese = nlp.lang == "ja"
        self.org = Matcher(nlp.vocab)
        self.acronyms = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.org_anchors = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.money_anchors = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.money = Matcher(nlp.vocab)
        self.money.add("MONEY", MONEY_PATTERNS["ja" if nlp.lang == "ja" else "en"])
        if nlp.lang == "ja":
            noun = {"TEXT": {"REGEX": r"^[\u4e00-\u9fff\u30a0-\u30ffA-Za-z]+$"}, "OP": "+"}
            self.org.add("ORG", [[noun, {"TEXT": {"IN": list(ORG_SUFFIXES_JA)}}]])
        else:
            title = {"IS_TITLE": True, "OP": "+"}
            heads = ["Ministry", "Department", "Office", "University", "Institute", "Agency"]
            self.org.add(
                "ORG",
                [
                    [title, {"ORTH": {"IN": list(ORG_SUFFIXES_EN)}}],
                    [{"ORTH": {"IN": heads}}, {"LOWER": {"IN": ["of", "for"]}}, title],
                    [
                        {"ORTH": {"IN": heads}},
                        {"LOWER": "of"},
                        title,
                        {"ORTH": ","},
                        title,
                        {"LOWER": "and"},
                        title,
                    ],
                ],
            )
            self.acronyms.add("ORG", [nlp.make_doc(a) for a in ORG_ACRONYMS])
            self.org_anchors.add("ORG", [nlp.make_doc(a) for a in (*heads, *ORG_SUFFIXES_EN)])
            self.anchors = _anchor_automata(nlp, heads)
        self.money_anchors.add("MONEY", [nlp.make_doc(a) for a in MONEY_ANCHORS])

    def windows(self, text: str) -> list[tuple[int, str]]:
        """(offset, substring) parts of an English text that hold every ORG, GPE and MONEY match.

        Each anchor (a token of a country name or acronym, an ORG head, a money mark) keeps as many
        whitespace-delimited chunks around it as its Matcher window has tokens, plus one; spaCy
        tokenises chunks independently, so the parts give the same entities as the whole text.
        """
        exact, lower = self.anchors
        found = [*exact.iter(text)]
        low = text.lower()
        if len(low) == len(text):
            found.extend(lower.iter(low))
        elif len(lower):
            return [(0, text)]
        if not found:
            return []
        rev, n = text[::-1], len(text)
        ranges = sorted(
            (n - _chunks_from(rev, n - 1 - (end + 1 - length), left + 1),
             _chunks_from(text, end, right + 1))
            for end, (length, left, right) in found
        )  # fmt: skip
        merged = [list(ranges[0])]
        for lo, hi in ranges[1:]:
            if lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        return [(lo, text[lo:hi]) for lo, hi in merged]

    @staticmethod
    def _windows(doc: Doc, anchors: PhraseMatcher, left: int, right: int) -> list[Span]:
        """Merged token windows around anchor hits (the Matcher runs on these only: cheap)."""
        spans: list[list[int]] = []
        for _, start, end in anchors(doc):
            lo, hi = max(0, start - left), min(len(doc), end + right)
            if spans and lo <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], hi)
            else:
                spans.append([lo, hi])
        return [doc[lo:hi] for lo, hi in spans]

    def _match(self, matcher: Matcher, windows: list[Span], label: str) -> list[Span]:
        out = []
        for window in windows:
            for _, start, end in matcher(window):
                out.append(Span(window.doc, window.start + start, window.start + end, label=label))
        return out

    def __call__(self, doc: Doc) -> Doc:
        found: list[Span] = []
        for match_id, start, end in self.gpe(doc):
            span = Span(doc, start, end, label="GPE")
            span._.term_id = doc.vocab.strings[match_id]
            found.append(span)
        if self.japanese:
            found.extend(Span(doc, s, e, label="ORG") for _, s, e in self.org(doc))
        else:
            found.extend(self._match(self.org, self._windows(doc, self.org_anchors, 8, 12), "ORG"))
            found.extend(Span(doc, s, e, label="ORG") for _, s, e in self.acronyms(doc))
        for span in self._match(
            self.money,
            self._windows(doc, self.money_anchors, 16 if self.japanese else 4, 4),
            "MONEY",
        ):
            span._.value, span._.currency = parse_money(span.text)
            if span._.currency:
                found.append(span)
        doc.ents = filter_spans(found)
        return doc


def _anchor_automata(nlp: Language, heads: list[str]) -> tuple[ahocorasick.Automaton, ...]:
    """Case-sensitive and lowercase anchors → (length, chunks left, chunks right) to keep."""
    exact, lower = ahocorasick.Automaton(), ahocorasick.Automaton()
    phrases = [(n, 0, 0, exact) for names in COUNTRIES.values() for n in names]
    phrases += [(a, 0, 0, exact) for a in ORG_ACRONYMS]
    phrases += [(a, *ORG_WINDOW, exact) for a in (*heads, *ORG_SUFFIXES_EN)]
    phrases += [(a.lower(), *MONEY_WINDOW_EN, lower) for a in MONEY_ANCHORS]
    for phrase, left, right, automaton in phrases:
        tokens = [t.text for t in nlp.make_doc(phrase)]
        if not tokens:
            continue
        at = max(range(len(tokens)), key=lambda i: len(tokens[i]))  # any token must occur
        key, value = tokens[at], (len(tokens[at]), left + at, right + len(tokens) - 1 - at)
        if key in automaton:  # several phrases share a token: keep the widest window
            old = automaton.get(key)
            value = (value[0], max(old[1], value[1]), max(old[2], value[2]))
        automaton.add_word(key, value)
    for automaton in (exact, lower):
        if len(automaton):
            automaton.make_automaton()
    return exact, lower


@Language.factory(TECH_MATCHER)
def make_tech_matcher(nlp: Language, name: str) -> TechMatcher:
    """Registered factory of the taxonomy term matcher."""
    return TechMatcher(nlp, name)


@Language.factory(ORG_GPE_MATCHER)
def make_org_gpe_matcher(nlp: Language, name: str) -> OrgGpeMoneyMatcher:
    """Registered factory of the ORG/GPE/MONEY matcher."""
    return OrgGpeMoneyMatcher(nlp, name)


def build_pipeline(language: str, index: TermIndex) -> Language:
    """Blank `en` or `ja` (Sudachi) pipeline with the term, ORG/GPE and money components."""
    if language == "ja":
        nlp = spacy.blank("ja", config={"nlp": {"tokenizer": {"@tokenizers": SUDACHI_TOKENIZER}}})
    else:
        nlp = spacy.blank("en")
    nlp.add_pipe(TECH_MATCHER).set_index(index)
    nlp.add_pipe(ORG_GPE_MATCHER)
    return nlp
