"""The technology taxonomy: Japan's 20 areas, their sub-technologies, terms, codes and crosswalks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from horizon.config.loader import ConfigError, load_model

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")

#: The slugs of Japan's 20 areas, in the order of the Cabinet decision of 2022-09-30.
DOMAIN_SLUGS: tuple[str, ...] = (
    "biotech", "medical", "ai_ml", "advanced_computing", "semiconductors", "data_science",
    "advanced_manufacturing", "robotics", "quantum", "sensing_pnt", "bci", "energy",
    "ict_networks", "cybersecurity", "space", "ocean", "transportation", "hypersonics", "cbrn",
    "advanced_materials",
)  # fmt: skip


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Terms(_Frozen):
    """Surface forms of a sub-technology, per language."""

    en: tuple[str, ...] = ()
    ja: tuple[str, ...] = ()
    #: Short forms matched case-sensitively (QKD, LLM, GaN).
    abbr: tuple[str, ...] = ()


class CodePattern(_Frozen):
    """A CPC/IPC prefix that signals a domain; the dates say when the code is in the scheme."""

    prefix: str
    scheme: str = "cpc"  # cpc | ipc | both
    valid_from: str | None = None
    valid_to: str | None = None
    #: `specific`: the code names the technology (G06N: AI); `field`: a WIPO IPC-technology field
    #: of which the domain is the main use (A61B: medical technology) — evidence, not proof.
    strength: Literal["specific", "field"] = "specific"

    @field_validator("prefix")
    @classmethod
    def _compact(cls, value: str) -> str:
        return value.replace(" ", "").upper()


class SubTech(_Frozen):
    """A sub-technology of a domain, with the terms that name it."""

    slug: str
    label_en: str
    label_ja: str
    terms: Terms = Terms()
    #: Terms that must not be counted for this sub-technology even when matched.
    exclude: tuple[str, ...] = ()

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError(f"slug must be lower_snake_case, got {value!r}")
        return value


class Crosswalk(_Frozen):
    """Names of matching areas in other official lists."""

    us_cet_2024: tuple[str, ...] = ()
    eu_2023: tuple[str, ...] = ()
    aspi: tuple[str, ...] = ()
    jp_basic_plan_7: tuple[str, ...] = ()


class OpenAlexSignals(_Frozen):
    """OpenAlex topics, subfields and fields (display names or ids) that signal the domain."""

    topics: tuple[str, ...] = ()
    subfields: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()


class OrgSignal(_Frozen):
    """An issuing organisation that speaks for domains: named in a record, or by its web address."""

    names: tuple[str, ...] = ()
    #: Address prefixes without the scheme: a host (`faa.gov`) or a host and path (a bureau).
    urls: tuple[str, ...] = ()
    domains: tuple[str, ...] = Field(min_length=1)
    #: True when nearly all it issues is about these domains (a regulator of one sector); else it
    #: only supports the domain's own terms in the text.
    dedicated: bool = False
    note: str = ""


class Domain(_Frozen):
    """One of Japan's 20 technology areas."""

    slug: str
    label_en: str
    label_ja: str
    description: str = ""
    subtechs: tuple[SubTech, ...] = Field(min_length=1)
    codes: tuple[CodePattern, ...] = ()
    arxiv: tuple[str, ...] = ()
    openalex: OpenAlexSignals = OpenAlexSignals()
    #: Subject terms that policy sources attach to documents (Federal Register CFR topics,
    #: GOV.UK document types) and that place a document in the domain, compared exactly.
    policy_topics: tuple[str, ...] = ()
    crosswalk: Crosswalk = Crosswalk()

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError(f"slug must be lower_snake_case, got {value!r}")
        return value

    def terms(self, language: str) -> list[tuple[str, str]]:
        """(sub-technology slug, term) pairs in one language (`en`, `ja` or `abbr`)."""
        return [(s.slug, t) for s in self.subtechs for t in getattr(s.terms, language)]


class ArxivMapping(_Frozen):
    """How arXiv categories map to domains for evaluation (documented in the taxonomy)."""

    note: str = ""
    categories: dict[str, tuple[str, ...]] = {}


class Taxonomy(_Frozen):
    """The versioned taxonomy file."""

    version: str
    domains: tuple[Domain, ...]
    arxiv_gold_mapping: ArxivMapping = ArxivMapping()
    organisations: tuple[OrgSignal, ...] = ()
    #: Terms with an everyday meaning in policy text (PLC: a public limited company): there they
    #: count only beside another sign of the same domain.
    context_terms: tuple[str, ...] = ()
    #: Phrases of policy titles that every agency issues alike (civil penalty adjustments, Privacy
    #: Act notices): on such a record the issuer does not speak for a domain.
    routine_policy_titles: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Taxonomy:
        slugs = [d.slug for d in self.domains]
        dupes = sorted({s for s in slugs if slugs.count(s) > 1})
        if dupes:
            raise ValueError(f"duplicate domain slug {dupes[0]!r}")
        sub = [s.slug for d in self.domains for s in d.subtechs]
        dupes = sorted({s for s in sub if sub.count(s) > 1})
        if dupes:
            raise ValueError(f"duplicate sub-technology slug {dupes[0]!r}")
        known = set(slugs)
        for org in self.organisations:
            for d in org.domains:
                if d not in known:
                    raise ValueError(f"organisations {org.names or org.urls}: unknown domain {d!r}")
        for cat, targets in self.arxiv_gold_mapping.categories.items():
            for t in targets:
                if t not in known:
                    raise ValueError(f"arxiv_gold_mapping.categories.{cat}: unknown domain {t!r}")
        return self

    @property
    def slugs(self) -> list[str]:
        """Domain slugs in taxonomy order."""
        return [d.slug for d in self.domains]

    def domain(self, slug: str) -> Domain:
        """The domain with this slug; KeyError names the known slugs."""
        for d in self.domains:
            if d.slug == slug:
                return d
        raise KeyError(f"unknown domain {slug!r}; known: {', '.join(self.slugs)}")

    def term_count(self) -> int:
        """Number of surface forms across all domains and languages."""
        return sum(
            len(s.terms.en) + len(s.terms.ja) + len(s.terms.abbr)
            for d in self.domains
            for s in d.subtechs
        )


def load_taxonomy(path: Path, *, require_japan_20: bool = True) -> Taxonomy:
    """Load `taxonomy.yaml`; with `require_japan_20`, insist on the 20 official slugs in order."""
    taxonomy = load_model(path, Taxonomy)
    if require_japan_20 and tuple(taxonomy.slugs) != DOMAIN_SLUGS:
        missing = [s for s in DOMAIN_SLUGS if s not in taxonomy.slugs]
        extra = [s for s in taxonomy.slugs if s not in DOMAIN_SLUGS]
        what = (
            f"missing {missing}" if missing else f"unexpected {extra}" if extra else "out of order"
        )
        raise ConfigError(f"{path}: domains: the 20 official areas are required in order ({what})")
    return taxonomy
