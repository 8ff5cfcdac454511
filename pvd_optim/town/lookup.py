"""Find the commune a planner names: an INSEE code, or a name written as people write it.

A name is compared without accents, case, hyphens or apostrophe variants
(``saint etienne du bois`` finds Saint-Étienne-du-Bois). A name shared by several
communes, or one that names none, is a one-line ``InputError`` (exit 2) that
lists the communes or the closest names, so the planner can give the code.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from typing import TYPE_CHECKING

from pvd_optim.codes import INSEE_CODE
from pvd_optim.errors import InputError
from pvd_optim.i18n import Translator

if TYPE_CHECKING:
    import pandas as pd

#: At most this many communes are listed in one error line.
LISTED = 12
_SEPARATORS = re.compile(r"[\s\-_'’ʼ`´.]+")


def normalise_name(name: str) -> str:
    """A commune name reduced for comparison: no accents, case, hyphens or apostrophes."""
    text = unicodedata.normalize("NFKD", name.replace("œ", "oe").replace("Œ", "Oe")
                                 .replace("æ", "ae").replace("Æ", "Ae"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return _SEPARATORS.sub(" ", text).strip()


@functools.cache
def _names_index(codes: tuple[str, ...], names: tuple[str, ...]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for code, name in zip(codes, names, strict=True):
        index.setdefault(normalise_name(name), []).append(code)
    return index


def _describe(table: pd.DataFrame, code: str, t: Translator) -> str:
    row = table.loc[code]
    mark = t.gettext(", Petite ville de demain") if bool(row.get("pvd", False)) else ""
    department = t.gettext("department {code}").format(code=row["department"])
    return f"{row['name']} ({code}, {department}{mark})"


def find_commune(query: str, table: pd.DataFrame, t: Translator) -> str:
    """The INSEE code of the one commune ``query`` names (a code or a name).

    ``table`` is the commune table (indexed by INSEE code); in the list of an
    ambiguous name, programme towns come first and are marked.
    """
    text = query.strip()
    if INSEE_CODE.fullmatch(text.upper()):
        code = text.upper()
        if code not in table.index:
            raise InputError(t.gettext("no commune has the INSEE code {code} in the 2026 "
                                       "register; check the code (five characters, e.g. "
                                       "01350)").format(code=code), field="--town")
        return code
    wanted = normalise_name(text)
    if not wanted:
        raise InputError(t.gettext("give an INSEE code or a commune name"), field="--town")
    index = _names_index(tuple(table.index.astype(str)), tuple(table["name"].astype(str)))
    codes = index.get(wanted, [])
    if len(codes) == 1:
        return codes[0]
    if len(codes) > 1:
        # Programme towns first: the likelier meaning of a programme question.
        ordered = sorted(codes, key=lambda c: (not bool(table.loc[c].get("pvd", False)), c))
        listed = "; ".join(_describe(table, c, t) for c in ordered[:LISTED])
        more = len(ordered) - LISTED
        raise InputError(
            t.gettext("{count} communes are named {name!r}: {listed}{more}; give the INSEE "
                      "code with --town").format(
                count=len(codes), name=text, listed=listed,
                more=t.gettext(" and {n} more").format(n=more) if more > 0 else ""),
            field="--town")
    close = difflib.get_close_matches(wanted, list(index), n=5, cutoff=0.8)
    hint = "; ".join(_describe(table, index[name][0], t) for name in close)
    raise InputError(
        t.gettext("no commune is named {name!r}").format(name=text)
        + (t.gettext("; did you mean: {names}").format(names=hint) if hint else
           t.gettext("; give its INSEE code or its name as written in the commune register")),
        field="--town")
