"""Compare allocations: tables, a self-contained HTML report, CSV / Excel / Markdown.

::

    from pvd_optim.report import Comparison, render_html, write_report

    comparison = Comparison([optimum, equal_split], scenarios={...})
    comparison.tables()                      # every table as a DataFrame
    write_report(comparison, "reports/x")    # tables + report.html, atomically

The HTML page has no script and loads nothing: styles are inline and charts and
maps are SVG drawn in Python over the embedded ANCT outlines.
"""

from pvd_optim.report.areas import MEASURES, area_table
from pvd_optim.report.export import write_report
from pvd_optim.report.html import render_html
from pvd_optim.report.tables import Comparison, flatten

__all__ = ["MEASURES", "Comparison", "area_table", "flatten", "render_html", "write_report"]
