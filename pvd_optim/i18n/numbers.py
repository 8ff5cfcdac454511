"""A language's translator: its messages and its way of writing numbers, money and shares.

Numbers follow the language's CLDR conventions through Babel: French groups
thousands with a narrow no-break space and writes ``25 800 000 €``, ``5,9 %``;
English writes ``€25,800,000``, ``5.9%``. Every figure a person reads goes
through one of these methods, so the two languages never mix separators.
"""

from __future__ import annotations

import gettext as _gettext
import math
from dataclasses import dataclass

from babel.numbers import format_currency, format_decimal, format_percent, get_decimal_symbol

#: CLDR locale used for the numbers of each catalogue language.
NUMBER_LOCALES: dict[str, str] = {"fr": "fr_FR", "en": "en_GB"}
MISSING = "–"


def _decimals(digits: int) -> str:
    return "0." + "0" * digits if digits > 0 else "0"


@dataclass(frozen=True, eq=False)
class Translator:
    """Messages and number formats of one language (``fr`` or ``en``)."""

    language: str
    catalogue: _gettext.NullTranslations

    @property
    def locale(self) -> str:
        """The CLDR locale of the numbers (``fr_FR``, ``en_GB``)."""
        return NUMBER_LOCALES[self.language]

    # ---- messages ---------------------------------------------------------------------------
    def gettext(self, message: str) -> str:
        """``message`` in this language."""
        return self.catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The form of a message for ``count``, in this language."""
        return self.catalogue.ngettext(singular, plural, count)

    # ---- numbers ----------------------------------------------------------------------------
    def number(self, value: float | None, digits: int = 0) -> str:
        """``value`` with thousands separated and ``digits`` decimals; ``–`` when missing."""
        if value is None or not math.isfinite(value):
            return MISSING
        if round(value, digits) == 0:
            value = 0.0  # never "-0"
        return format_decimal(value, format="#,##" + _decimals(digits), locale=self.locale)

    def decimal_mark(self, text: str) -> str:
        """A number Python wrote (``0.609``, ``1e-05``) with this language's decimal mark."""
        return text.replace(".", get_decimal_symbol(self.locale))

    def compact(self, value: float | None) -> str:
        """A readable number of any size: whole above 100, three significant digits below."""
        if value is None or not math.isfinite(value):
            return MISSING
        magnitude = abs(value)
        if magnitude >= 100 or magnitude == 0:
            return self.number(value)
        digits = max(0, 2 - math.floor(math.log10(magnitude)))
        return self.number(value, min(digits, 6))

    def eur(self, value: float | None, digits: int = 0) -> str:
        """An amount in euros: ``25 800 000 €`` (fr), ``€25,800,000`` (en)."""
        if value is None or not math.isfinite(value):
            return MISSING
        if round(value, digits) == 0:
            value = 0.0
        pattern = {"fr": "#,##{d}\u00a0¤", "en": "¤#,##{d}"}[self.language]
        return format_currency(value, "EUR", format=pattern.format(d=_decimals(digits)),
                               locale=self.locale, currency_digits=False)

    def percent(self, share: float | None, digits: int = 1, *, signed: bool = False) -> str:
        """A share as a percentage: ``5,9 %`` (fr), ``5.9%`` (en); ``+`` with ``signed``."""
        if share is None or not math.isfinite(share):
            return MISSING
        if round(share * 100, digits) == 0:
            share = 0.0
        body = "#,##" + _decimals(digits) + ("\u00a0%" if self.language == "fr" else "%")
        text = format_percent(share, format=body, locale=self.locale)
        return ("+" + text) if signed and share > 0 else text

    def keur_eq(self, value_keur: float | None, digits: int = 1) -> str:
        """An amount of benefit in k EUR-equivalents, with its unit."""
        unit = self.gettext("k EUR-eq")
        return f"{self.number(value_keur, digits)}\u00a0{unit}"

    def days(self, value: float | None, digits: int = 1) -> str:
        """Expert-days with their unit."""
        unit = self.gettext("days")
        return f"{self.number(value, digits)}\u00a0{unit}"
