"""The registry of constraint families: the one place a family is named and worded.

The model's rows (``pvd_optim.model.rows``), the independent checker
(``pvd_optim.check``), the infeasibility diagnosis, the "what binds"
explanations, the strategies' promises and the analyses all read
:data:`FAMILIES`. Adding a family is one entry here plus its rows and its check;
a test requires both for every family.
"""

from __future__ import annotations

from collections.abc import Iterable

from pvd_optim.families import collective as _collective
from pvd_optim.families import convention as _convention
from pvd_optim.families import prefects as _prefects
from pvd_optim.families import programme as _programme
from pvd_optim.families import quota as _quota
from pvd_optim.families import reference as _reference
from pvd_optim.families.reference import REFERENCE_FAMILIES, balance_block_name
from pvd_optim.families.registry import (
    Binding,
    Elastic,
    Family,
    Fix,
    FixContext,
    Kind,
    RowBlock,
    ToleranceSearch,
    define_rows,
    unknown_family,
    verify,
)

#: Every constraint family, in the order of their rows in the model: the one-year
#: families of the reference model with the programme's families among them, then
#: Cerema's collective actions.
FAMILIES: tuple[Family, ...] = (
    _reference.BOUNDS, _reference.INTEGRALITY, _programme.ENTRY, _programme.COMMITMENTS,
    _reference.ENVELOPE,
    _programme.CARRY_OVER, _reference.SPEND_MIN, _reference.CAPACITY,
    _reference.ENGINEERING_BUDGET, _programme.SUBSIDY, _programme.COFUNDER_SHARE,
    _programme.COFUNDER_BUDGET, _reference.COVER_MIN, _reference.SHARING, _reference.LEAD,
    _programme.IDLE_POSTS, _programme.PERSISTENCE, _reference.TOWN_FLOOR, _reference.BALANCE,
    _reference.THEME_FLOOR, _programme.HORIZON_SATURATION,
    *_quota.QUOTA_FAMILIES,
    _prefects.PREFECTS,
    *_collective.COLLECTIVE_FAMILIES,
    _convention.THEMES_AFTER_ORT,
)
assert set(REFERENCE_FAMILIES) <= set(FAMILIES)

_BY_NAME = {family.name: family for family in FAMILIES}

#: Every family name, in registry order.
FAMILY_NAMES: tuple[str, ...] = tuple(_BY_NAME)


def family(name: str) -> Family:
    """The family called ``name``; an unknown name is an ``InputError``, never a skip."""
    try:
        return _BY_NAME[name]
    except (KeyError, TypeError):
        raise unknown_family(name, FAMILY_NAMES) from None


def resolve(names: Iterable[str | Family]) -> tuple[Family, ...]:
    """Families named by ``names`` (names or families), in registry order, each once."""
    wanted = {item.name if isinstance(item, Family) else family(item).name for item in names}
    return tuple(f for f in FAMILIES if f.name in wanted)


def of_kind(*kinds: Kind) -> tuple[Family, ...]:
    """The families of the given kinds, in registry order."""
    return tuple(f for f in FAMILIES if f.kind in kinds)


def row_block(name: str) -> tuple[Family, RowBlock]:
    """The family owning row block ``name``, and the block."""
    for fam in FAMILIES:
        for block in fam.blocks:
            if block.name == name:
                return fam, block
    raise KeyError(name)


__all__ = [
    "FAMILIES", "FAMILY_NAMES", "Binding", "Elastic", "Family", "Fix", "FixContext", "Kind",
    "RowBlock", "ToleranceSearch", "balance_block_name", "define_rows", "family", "of_kind",
    "resolve", "row_block", "verify",
]
