"""French and English for what people read: one message catalogue, chosen once per run.

Messages are written in English in the code, marked with :func:`gettext` (or a
:class:`Translator`'s ``gettext``), and translated in the gettext catalogues
``pvd_optim/i18n/locale/<lang>/LC_MESSAGES/pvd_optim.po``. The compiled
``.mo`` files are committed beside them (``python -m pvd_optim.i18n.catalogue
compile`` rewrites them; a test fails when they differ from the ``.po``, or when
a message exists in one language only), so a fresh ``pip install -e .`` needs no
extra step.

The language of a run is chosen once (:func:`choose_language`): an explicit
choice (``--lang``), else a configured one (e.g. a scenario's output option),
else the environment's locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
``LANG``, in gettext's order), else French. :func:`use` makes it the active
language for code that calls the module-level :func:`gettext`; code that renders
several languages in one process passes a :class:`Translator` instead.

Numbers are formatted for people by the translator too (:mod:`.numbers`, on
Babel's CLDR data): ``25 800 000 €`` in French, ``€25,800,000`` in English.
"""

from __future__ import annotations

import contextlib
import functools
import gettext as _gettext
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from pvd_optim.errors import InputError
from pvd_optim.i18n.numbers import Translator

#: Languages with a catalogue; the first is the default.
LANGUAGES: tuple[str, ...] = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
DOMAIN = "pvd_optim"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: Environment variables naming the locale, in the order gettext reads them.
LOCALE_VARIABLES: tuple[str, ...] = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


_PLACEHOLDER = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)[^{}]*\}")


def placeholders(message: str) -> set[str]:
    """The names of the ``{placeholders}`` a message's ``str.format`` fills."""
    return set(_PLACEHOLDER.findall(message))


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (translated where shown)."""
    return message


def check_language(language: str, *, field: str = "--lang") -> str:
    """``language`` if it has a catalogue, else a one-line ``InputError`` naming the choices."""
    if language not in LANGUAGES:
        from pvd_optim.i18n.message import Message  # message imports this module

        raise InputError(Message("unknown language {language}; choose one of {languages}",
                                 language=repr(language), languages=", ".join(LANGUAGES)),
                         field=field)
    return language


def language_from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The catalogue language the environment's locale names, or ``None``.

    As in gettext, ``LANGUAGE`` (a colon-separated list of preferences) is read
    first, its first language with a catalogue winning; then the first of
    ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set decides. ``C`` and
    ``POSIX`` name no language; a locale of a language without a catalogue
    (``de_DE``) gives ``None``.
    """
    env = os.environ if environ is None else environ

    def code_of(item: str) -> str:
        return item.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()

    for item in env.get("LANGUAGE", "").split(":"):
        if code_of(item) in LANGUAGES:
            return code_of(item)
    for variable in LOCALE_VARIABLES[1:]:
        code = code_of(env.get(variable, ""))
        if code in ("", "c", "posix"):
            continue
        return code if code in LANGUAGES else None
    return None


def choose_language(explicit: str | None = None, *, configured: str | None = None,
                    environ: Mapping[str, str] | None = None) -> str:
    """The language of a run: ``explicit``, else ``configured``, else the locale, else French."""
    if explicit:
        return check_language(explicit)
    if configured:
        return check_language(configured, field="output.language")
    return language_from_environment(environ) or DEFAULT_LANGUAGE


@functools.cache
def translator(language: str) -> Translator:
    """The translator of one language (catalogue loaded once per process)."""
    check_language(language)
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as handle:
        catalogue = _gettext.GNUTranslations(handle)
    return Translator(language, catalogue)


_active: list[Translator] = []


def use(language: str) -> Translator:
    """Make ``language`` the run's language for :func:`gettext`; returns its translator."""
    chosen = translator(language)
    _active[:] = [chosen]
    return chosen


@contextlib.contextmanager
def using(language: str) -> Iterator[Translator]:
    """``language`` active for the block (a report rendered in one language), then the previous."""
    previous = list(_active)
    try:
        yield use(language)
    finally:
        _active[:] = previous


@contextlib.contextmanager
def restored() -> Iterator[None]:
    """The active language as it was before the block, whatever the block chose with :func:`use`.

    A command run in-process (``pvd_optim.cli.main`` called from Python or a test) chooses
    its language for itself, not for the caller's later calls.
    """
    previous = list(_active)
    try:
        yield
    finally:
        _active[:] = previous


def active() -> Translator:
    """The run's translator: the one :func:`use` chose, else the locale's, else French."""
    return _active[0] if _active else translator(choose_language())


def gettext(message: str) -> str:
    """``message`` in the run's language."""
    return active().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for ``count``, in the run's language."""
    return active().ngettext(singular, plural, count)


_ = gettext

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "N_", "Translator", "active", "check_language",
           "choose_language", "gettext", "language_from_environment", "ngettext", "restored",
           "translator", "use", "using"]
