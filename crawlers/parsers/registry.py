"""Which pure parser reads which source: `crawlers.parsers.<source>.parse`."""

from __future__ import annotations

import importlib
import re

from crawlers.parsers.base import Parser

SOURCES: tuple[str, ...] = (
    "papers_openalex", "papers_arxiv", "papers_arxiv_oai", "papers_crossref", "papers_jstage",
    "papers_cinii",
    "patents_epo_ops", "patents_uspto_bulk", "patents_uspto_ppubs", "patents_uspto_odp",
    "policy_federal_register", "policy_govuk", "policy_feed", "policy_eu_funding",
    "policy_eu_presscorner",
)  # fmt: skip


def get_parser(source: str) -> Parser:
    """The `parse(body, ctx) -> ParseResult` function of a source; ValueError names the known ones."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", source or ""):
        raise ValueError(f"not a source name: {source!r}")
    try:
        module = importlib.import_module(f"crawlers.parsers.{source}")
    except ModuleNotFoundError as exc:
        if exc.name == f"crawlers.parsers.{source}":
            raise ValueError(
                f"no parser for source {source!r}; known: {', '.join(SOURCES)}"
            ) from None
        raise
    parse = getattr(module, "parse", None)
    if not callable(parse):
        raise ValueError(f"crawlers.parsers.{source} has no parse(body, ctx) function")
    return parse
