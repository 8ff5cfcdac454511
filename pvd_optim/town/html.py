"""The town page as HTML: a standalone file (``explain --html``) or a report's section.

Self-contained: inline CSS and SVG, no script, nothing from the network. The
structure follows the basics of RGAA: one ``h1``, ordered headings, tables
with a caption and header cells (``scope``), charts with a text alternative,
text contrast of at least 4.5:1, and colours readable by colour-blind readers
(Okabe-Ito blue and vermillion, each bar also labelled with its value).
"""

from __future__ import annotations

from html import escape

from pvd_optim.i18n import Translator
from pvd_optim.town.content import Bullets, Chart, Document, Section, Table

#: Okabe-Ito colours: distinguishable with every common colour-vision deficiency, and
#: at least 3:1 against white (non-text contrast).
REGION_COLOUR = "#0072B2"
NATION_COLOUR = "#D55E00"

CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1e1e1e;
background:#fff}
main{max-width:1100px;margin:0 auto;padding:1rem 1.5rem}
h1{font-size:1.6rem;line-height:1.25}h2{border-bottom:2px solid #1f4e8c;padding-bottom:.2rem;
margin-top:2rem}
a{color:#1f4e8c}a:focus,a:hover{outline:2px solid #1f4e8c;outline-offset:1px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.3rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-variant-numeric:tabular-nums;
max-width:100%}
caption{text-align:left;font-weight:600;padding:.2rem 0}
th,td{border:1px solid #b8b8b8;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#eef2f8}td.num,th.num{text-align:right}
.table-box{overflow-x:auto;max-width:100%}
.muted{color:#595959}
svg text{font-size:11px;fill:#1e1e1e}
footer{margin-top:2.5rem;font-size:.85rem;color:#595959;border-top:1px solid #ccc}
"""


def table_html(table: Table) -> str:
    """A table with its caption and column headers."""
    numeric_class = ' class="num"'
    head = "".join(f'<th scope="col"{numeric_class if n else ""}>{escape(h)}</th>'
                   for h, n in zip(table.header, table.numeric, strict=True))
    rows = []
    for row in table.rows:
        cells = []
        for i, (cell, numeric) in enumerate(zip(row, table.numeric, strict=True)):
            tag = "th" if i == 0 and not numeric else "td"
            scope = ' scope="row"' if tag == "th" else ""
            cls = ' class="num"' if numeric else ""
            cells.append(f"<{tag}{scope}{cls}>{escape(cell)}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table-box"><table><caption>{escape(table.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def chart_svg(chart: Chart, t: Translator) -> str:
    """Two bars per item (region, nation) on a 0-100 % percentile scale, with a midline."""
    label_w, plot_w, value_w, bar, gap = 130.0, 300.0, 50.0, 9.0, 8.0
    row_h = 2 * bar + gap
    height = 28 + len(chart.items) * row_h
    width = label_w + plot_w + value_w
    parts = [f'<line x1="{label_w + plot_w / 2:.0f}" y1="18" x2="{label_w + plot_w / 2:.0f}" '
             f'y2="{height:.0f}" stroke="#595959" stroke-dasharray="3 3"/>',
             f'<rect x="{label_w:.0f}" y="2" width="10" height="10" fill="{REGION_COLOUR}"/>'
             f'<text x="{label_w + 14:.0f}" y="11">{escape(chart.region_label)}</text>'
             f'<rect x="{label_w + 140:.0f}" y="2" width="10" height="10" '
             f'fill="{NATION_COLOUR}"/><text x="{label_w + 154:.0f}" y="11">'
             f"{escape(chart.nation_label)}</text>"]
    for i, (label, region, nation) in enumerate(chart.items):
        y = 24 + i * row_h
        parts.append(f'<text x="{label_w - 6:.0f}" y="{y + bar + 3:.1f}" text-anchor="end">'
                     f"{escape(label)}</text>")
        for j, (value, colour) in enumerate(((region, REGION_COLOUR), (nation, NATION_COLOUR))):
            top = y + j * bar
            w = max(0.0, min(1.0, value)) * plot_w if value == value else 0.0
            parts.append(f'<rect x="{label_w:.0f}" y="{top:.1f}" width="{w:.1f}" '
                         f'height="{bar - 1:.0f}" fill="{colour}"/>'
                         f'<text x="{label_w + w + 4:.1f}" y="{top + bar - 1.5:.1f}">'
                         f"{escape(t.percent(value, 0))}</text>")
    return (f'<figure class="percentiles"><svg viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" '
            f'aria-label="{escape(chart.alt)}"><title>{escape(chart.alt)}</title>'
            + "".join(parts) + f"</svg><figcaption>{escape(chart.title)}</figcaption></figure>")


def section_html(section: Section, t: Translator, level: int = 2) -> str:
    """One section, its heading at ``level``."""
    parts = [f"<h{level}>{escape(section.title)}</h{level}>"]
    for block in section.blocks:
        if isinstance(block, str):
            parts.append(f"<p>{escape(block)}</p>")
        elif isinstance(block, Bullets):
            parts.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block.items)
                         + "</ul>")
        elif isinstance(block, Table):
            parts.append(table_html(block))
        elif isinstance(block, Chart):
            parts.append(chart_svg(block, t))
    return f'<section class="town-part" data-part="{escape(section.key)}">' + "".join(
        parts) + "</section>"


def document_body(document: Document, t: Translator, level: int = 1) -> str:
    """The title, subtitle and sections, the title at heading ``level``."""
    return (f"<h{level}>{escape(document.title)}</h{level}>"
            f'<p class="muted">{escape(document.subtitle)}</p>'
            + "".join(section_html(s, t, level + 1) for s in document.sections))


def attribution(t: Translator) -> str:
    """The data credits every page carries (Licence Ouverte sources, ANCT outlines)."""
    return t.gettext(
        "Data: INSEE (Code officiel géographique 2026, populations légales, census, Filosofi, "
        "BPE, local unemployment), ANCT (Petites villes de demain, Action Cœur de Ville), "
        "CGDD/DGFiP (LOVAC), Cerema (Cartofriches), Ministère du Logement (RPLS), SDES "
        "(Sitadel), Ministère de la Culture (Basilic), ARCEP (fibre): Licence Ouverte / Open "
        "Licence 2.0 (Etalab). Map outlines: ANCT, fonds de carte fr-drom-4326-pur-style1, "
        "Licence Ouverte 2.0, simplified. Derived figures are pvd-optim's and carry no "
        "endorsement by the producers (pvd_optim/data/NOTICE.md).")


def render_page(document: Document, t: Translator) -> str:
    """A standalone HTML document of the town page."""
    return (f'<!DOCTYPE html>\n<html lang="{escape(document.lang)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(document.title)}</title><style>{CSS}</style></head><body>"
            f'<a class="skip" href="#content">{escape(t.gettext("Skip to the content"))}</a>'
            f'<main id="content">{document_body(document, t)}'
            f"<footer><p>{escape(attribution(t))}</p></footer></main></body></html>\n")
