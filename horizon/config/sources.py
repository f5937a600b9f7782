"""Per-source crawl settings: endpoint, sharing label, caps and rate limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from horizon.config.loader import load_model
from horizon.schemas import Sharing


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FeedConfig(_Frozen):
    """One RSS/Atom feed read by `policy_feed`."""

    name: str
    url: str
    country: str = Field(pattern=r"^[A-Z]{2}$|^EU$")
    sharing: Sharing = Sharing.clear
    language: str | None = None
    #: Encoding to use when the feed's declaration is wrong or missing (e.g. cp932).
    encoding: str | None = None
    #: Fetch the linked page for full text when the feed carries only a summary.
    fetch_articles: bool = False

    @field_validator("sharing", mode="before")
    @classmethod
    def _sharing(cls, value: object) -> object:
        return Sharing.parse(value) if isinstance(value, str) else value


class SourceConfig(_Frozen):
    """Settings of one spider."""

    enabled: bool = True
    base_url: str
    sharing: Sharing = Sharing.clear
    #: Records per scan at most.
    max_records: int = Field(default=5000, ge=1)
    #: Requests per second at most (AutoThrottle target and download delay).
    rate_limit: float = Field(default=1.0, gt=0)
    #: Connections open to the source at once at most (arXiv's terms: one).
    connections: int = Field(default=2, ge=1, le=8)
    page_size: int = Field(default=100, ge=1, le=1000)
    #: First date asked for when no watermark and no --since exist.
    default_since: dt.date | None = None
    #: Names of environment variables the flow reads credentials from (never the values).
    credentials_env: dict[str, str] = {}
    #: Credentials (keys of credentials_env) a live crawl cannot do without, and the page where
    #: they are obtained: a missing one is a one-line error naming the variable and the page.
    credentials_required: tuple[str, ...] = ()
    credentials_url: str | None = None
    #: `obey`: robots.txt governs; `api_terms`: the API's terms of use govern instead (cited in
    #: terms_url), as for arXiv, whose API host's robots.txt disallows all crawlers.
    robots: Literal["obey", "api_terms"] = "obey"
    terms_url: str | None = None
    #: The key in use is on the source's paid plan, which unlocks filters free keys lack (OpenAlex
    #: `from_created_date`/`to_created_date`, asked by index date instead of publication date).
    paid_plan: bool = False
    #: Bytes asked for per ranged request of a file too large for one body (USPTO bulk files):
    #: the parts are appended to a file on disk, never held together in memory.
    part_bytes: int = Field(default=32 * 1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024)
    feeds: tuple[FeedConfig, ...] = ()

    def missing_credentials(self, name: str, credentials: Mapping[str, str]) -> str | None:
        """One line saying which required credential is missing and where to get it, or None."""
        missing = [k for k in self.credentials_required if not credentials.get(k)]
        if not missing:
            return None
        variables = ", ".join(self.credentials_env.get(k, k.upper()) for k in missing)
        where = f"; get one at {self.credentials_url}" if self.credentials_url else ""
        return f"{name} needs {variables} set in the environment{where}"

    @model_validator(mode="after")
    def _required_are_named(self) -> SourceConfig:
        unknown = [k for k in self.credentials_required if k not in self.credentials_env]
        if unknown:
            raise ValueError(f"credentials_required names {unknown} not in credentials_env")
        if self.robots == "api_terms" and not self.terms_url:
            raise ValueError("robots: api_terms needs terms_url (the terms that govern instead)")
        return self

    @field_validator("sharing", mode="before")
    @classmethod
    def _sharing(cls, value: object) -> object:
        return Sharing.parse(value) if isinstance(value, str) else value


#: Domains reserved for documentation and testing (RFC 2606, RFC 6761): nobody reads mail there.
PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net")
PLACEHOLDER_SUFFIXES = (".example", ".invalid", ".test", ".localhost")
#: The environment variable that overrides `contact` (read by the crawl process's entry point).
CONTACT_ENV = "HORIZON_CONTACT"


def is_placeholder_contact(contact: str) -> bool:
    """Whether a contact reaches nobody: empty, or at a reserved example/test domain."""
    value = contact.strip().removeprefix("mailto:")
    host = value.rsplit("@", 1)[-1].split("/")[0].split(":")[0].lower().rstrip(".")
    if "://" in value:
        host = value.split("://", 1)[1].split("/")[0].split(":")[0].lower().rstrip(".")
    if not host:
        return True
    return (
        host in PLACEHOLDER_DOMAINS
        or any(host.endswith(f".{d}") for d in PLACEHOLDER_DOMAINS)
        or host.endswith(PLACEHOLDER_SUFFIXES)
        or host.lstrip(".") in {s.lstrip(".") for s in PLACEHOLDER_SUFFIXES}
    )


class SourcesConfig(_Frozen):
    """`sources.yaml`: contact, defaults and one entry per spider."""

    user_agent: str
    #: How the operator is reached, sent in every live request's User-Agent (`mailto:…` or a URL);
    #: HORIZON_CONTACT overrides it. A live crawl refuses a placeholder (`example.org`).
    contact: str
    sources: dict[str, SourceConfig]

    def with_contact(self, contact: str | None) -> SourcesConfig:
        """The same config with another contact (the environment's override), when one is given."""
        return (
            self.model_copy(update={"contact": contact.strip()})
            if contact and contact.strip()
            else self
        )

    def contact_refusal(self) -> str | None:
        """One line saying why a live crawl may not send this contact, or None."""
        if not is_placeholder_contact(self.contact):
            return None
        return (
            f"live crawling refused: the contact {self.contact!r} is a placeholder; set "
            f"{CONTACT_ENV} (e.g. mailto:you@your.org) or `contact` in sources.yaml"
        )

    def enabled(self) -> list[str]:
        """Names of enabled sources, in file order."""
        return [name for name, cfg in self.sources.items() if cfg.enabled]


def load_sources(path: Path) -> SourcesConfig:
    """Load `sources.yaml`."""
    return load_model(path, SourcesConfig)
