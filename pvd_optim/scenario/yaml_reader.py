"""Reading scenario YAML: plain values only, numbers as a person writes them, within limits.

PyYAML implements YAML 1.1, which reads ``040`` as the octal 32, ``1:30`` as 90 (base
60), ``0x1F`` as 31 and ``off`` as false. Planners write scenarios, so this loader
resolves plain (unquoted) values by rules of its own:

* ``true`` / ``false`` (any case style) are booleans; ``yes``, ``no``, ``on``, ``off``
  are text (``mode: off`` means the word), though a yes-or-no field still accepts them;
* ``null``, ``~`` and an empty value are null;
* decimal numbers are numbers: ``25800000``, ``25_800_000`` (``_`` between groups of
  three digits), ``0.15``, ``.5``, ``2.58e7``, ``30e6``, ``.inf``, ``.nan``;
* anything else that looks like a number (``040``, ``0x1F``, ``0o17``, ``1:30``,
  ``1,5``, ``25_800_00``) is :class:`~pvd_optim.scenario.fields.Numeral` text: a
  number field refuses it saying how to write the number, a code field asks for quotes;
* everything else is text.

Every YAML tag (``!!binary``, ``!!set``, ``!!python/...``, ``!include``...) is refused,
on values and keys alike, so a file holds plain values only and never builds an object.
Files are read by :func:`pvd_optim.textfiles.read_regular_file` (regular files of at
most ``MAX_SCENARIO_BYTES``), and the limits below bound everything after the read;
each is a one-line ``ScenarioError`` with the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pvd_optim.errors import ScenarioError
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message
from pvd_optim.scenario.fields import Numeral
from pvd_optim.textfiles import MAX_SCENARIO_BYTES, decode_text, read_regular_file

#: Deepest nesting of lists and mappings in one document. The deepest scenario field is
#: four levels down (``resources.funding.saturation_per_theme_eur.habitat``); 20 leaves
#: room for any layout while keeping the composer, the line lookup and the validator
#: (all recursive) far from Python's recursion limit (5,000 levels ended in RecursionError).
MAX_NESTING_DEPTH = 20

#: Most values (scalars, lists and mappings) in one document, each counted as many times
#: as aliases repeat it. Listing all 34,969 communes in ``eligibility.include`` takes
#: 35,000; the bound stops an alias bomb ("billion laughs": each alias doubling the size,
#: 2**30 values from a 1 kB file) as soon as it is composed, before any walk over it.
MAX_EXPANDED_VALUES = 100_000

FieldPath = tuple[str, ...]
Lines = dict[FieldPath, tuple[str, int]]


@dataclass
class Located:
    """A plain mapping read from YAML, with where each field came from (file, line)."""

    data: dict[str, Any]
    lines: Lines = field(default_factory=dict)


class _Refused(Exception):
    """A limit or rule of this module broken at ``line`` (1-based) of the text read."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# One or more decimal digits without a leading zero, or grouped by three with `_`.
_DIGITS = r"(?:0|[1-9][0-9]*|[1-9][0-9]{0,2}(?:_[0-9]{3})+)"
_INT = re.compile(rf"[-+]?{_DIGITS}$")
_FLOAT = re.compile(
    rf"[-+]?(?:{_DIGITS}(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
    r"|[-+]?\.(?:inf|Inf|INF)$|\.(?:nan|NaN|NAN)$"
)
# Looks like a number but is not written as a decimal one (tried after _INT and _FLOAT).
_NUMERAL = re.compile(
    r"[-+]?(?:0[xXoObB][0-9a-fA-F_]+|\.?[0-9][0-9_,:.]*(?:[eE][-+]?[0-9]+)?)$"
)
_NUMERAL_TAG = "tag:pvd-optim:numeral"
_NUMBER_START = list("-+.0123456789")


