"""The ``pvd-optim`` command: a thin shell over the Python API.

Exit codes: 0 optimal, 2 bad input, 3 infeasible, 4 stopped at a limit without a
proven optimum, 1 internal error. User mistakes print one line (no traceback,
unless ``--debug``).

What the command prints is in one language, chosen at the start (``--lang``, else
the locale's if French or English, else French), so that an error raised before a
scenario is read is framed in it; ``run`` and ``sweep`` then choose again with the
scenario's ``output.language``. An error is printed in that language too, framing
(``error:``, ``warning:``...) and message (``error.render``); a message not yet in the
catalogue stays English.

The arguments' own texts (``--help``, usage errors, exit 2 as argparse gives it) are
in the language of ``--lang``, else the locale's, else French (:mod:`.localized`).

Modules: :mod:`.parser` (the arguments), :mod:`.localized` (argparse's words in the
run's language), :mod:`.common` (step messages, the
scenario from the arguments), one module per group of commands (:mod:`.solve`,
:mod:`.reports`, :mod:`.sweep`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from pvd_optim import i18n
from pvd_optim.cli.common import Progress, folder_name
from pvd_optim.cli.localized import language_before_parsing
from pvd_optim.cli.parser import build_parser
from pvd_optim.cli.reports import compare_command, explain_command
from pvd_optim.cli.solve import run_command, schema_command, towns_command, validate_command
from pvd_optim.cli.sweep import sweep_command
from pvd_optim.errors import ExitCode, one_line

Command = Callable[[argparse.Namespace, Progress], int]
COMMANDS: dict[str, Command] = {
    "run": run_command, "validate": validate_command, "towns": towns_command,
    "schema": schema_command, "compare": compare_command, "explain": explain_command,
    "sweep": sweep_command}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pvd-optim`` console script; returns the exit code."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    # The arguments' own texts (usage, their errors, --help) are in the language chosen
    # before parsing: --lang, else the locale's, else French.
    parser = build_parser(i18n.translator(language_before_parsing(arguments)))
    args = parser.parse_args(arguments)
    if args.version:
        from pvd_optim import __version__

        print(f"pvd-optim {__version__}")
        return ExitCode.OK
    if args.command is None:
        parser.print_help()
        return ExitCode.INPUT
    # `pvd-optim --lang fr run ...` as `pvd-optim run ... --lang fr` (the command's wins).
    args.lang = args.lang or args.lang_before_command
    progress = Progress(quiet=args.quiet)
    # The language is the command's own: a caller in the same process keeps its own.
    with i18n.restored():
        i18n.use(i18n.choose_language(args.lang))
        return _run(args, progress)


def _run(args: argparse.Namespace, progress: Progress) -> int:
    """The command, with every failure turned into its exit code and one line."""
    try:
        from pvd_optim.model.solve import solver_log

        with solver_log(args.debug):
            return COMMANDS[args.command](args, progress)
    except KeyboardInterrupt:
        print(i18n.gettext("interrupted"), file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader closed the pipe (`| head`): it had what it wanted. End quietly, and
        # point stdout at /dev/null so that the interpreter's final flush cannot fail.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    except Exception as exc:
        from pvd_optim.errors import PvdError

        if args.debug:
            import traceback

            traceback.print_exc()
        if isinstance(exc, PvdError):
            print(i18n.gettext("error: {message}").format(message=exc.render(i18n.active())),
                  file=sys.stderr)
            return exc.exit_code
        print(i18n.gettext("internal error: {kind}: {message} (rerun with --debug for the "
                           "traceback and report it)").format(
                               kind=type(exc).__name__, message=one_line(str(exc))),
              file=sys.stderr)
        return ExitCode.INTERNAL


__all__ = ["COMMANDS", "folder_name", "main"]
