"""From a base scenario and its sweep section to variants: complete, validated scenarios.

Each variant is the base scenario with its parameters set by ``with_overrides`` (the
same rules as ``--set``: a scalar per-theme field expands to its mapping, numbers are
read as written), validated in full before anything is solved. A variant's id is
derived from its parameters alone (and its draw number), so the same variant has the
same id in every sweep and every run of a sweep.

Monte Carlo draws are reproducible: each field has its own random stream, seeded by
the sweep's seed and the field's name (``numpy.random.SeedSequence``), so adding a
field to a sweep does not change the draws of the others.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pvd_optim.errors import ScenarioError
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message
from pvd_optim.pipeline import check_solver_settings
from pvd_optim.scenario import with_overrides
from pvd_optim.scenario.schema import PER_THEME_FIELDS, Scenario
from pvd_optim.scenario.yaml_reader import Lines
from pvd_optim.sweep.definition import (
    MAX_VARIANTS,
    Choice,
    Distribution,
    LogUniform,
    Normal,
    SweepSection,
    Triangular,
    Uniform,
    ValueRange,
    located_at,
)

#: Fields a sweep may not change, and why.
FIXED_FIELDS = {
    "solver.threads": N_("a sweep solves every variant on one thread (HiGHS keeps the thread "
                         "count of a process's first solve); parallelism comes from --workers"),
    "sweep": N_("a variant cannot hold a sweep of its own"),
    "source": N_("set by pvd-optim to the file a scenario was read from"),
}
#: Columns of the sweep's tables that a parameter may not be named like.
RESERVED_COLUMNS = frozenset({"variant_id", "sample", "status", "error", "mip_gap"})


@dataclass(frozen=True, eq=False)
class Variant:
    """One variant: its id, draw number (Monte Carlo) and parameters, and its scenario."""

    variant_id: str
    sample: int | None
    parameters: dict[str, Any]
    scenario: Scenario


def canonical(value: Any) -> Any:
    """A parameter value as it enters a variant's id: 25800000 and 2.58e7 are one number."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(float(value))
    return value


def variant_id(parameters: Mapping[str, Any], sample: int | None) -> str:
    """The stable id of a variant: 12 hex digits of the SHA-256 of its parameters."""
    content = {"parameters": {k: canonical(v) for k, v in sorted(parameters.items())},
               "sample": sample}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return digest[:12]


def base_value(scenario: Scenario, key: str) -> Any:
    """The base scenario's value of the dotted field ``key`` (a per-theme default included)."""
    node: Any = scenario.model_dump(mode="json")
    parts = key.split(".")
    for depth, part in enumerate(parts):
        if isinstance(node, dict) and part in node:
            node = node[part]
            continue
        # One value standing for every theme: `theme_floors_share: 0.08` is the floor of
        # `theme_floors_share.heritage` too.
        if tuple(parts[:depth]) in PER_THEME_FIELDS and not isinstance(node, dict):
            return node
        return None
    return node


def _draw(distribution: Distribution, key: str, seed: int, n: int) -> list[Any]:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(
        key.encode()),)))
    if isinstance(distribution, Choice):
        picks = rng.integers(0, len(distribution.values), size=n)
        return [distribution.values[int(i)] for i in picks]
    if isinstance(distribution, Uniform):
        values = rng.uniform(distribution.low, distribution.high, size=n)
    elif isinstance(distribution, LogUniform):
        values = np.exp(rng.uniform(math.log(distribution.low), math.log(distribution.high),
                                    size=n))
    elif isinstance(distribution, Triangular):
        values = rng.triangular(distribution.low, distribution.mode, distribution.high, size=n)
    else:
        values = _truncated_normal(distribution, rng, n)
    return [float(v) for v in values]


def _truncated_normal(d: Normal, rng: np.random.Generator, n: int) -> np.ndarray:
    low = -np.inf if d.low is None else d.low
    high = np.inf if d.high is None else d.high
    out = np.empty(0)
    # Redrawn until n values fall in the window; the window holds at least 0.13 % of the
    # mass (it reaches within 3 sd of the mean), so this ends after a few rounds.
    while len(out) < n:
        batch = rng.normal(d.mean, d.sd, size=2 * (n - len(out)) + 16)
        out = np.concatenate([out, batch[(batch >= low) & (batch <= high)]])
    return out[:n]


def _finish(value: Any, distribution: Distribution, base: Any) -> Any:
    if isinstance(distribution, Choice):
        return value
    if distribution.relative:
        value = value * float(base)
    if distribution.decimals is not None:
        value = round(value, distribution.decimals)
        if distribution.decimals == 0:
            value = int(value)
    return value


def _check_key(key: str, where: dict[str, Any]) -> None:
    head = key.split(".")[0]
    for fixed, why in FIXED_FIELDS.items():
        if key == fixed or head == fixed:
            raise ScenarioError(Message("a sweep cannot change {fixed}: {why}", fixed=fixed,
                                        why=Message(why)), **where)
    if key in RESERVED_COLUMNS:
        raise ScenarioError(Message("{key} names a column of the sweep's tables; it is not a "
                                    "scenario field", key=repr(key)), **where)


