"""The ``convention`` section: what a town's ORT convention changes in a scenario.

A PVD town signs a convention of membership when it joins (``pvd_signed_at``), then,
within about 18 months, its *convention-cadre*, which is also its ORT convention
(opération de revitalisation de territoire, ``ort_signed_at`` of the embedded table).
The section uses that status in three ways, each off by default, each chosen on its
own (``docs/model.md``, "Convention and ORT status"):

* ``require_ort`` / ``require_ort_signed_by``: an eligibility condition;
* ``ort_priority_weight``: a weight on the benefit of towns that have an ORT;
* ``themes_after_ort``: a precondition for funding chosen themes (no funding of them
  in a year before the town's ORT was signed).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator

from pvd_optim.i18n.message import Message
from pvd_optim.scenario.fields import MAX_SLOPE, Frozen, _real

#: A weight on a town's benefit: finite, above 0 (0 would drop the towns from the
#: objective), at most the largest benefit slope the scenario accepts.
PriorityWeight = Annotated[float, Field(gt=0.0, le=MAX_SLOPE, allow_inf_nan=False),
                          BeforeValidator(_real)]


class ConventionSection(Frozen):
    """How a town's convention (ORT) status is used: eligibility, priority, preconditions."""

    require_ort: bool = Field(
        False,
        description=(
            "Eligibility: only towns with an ORT convention compete (the `ort` flag of the "
            "embedded table; 1,526 of the 1,646 programme towns). A town excluded this way is "
            "told so by `pvd-optim town`. The condition applies to every town, those of "
            "`eligibility.include` too."
        ),
    )
    require_ort_signed_by: datetime.date | None = Field(
        None,
        description=(
            "Eligibility: only towns whose ORT was signed on or before this date "
            "(YYYY-MM-DD; implies `require_ort`). A town whose ORT date is unknown (1 in the "
            "data) does not meet it."
        ),
    )
    ort_priority_weight: PriorityWeight = Field(
        1.0,
        description=(
            "Priority in the objective: the benefit of a town with an ORT (its funding, "
            "expert-days and coverage) counts this many times; 1 (default) changes nothing, "
            "1.2 favours towns with an ORT by 20 %."
        ),
    )
    themes_after_ort: tuple[str, ...] = Field(
        (),
        description=(
            "Precondition: themes a town may be funded in only from the calendar year its ORT "
            "was signed; a town without an ORT (or without a known date) gets no funding in "
            "them. In a one-year scenario, towns without an ORT get none of these themes. "
            "Expert-days are not restricted (they help build the ORT)."
        ),
    )

    @field_validator("themes_after_ort", mode="before")
    @classmethod
    def _one_theme_or_a_list(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("themes_after_ort")
    @classmethod
    def _each_theme_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({theme for theme in value if value.count(theme) > 1})
        if repeated:
            raise ValueError(Message("theme(s) {repeated} are listed more than once; list each "
                                     "once", repeated=str(repeated)))
        return value

    @property
    def ort_required(self) -> bool:
        """Whether the eligibility condition is on (either field)."""
        return self.require_ort or self.require_ort_signed_by is not None


def unknown_themes(section: ConventionSection, themes: Iterable[str]) -> str | None:
    """The problem with ``themes_after_ort`` given the themes in force, or ``None``."""
    known = set(themes)
    unknown = sorted(set(section.themes_after_ort) - known)
    if not unknown:
        return None
    return Message("convention.themes_after_ort names unknown theme(s) {unknown}; known: "
                   "{known}", unknown=str(unknown), known=str(sorted(known)))


__all__ = ["ConventionSection", "PriorityWeight", "unknown_themes"]

