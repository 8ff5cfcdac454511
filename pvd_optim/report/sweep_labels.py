"""Readers' labels of a sweep's tables and drawn fields, in the catalogue.

The sweep's CSV and Parquet columns stay stable English identifiers
(``funding_p10_eur``); these are the headers people read in its report.
"""

from __future__ import annotations

import re
from typing import Any

from pvd_optim.i18n import N_, Translator
from pvd_optim.report.labels import column_label

#: The figures of the robustness and region tables (a column is FIGURE_STATISTIC[_UNIT]).
FIGURE_WORDS: dict[str, str] = {
    "eligible_towns": N_("eligible towns"), "covered_towns": N_("covered towns"),
    "funding": N_("funding (EUR)"), "days": N_("expert-days"),
}
STATISTIC_WORDS: dict[str, str] = {
    "mean": N_("{figure}, mean"), "p10": N_("{figure}, 10th percentile"),
    "p90": N_("{figure}, 90th percentile"),
}
#: The other columns of the sweep's tables shown in its report.
COLUMN_WORDS: dict[str, str] = {
    "lead_share": N_("share of variants with a project lead"),
    "funded_share": N_("share of variants with funding"),
    "variant_id": N_("variant"), "error": N_("error"),
}
_FIGURE_COLUMN = re.compile(r"^(?P<figure>[a-z_]+?)_(?P<statistic>mean|p10|p90)(?:_eur|_days)?$")

#: Distributions of drawn fields and their parameters (sweep file keys), as read.
DISTRIBUTION_WORDS: dict[str, str] = {
    "uniform": N_("uniform"), "loguniform": N_("loguniform"), "normal": N_("normal"),
    "triangular": N_("triangular"), "choice": N_("choice"),
    "low": N_("low"), "high": N_("high"), "mean": N_("mean"), "sd": N_("sd"),
    "mode": N_("mode"), "values": N_("values"),
}


def sweep_column_label(t: Translator, column: str) -> str:
    """A sweep table's column as its header reads (a parameter's path as written)."""
    if column in COLUMN_WORDS:
        return t.gettext(COLUMN_WORDS[column])
    found = _FIGURE_COLUMN.match(column)
    if found and found["figure"] in FIGURE_WORDS:
        return t.gettext(STATISTIC_WORDS[found["statistic"]]).format(
            figure=t.gettext(FIGURE_WORDS[found["figure"]]))
    return column_label(t, column) or column


def distribution_text(distribution: Any, t: Translator) -> str:
    """``uniform, low 0.5, high 1.5, times the base value``: a distribution as read."""
    def word(key: str) -> str:
        return t.gettext(DISTRIBUTION_WORDS[key]) if key in DISTRIBUTION_WORDS else key

    fields = distribution.model_dump(exclude_none=True)
    name = fields.pop("distribution")
    relative = fields.pop("relative", False)
    decimals = fields.pop("decimals", None)
    parts = [word(name)]
    for key, value in fields.items():
        values = value if isinstance(value, tuple | list) else (value,)
        # As written in the sweep file (0.5, not 0.500), with the reader's decimal mark.
        written = [t.decimal_mark(f"{v:g}") if isinstance(v, float) else str(v)
                   for v in values]
        parts.append(f"{word(key)} {' / '.join(written)}")
    if relative:
        parts.append(t.gettext("times the base value"))
    if decimals is not None:
        parts.append(t.ngettext("rounded to {count} decimal(s)", "rounded to {count} decimal(s)",
                                decimals).format(count=decimals))
    return t.gettext(", ").join(parts)


__all__ = ["distribution_text", "sweep_column_label"]
