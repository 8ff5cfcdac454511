"""``extends`` chains: a scenario file that changes another one, merged into one mapping.

The chain is followed iteratively and bounded (``MAX_EXTENDS_CHAIN``); each parent is
read by the same bounded reader as the file named on the command line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pvd_optim.errors import ScenarioError
from pvd_optim.i18n.message import Message
from pvd_optim.scenario.yaml_reader import FieldPath, Located, read_scenario_yaml

#: Most files in one ``extends`` chain, the first file included. The shipped scenarios
#: extend one level (tight-budget.yaml -> national.yaml); 16 leaves room for layered
#: what-ifs, while bounding what one run reads to 16 files of at most 1 MiB (a chain of
#: 1,200 files ended in RecursionError).
MAX_EXTENDS_CHAIN = 16

# Mappings whose entries a child replaces whole instead of merging into: a theme written
# in a child is that theme's definition, not extra weights on the parent's.
_REPLACED_WHOLE: tuple[FieldPath, ...] = (("themes", "definitions"),)


def _shown(path: Path) -> str:
    name = path.name
    return name if name.replace(".", "").replace("-", "").replace("_", "").isalnum() else (
        repr(name))


def _deep_merge(base: Located, child: Located) -> Located:
    def merge(a: dict[str, Any], b: Mapping[str, Any], path: FieldPath) -> dict[str, Any]:
        out = dict(a)
        for key, value in b.items():
            if (isinstance(value, dict) and isinstance(out.get(key), dict)
                    and path not in _REPLACED_WHOLE):
                out[key] = merge(out[key], value, (*path, str(key)))
            else:
                out[key] = value
        return out

    return Located(merge(base.data, child.data, ()), {**base.lines, **child.lines})


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


def _where(located: Located, path: Path, key: str) -> dict[str, Any]:
    file, line = located.lines.get((key,), (str(path), 0))
    return {"file": file, "line": line or None, "field": key}


def resolve_extends(path: Path) -> Located:
    """Read ``path`` and every file it extends, and merge them (the child wins)."""
    layers: list[Located] = []
    chain: list[Path] = []  # the files read, as given
    real_chain: list[str] = []  # the same, with links resolved, to find cycles
    current = path
    while True:
        real = os.path.realpath(current)  # never raises, even on a loop of links
        if real in real_chain:
            names = " -> ".join(_shown(p) for p in (*chain, current))
            raise ScenarioError(Message("`extends` forms a cycle ({names}); remove one of the "
                                        "links", names=names),
                                **_where(layers[-1], chain[-1], "extends"))
        if len(chain) == MAX_EXTENDS_CHAIN:
            names = f"{_shown(chain[0])} -> ... -> {_shown(chain[-1])}"
            raise ScenarioError(
                Message("the `extends` chain is longer than {limit} files ({names}); merge some "
                        "of them into one file", limit=MAX_EXTENDS_CHAIN, names=names),
                **_where(layers[-1], chain[-1], "extends"),
            )
        located = read_scenario_yaml(current, field="extends" if chain else None)
        if "source" in located.data:
            raise ScenarioError(
                Message("`source` is set by pvd-optim to the file a scenario was read from; "
                        "remove it"),
                **_where(located, current, "source"),
            )
        _anchor_paths(located.data, current.parent)
        layers.append(located)
        chain.append(current)
        real_chain.append(real)
        parent = located.data.pop("extends", None)
        if parent is None:
            break
        if not isinstance(parent, str) or not parent.strip():
            raise ScenarioError(
                Message("`extends` must be one file path, e.g. extends: national.yaml; got "
                        "{parent}", parent=repr(parent)),
                **_where(located, current, "extends"),
            )
        parent_path = current.parent / parent
        if not os.path.lexists(parent_path):
            raise ScenarioError(
                Message("parent scenario {parent} not found (looked for {looked}); `extends` "
                        "paths are relative to the file that extends", parent=repr(parent),
                        looked=repr(str(parent_path))),
                **_where(located, current, "extends"),
            )
        current = parent_path
    merged = layers[-1]
    for layer in reversed(layers[:-1]):
        merged = _deep_merge(merged, layer)
    return merged
