"""Scoring weights, normalisation, aggregation, uncertainty and the protect/nurture rule."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from horizon.config.loader import load_model

Normalisation = Literal["minmax", "rank", "zscore", "frontier"]
Aggregation = Literal["arithmetic", "geometric"]
AXES = ("japan_strength", "foreign_activity", "socioeconomic")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _positive_weights(weights: dict[str, float], what: str) -> None:
    if not weights:
        raise ValueError(f"{what}: at least one weight is needed")
    bad = {k: v for k, v in weights.items() if v < 0}
    if bad:
        raise ValueError(f"{what}.{next(iter(bad))}: weights must be ≥ 0")
    if sum(weights.values()) <= 0:
        raise ValueError(f"{what}: weights sum to 0")


class AxisWeights(_Frozen):
    """Indicator weights within one axis (renormalised to sum to 1)."""

    indicators: dict[str, float]

    @model_validator(mode="after")
    def _check(self) -> AxisWeights:
        _positive_weights(self.indicators, "indicators")
        return self


class Uncertainty(_Frozen):
    """Monte Carlo over the uncertain choices (JRC/OECD Handbook step 8)."""

    draws: int = Field(default=1000, ge=10, le=100_000)
    seed: int = 20260930
    #: Each weight is multiplied by U(1 − jitter, 1 + jitter) per draw.
    weight_jitter: float = Field(default=0.5, ge=0, lt=1)
    normalisations: tuple[Normalisation, ...] = ("minmax", "rank")
    aggregations: tuple[Aggregation, ...] = ("arithmetic", "geometric")
    percentiles: tuple[float, float] = (5.0, 95.0)


class ClassRule(_Frozen):
    """Thresholds on the axes for one class; a domain matching none is `monitor`."""

    japan_strength_min: float | None = Field(default=None, ge=0, le=1)
    japan_strength_max: float | None = Field(default=None, ge=0, le=1)
    foreign_activity_min: float | None = Field(default=None, ge=0, le=1)
    socioeconomic_min: float | None = Field(default=None, ge=0, le=1)
    #: Either foreign activity or socioeconomic pressure must reach this (nurture).
    pressure_min: float | None = Field(default=None, ge=0, le=1)


class Windows(_Frozen):
    """Time windows for indicators."""

    years: int = Field(default=5, ge=1, le=20)
    #: A window whose last year has less than this fraction of the previous year's volume is flagged.
    incomplete_ratio: float = Field(default=0.6, ge=0, le=1)


class Weights(_Frozen):
    """`weights.yaml`."""

    version: str
    home_country: str = Field(default="JP", pattern=r"^[A-Z]{2}$")
    normalisation: Normalisation = "minmax"
    aggregation: Aggregation = "arithmetic"
    windows: Windows = Windows()
    axes: dict[Literal["japan_strength", "foreign_activity", "socioeconomic"], AxisWeights]
    composite: dict[Literal["japan_strength", "foreign_activity", "socioeconomic"], float]
    uncertainty: Uncertainty = Uncertainty()
    classes: dict[Literal["protect", "nurture"], ClassRule]
    evidence_per_axis: int = Field(default=10, ge=1, le=1000)

    @model_validator(mode="after")
    def _check(self) -> Weights:
        missing = [a for a in AXES if a not in self.axes]
        if missing:
            raise ValueError(f"axes.{missing[0]}: missing axis")
        _positive_weights(dict(self.composite), "composite")
        return self


def load_weights(path: Path) -> Weights:
    """Load `weights.yaml`."""
    return load_model(path, Weights)
