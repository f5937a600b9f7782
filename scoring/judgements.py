"""Expert judgements beside the computed scores; they move priority only by a declared adjustment."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from horizon.config.loader import ConfigError, load_model

#: CRDS panoramic-report ratings: ◎ very strong, ○ strong, △ weak, × very weak.
Rating = Literal["◎", "○", "△", "×"]
#: Control characters (line breaks included) and the separators YAML also reads as breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
JUDGEMENT_COLUMNS = ["domain", "analyst", "judgement_date", "rating", "note", "adjustment"]


class Judgement(BaseModel):
    """One analyst's rating or note on a domain."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    domain: str
    analyst: str = Field(min_length=1)
    date: date
    rating: Rating | None = None
    note: str = ""
    #: Declared shift of the composite priority, visible in every output.
    adjustment: float = Field(default=0.0, ge=-0.2, le=0.2)

    @field_validator("domain", "analyst")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if _CONTROL.search(value) or len(value) > 100:
            raise ValueError("must be one line of printable text, at most 100 characters")
        return value.strip()

    @field_validator("note")
    @classmethod
    def _printable(cls, value: str) -> str:
        if _CONTROL.search(value.replace("\n", "").replace("\t", "")) or len(value) > 2000:
            raise ValueError(
                "must be printable text (line breaks allowed), at most 2000 characters"
            )
        return value


class Judgements(BaseModel):
    """`judgements.yaml`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str = "1"
    judgements: tuple[Judgement, ...] = ()

    @model_validator(mode="after")
    def _note_or_rating(self) -> Judgements:
        for i, j in enumerate(self.judgements):
            if j.rating is None and not j.note.strip() and j.adjustment == 0:
                raise ValueError(f"judgements.{i}: give a rating, a note or an adjustment")
        return self

    def frame(self) -> pd.DataFrame:
        """The judgements as rows of the `judgements` table (without scan_id)."""
        return pd.DataFrame(
            [
                (j.domain, j.analyst, j.date, j.rating, j.note, j.adjustment)
                for j in self.judgements
            ],
            columns=JUDGEMENT_COLUMNS,
        )


def load_judgements(path: Path, *, domains: list[str] | None = None) -> Judgements:
    """Load `judgements.yaml`; with `domains`, an unknown domain slug is a one-line ConfigError."""
    model = load_model(path, Judgements)
    if domains is not None:
        for i, j in enumerate(model.judgements):
            if j.domain not in domains:
                raise ConfigError(f"{path}: judgements.{i}.domain: unknown domain {j.domain!r}")
    return model


def adjustments(judgements: Judgements | None, domains: list[str]) -> np.ndarray:
    """Declared adjustment per domain: the sum of its judgements', clipped to [−0.2, 0.2]."""
    out = pd.Series(0.0, index=domains)
    if judgements is not None:
        for j in judgements.judgements:
            if j.domain in out.index:
                out[j.domain] += j.adjustment
    return out.clip(-0.2, 0.2).to_numpy()


def summaries(judgements: Judgements | None, domains: list[str]) -> dict[str, list[Judgement]]:
    """Judgements per domain, latest first."""
    out: dict[str, list[Judgement]] = {d: [] for d in domains}
    if judgements is not None:
        for j in sorted(judgements.judgements, key=lambda j: (j.date, j.analyst), reverse=True):
            if j.domain in out:
                out[j.domain].append(j)
    return out
