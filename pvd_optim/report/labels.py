"""Readers' labels of the report's metrics and table columns, in the catalogue.

Column names stay stable English identifiers in every CSV and sheet; these are
the labels people read: the report's headings and the Excel workbook's
``labels`` sheet (one row per table and column, English and French). A test
requires a label for every metric of :data:`pvd_optim.analysis.METRICS` and
every column of the comparison's tables.
"""

from __future__ import annotations

from pvd_optim.i18n import N_, Translator

#: Metric key -> (label, unit).
METRIC_WORDS: dict[str, tuple[str, str]] = {
    "objective": (N_("Need-weighted benefit"), N_("k EUR-eq")),
    "covered_share": (N_("Towns covered"), N_("share of eligible towns")),
    "need_covered_share": (N_("Need in covered towns"), N_("share of total need")),
    "need_funded_share": (N_("Need reached by funding"), N_("share of total need")),
    "fragile_fifth_covered_share": (N_("Most fragile fifth covered"),
                                    N_("share of those towns")),
    "gini_funding_per_inhabitant": (N_("Gini of funding per inhabitant"), N_("index 0 to 1")),
    "theil_funding_per_inhabitant": (N_("Theil of funding per inhabitant"), N_("index")),
    "max_regional_deviation_funding": (N_("Largest regional deviation, funding"),
                                       N_("share of the fair share")),
    "mean_regional_deviation_funding": (N_("Mean regional deviation, funding"),
                                        N_("share of the fair share")),
    "max_regional_deviation_days": (N_("Largest regional deviation, expert-days"),
                                    N_("share of the fair share")),
    "mean_regional_deviation_days": (N_("Mean regional deviation, expert-days"),
                                     N_("share of the fair share")),
    "max_regional_deviation_towns": (N_("Largest regional deviation, covered towns"),
                                     N_("share of the fair share")),
    "mean_regional_deviation_towns": (N_("Mean regional deviation, covered towns"),
                                      N_("share of the fair share")),
    "funding_eur": (N_("Funding allocated"), N_("EUR")),
    "envelope_used_share": (N_("Envelope used"), N_("share of the envelope")),
    "expert_days": (N_("Expert-days allocated"), N_("days")),
    "capacity_used_share": (N_("Cerema capacity used"), N_("share of capacity")),
    "max_directorate_utilisation": (N_("Busiest directorate"), N_("share of its capacity")),
    "covered_towns": (N_("Covered towns"), N_("towns")),
    "posts": (N_("Posts"), N_("posts")),
    "engineering_used_share": (N_("Engineering budget used"), N_("share of the budget")),
    "outside_band_funding_eur": (N_("Funding outside the balance band"), N_("EUR")),
    "outside_band_days": (N_("Expert-days outside the balance band"), N_("days")),
    "outside_band_towns": (N_("Covered towns outside the balance band"), N_("towns")),
    "region_resource_pairs_outside_band": (N_("Region-resource pairs outside the band"),
                                           N_("count")),
    "spend_min_shortfall_eur": (N_("Minimum spend shortfall"), N_("EUR")),
    "cover_min_shortfall_towns": (N_("Minimum coverage shortfall"), N_("towns")),
    "town_floor_shortfall_eur": (N_("Minimum per covered town shortfall"), N_("EUR")),
    "theme_floor_shortfall_eur": (N_("Theme floors shortfall"), N_("EUR")),
    "quota_shortfall_posts": (N_("Regional quotas of posts shortfall"), N_("posts")),
    "prefects_shortfall_eur": (N_("Prefects' envelopes shortfall"), N_("EUR")),
    "collective_minimum_shortfall_events": (N_("Cerema's collective actions shortfall"),
                                            N_("events")),
    "themes_after_ort_shortfall_eur": (N_("Funding of themes before the town's ORT"),
                                       N_("EUR")),
}

#: Column identifier -> label (metrics use their metric label).
COLUMN_WORDS: dict[str, str] = {
    "label": N_("allocation"), "best_in": N_("best in"), "scenario": N_("scenario"),
    "status": N_("status"), "objective_keur_equivalent": N_("objective (k EUR-eq)"),
    "eligible_towns": N_("eligible towns"), "code": N_("code"), "name": N_("name"),
    "quota_method": N_("quota method of posts"),
    "quota_posts": N_("posts fixed by regional quotas"),
    "population": N_("population"),
    "funding_per_inhabitant": N_("funding per inhabitant (EUR)"),
    "days_per_10k_inhabitants": N_("expert-days per 10,000 inhabitants"),
    "posts_per_10_towns": N_("posts per 10 eligible towns"),
    "comparison": N_("comparison"), "region_code": N_("region code"),
    "region_name": N_("region"), "region": N_("region"), "resource": N_("resource"),
    "unit": N_("unit"), "used": N_("used"), "fair_share": N_("fair share"),
    "relative_deviation": N_("relative deviation"), "outside_band": N_("outside the band"),
    "insee": N_("INSEE code"), "funding_eur_a": N_("funding, first (EUR)"),
    "funding_eur_b": N_("funding, second (EUR)"), "funding_change_eur": N_("funding change (EUR)"),
    "days_a": N_("expert-days, first"), "days_b": N_("expert-days, second"),
    "days_change": N_("expert-days change"), "covered_a": N_("project lead, first"),
    "covered_b": N_("project lead, second"),
    "size_of_change_eur": N_("size of the change (EUR-eq)"),
    "parameter": N_("parameter"), "department": N_("department"),
    "covered": N_("project lead"), "town_page": N_("town page"),
    # Programme years: the period of a balance row, and the totals of each year.
    "period": N_("period"), "year": N_("year"), "funding_eur": N_("funding (EUR)"),
    "envelope_eur": N_("envelope (EUR)"), "capacity_days": N_("expert-day capacity"),
    "joined_towns": N_("towns that have joined"),
}
#: Suffixes of difference columns (``funding_per_inhabitant_change``...).
SUFFIX_WORDS: dict[str, str] = {"_from": N_("{label}, first"), "_to": N_("{label}, second"),
                                "_change": N_("{label}, change")}


def metric_label(t: Translator, key: str) -> tuple[str, str]:
    """A metric's label and unit in the reader's language (unknown keys as written)."""
    if key not in METRIC_WORDS:
        return key, ""
    label, unit = METRIC_WORDS[key]
    return t.gettext(label), t.gettext(unit)


def column_label(t: Translator, column: str) -> str | None:
    """A column's label in the reader's language, ``None`` when it has none."""
    if column in COLUMN_WORDS:
        return t.gettext(COLUMN_WORDS[column])
    if column in METRIC_WORDS:
        return t.gettext(METRIC_WORDS[column][0])
    for suffix, template in SUFFIX_WORDS.items():
        base = column.removesuffix(suffix)
        if base != column and (inner := column_label(t, base)) is not None:
            return t.gettext(template).format(label=inner)
    return None