def _checked(base: Scenario, parameters: dict[str, Any], where_of: Mapping[str, dict[str, Any]]
             ) -> Scenario:
    """``base`` with ``parameters`` set, validated; an error names the sweep key it concerns."""
    try:
        variant = with_overrides(base, parameters)
        if any(key.startswith("solver.") for key in parameters):
            # What `pvd-optim run` checks before solving: an option HiGHS would refuse.
            check_solver_settings(variant)
        return variant
    except ScenarioError as exc:
        field = (exc.field or "").removeprefix("--set ")
        key = next((k for k in parameters if field == k or field.startswith(f"{k}.")
                    or k.startswith(f"{field}.")), None) if field else None
        if key is not None:
            raise ScenarioError(Message("value {value}: {message}", value=repr(parameters[key]),
                                        message=exc.message), **where_of[key]) from None
        shown = ", ".join(f"{k}={v!r}" for k, v in parameters.items())
        # The inner error keeps its own frame (file, line, field) before its message.
        problem = Message("{frame}{message}", frame=exc._framed(""), message=exc.message)
        raise ScenarioError(Message("the variant {shown} is not a valid scenario: {problem}",
                                    shown=shown, problem=problem),
                            **where_of[next(iter(parameters))]) from None


def expand(base: Scenario, section: SweepSection, lines: Lines) -> list[Variant]:
    """Every variant of the sweep, validated, in a fixed order (grid points, then draws)."""
    file = str(base.source) if base.source is not None else None
    grid_where = {k: located_at(lines, ("grid", k), file) for k in section.grid}
    draws = section.monte_carlo
    draw_where = {k: located_at(lines, ("monte_carlo", "parameters", k), file)
                  for k in (draws.parameters if draws else {})}
    where_of = {**grid_where, **draw_where}
    for key, where in where_of.items():
        _check_key(key, where)
    axes: dict[str, tuple[Any, ...]] = {}
    for key, axis in section.grid.items():
        try:
            axes[key] = axis.values() if isinstance(axis, ValueRange) else axis
        except ValueError as exc:
            # ValueRange.values() words its refusal as a catalogue Message.
            message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
            raise ScenarioError(message, **grid_where[key]) from None
    for key, values in axes.items():
        counts = Counter(canonical(v) for v in values)
        repeated = sorted({repr(v) for v in values if counts[canonical(v)] > 1})
        if repeated:
            raise ScenarioError(Message("lists {repeated} more than once; list each value once",
                                        repeated=", ".join(repeated)), **grid_where[key])
        for value in values:  # each value alone first: the error names its own key
            if isinstance(value, list | dict):
                raise ScenarioError(Message("grid values must be single values (numbers, text, "
                                            "true or false), got {value}", value=repr(value)),
                                    **grid_where[key])
            _checked(base, {key: value}, where_of)
    n_points = math.prod(len(v) for v in axes.values())
    n_draws = draws.draws if draws else 1
    if n_points * n_draws > MAX_VARIANTS:
        raise ScenarioError(Message("defines {variants:,} variants ({points:,} grid points x "
                                    "{draws:,} draws), more than the limit of {limit:,}; split "
                                    "the sweep", variants=n_points * n_draws, points=n_points,
                                    draws=n_draws, limit=MAX_VARIANTS),
                            **located_at(lines, (), file))
    drawn: dict[str, list[Any]] = {}
    if draws:
        for key, distribution in draws.parameters.items():
            base_of_key = base_value(base, key)
            relative = not isinstance(distribution, Choice) and distribution.relative
            if relative and (isinstance(base_of_key, bool)
                             or not isinstance(base_of_key, int | float)):
                raise ScenarioError(
                    Message("relative draws multiply the base value, but the base scenario's "
                            "{key} is {value}, not a number", key=key, value=repr(base_of_key)),
                    **draw_where[key])
            drawn[key] = [_finish(v, distribution, base_of_key)
                          for v in _draw(distribution, key, draws.seed, draws.draws)]
    variants: list[Variant] = []
    seen: dict[str, dict[str, Any]] = {}
    for point in itertools.product(*axes.values()):
        fixed = dict(zip(axes, point, strict=True))
        for sample in range(draws.draws) if draws else [None]:
            parameters = dict(fixed)
            if sample is not None:
                parameters.update({key: values[sample] for key, values in drawn.items()})
            identity = variant_id(parameters, sample)
            if identity in seen:  # pragma: no cover - 48-bit ids, checked all the same
                raise ScenarioError(Message("variants {first} and {second} have the same id; "
                                            "change the seed", first=str(seen[identity]),
                                            second=str(parameters)),
                                    **located_at(lines, (), file))
            seen[identity] = parameters
            variants.append(Variant(identity, sample, parameters,
                                    _checked(base, parameters, where_of)))
    return variants


__all__ = ["FIXED_FIELDS", "Variant", "base_value", "canonical", "expand", "variant_id"]