class _ScenarioLoader(yaml.SafeLoader):
    """Safe loader with the resolver above, no tags, and the nesting and size limits."""

    # The YAML 1.1 resolvers are replaced, not extended (see the module docstring).
    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> values it expands to
        self._expanded = 0  # values so far, each alias counted as what it repeats

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Compose one node, refusing tags, deep nesting, self-reference and alias bombs."""
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._sizes:
                raise _Refused(Message(
                    "alias *{alias} is used inside the value it names (anchor on line "
                    "{anchor_line}); a value cannot contain itself",
                    alias=_name(str(event.anchor)), anchor_line=target.start_mark.line + 1),
                    line,
                )
            if target is not None:
                self._count(self._sizes[id(target)], line)
            return super().compose_node(parent, index)
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = str(tag).replace("tag:yaml.org,2002:", "!!")
            if not re.fullmatch(r"[!\w./:,()-]+", shown):
                shown = repr(shown)
            raise _Refused(Message(
                "YAML tag {tag} is not allowed: scenario files hold plain values only "
                "(text, numbers, lists, mappings); remove the tag", tag=shown),
                line,
            )
        self._count(1, line)
        nested = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if nested:
            self._depth += 1
            if self._depth > MAX_NESTING_DEPTH:
                raise _Refused(Message(
                    "lists and mappings are nested more than {limit} levels deep (the deepest "
                    "scenario field is {deepest} levels down); check the indentation and "
                    "brackets", limit=MAX_NESTING_DEPTH, deepest=4),
                    line,
                )
        try:
            node = super().compose_node(parent, index)
        finally:
            if nested:
                self._depth -= 1
        if node is None:
            return None
        self._sizes[id(node)] = 1 + sum(self._sizes[id(child)] for child in _children(node))
        return node

    def _count(self, values: int, line: int) -> None:
        # The running total is the document's size with every alias expanded, so a
        # document too large, by itself or through aliases, stops at the value that
        # passes the limit.
        self._expanded += values
        if self._expanded > MAX_EXPANDED_VALUES:
            raise _Refused(Message(
                "the document holds more than {limit:,} values, counting each use of an alias "
                "*name as what it repeats; write fewer values, or use fewer aliases",
                limit=MAX_EXPANDED_VALUES),
                line,
            )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise _Refused(Message("a key must be plain text, not a list or a mapping"),
                               key.start_mark.line + 1)
        return [child for pair in node.value for child in pair]
    return []


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    return int(str(node.value).replace("_", ""))


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(node.value).replace("_", "").lower()
    if text.lstrip("+-") == ".inf":
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _construct_numeral(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Numeral:
    return Numeral(node.value)


_ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
_ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, _NUMBER_START)
_ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, _NUMBER_START)
_ScenarioLoader.add_implicit_resolver(_NUMERAL_TAG, _NUMERAL, _NUMBER_START)
_ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"<<$"), ["<"])
_ScenarioLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_ScenarioLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_ScenarioLoader.add_constructor(_NUMERAL_TAG, _construct_numeral)


def _name(text: str) -> str:
    """User text shown bare if it is a plain name, else quoted (and so escaped)."""
    return text if re.fullmatch(r"[\w.+-]+", text) else repr(text)


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """Compose and construct one document; YAML problems become ``_Refused``."""
    loader = _ScenarioLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.reader.ReaderError as exc:
        raise _Refused(Message(
            "contains the control character {character}, which YAML does not accept; save the "
            "file as plain UTF-8 text", character=_char(exc.character)),
            text[: exc.position].count("\n") + 1,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        hint = Message("check indentation, colons and quotes")
        if "'\\t'" in problem or "\t" in problem:
            hint = Message("indent with spaces, not tabs")
        # The problem is PyYAML's own English words, shown as it wrote them.
        raise _Refused(Message("YAML syntax error: {problem}; {hint}", problem=problem,
                               hint=hint),
                       mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()


def _char(character: object) -> str:
    code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
    return f"U+{code:04X}"


def _key_lines(root: yaml.Node, file: str) -> Lines:
    """Where each field path starts, visiting each node once (linear in the file's size).

    A node reached again through an alias keeps the path of its first use; a later use
    is located at its own key's line. Duplicate keys are refused here.
    """
    out: Lines = {}
    visited: set[int] = set()

    def visit(node: yaml.Node, path: FieldPath) -> None:
        out.setdefault(path, (file, node.start_mark.line + 1))
        if id(node) in visited:
            return
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise ScenarioError(Message(
                        "key {key} appears twice (also on line {first_line}); keep one",
                        key=repr(key), first_line=seen[key]),
                        file=file, line=line, field=dotted((*path, key)),
                    )
                seen[key] = line
                visit(value_node, (*path, key))
                out[(*path, key)] = (file, line)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                visit(item, (*path, str(index)))

    visit(root, ())
    return out


def dotted(path: FieldPath | list[str]) -> str:
    """A field path for a message: plain names bare, any other key quoted (``a.'x y'``)."""
    return ".".join(part if re.fullmatch(r"[\w-]+", part) else repr(part) for part in path)


def read_scenario_yaml(path: Path, *, field: str | None = None) -> Located:
    """The mapping in scenario file ``path``, with the line of each field.

    ``field`` names what pointed at the file (``extends``) in read errors.
    """
    file = str(path)
    raw = read_regular_file(path, max_bytes=MAX_SCENARIO_BYTES, what=N_("scenario file"),
                            error=ScenarioError, field=field)
    text = decode_text(raw, file=file, error=ScenarioError)
    try:
        node, data = _parse(text)
    except _Refused as exc:
        raise ScenarioError(exc.message, file=file, line=exc.line) from None
    if data is None:
        raise ScenarioError(Message("is empty; a scenario needs at least a `name`"), file=file)
    if not isinstance(data, dict) or node is None:
        raise ScenarioError(Message(
            "must be a mapping of sections (name:, resources:, ...), not a {kind}",
            kind=type(data).__name__),
            file=file,
            line=1,
        )
    return Located(data, _key_lines(node, file))


def read_value(text: str, *, field: str) -> Any:
    """A ``--set`` value read by the same rules as a file (``field`` names the override)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SCENARIO_BYTES:
        raise ScenarioError(Message("override value is longer than the {limit:,}-byte limit of a "
                                    "scenario file", limit=MAX_SCENARIO_BYTES), field=field)
    try:
        return _parse(text)[1]
    except _Refused as exc:
        if exc.message.startswith("YAML syntax error"):
            raise ScenarioError(Message("override value {value} is not a valid YAML value",
                                        value=repr(text)), field=field) from None
        raise ScenarioError(Message("override value {value}: {problem}", value=repr(text),
                                    problem=exc.message), field=field) from None
