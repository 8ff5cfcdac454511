"""Read scenario files: bounded safe YAML, ``extends`` chains, dotted overrides -> a ``Scenario``.

Every error names the file, the line and the dotted field, says what was wrong
and how to fix it. The steps live in their own modules: reading YAML
(:mod:`~pvd_optim.scenario.yaml_reader`), ``extends``
(:mod:`~pvd_optim.scenario.extends`), overrides
(:mod:`~pvd_optim.scenario.overrides`) and the wording of validation errors
(:mod:`~pvd_optim.scenario.messages`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pvd_optim.scenario.extends import resolve_extends
from pvd_optim.scenario.messages import describe_validation_error
from pvd_optim.scenario.overrides import apply_overrides, parse_overrides
from pvd_optim.scenario.schema import Scenario
from pvd_optim.scenario.yaml_reader import Lines

__all__ = ["load_scenario", "parse_overrides", "scenario_from_dict", "with_overrides"]


def scenario_from_dict(
    data: Mapping[str, Any],
    *,
    overrides: Mapping[str, Any] | None = None,
    source: str | Path | None = None,
    _lines: Lines | None = None,
) -> Scenario:
    """Validate a plain mapping (as read from YAML) into a frozen ``Scenario``.

    ``overrides`` maps dotted field names to values, applied before validation.
    """
    plain = apply_overrides(data, overrides, str(source) if source is not None else None)
    if source is not None:
        plain["source"] = str(source)
    overridden = frozenset(tuple(k.split(".")) for k in (overrides or {}))
    try:
        return Scenario.model_validate(plain)
    except ValidationError as exc:
        raise describe_validation_error(
            exc, _lines or {}, str(source) if source is not None else None, overridden
        ) from None


def load_scenario(
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """Read a scenario file (following ``extends``), apply overrides and validate it.

    Parameters
    ----------
    path:
        The YAML scenario file.
    overrides:
        Dotted field names to values, e.g. ``{"resources.funding.envelope_eur": 30e6}``.
        Applied after the file, before validation.

    Raises
    ------
    ScenarioError
        With the file, line and field of the first problem and how to fix it.
    """
    path = Path(path)
    located = resolve_extends(path)
    scenario = scenario_from_dict(located.data, overrides=overrides, source=path,
                                  _lines=located.lines)
    scenario = _resolve_paths(scenario, path.parent)
    scenario._field_lines = dict(located.lines)
    return scenario


def _resolve_paths(scenario: Scenario, base_dir: Path) -> Scenario:
    """Make the scenario's data paths absolute, relative to the scenario file."""

    def resolve(p: Path) -> Path:
        return p if p.is_absolute() else base_dir / p

    csvs = tuple(resolve(csv) for csv in scenario.data.planner_indicators)
    scores = scenario.themes.scores_csv
    engineering = scenario.resources.engineering
    habitat = engineering.habitat_operation_csv
    commitments = scenario.commitments
    if commitments is not None:
        commitments = commitments.model_copy(update={
            name: resolve(getattr(commitments, name)) for name in ("csv", "results")
            if getattr(commitments, name) is not None})
    return scenario.model_copy(
        update={
            "data": scenario.data.model_copy(update={"planner_indicators": csvs}),
            "themes": scenario.themes.model_copy(
                update={"scores_csv": resolve(scores) if scores is not None else None}
            ),
            "resources": scenario.resources.model_copy(update={
                "engineering": engineering.model_copy(update={
                    "habitat_operation_csv": resolve(habitat) if habitat is not None
                    else None})}),
            "commitments": commitments,
        }
    )


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """Return a new scenario with dotted-field overrides applied and re-validated.

    Setting one theme of a single-valued per-theme field (``theme_floors_share.heritage``)
    expands the single value over the themes in force first.
    """
    data = scenario.model_dump(mode="json", exclude={"source"})
    changed = scenario_from_dict(data, overrides=overrides, source=scenario.source)
    changed._field_lines = dict(scenario._field_lines)
    return changed
