"""Scoring weights, normalisation, aggregation, uncertainty and the protect/nurture rule."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from horizon.config.loader import load_model

Normalisation = Literal["minmax", "rank", "zscore", "frontier"]
Aggregation = Literal["arithmetic", "geometric"]
AXES = ("japan_strength", "foreign_activity", "socioeconomic")
AxisName = Literal["japan_strength", "foreign_activity", "socioeconomic"]

#: Indicators an axis may weight, and the country their row is read for (docs/methodology.md).
#: "home" = the home country's row (JP), "world" = the domain-level row (WORLD).
SCORABLE_INDICATORS: dict[str, Literal["home", "world"]] = {
    "paper_share": "home",
    "patent_share": "home",
    "top10_share": "home",
    "fwci": "home",
    "activity_index_sym": "home",
    "rta_patents_sym": "home",
    "indispensability": "home",
    "exposure": "home",
    "foreign_volume": "world",
    "foreign_cagr": "world",
    "foreign_acceleration": "world",
    "foreign_burst_weight": "world",
    "n_countries_specialised": "world",
    "research_lead": "world",
    "hhi": "world",
    "monopoly_risk": "world",
    "policy_intensity_foreign": "world",
    "policy_intensity_domestic": "world",
    "policy_momentum": "world",
    "policy_funding_usd": "world",
    "jp_policy_alignment": "home",
}


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
    #: Skewed indicators clipped to the winsor quantiles before normalising (Handbook step 4).
    winsorise: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> AxisWeights:
        unknown = [k for k in self.indicators if k not in SCORABLE_INDICATORS]
        if unknown:
            raise ValueError(
                f"indicators.{unknown[0]}: unknown indicator; known: {', '.join(SCORABLE_INDICATORS)}"
            )
        _positive_weights(self.indicators, "indicators")
        stray = [k for k in self.winsorise if k not in self.indicators]
        if stray:
            raise ValueError(f"winsorise.{stray[0]}: not an indicator of this axis")
        return self


class Uncertainty(_Frozen):
    """Monte Carlo over the uncertain choices (JRC/OECD Handbook step 8)."""

    draws: int = Field(default=1000, ge=10, le=100_000)
    seed: int = 20260930
    #: Each weight is multiplied by U(1 − jitter, 1 + jitter) per draw.
    weight_jitter: float = Field(default=0.5, ge=0, lt=1)
    normalisations: tuple[Normalisation, ...] = Field(default=("minmax", "rank"), min_length=1)
    aggregations: tuple[Aggregation, ...] = Field(default=("arithmetic", "geometric"), min_length=1)
    percentiles: tuple[float, float] = (5.0, 95.0)
    #: Quantile bins of a weight's multiplier for the first-order (Sobol-style) index.
    sensitivity_bins: int = Field(default=10, ge=2, le=100)

    @model_validator(mode="after")
    def _check(self) -> Uncertainty:
        lo, hi = self.percentiles
        if not 0 <= lo < hi <= 100:
            raise ValueError("percentiles: need 0 ≤ low < high ≤ 100")
        return self


#: Japan's strength measures the decision reads; each is a ratio to Japan's own all-field level,
#: so a domain's strength does not move when another domain's data change.
StrengthMeasure = Literal["activity_index", "rta_patents", "top10_relative"]


class Decision(_Frozen):
    """Protect / nurture: each class its own score, thresholds with their reasons (weights.yaml)."""

    #: Weight of each strength measure in Japan's strength S = Σ w · RTA/(1 + RTA) / Σ w.
    strength: dict[StrengthMeasure, float] = {
        "activity_index": 1.0, "rta_patents": 1.0, "top10_relative": 1.0,
    }  # fmt: skip
    #: Fractional documents below which a count cannot establish a strength (Japan's count) or
    #: a domain's baseline (the domain's count): the measure is capped at neutral or left out.
    min_count: float = Field(default=10.0, ge=0)
    #: S above this is "strong" (0.5 ⇔ RTA = 1, Balassa's no-specialisation point).
    strong_min: float = Field(default=0.5, gt=0, lt=1)
    #: protect_score = S × pressure must reach this.
    protect_min: float = Field(default=0.25, ge=0, le=1)
    #: nurture_score = importance × (1 − S) must reach this.
    nurture_min: float = Field(default=0.25, ge=0, le=1)
    #: A class drawn at least this often is the domain's stable class; else "uncertain".
    stable_min: float = Field(default=0.8, gt=0.5, le=1)
    #: Monte Carlo draws (bootstrap of documents × weights × normalisation × thresholds).
    draws: int = Field(default=1000, ge=10, le=100_000)
    seed: int = 20261207
    #: Each threshold is multiplied by U(1 − jitter, 1 + jitter) per draw.
    threshold_jitter: float = Field(default=0.2, ge=0, lt=1)
    #: Each weight is multiplied by U(1 − jitter, 1 + jitter) per draw.
    weight_jitter: float = Field(default=0.5, ge=0, lt=1)
    normalisations: tuple[Normalisation, ...] = Field(
        default=("minmax", "rank", "zscore"), min_length=1
    )
    #: Resample the documents (Poisson bootstrap); off only to isolate the other choices.
    bootstrap: bool = True

    @model_validator(mode="after")
    def _check(self) -> Decision:
        _positive_weights(dict(self.strength), "decision.strength")
        return self


class Windows(_Frozen):
    """Time windows for indicators."""

    years: int = Field(default=5, ge=1, le=20)
    #: A window whose last year has less than this fraction of the previous year's volume is flagged.
    incomplete_ratio: float = Field(default=0.6, ge=0, le=1)
    #: How many windows (latest first) get indicator rows; axes read the latest.
    count: int = Field(default=2, ge=1, le=10)
    #: Moving sums over this many years damp noise before CAGR (methods.md § Growth).
    moving_sum: int = Field(default=3, ge=1, le=10)
    #: CAGR is taken over this many years; acceleration compares two such spans.
    growth_span: int = Field(default=3, ge=1, le=10)
    #: Added to both moving sums before CAGR: growth from zero is growth, small counts shrink.
    growth_smoothing: float = Field(default=1.0, ge=0)


class Citations(_Frozen):
    """Highly-cited share (ASPI, NISTEP)."""

    top_share: float = Field(default=0.10, gt=0, lt=1)


class Concentration(_Frozen):
    """Lead, concentration, specialisation, indispensability and exposure."""

    cr_k: int = Field(default=3, ge=1, le=20)
    #: CR_k at or above this means the top countries hold most of the output.
    concentrated_min: float = Field(default=0.6, ge=0, le=1)
    #: Home share below this counts as absent (exposure).
    absent_max: float = Field(default=0.02, ge=0, le=1)
    lead_cap: float = Field(default=100.0, gt=1)
    #: Countries with less fractional output than this are not counted as specialised (RTA > 1).
    rta_min_count: float = Field(default=1.0, ge=0)
    high_lead: float = Field(default=3.0, gt=1)
    high_institutions: int = Field(default=8, ge=1)
    medium_lead: float = Field(default=2.0, gt=1)
    medium_institutions: int = Field(default=5, ge=1)
    top_institutions: int = Field(default=10, ge=1)


class Bursts(_Frozen):
    """Kleinberg two-state batched bursts."""

    gamma: float = Field(default=1.0, gt=0)
    s: float = Field(default=2.0, gt=1)
    bin: Literal["year", "month"] = "year"


class Socioeconomic(_Frozen):
    """Policy-announcement intensity, momentum and funding."""

    half_life_days: float = Field(default=365.0, gt=0)
    momentum_days: int = Field(default=365, ge=7)
    #: Added to both spans' counts before momentum ((r + a)/(q + a) in symmetric form).
    momentum_smoothing: float = Field(default=1.0, ge=0)
    #: USD per unit of each currency, to add announced amounts (approximate, update with the file).
    fx_usd: dict[str, float] = {
        "USD": 1.0, "JPY": 0.0067, "EUR": 1.08, "GBP": 1.27, "CNY": 0.14, "KRW": 0.00073,
        "AUD": 0.66, "CAD": 0.73, "INR": 0.012, "TWD": 0.031, "CHF": 1.13, "SGD": 0.74,
    }  # fmt: skip


class Maturity(_Frozen):
    """Maturity band from the paper/patent/policy mix (Watts & Porter) and a logistic fit."""

    #: Stage weight of each kind; the mix index is the weighted mean, in [0, 1].
    stage_weights: dict[Literal["paper", "patent", "policy"], float] = {
        "paper": 0.0, "patent": 1.0, "policy": 1.0,
    }  # fmt: skip
    #: Index below the first cut → basic_research; below the second → applied; else implementation.
    cuts: tuple[float, float] = (0.25, 0.5)
    bootstrap: int = Field(default=200, ge=10, le=10_000)
    logistic_min_years: int = Field(default=5, ge=4)

    @model_validator(mode="after")
    def _check(self) -> Maturity:
        if not 0 <= self.cuts[0] < self.cuts[1] <= 1:
            raise ValueError("cuts: need 0 ≤ first < second ≤ 1")
        return self


class Network(_Frozen):
    """Technology co-occurrence network."""

    #: Above this many nodes, betweenness is estimated from `betweenness_k` sampled sources.
    exact_betweenness_max: int = Field(default=300, ge=1)
    betweenness_k: int = Field(default=100, ge=1)
    min_edge_records: float = Field(default=1.0, ge=0)


class Weights(_Frozen):
    """`weights.yaml`."""

    version: str
    home_country: str = Field(default="JP", pattern=r"^[A-Z]{2}$")
    normalisation: Normalisation = "minmax"
    aggregation: Aggregation = "arithmetic"
    #: Winsor quantiles for the indicators an axis lists under `winsorise`.
    winsor_quantiles: tuple[float, float] = (0.05, 0.95)
    #: Geometric aggregation floors values at this before taking logs (zeros would absorb all).
    geometric_floor: float = Field(default=0.01, gt=0, lt=1)
    windows: Windows = Windows()
    citations: Citations = Citations()
    concentration: Concentration = Concentration()
    bursts: Bursts = Bursts()
    socioeconomic_params: Socioeconomic = Socioeconomic()
    maturity: Maturity = Maturity()
    network: Network = Network()
    axes: dict[AxisName, AxisWeights]
    composite: dict[AxisName, float]
    uncertainty: Uncertainty = Uncertainty()
    decision: Decision = Decision()
    evidence_per_axis: int = Field(default=10, ge=1, le=1000)

    @model_validator(mode="after")
    def _check(self) -> Weights:
        missing = [a for a in AXES if a not in self.axes]
        if missing:
            raise ValueError(f"axes.{missing[0]}: missing axis")
        _positive_weights(dict(self.composite), "composite")
        lo, hi = self.winsor_quantiles
        if not 0 <= lo < hi <= 1:
            raise ValueError("winsor_quantiles: need 0 ≤ low < high ≤ 1")
        return self


def load_weights(path: Path) -> Weights:
    """Load `weights.yaml`."""
    return load_model(path, Weights)
