"""The town page's words: limits, reasons and criteria as templates in the catalogue.

Every template is marked with ``N_`` (English source, translated in the
catalogues) and filled by :func:`fill`, which formats each value by the unit its
key carries (``_eur`` money, ``_days`` expert-days, ``_share`` a percentage),
in the reader's language. Tests require a wording for every limit kind
(:data:`pvd_optim.town.limits.KINDS`), every reason of :mod:`pvd_optim.reasons`
and every rules-mode criterion of :mod:`pvd_optim.data.eligibility`.
"""

from __future__ import annotations

from collections.abc import Mapping

from pvd_optim.i18n import N_, Translator

# The reasons and the programme's nouns have their owners below the town page; re-exported.
from pvd_optim.i18n.vocabulary import BASIS_WORDS, NAMES, basis, name
from pvd_optim.reasons import REASON_WORDS

__all__ = ["BASIS_WORDS", "EXCLUSION_WORDS", "LIMIT_WORDS", "NAMES", "REASON_WORDS", "basis",
           "fill", "name"]

#: What each limit that holds the town means for it.
LIMIT_WORDS: dict[str, str] = {
    "not_covered": N_("Without a project lead it can receive neither funding nor expert-days "
                      "(support needs a project lead)."),
    "cap": N_("Its funding cap: it received all of its {cap_eur} (the per-town cap, or the cap "
              "per inhabitant times its {population} inhabitants, whichever is smaller)."),
    "theme_saturation": N_("The saturation of theme {theme}: it received the full "
                           "{saturation_eur}, beyond which funding brings no more benefit."),
    "days_saturation": N_("The saturation of theme {theme} in expert-days: it received the "
                          "full {saturation_days}."),
    "max_days": N_("Its expert-day limit: it received the {max_days} a town may receive."),
    "directorate_capacity": N_("Its directorate's capacity: every one of the {capacity_days} "
                               "of {directorate} is assigned."),
    "region_ceiling_funding": N_("Its region's balance band: {region} has the most funding the "
                                 "regional balance allows (the ceiling of its band)."),
    "region_floor_funding": N_("Its region's balance band: {region} has the least funding the "
                               "regional balance allows (the floor of its band)."),
    "region_ceiling_days": N_("Its region's balance band: {region} has the most expert-days the "
                              "regional balance allows (the ceiling of its band)."),
    "region_floor_days": N_("Its region's balance band: {region} has the fewest expert-days the "
                            "regional balance allows (the floor of its band)."),
    "region_ceiling_towns": N_("Its region's balance band: {region} has the most covered towns "
                               "the regional balance allows (the ceiling of its band)."),
    "region_floor_towns": N_("Its region's balance band: {region} has the fewest covered towns "
                             "the regional balance allows (the floor of its band)."),
    "envelope": N_("The funding envelope: all of the {envelope_eur} is committed."),
    "spend_min": N_("The minimum spend: funding stops at {spend_min_share} of the envelope."),
    "engineering_budget": N_("The engineering budget: its {budget_eur} pays for {posts} posts "
                             "and not one more."),
    "cover_min": N_("The minimum coverage: {covered} of {towns} towns are covered, the fewest "
                    "the scenario allows ({cover_min_share})."),
    "theme_floor": N_("The floor of theme {theme}: it gets exactly {floor_share} of the "
                      "funding, and this town's funding in it counts towards that floor."),
}

#: Why a commune is not in the allocation (scenario eligibility), and each rules criterion.
EXCLUSION_WORDS: dict[str, str] = {
    "excluded_by_list": N_("the scenario excludes it by name (eligibility.exclude)."),
    "not_official": N_("it is not on the official list of Petites villes de demain (ANCT), "
                       "which this scenario uses (eligibility mode official)."),
    "not_listed": N_("the scenario lists its towns one by one (eligibility mode listed) and "
                     "does not list it."),
    "outside_regions": N_("it belongs to an overseas collectivity, outside the 18 regions "
                          "where the programme runs."),
    "outside_programme_zone": N_("it lies outside the programme's zones (mainland France and "
                                 "the overseas departments)."),
    "population_above_max": N_("its population, {population}, is not below the maximum of "
                               "{max_population}."),
    "population_below_min": N_("its population, {population}, is below the minimum of "
                               "{min_population}."),
    "large_urban_pole": N_("its intercommunality, {epci_name}, is of type {epci_type}, which "
                           "marks a large urban pole."),
    "action_coeur_de_ville": N_("it is an Action Cœur de Ville town."),
    "not_among_largest_of_epci": N_("it is not among the {top_n} most populous communes of "
                                    "its intercommunality (it ranks {rank})."),
    "below_chef_lieu_rank": N_("its chef-lieu rank is below {min_rank}."),
    "too_few_facilities": N_("it has {count} kinds of everyday facility, fewer than "
                             "{minimum}."),
    "no_secondary_school": N_("it has no collège or lycée."),
    "few_services_per_1000": N_("it has {services} facilities per 1,000 inhabitants, fewer "
                                "than {minimum}."),
    "not_fragile": N_("its fragility index, {fragility}, is below the threshold of "
                      "{threshold}."),
    "no_ort": N_("it has no ORT convention (opération de revitalisation de territoire), "
                 "which this scenario requires (convention.require_ort)."),
    "ort_date_unknown": N_("the date of its ORT convention is unknown, and this scenario "
                           "requires one signed by {signed_by} "
                           "(convention.require_ort_signed_by)."),
    "ort_signed_after": N_("its ORT convention was signed on {signed_at}, after {signed_by}, "
                           "the date this scenario requires (convention.require_ort_signed_by)."),
}

def fill(t: Translator, template: str, values: Mapping[str, object]) -> str:
    """``template`` translated and filled, each value formatted by its key's unit."""
    shown: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            shown[key] = name(t, str(value)) if key == "theme" else str(value)
        elif key.endswith("_eur"):
            shown[key] = t.eur(float(value))
        elif key.endswith("_days") or key == "max_days":
            shown[key] = t.days(float(value), 0)
        elif key.endswith("_share"):
            shown[key] = t.percent(float(value), 0)
        elif isinstance(value, int) or float(value).is_integer():
            shown[key] = t.number(float(value))
        else:
            shown[key] = t.compact(float(value))
    return t.gettext(template).format(**shown)
