"""argparse's own words (usage line, ``error:``, help headings) in the run's language.

Python's argparse looks its texts up, when it needs them, through the ``_``
(``gettext.gettext``) and ``ngettext`` its module imported: the process-wide
``argparse`` text domain. Switching that domain would change every parser of a
caller's program too. Instead argparse's msgids are messages of the project's
catalogue (:data:`ARGPARSE_MESSAGES`), and a :class:`LocalizedParser` makes argparse
look them up in its own translator only while it builds, parses or formats
(:func:`argparse_in`). The translator is held in a :class:`~contextvars.ContextVar`:
another thread's parser, and any parser outside such a block, keep argparse's usual
lookup (the hooks hand every lookup without a translator to the functions argparse
had), and the hooks are removed when the last block ends.

argparse puts a colon right after a help heading; the French headings end with a
space, so that it is set off as French typography wants (``options :``).

Only the texts our parser can show are catalogued (argparse's errors about the
parser's own construction are programming errors, shown as argparse writes them).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any, NoReturn

from pvd_optim.i18n import LANGUAGES, N_, Translator, choose_language

#: argparse's msgids (Python 3.11) that ``pvd-optim``'s parser can show, marked for the catalogue.
ARGPARSE_MESSAGES: tuple[str, ...] = (
    N_("usage: "),
    N_("%(prog)s: error: %(message)s\n"),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("the following arguments are required: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)

_translator: ContextVar[Translator | None] = ContextVar("pvd_optim_argparse_translator",
                                                        default=None)
_lock = threading.Lock()
_blocks = 0  # how many argparse_in blocks are open, all threads together
_argparse_had: dict[str, Callable[..., str]] = {}


def _gettext(message: str) -> str:
    t = _translator.get()
    return t.gettext(message) if t is not None else _argparse_had["_"](message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    t = _translator.get()
    return (t.ngettext(singular, plural, count) if t is not None
            else _argparse_had["ngettext"](singular, plural, count))


@contextlib.contextmanager
def argparse_in(t: Translator) -> Iterator[None]:
    """argparse's texts in ``t``'s language within the block, in this context only."""
    global _blocks
    module = vars(argparse)
    with _lock:
        if _blocks == 0:
            _argparse_had.update(_=module["_"], ngettext=module["ngettext"])
            module["_"], module["ngettext"] = _gettext, _ngettext
        _blocks += 1
    token = _translator.set(t)
    try:
        yield
    finally:
        _translator.reset(token)
        with _lock:
            _blocks -= 1
            if _blocks == 0:
                module["_"], module["ngettext"] = _argparse_had["_"], _argparse_had["ngettext"]


class LocalizedParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose own words (and its sub-commands') are in one language."""

    def __init__(self, *args: Any, translator: Translator, **kwargs: Any) -> None:
        self.translator = translator
        with argparse_in(translator):
            super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs: Any) -> Any:
        """Sub-commands built in this parser's language."""
        kwargs.setdefault("parser_class",
                          functools.partial(LocalizedParser, translator=self.translator))
        with argparse_in(self.translator):
            return super().add_subparsers(**kwargs)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        with argparse_in(self.translator):
            return super().parse_known_args(*args, **kwargs)

    def parse_args(self, *args: Any, **kwargs: Any) -> Any:
        with argparse_in(self.translator):
            return super().parse_args(*args, **kwargs)

    def format_usage(self) -> str:
        with argparse_in(self.translator):
            return super().format_usage()

    def format_help(self) -> str:
        with argparse_in(self.translator):
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        with argparse_in(self.translator):
            super().error(message)


def language_before_parsing(argv: Sequence[str]) -> str:
    """The language of the command's arguments' own texts, before they are parsed.

    The last ``--lang X`` (or ``--lang=X``) naming a catalogue language, as argparse
    keeps the last; else the locale's, else French. A ``--lang`` naming no catalogue
    language is left for argparse to refuse, in the locale's language.
    """
    chosen = None
    for position, argument in enumerate(argv):
        if argument == "--":
            break
        value = (argv[position + 1] if argument == "--lang" and position + 1 < len(argv)
                 else argument.partition("=")[2] if argument.startswith("--lang=") else None)
        if value in LANGUAGES:
            chosen = value
    return choose_language(chosen)


__all__ = ["ARGPARSE_MESSAGES", "LocalizedParser", "argparse_in", "language_before_parsing"]
