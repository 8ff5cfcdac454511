"""``explain.md``'s words on the prefects' envelopes (``docs/model.md#prefects-envelopes``).

One line under "What was allocated": the envelopes in force, how they were set, their floor
and ceiling, and the départements whose funding sits at either. Every sentence is a
catalogue message, every number formatted by the reader's translator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pvd_optim.i18n import N_, Translator
from pvd_optim.inputs import keur_to_eur

if TYPE_CHECKING:
    from pvd_optim.results import Allocation

#: How a reserve was split over the départements, in explain.md's words.
_PREFECT_SPLITS = {
    "towns": N_("split on eligible towns"), "population": N_("split on population"),
    "need": N_("split on need"), "by_department": N_("as given per département"),
}


def prefects_lines(a: Allocation, t: Translator) -> list[str]:
    """``explain.md``'s line on the prefects' envelopes in force, and those at their floor or
    ceiling (none without envelopes)."""
    first = a.years_inputs[0].prefects
    if first is None:
        return []
    _ = t.gettext
    reserve_eur = keur_to_eur(sum(year.prefects.reserve_keur for year in a.years_inputs
                                  if year.prefects is not None))
    # The binding rows' labels name the département (and the year, in a programme).
    labels: dict[str, list[str]] = {"floor": [], "ceiling": []}
    for item in a.binding:
        if item.family == "prefects":
            side = "ceiling" if item.label.startswith("ceiling of ") else "floor"
            labels[side].append(item.label.split(" envelope of ", 1)[-1])
    ceiling = (_(" and at most {multiple} times it in all").format(
        multiple=t.number(first.ceiling_multiple,
                          0 if first.ceiling_multiple.is_integer() else 2))
        if first.has_ceiling else "")
    line = t.ngettext(
        "Prefects' envelopes: {reserve} of the funding envelope held by the prefect of "
        "{count} département ({split}), each receiving at least {floor} of it{ceiling}",
        "Prefects' envelopes: {reserve} of the funding envelope held by the prefects of "
        "{count} départements ({split}), each receiving at least {floor} of it{ceiling}",
        first.n_departments).format(
        reserve=t.eur(reserve_eur), count=t.number(first.n_departments),
        split=t.gettext(_PREFECT_SPLITS[first.basis]), floor=t.percent(first.floor_share, 0),
        ceiling=ceiling)
    for side, words in (("floor", N_("; at their floor: {names}")),
                        ("ceiling", N_("; at their ceiling: {names}"))):
        if labels[side]:
            line += _(words).format(names=", ".join(labels[side]))
    return ["- " + line + "."]


__all__ = ["prefects_lines"]
