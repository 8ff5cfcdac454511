"""Pydantic validation errors turned into planner sentences: where, what is wrong, how to fix it.

User text (keys, values) is shown quoted (``repr``) or, for plain names, bare; the
error's one-line rendering escapes any control character left.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any

from pydantic import ValidationError

from pvd_optim.errors import ScenarioError
from pvd_optim.i18n.message import Message, Plural
from pvd_optim.scenario.fields import LIMIT_REASONS
from pvd_optim.scenario.schema import section_model
from pvd_optim.scenario.yaml_reader import FieldPath, Lines, dotted

_TAG_RE = re.compile(
    r"^(?:\[key\]|(?:dict|list|tuple|set|function-\w+|nullable|union)\[.*\]|constrained-\w+"
    r"|float|int|str|bool|none)$"
)
_TYPE_ERRORS = frozenset({
    "dict_type", "model_type", "model_attributes_type", "float_type", "float_parsing",
    "int_type", "int_parsing", "tuple_type", "list_type", "string_type", "bool_type",
    "bool_parsing", "none_required", "number_type",
})
_NUMBER_ERRORS = frozenset({"float_parsing", "float_type", "int_parsing", "int_type",
                            "number_type"})
_SHARE_FIELDS = frozenset({"mip_gap", "fragility_threshold", "theme_floors_share"})
# A number as the loader reads one (see yaml_reader), to tell a quoted number apart.
_DECIMAL = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def _clean(loc: tuple[Any, ...]) -> tuple[FieldPath, str | None, bool]:
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


def _show(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return f"{value:g}" if abs(value) < 1e16 else repr(value)
    return repr(value)


def _sexagesimal(text: str) -> float:
    total = 0.0
    for part in text.lstrip("+-").split(":"):
        total = total * 60 + float(part.replace("_", "") or 0)
    return -total if text.startswith("-") else total


def _number_hint(text: str, share: bool) -> Message:
    """How to write the number ``text`` tried to be (it came as text).

    The numbers to type are shown as YAML reads them (``1.5``) in every language.
    """
    text = text.strip()
    if text.endswith("%"):
        return Message("; write a fraction, e.g. 0.15 for 15 %")
    if re.fullmatch(r"[+-]?\d{1,3}([, \u00a0\u202f]\d{3})+([.,]\d+)?", text):
        digits = re.sub(r"[, \u00a0\u202f]", "", text.split(".")[0])
        return Message("; write {digits} or {grouped} (no thousands separators)",
                       digits=digits, grouped=f"{int(digits):_}")
    if re.fullmatch(r"[+-]?\d+,\d+", text):
        return Message("; write {number} (a decimal point, not a comma)",
                       number=text.replace(",", "."))
    if re.fullmatch(r"[+-]?0[xXoObB][0-9a-fA-F_]+", text):
        return Message("; write the number in decimal digits (hexadecimal, octal and binary "
                       "forms are not read)")
    if re.fullmatch(r"[+-]?\d[\d_]*(:[0-5]?\d)+(\.\d*)?", text):
        return Message("; write one decimal number, e.g. {number} (a colon form is not read as "
                       "minutes:seconds)", number=f"{_sexagesimal(text):g}")
    if re.fullmatch(r"[+-]?0\d[\d_]*(\.\d*)?([eE][-+]?\d+)?", text):
        sign = text[0] if text[0] in "+-" else ""
        bare = text.lstrip("+-").lstrip("0")
        bare = f"0{bare}" if bare.startswith(".") or not bare else bare
        return Message("; write {number} without the leading zero (YAML 1.1 tools read a "
                       "leading zero as octal)", number=f"{sign}{bare}")
    if "_" in text and re.fullmatch(r"[+-]?[\d_]+", text):
        digits = text.replace("_", "")
        return Message("; `_` separates groups of three digits: write {digits} or {grouped}",
                       digits=digits, grouped=f"{int(digits):_}")
    if _DECIMAL.fullmatch(text):
        return Message("; write the number without quotes (in quotes it is text)")
    if share:
        return Message("; write a fraction such as 0.08")
    return Message("; write a plain number such as 25800000 or 2.58e7")


def _limit_reason(path: FieldPath) -> Message:
    """Why a fixed upper limit exists, for the field at ``path`` (list items included)."""
    names = [part for part in path if not part.isdigit()]
    reason = LIMIT_REASONS.get(names[-1]) if names else None
    if reason:
        return Message(" ({reason})", reason=reason)
    return Message(" (a fixed limit: `pvd-optim schema` lists them)")


def validator_message(error: dict[str, Any]) -> str:
    """The message a validator raised (a catalogue ``Message`` kept as one), else pydantic's."""
    raised = (error.get("ctx") or {}).get("error")
    if isinstance(raised, ValueError) and raised.args and isinstance(raised.args[0], str) \
            and callable(getattr(raised.args[0], "render", None)):
        return raised.args[0]  # a Message, or a joined list of them
    return str(error["msg"]).removeprefix("Value error, ")


