"""Money amounts with currency: spaCy Matcher patterns (EN and JA) and reading their value."""

from __future__ import annotations

import re
import unicodedata

#: Currency marks and words → ISO 4217.
CURRENCY: dict[str, str] = {
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "ドル": "USD",
    "米ドル": "USD", "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "ユーロ": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "ポンド": "GBP",
    "¥": "JPY", "￥": "JPY", "jpy": "JPY", "yen": "JPY", "円": "JPY", "cny": "CNY", "rmb": "CNY",
    "yuan": "CNY", "人民元": "CNY", "元": "CNY", "krw": "KRW", "won": "KRW", "ウォン": "KRW",
}  # fmt: skip
SCALES_EN = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "m": 1e6}
SCALES_JA = {"千": 1e3, "万": 1e4, "億": 1e8, "兆": 1e12}

_PREFIX = ["$", "€", "£", "¥", "￥", "US$", "USD", "EUR", "GBP", "JPY", "CNY", "RMB", "KRW"]
_WORDS = ["dollars", "dollar", "euros", "euro", "pounds", "yen", "yuan", "won", "usd", "eur", "jpy"]
_SCALE = {"LOWER": {"IN": list(SCALES_EN)}, "OP": "?"}
_JA_NUM = {"TEXT": {"REGEX": r"^[\d,.]*\d[\d,.]*[千万億兆]*$|^[千万億兆]+$"}, "OP": "+"}
_JA_CUR = {"TEXT": {"IN": ["円", "ドル", "米ドル", "ユーロ", "ポンド", "人民元", "元", "ウォン"]}}


_NUM = {"LIKE_NUM": True}
#: Tokens that anchor a money window (the Matcher then runs on a few tokens around them only).
MONEY_ANCHORS = [
    *_PREFIX,
    *_WORDS,
    "円",
    "ドル",
    "米ドル",
    "ユーロ",
    "ポンド",
    "人民元",
    "元",
    "ウォン",
]

#: Matcher patterns: "$2.5 billion", "€100 million", "USD 3 million", "5 billion yen", "500億円".
MONEY_PATTERNS: dict[str, list[list[dict]]] = {
    "en": [[{"ORTH": {"IN": _PREFIX}}, _NUM, _SCALE], [_NUM, _SCALE, {"LOWER": {"IN": _WORDS}}]],
    "ja": [[_JA_NUM, _JA_CUR], [{"TEXT": {"IN": _PREFIX}}, _NUM, _SCALE]],
}


#: Longest marks first; ASCII words must stand alone ("won", not "wonder").
_MARKS = [
    (mark, re.compile(rf"\b{mark}\b") if mark.isalpha() and mark.isascii() else None)
    for mark in sorted(CURRENCY, key=len, reverse=True)
]


def parse_money(surface: str) -> tuple[float | None, str | None]:
    """(value, ISO currency) of a matched amount: "$2.5 billion" → (2.5e9, USD), "1兆円" → (1e12, JPY)."""
    text = unicodedata.normalize("NFKC", surface).strip()
    low = text.lower()
    currency = None
    for mark, word in _MARKS:
        if word.search(low) if word is not None else mark in low:
            currency = CURRENCY[mark]
            break
    if re.search(r"[千万億兆]", text):
        total = 0.0
        for number, unit in re.findall(r"([\d,.]*)([千万億兆])", text):
            total += float(number.replace(",", "") or 1) * SCALES_JA[unit]
        rest = re.sub(r"[\d,.]*[千万億兆]", "", text)
        tail = re.search(r"\d[\d,]*(\.\d+)?", rest)
        if tail:
            total += float(tail.group(0).replace(",", ""))
        return total, currency
    match = re.search(r"\d[\d,]*(\.\d+)?", text)
    if not match:
        return None, currency
    value = float(match.group(0).replace(",", ""))
    scale = re.search(r"\b(thousand|million|billion|trillion|bn|m)\b", low[match.end() :])
    if scale:
        value *= SCALES_EN[scale.group(1)]
    return value, currency
