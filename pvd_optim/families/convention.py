"""The family of the convention's precondition: chosen themes wait for a town's ORT.

With ``convention.themes_after_ort`` a scenario funds those themes in a town only from
the calendar year its ORT convention (its convention-cadre) was signed: the programme
asks a town for its revitalisation project before it funds the operations of that
project. A town without an ORT, or whose ORT date is unknown, waits for ever (in a
one-year scenario, the towns without an ORT get none of those themes). Expert-days are
not restricted: they are what helps a town write its ORT. Without ``themes_after_ort``
the family adds no row (``docs/model.md``, "Convention and ORT status").

With theme floors the precondition can make a scenario infeasible (a floor on a theme
that few towns may receive yet); the diagnosis then lets it bend and words the fix.
"""

from __future__ import annotations

import numpy as np

from pvd_optim.families.registry import Elastic, Family, Fix, FixContext, RowBlock, in_year
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message, Plural, first_and_rest, joined
from pvd_optim.inputs import keur_to_eur
from pvd_optim.tolerances import RELAXATION_NOISE

#: Towns named in a fix, at most (the others are counted).
_TOWNS_NAMED = 5


def waiting_towns(ort_year: np.ndarray, year: int) -> np.ndarray:
    """(n,) towns whose ORT is signed after ``year``, or never (``ort_year`` is inf)."""
    return ort_year > year


def _themes_after_ort_fix(ctx: FixContext) -> Fix | None:
    """Let the themes that bent be funded before the ORT: where, and how much."""
    s = ctx.year_slack("themes_after_ort")
    arrays = (ctx.programme_arrays.years if ctx.programme_arrays is not None
              else (ctx.arrays,))
    many = len(ctx.years) > 1
    parts: list[Message] = []
    let_through_keur = 0.0
    for y, (year, year_arrays) in enumerate(zip(ctx.years, arrays, strict=True)):
        themes = np.flatnonzero(year.themes_after_ort)
        waiting = waiting_towns(year.ort_year, year.year)
        for row in np.flatnonzero(s[y] > RELAXATION_NOISE):
            k = int(themes[row])
            funded = waiting & (year_arrays.funding_keur[:, k]
                                > year.committed_funding_keur[:, k] + RELAXATION_NOISE)
            names = [year.town_names[t] for t in np.flatnonzero(funded)]
            shown = first_and_rest(names, _TOWNS_NAMED, lambda more: Message(
                " and {count:,} more", count=more), ", ")
            parts.append(Message(
                "{theme}{when}: {amount:,.0f} EUR to {towns} not signed yet ({shown})",
                theme=year.themes[k],
                when=in_year(year.year, many),
                amount=keur_to_eur(float(s[y, row])),
                towns=Plural("{count:,} town whose ORT is", "{count:,} towns whose ORT are",
                             len(names)), shown=shown))
            let_through_keur += float(s[y, row])
    if not parts:
        return None
    return Fix("themes_after_ort", "convention.themes_after_ort", 0.0,
               keur_to_eur(let_through_keur),
               Message("fund these themes before a town's ORT is signed (take them out of "
                       "convention.themes_after_ort): {parts}", parts=joined(parts)),
               tuple(parts))


THEMES_AFTER_ORT = Family(
    "themes_after_ort", N_("themes that wait for the ORT"),
    "no funding, beyond what is committed, of a theme of convention.themes_after_ort to a "
    "town in a year before the one its ORT convention was signed (or at all, without an ORT "
    "or its date)", "k EUR", "target",
    (RowBlock("themes_after_ort",
              "funding of a theme to the towns still without their ORT <= what is committed "
              "to them (one row per theme and year)"),),
    Elastic(("themes_after_ort",), _themes_after_ort_fix),
    meaning=N_("the towns without a signed ORT get none of the theme: it waits for their "
               "ORT convention"),
    active=lambda inputs: bool(inputs.themes_after_ort.any()))

#: The convention's families, in the order their rows appear in the model.
CONVENTION_FAMILIES: tuple[Family, ...] = (THEMES_AFTER_ORT,)

__all__ = ["CONVENTION_FAMILIES", "THEMES_AFTER_ORT", "waiting_towns"]
