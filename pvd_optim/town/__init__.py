"""A page per town: what it got, where it stands, what holds it, what would change it.

::

    from pvd_optim.i18n import translator
    from pvd_optim.town import load_allocation, page_content, render_markdown, town_page

    allocation, scenario = load_allocation("results/national")
    t = translator("fr")
    page = town_page(allocation, scenario, "01350", t)   # or a name: "Saint-Étienne-du-Bois"
    print(render_markdown(page_content(page, t)))

``pvd-optim explain RESULTS --town INSEE|NAME [--html FILE] [--lang fr|en]`` is
the command-line shell over this package.
"""

from pvd_optim.town.content import Document, page_content
from pvd_optim.town.html import render_page
from pvd_optim.town.markdown import render_markdown
from pvd_optim.town.page import TownPage, load_allocation, town_page

__all__ = ["Document", "TownPage", "load_allocation", "page_content", "render_markdown",
           "render_page", "town_page"]
