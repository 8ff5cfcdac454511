"""The default themes: which indicators make each theme's need, how, and why.

Plain constants (no numpy, no pandas), the one owner of the built-in theme
definitions, need directions, fragility weights and their rationale: the
scenario schema reads them for its defaults and the scoring core for its
computations, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

Direction = Literal["higher", "lower"]


def _frozen(mapping: Mapping[str, Mapping[str, float]]) -> Mapping[str, Mapping[str, float]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in mapping.items()})


#: Direction of need per indicator: ``"higher"`` means a larger raw value
#: signals more need, ``"lower"`` a smaller one. The one table of directions:
#: the indicator catalogue (``pvd_optim.data.indicators.INDICATORS``) reads it.
#: Column names follow the commune table (``pvd_optim.data.towns.load_communes``)
#: plus one derived column, ``epci_mean_commune_population`` (intercommunality
#: population divided by its number of member communes: low = a dispersed, rural
#: intercommunality). Deliberately without a direction: ``housing_permits_5y``
#: (a raw count that grows with the town's size; its per-1,000 rate carries the
#: need signal) and the identity columns; a theme that weights one of them must
#: state its direction in ``themes.directions``.
DEFAULT_DIRECTIONS: Final[Mapping[str, Direction]] = MappingProxyType(
    {
        # housing
        "housing_vacancy_pct": "higher",
        "fiscal_vacancy_pct": "higher",
        "long_term_vacancy_pct": "higher",
        # A thin social rental stock means fewer affordable options for a town
        # that must attract residents back to its centre: "lower". (The commune
        # table once called this column context, with no direction; the habitat
        # theme has always scored it "lower", together with the rule that a rate
        # below the legal SRU threshold ranks at the bottom, so "lower" is kept
        # and the optimum of every shipped scenario stays as it was.)
        "social_housing_pct": "lower",
        # Few permits = a stalled housing market.
        "housing_permits_per_1000_5y": "lower",
        # income, jobs, services
        "median_income_eur": "lower",
        "minimum_benefits_pct": "higher",
        "unemployment_pct": "higher",
        "unemployment_change_pts": "higher",
        "services_per_1000": "lower",
        "post_offices": "lower",
        "general_practitioners": "lower",
        "pharmacies": "lower",
        "primary_schools": "lower",
        "bakeries": "lower",
        "groceries": "lower",
        "supermarkets": "lower",
        "railway_stations": "lower",
        "secondary_schools": "lower",
        # revitalisation
        "brownfield_count": "higher",
        "brownfield_surface_ha": "higher",
        "population_change_pct": "lower",
        "population": "lower",
        "epci_mean_commune_population": "lower",
        # heritage: more protected heritage means more need for the specialised
        # engineering (architects of the Bâtiments de France, studies) it demands.
        "monuments": "higher",
        "protected_areas": "higher",
        "museums": "higher",
        # digital
        "fibre_pct": "lower",
    }
)

#: Default theme definitions: theme -> {indicator: weight}. Weights are
#: relative (each theme score is a weighted *mean*), so they need not sum to 1.
DEFAULT_THEMES: Final[Mapping[str, Mapping[str, float]]] = _frozen(
    {
        "habitat": {
            "housing_vacancy_pct": 0.25,
            "fiscal_vacancy_pct": 0.20,
            "long_term_vacancy_pct": 0.25,
            "social_housing_pct": 0.10,
            "housing_permits_per_1000_5y": 0.20,
        },
        "services": {
            "services_per_1000": 0.35,
            "unemployment_pct": 0.25,
            "unemployment_change_pts": 0.15,
            "median_income_eur": 0.25,
        },
        "heritage": {
            "monuments": 0.50,
            "protected_areas": 0.30,
            "museums": 0.20,
        },
        "revitalisation": {
            "long_term_vacancy_pct": 0.30,
            "brownfield_count": 0.15,
            "brownfield_surface_ha": 0.15,
            "population_change_pct": 0.40,
        },
        "mobility": {
            "railway_stations": 0.30,
            "services_per_1000": 0.20,
            "epci_mean_commune_population": 0.20,
            "population_change_pct": 0.20,
            "population": 0.10,
        },
        "digital": {
            "fibre_pct": 1.0,
        },
    }
)

#: One-line rationale per default theme, for reports and documentation.
THEME_RATIONALE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "habitat": (
            "Habitat and living environment: high (fiscal, long-term) housing vacancy, "
            "a thin social rental stock and few recent permits signal a housing market to repair."
        ),
        "services": (
            "Services and local activity: few facilities per 1,000 inhabitants, high and rising "
            "unemployment and low median income signal a weakening local economy."
        ),
        "heritage": (
            "Architectural and heritage quality: more protected monuments, protected areas and "
            "museums mean more need for specialised heritage engineering (unknown in Corsica)."
        ),
        "revitalisation": (
            "Centre revitalisation: long-term vacancy, brownfield sites and population decline "
            "mark town centres that are emptying."
        ),
        "mobility": (
            "Low-density mobility, by proxy only (the data has no area, density or travel time): "
            "no railway station, few services per 1,000, a small commune in an intercommunality "
            "of small communes, and population decline."
        ),
        "digital": "Digital: a low share of premises connectable to fibre (ARCEP).",
    }
)

#: Default weights of the fragility composite (indicator -> weight): the
#: "several fragility signs" of the programme's eligibility instruction.
DEFAULT_FRAGILITY: Final[Mapping[str, float]] = MappingProxyType(
    {
        "population_change_pct": 0.20,
        "median_income_eur": 0.20,
        "unemployment_pct": 0.15,
        "housing_vacancy_pct": 0.15,
        "long_term_vacancy_pct": 0.10,
        # Known for only ~5,300 communes: renormalisation drops it elsewhere.
        "minimum_benefits_pct": 0.10,
        "services_per_1000": 0.10,
    }
)
