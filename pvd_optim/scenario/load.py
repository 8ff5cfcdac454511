"""Read scenario files: safe YAML, ``extends`` chains, dotted overrides -> a ``Scenario``.

Every error names the file, the line and the dotted field, says what was wrong
and how to fix it. YAML is read with a safe loader only, so a file can never
build Python objects.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pvd_optim.errors import ScenarioError
from pvd_optim.scenario.schema import Scenario
from pvd_optim.textfiles import decode_text

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
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _node_lines(item, file, (*path, str(index)), out)


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
    text = decode_text(raw, file=file, error=ScenarioError)
    try:
        node = yaml.compose(text, Loader=_LineLoader)
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        tag = re.search(r"tag '([^']*)'", str(exc.problem))
        shown = (tag.group(1).replace("tag:yaml.org,2002:", "!!") if tag else "this tag")
        raise ScenarioError(
            f"YAML tag {shown} is not allowed: scenario files hold plain values only (text, "
            "numbers, lists, mappings); remove the tag",
            file=file,
            line=line,
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ScenarioError(
            f"contains the control character {_char(exc.character)}, which YAML does not "
            "accept; "
            "save the file as plain UTF-8 text",
            file=file,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        hint = "check indentation, colons and quotes"
        if "'\\t'" in problem or "\t" in problem:
            hint = "indent with spaces, not tabs"
        raise ScenarioError(
            f"YAML syntax error: {problem}; {hint}",
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


def _char(character: object) -> str:
    code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
    return f"U+{code:04X}"


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


def _anchor_paths(data: dict[str, Any], base_dir: Path) -> None:
    """Make file paths absolute, relative to the file that names them.

    A planner's override file elsewhere may extend a shipped scenario: the
    shipped scenario's CSVs must still be found next to it. Values of the wrong
    type are left alone for validation to report.
    """

    def anchor(value: Any) -> Any:
        if isinstance(value, str) and value.strip() and not Path(value).is_absolute():
            return str(base_dir.resolve() / value)
        return value

    section = data.get("data")
    if isinstance(section, dict) and isinstance(section.get("planner_indicators"), list):
        section["planner_indicators"] = [anchor(v) for v in section["planner_indicators"]]
    themes = data.get("themes")
    if isinstance(themes, dict) and "scores_csv" in themes:
        themes["scores_csv"] = anchor(themes["scores_csv"])


def _resolve_extends(path: Path, chain: tuple[Path, ...] = ()) -> _Located:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise ScenarioError(
            f"`extends` forms a cycle ({cycle}); remove one of the links", file=path
        )
    located = _read_yaml(path)
    if "source" in located.data:
        file, line = located.lines.get(("source",), (str(path), 0))
        raise ScenarioError(
            "`source` is set by pvd-optim to the file a scenario was read from; remove it",
            file=file, line=line or None, field="source",
        )
    _anchor_paths(located.data, path.parent)
    parent = located.data.pop("extends", None)
    if parent is None:
        return located
    file, line = located.lines.get(("extends",), (str(path), 0))
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(
            f"`extends` must be one file path, e.g. extends: national.yaml; got {parent!r}",
            file=file, line=line or None, field="extends",
        )
    parent_path = path.parent / parent
    if not parent_path.exists():
        raise ScenarioError(
            f"parent scenario {parent!r} not found (looked for {parent_path}); `extends` "
            "paths are relative to the file that extends",
            file=file, line=line or None, field="extends",
        )
    base = _resolve_extends(parent_path, (*chain, resolved))
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
    data: dict[str, Any], overrides: Mapping[str, Any] | None, source: str | None = None
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
                    "not a section; check the dotted name (`pvd-optim schema` lists the fields)",
                    file=source,
                    field=f"--set {dotted}",
                )
            node = child
        node[parts[-1]] = value
    return out


_TAG_RE = re.compile(
    r"^(?:\[key\]|(?:dict|list|tuple|set|function-\w+|nullable|union)\[.*\]|constrained-\w+"
    r"|float|int|str|bool|none)$"
)
_TYPE_ERRORS = frozenset({
    "dict_type", "model_type", "model_attributes_type", "float_type", "float_parsing",
    "int_type", "int_parsing", "tuple_type", "list_type", "string_type", "bool_type",
    "bool_parsing", "none_required",
})
_SHARE_FIELDS = frozenset({"mip_gap", "fragility_threshold", "theme_floors_share"})


def _clean(loc: tuple[Any, ...]) -> tuple[tuple[str, ...], str | None, bool]:
    """Split a pydantic location into (field path, union branch tag, is a mapping key)."""
    parts: list[str] = []
    branch = None
    is_key = False
    for part in loc:
        text = str(part)
        if _TAG_RE.match(text):
            if text == "[key]":
                is_key = True
            elif branch is None:
                branch = text
            continue
        parts.append(text)
    return tuple(parts), branch, is_key


def _pick(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the errors of the union branch the planner meant (mapping or single value)."""
    tagged = [e for e in errors if _clean(e["loc"])[1] is not None]
    if not tagged:
        return errors
    # A dict_type error on the mapping branch means the value given was not a mapping:
    # the single-value branch explains it; otherwise the mapping branch does.
    not_mapping = {_clean(e["loc"])[0] for e in tagged
                   if e["type"] == "dict_type" and str(_clean(e["loc"])[1]).startswith("dict[")}
    kept = []
    for e in errors:
        path, branch, _ = _clean(e["loc"])
        if branch is None:
            kept.append(e)
            continue
        union_field = path[: len(path) - (0 if not branch.startswith("dict[") else 1)]
        on_mapping = branch.startswith("dict[")
        if on_mapping == (union_field in not_mapping or path in not_mapping):
            continue
        kept.append(e)
    return kept or errors


