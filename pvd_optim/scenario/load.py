"""Read scenario files: safe YAML, ``extends`` chains, dotted overrides -> a ``Scenario``.

Every error names the file, the line and the dotted field, says what was wrong
and how to fix it. YAML is read with a safe loader only, so a file can never
build Python objects.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pvd_optim.errors import ScenarioError
from pvd_optim.scenario.schema import Scenario

FieldPath = tuple[str, ...]


@dataclass
class _Located:
    """A plain mapping read from YAML, with where each field came from."""

    data: dict[str, Any]
    lines: dict[FieldPath, tuple[str, int]] = field(default_factory=dict)


class _LineLoader(yaml.SafeLoader):
    """Safe loader; line numbers are recovered from the composed node tree."""


def _reject_duplicate_keys(node: yaml.MappingNode, file: str, path: FieldPath) -> None:
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise ScenarioError(
                f"key {key!r} appears twice (also on line {seen[key]}); keep one",
                file=file,
                line=line,
                field=".".join((*path, key)),
            )
        seen[key] = line


def _node_lines(
    node: yaml.Node, file: str, path: FieldPath, out: dict[FieldPath, tuple[str, int]]
) -> None:
    out[path] = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        _reject_duplicate_keys(node, file, path)
        for key_node, value_node in node.value:
            key_path = (*path, str(key_node.value))
            _node_lines(value_node, file, key_path, out)
            out[key_path] = (file, key_node.start_mark.line + 1)


def _read_yaml(path: Path) -> _Located:
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(
            "scenario file not found; check the path (relative paths start from the current "
            "directory, or from the including file for `extends`)",
            file=file,
        ) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, not a scenario file", file=file) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror}", file=file) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            "is not valid UTF-8 text; save it as UTF-8", file=file, line=line
        ) from None
    try:
        node = yaml.compose(text, Loader=_LineLoader)
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ScenarioError(
            f"YAML tag not allowed ({exc.problem}); scenario files hold plain values only",
            file=file,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(
            f"YAML syntax error: {problem}; check indentation, colons and quotes",
            file=file,
            line=mark.line + 1 if mark else None,
        ) from None
    if data is None:
        raise ScenarioError("is empty; a scenario needs at least a `name`", file=file)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"must be a mapping of sections (name:, resources:, ...), not a {type(data).__name__}",
            file=file,
            line=1,
        )
    lines: dict[FieldPath, tuple[str, int]] = {}
    if node is not None:
        _node_lines(node, file, (), lines)
    return _Located(data, lines)


def _deep_merge(base: _Located, child: _Located) -> _Located:
    def merge(a: dict[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(a)
        for key, value in b.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merge(out[key], value)
            else:
                out[key] = value
        return out

    return _Located(merge(base.data, child.data), {**base.lines, **child.lines})


def _resolve_extends(path: Path, chain: tuple[Path, ...] = ()) -> _Located:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise ScenarioError(
            f"`extends` forms a cycle ({cycle}); remove one of the links", file=path
        )
    located = _read_yaml(path)
    parent = located.data.pop("extends", None)
    if parent is None:
        return located
    if not isinstance(parent, str) or not parent.strip():
        file, line = located.lines.get(("extends",), (str(path), 0))
        raise ScenarioError(
            f"`extends` must be a file path, got {parent!r}", file=file, line=line or None,
            field="extends",
        )
    base = _resolve_extends(path.parent / parent, (*chain, resolved))
    return _deep_merge(base, located)


def _parse_override(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(
            f"override {text!r} must look like dotted.key=value, "
            "for example resources.funding.envelope_eur=30e6",
            field="--set",
        )
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        raise ScenarioError(
            f"override value {raw!r} is not a valid YAML value", field=key.strip()
        ) from None
    if isinstance(value, str):
        # YAML reads 30e6 as a string (no dot); planners mean a number.
        with contextlib.suppress(ValueError):
            value = float(value) if value.strip() else value
    return key.strip(), value


def _apply_overrides(
    data: dict[str, Any], overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    if not overrides:
        return data
    out = json.loads(json.dumps(data, default=str))  # deep copy of plain data
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node = out
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise ScenarioError(
                    f"cannot set {dotted!r}: {'.'.join(parts[: depth + 1])!r} is a value, "
                    "not a section",
                    field=dotted,
                )
            node = child
        node[parts[-1]] = value
    return out


def _describe_validation_error(
    error: ValidationError, lines: dict[FieldPath, tuple[str, int]], default_file: str | None
) -> ScenarioError:
    first = error.errors()[0]
    loc = tuple(str(part) for part in first["loc"])
    dotted = ".".join(loc) or None
    file, line = default_file, None
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            file, line = lines[loc[:cut]]
            break
    kind = first["type"]
    given = first.get("input")
    if kind == "extra_forbidden":
        message = "unknown field; check the spelling (`pvd-optim schema` lists every field)"
    elif kind == "missing":
        message = "required field is missing"
    else:
        message = str(first["msg"]).removeprefix("Value error, ")
        if given is not None and not isinstance(given, dict | list):
            message += f". Got {given!r} instead"
    more = len(error.errors()) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return ScenarioError(message, file=file, line=line, field=dotted)


def scenario_from_dict(
    data: Mapping[str, Any],
    *,
    overrides: Mapping[str, Any] | None = None,
    source: str | Path | None = None,
    _lines: dict[FieldPath, tuple[str, int]] | None = None,
) -> Scenario:
    """Validate a plain mapping (as read from YAML) into a frozen ``Scenario``.

    ``overrides`` maps dotted field names to values, applied before validation.
    """
    plain = _apply_overrides(dict(data), overrides)
    if source is not None:
        plain["source"] = str(source)
    try:
        return Scenario.model_validate(plain)
    except ValidationError as exc:
        raise _describe_validation_error(
            exc, _lines or {}, str(source) if source is not None else None
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
    located = _resolve_extends(path)
    scenario = scenario_from_dict(located.data, overrides=overrides, source=path,
                                  _lines=located.lines)
    return _resolve_paths(scenario, path.parent)


def _resolve_paths(scenario: Scenario, base_dir: Path) -> Scenario:
    """Make the scenario's data paths absolute, relative to the scenario file."""

    def resolve(p: Path) -> Path:
        return p if p.is_absolute() else base_dir / p

    csvs = tuple(resolve(csv) for csv in scenario.data.planner_indicators)
    scores = scenario.themes.scores_csv
    return scenario.model_copy(
        update={
            "data": scenario.data.model_copy(update={"planner_indicators": csvs}),
            "themes": scenario.themes.model_copy(
                update={"scores_csv": resolve(scores) if scores is not None else None}
            ),
        }
    )


def parse_overrides(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Parse ``dotted.key=value`` strings from the command line into an overrides mapping."""
    return dict(_parse_override(item) for item in items)


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """Return a new scenario with dotted-field overrides applied and re-validated."""
    data = scenario.model_dump(mode="json", exclude={"source"})
    return scenario_from_dict(data, overrides=overrides, source=scenario.source)
