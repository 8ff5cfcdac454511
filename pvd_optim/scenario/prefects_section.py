"""The prefects' envelopes: part of the funding envelope held per département.

ANCT said «quinze millions d'euros seront à la main des préfets» (the source is in
``pvd_optim/data/NOTICE.md``): part of the funding is spent at the prefect's hand in
his département. ``resources.funding.prefects`` reserves such a part of each year's
envelope, split over the départements on a basis (the vocabulary of
``balance.basis``) or given per département. Each département receives at least
``floor_share`` of its envelope and, with ``ceiling_multiple``, at most that multiple
of it (``docs/model.md#prefects-envelopes``). Absent (the default), nothing is held.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from pvd_optim.i18n.message import Message
from pvd_optim.scenario.fields import CodeText, Frozen, PositiveEuros, Share
from pvd_optim.scenario.fields import _real as real_number
from pvd_optim.scenario.programme_section import PerYearEuros

#: A ceiling as a multiple of the envelope: at least the envelope itself (a smaller
#: ceiling would forbid spending the envelope the floor asks for), a finite number.
CeilingMultiple = Annotated[float, Field(ge=1.0, allow_inf_nan=False),
                            BeforeValidator(real_number)]


class PrefectsSection(Frozen):
    """A reserve of the funding envelope held by the prefects, per département."""

    reserve_eur: PerYearEuros | None = Field(
        None, json_schema_extra={"minimum": 0.0},
        description=(
            "The reserve P of each full year's envelope held by the prefects (one value, or "
            "year -> value), split over the départements on `basis`; a partly run year "
            "holds its running share of it, like its envelope. At most the envelope. Not "
            "given with `by_department`."
        ),
    )
    basis: Literal["towns", "population", "need"] | None = Field(
        None,
        description=(
            "How reserve_eur is split: in proportion to each département's eligible towns "
            "(that have joined by the year), their population or their total need (the "
            "words of balance.basis); null: `towns`. Not given with `by_department`."
        ),
    )
    by_department: dict[CodeText, PositiveEuros] | None = Field(
        None,
        description=(
            "Instead of a reserve split on a basis: the envelope of each listed département "
            "(code -> EUR a full year, e.g. {'15': 250000}); the others hold none."
        ),
    )
    floor_share: Share = Field(
        1.0,
        description=(
            "Each département's towns receive at least this share of its prefect's envelope "
            "(1: all of it is spent there). What a lower floor leaves is national funding "
            "again, free to go anywhere."
        ),
    )
    ceiling_multiple: CeilingMultiple | None = Field(
        None,
        description=(
            "Each département holding an envelope receives at most this multiple of it, "
            "national funding included (e.g. 2: at most twice its envelope); null: no "
            "ceiling, national funding goes where it does most good."
        ),
    )

    @model_validator(mode="after")
    def _one_way_to_split(self) -> PrefectsSection:
        if (self.reserve_eur is None) == (self.by_department is None):
            raise ValueError(Message(
                "give either reserve_eur (a reserve split on `basis`) or by_department (an "
                "envelope per département), not both and not neither"))
        if self.by_department is not None and self.basis is not None:
            raise ValueError(Message("basis splits reserve_eur; with by_department each "
                                     "envelope is given: remove basis"))
        if self.by_department is not None and not self.by_department:
            raise ValueError(Message("by_department is empty: list at least one département "
                                     "code -> EUR, or give reserve_eur"))
        return self

    @property
    def split_basis(self) -> Literal["towns", "population", "need", "by_department"]:
        """How the envelopes are set: the basis of the reserve's split, or given."""
        if self.by_department is not None:
            return "by_department"
        return self.basis or "towns"


__all__ = ["CeilingMultiple", "PrefectsSection"]
