"""``compare`` and ``explain``: the comparison report and one town's page."""

from __future__ import annotations

import argparse
import sys

from pvd_optim import i18n
from pvd_optim.cli.common import Progress, say
from pvd_optim.errors import ExitCode
from pvd_optim.i18n.message import Message, Plural


def compare_command(args: argparse.Namespace, progress: Progress) -> int:
    """``pvd-optim compare``: allocations side by side, in tables and an HTML report."""
    from pvd_optim.compare import compare

    # The report renders in the run's language (chosen by main: --lang, else the locale's).
    result = compare(args.inputs, strategies=args.strategies, out=args.out, report=args.report,
                     pair=args.pair, force=args.force, progress=progress)
    progress.finish()
    comparison = result.comparison
    if not args.quiet:
        for note in comparison.notes:
            say(Message("note: {note}", note=note), error=True)
        say(Plural("compared {count} allocation ({labels}) -> {report} and {folder}",
                   "compared {count} allocations ({labels}) -> {report} and {folder}",
                   len(comparison.allocations), labels=", ".join(comparison.labels),
                   report=str(result.report), folder=str(result.out_dir)))
    unproven = [a.label for a in comparison.allocations if a.status == "feasible"]
    if unproven:
        say(Message("warning: not proven optimal: {labels}", labels=", ".join(unproven)),
            error=True)
        return ExitCode.LIMIT
    return ExitCode.OK


def explain_command(args: argparse.Namespace, progress: Progress) -> int:
    """``pvd-optim explain``: one town's page, printed as Markdown and written as HTML."""
    import contextlib

    from pvd_optim.data.towns import load_communes
    from pvd_optim.output import reserve, write_file_atomic
    from pvd_optim.town import (
        load_allocation,
        page_content,
        render_markdown,
        render_page,
        town_page,
    )
    from pvd_optim.town.lookup import find_commune

    t = i18n.active()  # chosen by main: --lang, else the locale's, else French
    # The town is found first: a misspelt name fails at once, before any solve.
    insee = find_commune(args.town, load_communes(), t)
    with contextlib.ExitStack() as held:
        if args.html is not None:
            held.enter_context(reserve(args.html, force=args.force, kind="file",
                                       expected_bytes=1 << 20))
        progress(i18n.N_("reading the allocation"))
        allocation, scenario = load_allocation(args.results, progress)
        progress(Message("explaining {insee} (a re-solve with its coverage forced)",
                         insee=insee))
        page = town_page(allocation, scenario, insee, t, exact=True if args.exact else None)
        document = page_content(page, t)
        progress.finish()
        sys.stdout.write(render_markdown(document))
        if args.html is not None:
            write_file_atomic(args.html, render_page(document, t).encode(), force=args.force)
    if not args.quiet:
        # How the run went (a follow-up left out, a capped quota): the page's figures depend
        # on it. Read back from a results folder, each note is in the reader's language.
        for note in allocation.notes:
            say(Message("note: {note}", note=note), error=True)
    if args.html is not None and not args.quiet:
        print(t.gettext("town page -> {path}").format(path=args.html), file=sys.stderr)
    return ExitCode.OK


__all__ = ["compare_command", "explain_command"]
