"""Field types of the scenario schema: numbers that are numbers, units, and the fixed limits.

A scenario's validity depends only on the scenario: every limit here is a constant,
documented with its reason, never a property of the machine that reads it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from pvd_optim.codes import INSEE_CODE
from pvd_optim.i18n.message import Message

#: Above these, an amount is a typo (extra zeros), not a plan: the whole programme is
#: about 1 bn EUR and 100,000 expert-days over six years.
MAX_PLAUSIBLE_EUR = 1e11
MAX_PLAUSIBLE_DAYS = 1e7

#: Most segments of the benefit curve. Each segment adds two columns per town and theme
#: (funding and days) and, in the tight model, two rows: about 20,000 columns per segment
#: on the national scenario, 420,000 on all communes (300 segments built 5.9 M columns and
#: ended in MemoryError). Ten segments follow any concave curve closely.
MAX_BENEFIT_SEGMENTS = 10

#: Largest slope of the benefit curve: the benefit, in k EUR-equivalent, of 1 k EUR at full
#: need (defaults 1, 0.6, 0.3). Past 10,000 the funding terms swamp expertise and coverage
#: (a covered town is worth 60 k EUR-eq), and the objective's coefficients head for the
#: range HiGHS takes as infinite (1e20: slopes of 1e25 failed with "Unknown").
MAX_SLOPE = 1e4

#: Largest soft-balance penalty. A penalty is a multiple of what one unit outside the band
#: is worth; at 10,000 a deviation already costs more than any allocation gains (the band is
#: in effect hard), and larger values only push the coefficients towards the solver's
#: infinity.
MAX_PENALTY = 1e4

#: Most solver threads. A scenario's validity must not depend on the machine, so this is a
#: fixed bound (the machines this runs on have at most 64 cores; 2 threads gave no gain on
#: the national MIP); the model layer uses at most the cores available at run time.
MAX_SOLVER_THREADS = 64

#: Most towns one project-lead post may serve. A post serves towns of one group, and the
#: largest intercommunality has 158 communes (official grouped candidacies: 7 towns), so a
#: larger value changes nothing; near 2**63 the post counts overflowed the solver's input.
MAX_TOWNS_PER_POST = 200

#: Longest time limit per solve: one week. Longer is a typo (milliseconds for seconds?).
MAX_TIME_LIMIT_S = 7 * 24 * 3600


_PENALTY_REASON = Message("a larger penalty makes the band hard in effect and only costs "
                          "precision")
#: Why each limited field has its limit, in a planner's words (appended to the error).
LIMIT_REASONS: dict[str, Message] = {
    "segment_widths_share": Message("at most {segments} segments: each adds columns for every "
                                    "town and theme", segments=MAX_BENEFIT_SEGMENTS),
    "slopes": Message("at most {segments} segments, each slope at most {slope:g}: steeper "
                      "slopes swamp the other benefits and reach the solver's infinity",
                      segments=MAX_BENEFIT_SEGMENTS, slope=MAX_SLOPE),
    "funding_per_keur": _PENALTY_REASON,
    "days": _PENALTY_REASON,
    "towns": _PENALTY_REASON,
    "threads": Message("a fixed bound so that a scenario is valid on every machine; fewer "
                       "threads are used where fewer cores exist"),
    "towns_per_post": Message("a post serves towns of one group, and the largest "
                              "intercommunality has {communes} communes", communes=158),
    "time_limit_s": Message("one week; the limit is in seconds"),
}


class Frozen(BaseModel):
    """Base of every section: immutable, unknown keys refused, no NaN or infinity.

    Defaults are validated like written values, so a default is always of its field's
    type (an unvalidated ``40_000`` int default of a float-or-mapping field made pydantic
    warn on every dump).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False,
                              validate_default=True)


class Numeral(str):
    """Text written unquoted that looks like a number but is not a decimal one.

    The scenario loader reads ``040``, ``0x1F``, ``1:30``, ``1,5`` or ``25_800_00`` as
    this, not as YAML 1.1 would (32, 31, 90...): a number field refuses it with a hint on
    how to write the number, and a code field (INSEE, department) asks for quotes. In a
    text field it is plain text (pydantic stores a plain ``str``).
    """

    __slots__ = ()


