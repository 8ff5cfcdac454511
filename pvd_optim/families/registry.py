"""What a constraint family is, and where its two implementations are registered.

A :class:`Family` holds everything about one family of constraints that is not
arithmetic: its name, the row blocks it puts in the model, what the checker
verifies, its unit, the planner's wording of a binding row, and how the
diagnosis relaxes it and words the fix. The arithmetic lives in two separate
places that never read each other: the rows in ``pvd_optim.model.rows``
(registered with :func:`define_rows`) and the check in ``pvd_optim.check``
(registered with :func:`verify`). The checker thus stays independent of the
matrix builder, and a family that lacks either implementation is an error when
the model is built or an allocation checked, never a silent skip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

from pvd_optim.errors import InputError, VerificationError
from pvd_optim.i18n.message import Message

if TYPE_CHECKING:
    from pvd_optim.inputs import (
        AllocationArrays,
        FloatArray,
        ModelInputs,
        ProgrammeArrays,
        ProgrammeInputs,
    )
    from pvd_optim.scenario.schema import Scenario

#: ``structure``: rules of the model itself (bounds, sharing posts, no support without a
#: project lead); ``limit``: a resource a planner can raise; ``target``: a demand or
#: policy a planner can lower (minimum spend, coverage, balance, floors).
Kind = Literal["structure", "limit", "target"]

#: ``year``: the family's rows and check concern one model year at a time (its define and
#: check take that year's ``ModelInputs`` and arrays, and are run for every year);
#: ``programme``: they link years or may span the horizon (define and check take the
#: ``ProgrammeInputs`` and the whole programme's variables and arrays).
Scope = Literal["year", "programme"]


def _no_names(inputs: ModelInputs, row: int) -> dict[str, str]:
    return {}


def _first(inputs: ModelInputs, row: int) -> int:
    return 0


def in_year(year: int, many: bool) -> str:
    """A fix's `` in 2021`` in a programme of several years (``many``), else nothing."""
    return Message(" in {year}", year=year) if many else ""


@dataclass(frozen=True)
class RowBlock:
    """One block of rows a family adds to the model.

    ``binding`` words a row of the block for a planner when it holds with equality:
    an English message of the catalogue (marked ``N_``, translated where shown) whose
    ``{placeholders}`` ``names(inputs, i)`` fills for row ``i`` with proper names
    ("Cerema capacity of {directorate}"), or several messages of which ``pick(inputs, i)``
    chooses one (a block whose rows are of several kinds); ``None`` for rows whose being
    tight means nothing to a planner (definitions, redundant strengthening rows).
    ``proportional_to`` names the resource (``funding``, ``days``, ``towns``)
    whose allocated total must be positive for a tight row to mean anything
    (a share of nothing holds trivially). ``strengthening`` rows are redundant
    for integer solutions: they only tighten the LP relaxation.
    """

    name: str
    description: str
    binding: str | tuple[str, ...] | None = None
    names: Callable[[ModelInputs, int], dict[str, str]] = field(default=_no_names)
    proportional_to: str | None = None
    strengthening: bool = False
    pick: Callable[[ModelInputs, int], int] = field(default=_first)

    @property
    def wordings(self) -> tuple[str, ...]:
        """Every message that may word a row of this block."""
        if self.binding is None:
            return ()
        return (self.binding,) if isinstance(self.binding, str) else self.binding

    def wording(self, inputs: ModelInputs, row: int) -> str:
        """The message wording row ``row``: with several, ``pick`` chooses (e.g. by action)."""
        return self.wordings[self.pick(inputs, row)]


def _same(message: str) -> str:
    return message


class Binding(NamedTuple):
    """One constraint that holds with equality: its family and its planner wording.

    ``template`` is the row block's ``binding`` message, ``names`` the proper names
    filling it; ``year`` the model year of a per-year row in a programme of several
    years, ``horizon`` true for a row over the horizon. :meth:`text` renders it in a
    language, :attr:`label` in English (the stable form of ``summary.json``).
    """

    family: str
    template: str
    names: tuple[tuple[str, str], ...] = ()
    year: int | None = None
    horizon: bool = False

    def text(self, gettext: Callable[[str], str] = _same) -> str:
        """The wording, with ``gettext`` translating the messages (identity: English)."""
        words = gettext(self.template).format(**dict(self.names))
        if self.year is not None:
            return words + gettext(" in {year}").format(year=self.year)
        return words + gettext(" over the horizon") if self.horizon else words

    @property
    def label(self) -> str:
        """The English wording."""
        return self.text()


