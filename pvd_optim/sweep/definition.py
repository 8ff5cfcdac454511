"""The ``sweep:`` section: a grid over scalar fields, Monte Carlo draws, or both.

::

    sweep:
      grid:                                   # every combination of these values
        resources.funding.envelope_eur: [20e6, 25.8e6, 35e6]
        balance.tolerance_share: {start: 0.05, stop: 0.25, step: 0.05}
      monte_carlo:                            # and, for each grid point, these draws
        draws: 200
        seed: 2026
        parameters:
          themes.definitions.habitat.housing_vacancy_pct:
            {distribution: uniform, low: 0.5, high: 1.5, relative: true}

Keys are the dotted fields of ``--set``; values are read as written (``0.15`` is
0.15, ranges step in decimal so that ``0.05 + 2 * 0.05`` is 0.15). With both a grid
and draws, every grid point is combined with every draw (the same draws at each
point, so that grid points compare draw by draw). The models here check the shape
of the section; :mod:`pvd_optim.sweep.variants` checks each value against the
scenario, so that every error names the sweep key and its line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from pvd_optim.errors import ScenarioError
from pvd_optim.i18n.message import Message, Plural
from pvd_optim.scenario.fields import Frozen
from pvd_optim.scenario.messages import validator_message
from pvd_optim.scenario.yaml_reader import FieldPath, Lines

#: Most variants one sweep may define (grid points x draws). A variant's record is about
#: 50 kB on the national scenario, so the bound keeps a sweep folder within 5 GB; split a
#: larger study into several sweeps.
MAX_VARIANTS = 100_000
#: Most values of one grid axis.
MAX_AXIS_VALUES = 10_000

#: What the report plots by default: one metric of each kind (benefit, reach, equity,
#: balance) of ``pvd_optim.analysis.METRICS``.
DEFAULT_REPORT_METRICS = ("objective", "covered_share", "need_funded_share",
                          "gini_funding_per_inhabitant", "max_regional_deviation_funding")

Scalar = bool | int | float | str | None


def _single(value: Any) -> Scalar:
    """A value a field may be set to: a finite number, text, true or false (or null)."""
    if isinstance(value, list | tuple | dict):
        raise ValueError(Message("values must be single values (numbers, text, true or false), "
                                 "got {value}", value=repr(value)))
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(Message("must be a finite number, got {value}", value=repr(value)))
    if value is not None and not isinstance(value, bool | int | float | str):
        raise ValueError(Message("must be a number, text, true or false, got {value}",
                                 value=repr(value)))
    return value


#: One value of a grid axis or a choice; checked as a whole, so that a wrong value gets one
#: message (not one per type it failed to be).
SingleValue = Annotated[Scalar, PlainValidator(_single)]


class ValueRange(Frozen):
    """Evenly spaced values from ``start`` to ``stop`` (included when a step lands on it)."""

    start: float
    stop: float
    step: float = Field(gt=0, description="Distance between values (positive).")

    @model_validator(mode="after")
    def _ordered(self) -> ValueRange:
        if self.stop < self.start:
            raise ValueError(Message("stop ({stop:g}) is below start ({start:g}); write the "
                                     "smaller value as start", stop=self.stop, start=self.start))
        return self

    def values(self) -> tuple[float | int, ...]:
        """The values, computed in decimal so that they read as written (0.15, not 0.1500...1).

        Whole numbers stay whole when start and step are whole.
        """
        start, step, stop = (Decimal(repr(x)) for x in (self.start, self.step, self.stop))
        count = int((stop - start) / step) + 1
        if count > MAX_AXIS_VALUES:
            raise ValueError(Message("gives {count:,} values, more than the limit of {limit:,} "
                                     "per axis; use a larger step", count=count,
                                     limit=MAX_AXIS_VALUES))
        whole = start == start.to_integral_value() and step == step.to_integral_value()
        out = [start + i * step for i in range(count)]
        return tuple(int(v) if whole else float(v) for v in out)


class _Drawn(Frozen):
    """What every distribution shares: draws may multiply the base value, and be rounded."""

    relative: bool = Field(
        False, description="Draws multiply the base scenario's value of the field (a factor).")
    decimals: int | None = Field(
        None, ge=0, le=12, description="Round each value to this many decimals (0: whole).")


class Uniform(_Drawn):
    """Uniform between ``low`` and ``high``."""

    distribution: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(Message("low ({low:g}) must be below high ({high:g})", low=self.low,
                                     high=self.high))
        return self


class LogUniform(_Drawn):
    """Log-uniform between ``low`` and ``high`` (both positive): each factor of 2 as likely."""

    distribution: Literal["loguniform"]
    low: float = Field(gt=0)
    high: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> LogUniform:
        if not self.low < self.high:
            raise ValueError(Message("low ({low:g}) must be below high ({high:g})", low=self.low,
                                     high=self.high))
        return self


class Normal(_Drawn):
    """Normal with ``mean`` and ``sd``, truncated to [``low``, ``high``] when given."""

    distribution: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _window(self) -> Normal:
        low = self.low if self.low is not None else float("-inf")
        high = self.high if self.high is not None else float("inf")
        if not low < high:
            raise ValueError(Message("low ({low:g}) must be below high ({high:g})", low=low,
                                     high=high))
        # Truncated by redrawing: a window far in a tail would take forever to fill.
        if (low - self.mean) / self.sd > 3 or (self.mean - high) / self.sd > 3:
            raise ValueError(Message("the window [low, high] lies more than 3 sd from the mean; "
                                     "move the mean into it or widen it"))
        return self


class Triangular(_Drawn):
    """Triangular from ``low`` to ``high``, most likely at ``mode``."""

    distribution: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(Message("needs low <= mode <= high and low < high; got {low:g}, "
                                     "{mode:g}, {high:g}", low=self.low, mode=self.mode,
                                     high=self.high))
        return self


class Choice(Frozen):
    """One of ``values``, each equally likely."""

    distribution: Literal["choice"]
    values: tuple[SingleValue, ...] = Field(min_length=1, max_length=MAX_AXIS_VALUES)


Distribution = Annotated[Uniform | LogUniform | Normal | Triangular | Choice,
                         Field(discriminator="distribution")]
DISTRIBUTIONS = ("uniform", "loguniform", "normal", "triangular", "choice")


class MonteCarlo(Frozen):
    """Random draws: ``draws`` variants, each field drawn from its distribution."""

    draws: int = Field(ge=1, le=MAX_VARIANTS, description="Number of draws (variants).")
    seed: int = Field(ge=0, description="Seed of the draws: the same seed, the same variants.")
    parameters: dict[str, Distribution] = Field(
        min_length=1, description="Dotted field -> its distribution.")


def _axis_kind(value: Any) -> str | None:
    if isinstance(value, dict | ValueRange):
        return "range"
    if isinstance(value, list | tuple):
        return "values"
    return None


#: Tags of the grid axis's two forms, in error locations (not fields).
AXIS_FORMS = ("values", "range")
GridAxis = Annotated[
    Annotated[tuple[SingleValue, ...], Field(min_length=1, max_length=MAX_AXIS_VALUES),
              Tag("values")]
    | Annotated[ValueRange, Tag("range")],
    Discriminator(_axis_kind, custom_error_type="grid_axis",
                  custom_error_message="must be a list of values such as [20e6, 35e6], or a "
                                       "range such as {start: 0.05, stop: 0.25, step: 0.05}"),
]


class SweepSection(Frozen):
    """A sweep: a grid, Monte Carlo draws, or both (every grid point with every draw)."""

    description: str = Field("", description="What this sweep asks.")
    grid: dict[str, GridAxis] = Field(
        default_factory=dict,
        description="Dotted field -> list of values, or {start, stop, step}.")
    monte_carlo: MonteCarlo | None = Field(None, description="Random draws over fields.")
    report_metrics: tuple[str, ...] = Field(
        DEFAULT_REPORT_METRICS, min_length=1,
        description="Metrics of pvd_optim.analysis.METRICS the report plots.")

    @field_validator("report_metrics")
    @classmethod
    def _known_metrics(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from pvd_optim.analysis import METRICS

        unknown = [m for m in value if m not in METRICS]
        if unknown:
            raise ValueError(Message("unknown metric(s) {unknown}; known: {known}",
                                     unknown=str(unknown), known=str(list(METRICS))))
        return value

    @model_validator(mode="after")
    def _something_to_sweep(self) -> SweepSection:
        if not self.grid and self.monte_carlo is None:
            raise ValueError(Message("defines no variant: give a `grid`, a `monte_carlo` "
                                     "section, or both"))
        both = sorted(set(self.grid) & set(self.monte_carlo.parameters if self.monte_carlo
                                           else {}))
        if both:
            raise ValueError(Message("field(s) {both} are both in the grid and drawn; sweep "
                                     "each field one way", both=str(both)))
        return self

    def axes(self) -> dict[str, tuple[Scalar, ...]]:
        """Each grid field with its values (ranges expanded)."""
        return {key: axis.values() if isinstance(axis, ValueRange) else axis
                for key, axis in self.grid.items()}

    def keys(self) -> tuple[str, ...]:
        """Every swept field, grid first, in the order written."""
        drawn = tuple(self.monte_carlo.parameters) if self.monte_carlo else ()
        return (*self.grid, *drawn)


# ---- located validation ---------------------------------------------------------------------

_TYPE_TAG = re.compile(r".*\[.*\]|function-\w+|constrained-\w+|float|int|str|bool|none|"
                       r"tuple|ValueRange|list")


def _path(loc: tuple[Any, ...]) -> FieldPath:
    """A pydantic error location as a field path: union tags and list positions kept apart."""
    parts: list[str] = []
    for part in loc:
        text = str(part)
        if _TYPE_TAG.fullmatch(text):
            continue
        # A discriminated union names the branch after the key: not a field.
        if len(parts) >= 3 and parts[-3:-1] == ["monte_carlo", "parameters"] and (
                text in DISTRIBUTIONS):
            continue
        if len(parts) >= 2 and parts[-2] == "grid" and text in AXIS_FORMS:
            continue
        parts.append(text)
    return tuple(parts)


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        return Message("unknown field; see the sweep section's fields in "
                       "pvd_optim/sweep/definition.py")
    if kind == "missing":
        return Message("required field is missing")
    if kind == "union_tag_invalid" or kind == "union_tag_not_found":
        return Message("`distribution` must be one of {names}", names=", ".join(DISTRIBUTIONS))
    if kind == "too_short":
        return Message("is empty; give at least one")
    text = validator_message(dict(error))
    if kind != "value_error" and given is not None and not isinstance(given, dict | list):
        return Message("{message}. Got {given} instead", message=text, given=repr(given))
    return text


def located_at(lines: Lines, path: FieldPath, default_file: str | None
               ) -> dict[str, Any]:
    """``file``, ``line`` and ``field`` keywords for an error about ``sweep.<path>``."""
    full = ("sweep", *path)
    for cut in range(len(full), 0, -1):
        if full[:cut] in lines:
            file, line = lines[full[:cut]]
            return {"file": file, "line": line, "field": ".".join(full)}
    return {"file": default_file, "line": None, "field": ".".join(full)}


def parse_section(raw: Any, lines: Lines, file: str | None) -> SweepSection:
    """Validate the raw ``sweep:`` mapping; a problem is a ``ScenarioError`` at its line."""
    if not isinstance(raw, dict):
        where = located_at(lines, (), file)
        if raw is None:
            raise ScenarioError(Message("the scenario has no `sweep:` section; add one with a "
                                        "`grid` or `monte_carlo` (see "
                                        "scenarios/sweep-envelope.yaml)"), **where)
        raise ScenarioError(Message("must be a section (grid:, monte_carlo:), got {raw}",
                                    raw=repr(raw)), **where)
    try:
        return SweepSection.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        # A list whose items all failed is also "too short" after validation: not news.
        errors = [e for e in errors if not (e["type"] == "too_short" and any(
            len(o["loc"]) > len(e["loc"]) and o["loc"][:len(e["loc"])] == e["loc"]
            for o in errors))]
        first = errors[0]
        path = _path(tuple(first["loc"]))
        more = len(errors) - 1
        message = _message(first)
        if more:
            message = Message("{message}{more}", message=message, more=Plural(
                " (and {count} more problem)", " (and {count} more problems)", more))
        raise ScenarioError(message, **located_at(lines, path, file)) from None


__all__ = ["DEFAULT_REPORT_METRICS", "DISTRIBUTIONS", "MAX_VARIANTS", "Choice", "Distribution",
           "LogUniform", "MonteCarlo", "Normal", "SweepSection", "Triangular", "Uniform",
           "ValueRange", "located_at", "parse_section"]
