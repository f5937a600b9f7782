"""Helpers shared by the patent parsers: classification symbols, countries, ids, safe prologs."""

from __future__ import annotations

import datetime as dt
import html.entities
import re
from collections.abc import Iterable

from crawlers.parsers.base import ParseError
from horizon.schemas import CountryWeight, fractional_weights

_SUBCLASS = re.compile(r"^([A-HY])\s*(\d{2})\s*([A-Z])")
_SLASHED = re.compile(r"^([A-HY]\d{2}[A-Z])\s*0*(\d{1,4})\s*/\s*(\d{1,6})")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_BRACKET_CC = re.compile(r"\s*\[([A-Z]{2})\]\s*$")
_US_GRANT_NUMBER = re.compile(r"^(RE|PP|D|H|T|X)?0*(\d+)$")

# ISO 8879 Greek entity names (ISOgrk1) used by the 2001 USPTO files; HTML has no such names.
_ISO_GREEK_NAMES = (
    "agr bgr ggr dgr egr zgr eegr thgr igr kgr lgr mgr ngr xgr ogr pgr rgr sgr sfgr tgr ugr phgr "
    "khgr psgr ohgr"
)
_ISO_GREEK = dict(zip(_ISO_GREEK_NAMES.split(), "αβγδεζηθικλμνξοπρσςτυφχψω", strict=True))
_ISO_GREEK |= {
    name[0].upper() + name[1:]: ch.upper() for name, ch in _ISO_GREEK.items() if name != "sfgr"
}
_XML_PREDEFINED = {b"amp", b"lt", b"gt", b"quot", b"apos"}
_ENTITY_REF = re.compile(rb"&([A-Za-z][A-Za-z0-9]{0,31});")
_PROLOG = re.compile(
    rb"^(?P<decl>\s*<\?xml[^>]{0,200}\?>)?(?P<pre>(?:\s*<!--.*?-->)*)\s*"
    rb"(?P<doctype><!DOCTYPE\s+[^\[>]*(?:\[(?P<subset>[^\]]*)\])?\s*>)",
    re.S,
)
_NDATA_DECL = re.compile(rb'<!ENTITY\s+[\w.\-]+\s+SYSTEM\s+"[^"<>%&]*"\s+NDATA\s+\w+\s*>')
_COMMENT = re.compile(rb"<!--.*?-->", re.S)


def normalise_symbol(text: str | None) -> str | None:
    """`H01L 21/02`, `H01L  21/  02 A I`, `H01J001/62` or ST.32 `G06F 1516` → `H01L21/02`."""
    if not text:
        return None
    value = " ".join(text.split()).upper()
    slashed = _SLASHED.match(value)
    if slashed:
        return f"{slashed[1]}{int(slashed[2])}/{slashed[3]}"
    raw = text.strip().upper()
    # ST.32 fixed width: 4-character subclass, 3-character main group, then the subgroup.
    if len(raw) >= 7 and _SUBCLASS.match(raw[:4]) and raw[4:7].strip().isdigit():
        subgroup = raw[7:].split()[0] if raw[7:].strip() else "00"
        if subgroup.isdigit() and len(subgroup) >= 2:
            return f"{raw[:4]}{int(raw[4:7])}/{subgroup}"
        # A subgroup has two digits at least (`/04`): a one-digit one means the padding of the
        # main group was lost (`E03C 104` for `E03C  104`), so the last two digits are the subgroup.
        digits = "".join(raw[4:].split()[:1]) if raw[4:].strip() else ""
        if subgroup.isdigit() and digits.isdigit() and 3 <= len(digits) <= 5:
            return f"{raw[:4]}{int(digits[:-2])}/{digits[-2:]}"
    return None


def symbol_from_parts(section: str, cls: str, subclass: str, main: str, sub: str) -> str | None:
    """Join the section/class/subclass/main-group/subgroup elements of a CPC or IPCR entry."""
    parts = [p.strip() for p in (section, cls, subclass, main, sub)]
    if not all(parts):
        return None
    return normalise_symbol(f"{parts[0]}{parts[1]}{parts[2]} {parts[3]}/{parts[4]}")


def unique(values: Iterable[str | None]) -> list[str]:
    """Non-empty values in first-seen order, without repeats."""
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def split_country_suffix(name: str) -> tuple[str, str | None]:
    """`KOSMAN WILHELMUS [NL]` → (`KOSMAN WILHELMUS`, `NL`); names keep no trailing commas."""
    text = " ".join(name.split())
    match = _BRACKET_CC.search(text)
    country = match[1] if match else None
    if match:
        text = text[: match.start()]
    return text.strip(" ,;"), country


def country_code(value: str | None) -> str | None:
    """An ISO alpha-2 code, or None for blanks and `N/A`."""
    text = (value or "").strip().upper()
    return text if _COUNTRY.match(text) else None


def party_weights(inventors: list[str | None], assignees: list[str | None]) -> list[CountryWeight]:
    """Fractional country weights over inventors' countries, else over assignees' countries."""
    for party in (inventors, assignees):
        known = [[c] for c in party if c]
        if known:
            return fractional_weights(known)
    return []


def earliest(dates: Iterable[dt.date | None]) -> dt.date | None:
    """The earliest known date."""
    known = [d for d in dates if d]
    return min(known) if known else None


def patent_id(country: str, number: str, kind: str | None) -> str:
    """`patent:<CC><number><kind>` in docdb form (US grant numbers lose leading zeros)."""
    number = number.strip().replace(" ", "").replace(",", "")
    country = country.strip().upper()
    if country == "US":
        grant = _US_GRANT_NUMBER.match(number)
        if grant and len(number) <= 8:
            number = f"{grant[1] or ''}{int(grant[2])}"
    return f"patent:{country}{number}{(kind or '').strip().upper()}"


def strip_internal_subset(doc: bytes) -> bytes:
    """Drop a DOCTYPE whose internal subset only names unparsed (NDATA) image files.

    Anything else in the subset (parsed or parameter entities, element declarations) is refused:
    no DTD is ever read and no entity is ever expanded.
    """
    match = _PROLOG.match(doc[:1_048_576])
    if not match:
        if b"<!ENTITY" in doc[:1_048_576]:
            raise ParseError("XML declares entities outside a recognisable DOCTYPE (refused)")
        return doc
    subset = match["subset"] or b""
    rest = _NDATA_DECL.sub(b"", _COMMENT.sub(b"", subset))
    if rest.strip():
        raise ParseError("DTD internal subset declares parsed or parameter entities (refused)")
    return (match["decl"] or b"") + doc[match.end() :]


def map_named_entities(doc: bytes) -> tuple[bytes, int]:
    """Replace HTML / ISO 8879 named entity references by numeric ones; count unknown names."""
    unknown = 0

    def _sub(match: re.Match[bytes]) -> bytes:
        nonlocal unknown
        name = match[1]
        if name in _XML_PREDEFINED:
            return match[0]
        text = name.decode("ascii")
        char = html.entities.html5.get(f"{text};") or _ISO_GREEK.get(text)
        if char is None:
            unknown += 1
            char = "\ufffd"
        return "".join(f"&#{ord(c)};" for c in char).encode("ascii")

    return _ENTITY_REF.sub(_sub, doc), unknown
