"""Sentences built once, with their numbers, and rendered in the language of whoever reads them.

The diagnosis words its fixes while it solves, long before anyone knows who will
read them: ``explain.md`` in French, ``diagnosis.json`` and the tests in English.
A :class:`Message` *is* its English text (a ``str``: code, JSON and tests that read
it as text keep working) and remembers its catalogue template and values, so that
:meth:`Message.render` gives it in another language, numbers formatted the way that
language writes them (``42,975 M€``-style decimals in French, ``42.975`` in English).

Templates are ``str.format`` templates with format specs (``{needed:,.3f}``); a value
is a proper name (``str``, inserted as is), a number, another :class:`Message` (or a
:class:`Plural`), or a :func:`joined` list of them. The English rendering is exactly
``template.format(**values)``.
"""

from __future__ import annotations

import functools
import numbers
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pvd_optim.i18n import N_, placeholders
from pvd_optim.i18n.numbers import Translator

#: Decimals and type of a numeric format spec: ``,.3f`` -> 3, ``f``; ``,`` -> None, "".
_SPEC = re.compile(r"^(?P<align>.*?)(?P<comma>,)?(?:\.(?P<digits>\d+))?(?P<type>[dfg%]?)$")


class Message(str):
    """An English sentence that can be rendered in any catalogue language."""

    template: str
    values: Mapping[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> Message:
        text = super().__new__(cls, template.format(**values))
        text.template = template
        text.values = values
        return text

    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        # Copies and pickles (a sweep's workers) rebuild the message, not just its text.
        return (self.template,), dict(self.values)

    def render(self, t: Translator) -> str:
        """The sentence in ``t``'s language, its numbers formatted for it."""
        if t.language == "en":
            return str(self)
        return _Formatter(t).vformat(t.gettext(self.template), (), self.values)


class Plural(Message):
    """A sentence whose form depends on a count (``1 more post``, ``2 more posts``)."""

    plural: str
    number: int  # the count (``str.count`` is taken)

    def __new__(cls, singular: str, plural: str, count: int, /, **values: Any) -> Plural:
        chosen = singular if count == 1 else plural
        text = str.__new__(cls, chosen.format(count=count, **values))
        text.template, text.plural, text.number = singular, plural, count
        text.values = {"count": count, **values}
        return text

    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        values = {k: v for k, v in self.values.items() if k != "count"}
        return (self.template, self.plural, self.number), values

    def render(self, t: Translator) -> str:
        """The form of ``t``'s language for the count, its numbers formatted for it."""
        if t.language == "en":
            return str(self)
        return _Formatter(t).vformat(t.ngettext(self.template, self.plural, self.number), (),
                                     self.values)


class _Joined(str):
    """Several messages one after the other, each rendered in the reader's language."""

    parts: tuple[str, ...]
    separator: str

    def __new__(cls, parts: Iterable[str], separator: str) -> _Joined:
        items = tuple(parts)
        text = super().__new__(cls, separator.join(items))
        text.parts, text.separator = items, separator
        return text

    def __getnewargs__(self) -> tuple[Any, ...]:
        return self.parts, self.separator

    def render(self, t: Translator) -> str:
        return t.gettext(self.separator).join(render(part, t) for part in self.parts)


#: The separator of :func:`joined` lists (a catalogue message: French sets it off by spaces).
LIST_SEPARATOR = N_("; ")


def joined(parts: Iterable[str], separator: str = LIST_SEPARATOR) -> str:
    """``parts`` (messages or names) joined by ``separator`` (a catalogue message), rendered
    part by part."""
    return _Joined(parts, separator)


def first_and_rest(parts: Sequence[str], limit: int, rest: Callable[[int], str],
                   separator: str = LIST_SEPARATOR) -> Message:
    """The first ``limit`` of ``parts`` :func:`joined`, then ``rest(n)`` for the ``n`` left out.

    ``rest`` words the count ("; and 2 more départements"); nothing follows when every
    part is shown.
    """
    left = len(parts) - limit
    return Message("{shown}{more}", shown=joined(parts[:limit], separator),
                   more=rest(left) if left > 0 else "")


def render(text: str, t: Translator) -> str:
    """``text`` in ``t``'s language: a message rendered, plain text as it is."""
    return text.render(t) if isinstance(text, Message | _Joined) else text


class _Formatter(string.Formatter):
    """``str.format`` whose numbers follow a translator's locale (the English is Python's)."""

    def __init__(self, t: Translator) -> None:
        self.t = t

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Message | _Joined):
            return value.render(self.t)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return super().format_field(value, format_spec)
        if not format_spec:  # a year, a count written as is: only the decimal mark changes
            return self.t.decimal_mark(str(value)) if isinstance(value, float) else str(value)
        spec = _SPEC.match(format_spec)
        if spec is None or spec["align"]:
            return super().format_field(value, format_spec)
        digits, kind = spec["digits"], spec["type"]
        if kind == "%":
            return self.t.percent(float(value), int(digits or 0))
        if kind == "g":  # significant digits: only the decimal mark changes
            return self.t.decimal_mark(super().format_field(value, format_spec))
        return self.t.number(float(value), int(digits or 0))