def _number(value: Any, whole: bool) -> Any:
    """Refuse text and booleans where a number is expected; YAML already read the numbers."""
    if isinstance(value, bool | str):
        raise PydanticCustomError("number_type", "must be a number", {"whole": whole})
    return value


def _real(value: Any) -> Any:
    return _number(value, whole=False)


def _whole(value: Any) -> Any:
    return _number(value, whole=True)


def _plausible_eur(value: float) -> float:
    if value > MAX_PLAUSIBLE_EUR:
        raise ValueError(Message(
            "{value:,.0f} EUR is more than {limit:,.0f} EUR: probably a typo (extra zeros?); "
            "amounts are in euros", value=value, limit=MAX_PLAUSIBLE_EUR))
    return value


def _plausible_days(value: float) -> float:
    if value > MAX_PLAUSIBLE_DAYS:
        raise ValueError(Message(
            "{value:,.0f} days is more than {limit:,.0f} expert-days: probably a typo (extra "
            "zeros?)", value=value, limit=MAX_PLAUSIBLE_DAYS))
    return value


# Constraints come before the validator in each Annotated, so that they apply to the
# number itself and appear in the JSON Schema as `minimum` / `maximum`.
Number = Annotated[float, BeforeValidator(_real)]
Whole = Annotated[int, BeforeValidator(_whole)]
PositiveWhole = Annotated[int, Field(ge=1), BeforeValidator(_whole)]
Share = Annotated[float, Field(ge=0.0, le=1.0), BeforeValidator(_real)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False), BeforeValidator(_real)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False), BeforeValidator(_real)]
Slope = Annotated[float, Field(gt=0.0, le=MAX_SLOPE, allow_inf_nan=False),
                  BeforeValidator(_real)]
Penalty = Annotated[float, Field(gt=0.0, le=MAX_PENALTY, allow_inf_nan=False),
                    BeforeValidator(_real)]
Euros = Annotated[float, Field(ge=0.0, allow_inf_nan=False), AfterValidator(_plausible_eur),
                  BeforeValidator(_real)]
PositiveEuros = Annotated[float, Field(gt=0.0, allow_inf_nan=False),
                          AfterValidator(_plausible_eur), BeforeValidator(_real)]
Days = Annotated[float, Field(ge=0.0, allow_inf_nan=False), AfterValidator(_plausible_days),
                 BeforeValidator(_real)]


def shown_code(item: object) -> str:
    """A code as the planner wrote it: unquoted forms bare (``01033``), text quoted."""
    return str(item) if isinstance(item, Numeral | int | float) else repr(item)


def check_insee_codes(label: str, value: Any) -> Any:
    """Reject unquoted (numeric), malformed and repeated INSEE codes with a precise hint."""
    if not isinstance(value, list | tuple):
        return value  # the type check reports it
    seen: set[str] = set()
    for item in value:
        if isinstance(item, bool | Numeral) or not isinstance(item, str):
            raise ValueError(Message(
                "INSEE code {code} must be quoted text, e.g. ['01033', '2A004']: unquoted, YAML "
                "reads a code as a number and loses its leading zero", code=shown_code(item)))
        if not INSEE_CODE.fullmatch(item):
            raise ValueError(Message(
                "malformed INSEE code {code}: expected 5 characters, digits or 2A/2B then 3 "
                "digits (e.g. '01033', '2A004')", code=repr(item)))
        if item in seen:
            raise ValueError(Message("INSEE code {code} is listed twice in {label}; keep one",
                                     code=repr(item), label=label))
        seen.add(item)
    return value


def _code_text(value: Any) -> Any:
    if isinstance(value, Numeral):
        raise PydanticCustomError("unquoted_code", "must be quoted text")
    return value


#: A code written as text (a department code, say): ``01`` unquoted is refused, so that a
#: leading zero is never a matter of how the YAML was read.
CodeText = Annotated[str, BeforeValidator(_code_text)]
