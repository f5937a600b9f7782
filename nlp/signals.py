"""Issuing organisations that speak for a domain: named in a record, its text's opening or its address."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from horizon.config.taxonomy import OrgSignal, Taxonomy

#: How far into the body the issuer is looked for: policy abstracts and feed descriptions name it
#: first ("The Federal Aviation Administration (FAA) is adopting…", "2025年6月2日 総務省 …").
OPENING_CHARS = 240


@dataclass(frozen=True)
class OrgHit:
    """An organisation signal found for a record."""

    name: str
    domains: tuple[str, ...]
    dedicated: bool


def _name_pattern(name: str) -> str:
    escaped = re.escape(name)
    if name.isascii():  # Latin names are whole words; all-caps short forms keep their case
        return rf"(?<![\w-]){escaped}(?![\w-])"
    return escaped


@dataclass(frozen=True)
class _Compiled:
    names: re.Pattern | None
    by_name: dict[str, OrgSignal]
    urls: tuple[tuple[str, OrgSignal], ...]


@lru_cache(maxsize=8)
def _compiled(orgs: tuple[OrgSignal, ...]) -> _Compiled:
    by_name: dict[str, OrgSignal] = {}
    for org in orgs:
        for name in org.names:
            by_name.setdefault(name if _is_caps(name) else name.casefold(), org)
    parts = sorted(by_name, key=len, reverse=True)  # longest first: a bureau before its ministry
    names = None
    if parts:
        names = re.compile(
            "|".join(
                (_name_pattern(p) if _is_caps(p) else f"(?i:{_name_pattern(p)})") for p in parts
            )
        )
    urls = tuple(sorted(((u.lower(), o) for o in orgs for u in o.urls), key=lambda x: -len(x[0])))
    return _Compiled(names, by_name, urls)


def _is_caps(name: str) -> bool:
    return name.isascii() and name.isupper()


def _lookup(compiled: _Compiled, found: str) -> OrgSignal | None:
    return compiled.by_name.get(found) or compiled.by_name.get(found.casefold())


def _address(url: object) -> str:
    if not isinstance(url, str):
        return ""
    bare = re.sub(r"^[a-z]+://", "", url.strip().lower())
    return bare.removeprefix("www.")


def find_organisations(
    taxonomy: Taxonomy,
    *,
    organizations: object = None,
    url: object = None,
    text: object = None,
) -> list[OrgHit]:
    """The organisation signals of one record: its `organizations`, address and text opening.

    An address prefix is more precise than a name (a ministry's bureau has its own path), so the
    longest matching address wins over names found in the text.
    """
    compiled = _compiled(taxonomy.organisations)
    hits: dict[int, OrgHit] = {}

    def add(name: str, org: OrgSignal) -> None:
        hits.setdefault(id(org), OrgHit(name, org.domains, org.dedicated))

    address = _address(url)
    for prefix, org in compiled.urls:
        if address.startswith(prefix) or address.startswith(prefix.removeprefix("www.")):
            add(prefix, org)
            break
    if compiled.names is not None:
        names = organizations if isinstance(organizations, list | tuple) else []
        opening = str(text)[:OPENING_CHARS] if isinstance(text, str) else ""
        for source in (*[str(n) for n in names], opening):
            for m in compiled.names.finditer(source):
                org = _lookup(compiled, m.group(0))
                if org is not None:
                    add(m.group(0), org)
    return list(hits.values())