def _explain(error: dict[str, Any], path: FieldPath, is_key: bool, union: bool) -> str:
    """A planner-facing sentence for one pydantic error: what is wrong and how to fix it."""
    kind = error["type"]
    given = error.get("input")
    ctx = error.get("ctx") or {}
    name = path[-1] if path else ""
    if kind == "extra_forbidden":
        model = section_model(path)
        known = list(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(name, [k for k in known if k != "source"], n=1,
                                          cutoff=0.6)
        hint = Message("did you mean `{name}`? ", name=close[0]) if close else ""
        where = ", ".join(k for k in known if k != "source")
        return Message("unknown field; {hint}check the spelling (fields here: {fields}; "
                       "`pvd-optim schema` lists them all)", hint=hint, fields=where)
    if kind == "missing":
        return Message("required field is missing")
    if is_key and kind in {"string_type", "unquoted_code"}:
        shown = str(given) if kind == "unquoted_code" else repr(given)
        return Message("key {key} must be quoted text, e.g. '01' (unquoted, YAML reads it as a "
                       "number and loses its leading zero)", key=shown)
    share = name.endswith("_share") or name in _SHARE_FIELDS or (
        len(path) > 1 and path[-2] == "theme_floors_share")
    got = _show(given)
    if given is None and kind in {"dict_type", "model_type", "model_attributes_type"}:
        return Message("section is empty; give its fields on indented lines below it, or delete "
                       "the line to use the defaults")
    if given is None and kind in _TYPE_ERRORS | {"literal_error"}:
        return Message("has no value; give one, or delete the line to use the default "
                       "(`pvd-optim schema` shows it)")
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        op, bound = {"greater_than_equal": (">=", ctx.get("ge")),
                     "greater_than": (">", ctx.get("gt")),
                     "less_than_equal": ("<=", ctx.get("le")),
                     "less_than": ("<", ctx.get("lt"))}[kind]
        detail: str = ""
        if share:
            example: str = ""
            if isinstance(given, int | float) and 5 <= given <= 100:
                example = Message(": write {fraction} for {percent} %",
                                  fraction=f"{given / 100:g}", percent=_show(given))
            detail = Message("; shares are fractions in [0, 1]{example}", example=example)
        elif op.startswith("<"):
            detail = _limit_reason(path)
        return Message("must be {op} {bound}. Got {given} instead{detail}", op=op,
                       bound=_show(bound), given=got, detail=detail)
    if kind == "finite_number":
        return Message("must be a finite number, not {given}; give a number, or delete the "
                       "line to use the default", given=got)
    if kind in _NUMBER_ERRORS:
        whole = kind.startswith("int") or bool(ctx.get("whole"))
        mapping: str = ""
        if union:
            mapping = (Message(" (or a mapping theme -> value, one line per theme)") if not share
                       else Message(" (or a mapping theme -> share)"))
        how: str = _number_hint(given, share) if isinstance(given, str) else ""
        if whole:
            return Message("must be a whole number. Got {given} instead{mapping}{hint}",
                           given=got, mapping=mapping, hint=how)
        return Message("must be a number. Got {given} instead{mapping}{hint}", given=got,
                       mapping=mapping, hint=how)
    if kind == "int_from_float":
        return Message("must be a whole number. Got {given} instead", given=got)
    if kind in {"bool_parsing", "bool_type"}:
        return Message("must be true or false. Got {given} instead", given=got)
    if kind == "literal_error":
        words = ""
        if isinstance(given, bool):
            words = Message("; true and false are yes-or-no values: write one of the words above")
        return Message("must be one of {expected}. Got {given} instead{words}",
                       expected=str(ctx.get("expected", "")), given=got, words=words)
    if kind == "too_long":
        return Message("has {actual} values, more than the limit of {limit}{reason}",
                       actual=ctx.get("actual_length"), limit=ctx.get("max_length"),
                       reason=_limit_reason(path))
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        what = Message("a list") if isinstance(given, list) else got
        return Message("must be a section of `field: value` lines (a mapping), got {what}; see "
                       "`pvd-optim schema`", what=what)
    if kind in {"tuple_type", "list_type"}:
        if isinstance(given, str | int | float):
            return Message("must be a list, e.g. [{item}]. Got {given} instead", item=str(given),
                           given=got)
        return Message("must be a list, e.g. [a, b]. Got {given} instead", given=got)
    if kind == "string_type":
        if isinstance(given, list):
            return Message("must be text, got a list")
        if isinstance(given, dict):
            return Message("must be text, got a mapping")
        return Message("must be text. Got {given} instead", given=got)
    message = validator_message(error)
    if kind != "value_error" and given is not None and not isinstance(given, dict | list):
        return Message("{message}. Got {given} instead", message=message, given=got)
    return message


def describe_validation_error(
    error: ValidationError,
    lines: Lines,
    default_file: str | None,
    overridden: frozenset[FieldPath] = frozenset(),
) -> ScenarioError:
    """The first problem of ``error`` as a located ``ScenarioError`` (and how many more)."""
    errors = _pick([dict(e) for e in error.errors()])
    first = errors[0]
    loc, branch, is_key = _clean(first["loc"])
    if not loc:
        # Whole-scenario checks name the field they concern first: point at its line.
        named = re.match(r"([a-z_]+(?:\.[a-z_]+)*) ", str(first.get("msg", "")).removeprefix(
            "Value error, "))
        if named:
            loc = tuple(named.group(1).split("."))
    shown = dotted(loc) or None
    file, line = default_file, None
    if any(loc[: len(o)] == o or (loc and o[: len(loc)] == loc) for o in overridden):
        shown = f"--set {shown}"
    else:
        for cut in range(len(loc), -1, -1):
            if loc[:cut] in lines:
                file, line = lines[loc[:cut]]
                break
    message = _explain(first, loc, is_key, union=branch is not None)
    distinct = {(_clean(e["loc"])[0], e["type"]) for e in errors}
    more = len(distinct) - 1
    if more:
        message = Message("{message}{more}", message=message, more=Plural(
            " (and {count} more problem)", " (and {count} more problems)", more))
    return ScenarioError(message, file=file, line=line, field=shown)
