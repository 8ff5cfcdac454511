"""One hierarchy of errors for everything pvd-optim reports to its users, and the exit codes.

Each class also subclasses the builtin a caller would naturally catch
(``ValueError`` for bad input, ``RuntimeError`` for solver outcomes), so code
that does not know pvd-optim still handles them sensibly. The command line
prints ``error.render(t)`` on one line, in the run's language, and exits with
``error.exit_code``; ``str(error)`` is the English.

A message may be a catalogue message (``pvd_optim.i18n.message.Message``): a
``str`` that *is* its English text and has a ``render(t)`` method giving it in a
translator's language. This module is the foundation layer and imports nothing
of pvd-optim, so it knows such messages only by that method.

Every message is one line whatever a user wrote: control characters (a newline
or an escape sequence inside a quoted YAML key, say) are shown as escapes, so a
file cannot print a second, forged ``error:`` line or drive the terminal.
"""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Any


class ExitCode(enum.IntEnum):
    """The command line's exit codes: the one place they are defined."""

    OK = 0
    """Proven optimal (or the command succeeded)."""
    INTERNAL = 1
    """A bug in pvd-optim: please report it with the scenario."""
    INPUT = 2
    """Bad input: scenario, CSV, override, results folder or output target."""
    INFEASIBLE = 3
    """The scenario asks for the impossible; the diagnosis says what to change."""
    LIMIT = 4
    """Stopped at a limit without a proven optimum, or the solver failed."""
    INTERRUPTED = 130
    """Interrupted from the keyboard (the shell's convention, 128 + SIGINT)."""


# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators:
# anything a terminal or a log reader would take as a new line or a command.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\n``, ``\\x1b``...)."""
    def escape(match: re.Match[str]) -> str:
        char = match.group()
        named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
        if char in named:
            return named[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, text)


def _rendered(message: str, t: Any) -> str:
    """``message`` in ``t``'s language if it is a catalogue message, else as written."""
    render = getattr(message, "render", None)
    return render(t) if callable(render) else str(message)


class PvdError(Exception):
    """Base class of every error pvd-optim raises on purpose; ``str()`` is one line."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __str__(self) -> str:
        return one_line(super().__str__())

    def render(self, t: Any) -> str:
        """The message in the language of translator ``t``, on one line (``str()`` is English)."""
        if len(self.args) == 1 and isinstance(self.args[0], str):
            return one_line(_rendered(self.args[0], t))
        return str(self)


class InputError(PvdError, ValueError):
    """A user mistake in a file or a parameter; the message says where and how to fix it.

    Parameters
    ----------
    message:
        What is wrong and how to fix it: plain English, or a catalogue message
        (``Message``) that :meth:`render` gives in a reader's language.
    file:
        The file the mistake is in, if any.
    line:
        1-based line in that file, if known.
    field:
        Dotted name of the field (``resources.funding.envelope_eur``) or the
        column / INSEE code concerned, if any.
    """

    exit_code = ExitCode.INPUT

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        super().__init__(self._framed(str(message)))

    def render(self, t: Any) -> str:
        """"FILE:LINE: FIELD: message" with the message in translator ``t``'s language.

        The frame is the same in every language (file names and field paths are the
        user's own); only the message is translated, and escaped as ``str()`` is.
        """
        return one_line(self._framed(_rendered(self.message, t)))

    def _framed(self, message: str) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
        if self.field:
            where = f"{where}: {self.field}" if where else self.field
        return f"{where}: {message}" if where else message


class ScenarioError(InputError):
    """A scenario file, override or parameter is invalid."""


class DataError(InputError):
    """Input data (embedded or planner-supplied CSV) is missing or malformed."""


class OutputError(InputError):
    """An output target cannot be written (not a folder, read-only, full disk...)."""


class InfeasibleError(PvdError, RuntimeError):
    """No allocation satisfies every constraint; ``diagnosis`` explains the smallest relaxation."""

    exit_code = ExitCode.INFEASIBLE

    def __init__(self, message: str, diagnosis: object | None = None) -> None:
        self.diagnosis = diagnosis
        super().__init__(message)


class SolverError(PvdError, RuntimeError):
    """The solver failed, or stopped at a limit before finding any feasible allocation."""

    exit_code = ExitCode.LIMIT


class VerificationError(PvdError, AssertionError):
    """The independent checker found a constraint violated: a bug, never a result."""

    exit_code = ExitCode.INTERNAL
