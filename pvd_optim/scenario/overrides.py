"""Dotted overrides (``--set key=value``, ``with_overrides``) applied to a scenario's plain data.

A ``--set`` value is read by the same YAML rules as a file (numbers as a person writes
them, no tags, the same limits). Setting one theme of a "one value or a mapping" field
(``theme_floors_share.heritage=0.2``) first expands the single value the file gives to
its per-theme mapping over the themes in force; setting one year of a per-year field
(``resources.funding.envelope_eur.2027=30e6``) expands it over the scenario's years.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pvd_optim.errors import ScenarioError
from pvd_optim.i18n.message import Message
from pvd_optim.scenario.engineering_section import DEFAULT_POOLED_BUDGET_EUR
from pvd_optim.scenario.programme_section import years_in_force
from pvd_optim.scenario.schema import (
    PER_THEME_FIELDS,
    PER_YEAR_FIELDS,
    PER_YEAR_FUNDER_FIELD,
    field_default,
)
from pvd_optim.scenario.themes_section import themes_in_force
from pvd_optim.scenario.yaml_reader import FieldPath, dotted, read_value

#: The value a field left at ``null`` stands for, when one year of it is overridden.
EFFECTIVE_DEFAULTS: dict[FieldPath, float] = {
    ("resources", "engineering", "budget_eur"): DEFAULT_POOLED_BUDGET_EUR,
}


def parse_override(text: str) -> tuple[str, Any]:
    """One ``dotted.key=value`` string -> (dotted key, value read as YAML)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(
            Message("override {text} must look like dotted.key=value, for example "
                    "resources.funding.envelope_eur=30e6", text=repr(text)),
            field="--set",
        )
    key = key.strip()
    return key, (read_value(raw, field=dotted(key.split("."))) if raw.strip() else "")


def parse_overrides(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Parse ``dotted.key=value`` strings from the command line into an overrides mapping."""
    return dict(parse_override(item) for item in items)


def _per_year(path: FieldPath) -> bool:
    return path in PER_YEAR_FIELDS or (
        len(path) == len(PER_YEAR_FUNDER_FIELD)
        and all(a in ("*", b) for a, b in zip(PER_YEAR_FUNDER_FIELD, path, strict=True)))


def _per_theme_field(parts: FieldPath) -> FieldPath | None:
    """The per-theme or per-year field that ``parts`` names one entry of, if any."""
    funder = PER_YEAR_FUNDER_FIELD
    candidates = [*PER_THEME_FIELDS, *PER_YEAR_FIELDS]
    if len(parts) > len(funder) and parts[:3] == funder[:3]:
        candidates.append((*funder[:3], parts[3], funder[4]))
    for path in candidates:
        if len(parts) > len(path) and parts[: len(path)] == path:
            return path
    return None


def _keys_in_force(data: dict[str, Any], path: FieldPath) -> tuple[Any, ...] | None:
    """The themes (per-theme field) or years (per-year field) a mapping at ``path`` covers."""
    return years_in_force(data) if _per_year(path) else themes_in_force(data)


def _expand_single_value(data: dict[str, Any], path: FieldPath) -> None:
    """Replace the single value at ``path`` (written or default) by its per-key mapping."""
    node = data
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return  # reported when the override is set
        node = child
    value = node.get(path[-1])
    if isinstance(value, dict):
        return
    if value is None:
        value = EFFECTIVE_DEFAULTS.get(path, field_default(path))
    keys = _keys_in_force(data, path)
    if isinstance(value, bool) or not isinstance(value, int | float) or keys is None:
        return  # validation reports the value, the themes or the years
    node[path[-1]] = dict.fromkeys(keys, value)


def apply_overrides(
    data: Mapping[str, Any], overrides: Mapping[str, Any] | None, source: str | None = None
) -> dict[str, Any]:
    """A deep copy of ``data`` with ``overrides`` (dotted name -> value) set in it."""
    if not overrides:
        return dict(data)
    out = copy.deepcopy(dict(data))
    # Overrides of whole fields and themes first, so that a single value is expanded over
    # the themes the other overrides leave in force.
    ordered = sorted(overrides.items(), key=lambda item: _per_theme_field(
        tuple(item[0].split("."))) is not None)
    for name, value in ordered:
        parts = tuple(name.split("."))
        per_theme = _per_theme_field(parts)
        if per_theme is not None:
            _expand_single_value(out, per_theme)
        node = out
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise ScenarioError(
                    Message("cannot set {name}: {value} is a value, not a section; check the "
                            "dotted name (`pvd-optim schema` lists the fields)", name=repr(name),
                            value=repr(".".join(parts[: depth + 1]))),
                    file=source,
                    field=f"--set {dotted(parts)}",
                )
            node = child
        key: Any = parts[-1]
        if (per_theme is not None and _per_year(per_theme) and len(parts) == len(per_theme) + 1
                and key.isdigit()):
            # A year written on the command line is text; the file's years are numbers.
            key = int(key)
            node.pop(parts[-1], None)
        # A copy: a later override of one entry must not change the caller's value.
        node[key] = copy.deepcopy(value)
    return out
