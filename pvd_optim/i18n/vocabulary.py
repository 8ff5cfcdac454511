"""The programme's nouns as readers see them: default themes, resources, bases of prices.

Every layer that writes for people (``explain.md``, the town page, the report)
names a default theme or a resource through :func:`name`, so the word is the
same everywhere and exists in both languages.
"""

from __future__ import annotations

from pvd_optim.i18n import N_, Translator

#: Default theme and resource names as readers see them (others are shown as written).
NAMES: dict[str, str] = {
    "habitat": N_("habitat"), "services": N_("services"), "heritage": N_("heritage"),
    "revitalisation": N_("revitalisation"), "mobility": N_("mobility"),
    "digital": N_("digital"), "funding": N_("funding"), "days": N_("expert-days"),
    "towns": N_("covered towns"),
}


#: How the shadow prices were computed (``ShadowPrices.basis``), as readers see it.
BASIS_WORDS: dict[str, str] = {
    "LP with posts and coverage fixed at the optimum": N_(
        "LP with posts and coverage fixed at the optimum"),
    "LP (integrality relaxed)": N_("LP (integrality relaxed)"),
}


def basis(t: Translator, text: str) -> str:
    """The shadow prices' basis in the reader's language (an unknown one as written)."""
    return t.gettext(BASIS_WORDS[text]) if text in BASIS_WORDS else text


def name(t: Translator, key: str) -> str:
    """A theme's or resource's name in the reader's language (unknown ones as written)."""
    return t.gettext(NAMES[key]) if key in NAMES else key


#: Statuses of an allocation or a sweep's variant (identifiers in files), as readers see them.
STATUS_WORDS: dict[str, str] = {
    "optimal": N_("optimal"), "feasible": N_("feasible"), "relaxed": N_("relaxed"),
    "infeasible": N_("infeasible"), "no_solution": N_("no solution"),
    "invalid": N_("invalid"), "error": N_("error"),
}


def status(t: Translator, key: str) -> str:
    """A status in the reader's language (unknown ones as written)."""
    return t.gettext(STATUS_WORDS[key]) if key in STATUS_WORDS else key
