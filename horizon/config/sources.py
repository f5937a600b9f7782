"""Per-source crawl settings: endpoint, sharing label, caps and rate limits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
    page_size: int = Field(default=100, ge=1, le=1000)
    #: First date asked for when no watermark and no --since exist.
    default_since: dt.date | None = None
    #: Names of environment variables the flow reads credentials from (never the values).
    credentials_env: dict[str, str] = {}
    feeds: tuple[FeedConfig, ...] = ()

    @field_validator("sharing", mode="before")
    @classmethod
    def _sharing(cls, value: object) -> object:
        return Sharing.parse(value) if isinstance(value, str) else value


class SourcesConfig(_Frozen):
    """`sources.yaml`: contact, defaults and one entry per spider."""

    user_agent: str
    contact: str
    sources: dict[str, SourceConfig]

    def enabled(self) -> list[str]:
        """Names of enabled sources, in file order."""
        return [name for name, cfg in self.sources.items() if cfg.enabled]


def load_sources(path: Path) -> SourcesConfig:
    """Load `sources.yaml`."""
    return load_model(path, SourcesConfig)
