"""The indicator columns of the commune table: unit, source, vintage and meaning.

A catalogue for documentation and reports. The direction of need of each
indicator (which end means more need) is owned by :data:`pvd_optim.themes.DEFAULT_DIRECTIONS`,
its default target level by :data:`pvd_optim.themes.DEFAULT_TARGETS` and the reason for its
normalisation by :data:`pvd_optim.themes.NORMALISATION_RATIONALE`; all are read from there,
so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from pvd_optim.themes import (
    DEFAULT_DIRECTIONS,
    DEFAULT_TARGETS,
    NORMALISATION_RATIONALE,
    Direction,
)

__all__ = ["INDICATORS", "IndicatorInfo"]


@dataclass(frozen=True)
class IndicatorInfo:
    """What an indicator column measures; its direction of need is read from the themes.

    :attr:`higher_means_more_need` is not stored here: the one table of need
    directions is :data:`pvd_optim.themes.DEFAULT_DIRECTIONS`.
    """

    unit: str
    source: str
    year: str
    description: str
    name: str = ""

    @property
    def direction(self) -> Direction | None:
        """``"higher"`` / ``"lower"`` (which end means more need), ``None`` if not a need signal.

        ``None`` marks an indicator without a default direction (a size or a raw
        count such as ``housing_permits_5y``): a theme that weights it must say
        its direction in ``themes.directions``.
        """
        return DEFAULT_DIRECTIONS.get(self.name)

    @property
    def higher_means_more_need(self) -> bool | None:
        """``True`` if a higher value signals more need, ``False`` if lower does, else ``None``."""
        return None if self.direction is None else self.direction == "higher"

    @property
    def target(self) -> float | None:
        """The default target level (in :attr:`unit`) need is measured from, or ``None``.

        ``None``: the indicator is normalised by the scenario's ``themes.normalisation``
        (a percentile rank by default) unless a scenario gives it a target.
        """
        return DEFAULT_TARGETS.get(self.name)

    @property
    def normalisation_reason(self) -> str | None:
        """Which normalisation the indicator uses by default and why (``None``: no direction)."""
        return NORMALISATION_RATIONALE.get(self.name)


_BPE = "INSEE BPE (via bpineau/gazetteer)"
_BASILIC = "Ministry of Culture, Basilic (via naloui1/Dataforgood)"

_CATALOGUE: dict[str, IndicatorInfo] = {
    "population_change_pct": IndicatorInfo(
        "%",
        "INSEE populations légales (decoupage-administratif 0.8.0 and 6.0.0)",
        "2020-2026",
        "Population change between the 2020 and 2026 editions; NaN if the territory changed.",
    ),
    "housing_vacancy_pct": IndicatorInfo(
        "%",
        "INSEE census, base logement",
        "2021",
        "Vacant dwellings / all dwellings (census demographic vacancy).",
    ),
    "fiscal_vacancy_pct": IndicatorInfo(
        "%",
        "LOVAC (DGFiP/CGDD, via bpineau/gazetteer)",
        "2025",
        "Share of private dwellings fiscally vacant (LOVAC); secret-protected cells are NaN.",
    ),
    "long_term_vacancy_pct": IndicatorInfo(
        "%",
        "LOVAC (DGFiP/CGDD, via bpineau/gazetteer)",
        "2025",
        "Share of private dwellings vacant for 2+ years (LOVAC).",
    ),
    "median_income_eur": IndicatorInfo(
        "EUR per consumption unit",
        "INSEE Filosofi",
        "2021",
        "Median disposable income per consumption unit.",
    ),
    "minimum_benefits_pct": IndicatorInfo(
        "%",
        "INSEE Filosofi",
        "2021",
        "Share of minimum social benefits in disposable income; ~5,300 communes only.",
    ),
    "unemployment_pct": IndicatorInfo(
        "%",
        "INSEE localised unemployment (zones d'emploi 2020)",
        "2025-T4",
        "Unemployment rate of the commune's employment zone (seasonally adjusted).",
    ),
    "unemployment_change_pts": IndicatorInfo(
        "percentage points",
        "INSEE localised unemployment (zones d'emploi 2020)",
        "2021-T4 to 2025-T4",
        "Change of the employment-zone unemployment rate.",
    ),
    "services_per_1000": IndicatorInfo(
        "per 1,000 inhabitants",
        _BPE,
        "2024",
        "Everyday services (post office, GP, pharmacy, primary school, bakery, superette, "
        "supermarket) per 1,000 inhabitants (2026 population).",
    ),
    "post_offices": IndicatorInfo("count", _BPE, "2024", "Post offices and agencies."),
    "general_practitioners": IndicatorInfo("count", _BPE, "2024", "General practitioners."),
    "pharmacies": IndicatorInfo("count", _BPE, "2024", "Pharmacies."),
    "primary_schools": IndicatorInfo("count", _BPE, "2024", "Primary schools."),
    "bakeries": IndicatorInfo("count", _BPE, "2024", "Bakeries."),
    "groceries": IndicatorInfo("count", _BPE, "2024", "Grocery shops (supérettes)."),
    "supermarkets": IndicatorInfo("count", _BPE, "2024", "Supermarkets (grandes surfaces)."),
    "railway_stations": IndicatorInfo("count", _BPE, "2024", "Railway stations."),
    "secondary_schools": IndicatorInfo("count", _BPE, "2024", "Collèges plus lycées."),
    "brownfield_count": IndicatorInfo(
        "count",
        "Cerema Cartofriches (via bpineau/gazetteer)",
        "2025",
        "Referenced brownfield sites.",
    ),
    "brownfield_surface_ha": IndicatorInfo(
        "ha",
        "Cerema Cartofriches (via bpineau/gazetteer)",
        "2025",
        "Total land-unit surface of referenced brownfield sites.",
    ),
    "social_housing_pct": IndicatorInfo(
        "%",
        "RPLS / SRU rate, data.gouv.fr",
        "2024",
        "Social rented dwellings / main residences (SRU); NaN when below the legal "
        "threshold (see social_housing_below_threshold) or not published.",
    ),
    "housing_permits_5y": IndicatorInfo(
        "dwellings",
        "SDES Sitadel (via bpineau/gazetteer)",
        "2021-2025",
        "Dwellings authorised over 2021-2025, former communes included.",
    ),
    "housing_permits_per_1000_5y": IndicatorInfo(
        "per 1,000 inhabitants",
        "SDES Sitadel (via bpineau/gazetteer)",
        "2021-2025",
        "Dwellings authorised over 2021-2025 per 1,000 inhabitants (2026 population).",
    ),
    "monuments": IndicatorInfo(
        "count",
        _BASILIC,
        "2024",
        "Historic monuments (no classé/inscrit split); NaN in Corsica.",
    ),
    "protected_areas": IndicatorInfo(
        "count",
        _BASILIC,
        "2024",
        "Remarkable heritage sites (SPR); NaN in Corsica.",
    ),
    "museums": IndicatorInfo("count", _BASILIC, "2024", "Museums; NaN in Corsica."),
    "fibre_pct": IndicatorInfo(
        "%",
        "ARCEP (via VoxNovalys/vivrea-project)",
        "2026-02",
        "Premises connectable to fibre to the home.",
    ),
}

#: Every indicator column of the commune table, with its meaning.
INDICATORS: Mapping[str, IndicatorInfo] = MappingProxyType(
    {name: replace(info, name=name) for name, info in _CATALOGUE.items()}
)