@dataclass(frozen=True)
class Fix:
    """One way to make an infeasible scenario feasible, in words and numbers.

    ``proof`` says how sure the diagnosis is: ``proven minimal`` (the elastic solve
    was solved to optimality: no smaller change of this family works), or
    ``not proven minimal`` (a limit stopped it with this change found: it works,
    a smaller one may too).
    """

    family: str
    field: str
    current: float
    needed: float
    message: str
    detail: tuple[str, ...] = ()
    proof: Literal["proven minimal", "not proven minimal"] = "proven minimal"


@dataclass(frozen=True, eq=False)
class FixContext:
    """What a fix's wording may read: the problem, and the elastic solve's slacks.

    ``inputs`` and ``arrays`` are the first (in a one-year scenario, the only) year's;
    ``programme`` and ``programme_arrays`` every year's. A slack of a block with one
    slice per year has the years as its first axis (``year_slack``).
    """

    inputs: ModelInputs
    scenario: Scenario
    slack: dict[str, FloatArray]  # row block name -> how far each row bent
    arrays: AllocationArrays  # the allocation of the elastic solve (first year)
    programme: ProgrammeInputs | None = None
    programme_arrays: ProgrammeArrays | None = None

    def total(self, block: str) -> float:
        """Total bending of one row block."""
        return float(self.slack[block].sum())

    @property
    def years(self) -> tuple[ModelInputs, ...]:
        """Every model year's inputs."""
        return self.programme.years if self.programme is not None else (self.inputs,)

    def year_slack(self, block: str) -> FloatArray:
        """The slack of a per-year block as (Y, rows per year)."""
        return np.asarray(self.slack[block], dtype=np.float64).reshape(len(self.years), -1)


@dataclass(frozen=True)
class Elastic:
    """The diagnosis lets ``blocks`` bend at a cost per unit and minimises the bending.

    ``fix`` words the smallest bending as a change of the scenario (or ``None``
    when the slack found is no change at all).
    """

    blocks: tuple[str, ...]
    fix: Callable[[FixContext], Fix | None]


@dataclass(frozen=True)
class ToleranceSearch:
    """The diagnosis searches the smallest tolerance that makes the scenario feasible.

    ``raise_to`` words the smallest tolerance found (its ``needed`` and ``now`` values);
    ``no_tolerance`` says what to do when even the widest tolerance is not enough, with
    ``no_tolerance_field`` the scenario field that sentence changes.
    """

    field: str
    raise_to: Callable[[float, float], str]
    no_tolerance: str
    no_tolerance_field: str


Relaxation = Elastic | ToleranceSearch


def _always(inputs: ModelInputs) -> bool:
    return True


@dataclass(frozen=True)
class Family:
    """One family of constraints of the allocation model (see the module docstring)."""

    name: str
    title: str
    verifies: str
    unit: str
    kind: Kind
    blocks: tuple[RowBlock, ...] = ()
    relax: Relaxation | None = None
    meaning: str = ""
    active: Callable[[ModelInputs], bool] = field(default=_always)
    scope: Scope = "year"

    @property
    def define(self) -> Callable[..., None]:
        """The function that adds this family's rows (or bounds) to the model."""
        try:
            return _ROWS[self.name]
        except KeyError:
            raise VerificationError(
                f"constraint family {self.name!r} has no rows in the model "
                "(pvd_optim.model.rows): a bug in pvd-optim") from None

    @property
    def check(self) -> Callable[..., None]:
        """The checker's verification of this family."""
        try:
            return _CHECKS[self.name]
        except KeyError:
            raise VerificationError(
                f"constraint family {self.name!r} has no check (pvd_optim.check): a bug in "
                "pvd-optim") from None

    def block(self, name: str) -> RowBlock:
        """One of this family's row blocks, by name."""
        for block in self.blocks:
            if block.name == name:
                return block
        raise KeyError(name)


_ROWS: dict[str, Callable[..., None]] = {}
_CHECKS: dict[str, Callable[..., None]] = {}


def _register(table: dict[str, Callable[..., None]], what: str, families: tuple[Family, ...]
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        for family in families:
            if family.name in table:
                raise VerificationError(
                    f"constraint family {family.name!r} has two {what}: "
                    f"{table[family.name].__qualname__} and {function.__qualname__}")
            table[family.name] = function
        return function

    return register


def define_rows(*families: Family) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: the function adds these families' rows to the model (model layer)."""
    return _register(_ROWS, "row definitions", families)


def verify(*families: Family) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: the function checks these families on an allocation (the checker)."""
    return _register(_CHECKS, "checks", families)


def unknown_family(name: object, known: tuple[str, ...]) -> InputError:
    """The error for a family name that is not in the registry."""
    return InputError(
        Message("unknown constraint family {name}; the families are: {families}",
                name=repr(name), families=", ".join(known)),
        field="families")
