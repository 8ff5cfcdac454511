"""The default themes: which indicators make each theme's need, how, and why.

Plain constants (no numpy, no pandas), the one owner of the built-in theme
definitions, need directions, target levels, fragility weights and their
rationale (per theme, and per indicator for its normalisation): the scenario
schema reads them for its defaults and the scoring core for its computations,
so neither imports the other.
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
        "digital": (
            "Digital: the share of premises still to be made connectable to fibre (ARCEP), "
            "against the national target of 100 %, not a rank: coverage is near complete "
            "almost everywhere, and the few missing points are a small need."
        ),
    }
)

#: Themes of the catalogue that are not default themes: a scenario puts one in force by
#: writing its definition under ``themes.definitions`` (``scenarios/public-real-estate.yaml``
#: does), so that the default themes, and every shipped optimum, stay as they are.
#: ``public_real_estate`` is the APVF domain that had no theme (centre revitalisation,
#: low-density mobility and digital have theirs). No public-real-estate indicator is
#: embedded (no inventory of public buildings, their vacancy, surface or energy
#: performance): it is built from the best labelled proxies, and
#: :data:`CATALOGUE_THEME_RATIONALE` says why each is one and what the theme misses.
CATALOGUE_THEMES: Final[Mapping[str, Mapping[str, float]]] = _frozen(
    {
        "public_real_estate": {
            "brownfield_surface_ha": 0.40,
            "monuments": 0.30,
            "population_change_pct": 0.30,
        },
    }
)

#: Why each catalogue theme is built as it is, and what its proxies miss.
CATALOGUE_THEME_RATIONALE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "public_real_estate": (
            "Public real estate, by proxy only (no inventory of public buildings is embedded). "
            "Brownfield surface (Cerema, Cartofriches): land and buildings awaiting reuse, "
            "some of them former public facilities (hospitals, barracks, railway land, "
            "schools); protected monuments (Ministry of Culture, Basilic): in a small town many "
            "are public buildings (a parish church built before 1905 belongs to the commune, "
            "and so do the town hall and often the old hospital) whose upkeep calls for "
            "specialised engineering; "
            "population decline: a stock of schools and facilities built for more inhabitants. "
            "It misses what the theme is really about: which buildings the commune and the "
            "State own, how many stand empty, their surface and energy performance (the "
            "tertiary decree), and who owns each brownfield. Built from indicators of the "
            "revitalisation and heritage themes, its need follows theirs (Spearman 0.74 and "
            "0.55 over the PVD towns): beside them it weighs those indicators again, so a "
            "planner with an inventory should replace the proxies (a planner CSV column)."
        ),
    }
)

#: Natural target level per indicator, in the indicator's own unit: the need of a town is
#: its distance from the target, on the side its direction says is need, over the target
#: (``pvd_optim.scoring.targets.target_need``): ``(target - value) / target`` for a
#: "lower" indicator (a shortfall), ``(value - target) / target`` for a "higher" one (an
#: excess: full need at twice the target), clipped to [0, 1]. Only where a public target
#: applies to every commune; every other indicator is ranked (``NORMALISATION_RATIONALE``
#: says why, indicator by indicator). A scenario changes or removes one with
#: ``themes.targets``.
DEFAULT_TARGETS: Final[Mapping[str, float]] = MappingProxyType(
    {
        # Plan France Très Haut Débit: fibre for every home and business by the end of 2025
        # (Assemblée nationale, question 17-9429QE, answer of 2 December 2025).
        "fibre_pct": 100.0,
    }
)

# Indicators without a target are normalised by the scenario's ``themes.normalisation``
# (a percentile rank over all communes by default).
_RANK = "ranked (themes.normalisation, percentile by default): "
_COUNT = (_RANK + "a count of facilities has no level that every commune should reach "
          "(it follows the town's size and role), so towns are compared with each other.")
_HERITAGE = (_RANK + "protected heritage is an asset that calls for specialised engineering, "
             "not a shortfall from a level, so towns are compared with each other.")
_ZERO_LEVEL = ("its natural level is 0, and a target of 0 gives the shortfall-over-target "
               "form no scale, so towns are compared with each other.")

#: Which normalisation each directed indicator uses by default, and why. The one place
#: that says it: a test checks that it covers every indicator of ``DEFAULT_DIRECTIONS`` and
#: names the target of exactly the indicators of ``DEFAULT_TARGETS``.
NORMALISATION_RATIONALE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "housing_vacancy_pct": (
            _RANK + "no official target level. The 6-7 % 'frictional' vacancy quoted as "
            "healthy is a rule of thumb that varies with the market, and an excess over it has "
            "no natural point of full need; the rate is spread (PVD towns 4-20 %), so ranks "
            "discriminate."
        ),
        "fiscal_vacancy_pct": (
            _RANK + "no official target level (fiscal vacancy includes the short vacancies "
            "between occupants, whose normal level depends on the market); the rate is spread, "
            "so ranks discriminate."
        ),
        "long_term_vacancy_pct": _RANK + "dwellings empty for 2 years or more: " + _ZERO_LEVEL,
        "social_housing_pct": (
            _RANK + "the SRU law's 20 % or 25 % binds only communes of 3,500+ inhabitants "
            "(1,500 in Ile-de-France) in large agglomerations, which few PVD towns are; applied "
            "to every town it would give full need to the half of France below the legal "
            "threshold. A planner can set themes.targets.social_housing_pct: 20."
        ),
        "housing_permits_per_1000_5y": (
            _RANK + "how much to build depends on local demand; there is no target rate."
        ),
        "median_income_eur": (
            _RANK + "there is no target income; poverty is measured relative to the national "
            "median (INSEE's line is 60 % of it), which a rank reflects."
        ),
        "minimum_benefits_pct": _RANK + "the share of minimum benefits in income: " + _ZERO_LEVEL,
        "unemployment_pct": (
            _RANK + "the 'full employment' goal (about 5 %) is for France as a whole, not a "
            "level for each employment zone; rates are spread (PVD towns 5-12 %), so ranks "
            "discriminate."
        ),
        "unemployment_change_pts": _RANK + "a signed change in points: " + _ZERO_LEVEL,
        "services_per_1000": (
            _RANK + "there is no norm of everyday facilities per inhabitant (it follows the "
            "town's size and role), so towns are compared with each other."
        ),
        "post_offices": _COUNT,
        "general_practitioners": _COUNT,
        "pharmacies": _COUNT,
        "primary_schools": _COUNT,
        "bakeries": _COUNT,
        "groceries": _COUNT,
        "supermarkets": _COUNT,
        "railway_stations": _COUNT,
        "secondary_schools": _COUNT,
        "brownfield_count": _RANK + "referenced brownfield sites: " + _ZERO_LEVEL,
        "brownfield_surface_ha": _RANK + "the surface of brownfield sites: " + _ZERO_LEVEL,
        "population_change_pct": _RANK + "a signed change (no decline = 0): " + _ZERO_LEVEL,
        "population": _RANK + "a size, not a shortfall from a level.",
        "epci_mean_commune_population": _RANK + "a size, not a shortfall from a level.",
        "monuments": _HERITAGE,
        "protected_areas": _HERITAGE,
        "museums": _HERITAGE,
        "fibre_pct": (
            "target 100 %: the Plan France Très Haut Débit set out to make fibre available to "
            "every home and business by the end of 2025, so what is left to connect is the "
            "need. Coverage is near complete (97.1 % in the median PVD town, 100 % in a third "
            "of all communes): a rank gave that median town, 2.9 points short, a need of 0.63 "
            "and a fully connected town 0.17; against the target they are 0.029 and 0."
        ),
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