# ---- messages as data: kept in a file, rendered when read back in the reader's language ----

#: Deepest nesting of messages inside messages accepted when reading them back.
MAX_DEPTH = 8


def message_data(text: Any) -> Any:
    """``text`` as JSON-ready data that :func:`message_from_data` turns back into it.

    A :class:`Message` keeps its template and values (``{"message": ..., "values":
    {...}}``; a :class:`Plural` also its ``plural`` and ``count``), a :func:`joined`
    list its parts and separator, plain text stays text and numbers numbers: read
    back, the sentence renders in the reader's language, not the writer's.
    """
    if isinstance(text, Plural):
        values = {k: message_data(v) for k, v in text.values.items() if k != "count"}
        return {"message": text.template, "plural": text.plural, "count": text.number,
                "values": values}
    if isinstance(text, Message):
        return {"message": text.template,
                "values": {k: message_data(v) for k, v in text.values.items()}}
    if isinstance(text, _Joined):
        return {"joined": [message_data(part) for part in text.parts],
                "separator": text.separator}
    if isinstance(text, bool) or not isinstance(text, numbers.Real):
        return str(text)  # a name, a path: as the English shows it
    return int(text) if isinstance(text, numbers.Integral) else float(text)


def message_from_data(data: Any, known: frozenset[str] | None = None, *, _depth: int = 0) -> Any:
    """The message :func:`message_data` wrote, checked: ``ValueError`` for anything else.

    Data read from a file is not trusted: a template (and a plural form, a
    separator) must be a message of the catalogue (``known``: its msgids, default
    the English catalogue's), so that only the code's own ``str.format`` templates
    are ever formatted, and its values must fill its placeholders.
    """
    known = catalogued_messages() if known is None else known
    if _depth > MAX_DEPTH:
        raise ValueError("messages nested too deep")
    if isinstance(data, bool) or data is None:
        raise ValueError(f"not a message value: {data!r}")
    if isinstance(data, str | int | float):
        return data
    if not isinstance(data, dict):
        raise ValueError(f"not a message value: {type(data).__name__}")
    if set(data) == {"joined", "separator"}:
        parts, separator = data["joined"], data["separator"]
        if not isinstance(parts, list) or separator not in known:
            raise ValueError("not a list of messages")
        return joined((message_from_data(p, known, _depth=_depth + 1) for p in parts),
                      separator)
    template, values = data.get("message"), data.get("values")
    if (set(data) - {"message", "values", "plural", "count"} or not isinstance(values, dict)
            or not isinstance(template, str) or template not in known):
        raise ValueError(f"not a catalogue message: {template!r}")
    filled = {str(k): message_from_data(v, known, _depth=_depth + 1) for k, v in values.items()}
    try:
        if "plural" in data or "count" in data:
            plural, count = data.get("plural"), data.get("count")
            if not isinstance(plural, str) or not isinstance(count, int) or isinstance(
                    count, bool) or not placeholders(plural) <= {*filled, "count"}:
                raise ValueError(f"not a plural message: {template!r}")
            if not placeholders(template) <= {*filled, "count"}:
                raise ValueError(f"values do not fill {template!r}")
            return Plural(template, plural, count, **filled)
        if not placeholders(template) <= set(filled):
            raise ValueError(f"values do not fill {template!r}")
        return Message(template, **filled)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ValueError(f"values do not fit {template!r}: {exc}") from None


@functools.cache
def catalogued_messages() -> frozenset[str]:
    """The msgids of the catalogue (a plural message by its singular), read once."""
    from babel.messages.mofile import read_mo

    from pvd_optim.i18n import DOMAIN, LOCALE_DIR

    with (LOCALE_DIR / "en" / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as handle:
        catalogue = read_mo(handle)
    return frozenset(m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id)