def _field_model(path: tuple[str, ...]) -> type[BaseModel] | None:
    """The section model holding the last part of ``path``, if any."""
    model: type[BaseModel] = Scenario
    for part in path[:-1]:
        info = model.model_fields.get(part)
        annotation = getattr(info, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _show(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return f"{value:g}" if abs(value) < 1e16 else repr(value)
    return repr(value)


def _explain(error: dict[str, Any], path: tuple[str, ...], is_key: bool, union: bool) -> str:
    """A planner-facing sentence for one pydantic error: what is wrong and how to fix it."""
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx") or {}
    name = path[-1] if path else ""
    if kind == "extra_forbidden":
        model = _field_model(path)
        known = list(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(name, [k for k in known if k != "source"], n=1,
                                          cutoff=0.6)
        hint = f"did you mean `{close[0]}`? " if close else ""
        where = ", ".join(k for k in known if k != "source")
        return (f"unknown field; {hint}check the spelling (fields here: {where}; "
                "`pvd-optim schema` lists them all)")
    if kind == "missing":
        return "required field is missing"
    if is_key and kind == "string_type":
        return (f"key {given!r} must be quoted text, e.g. '01' (unquoted, YAML reads it as a "
                "number and loses its leading zero)")
    share = name.endswith("_share") or name in _SHARE_FIELDS or (
        len(path) > 1 and path[-2] == "theme_floors_share")
    got = f". Got {_show(given)} instead"
    if given is None and kind in {"dict_type", "model_type", "model_attributes_type"}:
        return ("section is empty; give its fields on indented lines below it, or delete the "
                "line to use the defaults")
    if given is None and kind in _TYPE_ERRORS | {"literal_error"}:
        return ("has no value; give one, or delete the line to use the default "
                "(`pvd-optim schema` shows it)")
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        op, bound = {"greater_than_equal": (">=", ctx.get("ge")),
                     "greater_than": (">", ctx.get("gt")),
                     "less_than_equal": ("<=", ctx.get("le")),
                     "less_than": ("<", ctx.get("lt"))}[kind]
        message = f"must be {op} {_show(bound)}{got}"
        if share:
            message += "; shares are fractions in [0, 1]"
            if isinstance(given, int | float) and 5 <= given <= 100:
                message += f": write {given / 100:g} for {_show(given)} %"
        return message
    if kind == "finite_number":
        return (f"must be a finite number, not {_show(given)}; give a number, or delete the "
                "line to use the default")
    if kind in {"float_parsing", "float_type", "int_parsing", "int_type"}:
        whole = kind.startswith("int")
        message = f"must be {'a whole number' if whole else 'a number'}{got}"
        if union:
            message += (" (or a mapping theme -> value, one line per theme)"
                        if not share else " (or a mapping theme -> share)")
        if isinstance(given, str):
            text = given.strip()
            if text.endswith("%"):
                message += "; write a fraction, e.g. 0.15 for 15 %"
            elif re.fullmatch(r"[+-]?\d{1,3}([, \u00a0\u202f]\d{3})+([.,]\d+)?", text):
                digits = re.sub(r"[, \u00a0\u202f]", "", text.split(".")[0])
                message += f"; write {digits} or {int(digits):_} (no thousands separators)"
            elif share:
                message += "; write a fraction such as 0.08"
            else:
                message += "; write a plain number such as 25800000 or 2.58e7"
        return message
    if kind == "int_from_float":
        return f"must be a whole number{got}"
    if kind in {"bool_parsing", "bool_type"}:
        return f"must be true or false{got}"
    if kind == "literal_error":
        message = f"must be one of {ctx.get('expected', '')}{got}"
        if isinstance(given, bool):
            message += ("; YAML reads unquoted yes/no/on/off as true/false: put the value in "
                        'quotes, e.g. "off"')
        return message
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        what = "a list" if isinstance(given, list) else _show(given)
        return (f"must be a section of `field: value` lines (a mapping), got {what}; see "
                "`pvd-optim schema`")
    if kind in {"tuple_type", "list_type"}:
        if isinstance(given, str | int | float):
            return f"must be a list, e.g. [{given}]{got}"
        return f"must be a list, e.g. [a, b]{got}"
    if kind == "string_type":
        return f"must be text{got}" if not isinstance(given, list | dict) else (
            f"must be text, got a {'list' if isinstance(given, list) else 'mapping'}")
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind != "value_error" and given is not None and not isinstance(given, dict | list):
        message += got
    return message


def _describe_validation_error(
    error: ValidationError,
    lines: dict[FieldPath, tuple[str, int]],
    default_file: str | None,
    overridden: frozenset[FieldPath] = frozenset(),
) -> ScenarioError:
    errors = _pick([dict(e) for e in error.errors()])
    first = errors[0]
    loc, branch, is_key = _clean(first["loc"])
    if not loc:
        # Whole-scenario checks name the field they concern first: point at its line.
        named = re.match(r"([a-z_]+(?:\.[a-z_]+)*) ", str(first.get("msg", "")).removeprefix(
            "Value error, "))
        if named:
            loc = tuple(named.group(1).split("."))
    dotted = ".".join(loc) or None
    file, line = default_file, None
    if any(loc[: len(o)] == o or (loc and o[: len(loc)] == loc) for o in overridden):
        dotted = f"--set {dotted}"
    else:
        for cut in range(len(loc), -1, -1):
            if loc[:cut] in lines:
                file, line = lines[loc[:cut]]
                break
    message = _explain(first, loc, is_key, union=branch is not None)
    distinct = {(_clean(e["loc"])[0], e["type"]) for e in errors}
    more = len(distinct) - 1
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
    plain = _apply_overrides(dict(data), overrides, str(source) if source is not None else None)
    if source is not None:
        plain["source"] = str(source)
    overridden = frozenset(tuple(k.split(".")) for k in (overrides or {}))
    try:
        return Scenario.model_validate(plain)
    except ValidationError as exc:
        raise _describe_validation_error(
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
    located = _resolve_extends(path)
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
    changed = scenario_from_dict(data, overrides=overrides, source=scenario.source)
    changed._field_lines = dict(scenario._field_lines)
    return changed
