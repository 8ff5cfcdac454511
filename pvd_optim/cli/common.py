"""What every command shares: the step messages on stderr, the scenario from the arguments."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from pvd_optim import i18n
from pvd_optim.i18n.message import Message, render

if TYPE_CHECKING:
    from pvd_optim.scenario.schema import Scenario


def say(message: str, *, error: bool = False) -> None:
    """Print one line the command wrote (a :class:`Message` in the run's language)."""
    print(render(message, i18n.active()), file=sys.stderr if error else sys.stdout)


def step_text(step: str, t: i18n.Translator) -> str:
    """A step's name in ``t``'s language.

    Steps are written where they happen (``pipeline.py``...), either as a
    :class:`Message` (with its numbers) or as a plain ``N_``-marked text; a text
    the catalogue does not know is shown as written.
    """
    if isinstance(step, Message):
        return step.render(t)
    return t.gettext(step) if step else step


class Progress:
    """Step messages on stderr, with the time each step took, in the run's language.

    The language is read at each step (``run`` re-chooses it once the scenario is read).
    """

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()
        self.step_started = self.started
        self.current: str | None = None

    def __call__(self, message: str) -> None:
        self.finish()
        self.current = message
        self.step_started = time.perf_counter()
        if not self.quiet:
            t = i18n.active()
            elapsed = t.number(self.step_started - self.started, 1).rjust(6)
            print(t.gettext("[{elapsed}s] {step} ...").format(
                elapsed=elapsed, step=step_text(message, t)), file=sys.stderr, flush=True)

    def finish(self) -> None:
        """End the current step: say how long it took when that was a second or more."""
        if self.current is not None and not self.quiet:
            took = time.perf_counter() - self.step_started
            if took >= 1.0:
                t = i18n.active()
                print("         " + t.gettext("({step}: {took} s)").format(
                    step=step_text(self.current, t), took=t.number(took, 1)),
                    file=sys.stderr, flush=True)
        self.current = None


def folder_name(name: str) -> str:
    """A scenario name made safe as one folder name: no separators, no leading dots, short."""
    from pvd_optim.output import safe_name

    return safe_name(name, default="scenario")


def load(args: argparse.Namespace) -> Scenario:
    """The scenario the arguments name, with ``--set``, ``--solver`` and ``--commitments``."""
    from pvd_optim.scenario import load_scenario, parse_overrides

    overrides = parse_overrides(args.overrides)
    if getattr(args, "solver", None):
        overrides["solver.name"] = args.solver
    committed = getattr(args, "commitments", None)
    if committed is not None:
        # Paths on the command line are relative to the current folder.
        where = "results" if committed.is_dir() else "csv"
        overrides["commitments"] = {where: str(committed.resolve()),
                                    **({"from_year": args.from_year}
                                       if args.from_year is not None else {})}
    elif getattr(args, "from_year", None) is not None:
        from pvd_optim.errors import InputError

        raise InputError(Message("applies to a results folder given with --commitments"),
                         field="--from-year")
    return load_scenario(args.scenario, overrides or None)


def status_word(status: str) -> str:
    """An allocation's status in the run's language."""
    from pvd_optim.i18n.vocabulary import status as status_in

    return status_in(i18n.active(), status)


__all__ = ["Progress", "folder_name", "load", "say", "status_word", "step_text"]
