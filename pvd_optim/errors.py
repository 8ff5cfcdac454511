"""One hierarchy of errors for everything pvd-optim reports to its users.

Each class also subclasses the builtin a caller would naturally catch
(``ValueError`` for bad input, ``RuntimeError`` for solver outcomes), so code
that does not know pvd-optim still handles them sensibly. The command line
prints ``str(error)`` on one line and exits with ``error.exit_code``.
"""

from __future__ import annotations

from pathlib import Path


class PvdError(Exception):
    """Base class of every error pvd-optim raises on purpose."""

    exit_code: int = 1


class InputError(PvdError, ValueError):
    """A user mistake in a file or a parameter; the message says where and how to fix it.

    Parameters
    ----------
    message:
        What is wrong and how to fix it.
    file:
        The file the mistake is in, if any.
    line:
        1-based line in that file, if known.
    field:
        Dotted name of the field (``resources.funding.envelope_eur``) or the
        column / INSEE code concerned, if any.
    """

    exit_code = 2

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
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
        if self.field:
            where = f"{where}: {self.field}" if where else self.field
        return f"{where}: {self.message}" if where else self.message


class ScenarioError(InputError):
    """A scenario file, override or parameter is invalid."""


class DataError(InputError):
    """Input data (embedded or planner-supplied CSV) is missing or malformed."""


class InfeasibleError(PvdError, RuntimeError):
    """No allocation satisfies every constraint; ``diagnosis`` explains the smallest relaxation."""

    exit_code = 3

    def __init__(self, message: str, diagnosis: object | None = None) -> None:
        self.diagnosis = diagnosis
        super().__init__(message)


class SolverError(PvdError, RuntimeError):
    """The solver failed, or stopped at a limit before finding any feasible allocation."""

    exit_code = 4


class VerificationError(PvdError, AssertionError):
    """The independent checker found a constraint violated: a bug, never a result."""

    exit_code = 1
