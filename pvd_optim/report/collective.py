"""The comparison report's view of Cerema's collective actions: events and towns per region.

One row per region, one column per allocation: the awareness days and training cohorts the
allocation gives the region and the towns attending them (``allocation_collective.csv``
of each run). Allocations without collective actions (a strategy's, or a scenario that
leaves them off) show nothing.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.i18n import Translator
    from pvd_optim.report.tables import Comparison


def collective_table(c: Comparison) -> pd.DataFrame | None:
    """Per allocation, year, region and action: events, towns attending, expert-days."""
    import pandas as pd

    frames = {a.label: frame for a in c.allocations
              if (frame := a.by_collective) is not None}
    if not frames:
        return None
    return pd.concat([frame.assign(label=label) for label, frame in frames.items()],
                     ignore_index=True)[["label", *next(iter(frames.values())).columns]]


def collective_section(c: Comparison, t: Translator) -> str:
    """The report's section: per action, a table of events (towns attending) per region."""
    from pvd_optim.report.html import table_html

    parts = ['<section id="collective"><h2>' + escape(t.gettext(
        "Cerema's collective actions")) + "</h2>"]
    table = collective_table(c)
    if table is None:
        parts.append('<p class="muted">' + escape(t.gettext(
            "No allocation has collective actions.")) + "</p></section>")
        return "".join(parts)
    parts.append("<p>" + escape(t.gettext(
        "Events (towns attending) per region, summed over the years; each region's events "
        "take the expert-days of its covering directorate.")) + "</p>")
    summed = table.groupby(["action", "region_name", "label"], sort=False)[
        ["events", "towns_attending"]].sum().reset_index()
    summed["cell"] = [f"{t.number(e)} ({t.number(n)})"
                      for e, n in zip(summed["events"], summed["towns_attending"], strict=True)]
    captions = {"awareness_day": t.gettext("Awareness days"),
                "training_path": t.gettext("Training cohorts")}
    for action, rows in summed.groupby("action", sort=False):
        pivot = rows.pivot(index="region_name", columns="label", values="cell")
        pivot.index.name = "region_name"
        pivot.columns.name = None
        parts.append(table_html(pivot.fillna("–"), t, index=True,
                                caption=captions.get(str(action), str(action))))
    parts.append("</section>")
    return "".join(parts)
