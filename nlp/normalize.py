"""Text normalisation (NFKC, katakana variants, case) with offsets back to the original text."""

from __future__ import annotations

import re
import unicodedata

import numpy as np

#: Hyphen- and dash-like characters written for the katakana long-vowel mark (ー).
_LONG_VOWEL_LOOKALIKES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\u30fc\uff70-"
_KATAKANA = "\u30a1-\u30fa\u30fc"
_HYPHEN_AFTER_KANA = re.compile(f"(?<=[{_KATAKANA}])[{re.escape(_LONG_VOWEL_LOOKALIKES)}]")
#: ヴ-row spellings → their バ-row equivalents (ヴァイオリン = バイオリン).
_VU = {"ヴァ": "バ", "ヴィ": "ビ", "ヴェ": "ベ", "ヴォ": "ボ", "ヴ": "ブ"}
_VU_RE = re.compile("ヴ[ァィェォ]?")
#: A trailing long-vowel mark on katakana words of 4+ letters (コンピューター = コンピュータ).
_TRAILING_CHOON = re.compile(f"(?<=[{_KATAKANA}]{{3}})ー(?![{_KATAKANA}])")
_DAKUTEN = re.compile("[\u3041-\u30ff][\u3099\u309a]")
_NEEDS_JA = re.compile(f"[{_KATAKANA}\uff61-\uff9f]")

Offsets = list[int] | None

#: Whitespace and hyphens become a plain space (same length), so "high-performance\ncomputing"
#: matches the term "high performance computing".
_SPACES = str.maketrans(dict.fromkeys("\n\r\t\f\v\u00a0\u3000-\u2010\u2011\u2012\u2013\u2014", " "))
_SPACES_RE = re.compile("[\n\r\t\f\v\u00a0\u3000\\-\u2010-\u2014]")  # the same, for non-ASCII text


def _subst(text: str, offsets: Offsets, pattern: re.Pattern, repl) -> tuple[str, Offsets]:
    """Apply a regex substitution, keeping a map from each output char to its source offset."""
    pieces: list[str] = []
    new_offsets: list[int] = []
    last = 0
    changed = False
    for m in pattern.finditer(text):
        new = repl(m.group(0))
        if new == m.group(0):
            continue
        changed = True
        pieces.append(text[last : m.start()])
        new_offsets.extend(range(last, m.start()))
        pieces.append(new)
        new_offsets.extend([m.start()] * len(new))
        last = m.end()
    if not changed:
        return text, offsets
    pieces.append(text[last:])
    new_offsets.extend(range(last, len(text) + 1))
    if offsets is not None:
        new_offsets = list(map(offsets.__getitem__, new_offsets))
    return "".join(pieces), new_offsets


class _CharTable(dict):
    """`str.translate` table filled on first sight of a code point (C-speed lookups after that)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, code: int) -> str:
        out = self[code] = self.fn(chr(code))
        return out


#: code point → its NFKC form, and → chr(length of that form): one lookup per char, in C.
_NFKC_TABLE = _CharTable(lambda ch: unicodedata.normalize("NFKC", ch))
_NFKC_LENGTHS = _CharTable(lambda ch: chr(len(_NFKC_TABLE[ord(ch)])))


def _nfkc_with_offsets(text: str) -> tuple[str, Offsets]:
    """NFKC; when lengths change, normalise char by char so every output char maps back."""
    if unicodedata.is_normalized("NFKC", text):  # e.g. English with a few "€", "—" or "’"
        return text, None
    joined = text.translate(_NFKC_TABLE)
    # NFKC(text) == NFC(char-by-char NFKC): when that is already NFC, no whole-text pass is needed
    out = joined if unicodedata.is_normalized("NFC", joined) else None
    if out is None:
        out = unicodedata.normalize("NFKC", text)
    if len(out) == len(text):
        return out, None
    lengths = np.frombuffer(text.translate(_NFKC_LENGTHS).encode("ascii"), dtype=np.uint8)
    offsets = np.repeat(np.arange(len(text)), lengths).tolist()
    offsets.append(len(text))
    if "\u3099" in joined or "\u309a" in joined:  # half-width (han)dakuten: compose with the kana
        joined, offsets = _subst(
            joined, offsets, _DAKUTEN, lambda s: unicodedata.normalize("NFC", s)
        )
    return joined, offsets


def normalize_text(text: str) -> tuple[str, Offsets]:
    """Lowercased NFKC text with unified katakana variants, and offsets to the input (None = same).

    `offsets[j]` is the index in `text` of output character `j`; one extra entry maps the end.
    """
    if text.isascii():
        return text.lower().translate(_SPACES), None
    out, offsets = _nfkc_with_offsets(text)
    if _NEEDS_JA.search(out):
        out = _HYPHEN_AFTER_KANA.sub("ー", out)
        if "ヴ" in out:
            out, offsets = _subst(out, offsets, _VU_RE, lambda s: _VU.get(s, s))
        if "ー" in out:
            out, offsets = _subst(out, offsets, _TRAILING_CHOON, lambda s: "")
    lowered = out.lower()
    if len(lowered) != len(out):  # e.g. 'İ' → 'i̇': lower char by char to keep the map
        lowered, offsets = _subst(out, offsets, re.compile(r"[^\x00-\x7f]"), lambda s: s.lower())
        lowered = lowered.lower() if len(lowered.lower()) == len(lowered) else lowered
    return _SPACES_RE.sub(" ", lowered), offsets


def normalize_term(term: str) -> str:
    """The form a taxonomy term takes in the matcher (same rules as the text)."""
    return " ".join(normalize_text(term)[0].split())


def to_original(offsets: Offsets, index: int) -> int:
    """Map an offset in normalised text back to the original text."""
    return index if offsets is None else offsets[index]


_KANA_RE = re.compile("[\u3040-\u30ff\uff66-\uff9f]")
_HAN_RE = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")
_HANGUL_RE = re.compile("[\uac00-\ud7af]")
_LATIN_RE = re.compile("[A-Za-z]")


def detect_language(text: str) -> str:
    """ISO 639-1 code from the script mix: `ja`, `zh`, `ko`, `en`, or `und` when there is no text."""
    sample = text[:400]
    if sample.isascii():
        return "en" if _LATIN_RE.search(sample) else "und"
    kana = len(_KANA_RE.findall(sample))
    han = len(_HAN_RE.findall(sample))
    hangul = len(_HANGUL_RE.findall(sample))
    latin = len(_LATIN_RE.findall(sample))
    total = kana + han + hangul + latin
    if total == 0:
        return "und"
    if kana and (kana + han) / total >= 0.2:
        return "ja"
    if hangul / total >= 0.2:
        return "ko"
    if han / total >= 0.2:
        return "zh"
    return "en" if latin else "und"
