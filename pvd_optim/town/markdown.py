"""The town page as Markdown: what ``pvd-optim explain --town`` prints."""

from __future__ import annotations

from pvd_optim.town.content import Bullets, Chart, Document, Table


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_markdown(table: Table) -> list[str]:
    """A table as GitHub-flavoured Markdown lines, its caption in bold above."""
    lines = [f"**{table.caption}**", "",
             "| " + " | ".join(_cell(h) for h in table.header) + " |",
             "|" + "|".join("---:" if n else "---" for n in table.numeric) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def render_markdown(document: Document) -> str:
    """The whole page as Markdown text (charts are given by their text alternative)."""
    lines = [f"# {document.title}", "", document.subtitle, ""]
    for section in document.sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, str):
                lines += [block, ""]
            elif isinstance(block, Bullets):
                lines += [f"- {item}" for item in block.items] + [""]
            elif isinstance(block, Table):
                lines += table_markdown(block)
            elif isinstance(block, Chart):
                lines += [f"_{block.alt}_", ""]
    return "\n".join(lines).rstrip() + "\n"
